//! Money and ratio arithmetic: the one place rounding happens.
//!
//! Every amount is a `rust_decimal::Decimal` in yuan. POLICY.md rounds derived
//! amounts to 0.01 with ROUND_HALF_UP at named points; `Decimal::round_dp`
//! would round half to even, so every rounding in the crate goes through
//! [`round2`].

use rust_decimal::{Decimal, RoundingStrategy};
use std::fmt;
use std::str::FromStr;

/// Round to 0.01 yuan, half away from zero (POLICY.md `round2`).
pub fn round2(x: Decimal) -> Decimal {
    x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Format an amount with exactly two decimals, as every output writes money.
pub fn fmt2(x: Decimal) -> String {
    let mut s = String::with_capacity(16);
    push_money(&mut s, x);
    s
}

/// Append an amount with exactly two decimals to `buf` (the allocation-free
/// form of [`fmt2`], for writers that format millions of cells).
pub fn push_money(buf: &mut String, x: Decimal) {
    // Writing to a String cannot fail.
    let _ = write_money(buf, x);
}

/// An amount as every output writes it ([`fmt2`]), for the sentences of
/// audit details: formatted straight into the sentence, without a String
/// of its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Yuan(pub Decimal);

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_money(f, self.0)
    }
}

/// [`fmt2`] into any writer.
fn write_money(w: &mut impl fmt::Write, x: Decimal) -> fmt::Result {
    let mut r = round2(x);
    // After round2 the scale is at most 2: rescale only pads with zeros.
    r.rescale(2);
    let m = r.mantissa();
    if m == 0 {
        // `-0.00` would be a surprise in a payment file.
        return w.write_str("0.00");
    }
    if m < 0 {
        w.write_char('-')?;
    }
    let a = m.unsigned_abs();
    let mut digits = itoa::Buffer::new();
    w.write_str(digits.format(a / 100))?;
    let frac = (a % 100) as u8;
    w.write_char('.')?;
    w.write_char(char::from(b'0' + frac / 10))?;
    w.write_char(char::from(b'0' + frac % 10))
}

/// An amount packed into 9 bytes for records held by the hundred
/// thousand (members, ledger rows): its mantissa, when it fits 64 bits, and
/// a byte of its scale plus 0x80 for a negative sign (a `-0` is kept as
/// read). [`unpack_amount`] gives back the same `Decimal`, scale included.
pub fn pack_amount(x: Decimal) -> Option<(i64, u8)> {
    let m = i64::try_from(x.mantissa()).ok()?;
    Some((
        m,
        x.scale() as u8 | if x.is_sign_negative() { 0x80 } else { 0 },
    ))
}

/// The amount [`pack_amount`] packed.
pub fn unpack_amount(m: i64, scale: u8) -> Decimal {
    let mut x = Decimal::from_i128_with_scale(i128::from(m), u32::from(scale & 0x7f));
    x.set_sign_negative(scale & 0x80 != 0);
    x
}

/// A number by its value alone, whatever its scale: `1.50`, `1.5` and
/// `1.500` give one key, and two numbers give one key only when equal.
/// For hashing and comparing without `Decimal::normalize` (a loop of
/// 96-bit divisions) on the common scales: a number of at most 6 decimals
/// is its value in millionths (exact: a 96-bit mantissa times 10^6 fits
/// an i128); a longer one is its normalized mantissa and scale (> 6, so
/// never mistaken for the first form).
pub fn value_key(x: Decimal) -> (i128, u32) {
    const KEY_SCALE: u32 = 6;
    let at_scale = |m: i128, scale: u32| m * 10i128.pow(KEY_SCALE - scale);
    if x.scale() <= KEY_SCALE {
        return (at_scale(x.mantissa(), x.scale()), KEY_SCALE);
    }
    let n = x.normalize();
    if n.scale() <= KEY_SCALE {
        (at_scale(n.mantissa(), n.scale()), KEY_SCALE)
    } else {
        (n.mantissa(), n.scale())
    }
}

/// Why a money cell did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    NotANumber,
    TooManyDecimals,
    OutOfRange,
}

impl std::fmt::Display for MoneyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MoneyError::NotANumber => "not a decimal number",
            MoneyError::TooManyDecimals => "more than 2 decimal places",
            MoneyError::OutOfRange => "out of range (more than 1e12 yuan)",
        })
    }
}

/// The largest amount accepted in any money cell: far above any outpatient
/// bill, far below where `Decimal` arithmetic could overflow.
const MONEY_LIMIT: i64 = 1_000_000_000_000;

/// Parse a decimal number written in plain notation (`12`, `-3.5`, `0.65`).
/// Exponents, thousands separators and `NaN` are refused.
pub fn parse_decimal(s: &str) -> Result<Decimal, MoneyError> {
    let t = s.trim();
    match parse_plain(t) {
        Some(d) => d,
        None => parse_general(t),
    }
}

/// Any plain-notation number, through `Decimal`'s own parser: the
/// reference the fast path ([`parse_plain`]) is tested against.
fn parse_general(s: &str) -> Result<Decimal, MoneyError> {
    let t = s.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let mut dot = false;
    let mut digits = 0usize;
    for c in body.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' if !dot => dot = true,
            _ => return Err(MoneyError::NotANumber),
        }
    }
    if digits == 0 {
        return Err(MoneyError::NotANumber);
    }
    if digits > 24 {
        return Err(MoneyError::OutOfRange);
    }
    let d = Decimal::from_str(t).map_err(|_| MoneyError::NotANumber)?;
    if d.abs() > Decimal::from(MONEY_LIMIT) {
        return Err(MoneyError::OutOfRange);
    }
    Ok(d)
}

/// The usual cell (`12`, `-175.70`, `0.65`) read without `Decimal`'s
/// general parser: an optional `-`, at most 18 digits (so the mantissa fits
/// a `u64`), and a dot only between digits. It gives what the general path
/// would, scale and sign (`-0.00`) included; `None` for any other text,
/// which the general path reads.
fn parse_plain(t: &str) -> Option<Result<Decimal, MoneyError>> {
    let (negative, body) = match t.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        b => (false, b),
    };
    if body.is_empty() || body.len() > 19 {
        return None;
    }
    let mut mantissa = 0u64;
    let mut scale: Option<u32> = None;
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                if let Some(s) = scale.as_mut() {
                    *s += 1;
                }
            }
            // Between digits only (`5.` and `.5` are left to the general
            // path).
            b'.' if scale.is_none() && i > 0 && i + 1 < body.len() => scale = Some(0),
            _ => return None,
        }
    }
    let scale = scale.unwrap_or(0);
    let digits = body.len() - usize::from(body.contains(&b'.'));
    if digits > 18 {
        return None;
    }
    // |value| = mantissa / 10^scale > MONEY_LIMIT, in integers (10^30 at
    // most: fits a u128); never so for a mantissa within the limit itself.
    if mantissa > MONEY_LIMIT as u64
        && u128::from(mantissa) > MONEY_LIMIT as u128 * 10u128.pow(scale)
    {
        return Some(Err(MoneyError::OutOfRange));
    }
    let lo = mantissa as u32;
    let mid = (mantissa >> 32) as u32;
    Some(Ok(Decimal::from_parts(lo, mid, 0, negative, scale)))
}

/// Parse a money cell: a plain decimal with at most two fractional digits.
pub fn parse_money(s: &str) -> Result<Decimal, MoneyError> {
    let d = parse_decimal(s)?;
    if d.scale() > 2 {
        return Err(MoneyError::TooManyDecimals);
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_packed_amount_comes_back_with_its_scale_and_sign() {
        for x in [
            "0",
            "-0.00",
            "25.00",
            "-1290.71",
            "0.000001",
            "92233720368547.75807",
        ] {
            let (m, scale) = pack_amount(d(x)).expect("fits 64 bits");
            let back = unpack_amount(m, scale);
            // The same text: the scale and a negative zero survive.
            assert_eq!(back.to_string(), d(x).to_string(), "{x}");
            assert_eq!(back.is_sign_negative(), d(x).is_sign_negative(), "{x}");
        }
        // A mantissa past 64 bits is not packed.
        assert_eq!(pack_amount(d("92233720368547758.08")), None);
    }

    #[test]
    fn round2_is_half_up_not_bankers() {
        assert_eq!(round2(d("0.125")), d("0.13"));
        assert_eq!(round2(d("0.135")), d("0.14"));
        assert_eq!(round2(d("2.665")), d("2.67"));
        assert_eq!(round2(d("-0.125")), d("-0.13"));
        assert_eq!(round2(d("0.124999")), d("0.12"));
    }

    #[test]
    fn fmt2_always_two_decimals() {
        assert_eq!(fmt2(d("25")), "25.00");
        assert_eq!(fmt2(d("25.5")), "25.50");
        assert_eq!(fmt2(d("-0.001")), "0.00");
        assert_eq!(fmt2(d("-3.10")), "-3.10");
        assert_eq!(fmt2(d("0.005")), "0.01");
        assert_eq!(fmt2(d("-0.5")), "-0.50");
        assert_eq!(fmt2(d("999999999999.999")), "1000000000000.00");
        assert_eq!(fmt2(d("1234567.891")), "1234567.89");
    }

    /// A small deterministic generator (xorshift), so that the property
    /// tests below see the same many cases on every run.
    pub(super) struct Gen(u64);

    impl Gen {
        pub fn new(seed: u64) -> Gen {
            Gen(seed | 1)
        }

        pub fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        /// A decimal of up to 12 digits at scale 0 to 9, either sign, often
        /// with trailing zeros (the cases `value_key` must see through).
        pub fn decimal(&mut self) -> Decimal {
            let digits = self.next() % 1_000_000_000_000;
            let m = match self.next() % 4 {
                0 => (digits % 1000) as i64 * 1000,
                _ => digits as i64,
            };
            let m = if self.next() % 3 == 0 { -m } else { m };
            Decimal::new(m, (self.next() % 10) as u32)
        }
    }

    #[test]
    fn yuan_writes_what_fmt2_does() {
        let mut g = Gen::new(7);
        for _ in 0..20_000 {
            let x = g.decimal();
            assert_eq!(Yuan(x).to_string(), fmt2(x), "{x}");
        }
        assert_eq!(format!("退回 {}", Yuan(d("-0.004"))), "退回 0.00");
    }

    #[test]
    fn value_key_is_equality_whatever_the_scale() {
        assert_eq!(value_key(d("1.50")), value_key(d("1.5")));
        assert_eq!(value_key(d("-0.00")), value_key(d("0")));
        assert_ne!(value_key(d("1.5")), value_key(d("15")));
        assert_eq!(value_key(d("0.12345670")), value_key(d("0.1234567")));
        assert_ne!(value_key(d("0.1234567")), value_key(d("0.1234568")));
        let mut g = Gen::new(12);
        for _ in 0..20_000 {
            let (a, b) = (g.decimal(), g.decimal());
            assert_eq!(value_key(a) == value_key(b), a == b, "{a} {b}");
            // The same value written with more decimals.
            let mut wider = a;
            wider.rescale((a.scale() + (g.next() % 4) as u32).min(28));
            assert_eq!(value_key(wider), value_key(a), "{a} {wider}");
        }
    }

    /// Text a cell may hold: digits with a dot anywhere (or none, or two),
    /// a sign or two, leading zeros, white space, and now and then junk.
    fn cell_text(g: &mut Gen) -> String {
        const ALPHABET: &[u8] = b"0123456789.-+ e,x";
        let mut t = String::new();
        match g.next() % 8 {
            0 => t.push('-'),
            1 => t.push('+'),
            2 => t.push_str("-0"),
            3 => t.push_str("00"),
            _ => {}
        }
        let len = (g.next() % 26) as usize;
        for _ in 0..len {
            let c = match g.next() % 10 {
                0 => ALPHABET[(g.next() % ALPHABET.len() as u64) as usize],
                1 | 2 => b'0',
                3 if g.next() % 3 == 0 => b'.',
                _ => b'0' + (g.next() % 10) as u8,
            };
            t.push(char::from(c));
        }
        // Amounts near the limit of 1e12 yuan, and at its edge.
        if g.next() % 16 == 0 {
            t = format!(
                "{}{}.{}",
                if g.next() % 2 == 0 { "-" } else { "" },
                999_999_999_990 + g.next() % 30,
                "0".repeat((g.next() % 8) as usize) + &(g.next() % 10).to_string()
            );
        }
        t
    }

    #[test]
    fn the_fast_path_reads_as_the_general_parser_does() {
        let mut g = Gen::new(2024);
        let mut fast = 0;
        let same = |t: &str| {
            let (a, b) = (parse_decimal(t), parse_general(t));
            assert_eq!(a, b, "{t:?}");
            if let (Ok(a), Ok(b)) = (a, b) {
                // Equal values may differ in scale or sign of zero: the
                // bytes written later would differ.
                assert_eq!(a.scale(), b.scale(), "{t:?}");
                assert_eq!(a.is_sign_negative(), b.is_sign_negative(), "{t:?}");
                assert_eq!(a.to_string(), b.to_string(), "{t:?}");
            }
        };
        for _ in 0..400_000 {
            let t = cell_text(&mut g);
            fast += usize::from(parse_plain(t.trim()).is_some());
            same(&t);
        }
        // The generator reaches the fast path often, not just the junk.
        assert!(fast > 100_000, "{fast}");
        for t in [
            "0",
            "-0",
            "-0.00",
            "+0.00",
            "007.50",
            "1.",
            ".5",
            "-.5",
            "5.-",
            "1000000000000",
            "1000000000000.00",
            "1000000000000.01",
            "-1000000000000.000000001",
            "999999999999999999",
            "9999999999999999999",
            "0.000000000000000001",
            "0.0000000000000000001",
            "123456789012345678.9",
            "1.2.3",
            "--1",
            "-",
            "",
            " 12.30 ",
        ] {
            same(t);
        }
        // Amounts written as the generator of months writes them.
        for _ in 0..200_000 {
            let x = g.decimal();
            same(&x.to_string());
        }
    }

    #[test]
    fn money_keeps_scale_and_refuses_junk() {
        assert_eq!(parse_money("25.00").unwrap().scale(), 2);
        assert_eq!(parse_money(" 7 ").unwrap(), d("7"));
        assert_eq!(parse_money("1.005"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse_money("1e3"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("1,000"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money(""), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("."), Err(MoneyError::NotANumber));
        assert_eq!(
            parse_money("99999999999999999999"),
            Err(MoneyError::OutOfRange)
        );
        assert_eq!(parse_decimal("0.333").unwrap(), d("0.333"));
    }
}
