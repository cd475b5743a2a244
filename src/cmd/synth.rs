//! `tongchou synth`: write a generated month (the generator is
//! [`crate::synth`]).

use super::Outcome;
use crate::cli::SynthArgs;
use crate::synth::SynthError;

/// The `synth` subcommand.
pub fn run(a: SynthArgs) -> Result<Outcome, SynthError> {
    crate::synth::run_cli(a).map(Outcome::text)
}
