//! Reading the data directory into typed records (CONTRACT.md §Inputs).
//!
//! Reference files (members, institutions, catalogue, stays, ledger) must be
//! whole: any error in them is fatal, located by file, line and column.
//! Claim files are data: a broken line is quarantined with its whole claim
//! (see [`claims`]), and everything else is settled.

pub mod claims;
pub mod csvsrc;
pub mod family;
pub(crate) mod id;
pub mod platform;
pub mod prior;
pub mod reason;
pub mod reference;
pub mod rule_files;
pub(crate) mod spill;

pub use claims::{ClaimFileStat, Grouped, Reject, Scan};
pub use csvsrc::{Encoding, Encodings};
pub use reason::Reason;
// Reference files under the platform's names, where callers have always named them.
pub use platform::reference as platform_ref;
// The core's types the readers build, where callers have always named them.
pub use crate::core::prior::{Prior, PriorPayment};
pub use crate::core::reference::{Catalogue, IdMap, Ledger, Reference};

use crate::core::adjudicate::Lang;
use std::fmt;
use std::path::{Path, PathBuf};

/// A fatal input error, located by file, line (0 = the file as a whole) and
/// column.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct InputError {
    pub file: PathBuf,
    pub line: u64,
    pub column: String,
    /// Boxed: every fatal error passes through `Result`s that should stay
    /// small.
    pub message: Box<Reason>,
}

impl InputError {
    pub fn new(file: &Path, line: u64, column: &str, message: impl Into<Reason>) -> InputError {
        InputError {
            file: file.to_path_buf(),
            line,
            column: column.to_string(),
            message: Box::new(message.into()),
        }
    }

    /// The error in `lang`, still naming file, line and column.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = self.file.display().to_string();
        if self.line > 0 {
            out.push_str(&format!(":{}", self.line));
        }
        if !self.column.is_empty() {
            let column = &self.column;
            out.push_str(&crate::say!(lang, ": 列 `{column}`", ": column `{column}`"));
        }
        out.push_str(": ");
        out.push_str(&self.message.render(lang));
        out
    }
}

/// English, as the manifest and logs keep it.
impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// An input file as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub encoding: &'static str,
}

impl From<&csvsrc::CsvFile> for InputFile {
    fn from(f: &csvsrc::CsvFile) -> Self {
        InputFile {
            path: f.path.clone(),
            bytes: f.bytes,
            sha256: f.sha256.clone(),
            encoding: f.encoding,
        }
    }
}
