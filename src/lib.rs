//! tongchou (统筹): batch adjudication of employee medical insurance general
//! outpatient pooling claims (职工医保普通门诊统筹 / 门诊共济).
//!
//! The crate is a pure core ([`core`]: model, rules, adjudication) between
//! readers ([`input`]) and writers ([`output`]); [`run`] joins them for one
//! period.

pub mod clearing;
pub mod cli;
pub mod compare;
pub mod core;
pub mod explain;
pub mod input;
pub(crate) mod lockfile;
pub mod memory;
pub mod output;
pub(crate) mod partition;
pub mod progress;
pub mod rules_cmd;
pub mod run;
pub mod synth;
pub mod synth_platform;

// The core's modules at the crate root too, as the tests and callers name them.
pub use crate::core::{adjudicate, date, model, money, rules};
