//! manifest.json: the run's record, as one document type written by the
//! run and read back by `--prior` (an output's hash and the period),
//! `compare` (the inputs' hashes), `explain` (the inputs, rules and
//! overrides) and the output directory's guard (the tool and the outputs).
//!
//! Fields are written in declaration order. A reader takes what it needs:
//! a field the manifest lacks reads as empty.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManifestDoc {
    pub tool: String,
    pub version: String,
    pub command: Vec<String>,
    pub period: String,
    pub overrides: Vec<OverrideDoc>,
    pub scenario: Option<ScenarioDoc>,
    pub rules: Vec<RuleFileDoc>,
    pub inputs: Vec<InputDoc>,
    /// `None` only when read from a manifest without the list.
    pub outputs: Option<Vec<OutputDoc>>,
    pub counts: Counts,
    pub reconciliation: Vec<ClaimFileDoc>,
    pub warnings: Vec<String>,
    pub ledger_chain: String,
    pub skipped_in_claims_dir: Vec<String>,
    pub timings_ms: Timings,
}

/// The tool every run's manifest names (the output directory's guard).
pub const TOOL: &str = "tongchou";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OverrideDoc {
    pub city: String,
    pub parameter: String,
    pub value: String,
    pub source: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScenarioDoc {
    pub name: String,
    pub description: String,
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleFileDoc {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InputDoc {
    pub role: String,
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
    pub encoding: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputDoc {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counts {
    pub claim_lines_read: u64,
    pub claim_lines_quarantined: u64,
    pub claims_adjudicated: u64,
    pub claims_quarantined: u64,
    pub persons: u64,
    pub findings: u64,
    /// Every status, by name, 0 included.
    pub by_status: BTreeMap<String, u64>,
}

/// One claim file's lines and amounts: read = adjudicated + quarantined.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimFileDoc {
    pub file: String,
    pub lines_read: u64,
    pub amount_read: String,
    pub lines_adjudicated: u64,
    pub amount_adjudicated: String,
    pub lines_quarantined: u64,
    pub amount_quarantined: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Timings {
    pub read: u64,
    pub adjudicate: u64,
    pub write: u64,
    pub total: u64,
    pub partitions: u64,
}

impl ManifestDoc {
    /// Parse a manifest's text.
    pub fn parse(text: &[u8]) -> serde_json::Result<ManifestDoc> {
        serde_json::from_slice(text)
    }

    /// The recorded SHA-256 of the output named `file`, if listed.
    pub fn output_sha256(&self, file: &str) -> Option<&str> {
        self.outputs
            .iter()
            .flatten()
            .find(|o| o.file == file)
            .map(|o| o.sha256.as_str())
    }
}
