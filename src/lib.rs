//! tongchou (统筹): batch adjudication of employee medical insurance general
//! outpatient pooling claims (职工医保普通门诊统筹 / 门诊共济).
//!
//! The crate is a pure core ([`core`]: model, rules, adjudication) between
//! readers ([`input`]) and writers ([`output`]); the stages of
//! [`pipeline`] join them for one period, and [`cmd`] holds the subcommands.

pub mod cli;
pub mod cmd;
pub mod compare;
// Issue 15: the config file for unattended runs.
pub mod config;
pub mod core;
pub mod digest;
pub mod error;
mod error_words;
pub mod explain;
pub mod input;
pub(crate) mod lockfile;
// Issue 15: terminal messages in --lang.
pub mod messages;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod run;
pub mod schema;
pub mod synth;

// The core's modules at the crate root too, as the tests and callers name them.
pub use crate::core::{adjudicate, date, model, money};
// `synth --layout platform`, where callers have always named it.
pub use crate::synth::platform as synth_platform;

/// The rules as callers name them: the core's types and parsing, with the
/// reading of rule files from disk.
pub mod rules {
    pub use crate::core::rules::*;
    pub use crate::input::rule_files::{load_dir, load_file, load_scenario};
}
// The pipeline's memory budget and partitions, by their former paths.
pub use crate::pipeline::memory;
pub(crate) use crate::pipeline::partition;
