//! The pure core: typed records in, typed decisions out. Nothing here
//! reads or writes files, parses command lines, spawns threads or draws
//! progress; the purity test in this module keeps it so.
//!
//! - [`model`]: claims, members, institutions, the catalogue, the ledger.
//! - [`members`], [`ledger`] (with [`ids`]): the members and the
//!   year-to-date ledger, held compactly.
//! - [`reference`], [`prior`]: what claims are checked against, and the
//!   earlier periods' payments (built by the readers).
//! - [`rules`]: a city's parameters by version (POLICY.md §9).
//! - [`family`]: family sharing bindings and account groups (POLICY.md §6a).
//! - [`unit`]: the claims settled together (POLICY.md §1).
//! - [`adjudicate`]: POLICY.md §1-§8, one file per section.
//! - [`split`]: a settled claim's money, as payments.csv holds it.
//! - [`money`], [`date`]: exact yuan and calendar arithmetic.

pub mod adjudicate;
pub mod date;
pub mod family;
pub mod ids;
pub mod ledger;
pub mod members;
pub mod model;
pub mod money;
pub mod prior;
pub mod reference;
pub mod rules;
pub mod split;
pub mod unit;

#[cfg(test)]
mod purity;
