//! City rule files: the parameters of POLICY.md §9, each with its basis.
//!
//! A city holds one or more versions, each in force from a date; a claim
//! uses the version in force on its service date. Parameters read from a
//! file keep the text they were written with, so a ratio written `0.50` is
//! reported as `0.50`.

mod load;
pub mod params;
mod what_if;

pub use load::{parse, RuleError};
pub use what_if::{apply as apply_overrides, parse_scenario, Override, OverrideError, Scenario};

use crate::core::date::Date;
use crate::core::model::Category;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// One parameter: its value, the article it rests on, and whether the
/// sources are silent on it (a placeholder until a user supplies the
/// official figure).
#[derive(Debug, Clone, PartialEq)]
pub struct Param<T> {
    pub value: T,
    pub basis: String,
    pub provisional: bool,
    /// The basis as audit rows write it, made once and shared by every
    /// finding that cites it.
    shown: Arc<str>,
}

impl<T> Param<T> {
    pub fn new(value: T, basis: String, provisional: bool) -> Param<T> {
        let shown: Arc<str> = if provisional {
            format!("{basis} (provisional)").into()
        } else {
            basis.as_str().into()
        };
        Param {
            value,
            basis,
            provisional,
            shown,
        }
    }

    /// The basis as written into audit rows: provisional figures say so.
    pub fn basis_text(&self) -> Arc<str> {
        self.shown.clone()
    }
}

/// A pair of parameters, one per member category.
#[derive(Debug, Clone, PartialEq)]
pub struct ByCategory<T> {
    pub employed: T,
    pub retired: T,
}

impl<T> ByCategory<T> {
    pub fn get(&self, c: Category) -> &T {
        match c {
            Category::Employed => &self.employed,
            Category::Retired => &self.retired,
        }
    }
}

/// Ratios by institution level (index 0 = level 1).
#[derive(Debug, Clone, PartialEq)]
pub struct ByLevel {
    pub levels: [Param<Decimal>; 3],
}

impl ByLevel {
    pub fn get(&self, level: u8) -> Option<&Param<Decimal>> {
        self.levels.get(usize::from(level).checked_sub(1)?)
    }
}

/// How a pharmacy purchase's ratio is chosen (POLICY.md §5.2).
#[derive(Debug, Clone, PartialEq)]
pub enum PharmacyMode {
    /// A fixed ratio per member category (鄂州 二: 60% / 68%).
    Fixed(ByCategory<Param<Decimal>>),
    /// The prescribing institution's level ratio (十堰 第十七条).
    PrescriberLevel,
}

/// What the personal account may pay (POLICY.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountScope {
    /// 政策范围内自付费用 (十堰 第十二条(一)).
    Policy,
    /// 个人负担的医疗费用, never daily goods (十堰 第十二条(二), 第十三条).
    Medical,
}

/// The manual-claim deadline: a month and day of the year after the
/// service year (十堰 第十八条 "次年第一季度内" = 03-31).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextYearDeadline {
    pub month: u8,
    pub day: u8,
}

impl NextYearDeadline {
    /// The last day a claim for a service in `service_year` is accepted.
    pub fn last_day(self, service_year: i32) -> Date {
        let year = service_year + 1;
        let day = self
            .day
            .min(crate::core::date::days_in_month(year, self.month));
        Date {
            year,
            month: self.month,
            day,
        }
    }
}

/// A share written as a fraction (`1/3`) or a decimal (`0.25`), kept as
/// numerator and denominator so that a third stays exactly a third: a
/// boundary such as "10 of 30 days left" must compare equal to 1/3 of 30,
/// which no finite decimal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub numerator: Decimal,
    pub denominator: Decimal,
}

impl Share {
    /// Whether `part > share × whole`, exactly (denominators are > 0).
    pub fn exceeded_by(self, part: Decimal, whole: Decimal) -> bool {
        part * self.denominator > self.numerator * whole
    }
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.denominator == Decimal::ONE {
            write!(f, "{}", self.numerator)
        } else {
            write!(f, "{}/{}", self.numerator, self.denominator)
        }
    }
}

/// Every parameter of one version of a city's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleVersion {
    pub in_force_from: Param<Date>,
    pub deductible: ByCategory<Param<Decimal>>,
    pub ratio: ByCategory<ByLevel>,
    pub cap: ByCategory<Param<Decimal>>,
    pub pharmacy_mode: Param<PharmacyMode>,
    pub b_selfpay_share: Param<Decimal>,
    pub remote_prepay_share: Param<Decimal>,
    pub manual_deadline: Param<Option<NextYearDeadline>>,
    pub max_supply_days: Param<u32>,
    pub account_scope: Param<AccountScope>,
    pub multi_institution_threshold: Param<u32>,
    /// `SPLIT_VISIT`: same-day claims at one institution that make a split
    /// visit (POLICY.md §7).
    pub split_visit_min: Param<u32>,
    /// `EARLY_REFILL`: the share of an earlier supply that must still be
    /// left to run for a repeat purchase to be flagged.
    pub early_refill_share: Param<Share>,
    /// `VISIT_FREQUENCY`: claims in a calendar month before the next one is
    /// flagged.
    pub visit_frequency_threshold: Param<u32>,
    // Family sharing (POLICY.md §6a, §9).
    /// Whether a member's account may pay for the family bound to it.
    pub family_sharing: Param<bool>,
    /// Whether it may also for care outside the insuring city.
    pub family_sharing_remote: Param<bool>,
    /// Dotted paths of the parameters marked provisional, in file order.
    pub provisional: Vec<String>,
}

/// All versions of one city's rules, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CityRules {
    pub city: String,
    pub name: String,
    pub file: PathBuf,
    pub versions: Vec<RuleVersion>,
}

impl CityRules {
    /// The version in force on `d`, if any.
    pub fn in_force(&self, d: Date) -> Option<(usize, &RuleVersion)> {
        self.versions
            .iter()
            .enumerate()
            .rev()
            .find(|(_, v)| v.in_force_from.value <= d)
    }
}

/// The rules of every city, by city code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleBook {
    pub cities: BTreeMap<String, CityRules>,
}

impl RuleBook {
    /// Add a city's rules; a city is defined by one file only.
    pub fn add(&mut self, rules: CityRules) -> Result<(), RuleError> {
        if let Some(prev) = self.cities.get(&rules.city) {
            return Err(RuleError {
                file: rules.file.clone(),
                line: 1,
                key: "city".into(),
                message: format!(
                    "city `{}` is already defined by {}",
                    rules.city,
                    prev.file.display()
                ),
            });
        }
        self.cities.insert(rules.city.clone(), rules);
        Ok(())
    }

    /// The version of `city`'s rules in force on `d`, with its index.
    pub fn in_force(&self, city: &str, d: Date) -> Option<(usize, &RuleVersion)> {
        self.cities.get(city)?.in_force(d)
    }
}

/// One parameter of a version as shown to a person: its path, its value as
/// written, its basis, and whether it is provisional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub path: String,
    pub value: String,
    pub basis: String,
    pub provisional: bool,
}
