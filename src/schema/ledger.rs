//! ledger.csv: each person's year-to-date totals, written by one run and
//! read by the next, in this column order.

use super::{names, opt, req, Column};

/// Its columns, in the order they are written.
pub const LEDGER: &[Column] = &[
    req("person_id", "个人编号"),
    req("year", "年度"),
    req("deductible_met", "起付线累计"),
    req("pool_paid", "统筹累计支付"),
    req("claims", "结算次数"),
    opt("period", "结算期"),
];

/// The header row as written.
pub const LEDGER_HEADER: [&str; LEDGER.len()] = names(LEDGER);
