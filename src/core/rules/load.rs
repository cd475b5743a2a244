//! Reading and validating a TOML rule file.
//!
//! The file is walked through `toml::de::DeTable`, which keeps spans and the
//! literal text of numbers, so every error names the file, the line and the
//! dotted key, and a ratio keeps the digits it was written with.

use super::params::{Basis, ParamDef, Value, PARAMS};
use super::*;
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A rule file that cannot be used, located by file, line and key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{line}: {key}: {message}", file.display())]
pub struct RuleError {
    pub file: PathBuf,
    pub line: usize,
    pub key: String,
    pub message: String,
}

/// Parse TOML text into a spanned table, a syntax error located by line.
pub(crate) fn parse_doc<'i>(cx: &Cx<'_>, src: &'i str) -> Result<Spanned<DeTable<'i>>, RuleError> {
    DeTable::parse(src).map_err(|e| {
        let line = e.span().map(|s| cx.line(&s)).unwrap_or(0);
        cx.error(line, "", e.message().to_string())
    })
}

/// Parse and validate one city's rule-file text (`path` names it in
/// errors and must be named after the city).
pub fn parse(src: &str, path: &Path) -> Result<CityRules, RuleError> {
    let cx = Cx { file: path, src };
    let doc = parse_doc(&cx, src)?;
    let mut top = Table::new(&cx, "", doc.get_ref(), doc.span());
    let city = top.string("city")?;
    let (city_value, city_line) = city;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if city_value.is_empty()
        || !city_value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(cx.error(
            city_line,
            "city",
            "must be a lower-case city code such as `wuhan`".into(),
        ));
    }
    if !stem.is_empty() && stem != city_value {
        return Err(cx.error(
            city_line,
            "city",
            format!("is `{city_value}` but the file is named `{stem}.toml`: name the file after its city"),
        ));
    }
    let name = top
        .optional_string("name")?
        .unwrap_or_else(|| city_value.clone());
    // How many provisional parameters the bureau has seen the warning
    // for: a run using exactly that many prints none for the city.
    let provisional_acknowledged = top.optional_count("provisional_acknowledged")?;
    let versions_value = top.required("version")?;
    let DeValue::Array(array) = versions_value.get_ref() else {
        return Err(cx.error(
            cx.line(&versions_value.span()),
            "version",
            "must be [[version]] tables".into(),
        ));
    };
    let mut versions = Vec::new();
    for v in array.iter() {
        let DeValue::Table(t) = v.get_ref() else {
            return Err(cx.error(
                cx.line(&v.span()),
                "version",
                "must be [[version]] tables".into(),
            ));
        };
        versions.push(read_version(&mut Table::new(&cx, "", t, v.span()))?);
    }
    // `[codes]` (the platform layout's code tables) is read outside the
    // core, with the platform layout's files.
    top.taken.insert("codes".into());
    top.finish()?;
    if versions.is_empty() {
        return Err(cx.error(
            cx.line(&versions_value.span()),
            "version",
            "at least one [[version]] is needed".into(),
        ));
    }
    versions.sort_by_key(|v| v.in_force_from.value);
    for w in versions.windows(2) {
        if w[0].in_force_from.value == w[1].in_force_from.value {
            return Err(cx.error(
                0,
                "in_force_from",
                format!(
                    "two versions are in force from {}",
                    w[0].in_force_from.value
                ),
            ));
        }
    }
    Ok(CityRules {
        city: city_value,
        name,
        file: path.to_path_buf(),
        versions,
        provisional_acknowledged,
    })
}

/// Read one `[[version]]` by walking [`PARAMS`] in order: a dotted path
/// opens its tables as it reaches them and closes (checks for unknown keys)
/// each table once the walk has left it.
fn read_version(t: &mut Table<'_, '_>) -> Result<RuleVersion, RuleError> {
    let mut v = RuleVersion::blank();
    // The tables open below the version table, outermost first.
    let mut open: Vec<(&str, Table<'_, '_>)> = Vec::new();
    for def in PARAMS {
        if !def.applies(&v) {
            continue;
        }
        let mut parts: Vec<&str> = def.path.split('.').collect();
        let Some(leaf) = parts.pop() else { continue };
        let same = open
            .iter()
            .zip(&parts)
            .take_while(|((name, _), part)| name == *part)
            .count();
        while open.len() > same {
            if let Some((_, table)) = open.pop() {
                table.finish()?;
            }
        }
        for part in &parts[same..] {
            let table = match open.last_mut() {
                Some((_, parent)) => parent.table(part)?,
                None => t.table(part)?,
            };
            open.push((part, table));
        }
        let table = match open.last_mut() {
            Some((_, table)) => table,
            None => &mut *t,
        };
        let read = match def.default {
            Some(default) => table.optional_param(leaf, default, def)?,
            None => table.param(leaf, def)?,
        };
        if read.basis.provisional {
            v.provisional.push(def.path.to_string());
        }
        let line = read.line;
        def.store(&mut v, read.value, read.basis)
            .map_err(|m| t.cx.error(line, def.path, m.to_string()))?;
    }
    while let Some((_, table)) = open.pop() {
        table.finish()?;
    }
    t.finish()?;
    Ok(v)
}

/// A parameter as read: its checked value, basis, and the line of its value.
struct Read {
    value: Value,
    basis: Basis,
    line: usize,
}

pub(crate) struct Cx<'a> {
    pub(crate) file: &'a Path,
    pub(crate) src: &'a str,
}

impl Cx<'_> {
    pub(crate) fn line(&self, span: &Range<usize>) -> usize {
        let end = span.start.min(self.src.len());
        self.src.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub(crate) fn error(&self, line: usize, key: &str, message: String) -> RuleError {
        RuleError {
            file: self.file.to_path_buf(),
            line,
            key: key.to_string(),
            message,
        }
    }
}

/// A table being read: remembers which keys were taken so that whatever is
/// left at [`Table::finish`] is reported as unknown.
pub(crate) struct Table<'a, 'i> {
    cx: &'a Cx<'a>,
    prefix: String,
    table: &'a DeTable<'i>,
    span: Range<usize>,
    taken: BTreeSet<String>,
}

impl<'a, 'i> Table<'a, 'i> {
    pub(crate) fn new(
        cx: &'a Cx<'a>,
        prefix: &str,
        table: &'a DeTable<'i>,
        span: Range<usize>,
    ) -> Self {
        Table {
            cx,
            prefix: prefix.to_string(),
            table,
            span,
            taken: BTreeSet::new(),
        }
    }

    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    fn get(&mut self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.taken.insert(key.to_string());
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    pub(crate) fn required(&mut self, key: &str) -> Result<&'a Spanned<DeValue<'i>>, RuleError> {
        let (line, path) = (self.cx.line(&self.span), self.path(key));
        self.get(key)
            .ok_or_else(|| self.cx.error(line, &path, "missing parameter".into()))
    }

    fn table(&mut self, key: &str) -> Result<Table<'a, 'i>, RuleError> {
        let v = self.required(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Ok(Table::new(self.cx, &self.path(key), t, v.span())),
            _ => Err(self.cx.error(
                self.cx.line(&v.span()),
                &self.path(key),
                "must be a table".into(),
            )),
        }
    }

    pub(crate) fn string(&mut self, key: &str) -> Result<(String, usize), RuleError> {
        let v = self.required(key)?;
        let line = self.cx.line(&v.span());
        match v.get_ref() {
            DeValue::String(s) => Ok((s.to_string(), line)),
            _ => Err(self
                .cx
                .error(line, &self.path(key), "must be a string".into())),
        }
    }

    fn optional_string(&mut self, key: &str) -> Result<Option<String>, RuleError> {
        if self.table.iter().all(|(k, _)| k.get_ref().as_ref() != key) {
            self.taken.insert(key.to_string());
            return Ok(None);
        }
        self.string(key).map(|(s, _)| Some(s))
    }

    /// An optional whole number at the file's top (not a parameter of a
    /// version: it has no basis).
    fn optional_count(&mut self, key: &str) -> Result<Option<u32>, RuleError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let line = self.cx.line(&v.span());
        match literal(v.get_ref()).and_then(|t| t.parse::<u32>().ok()) {
            Some(n) => Ok(Some(n)),
            None => Err(self.cx.error(
                line,
                &self.path(key),
                "must be a whole number: how many provisional parameters were acknowledged".into(),
            )),
        }
    }

    /// Read `key = { value = …, basis = "…", provisional = true }`.
    fn param(&mut self, key: &str, def: &ParamDef) -> Result<Read, RuleError> {
        let path = self.path(key);
        let mut p = self.table(key)?;
        let v = p.required("value")?;
        let line = self.cx.line(&v.span());
        let text = literal(v.get_ref()).ok_or_else(|| {
            self.cx.error(
                line,
                &format!("{path}.value"),
                "must be a number, a date or a string".into(),
            )
        })?;
        let value = def
            .check(&text)
            .map_err(|m| self.cx.error(line, &path, m.to_string()))?;
        let (basis, basis_line) = p.string("basis")?;
        if basis.trim().is_empty() {
            return Err(self.cx.error(
                basis_line,
                &format!("{path}.basis"),
                "must name the article it rests on".into(),
            ));
        }
        let provisional = match p.get("provisional") {
            None => false,
            Some(b) => match b.get_ref() {
                DeValue::Boolean(b) => *b,
                _ => {
                    return Err(self.cx.error(
                        self.cx.line(&b.span()),
                        &format!("{path}.provisional"),
                        "must be true or false".into(),
                    ))
                }
            },
        };
        p.finish()?;
        Ok(Read {
            value,
            basis: Basis {
                text: basis,
                provisional,
            },
            line,
        })
    }

    /// [`Table::param`] for a parameter a file may leave out: it then takes
    /// `default`, marked provisional, with a basis saying where it came from.
    fn optional_param(
        &mut self,
        key: &str,
        default: &str,
        def: &ParamDef,
    ) -> Result<Read, RuleError> {
        if self.table.iter().any(|(k, _)| k.get_ref().as_ref() == key) {
            return self.param(key, def);
        }
        self.taken.insert(key.to_string());
        let value = def
            .check(default)
            .map_err(|m| self.cx.error(0, &self.path(key), m.to_string()))?;
        Ok(Read {
            value,
            basis: Basis {
                text: "POLICY.md §9 default (not in the rule file)".into(),
                provisional: true,
            },
            line: 0,
        })
    }

    pub(crate) fn finish(&self) -> Result<(), RuleError> {
        for (k, _) in self.table.iter() {
            let name = k.get_ref().as_ref();
            if !self.taken.contains(name) {
                let line = self.cx.line(&k.span());
                return Err(self.cx.error(line, &self.path(name), "unknown key".into()));
            }
        }
        Ok(())
    }
}

/// The literal text of a scalar, as written (underscores in numbers dropped).
pub(crate) fn literal(v: &DeValue<'_>) -> Option<String> {
    Some(match v {
        DeValue::String(s) => s.trim().to_string(),
        DeValue::Integer(i) => i.as_str().replace('_', ""),
        DeValue::Float(f) => f.as_str().replace('_', ""),
        DeValue::Datetime(d) => d.to_string(),
        DeValue::Boolean(b) => b.to_string(),
        DeValue::Array(_) | DeValue::Table(_) => return None,
    })
}
