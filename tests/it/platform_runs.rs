//! The platform layout's code tables belong to one run: two runs in one
//! process read cities by their own rule files' 医保区划 codes, and
//! `explain` reloads a platform-layout run with the codes and the join the
//! run used.

use crate::workdir::Workdir;
use std::path::Path;

#[test]
fn two_runs_in_one_process_read_cities_by_their_own_rule_files() {
    use tongchou::progress::Progress;
    use tongchou::run::{run, RunConfig};
    let wd = Workdir::new().with_sample();
    // The second data directory names 十堰 by another code, as its rule
    // files do: 4299xx instead of 4203xx.
    copy(&wd.join("samples/platform"), &wd.join("recoded"));
    copy(&wd.join("samples/rules"), &wd.join("rules2"));
    for f in ["recoded/members.csv", "recoded/institutions.csv"] {
        let text = wd.read(f);
        assert!(text.contains(",4203"), "{f} names 十堰 by its code");
        wd.write(f, text.replace(",4203", ",4299"));
    }
    let rules = wd.read("rules2/shiyan.toml");
    assert!(rules.contains("admdvs = \"420300\""));
    wd.write(
        "rules2/shiyan.toml",
        rules.replace("admdvs = \"420300\"", "admdvs = \"429900\""),
    );
    let config = |data: &str, rules: &str, out: &str| RunConfig {
        data: wd.join(data),
        rules: wd.join(rules),
        no_ledger: true,
        period: tongchou::date::Months::parse("2024-03"),
        out: Some(wd.join(out)),
        quiet: true,
        ..RunConfig::new()
    };
    let a = run(
        &config("samples/platform", "samples/rules", "out/a"),
        &Progress::hidden(),
    );
    assert!(a.is_ok(), "{:?}", a.err());
    let b = run(&config("recoded", "rules2", "out/b"), &Progress::hidden());
    assert!(b.is_ok(), "{:?}", b.err());
    for f in ["payments.csv", "audit.csv", "ledger.csv"] {
        assert_eq!(
            wd.read(&format!("out/a/{f}")),
            wd.read(&format!("out/b/{f}")),
            "{f}"
        );
    }
}

#[test]
fn explain_reloads_a_platform_layout_run() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--data",
        "samples/platform",
        "--no-ledger",
        "--quiet",
        "--period",
        "2024-03",
        "--out",
        "o",
    ])
    .expect_code(0);
    // SY0001 is insured in 十堰, written 420302 in members.csv.
    let r = wd.run(&["explain", "SC-EXAMPLE", "--run", "o", "--lang", "en"]);
    r.expect_code(0);
    let out = r.stdout();
    assert!(out.contains("SC-EXAMPLE"), "{out}");
    assert!(out.contains("shiyan"), "{out}");
    // The trace pays what the run paid.
    let paid = wd
        .read("o/payments.csv")
        .lines()
        .find(|l| l.starts_with("SC-EXAMPLE,"))
        .map(String::from)
        .expect("SC-EXAMPLE in payments.csv");
    let fund_pay = paid.split(',').nth(13).expect("fund_pay");
    assert!(out.contains(fund_pay), "fund_pay {fund_pay} not in\n{out}");
}

/// POLICY §10 in the trace: SC-EXAMPLE (十堰, level 2, employed) costs
/// 800.00; after the 500.00 deductible (十政办发〔2022〕61号 第五条 1.) the
/// fund pays 75% of 300.00 = 225.00, and its account the other 575.00. The
/// settlement declared hifp_pay 255.00 and acct_pay 545.00: audit takes back
/// 255.00 − 225.00 = 30.00 (an `adjust` finding), the fund owes nothing more.
#[test]
fn explain_shows_the_clearing_comparison() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--data",
        "samples/platform",
        "--no-ledger",
        "--quiet",
        "--out",
        "o",
    ])
    .expect_code(0);
    let r = wd.run(&["explain", "SC-EXAMPLE", "--run", "o", "--lang", "en"]);
    r.expect_code(0);
    let out = r.stdout();
    assert!(out.contains("8. Clearing"), "{out}");
    assert!(
        out.contains("hifp_pay 255.00 declared, fund_pay 225.00 adjudicated ≠"),
        "{out}"
    );
    assert!(
        out.contains("acct_pay 545.00 declared, account_pay 575.00 adjudicated ≠"),
        "{out}"
    );
    assert!(out.contains("deduction 30.00, shortfall 0.00"), "{out}");
    assert!(out.contains("DECLARED_MISMATCH (30.00)"), "{out}");
    // Chinese by default, and the JSON trace carries the same figures.
    let zh = wd.run(&["explain", "SC-EXAMPLE", "--run", "o"]);
    zh.expect_code(0);
    assert!(
        zh.stdout().contains("审核扣款 30.00, 基金应补 0.00"),
        "{}",
        zh.stdout()
    );
    let js = wd.run(&["explain", "SC-EXAMPLE", "--run", "o", "--format", "json"]);
    js.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&js.stdout()).expect("a JSON trace");
    let c = &doc["claims"][0]["clearing"];
    assert_eq!(c["deduction"], "30.00");
    assert_eq!(c["fields"][0]["declared_field"], "hifp_pay");
    assert_eq!(c["fields"][0]["declared"], "255.00");
    assert_eq!(c["fields"][0]["adjudicated"], "225.00");
    assert_eq!(c["finding"]["amount"], "30.00");
    // A claims/ run declares nothing: no clearing section.
    wd.run(&[
        "run",
        "--data",
        "samples/data",
        "--no-ledger",
        "--quiet",
        "--out",
        "c",
    ])
    .expect_code(0);
    let plain = wd.run(&["explain", "SC-EXAMPLE", "--run", "c", "--lang", "en"]);
    plain.expect_code(0);
    assert!(
        !plain.stdout().contains("8. Clearing"),
        "{}",
        plain.stdout()
    );
}

fn copy(from: &Path, to: &Path) {
    crate::workdir::copy_dir(from, to);
}

#[test]
fn summary_json_clearing_lists_cities_in_order_and_balances() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--data",
        "samples/platform",
        "--no-ledger",
        "--quiet",
        "--period",
        "2024-03",
        "--out",
        "o",
    ])
    .expect_code(0);
    let doc: serde_json::Value =
        serde_json::from_str(&wd.read("o/summary.json")).expect("summary.json is JSON");
    let clearing = &doc["clearing"];
    let cities: Vec<&String> = clearing["by_city"]
        .as_object()
        .expect("by_city is an object")
        .keys()
        .collect();
    let mut sorted = cities.clone();
    sorted.sort();
    assert_eq!(cities, sorted);
    assert!(cities.iter().any(|c| *c == "shiyan"), "{cities:?}");
    let total = &clearing["total"];
    let keys: Vec<&String> = total.as_object().expect("total").keys().collect();
    assert_eq!(
        keys,
        [
            "claims",
            "declared_fund",
            "adjudicated_fund",
            "deduction",
            "shortfall",
            "declared_account",
            "adjudicated_account",
            "mismatched_claims"
        ]
    );
    let yuan = |k: &str| -> rust_decimal::Decimal {
        total[k]
            .as_str()
            .expect("an amount")
            .parse()
            .expect("a decimal")
    };
    assert_eq!(
        yuan("adjudicated_fund"),
        yuan("declared_fund") - yuan("deduction") + yuan("shortfall")
    );
}
