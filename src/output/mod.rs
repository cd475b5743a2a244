//! Writing the output directory (CONTRACT.md §Outputs). Every CSV is built
//! through [`csv_writer`], every money cell through [`crate::core::money::fmt2`];
//! payments.csv and audit.csv, the large ones, by hand into the same bytes
//! (`cells`).

pub mod accounts;
mod cells;
mod clearing;
pub mod leads;
pub mod manifest;
pub mod merge;
pub mod platform_columns;
pub mod staging;
pub mod summary;
mod tables;
// Issue 15: the clerk's workbook (settlement.xlsx) and the HTML reports.
pub mod chart;
pub mod columnar;
pub mod compare_page;
pub mod people_rows;
pub mod people_runs;
pub mod report;
pub mod workbook;
pub mod workbook_job;

pub use leads::Leads;
pub use staging::Staging;
pub use summary::Summary;
pub use tables::{
    release_buffers, spill_claims, write_audit, write_claims, write_header, write_ledger,
    write_payments, write_rejects, LineKeys, PaymentNames, AUDIT_HEADER, PAYMENTS_HEADER,
};

use std::borrow::Cow;
use std::io::Write;

/// A text cell made safe for spreadsheets: control characters are shown
/// (see [`visible`]), and a cell that begins with `=`, `+`, `-` or `@`
/// would be read by Excel as a formula, so it is prefixed with `'`. Only
/// text goes through here; money and counts are written as they are, so
/// `-170.00` stays a number.
pub fn text(s: &str) -> Cow<'_, str> {
    let s = visible(s);
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@') => Cow::Owned(format!("'{s}")),
        _ => s,
    }
}

/// A cell with no control character in it: each one (C0, DEL, C1, and so
/// also a tab, carriage return or line feed, which CSV could quote but a
/// clerk's tools mangle) is written as its escape `\u{..}` in lower-case
/// hex, e.g. a NUL as `\u{0}` and a line feed inside a quarantined
/// record's raw text as `\u{a}`. The text stays readable, the byte never
/// reaches the file.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !crate::input::csvsrc::has_control(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The one CSV writer configuration for every output: header row, `\n`
/// line ends, quoting only where needed.
pub fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formula_like_text_is_neutralised() {
        assert_eq!(super::text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::text("+86"), "'+86");
        assert_eq!(super::text("-1"), "'-1");
        assert_eq!(super::text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::text("SY-H2"), "SY-H2");
        assert_eq!(super::text(""), "");
    }

    #[test]
    fn control_characters_are_shown_not_written() {
        assert_eq!(super::text("C1\0"), "C1\\u{0}");
        assert_eq!(super::text("\tx"), "\\u{9}x");
        assert_eq!(super::visible("a\r\nb\u{85}"), "a\\u{d}\\u{a}b\\u{85}");
        assert_eq!(super::visible("药品·é"), "药品·é");
    }
}
