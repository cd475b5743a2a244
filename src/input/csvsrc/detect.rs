//! Telling UTF-8 from GB18030 by the characters a file holds, and
//! decoding a whole file in the encoding chosen or detected.

use super::Encoding;

/// What a file's bytes, read as UTF-8, say about whether it is UTF-8 or
/// GB18030. Valid UTF-8 is no proof: many GBK characters are also valid
/// two-byte UTF-8 sequences (药 is D2 A9, 品 C6 B7, 医 D2 BD, 院 D4 BA).
/// But Chinese in UTF-8 is three-byte characters (U+0800 and above), while
/// GBK read as UTF-8 gives two-byte characters from Latin Extended-B, IPA,
/// Cyrillic, Armenian, Hebrew, Arabic and the like (药 reads as Cyrillic ҩ,
/// 院 as Armenian Ժ), which these exports do not hold; and GBK text is
/// mostly not UTF-8 at all.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) struct Evidence {
    /// Characters at U+0800 and above.
    wide: u64,
    /// Two-byte characters a UTF-8 export plausibly holds: Latin-1 and
    /// Latin Extended-A letters and signs (·, ×, °, µ, é) and Greek (α, μ).
    latin: u64,
    /// The other two-byte characters (U+0180 to U+037F, U+0400 to U+07FF).
    odd: u64,
    /// Byte sequences that are not UTF-8.
    bad: u64,
}

impl Evidence {
    /// Count the characters of `bytes` (with its invalid sequences).
    pub(super) fn of(bytes: &[u8]) -> Evidence {
        let mut e = Evidence::default();
        for chunk in bytes.utf8_chunks() {
            for c in chunk.valid().chars().filter(|c| !c.is_ascii()) {
                match c as u32 {
                    0x80..=0x17F | 0x380..=0x3FF => e.latin += 1,
                    0x180..=0x37F | 0x400..=0x7FF => e.odd += 1,
                    _ => e.wide += 1,
                }
            }
            e.bad += u64::from(!chunk.invalid().is_empty());
        }
        e
    }

    /// Count the characters of valid UTF-8 by their lead bytes (the same
    /// classes as [`Evidence::of`]), from a histogram of bytes 0xC0..=0xFF.
    pub(super) fn of_leads(leads: &[u64; 64]) -> Evidence {
        let mut e = Evidence::default();
        for (i, &n) in leads.iter().enumerate() {
            match 0xC0 + i {
                0xC2..=0xC5 | 0xCE..=0xCF => e.latin += n,
                0xC6..=0xCD | 0xD0..=0xDF => e.odd += n,
                0xE0..=0xF4 => e.wide += n,
                _ => {}
            }
        }
        e
    }

    /// UTF-8 unless the file reads more like GBK taken for UTF-8. A UTF-8
    /// export with a few corrupt bytes keeps its many wide characters.
    pub(super) fn favours_utf8(&self) -> bool {
        self.wide + self.latin >= self.odd + self.bad
    }
}

/// Decode a file. Bytes that are not text in the chosen encoding become
/// U+FFFD and the file is marked `lossy`: the lines holding them are
/// refused one by one (quarantined, or fatal in a reference file) instead
/// of refusing every line of the file for one bad byte.
pub(super) fn decode(raw: Vec<u8>, encoding: Encoding) -> (String, &'static str, bool) {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let body = raw.strip_prefix(BOM).unwrap_or(&raw);
    let valid_utf8 = std::str::from_utf8(body).is_ok();
    let bom = body.len() < raw.len();
    let utf8 = || {
        if valid_utf8 {
            return (String::new(), false);
        }
        (String::from_utf8_lossy(body).into_owned(), true)
    };
    let gb = || {
        let (text, bad) = encoding_rs::GB18030.decode_without_bom_handling(&raw);
        (text.into_owned(), bad)
    };
    // A BOM says UTF-8; else the characters decide (see `Evidence`).
    let utf8_likely = encoding == Encoding::Auto && (bom || Evidence::of(body).favours_utf8());
    match encoding {
        Encoding::Utf8 | Encoding::Auto if valid_utf8 => {
            if encoding == Encoding::Auto && !utf8_likely {
                // Reads like GBK: GB18030 if it decodes whole.
                if let (g, false) = gb() {
                    return (g, "gb18030", false);
                }
            }
            // The common case: take the bytes as they are, without a copy.
            let mut raw = raw;
            if bom {
                raw.drain(..3);
            }
            let text = String::from_utf8(raw)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            (text, "utf-8", false)
        }
        Encoding::Utf8 => {
            let (t, bad) = utf8();
            (t, "utf-8", bad)
        }
        Encoding::Gb18030 => {
            let (t, bad) = gb();
            (t, "gb18030", bad)
        }
        // UTF-8 with a few corrupt bytes, not GBK (GB18030 accepts almost
        // any bytes and would garble every character).
        Encoding::Auto if utf8_likely => {
            let (u, bad) = utf8();
            (u, "utf-8", bad)
        }
        Encoding::Auto => match gb() {
            (g, false) => (g, "gb18030", false),
            // Neither fits whole: keep the reading that loses less.
            (g, true) => {
                let (u, _) = utf8();
                let lost = |t: &str| t.matches('\u{FFFD}').count();
                if lost(&g) < lost(&u) {
                    (g, "gb18030", true)
                } else {
                    (u, "utf-8", true)
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{decode, Encoding, Evidence};

    fn detected(bytes: &[u8]) -> &'static str {
        decode(bytes.to_vec(), Encoding::Auto).1
    }

    #[test]
    fn gbk_that_is_also_valid_utf8_is_read_as_gb18030() {
        let (gbk, _, _) = encoding_rs::GB18030.encode("code,name\nD1,药品\nD2,医院\n");
        assert!(std::str::from_utf8(&gbk).is_ok());
        assert_eq!(detected(&gbk), "gb18030");
    }

    #[test]
    fn utf8_with_latin_letters_and_signs_stays_utf8() {
        // Each of these would also decode as GB18030.
        assert_eq!(detected("name\nCafé 400µg ×2 α-β\n".as_bytes()), "utf-8");
        assert_eq!(detected("name\n阿莫西林胶囊\n".as_bytes()), "utf-8");
        assert_eq!(detected(b"name\nplain\n"), "utf-8");
    }

    #[test]
    fn lead_bytes_and_characters_count_alike() {
        let text = "a é µ α ҩ Ʒ Ժ 药 😀 \u{85}";
        let mut leads = [0u64; 64];
        for b in text.bytes().filter(|&b| b >= 0xC0) {
            leads[usize::from(b - 0xC0)] += 1;
        }
        assert_eq!(Evidence::of_leads(&leads), Evidence::of(text.as_bytes()));
    }
}
