//! Stage 2, scanning: the claim lines read once, split into partitions by
//! settlement unit (one partition in memory when the month fits the memory
//! budget, else spill files; see [`super::partition`]), the period settled,
//! and claims whose lines fell into different partitions checked together.

use super::partition::{self, Lines, SpillArea};
use super::{memory, read::Inputs};
use crate::core::date::Months;
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
    // Counted in bytes, not files: a month is often one large file.
    progress.stage("reading", input_bytes);
    // Family sharing (POLICY.md §6a): partitions keep account groups whole.
    let (mut scan, mut lines) = partition::scan(
        files,
        platform,
        parts,
        area,
        &inputs.reference.family,
        &|n| progress.inc(n),
    )
    .map_err(spill_err)?;
    warnings.append(&mut scan.warnings);
    // The platform layout's verdict on each settlement, now that every fee
    // row is read: the settlements held back go to rejects.csv.
    if let Some(p) = &mut inputs.platform {
        let notes = std::mem::take(&mut scan.fee_notes);
        let mut held = p.decide(files, notes);
        scan.rejects.append(&mut held);
        p.release_table();
    }
    let Some(period) = claims::period_of(cfg.period, &scan) else {
        return Err(RunError::Usage(
            "no claim line has a readable service_time: give --period".into(),
        ));
    };
    let ledger_chain = super::read::check_ledger(cfg, &inputs.ledger, period)?;

    // Claims split across partitions are checked together first; they
    // never pass (their lines disagree on the person), only quarantine.
    let period_end = Some(period.last_day());
    let mut cross = claims::group(files, lines.take_cross(), period_end, &mut scan.files);
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

/// The lines of partition `p`, the platform layout's join applied (the
/// lines of settlements it held back go to the rejects).
pub fn take(
    scanned: &mut Scanned,
    platform: Option<&crate::input::platform::Platform>,
    files: &[crate::input::csvsrc::CsvFile],
    p: usize,
) -> Result<Vec<crate::input::claims::Pending>, RunError> {
    let pending = scanned.lines.take(p).map_err(spill_err)?;
    Ok(match platform {
        Some(pl) => pl.join(files, pending, &mut scanned.rejects),
        None => pending,
    })
}
