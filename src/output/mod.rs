//! Writing the output directory (CONTRACT.md §Outputs). Every CSV is built
//! through [`csv_writer`], every money cell through [`crate::money::fmt2`].

pub mod manifest;
pub mod staging;
pub mod summary;
mod tables;

pub use staging::Staging;
pub use summary::Summary;
pub use tables::{write_audit, write_ledger, write_payments, write_rejects};

use std::io::Write;

/// The one CSV writer configuration for every output: header row, `\n`
/// line ends, quoting only where needed.
pub fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w)
}
