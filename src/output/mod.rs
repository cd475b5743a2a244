//! Writing the output directory (CONTRACT.md §Outputs). Every CSV is built
//! through [`csv_writer`], every money cell through [`crate::money::fmt2`].

pub mod leads;
pub mod manifest;
pub mod merge;
pub mod staging;
pub mod summary;
mod tables;

pub use leads::Leads;
pub use staging::Staging;
pub use summary::Summary;
pub use tables::{
    spill_audit, spill_payments, write_audit, write_header, write_ledger, write_payments,
    write_rejects, AUDIT_HEADER, PAYMENTS_HEADER,
};

use std::borrow::Cow;
use std::io::Write;

/// A text cell made safe for spreadsheets: a cell that begins with `=`,
/// `+`, `-` or `@` (or a tab or carriage return) would be read by Excel as a
/// formula, so it is prefixed with `'`. Only text goes through here; money
/// and counts are written as they are, so `-170.00` stays a number.
pub fn text(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
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
}
