//! The headers of the outputs no reader reads back: audit.csv and
//! rejects.csv (CONTRACT.md §Outputs).

/// audit.csv: one row per finding.
pub const AUDIT_HEADER: &[&str] = &[
    "claim_id",
    "line_no",
    "person_id",
    "institution_id",
    "rule",
    "severity",
    "amount",
    "detail",
    "basis",
];

/// rejects.csv: one row per quarantined input line.
pub const REJECTS_HEADER: &[&str] = &["file", "line", "column", "claim_id", "reason", "raw"];
