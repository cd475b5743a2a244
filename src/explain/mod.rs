//! `tongchou explain`: the whole computation of one claim (or one person's
//! month, the 结算单 a clerk prints), step by step, with the article behind
//! each step.
//!
//! It reloads exactly what the run used, from its manifest.json: the input
//! files (each checked against its SHA-256 first, so a trace never explains
//! data the run did not see), the rule files and the what-if overrides. It
//! then re-adjudicates only the settlement units of the persons asked for
//! through the same core, watched by [`adjudicate::adjudicate_unit_traced`], so the trace and
//! payments.csv come from one computation. Everything else in a trace is
//! read from the decision (its findings, in the order the core made them)
//! and from the inputs the core looked at.
//!
//! The JSON form is a versioned format (`trace_version`), documented in the
//! README. The folder: [`reload`] (the run's inputs, as the run read
//! them), [`doc`] (the trace's shape), [`trace`] (building it from the
//! core's decision) and [`render`] (text and Markdown).

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

mod doc;
mod names;
mod reload;
mod render;
mod trace;

pub use doc::*;
use reload::reload;
use render::render;
use trace::claim_trace;

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
                Some(r) => {
                    let why = r.located(req.lang);
                    say!(
                        req.lang,
                        "结算单 {id} 已暂扣, 未结算 (见 rejects.csv): {why}",
                        "claim {id} was quarantined, not adjudicated (see rejects.csv): {why}"
                    )
                }
                None => say!(
                    req.lang,
                    "本次运行中没有结算单 {id}",
                    "no claim {id} in this run"
                ),
            }));
        };
        wanted.push((c.person_id.to_string(), Some(id.clone())));
    }
    for p in &req.persons {
        if !run.claims.iter().any(|c| c.person_id == p) {
            return Err(ExplainError::Usage(say!(
                req.lang,
                "参保人 {p} 在本次运行中没有结算单",
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
            let mut outcome = adjudicate::adjudicate_unit_traced(
                &cx,
                &Unit::new(key, mine),
                &run.ledger,
                &mut states,
            );
            // POLICY §10, as the run compared them: a same-run pair
            // belongs to one person, so to this unit.
            adjudicate::clearing::Clearing::default().compare(
                &mut outcome.decisions,
                &run.declared,
                req.lang == Lang::En,
            );
            done.insert(key.to_string(), (outcome, states));
        }
        let (outcome, states) = &done[key];
        for (d, st) in outcome.decisions.iter().zip(states) {
            if d.person_id != person {
                continue;
            }
            if claim.as_ref().is_none_or(|id| id == d.claim_id) {
                let c = by_id[d.claim_id.as_str()];
                let mut t = claim_trace(&run.reference, c, d, st, req.lang);
                t.clearing = trace::clearing_trace(d, run.declared.get(d.claim_id.as_str()));
                out.push(t);
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
