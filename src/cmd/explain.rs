//! `tongchou explain`: trace claims of a run (the tracing is
//! [`crate::explain`]).

use super::Outcome;
use crate::cli::ExplainArgs;
use crate::explain::{explain, ExplainError};

/// The `explain` subcommand.
pub fn run(a: ExplainArgs) -> Result<Outcome, ExplainError> {
    let req = a.into_request()?;
    explain(&req).map(Outcome::text)
}

impl From<crate::cli::UsageError> for ExplainError {
    fn from(e: crate::cli::UsageError) -> ExplainError {
        ExplainError::Usage(e.0)
    }
}
