//! Stage 6, committing: the manifest (inputs, rule files and outputs with
//! their SHA-256, counts, warnings, timings) written last, then the staging
//! directory renamed into place.

use super::write::Outputs;
use crate::core::date::Months;
use crate::input::platform::Platform;
use crate::input::{ClaimFileStat, InputFile, Reference};
use crate::output::manifest::Manifest;
use crate::run::{RunConfig, RunError};
use crate::schema::manifest::{Counts, Timings as TimingsDoc};
use std::time::Duration;

/// Where the run's time went (manifest.json only: every other output is
/// byte-identical across re-runs).
#[derive(Debug, Default, Clone, Copy)]
pub struct Timings {
    pub read: Duration,
    pub adjudicate: Duration,
    pub write: Duration,
    pub total: Duration,
    pub partitions: usize,
}

impl Timings {
    fn to_doc(self) -> TimingsDoc {
        TimingsDoc {
            read: self.read.as_millis() as u64,
            adjudicate: self.adjudicate.as_millis() as u64,
            write: self.write.as_millis() as u64,
            total: self.total.as_millis() as u64,
            partitions: self.partitions as u64,
        }
    }
}

/// What the manifest records besides the outputs.
pub struct Record<'a> {
    pub period: Months,
    pub reference: &'a Reference,
    /// Reference and prior files by role (sorted by role here).
    pub ref_files: &'a mut Vec<(&'static str, InputFile)>,
    pub claim_files: &'a [ClaimFileStat],
    pub counts: Counts,
    pub warnings: &'a [String],
    pub ledger_chain: &'a str,
    pub skipped_in_claims_dir: &'a [String],
    /// The platform layout read, whose settlement files are inputs too.
    pub platform: Option<&'a Platform>,
    pub timings: Timings,
}

/// Write manifest.json and put the output directory in place.
pub fn commit(cfg: &RunConfig, mut out: Outputs, r: Record<'_>) -> Result<(), RunError> {
    if let Some(p) = r.platform {
        r.ref_files.extend(
            p.settlement_inputs()
                .into_iter()
                .map(|f| ("settlements", f)),
        );
    }
    r.ref_files.sort_by(|a, b| a.0.cmp(b.0));
    let rules_files: Vec<(String, String)> = r
        .reference
        .rules
        .cities
        .values()
        .map(|c| {
            let hash = std::fs::read(&c.file)
                .map(|b| crate::digest::sha256_hex(&b))
                .unwrap_or_default();
            (c.file.display().to_string(), hash)
        })
        .collect();
    let outputs = out.written().to_vec();
    let manifest = Manifest {
        command: &cfg.command,
        overrides: &cfg.overrides,
        scenario: cfg.scenario.as_ref(),
        period: r.period.to_string(),
        rules: &rules_files,
        inputs: r.ref_files,
        claim_files: r.claim_files,
        outputs: &outputs,
        counts: r.counts,
        warnings: r.warnings,
        ledger_chain: r.ledger_chain,
        skipped_in_claims_dir: r.skipped_in_claims_dir,
        timings_ms: r.timings.to_doc(),
    };
    out.stage("manifest.json", &|w| {
        serde_json::to_writer_pretty(&mut *w, &manifest.to_doc())?;
        w.write_all(b"\n")
    })?;
    Ok(out.commit()?)
}
