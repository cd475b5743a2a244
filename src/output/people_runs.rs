//! The workbook's rows of a month adjudicated partition by partition, kept
//! on disk rather than in memory until the workbook is built.
//!
//! Each partition's rows, sorted by claim_id, become two runs (its denied
//! rows and its flagged rows) appended to one file in the run's spill area.
//! The workbook's denied and flagged sheets each merge their runs by
//! claim_id (an earlier partition first on a tie, as the part files merge),
//! reading every run through a small buffer: memory grows with the number
//! of partitions, not with the month's rows.
//!
//! The format is private to one run and is written with the line spill's
//! encoders: each claim is one record, its length first, then its ids and
//! the one sheet's rows, amounts as whole fen (exact).

use super::people_rows::{ClaimRows, DeniedRow, FlagRow, Money};
use crate::core::adjudicate::{Basis, RuleId, Status};
use crate::input::spill::{date_code, put_opt_str, put_str, put_u64, put_var, Cursor};
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

/// The two claim sheets, each with runs of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sheet {
    Denied,
    Flagged,
}

/// One run's bytes in the file.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u64,
    end: u64,
}

/// Appends each partition's runs to the file.
pub struct RunWriter {
    out: BufWriter<File>,
    written: u64,
    buf: Vec<u8>,
    denied: Vec<Run>,
    flagged: Vec<Run>,
}

impl RunWriter {
    /// A new file of runs in `area` (the run's spill area).
    pub fn create(area: &Path) -> io::Result<RunWriter> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(area.join("people-rows.bin"))?;
        Ok(RunWriter {
            out: BufWriter::with_capacity(1 << 16, file),
            written: 0,
            buf: Vec::with_capacity(512),
            denied: Vec::new(),
            flagged: Vec::new(),
        })
    }

    /// Write one partition's claims (sorted by claim_id): its denied run,
    /// then its flagged run.
    pub fn push(&mut self, claims: &[ClaimRows]) -> io::Result<()> {
        let denied = claims.iter().filter(|c| c.denied.is_some());
        let run = self.run(denied, Sheet::Denied)?;
        self.denied.push(run);
        let flagged = claims.iter().filter(|c| !c.flags.is_empty());
        let run = self.run(flagged, Sheet::Flagged)?;
        self.flagged.push(run);
        Ok(())
    }

    fn run<'a>(
        &mut self,
        claims: impl Iterator<Item = &'a ClaimRows>,
        sheet: Sheet,
    ) -> io::Result<Run> {
        let start = self.written;
        let mut body = Vec::with_capacity(512);
        for c in claims {
            body.clear();
            encode(c, sheet, &mut body);
            self.buf.clear();
            put_u64(&mut self.buf, body.len() as u64);
            self.buf.extend_from_slice(&body);
            self.out.write_all(&self.buf)?;
            self.written += self.buf.len() as u64;
        }
        Ok(Run {
            start,
            end: self.written,
        })
    }

    /// Every run written: flushed, ready to be read (also once the spill
    /// area's directory is gone, the file being open).
    pub fn finish(self) -> io::Result<Runs> {
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(Runs {
            file: Arc::new(file),
            denied: self.denied,
            flagged: self.flagged,
        })
    }
}

/// The runs of a month, to be merged sheet by sheet.
pub struct Runs {
    file: Arc<File>,
    denied: Vec<Run>,
    flagged: Vec<Run>,
}

impl Runs {
    /// Visit the claims of `sheet`'s runs by claim_id, the first `limit`
    /// rows of the sheet only.
    pub fn each<E: From<io::Error>>(
        &self,
        sheet: Sheet,
        limit: usize,
        mut visit: impl FnMut(&ClaimRows) -> Result<(), E>,
    ) -> Result<(), E> {
        let runs = match sheet {
            Sheet::Denied => &self.denied,
            Sheet::Flagged => &self.flagged,
        };
        let mut readers: Vec<Reader> = runs
            .iter()
            .map(|&r| Reader::new(&self.file, r, sheet))
            .collect();
        let mut heads = BinaryHeap::with_capacity(readers.len());
        for (run, r) in readers.iter_mut().enumerate() {
            if let Some(claim) = r.next()? {
                heads.push(Head { claim, run });
            }
        }
        let mut left = limit;
        while left > 0 {
            let Some(Head { mut claim, run }) = heads.pop() else {
                break;
            };
            match sheet {
                Sheet::Denied => left -= 1,
                Sheet::Flagged => {
                    claim.flags.truncate(left);
                    left -= claim.flags.len();
                }
            }
            visit(&claim)?;
            if let Some(claim) = readers[run].next()? {
                heads.push(Head { claim, run });
            }
        }
        Ok(())
    }
}

/// A run's next claim in the merge: the heap pops the smallest claim_id,
/// the earlier run on a tie.
struct Head {
    claim: ClaimRows,
    run: usize,
}

impl Head {
    fn key(&self) -> (&str, usize) {
        (&self.claim.claim_id, self.run)
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Head) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Head) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Head) -> Ordering {
        // Reversed: the heap is a max-heap.
        other.key().cmp(&self.key())
    }
}

/// Bytes read from a run at a time.
const CHUNK: usize = 32 << 10;

/// Reads one run's claims through a buffer of its own.
struct Reader<'f> {
    file: &'f File,
    /// The file offset to read next, and the run's end.
    next: u64,
    end: u64,
    buf: Vec<u8>,
    pos: usize,
    sheet: Sheet,
}

impl<'f> Reader<'f> {
    fn new(file: &'f File, run: Run, sheet: Sheet) -> Reader<'f> {
        Reader {
            file,
            next: run.start,
            end: run.end,
            buf: Vec::new(),
            pos: 0,
            sheet,
        }
    }

    /// Have at least `want` bytes buffered, or all the run has left.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        let have = self.buf.len() - self.pos;
        if have >= want || self.next >= self.end {
            return Ok(());
        }
        self.buf.drain(..self.pos);
        self.pos = 0;
        let more = (want.max(CHUNK) - have).min((self.end - self.next) as usize);
        let old = self.buf.len();
        self.buf.resize(old + more, 0);
        self.file.read_exact_at(&mut self.buf[old..], self.next)?;
        self.next += more as u64;
        Ok(())
    }

    fn next(&mut self) -> io::Result<Option<ClaimRows>> {
        if self.pos == self.buf.len() && self.next >= self.end {
            return Ok(None);
        }
        // A length takes at most 10 bytes.
        self.fill(10)?;
        let mut c = Cursor::new(&self.buf[self.pos..]);
        let len = c.usize().ok_or_else(damaged)?;
        self.pos += c.read();
        // A length beyond the run is damage, not a size to read.
        let left = (self.buf.len() - self.pos) as u64 + (self.end - self.next);
        if len as u64 > left {
            return Err(damaged());
        }
        self.fill(len)?;
        let body = &self.buf[self.pos..self.pos + len];
        let mut c = Cursor::new(body);
        let claim = decode(&mut c, self.sheet)
            .filter(|_| c.read() == len)
            .ok_or_else(damaged)?;
        self.pos += len;
        Ok(Some(claim))
    }
}

fn damaged() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "damaged spill file of the workbook's rows",
    )
}

fn put_money(b: &mut Vec<u8>, m: Money) {
    b.push(u8::from(m.0 < 0));
    put_var(b, m.0.unsigned_abs());
}

fn money(c: &mut Cursor<'_>) -> Option<Money> {
    let negative = c.u8()? != 0;
    let m = i128::try_from(c.var(128)?).ok()?;
    Some(Money(if negative { -m } else { m }))
}

fn rule_code(r: RuleId) -> u8 {
    RuleId::ALL.iter().position(|&x| x == r).unwrap_or(0) as u8
}

fn rule(c: &mut Cursor<'_>) -> Option<RuleId> {
    RuleId::ALL.get(c.u8()? as usize).copied()
}

/// A claim's ids, then the rows `sheet` shows of it.
fn encode(c: &ClaimRows, sheet: Sheet, b: &mut Vec<u8>) {
    put_str(b, &c.claim_id);
    put_str(b, &c.person_id);
    put_u64(b, u64::from(c.institution));
    match (sheet, &c.denied) {
        (Sheet::Denied, Some(d)) => {
            put_opt_str(b, d.city.as_deref());
            put_u64(b, date_code(Some(d.service_date)));
            b.push(Status::ALL.iter().position(|&s| s == d.status).unwrap_or(0) as u8);
            for m in d.money {
                put_money(b, m);
            }
            put_u64(b, d.reasons.len() as u64);
            for &r in d.reasons.iter() {
                b.push(rule_code(r));
            }
            put_u64(b, d.why.len() as u64);
            for w in d.why.iter() {
                put_str(b, w);
            }
        }
        (Sheet::Denied, None) => {}
        (Sheet::Flagged, _) => {
            put_u64(b, c.flags.len() as u64);
            for f in &c.flags {
                put_u64(b, f.line_no.map_or(0, |n| u64::from(n) + 1));
                b.push(rule_code(f.rule));
                put_money(b, f.amount);
                put_str(b, &f.detail);
                match &f.basis {
                    Basis::Rule(r) => {
                        b.push(0);
                        b.push(rule_code(*r));
                    }
                    Basis::Param(s) => {
                        b.push(1);
                        put_str(b, s);
                    }
                }
            }
        }
    }
}

fn decode(c: &mut Cursor<'_>, sheet: Sheet) -> Option<ClaimRows> {
    let claim_id = c.string()?.into_boxed_str();
    let person_id = c.string()?.into_boxed_str();
    let institution = c.u32()?;
    let mut claim = ClaimRows {
        claim_id,
        person_id,
        institution,
        denied: None,
        flags: Vec::new(),
    };
    match sheet {
        Sheet::Denied => {
            let city = c.opt_string()?.map(String::into_boxed_str);
            let service_date = c.date()??;
            let status = *Status::ALL.get(c.u8()? as usize)?;
            let money = [money(c)?, money(c)?, money(c)?, money(c)?];
            let reasons = (0..c.usize()?)
                .map(|_| rule(c))
                .collect::<Option<Box<[RuleId]>>>()?;
            let why = (0..c.usize()?)
                .map(|_| c.string().map(String::into_boxed_str))
                .collect::<Option<Box<[Box<str>]>>>()?;
            claim.denied = Some(Box::new(DeniedRow {
                city,
                service_date,
                status,
                money,
                reasons,
                why,
            }));
        }
        Sheet::Flagged => {
            let n = c.usize()?;
            for _ in 0..n {
                let line_no = match c.u64()? {
                    0 => None,
                    n => Some(u32::try_from(n - 1).ok()?),
                };
                let rule = rule(c)?;
                let amount = money(c)?;
                let detail = c.string()?.into_boxed_str();
                let basis = match c.u8()? {
                    0 => Basis::Rule(self::rule(c)?),
                    _ => Basis::Param(Arc::from(c.string()?)),
                };
                claim.flags.push(FlagRow {
                    line_no,
                    rule,
                    amount,
                    detail,
                    basis,
                });
            }
        }
    }
    Some(claim)
}

#[cfg(test)]
mod tests {
    use crate::core::adjudicate::{Basis, ClaimDecision, Finding, RuleId, Severity, Status};
    use crate::core::date::{Date, DateTime};
    use crate::core::model::{Claim, SettlementMode, VisitType};
    use crate::output::people_rows::{PeopleRows, Shown};
    use crate::output::workbook::{self, Sources};
    use crate::output::LineKeys;
    use rust_decimal::Decimal;
    use std::sync::Arc;

    /// Claim `k` of a partition: denied, pool_denied or paid, with up to
    /// three flagged lines (some on a parameter's basis, one with a
    /// sentence longer than a read buffer).
    fn decision(id: &str, k: u32) -> ClaimDecision {
        let claim = Claim {
            claim_id: id.into(),
            person_id: format!("P{}", k % 7).into(),
            institution_id: format!("SY-H{}", k % 3).into(),
            service_time: DateTime {
                date: Date {
                    year: 2024,
                    month: 3,
                    day: 1 + (k % 28) as u8,
                },
                seconds: 0,
            },
            visit_type: VisitType::General,
            settlement_mode: SettlementMode::Direct,
            submitted_date: None,
            exclusion: None,
            reverses_claim_id: None,
            lines: Vec::new(),
        };
        let status = match k % 5 {
            0 | 3 => Status::Denied,
            1 => Status::PoolDenied,
            _ => Status::Paid,
        };
        let city = (k % 4 != 0).then(|| "shiyan".into());
        let mut d = ClaimDecision::unpaid(&claim, city, status);
        if status != Status::Paid {
            d.reasons.push(RuleId::MEMBER_UNKNOWN);
            d.findings.push(Finding {
                line_no: None,
                rule: RuleId::MEMBER_UNKNOWN,
                severity: Severity::Deny,
                amount: Decimal::new(-(k as i64) * 1001, 3),
                detail: format!("参保人 {id} 不在名单"),
                basis: Basis::Rule(RuleId::MEMBER_UNKNOWN),
            });
        }
        for n in (1..=k % 4).rev() {
            let detail = if id < "C010" && n == 1 {
                "很长的说明".repeat(4000)
            } else {
                format!("第 {n} 行提前配药 {id}")
            };
            d.findings.push(Finding {
                line_no: (n != 3).then_some(n),
                rule: RuleId::EARLY_REFILL,
                severity: Severity::Flag,
                amount: Decimal::new(i64::from(k * 1005 + n) * (2 - i64::from(n)), 3),
                detail,
                basis: match n {
                    2 => Basis::Param(Arc::from("early_refill_days (十堰)")),
                    _ => Basis::Rule(RuleId::EARLY_REFILL),
                },
            });
        }
        d
    }

    /// Twelve partitions of claims in no order, some claim ids in two
    /// partitions.
    fn partitions() -> Vec<Vec<ClaimDecision>> {
        (0..12u32)
            .map(|p| {
                let mut ids: Vec<u32> = (0..9).map(|i| (p * 37 + i * 11) % 60).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.reverse();
                ids.iter()
                    .map(|&i| decision(&format!("C{i:03}"), i + p))
                    .collect()
            })
            .collect()
    }

    fn shown(limit: usize, area: Option<&std::path::Path>) -> Shown {
        let mut rows = PeopleRows::new(limit);
        if let Some(a) = area {
            rows.spill_to(a).unwrap();
        }
        for p in partitions() {
            rows.add(&p, &LineKeys::new()).unwrap();
        }
        rows.finish().unwrap()
    }

    fn book(s: &Shown, tempdir: &std::path::Path) -> Vec<u8> {
        // A month's summary: its sheet uses the money format before the
        // claim sheets do, as in every run with claims.
        let all: Vec<ClaimDecision> = partitions().into_iter().flatten().collect();
        let first = Date {
            year: 2024,
            month: 3,
            day: 1,
        };
        let summary = crate::output::Summary::of(&all, &[], first);
        let (rules, clearing) = Default::default();
        let src = Sources {
            summary: &summary,
            institutions: &Default::default(),
            rules: &rules,
            lang: crate::core::adjudicate::Lang::Zh,
            period: "2024-03",
            period_end: Date {
                year: 2024,
                month: 3,
                day: 31,
            },
            rows: s,
            tempdir,
            clearing: &clearing,
        };
        let mut out = std::io::Cursor::new(Vec::new());
        workbook::write(&src, &mut out).unwrap();
        out.into_inner()
    }

    /// What `sheet` shows of each claim it visits.
    fn listed(s: &Shown, sheet: super::Sheet) -> Vec<String> {
        let mut out = Vec::new();
        s.each::<std::io::Error>(sheet, |c| {
            let rows: Vec<String> = match (sheet, &c.denied) {
                (super::Sheet::Denied, Some(d)) => vec![format!(
                    "{:?} {:?} {} {:?} {:?} {:?}",
                    d.city, d.status, d.service_date, d.money, d.reasons, d.why
                )],
                (super::Sheet::Denied, None) => Vec::new(),
                (super::Sheet::Flagged, _) => c
                    .flags
                    .iter()
                    .map(|f| {
                        let (line, rule, basis) = (f.line_no, f.rule, f.basis.as_str());
                        let detail = f.detail.len();
                        format!("{line:?} {rule:?} {:?} {detail} {basis}", f.amount)
                    })
                    .collect(),
            };
            let (id, person, inst) = (&c.claim_id, &c.person_id, s.institution(c));
            out.push(format!("{id} {person} {inst} {rows:?}"));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn a_spilled_months_workbook_equals_the_one_kept_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        for limit in [7, 30, 1000] {
            let memory = shown(limit, None);
            let spilled = shown(limit, Some(dir.path()));
            for sheet in [super::Sheet::Denied, super::Sheet::Flagged] {
                let rows = listed(&memory, sheet);
                assert_eq!(rows, listed(&spilled, sheet));
                assert!(!rows.is_empty());
            }
            assert_eq!(memory.not_shown, spilled.not_shown);
            assert_eq!(memory.sums, spilled.sums);
            assert_eq!(book(&memory, dir.path()), book(&spilled, dir.path()));
            if limit == 7 {
                // Both sheets overflow: the note counts what is not shown.
                assert!(memory.not_shown.0 > 0 && memory.not_shown.1 > 0);
            }
        }
    }
}
