//! tongchou (统筹): batch adjudication of employee medical insurance general
//! outpatient pooling claims (职工医保普通门诊统筹 / 门诊共济).
//!
//! The crate is a pure core ([`adjudicate`]) between readers ([`input`],
//! [`rules`]) and writers ([`output`]); [`run`] joins them for one period.

pub mod adjudicate;
pub mod cli;
pub mod compare;
pub mod date;
pub mod explain;
pub mod input;
pub(crate) mod lockfile;
pub mod memory;
pub mod model;
pub mod money;
pub mod output;
pub(crate) mod partition;
pub mod progress;
pub mod rules;
pub mod rules_cmd;
pub mod run;
pub mod synth;
