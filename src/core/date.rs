//! Calendar dates and times as the contract writes them (`YYYY-MM-DD`,
//! `YYYY-MM-DD HH:MM:SS`), without time zones: every date in the files is
//! local to the insuring city.

use std::fmt;

/// A calendar date. Field order makes the derived ordering chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// A date with a time of day in seconds after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub date: Date,
    pub seconds: u32,
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Date {
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1900..=2999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parse `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let mut parts = s.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        Date::new(digits(y)? as i32, digits(m)? as u8, digits(d)? as u8)
    }

    /// Days since 1970-01-01 (negative before), so that the difference of
    /// two dates is the number of calendar days between them.
    pub fn day_number(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The last day of this date's month.
    pub fn month_end(self) -> Date {
        Date {
            day: days_in_month(self.year, self.month),
            ..self
        }
    }
}

impl DateTime {
    /// Parse `YYYY-MM-DD HH:MM:SS` or a bare date (midnight). A `T` between
    /// date and time is accepted too: spreadsheets and ISO exports write it.
    pub fn parse(s: &str) -> Option<DateTime> {
        // The usual time read by its places; anything else by its parts.
        plain_time(s.trim().as_bytes()).or_else(|| parse_general(s))
    }
}

/// Any date or time [`DateTime::parse`] accepts, split into its parts: the
/// reference the fast path ([`plain_time`]) is tested against.
fn parse_general(s: &str) -> Option<DateTime> {
    let s = s.trim();
    if s.len() == 10 {
        return Some(DateTime {
            date: Date::parse(s)?,
            seconds: 0,
        });
    }
    if s.len() != 19 || !matches!(s.as_bytes()[10], b' ' | b'T') {
        return None;
    }
    let date = Date::parse(s.get(..10)?)?;
    let mut hms = s.get(11..)?.split(':');
    let (h, m, sec) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() || h.len() != 2 || m.len() != 2 || sec.len() != 2 {
        return None;
    }
    let (h, m, sec) = (digits(h)?, digits(m)?, digits(sec)?);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(DateTime {
        date,
        seconds: h * 3600 + m * 60 + sec,
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

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.seconds;
        write!(
            f,
            "{} {:02}:{:02}:{:02}",
            self.date,
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

/// A settlement period: one calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    pub year: i32,
    pub month: u8,
}

impl Period {
    /// Parse `YYYY-MM`.
    pub fn parse(s: &str) -> Option<Period> {
        let d = Date::parse(&format!("{}-01", s.trim()))?;
        Some(Period {
            year: d.year,
            month: d.month,
        })
    }

    pub fn of(d: Date) -> Period {
        Period {
            year: d.year,
            month: d.month,
        }
    }

    pub fn last_day(self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: days_in_month(self.year, self.month),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Period {
    /// The month before (December of the year before for January).
    pub fn prev(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The month after (January of the year after for December).
    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn first_day(self) -> Date {
        Date {
            year: self.year,
            month: self.month,
            day: 1,
        }
    }
}

/// What a run settles: one month, or consecutive months written
/// `2024-01..2024-03`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Months {
    pub first: Period,
    pub last: Period,
}

impl Months {
    pub fn single(p: Period) -> Months {
        Months { first: p, last: p }
    }

    /// Parse `YYYY-MM` or `YYYY-MM..YYYY-MM` (first not after last).
    pub fn parse(s: &str) -> Option<Months> {
        match s.split_once("..") {
            None => Period::parse(s).map(Months::single),
            Some((a, b)) => {
                let (first, last) = (Period::parse(a)?, Period::parse(b)?);
                (first <= last).then_some(Months { first, last })
            }
        }
    }

    pub fn first_day(self) -> Date {
        self.first.first_day()
    }

    pub fn last_day(self) -> Date {
        self.last.last_day()
    }
}

impl fmt::Display for Months {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}..{}", self.first, self.last)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_contract_dates_and_refuses_impossible_ones() {
        assert_eq!(Date::parse("2024-02-29"), Date::new(2024, 2, 29));
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2024-2-9"), None);
        assert_eq!(Date::parse("2024/02/09"), None);
        let t = DateTime::parse("2024-03-05 08:30:15").unwrap();
        assert_eq!(t.seconds, 8 * 3600 + 30 * 60 + 15);
        assert_eq!(t.to_string(), "2024-03-05 08:30:15");
        assert_eq!(DateTime::parse("2024-03-05").unwrap().seconds, 0);
        assert_eq!(DateTime::parse("2024-03-05 24:00:00"), None);
        assert_eq!(
            Period::parse("2024-03").unwrap().last_day().to_string(),
            "2024-03-31"
        );
        assert!(Date::parse("2024-01-31").unwrap() < Date::parse("2024-02-01").unwrap());
        let m = Months::parse("2024-01..2024-03").unwrap();
        assert_eq!(
            (m.first_day().to_string(), m.last_day().to_string()),
            ("2024-01-01".into(), "2024-03-31".into())
        );
        assert_eq!(m.to_string(), "2024-01..2024-03");
        assert_eq!(Months::parse("2024-02").unwrap().to_string(), "2024-02");
        assert_eq!(Months::parse("2024-03..2024-01"), None);
        let jan = Period::parse("2024-01").unwrap();
        assert_eq!(jan.prev().to_string(), "2023-12");
        assert_eq!(jan.prev().next(), jan);
        assert_eq!(jan.next().to_string(), "2024-02");
    }

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
            if plain_time(s.trim().as_bytes()).is_some() {
                plain += 1;
            }
            assert_eq!(DateTime::parse(&s), parse_general(&s), "{s:?}");
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
            assert_eq!(DateTime::parse(s), parse_general(s), "{s:?}");
        }
    }
}
