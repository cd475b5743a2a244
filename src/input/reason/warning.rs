//! The input warnings, as codes with their arguments: each is recorded in
//! English (the manifest's `warnings`) and printed in `--lang`. The
//! warnings travel as their English text, so [`Warning::parse`] reads a
//! recorded one back (the exact inverse of its English words, kept so by
//! a test) to print it in Chinese.

use crate::core::adjudicate::Lang;
use crate::say;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A file's header names columns the contract does not.
    UnknownColumns { file: String, columns: String },
    /// Ids of a file had invisible characters stripped.
    StrippedIds { file: String, ids: u64 },
    /// Files in the claims directory that are not claim files.
    NotClaimFiles { names: String },
    /// Family bindings naming persons not in members.csv.
    FamilyStrangers {
        file: String,
        bindings: u64,
        first: String,
    },
}

const UNKNOWN: &str = ": unknown columns ignored: ";
const STRIPPED: &str = " ids had invisible characters stripped (byte-order marks or zero-width spaces at their start or end)";
const NOT_CLAIMS: &str = "not read from the claims directory (only *.csv files are claim files; sub-folders are not searched): ";
const STRANGERS: &str = " binding(s) name a person not in members.csv (first: ";
const STRANGERS_END: &str = "); a grantor who is not a member pays nothing";

impl Warning {
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Warning::UnknownColumns { file, columns } => say!(
                lang,
                "{file}: 忽略了无法识别的列: {columns}",
                "{file}{UNKNOWN}{columns}"
            ),
            Warning::StrippedIds { file, ids } => say!(
                lang,
                "{file}: {ids} 个编号去掉了首尾的不可见字符 (字节顺序标记或零宽空格)",
                "{file}: {ids}{STRIPPED}"
            ),
            Warning::NotClaimFiles { names } => say!(
                lang,
                "结算单目录中未读取 (只有 *.csv 文件是结算单文件; 不查找子目录): {names}",
                "{NOT_CLAIMS}{names}"
            ),
            Warning::FamilyStrangers {
                file,
                bindings,
                first,
            } => say!(
                lang,
                "{file}: {bindings} 条绑定关系涉及不在 members.csv 中的人 (第一条: {first}); 不是参保人的授权人不支付任何费用",
                "{file}: {bindings}{STRANGERS}{first}{STRANGERS_END}"
            ),
        }
    }

    /// The warning whose English words are `en`, if it is one.
    pub fn parse(en: &str) -> Option<Warning> {
        if let Some(names) = en.strip_prefix(NOT_CLAIMS) {
            return Some(Warning::NotClaimFiles {
                names: names.to_string(),
            });
        }
        if let Some((file, columns)) = en.split_once(UNKNOWN) {
            return Some(Warning::UnknownColumns {
                file: file.to_string(),
                columns: columns.to_string(),
            });
        }
        if let Some(rest) = en.strip_suffix(STRIPPED) {
            let (file, ids) = rest.rsplit_once(": ")?;
            return Some(Warning::StrippedIds {
                file: file.to_string(),
                ids: ids.parse().ok()?,
            });
        }
        if let Some(rest) = en.strip_suffix(STRANGERS_END) {
            let (head, first) = rest.rsplit_once(STRANGERS)?;
            let (file, n) = head.rsplit_once(": ")?;
            return Some(Warning::FamilyStrangers {
                file: file.to_string(),
                bindings: n.parse().ok()?,
                first: first.to_string(),
            });
        }
        None
    }

    /// A recorded (English) warning in `lang`: unchanged when it is none
    /// of these.
    pub fn say(en: &str, lang: Lang) -> String {
        match (lang, Warning::parse(en)) {
            (Lang::Zh, Some(w)) => w.render(lang),
            _ => en.to_string(),
        }
    }
}

/// English, as the manifest records it.
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_warning_reads_back_from_its_english_words() {
        for w in [
            Warning::UnknownColumns {
                file: "a/b: c.csv".into(),
                columns: "x, y".into(),
            },
            Warning::StrippedIds {
                file: "claims/s.csv".into(),
                ids: 3,
            },
            Warning::NotClaimFiles {
                names: "a.txt, sub".into(),
            },
            Warning::FamilyStrangers {
                file: "family.csv".into(),
                bindings: 2,
                first: "line 4".into(),
            },
        ] {
            assert_eq!(Warning::parse(&w.to_string()), Some(w.clone()));
            assert_ne!(w.render(Lang::Zh), w.to_string());
        }
        assert_eq!(Warning::parse("anything else"), None);
    }
}
