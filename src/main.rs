//! tongchou: parse the command line, run the subcommand, and map the
//! outcome to a documented exit code (0 clean, 3 quarantined lines, 2 usage
//! or rule file, 1 other fatal).

use clap::Parser;
use std::process::ExitCode;
use tongchou::cli::{Cli, Command, CompareArgs, ExplainArgs, RulesCommand, RunArgs};
use tongchou::output::staging::StagingError;
use tongchou::progress::Progress;
use tongchou::run::{run, RunError};

const EXIT_QUARANTINED: u8 = 3;
const EXIT_USAGE: u8 = 2;
const EXIT_FATAL: u8 = 1;

fn main() -> ExitCode {
    let command: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Run(args) => run_command(args, command),
        Command::Synth(args) => match tongchou::synth::run_cli(args) {
            Ok(text) => report(Ok(text), EXIT_FATAL),
            Err(e @ tongchou::synth::SynthError::Usage(_)) => {
                report(Err(e.to_string()), EXIT_USAGE)
            }
            Err(e) => report(Err(e.to_string()), EXIT_FATAL),
        },
        Command::Rules { command } => rules_command(command),
        Command::Compare(args) => compare_command(args),
        Command::Explain(args) => explain_command(args),
    }
}

/// Print a result, or the error with the given exit code.
fn report(result: Result<String, String>, code: u8) -> ExitCode {
    match result {
        Ok(text) => {
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(code)
        }
    }
}

fn run_command(args: RunArgs, command: Vec<String>) -> ExitCode {
    let cfg = match args.into_config(command) {
        Ok(c) => c,
        Err(msg) => return report(Err(msg), EXIT_USAGE),
    };
    let progress = Progress::new(cfg.quiet);
    match run(&cfg, &progress) {
        Ok(r) => {
            for w in &r.warnings {
                eprintln!("warning: {w}");
            }
            if !cfg.quiet {
                print!("{}", r.summary);
                println!(
                    "period {}: {} claims settled, {} claim lines quarantined; outputs in {}",
                    r.period,
                    r.claims,
                    r.lines_quarantined,
                    r.out_dir.display()
                );
            }
            if r.lines_quarantined == 0 {
                return ExitCode::SUCCESS;
            }
            let rejects = r.out_dir.join("rejects.csv");
            eprintln!(
                "warning: {} claim lines quarantined: see {}",
                r.lines_quarantined,
                rejects.display()
            );
            ExitCode::from(EXIT_QUARANTINED)
        }
        Err(e) => {
            let code = match e {
                RunError::Rules(_)
                | RunError::Usage(_)
                | RunError::Staging(StagingError::Exists(_) | StagingError::Refused(_)) => {
                    EXIT_USAGE
                }
                _ => EXIT_FATAL,
            };
            report(Err(e.to_string()), code)
        }
    }
}

fn rules_command(command: RulesCommand) -> ExitCode {
    match command {
        RulesCommand::Check { dir } => report(
            tongchou::rules_cmd::check(&dir).map_err(|e| e.to_string()),
            EXIT_USAGE,
        ),
        RulesCommand::Show {
            city,
            rules,
            date,
            what_if,
        } => {
            let shown = (|| {
                let date = match date {
                    Some(d) => Some(
                        tongchou::date::Date::parse(&d)
                            .ok_or(format!("--date `{d}` is not YYYY-MM-DD"))?,
                    ),
                    None => None,
                };
                let (overrides, _) = what_if.resolve()?;
                let mut book = tongchou::rules::load_dir(&rules).map_err(|e| e.to_string())?;
                tongchou::rules::apply_overrides(&mut book, &overrides)
                    .map_err(|e| e.to_string())?;
                tongchou::rules_cmd::show(&book, &city, date)
            })();
            report(shown, EXIT_USAGE)
        }
    }
}

fn compare_command(a: CompareArgs) -> ExitCode {
    use tongchou::compare::{compare, CompareError};
    match compare(
        &a.base,
        &a.scenario,
        &a.out,
        a.allow_different_inputs,
        a.force,
    ) {
        Ok(text) => report(Ok(text), EXIT_FATAL),
        Err(e @ (CompareError::DifferentInputs(_) | CompareError::Refused(_))) => {
            report(Err(e.to_string()), EXIT_USAGE)
        }
        Err(e) => report(Err(e.to_string()), EXIT_FATAL),
    }
}

fn explain_command(a: ExplainArgs) -> ExitCode {
    use tongchou::explain::{explain, ExplainError};
    let req = match a.into_request() {
        Ok(r) => r,
        Err(msg) => return report(Err(msg), EXIT_USAGE),
    };
    match explain(&req) {
        Ok(text) => report(Ok(text), EXIT_FATAL),
        Err(e @ ExplainError::Usage(_)) => report(Err(e.to_string()), EXIT_USAGE),
        Err(e) => report(Err(e.to_string()), EXIT_FATAL),
    }
}

/// mimalloc: a run makes and frees millions of small strings; the system
/// allocator spent a fifth of a month's run in malloc, free and zeroing
/// fresh pages.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
