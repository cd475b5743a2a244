//! The chain is checked, not assumed: a ledger that does not close the
//! month before the run, a run after January without a ledger, a period
//! that holds none of the claims, empty reference files, unknown insuring
//! cities, cities without rules in force, inverted date ranges and files in
//! `claims/` that are not read. Each case runs the real binary on the
//! sample (a March month).

use crate::workdir::Workdir;

fn manifest(wd: &Workdir, out: &str) -> serde_json::Value {
    serde_json::from_str(&wd.read(&format!("{out}/manifest.json"))).expect("manifest.json")
}

/// A one-row ledger of a sample member that closes `period`.
fn ledger(wd: &Workdir, name: &str, period: &str) {
    let year = &period[..4];
    wd.write(
        name,
        format!(
            "person_id,year,deductible_met,pool_paid,claims,period\nSY0002,{year},0.00,0.00,1,{period}\n"
        ),
    );
}

fn assert_err(run: &crate::workdir::Run, needle: &str) {
    assert!(
        run.stderr().contains(needle),
        "expected `{needle}` in stderr:\n{}",
        run.stderr()
    );
}

#[test]
fn march_on_januarys_ledger_is_refused_unless_the_gap_is_allowed() {
    let wd = Workdir::new().with_sample();
    ledger(&wd, "jan.csv", "2024-01");
    let run = wd.run(&["run", "--quiet", "--ledger", "jan.csv", "--out", "o"]);
    run.expect_code(2);
    assert_err(
        &run,
        "jan.csv closes 2024-01, but this run starts 2024-03: the totals of 2024-02 are missing",
    );
    assert!(!wd.join("o").exists(), "nothing written");

    let args = [
        "run",
        "--quiet",
        "--ledger",
        "jan.csv",
        "--allow-ledger-gap",
    ];
    wd.run(&[&args[..], &["--out", "gap"]].concat())
        .expect_code(0);
    assert_eq!(
        manifest(&wd, "gap")["ledger_chain"],
        "gap allowed: ledger closes 2024-01, run starts 2024-03"
    );

    // February's ledger continues the chain.
    ledger(&wd, "feb.csv", "2024-02");
    wd.run(&["run", "--quiet", "--ledger", "feb.csv", "--out", "cont"])
        .expect_code(0);
    assert_eq!(manifest(&wd, "cont")["ledger_chain"], "continuous");
}

#[test]
fn march_with_no_ledger_is_refused_unless_told_it_is_the_first_month() {
    let wd = Workdir::new().with_sample();
    let run = wd.run(&["run", "--quiet", "--out", "o"]);
    run.expect_code(2);
    assert_err(&run, "this run settles 2024-03 but no --ledger was given");
    assert_err(&run, "--no-ledger");
    assert!(!wd.join("o").exists(), "nothing written");

    wd.run(&["run", "--quiet", "--no-ledger", "--out", "first"])
        .expect_code(0);
    assert_eq!(
        manifest(&wd, "first")["ledger_chain"],
        "no ledger (--no-ledger)"
    );
    wd.run(&["run", "--quiet", "--allow-ledger-gap", "--out", "gap"])
        .expect_code(0);
    assert_eq!(
        manifest(&wd, "gap")["ledger_chain"],
        "gap allowed: no ledger, run starts 2024-03"
    );

    // --no-ledger and --ledger contradict each other.
    ledger(&wd, "feb.csv", "2024-02");
    let run = wd.run(&[
        "run",
        "--quiet",
        "--no-ledger",
        "--ledger",
        "feb.csv",
        "--out",
        "both",
    ]);
    run.expect_code(2);
    assert_err(&run, "--no-ledger");
}

#[test]
fn a_january_run_needs_no_ledger_and_decembers_ledger_continues_it() {
    let wd = Workdir::new().with_sample();
    for f in [
        "members.csv",
        "institutions.csv",
        "catalogue.csv",
        "stays.csv",
    ] {
        wd.write(&format!("jan/{f}"), wd.read(&format!("samples/data/{f}")));
    }
    wd.write(
        "jan/claims/jan.csv",
        "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount\n\
         J1,1,SY0001,SY-H2,2024-01-05 09:00:00,general,S001,1,800.00,800.00\n",
    );
    wd.run(&["run", "--quiet", "--data", "jan", "--out", "o"])
        .expect_code(0);
    assert_eq!(
        manifest(&wd, "o")["ledger_chain"],
        "no ledger (the run starts in January)"
    );
    // The previous year's December ledger is the month just before.
    ledger(&wd, "dec.csv", "2023-12");
    let args = ["run", "--quiet", "--data", "jan", "--ledger", "dec.csv"];
    wd.run(&[&args[..], &["--out", "d"]].concat())
        .expect_code(0);
    assert_eq!(manifest(&wd, "d")["ledger_chain"], "continuous");
    // November's is not.
    ledger(&wd, "nov.csv", "2023-11");
    let args = ["run", "--quiet", "--data", "jan", "--ledger", "nov.csv"];
    let run = wd.run(&[&args[..], &["--out", "n"]].concat());
    run.expect_code(2);
    assert_err(&run, "the totals of 2023-12 are missing");
}

#[test]
fn a_january_run_with_a_late_december_claim_needs_decembers_ledger() {
    // A December claim handed in late settles against December's totals
    // (CONTRACT.md §ledger.csv keeps last year's row): with no ledger they
    // would start from zero and a member past the cap would be paid again.
    let wd = Workdir::new().with_sample();
    for f in [
        "members.csv",
        "institutions.csv",
        "catalogue.csv",
        "stays.csv",
    ] {
        wd.write(&format!("jan/{f}"), wd.read(&format!("samples/data/{f}")));
    }
    wd.write(
        "jan/claims/jan.csv",
        "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount,settlement_mode,submitted_date\n\
         J1,1,SY0001,SY-H2,2024-01-05 09:00:00,general,S001,1,800.00,800.00,,\n\
         D1,1,SY0002,SY-H2,2023-12-20 09:00:00,general,S001,1,800.00,800.00,manual,2024-01-10\n",
    );
    let args = ["run", "--quiet", "--data", "jan", "--period", "2024-01"];
    let run = wd.run(&[&args[..], &["--out", "o"]].concat());
    run.expect_code(2);
    assert_err(&run, "this run holds 1 claim(s) served before 2024");
    assert!(!wd.join("o").exists());
    // December's ledger continues the chain and covers the late claim.
    ledger(&wd, "dec.csv", "2023-12");
    wd.run(&[&args[..], &["--ledger", "dec.csv", "--out", "d"]].concat())
        .expect_code(0);
    // The first month ever settled says so.
    wd.run(&[&args[..], &["--no-ledger", "--out", "n"]].concat())
        .expect_code(0);
}

#[test]
fn a_ledger_that_does_not_say_what_it_closes_needs_the_gap_allowed() {
    // Older ledgers were written without the `period` column.
    let wd = Workdir::new().with_sample();
    wd.write(
        "old.csv",
        "person_id,year,deductible_met,pool_paid,claims\nSY0002,2024,0.00,0.00,1\n",
    );
    let run = wd.run(&["run", "--quiet", "--ledger", "old.csv", "--out", "o"]);
    run.expect_code(2);
    assert_err(&run, "old.csv does not say which month it closes");
    let args = [
        "run",
        "--quiet",
        "--ledger",
        "old.csv",
        "--allow-ledger-gap",
    ];
    wd.run(&[&args[..], &["--out", "g"]].concat())
        .expect_code(0);
    assert_eq!(
        manifest(&wd, "g")["ledger_chain"],
        "gap allowed: ledger closes an unknown period, run starts 2024-03"
    );
}

#[test]
fn a_period_holding_none_of_the_claims_warns() {
    let wd = Workdir::new().with_sample();
    let run = wd.run(&[
        "run",
        "--quiet",
        "--no-ledger",
        "--period",
        "2024-05",
        "--out",
        "may",
        // The warning matched in English (the manifest's words).
        "--lang",
        "en",
    ]);
    run.expect_code(0);
    let warning = "period 2024-05 holds none of the claims' service dates";
    assert_eq!(
        run.stderr().matches(warning).count(),
        1,
        "one warning:\n{}",
        run.stderr()
    );
    assert_err(&run, "every claim is settled as a late claim");
    let m = manifest(&wd, "may");
    let warnings = m["warnings"].as_array().expect("warnings");
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains(warning))),
        "{warnings:?}"
    );
    // The right period says nothing of the kind.
    let run = wd.run(&["run", "--quiet", "--no-ledger", "--out", "mar"]);
    run.expect_code(0);
    assert!(!run.stderr().contains("holds none"), "{}", run.stderr());
}

#[test]
fn a_reference_file_with_only_a_header_is_fatal_but_stays_may_be_empty() {
    for file in ["members.csv", "institutions.csv", "catalogue.csv"] {
        let wd = Workdir::new().with_sample();
        let path = format!("samples/data/{file}");
        let header = wd.read(&path).lines().next().expect("header").to_string();
        wd.write(&path, format!("{header}\n"));
        let run = wd.run(&["run", "--quiet", "--no-ledger", "--out", "o"]);
        run.expect_code(1);
        assert_err(&run, &format!("{file}: no data rows"));
        assert!(!wd.join("o").exists(), "nothing written");
    }
    let wd = Workdir::new().with_sample();
    wd.write(
        "samples/data/stays.csv",
        "person_id,institution_id,admit_date,discharge_date\n",
    );
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "o"])
        .expect_code(0);
}

#[test]
fn a_member_of_a_city_without_a_rule_file_is_fatal() {
    let wd = Workdir::new().with_sample();
    let members = wd.read("samples/data/members.csv");
    let line = members
        .lines()
        .position(|l| l.starts_with("SY0002,"))
        .expect("SY0002")
        + 1;
    wd.write(
        "samples/data/members.csv",
        members.replace("SY0002,shiyan,", "SY0002,shiyna,"),
    );
    let run = wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--no-ledger",
        "--out",
        "o",
    ]);
    run.expect_code(1);
    assert_err(&run, &format!("members.csv:{line}: column `city`"));
    assert_err(
        &run,
        "`shiyna` has no rule file (known cities: ezhou, shiyan, wuhan)",
    );
}

#[test]
fn a_city_with_no_rule_version_in_force_is_warned_about_with_its_count() {
    let wd = Workdir::new().with_sample();
    let rules = wd.read("samples/rules/ezhou.toml");
    let moved = rules.replace(
        "in_force_from = { value = 2023-01-01,",
        "in_force_from = { value = 2030-01-01,",
    );
    assert_ne!(rules, moved, "the sample's ezhou version was moved");
    wd.write("samples/rules/ezhou.toml", moved);
    // The warning matched in English (the manifest's words).
    let run = wd.run(&[
        "run",
        "--quiet",
        "--no-ledger",
        "--out",
        "o",
        "--lang",
        "en",
    ]);
    run.expect_code(0);
    let payments = wd.read("o/payments.csv");
    let denied = payments
        .lines()
        .filter(|l| l.contains(",ezhou,") && l.contains("NO_RULES_IN_FORCE"))
        .count();
    assert!(denied > 0, "ezhou's claims are denied");
    let warning = format!(
        "ezhou: {denied} claims denied NO_RULES_IN_FORCE: no rule version is in force on their service date \
         (its first rule version is in force from 2030-01-01)"
    );
    assert_err(&run, &warning);
    assert!(manifest(&wd, "o")["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .any(|w| w.as_str() == Some(warning.as_str())));
}

#[test]
fn inverted_date_ranges_are_fatal_with_file_line_and_column() {
    let cases = [
        (
            "members.csv",
            "SY0001,shiyan,retired,with_account,600.00,2015-01-01,,,,,",
            "SY0001,shiyan,retired,with_account,600.00,2015-01-01,2014-12-31,,,,",
            "column `benefit_to`: benefit_to 2014-12-31 is before benefit_from 2015-01-01",
        ),
        (
            "members.csv",
            "WH0003,wuhan,employed,with_account,300.00,2015-01-01,,temporary,beijing,2024-03-01,2024-08-31",
            "WH0003,wuhan,employed,with_account,300.00,2015-01-01,,temporary,beijing,2024-09-01,2024-08-31",
            "column `remote_to`: remote_to 2024-08-31 is before remote_from 2024-09-01",
        ),
        (
            "institutions.csv",
            "SY-H3,十堰市人民医院,shiyan,hospital,3,true,false,2023-01-01,",
            "SY-H3,十堰市人民医院,shiyan,hospital,3,true,false,2023-01-01,2022-06-30",
            "column `valid_to`: valid_to 2022-06-30 is before valid_from 2023-01-01",
        ),
        (
            "stays.csv",
            "SY0005,SY-H3,2024-03-10,2024-03-15",
            "SY0005,SY-H3,2024-03-10,2024-03-09",
            "column `discharge_date`: discharge is before admission",
        ),
    ];
    for (file, row, inverted, message) in cases {
        let wd = Workdir::new().with_sample();
        let path = format!("samples/data/{file}");
        let text = wd.read(&path);
        let line = text
            .lines()
            .position(|l| l == row)
            .unwrap_or_else(|| panic!("{row} in {file}"))
            + 1;
        wd.write(&path, text.replace(row, inverted));
        let run = wd.run(&[
            "run",
            "--lang",
            "en",
            "--quiet",
            "--no-ledger",
            "--out",
            "o",
        ]);
        run.expect_code(1);
        assert_err(&run, &format!("{file}:{line}: {message}"));
        assert!(!wd.join("o").exists(), "nothing written");
    }
}

#[test]
fn files_in_claims_that_are_not_read_are_named() {
    let wd = Workdir::new().with_sample();
    wd.write("samples/data/claims/hospital-export.xlsx", b"PK\x03\x04");
    let moved = wd.read("samples/data/claims/ezhou_2024-03.csv");
    wd.write("samples/data/claims/resent/ezhou_2024-03.csv", moved);
    let run = wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--no-ledger",
        "--out",
        "o",
    ]);
    run.expect_code(0);
    let xlsx = "samples/data/claims/hospital-export.xlsx";
    let folder = "samples/data/claims/resent/";
    assert_err(&run, "not read from the claims directory");
    assert_err(&run, &format!("{xlsx}, {folder}"));
    let m = manifest(&wd, "o");
    assert_eq!(
        m["skipped_in_claims_dir"],
        serde_json::json!([xlsx, folder])
    );
    // The sub-folder's file was not read: four claim files, as before.
    let claims = m["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter(|i| i["role"] == "claims")
        .count();
    assert_eq!(claims, 4);
    // A clean directory records an empty list.
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--no-ledger",
        "--out",
        "clean",
        "--data",
        "samples/data",
        "--claims",
        "samples/data/claims/ezhou_2024-03.csv",
    ])
    .expect_code(0);
    assert_eq!(
        manifest(&wd, "clean")["skipped_in_claims_dir"],
        serde_json::json!([])
    );
}
