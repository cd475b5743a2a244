//! payments.csv, audit.csv, rejects.csv and ledger.csv: one row per claim,
//! finding, quarantined line and person.

use super::{csv_writer, text};
use crate::adjudicate::ClaimDecision;
use crate::date::Period;
use crate::input::Reject;
use crate::model::LedgerEntry;
use crate::money::fmt2;
use std::io::{self, Write};

const PAYMENTS: &[&str] = &[
    "claim_id",
    "person_id",
    "institution_id",
    "city",
    "service_date",
    "status",
    "total",
    "excluded",
    "b_selfpay",
    "remote_prepay",
    "eligible",
    "deductible_applied",
    "ratio",
    "fund_pay",
    "cap_cut",
    "account_pay",
    "cash_pay",
    "payee",
    "deductible_met_after",
    "pool_paid_after",
    "reasons",
    "reverses_claim_id",
    "category",
    "institution_level",
];

/// One row per claim, in the order given (sorted by claim_id by the caller).
pub fn write_payments<W: Write>(w: W, decisions: &[ClaimDecision]) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(PAYMENTS)?;
    let mut reasons = String::new();
    for d in decisions {
        reasons.clear();
        for (i, r) in d.reasons.iter().enumerate() {
            if i > 0 {
                reasons.push(';');
            }
            reasons.push_str(r.as_str());
        }
        let (met, paid) = match d.totals_after {
            Some((m, p)) => (fmt2(m), fmt2(p)),
            None => (String::new(), String::new()),
        };
        out.write_record([
            &*text(&d.claim_id),
            &text(&d.person_id),
            &text(&d.institution_id),
            &text(d.city.as_deref().unwrap_or("")),
            &d.service_date.to_string(),
            d.status.as_str(),
            &fmt2(d.total),
            &fmt2(d.excluded),
            &fmt2(d.b_selfpay),
            &fmt2(d.remote_prepay),
            &fmt2(d.eligible),
            &fmt2(d.deductible_applied),
            &d.ratio.map(|r| r.to_string()).unwrap_or_default(),
            &fmt2(d.fund_pay),
            &fmt2(d.cap_cut),
            &fmt2(d.account_pay),
            &fmt2(d.cash_pay),
            d.payee.as_str(),
            &met,
            &paid,
            &reasons,
            &text(d.reverses.as_deref().unwrap_or("")),
            d.category.map(|c| c.as_str()).unwrap_or(""),
            d.institution_level.unwrap_or(""),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error())?.flush()
}

/// One row per finding: claims in the order given, claim-level findings
/// first, then by line, each in the order the rules fired.
pub fn write_audit<W: Write>(w: W, decisions: &[ClaimDecision]) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record([
        "claim_id",
        "line_no",
        "person_id",
        "institution_id",
        "rule",
        "severity",
        "amount",
        "detail",
        "basis",
    ])?;
    let mut order = Vec::new();
    for d in decisions {
        order.clear();
        order.extend(0..d.findings.len());
        order.sort_by_key(|&i| d.findings[i].line_no);
        for &i in &order {
            let f = &d.findings[i];
            out.write_record([
                &*text(&d.claim_id),
                &f.line_no.map(|n| n.to_string()).unwrap_or_default(),
                &text(&d.person_id),
                &text(&d.institution_id),
                f.rule.as_str(),
                f.severity.as_str(),
                &fmt2(f.amount),
                &text(&f.detail),
                &text(&f.basis),
            ])?;
        }
    }
    out.into_inner().map_err(|e| e.into_error())?.flush()
}

/// One row per quarantined input line.
pub fn write_rejects<W: Write>(w: W, rejects: &[Reject]) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(["file", "line", "column", "claim_id", "reason", "raw"])?;
    for r in rejects {
        out.write_record([
            r.file.as_str(),
            &r.line.to_string(),
            &r.column,
            &r.claim_id,
            &r.reason,
            &r.raw,
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error())?.flush()
}

/// One row per person, sorted by person_id by the caller, each marked with
/// the period the ledger closes (so that the next run can check it).
pub fn write_ledger<W: Write>(w: W, rows: &[LedgerEntry], closes: Period) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record([
        "person_id",
        "year",
        "deductible_met",
        "pool_paid",
        "claims",
        "period",
    ])?;
    let closes = closes.to_string();
    for r in rows {
        out.write_record([
            &*text(&r.person_id),
            &r.year.to_string(),
            &fmt2(r.deductible_met),
            &fmt2(r.pool_paid),
            &r.claims.to_string(),
            &closes,
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error())?.flush()
}
