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
    if let Some(t) = plain_time(s.as_bytes()) {
        return Ok(t);
    }
    DateTime::parse(s).ok_or_else(|| {
        BadValue(Reason::NotTime {
            value: s.to_string(),
        })
    })
}

/// The usual service time, `YYYY-MM-DD HH:MM:SS` (or with a `T`), read
/// from its bytes at their places rather than split into parts: the same
/// value [`DateTime::parse`] gives; `None` for any other text (which it
/// then reads, to accept or refuse as it does).
fn plain_time(b: &[u8]) -> Option<DateTime> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b' ' | b'T', h0, h1, b':', i0, i1, b':', s0, s1] =
        *b
    else {
        return None;
    };
    let digits = [y0, y1, y2, y3, m0, m1, d0, d1, h0, h1, i0, i1, s0, s1];
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |a: u8, b: u8| u32::from(a - b'0') * 10 + u32::from(b - b'0');
    let year = n(y0, y1) * 100 + n(y2, y3);
    let (h, m, sec) = (n(h0, h1), n(i0, i1), n(s0, s1));
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(DateTime {
        date: Date::new(year as i32, n(m0, m1) as u8, n(d0, d1) as u8)?,
        seconds: h * 3600 + m * 60 + sec,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Text near a service time: each byte now and then replaced by a
    /// digit, a separator, a space, a letter or a non-ASCII character, or
    /// dropped.
    fn near_time(seed: &mut u64) -> String {
        let mut next = || {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed
        };
        let base = format!(
            "{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}",
            1890 + next() % 1200,
            next() % 14,
            next() % 33,
            if next() % 2 == 0 { ' ' } else { 'T' },
            next() % 26,
            next() % 62,
            next() % 62
        );
        let mut out = String::new();
        for c in base.chars() {
            match next() % 40 {
                0 => out.push(char::from(b'0' + (next() % 10) as u8)),
                1 => out.push(['-', ':', ' ', 'T', '+', 'x'][(next() % 6) as usize]),
                2 => out.push('时'),
                3 => {}
                4 => {
                    out.push(c);
                    out.push(' ');
                }
                _ => out.push(c),
            }
        }
        out
    }

    #[test]
    fn a_time_read_by_its_places_is_what_the_general_parser_reads() {
        let mut seed = 0x5eed_u64;
        let mut plain = 0;
        for _ in 0..300_000 {
            let s = near_time(&mut seed);
            let fast = plain_time(s.as_bytes());
            if fast.is_some() {
                plain += 1;
                assert_eq!(fast, DateTime::parse(&s), "{s:?}");
            }
            assert_eq!(time(&s).ok(), DateTime::parse(&s), "{s:?}");
        }
        assert!(plain > 10_000, "{plain}");
        for s in [
            "2024-02-29 23:59:59",
            "2023-02-29 10:00:00",
            "2024-03-16T19:52:28",
            "2024-03-16 24:00:00",
            "1899-12-31 00:00:00",
            "3000-01-01 00:00:00",
            "2024-00-10 00:00:00",
            "2024-03-16",
        ] {
            assert_eq!(time(s).ok(), DateTime::parse(s), "{s:?}");
        }
    }
}
