//! POLICY.md §3: line rules, for paid and pool_denied claims. Each line
//! starts with `base = amount` and is split into excluded, class-B first
//! self-paid share, and eligible.

use super::decision::{Basis, ClaimDecision};
use super::rule::RuleId;
use super::Lang;
use crate::core::model::*;
use crate::core::money::{round2, Yuan};
use crate::core::reference::Catalogue;
use crate::core::rules::RuleVersion;
use crate::say;
use rust_decimal::Decimal;

/// The claim's amounts after the line rules.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LineSplit {
    pub excluded: Decimal,
    pub b_selfpay: Decimal,
    pub eligible: Decimal,
    /// Amounts of NON_MEDICAL lines (never payable, not even by the account).
    pub non_medical: Decimal,
}

/// Apply §3 to every line of `claim` at `inst`, recording findings and
/// reasons on `d`.
pub fn apply_line_rules(
    claim: &Claim,
    inst: &Institution,
    rules: &RuleVersion,
    catalogue: &Catalogue,
    d: &mut ClaimDecision,
    lang: Lang,
) -> LineSplit {
    let mut split = LineSplit::default();
    for line in &claim.lines {
        let s = split_line(line, inst, rules, catalogue, d, lang);
        split.excluded += s.excluded;
        split.b_selfpay += s.b_selfpay;
        split.eligible += s.eligible;
        split.non_medical += s.non_medical;
    }
    split
}

fn split_line(
    line: &ClaimLine,
    inst: &Institution,
    rules: &RuleVersion,
    catalogue: &Catalogue,
    d: &mut ClaimDecision,
    lang: Lang,
) -> LineSplit {
    let amount = line.amount;
    let no = Some(line.line_no);
    let code = &line.item_code;
    let whole = |d: &mut ClaimDecision, rule: RuleId, detail: String| {
        d.find(no, rule, amount, detail, rule);
        if !amount.is_zero() {
            d.reason(rule);
        }
        LineSplit {
            excluded: amount,
            ..LineSplit::default()
        }
    };

    // 1. 就医地目录: the place of treatment's entry, else the general one.
    let Some(entry) = catalogue.lookup(code, &inst.city) else {
        let c = &inst.city;
        return whole(
            d,
            RuleId::NOT_IN_CATALOGUE,
            say!(
                lang,
                "项目 {code} 不在{c}适用的医保目录内",
                "item {code} is not in the catalogue that applies in {c}"
            ),
        );
    };
    // 2. Daily goods are never payable.
    if entry.kind == ItemKind::NonMedical {
        let mut s = whole(
            d,
            RuleId::NON_MEDICAL,
            say!(
                lang,
                "项目 {code} 为生活用品等非医疗项目",
                "item {code} is daily goods, not medical"
            ),
        );
        s.non_medical = amount;
        return s;
    }
    // 3. Class C: self-paid in full.
    if entry.class == ItemClass::C {
        return whole(
            d,
            RuleId::CLASS_C,
            say!(
                lang,
                "项目 {code} 为丙类(自费)",
                "item {code} is class C (self-paid)"
            ),
        );
    }
    let at_pharmacy = inst.kind == InstitutionKind::Pharmacy;
    // 4. A pharmacy line needs a prescription.
    if at_pharmacy && line.prescription_id.is_none() {
        return whole(
            d,
            RuleId::NO_PRESCRIPTION,
            say!(
                lang,
                "药店购药 {code} 无处方",
                "pharmacy line {code} has no prescription"
            ),
        );
    }
    // 5. Special-management drugs are not paid at a pharmacy.
    if at_pharmacy && entry.special_management {
        return whole(
            d,
            RuleId::SPECIAL_MANAGEMENT,
            say!(
                lang,
                "{code} 为特殊管理药品, 药店购买不予支付",
                "{code} is a special-management drug, not paid at a pharmacy"
            ),
        );
    }

    let mut base = amount;
    let mut excluded = Decimal::ZERO;
    // 6. Above the payment standard per unit.
    if let Some(cap) = entry.price_cap {
        if line.unit_price > cap {
            let over = round2((line.unit_price - cap) * line.quantity)
                .min(base)
                .max(Decimal::ZERO);
            let (p, c, o) = (Yuan(line.unit_price), Yuan(cap), Yuan(over));
            d.find(
                no,
                RuleId::PRICE_CAP,
                over,
                say!(
                    lang,
                    "单价 {p} 高于支付标准 {c}, 超出 {o} 自付",
                    "unit price {p} above the payment standard {c}: {o} self-paid"
                ),
                RuleId::PRICE_CAP,
            );
            if !over.is_zero() {
                d.reason(RuleId::PRICE_CAP);
            }
            excluded += over;
            base -= over;
        }
    }
    // 7. Supply beyond the longest prescription (12 weeks).
    let max = rules.max_supply_days.value;
    if let Some(days) = line.supply_days.filter(|&days| days > max) {
        let over = round2(base * Decimal::from(days - max) / Decimal::from(days));
        let o = Yuan(over);
        d.find(
            no,
            RuleId::SUPPLY_DAYS,
            over,
            say!(
                lang,
                "用药 {days} 天超过 {max} 天, 超出部分 {o} 自付",
                "{days} days supplied, more than {max}: {o} self-paid"
            ),
            rules.max_supply_days.basis_text(),
        );
        if !over.is_zero() {
            d.reason(RuleId::SUPPLY_DAYS);
        }
        excluded += over;
        base -= over;
    }
    // 8. Class B: the first self-paid share (湖北医保问答 Q30).
    let mut b_selfpay = Decimal::ZERO;
    if entry.class == ItemClass::B {
        let (share, basis) = match entry.b_selfpay_share {
            Some(s) => (s, Basis::Rule(RuleId::B_SELFPAY)),
            None => (
                rules.b_selfpay_share.value,
                Basis::Param(rules.b_selfpay_share.basis_text()),
            ),
        };
        b_selfpay = round2(base * share);
        let b = Yuan(b_selfpay);
        d.find(
            no,
            RuleId::B_SELFPAY,
            b_selfpay,
            say!(
                lang,
                "乙类 {code} 先行自付 {share}: {b}",
                "class B {code}: first self-paid share {share} = {b}"
            ),
            basis,
        );
        if !b_selfpay.is_zero() {
            d.reason(RuleId::B_SELFPAY);
        }
    }
    LineSplit {
        excluded,
        b_selfpay,
        eligible: base - b_selfpay,
        non_medical: Decimal::ZERO,
    }
}
