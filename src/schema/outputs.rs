//! The headers of the outputs no reader reads back: audit.csv,
//! rejects.csv, summary.csv, accounts.csv, settlement.csv and leads.csv
//! (CONTRACT.md §Outputs).

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

/// summary.csv: institution rows, each city's total, the grand total.
pub const SUMMARY_HEADER: &[&str] = &[
    "scope",
    "city",
    "institution_id",
    "claims",
    "persons",
    "total",
    "excluded",
    "eligible",
    "fund_pay",
    "account_pay",
    "cash_pay",
    "denied",
    "pool_denied",
    "routed",
    "late_claims",
    "late_total",
    // Family sharing (POLICY.md §6a).
    "family_account_pay",
];

/// accounts.csv (POLICY.md §6a): each personal account's movements.
pub const ACCOUNTS_HEADER: &[&str] = &[
    "person_id",
    "balance_before",
    "own_use",
    "family_use",
    "refunds",
    "balance_after",
];

/// settlement.csv: what the fund owes each payee.
pub const SETTLEMENT_HEADER: &[&str] = &[
    "city",
    "payee",
    "payee_id",
    "claims",
    "fund_pay",
    "account_pay",
    "amount_due",
];

/// leads.csv: the columns before the per-rule `at_stake_{RULE}` ones.
pub const LEADS_HEADER_HEAD: &[&str] = &[
    "institution_id",
    "name",
    "city",
    "kind",
    "level",
    "claims",
    "flagged_claims",
    "flag_rate",
    "amount_at_stake",
];

/// leads.csv: the columns after the per-rule ones.
pub const LEADS_HEADER_TAIL: &[&str] = &["peer_median_rate", "ratio_to_peer_median", "robust_z"];
