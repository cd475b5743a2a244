//! The stages of `tongchou run`, in order: [`read`] the rules, reference
//! files and claim headers; [`scan`] the claim lines into partitions; per
//! partition, group and [`adjudicate`] its settlement units and [`write`]
//! its payments and audit rows; [`reconcile`] the month; write the other
//! outputs; [`commit`] the manifest and the output directory. Each stage is
//! a function of typed inputs and outputs; this file is only the sequence,
//! and the only place that joins files, the core, threads and the progress
//! bar.

pub(crate) mod adjudicate;
pub(crate) mod commit;
pub mod memory;
pub(crate) mod partition;
pub(crate) mod read;
pub(crate) mod reconcile;
pub(crate) mod scan;
pub(crate) mod write;

use crate::core::adjudicate::clearing::Clearing;
use crate::core::adjudicate::{Context, Lang};
use crate::input::csvsrc::CsvFile;
use crate::input::platform::Platform;
use crate::input::Ledger;
use crate::output::accounts::Accounts;
use crate::output::people_rows::PeopleRows;
use crate::output::{Leads, LineKeys, Summary};
use crate::progress::Progress;
use crate::run::{RunConfig, RunError, RunReport};
use reconcile::Tally;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Settle one period end to end, on the current thread pool.
pub fn settle(cfg: &RunConfig, progress: &Progress) -> Result<RunReport, RunError> {
    let t0 = Instant::now();
    let mut timings = commit::Timings::default();
    // A killed run's spill area is removed now, whether or not this run
    // spills (live runs' areas are locked and left alone).
    partition::remove_stale(&spill_parent(cfg));
    write::precheck(cfg)?;
    let mut warnings = Vec::new();
    let mut inputs = read::inputs(cfg, &mut warnings)?;
    let mut scanned = scan::scan(cfg, &mut inputs, progress, &mut warnings)?;
    let period = scanned.period;
    timings.read = t0.elapsed();
    timings.partitions = scanned.parts;

    let out_dir = cfg
        .out
        .clone()
        .unwrap_or_else(|| cfg.out_root.join(period.to_string()));
    let prior = read::prior(cfg, &out_dir, period, &mut inputs.ref_files)?;
    let cx = Context {
        prior: &prior,
        reference: &inputs.reference,
        lang: cfg.lang,
    };
    let decided = partitions(
        cfg,
        &cx,
        ClaimSources {
            files: &inputs.files,
            platform: inputs.platform.as_ref(),
        },
        &mut inputs.ledger,
        &mut scanned,
        &out_dir,
        progress,
    )?;
    let (tally, mut summary, leads) = (decided.tally, decided.summary, decided.leads);
    let (clearing, overlimit) = (decided.clearing, decided.overlimit);
    let accounts = reconcile::accounts(decided.accounts, &inputs.reference)?;
    timings.adjudicate = decided.adjudicate;
    timings.write = decided.write;
    let mut rejects = std::mem::take(&mut scanned.rejects);
    // The settlement rows of platform claims grouping held back.
    if let Some(p) = &inputs.platform {
        rejects.extend(p.settlement_rows());
    }
    reconcile::month(
        cfg,
        &tally,
        &mut scanned.scan,
        &mut rejects,
        &inputs.reference,
        period,
        &mut warnings,
    )?;

    // Write everything else, then rename into place.
    let t2 = Instant::now();
    progress.stage("writing", 8);
    let mut out = match decided.out {
        Some(o) => o,
        None => write::Outputs::create(cfg, &out_dir)?,
    };
    let book = write::start_people(
        cfg,
        &out,
        &summary,
        &inputs.reference,
        period,
        decided.people,
        &clearing,
    )?;
    let no_keys = LineKeys::new();
    let naming = write::Naming {
        platform_columns: cfg.platform_columns,
        overlimit: &overlimit,
        line_keys: inputs.platform.as_ref().map_or(&no_keys, |p| &p.line_keys),
    };
    write::merge_parts(&naming, &mut out, decided.parts_written.written)?;
    drop(scanned.lines);
    summary.files = scanned.scan.files.clone();
    let month = write::Month {
        period,
        rejects: &rejects,
        ledger: &inputs.ledger,
        summary: &summary,
        leads: &leads,
        clearing: &clearing,
        accounts: accounts.as_ref(),
        members: &inputs.reference.members,
        institutions: &inputs.reference.institutions,
        lang: cfg.lang,
    };
    write::month(&mut out, &month, progress)?;
    write::for_people(cfg, &mut out, &month, &inputs.reference, book)?;
    timings.write += t2.elapsed();
    timings.total = t0.elapsed();

    let counts = tally.counts(&scanned.scan.files, &rejects, summary.total.persons);
    let record = commit::Record {
        period,
        reference: &inputs.reference,
        ref_files: &mut inputs.ref_files,
        claim_files: &scanned.scan.files,
        counts,
        warnings: &warnings,
        ledger_chain: &scanned.ledger_chain,
        skipped_in_claims_dir: &inputs.skipped_in_claims_dir,
        platform: inputs.platform.as_ref(),
        timings,
    };
    commit::commit(cfg, out, record)?;
    progress.finish();

    let report = RunReport {
        out_dir,
        period,
        claims: tally.claims as usize,
        lines_quarantined: rejects.len(),
        warnings: printed_warnings(
            warnings,
            &inputs.reference,
            &tally,
            scanned.scan.latest,
            period,
            cfg.lang,
        ),
        summary: what_if_lines(cfg)
            + &summary.render(
                cfg.lang,
                &crate::messages::city_names(&inputs.reference.rules),
            )
            + &if clearing.rows.is_empty() {
                String::new()
            } else {
                clearing.print(cfg.lang == Lang::En)
            },
    };
    std::thread::spawn(move || drop((rejects, inputs, prior, summary)));
    Ok(report)
}

/// What the partitions decided, added up, and where their payments and
/// audit rows went.
#[derive(Default)]
struct Decided {
    tally: Tally,
    summary: Summary,
    leads: Leads,
    /// POLICY §10: declared against adjudicated (platform layout only).
    clearing: Clearing,
    /// What PRICE_CAP and SUPPLY_DAYS cut off, per claim (`--columns
    /// platform`).
    overlimit: HashMap<String, Decimal>,
    /// Each personal account's movements (POLICY.md §6a), for accounts.csv.
    accounts: Accounts,
    /// The output directory, once payments.csv and audit.csv are in it
    /// (a month of one partition writes them straight away).
    out: Option<write::Outputs>,
    /// Part files of a spilled month, to merge (and their indexes' memory).
    parts_written: write::Parts,
    /// What settlement.xlsx and report.html show of the claims.
    people: PeopleRows,
    adjudicate: Duration,
    write: Duration,
}

/// Where the claim lines came from: the claim files (the platform layout's
/// fee files among them) and the platform layout, when read.
struct ClaimSources<'a> {
    files: &'a [CsvFile],
    platform: Option<&'a Platform>,
}

/// Group, adjudicate and write each partition in turn.
fn partitions(
    cfg: &RunConfig,
    cx: &Context<'_>,
    ClaimSources { files, platform }: ClaimSources<'_>,
    ledger: &mut Ledger,
    scanned: &mut scan::Scanned,
    out_dir: &Path,
    progress: &Progress,
) -> Result<Decided, RunError> {
    let period = scanned.period;
    let mut decided = Decided::default();
    let lines_read: u64 = scanned.scan.files.iter().map(|f| f.lines).sum();
    progress.stage("adjudicating", lines_read);
    let mut freeing: Option<Freeing> = None;
    // A month adjudicated partition by partition keeps the workbook's rows
    // on disk: there may be more of them than fit the memory budget.
    if let Some(area) = scanned.lines.area() {
        decided.people.spill_to(area).map_err(scan::spill_err)?;
    }
    let parts = scanned.lines.parts();
    // Partition p + 1 is read and grouped while partition p is
    // adjudicated and written: reading and grouping are one thread each,
    // and would otherwise leave the other core idle. Its claims are held
    // beside partition p's decisions: the peaks this costs are measured in
    // bench/RESULTS.md, inside the budget's targets.
    let mut room = Room::default();
    let mut next = Some(prepare(
        &mut scanned.lines,
        &mut scanned.scan.files,
        ClaimSources { files, platform },
        period,
        (0, parts),
        &mut room.lines,
        Vec::new(),
    ));
    for p in 0..parts {
        // The previous partition's claims and decisions are freed before
        // this one is adjudicated, and their emptied lists kept for the
        // next ones (the last partition's claims have no next one).
        if let Some(h) = freeing.take() {
            if let Ok((decisions, claims)) = h.join() {
                room.decisions = decisions;
                room.claims = if p + 1 < parts { claims } else { Vec::new() };
            }
        }
        let Some(prepared) = next.take() else {
            break;
        };
        let Prepared {
            mut grouped,
            mut rejects,
            lines: n,
        } = prepared?;
        scanned.rejects.append(&mut rejects);
        scanned.rejects.append(&mut grouped.rejects);
        if cfg.strict && !scanned.rejects.is_empty() {
            if let Some(pl) = platform {
                scanned.rejects.extend(pl.settlement_rows());
            }
            return Err(reconcile::strict_error(std::mem::take(
                &mut scanned.rejects,
            )));
        }
        // What this partition's settlements declared: kept with the
        // partition when spilled, else the month's.
        let declared_here = scanned.lines.declared(p).map_err(scan::spill_err)?;
        let area = scanned.lines.area().map(Path::to_path_buf);
        let scan::Scanned {
            lines, scan: sc, ..
        } = &mut *scanned;
        let Room {
            lines: lines_room,
            claims: claims_room,
            decisions: decisions_room,
        } = &mut room;
        let (settled, prepared) = rayon::join(
            || {
                settle_partition(
                    cfg,
                    cx,
                    platform,
                    ledger,
                    &mut decided,
                    Partition {
                        p,
                        grouped,
                        declared: &declared_here,
                        area: area.as_deref(),
                        out_dir,
                        period,
                    },
                    std::mem::take(decisions_room),
                )
            },
            || {
                (p + 1 < parts).then(|| {
                    prepare(
                        lines,
                        &mut sc.files,
                        ClaimSources { files, platform },
                        period,
                        (p + 1, parts),
                        lines_room,
                        std::mem::take(claims_room),
                    )
                })
            },
        );
        next = prepared;
        freeing = Some(settled?);
        progress.inc(n);
    }
    // The last partition is freed in the background while the rest is
    // written.
    drop(freeing);
    Ok(decided)
}

/// The big lists of a partition, emptied and kept for the next partitions
/// so that their memory is reused, not taken fresh (its pages zeroed by the
/// system) each partition. Partition p + 1's lines and claims are made
/// while partition p's claims and decisions are in use, so each list here
/// is one that would be live at that point anyway: the lines' list is kept
/// between partitions (and given up before the last one is adjudicated),
/// the claims' and decisions' lists come back from the thread that frees
/// what they held.
#[derive(Default)]
struct Room {
    lines: Vec<crate::input::claims::Pending>,
    claims: Vec<crate::core::model::Claim>,
    decisions: Vec<crate::core::adjudicate::ClaimDecision>,
}

/// A partition's lines, grouped into claims, ready to adjudicate.
struct Prepared {
    grouped: crate::input::claims::Grouped,
    /// Lines the platform layout's join held back.
    rejects: Vec<crate::input::claims::Reject>,
    lines: u64,
}

/// Read partition `p` of `parts`'s lines into `pending` and group them
/// into claims, in `claims` (an earlier partition's emptied list). The
/// lines' list is left empty for the next partition, or given up after the
/// last one.
fn prepare(
    lines: &mut partition::Lines,
    stats: &mut [crate::input::claims::ClaimFileStat],
    ClaimSources { files, platform }: ClaimSources<'_>,
    period: crate::core::date::Months,
    (p, parts): (usize, usize),
    pending: &mut Vec<crate::input::claims::Pending>,
    claims: Vec<crate::core::model::Claim>,
) -> Result<Prepared, RunError> {
    lines.take_into(p, pending).map_err(scan::spill_err)?;
    let mut rejects = Vec::new();
    if let Some(pl) = platform {
        pl.join(files, pending, &mut rejects);
    }
    let n = pending.len() as u64;
    let mut grouped = adjudicate::group(files, pending, period, stats, claims);
    if p + 1 < parts {
        pending.clear();
    } else {
        *pending = Vec::new();
    }
    // Rejects of the platform layout show the platform's rows.
    if let Some(pl) = platform {
        pl.finish_rejects(files, &mut grouped.rejects);
    }
    Ok(Prepared {
        grouped,
        rejects,
        lines: n,
    })
}

/// One partition to settle.
struct Partition<'a> {
    p: usize,
    grouped: crate::input::claims::Grouped,
    declared: &'a HashMap<String, crate::input::platform::Declared>,
    area: Option<&'a Path>,
    out_dir: &'a Path,
    period: crate::core::date::Months,
}

/// Adjudicate partition `p` (its decisions in `room`, an earlier
/// partition's emptied list), add it to what the month decided and write
/// its payments and audit rows. Returns the thread freeing its claims and
/// decisions, which gives back their emptied lists.
fn settle_partition(
    cfg: &RunConfig,
    cx: &Context<'_>,
    platform: Option<&Platform>,
    ledger: &mut Ledger,
    decided: &mut Decided,
    Partition {
        p,
        grouped,
        declared,
        area,
        out_dir,
        period,
    }: Partition<'_>,
    room: Vec<crate::core::adjudicate::ClaimDecision>,
) -> Result<Freeing, RunError> {
    let no_keys = LineKeys::new();
    let t1 = Instant::now();
    let mut decisions =
        adjudicate::units(cx, &grouped, ledger, &mut decided.tally.versions_used, room);
    // What this partition's settlements declared: kept with the partition
    // when spilled, else the month's.
    let declared = platform.map(|pl| match area {
        Some(_) => declared,
        None => &pl.declared,
    });
    adjudicate::clear(
        declared,
        cfg.lang,
        cfg.platform_columns,
        &mut decisions,
        &mut decided.clearing,
        &mut decided.overlimit,
    );
    decided.adjudicate += t1.elapsed();

    // The month's tallies and the workbook's rows are kept while the
    // partition's payments and audit rows are written: neither reads what
    // the other changes, and the write is mostly one thread.
    let t2 = Instant::now();
    let spill = area.map(|a| (a, p));
    let keys = platform.map_or(&no_keys, |p| &p.line_keys);
    let Decided {
        tally,
        summary,
        leads,
        accounts,
        people,
        out,
        overlimit,
        parts_written,
        ..
    } = &mut *decided;
    let (kept, written) = rayon::join(
        || -> Result<(), RunError> {
            tally.add(&grouped, &decisions)?;
            tally.note(&decisions, period);
            summary.merge(Summary::of(&decisions, &[], period.first_day()));
            leads.merge(Leads::of(&decisions));
            accounts.add_all(&decisions, &cx.reference.members);
            people.add(&decisions, keys).map_err(scan::spill_err)
        },
        || {
            write::partition(
                cfg,
                out,
                out_dir,
                spill,
                &decisions,
                &write::Naming {
                    platform_columns: cfg.platform_columns,
                    overlimit,
                    line_keys: keys,
                },
                parts_written,
            )
        },
    );
    kept?;
    written?;
    decided.write += t2.elapsed();
    // Freeing millions of small allocations takes a noticeable part of a
    // run: let it happen off the main path.
    Ok(std::thread::spawn(move || {
        let (mut decisions, mut claims) = (decisions, grouped.claims);
        decisions.clear();
        claims.clear();
        (decisions, claims)
    }))
}

/// The thread freeing a partition's decisions and claims; it gives back
/// their emptied lists.
type Freeing = std::thread::JoinHandle<(
    Vec<crate::core::adjudicate::ClaimDecision>,
    Vec<crate::core::model::Claim>,
)>;

/// Where spill areas go: beside the output directory.
fn spill_parent(cfg: &RunConfig) -> PathBuf {
    match &cfg.out {
        Some(o) => o
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
        None => cfg.out_root.clone(),
    }
}

/// The warnings printed, in `lang`: the provisional parameters as one
/// short line per city, and the month-wide warnings in their words (the
/// manifest keeps the English list).
fn printed_warnings(
    warnings: Vec<String>,
    reference: &crate::input::Reference,
    tally: &Tally,
    latest: Option<crate::core::date::Date>,
    period: crate::core::date::Months,
    lang: crate::core::adjudicate::Lang,
) -> Vec<String> {
    let provisional = reconcile::provisional_warnings(reference, &tally.versions_used);
    let said = reconcile::said_in(reference, tally, period, latest, lang);
    warnings
        .into_iter()
        .filter(|w| !provisional.contains(w))
        .map(|w| match said.iter().find(|(en, _)| *en == w) {
            Some((_, said)) => said.clone(),
            None => crate::input::reason::Warning::say(&w, lang),
        })
        .chain(crate::messages::provisional_lines(
            &reference.rules,
            &tally.versions_used,
            lang,
        ))
        .collect()
}

/// The what-if overrides, echoed above the printed summary.
fn what_if_lines(cfg: &RunConfig) -> String {
    let mut out = String::new();
    if let Some(s) = &cfg.scenario {
        out.push_str(&format!("scenario {}: {}\n", s.name, s.description));
    }
    for o in &cfg.overrides {
        out.push_str(&format!("what-if: {o}\n"));
    }
    out
}
