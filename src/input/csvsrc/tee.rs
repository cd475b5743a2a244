//! A reader over a streamed file that keeps the bytes of the record being
//! read, so its raw text is at hand without holding the file.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// A reader over a file's bytes after its BOM that keeps what it has read
/// since the last record handed out, so each record's raw text is at hand
/// without holding the file.
pub(super) struct Tee {
    file: File,
    kept: Vec<u8>,
    /// Offset of `kept[0]` in the stream.
    kept_start: u64,
    /// Bytes left to read of the part (`u64::MAX`: to the end).
    left: u64,
}

impl Tee {
    /// A fresh handle (a clone would share the position of the one kept
    /// for raw lines) on `part` of the text past the BOM.
    pub(super) fn new(path: &Path, skip: u64, part: super::Part) -> std::io::Result<Tee> {
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(skip + part.begin))?;
        Ok(Tee {
            file,
            kept: Vec::with_capacity(1 << 20),
            kept_start: part.begin,
            left: part.end.map_or(u64::MAX, |e| e.saturating_sub(part.begin)),
        })
    }

    /// Forget the bytes before stream offset `upto`, once enough piled up.
    pub(super) fn release(&mut self, upto: u64) {
        let done = upto.saturating_sub(self.kept_start) as usize;
        if done >= 1 << 20 && done <= self.kept.len() {
            self.kept.drain(..done);
            self.kept_start += done as u64;
        }
    }

    pub(super) fn window(&self, begin: u64, end: u64) -> &[u8] {
        let from = begin.saturating_sub(self.kept_start) as usize;
        let to = end.saturating_sub(self.kept_start) as usize;
        self.kept.get(from..to.min(self.kept.len())).unwrap_or(&[])
    }
}

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.file.read(&mut buf[..want])?;
        self.kept.extend_from_slice(&buf[..n]);
        self.left -= n as u64;
        Ok(n)
    }
}
