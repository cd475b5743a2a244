//! The `--encoding` choice: how to decode an input file, one value for
//! all files or per role or per file.

use std::path::{Path, PathBuf};

/// How to decode an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 or GB18030, whichever the bytes show (see
    /// [`Evidence`](super::detect::Evidence)).
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
