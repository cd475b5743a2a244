//! The command line: clap definitions and their validation into typed
//! configurations. No work happens here.

use crate::core::adjudicate::Lang;
use crate::core::date::Months;
use crate::core::rules::{Override, Scenario};
use crate::input::Encodings;
use crate::run::RunConfig;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// A command line that parses but does not make sense (a bad value, a
/// missing choice): the sentence says what is wrong. Exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

#[derive(Debug, Parser)]
#[command(
    name = "tongchou",
    version,
    about = "Batch adjudicator for employee medical insurance general outpatient pooling (职工医保门诊统筹)",
    after_help = "Exit codes: 0 clean; 3 completed but some claim lines quarantined (see rejects.csv); \
                  2 usage or rule-file error; 1 other fatal error (nothing is written)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size difference between variants is moot.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Adjudicate one period of claims and write the settlement (结算一个月).
    Run(RunArgs),
    /// Write a generated month (data directory) for tests and benchmarks.
    Synth(SynthArgs),
    /// Show or check rule files (查看/校验规则文件).
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Compare a what-if run with a base run (对比两次结算).
    Compare(CompareArgs),
    /// Explain a claim's or a person's computation step by step (结算明细说明).
    Explain(ExplainArgs),
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff), e.g. `tongchou man > tongchou.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Claim ids (结算流水号) to explain.
    pub claims: Vec<String>,
    /// The run's output directory (holding its manifest.json).
    #[arg(long)]
    pub run: PathBuf,
    /// Explain every claim of a person's period (the 结算单); repeatable.
    #[arg(long = "person", value_name = "PERSON_ID")]
    pub persons: Vec<String>,
    /// Language of the trace: zh or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// text, json (versioned trace format) or md.
    #[arg(long, default_value = "text")]
    pub format: String,
}

impl ExplainArgs {
    /// Validate into an explain request.
    pub fn into_request(self) -> Result<crate::explain::Request, UsageError> {
        use crate::explain::{Format, Request};
        let lang = Lang::parse(&self.lang)
            .ok_or_else(|| UsageError(format!("--lang `{}`: expected zh or en", self.lang)))?;
        let format = Format::parse(&self.format).ok_or_else(|| {
            UsageError(format!(
                "--format `{}`: expected text, json or md",
                self.format
            ))
        })?;
        Ok(Request {
            run: self.run,
            claim_ids: self.claims,
            persons: self.persons,
            lang,
            format,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print a city's parameters in force on a date, with basis and provisional marks (after overrides).
    Show {
        /// City code, e.g. shiyan.
        city: String,
        /// Rule files directory [default: the config file's `rules`, else samples/rules].
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Config file naming the rules directory [default: $TONGCHOU_CONFIG, else ./tongchou.toml if present].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Date YYYY-MM-DD (default: the latest version).
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        what_if: WhatIfArgs,
    },
    /// Validate every rule file of a directory (exit 2 with file, line and key on error).
    Check {
        /// Rule files directory [default: the config file's `rules`, else samples/rules].
        dir: Option<PathBuf>,
        /// Config file naming the rules directory [default: $TONGCHOU_CONFIG, else ./tongchou.toml if present].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Output directory of the base run.
    pub base: PathBuf,
    /// Output directory of the what-if run.
    pub scenario: PathBuf,
    /// Where to write the per-claim differences (never inside a run's output directory).
    #[arg(long, default_value = "compare.csv")]
    pub out: PathBuf,
    /// Overwrite the --out file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Compare runs over different inputs (their manifests' input hashes differ).
    #[arg(long)]
    pub allow_different_inputs: bool,
    /// Language of compare.html and the printed comparison: zh or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
}

impl CompareArgs {
    /// The language asked for, or why it is not one.
    pub fn lang(&self) -> Result<Lang, UsageError> {
        Lang::parse(&self.lang)
            .ok_or_else(|| UsageError(format!("--lang `{}` is not zh or en", self.lang)))
    }
}

impl Command {
    /// The language its errors are printed in: its `--lang`, else (a
    /// command without one, or a value that is not a language) Chinese.
    pub fn lang(&self) -> Lang {
        let given = match self {
            Command::Run(a) => Some(&a.lang),
            Command::Explain(a) => Some(&a.lang),
            Command::Compare(a) => Some(&a.lang),
            _ => None,
        };
        given.and_then(|l| Lang::parse(l)).unwrap_or_default()
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Data directory holding claims/, members.csv, institutions.csv, catalogue.csv, stays.csv [default: the config file's `data`, else samples/data].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Rule files directory (one <city>.toml per city) [default: the config file's `rules`, else samples/rules].
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Config file with the data, rules and output paths [default: $TONGCHOU_CONFIG, else ./tongchou.toml if present].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Year-to-date ledger from the previous period.
    #[arg(long)]
    pub ledger: Option<PathBuf>,
    /// This is the first month settled: no ledger is expected (a run after January is otherwise refused without --ledger).
    #[arg(long, conflicts_with = "ledger")]
    pub no_ledger: bool,
    /// Accept a ledger that closes a month earlier than the one before this run's first month, or no ledger at all.
    #[arg(long)]
    pub allow_ledger_gap: bool,
    /// payments.csv of an earlier period, or a directory of earlier output directories (repeatable): its claims are not paid again, and may be reversed.
    #[arg(long)]
    pub prior: Vec<PathBuf>,
    /// Settlement month YYYY-MM, or months YYYY-MM..YYYY-MM (default: the month of the latest claim).
    #[arg(long)]
    pub period: Option<String>,
    /// Output directory (default: <the config file's `out`, else out>/<period>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: one per core; at most 4 per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Memory budget, e.g. 512M or 2G (default: a quarter of RAM, at most 1G). A larger month is adjudicated partition by partition through spill files beside the output, with the same outputs.
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// No progress bar and no printed summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Replace an existing output directory, when it is an earlier tongchou output holding none of this run's inputs.
    #[arg(long)]
    pub force: bool,
    /// Fail (exit 1, nothing written) if any claim line would be quarantined.
    #[arg(long)]
    pub strict: bool,
    /// Claim file or directory (repeatable; default: <data>/claims/*.csv).
    #[arg(long = "claims")]
    pub claims: Vec<PathBuf>,
    #[arg(long)]
    pub members: Option<PathBuf>,
    #[arg(long)]
    pub institutions: Option<PathBuf>,
    #[arg(long)]
    pub catalogue: Option<PathBuf>,
    #[arg(long)]
    pub stays: Option<PathBuf>,
    /// Family sharing bindings (POLICY.md §6a); default <data>/family.csv when present.
    #[arg(long)]
    pub family: Option<PathBuf>,
    /// Language of audit details and the printed summary: zh or en.
    #[arg(long, default_value = "zh")]
    pub lang: String,
    /// Input encoding: auto, utf-8 or gb18030, for every file or, as ROLE=ENCODING, for the files of one role (claims, members, institutions, catalogue, stays, ledger, prior, family) or, as FILE=ENCODING, for one file (repeatable; e.g. --encoding claims=gb18030).
    #[arg(long, value_name = "[ROLE=]ENCODING")]
    pub encoding: Vec<String>,
    /// Begin each CSV output with a UTF-8 byte-order mark, for opening it in Excel (whose Chinese versions otherwise read it as GBK).
    #[arg(long)]
    pub csv_bom: bool,
    /// Progress on stderr: `text` (a bar on a terminal) or `json` (one JSON event per phase, and each warning as a JSON event).
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    /// Also write payments.parquet and audit.parquet: the same rows, typed (DECIMAL(18,2) money, DATE dates), for DuckDB, Polars or Spark.
    #[arg(long)]
    pub parquet: bool,
    /// Column names of payments.csv: tongchou, or platform (the national medical-insurance platform's field names: setl_id, hifp_pay, ...).
    #[arg(long, default_value = "tongchou")]
    pub columns: String,
    #[command(flatten)]
    pub what_if: WhatIfArgs,
}

/// What-if overrides, for `run` and `rules show`.
#[derive(Debug, Args)]
pub struct WhatIfArgs {
    /// Change one parameter for this run: CITY.PARAMETER=VALUE, e.g. shiyan.deductible.employed=800 (repeatable).
    #[arg(long = "set", value_name = "CITY.PARAMETER=VALUE")]
    pub set: Vec<String>,
    /// Apply a scenario file: a named set of overrides with what it changes and why.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
}

impl WhatIfArgs {
    /// The overrides, the scenario's first and then `--set`'s (which win).
    pub fn resolve(&self) -> Result<(Vec<Override>, Option<Scenario>), UsageError> {
        let scenario = match &self.scenario {
            Some(p) => Some(
                crate::input::rule_files::load_scenario(p)
                    .map_err(|e| UsageError(format!("scenario file: {e}")))?,
            ),
            None => None,
        };
        let mut overrides: Vec<Override> =
            scenario.iter().flat_map(|s| s.overrides.clone()).collect();
        for s in &self.set {
            overrides
                .push(Override::parse(s, "--set").map_err(|m| UsageError(format!("--set {m}")))?);
        }
        Ok((overrides, scenario))
    }
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Directory to write (members.csv, institutions.csv, catalogue.csv, stays.csv, ledger.csv, claims/).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of claim lines to generate.
    #[arg(long, default_value_t = 100_000)]
    pub lines: u64,
    /// Number of insured persons.
    #[arg(long)]
    pub persons: Option<u64>,
    /// Number of claim files.
    #[arg(long, default_value_t = 4)]
    pub files: u32,
    /// Settlement month YYYY-MM.
    #[arg(long, default_value = "2024-03")]
    pub period: String,
    /// Random seed: the same seed writes the same files.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Overwrite the files of an earlier generated month in --out.
    #[arg(long)]
    pub force: bool,
    /// Layout of the claims: claims (claims/*.csv) or platform (settlements/ and fee_details/, the national platform's export).
    #[arg(long, default_value = "claims")]
    pub layout: String,
}

impl RunArgs {
    /// Validate into a run configuration, or say what is wrong.
    pub fn into_config(self, command: Vec<String>) -> Result<RunConfig, UsageError> {
        let period = match &self.period {
            None => None,
            Some(p) => Some(Months::parse(p).ok_or_else(|| {
                UsageError(format!(
                    "--period `{p}` is not a month YYYY-MM or a range YYYY-MM..YYYY-MM"
                ))
            })?),
        };
        let lang = Lang::parse(&self.lang)
            .ok_or_else(|| UsageError(format!("--lang `{}` is not zh or en", self.lang)))?;
        let encoding = Encodings::parse(&self.encoding).map_err(|e| UsageError(e.to_string()))?;
        let platform_columns = match self.columns.as_str() {
            "tongchou" => false,
            "platform" => true,
            other => {
                return Err(UsageError(format!(
                    "--columns `{other}` is not tongchou or platform"
                )))
            }
        };
        let (overrides, scenario) = self.what_if.resolve()?;
        if self.threads == Some(0) {
            return Err(UsageError("--threads must be at least 1".into()));
        }
        if let Some(n) = self.threads {
            // More threads than this only adds switching and memory, and a
            // huge count cannot even be started.
            let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
            let most = 4 * cores;
            if n > most {
                return Err(UsageError(format!(
                    "--threads {n} is more than 4 threads per core ({cores} cores here): give at most {most}"
                )));
            }
        }
        let memory_limit = match &self.memory_limit {
            None => crate::memory::default_limit(),
            Some(s) => crate::memory::parse_size(s).ok_or_else(|| {
                UsageError(format!(
                    "--memory-limit `{s}` is not a size such as 512M or 2G"
                ))
            })?,
        };
        // Issue 15: a flag wins over the config file, which wins over the
        // defaults.
        let config = crate::config::Config::find(self.config.as_deref()).map_err(UsageError)?;
        let defaults = RunConfig::new();
        Ok(RunConfig {
            data: self.data.or(config.data).unwrap_or(defaults.data),
            claims: self.claims,
            members: self.members,
            institutions: self.institutions,
            catalogue: self.catalogue,
            stays: self.stays,
            family: self.family,
            rules: self.rules.or(config.rules).unwrap_or(defaults.rules),
            ledger: self.ledger,
            no_ledger: self.no_ledger,
            allow_ledger_gap: self.allow_ledger_gap,
            prior: self.prior,
            period,
            out: self.out,
            threads: self.threads,
            memory_limit,
            quiet: self.quiet,
            force: self.force,
            strict: self.strict,
            lang,
            platform_columns,
            encoding,
            overrides,
            scenario,
            command,
            csv_bom: self.csv_bom,
            parquet: self.parquet,
            out_root: config.out.unwrap_or(defaults.out_root),
        })
    }
}
