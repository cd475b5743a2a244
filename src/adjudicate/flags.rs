//! POLICY.md §7: flags. They never change a payment; they point an auditor
//! at a claim. Looked for on every claim whatever its status, reversal
//! pairs aside.

use super::decision::{Basis, ClaimDecision};
use super::rule::RuleId;
use super::Lang;
use crate::date::Date;
use crate::model::*;
use crate::money::{fmt2, round2};
use crate::say;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
                fmt2(l.unit_price),
                fmt2(expected),
                fmt2(l.amount),
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
/// amount. Borrowed from the person's claims, which outlive the detector.
type LineKey<'a> = (&'a str, Date, &'a str, Decimal, Decimal);

/// Remembers the lines of a person's earlier claims (POLICY.md §1 order).
#[derive(Default)]
pub struct DuplicateDetector<'a> {
    seen: rustc_hash::FxHashMap<LineKey<'a>, &'a str>,
}

impl<'a> DuplicateDetector<'a> {
    /// Flag lines of `claim` that repeat a line of an earlier claim, then
    /// remember this claim's lines.
    pub fn check(&mut self, claim: &'a Claim, d: &mut ClaimDecision, lang: Lang) {
        let key = |l: &'a ClaimLine| -> LineKey<'a> {
            (
                claim.institution_id.as_str(),
                claim.service_date(),
                l.item_code.as_str(),
                l.quantity.normalize(),
                l.amount.normalize(),
            )
        };
        for l in &claim.lines {
            if let Some(earlier) = self.seen.get(&key(l)) {
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
        for l in &claim.lines {
            self.seen.entry(key(l)).or_insert(claim.claim_id.as_str());
        }
    }
}

/// `MULTI_INSTITUTION_DAY`: the ids of a person's general/emergency claims
/// on days with claims at `threshold(date)` or more institutions.
pub fn multi_institution_days(
    claims: &[&Claim],
    threshold: impl Fn(Date) -> Option<u32>,
) -> HashMap<String, (usize, u32)> {
    let mut by_day: BTreeMap<Date, (BTreeSet<&str>, Vec<&str>)> = BTreeMap::new();
    for c in claims {
        if matches!(c.visit_type, VisitType::General | VisitType::Emergency) {
            let e = by_day.entry(c.service_date()).or_default();
            e.0.insert(&c.institution_id);
            e.1.push(&c.claim_id);
        }
    }
    let mut flagged = HashMap::new();
    for (day, (institutions, ids)) in by_day {
        if let Some(t) = threshold(day) {
            if institutions.len() >= t as usize {
                for id in ids {
                    flagged.insert(id.to_string(), (institutions.len(), t));
                }
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
