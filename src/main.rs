//! tongchou: parse the command line, run the subcommand, print its outcome,
//! and map it to a documented exit code (0 clean, 3 quarantined lines, 2
//! usage or rule file, 1 other fatal; see `tongchou::error`).

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use tongchou::cli::{Cli, Command};
use tongchou::cmd::{self, Outcome};
use tongchou::error::{Error, EXIT_OK, EXIT_QUARANTINED, EXIT_USAGE};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let lang = cli.command.lang();
    let outcome: Result<Outcome, Error> = match cli.command {
        Command::Run(a) => cmd::run::run(a).map_err(Error::from),
        Command::Synth(a) => cmd::synth::run(a).map_err(Error::from),
        Command::Rules { command } => cmd::rules::run(command).map_err(Error::from),
        Command::Compare(a) => cmd::compare::run(a).map_err(Error::from),
        Command::Explain(a) => cmd::explain::run(a).map_err(Error::from),
        Command::Completions { shell } => cmd::completions::run(shell).map_err(Error::from),
        Command::Man => cmd::man::run().map_err(Error::from),
    };
    match outcome {
        Ok(o) => {
            for w in &o.warnings {
                eprintln!("{}", o.warning_line(w));
            }
            // A reader that stops early (`| head`) closes the pipe: the work
            // is done all the same, so the rest is dropped without a word
            // and the exit code still says how the command went.
            let _ = print(&o.stdout);
            for w in &o.closing {
                eprintln!("{}", o.warning_line(w));
            }
            ExitCode::from(if o.quarantined {
                EXIT_QUARANTINED
            } else {
                EXIT_OK
            })
        }
        Err(e) => {
            eprintln!("{}", e.render(lang));
            ExitCode::from(e.exit_code())
        }
    }
}

/// Print a command's answer, ending it with a newline.
fn print(text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// mimalloc: a run makes and frees millions of small strings; the system
/// allocator spent a fifth of a month's run in malloc, free and zeroing
/// fresh pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
