//! manifest.json: the run's record — tool version, command line, inputs and
//! outputs with their SHA-256, counts, reconciliation, warnings, timings.
//! Timings live only here, so every other output is byte-identical across
//! re-runs.

use super::staging::Written;
use crate::core::money::fmt2;
use crate::input::{ClaimFileStat, InputFile};
use serde_json::{json, Value};

pub struct Manifest<'a> {
    pub command: &'a [String],
    pub overrides: &'a [crate::core::rules::Override],
    pub scenario: Option<&'a crate::core::rules::Scenario>,
    pub period: String,
    pub rules: &'a [(String, String)],
    pub inputs: &'a [(&'static str, InputFile)],
    pub claim_files: &'a [ClaimFileStat],
    pub outputs: &'a [Written],
    pub counts: Value,
    pub warnings: &'a [String],
    /// How the ledger continues the previous month's, or why it need not.
    pub ledger_chain: &'a str,
    /// What the claims directory held that was not read.
    pub skipped_in_claims_dir: &'a [String],
    pub timings_ms: Value,
}

impl Manifest<'_> {
    pub fn to_json(&self) -> Value {
        let file = |role: &str, f: &InputFile| {
            json!({
                "role": role, "path": f.path.display().to_string(), "bytes": f.bytes,
                "sha256": f.sha256, "encoding": f.encoding,
            })
        };
        let mut inputs: Vec<Value> = self.inputs.iter().map(|(role, f)| file(role, f)).collect();
        inputs.extend(self.claim_files.iter().map(|s| file("claims", &s.file)));
        let reconciliation: Vec<Value> = self
            .claim_files
            .iter()
            .map(|s| {
                json!({
                    "file": s.file.path.display().to_string(),
                    "lines_read": s.lines, "amount_read": fmt2(s.amount),
                    "lines_adjudicated": s.adjudicated_lines,
                    "amount_adjudicated": fmt2(s.adjudicated_amount),
                    "lines_quarantined": s.rejected_lines, "amount_quarantined": fmt2(s.rejected_amount),
                })
            })
            .collect();
        json!({
            "tool": "tongchou",
            "version": env!("CARGO_PKG_VERSION"),
            "command": self.command,
            "period": self.period,
            "overrides": self.overrides.iter().map(|o| json!({
                "city": o.city, "parameter": o.path, "value": o.value, "source": o.source,
            })).collect::<Vec<_>>(),
            "scenario": self.scenario.map(|s| json!({
                "name": s.name, "description": s.description, "file": s.file.display().to_string(),
                "sha256": std::fs::read(&s.file).map(|b| crate::input::csvsrc::sha256_hex(&b)).unwrap_or_default(),
            })),
            "rules": self.rules.iter().map(|(p, h)| json!({"path": p, "sha256": h})).collect::<Vec<_>>(),
            "inputs": inputs,
            "outputs": self.outputs.iter().map(|w| json!({"file": w.name, "bytes": w.bytes, "sha256": w.sha256})).collect::<Vec<_>>(),
            "counts": self.counts,
            "reconciliation": reconciliation,
            "warnings": self.warnings,
            "ledger_chain": self.ledger_chain,
            "skipped_in_claims_dir": self.skipped_in_claims_dir,
            "timings_ms": self.timings_ms,
        })
    }
}
