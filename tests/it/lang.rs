//! Issue 15: what a person reads follows `--lang`, Chinese by default —
//! rejects.csv's reasons, the terminal's errors and warnings, compare's
//! printout and compare.html — while `--lang en` keeps the English words.

use crate::workdir::Workdir;

const HEADER: &str = "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,item_name,quantity,unit_price,amount,prescription_id,prescriber_id,supply_days,settlement_mode,submitted_date,exclusion,reverses_claim_id";

/// The sample with one more claim file: a claim of two lines whose second
/// has an amount that is no amount.
fn sample_with_a_broken_claim() -> Workdir {
    let wd = Workdir::new().with_sample();
    wd.write(
        "samples/data/claims/broken.csv",
        format!(
            "{HEADER}\n\
             BAD1,1,SY0001,SY-H2,2024-03-05 09:00:00,general,S001,,1,10.00,10.00,,,,,,,\n\
             BAD1,2,SY0001,SY-H2,2024-03-05 09:00:00,general,S001,,1,10.00,ten,,,,,,,\n"
        ),
    );
    wd
}

/// The reason cells of an output's rejects.csv, in file order.
fn reasons(wd: &Workdir, out: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(wd.join(&format!("{out}/rejects.csv"))).expect("rejects");
    r.records()
        .map(|rec| rec.expect("a rejects row")[4].to_string())
        .collect()
}

#[test]
fn rejects_csv_gives_its_reasons_in_chinese_by_default_and_in_english_with_lang_en() {
    let wd = sample_with_a_broken_claim();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "zh"])
        .expect_code(3);
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "en",
        "--lang",
        "en",
    ])
    .expect_code(3);
    let file = "samples/data/claims/broken.csv";
    assert_eq!(
        reasons(&wd, "zh"),
        [
            format!("随结算单 `BAD1` 一并暂扣: {file}:3 `ten` 不是以元计的金额: 不是十进制数"),
            "`ten` 不是以元计的金额: 不是十进制数".to_string(),
        ]
    );
    assert_eq!(
        reasons(&wd, "en"),
        [
            format!(
                "held back with claim `BAD1`: {file}:3 `ten` is not an amount in yuan: not a decimal number"
            ),
            "`ten` is not an amount in yuan: not a decimal number".to_string(),
        ]
    );
    // Only the words differ: the same rows, columns and raw lines.
    let rows = |out: &str| {
        let mut r =
            csv::Reader::from_path(wd.join(&format!("{out}/rejects.csv"))).expect("rejects");
        r.records()
            .map(|rec| {
                let rec = rec.expect("a row");
                [&rec[0], &rec[1], &rec[2], &rec[3], &rec[5]].map(str::to_string)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(rows("zh"), rows("en"));
    assert_eq!(wd.read("zh/payments.csv"), wd.read("en/payments.csv"));
}

#[test]
fn a_spilled_month_words_its_rejects_as_one_held_in_memory() {
    let wd = sample_with_a_broken_claim();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "whole"])
        .expect_code(3);
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "spilled",
        "--memory-limit",
        "1K",
    ])
    .expect_code(3);
    assert_eq!(wd.read("whole/rejects.csv"), wd.read("spilled/rejects.csv"));
    assert!(wd.read("spilled/rejects.csv").contains("不是以元计的金额"));
}

#[test]
fn an_input_error_is_printed_in_chinese_with_its_file_line_and_column() {
    let wd = Workdir::new().with_sample();
    let p = "samples/data/members.csv";
    wd.write(p, wd.read(p).replacen("2015-01-01", "2015-13-01", 1));
    let zh = wd.run(&["run", "--no-ledger", "--quiet"]);
    zh.expect_code(1);
    assert!(
        zh.stderr().contains(
            "错误: samples/data/members.csv:2: 列 `benefit_from`: `2015-13-01` 不是日期 YYYY-MM-DD"
        ),
        "{}",
        zh.stderr()
    );
    let en = wd.run(&["run", "--no-ledger", "--quiet", "--lang", "en"]);
    en.expect_code(1);
    assert!(
        en.stderr().contains(
            "error: samples/data/members.csv:2: column `benefit_from`: `2015-13-01` is not a date YYYY-MM-DD"
        ),
        "{}",
        en.stderr()
    );
    // The manifest keeps English: nothing is written on a fatal error.
    assert!(!wd.join("out").exists());
}

#[test]
fn an_unknown_column_is_warned_about_in_chinese_and_recorded_in_english() {
    let wd = Workdir::new().with_sample();
    let p = "samples/data/institutions.csv";
    let text = wd.read(p);
    let mut lines: Vec<String> = text.lines().map(|l| format!("{l},x")).collect();
    lines[0] = lines[0].replace(",x", ",contact_phone");
    wd.write(p, lines.join("\n") + "\n");
    let run = wd.run(&["run", "--no-ledger", "--quiet", "--out", "o"]);
    run.expect_code(0);
    assert!(
        run.stderr()
            .contains("institutions.csv: 忽略了无法识别的列: contact_phone"),
        "{}",
        run.stderr()
    );
    assert!(wd
        .read("o/manifest.json")
        .contains("institutions.csv: unknown columns ignored: contact_phone"));
}

#[test]
fn compare_prints_and_draws_in_chinese_by_default_and_in_english_with_lang_en() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "base"])
        .expect_code(0);
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "whatif",
        "--set",
        "shiyan.deductible.employed=800",
    ])
    .expect_code(0);
    let zh = wd.run(&["compare", "base", "whatif", "--out", "zh.csv"]);
    zh.expect_code(0);
    let out = zh.stdout();
    for want in ["笔结算单中", "统筹基金支付 fund_pay:", "按参保地:", "在职"] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
    let page = wd.read("zh.html");
    for want in [
        "<html lang=\"zh-CN\">",
        "<title>tongchou 结算对比</title>",
        "统筹基金支付变化, 按参保地",
        "统筹基金支付变化, 按人员类别",
        "按十分位",
        "<th>十分位</th>",
    ] {
        assert!(page.contains(want), "missing `{want}` in compare.html");
    }
    assert!(!page.contains("Fund change"));

    let en = wd.run(&[
        "compare", "base", "whatif", "--out", "en.csv", "--lang", "en",
    ]);
    en.expect_code(0);
    assert!(en.stdout().contains("claims differ"), "{}", en.stdout());
    let page = wd.read("en.html");
    assert!(page.contains("<html lang=\"en\">") && page.contains("Fund change by insuring city"));
    // The CSV is the same in both languages.
    assert_eq!(wd.read("zh.csv"), wd.read("en.csv"));

    let bad = wd.run(&[
        "compare", "base", "whatif", "--out", "x.csv", "--lang", "fr",
    ]);
    bad.expect_code(2);
}

#[test]
fn explain_of_a_quarantined_claim_says_why_in_chinese() {
    let wd = sample_with_a_broken_claim();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "o"])
        .expect_code(3);
    let r = wd.run(&["explain", "BAD1", "--run", "o"]);
    r.expect_code(2);
    assert!(
        r.stderr()
            .contains("结算单 BAD1 已暂扣, 未结算 (见 rejects.csv)")
            && r.stderr().contains("不是以元计的金额"),
        "{}",
        r.stderr()
    );
}
