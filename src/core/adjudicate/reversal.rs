//! POLICY.md §8: reversals (冲正). A claim with `reverses_claim_id` cancels
//! an earlier claim of the same person:
//! - of this run: both are marked (`reversed` / `reversal`), pay nothing,
//!   and neither touches the totals;
//! - of an earlier period (`--prior` payments.csv): the reversal row
//!   carries the original's money negated, gives its deductible and fund
//!   payment back to the totals of the original's year (this year's, or
//!   last year's row the ledger keeps for late claims), and returns its
//!   account payment to the balance.
//!
//! A claim is cancelled at most once, here or in an earlier period.

use super::benefit::YearTotals;
use super::decision::{ClaimDecision, Status};
use super::rule::RuleId;
use super::Lang;
use crate::core::model::{Claim, Id};
use crate::core::money::Yuan;
use crate::core::prior::{Prior, PriorPayment};
use crate::say;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

/// How a claim takes part in a reversal.
pub enum Pairing<'p> {
    /// Cancelled by this run's reversal claim.
    Reversed(Id),
    /// Cancels this run's claim.
    Reversal(Id),
    /// Cancels a claim settled in an earlier period.
    PriorReversal(&'p PriorPayment),
    /// A reversal that cannot be carried out: denied `REVERSAL_UNKNOWN`.
    Refused(Refusal),
}

pub enum Refusal {
    Unknown(Id),
    OtherPerson(Id),
    AlreadyReversed {
        original: Id,
        by: Id,
    },
    AmountMismatch {
        original: Id,
        expected: Decimal,
        got: Decimal,
    },
}

/// Pair each of one person's reversals with what it cancels, in §1 order.
pub fn pair_reversals<'p>(claims: &[&Claim], prior: &'p Prior) -> HashMap<Id, Pairing<'p>> {
    let mut out = HashMap::new();
    // Most persons reverse nothing: build nothing for them.
    if claims.iter().all(|c| c.reverses_claim_id.is_none()) {
        return out;
    }
    let ids: HashMap<&str, &Claim> = claims.iter().map(|c| (c.claim_id.as_str(), *c)).collect();
    // Originals cancelled by an earlier reversal of this run.
    let mut cancelled: HashMap<Id, Id> = HashMap::new();
    let mut prior_cancelled: HashSet<&str> = HashSet::new();
    for c in claims {
        let Some(original) = &c.reverses_claim_id else {
            continue;
        };
        // A copy of a claim settled in a --prior period is not a claim
        // of this run (it is denied ALREADY_SETTLED): its id names the
        // settled claim, which the reversal cancels.
        let here = ids.get(original.as_str()).filter(|o| {
            o.reverses_claim_id.is_none()
                && o.claim_id != c.claim_id
                && !prior.payments.contains_key(o.claim_id.as_str())
        });
        let pairing = if let Some(by) = cancelled
            .get(original)
            .map(Id::as_str)
            .or_else(|| prior.reversed.get(original.as_str()).map(String::as_str))
        {
            Pairing::Refused(Refusal::AlreadyReversed {
                original: original.clone(),
                by: Id::from(by),
            })
        } else if let Some(o) = here {
            out.insert(o.claim_id.clone(), Pairing::Reversed(c.claim_id.clone()));
            cancelled.insert(original.clone(), c.claim_id.clone());
            Pairing::Reversal(o.claim_id.clone())
        } else if let Some(p) = prior.payments.get(original.as_str()) {
            let got = c.total();
            if p.person_id != c.person_id {
                Pairing::Refused(Refusal::OtherPerson(original.clone()))
            } else if got != -p.total {
                Pairing::Refused(Refusal::AmountMismatch {
                    original: original.clone(),
                    expected: -p.total,
                    got,
                })
            } else if p.status == Status::Reversed {
                // Cancelled in its own period (its reversal row may not be
                // among the --prior files).
                let by = prior
                    .reversed
                    .get(original.as_str())
                    .map_or_else(|| "a reversal of its own period".into(), Id::from);
                Pairing::Refused(Refusal::AlreadyReversed {
                    original: original.clone(),
                    by,
                })
            } else if p.status == Status::Reversal || !prior_cancelled.insert(p.claim_id.as_str()) {
                Pairing::Refused(Refusal::AlreadyReversed {
                    original: original.clone(),
                    by: c.claim_id.clone(),
                })
            } else {
                cancelled.insert(original.clone(), c.claim_id.clone());
                Pairing::PriorReversal(p)
            }
        } else {
            Pairing::Refused(Refusal::Unknown(original.clone()))
        };
        out.insert(c.claim_id.clone(), pairing);
    }
    out
}

/// The detail of a refused reversal.
pub fn refusal_detail(r: &Refusal, lang: Lang) -> String {
    match r {
        Refusal::Unknown(o) => say!(
            lang,
            "找不到原结算 {o} (本期及 --prior 中均无)",
            "no claim {o} in this run or in the --prior payments"
        ),
        Refusal::OtherPerson(o) => say!(
            lang,
            "原结算 {o} 属于其他参保人",
            "claim {o} belongs to another person"
        ),
        Refusal::AlreadyReversed { original, by } => {
            say!(
                lang,
                "原结算 {original} 已被 {by} 冲正, 不能再次冲正",
                "claim {original} is already reversed by {by}"
            )
        }
        Refusal::AmountMismatch {
            original,
            expected,
            got,
        } => {
            let (e, g) = (Yuan(*expected), Yuan(*got));
            say!(
                lang,
                "冲正金额 {g} 与原结算 {original} 不符 (应为 {e})",
                "reversal total {g} does not match claim {original} (expected {e})"
            )
        }
    }
}

/// The reversal of a claim of an earlier period: its money negated, its
/// deductible and fund payment given back to the totals of its own year
/// when the person's totals hold that year, its account payment returned.
pub fn reverse_prior(
    claim: &Claim,
    city: Option<Id>,
    p: &PriorPayment,
    years: &mut [YearTotals],
    balance: &mut Decimal,
    lang: Lang,
) -> ClaimDecision {
    let mut d = ClaimDecision::unpaid(claim, city, Status::Reversal);
    d.split = p.split.negated();
    d.ratio = p.ratio;
    d.payee = p.payee;
    d.reverses = Some(Id::from(p.claim_id.as_str()));
    let same_year = p.service_date.year == claim.service_date().year;
    // The caller has made the row of the reversal's own year; an earlier
    // year's is there when the ledger kept it (the previous year). A year
    // without a row has nothing to give back to.
    let own = years.iter_mut().find(|y| y.year == p.service_date.year);
    let given_back = own.is_some();
    if let Some(totals) = own {
        totals.deductible_met = (totals.deductible_met - p.deductible_applied).max(Decimal::ZERO);
        totals.pool_paid = (totals.pool_paid - p.fund_pay).max(Decimal::ZERO);
    }
    *balance += p.account_pay;
    let (o, date, f, a, ded) = (
        &p.claim_id,
        p.service_date,
        Yuan(p.fund_pay),
        Yuan(p.account_pay),
        Yuan(p.deductible_applied),
    );
    let year = p.service_date.year;
    let detail = if same_year {
        say!(lang, "冲正 {date} 的结算 {o}: 统筹退回 {f}, 个人账户退回 {a}, 起付线累计减 {ded}", "reverses claim {o} of {date}: fund {f} and account {a} taken back, deductible met reduced by {ded}")
    } else if given_back {
        say!(lang, "冲正 {year} 年度 ({date}) 的结算 {o}: 统筹退回 {f} (计入 {year} 年度累计), 个人账户退回 {a}, {year} 年度起付线累计减 {ded}; 本年度累计不变", "reverses claim {o} of {year} ({date}): fund {f} and account {a} taken back, {year}'s totals reduced by them (deductible met by {ded}); this year's totals unchanged")
    } else {
        say!(lang, "冲正上年度 ({date}) 的结算 {o}: 统筹退回 {f}, 个人账户退回 {a}; 本年度累计不变", "reverses claim {o} of an earlier year ({date}): fund {f} and account {a} taken back; this year's totals unchanged")
    };
    d.find(None, RuleId::REVERSAL, -p.total, detail, RuleId::REVERSAL);
    d.reason(RuleId::REVERSAL);
    d
}
