//! `tongchou explain`: the whole computation of one claim (or one person's
//! month, the 结算单 a clerk prints), step by step, with the article behind
//! each step.
//!
//! It reloads exactly what the run used, from its manifest.json: the input
//! files (each checked against its SHA-256 first, so a trace never explains
//! data the run did not see), the rule files and the what-if overrides. It
//! then re-adjudicates only the settlement units of the persons asked for
//! through the same core, watched by [`adjudicate::adjudicate_unit_traced`],
//! so the trace and payments.csv come from one computation. Everything
//! else in a trace is read from the decision (its findings, in the order
//! the core made them) and from the inputs the core looked at.
//!
//! The JSON form is a versioned format (`trace_version`), documented in the
//! README.

use crate::core::adjudicate::{
    self, benefit, Basis, ClaimDecision, ClaimState, Context, Finding, Lang, RuleId, Severity,
    Status,
};
use crate::core::date::{Date, Months};
use crate::core::model::*;
use crate::core::money::fmt2;
use crate::core::rules::{
    self, AccountScope, Override, Param, PharmacyMode, RuleBook, RuleVersion,
};
use crate::core::unit::{self, Unit};
use crate::input::{self, claims, csvsrc, Encoding, Reference};
use crate::partition;
use crate::say;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The version of the JSON trace format.
pub const TRACE_VERSION: u32 = 1;

/// How a trace is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Md,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "text" => Some(Format::Text),
            "json" => Some(Format::Json),
            "md" | "markdown" => Some(Format::Md),
            _ => None,
        }
    }
}

/// Why a trace cannot be given.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// Nothing to explain: an unknown claim or person, a bad argument.
    #[error("{0}")]
    Usage(String),
    /// The run cannot be reproduced: a changed or missing input, a broken
    /// manifest.
    #[error("{0}")]
    Run(String),
}

/// What to explain and how.
#[derive(Debug, Clone)]
pub struct Request {
    pub run: PathBuf,
    pub claim_ids: Vec<String>,
    pub persons: Vec<String>,
    pub lang: Lang,
    pub format: Format,
}

// ---------- the trace (JSON: `trace_version` 1) ----------

/// A whole answer: the run it explains and one trace per claim.
#[derive(Debug, Serialize)]
pub struct TraceDoc {
    pub trace_version: u32,
    pub run: RunInfo,
    pub claims: Vec<ClaimTrace>,
}

#[derive(Debug, Serialize)]
pub struct RunInfo {
    pub dir: String,
    pub period: String,
    /// What-if overrides the run used, as `city.parameter = value (source)`.
    pub overrides: Vec<String>,
}

/// One claim, from its checks to what each payer paid.
#[derive(Debug, Serialize)]
pub struct ClaimTrace {
    pub claim_id: String,
    pub person_id: String,
    pub institution_id: String,
    pub service_time: String,
    pub visit_type: String,
    pub settlement_mode: String,
    pub submitted_date: Option<String>,
    pub reverses_claim_id: Option<String>,
    pub status: String,
    pub reasons: Vec<String>,
    pub payee: String,
    /// The insuring city's rule version in force on the service date.
    pub rules: Option<RulesInForce>,
    /// §8 reversal pairing, then the §2 checks in order.
    pub checks: Vec<CheckStep>,
    /// Whether the §3 line rules ran (not for a claim decided whole by a
    /// check: its lines are listed, all excluded).
    pub line_rules_applied: bool,
    pub lines: Vec<LineTrace>,
    pub remote: Option<RemoteTrace>,
    pub benefit: Option<BenefitTrace>,
    pub account: Option<AccountTrace>,
    /// Flags (payment unchanged), each pointing at what it repeats.
    pub flags: Vec<FindingView>,
    /// The payments.csv figures of the claim.
    pub figures: Figures,
}

#[derive(Debug, Serialize)]
pub struct RulesInForce {
    pub city: String,
    pub file: String,
    pub version: usize,
    pub in_force_from: String,
}

#[derive(Debug, Serialize)]
pub struct CheckStep {
    pub order: u32,
    pub rule: String,
    /// `passed`, `decided` or `not_reached`.
    pub outcome: &'static str,
    /// The values compared.
    pub compared: String,
    pub article: String,
}

#[derive(Debug, Serialize)]
pub struct LineTrace {
    pub line_no: u32,
    pub item_code: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
    pub supply_days: Option<u32>,
    /// The catalogue entry used: `local` (of the place of treatment),
    /// `general`, or `none`; with its kind and class.
    pub catalogue: CatalogueView,
    pub steps: Vec<LineStep>,
    /// What the line brings to the claim's eligible amount (before any
    /// remote prepay).
    pub eligible: String,
}

#[derive(Debug, Serialize)]
pub struct CatalogueView {
    pub entry: &'static str,
    pub region: Option<String>,
    pub kind: Option<String>,
    pub class: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct LineStep {
    pub rule: String,
    pub moved: String,
    pub base_after: String,
    pub detail: String,
    pub article: String,
}

#[derive(Debug, Serialize)]
pub struct RemoteTrace {
    pub remote: bool,
    pub institution_city: String,
    pub insuring_city: String,
    pub registration: Option<String>,
    pub registered_long_term: bool,
    pub why: String,
    pub prepay_share: Option<ParamView>,
    pub prepay: String,
}

#[derive(Debug, Serialize)]
pub struct BenefitTrace {
    pub year: i32,
    pub deductible_met_before: String,
    pub pool_paid_before: String,
    pub eligible: String,
    pub deductible: ParamView,
    pub deductible_applied: String,
    pub ratio: Option<ParamView>,
    pub ratio_source: String,
    pub raw: String,
    pub cap: ParamView,
    pub cap_room: String,
    pub cap_cut: String,
    pub fund_pay: String,
    pub deductible_met_after: String,
    pub pool_paid_after: String,
}

#[derive(Debug, Serialize)]
pub struct AccountTrace {
    pub account_type: String,
    pub scope: ParamView,
    pub balance_before: String,
    pub account_pay: String,
    pub balance_after: String,
    pub cash_pay: String,
    /// Family sharing (POLICY.md §6a): the parts of `account_pay` from the
    /// member's own account and from grantors' (`G1:12.30;G2:5.00`).
    pub own_account_pay: String,
    pub family_account_pay: String,
    pub family_payers: String,
}

/// A parameter as used: value, article, and its marks.
#[derive(Debug, Serialize)]
pub struct ParamView {
    pub path: String,
    pub value: String,
    pub article: String,
    pub provisional: bool,
    pub overridden: bool,
}

#[derive(Debug, Serialize)]
pub struct FindingView {
    pub rule: String,
    pub line_no: Option<u32>,
    pub amount: String,
    pub detail: String,
    pub article: String,
}

/// The claim's payments.csv figures (money with two decimals).
#[derive(Debug, Serialize)]
pub struct Figures {
    pub total: String,
    pub excluded: String,
    pub b_selfpay: String,
    pub remote_prepay: String,
    pub eligible: String,
    pub deductible_applied: String,
    pub ratio: Option<String>,
    pub fund_pay: String,
    pub cap_cut: String,
    pub account_pay: String,
    pub cash_pay: String,
}

// ---------- reloading the run ----------

/// Everything the run read, reloaded and checked.
struct Reloaded {
    reference: Reference,
    prior: input::Prior,
    ledger: input::Ledger,
    claims: Vec<Claim>,
    quarantined: BTreeMap<String, String>,
    period: Months,
    overrides: Vec<Override>,
}

fn manifest(run: &Path) -> Result<Value, ExplainError> {
    let path = run.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        ExplainError::Run(format!(
            "{}: cannot read the run's manifest: {e}",
            path.display()
        ))
    })?;
    serde_json::from_str(&text)
        .map_err(|e| ExplainError::Run(format!("{}: not a run manifest: {e}", path.display())))
}

fn field<'a>(v: &'a Value, key: &str, at: &str) -> Result<&'a str, ExplainError> {
    v[key]
        .as_str()
        .ok_or_else(|| ExplainError::Run(format!("manifest.json: {at}: no `{key}`")))
}

/// Check a file against the hash the run recorded.
fn verify(path: &str, sha256: &str) -> Result<(), ExplainError> {
    let bytes = std::fs::read(path).map_err(|e| {
        ExplainError::Run(format!(
            "{path}: cannot read an input of the run: {e} (run explain from the directory the run was made in)"
        ))
    })?;
    let now = csvsrc::sha256_hex(&bytes);
    if now != sha256 {
        return Err(ExplainError::Run(format!(
            "{path} has changed since the run (SHA-256 {} then, {} now): the trace would not explain the run's payments",
            &sha256[..sha256.len().min(12)],
            &now[..12]
        )));
    }
    Ok(())
}

fn reload(run: &Path) -> Result<Reloaded, ExplainError> {
    let m = manifest(run)?;
    let run_err = |e: String| ExplainError::Run(e);
    let period_text = field(&m, "period", "top")?;
    let period = Months::parse(period_text)
        .ok_or_else(|| run_err(format!("manifest.json: period `{period_text}`")))?;

    // Every input and rule file, as it was.
    let mut by_role: BTreeMap<String, Vec<(String, Encoding)>> = BTreeMap::new();
    for i in m["inputs"].as_array().into_iter().flatten() {
        let (role, path) = (field(i, "role", "inputs")?, field(i, "path", "inputs")?);
        verify(path, field(i, "sha256", path)?)?;
        let enc = i["encoding"]
            .as_str()
            .and_then(Encoding::parse)
            .unwrap_or_default();
        by_role
            .entry(role.to_string())
            .or_default()
            .push((path.to_string(), enc));
    }
    let mut book = RuleBook::default();
    for r in m["rules"].as_array().into_iter().flatten() {
        let path = field(r, "path", "rules")?;
        verify(path, field(r, "sha256", path)?)?;
        let city = rules::load_file(Path::new(path)).map_err(|e| run_err(e.to_string()))?;
        book.cities.insert(city.city.clone(), city);
    }
    let mut overrides = Vec::new();
    for o in m["overrides"].as_array().into_iter().flatten() {
        overrides.push(Override {
            city: field(o, "city", "overrides")?.to_string(),
            path: field(o, "parameter", "overrides")?.to_string(),
            value: field(o, "value", "overrides")?.to_string(),
            source: field(o, "source", "overrides")?.to_string(),
        });
    }
    rules::apply_overrides(&mut book, &overrides).map_err(run_err)?;

    let one = |role: &str| -> Result<(PathBuf, Encoding), ExplainError> {
        by_role
            .get(role)
            .and_then(|v| v.first())
            .map(|(p, e)| (PathBuf::from(p), *e))
            .ok_or_else(|| run_err(format!("manifest.json: no `{role}` input")))
    };
    let input_err = |e: input::InputError| run_err(e.to_string());
    let cities: Vec<String> = book.cities.keys().cloned().collect();
    let (mp, me) = one("members")?;
    let (ip, ie) = one("institutions")?;
    let (cp, ce) = one("catalogue")?;
    let members = input::reference::read_members(&mp, &me.into(), &cities).map_err(input_err)?;
    let institutions = input::reference::read_institutions(&ip, &ie.into()).map_err(input_err)?;
    let catalogue = input::reference::read_catalogue(&cp, &ce.into()).map_err(input_err)?;
    // Family sharing (POLICY.md §6a): the run's bindings, when it read any.
    let family = match by_role.get("family").and_then(|v| v.first()) {
        Some((p, e)) => {
            input::family::read_family(Path::new(p), &(*e).into(), &members.value)
                .map_err(input_err)?
                .value
        }
        None => Default::default(),
    };
    let stays = match by_role.get("stays").and_then(|v| v.first()) {
        Some((p, e)) => {
            input::reference::read_stays(Path::new(p), &(*e).into())
                .map_err(input_err)?
                .value
        }
        None => Default::default(),
    };
    let ledger = match by_role.get("ledger").and_then(|v| v.first()) {
        Some((p, e)) => {
            input::reference::read_ledger(Path::new(p), &(*e).into())
                .map_err(input_err)?
                .value
        }
        None => input::Ledger::default(),
    };
    let prior_paths: Vec<PathBuf> = by_role
        .get("prior")
        .map(|v| v.iter().map(|(p, _)| PathBuf::from(p)).collect())
        .unwrap_or_default();
    let prior_enc = by_role
        .get("prior")
        .and_then(|v| v.first())
        .map(|(_, e)| *e)
        .unwrap_or_default();
    let (prior, _) =
        input::prior::read_prior(&prior_paths, &prior_enc.into()).map_err(input_err)?;

    // The claims, grouped and checked as the run did.
    let claim_inputs = by_role.get("claims").cloned().unwrap_or_default();
    let claim_enc = match claim_inputs.first() {
        Some((_, e)) if claim_inputs.iter().all(|(_, x)| x == e) => *e,
        _ => Encoding::Auto,
    };
    let paths: Vec<PathBuf> = claim_inputs.iter().map(|(p, _)| PathBuf::from(p)).collect();
    let (files, _) = claims::read_claims(&paths, &claim_enc.into()).map_err(input_err)?;
    let (mut scan, mut lines) = partition::scan(&files, 1, None, &Default::default())
        .map_err(|e| run_err(format!("reading the claims again: {e}")))?;
    let pending = lines
        .take(0)
        .map_err(|e| run_err(format!("reading the claims again: {e}")))?;
    let grouped = claims::group(&files, pending, Some(period.last_day()), &mut scan.files);
    let mut quarantined = BTreeMap::new();
    for r in scan.rejects.iter().chain(grouped.rejects.iter()) {
        if !r.claim_id.is_empty() {
            quarantined
                .entry(r.claim_id.clone())
                .or_insert_with(|| format!("{}:{}: {} {}", r.file, r.line, r.column, r.reason));
        }
    }
    Ok(Reloaded {
        reference: Reference {
            members: members.value,
            institutions: institutions.value,
            catalogue: catalogue.value,
            stays,
            family,
            rules: book,
        },
        prior,
        ledger,
        claims: grouped.claims,
        quarantined,
        period,
        overrides,
    })
}

// ---------- explaining ----------

/// Explain what `req` asks for.
pub fn explain(req: &Request) -> Result<String, ExplainError> {
    if req.claim_ids.is_empty() && req.persons.is_empty() {
        return Err(ExplainError::Usage(
            "name a claim (tongchou explain CLAIM_ID --run OUT_DIR) or a person (--person PERSON_ID)"
                .into(),
        ));
    }
    let doc = trace(req)?;
    Ok(match req.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&doc)
                .map_err(|e| ExplainError::Run(format!("writing the trace: {e}")))?;
            s.push('\n');
            s
        }
        Format::Text => render(&doc, req.lang, false),
        Format::Md => render(&doc, req.lang, true),
    })
}

/// Build the traces (in the order asked: claims, then each person's claims
/// in §1 order).
pub fn trace(req: &Request) -> Result<TraceDoc, ExplainError> {
    let run = reload(&req.run)?;
    let by_id: BTreeMap<&str, &Claim> = run
        .claims
        .iter()
        .map(|c| (c.claim_id.as_str(), c))
        .collect();
    // (person, the claims to show) in the order asked.
    let mut wanted: Vec<(String, Option<String>)> = Vec::new();
    for id in &req.claim_ids {
        let Some(c) = by_id.get(id.as_str()) else {
            return Err(ExplainError::Usage(match run.quarantined.get(id) {
                Some(why) => {
                    format!("claim {id} was quarantined, not adjudicated (see rejects.csv): {why}")
                }
                None => format!("no claim {id} in this run"),
            }));
        };
        wanted.push((c.person_id.clone(), Some(id.clone())));
    }
    for p in &req.persons {
        if !run.claims.iter().any(|c| &c.person_id == p) {
            return Err(ExplainError::Usage(format!(
                "person {p} has no claim in this run"
            )));
        }
        wanted.push((p.clone(), None));
    }

    let cx = Context {
        reference: &run.reference,
        prior: &run.prior,
        lang: req.lang,
    };
    // Each wanted person's settlement unit is adjudicated once, whole.
    let mut done: BTreeMap<String, (adjudicate::UnitOutcome, Vec<ClaimState>)> = BTreeMap::new();
    let mut out = Vec::new();
    for (person, claim) in wanted {
        // Family sharing (POLICY.md §6a): the person's account group.
        let family = &run.reference.family;
        let key = family.group_key(unit::key_of(&person));
        if !done.contains_key(key) {
            let mine: Vec<&Claim> = run
                .claims
                .iter()
                .filter(|c| family.group_key(&c.person_id) == key)
                .collect();
            let mut states = Vec::new();
            let outcome = adjudicate::adjudicate_unit_traced(
                &cx,
                &Unit::new(key, mine),
                &run.ledger,
                &mut states,
            );
            done.insert(key.to_string(), (outcome, states));
        }
        let (outcome, states) = &done[key];
        for (d, st) in outcome.decisions.iter().zip(states) {
            if d.person_id != person {
                continue;
            }
            if claim.as_ref().is_none_or(|id| id == &d.claim_id) {
                let c = by_id[d.claim_id.as_str()];
                out.push(claim_trace(&run.reference, c, d, st, req.lang));
            }
        }
    }
    Ok(TraceDoc {
        trace_version: TRACE_VERSION,
        run: RunInfo {
            dir: req.run.display().to_string(),
            period: run.period.to_string(),
            overrides: run.overrides.iter().map(|o| o.to_string()).collect(),
        },
        claims: out,
    })
}

fn article(f: &Finding) -> String {
    match &f.basis {
        Basis::Rule(r) => r.basis().to_string(),
        Basis::Param(s) => s.to_string(),
    }
}

fn param_view<T>(path: &str, value: String, p: &Param<T>) -> ParamView {
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
const CHECKS: &[RuleId] = &[
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

fn opt_date(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}

fn yes(lang: Lang, b: bool) -> &'static str {
    match (lang, b) {
        (Lang::Zh, true) => "是",
        (Lang::Zh, false) => "否",
        (Lang::En, true) => "yes",
        (Lang::En, false) => "no",
    }
}

/// The values a check compares, as the core saw them.
fn compared(
    rule: RuleId,
    r: &Reference,
    c: &Claim,
    member: Option<&Member>,
    inst: Option<&Institution>,
    version: Option<&RuleVersion>,
    lang: Lang,
) -> String {
    let date = c.service_date();
    let (pid, iid) = (&c.person_id, &c.institution_id);
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
                let (city, cat) = (&m.city, m.category.as_str());
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
                    i.kind.as_str(),
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
            let x = c.exclusion.map(|x| x.as_str()).unwrap_or("—");
            say!(lang, "除外情形: {x}", "excluded cause: {x}")
        }
        RuleId::MANUAL_LATE => {
            let mode = c.settlement_mode.as_str();
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
            let v = c.visit_type.as_str();
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
                    i.kind.as_str(),
                    yes(lang, i.remote_settlement),
                    c.settlement_mode.as_str(),
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
                .map(|i| i.kind.as_str())
                .unwrap_or("—");
            let at = inst.map(|i| i.kind.as_str()).unwrap_or("—");
            say!(
                lang,
                "机构类型 {at}, 药店支付方式 {mode}, 开方机构 {p} ({kind})",
                "{at}, pharmacy mode {mode}, prescriber {p} ({kind})"
            )
        }
        _ => String::new(),
    }
}

fn claim_trace(
    r: &Reference,
    c: &Claim,
    d: &ClaimDecision,
    st: &ClaimState,
    lang: Lang,
) -> ClaimTrace {
    let date = c.service_date();
    let member = r.members.get(&c.person_id);
    let inst = r.institutions.get(&c.institution_id);
    let in_force = member.and_then(|m| r.rules.in_force(&m.city, date));
    let version = in_force.map(|(_, v)| v);

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
    let decided_at = decided.map(|f| match f.rule {
        RuleId::REVERSAL_UNKNOWN => 0,
        rule => CHECKS.iter().position(|x| *x == rule).unwrap_or(0),
    });
    let mut checks = Vec::new();
    for (i, rule) in CHECKS.iter().enumerate() {
        let (outcome, text, art) = match decided_at {
            Some(k) if i == k => {
                let f = decided.expect("decided_at comes from decided");
                ("decided", f.detail.clone(), article(f))
            }
            Some(k) if i > k => ("not_reached", String::new(), rule.basis().to_string()),
            _ => (
                "passed",
                compared(*rule, r, c, member, inst, version, lang),
                rule.basis().to_string(),
            ),
        };
        let rule_shown = match (i, decided) {
            (0, Some(f)) if decided_at == Some(0) => f.rule,
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

    // Lines: the catalogue entry, then every line rule in the order the
    // core applied it, with the base left after it.
    let reached_lines = matches!(d.status, Status::Paid | Status::PoolDenied);
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
            item_code: l.item_code.clone(),
            quantity: l.quantity.to_string(),
            unit_price: fmt2(l.unit_price),
            amount: fmt2(l.amount),
            supply_days: l.supply_days,
            catalogue,
            steps,
            eligible: fmt2(base),
        });
    }

    let paid = d.status == Status::Paid;
    let remote = match (member, inst, version) {
        (Some(m), Some(i), Some(v)) if reached_lines => {
            let is_remote = i.city != m.city;
            let long_term = benefit::is_registered_long_term(m, i, date);
            let registration = m.remote.as_ref().map(|x| {
                format!(
                    "{} {} [{}, {}]",
                    x.remote_type.as_str(),
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
            Some(RemoteTrace {
                remote: is_remote,
                institution_city: i.city.clone(),
                insuring_city: m.city.clone(),
                registration,
                registered_long_term: long_term,
                why,
                prepay_share: share,
                prepay: fmt2(d.remote_prepay),
            })
        }
        _ => None,
    };

    let benefit_trace = match (member, inst, version) {
        (Some(m), Some(i), Some(v)) if paid => {
            let cat = m.category;
            let cat_s = cat.as_str();
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
                    let kind = i.kind.as_str();
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
            Some(BenefitTrace {
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
            })
        }
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
        .map(|f| FindingView {
            rule: f.rule.to_string(),
            line_no: f.line_no,
            amount: fmt2(f.amount),
            detail: f.detail.clone(),
            article: article(f),
        })
        .collect();

    ClaimTrace {
        claim_id: c.claim_id.clone(),
        person_id: c.person_id.clone(),
        institution_id: c.institution_id.clone(),
        service_time: c.service_time.to_string(),
        visit_type: c.visit_type.as_str().to_string(),
        settlement_mode: c.settlement_mode.as_str().to_string(),
        submitted_date: c.submitted_date.map(|d| d.to_string()),
        reverses_claim_id: c.reverses_claim_id.clone(),
        status: d.status.as_str().to_string(),
        reasons: d.reasons.iter().map(|r| r.to_string()).collect(),
        payee: d.payee.as_str().to_string(),
        rules: in_force.and_then(|(k, v)| {
            let m = member?;
            Some(RulesInForce {
                city: m.city.clone(),
                file: r
                    .rules
                    .cities
                    .get(&m.city)
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

// ---------- text and Markdown ----------

/// Lines of a trace: titles, items and sub-items; text indents them,
/// Markdown makes headings and lists of them.
struct Doc {
    md: bool,
    out: String,
}

impl Doc {
    fn title(&mut self, level: usize, s: &str) {
        if self.md {
            let _ = writeln!(self.out, "\n{} {s}\n", "#".repeat(level + 1));
        } else if level == 1 {
            let _ = writeln!(self.out, "\n{s}\n{}", "=".repeat(s.chars().count().min(72)));
        } else {
            let _ = writeln!(self.out, "\n{s}");
        }
    }
    fn item(&mut self, s: &str) {
        let _ = writeln!(self.out, "{}{s}", if self.md { "- " } else { "  " });
    }
    fn sub(&mut self, s: &str) {
        let _ = writeln!(self.out, "{}{s}", if self.md { "  - " } else { "      " });
    }
}

fn marks(p: &ParamView, lang: Lang) -> String {
    let mut m = String::new();
    if p.provisional {
        m.push_str(&say!(lang, " [暂定]", " [provisional]"));
    }
    if p.overridden {
        m.push_str(&say!(lang, " [已覆盖]", " [overridden]"));
    }
    m
}

fn render(doc: &TraceDoc, lang: Lang, md: bool) -> String {
    let mut w = Doc {
        md,
        out: String::new(),
    };
    let (dir, period) = (&doc.run.dir, &doc.run.period);
    let head = say!(
        lang,
        "结算明细说明 — 结算期 {period}, 结算结果目录 {dir}",
        "Settlement trace — period {period}, run {dir}"
    );
    if md {
        let _ = writeln!(w.out, "# {head}");
    } else {
        let _ = writeln!(w.out, "{head}");
    }
    for o in &doc.run.overrides {
        w.item(&say!(lang, "假设调整: {o}", "what-if: {o}"));
    }
    for c in &doc.claims {
        claim_text(&mut w, c, lang);
    }
    w.out
}

fn claim_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    let (id, p, i, t) = (
        &c.claim_id,
        &c.person_id,
        &c.institution_id,
        &c.service_time,
    );
    w.title(
        1,
        &say!(
            lang,
            "结算 {id} — 参保人 {p}, 机构 {i}, {t}",
            "Claim {id} — person {p}, institution {i}, {t}"
        ),
    );
    let (v, m, st, payee) = (&c.visit_type, &c.settlement_mode, &c.status, &c.payee);
    let reasons = if c.reasons.is_empty() {
        "—".to_string()
    } else {
        c.reasons.join(", ")
    };
    w.item(&say!(
        lang,
        "就诊类型 {v}, 结算方式 {m}; 结果 {st}, 原因 {reasons}; 支付对象 {payee}",
        "visit {v}, settlement {m}; status {st}, reasons {reasons}; payee {payee}"
    ));
    if let Some(s) = &c.submitted_date {
        w.item(&say!(lang, "申报日期 {s}", "handed in {s}"));
    }
    match &c.rules {
        Some(r) => {
            let (city, from, file, k) = (&r.city, &r.in_force_from, &r.file, r.version + 1);
            w.item(&say!(
                lang,
                "适用规则: {city} 第 {k} 版, 自 {from} 起施行 ({file})",
                "rules: {city} version {k}, in force from {from} ({file})"
            ));
        }
        None => w.item(&say!(
            lang,
            "适用规则: 无 (参保人未知或无有效规则)",
            "rules: none (unknown member or no rules in force)"
        )),
    }

    w.title(
        2,
        &say!(
            lang,
            "一、结算检查 (POLICY §8, §2 依次)",
            "1. Claim checks (POLICY §8, then §2 in order)"
        ),
    );
    for s in &c.checks {
        let mark = match (s.outcome, lang) {
            ("passed", Lang::Zh) => "通过",
            ("passed", Lang::En) => "passed",
            ("decided", Lang::Zh) => "决定",
            ("decided", Lang::En) => "DECIDED",
            (_, Lang::Zh) => "未检查",
            (_, Lang::En) => "not reached",
        };
        if s.outcome == "not_reached" {
            w.item(&format!("[{mark}] {}", s.rule));
        } else {
            w.item(&format!("[{mark}] {}: {}", s.rule, s.compared));
            w.sub(&format!("{} {}", say!(lang, "依据", "article:"), s.article));
        }
    }

    w.title(2, &say!(lang, "二、费用明细", "2. Lines"));
    if !c.line_rules_applied {
        w.item(&say!(
            lang,
            "结算已由上述检查决定, 明细不再逐条审核, 全部不予统筹支付",
            "the claim was decided by the checks above: line rules not applied, nothing eligible"
        ));
    }
    for l in &c.lines {
        let (no, code, q, pr, a) = (
            l.line_no,
            &l.item_code,
            &l.quantity,
            &l.unit_price,
            &l.amount,
        );
        let cat = match l.catalogue.entry {
            "none" => say!(lang, "目录: 无", "catalogue: none"),
            e => {
                let region = l.catalogue.region.as_deref().unwrap_or_default();
                let kind = l.catalogue.kind.as_deref().unwrap_or_default();
                let class = l.catalogue.class.as_deref().unwrap_or_default();
                match (e, lang) {
                    ("local", Lang::Zh) => {
                        format!("目录: 就医地 {region} 条目, {kind}, {class} 类")
                    }
                    ("local", Lang::En) => {
                        format!("catalogue: local entry ({region}), {kind}, class {class}")
                    }
                    (_, Lang::Zh) => format!("目录: 通用条目, {kind}, {class} 类"),
                    (_, Lang::En) => format!("catalogue: general entry, {kind}, class {class}"),
                }
            }
        };
        let days = l
            .supply_days
            .map(|d| say!(lang, ", 用药 {d} 天", ", {d} days supplied"))
            .unwrap_or_default();
        w.item(&say!(
            lang,
            "第 {no} 行 {code}: {q} × {pr} = {a}{days}; {cat}",
            "line {no} {code}: {q} × {pr} = {a}{days}; {cat}"
        ));
        for s in &l.steps {
            let (rule, moved, base, detail, art) =
                (&s.rule, &s.moved, &s.base_after, &s.detail, &s.article);
            w.sub(&say!(
                lang,
                "{rule}: 移出 {moved}, 余 {base} — {detail} ({art})",
                "{rule}: moves {moved}, base after {base} — {detail} ({art})"
            ));
        }
        let e = &l.eligible;
        w.sub(&say!(lang, "计入可报费用 {e}", "eligible {e}"));
    }

    if let Some(r) = &c.remote {
        w.title(2, &say!(lang, "三、异地就医", "3. Remote care"));
        w.item(&r.why);
        if let Some(reg) = &r.registration {
            w.item(&say!(lang, "备案: {reg}", "registration: {reg}"));
        }
        if let Some(s) = &r.prepay_share {
            let (val, art, mk, pp) = (&s.value, &s.article, marks(s, lang), &r.prepay);
            w.item(&say!(
                lang,
                "先行支付比例 {val}{mk}: 个人先付 {pp} ({art})",
                "share paid first {val}{mk}: the member pays {pp} first ({art})"
            ));
        }
    }

    if let Some(b) = &c.benefit {
        w.title(
            2,
            &say!(
                lang,
                "四、起付线、支付比例与年度限额",
                "4. Deductible, ratio and annual cap"
            ),
        );
        let (y, dm, pp) = (b.year, &b.deductible_met_before, &b.pool_paid_before);
        w.item(&say!(
            lang,
            "{y} 年此前累计: 起付已计 {dm}, 统筹已付 {pp}",
            "{y} year to date before this claim: deductible met {dm}, pool paid {pp}"
        ));
        let (el, dv, dmk, da, dart) = (
            &b.eligible,
            &b.deductible.value,
            marks(&b.deductible, lang),
            &b.deductible_applied,
            &b.deductible.article,
        );
        w.item(&say!(
            lang,
            "可报费用 {el}; 起付标准 {dv}{dmk}, 本次计入 {da} ({dart})",
            "eligible {el}; deductible {dv}{dmk}, {da} taken by this claim ({dart})"
        ));
        if let Some(r) = &b.ratio {
            let (rv, rmk, src, art) = (&r.value, marks(r, lang), &b.ratio_source, &r.article);
            w.item(&say!(
                lang,
                "支付比例 {rv}{rmk}: {src} ({art})",
                "ratio {rv}{rmk}: {src} ({art})"
            ));
            let raw = &b.raw;
            w.sub(&say!(
                lang,
                "({el} − {da}) × {rv} = {raw}",
                "({el} − {da}) × {rv} = {raw}"
            ));
        }
        let (cv, cmk, room, cut, fund, art) = (
            &b.cap.value,
            marks(&b.cap, lang),
            &b.cap_room,
            &b.cap_cut,
            &b.fund_pay,
            &b.cap.article,
        );
        w.item(&say!(
            lang,
            "年度限额 {cv}{cmk}, 尚余 {room}; 削减 {cut}; 统筹支付 {fund} ({art})",
            "annual cap {cv}{cmk}, {room} left; cut {cut}; fund pays {fund} ({art})"
        ));
        let (ma, pa) = (&b.deductible_met_after, &b.pool_paid_after);
        w.item(&say!(
            lang,
            "本次后累计: 起付已计 {ma}, 统筹已付 {pa}",
            "after this claim: deductible met {ma}, pool paid {pa}"
        ));
    }

    if c.benefit.is_none() && c.status == "pool_denied" {
        w.title(
            2,
            &say!(
                lang,
                "四、起付线、支付比例与年度限额",
                "4. Deductible, ratio and annual cap"
            ),
        );
        w.item(&say!(
            lang,
            "统筹不予支付 (pool_denied): 不计起付线, 不计年度累计",
            "the pool pays nothing (pool_denied): no deductible taken, year-to-date totals unchanged"
        ));
    }
    if let Some(a) = &c.account {
        w.title(
            2,
            &say!(lang, "五、个人账户与现金", "5. Personal account and cash"),
        );
        let (ty, sv, smk, sart, bb, ap, ba, cash) = (
            &a.account_type,
            &a.scope.value,
            marks(&a.scope, lang),
            &a.scope.article,
            &a.balance_before,
            &a.own_account_pay,
            &a.balance_after,
            &a.cash_pay,
        );
        w.item(&say!(
            lang,
            "账户类型 {ty}, 支付范围 {sv}{smk} ({sart})",
            "account {ty}, scope {sv}{smk} ({sart})"
        ));
        w.item(&say!(
            lang,
            "余额 {bb} → 账户支付 {ap} → 余额 {ba}; 现金 {cash}",
            "balance {bb} → account pays {ap} → balance {ba}; cash {cash}"
        ));
        // Family sharing (POLICY.md §6a).
        if !a.family_payers.is_empty() {
            let (fam, payers) = (&a.family_account_pay, &a.family_payers);
            w.item(&say!(
                lang,
                "家庭共济 (POLICY §6a): 授权人账户支付 {fam} ({payers})",
                "family sharing (POLICY §6a): grantors' accounts pay {fam} ({payers})"
            ));
        }
    }

    w.title(
        2,
        &say!(
            lang,
            "六、疑点 (不影响支付)",
            "6. Flags (payment unchanged)"
        ),
    );
    if c.flags.is_empty() {
        w.item(&say!(lang, "无", "none"));
    }
    for f in &c.flags {
        let at = f
            .line_no
            .map(|n| say!(lang, " 第 {n} 行", " line {n}"))
            .unwrap_or_default();
        let (rule, amt, detail, art) = (&f.rule, &f.amount, &f.detail, &f.article);
        w.item(&format!("{rule}{at} ({amt}): {detail} ({art})"));
    }

    let g = &c.figures;
    w.title(2, &say!(lang, "七、结算结果", "7. Result"));
    let ratio = g.ratio.as_deref().unwrap_or("—");
    let (total, ex, bs, rp, el) = (
        &g.total,
        &g.excluded,
        &g.b_selfpay,
        &g.remote_prepay,
        &g.eligible,
    );
    w.item(&say!(
        lang,
        "总费用 {total} = 不予支付 {ex} + 乙类先自付 {bs} + 异地先付 {rp} + 可报 {el}",
        "total {total} = excluded {ex} + class-B self-paid {bs} + remote prepay {rp} + eligible {el}"
    ));
    let (da, cut) = (&g.deductible_applied, &g.cap_cut);
    w.item(&say!(
        lang,
        "起付 {da}, 比例 {ratio}, 限额削减 {cut}",
        "deductible {da}, ratio {ratio}, cap cut {cut}"
    ));
    let (f, a, cash) = (&g.fund_pay, &g.account_pay, &g.cash_pay);
    w.item(&say!(
        lang,
        "统筹支付 {f} + 个人账户 {a} + 现金 {cash} = {total}",
        "fund {f} + account {a} + cash {cash} = {total}"
    ));
}
