//! Earlier periods' `payments.csv` (`--prior`): what a reversal of a claim
//! settled before this run takes back (POLICY.md §8).
//!
//! Like the other reference files, any error here is fatal: a reversal
//! that claws back the wrong amount is worse than no run.

use super::csvsrc::{cell, open, opt, req, Column, Encodings};
use super::{InputError, InputFile};
use crate::adjudicate::{Payee, Status};
use crate::date::Date;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

/// A payment row of an earlier period.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorPayment {
    pub claim_id: String,
    pub person_id: String,
    pub institution_id: String,
    pub city: String,
    pub service_date: Date,
    pub status: Status,
    pub total: Decimal,
    pub excluded: Decimal,
    pub b_selfpay: Decimal,
    pub remote_prepay: Decimal,
    pub eligible: Decimal,
    pub deductible_applied: Decimal,
    pub ratio: Option<Decimal>,
    pub fund_pay: Decimal,
    pub cap_cut: Decimal,
    pub account_pay: Decimal,
    pub cash_pay: Decimal,
    pub payee: Payee,
}

/// Every earlier payment row by claim id, and the claims already reversed.
#[derive(Debug, Default)]
pub struct Prior {
    pub payments: HashMap<String, PriorPayment>,
    /// Originals cancelled by a reversal of an earlier period.
    pub reversed: HashMap<String, String>,
    pub files: Vec<InputFile>,
}

const PAYMENTS: &[Column] = &[
    req("claim_id", "结算流水号"),
    req("person_id", "个人编号"),
    req("institution_id", "机构编码"),
    opt("city", "参保地"),
    req("service_date", "结算日期"),
    req("status", "状态"),
    req("total", "总费用"),
    req("excluded", "自费"),
    req("b_selfpay", "乙类先行自付"),
    req("remote_prepay", "异地先行自付"),
    req("eligible", "政策范围内费用"),
    req("deductible_applied", "起付线"),
    opt("ratio", "支付比例"),
    req("fund_pay", "统筹基金支付"),
    req("cap_cut", "超限额"),
    req("account_pay", "个人账户支付"),
    req("cash_pay", "现金支付"),
    req("payee", "收款方"),
    opt("reverses_claim_id", "冲正原流水号"),
];

/// Undo the spreadsheet guard of our own outputs (`'=x` was `=x`).
fn id(s: &str) -> String {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => s.to_string(),
    }
}

fn status(s: &str) -> Result<Status, String> {
    Status::parse(s).ok_or_else(|| format!("`{s}` is not a payment status"))
}

/// Read every `--prior` file. A claim id in two of them is an error: the
/// same period given twice, or two runs of one period.
pub fn read_prior(paths: &[std::path::PathBuf], encoding: &Encodings) -> Result<Prior, InputError> {
    let mut prior = Prior::default();
    let mut seen_in: HashMap<String, String> = HashMap::new();
    let mut reversals: HashSet<String> = HashSet::new();
    for path in paths {
        let f = open(path, PAYMENTS, encoding.for_file("prior", path))?;
        if let Some(c) = f.missing_columns.first() {
            return Err(InputError::new(
                path,
                1,
                c,
                "required column is missing from the header".into(),
            ));
        }
        let mut rows = f.records();
        while let Some(row) = rows.next_row() {
            let row = row?;
            let fail =
                |column: &str, message: String| InputError::new(path, row.line, column, message);
            if let Some((n, h)) = row.width_mismatch {
                return Err(fail("", format!("{n} fields where the header has {h}")));
            }
            let money = |c: &'static str| {
                row.parse_req(c, cell::money)
                    .map_err(|e| fail(e.column, e.message))
            };
            let claim_id = id(row
                .need("claim_id")
                .map_err(|e| fail(e.column, e.message))?);
            let p = PriorPayment {
                claim_id: claim_id.clone(),
                person_id: id(row
                    .need("person_id")
                    .map_err(|e| fail(e.column, e.message))?),
                institution_id: id(row
                    .need("institution_id")
                    .map_err(|e| fail(e.column, e.message))?),
                city: row.get("city").map(id).unwrap_or_default(),
                service_date: row
                    .parse_req("service_date", cell::date)
                    .map_err(|e| fail(e.column, e.message))?,
                status: row
                    .parse_req("status", status)
                    .map_err(|e| fail(e.column, e.message))?,
                total: money("total")?,
                excluded: money("excluded")?,
                b_selfpay: money("b_selfpay")?,
                remote_prepay: money("remote_prepay")?,
                eligible: money("eligible")?,
                deductible_applied: money("deductible_applied")?,
                ratio: row
                    .parse("ratio", cell::decimal)
                    .map_err(|e| fail(e.column, e.message))?,
                fund_pay: money("fund_pay")?,
                cap_cut: money("cap_cut")?,
                account_pay: money("account_pay")?,
                cash_pay: money("cash_pay")?,
                payee: row
                    .parse_req("payee", |s| match s {
                        "institution" => Ok(Payee::Institution),
                        "member" => Ok(Payee::Member),
                        _ => Err(format!("`{s}` is not institution or member")),
                    })
                    .map_err(|e| fail(e.column, e.message))?,
            };
            if let Some(original) = row.get("reverses_claim_id").map(id) {
                if p.status == Status::Reversal && reversals.insert(original.clone()) {
                    prior.reversed.insert(original, claim_id.clone());
                }
            }
            let here = format!("{}:{}", path.display(), row.line);
            if let Some(before) = seen_in.insert(claim_id.clone(), here) {
                return Err(fail(
                    "claim_id",
                    format!("claim `{claim_id}` is also in {before}: the same period given twice to --prior?"),
                ));
            }
            prior.payments.insert(claim_id, p);
        }
        prior.files.push(InputFile::from(&f));
    }
    Ok(prior)
}
