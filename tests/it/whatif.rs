//! What-if: overrides, scenarios, `rules show/check`, and `compare`.

use crate::workdir::Workdir;
use rust_decimal::Decimal;
use std::str::FromStr;

fn rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    r.records()
        .map(|x| x.expect("row").iter().map(String::from).collect())
        .collect()
}

#[test]
fn raising_the_shiyan_deductible_to_800_moves_exactly_the_right_amounts() {
    // 十堰 第五条 with the deductible at 800 instead of 500:
    // SC-EXAMPLE (retiree, level 2, eligible 800): all 800 to the deductible,
    //   fund 225.00 → 0.00; the account (600) pays 600.00, cash 200.00.
    // SC-CAP-1 (employed, clinic, 2500): round2((2500 − 800) × 0.80) = 1360.00.
    // SC-CAP-2 (2000): 1600.00, and 1360 + 1600 = 2960 stays under the cap.
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--out",
        "base",
    ])
    .expect_code(0);
    let run = wd.run(&[
        "run",
        "--no-ledger",
        "--lang",
        "en",
        "--out",
        "ded800",
        "--set",
        "shiyan.deductible.employed=800",
        "--set",
        "shiyan.deductible.retired=800",
    ]);
    run.expect_code(0);
    assert!(run.stdout().starts_with("what-if: shiyan.deductible.employed = 800 (--set)\nwhat-if: shiyan.deductible.retired = 800 (--set)\n"), "{}", run.stdout());
    let cmp = wd.run(&[
        "compare",
        "--lang",
        "en",
        "base",
        "ded800",
        "--out",
        "compare.csv",
    ]);
    cmp.expect_code(0);
    let diff = rows(&wd.read("compare.csv"));
    let find = |id: &str| {
        diff.iter()
            .find(|r| r[0] == id)
            .unwrap_or_else(|| panic!("{id} in compare.csv"))
    };
    // base_fund, scenario_fund, fund_change, base_account, scenario_account, base_cash, scenario_cash
    let money = |r: &Vec<String>| {
        [
            r[8].clone(),
            r[9].clone(),
            r[10].clone(),
            r[11].clone(),
            r[12].clone(),
            r[14].clone(),
            r[15].clone(),
        ]
    };
    assert_eq!(
        money(find("SC-EXAMPLE")),
        ["225.00", "0.00", "-225.00", "575.00", "600.00", "0.00", "200.00"]
    );
    assert_eq!(find("SC-CAP-1")[9], "1360.00");
    assert_eq!(find("SC-CAP-2")[9], "1600.00");
    // Nothing outside Shiyan moves, and nothing in Shiyan changes status.
    assert!(
        diff.iter().all(|r| r[2] == "shiyan" && r[6] == r[7]),
        "{diff:?}"
    );
    // The per-claim changes add up to the printed fund delta.
    let sum: Decimal = diff
        .iter()
        .map(|r| Decimal::from_str(&r[10]).expect("change"))
        .sum();
    assert!(
        cmp.stdout()
            .contains(&format!("(change {})", tongchou::money::fmt2(sum))),
        "{sum} in:\n{}",
        cmp.stdout()
    );
    assert!(
        cmp.stdout()
            .contains("persons who pay more (account + cash): 8, total +1225.03"),
        "{}",
        cmp.stdout()
    );
    // The override is recorded in the manifest.
    let m: serde_json::Value =
        serde_json::from_str(&wd.read("ded800/manifest.json")).expect("manifest");
    assert_eq!(m["overrides"][0]["parameter"], "deductible.employed");
    assert_eq!(m["overrides"][1]["value"], "800");
}

#[test]
fn comparing_a_run_with_itself_finds_no_difference() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--out",
        "a",
    ])
    .expect_code(0);
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--out",
        "b",
    ])
    .expect_code(0);
    let cmp = wd.run(&["compare", "--lang", "en", "a", "b"]);
    cmp.expect_code(0);
    assert!(
        cmp.stdout().contains("0 of 191 claims differ") && cmp.stdout().contains("no difference"),
        "{}",
        cmp.stdout()
    );
    assert_eq!(wd.read("compare.csv").lines().count(), 1, "header only");
}

#[test]
fn a_scenario_file_says_what_it_changes_and_why() {
    let wd = Workdir::new().with_sample();
    wd.write(
        "retiree65.toml",
        "name = \"retiree-l3-65\"\ndescription = \"What if retirees got 65% at level-3 hospitals?\"\n\n[set]\n\"shiyan.ratio.retired.level3\" = 0.65\n\"wuhan.ratio.retired.level3\" = 0.70\n",
    );
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "base"])
        .expect_code(0);
    let run = wd.run(&[
        "run",
        "--no-ledger",
        "--out",
        "s",
        "--scenario",
        "retiree65.toml",
    ]);
    run.expect_code(0);
    assert!(
        run.stdout().starts_with(
            "scenario retiree-l3-65: What if retirees got 65% at level-3 hospitals?\n"
        ),
        "{}",
        run.stdout()
    );
    let m: serde_json::Value = serde_json::from_str(&wd.read("s/manifest.json")).expect("manifest");
    assert_eq!(m["scenario"]["name"], "retiree-l3-65");
    assert_eq!(m["overrides"].as_array().map(Vec::len), Some(2));
    wd.run(&["compare", "base", "s"]).expect_code(0);
    let diff = rows(&wd.read("compare.csv"));
    // Only retirees at level-3 institutions (or whose later claims moved
    // with the cap and deductible) change; every change is a fund increase.
    assert!(!diff.is_empty());
    assert!(diff.iter().all(|r| r[3] == "retired"), "{diff:?}");
    // SC-INTERNET: SY0001 (retiree) at a level-3 internet hospital, deductible
    // met: round2(76.24 × 0.65) = 49.56 instead of 45.74.
    let internet = diff
        .iter()
        .find(|r| r[0] == "SC-INTERNET")
        .expect("SC-INTERNET moves");
    assert_eq!(
        (internet[8].as_str(), internet[9].as_str()),
        ("45.74", "49.56")
    );
    // --set wins over the scenario.
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "s2",
        "--scenario",
        "retiree65.toml",
        "--set",
        "shiyan.ratio.retired.level3=0.60",
    ])
    .expect_code(0);
    let show = wd.run(&[
        "rules",
        "show",
        "shiyan",
        "--scenario",
        "retiree65.toml",
        "--set",
        "shiyan.ratio.retired.level3=0.60",
    ]);
    assert!(
        show.stdout().contains("ratio.retired.level3")
            && show
                .stdout()
                .contains("0.60  what-if: shiyan.ratio.retired.level3 = 0.60 (--set)"),
        "{}",
        show.stdout()
    );
}

#[test]
fn invalid_overrides_are_refused_with_exit_2() {
    let wd = Workdir::new().with_sample();
    for (set, says) in [
        (
            "shiyan.ratio.retired.level4=0.5",
            "unknown parameter `ratio.retired.level4`",
        ),
        (
            "shiyan.ratio.retired.level3=1.2",
            "ratio 1.2 is outside [0, 1]",
        ),
        (
            "shiyan.deductible.employed=eight hundred",
            "`eight hundred` is not an amount in yuan",
        ),
        ("shiyan.deductible.employed=-100", "amount -100 is negative"),
        (
            "beijing.deductible.employed=800",
            "no rules for city `beijing`",
        ),
        (
            "shiyan.deductible.employed",
            "expected city.parameter=value",
        ),
        ("shiyan.in_force_from=2020-01-01", "cannot be overridden"),
        (
            "shiyan.pharmacy.employed=0.6",
            "apply only with pharmacy.mode = fixed",
        ),
    ] {
        let run = wd.run(&["run", "--no-ledger", "--quiet", "--out", "x", "--set", set]);
        run.expect_code(2);
        assert!(run.stderr().contains(says), "--set {set}: {}", run.stderr());
    }
    assert!(!wd.join("x").exists());
    wd.write(
        "bad.toml",
        "name = \"x\"\ndescription = \"y\"\nwhy = \"z\"\n[set]\n\"shiyan.cap.employed\" = 4000\n",
    );
    let run = wd.run(&["run", "--no-ledger", "--quiet", "--scenario", "bad.toml"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("bad.toml:3: why: unknown key"),
        "{}",
        run.stderr()
    );
}

#[test]
fn compare_refuses_runs_over_different_inputs_unless_told() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--out",
        "a",
    ])
    .expect_code(0);
    let p = "samples/data/members.csv";
    wd.write(
        p,
        wd.read(p).replace(
            "SY0001,shiyan,retired,with_account,600.00",
            "SY0001,shiyan,retired,with_account,900.00",
        ),
    );
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--out",
        "b",
    ])
    .expect_code(0);
    let cmp = wd.run(&["compare", "--lang", "en", "a", "b"]);
    cmp.expect_code(2);
    assert!(
        cmp.stderr().contains("read different inputs (members"),
        "{}",
        cmp.stderr()
    );
    let cmp = wd.run(&[
        "compare",
        "--lang",
        "en",
        "a",
        "b",
        "--allow-different-inputs",
    ]);
    cmp.expect_code(0);
    // Only SY0001's balance changed: its account pays more of the same
    // burden, so account and cash move but nobody pays more or less.
    let diff = rows(&wd.read("compare.csv"));
    assert!(
        !diff.is_empty() && diff.iter().all(|r| r[1] == "SY0001"),
        "{diff:?}"
    );
    assert!(
        cmp.stdout()
            .contains("persons who pay more (account + cash): 0")
            && cmp
                .stdout()
                .contains("persons who pay less (account + cash): 0"),
        "{}",
        cmp.stdout()
    );
}

#[test]
fn rules_show_and_check() {
    let wd = Workdir::new().with_sample();
    let show = wd.run(&["rules", "show", "ezhou", "--date", "2024-03-01"]);
    show.expect_code(0);
    let out = show.stdout();
    assert!(
        out.contains("ezhou 鄂州市 — rules in force on 2024-03-01: version from 2023-01-01"),
        "{out}"
    );
    assert!(
        out.contains("pharmacy.retired")
            && out.contains("0.68  鄂州市门诊统筹便民服务措施清单 二 (退休人员68%)\n"),
        "seed figure, not provisional:\n{out}"
    );
    assert!(
        out.contains("cap.retired")
            && out.contains("3500  no figure in the sources  [provisional]"),
        "{out}"
    );
    wd.run(&["rules", "show", "shiyan", "--date", "2022-01-01"])
        .expect_code(2);
    wd.run(&["rules", "check", "samples/rules"]).expect_code(0);
    let p = "samples/rules/wuhan.toml";
    wd.write(
        p,
        wd.read(p).replace(
            "[version.cap]",
            "[version.cap]\nsenior = { value = 1, basis = \"x\" }",
        ),
    );
    let check = wd.run(&["rules", "check", "samples/rules"]);
    check.expect_code(2);
    assert!(
        check.stderr().contains("samples/rules/wuhan.toml:")
            && check.stderr().contains(": cap.senior: unknown key"),
        "{}",
        check.stderr()
    );
}
