//! POLICY.md §2: claim-level checks, in order. The first that applies
//! decides the claim's status and is its only claim-level reason.

use super::decision::Status;
use super::rule::RuleId;
use super::Lang;
use crate::core::model::*;
use crate::core::rules::{PharmacyMode, RuleVersion};
use crate::say;

/// A claim-level verdict: the rule, the status it gives, a detail sentence,
/// and the basis when the rule rests on a parameter of the rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub rule: RuleId,
    pub status: Status,
    pub detail: String,
    pub basis: Option<std::sync::Arc<str>>,
}

fn verdict(rule: RuleId, status: Status, detail: String) -> Option<Verdict> {
    Some(Verdict {
        rule,
        status,
        detail,
        basis: None,
    })
}

/// Checks 3-12 of POLICY.md §2 for a claim whose member, institution and
/// rules are known. Checks 1-2 (unknown member or institution) and the
/// absence of rules are decided by the caller, which has nothing to pass
/// here in those cases.
pub fn claim_checks(
    claim: &Claim,
    member: &Member,
    inst: &Institution,
    rules: &RuleVersion,
    stays: &[Stay],
    institutions: &crate::core::reference::IdMap<Institution>,
    lang: Lang,
) -> Option<Verdict> {
    let date = claim.service_date();
    let id = &inst.institution_id;

    // 3. 十堰 第五条: 在待遇享受期内.
    let before = date < member.benefit_from;
    let after = member.benefit_to.is_some_and(|to| date > to);
    if before || after {
        let (from, to) = (
            member.benefit_from,
            member.benefit_to.map(|d| d.to_string()).unwrap_or_default(),
        );
        return verdict(
            RuleId::OUTSIDE_BENEFIT_PERIOD,
            Status::Denied,
            say!(
                lang,
                "就诊日期 {date} 不在待遇享受期 [{from}, {to}] 内",
                "service date {date} is outside the benefit period [{from}, {to}]"
            ),
        );
    }

    // 4. 社会保险法 第三十条.
    if let Some(x) = claim.exclusion {
        let x = x.as_str();
        return verdict(
            RuleId::EXCLUDED_CAUSE,
            Status::Denied,
            say!(
                lang,
                "除外情形 {x}: 不纳入基本医疗保险基金支付范围",
                "excluded cause {x}: not payable by basic medical insurance"
            ),
        );
    }

    // 5. 十堰 第十八条: a remote claim that could not be settled directly is
    // handed in by the end of the next year's first quarter, "逾期不再予以办理".
    // The article speaks of remote care only (参保人异地就医 … 未能实现直接结算的);
    // the sources set no deadline for manual claims at home, so none is
    // applied there (POLICY.md §2 rule 5 reads wider; the seed wins).
    let remote = inst.city != member.city;
    if claim.settlement_mode == SettlementMode::Manual && remote {
        if let (Some(deadline), Some(submitted)) =
            (rules.manual_deadline.value, claim.submitted_date)
        {
            let last = deadline.last_day(date.year);
            if submitted > last {
                return Some(Verdict {
                    rule: RuleId::MANUAL_LATE,
                    status: Status::Denied,
                    detail: say!(
                        lang,
                        "手工报销于 {submitted} 申报, 晚于截止日 {last}",
                        "manual claim handed in on {submitted}, after the deadline {last}"
                    ),
                    basis: Some(rules.manual_deadline.basis_text()),
                });
            }
        }
    }

    // 6. Outside the institution's agreement: not a designated institution.
    let (vf, vt) = (inst.valid_from, inst.valid_to);
    if vf.is_some_and(|f| date < f) || vt.is_some_and(|t| date > t) {
        let (f, t) = (
            vf.map(|d| d.to_string()).unwrap_or_default(),
            vt.map(|d| d.to_string()).unwrap_or_default(),
        );
        return verdict(
            RuleId::INSTITUTION_NOT_DESIGNATED,
            Status::Denied,
            say!(
                lang,
                "就诊日期 {date} 不在机构 {id} 的协议期 [{f}, {t}] 内",
                "service date {date} is outside institution {id}'s agreement [{f}, {t}]"
            ),
        );
    }

    // 7. Another benefit pays this visit (十堰 第五条, 第六条, 第十六条; 鄂州 八).
    if claim.visit_type.is_other_benefit() {
        let v = claim.visit_type.as_str();
        return verdict(
            RuleId::OTHER_BENEFIT,
            Status::Routed,
            say!(
                lang,
                "就诊类型 {v} 属其他待遇, 不纳入普通门诊统筹",
                "visit type {v} belongs to another benefit, not general outpatient pooling"
            ),
        );
    }

    // 8. 鄂州 一; 十堰 第十五条: only pooling-contracted institutions.
    if !inst.outpatient_pooling {
        return verdict(
            RuleId::INSTITUTION_NOT_POOLING,
            Status::PoolDenied,
            say!(
                lang,
                "机构 {id} 未纳入门诊统筹定点",
                "institution {id} is not contracted for outpatient pooling"
            ),
        );
    }

    // 9. 十堰 第九条: no outpatient pooling during an inpatient stay.
    if let Some(s) = stays.iter().find(|s| s.covers(date)) {
        let (a, d) = (
            s.admit_date,
            s.discharge_date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
        );
        let at = &s.institution_id;
        return verdict(
            RuleId::INPATIENT_OVERLAP,
            Status::PoolDenied,
            say!(
                lang,
                "就诊日期 {date} 在 {at} 住院期间 [{a}, {d}]",
                "service date {date} falls within an inpatient stay at {at} [{a}, {d}]"
            ),
        );
    }

    // 10. Prescription drugs at a remote retail pharmacy are not settled.
    if remote && inst.kind == InstitutionKind::Pharmacy {
        let c = &inst.city;
        return verdict(
            RuleId::REMOTE_PHARMACY,
            Status::PoolDenied,
            say!(
                lang,
                "异地({c})定点零售药店购药暂不支持统筹结算",
                "purchase at a pharmacy outside the insuring city ({c}) is not settled by the pool"
            ),
        );
    }

    // 11. Direct settlement away from home needs a networked institution.
    if remote && claim.settlement_mode == SettlementMode::Direct && !inst.remote_settlement {
        return verdict(
            RuleId::REMOTE_NOT_NETWORKED,
            Status::PoolDenied,
            say!(
                lang,
                "异地机构 {id} 未开通异地联网结算",
                "remote institution {id} is not networked for direct settlement"
            ),
        );
    }

    // 12. 十堰 第十七条: the pharmacy ratio follows the prescriber's level.
    if inst.kind == InstitutionKind::Pharmacy
        && rules.pharmacy_mode.value == PharmacyMode::PrescriberLevel
    {
        let prescriber = claim
            .prescriber_id()
            .and_then(|p| institutions.get(p).map(|i| (p, i)));
        let usable = prescriber.is_some_and(|(_, i)| i.kind != InstitutionKind::Pharmacy);
        if !usable {
            let detail = match claim.prescriber_id() {
                None => say!(
                    lang,
                    "药店购药未注明开方机构",
                    "pharmacy purchase names no prescribing institution"
                ),
                Some(p) if prescriber.is_none() => {
                    say!(
                        lang,
                        "开方机构 {p} 不在定点机构名单中",
                        "prescribing institution {p} is not a known institution"
                    )
                }
                Some(p) => say!(
                    lang,
                    "开方机构 {p} 不是医疗机构",
                    "prescribing institution {p} is not a hospital, clinic or internet hospital"
                ),
            };
            return Some(Verdict {
                rule: RuleId::PRESCRIBER_UNKNOWN,
                status: Status::PoolDenied,
                detail,
                basis: Some(rules.pharmacy_mode.basis_text()),
            });
        }
    }
    None
}
