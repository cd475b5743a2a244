//! What the files for people (settlement.xlsx, report.html) take from the
//! claims, kept while the partitions are decided, so that neither reads
//! payments.csv or audit.csv back as text.
//!
//! The workbook's claim sheets list denied claims and flagged findings by
//! claim_id, at most as many rows as a worksheet holds: only those rows
//! are kept, typed and compact, and a spilled month's partitions (each in
//! its own claim_id order) are merged into one order as they come, capped
//! at the sheet's rows. A month adjudicated partition by partition writes
//! each partition's rows to its spill area instead
//! ([`super::people_runs`]), merged only as the workbook is built. The
//! report needs only sums by institution level and status, added up here
//! claim by claim.
//!
//! Every value is kept as the staged CSVs hold it: money rounded to fen as
//! written, lines named as audit.csv names them, so the files stay what
//! they were when built from the CSVs.

use super::people_runs::{RunWriter, Runs, Sheet};
use super::LineKeys;
use crate::core::adjudicate::{Basis, ClaimDecision, RuleId, Severity, Status};
use crate::core::date::Date;
use crate::core::money::round2;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap as HashMap;
use std::io;
use std::path::Path;

/// A denied or pool_denied claim's row of the denied sheet.
pub struct DeniedRow {
    pub city: Option<Box<str>>,
    pub service_date: Date,
    pub status: Status,
    /// total, fund_pay, account_pay, cash_pay, as written.
    pub money: [Money; 4],
    pub reasons: Box<[RuleId]>,
    /// The claim's deny findings' sentences, in audit.csv's order.
    pub why: Box<[Box<str>]>,
}

/// A flagged finding's row of the flagged sheet.
pub struct FlagRow {
    /// The line's name in audit.csv read as a number (a platform key that
    /// is not a number has none), `None` for a claim-level finding.
    pub line_no: Option<u32>,
    pub rule: RuleId,
    pub amount: Money,
    pub detail: Box<str>,
    pub basis: Basis,
}

/// A claim with a row on either claim sheet.
pub struct ClaimRows {
    pub claim_id: Box<str>,
    pub person_id: Box<str>,
    /// Index into [`PeopleRows::institution`].
    pub(super) institution: u32,
    pub denied: Option<Box<DeniedRow>>,
    pub flags: Vec<FlagRow>,
}

/// An amount as written in a CSV: whole fen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money(pub i128);

impl Money {
    /// `x` as the CSVs write it (rounded half away from zero to fen).
    pub fn of(x: Decimal) -> Money {
        // Decisions hold fen already: rescaling is exact then.
        let x = if x.scale() <= 2 { x } else { round2(x) };
        let pad = 10i128.pow(2 - x.scale());
        Money(x.mantissa() * pad)
    }

    pub fn decimal(self) -> Decimal {
        Decimal::from_i128_with_scale(self.0, 2)
    }

    /// The number a spreadsheet reads from the written text (`123.45`):
    /// an exact integer divided by 100 rounds as parsing the text does.
    pub fn number(self) -> f64 {
        if self.0.unsigned_abs() < 1 << 53 {
            self.0 as f64 / 100.0
        } else {
            crate::core::money::fmt2(self.decimal())
                .parse()
                .unwrap_or_default()
        }
    }
}

/// Claims, and their amounts as written, of one institution level and
/// status.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Sums {
    pub claims: u64,
    pub total: i128,
    pub fund: i128,
    pub account: i128,
    pub cash: i128,
}

/// The collector: feed it each partition's decisions.
pub struct PeopleRows {
    /// Rows a sheet shows at most (a worksheet's rows less its header and
    /// the note of what did not fit).
    limit: usize,
    /// Sorted runs by claim_id not merged yet.
    runs: Vec<Vec<ClaimRows>>,
    /// Where a spilled month's runs go instead of `runs`.
    on_disk: Option<RunWriter>,
    /// Rows (denied and flagged) held in `runs`.
    held: usize,
    /// Once a merge has filled both sheets: the last claim they show. A
    /// claim after it can show nothing, so it is only counted, not kept.
    cutoff: Option<Box<str>>,
    /// Every denied row and flagged finding of the month.
    denied_total: u64,
    flags_total: u64,
    institutions: Vec<Box<str>>,
    institution_ix: HashMap<Box<str>, u32>,
    sums: HashMap<(Option<&'static str>, Status), Sums>,
}

impl Default for PeopleRows {
    fn default() -> Self {
        PeopleRows::new(super::workbook::EXCEL_ROWS as usize - 2)
    }
}

impl PeopleRows {
    /// A collector that keeps at most `limit` rows per sheet.
    pub fn new(limit: usize) -> PeopleRows {
        PeopleRows {
            limit,
            runs: Vec::new(),
            on_disk: None,
            held: 0,
            cutoff: None,
            denied_total: 0,
            flags_total: 0,
            institutions: Vec::new(),
            institution_ix: HashMap::default(),
            sums: HashMap::default(),
        }
    }

    /// Keep the rows in `area` (a spilled month's spill area) rather than
    /// in memory.
    pub fn spill_to(&mut self, area: &Path) -> io::Result<()> {
        self.on_disk = Some(RunWriter::create(area)?);
        Ok(())
    }

    /// Take one partition's decisions (any order); `keys` name lines as
    /// audit.csv does.
    pub fn add(&mut self, decisions: &[ClaimDecision], keys: &LineKeys) -> io::Result<()> {
        let mut run = Vec::new();
        for d in decisions {
            let s = self
                .sums
                .entry((d.institution_level, d.status))
                .or_default();
            s.claims += 1;
            s.total += Money::of(d.total).0;
            s.fund += Money::of(d.fund_pay).0;
            s.account += Money::of(d.account_pay).0;
            s.cash += Money::of(d.cash_pay).0;
            if self
                .cutoff
                .as_deref()
                .is_some_and(|last| d.claim_id.as_str() > last)
            {
                self.count_only(d);
                continue;
            }
            if let Some(c) = self.rows_of(d, keys) {
                run.push(c);
            }
        }
        // Within a partition a claim_id is one claim.
        run.sort_unstable_by(|a, b| a.claim_id.cmp(&b.claim_id));
        if let Some(w) = &mut self.on_disk {
            // A row past a sheet's first `limit` rows of its own run has
            // at least `limit` rows before it in the merged order too: it
            // is only counted.
            Self::cap(self.limit, &mut run);
            return w.push(&run);
        }
        self.held += run.iter().map(rows_in).sum::<usize>();
        self.runs.push(run);
        // Merging each time would redo the kept rows per partition; merged
        // when half as many again as both sheets show are held, memory
        // stays bounded (and once a merge fills both sheets, the cutoff
        // keeps most later rows out).
        if self.runs.len() > 1 && self.held > 3 * self.limit {
            self.merge();
        }
        Ok(())
    }

    /// A claim past the cutoff: its rows are counted as not shown.
    fn count_only(&mut self, d: &ClaimDecision) {
        if matches!(d.status, Status::Denied | Status::PoolDenied) {
            self.denied_total += 1;
        }
        let flags = d.findings.iter().filter(|f| f.severity == Severity::Flag);
        self.flags_total += flags.count() as u64;
    }

    fn rows_of(&mut self, d: &ClaimDecision, keys: &LineKeys) -> Option<ClaimRows> {
        let denied = matches!(d.status, Status::Denied | Status::PoolDenied);
        let flagged = d.findings.iter().any(|f| f.severity == Severity::Flag);
        if !denied && !flagged {
            return None;
        }
        // audit.csv's order: claim-level findings first, then by line, each
        // in the order the rules fired.
        let mut order: Vec<usize> = (0..d.findings.len()).collect();
        order.sort_by_key(|&i| d.findings[i].line_no);
        let mut why = Vec::new();
        let mut flags = Vec::new();
        for f in order.into_iter().map(|i| &d.findings[i]) {
            match f.severity {
                Severity::Deny if denied => why.push(Box::from(f.detail.as_str())),
                Severity::Flag => flags.push(FlagRow {
                    line_no: f.line_no.and_then(|n| line_number(keys, &d.claim_id, n)),
                    rule: f.rule,
                    amount: Money::of(f.amount),
                    detail: f.detail.as_str().into(),
                    basis: f.basis.clone(),
                }),
                _ => {}
            }
        }
        self.denied_total += u64::from(denied);
        self.flags_total += flags.len() as u64;
        let denied = denied.then(|| {
            Box::new(DeniedRow {
                city: d.city.as_deref().map(Box::from),
                service_date: d.service_date,
                status: d.status,
                money: [d.total, d.fund_pay, d.account_pay, d.cash_pay].map(Money::of),
                reasons: d.reasons.as_slice().into(),
                why: why.into(),
            })
        });
        Some(ClaimRows {
            claim_id: d.claim_id.as_str().into(),
            person_id: d.person_id.as_str().into(),
            institution: self.intern(&d.institution_id),
            denied,
            flags,
        })
    }

    fn intern(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.institution_ix.get(id) {
            return i;
        }
        let i = self.institutions.len() as u32;
        self.institutions.push(id.into());
        self.institution_ix.insert(id.into(), i);
        i
    }

    /// Merge the runs into one claim_id order and drop the rows past the
    /// sheets' limit.
    fn merge(&mut self) {
        let mut merged: Vec<ClaimRows> = std::mem::take(&mut self.runs)
            .into_iter()
            .flatten()
            .collect();
        // A stable sort of sorted runs merges them (earlier partitions
        // first on a tie, as the part files merge).
        merged.sort_by(|a, b| a.claim_id.cmp(&b.claim_id));
        let full = Self::cap(self.limit, &mut merged);
        if full {
            // Both sheets are full of rows of claims up to the last one
            // kept: a later claim (by id) would come after all of them.
            self.cutoff = merged.last().map(|c| c.claim_id.clone());
        }
        self.held = merged.iter().map(rows_in).sum();
        self.runs = vec![merged];
    }

    /// Keep the first `limit` denied rows and the first `limit` flagged
    /// rows of `claims` (in order) and the claims that carry them; true when
    /// both sheets are full.
    fn cap(limit: usize, claims: &mut Vec<ClaimRows>) -> bool {
        let (mut denied, mut flags) = (0usize, 0usize);
        claims.retain_mut(|c| {
            if c.denied.is_some() {
                if denied < limit {
                    denied += 1;
                } else {
                    c.denied = None;
                }
            }
            c.flags.truncate(limit - flags);
            flags += c.flags.len();
            c.denied.is_some() || !c.flags.is_empty()
        });
        denied == limit && flags == limit
    }

    /// What the month's files for people show, once every partition is in.
    pub fn finish(mut self) -> io::Result<Shown> {
        let on_disk = self.on_disk.take().map(RunWriter::finish).transpose()?;
        if on_disk.is_none() {
            self.merge();
        }
        let claims = self.runs.pop().unwrap_or_default();
        // Whatever was kept, a sheet shows the month's first `limit` rows.
        let shown = |total: u64| total.min(self.limit as u64);
        let not_shown = (
            self.denied_total - shown(self.denied_total),
            self.flags_total - shown(self.flags_total),
        );
        let mut sums: Vec<_> = self.sums.into_iter().collect();
        // A fixed order, whatever the hashing.
        sums.sort_unstable_by_key(|&((l, s), _)| (l, s));
        Ok(Shown {
            claims,
            on_disk,
            limit: self.limit,
            institutions: self.institutions,
            not_shown,
            sums,
        })
    }
}

/// The rows and sums of a month, in the order the files show them.
#[derive(Default)]
pub struct Shown {
    /// The claims with rows on the sheets, by claim_id (a month kept in
    /// memory).
    pub claims: Vec<ClaimRows>,
    /// The runs of a spilled month, merged as the sheets are written.
    on_disk: Option<Runs>,
    /// Rows a sheet shows at most.
    limit: usize,
    institutions: Vec<Box<str>>,
    /// Denied rows and flagged findings of the month past the sheets'
    /// limit.
    pub not_shown: (u64, u64),
    /// Claims and their amounts by (institution level, status).
    pub sums: Vec<((Option<&'static str>, Status), Sums)>,
}

impl Shown {
    /// Visit the claims with rows on `sheet`, by claim_id, each with the
    /// rows the sheet shows of it.
    pub fn each<E: From<io::Error>>(
        &self,
        sheet: Sheet,
        visit: impl FnMut(&ClaimRows) -> Result<(), E>,
    ) -> Result<(), E> {
        if let Some(runs) = &self.on_disk {
            return runs.each(sheet, self.limit, visit);
        }
        let on = |c: &&ClaimRows| match sheet {
            Sheet::Denied => c.denied.is_some(),
            Sheet::Flagged => !c.flags.is_empty(),
        };
        self.claims.iter().filter(on).try_for_each(visit)
    }

    /// A kept claim's institution id.
    pub fn institution(&self, c: &ClaimRows) -> &str {
        self.institutions
            .get(c.institution as usize)
            .map_or("", |s| s)
    }
}

fn rows_in(c: &ClaimRows) -> usize {
    usize::from(c.denied.is_some()) + c.flags.len()
}

/// Line `n` (1-based) of a claim as audit.csv names it, read as a number.
fn line_number(keys: &LineKeys, claim_id: &str, n: u32) -> Option<u32> {
    let key = keys
        .get(claim_id)
        .and_then(|k| k.get((n as usize).checked_sub(1)?));
    match key {
        Some(k) => k.parse().ok(),
        None => Some(n),
    }
}

#[cfg(test)]
mod tests {
    use super::Money;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn money_is_kept_as_written() {
        let d = |s| Decimal::from_str(s).unwrap();
        assert_eq!(Money::of(d("12.3")), Money(1230));
        assert_eq!(Money::of(d("-0.005")), Money(-1));
        assert_eq!(Money::of(d("0.004")), Money(0));
        assert_eq!(Money::of(d("7")).decimal().to_string(), "7.00");
        for s in ["0.10", "123.45", "-98765.43", "0.07", "1000000.01"] {
            assert_eq!(Money::of(d(s)).number(), s.parse::<f64>().unwrap());
        }
    }
}

#[cfg(test)]
mod collecting {
    use super::{PeopleRows, Shown};
    use crate::core::adjudicate::{Basis, ClaimDecision, Finding, RuleId, Severity, Status};
    use crate::core::date::{Date, DateTime};
    use crate::core::model::{Claim, SettlementMode, VisitType};
    use crate::output::LineKeys;
    use rust_decimal::Decimal;

    /// A claim with `flags` flagged lines (numbered from 1), denied or
    /// paid.
    fn decision(id: &str, status: Status, flags: u32) -> ClaimDecision {
        let claim = Claim {
            claim_id: id.into(),
            person_id: "P1".into(),
            institution_id: "SY-H2".into(),
            service_time: DateTime {
                date: Date {
                    year: 2024,
                    month: 3,
                    day: 4,
                },
                seconds: 0,
            },
            visit_type: VisitType::General,
            settlement_mode: SettlementMode::Direct,
            submitted_date: None,
            exclusion: None,
            reverses_claim_id: None,
            lines: Vec::new(),
        };
        let mut d = ClaimDecision::unpaid(&claim, Some("shiyan".into()), status);
        // Line 2 first: the sheet lists them by line.
        for n in (1..=flags).rev() {
            d.findings.push(Finding {
                line_no: Some(n),
                rule: RuleId::EARLY_REFILL,
                severity: Severity::Flag,
                amount: Decimal::new(1005, 3),
                detail: format!("line {n}"),
                basis: Basis::Rule(RuleId::EARLY_REFILL),
            });
        }
        d
    }

    fn shown(limit: usize, partitions: &[Vec<ClaimDecision>]) -> Shown {
        let mut rows = PeopleRows::new(limit);
        for p in partitions {
            rows.add(p, &LineKeys::new()).unwrap();
        }
        rows.finish().unwrap()
    }

    fn listed(s: &Shown) -> Vec<String> {
        s.claims
            .iter()
            .map(|c| {
                let lines: Vec<String> = c
                    .flags
                    .iter()
                    .map(|f| f.line_no.unwrap_or(0).to_string())
                    .collect();
                let d = if c.denied.is_some() { "D" } else { "" };
                format!("{}{d}:{}", c.claim_id, lines.join(","))
            })
            .collect()
    }

    #[test]
    fn partitions_merge_by_claim_id_and_paid_unflagged_claims_are_not_kept() {
        let s = shown(
            10,
            &[
                vec![
                    decision("C3", Status::Denied, 0),
                    decision("C1", Status::Paid, 2),
                ],
                vec![
                    decision("C2", Status::PoolDenied, 1),
                    decision("C4", Status::Paid, 0),
                ],
            ],
        );
        assert_eq!(listed(&s), ["C1:1,2", "C2D:1", "C3D:"]);
        assert_eq!(s.not_shown, (0, 0));
        // Money as written: 1.005 rounds to 1.01.
        assert_eq!(s.claims[0].flags[0].amount.number(), 1.01);
        let paid: u64 = s.sums.iter().map(|(_, v)| v.claims).sum();
        assert_eq!(paid, 4);
    }

    #[test]
    fn rows_past_a_sheets_limit_are_counted_not_kept() {
        // Limit 3 rows a sheet: denied C1, C3 and C4 of the five denied;
        // flagged C1's two lines and C2's first of five lines.
        let parts: Vec<Vec<ClaimDecision>> = vec![
            vec![
                decision("C5", Status::Denied, 0),
                decision("C1", Status::Denied, 2),
                decision("C6", Status::Denied, 1),
            ],
            vec![
                decision("C4", Status::Denied, 0),
                decision("C2", Status::Paid, 2),
                decision("C3", Status::Denied, 0),
            ],
        ];
        let s = shown(3, &parts);
        assert_eq!(listed(&s), ["C1D:1,2", "C2:1", "C3D:", "C4D:"]);
        assert_eq!(s.not_shown, (2, 2));
    }

    #[test]
    fn claims_past_full_sheets_are_counted_without_being_kept() {
        // Limit 2 a sheet, merged when more than 6 rows are held: the third
        // partition makes 8, C01 and C02 fill both sheets, C02 is the cutoff.
        let mut rows = PeopleRows::new(2);
        let keys = LineKeys::new();
        rows.add(
            &[
                decision("C01", Status::Denied, 1),
                decision("C02", Status::Denied, 1),
            ],
            &keys,
        )
        .unwrap();
        rows.add(&[decision("C03", Status::Denied, 1)], &keys)
            .unwrap();
        rows.add(&[decision("C04", Status::Denied, 1)], &keys)
            .unwrap();
        assert_eq!(rows.cutoff.as_deref(), Some("C02"));
        assert_eq!(rows.held, 4);
        // C09 comes after every row the sheets can show: counted, not held.
        rows.add(&[decision("C09", Status::Denied, 1)], &keys)
            .unwrap();
        assert_eq!(rows.held, 4);
        assert!(rows.runs.iter().flatten().all(|c| &*c.claim_id != "C09"));
        // C00 comes first and is kept.
        rows.add(&[decision("C00", Status::Denied, 1)], &keys)
            .unwrap();
        assert_eq!(rows.held, 6);
        let s = rows.finish().unwrap();
        assert_eq!(listed(&s), ["C00D:1", "C01D:1"]);
        assert_eq!(s.not_shown, (4, 4));
    }

    #[test]
    fn many_partitions_are_merged_as_they_come_and_keep_the_first_rows() {
        // Each partition one denied and flagged claim, last claim first:
        // merged (and capped) whenever more than 3 × 2 rows are held.
        let parts: Vec<Vec<ClaimDecision>> = (0..20)
            .rev()
            .map(|i| vec![decision(&format!("C{i:02}"), Status::Denied, 1)])
            .collect();
        let s = shown(2, &parts);
        assert_eq!(listed(&s), ["C00D:1", "C01D:1"]);
        assert_eq!(s.not_shown, (18, 18));
    }
}
