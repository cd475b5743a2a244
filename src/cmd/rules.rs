//! `tongchou rules show` and `tongchou rules check`: what the rule files
//! say, as a person reads it.

use super::Outcome;
use crate::cli::{RulesCommand, UsageError};
use crate::config::Config;
use crate::core::date::Date;
use crate::core::rules::{self, RuleBook, RuleError};
use std::fmt::Write as _;
use std::path::Path;

/// Why `rules` cannot show or check: every case is exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error(transparent)]
    File(#[from] RuleError),
    /// An override that does not apply to the rule files.
    #[error("{0}")]
    Override(String),
    #[error("no rules for city `{city}` (known: {known})")]
    UnknownCity { city: String, known: String },
    #[error("no {city} rules are in force on {date}")]
    NotInForce { city: String, date: Date },
    #[error("{0} has no version")]
    NoVersion(String),
}

/// The `rules` subcommand.
pub fn run(command: RulesCommand) -> Result<Outcome, RulesError> {
    let text = match command {
        RulesCommand::Check { dir, config } => {
            check(&Config::rules_dir(dir, config.as_deref()).map_err(UsageError)?)?
        }
        RulesCommand::Show {
            city,
            rules,
            config,
            date,
            what_if,
        } => {
            let rules = Config::rules_dir(rules, config.as_deref()).map_err(UsageError)?;
            let date = match date {
                Some(d) => Some(
                    Date::parse(&d)
                        .ok_or_else(|| UsageError(format!("--date `{d}` is not YYYY-MM-DD")))?,
                ),
                None => None,
            };
            let (overrides, _) = what_if.resolve()?;
            let mut book = crate::input::rule_files::load_dir(&rules)?;
            rules::apply_overrides(&mut book, &overrides)
                .map_err(|e| RulesError::Override(e.to_string()))?;
            show(&book, &city, date)?
        }
    };
    Ok(Outcome::text(text))
}

/// The parameters of `city` in force on `date` (the latest version when no
/// date is given), with their basis and provisional marks.
pub fn show(book: &RuleBook, city: &str, date: Option<Date>) -> Result<String, RulesError> {
    let rules = book.cities.get(city).ok_or_else(|| {
        let known: Vec<&str> = book.cities.keys().map(String::as_str).collect();
        RulesError::UnknownCity {
            city: city.to_string(),
            known: known.join(", "),
        }
    })?;
    let version = match date {
        Some(d) => rules
            .in_force(d)
            .map(|(_, v)| v)
            .ok_or_else(|| RulesError::NotInForce {
                city: city.to_string(),
                date: d,
            })?,
        None => rules
            .versions
            .last()
            .ok_or_else(|| RulesError::NoVersion(city.to_string()))?,
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
    // The code tables a platform export is read with.
    if let Some(dir) = rules.file.parent() {
        if let Ok(codes) = crate::input::platform::read_codes(dir) {
            out.push_str(&codes.show(city));
        }
    }
    Ok(out)
}

/// Validate every rule file of a directory.
pub fn check(dir: &Path) -> Result<String, RuleError> {
    let book = crate::input::rule_files::load_dir(dir)?;
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
