//! Reading `settlements/*.csv` into a compact table: one row per
//! settlement, its claim-level cells kept as written (trimmed) in one
//! shared text, found by `setl_id` through [`super::index::Index`]. The
//! checks that need nothing but the settlement (two rows of one
//! `setl_id`, another insurance type, an unknown or inpatient
//! `med_type`) are made here: such a settlement is held back before any
//! fee line is read.

use super::super::claims::Reject;
use super::super::csvsrc::{cell, CsvFile};
use super::super::Reference;
use super::bucket::Bucket;
use super::codes::Codes;
use super::columns::{cell_of, s};
use super::index::Index;
use super::rejects::{broken, reject_at};
use super::Declared;
use crate::input::Reason;
use rustc_hash::FxHashMap;

/// The cells a settlement keeps, by their place in [`Setl::ends`].
pub(super) mod c {
    pub const ID: usize = 0;
    pub const PERSON: usize = 1;
    pub const INSTITUTION: usize = 2;
    pub const TIME: usize = 3;
    pub const SUMAMT: usize = 4;
    pub const PRESCRIBER: usize = 5;
    pub const MODE: usize = 6;
    pub const SUBMITTED: usize = 7;
    pub const EXCLUSION: usize = 8;
    pub const REVERSES: usize = 9;
    pub const VISIT: usize = 10;
    pub const COUNT: usize = 11;
}

/// Where a settlement's (first) row is, and where its cells are in the
/// table's text.
pub(super) struct Setl {
    pub file: u32,
    pub line: u64,
    pub range: (usize, usize),
    start: usize,
    ends: [u32; c::COUNT],
}

/// Why a settlement is held back: the culprit (a settlement row or a fee
/// line `(fee file, line)`), its column and reason, and the reason every
/// other row of it is given.
pub(super) struct Hold {
    pub culprit_line: Option<(usize, u64)>,
    pub column: &'static str,
    pub reason: Reason,
    pub also: Reason,
}

/// Every settlement read.
#[derive(Default)]
pub(super) struct Table {
    text: String,
    pub rows: Vec<Setl>,
    index: Index,
    /// The declared amounts (POLICY §10) of settlements that state any.
    pub declared: FxHashMap<u32, Declared>,
    /// Settlements held back on their own cells, before any fee line.
    pub held: FxHashMap<u32, Hold>,
}

impl Table {
    /// Cell `k` (see [`c`]) of settlement `i`.
    pub fn cell(&self, i: u32, k: usize) -> &str {
        let r = &self.rows[i as usize];
        let from = if k == 0 { 0 } else { r.ends[k - 1] as usize };
        self.text
            .get(r.start + from..r.start + r.ends[k] as usize)
            .unwrap_or("")
    }

    pub fn id(&self, i: u32) -> &str {
        self.cell(i, c::ID)
    }

    /// The settlement of a `setl_id`.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.index.find(id, |i| self.id(i))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
}

/// A settlement row other than the first of its `setl_id`.
struct Extra {
    of: u32,
    file: u32,
    line: u64,
    range: (usize, usize),
}

/// Read the settlements of `bucket` from every settlement file; rows
/// that cannot be read, name no settlement or are held back go to
/// `rejects` (with the other rows of their settlement).
pub(super) fn read_table(
    files: &[CsvFile],
    codes: &Codes,
    reference: &Reference,
    rejects: &mut Vec<Reject>,
    bucket: Bucket,
) -> Table {
    let mut t = Table::default();
    let mut extras: Vec<Extra> = Vec::new();
    for (fi, file) in files.iter().enumerate() {
        let mut rows = file.records();
        while let Some(row) = rows.next_row() {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    if bucket.first() {
                        rejects.push(broken(file, e));
                    }
                    continue;
                }
            };
            let id = cell_of(&row, s::SETL_ID);
            if !bucket.takes(&id) {
                continue;
            }
            let range = row.byte_range;
            if id.is_empty() {
                rejects.push(reject_at(
                    file,
                    row.line,
                    range,
                    "setl_id",
                    "",
                    Reason::NoSettlement,
                    None,
                ));
                continue;
            }
            let next = t.rows.len() as u32;
            let text = &t.text;
            let at = t.index.insert(&id, next, |i| {
                let r: &Setl = &t.rows[i as usize];
                text.get(r.start..r.start + r.ends[0] as usize)
                    .unwrap_or("")
            });
            if let Some(of) = at {
                extras.push(Extra {
                    of,
                    file: fi as u32,
                    line: row.line,
                    range,
                });
                continue;
            }
            let institution = cell_of(&row, s::FIXMEDINS_CODE);
            let med_type = cell_of(&row, s::MED_TYPE);
            let insutype = cell_of(&row, s::INSUTYPE);
            let city = reference
                .institutions
                .get(&institution)
                .map(|i| i.city.as_str());
            let visit = codes.visit_type(&med_type, city);
            // The checks of the settlement alone, in the join's order.
            let culprit: Option<(&'static str, Reason)> =
                if !insutype.is_empty() && insutype != "310" {
                    Some((
                        "insutype",
                        Reason::NotEmployeeInsurance {
                            insutype: insutype.clone(),
                        },
                    ))
                } else if med_type.is_empty() {
                    Some(("med_type", Reason::Missing))
                } else {
                    visit.as_ref().err().map(|why| ("med_type", why.clone()))
                };
            if let Some((column, reason)) = culprit {
                let also = Reason::HeldWithSettlement {
                    setl_id: id.clone(),
                    file: file.path.display().to_string(),
                    line: row.line,
                    cause: Box::new(reason.clone()),
                };
                t.held.insert(
                    next,
                    Hold {
                        culprit_line: None,
                        column,
                        reason,
                        also,
                    },
                );
            }
            let declared: [Option<String>; 6] = std::array::from_fn(|i| {
                Some(cell_of(&row, s::DECLARED + i)).filter(|v| !v.is_empty())
            });
            if declared.iter().any(Option::is_some) {
                t.declared.insert(
                    next,
                    Declared {
                        amounts: std::array::from_fn(|k| {
                            declared[k].as_deref().and_then(|v| cell::money(v).ok())
                        }),
                    },
                );
            }
            let start = t.text.len();
            let mut ends = [0u32; c::COUNT];
            let cells = [
                id.as_str(),
                &cell_of(&row, s::PSN_NO),
                &institution,
                &cell_of(&row, s::SETL_TIME),
                &cell_of(&row, s::MEDFEE_SUMAMT),
                &cell_of(&row, s::PRESCRIBER_ID),
                &cell_of(&row, s::SETTLEMENT_MODE),
                &cell_of(&row, s::SUBMITTED_DATE),
                &cell_of(&row, s::EXCLUSION),
                &cell_of(&row, s::REVERSES_CLAIM_ID),
                visit.unwrap_or("general"),
            ];
            for (k, v) in cells.iter().enumerate() {
                t.text.push_str(v);
                ends[k] = u32::try_from(t.text.len() - start).unwrap_or(u32::MAX);
            }
            t.rows.push(Setl {
                file: fi as u32,
                line: row.line,
                range,
                start,
                ends,
            });
        }
    }
    t.text.shrink_to_fit();
    let twice = hold_twice_named(&mut t, files, extras, rejects);
    // The settlement rows of those held back on their own cells (those
    // on two rows are rejected already).
    for (&i, h) in &t.held {
        if twice.contains(&i) {
            continue;
        }
        let r = &t.rows[i as usize];
        rejects.push(reject_at(
            &files[r.file as usize],
            r.line,
            r.range,
            h.column,
            t.id(i),
            h.reason.clone(),
            None,
        ));
    }
    t
}

/// A `setl_id` on two settlement rows holds back its settlement, first of
/// all: the second row is the culprit, every row goes to rejects.csv.
fn hold_twice_named(
    t: &mut Table,
    files: &[CsvFile],
    extras: Vec<Extra>,
    rejects: &mut Vec<Reject>,
) -> Vec<u32> {
    let mut by_setl: FxHashMap<u32, Vec<Extra>> = FxHashMap::default();
    for e in extras {
        by_setl.entry(e.of).or_default().push(e);
    }
    let mut twice = Vec::new();
    for (i, more) in by_setl {
        twice.push(i);
        let id = t.id(i).to_string();
        let a = &t.rows[i as usize];
        let b = &more[0];
        let (fa, fb) = (&files[a.file as usize], &files[b.file as usize]);
        let reason = Reason::SettlementTwice {
            setl_id: id.clone(),
            first: format!("{}:{}", fa.path.display(), a.line),
            second: format!("{}:{}", fb.path.display(), b.line),
        };
        let also = Reason::HeldWithSettlement {
            setl_id: id.clone(),
            file: fb.path.display().to_string(),
            line: b.line,
            cause: Box::new(reason.clone()),
        };
        rejects.push(reject_at(fa, a.line, a.range, "", &id, also.clone(), None));
        for (k, e) in more.iter().enumerate() {
            let (column, why) = if k == 0 {
                ("setl_id", reason.clone())
            } else {
                ("", also.clone())
            };
            rejects.push(reject_at(
                &files[e.file as usize],
                e.line,
                e.range,
                column,
                &id,
                why,
                None,
            ));
        }
        t.held.insert(
            i,
            Hold {
                culprit_line: None,
                column: "setl_id",
                reason,
                also,
            },
        );
    }
    twice
}
