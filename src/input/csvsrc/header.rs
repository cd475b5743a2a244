//! The header row and its mapping onto a schema: each column's index,
//! the unknown names, and the required columns missing.

use super::clean::ID_COLUMNS;
use super::{Body, Column, CsvFile, InputError};
use crate::input::reason::Reason;
use std::io::Read;
use std::path::Path;

/// The header record at the start of `input`, or why there is none.
pub(super) fn header_of<R: Read>(path: &Path, input: R) -> Result<csv::ByteRecord, InputError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = rdr
        .byte_headers()
        .map_err(|e| {
            let detail = e.to_string();
            InputError::new(path, 1, "", Reason::HeaderUnreadable { detail })
        })?
        .clone();
    if header.iter().all(|h| h.iter().all(u8::is_ascii_whitespace)) {
        return Err(InputError::new(path, 1, "", Reason::HeaderMissing));
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
                return Err(InputError::new(path, 1, name, Reason::ColumnTwice));
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
        return Err(InputError::new(path, 1, c, Reason::ColumnMissing));
    }
    Ok((index, unknown_columns, missing))
}

/// Map a file's header onto `schema` and make the file.
#[allow(clippy::too_many_arguments)]
pub(super) fn with_header(
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
        header_len: header.len(),
    })
}
