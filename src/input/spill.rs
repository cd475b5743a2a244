//! Spill files: parsed claim lines written to disk by person partition,
//! when a month does not fit the memory budget, and read back one
//! partition at a time.
//!
//! The format is private to one run (it lives in the run's temporary
//! area and is removed with it): each line is its fields in a fixed order,
//! integers little-endian, strings length-prefixed, amounts as
//! `rust_decimal`'s exact 16-byte form.

use super::claims::{Head, Parsed, Pending, Source, CLAIMS};
use super::csvsrc::CellError;
use crate::core::date::{Date, DateTime};
use crate::core::model::{ClaimLine, Exclusion, SettlementMode, VisitType};
use rust_decimal::Decimal;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

/// Appends encoded lines to one spill file.
pub(crate) struct SpillWriter {
    out: BufWriter<File>,
    buf: Vec<u8>,
}

impl SpillWriter {
    pub fn create(path: &Path) -> io::Result<SpillWriter> {
        Ok(SpillWriter {
            out: BufWriter::with_capacity(1 << 16, File::create(path)?),
            buf: Vec::with_capacity(512),
        })
    }

    pub fn push(&mut self, p: &Pending) -> io::Result<()> {
        self.buf.clear();
        encode(p, &mut self.buf);
        self.out.write_all(&self.buf)
    }

    pub fn finish(self) -> io::Result<()> {
        self.out.into_inner().map_err(|e| e.into_error())?;
        Ok(())
    }
}

/// Every line of one spill file, in the order written. A file that was
/// never written (its claim file fed no line to that partition) holds no
/// line; a spill file lost otherwise shows as lines read but never settled,
/// which reconciliation refuses.
pub(crate) fn read_all(path: &Path) -> io::Result<Vec<Pending>> {
    let mut bytes = Vec::new();
    match File::open(path) {
        Ok(mut f) => f.read_to_end(&mut bytes)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut r = Cursor { b: &bytes, at: 0 };
    let mut out = Vec::new();
    while r.at < bytes.len() {
        out.push(decode(&mut r).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: damaged spill file", path.display()),
            )
        })?);
    }
    Ok(out)
}

fn put_u32(b: &mut Vec<u8>, v: u32) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put_u64(b: &mut Vec<u8>, v: u64) {
    b.extend_from_slice(&v.to_le_bytes());
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    put_u32(b, s.len() as u32);
    b.extend_from_slice(s.as_bytes());
}

fn put_opt_str(b: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => {
            b.push(1);
            put_str(b, s);
        }
        None => b.push(0),
    }
}

fn put_dec(b: &mut Vec<u8>, d: Decimal) {
    b.extend_from_slice(&d.serialize());
}

fn put_opt_dec(b: &mut Vec<u8>, d: Option<Decimal>) {
    match d {
        Some(d) => {
            b.push(1);
            put_dec(b, d);
        }
        None => b.push(0),
    }
}

/// A date as yyyymmdd; 0 = none.
fn date_code(d: Option<Date>) -> u32 {
    d.map_or(0, |d| {
        d.year as u32 * 10_000 + d.month as u32 * 100 + d.day as u32
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

fn encode(p: &Pending, b: &mut Vec<u8>) {
    put_str(b, &p.claim_id);
    put_u32(b, p.src.file as u32);
    put_u64(b, p.src.line);
    put_u64(b, p.src.bytes.0 as u64);
    put_u64(b, p.src.bytes.1 as u64);
    put_opt_dec(b, p.amount);
    match &p.parsed {
        Err(e) => {
            b.push(0);
            b.push(column_code(e.column));
            // The reason's code and arguments, worded when written.
            put_str(b, &serde_json::to_string(&e.message).unwrap_or_default());
        }
        Ok(x) => {
            b.push(1);
            let h = &x.head;
            put_str(b, &h.person_id);
            put_str(b, &h.institution_id);
            put_u32(b, date_code(Some(h.service_time.date)));
            put_u32(b, h.service_time.seconds);
            b.push(h.visit_type.code());
            b.push(h.settlement_mode.code());
            put_u32(b, date_code(h.submitted_date));
            put_opt_str(b, h.reverses_claim_id.as_deref());
            b.push(opt_code(x.exclusion.map(Exclusion::code)));
            let l = &x.line;
            put_u32(b, l.line_no);
            put_str(b, &l.item_code);
            put_dec(b, l.quantity);
            put_dec(b, l.unit_price);
            put_dec(b, l.amount);
            put_opt_str(b, l.prescription_id.as_deref());
            put_opt_str(b, l.prescriber_id.as_deref());
            put_u64(b, l.supply_days.map_or(0, |d| d as u64 + 1));
        }
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn string(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    fn opt_string(&mut self) -> Option<Option<String>> {
        match self.u8()? {
            0 => Some(None),
            _ => Some(Some(self.string()?)),
        }
    }

    fn dec(&mut self) -> Option<Decimal> {
        Some(Decimal::deserialize(self.take(16)?.try_into().ok()?))
    }

    fn opt_dec(&mut self) -> Option<Option<Decimal>> {
        match self.u8()? {
            0 => Some(None),
            _ => Some(Some(self.dec()?)),
        }
    }

    fn date(&mut self) -> Option<Option<Date>> {
        match self.u32()? {
            0 => Some(None),
            c => Some(Some(Date::new(
                (c / 10_000) as i32,
                (c / 100 % 100) as u8,
                (c % 100) as u8,
            )?)),
        }
    }
}

fn decode(r: &mut Cursor<'_>) -> Option<Pending> {
    let claim_id = r.string()?;
    let src = Source {
        file: r.u32()? as usize,
        line: r.u64()?,
        bytes: (r.u64()? as usize, r.u64()? as usize),
    };
    let amount = r.opt_dec()?;
    let parsed = match r.u8()? {
        0 => {
            let column = CLAIMS.get(r.u8()? as usize).map_or("", |c| c.name);
            Err(CellError {
                column,
                message: {
                    let s = r.string()?;
                    serde_json::from_str(&s).unwrap_or(super::Reason::Text(s))
                },
            })
        }
        _ => {
            let head = Head {
                person_id: r.string()?,
                institution_id: r.string()?,
                service_time: DateTime {
                    date: r.date()??,
                    seconds: r.u32()?,
                },
                visit_type: VisitType::from_code(r.u8()?)?,
                settlement_mode: SettlementMode::from_code(r.u8()?)?,
                submitted_date: r.date()?,
                reverses_claim_id: r.opt_string()?,
            };
            let exclusion = match r.u8()? {
                0 => None,
                c => Some(Exclusion::from_code(c - 1)?),
            };
            let line = ClaimLine {
                line_no: r.u32()?,
                item_code: r.string()?,
                quantity: r.dec()?,
                unit_price: r.dec()?,
                amount: r.dec()?,
                prescription_id: r.opt_string()?,
                prescriber_id: r.opt_string()?,
                supply_days: match r.u64()? {
                    0 => None,
                    d => Some(u32::try_from(d - 1).ok()?),
                },
            };
            Ok(Parsed {
                head,
                exclusion,
                line,
            })
        }
    };
    Some(Pending {
        claim_id,
        src,
        amount,
        parsed,
    })
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

    #[test]
    fn a_damaged_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bin");
        std::fs::write(&path, [5u8, 0, 0, 0, b'a']).unwrap();
        assert!(read_all(&path).is_err());
    }
}
