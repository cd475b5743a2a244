//! `tongchou rules show` and `tongchou rules check`: what the rule files
//! say, as a person reads it.

use crate::core::date::Date;
use crate::core::rules::{self, RuleBook};
use std::fmt::Write as _;
use std::path::Path;

/// The parameters of `city` in force on `date` (the latest version when no
/// date is given), with their basis and provisional marks.
pub fn show(book: &RuleBook, city: &str, date: Option<Date>) -> Result<String, String> {
    let rules = book.cities.get(city).ok_or_else(|| {
        let known: Vec<&str> = book.cities.keys().map(String::as_str).collect();
        format!("no rules for city `{city}` (known: {})", known.join(", "))
    })?;
    let version = match date {
        Some(d) => rules
            .in_force(d)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("no {city} rules are in force on {d}"))?,
        None => rules
            .versions
            .last()
            .ok_or_else(|| format!("{city} has no version"))?,
    };
    let mut out = String::new();
    let when = date.map(|d| format!(" on {d}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "{city} {} — rules in force{when}: version from {} ({})",
        rules.name,
        version.in_force_from.value,
        rules.file.display()
    );
    let params = version.parameters();
    let w = params.iter().map(|p| p.path.len()).max().unwrap_or(0);
    let wv = params.iter().map(|p| p.value.len()).max().unwrap_or(0);
    for p in &params {
        let mark = if p.provisional { "  [provisional]" } else { "" };
        let _ = writeln!(out, "  {:w$}  {:>wv$}  {}{mark}", p.path, p.value, p.basis);
    }
    // Hook (platform layout): the code tables a platform export is read with.
    if let Some(dir) = rules.file.parent() {
        if let Ok(codes) = crate::input::platform::read_codes(dir) {
            out.push_str(&codes.show(city));
        }
    }
    Ok(out)
}

/// Validate every rule file of a directory.
pub fn check(dir: &Path) -> Result<String, rules::RuleError> {
    let book = rules::load_dir(dir)?;
    let mut out = String::new();
    for (city, r) in &book.cities {
        let provisional: usize = r.versions.iter().map(|v| v.provisional.len()).sum();
        let _ = writeln!(
            out,
            "{city}: {} ok, {} version(s), {provisional} provisional parameter(s)",
            r.file.display(),
            r.versions.len()
        );
    }
    Ok(out)
}
