//! Earlier periods' `payments.csv` (`--prior`): what a reversal of a claim
//! settled before this run takes back (POLICY.md §8), and the claim ids
//! that must not be paid again (`ALREADY_SETTLED`).
//!
//! Like the other reference files, any error here is fatal: a reversal
//! that claws back the wrong amount is worse than no run. So is a row that
//! is not as a run wrote it: every row must satisfy the payments.csv
//! invariants and the POLICY.md §5 arithmetic on its own figures, and a
//! file whose run's manifest.json sits beside it must still have the hash
//! that manifest recorded.

use super::csvsrc::{cell, open_lenient, Encodings};
use super::{InputError, InputFile};
use crate::core::adjudicate::{Payee, Status};
use crate::core::date::Months;
use crate::core::money::{fmt2, round2};
use crate::core::prior::{Prior, PriorPayment, PriorSource};
use crate::core::split::Split;
use crate::schema::PAYMENTS;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Undo the spreadsheet guard of our own outputs (`'=x` was `=x`).
fn id(s: &str) -> String {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => s.to_string(),
    }
}

fn status(s: &str) -> Result<Status, cell::BadValue> {
    Status::parse(s).ok_or_else(|| {
        cell::BadValue(super::Reason::NotPaymentStatus {
            value: s.to_string(),
        })
    })
}

/// The payments files `--prior` names: a file as given; a directory
/// stands for its own payments.csv, else for every `*/payments.csv` one
/// level below it (a directory of earlier months' output directories),
/// sorted. In a directory, hidden entries (a run's staging directory) and
/// `own_out` (this run's output directory, about to be replaced) are
/// passed over.
pub fn prior_files(given: &[PathBuf], own_out: &Path) -> Result<Vec<PathBuf>, InputError> {
    let own = std::fs::canonicalize(own_out).ok();
    let mut out = Vec::new();
    for p in given {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let here = p.join("payments.csv");
        if here.is_file() {
            out.push(here);
            continue;
        }
        let cannot = |e: std::io::Error| InputError::new(p, 0, "", format!("cannot list: {e}"));
        let mut found = Vec::new();
        for e in std::fs::read_dir(p).map_err(cannot)? {
            let dir = e.map_err(cannot)?.path();
            let hidden = dir
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            let is_own = own.is_some() && std::fs::canonicalize(&dir).ok() == own;
            let file = dir.join("payments.csv");
            if dir.is_dir() && !hidden && !is_own && file.is_file() {
                found.push(file);
            }
        }
        if found.is_empty() {
            return Err(InputError::new(
                p,
                0,
                "",
                "--prior: no payments.csv in this directory or in its sub-directories",
            ));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

/// The period of the run whose manifest.json sits beside `path`, after
/// checking that the manifest's SHA-256 of the file is `sha256`. `None`
/// when there is no manifest, or it does not list this file (it belongs to
/// another file).
fn manifest_period(path: &Path, sha256: &str) -> Result<Option<Months>, InputError> {
    let manifest = path
        .parent()
        .map(|d| d.join("manifest.json"))
        .unwrap_or_else(|| PathBuf::from("manifest.json"));
    if !manifest.is_file() {
        return Ok(None);
    }
    let refuse = |message: String| InputError::new(path, 0, "", message);
    let m = manifest.display();
    let bytes = std::fs::read(&manifest)
        .map_err(|e| refuse(format!("cannot read {m} beside it to check it: {e}")))?;
    let doc = crate::schema::manifest::ManifestDoc::parse(&bytes).map_err(|e| {
        refuse(format!(
            "{m} beside it is not a readable manifest ({e}): cannot check that this file is as its run wrote it; refusing to use it"
        ))
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(recorded) = doc.output_sha256(&name) else {
        return Ok(None);
    };
    if recorded != sha256 {
        return Err(refuse(format!(
            "its SHA-256 is {sha256}, but {m} recorded {recorded}: the file changed after its run wrote it (edited by hand?); refusing to use it"
        )));
    }
    Ok(Months::parse(&doc.period))
}

/// The payments.csv invariants and the POLICY.md §5 arithmetic on a row's
/// own figures; `Err((column, why))` for the first that fails. A row a run
/// wrote always passes: one that fails was changed since.
fn check_row(
    p: &PriorPayment,
    after: (Option<Decimal>, Option<Decimal>),
) -> Result<(), (&'static str, String)> {
    // Only a reversal claim has negative lines: its row (status
    // `reversal`, or `denied` when the reversal was refused) is checked
    // negated.
    let reversal = p.status == Status::Reversal;
    let negate = matches!(p.status, Status::Reversal | Status::Denied) && p.total < Decimal::ZERO;
    let sign = |x: Decimal| if negate { -x } else { x };
    // Every figure of the original's sign, never negative.
    let f = if negate { p.split.negated() } else { p.split };
    let m = fmt2;
    if f.total != f.fund_pay + f.account_pay + f.cash_pay {
        return Err((
            "total",
            format!(
                "total {} is not fund_pay {} + account_pay {} + cash_pay {}",
                m(p.total),
                m(p.fund_pay),
                m(p.account_pay),
                m(p.cash_pay)
            ),
        ));
    }
    if f.total != f.excluded + f.b_selfpay + f.remote_prepay + f.eligible {
        return Err((
            "total",
            format!(
                "total {} is not excluded {} + b_selfpay {} + remote_prepay {} + eligible {}",
                m(p.total),
                m(p.excluded),
                m(p.b_selfpay),
                m(p.remote_prepay),
                m(p.eligible)
            ),
        ));
    }
    let named = f.columns();
    if let Some((c, _)) = named
        .iter()
        .find(|(_, x)| x.is_sign_negative() && !x.is_zero())
    {
        let why = if negate {
            format!("{c} is positive on a reversal whose total is negative")
        } else {
            format!("{c} is negative, which only a reversal's amounts may be")
        };
        return Err((c, why));
    }
    // What each status leaves untouched (POLICY.md §2): denied, routed and
    // reversed claims pay nothing and split nothing; pool_denied ones have
    // no remote prepay, deductible or fund payment.
    let zero: &[&str] = match p.status {
        Status::Denied | Status::Routed | Status::Reversed => &[
            "b_selfpay",
            "remote_prepay",
            "eligible",
            "deductible_applied",
            "fund_pay",
            "cap_cut",
            "account_pay",
        ],
        Status::PoolDenied => &["remote_prepay", "deductible_applied", "fund_pay", "cap_cut"],
        Status::Paid | Status::Reversal => &[],
    };
    let status = p.status.as_str();
    if let Some((c, x)) = named.iter().find(|(c, x)| zero.contains(c) && !x.is_zero()) {
        return Err((
            c,
            format!("{c} is {} on a {status} claim, which has none", m(*x)),
        ));
    }
    if !zero.is_empty() && p.ratio.is_some() {
        return Err((
            "ratio",
            format!("a {status} claim has no fund payment, so no ratio"),
        ));
    }
    // §5.1: the deductible takes part of the eligible amount, never more.
    if f.deductible_applied > f.eligible {
        return Err((
            "deductible_applied",
            format!(
                "deductible_applied {} is more than eligible {} (POLICY §5.1)",
                m(p.deductible_applied),
                m(p.eligible)
            ),
        ));
    }
    // §5.3: the fund pays the ratio of what the deductible left, less what
    // the cap took off; no ratio is written when the fund pays nothing.
    match p.ratio {
        Some(r) if r <= Decimal::ZERO || r > Decimal::ONE => {
            return Err(("ratio", format!("ratio {r} is not within (0, 1]")));
        }
        Some(r) => {
            let raw = round2((f.eligible - f.deductible_applied) * r);
            if f.fund_pay + f.cap_cut != raw {
                return Err((
                    "fund_pay",
                    format!(
                        "fund_pay {} + cap_cut {} should be round2((eligible {} - deductible_applied {}) × ratio {r}) = {} (POLICY §5.3)",
                        m(p.fund_pay),
                        m(p.cap_cut),
                        m(p.eligible),
                        m(p.deductible_applied),
                        m(sign(raw))
                    ),
                ));
            }
        }
        None if !f.fund_pay.is_zero() => {
            return Err((
                "ratio",
                format!("fund_pay {} without a ratio (POLICY §5.3)", m(p.fund_pay)),
            ));
        }
        None => {}
    }
    // The year's totals after a claim include what the claim added.
    if !reversal && !negate {
        if let Some(met) = after.0.filter(|met| *met < f.deductible_applied) {
            return Err((
                "deductible_met_after",
                format!(
                    "deductible_met_after {} is less than this claim's deductible_applied {}",
                    m(met),
                    m(p.deductible_applied)
                ),
            ));
        }
        if let Some(paid) = after.1.filter(|paid| *paid < f.fund_pay) {
            return Err((
                "pool_paid_after",
                format!(
                    "pool_paid_after {} is less than this claim's fund_pay {}",
                    m(paid),
                    m(p.fund_pay)
                ),
            ));
        }
    }
    Ok(())
}

/// Read every `--prior` file (see [`prior_files`] for directories), and
/// the files as the manifest records them. A claim id in two of them is an
/// error: the same period given twice, or two runs of one period.
pub fn read_prior(
    paths: &[PathBuf],
    encoding: &Encodings,
) -> Result<(Prior, Vec<InputFile>), InputError> {
    let mut prior = Prior::default();
    let mut files = Vec::new();
    let mut seen_in: HashMap<String, String> = HashMap::new();
    let mut reversals: HashSet<String> = HashSet::new();
    for path in paths {
        let f = open_lenient(path, PAYMENTS, encoding.for_file("prior", path))?;
        // Hook (platform names): a payments.csv written with `--columns
        // platform` is read under tongchou's own names.
        let platform_named = f.missing_columns.contains(&"claim_id")
            && f.unknown_columns.iter().any(|c| c == "setl_id");
        let f = match platform_named
            .then(|| std::fs::read_to_string(path).ok())
            .flatten()
            .and_then(|t| crate::output::platform_columns::to_own_names(&t))
        {
            Some(text) => super::csvsrc::CsvFile::from_text(
                path,
                PAYMENTS,
                text,
                f.bytes,
                f.sha256.clone(),
                f.encoding,
            )?,
            None => f,
        };
        if let Some(c) = f.missing_columns.first() {
            return Err(InputError::new(path, 1, c, super::Reason::ColumnMissing));
        }
        let source = prior.sources.len();
        prior.sources.push(PriorSource {
            path: path.clone(),
            period: manifest_period(path, &f.sha256)?,
        });
        let mut rows = f.records();
        while let Some(row) = rows.next_row() {
            let row = row?;
            let fail = |column: &str, message: super::Reason| {
                InputError::new(path, row.line, column, message)
            };
            if let Some((n, h)) = row.width_mismatch {
                return Err(fail(
                    "",
                    format!("{n} fields where the header has {h}").into(),
                ));
            }
            let money = |c: &'static str| {
                row.parse_req(c, cell::money)
                    .map_err(|e| fail(e.column, e.message))
            };
            let claim_id = id(row
                .need("claim_id")
                .map_err(|e| fail(e.column, e.message))?);
            // Cells in column order: the first bad one is the one reported.
            let claim_ref = |c: &'static str| row.need(c).map_err(|e| fail(e.column, e.message));
            let person_id = id(claim_ref("person_id")?);
            let institution_id = id(claim_ref("institution_id")?);
            let city = row.get("city").map(id).unwrap_or_default();
            let service_date = row
                .parse_req("service_date", cell::date)
                .map_err(|e| fail(e.column, e.message))?;
            let status = row
                .parse_req("status", status)
                .map_err(|e| fail(e.column, e.message))?;
            let (total, excluded, b_selfpay) =
                (money("total")?, money("excluded")?, money("b_selfpay")?);
            let (remote_prepay, eligible) = (money("remote_prepay")?, money("eligible")?);
            let deductible_applied = money("deductible_applied")?;
            let ratio = row
                .parse("ratio", cell::decimal)
                .map_err(|e| fail(e.column, e.message))?;
            let split = Split {
                total,
                excluded,
                b_selfpay,
                remote_prepay,
                eligible,
                deductible_applied,
                fund_pay: money("fund_pay")?,
                cap_cut: money("cap_cut")?,
                account_pay: money("account_pay")?,
                cash_pay: money("cash_pay")?,
            };
            let p = PriorPayment {
                claim_id: claim_id.clone(),
                person_id,
                institution_id,
                city,
                service_date,
                status,
                split,
                ratio,
                payee: row
                    .parse_req("payee", |s| match s {
                        "institution" => Ok(Payee::Institution),
                        "member" => Ok(Payee::Member),
                        _ => Err(format!("`{s}` is not institution or member")),
                    })
                    .map_err(|e| fail(e.column, e.message))?,
                // Family sharing (POLICY.md §6a).
                family_account_pay: row
                    .parse("family_account_pay", cell::money)
                    .map_err(|e| fail(e.column, e.message))?
                    .unwrap_or_default(),
                family_payers: row
                    .parse("family_payers", super::family::parse_payers)
                    .map_err(|e| fail(e.column, e.message))?
                    .unwrap_or_default(),
                source,
                line: row.line,
            };
            let after = |c: &'static str| {
                row.parse(c, cell::money)
                    .map_err(|e| fail(e.column, e.message))
            };
            let after = (after("deductible_met_after")?, after("pool_paid_after")?);
            check_row(&p, after).map_err(|(column, why)| {
                fail(
                    column,
                    format!(
                        "{why}: not as a run wrote it (edited by hand?); refusing to use this file"
                    )
                    .into(),
                )
            })?;
            if let Some(original) = row.get("reverses_claim_id").map(id) {
                if p.status == Status::Reversal && reversals.insert(original.clone()) {
                    prior.reversed.insert(original, claim_id.clone());
                }
            }
            let here = format!("{}:{}", path.display(), row.line);
            if let Some(before) = seen_in.insert(claim_id.clone(), here) {
                return Err(fail(
                    "claim_id",
                    format!("claim `{claim_id}` is also in {before}: the same period given twice to --prior?").into(),
                ));
            }
            prior.payments.insert(claim_id, p);
        }
        files.push(InputFile::from(&f));
    }
    Ok((prior, files))
}
