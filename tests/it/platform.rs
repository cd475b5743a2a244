//! The national platform's layout (CONTRACT.md "The platform layout"):
//! settlements/ and fee_details/ joined on setl_id give the same results as
//! the same month in claims/; what the contract holds back goes to
//! rejects.csv whole, a row per input row, with its cause and code.

use crate::workdir::Workdir;

const SETL_HEADER: &str =
    "setl_id,psn_no,fixmedins_code,setl_time,med_type,insutype,medfee_sumamt\n";
const FEE_HEADER: &str =
    "setl_id,feedetl_sn,hilist_code,hilist_name,cnt,pric,det_item_fee_sumamt,prd_days,psn_no\n";

/// A copy of the sample with the platform-layout month, plus `settlements`
/// and `fee_details` rows (after their headers) as extra files.
fn platform_with(settlements: &str, fees: &str) -> Workdir {
    let wd = Workdir::new().with_sample();
    if !settlements.is_empty() {
        wd.write(
            "samples/platform/settlements/extra.csv",
            format!("{SETL_HEADER}{settlements}"),
        );
    }
    if !fees.is_empty() {
        wd.write(
            "samples/platform/fee_details/extra.csv",
            format!("{FEE_HEADER}{fees}"),
        );
    }
    wd
}

fn run_platform(wd: &Workdir) -> crate::workdir::Run {
    wd.run(&[
        "run",
        "--data",
        "samples/platform",
        "--no-ledger",
        "--quiet",
        "--period",
        "2024-03",
        "--out",
        "out/p",
    ])
}

/// rejects.csv rows: (file name, line, column, claim_id, reason).
fn rejects(wd: &Workdir) -> Vec<(String, u64, String, String, String)> {
    let mut r = csv::Reader::from_path(wd.join("out/p/rejects.csv")).expect("rejects.csv");
    r.records()
        .map(|rec| {
            let rec = rec.expect("a rejects row");
            let dir_file: Vec<&str> = rec[0].rsplit('/').take(2).collect();
            (
                format!("{}/{}", dir_file[1], dir_file[0]),
                rec[1].parse().expect("line"),
                rec[2].to_string(),
                rec[3].to_string(),
                rec[4].to_string(),
            )
        })
        .collect()
}

/// The claim is held back whole: exactly `rows` (file, line, column) in
/// rejects.csv, the culprit's reason holding `why`, the others pointing to
/// it; and it is not in payments.csv.
fn held(wd: &Workdir, claim: &str, rows: &[(&str, u64, &str)], why: &str) {
    let got: Vec<_> = rejects(wd).into_iter().filter(|r| r.3 == claim).collect();
    let mut places: Vec<(String, u64, String)> = got
        .iter()
        .map(|r| (r.0.clone(), r.1, r.2.clone()))
        .collect();
    places.sort();
    let mut want: Vec<(String, u64, String)> = rows
        .iter()
        .map(|(f, l, c)| (f.to_string(), *l, c.to_string()))
        .collect();
    want.sort();
    assert_eq!(places, want, "rejects of {claim}: {got:?}");
    for r in &got {
        assert!(r.4.contains(why), "reason of {r:?} does not say `{why}`");
    }
    assert!(
        !wd.read("out/p/payments.csv")
            .contains(&format!("\n{claim},")),
        "{claim} was paid"
    );
}

#[test]
fn platform_sample_gives_the_claims_sample_outputs() {
    let wd = Workdir::new().with_sample();
    let common = ["--no-ledger", "--quiet", "--period", "2024-03"];
    let a = [
        &["run", "--data", "samples/data", "--out", "out/c"][..],
        &common,
    ]
    .concat();
    let b = [
        &["run", "--data", "samples/platform", "--out", "out/p"][..],
        &common,
    ]
    .concat();
    wd.run(&a).expect_code(0);
    wd.run(&b).expect_code(0);
    for f in ["payments.csv", "ledger.csv", "audit.csv", "rejects.csv"] {
        assert_eq!(
            wd.read(&format!("out/c/{f}")),
            wd.read(&format!("out/p/{f}")),
            "{f} differs between the two layouts"
        );
    }
}

#[test]
fn feedetl_sn_orders_lines_and_names_them_in_audit() {
    // Lines "9", "A", "10" in that order (length, then bytes); the item of
    // line "10" is in no catalogue; pric carries 6 decimals.
    let wd = platform_with(
        "PX-1,SY0001,SY-H2,2024-03-20 09:00:00,11,310,31.00\n",
        "PX-1,10,NOPE,x,1,5.000000,5.00,,\n\
         PX-1,9,S001,诊查费,1,10.00,10.00,,\n\
         PX-1,A,S003,血常规,1,16.000000,16.00,7.00,\n",
    );
    run_platform(&wd).expect_code(0);
    let audit = wd.read("out/p/audit.csv");
    assert!(
        audit.contains("\nPX-1,10,SY0001,SY-H2,NOT_IN_CATALOGUE,"),
        "{audit}"
    );
    assert!(wd
        .read("out/p/payments.csv")
        .contains("\nPX-1,SY0001,SY-H2,shiyan,2024-03-20,"));
}

#[test]
fn a_local_med_type_code_comes_from_the_rule_file() {
    // 140104 is Shiyan's local code for 门诊慢病 (chronic): routed.
    let wd = platform_with(
        "PX-2,SY0001,SY-H2,2024-03-20 09:00:00,140104,310,10.00\n",
        "PX-2,1,S001,诊查费,1,10.00,10.00,,\n",
    );
    run_platform(&wd).expect_code(0);
    let pay = wd.read("out/p/payments.csv");
    let row = pay
        .lines()
        .find(|l| l.starts_with("PX-2,"))
        .expect("PX-2 paid");
    assert!(row.contains(",routed,"), "{row}");
    let shown = wd.run(&["rules", "show", "shiyan"]);
    assert!(shown.stdout().contains("140104"), "{}", shown.stdout());
}

#[test]
fn another_insurance_type_is_held_back() {
    let wd = platform_with(
        "PX-3,SY0001,SY-H2,2024-03-20 09:00:00,11,390,10.00\n",
        "PX-3,1,S001,诊查费,1,10.00,10.00,,\n",
    );
    run_platform(&wd).expect_code(3);
    held(
        &wd,
        "PX-3",
        &[
            ("settlements/extra.csv", 2, "insutype"),
            ("fee_details/extra.csv", 2, ""),
        ],
        "insutype 390",
    );
}

#[test]
fn an_inpatient_med_type_is_held_back() {
    let wd = platform_with(
        "PX-4,SY0001,SY-H2,2024-03-20 09:00:00,21,310,10.00\n",
        "PX-4,1,S001,诊查费,1,10.00,10.00,,\n",
    );
    run_platform(&wd).expect_code(3);
    held(
        &wd,
        "PX-4",
        &[
            ("settlements/extra.csv", 2, "med_type"),
            ("fee_details/extra.csv", 2, ""),
        ],
        "med_type 21 is a national inpatient code",
    );
}

#[test]
fn an_unknown_med_type_is_held_back() {
    let wd = platform_with(
        "PX-5,SY0001,SY-H2,2024-03-20 09:00:00,77,310,10.00\n",
        "PX-5,1,S001,诊查费,1,10.00,10.00,,\n",
    );
    run_platform(&wd).expect_code(3);
    held(
        &wd,
        "PX-5",
        &[
            ("settlements/extra.csv", 2, "med_type"),
            ("fee_details/extra.csv", 2, ""),
        ],
        "med_type 77 is in neither the national code table nor the local codes of shiyan",
    );
}

#[test]
fn lines_that_do_not_add_up_are_held_back() {
    let wd = platform_with(
        "PX-6,SY0001,SY-H2,2024-03-20 09:00:00,11,310,30.00\n",
        "PX-6,1,S001,诊查费,1,10.00,10.00,,\nPX-6,2,S003,血常规,1,16.00,16.00,,\n",
    );
    run_platform(&wd).expect_code(3);
    held(
        &wd,
        "PX-6",
        &[
            ("settlements/extra.csv", 2, "medfee_sumamt"),
            ("fee_details/extra.csv", 2, ""),
            ("fee_details/extra.csv", 3, ""),
        ],
        "add up to 26.00, not its medfee_sumamt 30.00",
    );
}

#[test]
fn a_settlement_without_lines_is_held_back() {
    let wd = platform_with("PX-7,SY0001,SY-H2,2024-03-20 09:00:00,11,310,10.00\n", "");
    run_platform(&wd).expect_code(3);
    held(
        &wd,
        "PX-7",
        &[("settlements/extra.csv", 2, "setl_id")],
        "settlement `PX-7` has no fee lines",
    );
}

#[test]
fn a_fee_line_without_a_settlement_is_held_back_alone() {
    let wd = platform_with("", "PX-8,1,S001,诊查费,1,10.00,10.00,,\n");
    run_platform(&wd).expect_code(3);
    held(
        &wd,
        "PX-8",
        &[("fee_details/extra.csv", 2, "setl_id")],
        "a fee line without a settlement",
    );
}

#[test]
fn a_fee_row_contradicting_its_settlement_is_held_back() {
    let wd = platform_with(
        "PX-9,SY0001,SY-H2,2024-03-20 09:00:00,11,310,20.00\n",
        "PX-9,1,S001,诊查费,1,10.00,10.00,,SY0001\nPX-9,2,S001,诊查费,1,10.00,10.00,,SY0002\n",
    );
    run_platform(&wd).expect_code(3);
    held(
        &wd,
        "PX-9",
        &[
            ("settlements/extra.csv", 2, ""),
            ("fee_details/extra.csv", 2, ""),
            ("fee_details/extra.csv", 3, "psn_no"),
        ],
        "psn_no `SY0002` of this fee line contradicts its settlement's `SY0001`",
    );
}

#[test]
fn a_fractional_prd_days_is_held_back() {
    let wd = platform_with(
        "PX-10,SY0001,SY-H2,2024-03-20 09:00:00,11,310,10.00\n",
        "PX-10,1,D001,阿莫西林胶囊,1,10.00,10.00,7.50,\n",
    );
    run_platform(&wd).expect_code(3);
    held(
        &wd,
        "PX-10",
        &[
            ("settlements/extra.csv", 2, ""),
            ("fee_details/extra.csv", 2, "prd_days"),
        ],
        "prd_days 7.50 has a fraction",
    );
}

#[test]
fn a_line_the_claims_reader_refuses_takes_its_settlement_along() {
    // A quantity that is no number: refused by the claim-line checks; the
    // settlement row is held back beside it, under the platform's names.
    let wd = platform_with(
        "PX-11,SY0001,SY-H2,2024-03-20 09:00:00,11,310,10.00\n",
        "PX-11,1,S001,诊查费,one,10.00,10.00,,\n",
    );
    run_platform(&wd).expect_code(3);
    held(
        &wd,
        "PX-11",
        &[
            ("fee_details/extra.csv", 2, "cnt"),
            ("settlements/extra.csv", 2, ""),
        ],
        "`one` is not a number",
    );
    let raw = wd.read("out/p/rejects.csv");
    assert!(
        raw.contains("PX-11,1,S001,诊查费,one,10.00,10.00,,"),
        "{raw}"
    );
}
