//! All CSV input goes through here: encoding detection (UTF-8 with or without
//! BOM, GB18030/GBK), header matching (English names case-insensitively or
//! their Chinese aliases, any order), unknown-column warnings, ids cleaned
//! of invisible characters and checked for control characters, and records
//! that remember their file line and raw text for error reports.
//!
//! One concept a file: [`encoding`] is the `--encoding` choice per role or
//! file, [`scan`] hashes a file and checks it is UTF-8 in one pass,
//! [`detect`] tells UTF-8 from GB18030 and decodes, [`header`] maps a
//! header onto its schema, [`clean`] strips and checks ids, [`records`] and
//! [`tee`] stream records with their raw text, [`row`] reads a record's
//! cells and [`cell`] parses them. Here: the file itself and opening it.

use super::InputError;
use std::fs::File;
use std::path::{Path, PathBuf};

pub mod cell;
mod clean;
mod detect;
mod encoding;
mod header;
mod records;
mod row;
mod scan;
mod split;
mod tee;

use self::detect::decode;
use self::header::{header_of, with_header};
use self::scan::scan_utf8;
use self::tee::Tee;

pub use self::clean::{has_control, id_key, ID_COLUMNS};
pub use self::encoding::{Encoding, EncodingError, Encodings, ROLES};
pub use self::records::{stripped_warning, Records};
pub use self::row::{CellError, Row};
pub use self::split::Part;
// The SHA-256 helpers' former home, as callers name them.
pub use crate::digest::{hex, sha256_hex};

/// The longest cell accepted (bytes). No field of the contract comes near
/// it; a longer one is a broken export (an unclosed quote swallowing lines)
/// and is refused rather than carried into every output.
pub const MAX_FIELD_BYTES: usize = 4096;

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
    /// Cells in the header: a part read after the first has no header.
    header_len: usize,
}

/// Where a file's text comes from.
enum Body {
    /// Decoded and held whole: files that are not valid UTF-8 (GB18030, or
    /// UTF-8 with corrupt bytes), which are rare and small.
    Text(String),
    /// Valid UTF-8, streamed from the file; `skip` is the length of a BOM.
    /// No handle is kept: a month of a thousand exports would hold a
    /// thousand files open. Raw lines of quarantined records are read again
    /// by path and offset. `starts` are where it may be cut into parts.
    File {
        skip: u64,
        starts: Vec<split::Start>,
    },
}

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
    let cannot = |e: std::io::Error| {
        let detail = e.to_string();
        InputError::new(path, 0, "", super::Reason::CannotRead { detail })
    };
    let scanned = {
        // Closed before the header is read: one handle at a time.
        let mut file = File::open(path).map_err(cannot)?;
        scan_utf8(&mut file).map_err(cannot)?
    };
    let Some(scan::Scanned {
        bytes,
        sha256,
        bom,
        evidence,
        starts,
    }) = scanned
    else {
        return open_whole(path, schema, encoding, require);
    };
    if encoding == Encoding::Auto && !bom && !evidence.favours_utf8() {
        // Valid UTF-8 that reads like GBK: decide on the whole text.
        return open_whole(path, schema, encoding, require);
    }
    let skip = if bom { 3 } else { 0 };
    let header = header_of(path, Tee::new(path, skip, Part::WHOLE).map_err(cannot)?)?;
    let body = Body::File { skip, starts };
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

/// Read and decode a whole file, and map its header.
fn open_whole(
    path: &Path,
    schema: &'static [Column],
    encoding: Encoding,
    require: bool,
) -> Result<CsvFile, InputError> {
    let raw = std::fs::read(path).map_err(|e| {
        let detail = e.to_string();
        InputError::new(path, 0, "", super::Reason::CannotRead { detail })
    })?;
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

    /// Look again for record starts, `step` bytes apart, to cut a small
    /// file into parts in tests (the pass that hashes a file looks for
    /// them megabytes apart).
    #[cfg(test)]
    pub(crate) fn cut_every(&mut self, step: u64) {
        if let Body::File { skip, starts } = &mut self.body {
            let text = std::fs::read(&self.path).unwrap_or_default();
            let mut found = split::Starts::new(step);
            found.feed(0, text.get(*skip as usize..).unwrap_or_default());
            *starts = found.finish();
        }
    }

    /// Whether the header has the `k`-th schema column.
    pub(crate) fn has_column_at(&self, k: usize) -> bool {
        self.index.get(k).is_some_and(Option::is_some)
    }

    /// Whether the header has the schema column `name`.
    pub fn has_column(&self, name: &str) -> bool {
        self.schema
            .iter()
            .zip(&self.index)
            .any(|(c, i)| c.name == name && i.is_some())
    }
}
