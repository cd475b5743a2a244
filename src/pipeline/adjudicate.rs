//! Stage 3, adjudicating: one partition's lines grouped into claims, the
//! claims into settlement units, and every unit adjudicated by the core in
//! parallel. The ledger rows of the units adjudicated are replaced by their
//! totals after the period.

use crate::core::adjudicate::{self, ClaimDecision, Context};
use crate::core::date::Months;
use crate::core::unit;
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
    // Settlement units (POLICY §1, §6a) in parallel; each unit's claims
    // in §1 order.
    // Family sharing (POLICY.md §6a): a unit is an account group.
    let units = unit::form_groups(&grouped.claims, &cx.reference.family);
    let outcomes: Vec<adjudicate::UnitOutcome> = units
        .par_iter()
        .map(|u| adjudicate::adjudicate_unit(cx, u, ledger))
        .collect();
    drop(units);
    let mut decisions: Vec<ClaimDecision> = Vec::with_capacity(grouped.claims.len());
    for o in outcomes {
        versions_used.extend(o.versions_used);
        ledger.replace(o.ledger);
        decisions.extend(o.decisions);
    }
    decisions
}
