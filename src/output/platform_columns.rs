//! `--columns platform`: payments.csv under the national platform's field
//! names (CONTRACT.md "Platform names for payments.csv"), so the results
//! load into systems that speak the platform's language.
//!
//! The rows are formatted under these names from the start, in the
//! single-partition and the spilled payments.csv alike (see
//! `output::tables::PaymentNames`). `excluded` is split into
//! `fulamt_ownpay_amt` (whole lines and claims excluded) and
//! `overlmt_selfpay` (what `PRICE_CAP` and `SUPPLY_DAYS` cut off lines);
//! `b_selfpay` and `remote_prepay` become the one `preselfpay_amt`.

use crate::core::adjudicate::{ClaimDecision, RuleId};
use crate::core::money::fmt2;
use crate::schema::platform::PAYMENTS_PLATFORM_NAMES;
use crate::schema::PAYMENTS_HEADER;
use rust_decimal::Decimal;
use std::str::FromStr;

/// A payments column's platform name, where the platform has one.
fn platform_name(column: &'static str) -> &'static str {
    PAYMENTS_PLATFORM_NAMES
        .iter()
        .find(|(own, _)| *own == column)
        .map_or(column, |(_, platform)| platform)
}

/// What `PRICE_CAP` and `SUPPLY_DAYS` cut off the lines of each claim
/// (claims without such a cut are left out).
pub fn overlimit(decisions: &[ClaimDecision]) -> Vec<(String, Decimal)> {
    decisions
        .iter()
        .filter_map(|d| {
            let cut: Decimal = d
                .findings
                .iter()
                .filter(|f| matches!(f.rule, RuleId::PRICE_CAP | RuleId::SUPPLY_DAYS))
                .map(|f| f.amount)
                .sum();
            (!cut.is_zero()).then(|| (d.claim_id.to_string(), cut.min(d.excluded)))
        })
        .collect()
}

/// payments.csv's header under the platform's names: `excluded` as
/// `fulamt_ownpay_amt` and `overlmt_selfpay`, `b_selfpay` and
/// `remote_prepay` as the one `preselfpay_amt` (the rows are formatted
/// to match, see `output::tables::PaymentNames`).
pub fn header() -> Vec<&'static str> {
    let mut out = Vec::with_capacity(PAYMENTS_HEADER.len() + 1);
    for c in PAYMENTS_HEADER {
        match c {
            "excluded" => out.extend(["fulamt_ownpay_amt", "overlmt_selfpay"]),
            "b_selfpay" => out.push("preselfpay_amt"),
            "remote_prepay" => {}
            other => out.push(platform_name(other)),
        }
    }
    out
}

/// A payments.csv written under the platform's names, rewritten under
/// tongchou's own (for `--prior`); `None` when it is not platform-named.
/// `fulamt_ownpay_amt` and `overlmt_selfpay` add up to `excluded`;
/// `preselfpay_amt` becomes `b_selfpay` (with `remote_prepay` 0.00: the
/// platform's one column does not say which share it was).
pub fn to_own_names(text: &str) -> Option<String> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = body.lines().next()?;
    if !first.split(',').any(|c| c.trim() == "setl_id") {
        return None;
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(Vec::new());
    let mut header: Vec<String> = Vec::new();
    for rec in rdr.records() {
        // A broken record is left for the reader to report, as written.
        let rec = rec.ok()?;
        if header.is_empty() {
            header = rec.iter().map(|c| c.trim().to_string()).collect();
            let mut names: Vec<&str> = Vec::new();
            for c in &header {
                match c.as_str() {
                    "fulamt_ownpay_amt" => names.push("excluded"),
                    "overlmt_selfpay" => {}
                    "preselfpay_amt" => {
                        names.push("b_selfpay");
                        names.push("remote_prepay");
                    }
                    other => names.push(own_name(other)),
                }
            }
            out.write_record(&names).ok()?;
            continue;
        }
        let at = |name: &str| {
            header
                .iter()
                .position(|c| c == name)
                .and_then(|i| rec.get(i))
        };
        let over = at("overlmt_selfpay").unwrap_or("");
        let mut fields: Vec<String> = Vec::new();
        for (i, c) in header.iter().enumerate() {
            let v = rec.get(i).unwrap_or("");
            match c.as_str() {
                "fulamt_ownpay_amt" => fields.push(
                    match (Decimal::from_str(v.trim()), Decimal::from_str(over.trim())) {
                        (Ok(a), Ok(b)) => fmt2(a + b),
                        _ => v.to_string(),
                    },
                ),
                "overlmt_selfpay" => {}
                "preselfpay_amt" => {
                    fields.push(v.to_string());
                    fields.push("0.00".into());
                }
                _ => fields.push(v.to_string()),
            }
        }
        out.write_record(&fields).ok()?;
    }
    String::from_utf8(out.into_inner().ok()?).ok()
}

/// A platform name's payments column (the inverse of [`platform_name`]).
fn own_name(column: &str) -> &str {
    PAYMENTS_PLATFORM_NAMES
        .iter()
        .find(|(_, platform)| *platform == column)
        .map_or(column, |(own, _)| own)
}
