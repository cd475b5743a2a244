//! tongchou: parse the command line, run, and map the outcome to a
//! documented exit code (0 clean, 3 quarantined lines, 2 usage or rule
//! file, 1 other fatal).

use clap::Parser;
use std::process::ExitCode;
use tongchou::cli::{Cli, Command};
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
        Command::Run(args) => {
            let cfg = match args.into_config(command) {
                Ok(c) => c,
                Err(msg) => {
                    eprintln!("error: {msg}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            let progress = Progress::new(cfg.quiet);
            match run(&cfg, &progress) {
                Ok(report) => {
                    for w in &report.warnings {
                        eprintln!("warning: {w}");
                    }
                    if !cfg.quiet {
                        print!("{}", report.summary);
                        println!(
                            "period {}: {} claims settled, {} claim lines quarantined; outputs in {}",
                            report.period,
                            report.claims,
                            report.lines_quarantined,
                            report.out_dir.display()
                        );
                    }
                    if report.lines_quarantined > 0 {
                        eprintln!(
                            "warning: {} claim lines quarantined: see {}",
                            report.lines_quarantined,
                            report.out_dir.join("rejects.csv").display()
                        );
                        ExitCode::from(EXIT_QUARANTINED)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(match e {
                        RunError::Rules(_)
                        | RunError::Usage(_)
                        | RunError::Staging(StagingError::Exists(_)) => EXIT_USAGE,
                        _ => EXIT_FATAL,
                    })
                }
            }
        }
        Command::Synth(args) => match tongchou::synth::run_cli(args) {
            Ok(summary) => {
                println!("{summary}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(EXIT_FATAL)
            }
        },
    }
}
