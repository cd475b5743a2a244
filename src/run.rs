//! `tongchou run`: read a period's inputs, adjudicate every person in
//! parallel, and write the output directory. This is the only place that
//! joins files, the core, threads and the progress bar.

use crate::core::adjudicate::{self, ClaimDecision, Context, Lang, Status};
use crate::core::date::Months;
use crate::core::model::{Claim, LedgerEntry};
use crate::core::rules::{self, RuleError};
use crate::input::{
    self, claims, reference, ClaimFileStat, Encodings, Grouped, InputError, InputFile, Reference,
    Reject,
};
use crate::memory;
use crate::output::{
    self, manifest::Manifest, merge::PartWriter, staging, Leads, Staging, Summary,
};
use crate::partition::{self, SpillArea};
use crate::progress::Progress;
use rayon::prelude::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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
    fn inputs(&self) -> Vec<staging::Input> {
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
    #[error("--strict: {count} claim lines would be quarantined; nothing written. First: {first}")]
    Strict { count: usize, first: String },
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
            .install(|| run_in_pool(cfg, progress)),
        None => run_in_pool(cfg, progress),
    }
}

fn run_in_pool(cfg: &RunConfig, progress: &Progress) -> Result<RunReport, RunError> {
    let t0 = Instant::now();
    // A killed run's spill area is removed now, whether or not this run
    // spills (live runs' areas are locked and left alone).
    partition::remove_stale(&spill_parent(cfg));
    // When the output directory is known now, refuse a forbidden one before
    // the work (checked again when it is written).
    let known_out =
        (cfg.out.clone()).or_else(|| cfg.period.map(|p| PathBuf::from("out").join(p.to_string())));
    if let Some(out) = known_out {
        Staging::precheck(&out, cfg.force, &cfg.inputs())?;
    }
    let mut book = rules::load_dir(&cfg.rules)?;
    rules::apply_overrides(&mut book, &cfg.overrides).map_err(RunError::Usage)?;
    let mut warnings = Vec::new();
    // Hook (platform layout): the rule files' code tables, before any
    // file that may name a city by its 医保区划 code is read.
    let codes = input::platform::read_codes(&cfg.rules)?;
    codes.install();
    let (reference, mut ref_files, mut ledger) = read_reference(cfg, book, &mut warnings)?;
    // With the period given, a broken ledger chain is refused before the
    // claims are read (which can take minutes).
    if let Some(months) = cfg.period {
        check_ledger(cfg, &ledger, months)?;
    }

    // Hook (platform layout): settlements/ and fee_details/ may stand
    // beside or instead of claims/.
    let platform_here = cfg.claims.is_empty() && input::platform::present(&cfg.data);
    let (claim_paths, skipped_in_claims_dir) = if platform_here && !cfg.data.join("claims").exists()
    {
        (Vec::new(), Vec::new())
    } else {
        claim_paths(cfg)?
    };
    if !skipped_in_claims_dir.is_empty() {
        warnings.push(format!(
            "not read from the claims directory (only *.csv files are claim files; sub-folders are not searched): {}",
            skipped_in_claims_dir.join(", ")
        ));
    }
    let (mut files, claim_warnings) = claims::read_claims(&claim_paths, &cfg.encoding)?;
    warnings.extend(claim_warnings);
    // Hook (platform layout): its fee lines join the claim files.
    let mut platform = None;
    if platform_here {
        let mut p = input::platform::read(&cfg.data, &codes, &reference, &cfg.encoding)?;
        warnings.append(&mut p.warnings);
        files.append(&mut p.files);
        platform = Some(p);
    }
    // The month is adjudicated at once when it fits the memory budget,
    // else partition by partition (see `partition`).
    let input_bytes: u64 = files.iter().map(|f| f.bytes).sum();
    let in_use = memory::resident().unwrap_or(0);
    let parts = memory::partitions(cfg.memory_limit, in_use, input_bytes);
    let area = if parts > 1 {
        let parent = spill_parent(cfg);
        Some(
            SpillArea::create(&parent).map_err(|source| RunError::Output {
                path: parent.clone(),
                source,
            })?,
        )
    } else {
        None
    };
    progress.stage("reading", files.len() as u64);
    let spill_err = |source| RunError::Output {
        path: PathBuf::from("(spill area)"),
        source,
    };
    let (mut scan, mut lines) = partition::scan(&files, parts, area).map_err(spill_err)?;
    warnings.append(&mut scan.warnings);
    // Hook (platform layout): the settlements it held back.
    if let Some(p) = &mut platform {
        p.add_held(&mut scan);
    }
    progress.inc(files.len() as u64);
    let Some(period) = claims::period_of(cfg.period, &scan) else {
        return Err(RunError::Usage(
            "no claim line has a readable service_time: give --period".into(),
        ));
    };
    let ledger_chain = check_ledger(cfg, &ledger, period)?;
    let t_read = t0.elapsed();

    // Claims split across partitions are checked together first; they
    // never pass (their lines disagree on the person), only quarantine.
    let period_end = Some(period.last_day());
    let cross = claims::group(&files, lines.take_cross(), period_end, &mut scan.files);
    if !cross.claims.is_empty() {
        return Err(RunError::Reconciliation(format!(
            "claim {} spans partitions but passed its checks",
            cross.claims[0].claim_id
        )));
    }
    let mut rejects = std::mem::take(&mut scan.rejects);
    rejects.extend(cross.rejects);

    let out_dir = cfg
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(period.to_string()));
    // Read once the output directory is known: a directory given to
    // --prior passes over this run's own earlier output.
    let prior_paths = input::prior::prior_files(&cfg.prior, &out_dir)?;
    let prior = input::prior::read_prior(&prior_paths, &cfg.encoding)?;
    prior.check_periods(period).map_err(RunError::Usage)?;
    ref_files.extend(prior.files.iter().map(|f| ("prior", f.clone())));
    // Hook (platform layout): the settlement files are inputs too.
    if let Some(p) = &platform {
        ref_files.extend(
            p.settlement_inputs()
                .into_iter()
                .map(|f| ("settlements", f)),
        );
    }
    let mut staging = None;
    let cx = Context {
        prior: &prior,
        reference: &reference,
        lang: cfg.lang,
    };
    let mut tally = Tally::default();
    let mut summary = Summary::default();
    let mut leads = Leads::default();
    let mut clearing = crate::clearing::Clearing::default();
    // What PRICE_CAP and SUPPLY_DAYS cut off, per claim (`--columns platform`).
    let mut overlimit: std::collections::HashMap<String, rust_decimal::Decimal> =
        Default::default();
    let mut parts_written: Vec<(PathBuf, PathBuf)> = Vec::new();
    let (mut t_adjudicate, mut t_write) = (Duration::ZERO, Duration::ZERO);
    let lines_read: u64 = scan.files.iter().map(|f| f.lines).sum();
    progress.stage("adjudicating", lines_read);
    let mut freeing: Option<std::thread::JoinHandle<()>> = None;
    for p in 0..lines.parts() {
        // The previous partition is freed before this one is read, so at
        // most one partition is in memory.
        if let Some(h) = freeing.take() {
            let _ = h.join();
        }
        let t1 = Instant::now();
        let pending = lines.take(p).map_err(spill_err)?;
        let n = pending.len() as u64;
        let mut grouped = claims::group(&files, pending, period_end, &mut scan.files);
        rejects.append(&mut grouped.rejects);
        if cfg.strict && !rejects.is_empty() {
            return Err(strict_error(rejects));
        }
        // Adjudicate persons in parallel; each person's claims in §1 order.
        let mut by_person: rustc_hash::FxHashMap<&str, Vec<&Claim>> = Default::default();
        for c in &grouped.claims {
            by_person.entry(c.person_id.as_str()).or_default().push(c);
        }
        let mut persons: Vec<(&str, Vec<&Claim>)> = by_person.into_iter().collect();
        persons.sort_unstable_by_key(|(p, _)| *p);
        let rows = &ledger.rows;
        let outcomes: Vec<adjudicate::PersonOutcome> = persons
            .par_iter_mut()
            .map(|(pid, claims)| {
                let rows = rows.get(*pid).map(Vec::as_slice).unwrap_or_default();
                adjudicate::adjudicate_person(&cx, pid, claims, rows)
            })
            .collect();
        drop(persons);
        let mut decisions: Vec<ClaimDecision> = Vec::with_capacity(grouped.claims.len());
        for o in outcomes {
            tally.versions_used.extend(o.versions_used);
            if let Some(first) = o.ledger.first() {
                ledger.rows.insert(first.person_id.clone(), o.ledger);
            }
            decisions.extend(o.decisions);
        }
        // Hook (clearing, POLICY §10): compare with what was declared.
        if let Some(p) = &platform {
            clearing.compare(&mut decisions, &p.declared, cfg.lang == Lang::En);
        }
        if cfg.platform_columns {
            overlimit.extend(output::platform_columns::overlimit(&decisions));
        }
        tally.add(&grouped, &decisions)?;
        tally.note(&decisions, period);
        summary.merge(Summary::of(&decisions, &[], period.first_day()));
        leads.merge(Leads::of(&decisions));
        t_adjudicate += t1.elapsed();

        // Write in claim_id order: straight into the output when the
        // month is one partition, else into part files merged below.
        let t2 = Instant::now();
        let mut ordered: Vec<&ClaimDecision> = decisions.iter().collect();
        ordered.par_sort_unstable_by(|a, b| a.claim_id.cmp(&b.claim_id));
        match lines.area() {
            None => {
                let st = staging.insert(Staging::create(&out_dir, cfg.force, &cfg.inputs())?);
                stage(st, &out_dir, "payments.csv", &|w| {
                    // Hook (`--columns platform`): renamed on the way out.
                    if cfg.platform_columns {
                        let mut pw = output::platform_columns::PlatformColumns::new(w, &overlimit);
                        output::write_payments(&mut pw, &ordered)?;
                        return pw.finish();
                    }
                    output::write_payments(w, &ordered)
                })?;
                stage(st, &out_dir, "audit.csv", &|w| {
                    output::write_audit(w, &ordered)
                })?;
            }
            Some(area) => {
                let pay = area.join(format!("payments-{p:04}.part"));
                let aud = area.join(format!("audit-{p:04}.part"));
                let part_err = |path: &Path| {
                    let path = path.to_path_buf();
                    move |source| RunError::Output {
                        path: path.clone(),
                        source,
                    }
                };
                let mut w = PartWriter::create(&pay).map_err(part_err(&pay))?;
                output::spill_payments(&mut w, &ordered).map_err(part_err(&pay))?;
                w.finish().map_err(part_err(&pay))?;
                let mut w = PartWriter::create(&aud).map_err(part_err(&aud))?;
                output::spill_audit(&mut w, &ordered).map_err(part_err(&aud))?;
                w.finish().map_err(part_err(&aud))?;
                parts_written.push((pay, aud));
            }
        }
        t_write += t2.elapsed();
        progress.inc(n);
        // Freeing millions of small allocations takes a noticeable part of
        // a run: let it happen off the main path.
        drop(ordered);
        freeing = Some(std::thread::spawn(move || drop((decisions, grouped))));
    }
    // Hook (platform layout): rejects show the platform's rows.
    if let Some(p) = &platform {
        p.finish_rejects(&mut rejects);
    }
    claims::tally_rejects(&mut scan.files, &mut rejects);
    if cfg.strict && !rejects.is_empty() {
        return Err(strict_error(rejects));
    }
    tally.reconcile(&scan.files)?;
    warnings.extend(provisional_warnings(&reference, &tally.versions_used));
    check_last_year(cfg, &tally, period)?;
    warnings.extend(period_warning(period, &tally, scan.latest));
    warnings.extend(no_rules_warnings(&reference, &tally.no_rules));

    // Write everything else, then rename into place.
    let t2 = Instant::now();
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunError::Output {
            path: path.clone(),
            source,
        }
    };
    progress.stage("writing", 8);
    let mut staging = match staging {
        Some(s) => s,
        None => Staging::create(&out_dir, cfg.force, &cfg.inputs())?,
    };
    if !parts_written.is_empty() {
        let (pay, aud): (Vec<PathBuf>, Vec<PathBuf>) = parts_written.into_iter().unzip();
        stage(&mut staging, &out_dir, "payments.csv", &|w| {
            // Hook (`--columns platform`): renamed on the way out.
            if cfg.platform_columns {
                let mut pw = output::platform_columns::PlatformColumns::new(w, &overlimit);
                output::write_header(&mut pw, output::PAYMENTS_HEADER)?;
                output::merge::merge(&mut pw, &pay)?;
                return pw.finish();
            }
            output::write_header(&mut *w, output::PAYMENTS_HEADER)?;
            output::merge::merge(w, &pay)
        })?;
        stage(&mut staging, &out_dir, "audit.csv", &|w| {
            output::write_header(&mut *w, output::AUDIT_HEADER)?;
            output::merge::merge(w, &aud)
        })?;
    }
    drop(lines);
    summary.files = scan.files.clone();
    let mut ledger_out: Vec<&LedgerEntry> = ledger.rows.values().flatten().collect();
    ledger_out.par_sort_unstable_by(|a, b| (&a.person_id, a.year).cmp(&(&b.person_id, b.year)));
    {
        let mut write = |name: &str, f: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>| {
            stage(&mut staging, &out_dir, name, f)?;
            progress.inc(1);
            Ok::<(), RunError>(())
        };
        write("rejects.csv", &|w| output::write_rejects(w, &rejects))?;
        write("ledger.csv", &|w| {
            output::write_ledger(w, &ledger_out, period.last)
        })?;
        write("summary.csv", &|w| {
            // Hook (clearing): its figures as optional columns.
            if clearing.rows.is_empty() {
                return summary.write_csv(w);
            }
            let mut text = Vec::new();
            summary.write_csv(&mut text)?;
            w.write_all(&clearing.extend_summary_csv(&text)?)
        })?;
        write("settlement.csv", &|w| summary.write_settlement(w))?;
        write("leads.csv", &|w| {
            leads.write_csv(w, &reference.institutions)
        })?;
        // Hook (clearing): clearing.csv when any settlement declared hifp_pay.
        if !clearing.rows.is_empty() {
            write("clearing.csv", &|w| {
                clearing.write_csv(w, &reference.institutions)
            })?;
        }
        write("summary.json", &|w| {
            let mut json = summary.to_json(&period.to_string());
            json["flags"] = leads.totals_json();
            if !clearing.rows.is_empty() {
                json["clearing"] = clearing.to_json();
            }
            serde_json::to_writer_pretty(&mut *w, &json)?;
            w.write_all(b"\n")
        })?;
    }
    t_write += t2.elapsed();

    let outputs = staging.written().map_err(io_err(&out_dir))?;
    ref_files.sort_by(|a, b| a.0.cmp(b.0));
    let rules_files: Vec<(String, String)> = reference
        .rules
        .cities
        .values()
        .map(|c| {
            let hash = std::fs::read(&c.file)
                .map(|b| input::csvsrc::sha256_hex(&b))
                .unwrap_or_default();
            (c.file.display().to_string(), hash)
        })
        .collect();
    let manifest = Manifest {
        command: &cfg.command,
        overrides: &cfg.overrides,
        scenario: cfg.scenario.as_ref(),
        period: period.to_string(),
        rules: &rules_files,
        inputs: &ref_files,
        claim_files: &scan.files,
        outputs: &outputs,
        counts: tally.counts(&scan.files, &rejects, summary.total.persons),
        warnings: &warnings,
        ledger_chain: &ledger_chain,
        skipped_in_claims_dir: &skipped_in_claims_dir,
        timings_ms: json!({
            "read": t_read.as_millis() as u64,
            "adjudicate": t_adjudicate.as_millis() as u64,
            "write": t_write.as_millis() as u64,
            "total": t0.elapsed().as_millis() as u64,
            "partitions": parts,
        }),
    };
    stage(&mut staging, &out_dir, "manifest.json", &|w| {
        serde_json::to_writer_pretty(&mut *w, &manifest.to_json())?;
        w.write_all(b"\n")
    })?;
    staging.commit()?;
    progress.finish();
    drop(manifest);

    let report = RunReport {
        out_dir,
        period,
        claims: tally.claims as usize,
        lines_quarantined: rejects.len(),
        warnings,
        summary: what_if_lines(cfg)
            + &summary.render(cfg.lang)
            + &if clearing.rows.is_empty() {
                String::new()
            } else {
                clearing.print(cfg.lang == Lang::En)
            },
    };
    drop(ledger_out);
    std::thread::spawn(move || drop((rejects, reference, prior, summary, ledger, files)));
    Ok(report)
}

/// Where spill areas go: beside the output directory.
fn spill_parent(cfg: &RunConfig) -> PathBuf {
    match &cfg.out {
        Some(o) => o
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
        None => PathBuf::from("out"),
    }
}

/// The --strict refusal, naming the first quarantined line.
fn strict_error(mut rejects: Vec<Reject>) -> RunError {
    rejects.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let r = &rejects[0];
    RunError::Strict {
        count: rejects.len(),
        first: format!("{}:{}: {} {}", r.file, r.line, r.column, r.reason),
    }
}

/// What the partitions decided, added up for reconciliation and the
/// manifest's counts.
#[derive(Default)]
struct Tally {
    claims: u64,
    lines_in_claims: u64,
    decided: u64,
    decided_amount: rust_decimal::Decimal,
    grouped_lines: u64,
    grouped_amount: rust_decimal::Decimal,
    findings: u64,
    by_status: BTreeMap<&'static str, u64>,
    versions_used: BTreeSet<(String, usize)>,
    /// Claims served within the run's months (the rest are late).
    in_period: u64,
    /// Claims served in a year before the run's first month's year (late
    /// claims of last year, settled against last year's ledger row).
    last_year: u64,
    /// Claims denied NO_RULES_IN_FORCE, by insuring city.
    no_rules: BTreeMap<String, u64>,
}

impl Tally {
    /// Add one partition; every claim must add up.
    fn add(&mut self, grouped: &Grouped, decisions: &[ClaimDecision]) -> Result<(), RunError> {
        self.claims += grouped.claims.len() as u64;
        self.lines_in_claims += grouped
            .claims
            .iter()
            .map(|c| c.lines.len() as u64)
            .sum::<u64>();
        self.grouped_lines += grouped.lines;
        self.grouped_amount += grouped.amount;
        self.decided += decisions.len() as u64;
        for d in decisions {
            if d.total != d.fund_pay + d.account_pay + d.cash_pay
                || d.total != d.excluded + d.b_selfpay + d.remote_prepay + d.eligible
            {
                return Err(RunError::Reconciliation(format!(
                    "claim {} does not add up",
                    d.claim_id
                )));
            }
            self.decided_amount += d.total;
            self.findings += d.findings.len() as u64;
            *self.by_status.entry(d.status.as_str()).or_default() += 1;
        }
        Ok(())
    }

    /// Count what the run's warnings are about: claims served in the
    /// period, and claims no rule version covers.
    fn note(&mut self, decisions: &[ClaimDecision], months: Months) {
        let (first, last) = (months.first_day(), months.last_day());
        for d in decisions {
            if (first..=last).contains(&d.service_date) {
                self.in_period += 1;
            }
            if d.service_date.year < first.year {
                self.last_year += 1;
            }
            if d.reasons.contains(&adjudicate::RuleId::NO_RULES_IN_FORCE) {
                let city = d.city.clone().unwrap_or_default();
                *self.no_rules.entry(city).or_default() += 1;
            }
        }
    }

    /// Every line read is adjudicated or quarantined, and so is every
    /// yuan, file by file; and every claim grouped is decided.
    fn reconcile(&self, files: &[ClaimFileStat]) -> Result<(), RunError> {
        for f in files {
            let name = f.file.path.display();
            if f.lines != f.adjudicated_lines + f.rejected_lines {
                return Err(RunError::Reconciliation(format!(
                    "{name}: {} claim lines read, {} adjudicated + {} quarantined",
                    f.lines, f.adjudicated_lines, f.rejected_lines
                )));
            }
            if f.amount != f.adjudicated_amount + f.rejected_amount {
                return Err(RunError::Reconciliation(format!(
                    "{name}: {} yuan read, {} adjudicated + {} quarantined",
                    f.amount, f.adjudicated_amount, f.rejected_amount
                )));
            }
        }
        let lines_adjudicated: u64 = files.iter().map(|f| f.adjudicated_lines).sum();
        let amount_adjudicated: rust_decimal::Decimal =
            files.iter().map(|f| f.adjudicated_amount).sum();
        if self.lines_in_claims != lines_adjudicated
            || self.grouped_lines != lines_adjudicated
            || self.decided_amount != amount_adjudicated
            || self.grouped_amount != amount_adjudicated
            || self.decided != self.claims
        {
            return Err(RunError::Reconciliation(format!(
                "{lines_adjudicated} lines ({amount_adjudicated} yuan) adjudicated, but {} claims of {} lines ({} yuan) decided",
                self.decided, self.lines_in_claims, self.decided_amount
            )));
        }
        Ok(())
    }

    fn counts(
        &self,
        files: &[ClaimFileStat],
        rejects: &[Reject],
        persons: u64,
    ) -> serde_json::Value {
        let mut by_status: BTreeMap<&str, u64> = BTreeMap::new();
        for s in Status::ALL {
            by_status.insert(
                s.as_str(),
                self.by_status.get(s.as_str()).copied().unwrap_or(0),
            );
        }
        let claims_quarantined: BTreeSet<&str> = rejects
            .iter()
            .filter(|r| !r.claim_id.is_empty())
            .map(|r| r.claim_id.as_str())
            .collect();
        json!({
            "claim_lines_read": files.iter().map(|f| f.lines).sum::<u64>(),
            "claim_lines_quarantined": rejects.len(),
            "claims_adjudicated": self.decided,
            "claims_quarantined": claims_quarantined.len(),
            "persons": persons,
            "findings": self.findings,
            "by_status": by_status,
        })
    }
}

/// The what-if overrides, echoed above the printed summary.
fn what_if_lines(cfg: &RunConfig) -> String {
    let mut out = String::new();
    if let Some(s) = &cfg.scenario {
        out.push_str(&format!("scenario {}: {}\n", s.name, s.description));
    }
    for o in &cfg.overrides {
        out.push_str(&format!("what-if: {o}\n"));
    }
    out
}

/// Write one output file into the staging directory.
fn stage(
    staging: &mut Staging,
    out_dir: &Path,
    name: &str,
    f: &dyn Fn(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), RunError> {
    let path = out_dir.join(name);
    let err = |source| RunError::Output {
        path: path.clone(),
        source,
    };
    let mut w = staging.file(name).map_err(err)?;
    f(&mut w).map_err(err)?;
    staging::finish(w).map_err(err)
}

type Loaded = (Reference, Vec<(&'static str, InputFile)>, input::Ledger);

fn read_reference(
    cfg: &RunConfig,
    rules: rules::RuleBook,
    warnings: &mut Vec<String>,
) -> Result<Loaded, RunError> {
    let path =
        |given: &Option<PathBuf>, name: &str| given.clone().unwrap_or_else(|| cfg.data.join(name));
    let enc = &cfg.encoding;
    let mut files = Vec::new();
    let stays_path = path(&cfg.stays, "stays.csv");
    // stays.csv is optional when not named; named and missing is an error.
    let has_stays = cfg.stays.is_some() || stays_path.exists();
    let cities: Vec<String> = rules.cities.keys().cloned().collect();
    // The members and the ledger are the big ones: read them alongside
    // the rest, then report errors in the order the files are named.
    let (members, (ledger, (institutions, (catalogue, stays)))) = rayon::join(
        || reference::read_members(&path(&cfg.members, "members.csv"), enc, &cities),
        || {
            rayon::join(
                || cfg.ledger.as_ref().map(|p| reference::read_ledger(p, enc)),
                || {
                    rayon::join(
                        || {
                            reference::read_institutions(
                                &path(&cfg.institutions, "institutions.csv"),
                                enc,
                            )
                        },
                        || {
                            (
                                reference::read_catalogue(
                                    &path(&cfg.catalogue, "catalogue.csv"),
                                    enc,
                                ),
                                has_stays.then(|| reference::read_stays(&stays_path, enc)),
                            )
                        },
                    )
                },
            )
        },
    );
    let (members, institutions, catalogue) = (members?, institutions?, catalogue?);
    // A reference file holding only its header denies every claim: fatal.
    // (stays.csv may be empty: most members have no inpatient stay.)
    for (f, empty) in [
        (&members.file, members.value.is_empty()),
        (&institutions.file, institutions.value.is_empty()),
        (&catalogue.file, catalogue.value.is_empty()),
    ] {
        if empty {
            return Err(InputError::new(
                &f.path,
                0,
                "",
                "no data rows (only a header?): every claim would be denied".into(),
            )
            .into());
        }
    }
    let stays = match stays {
        Some(s) => {
            let s = s?;
            warnings.extend(s.warnings);
            files.push(("stays", s.file));
            s.value
        }
        None => Default::default(),
    };
    let ledger = match ledger {
        Some(l) => {
            let l = l?;
            warnings.extend(l.warnings);
            files.push(("ledger", l.file));
            l.value
        }
        None => input::Ledger::default(),
    };
    for (role, w, f) in [
        ("members", members.warnings, members.file),
        ("institutions", institutions.warnings, institutions.file),
        ("catalogue", catalogue.warnings, catalogue.file),
    ] {
        warnings.extend(w);
        files.push((role, f));
    }
    let reference = Reference {
        members: members.value,
        institutions: institutions.value,
        catalogue: catalogue.value,
        stays,
        rules,
    };
    Ok((reference, files, ledger))
}

/// A ledger must close a period before this run's: running a month on its
/// own output ledger, or on a later one, would count its claims twice. It
/// must also close the month just before: a skipped month's totals would be
/// missing, so members would pass the deductible or the cap again. Returns
/// what the manifest records as `ledger_chain`.
fn check_ledger(
    cfg: &RunConfig,
    ledger: &input::Ledger,
    months: Months,
) -> Result<String, RunError> {
    let path = cfg
        .ledger
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if let Some(closed) = ledger.period {
        if months.first <= closed {
            return Err(RunError::Usage(format!(
                "{path} closes {closed}, but this run settles {months}: a run must start after the period its ledger closes \
                 (running a month on its own output ledger, or on a later one?)"
            )));
        }
    }
    if let Some(later) = ledger
        .rows
        .values()
        .flatten()
        .map(|e| e.year)
        .filter(|y| *y > months.last.year)
        .max()
    {
        return Err(RunError::Usage(format!(
            "{path} holds totals of {later}, after this run's period {months}"
        )));
    }
    ledger_chain(cfg, ledger.period, months)
}

/// Whether this run continues the chain of ledgers, or says why not.
fn ledger_chain(
    cfg: &RunConfig,
    closed: Option<crate::core::date::Period>,
    months: Months,
) -> Result<String, RunError> {
    let start = months.first;
    let before = start.prev();
    let gap = cfg.allow_ledger_gap;
    let Some(path) = cfg.ledger.as_deref().map(|p| p.display().to_string()) else {
        // Totals reset every 1 January (十堰 第五条): a January run needs
        // no ledger.
        return if cfg.no_ledger {
            Ok("no ledger (--no-ledger)".into())
        } else if start.month == 1 {
            Ok("no ledger (the run starts in January)".into())
        } else if gap {
            Ok(format!("gap allowed: no ledger, run starts {start}"))
        } else {
            Err(RunError::Usage(format!(
                "this run settles {months} but no --ledger was given: the year-to-date totals up to {before} \
                 would start from zero. Give the ledger that closes {before} (--ledger <{before} output>/ledger.csv), \
                 --no-ledger if {start} is the first month settled, or --allow-ledger-gap"
            )))
        };
    };
    match closed {
        Some(c) if c == before => Ok("continuous".into()),
        Some(c) if gap => Ok(format!("gap allowed: ledger closes {c}, run starts {start}")),
        Some(c) => {
            let missing = Months {
                first: c.next(),
                last: before,
            };
            Err(RunError::Usage(format!(
                "{path} closes {c}, but this run starts {start}: the totals of {missing} are missing \
                 (a month skipped?). Give the ledger that closes {before}, or --allow-ledger-gap if the gap is intended"
            )))
        }
        None if gap => Ok(format!(
            "gap allowed: ledger closes an unknown period, run starts {start}"
        )),
        None => Err(RunError::Usage(format!(
            "{path} does not say which month it closes (it has no `period` column, as older versions wrote it, \
             or no rows), so it cannot be checked to close {before}. Give --allow-ledger-gap to use it anyway"
        ))),
    }
}

/// The claim files: named ones (a directory stands for its `*.csv`), else
/// `<data>/claims/*.csv`; sorted, so file order never changes a result.
/// Also what a directory held that is not read (other files, sub-folders),
/// sorted: an export saved as `.xlsx` or filed in a sub-folder must not
/// vanish from the month without a word.
fn claim_paths(cfg: &RunConfig) -> Result<(Vec<PathBuf>, Vec<String>), RunError> {
    let given = if cfg.claims.is_empty() {
        vec![cfg.data.join("claims")]
    } else {
        cfg.claims.clone()
    };
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for p in given {
        if p.is_dir() {
            let entries = std::fs::read_dir(&p)
                .map_err(|e| InputError::new(&p, 0, "", format!("cannot list: {e}")))?;
            for e in entries {
                let e = e
                    .map_err(|e| InputError::new(&p, 0, "", format!("cannot list: {e}")))?
                    .path();
                if e.is_dir() {
                    skipped.push(format!("{}/", e.display()));
                } else if e.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) {
                    out.push(e);
                } else {
                    skipped.push(e.display().to_string());
                }
            }
        } else if p.exists() {
            out.push(p);
        } else {
            return Err(
                InputError::new(&p, 0, "", "no such claim file or directory".into()).into(),
            );
        }
    }
    out.sort();
    out.dedup();
    skipped.sort();
    skipped.dedup();
    if out.is_empty() {
        let also = if skipped.is_empty() {
            String::new()
        } else {
            format!(" (not read: {})", skipped.join(", "))
        };
        return Err(RunError::Usage(format!(
            "no claim files (*.csv) found{also}"
        )));
    }
    Ok((out, skipped))
}

/// One warning per city whose rules in use hold provisional parameters.
fn provisional_warnings(reference: &Reference, used: &BTreeSet<(String, usize)>) -> Vec<String> {
    let mut per_city: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (city, i) in used {
        if let Some(v) = reference
            .rules
            .cities
            .get(city)
            .and_then(|c| c.versions.get(*i))
        {
            let names = per_city.entry(city).or_default();
            for p in &v.provisional {
                if !names.contains(&p.as_str()) {
                    names.push(p);
                }
            }
        }
    }
    per_city
        .into_iter()
        .filter(|(_, n)| !n.is_empty())
        .map(|(city, names)| {
            format!(
                "{city}: provisional parameters used (the sources are silent; supply the official figures): {}",
                names.join(", ")
            )
        })
        .collect()
}

/// A January run needs no ledger for its own year, but a late claim of
/// December does: without last year's row it would start December's
/// totals from zero and pay a member past the cap again (CONTRACT.md
/// §ledger.csv keeps the previous year's row for this).
fn check_last_year(cfg: &RunConfig, tally: &Tally, months: Months) -> Result<(), RunError> {
    if tally.last_year == 0 || cfg.ledger.is_some() || cfg.no_ledger || cfg.allow_ledger_gap {
        return Ok(());
    }
    let before = months.first.prev();
    Err(RunError::Usage(format!(
        "this run holds {n} claim(s) served before {year} (late claims of last year), but no --ledger was given: their year's totals would start \
         from zero. Give the ledger that closes {before} (--ledger <{before} output>/ledger.csv), --no-ledger if no \
         month was settled before, or --allow-ledger-gap",
        n = tally.last_year,
        year = months.first.year,
    )))
}

/// A period that holds none of the claims' service months settles every
/// claim as late (`--period 2024-05` on March's claims): say so.
fn period_warning(
    months: Months,
    tally: &Tally,
    latest: Option<crate::core::date::Date>,
) -> Option<String> {
    let holds_latest =
        latest.is_some_and(|d| (months.first_day()..=months.last_day()).contains(&d));
    if tally.in_period > 0 || holds_latest {
        return None;
    }
    let what = match latest {
        Some(d) if d > months.last_day() => format!(
            "the latest read is {d}: claims served after {months} are quarantined, earlier ones settled as late claims"
        ),
        Some(d) => format!("the latest read is {d}: every claim is settled as a late claim"),
        None => "no service date was read".to_string(),
    };
    Some(format!(
        "period {months} holds none of the claims' service dates ({what}). Is --period right?"
    ))
}

/// One warning per insuring city with claims denied NO_RULES_IN_FORCE: a
/// rule file whose every version starts after the claims (a mistyped
/// `in_force_from`) would otherwise deny a whole city without a word.
fn no_rules_warnings(reference: &Reference, denied: &BTreeMap<String, u64>) -> Vec<String> {
    denied
        .iter()
        .map(|(city, n)| {
            let first = reference
                .rules
                .cities
                .get(city)
                .and_then(|c| c.versions.iter().map(|v| v.in_force_from.value).min());
            let from = match first {
                Some(d) => format!("its first rule version is in force from {d}"),
                None => "it has no rule file".to_string(),
            };
            format!(
                "{city}: {n} claims denied NO_RULES_IN_FORCE: no rule version is in force on their service date ({from})"
            )
        })
        .collect()
}
