//! Totals kept across the year boundary, through the real binary: the
//! ledger keeps last year's row beside this year's (CONTRACT.md
//! §ledger.csv), so that a late December claim settles against December's
//! totals.
//!
//! Amounts are computed by hand from 十政办发〔2022〕61号 第五条: deductible
//! 500, employed ratio at a level-2 hospital 65%, annual cap 3000, totals
//! per calendar year (湖北医保问答 Q11: 起付线, 封顶线).

use crate::workdir::Workdir;

const HEADER: &str = "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount,settlement_mode,submitted_date,reverses_claim_id";

/// A data directory `dir`: the sample's institutions, catalogue and stays,
/// the given members and one claim file.
fn data_dir(wd: &Workdir, dir: &str, members: &str, claims: &str) {
    for f in ["institutions.csv", "catalogue.csv", "stays.csv"] {
        wd.write(&format!("{dir}/{f}"), wd.read(&format!("samples/data/{f}")));
    }
    wd.write(&format!("{dir}/members.csv"), members);
    wd.write(
        &format!("{dir}/claims/claims.csv"),
        format!("{HEADER}\n{claims}"),
    );
}

/// The cell of `column` in the row of `claim`.
fn field(payments: &str, claim: &str, column: &str) -> String {
    let mut r = csv::Reader::from_reader(payments.as_bytes());
    let i = r
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("column {column}"));
    r.records()
        .map(|rec| rec.expect("row"))
        .find(|rec| &rec[0] == claim)
        .unwrap_or_else(|| panic!("{claim} in payments:\n{payments}"))[i]
        .to_string()
}

fn fields(payments: &str, claim: &str, columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| field(payments, claim, c)).collect()
}

#[test]
fn a_late_december_claim_settles_against_decembers_totals() {
    // 十堰 第五条: totals per calendar year (1月1日至12月31日); a December
    // claim handed in during February (手工报销, 第十八条: by the end of the
    // next year's first quarter) belongs to 2023's totals.
    let wd = Workdir::new().with_sample();
    let members = wd.read("samples/data/members.csv");
    // December closed with SY0002 (employed) at the cap and SY0005
    // (employed) past the deductible; SY0008's 2022 row is two years old.
    wd.write(
        "dec-ledger.csv",
        "person_id,year,deductible_met,pool_paid,claims,period\n\
         SY0002,2023,500.00,3000.00,20,2023-12\n\
         SY0005,2023,500.00,120.00,5,2023-12\n\
         SY0008,2022,500.00,900.00,7,2023-12\n",
    );
    // January: both pay 100.00 of 2024's deductible.
    data_dir(
        &wd,
        "jan",
        &members,
        "J1,1,SY0002,SY-H2,2024-01-10 09:00:00,general,S001,1,100.00,100.00,,,\n\
         J2,1,SY0005,SY-H2,2024-01-12 09:00:00,general,S001,1,100.00,100.00,,,\n",
    );
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        "jan",
        "--ledger",
        "dec-ledger.csv",
        "--out",
        "out/jan",
    ])
    .expect_code(0);
    assert_eq!(
        wd.read("out/jan/ledger.csv"),
        "person_id,year,deductible_met,pool_paid,claims,period\n\
         SY0002,2023,500.00,3000.00,20,2024-01\n\
         SY0002,2024,100.00,0.00,1,2024-01\n\
         SY0005,2023,500.00,120.00,5,2024-01\n\
         SY0005,2024,100.00,0.00,1,2024-01\n",
        "both years kept; 2022 dropped"
    );

    // February: the two late December claims, 400.00 each at SY-H2, and a
    // February claim of SY0005.
    // - LATE-CAP (SY0002): no deductible left in 2023; round2(400 × 0.65)
    //   = 260.00, but the cap has no room: fund 0.00, cap_cut 260.00.
    // - LATE-MET (SY0005): the ratio on the whole 400: 260.00 (120 + 260
    //   = 380 ≤ 3000).
    // - F1 (SY0005, 500.00 in 2024): 400.00 of deductible left, then
    //   round2(100 × 0.65) = 65.00; 2023's claim changed nothing of 2024.
    data_dir(
        &wd,
        "feb",
        &members,
        "LATE-CAP,1,SY0002,SY-H2,2023-12-20 09:00:00,general,S001,1,400.00,400.00,manual,2024-02-05,\n\
         LATE-MET,1,SY0005,SY-H2,2023-12-22 09:00:00,general,S001,1,400.00,400.00,manual,2024-02-06,\n\
         F1,1,SY0005,SY-H2,2024-02-03 09:00:00,general,S001,1,500.00,500.00,,,\n",
    );
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        "feb",
        "--period",
        "2024-02",
        "--ledger",
        "out/jan/ledger.csv",
        "--out",
        "out/feb",
    ])
    .expect_code(0);
    let p = wd.read("out/feb/payments.csv");
    let cols = [
        "status",
        "deductible_applied",
        "ratio",
        "fund_pay",
        "cap_cut",
        "payee",
        "deductible_met_after",
        "pool_paid_after",
        "reasons",
    ];
    assert_eq!(
        fields(&p, "LATE-CAP", &cols),
        [
            "paid",
            "0.00",
            "",
            "0.00",
            "260.00",
            "member",
            "500.00",
            "3000.00",
            "CAP_REACHED"
        ]
    );
    assert_eq!(
        fields(&p, "LATE-MET", &cols),
        ["paid", "0.00", "0.65", "260.00", "0.00", "member", "500.00", "380.00", ""]
    );
    assert_eq!(
        fields(&p, "F1", &cols),
        [
            "paid",
            "400.00",
            "0.65",
            "65.00",
            "0.00",
            "institution",
            "500.00",
            "65.00",
            "DEDUCTIBLE"
        ]
    );
    assert_eq!(
        wd.read("out/feb/ledger.csv"),
        "person_id,year,deductible_met,pool_paid,claims,period\n\
         SY0002,2023,500.00,3000.00,21,2024-02\n\
         SY0002,2024,100.00,0.00,1,2024-02\n\
         SY0005,2023,500.00,380.00,6,2024-02\n\
         SY0005,2024,500.00,65.00,2,2024-02\n"
    );

    // March: LATE-MET is reversed. Its 260.00 goes back to 2023's totals
    // (380.00 − 260.00 = 120.00), which a later December claim would see;
    // 2024's stay as they were.
    data_dir(
        &wd,
        "mar",
        &members,
        "LATE-MET-REV,1,SY0005,SY-H2,2024-03-20 09:00:00,general,S001,-1,400.00,-400.00,,,LATE-MET\n",
    );
    wd.run(&[
        "run",
        "--quiet",
        "--lang",
        "en",
        "--data",
        "mar",
        "--ledger",
        "out/feb/ledger.csv",
        "--prior",
        "out/feb/payments.csv",
        "--out",
        "out/mar",
    ])
    .expect_code(0);
    let p = wd.read("out/mar/payments.csv");
    assert_eq!(
        fields(
            &p,
            "LATE-MET-REV",
            &["status", "fund_pay", "pool_paid_after", "reasons"]
        ),
        ["reversal", "-260.00", "65.00", "REVERSAL"]
    );
    assert!(wd.read("out/mar/audit.csv").contains(
        "reverses claim LATE-MET of 2023 (2023-12-22): fund 260.00 and account 140.00 taken back, 2023's totals reduced by them"
    ));
    assert_eq!(
        wd.read("out/mar/ledger.csv"),
        "person_id,year,deductible_met,pool_paid,claims,period\n\
         SY0002,2023,500.00,3000.00,21,2024-03\n\
         SY0002,2024,100.00,0.00,1,2024-03\n\
         SY0005,2023,500.00,120.00,6,2024-03\n\
         SY0005,2024,500.00,65.00,3,2024-03\n"
    );
}

#[test]
fn a_ledger_with_two_rows_of_one_year_for_a_person_is_refused() {
    let wd = Workdir::new().with_sample();
    wd.write(
        "ledger.csv",
        "person_id,year,deductible_met,pool_paid,claims,period\n\
         SY0002,2023,500.00,3000.00,20,2024-02\n\
         SY0002,2024,100.00,0.00,1,2024-02\n\
         SY0002,2024,200.00,0.00,2,2024-02\n",
    );
    let run = wd.run(&["run", "--quiet", "--ledger", "ledger.csv", "--out", "out"]);
    run.expect_code(1);
    assert!(
        run.stderr().contains(
            "ledger.csv:4: column `year`: person `SY0002` has two rows for 2024 in the ledger"
        ),
        "{}",
        run.stderr()
    );
}
