//! The stages of `tongchou run`, in order: [`read`] the rules, reference
//! files and claim headers; [`scan`] the claim lines into partitions; per
//! partition, group and [`adjudicate`] its settlement units and [`write`]
//! its payments and audit rows; [`reconcile`] the month; write the other
//! outputs; [`commit`] the manifest and the output directory. Each stage is
//! a function of typed inputs and outputs; this file is only the sequence,
//! and the only place that joins files, the core, threads and the progress
//! bar.

pub(crate) mod adjudicate;
pub(crate) mod commit;
pub mod memory;
pub(crate) mod partition;
pub(crate) mod read;
pub(crate) mod reconcile;
pub(crate) mod scan;
pub(crate) mod write;

use crate::core::adjudicate::Context;
use crate::output::{Leads, Summary};
use crate::progress::Progress;
use crate::run::{RunConfig, RunError, RunReport};
use reconcile::Tally;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Settle one period end to end, on the current thread pool.
pub fn settle(cfg: &RunConfig, progress: &Progress) -> Result<RunReport, RunError> {
    let t0 = Instant::now();
    let mut timings = commit::Timings::default();
    // A killed run's spill area is removed now, whether or not this run
    // spills (live runs' areas are locked and left alone).
    partition::remove_stale(&spill_parent(cfg));
    write::precheck(cfg)?;
    let mut warnings = Vec::new();
    let mut inputs = read::inputs(cfg, &mut warnings)?;
    let mut scanned = scan::scan(cfg, &inputs, progress, &mut warnings)?;
    let period = scanned.period;
    timings.read = t0.elapsed();
    timings.partitions = scanned.parts;

    let out_dir = cfg
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("out").join(period.to_string()));
    let prior = read::prior(cfg, &out_dir, period, &mut inputs.ref_files)?;
    let cx = Context {
        prior: &prior,
        reference: &inputs.reference,
        lang: cfg.lang,
    };
    let mut out: Option<write::Outputs> = None;
    let mut tally = Tally::default();
    let mut summary = Summary::default();
    let mut leads = Leads::default();
    let mut parts_written: Vec<(PathBuf, PathBuf)> = Vec::new();
    let lines_read: u64 = scanned.scan.files.iter().map(|f| f.lines).sum();
    progress.stage("adjudicating", lines_read);
    let mut freeing: Option<std::thread::JoinHandle<()>> = None;
    for p in 0..scanned.lines.parts() {
        // The previous partition is freed before this one is read, so at
        // most one partition is in memory.
        if let Some(h) = freeing.take() {
            let _ = h.join();
        }
        let t1 = Instant::now();
        let pending = scanned.lines.take(p).map_err(scan::spill_err)?;
        let n = pending.len() as u64;
        let mut grouped =
            adjudicate::group(&inputs.files, pending, period, &mut scanned.scan.files);
        scanned.rejects.append(&mut grouped.rejects);
        if cfg.strict && !scanned.rejects.is_empty() {
            return Err(reconcile::strict_error(scanned.rejects));
        }
        let decisions =
            adjudicate::units(&cx, &grouped, &mut inputs.ledger, &mut tally.versions_used);
        tally.add(&grouped, &decisions)?;
        tally.note(&decisions, period);
        summary.merge(Summary::of(&decisions, &[], period.first_day()));
        leads.merge(Leads::of(&decisions));
        timings.adjudicate += t1.elapsed();

        let t2 = Instant::now();
        let area = scanned.lines.area();
        write::partition(
            cfg,
            &mut out,
            &out_dir,
            area,
            p,
            &decisions,
            &mut parts_written,
        )?;
        timings.write += t2.elapsed();
        progress.inc(n);
        // Freeing millions of small allocations takes a noticeable part of
        // a run: let it happen off the main path.
        freeing = Some(std::thread::spawn(move || drop((decisions, grouped))));
    }
    let mut rejects = std::mem::take(&mut scanned.rejects);
    reconcile::month(
        cfg,
        &tally,
        &mut scanned.scan,
        &mut rejects,
        &inputs.reference,
        period,
        &mut warnings,
    )?;

    // Write everything else, then rename into place.
    let t2 = Instant::now();
    progress.stage("writing", 8);
    let mut out = match out {
        Some(o) => o,
        None => write::Outputs::create(cfg, &out_dir)?,
    };
    write::merge_parts(&mut out, parts_written)?;
    drop(scanned.lines);
    summary.files = scanned.scan.files.clone();
    let month = write::Month {
        period,
        rejects: &rejects,
        ledger: &inputs.ledger,
        summary: &summary,
        leads: &leads,
        institutions: &inputs.reference.institutions,
    };
    write::month(&mut out, &month, progress)?;
    timings.write += t2.elapsed();
    timings.total = t0.elapsed();

    let counts = tally.counts(&scanned.scan.files, &rejects, summary.total.persons);
    let record = commit::Record {
        period,
        reference: &inputs.reference,
        ref_files: &mut inputs.ref_files,
        claim_files: &scanned.scan.files,
        counts,
        warnings: &warnings,
        ledger_chain: &scanned.ledger_chain,
        skipped_in_claims_dir: &inputs.skipped_in_claims_dir,
        timings,
    };
    commit::commit(cfg, out, record)?;
    progress.finish();

    let report = RunReport {
        out_dir,
        period,
        claims: tally.claims as usize,
        lines_quarantined: rejects.len(),
        warnings,
        summary: what_if_lines(cfg) + &summary.render(cfg.lang),
    };
    std::thread::spawn(move || drop((rejects, inputs, prior, summary)));
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
