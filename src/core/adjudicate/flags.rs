//! POLICY.md §7: flags. They never change a payment; they point an auditor
//! at a claim. Looked for on every claim whatever its status, reversal
//! pairs aside.

use super::decision::{Basis, ClaimDecision};
use super::rule::RuleId;
use super::Lang;
use crate::core::date::Date;
use crate::core::model::*;
use crate::core::money::{round2, value_key, Yuan};
use crate::core::rules::Share;
use crate::say;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

/// `AMOUNT_MISMATCH`: `|round2(quantity × unit_price) − amount| > 0.01`
/// (湖北医保问答 Q42 多计费用).
pub fn amount_mismatch(claim: &Claim, d: &mut ClaimDecision, lang: Lang) {
    let tolerance = Decimal::new(1, 2);
    for l in &claim.lines {
        let expected = round2(l.quantity * l.unit_price);
        let gap = (expected - l.amount).abs();
        if gap > tolerance {
            let (q, p, e, a) = (
                l.quantity,
                Yuan(l.unit_price),
                Yuan(expected),
                Yuan(l.amount),
            );
            d.find(
                Some(l.line_no),
                RuleId::AMOUNT_MISMATCH,
                gap,
                say!(
                    lang,
                    "数量 {q} × 单价 {p} = {e}, 与金额 {a} 不符",
                    "quantity {q} × unit price {p} = {e}, but the amount is {a}"
                ),
                RuleId::AMOUNT_MISMATCH,
            );
        }
    }
}

/// The identity of a line for `DUPLICATE_LINE`: same person (implicit: the
/// detector is per person), institution, service date, item, quantity and
/// amount. Borrowed from the person's claims, which outlive the detector;
/// the numbers by value ([`value_key`]: `1.50` and `1.5` are one quantity),
/// so that hashing and comparing a key does no decimal arithmetic.
type LineKey<'a> = (&'a str, Date, &'a str, (i128, u32), (i128, u32));

/// Remembers the lines of a person's earlier claims (POLICY.md §1 order).
#[derive(Default)]
pub struct DuplicateDetector<'a> {
    seen: rustc_hash::FxHashMap<LineKey<'a>, &'a str>,
    /// The current claim's keys: one buffer for all the person's claims.
    keys: Vec<LineKey<'a>>,
}

impl<'a> DuplicateDetector<'a> {
    /// A detector with room for `lines` lines (a person's lines in all),
    /// so that remembering them never grows the table.
    pub fn with_capacity(lines: usize) -> DuplicateDetector<'a> {
        DuplicateDetector {
            seen: rustc_hash::FxHashMap::with_capacity_and_hasher(lines, Default::default()),
            keys: Vec::new(),
        }
    }

    /// Flag lines of `claim` that repeat a line of an earlier claim, then
    /// remember this claim's lines.
    pub fn check(&mut self, claim: &'a Claim, d: &mut ClaimDecision, lang: Lang) {
        let date = claim.service_date();
        // A line repeating one of the same claim is not flagged: all are
        // looked up before any is remembered.
        let mut keys = std::mem::take(&mut self.keys);
        keys.clear();
        keys.extend(claim.lines.iter().map(|l| {
            (
                claim.institution_id.as_str(),
                date,
                l.item_code.as_str(),
                value_key(l.quantity),
                value_key(l.amount),
            )
        }));
        for (l, key) in claim.lines.iter().zip(&keys) {
            if let Some(earlier) = self.seen.get(key) {
                let code = &l.item_code;
                d.find(
                    Some(l.line_no),
                    RuleId::DUPLICATE_LINE,
                    l.amount,
                    say!(
                        lang,
                        "与结算 {earlier} 的明细重复 ({code})",
                        "repeats a line of claim {earlier} ({code})"
                    ),
                    RuleId::DUPLICATE_LINE,
                );
            }
        }
        for key in keys.drain(..) {
            self.seen.entry(key).or_insert(claim.claim_id.as_str());
        }
        self.keys = keys;
    }
}

/// A person's general/emergency claims as (service date, institution,
/// claim) visits, in the order given: what `MULTI_INSTITUTION_DAY` and
/// `SPLIT_VISIT` count.
fn visits<'a>(claims: &[&'a Claim]) -> Vec<(Date, &'a str, &'a str)> {
    claims
        .iter()
        .filter(|c| matches!(c.visit_type, VisitType::General | VisitType::Emergency))
        .map(|c| {
            (
                c.service_date(),
                c.institution_id.as_str(),
                c.claim_id.as_str(),
            )
        })
        .collect()
}

/// `MULTI_INSTITUTION_DAY`: the ids of a person's general/emergency claims
/// on days with claims at `threshold(date)` or more institutions.
pub fn multi_institution_days<'a>(
    claims: &[&'a Claim],
    threshold: impl Fn(Date) -> Option<u32>,
) -> FxHashMap<&'a str, (usize, u32)> {
    // The visits by day. A person's claims come in §1 order, so by date
    // already: a day is a run of them, with no map of days to build.
    let mut visits = visits(claims);
    if !visits.is_sorted_by_key(|v| v.0) {
        visits.sort_by_key(|v| v.0);
    }
    let mut flagged = FxHashMap::default();
    let mut institutions: Vec<&str> = Vec::new();
    for day in visits.chunk_by(|a, b| a.0 == b.0) {
        let Some(t) = threshold(day[0].0) else {
            continue;
        };
        // The day's distinct institutions.
        institutions.clear();
        institutions.extend(day.iter().map(|v| v.1));
        institutions.sort_unstable();
        institutions.dedup();
        let count = institutions.len();
        if count >= t as usize {
            for v in day {
                flagged.insert(v.2, (count, t));
            }
        }
    }
    flagged
}

/// Record the `MULTI_INSTITUTION_DAY` flag on a claim found above.
pub fn flag_multi_institution(
    (count, threshold): (usize, u32),
    basis: Option<std::sync::Arc<str>>,
    d: &mut ClaimDecision,
    lang: Lang,
) {
    let date = d.service_date;
    d.find(
        None,
        RuleId::MULTI_INSTITUTION_DAY,
        d.total,
        say!(
            lang,
            "{date} 当日在 {count} 家机构就诊 (阈值 {threshold})",
            "claims at {count} institutions on {date} (threshold {threshold})"
        ),
        basis
            .map(Basis::Param)
            .unwrap_or(Basis::Rule(RuleId::MULTI_INSTITUTION_DAY)),
    );
}

/// The claims the §7 pattern flags (`SPLIT_VISIT`, `EARLY_REFILL`,
/// `VISIT_FREQUENCY`) look at: a known member's claims in §1 order, neither
/// reversals nor originals cancelled in this run.
pub fn pattern_claims<'a>(
    claims: &[&'a Claim],
    in_pairs: impl Fn(&Claim) -> bool,
) -> Vec<&'a Claim> {
    claims
        .iter()
        .copied()
        .filter(|c| c.reverses_claim_id.is_none() && !in_pairs(c))
        .collect()
}

/// A `SPLIT_VISIT` hit: how many same-day claims at the institution, the
/// city minimum, and the first of them (the one not flagged).
#[derive(Debug, Clone)]
pub struct SplitVisit<'a> {
    pub count: usize,
    pub min: u32,
    pub first: &'a str,
}

/// `SPLIT_VISIT`: a person's general/emergency claims at one institution
/// on one calendar day, at least `min(date)` of them; every one after the
/// first (claims in §1 order).
pub fn split_visits<'a>(
    claims: &[&'a Claim],
    min: impl Fn(Date) -> Option<u32>,
) -> FxHashMap<&'a str, SplitVisit<'a>> {
    // The visits by (day, institution): a stable sort keeps each visit's
    // claims in §1 order (and costs one pass when they are in order already).
    let mut visits = visits(claims);
    visits.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut flagged = FxHashMap::default();
    for visit in visits.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let Some(m) = min(visit[0].0) else { continue };
        if visit.len() >= m as usize {
            for v in &visit[1..] {
                let hit = SplitVisit {
                    count: visit.len(),
                    min: m,
                    first: visit[0].2,
                };
                flagged.insert(v.2, hit);
            }
        }
    }
    flagged
}

/// Record a `SPLIT_VISIT` flag on a claim found above.
pub fn flag_split_visit(
    hit: &SplitVisit<'_>,
    basis: Option<std::sync::Arc<str>>,
    d: &mut ClaimDecision,
    lang: Lang,
) {
    let (date, count, min, first) = (d.service_date, hit.count, hit.min, &hit.first);
    d.find(
        None,
        RuleId::SPLIT_VISIT,
        d.total,
        say!(
            lang,
            "{date} 在本机构共 {count} 次结算 (阈值 {min}), 首次为结算 {first}",
            "{count} claims at this institution on {date} (threshold {min}); the first is claim {first}"
        ),
        basis
            .map(Basis::Param)
            .unwrap_or(Basis::Rule(RuleId::SPLIT_VISIT)),
    );
}

/// `VISIT_FREQUENCY`: per calendar month, the claim (in §1 order) that
/// makes the count exceed `threshold(date)`, with its count and threshold;
/// once per month.
pub fn visit_frequency<'a>(
    claims: &[&'a Claim],
    threshold: impl Fn(Date) -> Option<u32>,
) -> FxHashMap<&'a str, (usize, u32)> {
    // Per month: (month, claims so far, flagged already). A person has
    // claims in a few months: a short list, searched from its end, where
    // claims in §1 order find their month.
    let mut months: Vec<((i32, u8), usize, bool)> = Vec::new();
    let mut flagged = FxHashMap::default();
    for c in claims {
        let day = c.service_date();
        let month = (day.year, day.month);
        let i = match months.iter().rposition(|m| m.0 == month) {
            Some(i) => i,
            None => {
                months.push((month, 0, false));
                months.len() - 1
            }
        };
        let (_, n, done) = &mut months[i];
        *n += 1;
        if *done {
            continue;
        }
        if let Some(t) = threshold(day) {
            if *n > t as usize {
                flagged.insert(c.claim_id.as_str(), (*n, t));
                *done = true;
            }
        }
    }
    flagged
}

/// Record a `VISIT_FREQUENCY` flag on a claim found above.
pub fn flag_visit_frequency(
    (count, threshold): (usize, u32),
    basis: Option<std::sync::Arc<str>>,
    d: &mut ClaimDecision,
    lang: Lang,
) {
    let (y, m) = (d.service_date.year, d.service_date.month);
    d.find(
        None,
        RuleId::VISIT_FREQUENCY,
        d.total,
        say!(
            lang,
            "{y}-{m:02} 月内第 {count} 次结算, 超过阈值 {threshold}",
            "claim {count} of {y}-{m:02}, above the threshold of {threshold}"
        ),
        basis
            .map(Basis::Param)
            .unwrap_or(Basis::Rule(RuleId::VISIT_FREQUENCY)),
    );
}

/// An earlier purchase of an item with a supply: when, how many days, on
/// which claim and line.
struct Purchase<'a> {
    date: Date,
    supply_days: u32,
    claim_id: &'a str,
    line_no: u32,
}

/// `EARLY_REFILL`: remembers a person's purchases with `supply_days > 0`
/// (claims fed in §1 order) and flags a line for an item whose earlier
/// supply still has more than the city share of its days to run.
#[derive(Default)]
pub struct RefillDetector<'a> {
    bought: rustc_hash::FxHashMap<&'a str, Vec<Purchase<'a>>>,
}

impl<'a> RefillDetector<'a> {
    /// Flag the lines of `claim` that refill early, then remember its
    /// purchases (lines of one claim are not earlier than each other).
    pub fn check(
        &mut self,
        claim: &'a Claim,
        share: Option<(Share, std::sync::Arc<str>)>,
        d: &mut ClaimDecision,
        lang: Lang,
    ) {
        let date = claim.service_date();
        if let Some((share, basis)) = share {
            for l in &claim.lines {
                let Some(earlier) = self.bought.get(l.item_code.as_str()) else {
                    continue;
                };
                // The earlier supply with the most days left; the first
                // such purchase on a tie.
                let mut best: Option<(i64, &Purchase<'a>)> = None;
                for p in earlier {
                    let supply = i64::from(p.supply_days);
                    let left = supply - (date.day_number() - p.date.day_number());
                    if share.exceeded_by(Decimal::from(left), Decimal::from(supply))
                        && best.is_none_or(|(b, _)| left > b)
                    {
                        best = Some((left, p));
                    }
                }
                if let Some((left, p)) = best {
                    let (code, supply, was, on, line) =
                        (&l.item_code, p.supply_days, p.date, p.claim_id, p.line_no);
                    d.find(
                        Some(l.line_no),
                        RuleId::EARLY_REFILL,
                        l.amount,
                        say!(
                            lang,
                            "{code} 于 {was} 由结算 {on} 第 {line} 行开药 {supply} 天, 尚余 {left} 天 (> {share} × {supply})",
                            "{code} was supplied for {supply} days on {was} (claim {on} line {line}); {left} days still to run (> {share} × {supply})"
                        ),
                        Basis::Param(basis.clone()),
                    );
                }
            }
        }
        for l in &claim.lines {
            if let Some(days @ 1..) = l.supply_days {
                self.bought
                    .entry(l.item_code.as_str())
                    .or_default()
                    .push(Purchase {
                        date,
                        supply_days: days,
                        claim_id: &claim.claim_id,
                        line_no: l.line_no,
                    });
            }
        }
    }
}
