//! Partition outputs and their merge: when a month is adjudicated
//! partition by partition, each partition writes its payments and audit
//! rows sorted by claim_id into a part, and the parts are merged into the
//! one file the contract names, in claim_id order, as if the month had
//! been adjudicated at once.
//!
//! A part file is the formatted rows, written in the large chunks they
//! were formatted in (no copy on the way), then its index: each claim's
//! key and the length of its rows, length-prefixed, and last the offset
//! where the index begins (u64, little-endian). The merge reads the
//! indexes to choose the order and copies each claim's rows from its
//! part's read buffer straight into the output: the formatted bytes are
//! copied once, with no buffer per claim.
//!
//! The rows are kept as text rather than as decisions to be formatted
//! during the merge: most of their bytes are findings' sentences and
//! bases, which a binary record would carry as they are, and text needs
//! no second formatter to be kept identical to the first.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// What all parts' read buffers may hold together, and the least each
/// gets (a spilled month may have hundreds of parts).
const READ_BUDGET: usize = 16 << 20;
const MIN_READ: usize = 64 << 10;

/// Writes one part file; claims must come in ascending key order.
pub struct PartWriter {
    rows: File,
    /// Bytes of rows written so far: where the index will begin.
    written: u64,
    /// The index, kept until the rows are all written (a partition's
    /// claims: a few bytes of key and length each).
    index: Vec<u8>,
}

impl PartWriter {
    pub fn create(path: &Path) -> io::Result<PartWriter> {
        PartWriter::reusing(path, Vec::new())
    }

    /// A writer whose index is built in `room`, an earlier part's index
    /// given back by [`PartWriter::finish`]: a partition's index is
    /// megabytes, grown from nothing in fresh memory otherwise.
    pub fn reusing(path: &Path, mut room: Vec<u8>) -> io::Result<PartWriter> {
        room.clear();
        Ok(PartWriter {
            rows: File::create(path)?,
            written: 0,
            index: room,
        })
    }

    /// A chunk of formatted rows, and each of its claims' key with the end
    /// offset of the claim's rows in `text`, in order.
    pub fn chunk<'k>(
        &mut self,
        claims: impl Iterator<Item = (&'k [u8], usize)>,
        text: &[u8],
    ) -> io::Result<()> {
        self.rows.write_all(text)?;
        self.written += text.len() as u64;
        let mut from = 0;
        for (key, end) in claims {
            // A claim without rows (an audit without findings) is left out.
            if end > from {
                self.index
                    .extend_from_slice(&(key.len() as u32).to_le_bytes());
                self.index.extend_from_slice(key);
                self.index
                    .extend_from_slice(&((end - from) as u64).to_le_bytes());
            }
            from = end;
        }
        Ok(())
    }

    /// Write the index. Like the spill files of lines, a part is not
    /// synced: this run alone reads it back, and the outputs made from it
    /// are synced when the run commits. A sync here blocked the writing
    /// thread once a partition. Gives back the index's memory, for the
    /// next part ([`PartWriter::reusing`]).
    pub fn finish(mut self) -> io::Result<Vec<u8>> {
        self.index.extend_from_slice(&self.written.to_le_bytes());
        self.rows.write_all(&self.index)?;
        Ok(self.index)
    }
}

/// A buffered reader of one byte range of a part file. A part's index
/// and rows are two ranges read through the part's one file handle (a
/// merge may hold hundreds of parts open, under a limit on open files),
/// each refill placing the handle where its range left off.
struct Range {
    /// The next byte of the file to read, and where the range ends.
    pos: u64,
    end: u64,
    buf: Box<[u8]>,
    at: usize,
    filled: usize,
}

impl Range {
    fn new(pos: u64, end: u64, capacity: usize) -> Range {
        // No larger than the range: a small part's buffer costs no more
        // to clear than its bytes.
        let capacity = usize::try_from(end - pos).map_or(capacity, |n| n.min(capacity));
        Range {
            pos,
            end,
            buf: vec![0; capacity].into_boxed_slice(),
            at: 0,
            filled: 0,
        }
    }

    /// The bytes buffered, refilled from `file` when none are left; empty
    /// at the end of the range.
    fn fill(&mut self, mut file: &File) -> io::Result<&[u8]> {
        if self.at == self.filled && self.pos < self.end {
            let want = (self.end - self.pos).min(self.buf.len() as u64) as usize;
            file.seek(SeekFrom::Start(self.pos))?;
            let n = file.read(&mut self.buf[..want])?;
            self.pos += n as u64;
            self.at = 0;
            self.filled = n;
        }
        Ok(&self.buf[self.at..self.filled])
    }

    fn consume(&mut self, n: usize) {
        self.at += n;
    }

    /// Append the next `n` bytes to `out`; false when the range ends first.
    fn take(&mut self, file: &File, mut n: usize, out: &mut Vec<u8>) -> io::Result<bool> {
        while n > 0 {
            let buf = self.fill(file)?;
            if buf.is_empty() {
                return Ok(false);
            }
            let k = buf.len().min(n);
            out.extend_from_slice(&buf[..k]);
            self.consume(k);
            n -= k;
        }
        Ok(true)
    }
}

struct PartReader {
    file: File,
    index: Range,
    rows: Range,
    path: PathBuf,
    /// The length of the rows of the claim at the head of the part.
    pending: u64,
    /// A key's length or a rows' length, as read.
    scratch: Vec<u8>,
}

impl PartReader {
    fn open(path: &Path, buffer: usize) -> io::Result<PartReader> {
        let damaged = || damaged(path);
        let mut file = File::open(path)?;
        let len = file.seek(SeekFrom::End(0))?;
        let end = len.checked_sub(8).ok_or_else(damaged)?;
        file.seek(SeekFrom::Start(end))?;
        let mut at = [0u8; 8];
        file.read_exact(&mut at)?;
        let at = u64::from_le_bytes(at);
        if at > end {
            return Err(damaged());
        }
        Ok(PartReader {
            file,
            index: Range::new(at, end, MIN_READ),
            rows: Range::new(0, at, buffer),
            path: path.to_path_buf(),
            pending: 0,
            scratch: Vec::with_capacity(8),
        })
    }

    /// Read the next claim's key into `key`; false at the end of the part.
    fn next(&mut self, key: &mut Vec<u8>) -> io::Result<bool> {
        let damaged = || damaged(&self.path);
        self.scratch.clear();
        if !self.index.take(&self.file, 4, &mut self.scratch)? {
            // Only the end of the index, with no partial entry, is clean.
            return if self.scratch.is_empty() {
                Ok(false)
            } else {
                Err(damaged())
            };
        }
        let n = u32::from_le_bytes(self.scratch[..4].try_into().map_err(|_| damaged())?);
        key.clear();
        self.scratch.clear();
        if !self.index.take(&self.file, n as usize, key)?
            || !self.index.take(&self.file, 8, &mut self.scratch)?
        {
            return Err(damaged());
        }
        self.pending = u64::from_le_bytes(self.scratch[..8].try_into().map_err(|_| damaged())?);
        Ok(true)
    }

    /// Copy the head claim's rows to `w`, from the read buffer.
    fn copy_rows<W: Write>(&mut self, w: &mut W) -> io::Result<()> {
        while self.pending > 0 {
            let buf = self.rows.fill(&self.file)?;
            if buf.is_empty() {
                return Err(damaged(&self.path));
            }
            let n = buf
                .len()
                .min(usize::try_from(self.pending).unwrap_or(usize::MAX));
            w.write_all(&buf[..n])?;
            self.rows.consume(n);
            self.pending -= n as u64;
        }
        Ok(())
    }
}

fn damaged(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: damaged part file", path.display()),
    )
}

/// Write the rows of every part to `w` in ascending key order (ties, which
/// a run never makes, in part order).
pub fn merge<W: Write>(mut w: W, parts: &[PathBuf]) -> io::Result<()> {
    let buffer = (READ_BUDGET / parts.len().max(1)).max(MIN_READ);
    let mut readers = Vec::with_capacity(parts.len());
    for p in parts {
        readers.push(PartReader::open(p, buffer)?);
    }
    // The heap holds each part's head key; a popped key's buffer is
    // reused for that part's next key, so the merge allocates nothing.
    let mut heap = BinaryHeap::with_capacity(readers.len());
    for (i, r) in readers.iter_mut().enumerate() {
        let mut key = Vec::new();
        if r.next(&mut key)? {
            heap.push(Reverse((key, i)));
        }
    }
    while let Some(Reverse((mut key, i))) = heap.pop() {
        readers[i].copy_rows(&mut w)?;
        if readers[i].next(&mut key)? {
            heap.push(Reverse((key, i)));
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_merge_in_key_order() {
        let dir = tempfile::tempdir().unwrap();
        let parts: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("{i}"))).collect();
        // Each part in two chunks, as the formatter hands them over.
        let content: [&[&[(&str, &str)]]; 3] = [
            &[&[("C1", "c1\n")], &[("C4", "c4a\nc4b\n")]],
            &[],
            &[&[("C2", "c2\n"), ("C3", "")], &[("C5", "c5\n")]],
        ];
        for (p, chunks) in parts.iter().zip(content) {
            let mut w = PartWriter::create(p).unwrap();
            for entries in chunks {
                let mut text = Vec::new();
                let mut claims = Vec::new();
                for (k, rows) in entries.iter() {
                    text.extend_from_slice(rows.as_bytes());
                    claims.push((k.as_bytes(), text.len()));
                }
                w.chunk(claims.into_iter(), &text).unwrap();
            }
            w.finish().unwrap();
        }
        let mut out = Vec::new();
        merge(&mut out, &parts).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "c1\nc2\nc4a\nc4b\nc5\n");
    }

    #[test]
    fn a_damaged_part_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("0");
        let mut w = PartWriter::create(&p).unwrap();
        w.chunk([(&b"C1"[..], 10)].into_iter(), b"0123456789")
            .unwrap();
        w.finish().unwrap();
        let whole = std::fs::read(&p).unwrap();
        // Cut anywhere: never a panic, and an error unless what is left
        // still reads as a part (the index's end, an empty index).
        for cut in 0..whole.len() {
            std::fs::write(&p, &whole[..cut]).unwrap();
            if let Err(e) = merge(Vec::new(), std::slice::from_ref(&p)) {
                assert!(
                    matches!(
                        e.kind(),
                        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
                    ),
                    "{e}"
                );
            }
        }
        // The index claims more rows than the file holds.
        let mut bad = b"01234".to_vec();
        bad.extend_from_slice(&2u32.to_le_bytes());
        bad.extend_from_slice(b"C1");
        bad.extend_from_slice(&10u64.to_le_bytes());
        bad.extend_from_slice(&5u64.to_le_bytes());
        std::fs::write(&p, &bad).unwrap();
        let err = merge(Vec::new(), &[p]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }
}
