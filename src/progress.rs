//! The progress bar: on stderr while a run works, only when stderr is a
//! terminal and `--quiet` is not given. Nothing else in the crate knows
//! indicatif.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            if let Ok(style) =
                ProgressStyle::with_template("{spinner} {msg:<12} [{bar:30}] {pos}/{len} {elapsed}")
            {
                b.set_style(style.progress_chars("=> "));
            }
            b
        });
        Progress { bar }
    }

    /// A silent progress (tests, library use).
    pub fn hidden() -> Progress {
        Progress { bar: None }
    }

    /// Start a stage of `len` steps.
    pub fn stage(&self, msg: &'static str, len: u64) {
        if let Some(b) = &self.bar {
            b.set_message(msg);
            b.set_length(len);
            b.set_position(0);
        }
    }

    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
