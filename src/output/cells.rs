//! CSV rows written by hand into a byte buffer, byte for byte as the csv
//! crate writes them under [`super::csv_writer`]: `,` between cells, `\n`
//! after a row, a cell in quotes only when it holds `,`, `"`, `\r` or `\n`
//! (its `"` doubled), and a row with nothing in it written as `""`.
//!
//! payments.csv and audit.csv hold millions of cells: a `csv::Writer`
//! call, a `Cow` and a `String` per cell cost more than the cells' bytes.
//! Here a cell is appended where it ends up, scanned once for what would
//! need quotes or neutralising ([`super::text`]), and money is written
//! from the decimal's integer mantissa.

use crate::core::date::Date;
use rust_decimal::Decimal;
use std::io::Write;

/// A cell holds a byte the csv crate quotes a cell for: `,`, `\r`, `\n`.
const QUOTE: u8 = 1;
/// A cell holds a `"`: quoted, and the `"` doubled.
const DQUOTE: u8 = 2;
/// A cell holds a byte that may begin a control character: C0, DEL, and
/// 0xC2 (the lead byte of the C1 controls), as
/// `input::csvsrc::has_control` screens.
const CONTROL: u8 = 4;

/// What each byte asks of its cell.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = CONTROL;
        b += 1;
    }
    t[0x7F] = CONTROL;
    t[0xC2] = CONTROL;
    t[b'\r' as usize] = QUOTE | CONTROL;
    t[b'\n' as usize] = QUOTE | CONTROL;
    t[b',' as usize] = QUOTE;
    t[b'"' as usize] = DQUOTE;
    t
};

/// What the bytes of `s` ask of their cell (the flags above, or-ed). A
/// table lookup a byte for short cells (ids); a longer cell (a finding's
/// sentence) is read 16 bytes at a time by comparisons the compiler
/// widens into vector instructions, about twice as fast as the table.
fn classes(s: &[u8]) -> u8 {
    if s.len() < LANES {
        return s.iter().fold(0, |acc, &b| acc | CLASS[b as usize]);
    }
    let mut acc = 0;
    let mut at = 0;
    while at < s.len() {
        // The last block overlaps the one before rather than leaving a
        // tail: or-ing a byte's flags twice changes nothing.
        let from = at.min(s.len() - LANES);
        if let Ok(block) = <&[u8; LANES]>::try_from(&s[from..from + LANES]) {
            acc |= block.iter().fold(0, |a, &b| a | class_of(b));
        }
        at += LANES;
    }
    acc
}

/// Bytes compared at once by [`classes`].
const LANES: usize = 16;

/// [`CLASS`] of one byte, by comparisons (which widen; a lookup does not).
#[inline(always)]
fn class_of(b: u8) -> u8 {
    let quote = (b == b',') as u8 | (b == b'\r') as u8 | (b == b'\n') as u8;
    let dquote = (b == b'"') as u8;
    let control = (b < 0x20) as u8 | (b == 0x7F) as u8 | (b == 0xC2) as u8;
    (quote * QUOTE) | (dquote * DQUOTE) | (control * CONTROL)
}

/// One row being appended to a buffer; [`Row::end`] finishes it.
pub struct Row<'b> {
    out: &'b mut Vec<u8>,
    start: usize,
    cells: usize,
}

impl<'b> Row<'b> {
    pub fn new(out: &'b mut Vec<u8>) -> Row<'b> {
        let start = out.len();
        Row {
            out,
            start,
            cells: 0,
        }
    }

    /// Begin a cell: its separator, and where its bytes start.
    fn open(&mut self) -> usize {
        if self.cells > 0 {
            self.out.push(b',');
        }
        self.cells += 1;
        self.out.len()
    }

    /// A cell of bytes written as they are (quoted when they need it):
    /// names and codes tongchou itself made, never input text.
    pub fn raw(&mut self, s: &[u8]) {
        self.open();
        push_quoted(self.out, b"", s, classes(s));
    }

    /// A text cell from input: neutralised as [`super::text`] says (a
    /// control character shown as its escape, a formula-like start
    /// prefixed with `'`), then quoted when it needs it.
    pub fn text(&mut self, s: &str) {
        self.open();
        let class = classes(s.as_bytes());
        if class & CONTROL != 0 && crate::input::csvsrc::has_control(s) {
            // Rare: the escapes are made by the one rule that makes them.
            let t = super::text(s);
            push_quoted(self.out, b"", t.as_bytes(), classes(t.as_bytes()));
            return;
        }
        let prefix: &[u8] = match s.as_bytes().first() {
            Some(b'=' | b'+' | b'-' | b'@') => b"'",
            _ => b"",
        };
        push_quoted(self.out, prefix, s.as_bytes(), class);
    }

    /// A money cell: two decimals (see [`push_money`]).
    pub fn money(&mut self, x: Decimal) {
        self.open();
        push_money(self.out, x);
    }

    /// A count or line number.
    pub fn count(&mut self, n: u64) {
        self.open();
        self.out
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }

    /// A date as `Date` displays it (`YYYY-MM-DD`).
    pub fn date(&mut self, d: Date) {
        self.open();
        if (0..=9999).contains(&d.year) && d.month < 100 && d.day < 100 {
            let y = d.year as u32;
            let digit = |n: u32| b'0' + (n % 10) as u8;
            self.out.extend_from_slice(&[
                digit(y / 1000),
                digit(y / 100),
                digit(y / 10),
                digit(y),
                b'-',
                digit(u32::from(d.month) / 10),
                digit(u32::from(d.month)),
                b'-',
                digit(u32::from(d.day) / 10),
                digit(u32::from(d.day)),
            ]);
        } else {
            let _ = write!(self.out, "{d}");
        }
    }

    /// A cell whose bytes `fill` appends piece by piece (a list joined by
    /// `;`); quoted afterwards when what was appended needs it.
    pub fn compound(&mut self, fill: impl FnOnce(&mut Vec<u8>)) {
        let from = self.open();
        fill(self.out);
        let class = classes(&self.out[from..]);
        if class & (QUOTE | DQUOTE) != 0 {
            let cell = self.out.split_off(from);
            push_quoted(self.out, b"", &cell, class);
        }
    }

    /// End the row. A row of nothing is written as `""`, as the csv crate
    /// writes it, so that it still reads as a row.
    pub fn end(self) {
        if self.out.len() == self.start {
            self.out.extend_from_slice(b"\"\"");
        }
        self.out.push(b'\n');
    }
}

/// Append `prefix` and `s`, in quotes when `class` (of `s`) asks for
/// them, a `"` doubled.
fn push_quoted(out: &mut Vec<u8>, prefix: &[u8], s: &[u8], class: u8) {
    if class & (QUOTE | DQUOTE) == 0 {
        out.extend_from_slice(prefix);
        out.extend_from_slice(s);
        return;
    }
    out.push(b'"');
    out.extend_from_slice(prefix);
    if class & DQUOTE == 0 {
        out.extend_from_slice(s);
    } else {
        for part in s.split_inclusive(|&b| b == b'"') {
            out.extend_from_slice(part);
            if part.last() == Some(&b'"') {
                out.push(b'"');
            }
        }
    }
    out.push(b'"');
}

/// Append an amount exactly as [`crate::core::money::push_money`] writes
/// it (two decimals, rounded half away from zero, never `-0.00`), computed
/// on the integer mantissa and scale instead of a rounded `Decimal`.
pub fn push_money(out: &mut Vec<u8>, x: Decimal) {
    let m = x.mantissa();
    let Ok(a) = u64::try_from(m.unsigned_abs()) else {
        // Beyond any amount of money: the core's own formatting.
        let mut s = String::new();
        crate::core::money::push_money(&mut s, x);
        out.extend_from_slice(s.as_bytes());
        return;
    };
    let scale = x.scale();
    let cents: u64 = if scale <= 2 {
        // Pad to two places; past u64 (only near 1.8e17 yuan) the core's
        // own formatting.
        let Some(c) = a.checked_mul(10u64.pow(2 - scale)) else {
            let mut s = String::new();
            crate::core::money::push_money(&mut s, x);
            out.extend_from_slice(s.as_bytes());
            return;
        };
        c
    } else {
        // scale <= 28, so 10^(scale-2) fits u128.
        let p = 10u128.pow(scale - 2);
        let (q, r) = (u128::from(a) / p, u128::from(a) % p);
        // p >= 10, so q + 1 <= a / 10 + 1 fits u64.
        (q + u128::from(r * 2 >= p)) as u64
    };
    if cents == 0 {
        out.extend_from_slice(b"0.00");
        return;
    }
    if m < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(itoa::Buffer::new().format(cents / 100).as_bytes());
    let frac = (cents % 100) as u8;
    out.extend_from_slice(&[b'.', b'0' + frac / 10, b'0' + frac % 10]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (splitmix64): the tests need no
    /// random crate and fail the same way every time.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn core_money(x: Decimal) -> String {
        let mut s = String::new();
        crate::core::money::push_money(&mut s, x);
        s
    }

    fn ours(x: Decimal) -> String {
        let mut v = Vec::new();
        push_money(&mut v, x);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn money_equals_the_core_formatting_over_wide_ranges() {
        let mut g = Gen(12);
        for i in 0..400_000u64 {
            // Mantissas of every size class (to 1e12 yuan and around it,
            // and to the full 96 bits), scales 0..=28, both signs.
            let m: i128 = match i % 5 {
                0 => g.below(1_000) as i128,
                1 => g.below(100_000_000) as i128,
                2 => g.below(100_000_000_000_000 + 1) as i128,
                3 => g.next() as i128,
                _ => ((g.next() as i128) << 32 | g.below(1 << 32) as i128) & ((1 << 96) - 1),
            };
            let m = if g.below(2) == 0 { -m } else { m };
            let scale = g.below(29) as u32;
            let x = Decimal::from_i128_with_scale(m, scale);
            assert_eq!(
                ours(x),
                core_money(x),
                "{x:?} (mantissa {m}, scale {scale})"
            );
        }
    }

    #[test]
    fn money_edges() {
        for s in [
            "0",
            "-0",
            "0.000",
            "-0.004",
            "-0.005",
            "0.005",
            "0.015",
            "2.665",
            "-2.665",
            "999999999999.995",
            "-999999999999.995",
            "1000000000000",
            "-1000000000000.00",
            "999999999999.994999",
            "18446744073709551615",
            "18446744073709551616",
            "184467440737095516.15",
            "-184467440737095516.16",
            "0.0000000000000000000000000001",
            "79228162514264337593543950335",
            "-7922816251426433759354395.0335",
        ] {
            let x: Decimal = s.parse().unwrap();
            assert_eq!(ours(x), core_money(x), "{s}");
        }
    }

    /// A cell of random text over the characters that matter: quoting,
    /// formula starts, controls (C0, DEL, C1), multi-byte text.
    fn cell(g: &mut Gen) -> String {
        const ALPHABET: [&str; 18] = [
            "a", "7", ",", "\"", "\r", "\n", "=", "+", "-", "@", "'", " ", "\t", "\0", "\u{7f}",
            "\u{85}", "药", "é",
        ];
        let n = g.below(6);
        (0..n)
            .map(|_| ALPHABET[g.below(ALPHABET.len() as u64) as usize])
            .collect()
    }

    #[test]
    fn rows_equal_the_csv_crate_writing_neutralised_text() {
        let mut g = Gen(7);
        for _ in 0..50_000 {
            let cells: Vec<String> = (0..g.below(4)).map(|_| cell(&mut g)).collect();
            let mut ours = Vec::new();
            let mut row = Row::new(&mut ours);
            for c in &cells {
                row.text(c);
            }
            row.end();
            let mut theirs = crate::output::csv_writer(Vec::new());
            let neutral: Vec<String> = cells.iter().map(|c| super::super::text(c).into()).collect();
            theirs.write_record(&neutral).unwrap();
            let theirs = theirs.into_inner().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{cells:?}"
            );
        }
    }

    #[test]
    fn raw_and_compound_cells_quote_as_the_csv_crate() {
        let mut g = Gen(3);
        for _ in 0..20_000 {
            let a = cell(&mut g);
            let (b, c) = (cell(&mut g), cell(&mut g));
            let mut ours = Vec::new();
            let mut row = Row::new(&mut ours);
            row.raw(a.as_bytes());
            row.compound(|out| {
                out.extend_from_slice(b.as_bytes());
                out.push(b';');
                out.extend_from_slice(c.as_bytes());
            });
            row.end();
            let mut theirs = crate::output::csv_writer(Vec::new());
            theirs
                .write_record([a.clone(), format!("{b};{c}")])
                .unwrap();
            assert_eq!(ours, theirs.into_inner().unwrap(), "{a:?} {b:?} {c:?}");
        }
    }

    #[test]
    fn the_block_scan_agrees_with_the_table() {
        for b in 0..=255u8 {
            assert_eq!(class_of(b), CLASS[b as usize], "{b:#x}");
        }
        // Every length around the block size, a special byte at each place.
        let mut g = Gen(5);
        for len in 0..80usize {
            for at in 0..len.max(1) {
                let mut s: Vec<u8> = (0..len).map(|_| b'a' + g.below(26) as u8).collect();
                if let Some(b) = s.get_mut(at) {
                    *b = [b',', b'"', b'\n', 0x7F, 0xC2, 0x01, 0xE8][g.below(7) as usize];
                }
                let table = s.iter().fold(0, |acc, &b| acc | CLASS[b as usize]);
                assert_eq!(classes(&s), table, "{s:?}");
            }
        }
    }

    #[test]
    fn an_empty_row_is_quoted_and_dates_display() {
        let mut out = Vec::new();
        let mut row = Row::new(&mut out);
        row.text("");
        row.end();
        Row::new(&mut out).end();
        let mut row = Row::new(&mut out);
        row.date(Date {
            year: 2024,
            month: 3,
            day: 9,
        });
        row.date(Date {
            year: 812,
            month: 12,
            day: 31,
        });
        row.count(0);
        row.end();
        assert_eq!(out, b"\"\"\n\"\"\n2024-03-09,0812-12-31,0\n");
    }
}
