//! `tongchou compare`: a what-if run against its base run (the work is in
//! [`crate::compare`]).

use super::Outcome;
use crate::cli::CompareArgs;
use crate::compare::{compare, CompareError};

/// The `compare` subcommand.
pub fn run(a: CompareArgs) -> Result<Outcome, CompareError> {
    let lang = a.lang().map_err(|e| CompareError::Refused(e.0))?;
    let text = compare(
        &a.base,
        &a.scenario,
        &a.out,
        a.allow_different_inputs,
        a.force,
        lang,
    )?;
    Ok(Outcome::text(text))
}
