//! The join's verdict on each settlement, once every fee file is scanned,
//! from what the scan noted ([`FeeNotes`]): a settlement without fee
//! lines, with a row that has a problem of its own, with a `feedetl_sn`
//! twice, or whose lines do not add up to its `medfee_sumamt`, is held
//! back whole; one that passes gets its lines' order (by `feedetl_sn`)
//! and its declared amounts.

use super::super::claims::Reject;
use super::super::csvsrc::{cell, CsvFile};
use super::claim_line::person_key_of;
use super::columns::{cell_of, f};
use super::declared::Found;
use super::fee_lines::FeeNotes;
use super::rejects::reject_at;
use super::settlements::{c, Hold};
use super::Platform;
use crate::input::Reason;
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap, FxHashSet};

/// A settlement's rows over every fee file.
#[derive(Clone, Default)]
struct Total {
    n: u32,
    /// In one file, numbered `1..=k` in reading order.
    k: u32,
    plain: bool,
    files: u32,
    amounts_ok: bool,
    sum: Decimal,
}

/// A fee row: (claim file, line).
type At = (usize, u64);

/// A settlement's verdict: `None` when it passes, else the culprit (a fee
/// row, or the settlement row), its column and the reason.
type Verdict = Option<(Option<At>, &'static str, Reason)>;

/// `feedetl_sn` order: shorter first, then by text (so `2` before `10`).
fn sn_order(a: &str, b: &str) -> std::cmp::Ordering {
    (a.len(), a).cmp(&(b.len(), b))
}

impl Platform {
    /// Decide every settlement from the scan's notes (one per fee file, in
    /// file order). Returns the rejects.csv rows of the settlement rows
    /// held back (all of them, those held back while reading too) and of
    /// fee rows left without a claim id.
    pub(crate) fn decide(&mut self, files: &[CsvFile], notes: Vec<FeeNotes>) -> Vec<Reject> {
        let mut rejects = std::mem::take(&mut self.read_rejects);
        let t = &self.table;
        let mut totals = vec![Total::default(); t.len()];
        let mut problems: FxHashMap<u32, (usize, u64, &'static str, Reason)> = FxHashMap::default();
        let mut recorded: FxHashMap<u32, Vec<(usize, u64, Box<str>)>> = FxHashMap::default();
        let mut no_claim = Vec::new();
        for note in notes {
            for (i, a) in note.aggs {
                let g = &mut totals[i as usize];
                if g.files == 0 {
                    g.k = a.k;
                    g.plain = a.regular;
                    g.amounts_ok = true;
                }
                g.files += 1;
                g.n += a.n;
                g.sum += a.sum;
                g.amounts_ok &= a.amounts_ok;
            }
            for (i, (line, column, reason)) in note.problems {
                problems
                    .entry(i)
                    .or_insert((note.file, line, column, reason));
            }
            for (i, line, sn) in note.recorded {
                recorded.entry(i).or_default().push((note.file, line, sn));
            }
            for (line, i) in note.odd_ids {
                self.odd_ids.insert((note.file, line), t.id(i).into());
            }
            for (line, range) in note.long_rows {
                self.long_rows.insert((note.file, line), range);
            }
            for n in note.no_claim {
                no_claim.push((note.file, n));
            }
        }
        // A settlement over several fee files: its numbers read again,
        // exactly (rare).
        let spread: FxHashSet<u32> = (0..t.len() as u32)
            .filter(|&i| totals[i as usize].files > 1)
            .collect();
        let exact = if spread.is_empty() {
            FxHashMap::default()
        } else {
            self.numbers_of(files, &spread)
        };
        for i in 0..t.len() as u32 {
            if t.held.contains_key(&i) {
                self.held_alone.insert(t.id(i).into());
                continue;
            }
            let g = &totals[i as usize];
            let id = t.id(i);
            let row = &t.rows[i as usize];
            let setl_file = &self.settlement_files[row.file as usize];
            // The numbers in reading order, with where each row is (none
            // for the plain `1..=k` at the start of a single file).
            let mut sns: Vec<(Box<str>, Option<At>)> = match exact.get(&i) {
                Some(all) => all
                    .iter()
                    .map(|(fi, line, sn)| (sn.clone(), Some((*fi, *line))))
                    .collect(),
                None => (1..=g.k)
                    .map(|n| (n.to_string().into_boxed_str(), None))
                    .chain(
                        recorded
                            .get(&i)
                            .into_iter()
                            .flatten()
                            .map(|(fi, line, sn)| (sn.clone(), Some((*fi, *line)))),
                    )
                    .collect(),
            };
            let plain = g.files == 1 && g.plain;
            if !plain {
                // Stable: a number twice keeps its rows in reading order.
                sns.sort_by(|a, b| sn_order(&a.0, &b.0));
            }
            // (culprit: a fee row or the settlement row, column, reason)
            let verdict: Verdict = if g.n == 0 {
                Some((
                    None,
                    "setl_id",
                    Reason::NoFeeLines {
                        setl_id: id.to_string(),
                    },
                ))
            } else if let Some((fi, line, column, reason)) = problems.get(&i) {
                Some((Some((*fi, *line)), column, reason.clone()))
            } else if let Some(w) = sns.windows(2).find(|w| w[0].0 == w[1].0) {
                Some((
                    w[1].1,
                    "feedetl_sn",
                    Reason::FeeSnTwice {
                        sn: w[1].0.to_string(),
                        setl_id: id.to_string(),
                    },
                ))
            } else {
                match cell::money(t.cell(i, c::SUMAMT)) {
                    Err(e) => Some((None, "medfee_sumamt", e.0)),
                    Ok(sum) if g.amounts_ok && g.sum != sum => Some((
                        None,
                        "medfee_sumamt",
                        Reason::SumMismatch {
                            setl_id: id.to_string(),
                            total: format!("{:.2}", g.sum),
                            sum: format!("{sum:.2}"),
                        },
                    )),
                    Ok(_) => None,
                }
            };
            match verdict {
                Some((culprit_line, column, reason)) => {
                    let (cfile, cline) = match culprit_line {
                        Some((fi, line)) => (&files[fi], line),
                        None => (setl_file, row.line),
                    };
                    let also = Reason::HeldWithSettlement {
                        setl_id: id.to_string(),
                        file: cfile.path.display().to_string(),
                        line: cline,
                        cause: Box::new(reason.clone()),
                    };
                    let (col, why) = if culprit_line.is_none() {
                        (column, reason.clone())
                    } else {
                        ("", also.clone())
                    };
                    rejects.push(reject_at(
                        setl_file, row.line, row.range, col, id, why, None,
                    ));
                    self.holds.insert(
                        id.into(),
                        Hold {
                            culprit_line,
                            column,
                            reason,
                            also,
                        },
                    );
                }
                None => {
                    if !plain {
                        let keys: Vec<String> = sns.iter().map(|(s, _)| s.to_string()).collect();
                        if keys
                            .iter()
                            .enumerate()
                            .any(|(n, k)| *k != (n + 1).to_string())
                        {
                            self.line_keys.insert(id.to_string(), keys);
                        }
                        for (sn, at) in &sns {
                            if let Some(at) = at {
                                self.recorded.insert(*at, sn.clone());
                            }
                        }
                        self.renumber
                            .insert(id.into(), sns.into_iter().map(|(s, _)| s).collect());
                    }
                    if let Some(d) = t.declared.get(&i) {
                        if self.declared_by_partition {
                            self.found.push(Found {
                                person_key: person_key_of(t, i),
                                setl_id: id.to_string(),
                                declared: d.clone(),
                            });
                        } else {
                            self.declared.insert(id.to_string(), d.clone());
                        }
                    }
                }
            }
        }
        // Rows whose claim id is nothing once cleaned: held back with
        // their settlement, or alone.
        for (fi, n) in no_claim {
            let (i, line, range, amount) = (n.setl, n.line, n.range, n.amount);
            let file = &files[fi];
            match self.holds.get(t.id(i)) {
                Some(h) => {
                    let (col, why) = if h.culprit_line == Some((fi, line)) {
                        (h.column, h.reason.clone())
                    } else {
                        ("", h.also.clone())
                    };
                    rejects.push(reject_at(file, line, range, col, t.id(i), why, amount));
                }
                None => rejects.push(reject_at(
                    file,
                    line,
                    range,
                    "setl_id",
                    "",
                    "required value is missing: the line belongs to no claim".into(),
                    amount,
                )),
            }
        }
        rejects
    }

    /// Every (fee file, line, `feedetl_sn`) of the settlements `of`, in
    /// reading order, read again from the fee files.
    fn numbers_of(
        &self,
        files: &[CsvFile],
        of: &FxHashSet<u32>,
    ) -> FxHashMap<u32, Vec<(usize, u64, Box<str>)>> {
        let mut out: FxHashMap<u32, Vec<(usize, u64, Box<str>)>> = FxHashMap::default();
        for fi in self.fee_files.clone() {
            let mut rows = files[fi].records();
            while let Some(row) = rows.next_row() {
                let Ok(row) = row else { continue };
                let Some(i) = self.table.find(&cell_of(&row, f::SETL_ID)) else {
                    continue;
                };
                if of.contains(&i) {
                    let sn = cell_of(&row, f::FEEDETL_SN).into_boxed_str();
                    out.entry(i).or_default().push((fi, row.line, sn));
                }
            }
        }
        out
    }
}
