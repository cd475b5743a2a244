//! The parameter registry: every parameter of a rule version, once.
//!
//! [`PARAMS`] lists each parameter's dotted path, what kind of value it
//! takes and where it lives in a [`RuleVersion`]. The rule-file reader
//! walks it in order, `--set` looks paths up in it, and `rules show` prints
//! it; adding a parameter means adding its field and one row here.

use super::*;
use crate::core::money::parse_decimal;

/// Why a parameter or its value is refused, as one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// The value's text, with what is wrong with it.
    #[error("{0}")]
    Invalid(String),
    /// The parameter cannot be set here (it does not apply, or only a
    /// rule file may give it).
    #[error("{0}")]
    Refused(&'static str),
    /// No parameter has this path; the paths there are.
    #[error("unknown parameter `{0}` (one of: {1})")]
    Unknown(String, String),
}

/// Where a parameter of type `T` lives in a version. `None` when it does
/// not apply to that version (a fixed pharmacy ratio under
/// `pharmacy.mode = prescriber_level`).
pub struct Slot<T: 'static> {
    get: fn(&RuleVersion) -> Option<&Param<T>>,
    get_mut: fn(&mut RuleVersion) -> Option<&mut Param<T>>,
}

/// The kind of value a parameter takes, which fixes how its text is checked
/// and shown, with its slot.
pub enum Kind {
    Date(Slot<Date>),
    /// An amount in yuan, ≥ 0, at most 2 decimals.
    Amount(Slot<Decimal>),
    /// A ratio in [0, 1].
    Ratio(Slot<Decimal>),
    /// A whole number at least the given minimum.
    Count(u32, Slot<u32>),
    Share(Slot<Share>),
    Deadline(Slot<Option<NextYearDeadline>>),
    AccountScope(Slot<AccountScope>),
    /// A switch: `true`/`false` (or `on`/`off`).
    Switch(Slot<bool>),
    /// `fixed` or `prescriber_level`: the choice that decides whether the
    /// fixed pharmacy ratios apply.
    PharmacyMode,
}

/// One parameter of a rule version.
pub struct ParamDef {
    /// Dotted path inside a `[[version]]`, as in the rule file and `--set`.
    pub path: &'static str,
    pub kind: Kind,
    /// For parameters added after the first rule files were written: the
    /// value a file without them gets (provisional).
    pub default: Option<&'static str>,
    /// Why `--set` may not change it, if it may not.
    pub fixed: Option<&'static str>,
    /// Why `--set` cannot change it when it does not apply to a version.
    pub inapplicable: &'static str,
}

/// A checked value, before it is stored in its slot.
pub enum Value {
    Date(Date),
    Decimal(Decimal),
    Count(u32),
    Share(Share),
    Deadline(Option<NextYearDeadline>),
    AccountScope(AccountScope),
    Switch(bool),
    /// `true` for `fixed`.
    PharmacyFixed(bool),
}

macro_rules! slot {
    (|$v:ident| $place:expr) => {
        Slot {
            get: |$v| Some(&$place),
            get_mut: |$v| Some(&mut $place),
        }
    };
}

const fn def(path: &'static str, kind: Kind) -> ParamDef {
    ParamDef {
        path,
        kind,
        default: None,
        fixed: None,
        inapplicable: "",
    }
}

const fn optional(path: &'static str, kind: Kind, default: &'static str) -> ParamDef {
    ParamDef {
        default: Some(default),
        ..def(path, kind)
    }
}

const PHARMACY_RATIO: &str = "pharmacy ratios apply only with pharmacy.mode = fixed";

fn pharmacy(v: &RuleVersion) -> Option<&ByCategory<Param<Decimal>>> {
    match &v.pharmacy_mode.value {
        PharmacyMode::Fixed(r) => Some(r),
        PharmacyMode::PrescriberLevel => None,
    }
}

fn pharmacy_mut(v: &mut RuleVersion) -> Option<&mut ByCategory<Param<Decimal>>> {
    match &mut v.pharmacy_mode.value {
        PharmacyMode::Fixed(r) => Some(r),
        PharmacyMode::PrescriberLevel => None,
    }
}

/// Every parameter, in rule-file order (POLICY.md §9).
pub static PARAMS: &[ParamDef] = &[
    ParamDef {
        fixed: Some(
            "in_force_from selects versions and cannot be overridden; add a [[version]] instead",
        ),
        ..def("in_force_from", Kind::Date(slot!(|v| v.in_force_from)))
    },
    def(
        "deductible.employed",
        Kind::Amount(slot!(|v| v.deductible.employed)),
    ),
    def(
        "deductible.retired",
        Kind::Amount(slot!(|v| v.deductible.retired)),
    ),
    def(
        "ratio.employed.level3",
        Kind::Ratio(slot!(|v| v.ratio.employed.levels[2])),
    ),
    def(
        "ratio.employed.level2",
        Kind::Ratio(slot!(|v| v.ratio.employed.levels[1])),
    ),
    def(
        "ratio.employed.level1",
        Kind::Ratio(slot!(|v| v.ratio.employed.levels[0])),
    ),
    def(
        "ratio.retired.level3",
        Kind::Ratio(slot!(|v| v.ratio.retired.levels[2])),
    ),
    def(
        "ratio.retired.level2",
        Kind::Ratio(slot!(|v| v.ratio.retired.levels[1])),
    ),
    def(
        "ratio.retired.level1",
        Kind::Ratio(slot!(|v| v.ratio.retired.levels[0])),
    ),
    def("cap.employed", Kind::Amount(slot!(|v| v.cap.employed))),
    def("cap.retired", Kind::Amount(slot!(|v| v.cap.retired))),
    def("pharmacy.mode", Kind::PharmacyMode),
    ParamDef {
        inapplicable: PHARMACY_RATIO,
        ..def(
            "pharmacy.employed",
            Kind::Ratio(Slot {
                get: |v| pharmacy(v).map(|r| &r.employed),
                get_mut: |v| pharmacy_mut(v).map(|r| &mut r.employed),
            }),
        )
    },
    ParamDef {
        inapplicable: PHARMACY_RATIO,
        ..def(
            "pharmacy.retired",
            Kind::Ratio(Slot {
                get: |v| pharmacy(v).map(|r| &r.retired),
                get_mut: |v| pharmacy_mut(v).map(|r| &mut r.retired),
            }),
        )
    },
    def("b_selfpay_share", Kind::Ratio(slot!(|v| v.b_selfpay_share))),
    def(
        "remote_prepay_share",
        Kind::Ratio(slot!(|v| v.remote_prepay_share)),
    ),
    def(
        "manual_deadline",
        Kind::Deadline(slot!(|v| v.manual_deadline)),
    ),
    def(
        "max_supply_days",
        Kind::Count(1, slot!(|v| v.max_supply_days)),
    ),
    def(
        "account_scope",
        Kind::AccountScope(slot!(|v| v.account_scope)),
    ),
    def(
        "multi_institution_threshold",
        Kind::Count(2, slot!(|v| v.multi_institution_threshold)),
    ),
    // Added after the first rule files were written: a file without them
    // gets POLICY.md §9's placeholders, provisional (a run warns).
    optional(
        "split_visit_min",
        Kind::Count(2, slot!(|v| v.split_visit_min)),
        "2",
    ),
    optional(
        "early_refill_share",
        Kind::Share(slot!(|v| v.early_refill_share)),
        "1/3",
    ),
    optional(
        "visit_frequency_threshold",
        Kind::Count(1, slot!(|v| v.visit_frequency_threshold)),
        "20",
    ),
    // Family sharing (POLICY.md §6a, §9): a file without them shares
    // within the city only, provisional.
    optional(
        "family_sharing",
        Kind::Switch(slot!(|v| v.family_sharing)),
        "true",
    ),
    optional(
        "family_sharing_remote",
        Kind::Switch(slot!(|v| v.family_sharing_remote)),
        "false",
    ),
];

/// The parameter at `path`, if there is one.
pub fn find(path: &str) -> Option<&'static ParamDef> {
    PARAMS.iter().find(|p| p.path == path)
}

/// The metadata a stored value carries with it.
pub struct Basis {
    pub text: String,
    pub provisional: bool,
}

impl ParamDef {
    /// Whether the parameter applies to `v` (the reader skips it when not).
    pub fn applies(&self, v: &RuleVersion) -> bool {
        self.shown(v).is_some()
    }

    /// Check the text of a value, saying what is wrong with it.
    pub fn check(&self, s: &str) -> Result<Value, ParamError> {
        Ok(match &self.kind {
            Kind::Date(_) => Value::Date(date(s)?),
            Kind::Amount(_) => Value::Decimal(amount(s)?),
            Kind::Ratio(_) => Value::Decimal(ratio(s)?),
            Kind::Count(min, _) => Value::Count(count(s, *min)?),
            Kind::Share(_) => Value::Share(share(s)?),
            Kind::Deadline(_) => Value::Deadline(deadline(s)?),
            Kind::AccountScope(_) => Value::AccountScope(match s {
                "policy" => AccountScope::Policy,
                "medical" => AccountScope::Medical,
                _ => return Err(ParamError::Refused("must be `policy` or `medical`")),
            }),
            Kind::Switch(_) => Value::Switch(switch(s)?),
            Kind::PharmacyMode => Value::PharmacyFixed(match s {
                "fixed" => true,
                "prescriber_level" => false,
                _ => return Err(ParamError::Refused("must be `fixed` or `prescriber_level`")),
            }),
        })
    }

    /// Store a checked value with its basis; `Err` (with why) when the
    /// parameter does not apply to `v`. A fixed pharmacy mode starts with
    /// empty ratios for the reader to fill in next.
    pub fn store(&self, v: &mut RuleVersion, value: Value, basis: Basis) -> Result<(), ParamError> {
        fn put<T>(slot: &Slot<T>, v: &mut RuleVersion, value: T, b: Basis) -> Option<()> {
            *(slot.get_mut)(v)? = Param::new(value, b.text, b.provisional);
            Some(())
        }
        let stored = match (&self.kind, value) {
            (Kind::Date(s), Value::Date(x)) => put(s, v, x, basis),
            (Kind::Amount(s) | Kind::Ratio(s), Value::Decimal(x)) => put(s, v, x, basis),
            (Kind::Count(_, s), Value::Count(x)) => put(s, v, x, basis),
            (Kind::Share(s), Value::Share(x)) => put(s, v, x, basis),
            (Kind::Deadline(s), Value::Deadline(x)) => put(s, v, x, basis),
            (Kind::AccountScope(s), Value::AccountScope(x)) => put(s, v, x, basis),
            (Kind::Switch(s), Value::Switch(x)) => put(s, v, x, basis),
            (Kind::PharmacyMode, Value::PharmacyFixed(fixed)) => {
                let mode = if fixed {
                    let blank = || Param::new(Decimal::ZERO, String::new(), false);
                    PharmacyMode::Fixed(ByCategory {
                        employed: blank(),
                        retired: blank(),
                    })
                } else {
                    PharmacyMode::PrescriberLevel
                };
                v.pharmacy_mode = Param::new(mode, basis.text, basis.provisional);
                Some(())
            }
            // `check` of the same definition made the value.
            _ => None,
        };
        stored.ok_or(ParamError::Refused(self.inapplicable))
    }

    /// The parameter as shown to a person, `None` when it does not apply.
    pub fn shown(&self, v: &RuleVersion) -> Option<Shown> {
        fn row<T>(path: &str, value: String, p: &Param<T>) -> Shown {
            Shown {
                path: path.to_string(),
                value,
                basis: p.basis.clone(),
                provisional: p.provisional,
            }
        }
        fn of<T: ToString>(path: &str, slot: &Slot<T>, v: &RuleVersion) -> Option<Shown> {
            let p = (slot.get)(v)?;
            Some(row(path, p.value.to_string(), p))
        }
        match &self.kind {
            Kind::Date(s) => of(self.path, s, v),
            Kind::Amount(s) | Kind::Ratio(s) => of(self.path, s, v),
            Kind::Count(_, s) => of(self.path, s, v),
            Kind::Share(s) => of(self.path, s, v),
            Kind::Switch(s) => of(self.path, s, v),
            Kind::Deadline(s) => {
                let p = (s.get)(v)?;
                let text = match p.value {
                    Some(d) => format!("{:02}-{:02}", d.month, d.day),
                    None => "none".into(),
                };
                Some(row(self.path, text, p))
            }
            Kind::AccountScope(s) => {
                let p = (s.get)(v)?;
                let text = match p.value {
                    AccountScope::Policy => "policy",
                    AccountScope::Medical => "medical",
                };
                Some(row(self.path, text.into(), p))
            }
            Kind::PharmacyMode => {
                let text = match v.pharmacy_mode.value {
                    PharmacyMode::Fixed(_) => "fixed",
                    PharmacyMode::PrescriberLevel => "prescriber_level",
                };
                Some(row(self.path, text.into(), &v.pharmacy_mode))
            }
        }
    }
}

impl RuleVersion {
    /// A version with every parameter empty, for the reader to fill in from
    /// [`PARAMS`] (it refuses a file that leaves any required one out).
    pub(crate) fn blank() -> RuleVersion {
        fn p<T>(value: T) -> Param<T> {
            Param::new(value, String::new(), false)
        }
        let levels = || ByLevel {
            levels: [p(Decimal::ZERO), p(Decimal::ZERO), p(Decimal::ZERO)],
        };
        let pair = || ByCategory {
            employed: p(Decimal::ZERO),
            retired: p(Decimal::ZERO),
        };
        RuleVersion {
            in_force_from: p(Date {
                year: 1,
                month: 1,
                day: 1,
            }),
            deductible: pair(),
            ratio: ByCategory {
                employed: levels(),
                retired: levels(),
            },
            cap: pair(),
            pharmacy_mode: p(PharmacyMode::PrescriberLevel),
            b_selfpay_share: p(Decimal::ZERO),
            remote_prepay_share: p(Decimal::ZERO),
            manual_deadline: p(None),
            max_supply_days: p(0),
            account_scope: p(AccountScope::Policy),
            multi_institution_threshold: p(0),
            split_visit_min: p(0),
            early_refill_share: p(Share {
                numerator: Decimal::ZERO,
                denominator: Decimal::ONE,
            }),
            visit_frequency_threshold: p(0),
            family_sharing: p(false),
            family_sharing_remote: p(false),
            provisional: Vec::new(),
        }
    }

    /// Every parameter that applies, in rule-file order.
    pub fn parameters(&self) -> Vec<Shown> {
        PARAMS.iter().filter_map(|d| d.shown(self)).collect()
    }
}

fn invalid(message: String) -> ParamError {
    ParamError::Invalid(message)
}

/// Value checkers: they see the literal text and say what is wrong with it.
fn ratio(s: &str) -> Result<Decimal, ParamError> {
    let d = parse_decimal(s)
        .map_err(|_| invalid(format!("`{s}` is not a decimal ratio such as 0.65")))?;
    if d < Decimal::ZERO || d > Decimal::ONE {
        return Err(invalid(format!("ratio {s} is outside [0, 1]")));
    }
    Ok(d)
}

fn amount(s: &str) -> Result<Decimal, ParamError> {
    let d = parse_decimal(s).map_err(|_| invalid(format!("`{s}` is not an amount in yuan")))?;
    if d < Decimal::ZERO {
        return Err(invalid(format!("amount {s} is negative")));
    }
    if d.scale() > 2 {
        return Err(invalid(format!(
            "amount {s} has more than 2 decimal places"
        )));
    }
    Ok(d)
}

/// A share in [0, 1]: a fraction of whole numbers (`1/3`) or a decimal.
fn share(s: &str) -> Result<Share, ParamError> {
    let bad = || invalid(format!("`{s}` is not a share such as \"1/3\" or 0.25"));
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
        return Err(invalid(format!("share {s} divides by zero")));
    }
    if numerator < Decimal::ZERO || numerator > denominator {
        return Err(invalid(format!("share {s} is outside [0, 1]")));
    }
    Ok(Share {
        numerator,
        denominator,
    })
}

fn date(s: &str) -> Result<Date, ParamError> {
    Date::parse(s).ok_or_else(|| invalid(format!("`{s}` is not a date YYYY-MM-DD")))
}

fn count(s: &str, min: u32) -> Result<u32, ParamError> {
    match s.parse::<u32>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(invalid(format!("`{s}` is not a whole number ≥ {min}"))),
    }
}

/// A switch (family sharing, POLICY.md §9): `true`/`false`, `on`/`off`.
fn switch(s: &str) -> Result<bool, ParamError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "on" => Ok(true),
        "false" | "off" => Ok(false),
        _ => Err(invalid(format!("`{s}` must be true or false"))),
    }
}

fn deadline(s: &str) -> Result<Option<NextYearDeadline>, ParamError> {
    if s == "none" {
        return Ok(None);
    }
    let bad = || {
        invalid(format!(
            "`{s}` must be `none` or MM-DD of the year after the service year, such as 03-31"
        ))
    };
    let d = Date::parse(&format!("2000-{s}")).ok_or_else(bad)?;
    Ok(Some(NextYearDeadline {
        month: d.month,
        day: d.day,
    }))
}
