//! One pass over a file in chunks of fixed memory: its SHA-256, whether
//! it is UTF-8, and the lead bytes that tell UTF-8 from GBK.

use super::detect::Evidence;
use crate::digest::hex;
use std::fs::File;
use std::io::Read;

/// Bytes read per call while hashing and checking a file.
const SCAN_CHUNK: usize = 1 << 20;

/// Hash a file and check that it is UTF-8, in chunks, counting the lead
/// bytes of its characters on the way. `None` when it is not UTF-8; else
/// its size, SHA-256, whether it starts with a BOM, and the [`Evidence`].
pub(super) fn scan_utf8(file: &mut File) -> std::io::Result<Option<(u64, String, bool, Evidence)>> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; SCAN_CHUNK + 4];
    // Bytes of a character cut by the previous chunk, moved to the front.
    let mut carried = 0;
    let mut bytes = 0u64;
    let mut bom = None;
    let mut leads = [0u64; 64];
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
    let evidence = Evidence::of_leads(&leads);
    Ok(Some((
        bytes,
        hex(&hasher.finalize()),
        bom.unwrap_or(false),
        evidence,
    )))
}
