//! Building a claim's trace from the core's decision and running state.

use super::names::name;
use super::*;
use crate::core::adjudicate::clearing::{self, Declared, COMPARED};

pub(super) fn article(f: &Finding) -> String {
    match &f.basis {
        Basis::Rule(r) => r.basis().to_string(),
        Basis::Param(s) => s.to_string(),
    }
}

pub(super) fn param_view<T>(path: &str, value: String, p: &Param<T>) -> ParamView {
    let article = p.basis_text().to_string();
    ParamView {
        path: path.to_string(),
        value,
        overridden: p.basis.starts_with("what-if:"),
        provisional: p.provisional,
        article,
    }
}

/// The §2 checks in order (after the §8 pairing), with their rule ids.
pub(super) const CHECKS: &[RuleId] = &[
    RuleId::ALREADY_SETTLED,
    RuleId::REVERSAL,
    RuleId::MEMBER_UNKNOWN,
    RuleId::INSTITUTION_UNKNOWN,
    RuleId::NO_RULES_IN_FORCE,
    RuleId::OUTSIDE_BENEFIT_PERIOD,
    RuleId::EXCLUDED_CAUSE,
    RuleId::MANUAL_LATE,
    RuleId::INSTITUTION_NOT_DESIGNATED,
    RuleId::OTHER_BENEFIT,
    RuleId::INSTITUTION_NOT_POOLING,
    RuleId::INPATIENT_OVERLAP,
    RuleId::REMOTE_PHARMACY,
    RuleId::REMOTE_NOT_NETWORKED,
    RuleId::PRESCRIBER_UNKNOWN,
];

pub(super) fn opt_date(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}

pub(super) fn yes(lang: Lang, b: bool) -> &'static str {
    match (lang, b) {
        (Lang::Zh, true) => "是",
        (Lang::Zh, false) => "否",
        (Lang::En, true) => "yes",
        (Lang::En, false) => "no",
    }
}

/// The values a check compares, as the core saw them.
pub(super) fn compared(
    rule: RuleId,
    r: &Reference,
    c: &Claim,
    member: Option<&Member>,
    inst: Option<&Institution>,
    version: Option<&RuleVersion>,
    lang: Lang,
) -> String {
    let date = c.service_date();
    let (pid, iid) = (c.person_id.as_str(), c.institution_id.as_str());
    match rule {
        // Reached only when the claim passed: its id is in no --prior file
        // (or it is a reversal, which may name a settled claim's id).
        RuleId::ALREADY_SETTLED => {
            let id = &c.claim_id;
            say!(
                lang,
                "结算流水号 {id} 不在此前各期的结算结果中",
                "claim id {id} is in no earlier period's payments"
            )
        }
        RuleId::REVERSAL => match &c.reverses_claim_id {
            None => say!(lang, "非冲正结算", "not a reversal"),
            Some(o) => say!(lang, "冲正原结算 {o}", "reverses claim {o}"),
        },
        RuleId::MEMBER_UNKNOWN => match member {
            Some(m) => {
                let (city, cat) = (&m.city, name(lang, m.category));
                say!(
                    lang,
                    "参保人 {pid} 在名单中: 参保地 {city}, {cat}",
                    "person {pid} is a member: insuring city {city}, {cat}"
                )
            }
            None => say!(
                lang,
                "参保人 {pid} 不在名单中",
                "person {pid} is not a member"
            ),
        },
        RuleId::INSTITUTION_UNKNOWN => match inst {
            Some(i) => {
                let (city, kind, level) = (
                    &i.city,
                    name(lang, i.kind),
                    i.level.map(|l| l.to_string()).unwrap_or_else(|| "—".into()),
                );
                say!(
                    lang,
                    "机构 {iid}: {city}, {kind}, 等级 {level}",
                    "institution {iid}: {city}, {kind}, level {level}"
                )
            }
            None => say!(
                lang,
                "机构 {iid} 不在名单中",
                "institution {iid} is not known"
            ),
        },
        RuleId::NO_RULES_IN_FORCE => match (member, version) {
            (Some(m), Some(v)) => {
                let (city, from) = (&m.city, v.in_force_from.value);
                say!(
                    lang,
                    "{city} 自 {from} 起的规则在 {date} 有效",
                    "{city} rules from {from} are in force on {date}"
                )
            }
            (Some(m), None) => {
                let city = &m.city;
                say!(
                    lang,
                    "{city} 在 {date} 无有效规则",
                    "no {city} rules in force on {date}"
                )
            }
            _ => String::new(),
        },
        RuleId::OUTSIDE_BENEFIT_PERIOD => match member {
            Some(m) => {
                let (f, t) = (m.benefit_from, opt_date(m.benefit_to));
                say!(
                    lang,
                    "就诊日期 {date}, 待遇享受期 [{f}, {t}]",
                    "service date {date}, benefit period [{f}, {t}]"
                )
            }
            None => String::new(),
        },
        RuleId::EXCLUDED_CAUSE => {
            let x = c.exclusion.map(|x| name(lang, x)).unwrap_or("—");
            say!(lang, "除外情形: {x}", "excluded cause: {x}")
        }
        RuleId::MANUAL_LATE => {
            let mode = name(lang, c.settlement_mode);
            let remote = match (member, inst) {
                (Some(m), Some(i)) => yes(lang, m.city != i.city),
                _ => "—",
            };
            let submitted = opt_date(c.submitted_date);
            let last = version
                .and_then(|v| v.manual_deadline.value)
                .map(|d| d.last_day(date.year).to_string())
                .unwrap_or_else(|| "—".into());
            say!(
                lang,
                "结算方式 {mode}, 异地 {remote}, 申报日期 {submitted}, 截止日 {last}",
                "settlement {mode}, remote {remote}, handed in {submitted}, deadline {last}"
            )
        }
        RuleId::INSTITUTION_NOT_DESIGNATED => match inst {
            Some(i) => {
                let (f, t) = (opt_date(i.valid_from), opt_date(i.valid_to));
                say!(
                    lang,
                    "就诊日期 {date}, 协议期 [{f}, {t}]",
                    "service date {date}, agreement [{f}, {t}]"
                )
            }
            None => String::new(),
        },
        RuleId::OTHER_BENEFIT => {
            let v = name(lang, c.visit_type);
            say!(lang, "就诊类型 {v}", "visit type {v}")
        }
        RuleId::INSTITUTION_NOT_POOLING => match inst {
            Some(i) => {
                let p = yes(lang, i.outpatient_pooling);
                say!(
                    lang,
                    "门诊统筹定点: {p}",
                    "outpatient pooling contract: {p}"
                )
            }
            None => String::new(),
        },
        RuleId::INPATIENT_OVERLAP => {
            let stays = r.stays.get(pid).map(Vec::as_slice).unwrap_or(&[]);
            if stays.is_empty() {
                say!(lang, "无住院记录", "no inpatient stay")
            } else {
                let list: Vec<String> = stays
                    .iter()
                    .map(|s| {
                        format!(
                            "{} [{}, {}]",
                            s.institution_id,
                            s.admit_date,
                            opt_date(s.discharge_date)
                        )
                    })
                    .collect();
                let list = list.join("; ");
                say!(
                    lang,
                    "就诊日期 {date}, 住院 {list}",
                    "service date {date}, stays {list}"
                )
            }
        }
        RuleId::REMOTE_PHARMACY | RuleId::REMOTE_NOT_NETWORKED => match (member, inst) {
            (Some(m), Some(i)) => {
                let (ic, mc, kind, net, mode) = (
                    &i.city,
                    &m.city,
                    name(lang, i.kind),
                    yes(lang, i.remote_settlement),
                    name(lang, c.settlement_mode),
                );
                say!(
                    lang,
                    "就医地 {ic}, 参保地 {mc}, 机构类型 {kind}, 异地联网 {net}, 结算方式 {mode}",
                    "treated in {ic}, insured in {mc}, {kind}, networked {net}, settlement {mode}"
                )
            }
            _ => String::new(),
        },
        RuleId::PRESCRIBER_UNKNOWN => {
            let mode = match version.map(|v| &v.pharmacy_mode.value) {
                Some(PharmacyMode::Fixed(_)) => "fixed",
                Some(PharmacyMode::PrescriberLevel) => "prescriber_level",
                None => "—",
            };
            let p = c.prescriber_id().unwrap_or("—");
            let kind = c
                .prescriber_id()
                .and_then(|p| r.institutions.get(p))
                .map(|i| name(lang, i.kind))
                .unwrap_or("—");
            let at = inst.map(|i| name(lang, i.kind)).unwrap_or("—");
            say!(
                lang,
                "机构类型 {at}, 药店支付方式 {mode}, 开方机构 {p} ({kind})",
                "{at}, pharmacy mode {mode}, prescriber {p} ({kind})"
            )
        }
        _ => String::new(),
    }
}

/// §8 reversal pairing, then the §2 checks in order: passed (with what was
/// compared), the one that decided the claim, and those not reached.
fn check_steps(
    r: &Reference,
    c: &Claim,
    d: &ClaimDecision,
    member: Option<&Member>,
    inst: Option<&Institution>,
    version: Option<&RuleVersion>,
    lang: Lang,
) -> Vec<CheckStep> {
    // The deciding claim-level rule: the first claim-level finding of a
    // §2 / §8 rule (the core records it first and alone).
    let decided = d
        .findings
        .iter()
        .find(|f| f.line_no.is_none() && CHECKS.contains(&f.rule))
        .or_else(|| {
            d.findings
                .iter()
                .find(|f| f.line_no.is_none() && f.rule == RuleId::REVERSAL_UNKNOWN)
        });
    // Where it stands in the list (REVERSAL_UNKNOWN in the pairing's place).
    let decided_at = decided.map(|f| match f.rule {
        RuleId::REVERSAL_UNKNOWN => (0, f),
        rule => (CHECKS.iter().position(|x| *x == rule).unwrap_or(0), f),
    });
    let mut checks = Vec::new();
    for (i, rule) in CHECKS.iter().enumerate() {
        let (outcome, text, art) = match decided_at {
            Some((k, f)) if i == k => ("decided", f.detail.clone(), article(f)),
            Some((k, _)) if i > k => ("not_reached", String::new(), rule.basis().to_string()),
            _ => (
                "passed",
                compared(*rule, r, c, member, inst, version, lang),
                rule.basis().to_string(),
            ),
        };
        let rule_shown = match decided_at {
            Some((0, f)) if i == 0 => f.rule,
            _ => *rule,
        };
        checks.push(CheckStep {
            order: i as u32,
            rule: rule_shown.to_string(),
            outcome,
            compared: text,
            article: art,
        });
    }
    // A claim-level check this list does not name yet (one added to the
    // core later) still shows as what decided the claim.
    if decided.is_none()
        && matches!(
            d.status,
            Status::Denied | Status::PoolDenied | Status::Routed
        )
    {
        if let Some(f) = d
            .findings
            .iter()
            .find(|f| f.line_no.is_none() && matches!(f.severity, Severity::Deny | Severity::Info))
        {
            checks.push(CheckStep {
                order: CHECKS.len() as u32,
                rule: f.rule.to_string(),
                outcome: "decided",
                compared: f.detail.clone(),
                article: article(f),
            });
        }
    }
    checks
}

/// Each line: its catalogue entry, then every line rule in the order the
/// core applied it (`reached_lines`: whether the §3 line rules ran).
fn line_traces(
    r: &Reference,
    c: &Claim,
    d: &ClaimDecision,
    inst: Option<&Institution>,
    reached_lines: bool,
) -> Vec<LineTrace> {
    // Lines: the catalogue entry, then every line rule in the order the
    // core applied it, with the base left after it.
    let mut lines = Vec::new();
    for l in &c.lines {
        let entry = inst.and_then(|i| r.catalogue.lookup(&l.item_code, &i.city));
        let catalogue = match entry {
            Some(e) => CatalogueView {
                entry: if e.region.is_some() {
                    "local"
                } else {
                    "general"
                },
                region: e.region.clone(),
                kind: Some(e.kind.as_str().to_string()),
                class: Some(e.class.as_str().to_string()),
            },
            None => CatalogueView {
                entry: "none",
                region: None,
                kind: None,
                class: None,
            },
        };
        let mut base = if reached_lines {
            l.amount
        } else {
            Decimal::ZERO
        };
        let mut steps = Vec::new();
        for f in d
            .findings
            .iter()
            .filter(|f| f.line_no == Some(l.line_no) && f.severity == Severity::Adjust)
        {
            base -= f.amount;
            steps.push(LineStep {
                rule: f.rule.to_string(),
                moved: fmt2(f.amount),
                base_after: fmt2(base),
                detail: f.detail.clone(),
                article: article(f),
            });
        }
        lines.push(LineTrace {
            line_no: l.line_no,
            item_code: l.item_code.to_string(),
            quantity: l.quantity.to_string(),
            unit_price: fmt2(l.unit_price),
            amount: fmt2(l.amount),
            supply_days: l.supply_days,
            catalogue,
            steps,
            eligible: fmt2(base),
        });
    }
    lines
}

/// §6 remote care: whether the member pays a share first, and why.
fn remote_trace(
    (m, i, v): (&Member, &Institution, &RuleVersion),
    d: &ClaimDecision,
    date: Date,
    paid: bool,
    lang: Lang,
) -> RemoteTrace {
    let is_remote = i.city != m.city;
    let long_term = benefit::is_registered_long_term(m, i, date);
    let registration = m.remote.as_ref().map(|x| {
        format!(
            "{} {} [{}, {}]",
            name(lang, x.remote_type),
            x.city,
            opt_date(x.from),
            opt_date(x.to)
        )
    });
    let (ic, mc) = (&i.city, &m.city);
    let why = if !is_remote {
        say!(
            lang,
            "就医地 {ic} 即参保地: 本地就医",
            "treated in {ic}, the insuring city: local care"
        )
    } else if long_term {
        say!(
            lang,
            "在 {ic} 长期异地备案有效: 不先行支付",
            "a long-term registration in {ic} covers the date: nothing paid first"
        )
    } else if !paid {
        say!(
            lang,
            "异地就医, 但统筹不支付: 不先行支付",
            "remote care, but the pool pays nothing: nothing paid first"
        )
    } else {
        say!(
            lang,
            "在 {ic} 就医, 参保地 {mc}, 无有效长期异地备案: 个人先行支付",
            "treated in {ic}, insured in {mc}, no long-term registration on the date: the member pays a share first"
        )
    };
    let share = (is_remote && !long_term && paid).then(|| {
        param_view(
            "remote_prepay_share",
            v.remote_prepay_share.value.to_string(),
            &v.remote_prepay_share,
        )
    });
    RemoteTrace {
        remote: is_remote,
        institution_city: i.city.clone(),
        insuring_city: m.city.to_string(),
        registration,
        registered_long_term: long_term,
        why,
        prepay_share: share,
        prepay: fmt2(d.remote_prepay),
    }
}

/// §4-§6 the benefit: deductible, ratio (and where it comes from), cap.
fn benefit_trace(
    r: &Reference,
    c: &Claim,
    d: &ClaimDecision,
    st: &ClaimState,
    (m, i, v): (&Member, &Institution, &RuleVersion),
    lang: Lang,
) -> BenefitTrace {
    let cat = m.category;
    let cat_s = name(lang, cat);
    let deductible = v.deductible.get(cat);
    let prescriber = c.prescriber_id().and_then(|p| r.institutions.get(p));
    let ratio = benefit::ratio_for(m, i, prescriber, v);
    let ratio_source = match (i.kind, &v.pharmacy_mode.value) {
        (InstitutionKind::Pharmacy, PharmacyMode::Fixed(_)) => say!(
            lang,
            "药店购药, 固定比例 ({cat_s})",
            "pharmacy purchase, fixed ratio ({cat_s})"
        ),
        (InstitutionKind::Pharmacy, PharmacyMode::PrescriberLevel) => {
            let p = c.prescriber_id().unwrap_or("—");
            let level = prescriber
                .and_then(|x| x.ratio_level())
                .map(|l| l.to_string())
                .unwrap_or_else(|| "—".into());
            say!(
                lang,
                "药店购药, 按开方机构 {p} 的等级 {level} ({cat_s})",
                "pharmacy purchase, at prescriber {p}'s level {level} ({cat_s})"
            )
        }
        _ => {
            let kind = name(lang, i.kind);
            let level = i
                .ratio_level()
                .map(|l| l.to_string())
                .unwrap_or_else(|| "—".into());
            say!(
                lang,
                "{cat_s} × 等级 {level} ({kind})",
                "{cat_s} × level {level} ({kind})"
            )
        }
    };
    let ratio_path = match (i.kind, &v.pharmacy_mode.value) {
        (InstitutionKind::Pharmacy, PharmacyMode::Fixed(_)) => format!("pharmacy.{cat_s}"),
        (InstitutionKind::Pharmacy, PharmacyMode::PrescriberLevel) => format!(
            "ratio.{cat_s}.level{}",
            prescriber.and_then(|x| x.ratio_level()).unwrap_or(0)
        ),
        _ => format!("ratio.{cat_s}.level{}", i.ratio_level().unwrap_or(0)),
    };
    let cap = v.cap.get(cat);
    let (met_after, paid_after) = d.totals_after.unwrap_or_default();
    BenefitTrace {
        year: st.year,
        deductible_met_before: fmt2(st.deductible_met_before),
        pool_paid_before: fmt2(st.pool_paid_before),
        eligible: fmt2(d.eligible),
        deductible: param_view(
            &format!("deductible.{cat_s}"),
            fmt2(deductible.value),
            deductible,
        ),
        deductible_applied: fmt2(d.deductible_applied),
        ratio: ratio.map(|p| param_view(&ratio_path, p.value.to_string(), p)),
        ratio_source,
        raw: fmt2(d.fund_pay + d.cap_cut),
        cap: param_view(&format!("cap.{cat_s}"), fmt2(cap.value), cap),
        cap_room: fmt2((cap.value - st.pool_paid_before).max(Decimal::ZERO)),
        cap_cut: fmt2(d.cap_cut),
        fund_pay: fmt2(d.fund_pay),
        deductible_met_after: fmt2(met_after),
        pool_paid_after: fmt2(paid_after),
    }
}

pub(super) fn claim_trace(
    r: &Reference,
    c: &Claim,
    d: &ClaimDecision,
    st: &ClaimState,
    lang: Lang,
) -> ClaimTrace {
    let date = c.service_date();
    let member = r.members.get(&c.person_id);
    let inst = r.institutions.get(c.institution_id.as_str());
    let in_force = member.and_then(|m| r.rules.in_force(m.city, date));
    let version = in_force.map(|(_, v)| v);

    let checks = check_steps(r, c, d, member.as_ref(), inst, version, lang);
    let reached_lines = matches!(d.status, Status::Paid | Status::PoolDenied);
    let lines = line_traces(r, c, d, inst, reached_lines);

    let paid = d.status == Status::Paid;
    let remote = match (member, inst, version) {
        (Some(m), Some(i), Some(v)) if reached_lines => {
            Some(remote_trace((&m, i, v), d, date, paid, lang))
        }
        _ => None,
    };

    let benefit_trace = match (member, inst, version) {
        (Some(m), Some(i), Some(v)) if paid => Some(benefit_trace(r, c, d, st, (&m, i, v), lang)),
        _ => None,
    };

    let account = match (member, version) {
        (Some(m), Some(v)) => {
            let scope = match v.account_scope.value {
                AccountScope::Policy => "policy",
                AccountScope::Medical => "medical",
            };
            Some(AccountTrace {
                account_type: m.account_type.as_str().to_string(),
                scope: param_view("account_scope", scope.into(), &v.account_scope),
                balance_before: fmt2(st.balance_before),
                account_pay: fmt2(d.account_pay),
                balance_after: fmt2(st.balance_after),
                cash_pay: fmt2(d.cash_pay),
                own_account_pay: fmt2(d.account_pay - d.family_account_pay),
                family_account_pay: fmt2(d.family_account_pay),
                family_payers: d
                    .family_payers
                    .iter()
                    .map(|(g, a)| format!("{g}:{}", fmt2(*a)))
                    .collect::<Vec<_>>()
                    .join(";"),
            })
        }
        _ => None,
    };

    let flags = d
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Flag)
        .map(finding_view)
        .collect();

    ClaimTrace {
        claim_id: c.claim_id.to_string(),
        person_id: c.person_id.to_string(),
        institution_id: c.institution_id.to_string(),
        service_time: c.service_time.to_string(),
        visit_type: c.visit_type.as_str().to_string(),
        settlement_mode: c.settlement_mode.as_str().to_string(),
        submitted_date: c.submitted_date.map(|d| d.to_string()),
        reverses_claim_id: c.reverses_claim_id.as_deref().map(String::from),
        status: d.status.as_str().to_string(),
        reasons: d.reasons.iter().map(|r| r.to_string()).collect(),
        payee: d.payee.as_str().to_string(),
        rules: in_force.and_then(|(k, v)| {
            let m = member?;
            Some(RulesInForce {
                city: m.city.to_string(),
                file: r
                    .rules
                    .cities
                    .get(m.city)
                    .map(|c| c.file.display().to_string())
                    .unwrap_or_default(),
                version: k,
                in_force_from: v.in_force_from.value.to_string(),
            })
        }),
        checks,
        line_rules_applied: reached_lines,
        lines,
        remote,
        benefit: benefit_trace,
        account,
        flags,
        clearing: None,
        figures: Figures {
            total: fmt2(d.total),
            excluded: fmt2(d.excluded),
            b_selfpay: fmt2(d.b_selfpay),
            remote_prepay: fmt2(d.remote_prepay),
            eligible: fmt2(d.eligible),
            deductible_applied: fmt2(d.deductible_applied),
            ratio: d.ratio.map(|r| r.to_string()),
            fund_pay: fmt2(d.fund_pay),
            cap_cut: fmt2(d.cap_cut),
            account_pay: fmt2(d.account_pay),
            cash_pay: fmt2(d.cash_pay),
        },
    }
}

/// A finding as the trace shows it.
fn finding_view(f: &Finding) -> FindingView {
    FindingView {
        rule: f.rule.to_string(),
        line_no: f.line_no,
        amount: fmt2(f.amount),
        detail: f.detail.clone(),
        article: article(f),
    }
}

/// POLICY §10 for one claim: each declared field beside the payment column
/// it is compared with, and the finding the comparison made (a same-run
/// pair is compared on its sums: the finding, on the reversal, says so).
pub(super) fn clearing_trace(
    d: &ClaimDecision,
    declared: Option<&Declared>,
) -> Option<ClearingTrace> {
    let declared = declared?;
    let fields = COMPARED
        .iter()
        .map(|&(field, k, column)| {
            let mine = clearing::adjudicated(d, column);
            ClearingField {
                declared_field: field.to_string(),
                column: column.to_string(),
                declared: declared.amounts[k].map(fmt2),
                adjudicated: fmt2(mine),
                differs: declared.amounts[k].is_some_and(|v| v != mine),
            }
        })
        .collect();
    let hifp = declared.amounts[0];
    let finding = d
        .findings
        .iter()
        .find(|f| f.rule == RuleId::DECLARED_MISMATCH)
        .map(finding_view);
    Some(ClearingTrace {
        fields,
        deduction: hifp.map(|h| fmt2((h - d.fund_pay).max(Decimal::ZERO))),
        shortfall: hifp.map(|h| fmt2((d.fund_pay - h).max(Decimal::ZERO))),
        finding,
    })
}
