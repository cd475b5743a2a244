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
    // The month is adjudicated at once when it fits the memory budget,
    // else partition by partition (see `partition`).
    let input_bytes: u64 = files.iter().map(|f| f.bytes).sum();
    let in_use = memory::resident().unwrap_or(0);
    let parts = memory::partitions(cfg.memory_limit, in_use, input_bytes);
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
    let (mut scan, mut lines) =
        partition::scan(files, parts, area, &inputs.reference.family, &|n| {
            progress.inc(n)
        })
        .map_err(spill_err)?;
    warnings.append(&mut scan.warnings);
    // The settlements the platform layout held back.
    if let Some(p) = &mut inputs.platform {
        p.add_held(&mut scan);
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
    let cross = claims::group(files, lines.take_cross(), period_end, &mut scan.files);
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
