//! Stage 3, adjudicating: one partition's lines grouped into claims, the
//! claims into settlement units, and every unit adjudicated by the core in
//! parallel. The ledger rows of the units adjudicated are replaced by their
//! totals after the period.

use crate::core::adjudicate::clearing::Clearing;
use crate::core::adjudicate::{self, ClaimDecision, Context, Lang};
use crate::core::date::Months;
use crate::core::model::{Claim, Id};
use crate::core::unit;
use crate::input::claims::{self, Pending};
use crate::input::csvsrc::CsvFile;
use crate::input::platform::Declared;
use crate::input::{ClaimFileStat, Grouped, Ledger};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::collections::HashMap;

/// Group one partition's pending lines into claims (what cannot be grouped
/// is in the result's `rejects`), in `room`: an earlier partition's emptied
/// list of claims, whose memory is reused rather than taken fresh.
pub fn group(
    files: &[CsvFile],
    pending: &[Pending],
    period: Months,
    stats: &mut [ClaimFileStat],
    room: Vec<Claim>,
) -> Grouped {
    claims::group(files, pending, Some(period.last_day()), stats, room)
}

/// Adjudicate every settlement unit of a partition's claims. Returns the
/// decisions; `ledger` takes each unit's totals after the period and
/// `versions_used` the rule versions the core applied.
/// The decisions go into `room` (an earlier partition's emptied list,
/// whose memory is reused).
pub fn units(
    cx: &Context<'_>,
    grouped: &Grouped,
    ledger: &mut Ledger,
    versions_used: &mut BTreeSet<(Id, usize)>,
    room: Vec<ClaimDecision>,
) -> Vec<ClaimDecision> {
    // Settlement units (POLICY §1, §6a) in parallel; each unit's claims
    // in §1 order.
    // Family sharing (POLICY.md §6a): a unit is an account group.
    let units = unit::form_groups(&grouped.claims, &cx.reference.family);
    let mut decisions = room;
    decisions.clear();
    decisions.reserve(grouped.claims.len());
    // A slice of units at a time: their decisions are moved into place
    // while still in cache, and the memory they were built in is reused by
    // the next slice's rather than a month's worth taken fresh. A unit
    // reads and replaces only its own persons' ledger rows, so taking an
    // earlier slice's rows first changes nothing a later unit sees.
    for slice in units.chunks(UNITS_AT_ONCE) {
        let outcomes: Vec<adjudicate::UnitOutcome> = slice
            .par_iter()
            .map(|u| adjudicate::adjudicate_unit(cx, u, ledger))
            .collect();
        for o in outcomes {
            versions_used.extend(o.versions_used);
            ledger.replace(o.ledger);
            decisions.extend(o.decisions);
        }
    }
    decisions
}

/// Units adjudicated together between two moves of their decisions (a few
/// megabytes of decisions: small enough to stay in cache, large enough
/// that every thread has many units to take).
const UNITS_AT_ONCE: usize = 4096;

/// POLICY §10 clearing: compare a partition's decisions with what the
/// platform layout's settlements declared (`DECLARED_MISMATCH` findings and
/// the clearing figures), and note what `PRICE_CAP` and `SUPPLY_DAYS` cut
/// off each claim when payments.csv is written under the platform's names
/// (its `overlmt_selfpay`).
/// `declared` is what the settlements of the partition's claims declared
/// (the platform layout only).
pub fn clear(
    declared: Option<&HashMap<String, Declared>>,
    lang: Lang,
    platform_columns: bool,
    decisions: &mut [ClaimDecision],
    clearing: &mut Clearing,
    overlimit: &mut HashMap<String, Decimal>,
) {
    if let Some(d) = declared {
        clearing.compare(decisions, d, lang == Lang::En);
    }
    if platform_columns {
        overlimit.extend(crate::output::platform_columns::overlimit(decisions));
    }
}
