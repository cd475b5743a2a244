//! payments.csv, audit.csv, rejects.csv and ledger.csv: one row per claim,
//! finding, quarantined line and person.

use super::cells::Row;
use super::merge::PartWriter;
use super::{csv_writer, text, visible};
use crate::core::adjudicate::{ClaimDecision, Lang};
use crate::core::date::Period;
use crate::core::ledger::Ledger;
use crate::core::money::{fmt2, round2};
use crate::input::Reject;
pub use crate::schema::outputs::{AUDIT_HEADER, REJECTS_HEADER};
pub use crate::schema::{LEDGER_HEADER, PAYMENTS_HEADER};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::io::{self, Write};

/// Claims per parallel formatting chunk: enough that a chunk's text (about
/// 1.5 MB of payments, 4 MB of audit) is larger than the staged file's
/// buffer, which then hands it to the file without copying it.
const CHUNK: usize = 8192;

/// Formats the rows of one item, appending them to the buffer.
type RowFn<'f, T> = &'f (dyn Fn(&mut Vec<u8>, &T) + Sync);

/// A chunk's formatted text for each file, with the end offset of each
/// item's rows in it.
type Texts = [(Vec<u8>, Vec<usize>)];

/// The names of claim lines that are not simply their 1-based line numbers
/// (the platform layout's `feedetl_sn`), by claim id, in line order:
/// audit.csv names lines by them.
pub type LineKeys = std::collections::HashMap<String, Vec<String>>;

/// The names payments.csv is written under.
#[derive(Clone, Copy)]
pub enum PaymentNames<'a> {
    /// The contract's own columns.
    Own,
    /// The national platform's (`--columns platform`): `excluded` split
    /// by what `PRICE_CAP` and `SUPPLY_DAYS` cut off each claim
    /// (`overlimit`), `b_selfpay` and `remote_prepay` as one column.
    Platform {
        overlimit: &'a HashMap<String, Decimal>,
    },
}

impl PaymentNames<'_> {
    /// The header row's names.
    pub fn header(&self) -> Vec<&'static str> {
        match self {
            PaymentNames::Own => PAYMENTS_HEADER.to_vec(),
            PaymentNames::Platform { .. } => super::platform_columns::header(),
        }
    }
}

/// Format `items` in parallel chunks, each item by each of `rows` (one a
/// file) into that file's buffer of the chunk, handing each chunk's texts
/// and the end offset of each item's rows in them, in order, to `sink` on
/// this thread. A claim's payments.csv row and audit.csv rows are made in
/// one visit: its decision and ids, read from memory for the one, are
/// still in the cache for the other. The buffers are reused from window to
/// window of chunks, which bounds the memory of formatted text.
fn format_rows<T: Sync>(
    items: &[T],
    rows: &[RowFn<'_, T>],
    mut sink: impl FnMut(&[T], &Texts) -> io::Result<()>,
) -> io::Result<()> {
    use rayon::prelude::*;
    let files = rows.len().max(1);
    // Chunks of all files together: as much text a window as one file's.
    let threads = rayon::current_num_threads().max(1);
    let window = (threads * 4).div_ceil(files).max(threads);
    let mut bufs = Buffers::take();
    for items in items.chunks(CHUNK * window) {
        let chunks = items.len().div_ceil(CHUNK);
        let have = bufs.len().max(chunks * files);
        bufs.resize_with(have, Default::default);
        bufs[..chunks * files]
            .par_chunks_mut(files)
            .zip(items.par_chunks(CHUNK))
            .for_each(|(texts, chunk)| {
                for (text, ends) in texts.iter_mut() {
                    text.clear();
                    ends.clear();
                }
                for item in chunk {
                    for (row, (text, ends)) in rows.iter().zip(texts.iter_mut()) {
                        row(text, item);
                        ends.push(text.len());
                    }
                }
            });
        for (chunk, texts) in items.chunks(CHUNK).zip(bufs.chunks(files)) {
            sink(chunk, texts)?;
        }
    }
    Ok(())
}

/// The chunks' buffers, kept from one call of [`format_rows`] to the next
/// (payments to audit, one partition to the next): a fresh buffer of
/// megabytes costs a page fault and a zeroed page every 4 KB of its first
/// fill, which reusing one avoids. Released by [`release_buffers`] once
/// the partitions are written.
static BUFFERS: std::sync::Mutex<Vec<(Vec<u8>, Vec<usize>)>> = std::sync::Mutex::new(Vec::new());

/// The kept buffers, in use by one [`format_rows`]; given back when it
/// ends.
struct Buffers(Vec<(Vec<u8>, Vec<usize>)>);

impl Buffers {
    fn take() -> Buffers {
        // A poisoned lock only means a panic elsewhere: start afresh.
        let kept = BUFFERS.lock().map(|mut b| std::mem::take(&mut *b));
        Buffers(kept.unwrap_or_default())
    }
}

impl std::ops::Deref for Buffers {
    type Target = Vec<(Vec<u8>, Vec<usize>)>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Buffers {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for Buffers {
    fn drop(&mut self) {
        if let Ok(mut b) = BUFFERS.lock() {
            *b = std::mem::take(&mut self.0);
        }
    }
}

/// Free the kept formatting buffers (the partitions are all written).
pub fn release_buffers() {
    if let Ok(mut b) = BUFFERS.lock() {
        *b = Vec::new();
    }
}

/// Write a header and the rows of `items`, in order.
fn write_rows<T: Sync, W: Write>(
    mut w: W,
    header: &[&str],
    items: &[T],
    row: RowFn<'_, T>,
) -> io::Result<()> {
    write_header(&mut w, header)?;
    format_rows(items, &[row], |_, texts| {
        texts.iter().try_for_each(|(text, _)| w.write_all(text))
    })?;
    w.flush()
}

/// Write a header row alone (a merged file's first line).
pub fn write_header<W: Write>(w: W, header: &[&str]) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(header)?;
    out.into_inner().map_err(|e| e.into_error())?.flush()
}

/// One row per claim, in the order given (sorted by claim_id by the caller).
pub fn write_payments<W: Write>(
    w: W,
    decisions: &[&ClaimDecision],
    names: PaymentNames<'_>,
) -> io::Result<()> {
    write_rows(w, &names.header(), decisions, &|out, d| {
        payment_row(out, d, names)
    })
}

/// payments.csv (`pay`) and audit.csv (`aud`) at once, as
/// [`write_payments`] and [`write_audit`] write them, each claim visited
/// once for both.
pub fn write_claims<P: Write, A: Write>(
    mut pay: P,
    mut aud: A,
    decisions: &[&ClaimDecision],
    names: PaymentNames<'_>,
    keys: &LineKeys,
) -> io::Result<()> {
    write_header(&mut pay, &names.header())?;
    write_header(&mut aud, AUDIT_HEADER)?;
    format_claims(decisions, names, keys, |_, (p, _), (a, _)| {
        pay.write_all(p)?;
        aud.write_all(a)
    })?;
    pay.flush()?;
    aud.flush()
}

/// [`write_claims`] into two part files (their headers are the merge's),
/// each claim's rows under its claim_id, for a later merge.
pub fn spill_claims(
    pay: &mut PartWriter,
    aud: &mut PartWriter,
    decisions: &[&ClaimDecision],
    names: PaymentNames<'_>,
    keys: &LineKeys,
) -> io::Result<()> {
    format_claims(decisions, names, keys, |chunk, (p, p_ends), (a, a_ends)| {
        let ids = || chunk.iter().map(|d| d.claim_id.as_bytes());
        pay.chunk(ids().zip(p_ends.iter().copied()), p)?;
        aud.chunk(ids().zip(a_ends.iter().copied()), a)
    })
}

/// Format each chunk of `decisions` into its payments.csv rows and its
/// audit.csv rows in one visit of each claim ([`format_rows`]), handing
/// the chunk and both texts (with each claim's end offsets) to `sink`.
fn format_claims<'d>(
    decisions: &[&'d ClaimDecision],
    names: PaymentNames<'_>,
    keys: &LineKeys,
    mut sink: impl FnMut(
        &[&'d ClaimDecision],
        &(Vec<u8>, Vec<usize>),
        &(Vec<u8>, Vec<usize>),
    ) -> io::Result<()>,
) -> io::Result<()> {
    let rows: [RowFn<'_, &ClaimDecision>; 2] = [&|out, d| payment_row(out, d, names), &|out, d| {
        audit_rows(out, d, keys)
    }];
    format_rows(decisions, &rows, |chunk, texts| match texts {
        [pay, aud] => sink(chunk, pay, aud),
        _ => Ok(()),
    })
}

fn payment_row(out: &mut Vec<u8>, d: &ClaimDecision, names: PaymentNames<'_>) {
    let mut row = Row::new(out);
    row.text(&d.claim_id);
    row.text(&d.person_id);
    row.text(&d.institution_id);
    row.text(d.city.as_deref().unwrap_or(""));
    row.date(d.service_date);
    row.raw(d.status.as_str().as_bytes());
    row.money(d.total);
    match names {
        PaymentNames::Own => {
            for m in [d.excluded, d.b_selfpay, d.remote_prepay] {
                row.money(m);
            }
        }
        PaymentNames::Platform { overlimit } => {
            // As the amounts read back from the written cells: rounded
            // first, then split or added.
            let over = overlimit
                .get(d.claim_id.as_str())
                .copied()
                .unwrap_or_default();
            row.money(round2(d.excluded) - over);
            row.money(over);
            row.money(round2(d.b_selfpay) + round2(d.remote_prepay));
        }
    }
    row.money(d.eligible);
    row.money(d.deductible_applied);
    row.compound(|out| {
        if let Some(r) = d.ratio {
            let _ = write!(out, "{r}");
        }
    });
    for m in [d.fund_pay, d.cap_cut, d.account_pay, d.cash_pay] {
        row.money(m);
    }
    row.raw(d.payee.as_str().as_bytes());
    match d.totals_after {
        Some((met, paid)) => {
            row.money(met);
            row.money(paid);
        }
        None => {
            row.raw(b"");
            row.raw(b"");
        }
    }
    row.compound(|out| {
        for (i, r) in d.reasons.iter().enumerate() {
            if i > 0 {
                out.push(b';');
            }
            out.extend_from_slice(r.as_str().as_bytes());
        }
    });
    row.text(d.reverses.as_deref().unwrap_or(""));
    row.raw(d.category.map_or("", |c| c.as_str()).as_bytes());
    row.raw(d.institution_level.unwrap_or("").as_bytes());
    // Family sharing (POLICY.md §6a).
    row.money(d.family_account_pay);
    row.compound(|out| {
        for (i, (g, a)) in d.family_payers.iter().enumerate() {
            if i > 0 {
                out.push(b';');
            }
            out.extend_from_slice(text(g).as_bytes());
            out.push(b':');
            super::cells::push_money(out, *a);
        }
    });
    row.end();
}

/// One row per finding: claims in the order given, claim-level findings
/// first, then by line, each in the order the rules fired.
/// Lines are named as `keys` say, else by their numbers.
pub fn write_audit<W: Write>(
    w: W,
    decisions: &[&ClaimDecision],
    keys: &LineKeys,
) -> io::Result<()> {
    write_rows(w, AUDIT_HEADER, decisions, &|out, d| {
        audit_rows(out, d, keys)
    })
}

fn audit_rows(out: &mut Vec<u8>, d: &ClaimDecision, keys: &LineKeys) {
    let findings = &d.findings;
    // Claim-level findings (no line) first, then by line; a stable order
    // keeps the rules' firing order within a line. Most claims' findings
    // already come in that order: only the others need a sorted copy.
    let sorted = findings.windows(2).all(|w| w[0].line_no <= w[1].line_no);
    let order: Vec<usize> = if sorted {
        Vec::new()
    } else {
        let mut o: Vec<usize> = (0..findings.len()).collect();
        o.sort_by_key(|&i| findings[i].line_no);
        o
    };
    // The platform layout names a line by its feedetl_sn.
    let names = keys.get(d.claim_id.as_str());
    for k in 0..findings.len() {
        let f = &findings[if sorted { k } else { order[k] }];
        let mut row = Row::new(out);
        row.text(&d.claim_id);
        match f.line_no {
            Some(n) => match names.and_then(|v| v.get((n as usize).checked_sub(1)?)) {
                Some(name) => row.raw(name.as_bytes()),
                None => row.count(u64::from(n)),
            },
            None => row.raw(b""),
        }
        row.text(&d.person_id);
        row.text(&d.institution_id);
        row.raw(f.rule.as_str().as_bytes());
        row.raw(f.severity.as_str().as_bytes());
        row.money(f.amount);
        row.text(&f.detail);
        row.text(f.basis.as_str());
        row.end();
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

/// One row per person and year, the persons in the order given (by
/// person_id), each person's rows by year,
/// each marked with the period the ledger closes (so that the next run can
/// check it). Only the closing period's year and the year before are kept
/// (CONTRACT.md §ledger.csv): a late claim of December, handed in during
/// the first quarter, must see December's totals; older years are done.
pub fn write_ledger<W: Write>(
    w: W,
    ledger: &Ledger,
    persons: &[u32],
    closes: Period,
) -> io::Result<()> {
    let mut out = csv_writer(w);
    out.write_record(LEDGER_HEADER)?;
    let oldest = closes.year - 1;
    let closes = closes.to_string();
    let rows = persons
        .iter()
        .flat_map(|&p| ledger.rows_at(p).map(move |r| (ledger.person(p), r)));
    for (person_id, r) in rows.filter(|(_, r)| r.year >= oldest) {
        out.write_record([
            &*text(person_id),
            &r.year.to_string(),
            &fmt2(r.deductible_met),
            &fmt2(r.pool_paid),
            &r.claims.to_string(),
            &closes,
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error())?.flush()
}
