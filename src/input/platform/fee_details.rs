//! Reading `fee_details/*.csv`: one row per fee line, with the checks of
//! the row itself (a missing `feedetl_sn`, a fractional `prd_days`, a cell
//! contradicting its settlement) and the fee lines without a settlement,
//! which are held back here.

use super::super::claims::Reject;
use super::super::csvsrc::{cell, CsvFile};
use super::columns::{cell_of, f};
use super::rejects::{broken, reject_at};
use super::settlements::Setl;
use crate::core::date::DateTime;
use crate::input::Reason;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// One fee row, as much of it as the checks need; the rest is read again
/// when the row is written.
pub(super) struct Fee {
    pub(super) file: usize,
    pub(super) line: u64,
    pub(super) range: (usize, usize),
    pub(super) setl_id: String,
    pub(super) sn: String,
    pub(super) amount: Option<Decimal>,
    /// The first problem of the row itself: (column, reason).
    pub(super) problem: Option<(&'static str, Reason)>,
    /// Its place in the claim's line order, once the claim passes.
    pub(super) ordinal: u32,
}

/// Read the rows of every fee file, checking each against its settlement
/// (`by_id`: the settlement rows of each `setl_id`).
pub(super) fn read_rows(
    fee_files: &[CsvFile],
    setls: &[Setl],
    by_id: &HashMap<&str, Vec<usize>>,
    held: &mut Vec<Reject>,
    held_stats: &mut [(u64, Decimal)],
) -> Vec<Fee> {
    let mut fees: Vec<Fee> = Vec::new();
    for (fi, file) in fee_files.iter().enumerate() {
        let mut rows = file.records();
        while let Some(row) = rows.next_row() {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    held_stats[fi].0 += 1;
                    held.push(broken(file, e));
                    continue;
                }
            };
            let amount = row
                .get_at(f::AMOUNT)
                .and_then(|s| cell::money(s.trim()).ok());
            let setl_id = cell_of(&row, f::SETL_ID);
            let sn = cell_of(&row, f::FEEDETL_SN);
            let mut problem = None;
            if sn.is_empty() {
                problem = Some(("feedetl_sn", Reason::Missing));
            }
            let prd = cell_of(&row, f::PRD_DAYS);
            if problem.is_none() && !prd.is_empty() {
                if let Ok(d) = crate::core::money::parse_decimal(&prd) {
                    if !d.fract().is_zero() {
                        problem = Some(("prd_days", Reason::FractionalDays { days: prd.clone() }));
                    }
                }
            }
            let setl = by_id.get(setl_id.as_str()).map(|v| &setls[v[0]]);
            if let (None, Some(s)) = (&problem, setl) {
                for (k, name, own) in [
                    (f::PSN_NO, "psn_no", &s.person),
                    (f::FIXMEDINS_CODE, "fixmedins_code", &s.institution),
                    (f::SETL_TIME, "setl_time", &s.time),
                ] {
                    let v = cell_of(&row, k);
                    let differs = if k == f::SETL_TIME {
                        !v.is_empty()
                            && match (DateTime::parse(&v), DateTime::parse(own)) {
                                (Some(a), Some(b)) => a != b,
                                _ => v != *own,
                            }
                    } else {
                        !v.is_empty() && v != *own
                    };
                    if differs {
                        problem = Some((
                            name,
                            Reason::ContradictsSettlement {
                                column: name.to_string(),
                                value: v.clone(),
                                own: own.clone(),
                            },
                        ));
                        break;
                    }
                }
            }
            if setl_id.is_empty() || setl.is_none() {
                held_stats[fi].0 += 1;
                held_stats[fi].1 += amount.unwrap_or_default();
                let why = if setl_id.is_empty() {
                    Reason::FeeWithoutSettlementId
                } else {
                    Reason::FeeWithoutSettlement {
                        setl_id: setl_id.clone(),
                    }
                };
                held.push(reject_at(
                    file,
                    row.line,
                    row.byte_range,
                    "setl_id",
                    &setl_id,
                    why,
                    amount,
                ));
                continue;
            }
            fees.push(Fee {
                file: fi,
                line: row.line,
                range: row.byte_range,
                setl_id,
                sn,
                amount,
                problem,
                ordinal: 0,
            });
        }
    }
    fees
}
