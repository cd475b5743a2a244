//! `tongchou run`: settle one period (the stages are [`crate::run`]) and
//! say what was written.

use super::Outcome;
use crate::cli::RunArgs;
use crate::progress::Progress;
use crate::run::{run as settle, RunError};

/// The `run` subcommand.
pub fn run(args: RunArgs) -> Result<Outcome, RunError> {
    // The manifest records the command line as given.
    let cfg = args.into_config(std::env::args().collect())?;
    let progress = Progress::new(cfg.quiet);
    let r = settle(&cfg, &progress)?;
    let mut out = Outcome {
        warnings: r.warnings,
        quarantined: r.lines_quarantined > 0,
        ..Outcome::default()
    };
    if !cfg.quiet {
        out.stdout = format!(
            "{}period {}: {} claims settled, {} claim lines quarantined; outputs in {}\n",
            r.summary,
            r.period,
            r.claims,
            r.lines_quarantined,
            r.out_dir.display()
        );
    }
    if out.quarantined {
        out.closing.push(format!(
            "{} claim lines quarantined: see {}",
            r.lines_quarantined,
            r.out_dir.join("rejects.csv").display()
        ));
    }
    Ok(out)
}

impl From<crate::cli::UsageError> for RunError {
    fn from(e: crate::cli::UsageError) -> RunError {
        RunError::Usage(e.0)
    }
}
