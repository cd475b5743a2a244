//! `tongchou compare BASE_OUT SCENARIO_OUT`: what a what-if run changes.
//!
//! Writes `compare.csv` (one row per claim whose payment differs) and
//! prints the fund-level change by city, member category and institution
//! level, and how many persons pay more or less out of their own pocket
//! (account + cash). Runs over different inputs are refused unless asked.
//!
//! compare.csv and compare.html beside it (the same changes as charts) are
//! the only files written (by default in the current directory). An
//! existing file is replaced only with `--force`, and never
//! inside a run's output directory: that would change a run whose
//! manifest.json lists exactly what it wrote. It is written beside its
//! final name and renamed into place, so it is complete or absent.

use crate::core::adjudicate::Lang;
use crate::core::money::fmt2;
use crate::output::compare_page::GroupBy;
use crate::say;
use crate::schema::manifest::ManifestDoc;
use crate::schema::PAYMENTS;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Why a comparison cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("{0}")]
    DifferentInputs(String),
    #[error("{}: {message}", .path.display())]
    Read { path: PathBuf, message: String },
    /// payments.csv cannot be read (located by the CSV reader).
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    /// The output file may not be written: the sentence says why.
    #[error("{0}")]
    Refused(String),
}

/// Refuse an output path that is a directory, an existing file without
/// `--force`, or inside a run's output directory (`runs`: the compared
/// ones, named as given in messages).
fn check_out(out: &Path, force: bool, runs: [&Path; 2]) -> Result<(), CompareError> {
    let shown = out.display();
    match std::fs::symlink_metadata(out) {
        Ok(m) if m.is_dir() => {
            return Err(CompareError::Refused(format!(
                "refusing to write {shown}: it is a directory; give a file name as --out"
            )))
        }
        Ok(_) if !force => {
            return Err(CompareError::Refused(format!(
                "{shown} already exists: give --force to overwrite it, or choose another --out"
            )))
        }
        _ => {}
    }
    if let Some(run) = crate::output::staging::inside_run_output(out) {
        let named = runs
            .into_iter()
            .find(|r| std::fs::canonicalize(r).is_ok_and(|c| c == run))
            .unwrap_or(&run);
        return Err(CompareError::Refused(format!(
            "refusing to write {shown}: it is inside the run output directory {}; choose an --out outside it",
            named.display()
        )));
    }
    Ok(())
}

/// One claim's payment in one run.
#[derive(Debug, Clone, PartialEq)]
struct Paid {
    person_id: String,
    city: String,
    category: String,
    institution_id: String,
    level: String,
    status: String,
    fund: Decimal,
    account: Decimal,
    cash: Decimal,
    /// Family sharing (POLICY.md §6a): 0 in a run without the column.
    family: Decimal,
}

/// Read a run's payments.csv through the same schema and reader as
/// `--prior`, keeping each cell as written (an id keeps its spreadsheet
/// guard, so compare.csv writes it back unchanged).
fn read_payments(dir: &Path) -> Result<BTreeMap<String, Paid>, CompareError> {
    use crate::input::csvsrc::{self, Encoding};
    let path = dir.join("payments.csv");
    let err = |message: String| CompareError::Read {
        path: path.clone(),
        message,
    };
    let f = csvsrc::open(&path, PAYMENTS, Encoding::Utf8)?;
    // Optional for `--prior`, but a comparison groups by them.
    for name in ["city", "category", "institution_level"] {
        if !f.has_column(name) {
            return Err(err(format!("no column `{name}`")));
        }
    }
    let mut out = BTreeMap::new();
    let mut rows = f.records();
    while let Some(row) = rows.next_row() {
        let row = row?;
        let get = |name: &str| row.get(name).unwrap_or("").to_string();
        let money = |name: &str| {
            crate::core::money::parse_money(&get(name))
                .map_err(|e| err(format!("row {}: `{}`: {e}", row.line, get(name))))
        };
        out.insert(
            get("claim_id"),
            Paid {
                person_id: get("person_id"),
                city: get("city"),
                category: get("category"),
                institution_id: get("institution_id"),
                level: get("institution_level"),
                status: get("status"),
                fund: money("fund_pay")?,
                account: money("account_pay")?,
                cash: money("cash_pay")?,
                // Family sharing (POLICY.md §6a): optional, older runs lack it.
                family: match row.get("family_account_pay") {
                    None | Some("") => Decimal::ZERO,
                    Some(_) => money("family_account_pay")?,
                },
            },
        );
    }
    Ok(out)
}

/// The inputs a run read, as (role, SHA-256) pairs, from its manifest.
fn input_hashes(dir: &Path) -> Result<BTreeSet<(String, String)>, CompareError> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| CompareError::Read {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let m = ManifestDoc::parse(text.as_bytes()).map_err(|e| CompareError::Read {
        path: path.clone(),
        message: e.to_string(),
    })?;
    Ok(m.inputs.into_iter().map(|i| (i.role, i.sha256)).collect())
}

#[derive(Default)]
struct Delta {
    base: Decimal,
    scenario: Decimal,
}

/// Compare two output directories; write compare.csv to `out` (and
/// compare.html beside it, in `lang`); return the printed report, in
/// `lang`.
pub fn compare(
    base: &Path,
    scenario: &Path,
    out: &Path,
    allow_different_inputs: bool,
    force: bool,
    lang: Lang,
) -> Result<String, CompareError> {
    check_out(out, force, [base, scenario])?;
    // compare.html beside it is refused for the same reasons.
    check_out(&html_path(out), force, [base, scenario])?;
    let (hb, hs) = (input_hashes(base)?, input_hashes(scenario)?);
    if hb != hs && !allow_different_inputs {
        let only: Vec<String> = hb
            .symmetric_difference(&hs)
            .map(|(r, h)| format!("{r} {}", h.chars().take(12).collect::<String>()))
            .collect();
        return Err(CompareError::DifferentInputs(format!(
            "{} and {} read different inputs ({}): give --allow-different-inputs to compare them anyway",
            base.display(),
            scenario.display(),
            only.join(", ")
        )));
    }
    let (b, s) = (read_payments(base)?, read_payments(scenario)?);
    let absent = Paid {
        person_id: String::new(),
        city: String::new(),
        category: String::new(),
        institution_id: String::new(),
        level: String::new(),
        status: "(absent)".into(),
        fund: Decimal::ZERO,
        account: Decimal::ZERO,
        cash: Decimal::ZERO,
        family: Decimal::ZERO,
    };
    let ids: BTreeSet<&String> = b.keys().chain(s.keys()).collect();
    let tmp = Staged::new(out);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_path(&tmp.0)
        .map_err(|e| CompareError::Read {
            path: out.to_path_buf(),
            message: e.to_string(),
        })?;
    let write_err = |e: csv::Error| CompareError::Read {
        path: out.to_path_buf(),
        message: e.to_string(),
    };
    w.write_record([
        "claim_id",
        "person_id",
        "city",
        "category",
        "institution_id",
        "institution_level",
        "base_status",
        "scenario_status",
        "base_fund_pay",
        "scenario_fund_pay",
        "fund_change",
        "base_account_pay",
        "scenario_account_pay",
        "account_change",
        "base_cash_pay",
        "scenario_cash_pay",
        "cash_change",
        // Family sharing (POLICY.md §6a).
        "base_family_account_pay",
        "scenario_family_account_pay",
        "family_change",
    ])
    .map_err(write_err)?;
    let (mut by_city, mut by_category, mut by_level): (
        BTreeMap<String, Delta>,
        BTreeMap<String, Delta>,
        BTreeMap<String, Delta>,
    ) = Default::default();
    let mut per_person: BTreeMap<String, Decimal> = BTreeMap::new();
    let (mut fund_base, mut fund_scenario, mut differ) = (Decimal::ZERO, Decimal::ZERO, 0usize);
    // Family sharing (POLICY.md §6a): the draws on family accounts, by city.
    let mut family: BTreeMap<String, Delta> = BTreeMap::new();
    for id in &ids {
        let x = b.get(*id).unwrap_or(&absent);
        let y = s.get(*id).unwrap_or(&absent);
        let who = if x.status == "(absent)" { y } else { x };
        fund_base += x.fund;
        fund_scenario += y.fund;
        for (map, key) in [
            (&mut by_city, &who.city),
            (&mut by_category, &who.category),
            (&mut by_level, &who.level),
        ] {
            let e = map
                .entry(if key.is_empty() {
                    "(unknown)".to_string()
                } else {
                    key.clone()
                })
                .or_default();
            e.base += x.fund;
            e.scenario += y.fund;
        }
        if !(x.family.is_zero() && y.family.is_zero()) {
            let e = family.entry(who.city.clone()).or_default();
            e.base += x.family;
            e.scenario += y.family;
        }
        if x.status == y.status
            && x.fund == y.fund
            && x.account == y.account
            && x.cash == y.cash
            && x.family == y.family
        {
            continue;
        }
        differ += 1;
        *per_person.entry(who.person_id.clone()).or_default() +=
            (y.account + y.cash) - (x.account + x.cash);
        w.write_record([
            id.as_str(),
            &who.person_id,
            &who.city,
            &who.category,
            &who.institution_id,
            &who.level,
            &x.status,
            &y.status,
            &fmt2(x.fund),
            &fmt2(y.fund),
            &fmt2(y.fund - x.fund),
            &fmt2(x.account),
            &fmt2(y.account),
            &fmt2(y.account - x.account),
            &fmt2(x.cash),
            &fmt2(y.cash),
            &fmt2(y.cash - x.cash),
            &fmt2(x.family),
            &fmt2(y.family),
            &fmt2(y.family - x.family),
        ])
        .map_err(write_err)?;
    }
    w.flush().map_err(|e| CompareError::Read {
        path: out.to_path_buf(),
        message: e.to_string(),
    })?;
    drop(w);
    tmp.commit(out).map_err(|e| CompareError::Read {
        path: out.to_path_buf(),
        message: e.to_string(),
    })?;
    // Issue 15: compare.html beside the CSV.
    let groups = [
        (GroupBy::City, &by_city),
        (GroupBy::Category, &by_category),
        (GroupBy::Level, &by_level),
    ];
    write_html(out, base, scenario, groups, &per_person, lang)?;

    let mut r = String::new();
    let (b, s, n, o) = (base.display(), scenario.display(), ids.len(), out.display());
    let _ = writeln!(
        r,
        "{}",
        say!(
            lang,
            "对比 {b} → {s}: {n} 笔结算单中 {differ} 笔不同 (已写入 {o})",
            "compare {b} → {s}: {differ} of {n} claims differ (written to {o})"
        )
    );
    if differ == 0 {
        let _ = writeln!(r, "{}", say!(lang, "没有差异", "no difference"));
        return Ok(r);
    }
    let (fb, fs, fc) = (
        fmt2(fund_base),
        fmt2(fund_scenario),
        signed(fund_scenario - fund_base),
    );
    let _ = writeln!(
        r,
        "{}",
        say!(
            lang,
            "统筹基金支付 fund_pay: {fb} → {fs} (变化 {fc})",
            "fund_pay: {fb} → {fs} (change {fc})"
        )
    );
    let change = say!(lang, "变化", "change");
    for (by, map) in groups {
        let _ = writeln!(r, "{}:", by.title(lang));
        for (k, d) in map.iter().filter(|(_, d)| d.base != d.scenario) {
            let k = by.label(k, lang);
            let _ = writeln!(
                r,
                "  {k:<12} {:>14} → {:>14}  {change} {:>12}",
                fmt2(d.base),
                fmt2(d.scenario),
                signed(d.scenario - d.base)
            );
        }
    }
    // Family sharing (POLICY.md §6a): the change in family draws.
    if family.values().any(|d| d.base != d.scenario) {
        let (fb, fs) = family
            .values()
            .fold((Decimal::ZERO, Decimal::ZERO), |(b, s), d| {
                (b + d.base, s + d.scenario)
            });
        let (fc, fb, fs) = (signed(fs - fb), fmt2(fb), fmt2(fs));
        let _ = writeln!(
            r,
            "{}",
            say!(
                lang,
                "家庭共济账户支付 (family_account_pay): {fb} → {fs} (变化 {fc})",
                "drawn from family accounts (family_account_pay): {fb} → {fs} (change {fc})"
            )
        );
        for (k, d) in family.iter().filter(|(_, d)| d.base != d.scenario) {
            let _ = writeln!(
                r,
                "  {k:<12} {:>14} → {:>14}  {change} {:>12}",
                fmt2(d.base),
                fmt2(d.scenario),
                signed(d.scenario - d.base)
            );
        }
    }
    let more: Vec<(&String, &Decimal)> = per_person
        .iter()
        .filter(|(_, d)| **d > Decimal::ZERO)
        .collect();
    let less: Vec<(&String, &Decimal)> = per_person
        .iter()
        .filter(|(_, d)| **d < Decimal::ZERO)
        .collect();
    for (more_or_less, group) in [(true, &more), (false, &less)] {
        let total: Decimal = group.iter().map(|(_, d)| **d).sum();
        let mean = if group.is_empty() {
            Decimal::ZERO
        } else {
            total / Decimal::from(group.len() as u64)
        };
        let (count, total, mean) = (group.len(), signed(total), signed(mean));
        let line = match (more_or_less, lang) {
            (true, Lang::Zh) => {
                format!("多付的参保人 (个人账户 + 现金): {count} 人, 合计 {total}, 平均 {mean}")
            }
            (false, Lang::Zh) => {
                format!("少付的参保人 (个人账户 + 现金): {count} 人, 合计 {total}, 平均 {mean}")
            }
            (true, Lang::En) => format!(
                "persons who pay more (account + cash): {count}, total {total}, mean {mean}"
            ),
            (false, Lang::En) => format!(
                "persons who pay less (account + cash): {count}, total {total}, mean {mean}"
            ),
        };
        let _ = writeln!(r, "{line}");
    }
    if !more.is_empty() {
        let mut top = more.clone();
        top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let _ = writeln!(
            r,
            "{}",
            say!(lang, "增加最多的 10 人:", "the 10 largest increases:")
        );
        for (p, d) in top.iter().take(10) {
            let _ = writeln!(r, "  {p:<12} {:>10}", signed(**d));
        }
    }
    Ok(r)
}

/// compare.csv being written under a hidden name beside its final one;
/// removed unless renamed into place.
struct Staged(PathBuf);

impl Staged {
    fn new(out: &Path) -> Staged {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "compare.csv".into());
        Staged(out.with_file_name(format!(".{name}.tmp-{}", std::process::id())))
    }

    fn commit(self, out: &Path) -> std::io::Result<()> {
        std::fs::rename(&self.0, out)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        // After a successful rename there is nothing here to remove.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Where compare.html goes: beside `out`, its name with `.html`.
fn html_path(out: &Path) -> PathBuf {
    let html = out.with_extension("html");
    if html == out {
        out.with_extension("html.html")
    } else {
        html
    }
}

/// compare.html beside `out` (see [`html_path`]), staged and renamed in
/// like the CSV.
fn write_html(
    out: &Path,
    base: &Path,
    scenario: &Path,
    groups: [(GroupBy, &BTreeMap<String, Delta>); 3],
    per_person: &BTreeMap<String, Decimal>,
    lang: Lang,
) -> Result<(), CompareError> {
    let html = html_path(out);
    let err = |e: std::io::Error| CompareError::Read {
        path: html.clone(),
        message: e.to_string(),
    };
    let (b, s) = (base.display().to_string(), scenario.display().to_string());
    let c = crate::output::compare_page::Comparison {
        base: &b,
        scenario: &s,
        groups: groups
            .into_iter()
            .map(|(t, m)| {
                let rows = m
                    .iter()
                    .map(|(k, d)| (k.clone(), d.base, d.scenario))
                    .collect();
                (t, rows)
            })
            .collect(),
        per_person: per_person.values().copied().collect(),
        lang,
    };
    let tmp = Staged::new(&html);
    let file = std::fs::File::create(&tmp.0).map_err(err)?;
    crate::output::compare_page::write_compare(&c, std::io::BufWriter::new(file)).map_err(err)?;
    tmp.commit(&html).map_err(err)
}

fn signed(d: Decimal) -> String {
    if d > Decimal::ZERO {
        format!("+{}", fmt2(d))
    } else {
        fmt2(d)
    }
}
