//! The supervisors' and clerks' views of a run: leads.csv (institutions
//! ranked by the money their flagged claims put at stake) and
//! `tongchou explain` (one claim's or one person's computation, step by
//! step).

use crate::workdir::Workdir;

/// The rows of a CSV as header-keyed maps, in file order.
fn rows(csv: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header = r.headers().expect("header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            header
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn leads_rank_institutions_by_amount_at_stake_with_peer_comparison() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "o"])
        .expect_code(0);
    let leads = wd.read("o/leads.csv");
    let header = leads.lines().next().expect("header");
    assert_eq!(
        header,
        "institution_id,name,city,kind,level,claims,flagged_claims,flag_rate,amount_at_stake,\
         at_stake_DUPLICATE_LINE,at_stake_MULTI_INSTITUTION_DAY,at_stake_AMOUNT_MISMATCH,\
         at_stake_SPLIT_VISIT,at_stake_EARLY_REFILL,at_stake_VISIT_FREQUENCY,\
         peer_median_rate,ratio_to_peer_median,robust_z"
    );
    let rows = rows(&leads);
    // One row per institution with claims, unknown SY-H9 included.
    assert_eq!(rows.len(), 21);
    // Sorted by amount at stake, descending, then institution_id.
    let stakes: Vec<rust_decimal::Decimal> = rows
        .iter()
        .map(|r| r["amount_at_stake"].parse().expect("money"))
        .collect();
    assert!(stakes.windows(2).all(|w| w[0] >= w[1]), "{stakes:?}");
    assert_eq!(rows[0]["institution_id"], "WH-P1");
    // WH-P1: 5 claims, SC-REFILL-2 (1104.00) flagged EARLY_REFILL: 1/5.
    assert_eq!(rows[0]["flag_rate"], "0.2000");
    assert_eq!(rows[0]["at_stake_EARLY_REFILL"], "1104.00");
    // SY-H2 (shiyan hospital level 2): 15 claims, 2 flagged —
    // SY240300007 (463.00: DUPLICATE_LINE and SPLIT_VISIT, counted once in
    // the total) and SC-MULTI-2 (120.40). Rate 2/15 = 0.1333. Its peer,
    // SY-H2X, has 0 of 1: median (0 + 2/15) / 2 = 1/15 = 0.0667, ratio 2.00;
    // MAD = 1/15, z = (2/15 − 1/15) / (1.4826 × 1/15) = 0.67.
    let sy = rows
        .iter()
        .find(|r| r["institution_id"] == "SY-H2")
        .expect("SY-H2");
    let got: Vec<&str> = [
        "name",
        "city",
        "kind",
        "level",
        "claims",
        "flagged_claims",
        "flag_rate",
        "amount_at_stake",
        "at_stake_DUPLICATE_LINE",
        "at_stake_SPLIT_VISIT",
        "at_stake_MULTI_INSTITUTION_DAY",
        "peer_median_rate",
        "ratio_to_peer_median",
        "robust_z",
    ]
    .iter()
    .map(|k| sy[*k].as_str())
    .collect();
    assert_eq!(
        got,
        vec![
            "十堰市郧阳区人民医院",
            "shiyan",
            "hospital",
            "2",
            "15",
            "2",
            "0.1333",
            "583.40",
            "463.00",
            "463.00",
            "120.40",
            "0.0667",
            "2.00",
            "0.67"
        ]
    );
    // A peer group whose rates do not spread (MAD 0) has no z-score; a
    // median of 0 has no ratio.
    let bj = rows
        .iter()
        .find(|r| r["institution_id"] == "BJ-H3")
        .expect("BJ-H3");
    assert_eq!(
        (bj["ratio_to_peer_median"].as_str(), bj["robust_z"].as_str()),
        ("", "")
    );
    // The manifest lists it with the other outputs.
    assert!(wd.read("o/manifest.json").contains("\"leads.csv\""));
    // summary.json adds up the same flags: per rule, the claims carrying it
    // and their totals; overall, each flagged claim once (= the sum of
    // amount_at_stake over leads.csv).
    let summary: serde_json::Value =
        serde_json::from_str(&wd.read("o/summary.json")).expect("JSON");
    let flags = &summary["flags"];
    assert_eq!(flags["by_rule"]["EARLY_REFILL"]["claims"], 1);
    assert_eq!(flags["by_rule"]["EARLY_REFILL"]["at_stake"], "1104.00");
    assert_eq!(flags["by_rule"]["VISIT_FREQUENCY"]["at_stake"], "10.00");
    assert_eq!(flags["by_rule"]["SPLIT_VISIT"]["claims"], 4);
    let total: rust_decimal::Decimal = stakes.iter().sum();
    assert_eq!(flags["amount_at_stake"], total.to_string());
}

/// Run `explain --format json` for every person of a run's payments.csv
/// and check each claim's trace against its payments.csv row.
fn check_every_claim(wd: &Workdir, out: &str) -> usize {
    let payments = rows(&wd.read(&format!("{out}/payments.csv")));
    let mut persons: Vec<&str> = payments.iter().map(|r| r["person_id"].as_str()).collect();
    persons.sort_unstable();
    persons.dedup();
    let mut args = vec!["explain", "--run", out, "--format", "json", "--lang", "en"];
    for p in &persons {
        args.extend(["--person", p]);
    }
    let run = wd.run(&args);
    run.expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout()).expect("trace is JSON");
    assert_eq!(doc["trace_version"], 1);
    let traces: std::collections::BTreeMap<&str, &serde_json::Value> = doc["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .map(|c| (c["claim_id"].as_str().expect("claim_id"), c))
        .collect();
    assert_eq!(traces.len(), payments.len(), "one trace per claim");
    let money = |v: &serde_json::Value| -> rust_decimal::Decimal {
        v.as_str()
            .unwrap_or_else(|| panic!("money string, got {v}"))
            .parse()
            .expect("decimal")
    };
    for row in &payments {
        let id = row["claim_id"].as_str();
        let t = traces
            .get(id)
            .unwrap_or_else(|| panic!("no trace for {id}"));
        let g = &t["figures"];
        assert_eq!(t["status"], row["status"].as_str(), "{id}");
        for k in [
            "total",
            "excluded",
            "b_selfpay",
            "remote_prepay",
            "eligible",
            "deductible_applied",
            "fund_pay",
            "cap_cut",
            "account_pay",
            "cash_pay",
        ] {
            assert_eq!(g[k], row[k].as_str(), "{id} {k}");
        }
        assert_eq!(
            g["ratio"].as_str().unwrap_or(""),
            row["ratio"],
            "{id} ratio"
        );
        assert_eq!(
            t["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .map(|r| r.as_str().expect("rule"))
                .collect::<Vec<_>>()
                .join(";"),
            row["reasons"],
            "{id} reasons"
        );
        // The steps add up to the figures: lines to the eligible amount
        // (before the remote prepay), the account from its balance.
        if matches!(row["status"].as_str(), "paid" | "pool_denied") {
            let lines: rust_decimal::Decimal = t["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .map(|l| money(&l["eligible"]))
                .sum();
            assert_eq!(
                lines,
                money(&g["eligible"]) + money(&g["remote_prepay"]),
                "{id}: line steps"
            );
        }
        if let Some(a) = t["account"].as_object() {
            assert_eq!(
                money(&a["balance_before"]) - money(&a["account_pay"]),
                money(&a["balance_after"]),
                "{id}: account"
            );
        }
        if let Some(b) = t["benefit"].as_object() {
            assert_eq!(
                b["deductible_met_after"],
                row["deductible_met_after"].as_str(),
                "{id}"
            );
            assert_eq!(
                b["pool_paid_after"],
                row["pool_paid_after"].as_str(),
                "{id}"
            );
            assert_eq!(
                money(&b["raw"]) - money(&b["cap_cut"]),
                money(&g["fund_pay"]),
                "{id}: raw − cut = fund"
            );
        }
        let decided = t["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|c| c["outcome"] == "decided")
            .count();
        assert!(decided <= 1, "{id}: one deciding check at most");
    }
    payments.len()
}

#[test]
fn trace_figures_equal_payments_for_every_claim_of_the_sample_month() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "o"])
        .expect_code(0);
    assert_eq!(check_every_claim(&wd, "o"), 191);
}

#[test]
fn trace_figures_equal_payments_for_every_claim_of_a_generated_month() {
    // With a ledger from earlier months (year-to-date totals reloaded from
    // the manifest's inputs) and reversals in the month.
    let wd = Workdir::new().with_sample();
    let period = tongchou::date::Period::parse("2024-03").expect("period");
    tongchou::synth::generate(&wd.join("gen"), 20_000, 2_000, 3, period, 5).expect("generate");
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        "gen",
        "--ledger",
        "gen/ledger.csv",
        "--out",
        "g",
    ])
    .expect_code(0);
    assert!(check_every_claim(&wd, "g") > 5_000);
}

#[test]
fn explain_refuses_when_an_input_changed_naming_the_file() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "o"])
        .expect_code(0);
    wd.run(&["explain", "SC-EXAMPLE", "--run", "o"])
        .expect_code(0);
    let p = "samples/data/members.csv";
    wd.write(
        p,
        wd.read(p)
            .replace("SY0001,shiyan,retired", "SY0001,shiyan,employed"),
    );
    let r = wd.run(&["explain", "SC-EXAMPLE", "--run", "o"]);
    r.expect_code(1);
    assert!(
        r.stderr()
            .contains("samples/data/members.csv has changed since the run"),
        "{}",
        r.stderr()
    );
    // A rule file counts too.
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "o"])
        .expect_code(0);
    let p = "samples/rules/shiyan.toml";
    wd.write(p, wd.read(p) + "\n");
    let r = wd.run(&["explain", "SC-EXAMPLE", "--run", "o"]);
    r.expect_code(1);
    assert!(
        r.stderr().contains("samples/rules/shiyan.toml has changed"),
        "{}",
        r.stderr()
    );
}

#[test]
fn the_policy_example_explained_in_chinese_and_english() {
    // 十堰 第五条: retiree at level 2, eligible 800: (800 − 500) × 0.75 = 225.
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "o"])
        .expect_code(0);
    let zh = wd.run(&["explain", "SC-EXAMPLE", "--run", "o"]);
    zh.expect_code(0);
    let zh = zh.stdout();
    for want in [
        "结算 SC-EXAMPLE — 参保人 SY0001, 机构 SY-H2",
        "[通过] OUTSIDE_BENEFIT_PERIOD: 就诊日期 2024-03-04, 待遇享受期 [2015-01-01, —]",
        "可报费用 800.00; 起付标准 500.00, 本次计入 500.00 (十政办发〔2022〕61号 第五条 1.)",
        // The contract's values by their Chinese names (issue 15).
        "支付比例 0.75: 退休 × 等级 2 (医院) (十政办发〔2022〕61号 第五条 2.)",
        "参保地 shiyan, 退休",
        "就诊类型 普通门诊, 结算方式 直接结算; 结果 已支付",
        "支付对象 定点机构",
        "(800.00 − 500.00) × 0.75 = 225.00",
        "余额 600.00 → 账户支付 575.00 → 余额 25.00; 现金 0.00",
        "统筹支付 225.00 + 个人账户 575.00 + 现金 0.00 = 800.00",
    ] {
        assert!(zh.contains(want), "missing `{want}` in:\n{zh}");
    }
    let en = wd.run(&["explain", "SC-EXAMPLE", "--run", "o", "--lang", "en"]);
    en.expect_code(0);
    let en = en.stdout();
    assert!(
        en.contains("ratio 0.75: retired × level 2 (hospital)"),
        "{en}"
    );
    assert!(
        en.contains("fund 225.00 + account 575.00 + cash 0.00 = 800.00"),
        "{en}"
    );
    // Markdown: the same content under headings.
    let md = wd.run(&["explain", "SC-EXAMPLE", "--run", "o", "--format", "md"]);
    md.expect_code(0);
    assert!(md.stdout().starts_with("# 结算明细说明"), "{}", md.stdout());
    assert!(
        md.stdout().contains("\n## 结算 SC-EXAMPLE"),
        "{}",
        md.stdout()
    );
}

#[test]
fn explain_shows_the_deciding_check_line_rules_and_flags() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--no-ledger",
        "--out",
        "o",
    ])
    .expect_code(0);
    let json = |args: &[&str]| -> serde_json::Value {
        let mut a = vec!["explain", "--run", "o", "--format", "json", "--lang", "en"];
        a.extend(args);
        let r = wd.run(&a);
        r.expect_code(0);
        serde_json::from_str(&r.stdout()).expect("JSON")
    };
    // Benefits ended 2024-02-29: check 3 decides, the later ones are not
    // reached.
    let t = json(&["SC-BENEFIT-ENDED"]);
    let checks = t["claims"][0]["checks"].as_array().expect("checks").clone();
    let outcome = |rule: &str| {
        checks
            .iter()
            .find(|c| c["rule"] == rule)
            .map(|c| c["outcome"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(outcome("MEMBER_UNKNOWN").as_deref(), Some("passed"));
    assert_eq!(
        outcome("OUTSIDE_BENEFIT_PERIOD").as_deref(),
        Some("decided")
    );
    assert_eq!(outcome("EXCLUDED_CAUSE").as_deref(), Some("not_reached"));
    // SC-PHARMACY-LINES line 5: 90 days supplied, 84 paid: SUPPLY_DAYS
    // moves 6/90 of the base, B-class share nothing (D007 is class A).
    let t = json(&["SC-PHARMACY-LINES"]);
    let line5 = &t["claims"][0]["lines"][4];
    assert_eq!(line5["catalogue"]["entry"], "general");
    assert_eq!(line5["steps"][0]["rule"], "SUPPLY_DAYS");
    // 6 × 15.00 = 90.00 billed; round2(90 × 6 / 90) = 6.00 moved.
    assert_eq!(line5["steps"][0]["moved"], "6.00");
    assert_eq!(line5["steps"][0]["base_after"], "84.00");
    assert_eq!(line5["eligible"], "84.00");
    // The early refill flag points at the earlier purchase.
    let t = json(&["SC-REFILL-2"]);
    let flag = &t["claims"][0]["flags"][0];
    assert_eq!(flag["rule"], "EARLY_REFILL");
    assert!(
        flag["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("claim SC-REFILL-1 line 2"),
        "{flag}"
    );
    // Provisional parameters are marked.
    let t = json(&["SC-REMOTE-PREPAY"]);
    let b = &t["claims"][0]["benefit"];
    assert_eq!(b["deductible"]["provisional"], true);
    assert_eq!(t["claims"][0]["remote"]["prepay"], "74.20");
    // Unknown claims and a quarantine-free run: exit 2 with a message.
    let r = wd.run(&["explain", "--lang", "en", "NOPE", "--run", "o"]);
    r.expect_code(2);
    assert!(
        r.stderr().contains("no claim NOPE in this run"),
        "{}",
        r.stderr()
    );
}

#[test]
fn explain_marks_an_overridden_parameter() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--quiet",
        "--no-ledger",
        "--out",
        "w",
        "--set",
        "shiyan.ratio.retired.level2=0.80",
    ])
    .expect_code(0);
    let r = wd.run(&["explain", "SC-EXAMPLE", "--run", "w", "--lang", "en"]);
    r.expect_code(0);
    let out = r.stdout();
    assert!(
        out.contains("what-if: shiyan.ratio.retired.level2 = 0.80 (--set)"),
        "{out}"
    );
    assert!(out.contains("ratio 0.80 [overridden]"), "{out}");
    // (800 − 500) × 0.80 = 240.00, as payments.csv says.
    assert!(out.contains("(800.00 − 500.00) × 0.80 = 240.00"), "{out}");
    assert!(wd.read("w/payments.csv").contains("SC-EXAMPLE,SY0001,SY-H2,shiyan,2024-03-04,paid,800.00,0.00,0.00,0.00,800.00,500.00,0.80,240.00"));
}

#[test]
fn explain_reloads_the_prior_payments_and_the_ledger() {
    // January pays R1; February reverses it (--prior) on January's ledger.
    // Without both reloaded, the reversal and R2 would not match.
    let wd = Workdir::new().with_sample();
    let header = "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount,reverses_claim_id";
    for (dir, claims) in [
        (
            "jan",
            format!("{header}\nR1,1,SY0001,SY-H2,2024-01-10 09:00:00,general,S001,1,800.00,800.00,\n"),
        ),
        (
            "feb",
            format!(
                "{header}\nR1-REV,1,SY0001,SY-H2,2024-02-05 09:00:00,general,S001,-1,800.00,-800.00,R1\n\
                 R2,1,SY0001,SY-H2,2024-02-10 09:00:00,general,S001,1,300.00,300.00,\n"
            ),
        ),
    ] {
        for f in ["members.csv", "institutions.csv", "catalogue.csv", "stays.csv"] {
            wd.write(&format!("{dir}/{f}"), wd.read(&format!("samples/data/{f}")));
        }
        wd.write(&format!("{dir}/claims/{dir}.csv"), claims);
    }
    wd.run(&["run", "--quiet", "--data", "jan", "--out", "out/jan"])
        .expect_code(0);
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        "feb",
        "--ledger",
        "out/jan/ledger.csv",
        "--prior",
        "out/jan/payments.csv",
        "--out",
        "out/feb",
    ])
    .expect_code(0);
    assert_eq!(check_every_claim(&wd, "out/feb"), 2);
    let r = wd.run(&["explain", "R1-REV", "--run", "out/feb", "--lang", "en"]);
    r.expect_code(0);
    assert!(r.stdout().contains("status reversal"), "{}", r.stdout());
}
