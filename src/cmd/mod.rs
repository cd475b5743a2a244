//! The subcommands, one file each, all with one signature:
//! `pub fn run(args) -> Result<Outcome, XError>`. A command does its work
//! and returns what to print; `main` prints it and maps the outcome or the
//! error to the exit code (see [`crate::error::Error::exit_code`]).

pub mod compare;
pub mod explain;
pub mod rules;
pub mod run;
pub mod synth;

/// What a completed command prints, and whether it completed clean.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Warnings, printed to stderr (each after `warning: `) before `stdout`.
    pub warnings: Vec<String>,
    /// The command's answer, printed to stdout (a final newline is added
    /// when missing; nothing is printed when empty).
    pub stdout: String,
    /// Warnings printed after `stdout`: the last word a person reads.
    pub closing: Vec<String>,
    /// Completed, but some claim lines were quarantined (exit code 3).
    pub quarantined: bool,
}

impl Outcome {
    /// A clean outcome that prints `text`.
    pub fn text(text: String) -> Outcome {
        Outcome {
            stdout: text,
            ..Outcome::default()
        }
    }
}
