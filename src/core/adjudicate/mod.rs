//! The adjudication core: typed claims in, typed decisions out.
//!
//! Pure: it never touches files, the command line or the terminal. A
//! settlement unit's claims ([`Unit`]: today one person) are adjudicated
//! strictly in (`service_time`, `claim_id`) order because each changes the
//! totals the next one sees (POLICY.md §1); different units are
//! independent, which is what the caller parallelises over.

pub mod benefit;
pub mod checks;
pub mod clearing;
pub mod decision;
mod family;
pub mod flags;
pub mod lines;
pub mod reversal;
pub mod rule;
mod text;

pub use benefit::YearTotals;
pub use decision::{Basis, ClaimDecision, Finding, Payee, Status};
pub use rule::{RuleId, Severity};
pub use text::Lang;

use crate::core::model::*;
use crate::core::prior::Prior;
use crate::core::reference::{Ledger, Reference};
use crate::core::unit::Unit;
use crate::say;
use reversal::Pairing;
use rust_decimal::Decimal;
use std::collections::BTreeSet;

/// What the core needs besides the claims.
pub struct Context<'a> {
    pub reference: &'a Reference,
    /// Earlier periods' payments, for reversals across periods.
    pub prior: &'a Prior,
    pub lang: Lang,
}

/// Everything decided for one settlement unit.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitOutcome {
    /// In the unit's §1 order.
    pub decisions: Vec<ClaimDecision>,
    /// The unit's totals after the period, one row per person and year of
    /// the input ledger or of a claim, by person then year (ledger.csv
    /// rows; the writer drops years before the previous one).
    pub ledger: Vec<LedgerEntry>,
    /// (city, version index) of every rule version used.
    pub versions_used: BTreeSet<(Id, usize)>,
}

/// The running state around one claim, as the core saw it: what
/// `tongchou explain` needs besides the decision and the inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimState {
    pub claim_id: Id,
    /// The service year whose totals the claim counts in.
    pub year: i32,
    /// Year-to-date deductible met and pool paid before the claim.
    pub deductible_met_before: Decimal,
    pub pool_paid_before: Decimal,
    /// The personal account balance before and after the claim.
    pub balance_before: Decimal,
    pub balance_after: Decimal,
}

/// Adjudicate a unit's claims, starting from its persons' rows in `ledger`
/// (one per year: a late claim of last year settles against last year's
/// totals, CONTRACT.md §ledger.csv).
pub fn adjudicate_unit(cx: &Context<'_>, unit: &Unit<'_>, ledger: &Ledger) -> UnitOutcome {
    // Family sharing (POLICY.md §6a): a unit is an account group.
    if !cx.reference.family.is_empty() {
        return family::adjudicate_group(cx, unit, &|p| ledger.rows_of(p), None);
    }
    adjudicate(cx, unit.key(), unit.claims(), &|p| ledger.rows_of(p), None)
}

/// [`adjudicate_unit`], also recording each claim's [`ClaimState`] (in §1
/// order) into `trace`. The same computation: the trace only watches.
pub fn adjudicate_unit_traced(
    cx: &Context<'_>,
    unit: &Unit<'_>,
    ledger: &Ledger,
    trace: &mut Vec<ClaimState>,
) -> UnitOutcome {
    // Family sharing (POLICY.md §6a): a unit is an account group.
    if !cx.reference.family.is_empty() {
        return family::adjudicate_group(cx, unit, &|p| ledger.rows_of(p), Some(trace));
    }
    adjudicate(
        cx,
        unit.key(),
        unit.claims(),
        &|p| ledger.rows_of(p),
        Some(trace),
    )
}

/// Adjudicate one person's claims as a unit of their own (any order in;
/// the slice is put in §1 order), starting from their ledger rows.
pub fn adjudicate_person(
    cx: &Context<'_>,
    person_id: &str,
    claims: &mut [&Claim],
    ledger: &[LedgerYear],
) -> UnitOutcome {
    // Ids compared as their text (`as_str`): `Id`'s own `Ord` is a call
    // the compiler does not inline.
    claims.sort_by(|a, b| {
        (a.service_time, a.claim_id.as_str()).cmp(&(b.service_time, b.claim_id.as_str()))
    });
    adjudicate(cx, person_id, claims, &|_| ledger.to_vec(), None)
}

/// One person's claims, already in §1 order (a [`Unit`]'s, or the part of
/// an account group's that is the person's: taken as they are, never
/// sorted again).
fn adjudicate(
    cx: &Context<'_>,
    person_id: &str,
    claims: &[&Claim],
    ledger_of: &dyn Fn(&str) -> Vec<LedgerYear>,
    mut trace: Option<&mut Vec<ClaimState>>,
) -> UnitOutcome {
    let ledger = ledger_of(person_id);
    let r = cx.reference;
    let member = r.members.get(person_id);
    let stays = r.stays.get(person_id).map(Vec::as_slice).unwrap_or(&[]);
    let pairing = reversal::pair_reversals(claims, cx.prior);
    let mut years: Vec<YearTotals> = ledger
        .iter()
        .map(|l| YearTotals {
            year: l.year,
            deductible_met: l.deductible_met,
            pool_paid: l.pool_paid,
            claims: l.claims,
        })
        .collect();
    let mut balance = member.map(|m| m.account_balance).unwrap_or_default();
    let mut duplicates =
        flags::DuplicateDetector::with_capacity(claims.iter().map(|c| c.lines.len()).sum());
    let mut versions_used = BTreeSet::new();

    let in_pairs = |c: &Claim| {
        matches!(
            pairing.get(&c.claim_id),
            Some(Pairing::Reversed(_) | Pairing::Reversal(_))
        )
    };
    let flaggable: Vec<&Claim> = claims.iter().copied().filter(|c| !in_pairs(c)).collect();
    let multi = match member {
        Some(m) => flags::multi_institution_days(&flaggable, |d| {
            r.rules
                .in_force(m.city, d)
                .map(|(_, v)| v.multi_institution_threshold.value)
        }),
        None => rustc_hash::FxHashMap::default(),
    };
    // §7 pattern flags: known members only, reversals left out entirely.
    let version_on = |d: crate::core::date::Date| member.and_then(|m| r.rules.in_force(m.city, d));
    let watched = match member {
        Some(_) => flags::pattern_claims(claims, in_pairs),
        None => Vec::new(),
    };
    let splits = flags::split_visits(&watched, |d| {
        version_on(d).map(|(_, v)| v.split_visit_min.value)
    });
    let frequent = flags::visit_frequency(&watched, |d| {
        version_on(d).map(|(_, v)| v.visit_frequency_threshold.value)
    });
    let mut refills = flags::RefillDetector::default();

    let mut decisions = Vec::with_capacity(claims.len());
    for claim in claims.iter() {
        let date = claim.service_date();
        let year_index = match years.iter().position(|y| y.year == date.year) {
            Some(i) => i,
            None => {
                years.push(YearTotals::new(date.year));
                years.len() - 1
            }
        };
        let totals = &mut years[year_index];
        totals.claims += 1;
        let before = (totals.deductible_met, totals.pool_paid, balance);
        // Looked up once: the checks and the level column both read it.
        let inst = r.institutions.get(claim.institution_id.as_str());
        let mut d = decide(
            cx,
            claim,
            member.as_ref(),
            inst,
            stays,
            pairing.get(&claim.claim_id),
            &mut years,
            year_index,
            &mut balance,
            &mut versions_used,
        );
        if let Some(m) = member {
            let totals = &years[year_index];
            d.totals_after = Some((totals.deductible_met, totals.pool_paid));
            d.category = Some(m.category);
        }
        d.institution_level = inst.map(|i| match i.ratio_level() {
            Some(1) => "1",
            Some(2) => "2",
            Some(3) => "3",
            _ => "pharmacy",
        });
        if !in_pairs(claim) {
            flags::amount_mismatch(claim, &mut d, cx.lang);
            duplicates.check(claim, &mut d, cx.lang);
            if let (Some(hit), Some(m)) = (multi.get(claim.claim_id.as_str()), member) {
                let basis = r
                    .rules
                    .in_force(m.city, date)
                    .map(|(_, v)| v.multi_institution_threshold.basis_text());
                flags::flag_multi_institution(*hit, basis, &mut d, cx.lang);
            }
            let version = version_on(date).map(|(_, v)| v);
            if let Some(hit) = splits.get(claim.claim_id.as_str()) {
                let basis = version.map(|v| v.split_visit_min.basis_text());
                flags::flag_split_visit(hit, basis, &mut d, cx.lang);
            }
            if member.is_some() && claim.reverses_claim_id.is_none() {
                let share = version.map(|v| {
                    (
                        v.early_refill_share.value,
                        v.early_refill_share.basis_text(),
                    )
                });
                refills.check(claim, share, &mut d, cx.lang);
            }
            if let Some(hit) = frequent.get(claim.claim_id.as_str()) {
                let basis = version.map(|v| v.visit_frequency_threshold.basis_text());
                flags::flag_visit_frequency(*hit, basis, &mut d, cx.lang);
            }
        }
        if let Some(t) = trace.as_deref_mut() {
            t.push(ClaimState {
                claim_id: claim.claim_id.clone(),
                year: date.year,
                deductible_met_before: before.0,
                pool_paid_before: before.1,
                balance_before: before.2,
                balance_after: balance,
            });
        }
        decisions.push(d);
    }

    years.sort_by_key(|y| y.year);
    UnitOutcome {
        decisions,
        ledger: years
            .into_iter()
            .map(|y| LedgerEntry {
                person_id: Id::from(person_id),
                year: y.year,
                deductible_met: y.deductible_met,
                pool_paid: y.pool_paid,
                claims: y.claims,
            })
            .collect(),
        versions_used,
    }
}

#[allow(clippy::too_many_arguments)]
fn decide(
    cx: &Context<'_>,
    claim: &Claim,
    member: Option<&Member>,
    inst: Option<&Institution>,
    stays: &[Stay],
    pairing: Option<&Pairing<'_>>,
    years: &mut [YearTotals],
    year_index: usize,
    balance: &mut Decimal,
    versions_used: &mut BTreeSet<(Id, usize)>,
) -> ClaimDecision {
    let r = cx.reference;
    let lang = cx.lang;
    let city = member.map(|m| Id::from(m.city));
    let date = claim.service_date();

    // A claim is paid once: an id settled in a --prior period is denied
    // before anything else, so that nothing it says can pay it again. A
    // reversal is left to §8, which cancels a claim at most once.
    if claim.reverses_claim_id.is_none() {
        if let Some(p) = cx.prior.payments.get(claim.claim_id.as_str()) {
            let (file, period) = cx.prior.settled_where(p);
            let (id, status) = (&claim.claim_id, p.status.as_str());
            let detail = say!(
                lang,
                "结算 {id} 已在 {period} 结算过 ({file}, 状态 {status}), 不再重复支付",
                "claim {id} was already settled in {period} ({file}, status {status}): not paid again"
            );
            return deny_whole(
                claim,
                city,
                Status::Denied,
                RuleId::ALREADY_SETTLED,
                detail,
                None,
            );
        }
    }

    // §8: reversals decide the claim before anything else.
    match pairing {
        Some(Pairing::Reversed(by)) => {
            let detail = say!(
                lang,
                "已被结算 {by} 冲正",
                "cancelled by reversal claim {by}"
            );
            return deny_whole(
                claim,
                city,
                Status::Reversed,
                RuleId::REVERSAL,
                detail,
                None,
            );
        }
        Some(Pairing::Reversal(of)) => {
            let detail = say!(lang, "冲正本期结算 {of}", "reverses claim {of} of this run");
            let mut d = deny_whole(
                claim,
                city,
                Status::Reversal,
                RuleId::REVERSAL,
                detail,
                None,
            );
            d.reverses = Some(of.clone());
            return d;
        }
        Some(Pairing::PriorReversal(p)) => {
            return reversal::reverse_prior(claim, city, p, years, balance, lang);
        }
        Some(Pairing::Refused(why)) => {
            let detail = reversal::refusal_detail(why, lang);
            return deny_whole(
                claim,
                city,
                Status::Denied,
                RuleId::REVERSAL_UNKNOWN,
                detail,
                None,
            );
        }
        None => {}
    }

    // §2 checks 1-2, then the rules in force.
    let pid = &claim.person_id;
    let Some(member) = member else {
        let detail = say!(
            lang,
            "参保人 {pid} 不在参保人员名单中",
            "person {pid} is not in the members file"
        );
        return deny_whole(
            claim,
            None,
            Status::Denied,
            RuleId::MEMBER_UNKNOWN,
            detail,
            None,
        );
    };
    let iid = &claim.institution_id;
    let Some(inst) = inst else {
        let detail = say!(
            lang,
            "机构 {iid} 不在定点机构名单中",
            "institution {iid} is not in the institutions file"
        );
        return deny_whole(
            claim,
            city,
            Status::Denied,
            RuleId::INSTITUTION_UNKNOWN,
            detail,
            None,
        );
    };
    let mcity = &member.city;
    let Some((version_index, rules)) = r.rules.in_force(mcity, date) else {
        let detail = say!(
            lang,
            "参保地 {mcity} 在 {date} 无有效的待遇规则",
            "no rules of insuring city {mcity} are in force on {date}"
        );
        return deny_whole(
            claim,
            city,
            Status::Denied,
            RuleId::NO_RULES_IN_FORCE,
            detail,
            None,
        );
    };
    // A person's claims use one or two versions: look before cloning the
    // city into the set.
    if !versions_used
        .iter()
        .any(|(c, i)| *i == version_index && *c == member.city)
    {
        versions_used.insert((Id::from(member.city), version_index));
    }

    let totals = &mut years[year_index];
    let verdict = checks::claim_checks(claim, member, inst, rules, stays, &r.institutions, lang);
    if let Some(v) = &verdict {
        if matches!(v.status, Status::Denied | Status::Routed) {
            return deny_whole(
                claim,
                city,
                v.status,
                v.rule,
                v.detail.clone(),
                v.basis.clone(),
            );
        }
    }

    // Paid or pool_denied: §3 line rules split the total.
    let mut d = ClaimDecision::unpaid(claim, city, Status::Paid);
    let split = lines::apply_line_rules(claim, inst, rules, &r.catalogue, &mut d, lang);
    d.excluded = split.excluded;
    d.b_selfpay = split.b_selfpay;
    d.eligible = split.eligible;
    d.non_medical = split.non_medical;

    if let Some(v) = verdict {
        // pool_denied: no remote prepay, no deductible, no fund payment.
        d.status = v.status;
        let basis = v.basis.map(Basis::Param).unwrap_or(Basis::Rule(v.rule));
        d.find(None, v.rule, d.eligible + d.b_selfpay, v.detail, basis);
        d.reason(v.rule);
    } else {
        benefit::remote_prepay(member, inst, date, rules, &mut d, lang);
        let prescriber = claim.prescriber_id().and_then(|p| r.institutions.get(p));
        match benefit::ratio_for(member, inst, prescriber, rules) {
            Some(ratio) => benefit::pool_payment(member, ratio, rules, totals, &mut d, lang),
            // Unreachable with validated inputs (hospitals carry a level;
            // a prescriber-level pharmacy claim without a usable prescriber
            // is pool_denied above); kept total, and explained, for
            // callers that build institutions themselves.
            None => {
                d.status = Status::PoolDenied;
                let rule = if inst.kind == InstitutionKind::Pharmacy {
                    RuleId::PRESCRIBER_UNKNOWN
                } else {
                    RuleId::INSTITUTION_UNKNOWN
                };
                let detail = say!(
                    lang,
                    "机构 {iid} 无可用的医院等级, 无法确定支付比例",
                    "institution {iid} has no usable level to choose a ratio"
                );
                d.find(None, rule, d.eligible + d.b_selfpay, detail, rule);
                d.reason(rule);
            }
        }
    }
    benefit::settle_account(member, rules, balance, &mut d);
    d
}

/// A decision where the insurance pays nothing, with its one claim-level
/// finding (the whole total is excluded; cash pays all).
fn deny_whole(
    claim: &Claim,
    city: Option<Id>,
    status: Status,
    rule: RuleId,
    detail: String,
    basis: Option<std::sync::Arc<str>>,
) -> ClaimDecision {
    let mut d = ClaimDecision::unpaid(claim, city, status);
    let basis = basis.map(Basis::Param).unwrap_or(Basis::Rule(rule));
    d.find(None, rule, d.total, detail, basis);
    d.reason(rule);
    d
}
