//! Across months: the ledger chain, the year boundary, reversals of earlier
//! periods (POLICY.md §8) and the guards against running on the wrong
//! ledger.

use crate::workdir::Workdir;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::str::FromStr;

/// The sample's March claims moved to `month` (ids prefixed `M{month}-`,
/// days clamped to the month); claims not of March 2024 are left out.
fn sample_in_month(wd: &Workdir, month: u32) -> String {
    let mut out = String::new();
    for name in [
        "ezhou_2024-03.csv",
        "remote_2024-03.csv",
        "shiyan_2024-03.csv",
        "wuhan_2024-03.csv",
    ] {
        let path = wd.join(&format!("samples/data/claims/{name}"));
        let mut r = csv::Reader::from_path(&path).expect("sample claims");
        let headers: Vec<String> = r
            .headers()
            .expect("header")
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let alias = |zh: &str| -> String {
            let map = [
                ("结算流水号", "claim_id"),
                ("明细序号", "line_no"),
                ("个人编号", "person_id"),
                ("机构编码", "institution_id"),
                ("结算时间", "service_time"),
                ("就诊类型", "visit_type"),
                ("医保编码", "item_code"),
                ("项目名称", "item_name"),
                ("数量", "quantity"),
                ("单价", "unit_price"),
                ("金额", "amount"),
                ("处方号", "prescription_id"),
                ("开方机构编码", "prescriber_id"),
                ("用药天数", "supply_days"),
                ("结算方式", "settlement_mode"),
                ("申报日期", "submitted_date"),
                ("除外情形", "exclusion"),
                ("冲正原流水号", "reverses_claim_id"),
            ];
            map.iter()
                .find(|(z, _)| *z == zh)
                .map(|(_, e)| e.to_string())
                .unwrap_or_else(|| zh.to_string())
        };
        let names: Vec<String> = headers.iter().map(|h| alias(h)).collect();
        let col = |n: &str| names.iter().position(|x| x == n).expect("column");
        for rec in r.records() {
            let rec = rec.expect("record");
            let mut f: Vec<String> = rec.iter().map(String::from).collect();
            if !f[col("service_time")].starts_with("2024-03") {
                continue;
            }
            let shift = |s: &str| {
                let day: u32 = s[8..10].parse().expect("day");
                let last = [31, 29, 31][month as usize - 1];
                format!("2024-{month:02}-{:02}{}", day.min(last), &s[10..])
            };
            f[col("service_time")] = shift(&f[col("service_time")]);
            if !f[col("submitted_date")].is_empty() {
                f[col("submitted_date")] = shift(&f[col("submitted_date")]);
            }
            f[col("claim_id")] = format!("M{month}-{}", f[col("claim_id")]);
            if !f[col("reverses_claim_id")].is_empty() {
                f[col("reverses_claim_id")] = format!("M{month}-{}", f[col("reverses_claim_id")]);
            }
            let order = [
                "claim_id",
                "line_no",
                "person_id",
                "institution_id",
                "service_time",
                "visit_type",
                "item_code",
                "quantity",
                "unit_price",
                "amount",
                "prescription_id",
                "prescriber_id",
                "supply_days",
                "settlement_mode",
                "submitted_date",
                "exclusion",
                "reverses_claim_id",
            ];
            let row: Vec<&str> = order.iter().map(|n| f[col(n)].as_str()).collect();
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    format!("claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount,prescription_id,prescriber_id,supply_days,settlement_mode,submitted_date,exclusion,reverses_claim_id\n{out}")
}

/// A data directory `dir` with the sample's reference files and `claims`.
fn data_dir(wd: &Workdir, dir: &str, members: &str, claims: &[(&str, String)]) {
    for f in ["institutions.csv", "catalogue.csv", "stays.csv"] {
        wd.write(&format!("{dir}/{f}"), wd.read(&format!("samples/data/{f}")));
    }
    wd.write(&format!("{dir}/members.csv"), members);
    for (name, text) in claims {
        wd.write(&format!("{dir}/claims/{name}"), text);
    }
}

/// members.csv with each balance reduced by the account payments of `payments`
/// (what the account system hands the next month).
fn members_after(members: &str, payments: &str) -> String {
    let mut spent: HashMap<String, Decimal> = HashMap::new();
    let mut r = csv::Reader::from_reader(payments.as_bytes());
    for rec in r.records() {
        let rec = rec.expect("payment");
        *spent.entry(rec[1].to_string()).or_default() +=
            Decimal::from_str(&rec[15]).expect("account_pay");
    }
    let mut lines = members.lines();
    let mut out = format!("{}\n", lines.next().expect("header"));
    for l in lines {
        let mut f: Vec<String> = l.split(',').map(String::from).collect();
        if !f[4].is_empty() {
            let mut b = Decimal::from_str(&f[4]).expect("balance")
                - spent.get(&f[0]).copied().unwrap_or_default();
            b.rescale(2);
            f[4] = b.to_string();
        }
        out.push_str(&f.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn a_three_month_chain_pays_exactly_as_one_run_over_the_three_months() {
    let wd = Workdir::new().with_sample();
    let members = wd.read("samples/data/members.csv");
    let months: Vec<(String, String)> = (1..=3)
        .map(|m| (format!("2024-{m:02}.csv"), sample_in_month(&wd, m)))
        .collect();

    // One run over the quarter.
    data_dir(
        &wd,
        "all",
        &members,
        &months
            .iter()
            .map(|(n, t)| (n.as_str(), t.clone()))
            .collect::<Vec<_>>(),
    );
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        "all",
        "--period",
        "2024-01..2024-03",
        "--out",
        "out/q1",
    ])
    .expect_code(0);

    // January, then February on January's ledger, then March on February's.
    let mut members_now = members.clone();
    let mut ledger: Option<String> = None;
    let mut chained: Vec<String> = Vec::new();
    for (m, (name, text)) in months.iter().enumerate() {
        let month = format!("2024-{:02}", m + 1);
        data_dir(&wd, &month, &members_now, &[(name.as_str(), text.clone())]);
        let out = format!("out/{month}");
        let mut args = vec![
            "run",
            "--quiet",
            "--data",
            month.as_str(),
            "--period",
            month.as_str(),
            "--out",
            out.as_str(),
        ];
        let l;
        if let Some(prev) = &ledger {
            l = prev.clone();
            args.extend(["--ledger", l.as_str()]);
        }
        wd.run(&args).expect_code(0);
        let payments = wd.read(&format!("{out}/payments.csv"));
        chained.extend(payments.lines().skip(1).map(String::from));
        members_now = members_after(&members_now, &payments);
        ledger = Some(format!("{out}/ledger.csv"));
    }
    chained.sort();
    let combined = wd.read("out/q1/payments.csv");
    let combined: Vec<String> = combined.lines().skip(1).map(String::from).collect();
    assert_eq!(combined.len(), chained.len());
    assert!(
        combined.len() > 450,
        "three months of the sample: {}",
        combined.len()
    );
    for (a, b) in combined.iter().zip(&chained) {
        assert_eq!(a, b, "claim settled differently in the chain");
    }
    assert_eq!(
        wd.read("out/q1/ledger.csv"),
        wd.read("out/2024-03/ledger.csv"),
        "the same totals after March"
    );
    // The sample's cap case reaches the cap in January and is capped all quarter.
    assert!(
        combined
            .iter()
            .any(|l| l.starts_with("M2-SC-CAP-1,") && l.contains(",CAP_REACHED,")),
        "February starts from January's totals"
    );
}

const HEADER: &str = "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount,reverses_claim_id";

fn field<'a>(payments: &'a str, claim: &str, column: &str) -> &'a str {
    let header: Vec<&str> = payments
        .lines()
        .next()
        .expect("header")
        .split(',')
        .collect();
    let i = header.iter().position(|h| *h == column).expect("column");
    let row = payments
        .lines()
        .find(|l| l.starts_with(&format!("{claim},")))
        .unwrap_or_else(|| panic!("{claim} in payments"));
    row.split(',').nth(i).expect("field")
}

#[test]
fn the_year_boundary_starts_every_total_from_zero() {
    // 十堰 第五条: 一个自然年度内 … 不得结转累加到次年. SY0001 closed 2023 with the
    // deductible met and the cap reached; in January 2024 a retiree at level 2
    // with eligible 800 pays the deductible again: round2(300 × 0.75) = 225.00.
    let wd = Workdir::new().with_sample();
    let members = wd.read("samples/data/members.csv");
    data_dir(
        &wd,
        "jan",
        &members,
        &[(
            "jan.csv",
            format!(
                "{HEADER}\nJ1,1,SY0001,SY-H2,2024-01-05 09:00:00,general,S001,1,800.00,800.00,\n"
            ),
        )],
    );
    wd.write("dec-ledger.csv", "person_id,year,deductible_met,pool_paid,claims,period\nSY0001,2023,500.00,3000.00,14,2023-12\nSY0002,2023,120.00,0.00,2,2023-12\n");
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        "jan",
        "--ledger",
        "dec-ledger.csv",
        "--out",
        "out",
    ])
    .expect_code(0);
    let p = wd.read("out/payments.csv");
    assert_eq!(
        (
            field(&p, "J1", "deductible_applied"),
            field(&p, "J1", "fund_pay")
        ),
        ("500.00", "225.00")
    );
    let ledger = wd.read("out/ledger.csv");
    assert!(
        ledger.contains("\nSY0001,2024,500.00,225.00,1,2024-01\n"),
        "{ledger}"
    );
    assert!(
        ledger.contains("\nSY0002,2023,120.00,0.00,2,2024-01\n"),
        "a person without claims is carried: {ledger}"
    );
}

#[test]
fn a_reversal_months_later_takes_back_exactly_what_was_paid() {
    // January: SY0001 (retiree, balance 600) at level 2, 800 eligible:
    // deductible 500, fund round2(300 × 0.75) = 225.00, account 575.00.
    let wd = Workdir::new().with_sample();
    let members = wd.read("samples/data/members.csv");
    data_dir(
        &wd,
        "jan",
        &members,
        &[(
            "jan.csv",
            format!(
                "{HEADER}\nR1,1,SY0001,SY-H2,2024-01-10 09:00:00,general,S001,1,800.00,800.00,\n"
            ),
        )],
    );
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--data",
        "jan",
        "--out",
        "out/jan",
    ])
    .expect_code(0);
    let jan = wd.read("out/jan/payments.csv");
    assert_eq!(
        (
            field(&jan, "R1", "fund_pay"),
            field(&jan, "R1", "account_pay")
        ),
        ("225.00", "575.00")
    );

    // February (balance 25.00 left): R1 is reversed, then the same care billed
    // again. The reversal negates R1 and gives back 500 deductible and 225
    // fund, and 575 to the account; R2 then pays as R1 did. A late January
    // claim is settled and reported late.
    data_dir(
        &wd,
        "feb",
        &members_after(&members, &jan),
        &[(
            "feb.csv",
            format!(
                "{HEADER}\nR1-REV,1,SY0001,SY-H2,2024-02-05 09:00:00,general,S001,-1,800.00,-800.00,R1\n\
                 R2,1,SY0001,SY-H2,2024-02-10 09:00:00,general,S001,1,800.00,800.00,\n\
                 LATE,1,SY0002,SY-C1,2024-01-30 09:00:00,general,S001,1,10.00,10.00,\n\
                 NOPE-REV,1,SY0002,SY-C1,2024-02-11 09:00:00,general,S001,-1,10.00,-10.00,NOPE\n"
            ),
        )],
    );
    let feb_args = [
        "run",
        "--quiet",
        "--data",
        "feb",
        "--ledger",
        "out/jan/ledger.csv",
        "--prior",
        "out/jan/payments.csv",
    ];
    wd.run(&[&feb_args[..], &["--out", "out/feb"]].concat())
        .expect_code(0);
    let feb = wd.read("out/feb/payments.csv");
    let rev: Vec<&str> = [
        "status",
        "total",
        "eligible",
        "deductible_applied",
        "ratio",
        "fund_pay",
        "account_pay",
        "cash_pay",
        "deductible_met_after",
        "pool_paid_after",
        "reasons",
        "reverses_claim_id",
    ]
    .iter()
    .map(|c| field(&feb, "R1-REV", c))
    .collect();
    assert_eq!(
        rev,
        [
            "reversal", "-800.00", "-800.00", "-500.00", "0.75", "-225.00", "-575.00", "0.00",
            "0.00", "0.00", "REVERSAL", "R1"
        ]
    );
    let r2: Vec<&str> = [
        "deductible_applied",
        "fund_pay",
        "account_pay",
        "cash_pay",
        "pool_paid_after",
    ]
    .iter()
    .map(|c| field(&feb, "R2", c))
    .collect();
    assert_eq!(r2, ["500.00", "225.00", "575.00", "0.00", "225.00"]);
    assert_eq!(
        (
            field(&feb, "NOPE-REV", "status"),
            field(&feb, "NOPE-REV", "reasons")
        ),
        ("denied", "REVERSAL_UNKNOWN")
    );
    // settlement.csv nets the reversal against February's payment to SY-H2.
    let settlement = wd.read("out/feb/settlement.csv");
    assert!(
        settlement.contains("\nshiyan,institution,SY-H2,2,0.00,0.00,0.00\n"),
        "{settlement}"
    );
    let ledger = wd.read("out/feb/ledger.csv");
    assert!(
        ledger.contains("\nSY0001,2024,500.00,225.00,3,2024-02\n"),
        "{ledger}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&wd.read("out/feb/summary.json")).expect("json");
    assert_eq!(
        (
            summary["total"]["late_claims"].as_u64(),
            summary["total"]["late_total"].as_str()
        ),
        (Some(1), Some("10.00"))
    );

    // Re-running February on January's ledger gives byte-identical outputs.
    wd.run(&[&feb_args[..], &["--out", "out/feb-again"]].concat())
        .expect_code(0);
    wd.assert_same_outputs("out/feb", "out/feb-again");

    // March: reversing R1 again is refused, whether both earlier payments
    // files are given or only January's plus this month's own attempt.
    data_dir(&wd, "mar", &members_after(&members_after(&members, &jan), &feb), &[("mar.csv", format!("{HEADER}\nR1-REV2,1,SY0001,SY-H2,2024-03-05 09:00:00,general,S001,-1,800.00,-800.00,R1\n"))]);
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        "mar",
        "--ledger",
        "out/feb/ledger.csv",
        "--prior",
        "out/jan/payments.csv",
        "--prior",
        "out/feb/payments.csv",
        "--out",
        "out/mar",
    ])
    .expect_code(0);
    let mar = wd.read("out/mar/payments.csv");
    assert_eq!(
        (
            field(&mar, "R1-REV2", "status"),
            field(&mar, "R1-REV2", "fund_pay")
        ),
        ("denied", "0.00")
    );
    let audit = wd.read("out/mar/audit.csv");
    assert!(
        audit.contains("claim R1 is already reversed by R1-REV")
            || audit.contains("原结算 R1 已被 R1-REV 冲正"),
        "{audit}"
    );
}

#[test]
fn the_wrong_ledger_is_refused() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--out",
        "out/mar",
    ])
    .expect_code(0);
    // March on March's own output ledger.
    let run = wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--ledger",
        "out/mar/ledger.csv",
        "--out",
        "out/again",
    ]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .contains("out/mar/ledger.csv closes 2024-03, but this run settles 2024-03"),
        "{}",
        run.stderr()
    );
    // February on March's ledger.
    let run = wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--period",
        "2024-02",
        "--ledger",
        "out/mar/ledger.csv",
        "--out",
        "out/feb",
    ]);
    run.expect_code(2);
    // A ledger of a later year.
    wd.write(
        "y2025.csv",
        "person_id,year,deductible_met,pool_paid,claims\nSY0001,2025,0.00,0.00,1\n",
    );
    let run = wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--ledger",
        "y2025.csv",
        "--out",
        "out/y",
    ]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("holds totals of 2025"),
        "{}",
        run.stderr()
    );
    // A ledger that does not parse.
    wd.write(
        "bad.csv",
        "person_id,year,deductible_met,pool_paid,claims\nSY0001,2024,five hundred,0.00,1\n",
    );
    let run = wd.run(&[
        "run", "--lang", "en", "--quiet", "--ledger", "bad.csv", "--out", "out/b",
    ]);
    run.expect_code(1);
    assert!(
        run.stderr().contains("bad.csv:2: column `deductible_met`"),
        "{}",
        run.stderr()
    );
    assert!(
        !wd.join("out/again").exists()
            && !wd.join("out/feb").exists()
            && !wd.join("out/b").exists()
    );
}

#[test]
fn the_same_period_given_twice_to_prior_is_refused() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "out/a"])
        .expect_code(0);
    let run = wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--period",
        "2024-04",
        "--prior",
        "out/a/payments.csv",
        "--prior",
        "out/a/payments.csv",
        "--out",
        "out/b",
    ]);
    run.expect_code(1);
    assert!(
        run.stderr()
            .contains("the same period given twice to --prior?"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_claim_cancelled_in_its_own_period_cannot_be_reversed_again() {
    // The prior payments hold R1 as `reversed` (its reversal row filtered
    // out, say): a new reversal of R1 is refused, not paid back twice.
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "base"])
        .expect_code(0);
    let header = wd
        .read("base/payments.csv")
        .lines()
        .next()
        .expect("header")
        .to_string();
    let row = "R1,SY0001,SY-H2,shiyan,2024-01-10,reversed,800.00,800.00,0.00,0.00,0.00,0.00,,0.00,0.00,0.00,800.00,institution,0.00,0.00,REVERSAL,,retired,2,0.00,";
    wd.write("jan-payments.csv", format!("{header}\n{row}\n"));
    let members = wd.read("samples/data/members.csv");
    data_dir(&wd, "feb", &members, &[("feb.csv", format!("{HEADER}\nR1-REV,1,SY0001,SY-H2,2024-02-05 09:00:00,general,S001,-1,800.00,-800.00,R1\n"))]);
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--data",
        "feb",
        "--prior",
        "jan-payments.csv",
        "--out",
        "out",
        "--lang",
        "en",
    ])
    .expect_code(0);
    let p = wd.read("out/payments.csv");
    assert_eq!(
        (
            field(&p, "R1-REV", "status"),
            field(&p, "R1-REV", "reasons")
        ),
        ("denied", "REVERSAL_UNKNOWN")
    );
    assert!(wd
        .read("out/audit.csv")
        .contains("claim R1 is already reversed by a reversal of its own period"));
}
