//! The real binary: exit codes, quarantine, located errors, encodings, and
//! nothing final-named left by a failed run.

use crate::workdir::Workdir;

const HEADER: &str = "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount,prescription_id,prescriber_id";

#[test]
fn broken_line_quarantines_its_whole_claim_and_the_rest_is_settled() {
    let wd = Workdir::new().with_sample();
    wd.write(
        "samples/data/claims/zz_broken.csv",
        format!(
            "{HEADER}\n\
             Q1,1,SY0001,SY-H2,2024-03-29 09:00:00,general,A1,1,10.00,10.00,,\n\
             Q1,2,SY0001,SY-H2,2024-03-29 09:00:00,general,S001,1,10.00,1O.00,,\n\
             Q2,1,SY0001,SY-H2,2024-03-29 10:00:00,general,S001,1,10.00,10.00,,\n\
             Q2,2,SY0001,SY-H3,2024-03-29 10:00:00,general,S001,1,10.00,10.00,,\n\
             Q3,1,SY0001,SY-H2,2024-03-30 09:00:00,general,S001,1,10.00,10.00,,\n"
        ),
    );
    // The closing line matched in English.
    let run = wd.run(&["run", "--no-ledger", "--quiet", "--lang", "en"]);
    run.expect_code(3);
    assert!(
        run.stderr().contains("4 claim lines quarantined"),
        "{}",
        run.stderr()
    );
    let rejects = wd.read("out/2024-03/rejects.csv");
    let rows: Vec<&str> = rejects.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{rejects}");
    assert!(
        rows[0].contains("zz_broken.csv,2,,Q1,held back with claim `Q1`:"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("zz_broken.csv,3,amount,Q1,`1O.00` is not an amount in yuan"),
        "{}",
        rows[1]
    );
    assert!(
        rows[3].contains(
            "zz_broken.csv,5,institution_id,Q2,the lines of claim `Q2` disagree on institution_id"
        ),
        "{}",
        rows[3]
    );
    let payments = wd.read("out/2024-03/payments.csv");
    assert!(
        payments.contains("\nQ3,SY0001,"),
        "the good claim is settled"
    );
    assert!(
        !payments.contains("\nQ1,") && !payments.contains("\nQ2,"),
        "a claim is never paid in part"
    );
}

#[test]
fn bad_rule_file_exits_2_naming_file_line_and_key() {
    let wd = Workdir::new().with_sample();
    let p = "samples/rules/wuhan.toml";
    wd.write(
        p,
        wd.read(p)
            .replace("level1 = { value = 0.85", "level1 = { value = 8.5"),
    );
    let run = wd.run(&["run", "--no-ledger", "--quiet"]);
    run.expect_code(2);
    let line = wd
        .read(p)
        .lines()
        .position(|l| l.contains("value = 8.5"))
        .expect("edited line")
        + 1;
    assert!(
        run.stderr().contains(&format!(
            "samples/rules/wuhan.toml:{line}: ratio.retired.level1: ratio 8.5 is outside [0, 1]"
        )),
        "{}",
        run.stderr()
    );
    assert!(
        !wd.join("out/2024-03/payments.csv").exists(),
        "nothing written on a rule error"
    );
}

#[test]
fn broken_reference_file_is_fatal_with_its_location() {
    let wd = Workdir::new().with_sample();
    let p = "samples/data/members.csv";
    wd.write(p, wd.read(p).replacen("2015-01-01", "2015-13-01", 1));
    let run = wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet"]);
    run.expect_code(1);
    assert!(run.stderr().contains("samples/data/members.csv:2: column `benefit_from`: `2015-13-01` is not a date YYYY-MM-DD"), "{}", run.stderr());
    assert!(
        !wd.join("out").exists(),
        "no output directory for a run that never started"
    );
}

#[test]
fn usage_errors_exit_2() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--period", "March"])
        .expect_code(2);
    wd.run(&["run", "--no-ledger", "--threads", "0"])
        .expect_code(2);
    wd.run(&["frobnicate"]).expect_code(2);
}

#[test]
fn a_later_claim_than_the_period_is_quarantined() {
    let wd = Workdir::new().with_sample();
    let run = wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--period",
        "2024-02",
    ]);
    run.expect_code(3);
    let rejects = wd.read("out/2024-02/rejects.csv");
    assert!(
        rejects.contains("is after the period's end 2024-02-29"),
        "{rejects}"
    );
    let payments = wd.read("out/2024-02/payments.csv");
    assert!(
        payments.contains("\nSC-MANUAL-OK,"),
        "the February claim is settled: {payments}"
    );
}

#[test]
fn gb18030_claims_with_chinese_headers_settle_like_their_utf8_twin() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "utf8"])
        .expect_code(0);
    let p = "samples/data/claims/ezhou_2024-03.csv";
    let text = wd.read(p);
    let text = text.trim_start_matches('\u{feff}');
    let (bytes, _, bad) = encoding_rs::GB18030.encode(text);
    assert!(!bad);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the file really is GB18030, not UTF-8"
    );
    wd.write(p, bytes);
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "gbk"])
        .expect_code(0);
    wd.assert_same_outputs("utf8", "gbk");
    let m = wd.read("gbk/manifest.json");
    assert!(m.contains("\"encoding\": \"gb18030\""), "{m}");
}

#[test]
fn unknown_columns_are_warned_about_once_per_file() {
    let wd = Workdir::new().with_sample();
    let p = "samples/data/institutions.csv";
    let text = wd.read(p);
    let mut lines: Vec<String> = text.lines().map(|l| format!("{l},x")).collect();
    lines[0] = lines[0].replace(",x", ",contact_phone");
    wd.write(p, lines.join("\n") + "\n");
    let run = wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet"]);
    run.expect_code(0);
    assert_eq!(
        run.stderr()
            .matches("unknown columns ignored: contact_phone")
            .count(),
        1,
        "{}",
        run.stderr()
    );
}

#[test]
fn re_running_gives_byte_identical_outputs() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "a"])
        .expect_code(0);
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "b",
        "--threads",
        "1",
    ])
    .expect_code(0);
    wd.assert_same_outputs("a", "b");
    let leftovers: Vec<_> = std::fs::read_dir(wd.join("a"))
        .expect("out")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "staging directory removed: {leftovers:?}"
    );
}

#[test]
fn printed_summary_names_every_city() {
    let wd = Workdir::new().with_sample();
    let run = wd.run(&["run", "--no-ledger", "--lang", "en"]);
    run.expect_code(0);
    let out = run.stdout();
    for w in [
        "city",
        "claims",
        "fund",
        "ezhou",
        "shiyan",
        "wuhan",
        "total",
        "191 claims settled",
    ] {
        assert!(out.contains(w), "{w} in:\n{out}");
    }
    assert!(
        run.stderr()
            .contains("warning: wuhan: provisional parameters used"),
        "{}",
        run.stderr()
    );
}

#[test]
fn absurd_values_are_settled_or_quarantined_never_a_panic() {
    let wd = Workdir::new().with_sample();
    let long = "X".repeat(200_000);
    wd.write(
        "samples/data/claims/zz_absurd.csv",
        format!(
            "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount,supply_days\n\
             A1,1,SY0001,SY-H2,2024-03-29 09:00:00,general,D006,999999999999.999999999999,999999999999.99,999999999999.99,4294967295\n\
             A2,1,SY0001,SY-H2,2024-03-29 09:00:00,general,D002,0.000000000000000000001,999999999999.99,0.01,\n\
             A3,4294967295,SY0001,SY-H2,2024-03-29 09:00:00,general,S001,1,10.00,10.00,0\n\
             A4,1,SY0001,SY-H2,2024-03-29 09:00:00,general,{long},1,10.00,10.00,\n\
             A5,1,SY0001,SY-H2,2024-03-29 09:00:00,general,S001,1e400,10.00,10.00,\n\
             A6,1,SY0001,SY-H2,2024-03-29 09:00:00,general,S001,1,10.00,99999999999999999999.00,\n\
             \"A7,1,SY0001,SY-H2,2024-03-29 09:00:00,general,S001,1,10.00,10.00,\n"
        ),
    );
    let run = wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet"]);
    run.expect_code(3);
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
    let payments = wd.read("out/2024-03/payments.csv");
    for id in ["A1", "A2", "A3"] {
        assert!(
            payments.contains(&format!("\n{id},SY0001,")),
            "{id} settled"
        );
    }
    let rejects = wd.read("out/2024-03/rejects.csv");
    assert!(
        rejects.contains(",quantity,A5,`1e400` is not a number"),
        "{rejects}"
    );
    assert!(
        rejects.contains(",amount,A6,") && rejects.contains("out of range"),
        "{rejects}"
    );
    assert!(
        rejects.contains("zz_absurd.csv,5,item_code,A4,\"a cell of 200000 bytes in column item_code, more than 4096"),
        "{rejects}"
    );
    assert!(
        rejects.contains("… (200"),
        "the raw line is clipped in rejects.csv: {rejects}"
    );
    assert_eq!(
        rejects.lines().count(),
        5,
        "A4, A5, A6 and the stray quote: {rejects}"
    );
}
