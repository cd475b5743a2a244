//! manifest.json: the run's record — tool version, command line, inputs and
//! outputs with their SHA-256, counts, reconciliation, warnings, timings.
//! Timings live only here, so every other output is byte-identical across
//! re-runs.

use super::staging::Written;
use crate::core::money::fmt2;
use crate::input::{ClaimFileStat, InputFile};
use crate::schema::manifest::{
    ClaimFileDoc, Counts, InputDoc, ManifestDoc, OutputDoc, OverrideDoc, RuleFileDoc, ScenarioDoc,
    Timings, TOOL,
};

pub struct Manifest<'a> {
    pub command: &'a [String],
    pub overrides: &'a [crate::core::rules::Override],
    pub scenario: Option<&'a crate::core::rules::Scenario>,
    pub period: String,
    pub rules: &'a [(String, String)],
    pub inputs: &'a [(&'static str, InputFile)],
    pub claim_files: &'a [ClaimFileStat],
    pub outputs: &'a [Written],
    pub counts: Counts,
    pub warnings: &'a [String],
    /// How the ledger continues the previous month's, or why it need not.
    pub ledger_chain: &'a str,
    /// What the claims directory held that was not read.
    pub skipped_in_claims_dir: &'a [String],
    pub timings_ms: Timings,
}

impl Manifest<'_> {
    /// The document written as manifest.json.
    pub fn to_doc(&self) -> ManifestDoc {
        let file = |role: &str, f: &InputFile| InputDoc {
            role: role.to_string(),
            path: f.path.display().to_string(),
            bytes: f.bytes,
            sha256: f.sha256.clone(),
            encoding: f.encoding.to_string(),
        };
        let mut inputs: Vec<InputDoc> = self.inputs.iter().map(|(role, f)| file(role, f)).collect();
        inputs.extend(self.claim_files.iter().map(|s| file("claims", &s.file)));
        let reconciliation = self
            .claim_files
            .iter()
            .map(|s| ClaimFileDoc {
                file: s.file.path.display().to_string(),
                lines_read: s.lines,
                amount_read: fmt2(s.amount),
                lines_adjudicated: s.adjudicated_lines,
                amount_adjudicated: fmt2(s.adjudicated_amount),
                lines_quarantined: s.rejected_lines,
                amount_quarantined: fmt2(s.rejected_amount),
            })
            .collect();
        ManifestDoc {
            tool: TOOL.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            command: self.command.to_vec(),
            period: self.period.clone(),
            overrides: self
                .overrides
                .iter()
                .map(|o| OverrideDoc {
                    city: o.city.clone(),
                    parameter: o.path.clone(),
                    value: o.value.clone(),
                    source: o.source.clone(),
                })
                .collect(),
            scenario: self.scenario.map(|s| ScenarioDoc {
                name: s.name.clone(),
                description: s.description.clone(),
                file: s.file.display().to_string(),
                sha256: std::fs::read(&s.file)
                    .map(|b| crate::digest::sha256_hex(&b))
                    .unwrap_or_default(),
            }),
            rules: self
                .rules
                .iter()
                .map(|(p, h)| RuleFileDoc {
                    path: p.clone(),
                    sha256: h.clone(),
                })
                .collect(),
            inputs,
            outputs: Some(
                self.outputs
                    .iter()
                    .map(|w| OutputDoc {
                        file: w.name.clone(),
                        bytes: w.bytes,
                        sha256: w.sha256.clone(),
                    })
                    .collect(),
            ),
            counts: self.counts.clone(),
            reconciliation,
            warnings: self.warnings.to_vec(),
            ledger_chain: self.ledger_chain.to_string(),
            skipped_in_claims_dir: self.skipped_in_claims_dir.to_vec(),
            timings_ms: self.timings_ms.clone(),
        }
    }
}
