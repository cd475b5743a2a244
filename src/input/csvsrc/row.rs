//! One record and its cells by schema column: trimmed, ids checked, and
//! parsed with errors that name the column.

use super::clean::{has_control, id_key, trim_cell};
use super::CsvFile;
use crate::input::reason::Reason;
use std::borrow::Cow;

/// One record: its line number, raw bytes, and cells by schema column.
pub struct Row<'r> {
    pub line: u64,
    pub(super) raw_bytes: &'r [u8],
    pub byte_range: (usize, usize),
    pub(super) file: &'r CsvFile,
    pub(super) record: &'r csv::ByteRecord,
    /// The record's cells together as text, when they are UTF-8 (they are
    /// in any file read as text): a cell is then a slice of it.
    pub(super) text: Option<&'r str>,
    /// The record's cells are printable ASCII alone: no control or
    /// invisible character to look for in them.
    pub(super) printable: bool,
    /// The record has a different number of fields than the header.
    pub width_mismatch: Option<(usize, usize)>,
    /// A cell longer than [`MAX_FIELD_BYTES`](super::MAX_FIELD_BYTES): its
    /// header name and length.
    pub oversized: Option<(String, usize)>,
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
    pub fn undecodable(&self) -> Option<Reason> {
        (self.file.lossy && self.raw().contains('\u{FFFD}')).then(|| Reason::Undecodable {
            encoding: self.file.encoding.to_string(),
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
        let cell = match self.text {
            Some(text) => text.get(self.record.range(i)?)?,
            None => std::str::from_utf8(self.record.get(i)?).ok()?,
        };
        let cell = trim_cell(cell);
        (!cell.is_empty()).then_some(cell)
    }

    /// An id cell ([`Row::get_at`]), refused when it holds a control
    /// character: a NUL or a line feed inside an id is a broken export,
    /// and kept it would make a second claim or person.
    pub fn id_at(&self, k: usize) -> Result<Option<&'r str>, CellError> {
        let Some(s) = self.get_at(k) else {
            return Ok(None);
        };
        if self.printable || !has_control(s) {
            return Ok(Some(s));
        }
        match s.chars().find(|c| c.is_control()) {
            None => Ok(Some(s)),
            Some(c) => Err(CellError {
                column: self.name_at(k),
                message: Reason::ControlCharacter { code: c as u32 },
            }),
        }
    }

    /// An id cell as a grouping key ([`id_key`]): the cell as written when
    /// it holds no control character.
    pub fn key_at(&self, k: usize) -> Option<Cow<'r, str>> {
        let s = self.get_at(k)?;
        Some(match self.printable {
            true => Cow::Borrowed(s),
            false => id_key(s),
        })
    }

    /// A required id cell ([`Row::id_at`]).
    pub fn need_id_at(&self, k: usize) -> Result<&'r str, CellError> {
        self.id_at(k)?.ok_or_else(|| CellError {
            column: self.name_at(k),
            message: Reason::Missing,
        })
    }

    /// [`Row::need_id_at`] by column name.
    pub fn need_id(&self, name: &'static str) -> Result<&'r str, CellError> {
        match self.file.schema.iter().position(|c| c.name == name) {
            Some(k) => self.need_id_at(k),
            None => Err(CellError {
                column: name,
                message: Reason::Missing,
            }),
        }
    }

    fn name_at(&self, k: usize) -> &'static str {
        self.file.schema.get(k).map(|c| c.name).unwrap_or("")
    }

    /// [`Row::need`] by column index.
    pub fn need_at(&self, k: usize) -> Result<&'r str, CellError> {
        self.get_at(k).ok_or_else(|| CellError {
            column: self.name_at(k),
            message: Reason::Missing,
        })
    }

    /// [`Row::parse`] by column index.
    pub fn parse_at<T, E: Into<Reason>>(
        &self,
        k: usize,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, CellError> {
        match self.get_at(k) {
            None => Ok(None),
            Some(s) => f(s).map(Some).map_err(|message| CellError {
                column: self.name_at(k),
                message: message.into(),
            }),
        }
    }

    /// [`Row::parse_req`] by column index.
    pub fn parse_req_at<T, E: Into<Reason>>(
        &self,
        k: usize,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, CellError> {
        let s = self.need_at(k)?;
        f(s).map_err(|message| CellError {
            column: self.name_at(k),
            message: message.into(),
        })
    }

    /// A required cell, or the error naming its column.
    pub fn need(&self, name: &'static str) -> Result<&'r str, CellError> {
        self.get(name).ok_or(CellError {
            column: name,
            message: Reason::Missing,
        })
    }

    /// Parse an optional cell; a present but malformed value is an error.
    pub fn parse<T, E: Into<Reason>>(
        &self,
        name: &'static str,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, CellError> {
        match self.get(name) {
            None => Ok(None),
            Some(s) => f(s).map(Some).map_err(|message| CellError {
                column: name,
                message: message.into(),
            }),
        }
    }

    /// Parse a required cell.
    pub fn parse_req<T, E: Into<Reason>>(
        &self,
        name: &'static str,
        f: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, CellError> {
        let s = self.need(name)?;
        f(s).map_err(|message| CellError {
            column: name,
            message: message.into(),
        })
    }
}

/// A cell that breaks the contract: its column, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct CellError {
    pub column: &'static str,
    pub message: Reason,
}
