//! Spill files: parsed claim lines written to disk by person partition,
//! when a month does not fit the memory budget, and read back one
//! partition at a time.
//!
//! The format is private to one run (it lives in the run's temporary
//! area and is removed with it), and compact, since every byte of it is
//! written once and read once: each line is its fields in a fixed order,
//! integers as LEB128 varints, strings length-prefixed, decimals as their
//! scale and sign in one byte and the mantissa as a varint (exact: the
//! scale comes back with the value), dates as `yyyymmdd`. A claim's
//! fields (its id, person, institution, times, modes) are written with
//! its first line only: the lines after it that share them, as the lines
//! of a claim follow each other in an export, say so in one byte. The
//! line count ends the file, so that reading it back allocates its lines
//! once.

use super::claims::{Head, Parsed, Pending, Source, CLAIMS};
use super::csvsrc::CellError;
use super::id::Id;
use crate::core::date::{Date, DateTime};
use crate::core::model::{ClaimLine, Exclusion, SettlementMode, VisitType};
use rust_decimal::Decimal;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// How many encoded bytes a writer gathers before writing them.
const WRITE_CHUNK: usize = 1 << 16;

/// Appends encoded lines to one spill file. Lines are encoded straight
/// into the writer's buffer, written out a chunk at a time.
pub(crate) struct SpillWriter {
    out: File,
    buf: Vec<u8>,
    lines: u64,
    claim: ClaimFields,
}

impl SpillWriter {
    pub fn create(path: &Path) -> io::Result<SpillWriter> {
        Ok(SpillWriter {
            out: File::create(path)?,
            buf: Vec::with_capacity(WRITE_CHUNK + 512),
            lines: 0,
            claim: ClaimFields::default(),
        })
    }

    pub fn push(&mut self, p: &Pending) -> io::Result<()> {
        encode(p, &mut self.buf, &mut self.claim);
        self.lines += 1;
        if self.buf.len() >= WRITE_CHUNK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Write the line count and what is left.
    pub fn finish(mut self) -> io::Result<()> {
        self.buf.extend_from_slice(&self.lines.to_le_bytes());
        self.out.write_all(&self.buf)
    }
}

fn damaged(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: damaged spill file", path.display()),
    )
}

/// How many lines a spill file holds, from its tail (0 for a file never
/// written), so that a partition's lines are allocated once.
pub(crate) fn count(path: &Path) -> io::Result<usize> {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    let body = len.checked_sub(8).ok_or_else(|| damaged(path))?;
    let mut tail = [0u8; 8];
    f.read_exact_at(&mut tail, body)?;
    line_count(tail, body, path)
}

/// The line count a spill file ends with, `body` bytes after its start.
/// A line takes some bytes: a count beyond them is damage, not a size to
/// allocate.
fn line_count(tail: [u8; 8], body: u64, path: &Path) -> io::Result<usize> {
    usize::try_from(u64::from_le_bytes(tail))
        .ok()
        .filter(|&n| n as u64 <= body)
        .ok_or_else(|| damaged(path))
}

/// Every line of one spill file, in the order written. A file that was
/// never written (its claim file fed no line to that partition) holds no
/// line; a spill file lost otherwise shows as lines read but never settled,
/// which reconciliation refuses.
pub(crate) fn read_all(path: &Path) -> io::Result<Vec<Pending>> {
    let mut out = Vec::new();
    read_into(path, &mut Vec::new(), &mut out, |_| true)?;
    Ok(out)
}

/// How many bytes of a spill file are read at a time: lines are decoded
/// from a small buffer reused from file to file and partition to
/// partition, not from the whole file at once (a partition's worth of
/// fresh pages every partition).
const READ_CHUNK: usize = 1 << 20;

/// Append the lines of one spill file that `keep` wants to `out`, in the
/// order written ([`read_all`]), reading the file through `buf` a chunk at
/// a time. A line is decoded from its bytes alone, so one cut short by the
/// chunk's end fails to decode (never decodes otherwise) and is decoded
/// again once the rest of it is read.
pub(crate) fn read_into(
    path: &Path,
    buf: &mut Vec<u8>,
    out: &mut Vec<Pending>,
    keep: impl Fn(&Pending) -> bool,
) -> io::Result<()> {
    buf.clear();
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let body = f
        .metadata()?
        .len()
        .checked_sub(8)
        .ok_or_else(|| damaged(path))?;
    let mut tail = [0u8; 8];
    f.read_exact_at(&mut tail, body)?;
    let count = line_count(tail, body, path)?;
    out.reserve(count);
    let mut rest = f.take(body);
    let mut n = 0usize;
    let mut claim = None;
    loop {
        // Whatever the last chunk left undecoded, then the next chunk (more
        // than one when a single line is longer than a chunk).
        let read = (&mut rest)
            .take(READ_CHUNK.max(buf.len()) as u64)
            .read_to_end(buf)?;
        let end = read == 0;
        let mut r = Cursor { b: &buf[..], at: 0 };
        while r.at < r.b.len() {
            let at = r.at;
            match decode(&mut r, &mut claim) {
                Some(p) => {
                    n += 1;
                    if keep(&p) {
                        out.push(p);
                    }
                }
                None if end => return Err(damaged(path)),
                None => {
                    r.at = at;
                    break;
                }
            }
        }
        let used = r.at;
        buf.drain(..used);
        if end {
            break;
        }
    }
    if n != count {
        return Err(damaged(path));
    }
    Ok(())
}

pub(crate) fn put_var(b: &mut Vec<u8>, mut v: u128) {
    while v >= 0x80 {
        b.push((v as u8) | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

/// [`put_var`] on 64 bits (the same bytes), for the many small numbers
/// of a line without 128-bit shifts.
pub(crate) fn put_u64(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push((v as u8) | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

pub(crate) fn put_str(b: &mut Vec<u8>, s: &str) {
    put_u64(b, s.len() as u64);
    b.extend_from_slice(s.as_bytes());
}

pub(crate) fn put_opt_str(b: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            b.push(1);
            put_str(b, s);
        }
        None => b.push(0),
    }
}

/// Scale (0-28) in the low bits, the sign in the top bit, then the
/// mantissa's magnitude: `-0.00` and `12.300` come back as written.
pub(crate) fn put_dec(b: &mut Vec<u8>, d: Decimal) {
    let sign = if d.is_sign_negative() { 0x80 } else { 0 };
    b.push(d.scale() as u8 | sign);
    // A money mantissa fits 64 bits: the same bytes without 128-bit
    // shifts.
    match u64::try_from(d.mantissa().unsigned_abs()) {
        Ok(m) => put_u64(b, m),
        Err(_) => put_var(b, d.mantissa().unsigned_abs()),
    }
}

/// What a line's reconciliation amount is: none, the line's own amount
/// (the usual case, not written twice), or a value of its own.
const AMOUNT_NONE: u8 = 0;
const AMOUNT_OF_LINE: u8 = 1;
const AMOUNT_OWN: u8 = 2;

/// A date as yyyymmdd; 0 = none.
pub(crate) fn date_code(d: Option<Date>) -> u64 {
    d.map_or(0, |d| {
        d.year as u64 * 10_000 + d.month as u64 * 100 + d.day as u64
    })
}

/// An optional small enum as its code + 1; 0 = none.
fn opt_code(c: Option<u8>) -> u8 {
    c.map_or(0, |c| c + 1)
}

/// A cell error's column as its index in the claims schema; 255 = none.
fn column_code(name: &str) -> u8 {
    CLAIMS
        .iter()
        .position(|c| c.name == name)
        .map_or(255, |i| i as u8)
}

/// What a line is: broken (with its reason), parsed with its claim's
/// fields written, or parsed with the same claim fields as the line
/// before it.
const LINE_BROKEN: u8 = 0;
const LINE_NEW_CLAIM: u8 = 1;
const LINE_SAME_CLAIM: u8 = 2;

/// The claim fields of the last parsed line written, encoded (empty after
/// a broken line), and the next line's, made beside them to compare.
#[derive(Default)]
struct ClaimFields {
    last: Vec<u8>,
    next: Vec<u8>,
}

fn encode(p: &Pending, b: &mut Vec<u8>, claim: &mut ClaimFields) {
    // Room for a usual line at once, not grown by the pushes below.
    b.reserve(256);
    let x = match &p.parsed {
        Err(e) => {
            b.push(LINE_BROKEN);
            put_str(b, &p.claim_id);
            put_src_and_amount(b, p, None);
            b.push(column_code(e.column));
            // The reason's code and arguments, worded when written.
            put_str(b, &serde_json::to_string(&e.message).unwrap_or_default());
            claim.last.clear();
            return;
        }
        Ok(x) => x,
    };
    let c = &mut claim.next;
    c.clear();
    put_str(c, &p.claim_id);
    let h = &x.head;
    put_str(c, &h.person_id);
    put_str(c, &h.institution_id);
    put_u64(c, date_code(Some(h.service_time.date)));
    put_u64(c, u64::from(h.service_time.seconds));
    c.push(h.visit_type.code());
    c.push(h.settlement_mode.code());
    put_u64(c, date_code(h.submitted_date));
    put_opt_str(c, h.reverses_claim_id.as_deref());
    c.push(opt_code(x.exclusion.map(Exclusion::code)));
    if claim.next == claim.last {
        b.push(LINE_SAME_CLAIM);
    } else {
        b.push(LINE_NEW_CLAIM);
        b.extend_from_slice(&claim.next);
        std::mem::swap(&mut claim.next, &mut claim.last);
    }
    put_src_and_amount(b, p, Some(x.line.amount));
    let l = &x.line;
    put_u64(b, u64::from(l.line_no));
    put_str(b, &l.item_code);
    put_dec(b, l.quantity);
    put_dec(b, l.unit_price);
    put_dec(b, l.amount);
    put_opt_str(b, l.prescription_id.as_deref());
    put_opt_str(b, l.prescriber_id.as_deref());
    put_u64(b, l.supply_days.map_or(0, |d| u64::from(d) + 1));
}

/// Where a line was read, and its reconciliation amount (`line_amount`:
/// the parsed line's own, which need not be written twice).
fn put_src_and_amount(b: &mut Vec<u8>, p: &Pending, line_amount: Option<Decimal>) {
    put_u64(b, p.src.file as u64);
    put_u64(b, p.src.line);
    put_u64(b, p.src.bytes.0 as u64);
    // The end as the length: a few bytes rather than an offset's many.
    put_u64(b, p.src.bytes.1.wrapping_sub(p.src.bytes.0) as u64);
    match p.amount {
        None => b.push(AMOUNT_NONE),
        // Equal and of the same scale: the same bytes come back.
        Some(a) if line_amount.is_some_and(|l| l == a && l.scale() == a.scale()) => {
            b.push(AMOUNT_OF_LINE)
        }
        Some(a) => {
            b.push(AMOUNT_OWN);
            put_dec(b, a);
        }
    }
}

/// Reads back what the `put_` encoders wrote.
pub(crate) struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Cursor<'a> {
        Cursor { b, at: 0 }
    }

    /// Bytes read so far.
    pub(crate) fn read(&self) -> usize {
        self.at
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    /// A varint of at most `bits` bits.
    pub(crate) fn var(&mut self, bits: u32) -> Option<u128> {
        let first = self.u8()?;
        // Most fields (counts, codes, small amounts) fit in one byte.
        if first < 0x80 {
            return Some(u128::from(first));
        }
        let mut v = u128::from(first & 0x7f);
        let mut shift = 7u32;
        loop {
            let byte = self.u8()?;
            let part = u128::from(byte & 0x7f);
            if shift >= bits || part >> (bits - shift) != 0 {
                return None;
            }
            v |= part << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
            shift += 7;
        }
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        let first = self.u8()?;
        if first < 0x80 {
            return Some(u64::from(first));
        }
        self.at -= 1;
        u64::try_from(self.var(64)?).ok()
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.u64()?).ok()
    }

    pub(crate) fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    pub(crate) fn string(&mut self) -> Option<String> {
        let n = self.usize()?;
        std::str::from_utf8(self.take(n)?).ok().map(str::to_owned)
    }

    pub(crate) fn opt_string(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            _ => Some(Some(self.string()?)),
        }
    }

    /// An id: validated as text, held inline when short (no allocation).
    fn id(&mut self) -> Option<Id> {
        let n = self.usize()?;
        std::str::from_utf8(self.take(n)?).ok().map(Id::new)
    }

    fn opt_id(&mut self) -> Option<Option<Id>> {
        match self.u8()? {
            0 => Some(None),
            _ => Some(Some(self.id()?)),
        }
    }

    pub(crate) fn dec(&mut self) -> Option<Decimal> {
        let head = self.u8()?;
        let scale = u32::from(head & 0x7f);
        let magnitude = self.var(96)?;
        let m = i128::try_from(magnitude).ok()?;
        let mut d = Decimal::try_from_i128_with_scale(m, scale).ok()?;
        d.set_sign_negative(head & 0x80 != 0);
        Some(d)
    }

    pub(crate) fn date(&mut self) -> Option<Option<Date>> {
        match self.u64()? {
            0 => Some(None),
            c => Some(Some(Date::new(
                i32::try_from(c / 10_000).ok()?,
                (c / 100 % 100) as u8,
                (c % 100) as u8,
            )?)),
        }
    }
}

/// A parsed line's claim fields, as the lines after it may share them.
type Claimed = (Id, Head, Option<Exclusion>);

/// Decode the next line; `claim` holds the claim fields of the last
/// parsed line decoded, and is changed only when this line decodes.
fn decode(r: &mut Cursor<'_>, claim: &mut Option<Claimed>) -> Option<Pending> {
    let kind = r.u8()?;
    // A new claim's fields become the state once the whole line decodes; a
    // line of the same claim leaves the state as it is.
    let mut fields_read = None;
    let fields = match kind {
        LINE_BROKEN => None,
        LINE_NEW_CLAIM => {
            let c = decode_claim(r)?;
            fields_read = Some(c.clone());
            Some(c)
        }
        LINE_SAME_CLAIM => Some(claim.clone()?),
        _ => return None,
    };
    let broken_id = match kind {
        LINE_BROKEN => Some(r.id()?),
        _ => None,
    };
    let file = r.usize()?;
    let line = r.u64()?;
    let start = r.usize()?;
    let src = Source {
        file,
        line,
        bytes: (start, start.checked_add(r.usize()?)?),
    };
    let amount_tag = r.u8()?;
    let own_amount = match amount_tag {
        AMOUNT_NONE | AMOUNT_OF_LINE => None,
        AMOUNT_OWN => Some(r.dec()?),
        _ => return None,
    };
    let (claim_id, parsed) = match (fields, broken_id) {
        (None, Some(id)) => {
            let column = CLAIMS.get(r.u8()? as usize).map_or("", |c| c.name);
            let message = {
                let s = r.string()?;
                serde_json::from_str(&s).unwrap_or(super::Reason::Text(s))
            };
            (id, Err(CellError { column, message }))
        }
        (Some((claim_id, head, exclusion)), _) => {
            let line = ClaimLine {
                line_no: r.u32()?,
                item_code: r.id()?,
                quantity: r.dec()?,
                unit_price: r.dec()?,
                amount: r.dec()?,
                prescription_id: r.opt_id()?,
                prescriber_id: r.opt_id()?,
                supply_days: match r.u64()? {
                    0 => None,
                    d => Some(u32::try_from(d - 1).ok()?),
                },
            };
            let parsed = Parsed {
                head,
                exclusion,
                line,
            };
            (claim_id, Ok(parsed))
        }
        (None, None) => return None,
    };
    let amount = match (amount_tag, &parsed) {
        (AMOUNT_OF_LINE, Ok(x)) => Some(x.line.amount),
        // Only a parsed line has an amount of its own to stand for.
        (AMOUNT_OF_LINE, Err(_)) => return None,
        _ => own_amount,
    };
    match kind {
        LINE_BROKEN => *claim = None,
        LINE_NEW_CLAIM => *claim = fields_read,
        _ => {}
    }
    Some(Pending {
        claim_id,
        src,
        amount,
        parsed,
    })
}

/// A claim's fields as [`encode`] writes them.
fn decode_claim(r: &mut Cursor<'_>) -> Option<Claimed> {
    let claim_id = r.id()?;
    let head = Head {
        person_id: r.id()?,
        institution_id: r.id()?,
        service_time: DateTime {
            date: r.date()??,
            seconds: r.u32()?,
        },
        visit_type: VisitType::from_code(r.u8()?)?,
        settlement_mode: SettlementMode::from_code(r.u8()?)?,
        submitted_date: r.date()?,
        reverses_claim_id: r.opt_id()?,
    };
    let exclusion = match r.u8()? {
        0 => None,
        c => Some(Exclusion::from_code(c - 1)?),
    };
    Some((claim_id, head, exclusion))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(parsed: Result<Parsed, CellError>) -> Pending {
        Pending {
            claim_id: "C1".into(),
            src: Source {
                file: 2,
                line: 17,
                bytes: (100, 180),
            },
            amount: Some(Decimal::new(12300, 3)),
            parsed,
        }
    }

    #[test]
    fn lines_come_back_exactly_as_written() {
        let ok = Parsed {
            head: Head {
                person_id: "P1".into(),
                institution_id: "黄石-01".into(),
                service_time: DateTime::parse("2024-03-05 08:30:00").unwrap(),
                visit_type: VisitType::Chronic,
                settlement_mode: SettlementMode::Manual,
                submitted_date: Date::parse("2024-04-01"),
                reverses_claim_id: Some("C0".into()),
            },
            exclusion: Some(Exclusion::Abroad),
            line: ClaimLine {
                line_no: 3,
                item_code: "D0001".into(),
                quantity: Decimal::new(-15, 1),
                unit_price: Decimal::new(8230, 2),
                amount: Decimal::new(-12345, 2),
                prescription_id: None,
                prescriber_id: Some("X".into()),
                supply_days: Some(0),
            },
        };
        let bad = CellError {
            column: "service_time",
            message: "`x` is not a date".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bin");
        let lines = vec![line(Ok(ok)), line(Err(bad))];
        let mut w = SpillWriter::create(&path).unwrap();
        for l in &lines {
            w.push(l).unwrap();
        }
        w.finish().unwrap();
        assert_eq!(read_all(&path).unwrap(), lines);
        // The scale of an amount survives (12.300 is not read back 12.3).
        let back = read_all(&path).unwrap();
        assert_eq!(back[0].amount.unwrap().to_string(), "12.300");
    }

    /// A line as a generated month has it: parsed, its reconciliation
    /// amount its own.
    fn typical(amount: Decimal) -> Pending {
        Pending {
            claim_id: "C202403000000007".into(),
            src: Source {
                file: 0,
                line: 123_456,
                bytes: (9_876_543, 9_876_640),
            },
            amount: Some(amount),
            parsed: Ok(Parsed {
                head: Head {
                    person_id: "P00000993".into(),
                    institution_id: "SY-P-11".into(),
                    service_time: DateTime::parse("2024-03-24 16:34:40").unwrap(),
                    visit_type: VisitType::General,
                    settlement_mode: SettlementMode::Direct,
                    submitted_date: None,
                    reverses_claim_id: None,
                },
                exclusion: None,
                line: ClaimLine {
                    line_no: 1,
                    item_code: "D0046".into(),
                    quantity: Decimal::new(3, 0),
                    unit_price: Decimal::new(21319, 2),
                    amount: Decimal::new(63957, 2),
                    prescription_id: Some("RX7".into()),
                    prescriber_id: Some("SY-H2-04".into()),
                    supply_days: None,
                },
            }),
        }
    }

    #[test]
    fn a_typical_line_is_small_and_its_amount_written_once() {
        let mut b = Vec::new();
        let mut claim = ClaimFields::default();
        encode(&typical(Decimal::new(63957, 2)), &mut b, &mut claim);
        // A CSV line of 98 bytes; the fixed-width form took 226.
        assert!(b.len() <= 100, "{} bytes", b.len());
        // The claim's next line writes its claim fields in one byte.
        let first = b.len();
        encode(&typical(Decimal::new(1234, 2)), &mut b, &mut claim);
        assert!(b.len() - first <= 50, "{} bytes", b.len() - first);
        // The same value at another scale is its own, and keeps its scale.
        let other = typical(Decimal::new(639570, 3));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bin");
        let mut w = SpillWriter::create(&path).unwrap();
        w.push(&typical(Decimal::new(63957, 2))).unwrap();
        w.push(&other).unwrap();
        w.finish().unwrap();
        let back = read_all(&path).unwrap();
        assert_eq!(back, vec![typical(Decimal::new(63957, 2)), other]);
        assert_eq!(back[1].amount.unwrap().to_string(), "639.570");
    }

    #[test]
    fn signs_and_scales_survive() {
        let mut g = [
            Decimal::new(-0, 2),
            Decimal::new(0, 0),
            Decimal::new(-12345, 2),
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(1, 28),
        ];
        g[0].set_sign_negative(true);
        for d in g {
            let mut b = Vec::new();
            put_dec(&mut b, d);
            let back = Cursor { b: &b, at: 0 }.dec().unwrap();
            assert_eq!(back.serialize(), d.serialize(), "{d}");
        }
    }

    #[test]
    fn a_64_bit_varint_is_the_128_bit_one() {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut values = vec![0, 1, 0x7f, 0x80, 0x3fff, 0x4000, u64::MAX];
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x >> (x % 64));
        }
        for v in values {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            put_u64(&mut a, v);
            put_var(&mut b, u128::from(v));
            assert_eq!(a, b, "{v}");
        }
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bin");
        std::fs::write(&path, [5u8, 0, 0, 0, b'a']).unwrap();
        assert!(read_all(&path).is_err());
        // A count that promises more lines than there are.
        std::fs::write(&path, [0u8, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        assert!(read_all(&path).is_err());
        // A varint that never ends.
        std::fs::write(&path, [0xffu8; 40]).unwrap();
        assert!(read_all(&path).is_err());
    }

    /// `lines` written to a spill file, in a temporary directory that lives
    /// as long as the first value.
    fn spilled(lines: &[Pending]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bin");
        let mut w = SpillWriter::create(&path).unwrap();
        for l in lines {
            w.push(l).unwrap();
        }
        w.finish().unwrap();
        (dir, path)
    }

    /// A claim's fields are written once for a run of its lines, and again
    /// after a broken line or another claim's: every line comes back with
    /// its own claim's fields.
    #[test]
    fn claim_fields_shared_by_a_run_of_lines_come_back_with_each() {
        let of = |claim: &str, person: &str, cents: i64| {
            let mut l = typical(Decimal::new(cents, 2));
            l.claim_id = claim.into();
            if let Ok(x) = &mut l.parsed {
                x.head.person_id = person.into();
                x.line.line_no = cents as u32;
            }
            l
        };
        let broken = |claim: &str| {
            let mut l = line(Err(CellError {
                column: "quantity",
                message: super::super::Reason::Missing,
            }));
            l.claim_id = claim.into();
            l
        };
        let lines = vec![
            of("C1", "P1", 1),
            of("C1", "P1", 2),
            of("C1", "P1", 3),
            broken("C1"),
            of("C1", "P1", 4),
            of("C2", "P2", 5),
            of("C2", "P2", 6),
            // The same claim id with another person: its fields again.
            of("C2", "P3", 7),
            of("C1", "P1", 8),
            broken("C3"),
            broken("C3"),
        ];
        let (_dir, path) = spilled(&lines);
        assert_eq!(read_all(&path).unwrap(), lines);
        // Lines left out still pass their claim's fields on.
        let mut out = Vec::new();
        read_into(&path, &mut Vec::new(), &mut out, |l| {
            l.parsed.as_ref().is_ok_and(|x| x.line.line_no % 2 == 0)
        })
        .unwrap();
        let even: Vec<Pending> = lines
            .iter()
            .filter(|l| l.parsed.as_ref().is_ok_and(|x| x.line.line_no % 2 == 0))
            .cloned()
            .collect();
        assert_eq!(out, even);
    }

    /// Lines cut by the ends of the chunks a file is read in, and a line
    /// longer than a chunk, come back whole and in order.
    #[test]
    fn lines_across_chunks_come_back_whole() {
        let mut lines: Vec<Pending> = (0..30_000)
            .map(|i| typical(Decimal::new(63957 + i, 2)))
            .collect();
        let mut long = typical(Decimal::new(1, 0));
        if let Ok(x) = &mut long.parsed {
            x.line.item_code = Id::new("D".repeat(READ_CHUNK * 2 + 7));
        }
        lines.insert(12_345, long);
        let (_dir, path) = spilled(&lines);
        assert!(std::fs::metadata(&path).unwrap().len() > 3 * READ_CHUNK as u64);
        // Read through a buffer left with another file's bytes, into a list
        // that already holds lines: they are kept, the new ones appended.
        let mut buf = b"left over".to_vec();
        let mut out = vec![typical(Decimal::new(7, 0))];
        read_into(&path, &mut buf, &mut out, |_| true).unwrap();
        assert_eq!(out.len(), lines.len() + 1);
        assert_eq!(out[0], typical(Decimal::new(7, 0)));
        assert!(out[1..] == lines[..]);
        // Only the lines wanted.
        out.clear();
        read_into(&path, &mut buf, &mut out, |l| {
            l.amount == lines[12_345].amount
        })
        .unwrap();
        assert_eq!(out, vec![lines[12_345].clone()]);
    }

    /// A file whose last line is cut short, or that holds a line more or
    /// less than its count says, is damaged, however many chunks it takes.
    #[test]
    fn a_long_file_cut_short_or_miscounted_is_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bin");
        let mut w = SpillWriter::create(&path).unwrap();
        for i in 0..20_000 {
            w.push(&typical(Decimal::new(i, 2))).unwrap();
        }
        w.finish().unwrap();
        let whole = std::fs::read(&path).unwrap();
        assert_eq!(read_all(&path).unwrap().len(), 20_000);
        let (body, tail) = whole.split_at(whole.len() - 8);
        // The last line cut short, the count kept.
        let cut = [&body[..body.len() - 3], tail].concat();
        std::fs::write(&path, &cut).unwrap();
        assert!(read_all(&path).is_err());
        // A count one more, and one less, than the lines.
        for n in [20_001u64, 19_999] {
            let miscounted = [body, &n.to_le_bytes()].concat();
            std::fs::write(&path, &miscounted).unwrap();
            assert!(read_all(&path).is_err(), "{n}");
        }
    }
}
