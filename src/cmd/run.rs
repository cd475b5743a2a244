//! `tongchou run`: settle one period (the stages are [`crate::run`]) and
//! say what was written.

use super::Outcome;
use crate::cli::RunArgs;
use crate::messages;
use crate::progress::Progress;
use crate::run::{run as settle, RunError};

/// The `run` subcommand.
pub fn run(args: RunArgs) -> Result<Outcome, RunError> {
    // `--log-format json`: the phases and the warnings as JSON events.
    let json_log = args.log_format == "json";
    // The manifest records the command line as given.
    let cfg = args.into_config(std::env::args().collect())?;
    let mut progress = Progress::new(cfg.quiet).with_lang(cfg.lang);
    if json_log {
        progress = progress.json();
    }
    let r = settle(&cfg, &progress)?;
    let mut out = Outcome {
        warnings: r.warnings,
        quarantined: r.lines_quarantined > 0,
        json_log,
        ..Outcome::default()
    };
    if !cfg.quiet {
        out.stdout = format!(
            "{}{}\n",
            r.summary,
            messages::closing_line(
                cfg.lang,
                &r.period.to_string(),
                r.claims,
                r.lines_quarantined,
                &r.out_dir
            )
        );
    }
    if out.quarantined {
        out.closing.push(messages::quarantined_line(
            cfg.lang,
            r.lines_quarantined,
            &r.out_dir.join("rejects.csv"),
        ));
    }
    Ok(out)
}

impl From<crate::cli::UsageError> for RunError {
    fn from(e: crate::cli::UsageError) -> RunError {
        RunError::Usage(e.0)
    }
}
