//! The one top-level error: each subcommand's typed error, and the exit code
//! it maps to (README, "Exit codes").
//!
//! An own enum rather than `anyhow`: the exit code is decided by what went
//! wrong, so the variants must stay matchable up to `main`, and every
//! message is already a full sentence naming file, line and column.

use crate::cli::UsageError;
use crate::cmd::rules::RulesError;
use crate::compare::CompareError;
use crate::explain::ExplainError;
use crate::output::staging::StagingError;
use crate::run::RunError;
use crate::synth::SynthError;

/// Completed, nothing quarantined.
pub const EXIT_OK: u8 = 0;
/// Any fatal error not below: nothing final is written.
pub const EXIT_FATAL: u8 = 1;
/// A usage error, an unusable rule file, or an output that may not be
/// written.
pub const EXIT_USAGE: u8 = 2;
/// Completed, outputs complete, but some claim lines were quarantined.
pub const EXIT_QUARANTINED: u8 = 3;

/// Why a command did not complete.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error(transparent)]
    Compare(#[from] CompareError),
    #[error(transparent)]
    Synth(#[from] SynthError),
    #[error(transparent)]
    Explain(#[from] ExplainError),
}

impl Error {
    /// The documented exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) | Error::Rules(_) => EXIT_USAGE,
            Error::Run(
                RunError::Rules(_)
                | RunError::Usage(_)
                | RunError::Staging(StagingError::Exists(_) | StagingError::Refused(_)),
            ) => EXIT_USAGE,
            Error::Compare(CompareError::DifferentInputs(_) | CompareError::Refused(_)) => {
                EXIT_USAGE
            }
            Error::Synth(SynthError::Usage(_)) => EXIT_USAGE,
            Error::Explain(ExplainError::Usage(_)) => EXIT_USAGE,
            Error::Run(_) | Error::Compare(_) | Error::Synth(_) | Error::Explain(_) => EXIT_FATAL,
        }
    }
}
