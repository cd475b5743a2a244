//! Stage 2, scanning: the claim lines read once, split into partitions by
//! settlement unit (one partition in memory when the month fits the memory
//! budget, else spill files; see [`super::partition`]), the period settled,
//! and claims whose lines fell into different partitions checked together.

use super::partition::{self, Lines, SpillArea};
use super::{memory, read::Inputs};
use crate::core::date::Months;
use crate::input::platform::Bucket;
use crate::input::{claims, Reject, Scan};
use crate::progress::Progress;
use crate::run::{RunConfig, RunError};
use std::path::PathBuf;

/// The claim lines, partitioned, and what the scan found out.
pub struct Scanned {
    pub scan: Scan,
    pub lines: Lines,
    pub parts: usize,
    /// The months settled: `--period`, else the latest claim's month.
    pub period: Months,
    /// What the manifest records as `ledger_chain`.
    pub ledger_chain: String,
    /// Lines quarantined so far (by the scan, and with cross-partition
    /// claims).
    pub rejects: Vec<Reject>,
}

/// The I/O error of the spill area, as a run error.
pub fn spill_err(source: std::io::Error) -> RunError {
    RunError::Output {
        path: PathBuf::from("(spill area)"),
        source,
    }
}

/// Scan every claim file into partitions.
pub fn scan(
    cfg: &RunConfig,
    inputs: &mut Inputs,
    progress: &Progress,
    warnings: &mut Vec<String>,
) -> Result<Scanned, RunError> {
    let files = &inputs.files;
    let platform = inputs.platform.as_ref();
    // The month is adjudicated at once when it fits the memory budget,
    // else partition by partition (see `partition`). A fee file's line
    // takes the memory of a claim line of about twice its bytes.
    let input_bytes: u64 = files.iter().map(|f| f.bytes).sum();
    let fee_bytes: u64 = files
        .iter()
        .enumerate()
        .filter(|(fi, _)| platform.is_some_and(|p| p.is_fee_file(*fi)))
        .map(|(_, f)| f.bytes)
        .sum();
    let budget_bytes = input_bytes - fee_bytes + platform.map_or(0, |p| p.scan_bytes());
    let in_use = memory::resident().unwrap_or(0);
    let parts = memory::partitions(cfg.memory_limit, in_use, budget_bytes);
    let area = if parts > 1 {
        let parent = super::spill_parent(cfg);
        Some(
            SpillArea::create(&parent).map_err(|source| RunError::Output {
                path: parent.clone(),
                source,
            })?,
        )
    } else {
        None
    };
    // The platform layout's settlements are read a bucket at a time when
    // the month is partitioned: then not all of them are in memory at
    // once. Its fee files are scanned once per bucket, for that bucket's
    // rows; the claim files once, with the first.
    let rounds = match &inputs.platform {
        Some(p) if parts > 1 => memory::buckets(cfg.memory_limit, in_use, p.settlement_bytes()),
        _ => 1,
    };
    // Counted in bytes, not files: a month is often one large file.
    progress.stage("reading", input_bytes);
    // Family sharing (POLICY.md §6a): partitions keep account groups whole.
    // A month of one large file is read by every thread, in parts.
    let readers = claims::readers(files, platform, rayon::current_num_threads());
    let mut partitioner =
        partition::Partitioner::new(readers, parts, area, rounds, &inputs.reference.family);
    // A partitioned month's declared amounts are kept by partition too.
    if let Some(p) = inputs.platform.as_mut().filter(|_| partitioner.spilled()) {
        p.declare_by_partition();
    }
    let mut scan = Scan::default();
    for round in 0..rounds {
        if let Some(p) = &mut inputs.platform {
            p.load(
                Bucket {
                    at: round,
                    of: rounds,
                },
                &inputs.reference,
            );
        }
        let platform = inputs.platform.as_ref();
        let wanted = |fi: usize| round == 0 || platform.is_some_and(|p| p.is_fee_file(fi));
        let read = |n: u64| {
            if round == 0 {
                progress.inc(n);
            }
        };
        let mut part = partitioner
            .round(files, platform, round, &wanted, &read)
            .map_err(spill_err)?;
        // The platform layout's verdict on each settlement of the bucket,
        // now that its fee rows are read: the settlements held back go to
        // rejects.csv. What the partitions need of them is kept by
        // `setl_id`; the settlements themselves are let go.
        if let Some(p) = &mut inputs.platform {
            let notes = std::mem::take(&mut part.fee_notes);
            let mut held = p.decide(files, notes);
            part.rejects.append(&mut held);
            p.release_table();
            partitioner
                .spill_declared(round, &p.take_declared())
                .map_err(spill_err)?;
        }
        add_round(&mut scan, part);
    }
    let mut lines = partitioner.finish().map_err(spill_err)?;
    warnings.append(&mut scan.warnings);
    let Some(period) = claims::period_of(cfg.period, &scan) else {
        return Err(RunError::Usage(
            "no claim line has a readable service_time: give --period".into(),
        ));
    };
    let ledger_chain = super::read::check_ledger(cfg, &inputs.ledger, period)?;

    // Claims split across partitions are checked together first; they
    // never pass (their lines disagree on the person), only quarantine.
    let period_end = Some(period.last_day());
    let mut cross = claims::group(
        files,
        &lines.take_cross(),
        period_end,
        &mut scan.files,
        Vec::new(),
    );
    if let Some(p) = &inputs.platform {
        p.finish_rejects(files, &mut cross.rejects);
    }
    if !cross.claims.is_empty() {
        return Err(RunError::Reconciliation(format!(
            "claim {} spans partitions but passed its checks",
            cross.claims[0].claim_id
        )));
    }
    let mut rejects = std::mem::take(&mut scan.rejects);
    rejects.extend(cross.rejects);
    Ok(Scanned {
        scan,
        lines,
        parts,
        period,
        ledger_chain,
        rejects,
    })
}

/// Add what a round of the scan found to the month's scan: a file's
/// statistics are the sum of its rounds'.
fn add_round(scan: &mut Scan, mut round: Scan) {
    if scan.files.is_empty() {
        scan.files = std::mem::take(&mut round.files);
    }
    for (a, b) in scan.files.iter_mut().zip(round.files) {
        a.lines += b.lines;
        a.amount += b.amount;
        a.rejected_lines += b.rejected_lines;
        a.rejected_amount += b.rejected_amount;
        a.adjudicated_lines += b.adjudicated_lines;
        a.adjudicated_amount += b.adjudicated_amount;
    }
    scan.rejects.append(&mut round.rejects);
    scan.latest = scan.latest.max(round.latest);
    scan.warnings.append(&mut round.warnings);
    scan.fee_notes.append(&mut round.fee_notes);
}
