//! Scanning one `fee_details/*.csv` file: every fee row is read once,
//! joined with its settlement and parsed into the claim line it stands for
//! ([`claim_line`](super::claim_line)), and sent on to the partitions like
//! a line of `claims/*.csv`. What the join decides only once all of a
//! settlement's rows are read (do they add up, is a `feedetl_sn` twice,
//! does one row contradict its settlement) is noted per settlement in
//! [`FeeNotes`], compactly: the lines themselves are not kept.
//!
//! Fee rows without a settlement, and those of a settlement held back on
//! its own cells, go to rejects.csv here.

use super::super::claims::{ClaimFileStat, Pending, Reject, Sink, Source, MAX_RAW_BYTES};
use super::super::csvsrc::{cell, CsvFile, Row};
use super::super::id::Id;
use super::claim_line::{self, one_line, FeePart, SetlPart};
use super::columns::f;
use super::rejects::{broken, reject_at};
use super::settlements::{c, Hold};
use super::Platform;
use crate::core::date::{Date, DateTime};
use crate::input::Reason;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// What one settlement's rows in one fee file add up to.
#[derive(Debug)]
pub(super) struct Agg {
    pub n: u32,
    /// Its rows so far were numbered `1, 2, ..., k` in reading order.
    pub k: u32,
    /// No row broke that numbering yet: the rows after one that did are
    /// in [`FeeNotes::recorded`].
    pub regular: bool,
    pub amounts_ok: bool,
    pub sum: Decimal,
}

/// A fee row whose `setl_id` leaves no claim id once cleaned of control
/// characters.
#[derive(Debug)]
pub(super) struct NoClaim {
    pub setl: u32,
    pub line: u64,
    pub range: (usize, usize),
    pub amount: Option<Decimal>,
}

/// What scanning one fee file noted for the join.
#[derive(Debug)]
pub struct FeeNotes {
    /// The file's index among the run's claim files.
    pub(super) file: usize,
    pub(super) aggs: FxHashMap<u32, Agg>,
    /// The first row of a settlement with a problem of its own: (line,
    /// column, reason).
    pub(super) problems: FxHashMap<u32, (u64, &'static str, Reason)>,
    /// (settlement, line, `feedetl_sn`) of the rows outside their
    /// settlement's plain numbering.
    pub(super) recorded: Vec<(u32, u64, Box<str>)>,
    /// (line, settlement) of rows whose claim id is not their `setl_id`
    /// as written (it held control characters).
    pub(super) odd_ids: Vec<(u64, u32)>,
    /// Rows whose `setl_id` leaves no claim id once cleaned.
    pub(super) no_claim: Vec<NoClaim>,
    /// (line, byte range) of rows longer than rejects.csv quotes of a
    /// claim line.
    pub(super) long_rows: Vec<(u64, (usize, usize))>,
}

/// A row's trimmed cell ("" when absent).
fn get<'r>(row: &Row<'r>, k: usize) -> &'r str {
    row.get_at(k).map(str::trim).unwrap_or("")
}

/// `prd_days` as the claim line states it: a whole number written as one.
fn supply_days(prd: &str) -> Cow<'_, str> {
    let plain = !prd.is_empty()
        && prd.bytes().all(|b| b.is_ascii_digit())
        && (prd.len() == 1 || !prd.starts_with('0'));
    if plain {
        return Cow::Borrowed(prd);
    }
    match crate::core::money::parse_decimal(prd) {
        Ok(d) if d.fract().is_zero() && !prd.is_empty() => {
            Cow::Owned(d.trunc().normalize().to_string())
        }
        _ => Cow::Borrowed(prd),
    }
}

/// The settlement the previous row belonged to.
struct Current<'p> {
    idx: u32,
    part: SetlPart,
    held: Option<&'p Hold>,
}

impl Platform {
    /// Read the fee file `fi` of `files` (see the module's text).
    pub(crate) fn scan_file(
        &self,
        files: &[CsvFile],
        fi: usize,
        sink: &mut Sink<'_>,
        read: &(dyn Fn(u64) + Sync),
    ) -> std::io::Result<(ClaimFileStat, Vec<Reject>, Option<Date>, FeeNotes)> {
        const READ_STEP: u64 = 4 << 20;
        let file = &files[fi];
        let t = &self.table;
        let mut told = 0u64;
        let mut stat = ClaimFileStat::empty(file);
        let mut notes = FeeNotes {
            file: fi,
            aggs: FxHashMap::default(),
            problems: FxHashMap::default(),
            recorded: Vec::new(),
            odd_ids: Vec::new(),
            no_claim: Vec::new(),
            long_rows: Vec::new(),
        };
        let mut rejects = Vec::new();
        let mut latest: Option<Date> = None;
        let mut cur: Option<Current<'_>> = None;
        let mut number = itoa::Buffer::new();
        let mut rows = file.records();
        while let Some(row) = rows.next_row() {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    if self.bucket.first() {
                        stat.lines += 1;
                        rejects.push(broken(file, e));
                    }
                    continue;
                }
            };
            let at = (row.byte_range.1 as u64).min(file.bytes);
            if at >= told + READ_STEP {
                read(at - told);
                told = at;
            }
            // Another bucket's row: read in that bucket's scan.
            let setl_id = get(&row, f::SETL_ID);
            if !self.bucket.takes(setl_id) {
                continue;
            }
            stat.lines += 1;
            let amount_cell = one_line(get(&row, f::AMOUNT));
            let amount = if amount_cell.is_empty() {
                None
            } else {
                cell::money(&amount_cell).ok()
            };
            stat.amount += amount.unwrap_or_default();
            let idx = match &cur {
                Some(cu) if t.id(cu.idx) == setl_id => Some(cu.idx),
                _ if setl_id.is_empty() => None,
                _ => t.find(setl_id),
            };
            let Some(idx) = idx else {
                let why = if setl_id.is_empty() {
                    Reason::FeeWithoutSettlementId
                } else {
                    Reason::FeeWithoutSettlement {
                        setl_id: setl_id.to_string(),
                    }
                };
                rejects.push(reject_at(
                    file,
                    row.line,
                    row.byte_range,
                    "setl_id",
                    setl_id,
                    why,
                    amount,
                ));
                continue;
            };
            if cur.as_ref().is_none_or(|cu| cu.idx != idx) {
                cur = Some(Current {
                    idx,
                    part: SetlPart::of(t, idx),
                    held: t.held.get(&idx),
                });
            }
            let Some(cu) = cur.as_ref() else { continue };
            if let Some(h) = cu.held {
                rejects.push(reject_at(
                    file,
                    row.line,
                    row.byte_range,
                    "",
                    t.id(idx),
                    h.also.clone(),
                    amount,
                ));
                continue;
            }
            let agg = notes.aggs.entry(idx).or_insert(Agg {
                n: 0,
                k: 0,
                regular: true,
                amounts_ok: true,
                sum: Decimal::ZERO,
            });
            agg.n += 1;
            match amount {
                Some(a) => agg.sum += a,
                None => agg.amounts_ok = false,
            }
            let sn = get(&row, f::FEEDETL_SN);
            let prd = get(&row, f::PRD_DAYS);
            if let std::collections::hash_map::Entry::Vacant(e) = notes.problems.entry(idx) {
                if let Some((column, reason)) = problem(&row, t, idx, sn, prd) {
                    e.insert((row.line, column, reason));
                }
            }
            let line_no = if agg.regular && number.format(agg.k + 1) == sn {
                agg.k += 1;
                agg.k
            } else {
                agg.regular = false;
                notes.recorded.push((idx, row.line, sn.into()));
                0
            };
            let first = |a: usize, b: usize| {
                let v = get(&row, a);
                one_line(if v.is_empty() { get(&row, b) } else { v })
            };
            let (item_code, item_name) = (
                first(f::HILIST_CODE, f::MED_LIST_CODG),
                first(f::HILIST_NAME, f::MEDINS_LIST_NAME),
            );
            let (quantity, unit_price) =
                (one_line(get(&row, f::CNT)), one_line(get(&row, f::PRIC)));
            let prescription_id = first(f::RXNO, f::RX_DRORD_NO);
            let days = supply_days(prd);
            let days = one_line(&days);
            let fee = FeePart {
                item_code: &item_code,
                item_name: &item_name,
                quantity: &quantity,
                unit_price: &unit_price,
                amount: &amount_cell,
                prescription_id: &prescription_id,
                supply_days: &days,
            };
            let parsed = claim_line::parse(&cu.part, &fee, amount, line_no);
            if let Ok(p) = &parsed {
                latest = latest.max(Some(p.head.service_time.date));
            }
            if row.byte_range.1.saturating_sub(row.byte_range.0) > MAX_RAW_BYTES {
                notes.long_rows.push((row.line, row.byte_range));
            }
            if cu.part.claim_id.is_empty() {
                notes.no_claim.push(NoClaim {
                    setl: idx,
                    line: row.line,
                    range: row.byte_range,
                    amount,
                });
                continue;
            }
            if cu.part.claim_id != setl_id {
                notes.odd_ids.push((row.line, idx));
            }
            sink(
                &cu.part.person_key,
                Pending {
                    claim_id: Id::new(&cu.part.claim_id),
                    src: Source {
                        file: fi,
                        line: row.line,
                        bytes: row.byte_range,
                    },
                    amount,
                    parsed,
                },
            )?;
        }
        read(file.bytes.saturating_sub(told));
        Ok((stat, rejects, latest, notes))
    }
}

/// A fee row's problem of its own, which holds back its settlement: no
/// `feedetl_sn`, a fractional `prd_days`, or a cell contradicting the
/// settlement.
fn problem(
    row: &Row<'_>,
    t: &super::settlements::Table,
    idx: u32,
    sn: &str,
    prd: &str,
) -> Option<(&'static str, Reason)> {
    if sn.is_empty() {
        return Some(("feedetl_sn", Reason::Missing));
    }
    if !prd.is_empty() {
        if let Ok(d) = crate::core::money::parse_decimal(prd) {
            if !d.fract().is_zero() {
                return Some((
                    "prd_days",
                    Reason::FractionalDays {
                        days: prd.to_string(),
                    },
                ));
            }
        }
    }
    for (k, name, own) in [
        (f::PSN_NO, "psn_no", c::PERSON),
        (f::FIXMEDINS_CODE, "fixmedins_code", c::INSTITUTION),
        (f::SETL_TIME, "setl_time", c::TIME),
    ] {
        let v = get(row, k);
        if v.is_empty() {
            continue;
        }
        let own = t.cell(idx, own);
        let differs = if k == f::SETL_TIME {
            match (DateTime::parse(v), DateTime::parse(own)) {
                (Some(a), Some(b)) => a != b,
                _ => v != own,
            }
        } else {
            v != own
        };
        if differs {
            return Some((
                name,
                Reason::ContradictsSettlement {
                    column: name.to_string(),
                    value: v.to_string(),
                    own: own.to_string(),
                },
            ));
        }
    }
    None
}
