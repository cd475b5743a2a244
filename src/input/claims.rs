//! Claim files: parse every line, group lines into claims, and quarantine
//! what breaks the contract.
//!
//! A claim is never paid in part: when any of its lines is broken, or its
//! lines disagree on a claim-level field, every line of it goes to
//! `rejects.csv` with the reason, and the claim is not adjudicated. Every
//! line read is either in a claim or in the rejects.

use super::csvsrc::{cell, open, CellError, Encodings, Row};
use super::id::Id;
use super::{InputError, InputFile, Reason};
use crate::core::date::{Date, DateTime, Months, Period};
use crate::core::model::*;
pub(crate) use crate::schema::CLAIMS;
use rayon::prelude::*;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use std::path::PathBuf;

/// Indexes into [`CLAIMS`], for the per-line hot path.
mod col {
    pub const CLAIM_ID: usize = 0;
    pub const LINE_NO: usize = 1;
    pub const PERSON_ID: usize = 2;
    pub const INSTITUTION_ID: usize = 3;
    pub const SERVICE_TIME: usize = 4;
    pub const VISIT_TYPE: usize = 5;
    pub const ITEM_CODE: usize = 6;
    pub const QUANTITY: usize = 8;
    pub const UNIT_PRICE: usize = 9;
    pub const AMOUNT: usize = 10;
    pub const PRESCRIPTION_ID: usize = 11;
    pub const PRESCRIBER_ID: usize = 12;
    pub const SUPPLY_DAYS: usize = 13;
    pub const SETTLEMENT_MODE: usize = 14;
    pub const SUBMITTED_DATE: usize = 15;
    pub const EXCLUSION: usize = 16;
    pub const REVERSES_CLAIM_ID: usize = 17;
}

/// The most lines one claim may have. An outpatient claim has a few dozen;
/// a claim of more is a broken export (a constant claim_id, say), held back
/// rather than settled.
pub const MAX_LINES_PER_CLAIM: usize = 10_000;

/// The most bytes of a raw line copied into rejects.csv.
pub(crate) const MAX_RAW_BYTES: usize = 4096;

/// A quarantined input line (rejects.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub claim_id: String,
    pub reason: Reason,
    pub raw: String,
    pub amount: Option<Decimal>,
}

/// What one claim file contributed, for reconciliation.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimFileStat {
    pub file: InputFile,
    pub lines: u64,
    pub amount: Decimal,
    pub rejected_lines: u64,
    /// Lines and amount that went into adjudicated claims.
    pub adjudicated_lines: u64,
    pub adjudicated_amount: Decimal,
    pub rejected_amount: Decimal,
}

impl ClaimFileStat {
    /// A file's statistics before any of its lines is read.
    pub(crate) fn empty(f: &super::csvsrc::CsvFile) -> ClaimFileStat {
        ClaimFileStat {
            file: InputFile::from(f),
            lines: 0,
            amount: Decimal::ZERO,
            rejected_lines: 0,
            adjudicated_lines: 0,
            adjudicated_amount: Decimal::ZERO,
            rejected_amount: Decimal::ZERO,
        }
    }
}

/// Where a line came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Source {
    pub file: usize,
    pub line: u64,
    pub bytes: (usize, usize),
}

/// The claim-level fields as one line states them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Head {
    pub person_id: Id,
    pub institution_id: Id,
    pub service_time: DateTime,
    pub visit_type: VisitType,
    pub settlement_mode: SettlementMode,
    pub submitted_date: Option<Date>,
    pub reverses_claim_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    pub head: Head,
    pub exclusion: Option<Exclusion>,
    /// The core's line itself: its ids are held inline (see [`Id`]), so
    /// grouping copies it in place.
    pub line: ClaimLine,
}

/// A line waiting to be grouped: parsed, or broken with the reason.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pending {
    pub claim_id: Id,
    pub src: Source,
    pub amount: Option<Decimal>,
    pub parsed: Result<Parsed, CellError>,
}

/// Read every claim file. A file that cannot be read or decoded at all, or
/// whose header lacks a required column, is fatal: nothing in it could be
/// settled, and a settlement missing a whole institution's export must not
/// look complete.
pub fn read_claims(
    paths: &[PathBuf],
    encoding: &Encodings,
) -> Result<(Vec<super::csvsrc::CsvFile>, Vec<String>), InputError> {
    // Opening hashes and checks each file whole: files in parallel (each
    // closed once opened, so the threads bound the files open at once).
    let opened: Vec<Result<super::csvsrc::CsvFile, InputError>> = paths
        .par_iter()
        .map(|p| open(p, CLAIMS, encoding.for_file("claims", p)))
        .collect();
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for (p, f) in paths.iter().zip(opened) {
        let f = f?;
        if !f.unknown_columns.is_empty() {
            warnings.push(
                crate::input::reason::Warning::UnknownColumns {
                    file: p.display().to_string(),
                    columns: f.unknown_columns.join(", "),
                }
                .to_string(),
            );
        }
        files.push(f);
    }
    Ok((files, warnings))
}

/// What scanning the claim files found: per-file statistics, the lines
/// that belong to no claim, and the latest service date parsed.
#[derive(Debug, Default)]
pub struct Scan {
    pub files: Vec<ClaimFileStat>,
    pub rejects: Vec<Reject>,
    pub latest: Option<Date>,
    /// One per file whose ids had invisible characters stripped.
    pub warnings: Vec<String>,
    /// What scanning the platform layout's fee files noted for the join,
    /// a part per fee file, in file order.
    pub(crate) fee_notes: Vec<super::platform::FeeNotes>,
}

/// Where scanning sends each line of a claim, with the line's person cell
/// as written ("" when missing), which chooses its partition.
pub(crate) type Sink<'s> = dyn FnMut(&str, Pending) -> std::io::Result<()> + 's;

/// A reader of a scan: a claim file's index and the part of it read.
pub(crate) type Reader = (usize, super::csvsrc::Part);

/// The least bytes a part of a file is cut to: below it, a reader of its
/// own costs more than it saves.
const MIN_PART_BYTES: u64 = 16 << 20;

/// The readers that scan `files` on `threads` threads: a claim file large
/// next to the others is cut into parts (see `csvsrc::Part`), so that a
/// month of one large file is read by every thread, not one; the
/// platform layout's fee files are read whole.
pub(crate) fn readers(
    files: &[super::csvsrc::CsvFile],
    platform: Option<&super::platform::Platform>,
    threads: usize,
) -> Vec<Reader> {
    readers_sized(files, platform, threads, MIN_PART_BYTES)
}

/// [`readers`], parts no smaller than `min_part` bytes.
pub(crate) fn readers_sized(
    files: &[super::csvsrc::CsvFile],
    platform: Option<&super::platform::Platform>,
    threads: usize,
    min_part: u64,
) -> Vec<Reader> {
    let fee = |fi: usize| platform.is_some_and(|p| p.is_fee_file(fi));
    let claim_bytes: u64 = (0..files.len())
        .filter(|&fi| !fee(fi))
        .map(|fi| files[fi].bytes)
        .sum();
    let threads = threads.max(1) as u64;
    let target = (claim_bytes / threads).max(min_part.max(1));
    let mut readers = Vec::with_capacity(files.len());
    for (fi, f) in files.iter().enumerate() {
        let n = match fee(fi) {
            true => 1,
            false => ((f.bytes + target / 2) / target).clamp(1, threads),
        };
        readers.extend(f.parts(n as usize).into_iter().map(|part| (fi, part)));
    }
    readers
}

/// Parse every claim file, parts of files in parallel ([`readers`]),
/// sending each line of a claim to the sink `sink_of(reader index)` makes.
/// Results are joined in reader order, which is file order, so they do
/// not depend on which thread finished first (nor on how many there were:
/// a file's parts read together as the file).
/// `done` is called on a reader's sink once its part is scanned (to close
/// what it holds open: a month may have more files than a process may
/// open at once). `read` is told, as the files are read, how many more of
/// their bytes were (a file's size in all, once it is done).
/// The platform layout's fee files among `files` are read by `platform`
/// (joined with their settlements) instead of as claim files. Only the
/// files `wanted` says are read; the others count nothing.
#[allow(clippy::too_many_arguments)]
pub(crate) fn scan<S: Send>(
    files: &[super::csvsrc::CsvFile],
    platform: Option<&super::platform::Platform>,
    readers: &[Reader],
    wanted: &(dyn Fn(usize) -> bool + Sync),
    sink_of: impl Fn(usize) -> S + Sync,
    feed: impl Fn(&mut S, &str, Pending) -> std::io::Result<()> + Sync,
    done: impl Fn(usize, &mut S) -> std::io::Result<()> + Sync,
    read: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(Scan, Vec<S>)> {
    type PartScan<S> = (
        ClaimFileStat,
        Vec<Reject>,
        Option<Date>,
        S,
        u64,
        Option<super::platform::FeeNotes>,
    );
    let parsed: Vec<std::io::Result<PartScan<S>>> = readers
        .par_iter()
        .enumerate()
        .map(|(ri, &(fi, part))| {
            let f = &files[fi];
            let mut sink = sink_of(ri);
            if !wanted(fi) {
                return Ok((ClaimFileStat::empty(f), Vec::new(), None, sink, 0, None));
            }
            let mut to_sink = |person: &str, p| feed(&mut sink, person, p);
            let (stat, rejects, latest, stripped, notes) =
                match platform.filter(|p| p.is_fee_file(fi)) {
                    Some(p) => {
                        let (stat, rejects, latest, notes) =
                            p.scan_file(files, fi, &mut to_sink, read)?;
                        (stat, rejects, latest, 0, Some(notes))
                    }
                    None => {
                        let (stat, rejects, latest, stripped) =
                            parse_file(files, (fi, part), &mut to_sink, read)?;
                        (stat, rejects, latest, stripped, None)
                    }
                };
            done(ri, &mut sink)?;
            Ok((stat, rejects, latest, sink, stripped, notes))
        })
        .collect();
    let mut scan = Scan::default();
    let mut sinks = Vec::with_capacity(readers.len());
    // What a file's parts found, added up: its statistics, and whether its
    // ids had invisible characters stripped.
    // A file's parts are consecutive readers.
    let mut stripped = vec![0u64; files.len()];
    let mut last_file = None;
    for (r, &(fi, _)) in parsed.into_iter().zip(readers) {
        let (stat, rejects, latest, sink, n, notes) = r?;
        scan.fee_notes.extend(notes);
        stripped[fi] += n;
        match scan.files.last_mut().filter(|_| last_file == Some(fi)) {
            Some(file) => {
                file.lines += stat.lines;
                file.amount += stat.amount;
            }
            None => scan.files.push(stat),
        }
        last_file = Some(fi);
        scan.rejects.extend(rejects);
        scan.latest = scan.latest.max(latest);
        sinks.push(sink);
    }
    for (f, n) in files.iter().zip(stripped) {
        scan.warnings
            .extend(super::csvsrc::stripped_warning(&f.path, n));
    }
    Ok((scan, sinks))
}

/// The period of a run: the one given, else the month of the latest
/// parsed service date (`None` when no line has one).
pub fn period_of(given: Option<Months>, scan: &Scan) -> Option<Months> {
    given.or_else(|| scan.latest.map(|d| Months::single(Period::of(d))))
}

/// Claims grouped from some lines, and what grouping quarantined.
#[derive(Debug, Default)]
pub struct Grouped {
    pub claims: Vec<Claim>,
    pub rejects: Vec<Reject>,
    /// Lines and amount that went into `claims`.
    pub lines: u64,
    pub amount: Decimal,
}

/// Group lines into claims and check each (quarantining the whole claim
/// when one line breaks it); claims whose service date is after
/// `period_end` are quarantined. Adds what went into claims to the files'
/// `adjudicated_*` statistics. The claims go into `out.claims`, emptied
/// first (a partition's list reuses the last one's room).
pub(crate) fn group(
    files: &[super::csvsrc::CsvFile],
    pending: &[Pending],
    period_end: Option<Date>,
    stats: &mut [ClaimFileStat],
    mut claims: Vec<Claim>,
) -> Grouped {
    claims.clear();
    let mut out = Grouped {
        claims,
        ..Grouped::default()
    };
    let (order, runs) = claim_runs(pending);
    out.claims.reserve(runs.len());
    // The lines are read where they are, not moved: a claim is made of
    // copies of their values (its ids owned once); the caller keeps the
    // lines (and their room, for the next partition). One scratch list
    // serves every claim.
    let mut lines: Vec<&Pending> = Vec::new();
    let mut scratch = Scratch::default();
    for run in runs {
        lines.clear();
        lines.extend(order[run].iter().map(|&i| &pending[i]));
        let Some(first) = lines.first() else {
            continue;
        };
        // The claim keeps its first line's id.
        let id = first.claim_id.as_str();
        match check_claim(id, &lines, period_end, files, &mut scratch) {
            Ok(()) => {
                let amount = lines.iter().filter_map(|p| p.amount).sum::<Decimal>();
                if let Some(stat) = stats.get_mut(first.src.file) {
                    stat.adjudicated_lines += lines.len() as u64;
                    stat.adjudicated_amount += amount;
                }
                out.lines += lines.len() as u64;
                out.amount += amount;
                out.claims.extend(into_claim(id, &lines, &scratch));
            }
            Err((culprit, column, reason)) => {
                for (i, p) in lines.iter().enumerate() {
                    let (column_of, why) = if i == culprit {
                        (column, reason.clone())
                    } else {
                        let c = &lines[culprit].src;
                        (
                            "",
                            Reason::HeldWithClaim {
                                claim: id.to_string(),
                                file: files[c.file].path.display().to_string(),
                                line: c.line,
                                cause: Box::new(reason.clone()),
                            },
                        )
                    };
                    out.rejects
                        .push(reject(files, p.src, column_of, id, why, p.amount));
                }
            }
        }
    }
    out
}

/// Lists reused from claim to claim while grouping.
#[derive(Default)]
struct Scratch<'a> {
    /// The claim's lines, parsed.
    parsed: Vec<&'a Parsed>,
    /// (line_no, position in the claim).
    numbers: Vec<(u32, usize)>,
}

/// The lines of each claim together: positions into `pending`, claim by
/// claim in claim_id order, each claim's lines in (file, line) order, and
/// the run of positions each claim has. Lines are grouped by hashing their
/// ids once, and only the claims are sorted (a few lines each), not the
/// lines: by the first 16 bytes of their ids as a number, the whole ids
/// compared only when those tie.
fn claim_runs(pending: &[Pending]) -> (Vec<usize>, Vec<std::ops::Range<usize>>) {
    let mut ids: FxHashMap<&[u8], u32> =
        FxHashMap::with_capacity_and_hasher(pending.len() / 2, Default::default());
    // Each line's claim, as the claim's number in order of first sight, and
    // each claim's first line.
    let mut claim_of: Vec<u32> = Vec::with_capacity(pending.len());
    let mut first: Vec<usize> = Vec::new();
    for (i, p) in pending.iter().enumerate() {
        let next = first.len() as u32;
        let c = *ids.entry(p.claim_id.as_bytes()).or_insert_with(|| {
            first.push(i);
            next
        });
        claim_of.push(c);
    }
    drop(ids);
    // Where each claim's run starts, then the positions, claim by claim
    // (each run in position order).
    let mut start = vec![0usize; first.len() + 1];
    for &c in &claim_of {
        start[c as usize + 1] += 1;
    }
    for c in 0..first.len() {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut order = vec![0usize; pending.len()];
    for (i, &c) in claim_of.iter().enumerate() {
        order[fill[c as usize]] = i;
        fill[c as usize] += 1;
    }
    drop(claim_of);
    let at = |i: usize| (pending[i].src.file, pending[i].src.line, i);
    let mut claims: Vec<(u128, usize)> = first
        .iter()
        .enumerate()
        .map(|(c, &i)| (super::id::prefix_key(&pending[i].claim_id), c))
        .collect();
    claims.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            // As text: the id type's own order is an out-of-line call.
            pending[first[a.1]]
                .claim_id
                .as_str()
                .cmp(pending[first[b.1]].claim_id.as_str())
        })
    });
    let runs = claims
        .into_iter()
        .map(|(_, c)| {
            let run = start[c]..start[c + 1];
            // Lines arrive in (file, line) order from the scan; a run that
            // does not (a spanning claim's lines, read partition by
            // partition) is put in that order.
            let lines = &mut order[run.clone()];
            if !lines.is_sorted_by_key(|&i| at(i)) {
                lines.sort_unstable_by_key(|&i| at(i));
            }
            run
        })
        .collect();
    (order, runs)
}

/// Order the quarantined lines by (file, line) and count them into their
/// files' statistics.
pub fn tally_rejects(stats: &mut [ClaimFileStat], rejects: &mut [Reject]) {
    rejects.par_sort_unstable_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let names: Vec<String> = stats
        .iter()
        .map(|s| s.file.path.display().to_string())
        .collect();
    for r in rejects.iter() {
        if let Some(i) = names.iter().position(|n| *n == r.file) {
            stats[i].rejected_lines += 1;
            stats[i].rejected_amount += r.amount.unwrap_or_default();
        }
    }
}

/// Parse every line of one claim file, sending each line of a claim to
/// `sink`: the file's statistics, the lines that belong to no claim, the
/// latest service date parsed, and how many ids had invisible characters
/// stripped.
fn parse_file(
    files: &[super::csvsrc::CsvFile],
    (fi, part): Reader,
    sink: &mut Sink<'_>,
    read: &(dyn Fn(u64) + Sync),
) -> std::io::Result<(ClaimFileStat, Vec<Reject>, Option<Date>, u64)> {
    let f = &files[fi];
    // Bytes told to `read` so far: told in steps of READ_STEP, not per
    // line, so that a progress bar costs nothing next to the parse. A
    // part tells the bytes from its start to its end.
    const READ_STEP: u64 = 4 << 20;
    let mut told = part.begin.min(f.bytes);
    let mut stat = ClaimFileStat::empty(f);
    let mut rejects = Vec::new();
    let mut latest: Option<Date> = None;
    let mut rows = f.records_in(part);
    while let Some(row) = rows.next_row() {
        stat.lines += 1;
        match row {
            Ok(row) => {
                // Offsets in the text as read (decoded for GB18030), so
                // capped at the file's size.
                let at = (row.byte_range.1 as u64).min(f.bytes);
                if at >= told + READ_STEP {
                    read(at - told);
                    told = at;
                }
                let src = Source {
                    file: fi,
                    line: row.line,
                    bytes: row.byte_range,
                };
                let amount = row.get_at(col::AMOUNT).and_then(|s| cell::money(s).ok());
                stat.amount += amount.unwrap_or_default();
                let parsed = parse_line(&row, amount);
                if let Ok(p) = &parsed {
                    latest = latest.max(Some(p.head.service_time.date));
                }
                // Grouped and partitioned by ids without control
                // characters: a line whose id holds one is quarantined
                // (see `parse_line`) together with the rest of its claim.
                match row.key_at(col::CLAIM_ID).filter(|k| !k.is_empty()) {
                    Some(id) => sink(
                        &row.key_at(col::PERSON_ID).unwrap_or_default(),
                        Pending {
                            claim_id: Id::new(&id),
                            src,
                            amount,
                            parsed,
                        },
                    )?,
                    None => {
                        rejects.push(reject(files, src, "claim_id", "", Reason::NoClaim, amount))
                    }
                }
            }
            Err(e) => {
                // The CSV itself is broken here (e.g. bad quoting): no
                // cell can be trusted, so the line stands alone.
                rejects.push(Reject {
                    file: f.path.display().to_string(),
                    line: e.line,
                    column: String::new(),
                    claim_id: String::new(),
                    reason: *e.message,
                    raw: String::new(),
                    amount: None,
                });
            }
        }
    }
    let stripped = rows.stripped();
    read(
        part.end
            .unwrap_or(f.bytes)
            .min(f.bytes)
            .saturating_sub(told),
    );
    Ok((stat, rejects, latest, stripped))
}

fn reject(
    files: &[super::csvsrc::CsvFile],
    src: Source,
    column: &str,
    claim_id: &str,
    reason: Reason,
    amount: Option<Decimal>,
) -> Reject {
    let f = &files[src.file];
    let text = f.raw_text(src.bytes);
    let raw = text.trim_end_matches(['\r', '\n']);
    Reject {
        file: f.path.display().to_string(),
        line: src.line,
        column: column.to_string(),
        claim_id: clip(claim_id),
        reason,
        raw: clip(raw),
        amount,
    }
}

/// At most [`MAX_RAW_BYTES`] of `s` (on a character boundary), saying how
/// long it was when cut.
fn clip(s: &str) -> String {
    if s.len() <= MAX_RAW_BYTES {
        return s.to_string();
    }
    let mut end = MAX_RAW_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], s.len())
}

/// Parse one line; `amount` is the amount cell already parsed by the caller
/// (for reconciliation), so it is not parsed twice.
fn parse_line(row: &Row<'_>, amount: Option<Decimal>) -> Result<Parsed, CellError> {
    if let Some(message) = row.undecodable() {
        return Err(CellError {
            column: "",
            message,
        });
    }
    // A record that runs over several lines and does not fit the header is
    // an unclosed quote: say so, rather than what it broke downstream.
    let malformed = row.width_mismatch.is_some() || row.oversized.is_some();
    let spans = if malformed {
        row.raw().matches('\n').count()
    } else {
        0
    };
    if spans > 0 {
        return Err(CellError {
            column: "",
            message: Reason::QuoteNotClosed { lines: spans + 1 },
        });
    }
    if let Some((col, len)) = &row.oversized {
        let column = CLAIMS
            .iter()
            .find(|c| c.name == col)
            .map(|c| c.name)
            .unwrap_or("");
        return Err(CellError {
            column,
            message: Reason::OversizedCell {
                bytes: *len,
                column: col.clone(),
                most: super::csvsrc::MAX_FIELD_BYTES,
            },
        });
    }
    if let Some((n, h)) = row.width_mismatch {
        return Err(CellError {
            column: "",
            message: Reason::WidthMismatch {
                fields: n,
                header: h,
            },
        });
    }
    row.id_at(col::CLAIM_ID)?;
    let head = Head {
        person_id: Id::new(row.need_id_at(col::PERSON_ID)?),
        institution_id: Id::new(row.need_id_at(col::INSTITUTION_ID)?),
        service_time: row.parse_req_at(col::SERVICE_TIME, cell::time)?,
        visit_type: row.parse_req_at(
            col::VISIT_TYPE,
            cell::choice(VisitType::parse, VisitType::expected()),
        )?,
        settlement_mode: row
            .parse_at(
                col::SETTLEMENT_MODE,
                cell::choice(SettlementMode::parse, SettlementMode::expected()),
            )?
            .unwrap_or(SettlementMode::Direct),
        submitted_date: row.parse_at(col::SUBMITTED_DATE, cell::date)?,
        reverses_claim_id: row.id_at(col::REVERSES_CLAIM_ID)?.map(Id::new),
    };
    let line = ClaimLine {
        line_no: row.parse_req_at(col::LINE_NO, |s| match s.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(Reason::NotLineNo {
                value: s.to_string(),
            }),
        })?,
        item_code: Id::new(row.need_id_at(col::ITEM_CODE)?),
        quantity: row.parse_req_at(col::QUANTITY, cell::decimal)?,
        // The platform layout's `pric` carries up to 6 decimals.
        unit_price: if row.fine_prices() {
            row.parse_req_at(col::UNIT_PRICE, cell::fine_price)?
        } else {
            row.parse_req_at(col::UNIT_PRICE, cell::money)?
        },
        amount: match amount {
            Some(a) => a,
            None => row.parse_req_at(col::AMOUNT, cell::money)?,
        },
        prescription_id: row.id_at(col::PRESCRIPTION_ID)?.map(Id::new),
        prescriber_id: row.id_at(col::PRESCRIBER_ID)?.map(Id::new),
        supply_days: row.parse_at(col::SUPPLY_DAYS, cell::count)?,
    };
    check_signs(&line, head.reverses_claim_id.is_some())?;
    Ok(Parsed {
        head,
        exclusion: row.parse_at(
            col::EXCLUSION,
            cell::choice(Exclusion::parse, Exclusion::expected()),
        )?,
        line,
    })
}

/// The signs of a line's quantity, amount and unit price: only a reversal
/// is negative, and quantity and amount agree.
pub(crate) fn check_signs(line: &ClaimLine, is_reversal: bool) -> Result<(), CellError> {
    if !line.quantity.is_zero()
        && !line.amount.is_zero()
        && line.quantity.is_sign_negative() != line.amount.is_sign_negative()
    {
        return Err(CellError {
            column: "amount",
            message: Reason::OppositeSigns {
                quantity: line.quantity.to_string(),
                amount: line.amount.to_string(),
            },
        });
    }
    if !is_reversal {
        if line.quantity.is_sign_negative() && !line.quantity.is_zero() {
            return Err(CellError {
                column: "quantity",
                message: Reason::NegativeQuantity,
            });
        }
        if line.amount.is_sign_negative() && !line.amount.is_zero() {
            return Err(CellError {
                column: "amount",
                message: Reason::NegativeAmount,
            });
        }
    }
    if line.unit_price.is_sign_negative() && !line.unit_price.is_zero() {
        return Err(CellError {
            column: "unit_price",
            message: Reason::NegativePrice,
        });
    }
    Ok(())
}

/// Check that a claim's lines make one claim, or say which line breaks it,
/// in which column, and why.
fn check_claim<'a>(
    id: &str,
    lines: &[&'a Pending],
    period_end: Option<Date>,
    files: &[super::csvsrc::CsvFile],
    scratch: &mut Scratch<'a>,
) -> Result<(), (usize, &'static str, Reason)> {
    let parsed = &mut scratch.parsed;
    parsed.clear();
    for (i, p) in lines.iter().enumerate() {
        match &p.parsed {
            Ok(x) => parsed.push(x),
            Err(e) => return Err((i, e.column, e.message.clone())),
        }
    }
    if lines.len() > MAX_LINES_PER_CLAIM {
        return Err((
            MAX_LINES_PER_CLAIM,
            "claim_id",
            Reason::TooManyLines {
                claim: id.to_string(),
                lines: lines.len(),
                most: MAX_LINES_PER_CLAIM,
            },
        ));
    }
    let first_file = lines[0].src.file;
    if let Some(i) = lines.iter().position(|p| p.src.file != first_file) {
        return Err((
            i,
            "claim_id",
            Reason::TwoFiles {
                claim: id.to_string(),
                first: files[first_file].path.display().to_string(),
                second: files[lines[i].src.file].path.display().to_string(),
                identical: files[first_file].sha256 == files[lines[i].src.file].sha256,
            },
        ));
    }
    let head = &parsed[0].head;
    for (i, p) in parsed.iter().enumerate().skip(1) {
        let h = &p.head;
        let differs = [
            ("person_id", h.person_id != head.person_id),
            ("institution_id", h.institution_id != head.institution_id),
            ("service_time", h.service_time != head.service_time),
            ("visit_type", h.visit_type != head.visit_type),
            ("settlement_mode", h.settlement_mode != head.settlement_mode),
            ("submitted_date", h.submitted_date != head.submitted_date),
            (
                "reverses_claim_id",
                h.reverses_claim_id != head.reverses_claim_id,
            ),
        ];
        if let Some((col, _)) = differs.iter().find(|(_, d)| *d) {
            return Err((
                i,
                col,
                Reason::LinesDisagree {
                    claim: id.to_string(),
                    column: col.to_string(),
                },
            ));
        }
    }
    // A line number twice: sort (line_no, position) pairs instead of a set
    // per claim; the culprit is the earliest repeat in file order.
    let numbers = &mut scratch.numbers;
    numbers.clear();
    numbers.extend(parsed.iter().enumerate().map(|(i, p)| (p.line.line_no, i)));
    numbers.sort_unstable();
    let repeat = numbers
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| w[1].1)
        .min();
    if let Some(i) = repeat {
        let n = parsed[i].line.line_no;
        return Err((
            i,
            "line_no",
            Reason::LineNoTwice {
                claim: id.to_string(),
                line_no: n,
            },
        ));
    }
    if let Some(end) = period_end {
        if head.service_time.date > end {
            return Err((
                0,
                "service_time",
                Reason::AfterPeriod {
                    date: head.service_time.date.to_string(),
                    end: end.to_string(),
                },
            ));
        }
    }
    Ok(())
}

/// The claim of checked lines, its values and ids copied (an inline id
/// in place) (`None` only for an empty group, which grouping never makes;
/// reconciliation would catch it). `check_claim` left each line's
/// (line_no, position) in `scratch.numbers`, sorted: the lines in
/// line_no order.
fn into_claim(id: &str, lines: &[&Pending], scratch: &Scratch<'_>) -> Option<Claim> {
    let at = |k: usize| lines.get(k).and_then(|p| p.parsed.as_ref().ok());
    let by_no = &scratch.numbers;
    // The exclusion of the first line (by line_no) that states one.
    let exclusion = by_no
        .iter()
        .find_map(|&(_, k)| at(k).and_then(|p| p.exclusion));
    let head = &at(by_no.first()?.1)?.head;
    let mut out = Vec::with_capacity(by_no.len());
    for &(_, k) in by_no {
        out.push(at(k)?.line.clone());
    }
    Some(Claim {
        claim_id: Id::from(id),
        person_id: head.person_id.clone(),
        institution_id: head.institution_id.clone(),
        service_time: head.service_time,
        visit_type: head.visit_type,
        settlement_mode: head.settlement_mode,
        submitted_date: head.submitted_date,
        exclusion,
        reverses_claim_id: head.reverses_claim_id.clone(),
        lines: out,
    })
}

#[cfg(test)]
mod tests {
    use super::{col, Parsed, Pending, CLAIMS};
    use crate::core::model::ClaimLine;
    use crate::input::csvsrc::CellError;

    /// A partition holds millions of waiting lines: each is its own
    /// bytes and nothing on the heap for its usual ids (see `Id`), and
    /// it must not grow unnoticed.
    #[test]
    fn a_waiting_line_stays_small() {
        use std::mem::size_of;
        assert!(size_of::<ClaimLine>() <= 136, "{}", size_of::<ClaimLine>());
        assert!(size_of::<Parsed>() <= 248, "{}", size_of::<Parsed>());
        assert!(size_of::<CellError>() <= size_of::<Parsed>());
        assert!(size_of::<Pending>() <= 328, "{}", size_of::<Pending>());
    }

    #[test]
    fn column_indexes_match_the_schema() {
        for (k, name) in [
            (col::CLAIM_ID, "claim_id"),
            (col::LINE_NO, "line_no"),
            (col::PERSON_ID, "person_id"),
            (col::INSTITUTION_ID, "institution_id"),
            (col::SERVICE_TIME, "service_time"),
            (col::VISIT_TYPE, "visit_type"),
            (col::ITEM_CODE, "item_code"),
            (col::QUANTITY, "quantity"),
            (col::UNIT_PRICE, "unit_price"),
            (col::AMOUNT, "amount"),
            (col::PRESCRIPTION_ID, "prescription_id"),
            (col::PRESCRIBER_ID, "prescriber_id"),
            (col::SUPPLY_DAYS, "supply_days"),
            (col::SETTLEMENT_MODE, "settlement_mode"),
            (col::SUBMITTED_DATE, "submitted_date"),
            (col::EXCLUSION, "exclusion"),
            (col::REVERSES_CLAIM_ID, "reverses_claim_id"),
        ] {
            assert_eq!(CLAIMS[k].name, name);
        }
    }
}
