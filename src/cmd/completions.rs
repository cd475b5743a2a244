//! `tongchou completions SHELL`: a shell completion script, generated from
//! the command line's own description.

use super::Outcome;
use crate::cli::Cli;
use clap::CommandFactory;

/// The `completions` subcommand.
pub fn run(shell: clap_complete::Shell) -> Result<Outcome, std::io::Error> {
    // Into memory: the generator panics on a write error (a closed pipe);
    // printing the text does not.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tongchou", &mut script);
    Ok(Outcome::text(String::from_utf8_lossy(&script).into_owned()))
}
