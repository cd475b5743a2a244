//! Where a streamed file may be cut, so that its parts are read by readers
//! of their own, in parallel: record starts found in the pass that hashes
//! the file (see [`super::scan`]), by following its quotes.
//!
//! A newline ends a record unless it is inside a quoted field, and a field
//! is quoted from a quote at its start to the quote before the separator
//! that ends it (a doubled quote inside is a quote). When every quote of a
//! file is such an opening, closing or doubled quote, a newline after an
//! even number of quotes is outside any field, and the byte after it
//! starts a record: that is what is found here. A file with any other
//! quote (`ab"c`, `"ab"c`: the CSV reader takes them as text, and the count
//! of quotes then says nothing) is not cut at all: one reader reads it, as
//! before. So are files with no newline found outside quotes.
//!
//! [`CsvFile::parts`] then cuts a file at some of those starts into
//! [`Part`]s of about equal size, each read by `CsvFile::records_in`.

use super::tee::Tee;
use super::{Body, CsvFile};
use std::fs::File;
use std::path::Path;

/// A record start: its offset in the text after any BOM (as the CSV
/// reader counts bytes) and its line number (as the reader counts lines:
/// the first line is 1, and every newline, quoted or not, starts a line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Start {
    pub offset: u64,
    pub line: u64,
}

/// Follows a file's text, chunk after chunk, for record starts about
/// `step` bytes apart.
pub(super) struct Starts {
    step: u64,
    /// Every quote so far opened, closed or doubled a quoted field.
    clean: bool,
    /// Inside a quoted field.
    inside: bool,
    /// The last chunk ended with a quote inside a field: whether it closes
    /// the field or is the first of a doubled quote, the next byte says.
    pending: bool,
    /// The byte before the chunk (`None` at the start of the text).
    prev: Option<u8>,
    newlines: u64,
    /// The next start is wanted at or after this offset.
    wanted: u64,
    found: Vec<Start>,
}

impl Starts {
    pub(super) fn new(step: u64) -> Starts {
        Starts {
            step: step.max(1),
            clean: true,
            inside: false,
            pending: false,
            prev: None,
            newlines: 0,
            wanted: step.max(1),
            found: Vec::new(),
        }
    }

    /// The next chunk of the text, which begins at offset `at`.
    pub(super) fn feed(&mut self, at: u64, bytes: &[u8]) {
        if !self.clean || bytes.is_empty() {
            return;
        }
        let mut i = 0;
        if self.pending {
            self.pending = false;
            match bytes[0] {
                // A doubled quote: still inside.
                b'"' => i = 1,
                b',' | b'\n' | b'\r' => self.inside = false,
                _ => return self.unclean(),
            }
        }
        while let Some(k) = memchr::memchr2(b'"', b'\n', &bytes[i..]).map(|k| k + i) {
            i = k + 1;
            if bytes[k] == b'\n' {
                self.newlines += 1;
                let next = at + i as u64;
                if !self.inside && next >= self.wanted {
                    self.found.push(Start {
                        offset: next,
                        line: self.newlines + 1,
                    });
                    self.wanted = next + self.step;
                }
                continue;
            }
            if !self.inside {
                let prev = match k {
                    0 => self.prev,
                    _ => Some(bytes[k - 1]),
                };
                if !matches!(prev, None | Some(b',' | b'\n' | b'\r')) {
                    return self.unclean();
                }
                self.inside = true;
                continue;
            }
            match bytes.get(k + 1) {
                Some(b'"') => i = k + 2,
                Some(b',' | b'\n' | b'\r') => self.inside = false,
                Some(_) => return self.unclean(),
                None => self.pending = true,
            }
        }
        self.prev = bytes.last().copied();
    }

    fn unclean(&mut self) {
        self.clean = false;
        self.found = Vec::new();
    }

    /// The record starts found, in order; none when the file must be read
    /// by one reader.
    pub(super) fn finish(self) -> Vec<Start> {
        match self.clean {
            true => self.found,
            false => Vec::new(),
        }
    }
}

/// A part of a file's data records, read by a reader of its own: from
/// the record starting at byte `begin` of the text after any BOM, on line
/// `line`, to byte `end` (`None`: to the end of the file), where another
/// record starts. The whole file is the part from its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub begin: u64,
    pub end: Option<u64>,
    pub line: u64,
}

impl Part {
    /// The whole file, its header first.
    pub const WHOLE: Part = Part {
        begin: 0,
        end: None,
        line: 1,
    };
}

impl CsvFile {
    /// The file cut into at most `n` parts of about equal size, at record
    /// starts found when it was hashed (see `split`); the whole file when
    /// it cannot be cut safely (or is held in memory, decoded).
    pub fn parts(&self, n: usize) -> Vec<Part> {
        let Body::File { starts, skip } = &self.body else {
            return vec![Part::WHOLE];
        };
        if n <= 1 || starts.is_empty() {
            return vec![Part::WHOLE];
        }
        let Some(usable) = Usable::of(&self.path, *skip) else {
            return vec![Part::WHOLE];
        };
        let text = self.bytes.saturating_sub(*skip);
        let mut parts = vec![Part::WHOLE];
        for k in 1..n as u64 {
            // The first usable start at or after the k-th n-th of the text.
            let goal = text / n as u64 * k;
            let from = parts.last().map_or(0, |p| p.begin);
            let next = starts
                .iter()
                .filter(|s| s.offset >= goal && s.offset > from && s.offset < text)
                .find(|s| usable.at(s.offset));
            if let Some(s) = next {
                parts.push(Part {
                    begin: s.offset,
                    end: None,
                    line: s.line,
                });
            }
        }
        for k in 1..parts.len() {
            parts[k - 1].end = Some(parts[k].begin);
        }
        parts
    }
}

/// Which record starts a part may begin at: past the header (the reader
/// skips blank lines before it), and not before a byte-order mark, which
/// the CSV reader drops at the start of what it reads while the whole
/// file's reader, meeting it mid-file, keeps it as text.
struct Usable {
    file: File,
    skip: u64,
    header_end: u64,
}

impl Usable {
    /// `None` when the file cannot be read again: it is then read whole.
    fn of(path: &Path, skip: u64) -> Option<Usable> {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(Tee::new(path, skip, Part::WHOLE).ok()?);
        rdr.byte_headers().ok()?;
        Some(Usable {
            file: File::open(path).ok()?,
            skip,
            header_end: rdr.position().byte(),
        })
    }

    fn at(&self, offset: u64) -> bool {
        use std::os::unix::fs::FileExt;
        let mut lead = [0u8; 3];
        let bom = self
            .file
            .read_exact_at(&mut lead, self.skip + offset)
            .is_ok_and(|()| lead == *b"\xEF\xBB\xBF");
        offset >= self.header_end && !bom
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(text: &str, step: u64, chunk: usize) -> Vec<Start> {
        let mut s = Starts::new(step);
        let mut at = 0;
        for c in text.as_bytes().chunks(chunk.max(1)) {
            s.feed(at, c);
            at += c.len() as u64;
        }
        s.finish()
    }

    #[test]
    fn newlines_inside_quotes_are_not_starts() {
        let text = "a,b\n1,\"x\ny\"\n2,\"\"\"q\"\"\"\n3,\"\"\n";
        let want = vec![
            Start { offset: 4, line: 2 },
            Start {
                offset: 12,
                line: 4,
            },
            Start {
                offset: 22,
                line: 5,
            },
            Start {
                offset: 27,
                line: 6,
            },
        ];
        for chunk in 1..text.len() + 1 {
            assert_eq!(starts(text, 1, chunk), want, "chunk {chunk}");
        }
    }

    #[test]
    fn a_stray_quote_leaves_the_file_whole() {
        for text in ["a,b\n1,x\"y\n2,z\n", "a,b\n1,\"x\"y\n2,z\n"] {
            for chunk in 1..text.len() + 1 {
                assert_eq!(starts(text, 1, chunk), vec![], "{text:?} chunk {chunk}");
            }
        }
    }

    #[test]
    fn starts_are_a_step_apart() {
        let text = "h\n".to_string() + &"abcdefgh\n".repeat(10);
        let found = starts(&text, 20, 7);
        let offsets: Vec<u64> = found.iter().map(|s| s.offset).collect();
        assert_eq!(offsets, vec![20, 47, 74]);
        assert!(found
            .iter()
            .all(|s| text.as_bytes()[s.offset as usize - 1] == b'\n'));
    }
}
