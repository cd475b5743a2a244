//! What-if overrides: `--set city.path=value` and `--scenario FILE.toml`.
//!
//! An override changes one parameter of a city for one run, in every
//! version of that city's rules, without touching any file. It is checked
//! exactly like the rule file (a ratio in [0, 1], an amount ≥ 0, …); its
//! basis becomes the override itself, and it is no longer provisional.

use super::load::{
    amount, count, deadline, literal, parse_doc, ratio, read_toml, share, Cx, Table,
};
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

/// Every path an override may name.
pub const PATHS: &[&str] = &[
    "deductible.employed",
    "deductible.retired",
    "ratio.employed.level3",
    "ratio.employed.level2",
    "ratio.employed.level1",
    "ratio.retired.level3",
    "ratio.retired.level2",
    "ratio.retired.level1",
    "cap.employed",
    "cap.retired",
    "pharmacy.mode",
    "pharmacy.employed",
    "pharmacy.retired",
    "b_selfpay_share",
    "remote_prepay_share",
    "manual_deadline",
    "max_supply_days",
    "account_scope",
    "multi_institution_threshold",
    "split_visit_min",
    "early_refill_share",
    "visit_frequency_threshold",
    "family_sharing",
    "family_sharing_remote",
];

impl Override {
    /// Parse `city.path=value`.
    pub fn parse(s: &str, source: &str) -> Result<Override, String> {
        let (key, value) = s.split_once('=').ok_or_else(|| {
            format!("`{s}`: expected city.parameter=value, such as shiyan.deductible.employed=800")
        })?;
        let (city, path) = key.trim().split_once('.').ok_or_else(|| {
            format!("`{key}`: expected city.parameter, such as shiyan.ratio.retired.level3")
        })?;
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
pub fn apply(book: &mut RuleBook, overrides: &[Override]) -> Result<(), String> {
    for o in overrides {
        let known: Vec<String> = book.cities.keys().cloned().collect();
        let rules = book.cities.get_mut(&o.city).ok_or_else(|| {
            format!(
                "{o}: no rules for city `{}` (known: {})",
                o.city,
                known.join(", ")
            )
        })?;
        for v in &mut rules.versions {
            set(v, o).map_err(|m| format!("{o}: {m}"))?;
        }
    }
    Ok(())
}

fn param<T>(value: T, o: &Override) -> Param<T> {
    Param::new(
        value,
        format!(
            "what-if: {}.{} = {} ({})",
            o.city, o.path, o.value, o.source
        ),
        false,
    )
}

/// Set one parameter of one version.
fn set(v: &mut RuleVersion, o: &Override) -> Result<(), String> {
    let t = o.value.as_str();
    let mut parts = o.path.split('.');
    let (a, b, c) = (parts.next().unwrap_or(""), parts.next(), parts.next());
    if parts.next().is_some() {
        return Err(unknown(&o.path));
    }
    let category = |b: Option<&str>| match b {
        Some("employed") => Ok(Category::Employed),
        Some("retired") => Ok(Category::Retired),
        _ => Err(unknown(&o.path)),
    };
    fn slot(pair: &mut ByCategory<Param<Decimal>>, cat: Category) -> &mut Param<Decimal> {
        match cat {
            Category::Employed => &mut pair.employed,
            Category::Retired => &mut pair.retired,
        }
    }
    match (a, b, c) {
        ("deductible", _, None) => *slot(&mut v.deductible, category(b)?) = param(amount(t)?, o),
        ("cap", _, None) => *slot(&mut v.cap, category(b)?) = param(amount(t)?, o),
        ("ratio", _, Some(level)) => {
            let by_level = match category(b)? {
                Category::Employed => &mut v.ratio.employed,
                Category::Retired => &mut v.ratio.retired,
            };
            let i = match level {
                "level1" => 0,
                "level2" => 1,
                "level3" => 2,
                _ => return Err(unknown(&o.path)),
            };
            by_level.levels[i] = param(ratio(t)?, o);
        }
        ("pharmacy", Some("mode"), None) => match t {
            "prescriber_level" => v.pharmacy_mode = param(PharmacyMode::PrescriberLevel, o),
            "fixed" if matches!(v.pharmacy_mode.value, PharmacyMode::Fixed(_)) => {}
            "fixed" => {
                return Err(
                    "a fixed pharmacy mode needs its ratios: give them in a rule file".into(),
                )
            }
            _ => return Err("must be `fixed` or `prescriber_level`".into()),
        },
        ("pharmacy", Some(cat @ ("employed" | "retired")), None) => {
            match &mut v.pharmacy_mode.value {
                PharmacyMode::Fixed(r) => *slot(r, category(Some(cat))?) = param(ratio(t)?, o),
                PharmacyMode::PrescriberLevel => {
                    return Err("pharmacy ratios apply only with pharmacy.mode = fixed".into())
                }
            }
        }
        ("b_selfpay_share", None, None) => v.b_selfpay_share = param(ratio(t)?, o),
        ("remote_prepay_share", None, None) => v.remote_prepay_share = param(ratio(t)?, o),
        ("manual_deadline", None, None) => v.manual_deadline = param(deadline(t)?, o),
        ("max_supply_days", None, None) => v.max_supply_days = param(count(t, 1)?, o),
        ("multi_institution_threshold", None, None) => {
            v.multi_institution_threshold = param(count(t, 2)?, o)
        }
        ("split_visit_min", None, None) => v.split_visit_min = param(count(t, 2)?, o),
        ("early_refill_share", None, None) => v.early_refill_share = param(share(t)?, o),
        ("visit_frequency_threshold", None, None) => {
            v.visit_frequency_threshold = param(count(t, 1)?, o)
        }
        // Family sharing (POLICY.md §6a).
        ("family_sharing", None, None) => v.family_sharing = param(super::load::on_off(t)?, o),
        ("family_sharing_remote", None, None) => {
            v.family_sharing_remote = param(super::load::on_off(t)?, o)
        }
        ("account_scope", None, None) => {
            let scope = match t {
                "policy" => AccountScope::Policy,
                "medical" => AccountScope::Medical,
                _ => return Err("must be `policy` or `medical`".into()),
            };
            v.account_scope = param(scope, o);
        }
        ("in_force_from", None, None) => return Err(
            "in_force_from selects versions and cannot be overridden; add a [[version]] instead"
                .into(),
        ),
        _ => return Err(unknown(&o.path)),
    }
    v.provisional.retain(|p| p != &o.path);
    Ok(())
}

fn unknown(path: &str) -> String {
    format!("unknown parameter `{path}` (one of: {})", PATHS.join(", "))
}

/// Read a scenario file:
///
/// ```toml
/// name = "retiree-level3-65"
/// description = "What if retirees got 65% at level-3 hospitals?"
/// [set]
/// "shiyan.ratio.retired.level3" = 0.65
/// ```
pub fn load_scenario(path: &Path) -> Result<Scenario, RuleError> {
    let src = read_toml(path)?;
    let cx = Cx {
        file: path,
        src: &src,
    };
    let doc = parse_doc(&cx, &src)?;
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
            .map_err(|m| cx.error(line, &format!("set.{key}"), m))?;
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
