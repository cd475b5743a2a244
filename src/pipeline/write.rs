//! Stage 5, writing: every output into the staging directory (see
//! [`crate::output::staging`]), each through a [`Hashing`] writer so its
//! size and SHA-256 are known once written, for the manifest, without
//! reading it back.

use crate::core::adjudicate::clearing::Clearing;
use crate::core::adjudicate::{ClaimDecision, Lang};
use crate::core::date::Months;
use crate::core::members::Members;
use crate::core::model::Institution;
use crate::input::{IdMap, Ledger, Reference, Reject};
use crate::output::accounts::Balanced;
use crate::output::merge::PartWriter;
use crate::output::people_rows::PeopleRows;
use crate::output::staging::{Staging, StagingError, Written};
use crate::output::workbook_job;
use crate::output::{self, Leads, LineKeys, PaymentNames, Summary};
use crate::progress::Progress;
use crate::run::{RunConfig, RunError};
use rayon::prelude::*;
use rust_decimal::Decimal;
use sha2::Digest;
use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A writer that hashes and counts the bytes written through it.
pub struct Hashing<W> {
    inner: W,
    hasher: sha2::Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    pub fn new(inner: W) -> Hashing<W> {
        Hashing {
            inner,
            hasher: sha2::Sha256::new(),
            bytes: 0,
        }
    }

    /// The bytes written and their SHA-256 (hex).
    pub fn finish(self) -> (u64, String) {
        (self.bytes, crate::digest::hex(&self.hasher.finalize()))
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Only what the file took is hashed.
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// How an output is written: into the writer given.
pub type Writing<'a> = &'a dyn Fn(&mut dyn Write) -> io::Result<()>;

/// The output directory being written: its staging directory, and every
/// output written so far with its size and hash (in the order written).
pub struct Outputs {
    staging: Staging,
    dir: PathBuf,
    written: Vec<Written>,
    /// Begin each `.csv` file with a UTF-8 byte-order mark (`--csv-bom`).
    csv_bom: bool,
}

impl Outputs {
    /// Start writing `out_dir` (refused as `staging` says).
    pub fn create(cfg: &RunConfig, out_dir: &Path) -> Result<Outputs, RunError> {
        Ok(Outputs {
            staging: Staging::create(out_dir, cfg.force, &cfg.inputs())?,
            dir: out_dir.to_path_buf(),
            written: Vec::new(),
            csv_bom: cfg.csv_bom,
        })
    }

    /// Write one output file.
    pub fn stage(&mut self, name: &str, f: Writing<'_>) -> Result<(), RunError> {
        self.stage_send(name, |w| f(w))
    }

    /// Write one output file through a writer that may be handed to
    /// another thread (the Parquet writer asks for one).
    pub fn stage_send(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
    ) -> Result<(), RunError> {
        let mut w = self.open(name)?;
        f(&mut w).map_err(|e| self.error(name, e))?;
        self.close(name, w)
    }

    /// Write two output files at once (payments.csv and audit.csv, from
    /// one visit of each claim); listed as written in the order named.
    pub fn stage_pair(
        &mut self,
        [a, b]: [&str; 2],
        f: impl FnOnce(&mut dyn Write, &mut dyn Write) -> io::Result<()>,
    ) -> Result<(), RunError> {
        let mut wa = self.open(a)?;
        let mut wb = self.open(b)?;
        // Which of the two failed, to name it.
        let failed_b = std::cell::Cell::new(false);
        let mut nb = Noting {
            inner: &mut wb,
            failed: &failed_b,
        };
        if let Err(e) = f(&mut wa, &mut nb) {
            return Err(self.error(if failed_b.get() { b } else { a }, e));
        }
        self.close(a, wa)?;
        self.close(b, wb)
    }

    fn error(&self, name: &str, source: io::Error) -> RunError {
        RunError::Output {
            path: self.dir.join(name),
            source,
        }
    }

    /// A staged file's writer, its byte-order mark written.
    fn open(&mut self, name: &str) -> Result<BufWriter<Hashing<std::fs::File>>, RunError> {
        let file = self.staging.file(name).map_err(|e| self.error(name, e))?;
        // Buffered before the hash: the hash sees large blocks, and sees
        // them as the file receives them.
        let mut w = BufWriter::with_capacity(1 << 20, Hashing::new(file));
        if self.csv_bom && name.ends_with(".csv") {
            // Part of the file, so part of its hash.
            w.write_all("\u{feff}".as_bytes())
                .map_err(|e| self.error(name, e))?;
        }
        Ok(w)
    }

    /// Finish a staged file: flushed, and listed with its size and hash.
    fn close(&mut self, name: &str, w: BufWriter<Hashing<std::fs::File>>) -> Result<(), RunError> {
        // Flushes, and surfaces a full disk as an error.
        let hashed = w
            .into_inner()
            .map_err(|e| self.error(name, e.into_error()))?;
        let (bytes, sha256) = hashed.finish();
        self.written.push(Written {
            name: name.to_string(),
            bytes,
            sha256,
        });
        Ok(())
    }

    /// Where a staged output is, to read it back before the commit
    /// (Parquet is built from the staged CSVs).
    pub fn staged_path(&self, name: &str) -> PathBuf {
        self.staging.staged_path(name)
    }

    /// The outputs written so far.
    pub fn written(&self) -> &[Written] {
        &self.written
    }

    /// Put the outputs in place, all at once.
    pub fn commit(self) -> Result<(), StagingError> {
        self.staging.commit()
    }
}

/// A writer that notes whether a write to it failed.
struct Noting<'a, W> {
    inner: W,
    failed: &'a std::cell::Cell<bool>,
}

impl<W: Write> Write for Noting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.failed.set(self.failed.get() || r.is_err());
        r
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.failed.set(self.failed.get() || r.is_err());
        r
    }
}

/// Refuse a forbidden output directory before the work, when it is known
/// now (checked again when it is written).
pub fn precheck(cfg: &RunConfig) -> Result<(), RunError> {
    let known_out =
        (cfg.out.clone()).or_else(|| cfg.period.map(|p| cfg.out_root.join(p.to_string())));
    if let Some(out) = known_out {
        Staging::precheck(&out, cfg.force, &cfg.inputs())?;
    }
    Ok(())
}

/// How payments.csv and audit.csv name what they write: payments.csv's
/// columns under the platform's names (`--columns platform`, whose
/// `overlmt_selfpay` is `overlimit`), audit.csv's lines by `line_keys`.
pub struct Naming<'a> {
    pub platform_columns: bool,
    pub overlimit: &'a HashMap<String, Decimal>,
    pub line_keys: &'a LineKeys,
}

impl Naming<'_> {
    fn payments(&self) -> PaymentNames<'_> {
        if self.platform_columns {
            PaymentNames::Platform {
                overlimit: self.overlimit,
            }
        } else {
            PaymentNames::Own
        }
    }
}

/// A spilled month's part files (payments, audit) written so far, and the
/// memory of the last ones' indexes, reused by the next partition's.
#[derive(Default)]
pub struct Parts {
    pub written: Vec<(PathBuf, PathBuf)>,
    index_rooms: [Vec<u8>; 2],
}

/// Write partition `p`'s decisions in claim_id order: straight into the
/// output when the month is one partition (no `spill` area), else into
/// parts in the spill area (`spill` is the area and `p`), listed in
/// `parts`, that [`merge_parts`] merges.
pub fn partition(
    cfg: &RunConfig,
    out: &mut Option<Outputs>,
    out_dir: &Path,
    spill: Option<(&Path, usize)>,
    decisions: &[ClaimDecision],
    naming: &Naming<'_>,
    parts: &mut Parts,
) -> Result<(), RunError> {
    let mut ordered: Vec<&ClaimDecision> = decisions.iter().collect();
    // As text (`as_str`): `Id`'s own `Ord` is a call not inlined.
    ordered.par_sort_unstable_by(|a, b| a.claim_id.as_str().cmp(b.claim_id.as_str()));
    match spill {
        None => {
            let o = match out {
                Some(o) => o,
                None => out.insert(Outputs::create(cfg, out_dir)?),
            };
            o.stage_pair(["payments.csv", "audit.csv"], |pay, aud| {
                output::write_claims(pay, aud, &ordered, naming.payments(), naming.line_keys)
            })?;
        }
        Some((area, p)) => {
            let pay = area.join(format!("payments-{p:04}.part"));
            let aud = area.join(format!("audit-{p:04}.part"));
            let part_err = |path: &Path| {
                let path = path.to_path_buf();
                move |source| RunError::Output {
                    path: path.clone(),
                    source,
                }
            };
            // The parts' indexes are built in the last partition's room.
            let [pay_room, aud_room] = &mut parts.index_rooms;
            let mut wp =
                PartWriter::reusing(&pay, std::mem::take(pay_room)).map_err(part_err(&pay))?;
            let mut wa =
                PartWriter::reusing(&aud, std::mem::take(aud_room)).map_err(part_err(&aud))?;
            // A part's error names the part; which one is not known here.
            output::spill_claims(
                &mut wp,
                &mut wa,
                &ordered,
                naming.payments(),
                naming.line_keys,
            )
            .map_err(part_err(&pay))?;
            *pay_room = wp.finish().map_err(part_err(&pay))?;
            *aud_room = wa.finish().map_err(part_err(&aud))?;
            parts.written.push((pay, aud));
        }
    }
    Ok(())
}

/// Merge the partitions' parts into payments.csv and audit.csv (their rows
/// already under the names `naming` gives).
pub fn merge_parts(
    naming: &Naming<'_>,
    out: &mut Outputs,
    parts: Vec<(PathBuf, PathBuf)>,
) -> Result<(), RunError> {
    if parts.is_empty() {
        return Ok(());
    }
    let (pay, aud): (Vec<PathBuf>, Vec<PathBuf>) = parts.into_iter().unzip();
    out.stage("payments.csv", &|w| {
        output::write_header(&mut *w, &naming.payments().header())?;
        output::merge::merge(w, &pay)
    })?;
    out.stage("audit.csv", &|w| {
        output::write_header(&mut *w, output::AUDIT_HEADER)?;
        output::merge::merge(w, &aud)
    })
}

/// What the month adds up to, for the outputs after payments and audit.
pub struct Month<'a> {
    pub period: Months,
    pub rejects: &'a [Reject],
    pub ledger: &'a Ledger,
    pub summary: &'a Summary,
    pub leads: &'a Leads,
    pub clearing: &'a Clearing,
    /// accounts.csv's rows, when it is written (POLICY.md §6a).
    pub accounts: Option<&'a Balanced>,
    /// Whose accounts they are.
    pub members: &'a Members,
    pub institutions: &'a IdMap<Institution>,
    /// The language of rejects.csv's reasons.
    pub lang: Lang,
}

/// Write rejects, ledger, summary (CSV and JSON), settlement, leads and
/// accounts.
pub fn month(out: &mut Outputs, m: &Month<'_>, progress: &Progress) -> Result<(), RunError> {
    // ledger.csv by person_id (each person's rows are in year order).
    let mut ledger_out: Vec<u32> = m.ledger.persons().collect();
    ledger_out.par_sort_unstable_by(|a, b| m.ledger.person(*a).cmp(m.ledger.person(*b)));
    let mut write = |name: &str, f: Writing<'_>| {
        out.stage(name, f)?;
        progress.inc(1);
        Ok::<(), RunError>(())
    };
    write("rejects.csv", &|w| {
        output::write_rejects(w, m.rejects, m.lang)
    })?;
    write("ledger.csv", &|w| {
        output::write_ledger(w, m.ledger, &ledger_out, m.period.last)
    })?;
    write("summary.csv", &|w| {
        // Clearing's figures as optional columns.
        if m.clearing.rows.is_empty() {
            return m.summary.write_csv(w);
        }
        let mut text = Vec::new();
        m.summary.write_csv(&mut text)?;
        w.write_all(&m.clearing.extend_summary_csv(&text)?)
    })?;
    write("settlement.csv", &|w| m.summary.write_settlement(w))?;
    write("leads.csv", &|w| m.leads.write_csv(w, m.institutions))?;
    // clearing.csv when any settlement declared what it settled.
    if !m.clearing.rows.is_empty() {
        write("clearing.csv", &|w| m.clearing.write_csv(w, m.institutions))?;
    }
    if let Some(rows) = m.accounts {
        write("accounts.csv", &|w| {
            output::accounts::write_accounts(w, rows, m.members)
        })?;
    }
    write("summary.json", &|w| {
        let mut doc = m.summary.to_doc(&m.period.to_string());
        doc.flags = Some(m.leads.totals());
        if !m.clearing.rows.is_empty() {
            doc.clearing = Some(m.clearing.to_doc());
        }
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        w.write_all(b"\n")
    })
}

/// Start building settlement.xlsx from what the run kept of its claims
/// (`people`), on a thread of its own, while the other outputs are written
/// into `out`: the summary is final once the claims are all decided.
pub fn start_people(
    cfg: &RunConfig,
    out: &Outputs,
    summary: &Summary,
    reference: &Reference,
    period: Months,
    people: PeopleRows,
    clearing: &Clearing,
) -> Result<workbook_job::Job, RunError> {
    // The partitions are written: their formatting buffers go.
    output::release_buffers();
    let rows = people.finish().map_err(super::scan::spill_err)?;
    // Constant-memory sheets keep their rows in temporary files: beside
    // the staged outputs, not in a possibly small system temp directory.
    let staged = out.staged_path("settlement.xlsx");
    Ok(workbook_job::Job::start(workbook_job::Inputs {
        // The claim files' reconciliation is added later; the workbook
        // does not show it.
        summary: summary.clone(),
        institutions: reference.institutions.clone(),
        rules: reference.rules.clone(),
        lang: cfg.lang,
        period: period.to_string(),
        period_end: period.last_day(),
        rows,
        tempdir: staged
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        clearing: clearing.clone(),
    }))
}

/// Write the files made for people to open: the clerk's workbook
/// (settlement.xlsx, being built by `book`) and the fund report
/// (report.html), from what the run kept of its claims and the month, and
/// with `--parquet` typed copies of payments and audit for analysts, built
/// from the staged CSVs.
pub fn for_people(
    cfg: &RunConfig,
    out: &mut Outputs,
    m: &Month<'_>,
    reference: &Reference,
    book: workbook_job::Job,
) -> Result<(), RunError> {
    let period = m.period.to_string();
    let (xlsx, rows) = book.finish();
    let xlsx = xlsx.map_err(|source| RunError::Output {
        path: out.staged_path("settlement.xlsx"),
        source,
    })?;
    out.stage("settlement.xlsx", &|w| io::copy(&mut &xlsx, w).map(drop))?;
    drop(xlsx);
    let report = output::report::Sources {
        summary: m.summary,
        members: &reference.members,
        institutions: &reference.institutions,
        rules: &reference.rules,
        lang: cfg.lang,
        period: &period,
        period_end: m.period.last_day(),
        rows: &rows,
        ledger: m.ledger,
        leads: m.leads,
        clearing: m.clearing,
    };
    out.stage("report.html", &|w| output::report::write_report(&report, w))?;
    if cfg.parquet {
        // Parquet copies every row: read back from the staged CSVs, in
        // row groups, rather than kept.
        let (pay, aud) = (
            out.staged_path("payments.csv"),
            out.staged_path("audit.csv"),
        );
        out.stage_send("payments.parquet", |w| {
            output::columnar::write_payments(&pay, w)
        })?;
        out.stage_send("audit.parquet", |w| output::columnar::write_audit(&aud, w))?;
    }
    Ok(())
}
