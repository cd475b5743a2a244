//! Reading and validating a TOML rule file.
//!
//! The file is walked through `toml::de::DeTable`, which keeps spans and the
//! literal text of numbers, so every error names the file, the line and the
//! dotted key, and a ratio keeps the digits it was written with.

use super::*;
use crate::core::money::parse_decimal;
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

/// Load every `*.toml` file of a directory, one city each.
pub fn load_dir(dir: &Path) -> Result<RuleBook, RuleError> {
    let err = |message: String| RuleError {
        file: dir.to_path_buf(),
        line: 0,
        key: String::new(),
        message,
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| err(format!("cannot read rule directory: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| err(format!("cannot read rule directory: {e}")))?
            .path();
        if path.extension().is_some_and(|x| x == "toml") {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(err("no *.toml rule file in this directory".into()));
    }
    let mut book = RuleBook::default();
    for f in files {
        let rules = load_file(&f)?;
        if let Some(prev) = book.cities.get(&rules.city) {
            return Err(RuleError {
                file: f.clone(),
                line: 1,
                key: "city".into(),
                message: format!(
                    "city `{}` is already defined by {}",
                    rules.city,
                    prev.file.display()
                ),
            });
        }
        book.cities.insert(rules.city.clone(), rules);
    }
    Ok(book)
}

/// Load and validate one city's rule file.
pub fn load_file(path: &Path) -> Result<CityRules, RuleError> {
    parse_rules(path, &read_toml(path)?)
}

/// Read a TOML file (rule file or scenario) as text.
pub(crate) fn read_toml(path: &Path) -> Result<String, RuleError> {
    std::fs::read_to_string(path).map_err(|e| RuleError {
        file: path.to_path_buf(),
        line: 0,
        key: String::new(),
        message: format!("cannot read: {e}"),
    })
}

/// Parse TOML text into a spanned table, a syntax error located by line.
pub(crate) fn parse_doc<'i>(cx: &Cx<'_>, src: &'i str) -> Result<Spanned<DeTable<'i>>, RuleError> {
    DeTable::parse(src).map_err(|e| {
        let line = e.span().map(|s| cx.line(&s)).unwrap_or(0);
        cx.error(line, "", e.message().to_string())
    })
}

/// Parse rule-file text (`path` only names it in errors).
pub fn parse_rules(path: &Path, src: &str) -> Result<CityRules, RuleError> {
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
    // Hook (platform layout): `[codes]` is read by `input::platform`.
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
    })
}

fn read_version(t: &mut Table<'_, '_>) -> Result<RuleVersion, RuleError> {
    let mut provisional = Vec::new();
    let in_force_from = t.param("in_force_from", &mut provisional, date)?;
    let deductible = by_category(t, "deductible", &mut provisional, amount)?;
    let ratios = {
        let mut r = t.table("ratio")?;
        let mut level =
            |category: &str, provisional: &mut Vec<String>| -> Result<ByLevel, RuleError> {
                let mut c = r.table(category)?;
                let l3 = c.param("level3", provisional, ratio)?;
                let l2 = c.param("level2", provisional, ratio)?;
                let l1 = c.param("level1", provisional, ratio)?;
                c.finish()?;
                Ok(ByLevel {
                    levels: [l1, l2, l3],
                })
            };
        let employed = level("employed", &mut provisional)?;
        let retired = level("retired", &mut provisional)?;
        r.finish()?;
        ByCategory { employed, retired }
    };
    let cap = by_category(t, "cap", &mut provisional, amount)?;
    let pharmacy_mode = {
        let mut p = t.table("pharmacy")?;
        let mode = p.param("mode", &mut provisional, |s| match s {
            "fixed" | "prescriber_level" => Ok(s.to_string()),
            _ => Err("must be `fixed` or `prescriber_level`".into()),
        })?;
        let value = if mode.value == "fixed" {
            let employed = p.param("employed", &mut provisional, ratio)?;
            let retired = p.param("retired", &mut provisional, ratio)?;
            PharmacyMode::Fixed(ByCategory { employed, retired })
        } else {
            PharmacyMode::PrescriberLevel
        };
        p.finish()?;
        Param::new(value, mode.basis, mode.provisional)
    };
    let b_selfpay_share = t.param("b_selfpay_share", &mut provisional, ratio)?;
    let remote_prepay_share = t.param("remote_prepay_share", &mut provisional, ratio)?;
    let manual_deadline = t.param("manual_deadline", &mut provisional, deadline)?;
    let max_supply_days = t.param("max_supply_days", &mut provisional, |s| count(s, 1))?;
    let account_scope = t.param("account_scope", &mut provisional, |s| match s {
        "policy" => Ok(AccountScope::Policy),
        "medical" => Ok(AccountScope::Medical),
        _ => Err("must be `policy` or `medical`".into()),
    })?;
    let multi_institution_threshold =
        t.param("multi_institution_threshold", &mut provisional, |s| {
            count(s, 2)
        })?;
    // Added after the first rule files were written: a file without them
    // gets POLICY.md §9's placeholders, provisional (a run warns).
    let split_visit_min =
        t.optional_param("split_visit_min", &mut provisional, "2", |s| count(s, 2))?;
    let early_refill_share =
        t.optional_param("early_refill_share", &mut provisional, "1/3", share)?;
    let visit_frequency_threshold =
        t.optional_param("visit_frequency_threshold", &mut provisional, "20", |s| {
            count(s, 1)
        })?;
    t.finish()?;
    Ok(RuleVersion {
        in_force_from,
        deductible,
        ratio: ratios,
        cap,
        pharmacy_mode,
        b_selfpay_share,
        remote_prepay_share,
        manual_deadline,
        max_supply_days,
        account_scope,
        multi_institution_threshold,
        split_visit_min,
        early_refill_share,
        visit_frequency_threshold,
        provisional,
    })
}

fn by_category<T>(
    t: &mut Table<'_, '_>,
    key: &str,
    provisional: &mut Vec<String>,
    parse: fn(&str) -> Result<T, String>,
) -> Result<ByCategory<Param<T>>, RuleError> {
    let mut c = t.table(key)?;
    let employed = c.param("employed", provisional, parse)?;
    let retired = c.param("retired", provisional, parse)?;
    c.finish()?;
    Ok(ByCategory { employed, retired })
}

/// Value parsers: they see the literal text and say what is wrong with it.
pub(crate) fn ratio(s: &str) -> Result<Decimal, String> {
    let d = parse_decimal(s).map_err(|_| format!("`{s}` is not a decimal ratio such as 0.65"))?;
    if d < Decimal::ZERO || d > Decimal::ONE {
        return Err(format!("ratio {s} is outside [0, 1]"));
    }
    Ok(d)
}

pub(crate) fn amount(s: &str) -> Result<Decimal, String> {
    let d = parse_decimal(s).map_err(|_| format!("`{s}` is not an amount in yuan"))?;
    if d < Decimal::ZERO {
        return Err(format!("amount {s} is negative"));
    }
    if d.scale() > 2 {
        return Err(format!("amount {s} has more than 2 decimal places"));
    }
    Ok(d)
}

/// A share in [0, 1]: a fraction of whole numbers (`1/3`) or a decimal.
pub(crate) fn share(s: &str) -> Result<Share, String> {
    let bad = || format!("`{s}` is not a share such as \"1/3\" or 0.25");
    let (numerator, denominator) = match s.split_once('/') {
        Some((n, d)) => {
            let whole = |t: &str| {
                let t = t.trim();
                if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                parse_decimal(t).ok()
            };
            (whole(n).ok_or_else(bad)?, whole(d).ok_or_else(bad)?)
        }
        None => (parse_decimal(s).map_err(|_| bad())?, Decimal::ONE),
    };
    if denominator <= Decimal::ZERO {
        return Err(format!("share {s} divides by zero"));
    }
    if numerator < Decimal::ZERO || numerator > denominator {
        return Err(format!("share {s} is outside [0, 1]"));
    }
    Ok(Share {
        numerator,
        denominator,
    })
}

pub(crate) fn date(s: &str) -> Result<Date, String> {
    Date::parse(s).ok_or_else(|| format!("`{s}` is not a date YYYY-MM-DD"))
}

pub(crate) fn count(s: &str, min: u32) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(format!("`{s}` is not a whole number ≥ {min}")),
    }
}

pub(crate) fn deadline(s: &str) -> Result<Option<NextYearDeadline>, String> {
    if s == "none" {
        return Ok(None);
    }
    let bad = || {
        format!("`{s}` must be `none` or MM-DD of the year after the service year, such as 03-31")
    };
    let d = Date::parse(&format!("2000-{s}")).ok_or_else(bad)?;
    Ok(Some(NextYearDeadline {
        month: d.month,
        day: d.day,
    }))
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

    /// Read `key = { value = …, basis = "…", provisional = true }`.
    fn param<T>(
        &mut self,
        key: &str,
        provisional_list: &mut Vec<String>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Param<T>, RuleError> {
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
        let value = parse(&text).map_err(|m| self.cx.error(line, &path, m))?;
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
        if provisional {
            provisional_list.push(path);
        }
        Ok(Param::new(value, basis, provisional))
    }

    /// [`Table::param`] for a parameter a file may leave out: it then takes
    /// `default`, marked provisional, with a basis saying where it came from.
    fn optional_param<T>(
        &mut self,
        key: &str,
        provisional_list: &mut Vec<String>,
        default: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Param<T>, RuleError> {
        if self.table.iter().any(|(k, _)| k.get_ref().as_ref() == key) {
            return self.param(key, provisional_list, parse);
        }
        self.taken.insert(key.to_string());
        let value = parse(default).map_err(|m| self.cx.error(0, &self.path(key), m))?;
        provisional_list.push(self.path(key));
        Ok(Param::new(
            value,
            "POLICY.md §9 default (not in the rule file)".into(),
            true,
        ))
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
