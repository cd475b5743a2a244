//! payments.csv, audit.csv, rejects.csv and ledger.csv: one row per claim,
//! finding, quarantined line and person.

use super::merge::PartWriter;
use super::{csv_writer, text, visible};
use crate::core::adjudicate::{ClaimDecision, Lang};
use crate::core::date::Period;
use crate::core::model::LedgerEntry;
use crate::core::money::fmt2;
use crate::input::Reject;
pub use crate::schema::outputs::{AUDIT_HEADER, REJECTS_HEADER};
pub use crate::schema::{LEDGER_HEADER, PAYMENTS_HEADER};
use std::io::{self, Write};

/// Rows per parallel formatting chunk, and chunks formatted before they
/// are written (bounds the memory of formatted text).
const CHUNK: usize = 4096;
const WINDOW: usize = 64;

/// Formats the rows of one item.
type RowFn<'f, T> =
    &'f (dyn Fn(&mut csv::Writer<Vec<u8>>, &mut String, &T) -> csv::Result<()> + Sync);

/// The names of claim lines that are not simply their 1-based line numbers
/// (the platform layout's `feedetl_sn`), by claim id, in line order:
/// audit.csv names lines by them.
pub type LineKeys = std::collections::HashMap<String, Vec<String>>;

/// The name of line `n` (1-based) of a claim, when `keys` give it one.
fn line_key<'k>(keys: &'k LineKeys, claim_id: &str, n: u32) -> Option<&'k str> {
    keys.get(claim_id)?
        .get((n as usize).checked_sub(1)?)
        .map(String::as_str)
}

/// Format `items` in parallel chunks, handing each chunk's text and the
/// end offset of each item's rows in it, in order, to `sink` on this
/// thread: formatting is the largest cost of writing.
fn format_rows<T: Sync>(
    items: &[T],
    row: RowFn<'_, T>,
    mut sink: impl FnMut(&[T], &[u8], &[usize]) -> io::Result<()>,
) -> io::Result<()> {
    use rayon::prelude::*;
    for window in items.chunks(CHUNK * WINDOW) {
        let chunks: Vec<io::Result<(Vec<u8>, Vec<usize>)>> = window
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut cw = csv::WriterBuilder::new()
                    .has_headers(false)
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(Vec::with_capacity(chunk.len() * 160));
                let mut scratch = String::with_capacity(64);
                let mut ends = Vec::with_capacity(chunk.len());
                for item in chunk {
                    row(&mut cw, &mut scratch, item)?;
                    cw.flush()?;
                    ends.push(cw.get_ref().len());
                }
                Ok((cw.into_inner().map_err(|e| e.into_error())?, ends))
            })
            .collect();
        for (chunk, c) in window.chunks(CHUNK).zip(chunks) {
            let (text, ends) = c?;
            sink(chunk, &text, &ends)?;
        }
    }
    Ok(())
}

/// Write a header and the rows of `items`, in order.
fn write_rows<T: Sync, W: Write>(
    w: W,
    header: &[&str],
    items: &[T],
    row: RowFn<'_, T>,
) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(header)?;
    let mut w = out.into_inner().map_err(|e| e.into_error())?;
    format_rows(items, row, |_, text, _| w.write_all(text))?;
    w.flush()
}

/// Write the rows of `items` (sorted by claim_id) to a part file, one entry
/// per claim keyed by its claim_id, for a later merge.
fn spill_rows<'d>(
    part: &mut PartWriter,
    items: &[&'d ClaimDecision],
    row: RowFn<'_, &'d ClaimDecision>,
) -> io::Result<()> {
    format_rows(items, row, |chunk, text, ends| {
        let mut from = 0;
        for (d, &end) in chunk.iter().zip(ends) {
            part.entry(d.claim_id.as_bytes(), &text[from..end])?;
            from = end;
        }
        Ok(())
    })
}

/// Write a header row alone (a merged file's first line).
pub fn write_header<W: Write>(w: W, header: &[&str]) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(header)?;
    out.into_inner().map_err(|e| e.into_error())?.flush()
}

/// Write one money cell through the scratch buffer.
fn money(
    cw: &mut csv::Writer<Vec<u8>>,
    scratch: &mut String,
    d: rust_decimal::Decimal,
) -> csv::Result<()> {
    scratch.clear();
    crate::core::money::push_money(scratch, d);
    cw.write_field(scratch.as_bytes())
}

/// One row per claim, in the order given (sorted by claim_id by the caller).
pub fn write_payments<W: Write>(w: W, decisions: &[&ClaimDecision]) -> io::Result<()> {
    write_rows(w, &PAYMENTS_HEADER, decisions, &payment_row)
}

/// [`write_payments`] into a part file.
pub fn spill_payments(part: &mut PartWriter, decisions: &[&ClaimDecision]) -> io::Result<()> {
    spill_rows(part, decisions, &payment_row)
}

fn payment_row(
    cw: &mut csv::Writer<Vec<u8>>,
    scratch: &mut String,
    d: &&ClaimDecision,
) -> csv::Result<()> {
    {
        cw.write_field(text(&d.claim_id).as_bytes())?;
        cw.write_field(text(&d.person_id).as_bytes())?;
        cw.write_field(text(&d.institution_id).as_bytes())?;
        cw.write_field(text(d.city.as_deref().unwrap_or("")).as_bytes())?;
        scratch.clear();
        let _ = std::fmt::Write::write_fmt(scratch, format_args!("{}", d.service_date));
        cw.write_field(scratch.as_bytes())?;
        cw.write_field(d.status.as_str())?;
        for m in [
            d.total,
            d.excluded,
            d.b_selfpay,
            d.remote_prepay,
            d.eligible,
            d.deductible_applied,
        ] {
            money(cw, scratch, m)?;
        }
        scratch.clear();
        if let Some(r) = d.ratio {
            let _ = std::fmt::Write::write_fmt(scratch, format_args!("{r}"));
        }
        cw.write_field(scratch.as_bytes())?;
        for m in [d.fund_pay, d.cap_cut, d.account_pay, d.cash_pay] {
            money(cw, scratch, m)?;
        }
        cw.write_field(d.payee.as_str())?;
        match d.totals_after {
            Some((met, paid)) => {
                money(cw, scratch, met)?;
                money(cw, scratch, paid)?;
            }
            None => {
                cw.write_field("")?;
                cw.write_field("")?;
            }
        }
        scratch.clear();
        for (i, r) in d.reasons.iter().enumerate() {
            if i > 0 {
                scratch.push(';');
            }
            scratch.push_str(r.as_str());
        }
        cw.write_field(scratch.as_bytes())?;
        cw.write_field(text(d.reverses.as_deref().unwrap_or("")).as_bytes())?;
        cw.write_field(d.category.map(|c| c.as_str()).unwrap_or(""))?;
        cw.write_field(d.institution_level.unwrap_or(""))?;
        // Family sharing (POLICY.md §6a).
        money(cw, scratch, d.family_account_pay)?;
        scratch.clear();
        for (i, (g, a)) in d.family_payers.iter().enumerate() {
            if i > 0 {
                scratch.push(';');
            }
            scratch.push_str(&text(g));
            scratch.push(':');
            crate::core::money::push_money(scratch, *a);
        }
        cw.write_field(scratch.as_bytes())?;
        cw.write_record(None::<&[u8]>)
    }
}

/// One row per finding: claims in the order given, claim-level findings
/// first, then by line, each in the order the rules fired.
/// Lines are named as `keys` say, else by their numbers.
pub fn write_audit<W: Write>(
    w: W,
    decisions: &[&ClaimDecision],
    keys: &LineKeys,
) -> io::Result<()> {
    write_rows(w, AUDIT_HEADER, decisions, &|cw, scratch, d| {
        audit_rows(cw, scratch, d, keys)
    })
}

/// [`write_audit`] into a part file.
pub fn spill_audit(
    part: &mut PartWriter,
    decisions: &[&ClaimDecision],
    keys: &LineKeys,
) -> io::Result<()> {
    spill_rows(part, decisions, &|cw, scratch, d| {
        audit_rows(cw, scratch, d, keys)
    })
}

fn audit_rows(
    cw: &mut csv::Writer<Vec<u8>>,
    scratch: &mut String,
    d: &&ClaimDecision,
    keys: &LineKeys,
) -> csv::Result<()> {
    {
        let mut order: Vec<usize> = (0..d.findings.len()).collect();
        order.sort_by_key(|&i| d.findings[i].line_no);
        for i in order {
            let f = &d.findings[i];
            cw.write_field(text(&d.claim_id).as_bytes())?;
            scratch.clear();
            if let Some(n) = f.line_no {
                // The platform layout names a line by its feedetl_sn.
                match line_key(keys, &d.claim_id, n) {
                    Some(k) => scratch.push_str(k),
                    None => scratch.push_str(itoa::Buffer::new().format(n)),
                }
            }
            cw.write_field(scratch.as_bytes())?;
            cw.write_field(text(&d.person_id).as_bytes())?;
            cw.write_field(text(&d.institution_id).as_bytes())?;
            cw.write_field(f.rule.as_str())?;
            cw.write_field(f.severity.as_str())?;
            money(cw, scratch, f.amount)?;
            cw.write_field(text(&f.detail).as_bytes())?;
            cw.write_field(text(f.basis.as_str()).as_bytes())?;
            cw.write_record(None::<&[u8]>)?;
        }
        Ok(())
    }
}

/// One row per quarantined input line, its reason worded in `lang`.
pub fn write_rejects<W: Write>(w: W, rejects: &[Reject], lang: Lang) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(REJECTS_HEADER)?;
    for r in rejects {
        out.write_record([
            &*visible(&r.file),
            &r.line.to_string(),
            &*visible(&r.column),
            &*visible(&r.claim_id),
            &*visible(&r.reason.render(lang)),
            &*visible(&r.raw),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error())?.flush()
}

/// One row per person and year, sorted by (person_id, year) by the caller,
/// each marked with the period the ledger closes (so that the next run can
/// check it). Only the closing period's year and the year before are kept
/// (CONTRACT.md §ledger.csv): a late claim of December, handed in during
/// the first quarter, must see December's totals; older years are done.
pub fn write_ledger<W: Write>(w: W, rows: &[&LedgerEntry], closes: Period) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(LEDGER_HEADER)?;
    let oldest = closes.year - 1;
    let closes = closes.to_string();
    for r in rows.iter().filter(|r| r.year >= oldest) {
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
