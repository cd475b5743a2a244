//! The streaming reader: a cursor over a file's records, each with its
//! line number and raw bytes, and a quarantined record's raw text read
//! again by offset.

use super::clean::has_edge_invisible;
use super::row::Row;
use super::tee::Tee;
use super::{Body, CsvFile, InputError, MAX_FIELD_BYTES};
use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::Path;

impl CsvFile {
    /// Iterate the data records into one reused buffer.
    pub fn records(&self) -> Records<'_> {
        let input = match &self.body {
            Body::Text(t) => Input::Text(t.as_bytes()),
            Body::File { skip } => match Tee::new(&self.path, *skip) {
                Ok(t) => Input::Stream(t),
                Err(e) => Input::Failed(Some(e)),
            },
        };
        let rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(input);
        Records {
            file: self,
            rdr,
            record: csv::ByteRecord::new(),
            header_len: None,
            last_end: 0,
            stripped: 0,
        }
    }

    /// The raw text of the record at `range` (byte offsets after any BOM),
    /// for a quarantined line's `raw` cell.
    pub fn raw_text(&self, range: (usize, usize)) -> Cow<'_, str> {
        let (begin, end) = range;
        match &self.body {
            Body::Text(t) => Cow::Borrowed(t.get(begin..end.min(t.len())).unwrap_or("")),
            Body::File { skip } => {
                use std::os::unix::fs::FileExt;
                let mut buf = vec![0u8; end.saturating_sub(begin)];
                match File::open(&self.path)
                    .and_then(|f| f.read_exact_at(&mut buf, skip + begin as u64))
                {
                    Ok(()) => Cow::Owned(String::from_utf8_lossy(&buf).into_owned()),
                    Err(_) => Cow::Borrowed(""),
                }
            }
        }
    }
}

/// What a [`Records`] cursor reads.
enum Input<'f> {
    Text(&'f [u8]),
    Stream(Tee),
    /// The file could not be opened again: the error, reported once.
    Failed(Option<std::io::Error>),
}

impl Read for Input<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Input::Text(t) => t.read(buf),
            Input::Stream(t) => t.read(buf),
            Input::Failed(e) => match e.take() {
                Some(e) => Err(e),
                None => Ok(0),
            },
        }
    }
}

/// A streaming cursor over a file's records.
pub struct Records<'f> {
    file: &'f CsvFile,
    rdr: csv::Reader<Input<'f>>,
    record: csv::ByteRecord,
    header_len: Option<usize>,
    /// Stream offset where the previous record ended.
    last_end: u64,
    /// Ids (and first cells) read so far that had invisible characters
    /// at an edge, which [`Row::get_at`] strips.
    stripped: u64,
}

impl<'f> Records<'f> {
    /// The next record, or a located error if the CSV itself is broken
    /// (for example invalid quoting). `None` at the end.
    pub fn next_row(&mut self) -> Option<Result<Row<'_>, InputError>> {
        let header_len = match self.header_len {
            Some(n) => n,
            None => {
                let n = self.rdr.byte_headers().map(|h| h.len()).unwrap_or(0);
                self.header_len = Some(n);
                n
            }
        };
        if let Input::Stream(t) = self.rdr.get_mut() {
            t.release(self.last_end);
        }
        let start = self.rdr.position().clone();
        match self.rdr.read_byte_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => {
                let pos = self.record.position().cloned().unwrap_or(start);
                let mut begin = pos.byte();
                let mut line = pos.line();
                let end = self.rdr.position().byte();
                self.last_end = end;
                // (A text input is consumed as it is read: take its raw
                // lines from the file's text.)
                let mut bytes = match (&self.file.body, self.rdr.get_ref()) {
                    (Body::Text(t), _) => t
                        .as_bytes()
                        .get(begin as usize..(end as usize).min(t.len()))
                        .unwrap_or(&[]),
                    (_, Input::Stream(t)) => t.window(begin, end),
                    _ => &[],
                };
                // The reader ends a record at a CR and takes the LF after
                // it (and any blank lines) as the start of the next one:
                // the record begins after them, on a later line.
                let ends = bytes
                    .iter()
                    .take_while(|b| matches!(b, b'\r' | b'\n'))
                    .count();
                line += bytes[..ends].iter().filter(|&&b| b == b'\n').count() as u64;
                begin += ends as u64;
                bytes = &bytes[ends..];
                // A record of printable ASCII alone (the bulk of an
                // export) has no invisible or control character in any
                // cell: neither is looked for cell by cell.
                let printable = is_printable_ascii(self.record.as_slice());
                // Every invisible character starts with byte E2 or EF.
                if !printable && has_invisible_lead(bytes) {
                    self.stripped += self
                        .file
                        .counted
                        .iter()
                        .filter(|&&i| self.record.get(i).is_some_and(has_edge_invisible))
                        .count() as u64;
                }
                let n = self.record.len();
                // No cell is longer than the record's cells together: only
                // a long record has its cells measured.
                let cells = match self.record.as_slice().len() > MAX_FIELD_BYTES {
                    true => self.record.len(),
                    false => 0,
                };
                let oversized = self
                    .record
                    .iter()
                    .take(cells)
                    .enumerate()
                    .find(|(_, f)| f.len() > MAX_FIELD_BYTES)
                    .map(|(i, f)| {
                        let name = self
                            .file
                            .index
                            .iter()
                            .position(|x| *x == Some(i))
                            .map(|k| self.file.schema[k].name.to_string())
                            .unwrap_or_else(|| format!("#{}", i + 1));
                        (name, f.len())
                    });
                // The cells as text, checked once for the whole record
                // rather than once per cell read (a cell of valid UTF-8 cut
                // at ASCII separators is itself valid).
                let text = std::str::from_utf8(self.record.as_slice()).ok();
                Some(Ok(Row {
                    line,
                    text,
                    printable,
                    raw_bytes: bytes,
                    byte_range: (begin as usize, end as usize),
                    file: self.file,
                    record: &self.record,
                    width_mismatch: (n != header_len).then_some((n, header_len)),
                    oversized,
                }))
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(start.line());
                Some(Err(InputError::new(
                    &self.file.path,
                    line,
                    "",
                    crate::input::reason::Reason::MalformedCsv {
                        detail: e.to_string(),
                    },
                )))
            }
        }
    }
}

/// Whether `bytes` are printable ASCII (0x20 to 0x7E) alone, looked at a
/// block at a time as [`has_invisible_lead`] does.
fn is_printable_ascii(bytes: &[u8]) -> bool {
    bytes
        .chunks(32)
        .all(|c| c.iter().fold(true, |a, &b| a & (0x20..0x7F).contains(&b)))
}

/// Whether `bytes` hold E2 or EF, the lead bytes of every invisible
/// character, looked for a block at a time (without an early exit inside a
/// block, so that the compiler can compare a block's bytes at once).
fn has_invisible_lead(bytes: &[u8]) -> bool {
    bytes
        .chunks(32)
        .any(|c| c.iter().fold(false, |a, &b| a | (b == 0xE2) | (b == 0xEF)))
}

impl Records<'_> {
    /// How many ids (and first cells) read so far had invisible characters
    /// stripped from an edge.
    pub fn stripped(&self) -> u64 {
        self.stripped
    }
}

/// A warning for a file whose ids had invisible characters stripped.
pub fn stripped_warning(path: &Path, n: u64) -> Option<String> {
    (n > 0).then(|| {
        crate::input::reason::Warning::StrippedIds {
            file: path.display().to_string(),
            ids: n,
        }
        .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::{has_invisible_lead, is_printable_ascii};

    #[test]
    fn block_checks_read_as_byte_by_byte_checks() {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..200 {
            for _ in 0..50 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        // Mostly printable, now and then any byte.
                        match x % 64 {
                            0 => (x >> 8) as u8,
                            _ => b' ' + ((x >> 8) % 95) as u8,
                        }
                    })
                    .collect();
                let printable = bytes.iter().all(|&b| (0x20..0x7F).contains(&b));
                assert_eq!(is_printable_ascii(&bytes), printable, "{bytes:?}");
                let lead = bytes.iter().any(|&b| b == 0xE2 || b == 0xEF);
                assert_eq!(has_invisible_lead(&bytes), lead, "{bytes:?}");
            }
        }
    }
}
