//! `tongchou man`: the manual page (roff), generated from the command
//! line's own description, e.g. `tongchou man > tongchou.1`.

use super::Outcome;
use crate::cli::Cli;
use clap::CommandFactory;

/// The `man` subcommand.
pub fn run() -> Result<Outcome, std::io::Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut page)?;
    Ok(Outcome::text(String::from_utf8_lossy(&page).into_owned()))
}
