//! POLICY.md §4-§6: remote prepay, deductible, ratio, cap, and the personal
//! account. These are the only rules that read or change a person's
//! year-to-date totals and account balance.

use super::decision::ClaimDecision;
use super::rule::RuleId;
use super::Lang;
use crate::core::model::*;
use crate::core::money::{round2, Yuan};
use crate::core::rules::{AccountScope, Param, PharmacyMode, RuleVersion};
use crate::say;
use rust_decimal::Decimal;

/// A person's totals for one calendar year (十堰 第五条: 不得结转累加到次年).
#[derive(Debug, Clone, PartialEq)]
pub struct YearTotals {
    pub year: i32,
    pub deductible_met: Decimal,
    pub pool_paid: Decimal,
    pub claims: u64,
}

impl YearTotals {
    pub fn new(year: i32) -> YearTotals {
        YearTotals {
            year,
            deductible_met: Decimal::ZERO,
            pool_paid: Decimal::ZERO,
            claims: 0,
        }
    }
}

/// §4: is this claim remote, and if so, registered long-term there on the
/// service date?
pub fn is_registered_long_term(
    member: &Member,
    inst: &Institution,
    date: crate::core::date::Date,
) -> bool {
    member.remote.as_ref().is_some_and(|r| {
        r.remote_type.is_long_term()
            && r.city == inst.city
            && r.from.is_none_or(|f| date >= f)
            && r.to.is_none_or(|t| date <= t)
    })
}

/// §4: a remote claim not registered long-term first pays the insuring
/// city's prepay share (武汉 Q7: 其他情形的需个人先支付10%).
pub fn remote_prepay(
    member: &Member,
    inst: &Institution,
    date: crate::core::date::Date,
    rules: &RuleVersion,
    d: &mut ClaimDecision,
    lang: Lang,
) {
    if inst.city == member.city || is_registered_long_term(member, inst, date) {
        return;
    }
    let share = rules.remote_prepay_share.value;
    let prepay = round2(d.eligible * share);
    if prepay.is_zero() {
        return;
    }
    d.remote_prepay = prepay;
    d.eligible -= prepay;
    let (c, p) = (&inst.city, Yuan(prepay));
    d.find(None, RuleId::REMOTE_PREPAY, prepay, say!(lang, "异地({c})就医未备案长期异地, 个人先行支付 {share}: {p}", "remote care in {c} without a long-term registration: {share} paid first by the member = {p}"), rules.remote_prepay_share.basis_text());
    d.reason(RuleId::REMOTE_PREPAY);
}

/// §5.2: the ratio for this member at this institution, or why there is none.
pub fn ratio_for<'r>(
    member: &Member,
    inst: &Institution,
    prescriber: Option<&Institution>,
    rules: &'r RuleVersion,
) -> Option<&'r Param<Decimal>> {
    let by_level = rules.ratio.get(member.category);
    match inst.kind {
        InstitutionKind::Pharmacy => match &rules.pharmacy_mode.value {
            PharmacyMode::Fixed(r) => Some(r.get(member.category)),
            PharmacyMode::PrescriberLevel => by_level.get(prescriber?.ratio_level()?),
        },
        _ => by_level.get(inst.ratio_level()?),
    }
}

/// §5: deductible, ratio and cap for a paid claim; updates `totals`.
pub fn pool_payment(
    member: &Member,
    ratio: &Param<Decimal>,
    rules: &RuleVersion,
    totals: &mut YearTotals,
    d: &mut ClaimDecision,
    lang: Lang,
) {
    let category = member.category;
    // 1. Deductible (起付标准), counted over the calendar year.
    let deductible = rules.deductible.get(category);
    let left = (deductible.value - totals.deductible_met).max(Decimal::ZERO);
    let applied = d.eligible.min(left).max(Decimal::ZERO);
    d.deductible_applied = applied;
    totals.deductible_met += applied;
    if !applied.is_zero() {
        let (a, met, ded) = (
            Yuan(applied),
            Yuan(totals.deductible_met),
            Yuan(deductible.value),
        );
        d.find(
            None,
            RuleId::DEDUCTIBLE,
            applied,
            say!(
                lang,
                "起付标准 {ded} 元, 本次计入 {a}, 年度累计 {met}",
                "deductible {ded}: {a} taken by this claim, {met} met this year"
            ),
            deductible.basis_text(),
        );
        d.reason(RuleId::DEDUCTIBLE);
    }
    // 2-3. Ratio, then the annual cap (最高支付限额).
    let raw = round2((d.eligible - applied) * ratio.value);
    let cap = rules.cap.get(category);
    let room = (cap.value - totals.pool_paid).max(Decimal::ZERO);
    d.fund_pay = raw.min(room);
    d.cap_cut = raw - d.fund_pay;
    totals.pool_paid += d.fund_pay;
    if !d.fund_pay.is_zero() {
        d.ratio = Some(ratio.value);
    }
    if !d.cap_cut.is_zero() {
        let (cut, c, paid) = (Yuan(d.cap_cut), Yuan(cap.value), Yuan(totals.pool_paid));
        d.find(
            None,
            RuleId::CAP_REACHED,
            d.cap_cut,
            say!(
                lang,
                "年度最高支付限额 {c} 元已达, 统筹少付 {cut} (年度累计支付 {paid})",
                "annual cap {c} reached: fund pays {cut} less ({paid} paid this year)"
            ),
            cap.basis_text(),
        );
        d.reason(RuleId::CAP_REACHED);
    }
}

/// §6: what the personal account pays, from `balance`; the rest is cash.
pub fn settle_account(
    member: &Member,
    rules: &RuleVersion,
    balance: &mut Decimal,
    d: &mut ClaimDecision,
) {
    // 十堰 第十条: 单建统筹 has no personal account.
    let payable = if member.account_type == AccountType::WithAccount {
        match rules.account_scope.value {
            // 政策范围内自付 (十堰 第十二条(一)).
            AccountScope::Policy => d.b_selfpay + d.remote_prepay + d.eligible - d.fund_pay,
            // 个人负担的医疗费用, never daily goods (十堰 第十二条(二), 第十三条).
            AccountScope::Medical => d.total - d.fund_pay - d.non_medical,
        }
    } else {
        Decimal::ZERO
    };
    d.account_pay = payable.min(*balance).max(Decimal::ZERO);
    *balance -= d.account_pay;
    d.cash_pay = d.total - d.fund_pay - d.account_pay;
}
