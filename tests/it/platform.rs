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
        "--lang",
        "en",
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
    for f in ["payments.csv", "ledger.csv", "rejects.csv"] {
        assert_eq!(
            wd.read(&format!("out/c/{f}")),
            wd.read(&format!("out/p/{f}")),
            "{f} differs between the two layouts"
        );
    }
    // The same findings, and the clearing's on the three claims whose
    // settlements declare other amounts than the rules allow.
    let audit = wd.read("out/p/audit.csv");
    let (clearing, rest): (Vec<&str>, Vec<&str>) = audit
        .lines()
        .partition(|l| l.contains(",DECLARED_MISMATCH,"));
    assert_eq!(rest.join("\n") + "\n", wd.read("out/c/audit.csv"));
    let found: Vec<String> = clearing
        .iter()
        .map(|l| l.split(',').take(7).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        found,
        [
            "EZ240300071,,EZ0016,EZ-H2,DECLARED_MISMATCH,info,-12.50",
            "SC-EXAMPLE,,SY0001,SY-H2,DECLARED_MISMATCH,adjust,30.00",
            "SC-PRICECAP,,WH0004,WH-H3,DECLARED_MISMATCH,info,0.00",
        ]
    );
    let rows = wd.read("out/p/clearing.csv");
    assert!(
        rows.contains(
            "\nSY-H2,十堰市郧阳区人民医院,shiyan,14,471.11,441.11,30.00,0.00,3052.99,3082.99,1\n"
        ),
        "{rows}"
    );
    assert!(!wd.join("out/c/clearing.csv").exists());
    // The manifest records the settlement files among the inputs.
    let manifest = wd.read("out/p/manifest.json");
    assert!(
        manifest.contains("settlements/shiyan_2024-03.csv"),
        "{manifest}"
    );
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

// ---------------------------------------------------------------------
// Clearing (POLICY §10), computed by hand.
//
// One Shiyan employed member with 1000.00 in the account, one level-2
// hospital. A 1000.00 class-A claim: deductible 500.00, fund_pay =
// (1000 − 500) × 0.65 = 325.00, account_pay 675.00, cash 0.00.

const CLEARING_SETL: &str = "setl_id,psn_no,fixmedins_code,setl_time,med_type,insutype,medfee_sumamt,hifp_pay,acct_pay,reverses_claim_id\n";
const CLEARING_FEES: &str = "setl_id,feedetl_sn,hilist_code,cnt,pric,det_item_fee_sumamt\n";

fn clearing_month(wd: &Workdir, dir: &str, settlements: &str, fees: &str) {
    wd.write(
        &format!("{dir}/members.csv"),
        "person_id,city,category,account_type,account_balance,benefit_from\n\
         CL001,shiyan,employed,with_account,1000.00,2015-01-01\n",
    );
    wd.write(
        &format!("{dir}/institutions.csv"),
        "institution_id,name,city,kind,level,outpatient_pooling\n\
         SY-H2,郧阳区人民医院,shiyan,hospital,2,true\n",
    );
    wd.write(
        &format!("{dir}/catalogue.csv"),
        "item_code,region,name,kind,class\nS001,,诊查费,service,A\n",
    );
    wd.write(
        &format!("{dir}/settlements/s.csv"),
        format!("{CLEARING_SETL}{settlements}"),
    );
    wd.write(
        &format!("{dir}/fee_details/f.csv"),
        format!("{CLEARING_FEES}{fees}"),
    );
}

fn clear(settlements: &str, fees: &str) -> Workdir {
    let wd = Workdir::new().with_sample();
    clearing_month(&wd, "d", settlements, fees);
    let run = wd.run(&[
        "run",
        "--data",
        "d",
        "--no-ledger",
        "--period",
        "2024-03",
        "--out",
        "o",
        "--lang",
        "en",
    ]);
    run.expect_code(0);
    // The printed summary carries the clearing too.
    assert!(
        run.stdout()
            .contains("Clearing (declared by the platform vs adjudicated)"),
        "{}",
        run.stdout()
    );
    wd
}

/// The DECLARED_MISMATCH rows of audit.csv: (claim, severity, amount, detail).
fn mismatches(wd: &Workdir, out: &str) -> Vec<(String, String, String, String)> {
    let mut r = csv::Reader::from_path(wd.join(&format!("{out}/audit.csv"))).expect("audit.csv");
    r.records()
        .map(|x| x.expect("an audit row"))
        .filter(|x| &x[4] == "DECLARED_MISMATCH")
        .map(|x| {
            (
                x[0].to_string(),
                x[5].to_string(),
                x[6].to_string(),
                x[7].to_string(),
            )
        })
        .collect()
}

/// clearing.csv without its header.
fn clearing_rows(wd: &Workdir, out: &str) -> Vec<String> {
    wd.read(&format!("{out}/clearing.csv"))
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect()
}

#[test]
fn clearing_an_over_declared_claim_proposes_a_deduction() {
    let wd = clear(
        "C-OVER,CL001,SY-H2,2024-03-02 09:00:00,11,310,1000.00,400.00,675.00,\n",
        "C-OVER,1,S001,1,1000.00,1000.00\n",
    );
    let m = mismatches(&wd, "o");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(
        (m[0].0.as_str(), m[0].1.as_str(), m[0].2.as_str()),
        ("C-OVER", "adjust", "75.00")
    );
    assert!(
        m[0].3
            .contains("hifp_pay 400.00 declared, fund_pay 325.00 adjudicated"),
        "{}",
        m[0].3
    );
    assert!(!m[0].3.contains("acct_pay"), "{}", m[0].3);
    // The payment row is what the rules allow, and the finding no reason.
    let pay = wd.read("o/payments.csv");
    assert!(
        pay.contains(",325.00,0.00,675.00,0.00,institution,500.00,325.00,DEDUCTIBLE,"),
        "{pay}"
    );
    assert_eq!(
        clearing_rows(&wd, "o"),
        ["SY-H2,郧阳区人民医院,shiyan,1,400.00,325.00,75.00,0.00,675.00,675.00,1"]
    );
    let json = wd.read("o/summary.json");
    assert!(json.contains("\"deduction\": \"75.00\""), "{json}");
    // summary.csv: the same figures as optional columns, per institution,
    // city and in total.
    let summary = wd.read("o/summary.csv");
    let mut lines = summary.lines();
    assert!(lines.next().is_some_and(|h| h.ends_with(
        ",clearing_claims,declared_fund,adjudicated_fund,deduction,shortfall,declared_account,adjudicated_account,mismatched_claims"
    )));
    for l in lines {
        assert!(
            l.ends_with(",1,400.00,325.00,75.00,0.00,675.00,675.00,1"),
            "{l}"
        );
    }
}

#[test]
fn clearing_an_under_declared_claim_shows_a_shortfall() {
    let wd = clear(
        "C-UNDER,CL001,SY-H2,2024-03-02 09:00:00,11,310,1000.00,300.00,,\n",
        "C-UNDER,1,S001,1,1000.00,1000.00\n",
    );
    let m = mismatches(&wd, "o");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!((m[0].1.as_str(), m[0].2.as_str()), ("info", "-25.00"));
    assert_eq!(
        clearing_rows(&wd, "o"),
        ["SY-H2,郧阳区人民医院,shiyan,1,300.00,325.00,0.00,25.00,0.00,675.00,1"]
    );
}

#[test]
fn clearing_an_account_only_difference_is_info() {
    let wd = clear(
        "C-ACCT,CL001,SY-H2,2024-03-02 09:00:00,11,310,1000.00,325.00,600.00,\n",
        "C-ACCT,1,S001,1,1000.00,1000.00\n",
    );
    let m = mismatches(&wd, "o");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!((m[0].1.as_str(), m[0].2.as_str()), ("info", "0.00"));
    assert!(
        m[0].3
            .contains("acct_pay 600.00 declared, account_pay 675.00 adjudicated"),
        "{}",
        m[0].3
    );
    assert!(!m[0].3.contains("hifp_pay"), "{}", m[0].3);
    assert_eq!(
        clearing_rows(&wd, "o"),
        ["SY-H2,郧阳区人民医院,shiyan,1,325.00,325.00,0.00,0.00,600.00,675.00,1"]
    );
}

#[test]
fn clearing_compares_the_family_draw_with_acct_mulaid_pay() {
    // POLICY §10: `acct_mulaid_pay` ↔ `family_account_pay`. CL002 (单建统筹,
    // no account) is CL001's parent; 十堰 第十二条 lets CL001's account pay.
    // 1000.00 eligible, deductible 500.00, level-2 employed ratio 0.65:
    // fund 325.00 (十堰 第五条); the medical-scope remainder 675.00 is drawn
    // from CL001's 1000.00. The platform declared 600.00 of family draw.
    let wd = Workdir::new().with_sample();
    clearing_month(&wd, "d", "", "C-FAM,1,S001,1,1000.00,1000.00\n");
    wd.write(
        "d/members.csv",
        "person_id,city,category,account_type,account_balance,benefit_from\n\
         CL001,shiyan,employed,with_account,1000.00,2015-01-01\n\
         CL002,shiyan,employed,pool_only,,2015-01-01\n",
    );
    wd.write(
        "d/family.csv",
        "grantor_id,beneficiary_id,relation,valid_from\nCL001,CL002,parent,2020-01-01\n",
    );
    wd.write(
        "d/settlements/s.csv",
        "setl_id,psn_no,fixmedins_code,setl_time,med_type,insutype,medfee_sumamt,hifp_pay,acct_pay,acct_mulaid_pay\n\
         C-FAM,CL002,SY-H2,2024-03-02 09:00:00,11,310,1000.00,325.00,675.00,600.00\n",
    );
    let args = ["run", "--data", "d", "--no-ledger", "--period", "2024-03"];
    wd.run(&[&args[..], &["--out", "o", "--lang", "en"]].concat())
        .expect_code(0);
    let m = mismatches(&wd, "o");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!((m[0].1.as_str(), m[0].2.as_str()), ("info", "0.00"));
    assert!(
        m[0].3
            .contains("acct_mulaid_pay 600.00 declared, family_account_pay 675.00 adjudicated"),
        "{}",
        m[0].3
    );
    assert!(!m[0].3.contains("acct_pay 675.00 declared"), "{}", m[0].3);
    // Declared as adjudicated: no finding.
    wd.write(
        "d/settlements/s.csv",
        "setl_id,psn_no,fixmedins_code,setl_time,med_type,insutype,medfee_sumamt,hifp_pay,acct_pay,acct_mulaid_pay\n\
         C-FAM,CL002,SY-H2,2024-03-02 09:00:00,11,310,1000.00,325.00,675.00,675.00\n",
    );
    wd.run(&[&args[..], &["--out", "p"]].concat())
        .expect_code(0);
    assert_eq!(mismatches(&wd, "p"), []);
}

#[test]
fn clearing_a_cancelled_pair_that_nets_to_zero_matches() {
    let wd = clear(
        "C-A,CL001,SY-H2,2024-03-02 09:00:00,11,310,1000.00,325.00,675.00,\n\
         C-R,CL001,SY-H2,2024-03-03 09:00:00,11,310,-1000.00,-325.00,-675.00,C-A\n",
        "C-A,1,S001,1,1000.00,1000.00\nC-R,1,S001,-1,1000.00,-1000.00\n",
    );
    assert_eq!(mismatches(&wd, "o"), []);
    // Both claims count, in the reversal's row; they net to nothing.
    assert_eq!(
        clearing_rows(&wd, "o"),
        ["SY-H2,郧阳区人民医院,shiyan,2,0.00,0.00,0.00,0.00,0.00,0.00,0"]
    );
}

#[test]
fn clearing_a_cancelled_pair_that_does_not_net_is_found_on_the_reversal() {
    let wd = clear(
        "C-A,CL001,SY-H2,2024-03-02 09:00:00,11,310,1000.00,325.00,,\n\
         C-R,CL001,SY-H2,2024-03-03 09:00:00,11,310,-1000.00,-300.00,,C-A\n",
        "C-A,1,S001,1,1000.00,1000.00\nC-R,1,S001,-1,1000.00,-1000.00\n",
    );
    let m = mismatches(&wd, "o");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(
        (m[0].0.as_str(), m[0].1.as_str(), m[0].2.as_str()),
        ("C-R", "adjust", "25.00")
    );
    assert!(
        m[0].3
            .contains("hifp_pay 25.00 declared, fund_pay 0.00 adjudicated"),
        "{}",
        m[0].3
    );
    assert_eq!(
        clearing_rows(&wd, "o"),
        ["SY-H2,郧阳区人民医院,shiyan,2,25.00,0.00,25.00,0.00,0.00,0.00,1"]
    );
}

#[test]
fn clearing_a_reversal_of_last_months_claim_compares_negated_amounts() {
    let wd = Workdir::new().with_sample();
    clearing_month(
        &wd,
        "feb",
        "C-FEB,CL001,SY-H2,2024-02-10 09:00:00,11,310,1000.00,,,\n",
        "C-FEB,1,S001,1,1000.00,1000.00\n",
    );
    wd.run(&[
        "run",
        "--data",
        "feb",
        "--no-ledger",
        "--period",
        "2024-02",
        "--out",
        "o2",
        "--quiet",
    ])
    .expect_code(0);
    // March cancels it; the institution declares −300.00 of fund money
    // where the reversal takes back −325.00: 25.00 too much settled.
    clearing_month(
        &wd,
        "mar",
        "C-RV,CL001,SY-H2,2024-03-05 09:00:00,11,310,-1000.00,-300.00,-675.00,C-FEB\n",
        "C-RV,1,S001,-1,1000.00,-1000.00\n",
    );
    wd.run(&[
        "run",
        "--data",
        "mar",
        "--ledger",
        "o2/ledger.csv",
        "--prior",
        "o2/payments.csv",
        "--period",
        "2024-03",
        "--out",
        "o3",
        "--lang",
        "en",
        "--quiet",
    ])
    .expect_code(0);
    let m = mismatches(&wd, "o3");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(
        (m[0].0.as_str(), m[0].1.as_str(), m[0].2.as_str()),
        ("C-RV", "adjust", "25.00")
    );
    assert_eq!(
        clearing_rows(&wd, "o3"),
        ["SY-H2,郧阳区人民医院,shiyan,1,-300.00,-325.00,25.00,0.00,-675.00,-675.00,1"]
    );
}

// ---------------------------------------------------------------------
// `--columns platform`

#[test]
fn platform_columns_rename_payments_and_split_excluded() {
    let wd = Workdir::new().with_sample();
    let common = ["run", "--no-ledger", "--quiet", "--period", "2024-03"];
    wd.run(&[&common[..], &["--out", "out/own"]].concat())
        .expect_code(0);
    wd.run(&[&common[..], &["--out", "out/pf", "--columns", "platform"]].concat())
        .expect_code(0);
    // In memory and partition by partition: the same bytes.
    wd.run(
        &[
            &common[..],
            &[
                "--out",
                "out/pf-spill",
                "--columns",
                "platform",
                "--memory-limit",
                "1K",
            ],
        ]
        .concat(),
    )
    .expect_code(0);
    let pf = wd.read("out/pf/payments.csv");
    assert_eq!(pf, wd.read("out/pf-spill/payments.csv"));
    let header = pf.lines().next().unwrap_or_default();
    assert!(
        header.starts_with(
            "setl_id,psn_no,fixmedins_code,city,service_date,status,medfee_sumamt,\
             fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,act_pay_dedc,\
             pool_prop_selfpay,hifp_pay,cap_cut,acct_pay,psn_cash_pay,payee,"
        ),
        "{header}"
    );
    // SC-PRICECAP: excluded 60.00, all of it the price cap's cut (12.00
    // over a 10.00 standard on 30 units); b_selfpay 90.00 + remote 0.00.
    let own = wd.read("out/own/payments.csv");
    assert!(own.contains(
        "\nSC-PRICECAP,WH0004,WH-H3,wuhan,2024-03-05,paid,890.00,60.00,90.00,0.00,740.00,500.00,0.65,156.00,"
    ));
    assert!(pf.contains(
        "\nSC-PRICECAP,WH0004,WH-H3,wuhan,2024-03-05,paid,890.00,0.00,60.00,90.00,740.00,500.00,0.65,156.00,"
    ), "{pf}");
    // Every row keeps its figures: the same number of rows, and
    // fulamt_ownpay_amt + overlmt_selfpay = excluded.
    assert_eq!(own.lines().count(), pf.lines().count());
    for (a, b) in own.lines().zip(pf.lines()).skip(1) {
        let a: Vec<&str> = a.split(',').collect();
        let b: Vec<&str> = b.split(',').collect();
        let d = |s: &str| s.parse::<rust_decimal::Decimal>().expect("money");
        assert_eq!(a[0], b[0]);
        assert_eq!(d(a[7]), d(b[7]) + d(b[8]), "{a:?} {b:?}");
        assert_eq!(d(a[8]) + d(a[9]), d(b[9]), "{a:?} {b:?}");
    }
}

#[test]
fn prior_reads_payments_under_either_naming() {
    // February settled under the platform's names; March reverses its
    // claim with that payments.csv as --prior, and again with the same
    // month written under tongchou's names: the same results.
    let wd = Workdir::new().with_sample();
    clearing_month(
        &wd,
        "feb",
        "C-FEB,CL001,SY-H2,2024-02-10 09:00:00,11,310,1000.00,,,\n",
        "C-FEB,1,S001,1,1000.00,1000.00\n",
    );
    let feb = [
        "run",
        "--data",
        "feb",
        "--no-ledger",
        "--period",
        "2024-02",
        "--quiet",
    ];
    wd.run(&[&feb[..], &["--out", "own2"]].concat())
        .expect_code(0);
    wd.run(&[&feb[..], &["--out", "pf2", "--columns", "platform"]].concat())
        .expect_code(0);
    assert!(wd.read("pf2/payments.csv").starts_with("setl_id,"));
    clearing_month(
        &wd,
        "mar",
        "C-RV,CL001,SY-H2,2024-03-05 09:00:00,11,310,-1000.00,,,C-FEB\n",
        "C-RV,1,S001,-1,1000.00,-1000.00\n",
    );
    let mar = [
        "run",
        "--data",
        "mar",
        "--ledger",
        "own2/ledger.csv",
        "--period",
        "2024-03",
        "--quiet",
    ];
    wd.run(&[&mar[..], &["--prior", "own2/payments.csv", "--out", "a"]].concat())
        .expect_code(0);
    wd.run(&[&mar[..], &["--prior", "pf2/payments.csv", "--out", "b"]].concat())
        .expect_code(0);
    let a = wd.read("a/payments.csv");
    assert!(
        a.contains("\nC-RV,CL001,SY-H2,shiyan,2024-03-05,reversal,-1000.00,"),
        "{a}"
    );
    assert_eq!(a, wd.read("b/payments.csv"));
    assert_eq!(wd.read("a/ledger.csv"), wd.read("b/ledger.csv"));
}

#[test]
fn admdvs_codes_name_cities_by_their_first_four_digits() {
    // Beijing written as 医保区划 codes: districts 110105 and 110101 for
    // the hospitals, 110100 for a member's registration and a local
    // catalogue entry. All are one city outside the rule files, as
    // `beijing` was: the same payments.
    let wd = Workdir::new().with_sample();
    let edit = |file: &str, from: &str, to: &str| {
        let path = format!("samples/platform/{file}");
        let text = wd.read(&path);
        assert!(text.contains(from), "{file} lacks {from}");
        wd.write(&path, text.replace(from, to));
    };
    edit("members.csv", ",temporary,beijing,", ",temporary,110100,");
    edit("institutions.csv", "1,01,,beijing,", "1,01,110105,,");
    edit("institutions.csv", "1,05,,beijing,", "1,05,110101,,");
    edit("catalogue.csv", "D008,beijing,", "D008,110100,");
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
    for f in ["payments.csv", "ledger.csv"] {
        assert_eq!(
            wd.read(&format!("out/c/{f}")),
            wd.read(&format!("out/p/{f}")),
            "{f} differs"
        );
    }
}

// ---------------------------------------------------------------------
// `synth --layout platform`

#[test]
fn synth_writes_the_same_month_in_the_platform_layout() {
    let wd = Workdir::new().with_sample();
    for (dir, layout) in [("c", "claims"), ("p", "platform")] {
        wd.run(&["synth", "--out", dir, "--lines", "3000", "--layout", layout])
            .expect_code(0);
    }
    assert!(wd.join("p/settlements").is_dir() && wd.join("p/fee_details").is_dir());
    assert!(!wd.join("p/claims").exists());
    for dir in ["c", "p"] {
        let run = wd.run(&[
            "run",
            "--data",
            dir,
            "--ledger",
            &format!("{dir}/ledger.csv"),
            "--out",
            &format!("o{dir}"),
            "--quiet",
        ]);
        assert!(matches!(run.code(), 0 | 3), "{}", run.stderr());
    }
    // Every claim read in the platform layout is settled exactly as in
    // claims/; the only ones held back are routed claims whose local
    // med_type code the institution's city has no entry for.
    let own = wd.read("oc/payments.csv");
    let own: std::collections::BTreeSet<&str> = own.lines().collect();
    let pf = wd.read("op/payments.csv");
    for line in pf.lines() {
        assert!(own.contains(line), "settled differently: {line}");
    }
    for r in rejects_in(&wd, "op") {
        assert!(r.contains("med_type 99"), "{r}");
    }
}

fn rejects_in(wd: &Workdir, out: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(wd.join(&format!("{out}/rejects.csv"))).expect("rejects");
    r.records()
        .map(|x| x.expect("a row")[4].to_string())
        .collect()
}
