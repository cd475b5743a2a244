//! `tongchou run`'s configuration, its error and its report, and the
//! thread pool it runs in; the work is the stages of [`crate::pipeline`].

use crate::core::adjudicate::Lang;
use crate::core::date::Months;
use crate::core::rules::{self, RuleError};
use crate::input::{Encodings, InputError};
use crate::output::{self, staging};
use crate::pipeline::{self, memory};
use crate::progress::Progress;
use std::path::PathBuf;

/// A validated `run` configuration.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub data: PathBuf,
    /// Claim files or directories; empty = `<data>/claims/*.csv`.
    pub claims: Vec<PathBuf>,
    pub members: Option<PathBuf>,
    pub institutions: Option<PathBuf>,
    pub catalogue: Option<PathBuf>,
    pub stays: Option<PathBuf>,
    /// family.csv (POLICY.md §6a); `None` = `<data>/family.csv` if present.
    pub family: Option<PathBuf>,
    pub rules: PathBuf,
    pub ledger: Option<PathBuf>,
    /// `--no-ledger`: this is the first month settled, no ledger expected.
    pub no_ledger: bool,
    /// `--allow-ledger-gap`: accept a ledger that does not close the month
    /// just before this run's, or none at all.
    pub allow_ledger_gap: bool,
    /// Earlier periods' payments.csv, for reversals across periods.
    pub prior: Vec<PathBuf>,
    pub period: Option<Months>,
    pub out: Option<PathBuf>,
    pub threads: Option<usize>,
    /// The memory budget in bytes: a month larger than fits is adjudicated
    /// partition by partition through spill files.
    pub memory_limit: u64,
    pub quiet: bool,
    /// Replace an existing, non-empty output directory.
    pub force: bool,
    /// Fail, writing nothing, if any claim line would be quarantined.
    pub strict: bool,
    pub lang: Lang,
    /// payments.csv under the platform's names (`--columns platform`).
    pub platform_columns: bool,
    /// Per file, role or for all (`--encoding`).
    pub encoding: Encodings,
    /// What-if overrides (a scenario's first, then `--set`), applied to the
    /// rule files for this run only.
    pub overrides: Vec<rules::Override>,
    /// The scenario they came from, if any (for the manifest).
    pub scenario: Option<rules::Scenario>,
    /// The command line, for the manifest.
    pub command: Vec<String>,
    /// `--csv-bom`: begin each CSV output with a UTF-8 byte-order mark, so
    /// that Excel on a Chinese desk does not read it as GBK.
    pub csv_bom: bool,
    /// `--parquet`: also write payments.parquet and audit.parquet.
    pub parquet: bool,
    /// Where `out/<period>` goes without `--out` (the config file's `out`).
    pub out_root: PathBuf,
}

impl RunConfig {
    /// Defaults: `samples/data`, `samples/rules`, output `out/<period>`.
    pub fn new() -> RunConfig {
        RunConfig {
            data: PathBuf::from("samples/data"),
            claims: Vec::new(),
            members: None,
            institutions: None,
            catalogue: None,
            stays: None,
            family: None,
            rules: PathBuf::from("samples/rules"),
            ledger: None,
            no_ledger: false,
            allow_ledger_gap: false,
            prior: Vec::new(),
            period: None,
            out: None,
            threads: None,
            memory_limit: memory::default_limit(),
            quiet: false,
            force: false,
            strict: false,
            lang: Lang::Zh,
            platform_columns: false,
            encoding: Encodings::default(),
            overrides: Vec::new(),
            scenario: None,
            command: Vec::new(),
            csv_bom: false,
            parquet: false,
            out_root: PathBuf::from("out"),
        }
    }
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig::new()
    }
}

impl RunConfig {
    /// Every path this run reads, which its output directory must not
    /// hold (see `staging`).
    pub(crate) fn inputs(&self) -> Vec<staging::Input> {
        let input = |what, path: &PathBuf, no_output_inside| staging::Input {
            what,
            path: path.clone(),
            no_output_inside,
        };
        let mut out = Vec::new();
        let named = [
            ("--members input", &self.members),
            ("--institutions input", &self.institutions),
            ("--catalogue input", &self.catalogue),
            ("--stays input", &self.stays),
            ("--family input", &self.family),
        ];
        // The data directory is read when some file is not named.
        if self.claims.is_empty() || named.iter().any(|(_, p)| p.is_none()) {
            out.push(input("--data directory", &self.data, false));
        }
        if self.claims.is_empty() {
            let claims = self.data.join("claims");
            out.push(input("claims directory", &claims, true));
        }
        out.extend(self.claims.iter().map(|p| input("--claims input", p, true)));
        for (what, p) in named {
            out.extend(p.iter().map(|p| input(what, p, false)));
        }
        out.push(input("--rules directory", &self.rules, true));
        out.extend(
            self.ledger
                .iter()
                .map(|p| input("--ledger input", p, false)),
        );
        out.extend(self.prior.iter().map(|p| input("--prior input", p, false)));
        if let Some(s) = &self.scenario {
            out.push(input("--scenario file", &s.file, false));
        }
        out
    }
}

/// Why a run did not complete.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("rule file: {0}")]
    Rules(#[from] RuleError),
    #[error("{0}")]
    Input(#[from] InputError),
    #[error("{0}")]
    Usage(String),
    #[error("writing {path}: {source}")]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Staging(#[from] output::staging::StagingError),
    #[error("--strict: {count} claim lines would be quarantined; nothing written. First: {}", .first.located(Lang::En))]
    Strict {
        count: usize,
        first: Box<crate::input::Reject>,
    },
    #[error("reconciliation failed: {0}")]
    Reconciliation(String),
}

/// What a completed run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub out_dir: PathBuf,
    pub period: Months,
    pub claims: usize,
    pub lines_quarantined: usize,
    pub warnings: Vec<String>,
    pub summary: String,
}

/// Run one period end to end, on `--threads` worker threads (all parallel
/// work: parsing, adjudication, formatting, hashing).
pub fn run(cfg: &RunConfig, progress: &Progress) -> Result<RunReport, RunError> {
    match cfg.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| RunError::Usage(format!("cannot start {n} threads: {e}")))?
            .install(|| pipeline::settle(cfg, progress)),
        None => pipeline::settle(cfg, progress),
    }
}
