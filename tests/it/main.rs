//! Integration tests: one binary.
//!
//! - `policy`: every rule id, with amounts computed by hand from the policy
//!   text (each test cites its article), on the pure core.
//! - `rule_files`: rule-file validation.
//! - `golden`: the sample month against reviewed expected outputs.
//! - `invariants`: generated months — contract invariants, and
//!   byte-identical outputs across thread counts, file order and row order.
//! - `cli`: the real binary: exit codes, quarantine, errors.
//! - `explain`: leads.csv and `tongchou explain` traces against payments.csv.
//! - `flags_more`: the §7 pattern flags, hand-computed, with boundaries.
//! - `schema`: one description per file format and one parameter registry.
//! - `spill`: a month over its memory limit, partition by partition,
//!   gives the same outputs as in memory.
//! - `paid_once`: a claim settled in a `--prior` month is not paid again,
//!   prior files are checked, and last year's totals are kept.
//! - `unit`: the settlement unit on the pure core: how units are formed,
//!   and that a unit settles as its person.

mod chain_checks;
mod cli;
mod explain;
mod family;
mod faults;
mod fixture;
mod flags_more;
mod golden;
mod input_hygiene;
mod invariants;
mod lang;
mod months;
mod own_files;
mod paid_once;
mod people_files;
mod pipeline;
mod platform;
mod platform_runs;
mod platform_spill;
mod policy;
mod rule_files;
mod schema;
mod spill;
mod unit;
mod whatif;
mod workdir;
