//! The progress bar: on stderr while a run works, only when stderr is a
//! terminal and `--quiet` is not given. Nothing else in the crate knows
//! indicatif.
//!
//! With `--log-format json` there is no bar: each phase is one JSON line
//! on stderr instead (`{"event":"phase","phase":"reading",…}`), for logs
//! collected from cron or a scheduler.

use crate::core::adjudicate::Lang;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A phase counted in steps (lines adjudicated, files written).
const COUNT: &str =
    "{spinner} {msg:<12} [{bar:30}] {human_pos}/{human_len} {per_sec} {elapsed} eta {eta}";
/// The reading phase, counted in bytes of the claim files.
const BYTES: &str =
    "{spinner} {msg:<12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {elapsed} eta {eta}";

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

pub struct Progress {
    bar: Option<ProgressBar>,
    /// Phase names in this language.
    lang: Lang,
    /// One JSON event per phase on stderr (`--log-format json`).
    json: Option<Instant>,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            b.set_style(style(COUNT));
            // The spinner ticks on its own, also while a phase has no
            // steps to count.
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Progress {
            bar,
            lang: Lang::En,
            json: None,
        }
    }

    /// Name the phases in `lang` (`--lang`).
    pub fn with_lang(mut self, lang: Lang) -> Progress {
        self.lang = lang;
        self
    }

    /// One JSON line per phase on stderr, and no bar (`--log-format json`).
    pub fn json(mut self) -> Progress {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        self.json = Some(Instant::now());
        self
    }

    /// A silent progress (tests, library use).
    pub fn hidden() -> Progress {
        Progress {
            bar: None,
            lang: Lang::En,
            json: None,
        }
    }

    fn name(&self, phase: &'static str) -> &'static str {
        match (self.lang, phase) {
            (Lang::Zh, "reading") => "读取",
            (Lang::Zh, "adjudicating") => "结算",
            (Lang::Zh, "writing") => "写出",
            (_, p) => p,
        }
    }

    fn event(&self, event: &str, phase: Option<&str>, len: Option<u64>) {
        if let Some(t0) = self.json {
            let mut v = serde_json::json!({
                "event": event,
                "elapsed_ms": t0.elapsed().as_millis() as u64,
            });
            if let Some(p) = phase {
                v["phase"] = p.into();
            }
            if let Some(n) = len {
                v["steps"] = n.into();
            }
            eprintln!("{v}");
        }
    }

    /// Start a stage of `len` steps (bytes for `reading`).
    pub fn stage(&self, msg: &'static str, len: u64) {
        self.event("phase", Some(msg), Some(len));
        if let Some(b) = &self.bar {
            b.set_style(style(if msg == "reading" { BYTES } else { COUNT }));
            b.set_message(self.name(msg));
            b.set_length(len);
            b.set_position(0);
            b.reset_eta();
        }
    }

    pub fn inc(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc(n);
        }
    }

    pub fn finish(&self) {
        self.event("done", None, None);
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
