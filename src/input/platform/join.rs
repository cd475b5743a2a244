//! The join on `setl_id` and its verdict on each settlement: what the
//! contract holds back (two rows of one settlement, another insurance
//! type, an unknown or inpatient `med_type`, no fee lines, a broken or
//! duplicated fee line, lines that do not add up) goes to rejects.csv
//! whole; what passes gets its visit type, its lines' order and its
//! declared amounts.

use super::super::claims::Reject;
use super::super::csvsrc::{cell, CsvFile};
use super::super::Reference;
use super::codes::Codes;
use super::fee_details::Fee;
use super::rejects::reject_at;
use super::settlements::Setl;
use super::Declared;
use crate::input::Reason;
use crate::output::LineKeys;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The layout as read: both kinds of files and their rows.
pub(super) struct Layout<'a> {
    pub settlement_files: &'a [CsvFile],
    pub fee_files: &'a [CsvFile],
    pub setls: &'a [Setl],
    pub fees: &'a [Fee],
}

/// The settlements that passed, and what the rewrite and the run need of
/// them.
pub(super) struct Decided {
    /// Claim id → (settlement row, visit type).
    pub passed: HashMap<String, (usize, String)>,
    /// Claim id → (file, line, byte range) of its settlement row.
    pub sent_settlements: HashMap<String, (usize, u64, (usize, usize))>,
    pub declared: HashMap<String, Declared>,
    pub keys: LineKeys,
    /// (fee row, its place in the claim's line order).
    pub ordinals: Vec<(usize, u32)>,
}

/// Decide each settlement (`by_id`: the settlement rows of each
/// `setl_id`), holding back what fails with all its rows.
pub(super) fn decide(
    layout: Layout<'_>,
    by_id: &HashMap<&str, Vec<usize>>,
    codes: &Codes,
    reference: &Reference,
    held: &mut Vec<Reject>,
    held_stats: &mut [(u64, Decimal)],
) -> Decided {
    let Layout {
        settlement_files,
        fee_files,
        setls,
        fees,
    } = layout;
    let mut lines_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, fe) in fees.iter().enumerate() {
        lines_of.entry(fe.setl_id.as_str()).or_default().push(i);
    }
    let mut keys = LineKeys::new();
    let mut declared = HashMap::new();
    let mut sent_settlements = HashMap::new();
    let mut passed: HashMap<String, (usize, String)> = HashMap::new();
    let mut ordinals: Vec<(usize, u32)> = Vec::new();
    let mut ids: Vec<&str> = by_id.keys().copied().collect();
    ids.sort_unstable();
    for id in ids {
        let rows = &by_id[id];
        let lines: &[usize] = lines_of.get(id).map(Vec::as_slice).unwrap_or_default();
        let s = &setls[rows[0]];
        let city = reference
            .institutions
            .get(&s.institution)
            .map(|i| i.city.as_str());
        let mut order: Vec<usize> = lines.to_vec();
        order.sort_by(|&a, &b| {
            let (x, y) = (&fees[a].sn, &fees[b].sn);
            (x.len(), x).cmp(&(y.len(), y))
        });
        // The culprit: Ok(settlement row index) or Err(fee index), with
        // the column and the reason.
        type Culprit = (Result<usize, usize>, &'static str, Reason);
        let verdict: Option<Culprit> = (|| {
            if rows.len() > 1 {
                let a = &setls[rows[0]];
                let b = &setls[rows[1]];
                return Some((
                    Ok(rows[1]),
                    "setl_id",
                    Reason::SettlementTwice {
                        setl_id: id.to_string(),
                        first: format!("{}:{}", settlement_files[a.file].path.display(), a.line),
                        second: format!("{}:{}", settlement_files[b.file].path.display(), b.line),
                    },
                ));
            }
            if !s.insutype.is_empty() && s.insutype != "310" {
                return Some((
                    Ok(rows[0]),
                    "insutype",
                    Reason::NotEmployeeInsurance {
                        insutype: s.insutype.clone(),
                    },
                ));
            }
            if s.med_type.is_empty() {
                return Some((Ok(rows[0]), "med_type", Reason::Missing));
            }
            if let Err(why) = codes.visit_type(&s.med_type, city) {
                return Some((Ok(rows[0]), "med_type", why));
            }
            if lines.is_empty() {
                return Some((
                    Ok(rows[0]),
                    "setl_id",
                    Reason::NoFeeLines {
                        setl_id: id.to_string(),
                    },
                ));
            }
            if let Some(&i) = lines.iter().find(|&&i| fees[i].problem.is_some()) {
                let (c, why) = fees[i]
                    .problem
                    .clone()
                    .unwrap_or(("", Reason::Text(String::new())));
                return Some((Err(i), c, why));
            }
            if let Some(w) = order.windows(2).find(|w| fees[w[0]].sn == fees[w[1]].sn) {
                let later = w[0].max(w[1]);
                return Some((
                    Err(later),
                    "feedetl_sn",
                    Reason::FeeSnTwice {
                        sn: fees[later].sn.clone(),
                        setl_id: id.to_string(),
                    },
                ));
            }
            let sum = match cell::money(&s.sumamt) {
                Ok(v) => v,
                Err(e) => return Some((Ok(rows[0]), "medfee_sumamt", e.0)),
            };
            if lines.iter().all(|&i| fees[i].amount.is_some()) {
                let total: Decimal = lines.iter().filter_map(|&i| fees[i].amount).sum();
                if total != sum {
                    return Some((
                        Ok(rows[0]),
                        "medfee_sumamt",
                        Reason::SumMismatch {
                            setl_id: id.to_string(),
                            total: format!("{total:.2}"),
                            sum: format!("{sum:.2}"),
                        },
                    ));
                }
            }
            None
        })();
        match verdict {
            None => {
                let vt = codes.visit_type(&s.med_type, city).unwrap_or("general");
                passed.insert(id.to_string(), (rows[0], vt.to_string()));
                sent_settlements.insert(id.to_string(), (s.file, s.line, s.range));
                let sns: Vec<String> = order.iter().map(|&i| fees[i].sn.clone()).collect();
                if sns
                    .iter()
                    .enumerate()
                    .any(|(n, k)| *k != (n + 1).to_string())
                {
                    keys.insert(id.to_string(), sns);
                }
                for (n, &i) in order.iter().enumerate() {
                    ordinals.push((i, n as u32 + 1));
                }
                if s.declared.iter().any(Option::is_some) {
                    declared.insert(
                        id.to_string(),
                        Declared {
                            amounts: std::array::from_fn(|k| {
                                s.declared[k].as_deref().and_then(|v| cell::money(v).ok())
                            }),
                        },
                    );
                }
            }
            Some((culprit, column, reason)) => {
                let (cfile, cline) = match culprit {
                    Ok(r) => (&settlement_files[setls[r].file], setls[r].line),
                    Err(i) => (&fee_files[fees[i].file], fees[i].line),
                };
                let also = Reason::HeldWithSettlement {
                    setl_id: id.to_string(),
                    file: cfile.path.display().to_string(),
                    line: cline,
                    cause: Box::new(reason.clone()),
                };
                for &r in rows {
                    let st = &setls[r];
                    let (c, why) = if culprit == Ok(r) {
                        (column, reason.clone())
                    } else {
                        ("", also.clone())
                    };
                    held.push(reject_at(
                        &settlement_files[st.file],
                        st.line,
                        st.range,
                        c,
                        id,
                        why,
                        None,
                    ));
                }
                for &i in lines {
                    let fe = &fees[i];
                    let (c, why) = if culprit == Err(i) {
                        (column, reason.clone())
                    } else {
                        ("", also.clone())
                    };
                    held_stats[fe.file].0 += 1;
                    held_stats[fe.file].1 += fe.amount.unwrap_or_default();
                    held.push(reject_at(
                        &fee_files[fe.file],
                        fe.line,
                        fe.range,
                        c,
                        id,
                        why,
                        fe.amount,
                    ));
                }
            }
        }
    }
    Decided {
        passed,
        sent_settlements,
        declared,
        keys,
        ordinals,
    }
}
