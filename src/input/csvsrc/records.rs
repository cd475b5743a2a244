//! The streaming reader: a cursor over a file's records, each with its
//! line number and raw bytes, and a quarantined record's raw text read
//! again by offset.

use super::clean::has_edge_invisible;
use super::row::Row;
use super::split::Part;
use super::tee::Tee;
use super::{Body, CsvFile, InputError, MAX_FIELD_BYTES};
use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::Path;

impl CsvFile {
    /// Iterate the data records into one reused buffer.
    pub fn records(&self) -> Records<'_> {
        self.records_in(Part::WHOLE)
    }

    /// Iterate the data records of `part` into one reused buffer.
    pub fn records_in(&self, part: Part) -> Records<'_> {
        let input = match &self.body {
            Body::Text(t) => Input::Text(t.as_bytes()),
            Body::File { skip, .. } => match Tee::new(&self.path, *skip, part) {
                Ok(t) => Input::Stream(t),
                Err(e) => Input::Failed(Some(e)),
            },
        };
        // A part after the first starts with a data record.
        let first = part.begin == 0;
        let rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(first)
            .buffer_capacity(1 << 16)
            .from_reader(input);
        Records {
            file: self,
            rdr,
            record: csv::ByteRecord::new(),
            header_len: (!first).then_some(self.header_len),
            base: (part.begin, part.line.saturating_sub(1)),
            last_end: part.begin,
            stripped: 0,
        }
    }

    /// The raw text of the record at `range` (byte offsets after any BOM),
    /// for a quarantined line's `raw` cell.
    pub fn raw_text(&self, range: (usize, usize)) -> Cow<'_, str> {
        let (begin, end) = range;
        match &self.body {
            Body::Text(t) => Cow::Borrowed(t.get(begin..end.min(t.len())).unwrap_or("")),
            Body::File { skip, .. } => {
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
    /// Where the part read begins: its offset in the text and the lines
    /// before it, added to the reader's own counts.
    base: (u64, u64),
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
                let (bytes_before, lines_before) = self.base;
                let mut begin = pos.byte() + bytes_before;
                let mut line = pos.line() + lines_before;
                let end = self.rdr.position().byte() + bytes_before;
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
                let line = e.position().map(|p| p.line()).unwrap_or(start.line()) + self.base.1;
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

    /// Everything a reader says of a record, or of a broken one.
    type Seen = Result<
        (
            u64,
            (usize, usize),
            Vec<Vec<u8>>,
            Vec<u8>,
            Option<(usize, usize)>,
        ),
        u64,
    >;

    fn read_parts(file: &super::CsvFile, parts: &[super::Part]) -> Vec<Seen> {
        let mut seen = Vec::new();
        for &part in parts {
            let mut rows = file.records_in(part);
            while let Some(row) = rows.next_row() {
                seen.push(match row {
                    Ok(r) => Ok((
                        r.line,
                        r.byte_range,
                        r.record.iter().map(<[u8]>::to_vec).collect(),
                        r.raw_bytes.to_vec(),
                        r.width_mismatch,
                    )),
                    Err(e) => Err(e.line),
                });
            }
        }
        seen
    }

    /// `text` in a file, with record starts about `step` bytes apart.
    fn cut_every(dir: &std::path::Path, text: &str, step: u64) -> super::CsvFile {
        let path = dir.join("f.csv");
        std::fs::write(&path, text).unwrap();
        let mut file = super::super::open_lenient(
            &path,
            crate::schema::claims::CLAIMS,
            super::super::Encoding::Auto,
        )
        .unwrap();
        file.cut_every(step);
        file
    }

    /// Found while reviewing: blank lines before the header are not a
    /// part's start (its reader would take the header for a record), nor is
    /// a line that starts with a byte-order mark (the reader of a part would
    /// drop it, the whole file's reader keeps it).
    #[test]
    fn no_part_begins_before_the_header_ends_or_at_a_mark() {
        let dir = tempfile::tempdir().unwrap();
        for text in [
            "\n\n\n\nclaim_id,b,c\nx,1,2\ny,3,4\nz,5,6\n",
            "\u{feff}claim_id,b,c\n\u{feff}\nx,1\n\u{feff}C9,1,2\nC10,3,4\n",
        ] {
            let file = cut_every(dir.path(), text, 1);
            let whole = read_parts(&file, &[super::Part::WHOLE]);
            for n in 1..10 {
                let parts = file.parts(n);
                assert_eq!(
                    read_parts(&file, &parts),
                    whole,
                    "{n} parts {parts:?} of {text:?}"
                );
            }
            assert!(file.parts(9).len() > 1, "{text:?} is cut somewhere");
        }
    }

    /// A file cut into parts reads as the whole file read by one reader:
    /// the same records, line numbers, offsets and raw bytes, whatever the
    /// quoted newlines, doubled quotes, CRLF, blank lines and stray quotes
    /// (which leave the file whole).
    #[test]
    fn parts_read_as_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rand = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut cut = 0;
        for case in 0..300 {
            let bom = rand(4) == 0;
            let crlf = rand(2) == 0;
            let mut text = String::from(if bom { "\u{feff}" } else { "" });
            // Blank lines before the header, which the reader skips.
            for _ in 0..rand(8).saturating_sub(5) {
                text.push('\n');
            }
            text.push_str(if crlf { "a,b,c\r\n" } else { "a,b,c\n" });
            for _ in 0..rand(60) {
                // A byte-order mark starting a line mid-file (files put
                // end to end), alone or before a record.
                if rand(20) == 0 {
                    text.push('\u{feff}');
                    if rand(2) == 0 {
                        text.push('\n');
                        continue;
                    }
                }
                let cells = 1 + rand(4);
                for c in 0..cells {
                    if c > 0 {
                        text.push(',');
                    }
                    match rand(12) {
                        0 => text.push_str("\"x\ny\""),
                        1 => text.push_str("\"p,\"\"q\"\"\""),
                        2 => text.push_str("\"\""),
                        3 => text.push_str("\"r\r\ns\""),
                        // A stray quote: the reader takes it as text.
                        4 if rand(8) == 0 => text.push_str("t\"u"),
                        5 => text.push_str("中文"),
                        _ => text.push_str(&format!("v{}", rand(1000))),
                    }
                }
                text.push_str(match rand(10) {
                    0 => "\n\n",
                    1 => "\r",
                    _ if crlf => "\r\n",
                    _ => "\n",
                });
            }
            // Starts a few bytes apart, to cut small files.
            let file = cut_every(dir.path(), &text, 1 + rand(40));
            let whole = read_parts(&file, &[super::Part::WHOLE]);
            for n in 1..6 {
                let parts = file.parts(n);
                cut += usize::from(parts.len() > 1);
                assert!(parts.len() <= n);
                assert_eq!(
                    read_parts(&file, &parts),
                    whole,
                    "case {case}, {n} parts {parts:?}\n{text:?}"
                );
            }
        }
        // Cut at least once in most cases (a file with a stray quote never
        // is, nor n = 1).
        assert!(cut > 400, "{cut}");
    }

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
