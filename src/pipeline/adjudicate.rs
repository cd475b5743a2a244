//! Stage 3, adjudicating: one partition's lines grouped into claims, the
//! claims into settlement units, and every unit adjudicated by the core in
//! parallel. The ledger rows of the units adjudicated are replaced by their
//! totals after the period.

use crate::core::adjudicate::{self, ClaimDecision, Context};
use crate::core::date::Months;
use crate::core::model::Claim;
use crate::input::claims::{self, Pending};
use crate::input::csvsrc::CsvFile;
use crate::input::{ClaimFileStat, Grouped, Ledger};
use rayon::prelude::*;
use std::collections::BTreeSet;

/// Group one partition's pending lines into claims (what cannot be grouped
/// is in the result's `rejects`).
pub fn group(
    files: &[CsvFile],
    pending: Vec<Pending>,
    period: Months,
    stats: &mut [ClaimFileStat],
) -> Grouped {
    claims::group(files, pending, Some(period.last_day()), stats)
}

/// Adjudicate every settlement unit of a partition's claims. Returns the
/// decisions; `ledger` takes each unit's totals after the period and
/// `versions_used` the rule versions the core applied.
pub fn units(
    cx: &Context<'_>,
    grouped: &Grouped,
    ledger: &mut Ledger,
    versions_used: &mut BTreeSet<(String, usize)>,
) -> Vec<ClaimDecision> {
    // ---- settlement units: today one person, each person's claims in
    // §1 order; adjudicated in parallel ----
    let mut by_person: rustc_hash::FxHashMap<&str, Vec<&Claim>> = Default::default();
    for c in &grouped.claims {
        by_person.entry(c.person_id.as_str()).or_default().push(c);
    }
    let mut persons: Vec<(&str, Vec<&Claim>)> = by_person.into_iter().collect();
    persons.sort_unstable_by_key(|(p, _)| *p);
    let rows = &ledger.rows;
    let outcomes: Vec<adjudicate::PersonOutcome> = persons
        .par_iter_mut()
        .map(|(pid, claims)| {
            let rows = rows.get(*pid).map(Vec::as_slice).unwrap_or_default();
            adjudicate::adjudicate_person(cx, pid, claims, rows)
        })
        .collect();
    drop(persons);
    let mut decisions: Vec<ClaimDecision> = Vec::with_capacity(grouped.claims.len());
    for o in outcomes {
        versions_used.extend(o.versions_used);
        if let Some(first) = o.ledger.first() {
            ledger.rows.insert(first.person_id.clone(), o.ledger);
        }
        decisions.extend(o.decisions);
    }
    // ---- end of settlement units ----
    decisions
}
