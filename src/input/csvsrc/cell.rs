//! Cell parsers shared by every reader: each says what is wrong in words a
//! clerk understands.

use crate::core::date::{Date, DateTime};
use crate::core::money::{parse_decimal, parse_money};
use crate::input::reason::Reason;
use rust_decimal::Decimal;

/// What is wrong with a cell's value, as a reason worded when written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadValue(pub Reason);

/// Readers' own checks write their sentence as text and use `?` on
/// these parsers inside them (in English: such sentences are not worded
/// per language).
impl From<BadValue> for String {
    fn from(e: BadValue) -> String {
        e.0.to_string()
    }
}

impl From<BadValue> for Reason {
    fn from(e: BadValue) -> Reason {
        e.0
    }
}

pub fn money(s: &str) -> Result<Decimal, BadValue> {
    parse_money(s).map_err(|e| {
        BadValue(Reason::NotMoney {
            value: s.to_string(),
            why: e.into(),
        })
    })
}

/// A unit price of the platform layout (`pric`): up to 6 decimals.
pub fn fine_price(s: &str) -> Result<Decimal, BadValue> {
    match parse_decimal(s) {
        Ok(d) if d.scale() <= 6 => Ok(d),
        Ok(_) => Err(BadValue(Reason::NotPrice {
            value: s.to_string(),
            why: None,
        })),
        Err(e) => Err(BadValue(Reason::NotPrice {
            value: s.to_string(),
            why: Some(e.into()),
        })),
    }
}

pub fn decimal(s: &str) -> Result<Decimal, BadValue> {
    parse_decimal(s).map_err(|e| {
        BadValue(Reason::NotNumber {
            value: s.to_string(),
            why: e.into(),
        })
    })
}

pub fn date(s: &str) -> Result<Date, BadValue> {
    Date::parse(s).ok_or_else(|| {
        BadValue(Reason::NotDate {
            value: s.to_string(),
        })
    })
}

pub fn time(s: &str) -> Result<DateTime, BadValue> {
    DateTime::parse(s).ok_or_else(|| {
        BadValue(Reason::NotTime {
            value: s.to_string(),
        })
    })
}

pub fn boolean(s: &str) -> Result<bool, BadValue> {
    crate::core::model::parse_bool(s).ok_or_else(|| {
        BadValue(Reason::NotBoolean {
            value: s.to_string(),
        })
    })
}

/// A city id, or a 6-digit 医保区划 code (the platform's names) read
/// as the city of the rule files' `known` codes (see
/// [`super::super::platform::city_of_admdvs`]).
pub fn coded_city(known: &[(String, String)]) -> impl Fn(&str) -> Result<String, BadValue> + '_ {
    move |s| match super::super::platform::city_of_admdvs(s.trim(), known) {
        Some(c) => Ok(c),
        None => city(s),
    }
}

pub fn city(s: &str) -> Result<String, BadValue> {
    let c = s.trim().to_ascii_lowercase();
    if c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        Ok(c)
    } else {
        Err(BadValue(Reason::NotCity {
            value: s.to_string(),
        }))
    }
}

pub fn count(s: &str) -> Result<u32, BadValue> {
    s.parse::<u32>().map_err(|_| {
        BadValue(Reason::NotCount {
            value: s.to_string(),
        })
    })
}

/// An enum of the model, with its accepted ids in the message.
pub fn choice<T: 'static>(
    parse: fn(&str) -> Option<T>,
    expected: &'static str,
) -> impl Fn(&str) -> Result<T, BadValue> {
    move |s| {
        parse(s).ok_or_else(|| {
            BadValue(Reason::NotOneOf {
                value: s.to_string(),
                expected: expected.trim().to_string(),
            })
        })
    }
}
