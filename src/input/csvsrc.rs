//! All CSV input goes through here: encoding detection (UTF-8 with or without
//! BOM, GB18030/GBK), header matching (English names case-insensitively or
//! their Chinese aliases, any order), unknown-column warnings, ids cleaned
//! of invisible characters and checked for control characters, and records
//! that remember their file line and raw text for error reports.

use super::InputError;
use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The longest cell accepted (bytes). No field of the contract comes near
/// it; a longer one is a broken export (an unclosed quote swallowing lines)
/// and is refused rather than carried into every output.
pub const MAX_FIELD_BYTES: usize = 4096;

/// How to decode an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 or GB18030, whichever the bytes show (see [`Evidence`]).
    #[default]
    Auto,
    Utf8,
    Gb18030,
}

impl Encoding {
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(Encoding::Auto),
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "gb18030" | "gbk" | "gb2312" => Some(Encoding::Gb18030),
            _ => None,
        }
    }
}

/// The roles an input file plays, as `--encoding ROLE=ENCODING` names them.
pub const ROLES: &[&str] = &[
    "claims",
    "members",
    "institutions",
    "catalogue",
    "stays",
    "ledger",
    "prior",
    "family",
];

/// The encoding of every input file: one for all, or per role or file
/// (`--encoding claims=gb18030 --encoding members=utf-8`). A file named by
/// path wins over its role, a role over the value for all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Encodings {
    pub all: Encoding,
    by_role: Vec<(&'static str, Encoding)>,
    /// Canonical paths.
    by_path: Vec<(PathBuf, Encoding)>,
}

impl From<Encoding> for Encodings {
    fn from(all: Encoding) -> Self {
        Encodings {
            all,
            ..Encodings::default()
        }
    }
}

/// An `--encoding` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    #[error("--encoding `{0}` is not auto, utf-8 or gb18030")]
    Unknown(String),
    #[error("--encoding `{value}`: `{key}` is neither a role ({roles}) nor an existing file")]
    NotRoleOrFile {
        value: String,
        key: String,
        roles: String,
    },
}

impl Encodings {
    /// Parse `--encoding` values: `ENCODING`, `ROLE=ENCODING` or
    /// `FILE=ENCODING` (an existing file). Later values win.
    pub fn parse(values: &[String]) -> Result<Encodings, EncodingError> {
        let mut out = Encodings::default();
        let bad = |v: &str| EncodingError::Unknown(v.to_string());
        for v in values {
            let Some((key, value)) = v.rsplit_once('=') else {
                out.all = Encoding::parse(v).ok_or_else(|| bad(v))?;
                continue;
            };
            let enc = Encoding::parse(value.trim()).ok_or_else(|| bad(value))?;
            let key = key.trim();
            if let Some(role) = ROLES.iter().find(|r| r.eq_ignore_ascii_case(key)) {
                out.by_role.retain(|(r, _)| r != role);
                out.by_role.push((role, enc));
                continue;
            }
            let path = std::fs::canonicalize(key).map_err(|_| EncodingError::NotRoleOrFile {
                value: v.clone(),
                key: key.to_string(),
                roles: ROLES.join(", "),
            })?;
            out.by_path.retain(|(p, _)| *p != path);
            out.by_path.push((path, enc));
        }
        Ok(out)
    }

    /// The encoding for a file of `role` at `path`.
    pub fn for_file(&self, role: &str, path: &Path) -> Encoding {
        if !self.by_path.is_empty() {
            if let Ok(p) = std::fs::canonicalize(path) {
                if let Some((_, e)) = self.by_path.iter().find(|(q, _)| *q == p) {
                    return *e;
                }
            }
        }
        self.by_role
            .iter()
            .find(|(r, _)| *r == role)
            .map_or(self.all, |(_, e)| *e)
    }
}

/// Columns that hold ids: cleaned of invisible characters at their ends,
/// and refused when they hold a control character (see [`Row::id_at`]).
pub const ID_COLUMNS: &[&str] = &[
    "claim_id",
    "person_id",
    "institution_id",
    "item_code",
    "prescription_id",
    "prescriber_id",
    "reverses_claim_id",
];

/// Characters that show as nothing and that exports leave at the edges of
/// cells: a byte-order mark (also in mid-file, where two exports were
/// joined), zero-width space, non-joiner, joiner and word joiner. Kept,
/// `"C1\u{200B}"` and `"C1"` would be two claims.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}'
    )
}

/// A cell without surrounding white space and invisible characters.
fn trim_cell(s: &str) -> &str {
    let t = s.trim();
    // The common case: no non-ASCII character at either end.
    if t.as_bytes().first().is_none_or(|b| b.is_ascii())
        && t.as_bytes().last().is_none_or(|b| b.is_ascii())
    {
        return t;
    }
    t.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

/// Whether a cell has an invisible character at either end (under its
/// white space).
fn has_edge_invisible(cell: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(cell) else {
        return false;
    };
    let t = s.trim();
    t.chars().next().is_some_and(is_invisible) || t.chars().next_back().is_some_and(is_invisible)
}

/// Whether text holds a control character (C0, DEL or C1).
pub fn has_control(s: &str) -> bool {
    // C0 controls and DEL are single bytes; C1 controls are C2 80..9F:
    // text without those bytes needs no closer look.
    !s.bytes().all(|b| b >= 0x20 && b != 0x7F && b != 0xC2) && s.chars().any(char::is_control)
}

/// An id as a grouping key: without control characters, so that a line
/// whose claim id holds one (and is quarantined for it) is held back with
/// the rest of its claim instead of standing alone.
pub fn id_key(id: &str) -> Cow<'_, str> {
    if has_control(id) {
        Cow::Owned(id.chars().filter(|c| !c.is_control()).collect())
    } else {
        Cow::Borrowed(id)
    }
}

pub use crate::schema::{opt, req, Column};

/// A decoded CSV file with its header mapped onto a schema.
pub struct CsvFile {
    pub path: PathBuf,
    body: Body,
    pub bytes: u64,
    /// SHA-256 of the file as read, hex.
    pub sha256: String,
    /// For each schema column, its index in the file's records.
    index: Vec<Option<usize>>,
    schema: &'static [Column],
    /// Header names that match no schema column.
    pub unknown_columns: Vec<String>,
    /// Required columns the header lacks (only [`open_lenient`] keeps such
    /// a file).
    pub missing_columns: Vec<&'static str>,
    /// The encoding actually used.
    pub encoding: &'static str,
    /// Some bytes were not text in that encoding (see [`Row::undecodable`]).
    pub lossy: bool,
    /// Record fields whose invisible edge characters are counted: the id
    /// columns and the first field (where a mid-file BOM lands).
    counted: Vec<usize>,
    /// Unit prices may carry up to 6 decimals (the platform layout's `pric`).
    fine_prices: bool,
}

/// Where a file's text comes from.
enum Body {
    /// Decoded and held whole: files that are not valid UTF-8 (GB18030, or
    /// UTF-8 with corrupt bytes), which are rare and small.
    Text(String),
    /// Valid UTF-8, streamed from the file; `skip` is the length of a BOM.
    /// No handle is kept: a month of a thousand exports would hold a
    /// thousand files open. Raw lines of quarantined records are read again
    /// by path and offset.
    File { skip: u64 },
}

/// Bytes read per call while hashing and checking a file.
const SCAN_CHUNK: usize = 1 << 20;

/// Open a file for streaming: hash it and check it is UTF-8 in one pass
/// of fixed memory, then read its header. A file that is not valid UTF-8
/// (or `--encoding gb18030`) is decoded whole instead, as [`open_whole`].
pub fn open(
    path: &Path,
    schema: &'static [Column],
    encoding: Encoding,
) -> Result<CsvFile, InputError> {
    open_as(path, schema, encoding, true)
}

/// [`open`], but a header without a required column is kept, its missing
/// columns listed in [`CsvFile::missing_columns`]: a file that may be
/// written under the platform's names is checked once it is renamed.
pub(crate) fn open_lenient(
    path: &Path,
    schema: &'static [Column],
    encoding: Encoding,
) -> Result<CsvFile, InputError> {
    open_as(path, schema, encoding, false)
}

fn open_as(
    path: &Path,
    schema: &'static [Column],
    encoding: Encoding,
    require: bool,
) -> Result<CsvFile, InputError> {
    if encoding == Encoding::Gb18030 {
        return open_whole(path, schema, encoding, require);
    }
    let cannot = |e: std::io::Error| InputError::new(path, 0, "", format!("cannot read: {e}"));
    let scanned = {
        // Closed before the header is read: one handle at a time.
        let mut file = File::open(path).map_err(cannot)?;
        scan_utf8(&mut file).map_err(cannot)?
    };
    let Some((bytes, sha256, bom, evidence)) = scanned else {
        return open_whole(path, schema, encoding, require);
    };
    if encoding == Encoding::Auto && !bom && !evidence.favours_utf8() {
        // Valid UTF-8 that reads like GBK: decide on the whole text.
        return open_whole(path, schema, encoding, require);
    }
    let skip = if bom { 3 } else { 0 };
    let header = header_of(path, Tee::new(path, skip).map_err(cannot)?)?;
    let body = Body::File { skip };
    with_header(
        path,
        schema,
        &header,
        body,
        bytes,
        sha256,
        ("utf-8", false),
        require,
    )
}

/// What a file's bytes, read as UTF-8, say about whether it is UTF-8 or
/// GB18030. Valid UTF-8 is no proof: many GBK characters are also valid
/// two-byte UTF-8 sequences (药 is D2 A9, 品 C6 B7, 医 D2 BD, 院 D4 BA).
/// But Chinese in UTF-8 is three-byte characters (U+0800 and above), while
/// GBK read as UTF-8 gives two-byte characters from Latin Extended-B, IPA,
/// Cyrillic, Armenian, Hebrew, Arabic and the like (药 reads as Cyrillic ҩ,
/// 院 as Armenian Ժ), which these exports do not hold; and GBK text is
/// mostly not UTF-8 at all.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Evidence {
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
    fn of(bytes: &[u8]) -> Evidence {
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
    fn of_leads(leads: &[u64; 64]) -> Evidence {
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
    fn favours_utf8(&self) -> bool {
        self.wide + self.latin >= self.odd + self.bad
    }
}

/// Hash a file and check that it is UTF-8, in chunks, counting the lead
/// bytes of its characters on the way. `None` when it is not UTF-8; else
/// its size, SHA-256, whether it starts with a BOM, and the [`Evidence`].
fn scan_utf8(file: &mut File) -> std::io::Result<Option<(u64, String, bool, Evidence)>> {
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

/// The header record at the start of `input`, or why there is none.
fn header_of<R: Read>(path: &Path, input: R) -> Result<csv::ByteRecord, InputError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = rdr
        .byte_headers()
        .map_err(|e| InputError::new(path, 1, "", format!("cannot read the header row: {e}")))?
        .clone();
    if header.iter().all(|h| h.iter().all(u8::is_ascii_whitespace)) {
        return Err(InputError::new(
            path,
            1,
            "",
            "the header row is missing or empty".into(),
        ));
    }
    Ok(header)
}

type Layout = (Vec<Option<usize>>, Vec<String>, Vec<&'static str>);

/// Map a header onto a schema: each column's index and the unknown names.
/// A header without a required column is refused here, for every reader
/// (unless `require` is false: then the missing columns are listed).
fn map_header(
    path: &Path,
    header: &csv::ByteRecord,
    schema: &'static [Column],
    require: bool,
) -> Result<Layout, InputError> {
    let mut index = vec![None; schema.len()];
    let mut unknown_columns = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = String::from_utf8_lossy(h);
        let name = h.trim();
        match schema.iter().position(|c| {
            c.name.eq_ignore_ascii_case(name) || (!c.alias.is_empty() && c.alias == name)
        }) {
            Some(k) if index[k].is_none() => index[k] = Some(i),
            Some(_) => {
                return Err(InputError::new(
                    path,
                    1,
                    name,
                    "column appears twice in the header".into(),
                ));
            }
            None => unknown_columns.push(name.to_string()),
        }
    }
    let missing: Vec<&'static str> = schema
        .iter()
        .zip(&index)
        .filter(|(c, i)| c.required && i.is_none())
        .map(|(c, _)| c.name)
        .collect();
    if let (true, Some(c)) = (require, missing.first()) {
        return Err(InputError::new(
            path,
            1,
            c,
            "required column is missing from the header".into(),
        ));
    }
    Ok((index, unknown_columns, missing))
}

/// Read and decode a whole file, and map its header.
fn open_whole(
    path: &Path,
    schema: &'static [Column],
    encoding: Encoding,
    require: bool,
) -> Result<CsvFile, InputError> {
    let raw = std::fs::read(path)
        .map_err(|e| InputError::new(path, 0, "", format!("cannot read: {e}")))?;
    let bytes = raw.len() as u64;
    let sha256 = sha256_hex(&raw);
    let (text, used, lossy) = decode(raw, encoding);
    let header = header_of(path, text.as_bytes())?;
    let body = Body::Text(text);
    with_header(
        path,
        schema,
        &header,
        body,
        bytes,
        sha256,
        (used, lossy),
        require,
    )
}

/// Map a file's header onto `schema` and make the file.
#[allow(clippy::too_many_arguments)]
fn with_header(
    path: &Path,
    schema: &'static [Column],
    header: &csv::ByteRecord,
    body: Body,
    bytes: u64,
    sha256: String,
    (encoding, lossy): (&'static str, bool),
    require: bool,
) -> Result<CsvFile, InputError> {
    let (index, unknown_columns, missing_columns) = map_header(path, header, schema, require)?;
    let mut counted: Vec<usize> = schema
        .iter()
        .zip(&index)
        .filter(|(c, _)| ID_COLUMNS.contains(&c.name))
        .filter_map(|(_, i)| *i)
        .chain([0])
        .collect();
    counted.sort_unstable();
    counted.dedup();
    Ok(CsvFile {
        path: path.to_path_buf(),
        body,
        bytes,
        sha256,
        index,
        schema,
        unknown_columns,
        missing_columns,
        encoding,
        lossy,
        counted,
        fine_prices: false,
    })
}

impl CsvFile {
    /// A file made in memory from `text`, standing for the file at `path`
    /// (whose size, hash and encoding it keeps): the platform layout's fee
    /// lines rewritten as claim lines, whose unit prices may carry up to 6
    /// decimals (see `platform`).
    pub(crate) fn from_text(
        path: &Path,
        schema: &'static [Column],
        text: String,
        bytes: u64,
        sha256: String,
        encoding: &'static str,
    ) -> Result<CsvFile, InputError> {
        let header = header_of(path, text.as_bytes())?;
        let mut f = with_header(
            path,
            schema,
            &header,
            Body::Text(text),
            bytes,
            sha256,
            (encoding, false),
            true,
        )?;
        f.fine_prices = true;
        Ok(f)
    }

    /// Whether the header has the `k`-th schema column.
    pub(crate) fn has_column_at(&self, k: usize) -> bool {
        self.index.get(k).is_some_and(Option::is_some)
    }
}

/// SHA-256 of some bytes, lower-case hex (the manifest's file hashes).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// Lower-case hex of a digest.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decode a file. Bytes that are not text in the chosen encoding become
/// U+FFFD and the file is marked `lossy`: the lines holding them are
/// refused one by one (quarantined, or fatal in a reference file) instead
/// of refusing every line of the file for one bad byte.
fn decode(raw: Vec<u8>, encoding: Encoding) -> (String, &'static str, bool) {
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

impl CsvFile {
    /// Whether the header has the schema column `name`.
    pub fn has_column(&self, name: &str) -> bool {
        self.schema
            .iter()
            .zip(&self.index)
            .any(|(c, i)| c.name == name && i.is_some())
    }

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

/// A reader over a file's bytes after its BOM that keeps what it has read
/// since the last record handed out, so each record's raw text is at hand
/// without holding the file.
struct Tee {
    file: File,
    kept: Vec<u8>,
    /// Offset of `kept[0]` in the stream.
    kept_start: u64,
}

impl Tee {
    /// A fresh handle (a clone would share the position of the one kept
    /// for raw lines), past the BOM.
    fn new(path: &Path, skip: u64) -> std::io::Result<Tee> {
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(skip))?;
        Ok(Tee {
            file,
            kept: Vec::with_capacity(1 << 20),
            kept_start: 0,
        })
    }

    /// Forget the bytes before stream offset `upto`, once enough piled up.
    fn release(&mut self, upto: u64) {
        let done = upto.saturating_sub(self.kept_start) as usize;
        if done >= 1 << 20 && done <= self.kept.len() {
            self.kept.drain(..done);
            self.kept_start += done as u64;
        }
    }

    fn window(&self, begin: u64, end: u64) -> &[u8] {
        let from = begin.saturating_sub(self.kept_start) as usize;
        let to = end.saturating_sub(self.kept_start) as usize;
        self.kept.get(from..to.min(self.kept.len())).unwrap_or(&[])
    }
}

impl Read for Tee {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.kept.extend_from_slice(&buf[..n]);
        Ok(n)
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

/// One record: its line number, raw bytes, and cells by schema column.
pub struct Row<'r> {
    pub line: u64,
    raw_bytes: &'r [u8],
    pub byte_range: (usize, usize),
    file: &'r CsvFile,
    record: &'r csv::ByteRecord,
    /// The record has a different number of fields than the header.
    pub width_mismatch: Option<(usize, usize)>,
    /// A cell longer than [`MAX_FIELD_BYTES`]: its header name and length.
    pub oversized: Option<(String, usize)>,
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
                // Every invisible character starts with byte E2 or EF.
                if bytes.iter().any(|&b| b == 0xE2 || b == 0xEF) {
                    self.stripped += self
                        .file
                        .counted
                        .iter()
                        .filter(|&&i| self.record.get(i).is_some_and(has_edge_invisible))
                        .count() as u64;
                }
                let n = self.record.len();
                let oversized = self
                    .record
                    .iter()
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
                Some(Ok(Row {
                    line,
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
                    format!("malformed CSV: {e}"),
                )))
            }
        }
    }
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
        format!(
            "{}: {n} ids had invisible characters stripped (byte-order marks or zero-width spaces at their start or end)",
            path.display()
        )
    })
}

impl<'r> Row<'r> {
    /// The record as written, without its line end. Only error paths need
    /// it, so it is not checked as text for every line.
    /// Unit prices may carry up to 6 decimals (see [`CsvFile::from_text`]).
    pub(crate) fn fine_prices(&self) -> bool {
        self.file.fine_prices
    }

    pub fn raw(&self) -> &'r str {
        std::str::from_utf8(self.raw_bytes)
            .unwrap_or("")
            .trim_end_matches(['\r', '\n'])
    }

    /// Why this record cannot be trusted as text, if it holds bytes that
    /// are not text in the file's encoding.
    pub fn undecodable(&self) -> Option<String> {
        (self.file.lossy && self.raw().contains('\u{FFFD}')).then(|| {
            format!(
                "holds bytes that are not {} text (shown as \u{FFFD}; try --encoding)",
                self.file.encoding
            )
        })
    }

    /// The trimmed cell of a schema column; `None` when the column is absent
    /// or the cell empty (CONTRACT.md: empty cell = absent).
    pub fn get(&self, name: &str) -> Option<&'r str> {
        self.get_at(self.file.schema.iter().position(|c| c.name == name)?)
    }

    /// The cell of the schema's `k`-th column (the hot path: no name
    /// look-up).
    /// Invisible characters at the edges are stripped like white space.
    pub fn get_at(&self, k: usize) -> Option<&'r str> {
        let i = (*self.file.index.get(k)?)?;
        let cell = trim_cell(std::str::from_utf8(self.record.get(i)?).ok()?);
        (!cell.is_empty()).then_some(cell)
    }

    /// An id cell ([`Row::get_at`]), refused when it holds a control
    /// character: a NUL or a line feed inside an id is a broken export,
    /// and kept it would make a second claim or person.
    pub fn id_at(&self, k: usize) -> Result<Option<&'r str>, CellError> {
        let Some(s) = self.get_at(k) else {
            return Ok(None);
        };
        if !has_control(s) {
            return Ok(Some(s));
        }
        match s.chars().find(|c| c.is_control()) {
            None => Ok(Some(s)),
            Some(c) => Err(CellError {
                column: self.name_at(k),
                message: format!(
                    "holds the control character U+{:04X}, which no id may contain",
                    c as u32
                ),
            }),
        }
    }

    /// A required id cell ([`Row::id_at`]).
    pub fn need_id_at(&self, k: usize) -> Result<&'r str, CellError> {
        self.id_at(k)?.ok_or(CellError {
            column: self.name_at(k),
            message: "required value is missing".into(),
        })
    }

    /// [`Row::need_id_at`] by column name.
    pub fn need_id(&self, name: &'static str) -> Result<&'r str, CellError> {
        match self.file.schema.iter().position(|c| c.name == name) {
            Some(k) => self.need_id_at(k),
            None => Err(CellError {
                column: name,
                message: "required value is missing".into(),
            }),
        }
    }

    fn name_at(&self, k: usize) -> &'static str {
        self.file.schema.get(k).map(|c| c.name).unwrap_or("")
    }

    /// [`Row::need`] by column index.
    pub fn need_at(&self, k: usize) -> Result<&'r str, CellError> {
        self.get_at(k).ok_or(CellError {
            column: self.name_at(k),
            message: "required value is missing".into(),
        })
    }

    /// [`Row::parse`] by column index.
    pub fn parse_at<T, E: std::fmt::Display>(
        &self,
        k: usize,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, CellError> {
        match self.get_at(k) {
            None => Ok(None),
            Some(s) => f(s).map(Some).map_err(|message| CellError {
                column: self.name_at(k),
                message: message.to_string(),
            }),
        }
    }

    /// [`Row::parse_req`] by column index.
    pub fn parse_req_at<T, E: std::fmt::Display>(
        &self,
        k: usize,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, CellError> {
        let s = self.need_at(k)?;
        f(s).map_err(|message| CellError {
            column: self.name_at(k),
            message: message.to_string(),
        })
    }

    /// A required cell, or the error naming its column.
    pub fn need(&self, name: &'static str) -> Result<&'r str, CellError> {
        self.get(name).ok_or(CellError {
            column: name,
            message: "required value is missing".into(),
        })
    }

    /// Parse an optional cell; a present but malformed value is an error.
    pub fn parse<T, E: std::fmt::Display>(
        &self,
        name: &'static str,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, CellError> {
        match self.get(name) {
            None => Ok(None),
            Some(s) => f(s).map(Some).map_err(|message| CellError {
                column: name,
                message: message.to_string(),
            }),
        }
    }

    /// Parse a required cell.
    pub fn parse_req<T, E: std::fmt::Display>(
        &self,
        name: &'static str,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, CellError> {
        let s = self.need(name)?;
        f(s).map_err(|message| CellError {
            column: name,
            message: message.to_string(),
        })
    }
}

/// A cell that breaks the contract.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    pub column: &'static str,
    pub message: String,
}

/// Cell parsers shared by every reader: each says what is wrong in words a
/// clerk understands.
pub mod cell {
    use crate::core::date::{Date, DateTime};
    use crate::core::money::{parse_decimal, parse_money};
    use rust_decimal::Decimal;

    /// What is wrong with a cell's value, in one sentence.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("{0}")]
    pub struct BadValue(pub String);

    /// Readers' own checks write their sentence as text and use `?` on
    /// these parsers inside them.
    impl From<BadValue> for String {
        fn from(e: BadValue) -> String {
            e.0
        }
    }

    pub fn money(s: &str) -> Result<Decimal, BadValue> {
        parse_money(s).map_err(|e| BadValue(format!("`{s}` is not an amount in yuan: {e}")))
    }

    /// A unit price of the platform layout (`pric`): up to 6 decimals.
    pub fn fine_price(s: &str) -> Result<Decimal, BadValue> {
        match parse_decimal(s) {
            Ok(d) if d.scale() <= 6 => Ok(d),
            Ok(_) => Err(BadValue(format!(
                "`{s}` is not a price in yuan: more than 6 decimals"
            ))),
            Err(e) => Err(BadValue(format!("`{s}` is not a price in yuan: {e}"))),
        }
    }

    pub fn decimal(s: &str) -> Result<Decimal, BadValue> {
        parse_decimal(s).map_err(|e| BadValue(format!("`{s}` is not a number: {e}")))
    }

    pub fn date(s: &str) -> Result<Date, BadValue> {
        Date::parse(s).ok_or_else(|| BadValue(format!("`{s}` is not a date YYYY-MM-DD")))
    }

    pub fn time(s: &str) -> Result<DateTime, BadValue> {
        DateTime::parse(s).ok_or_else(|| {
            BadValue(format!(
                "`{s}` is not a date YYYY-MM-DD or time YYYY-MM-DD HH:MM:SS"
            ))
        })
    }

    pub fn boolean(s: &str) -> Result<bool, BadValue> {
        crate::core::model::parse_bool(s).ok_or_else(|| {
            BadValue(format!(
                "`{s}` is not a boolean (true/false, 1/0, Y/N, 是/否)"
            ))
        })
    }

    /// A city id, or a 6-digit 医保区划 code (the platform's names) read
    /// as the city of the rule files' `known` codes (see
    /// [`super::super::platform::city_of_admdvs`]).
    pub fn coded_city(
        known: &[(String, String)],
    ) -> impl Fn(&str) -> Result<String, BadValue> + '_ {
        move |s| match super::super::platform::city_of_admdvs(s.trim(), known) {
            Some(c) => Ok(c),
            None => city(s),
        }
    }

    pub fn city(s: &str) -> Result<String, BadValue> {
        let c = s.trim().to_ascii_lowercase();
        if c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            Ok(c)
        } else {
            Err(BadValue(format!(
                "`{s}` is not a city code such as `wuhan`"
            )))
        }
    }

    pub fn count(s: &str) -> Result<u32, BadValue> {
        s.parse::<u32>()
            .map_err(|_| BadValue(format!("`{s}` is not a whole number ≥ 0")))
    }

    /// An enum of the model, with its accepted ids in the message.
    pub fn choice<T: 'static>(
        parse: fn(&str) -> Option<T>,
        expected: &'static str,
    ) -> impl Fn(&str) -> Result<T, BadValue> {
        move |s| {
            parse(s).ok_or_else(|| BadValue(format!("`{s}` is not one of: {}", expected.trim())))
        }
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
