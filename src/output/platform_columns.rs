//! `--columns platform`: payments.csv under the national platform's field
//! names (CONTRACT.md "Platform names for payments.csv"), so the results
//! load into systems that speak the platform's language.
//!
//! The rows are written as always and renamed on their way out, line by
//! line, so the single-partition and the merged (spilled) payments.csv
//! take the same path. `excluded` is split into `fulamt_ownpay_amt` (whole
//! lines and claims excluded) and `overlmt_selfpay` (what `PRICE_CAP` and
//! `SUPPLY_DAYS` cut off lines); `b_selfpay` and `remote_prepay` become the
//! one `preselfpay_amt`.

use crate::core::adjudicate::{ClaimDecision, RuleId};
use crate::core::money::fmt2;
use crate::schema::platform::PAYMENTS_PLATFORM_NAMES;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::{self, Write};
use std::str::FromStr;

/// A payments column's platform name, where the platform has one.
fn platform_name(column: &str) -> &str {
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
            (!cut.is_zero()).then(|| (d.claim_id.clone(), cut.min(d.excluded)))
        })
        .collect()
}

/// A writer of payments.csv text that renames its columns on the way.
pub struct PlatformColumns<'a, W: Write> {
    inner: W,
    pending: Vec<u8>,
    overlimit: &'a HashMap<String, Decimal>,
    /// Index of (claim_id, excluded, b_selfpay, remote_prepay) once the
    /// header is seen.
    index: Option<(usize, usize, usize, usize)>,
}

impl<'a, W: Write> PlatformColumns<'a, W> {
    pub fn new(inner: W, overlimit: &'a HashMap<String, Decimal>) -> Self {
        PlatformColumns {
            inner,
            pending: Vec::new(),
            overlimit,
            index: None,
        }
    }

    /// Write what is left and flush.
    pub fn finish(mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.line(&line)?;
        }
        self.inner.flush()
    }

    fn line(&mut self, line: &[u8]) -> io::Result<()> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line);
        let Some(rec) = rdr.records().next() else {
            return Ok(());
        };
        let rec = rec.map_err(io::Error::other)?;
        let mut out: Vec<String> = Vec::with_capacity(rec.len() + 1);
        match self.index {
            None => {
                let pos = |name: &str| rec.iter().position(|c| c == name);
                let (Some(id), Some(ex), Some(b), Some(r)) = (
                    pos("claim_id"),
                    pos("excluded"),
                    pos("b_selfpay"),
                    pos("remote_prepay"),
                ) else {
                    return Err(io::Error::other("payments.csv lacks a column to rename"));
                };
                self.index = Some((id, ex, b, r));
                for c in rec.iter() {
                    match c {
                        "excluded" => {
                            out.push("fulamt_ownpay_amt".into());
                            out.push("overlmt_selfpay".into());
                        }
                        "b_selfpay" => out.push("preselfpay_amt".into()),
                        "remote_prepay" => {}
                        other => out.push(platform_name(other).into()),
                    }
                }
            }
            Some((id, ex, b, r)) => {
                let dec =
                    |i: usize| Decimal::from_str(rec.get(i).unwrap_or("")).unwrap_or_default();
                let over = self
                    .overlimit
                    .get(rec.get(id).unwrap_or(""))
                    .copied()
                    .unwrap_or_default();
                for (i, c) in rec.iter().enumerate() {
                    if i == ex {
                        out.push(fmt2(dec(ex) - over));
                        out.push(fmt2(over));
                    } else if i == b {
                        out.push(fmt2(dec(b) + dec(r)));
                    } else if i != r {
                        out.push(c.to_string());
                    }
                }
            }
        }
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(&mut self.inner);
        w.write_record(&out)?;
        w.flush()
    }
}

impl<W: Write> Write for PlatformColumns<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        // Rows hold no line breaks (ids with control characters are
        // refused on input), so each line is one record.
        while let Some(n) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=n).collect();
            self.line(&line)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
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
