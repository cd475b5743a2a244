//! One description per CSV format: its columns in order, each with its
//! contract name, its Chinese alias and whether a file without it is
//! unusable. The writer of a format writes its header from here and every
//! reader maps headers onto the same list (CONTRACT.md).

pub mod claims;
pub mod ledger;
pub mod manifest;
pub mod outputs;
pub mod payments;
pub mod platform;
pub mod reference;
pub mod summary;

pub use claims::{CLAIMS, CLAIMS_HEADER};
pub use ledger::{LEDGER, LEDGER_HEADER};
pub use payments::{PAYMENTS, PAYMENTS_HEADER};

/// One column of a schema: its contract name, its Chinese alias (empty for
/// a column only tongchou writes), and whether a file without it is
/// unusable.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub alias: &'static str,
    pub required: bool,
}

/// A column a reader cannot do without.
pub const fn req(name: &'static str, alias: &'static str) -> Column {
    Column {
        name,
        alias,
        required: true,
    }
}

/// A column a reader does without (its cells read as empty).
pub const fn opt(name: &'static str, alias: &'static str) -> Column {
    Column {
        name,
        alias,
        required: false,
    }
}

/// The contract names of a schema, in order: the header row its writer
/// writes. `N` must be the schema's length (checked when compiling).
pub const fn names<const N: usize>(schema: &[Column]) -> [&'static str; N] {
    assert!(schema.len() == N, "a header names every column");
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = schema[i].name;
        i += 1;
    }
    out
}

/// A header line (without its line end) naming a schema's columns in
/// order, leaving out those a writer does not fill.
pub fn header_line(schema: &[Column], without: &[&str]) -> String {
    let kept: Vec<&str> = schema
        .iter()
        .map(|c| c.name)
        .filter(|n| !without.contains(n))
        .collect();
    kept.join(",")
}
