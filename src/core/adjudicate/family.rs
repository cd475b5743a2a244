//! POLICY.md §6a: an account group's claims, and the family draw.
//!
//! Everything but the personal accounts is each person's own (the
//! year-to-date totals, the flags), and nothing else depends on an account
//! balance. So a group is settled in two passes: each person's claims are
//! adjudicated as a unit of their own (§2-§6, §7), then the accounts are
//! settled again across the whole group, claim by claim in (`service_time`,
//! `claim_id`) order, with one balance per person: the claim's own account
//! first (§6), then its usable grantors in grantor_id order; a reversal of
//! an earlier period's claim gives each grantor back what it paid. For a
//! person no grantor pays for, the second pass gives what the first did.

use super::decision::{Basis, ClaimDecision, Status};
use super::reversal::{self, Pairing};
use super::rule::RuleId;
use super::{adjudicate, ClaimState, Context, UnitOutcome};
use crate::core::model::*;
use crate::core::money::Yuan;
use crate::core::rules::{AccountScope, RuleVersion};
use crate::core::unit::Unit;
use crate::say;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// Adjudicate an account group (any unit when family.csv was given).
pub(super) fn adjudicate_group<'r>(
    cx: &Context<'r>,
    unit: &Unit<'_>,
    ledger_of: &dyn Fn(&str) -> Vec<LedgerYear>,
    mut trace: Option<&mut Vec<ClaimState>>,
) -> UnitOutcome {
    let family = &cx.reference.family;
    let all = unit.claims();
    // Most groups are one person whom no grantor pays for: pass 2 would
    // give back what pass 1 did, in the same order. Their claims are the
    // unit's, already in §1 order.
    if let Some(first) = all.first() {
        let person = first.person_id.as_str();
        if all.iter().all(|c| c.person_id == person) && !family.has_grantors(person) {
            return adjudicate(cx, person, all, ledger_of, trace);
        }
    }
    // Each person's claims, as positions in the unit's §1 order (pushed in
    // that order, so each person's list is in §1 order too).
    let mut by_person: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in all.iter().enumerate() {
        by_person.entry(c.person_id.as_str()).or_default().push(i);
    }
    let shares = by_person.keys().any(|person| family.has_grantors(person));
    // Pass 1: each person alone, as without family sharing. Decisions and
    // (when traced) running states are kept by position in the unit.
    let n = all.len();
    let mut decided: Vec<Option<ClaimDecision>> = (0..n).map(|_| None).collect();
    let mut states: Vec<Option<ClaimState>> = (0..n).map(|_| None).collect();
    let mut out = UnitOutcome {
        decisions: Vec::with_capacity(n),
        ledger: Vec::new(),
        versions_used: Default::default(),
    };
    let mut reversals: HashMap<Id, &crate::core::prior::PriorPayment> = HashMap::new();
    for (person, positions) in by_person {
        let claims: Vec<&Claim> = positions.iter().map(|&i| all[i]).collect();
        let mut own_states = Vec::new();
        let o = adjudicate(
            cx,
            person,
            &claims,
            ledger_of,
            trace.is_some().then_some(&mut own_states),
        );
        out.ledger.extend(o.ledger);
        out.versions_used.extend(o.versions_used);
        // `claims` keeps the order of `positions` (§1 order both).
        for (&i, d) in positions.iter().zip(o.decisions) {
            decided[i] = Some(d);
        }
        for (&i, st) in positions.iter().zip(own_states) {
            states[i] = Some(st);
        }
        if shares {
            for (id, p) in reversal::pair_reversals(&claims, cx.prior) {
                if let Pairing::PriorReversal(p) = p {
                    reversals.insert(id, p);
                }
            }
        }
    }
    // Pass 2, only needed when someone in the group has a grantor (with
    // none, every account is drawn by its owner alone, as in pass 1; a
    // refund to a grantor needs a beneficiary, who has one).
    let mut balances: HashMap<&'r str, Decimal> = HashMap::new();
    for (i, claim) in all.iter().enumerate() {
        let Some(mut d) = decided[i].take() else {
            continue;
        };
        let person = claim.person_id.as_str();
        let before = if shares && trace.is_some() {
            balance(cx, &mut balances, person).map(|b| *b)
        } else {
            None
        };
        if shares {
            match reversals.get(claim.claim_id.as_str()) {
                Some(p) if d.status == Status::Reversal => {
                    refund(cx, p, &mut balances, &mut d);
                }
                _ => resettle(cx, claim, &mut balances, &mut d),
            }
        }
        if let (Some(t), Some(mut st)) = (trace.as_deref_mut(), states[i].take()) {
            if shares {
                // The own account's balance as the group saw it.
                st.balance_before = before.unwrap_or_default();
                st.balance_after = balance(cx, &mut balances, person)
                    .map(|b| *b)
                    .unwrap_or_default();
            }
            t.push(st);
        }
        out.decisions.push(d);
    }
    out
}

/// The balance of `person` now (its members.csv balance until it moves).
fn balance<'r, 'b>(
    cx: &Context<'r>,
    balances: &'b mut HashMap<&'r str, Decimal>,
    person: &str,
) -> Option<&'b mut Decimal> {
    let m = cx.reference.members.get(person)?;
    Some(balances.entry(m.person_id).or_insert(m.account_balance))
}

/// §6 then §6a for a paid or pool_denied claim; nothing for the others.
fn resettle<'r>(
    cx: &Context<'r>,
    claim: &Claim,
    balances: &mut HashMap<&'r str, Decimal>,
    d: &mut ClaimDecision,
) {
    if !matches!(d.status, Status::Paid | Status::PoolDenied) {
        return;
    }
    let r = cx.reference;
    let date = claim.service_date();
    let Some(member) = r.members.get(&claim.person_id) else {
        return;
    };
    let Some((_, rules)) = r.rules.in_force(member.city, date) else {
        return;
    };
    // §6: the same computation as `benefit::settle_account`, on the
    // group's running balance.
    let scope = payable(rules, d);
    let own = match member.account_type {
        AccountType::WithAccount => {
            let b = balance(cx, balances, &claim.person_id);
            let b = b.map(|b| *b).unwrap_or_default();
            scope.min(b).max(Decimal::ZERO)
        }
        AccountType::PoolOnly => Decimal::ZERO,
    };
    if let Some(b) = balance(cx, balances, &claim.person_id) {
        *b -= own;
    }
    d.account_pay = own;
    // §6a: what is still payable by the same scope, from usable grantors.
    let mut rest = scope - own;
    d.family_account_pay = Decimal::ZERO;
    d.family_payers.clear();
    if rest > Decimal::ZERO && rules.family_sharing.value {
        let here = r
            .institutions
            .get(claim.institution_id.as_str())
            .is_some_and(|i| i.city == member.city);
        if here || rules.family_sharing_remote.value {
            for b in r.family.grantors_of(&claim.person_id) {
                if rest <= Decimal::ZERO {
                    break;
                }
                if !b.valid_on(date) || !usable_grantor(cx, b.grantor_id, &member, date) {
                    continue;
                }
                // A pair bound twice over separate dates is listed twice,
                // but only one of them is valid on a date.
                let Some(gb) = balance(cx, balances, b.grantor_id) else {
                    continue;
                };
                let drawn = rest.min(*gb).max(Decimal::ZERO);
                if drawn <= Decimal::ZERO {
                    continue;
                }
                *gb -= drawn;
                rest -= drawn;
                d.family_payers.push((b.grantor_id.to_string(), drawn));
                d.family_account_pay += drawn;
            }
        }
    }
    let family_pay = d.family_account_pay;
    d.account_pay += family_pay;
    d.cash_pay = d.total - d.fund_pay - d.account_pay;
    for (g, amount) in d.family_payers.clone() {
        let (a, pid) = (Yuan(amount), &claim.person_id);
        let detail = say!(
            cx.lang,
            "家庭共济: 授权人 {g} 的个人账户为共济人 {pid} 支付 {a}",
            "family sharing: the personal account of grantor {g} pays {a} for {pid}"
        );
        let basis = Basis::Param(rules.family_sharing.basis_text());
        d.find(None, RuleId::FAMILY_ACCOUNT, amount, detail, basis);
    }
}

/// §6: what the account may pay for the claim by the city's scope.
fn payable(rules: &RuleVersion, d: &ClaimDecision) -> Decimal {
    match rules.account_scope.value {
        AccountScope::Policy => d.b_selfpay + d.remote_prepay + d.eligible - d.fund_pay,
        AccountScope::Medical => d.total - d.fund_pay - d.non_medical,
    }
    .max(Decimal::ZERO)
}

/// §6a: a grantor can pay when it is a member of the beneficiary's
/// insuring city, with an account, within its benefit period (武汉 Q11).
fn usable_grantor(
    cx: &Context<'_>,
    grantor: &str,
    beneficiary: &Member,
    date: crate::core::date::Date,
) -> bool {
    cx.reference.members.get(grantor).is_some_and(|g| {
        g.city == beneficiary.city
            && g.account_type == AccountType::WithAccount
            && g.benefit_from <= date
            && g.benefit_to.is_none_or(|to| date <= to)
    })
}

/// §6a, §8: a reversal of an earlier period's claim gives each grantor back
/// what it paid and the rest of `account_pay` to the beneficiary; its row
/// carries the family amounts negated.
fn refund<'r>(
    cx: &Context<'r>,
    p: &crate::core::prior::PriorPayment,
    balances: &mut HashMap<&'r str, Decimal>,
    d: &mut ClaimDecision,
) {
    if let Some(b) = balance(cx, balances, &p.person_id) {
        *b += p.account_pay - p.family_account_pay;
    }
    for (g, amount) in &p.family_payers {
        // A grantor no longer in members.csv gets nothing back here.
        if let Some(b) = balance(cx, balances, g) {
            *b += *amount;
        }
    }
    d.family_account_pay = -p.family_account_pay;
    d.family_payers = p
        .family_payers
        .iter()
        .map(|(g, a)| (g.clone(), -*a))
        .collect();
}
