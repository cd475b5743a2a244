//! What-if overrides: `--set city.path=value` and `--scenario FILE.toml`.
//!
//! An override changes one parameter of a city for one run, in every
//! version of that city's rules, without touching any file. It is checked
//! exactly like the rule file (a ratio in [0, 1], an amount ≥ 0, …); its
//! basis becomes the override itself, and it is no longer provisional.

use super::load::{literal, parse_doc, Cx, Table};
use super::params::ParamError;
use super::*;
use std::path::Path;
use toml::de::DeValue;

/// One parameter to change: `shiyan.deductible.employed=800`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub city: String,
    /// Dotted path inside a version, as in the rule file.
    pub path: String,
    /// The value as written.
    pub value: String,
    /// Where it came from: `--set` or the scenario's name.
    pub source: String,
}

/// A named set of overrides with what it changes and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub file: PathBuf,
    pub overrides: Vec<Override>,
}

/// Why an override cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("`{0}`: expected city.parameter=value, such as shiyan.deductible.employed=800")]
    NoValue(String),
    #[error("`{0}`: expected city.parameter, such as shiyan.ratio.retired.level3")]
    NoCity(String),
    /// The override as shown, its city, and the cities there are rules for.
    #[error("{0}: no rules for city `{1}` (known: {2})")]
    UnknownCity(String, String, String),
    /// The override as shown and why its parameter or value is refused.
    #[error("{0}: {1}")]
    Refused(String, ParamError),
}

impl Override {
    /// Parse `city.path=value`.
    pub fn parse(s: &str, source: &str) -> Result<Override, OverrideError> {
        let (key, value) = s
            .split_once('=')
            .ok_or_else(|| OverrideError::NoValue(s.to_string()))?;
        let (city, path) = key
            .trim()
            .split_once('.')
            .ok_or_else(|| OverrideError::NoCity(key.to_string()))?;
        Ok(Override {
            city: city.to_string(),
            path: path.to_string(),
            value: value.trim().to_string(),
            source: source.to_string(),
        })
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{} = {} ({})",
            self.city, self.path, self.value, self.source
        )
    }
}

use std::fmt;

/// Apply overrides to a rule book, in order; the first bad one is refused.
pub fn apply(book: &mut RuleBook, overrides: &[Override]) -> Result<(), OverrideError> {
    for o in overrides {
        let known: Vec<String> = book.cities.keys().cloned().collect();
        let rules = book.cities.get_mut(&o.city).ok_or_else(|| {
            OverrideError::UnknownCity(o.to_string(), o.city.clone(), known.join(", "))
        })?;
        for v in &mut rules.versions {
            set(v, o).map_err(|m| OverrideError::Refused(o.to_string(), m))?;
        }
    }
    Ok(())
}

/// Set one parameter of one version, checked as the rule file is; the
/// message says why it is refused.
fn set(v: &mut RuleVersion, o: &Override) -> Result<(), ParamError> {
    let def = params::find(&o.path).ok_or_else(|| unknown(&o.path))?;
    if let Some(why) = def.fixed {
        return Err(ParamError::Refused(why));
    }
    // Checked before the value, so that a ratio for a mode without ratios
    // says so rather than what is wrong with the ratio.
    if !def.applies(v) {
        return Err(ParamError::Refused(def.inapplicable));
    }
    let value = def.check(&o.value)?;
    if let params::Value::PharmacyFixed(true) = value {
        // The ratios of a fixed mode come only from a rule file: `fixed`
        // keeps a fixed mode as it is and cannot make one.
        if !matches!(v.pharmacy_mode.value, PharmacyMode::Fixed(_)) {
            return Err(ParamError::Refused(
                "a fixed pharmacy mode needs its ratios: give them in a rule file",
            ));
        }
    } else {
        let basis = params::Basis {
            text: format!(
                "what-if: {}.{} = {} ({})",
                o.city, o.path, o.value, o.source
            ),
            provisional: false,
        };
        def.store(v, value, basis)?;
    }
    v.provisional.retain(|p| p != &o.path);
    Ok(())
}

fn unknown(path: &str) -> ParamError {
    let paths: Vec<&str> = params::PARAMS
        .iter()
        .filter(|d| d.fixed.is_none())
        .map(|d| d.path)
        .collect();
    ParamError::Unknown(path.to_string(), paths.join(", "))
}

/// Parse a scenario file's text (`path` names it in errors):
///
/// ```toml
/// name = "retiree-level3-65"
/// description = "What if retirees got 65% at level-3 hospitals?"
/// [set]
/// "shiyan.ratio.retired.level3" = 0.65
/// ```
pub fn parse_scenario(src: &str, path: &Path) -> Result<Scenario, RuleError> {
    let cx = Cx { file: path, src };
    let doc = parse_doc(&cx, src)?;
    let mut top = Table::new(&cx, "", doc.get_ref(), doc.span());
    let (name, _) = top.string("name")?;
    let (description, line) = top.string("description")?;
    if description.trim().is_empty() {
        return Err(cx.error(
            line,
            "description",
            "say what the scenario changes and why".into(),
        ));
    }
    let set = top.required("set")?;
    let DeValue::Table(t) = set.get_ref() else {
        return Err(cx.error(
            cx.line(&set.span()),
            "set",
            "must be a table of \"city.parameter\" = value".into(),
        ));
    };
    let mut overrides = Vec::new();
    for (k, v) in t.iter() {
        let key = k.get_ref().as_ref();
        let line = cx.line(&k.span());
        let value = literal(v.get_ref()).ok_or_else(|| {
            cx.error(
                line,
                &format!("set.{key}"),
                "must be a number, a date or a string".into(),
            )
        })?;
        let o = Override::parse(&format!("{key}={value}"), &format!("scenario {name}"))
            .map_err(|m| cx.error(line, &format!("set.{key}"), m.to_string()))?;
        overrides.push(o);
    }
    top.finish()?;
    if overrides.is_empty() {
        return Err(cx.error(
            cx.line(&set.span()),
            "set",
            "a scenario changes at least one parameter".into(),
        ));
    }
    Ok(Scenario {
        name,
        description,
        file: path.to_path_buf(),
        overrides,
    })
}
