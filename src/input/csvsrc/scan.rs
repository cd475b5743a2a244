//! One pass over a file in chunks of fixed memory: its SHA-256, whether
//! it is UTF-8, the lead bytes that tell UTF-8 from GBK, and where it may
//! be cut for readers in parallel ([`super::split`]).

use super::detect::Evidence;
use super::split::{Start, Starts};
use crate::digest::hex;
use std::fs::File;
use std::io::Read;

/// Bytes read per call while hashing and checking a file.
const SCAN_CHUNK: usize = 1 << 20;

/// Bytes between the record starts looked for: a file is cut at some of
/// them into parts of about equal size.
pub(super) const START_STEP: u64 = 4 << 20;

/// What the pass found of a UTF-8 file.
pub(super) struct Scanned {
    pub bytes: u64,
    pub sha256: String,
    pub bom: bool,
    pub evidence: Evidence,
    /// Record starts about [`START_STEP`] apart (none when the file must
    /// be read by one reader).
    pub starts: Vec<Start>,
}

/// Hash a file and check that it is UTF-8, in chunks, counting the lead
/// bytes of its characters and following its quotes on the way. `None`
/// when it is not UTF-8.
pub(super) fn scan_utf8(file: &mut File) -> std::io::Result<Option<Scanned>> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; SCAN_CHUNK + 4];
    // Bytes of a character cut by the previous chunk, moved to the front.
    let mut carried = 0;
    let mut bytes = 0u64;
    let mut bom = None;
    let mut leads = [0u64; 64];
    let mut starts = Starts::new(START_STEP);
    loop {
        let n = file.read(&mut buf[carried..])?;
        if n == 0 {
            if carried > 0 {
                return Ok(None);
            }
            break;
        }
        hasher.update(&buf[carried..carried + n]);
        // Each byte once (the carried ones were counted as read); ASCII
        // blocks, the bulk of an export, are skipped whole.
        for block in buf[carried..carried + n].chunks(64) {
            if !block.is_ascii() {
                for &b in block.iter().filter(|&&b| b >= 0xC0) {
                    leads[usize::from(b - 0xC0)] += 1;
                }
            }
        }
        let first = bytes == 0;
        bytes += n as u64;
        let end = carried + n;
        if first {
            bom = Some(buf[..end].starts_with(b"\xEF\xBB\xBF"));
        }
        // Offsets in the text after the BOM, as the CSV reader counts.
        let skip = if bom == Some(true) { 3 } else { 0 };
        let from = (bytes - n as u64).max(skip);
        let new = &buf[carried..carried + n];
        starts.feed(from - skip, &new[new.len() - (bytes - from) as usize..]);
        match std::str::from_utf8(&buf[..end]) {
            Ok(_) => carried = 0,
            // A character cut at the end of the chunk: finish it next time.
            Err(e) if e.error_len().is_none() => {
                let from = e.valid_up_to();
                buf.copy_within(from..end, 0);
                carried = end - from;
            }
            Err(_) => return Ok(None),
        }
    }
    Ok(Some(Scanned {
        bytes,
        sha256: hex(&hasher.finalize()),
        bom: bom.unwrap_or(false),
        evidence: Evidence::of_leads(&leads),
        starts: starts.finish(),
    }))
}
