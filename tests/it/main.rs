//! Integration tests: one binary.
//!
//! - `policy`: every rule id, with amounts computed by hand from the policy
//!   text (each test cites its article), on the pure core.
//! - `rule_files`: rule-file validation.
//! - `golden`: the sample month against reviewed expected outputs.
//! - `invariants`: generated months — contract invariants, and
//!   byte-identical outputs across thread counts, file order and row order.
//! - `cli`: the real binary: exit codes, quarantine, errors.
//! - `spill`: a month over its memory limit, partition by partition,
//!   gives the same outputs as in memory.

mod cli;
mod faults;
mod fixture;
mod golden;
mod invariants;
mod months;
mod own_files;
mod policy;
mod rule_files;
mod spill;
mod whatif;
mod workdir;
