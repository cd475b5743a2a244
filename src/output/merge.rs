//! Partition outputs and their merge: when a month is adjudicated
//! partition by partition, each partition writes its payments and audit
//! rows sorted by claim_id into a part file, and the parts are merged into
//! the one file the contract names, in claim_id order, as if the month had
//! been adjudicated at once.
//!
//! A part file is a sequence of entries: the sort key and the formatted
//! CSV rows of one claim, each length-prefixed.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Writes one part file; entries must come in ascending key order.
pub struct PartWriter {
    out: BufWriter<File>,
}

impl PartWriter {
    pub fn create(path: &Path) -> io::Result<PartWriter> {
        Ok(PartWriter {
            out: BufWriter::with_capacity(1 << 17, File::create(path)?),
        })
    }

    /// One claim's rows under its key (nothing when it has no rows).
    pub fn entry(&mut self, key: &[u8], rows: &[u8]) -> io::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        self.out.write_all(&(key.len() as u32).to_le_bytes())?;
        self.out.write_all(key)?;
        self.out.write_all(&(rows.len() as u64).to_le_bytes())?;
        self.out.write_all(rows)
    }

    pub fn finish(self) -> io::Result<()> {
        self.out
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_data()
    }
}

struct PartReader {
    input: BufReader<File>,
    path: PathBuf,
}

impl PartReader {
    /// The next (key, rows), or `None` at the end of the part.
    fn next(&mut self) -> io::Result<Option<(Vec<u8>, Vec<u8>)>> {
        let mut n = [0u8; 4];
        match self.input.read_exact(&mut n) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut key = vec![0u8; u32::from_le_bytes(n) as usize];
        self.input.read_exact(&mut key)?;
        let mut m = [0u8; 8];
        self.input.read_exact(&mut m)?;
        let len = usize::try_from(u64::from_le_bytes(m)).map_err(|_| self.damaged())?;
        let mut rows = vec![0u8; len];
        self.input.read_exact(&mut rows)?;
        Ok(Some((key, rows)))
    }

    fn damaged(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: damaged part file", self.path.display()),
        )
    }
}

/// Write the rows of every part to `w` in ascending key order (ties, which
/// a run never makes, in part order).
pub fn merge<W: Write>(mut w: W, parts: &[PathBuf]) -> io::Result<()> {
    let mut readers = Vec::with_capacity(parts.len());
    for p in parts {
        readers.push(PartReader {
            input: BufReader::with_capacity(1 << 16, File::open(p)?),
            path: p.clone(),
        });
    }
    let mut heads: Vec<Option<Vec<u8>>> = vec![None; readers.len()];
    let mut heap = BinaryHeap::new();
    for (i, r) in readers.iter_mut().enumerate() {
        if let Some((key, rows)) = r.next()? {
            heads[i] = Some(rows);
            heap.push(Reverse((key, i)));
        }
    }
    while let Some(Reverse((_, i))) = heap.pop() {
        if let Some(rows) = heads[i].take() {
            w.write_all(&rows)?;
        }
        if let Some((key, rows)) = readers[i].next()? {
            heads[i] = Some(rows);
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
        let content: [&[(&str, &str)]; 3] = [
            &[("C1", "c1\n"), ("C4", "c4a\nc4b\n")],
            &[],
            &[("C2", "c2\n"), ("C3", ""), ("C5", "c5\n")],
        ];
        for (p, entries) in parts.iter().zip(content) {
            let mut w = PartWriter::create(p).unwrap();
            for (k, rows) in entries {
                w.entry(k.as_bytes(), rows.as_bytes()).unwrap();
            }
            w.finish().unwrap();
        }
        let mut out = Vec::new();
        merge(&mut out, &parts).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "c1\nc2\nc4a\nc4b\nc5\n");
    }
}
