//! Money paid once, and totals kept across the year boundary, through the
//! real binary:
//! - a claim id settled in a `--prior` period is denied `ALREADY_SETTLED`
//!   (its reversal still works), `--prior` takes a directory, and a prior
//!   file is refused when a row breaks the payments.csv invariants or the
//!   POLICY.md §5 arithmetic, or when it no longer has the hash its run's
//!   manifest.json recorded;
//! - the ledger keeps last year's row beside this year's (CONTRACT.md
//!   §ledger.csv), so that a late December claim settles against
//!   December's totals.
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

const MONEY: &[&str] = &[
    "status",
    "deductible_applied",
    "fund_pay",
    "account_pay",
    "cash_pay",
    "reasons",
];

/// January: SY0005 (employed, account 200.00) at SY-H2 (level 2), 800.00
/// of class-A service: deductible 500, fund round2(300 × 0.65) = 195.00,
/// the account pays its 200.00, cash 405.00. SY0008 pays 10.00 of
/// deductible. Written to `out`.
fn january(wd: &Workdir, out: &str) {
    data_dir(
        wd,
        "jan",
        &wd.read("samples/data/members.csv"),
        "A1,1,SY0005,SY-H2,2024-01-10 09:00:00,general,S001,1,800.00,800.00,,,\n\
         B1,1,SY0008,SY-C1,2024-01-11 09:00:00,general,S001,1,10.00,10.00,,,\n",
    );
    wd.run(&["run", "--quiet", "--data", "jan", "--out", out])
        .expect_code(0);
    let p = wd.read(&format!("{out}/payments.csv"));
    assert_eq!(
        fields(&p, "A1", MONEY),
        ["paid", "500.00", "195.00", "200.00", "405.00", "DEDUCTIBLE"]
    );
}

/// The sample's members, with SY0005's account as January left it, and
/// without SY0008 (who left the scheme).
fn february_members(wd: &Workdir) -> String {
    wd.read("samples/data/members.csv")
        .replace(
            "SY0005,shiyan,employed,with_account,200.00,",
            "SY0005,shiyan,employed,with_account,0.00,",
        )
        .lines()
        .filter(|l| !l.starts_with("SY0008,"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn a_claim_sent_again_next_month_is_already_settled_and_its_reversal_still_works() {
    let wd = Workdir::new().with_sample();
    january(&wd, "out/jan");
    // February: the hospital's export holds A1 again, then its reversal,
    // then the care billed anew (A2); B1 comes again although SY0008 is no
    // longer a member. A1 and B1 are paid nothing and touch no total; the
    // reversal cancels January's A1 (500 deductible and 195.00 fund given
    // back, 200.00 to the account); A2 then pays as A1 did.
    data_dir(
        &wd,
        "feb",
        &february_members(&wd),
        "A1,1,SY0005,SY-H2,2024-01-10 09:00:00,general,S001,1,800.00,800.00,,,\n\
         A1-REV,1,SY0005,SY-H2,2024-02-05 09:00:00,general,S001,-1,800.00,-800.00,,,A1\n\
         A2,1,SY0005,SY-H2,2024-02-10 09:00:00,general,S001,1,800.00,800.00,,,\n\
         B1,1,SY0008,SY-C1,2024-01-11 09:00:00,general,S001,1,10.00,10.00,,,\n",
    );
    wd.run(&[
        "run",
        "--quiet",
        "--lang",
        "en",
        "--data",
        "feb",
        "--period",
        "2024-02",
        "--ledger",
        "out/jan/ledger.csv",
        "--prior",
        "out/jan/payments.csv",
        "--out",
        "out/feb",
    ])
    .expect_code(0);
    let p = wd.read("out/feb/payments.csv");
    let cols = [
        "status",
        "excluded",
        "eligible",
        "fund_pay",
        "account_pay",
        "cash_pay",
        "deductible_met_after",
        "pool_paid_after",
        "reasons",
    ];
    assert_eq!(
        fields(&p, "A1", &cols),
        [
            "denied",
            "800.00",
            "0.00",
            "0.00",
            "0.00",
            "800.00",
            "500.00",
            "195.00",
            "ALREADY_SETTLED"
        ]
    );
    assert_eq!(
        fields(
            &p,
            "A1-REV",
            &[MONEY, &["reverses_claim_id", "pool_paid_after"]].concat()
        ),
        ["reversal", "-500.00", "-195.00", "-200.00", "-405.00", "REVERSAL", "A1", "0.00"]
    );
    assert_eq!(
        fields(&p, "A2", MONEY),
        ["paid", "500.00", "195.00", "200.00", "405.00", "DEDUCTIBLE"]
    );
    // Checked first: an id already settled is that, not an unknown member.
    assert_eq!(
        fields(&p, "B1", &["status", "fund_pay", "cash_pay", "reasons"]),
        ["denied", "0.00", "10.00", "ALREADY_SETTLED"]
    );
    let audit = wd.read("out/feb/audit.csv");
    assert!(
        audit.contains(
            "A1,,SY0005,SY-H2,ALREADY_SETTLED,deny,800.00,\"claim A1 was already settled in 2024-01 (out/jan/payments.csv:2, status paid): not paid again\",湖北医保问答 Q42 (重复计费); 十政办发〔2022〕61号 第十九条 (加强对结算等环节的审核)\n"
        ),
        "{audit}"
    );
    assert!(!audit.contains("MEMBER_UNKNOWN"), "{audit}");
    // January's 1 claim, then A1, A1-REV and A2 in 2024.
    let ledger = wd.read("out/feb/ledger.csv");
    assert!(
        ledger.contains("\nSY0005,2024,500.00,195.00,4,2024-02\n"),
        "{ledger}"
    );
    // The fund pays A1 once over the two months: 195.00 in January, 195.00
    // back and 195.00 for A2 in February (A1 again, denied, owes nothing).
    let settlement = wd.read("out/feb/settlement.csv");
    assert!(
        settlement.contains("\nshiyan,institution,SY-H2,2,0.00,0.00,0.00\n"),
        "{settlement}"
    );

    // Chinese details name the same file and period.
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        "feb",
        "--period",
        "2024-02",
        "--ledger",
        "out/jan/ledger.csv",
        "--prior",
        "out/jan/payments.csv",
        "--out",
        "out/feb-zh",
    ])
    .expect_code(0);
    assert!(wd
        .read("out/feb-zh/audit.csv")
        .contains("结算 A1 已在 2024-01 结算过 (out/jan/payments.csv:2, 状态 paid), 不再重复支付"));
}

#[test]
fn prior_takes_a_directory_of_earlier_months() {
    let wd = Workdir::new().with_sample();
    january(&wd, "out/2024-01");
    // February on `--prior out`: January's payments.csv one level below.
    data_dir(
        &wd,
        "feb",
        &february_members(&wd),
        "F1,1,SY0005,SY-H2,2024-02-10 09:00:00,general,S001,1,100.00,100.00,,,\n",
    );
    let feb = [
        "run",
        "--quiet",
        "--lang",
        "en",
        "--data",
        "feb",
        "--ledger",
        "out/2024-01/ledger.csv",
        "--prior",
        "out",
        "--out",
        "out/2024-02",
    ];
    wd.run(&feb).expect_code(0);
    // March sends a January claim and a February claim again.
    data_dir(
        &wd,
        "mar",
        &february_members(&wd),
        "A1,1,SY0005,SY-H2,2024-01-10 09:00:00,general,S001,1,800.00,800.00,,,\n\
         F1,1,SY0005,SY-H2,2024-02-10 09:00:00,general,S001,1,100.00,100.00,,,\n\
         M1,1,SY0005,SY-H2,2024-03-20 09:00:00,general,S001,1,100.00,100.00,,,\n",
    );
    let mar = [
        "run",
        "--quiet",
        "--lang",
        "en",
        "--data",
        "mar",
        "--ledger",
        "out/2024-02/ledger.csv",
        "--prior",
        "out",
        "--out",
        "out/2024-03",
    ];
    wd.run(&mar).expect_code(0);
    let p = wd.read("out/2024-03/payments.csv");
    for id in ["A1", "F1"] {
        assert_eq!(field(&p, id, "reasons"), "ALREADY_SETTLED", "{id}");
    }
    // M1: January's 500 deductible met; A1 paid 195.00, F1 round2(100 ×
    // 0.65) = 65.00 in February, M1 the same: 325.00 this year.
    assert_eq!(
        fields(&p, "M1", &["status", "fund_pay", "pool_paid_after"]),
        ["paid", "65.00", "325.00"]
    );
    let audit = wd.read("out/2024-03/audit.csv");
    assert!(
        audit.contains(
            "claim A1 was already settled in 2024-01 (out/2024-01/payments.csv:2, status paid)"
        ) && audit.contains(
            "claim F1 was already settled in 2024-02 (out/2024-02/payments.csv:2, status paid)"
        ),
        "{audit}"
    );
    let manifest = wd.read("out/2024-03/manifest.json");
    assert_eq!(
        manifest.matches("\"role\": \"prior\"").count(),
        2,
        "{manifest}"
    );

    // Re-run March over its own output: `--prior out` passes over
    // out/2024-03, the directory being replaced.
    wd.run(&[&mar[..], &["--force"]].concat()).expect_code(0);
    assert_eq!(wd.read("out/2024-03/payments.csv"), p);
    // A directory holding a payments.csv stands for that file.
    wd.run(&[&mar[..9], &["out/2024-01", "--out", "out/mar-jan-only"]].concat())
        .expect_code(0);
    let only = wd.read("out/mar-jan-only/payments.csv");
    assert_eq!(field(&only, "A1", "reasons"), "ALREADY_SETTLED");
    assert_ne!(field(&only, "F1", "reasons"), "ALREADY_SETTLED");
    // A directory without any payments.csv is an error, not an empty list.
    std::fs::create_dir_all(wd.join("empty")).expect("mkdir");
    let run = wd.run(&[&mar[..9], &["empty", "--out", "out/none"]].concat());
    run.expect_code(1);
    assert!(run.stderr().contains("no payments.csv"), "{}", run.stderr());
}

#[test]
fn prior_payments_of_this_runs_own_month_are_refused() {
    // March given March's own payments would deny every claim as settled.
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "out/a"])
        .expect_code(0);
    let run = wd.run(&[
        "run",
        "--quiet",
        "--no-ledger",
        "--prior",
        "out/a/payments.csv",
        "--out",
        "out/b",
    ]);
    run.expect_code(2);
    assert!(
        run.stderr().contains(
            "out/a/payments.csv was written by the run of 2024-03, not before this run's 2024-03"
        ),
        "{}",
        run.stderr()
    );
    assert!(!wd.join("out/b").exists());
}

/// January's payments.csv with A1's row replaced by `row`, written where
/// no manifest.json is beside it.
fn edited_january(wd: &Workdir, row: &str) {
    let p = wd.read("out/jan/payments.csv");
    let edited: String = p
        .lines()
        .map(|l| {
            if l.starts_with("A1,") {
                format!("{row}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    wd.write("edited/jan-payments.csv", edited);
}

fn february_on(wd: &Workdir, prior: &str) -> crate::workdir::Run {
    data_dir(
        wd,
        "feb",
        &february_members(wd),
        "A1-REV,1,SY0005,SY-H2,2024-02-05 09:00:00,general,S001,-1,800.00,-800.00,,,A1\n",
    );
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--allow-ledger-gap",
        "--data",
        "feb",
        "--prior",
        prior,
        "--out",
        "out/feb",
    ])
}

#[test]
fn a_prior_row_edited_by_hand_is_refused_even_when_it_adds_up() {
    let wd = Workdir::new().with_sample();
    january(&wd, "out/jan");
    // fund_pay raised by 100.00 and account_pay lowered by as much: both
    // invariants still hold (295 + 100 + 405 = 800 = 0 + 0 + 0 + 800), but
    // 295.00 is not round2((800 − 500) × 0.65) = 195.00 (第五条 2.).
    edited_january(&wd, "A1,SY0005,SY-H2,shiyan,2024-01-10,paid,800.00,0.00,0.00,0.00,800.00,500.00,0.65,295.00,0.00,100.00,405.00,institution,500.00,295.00,DEDUCTIBLE,,employed,2,0.00,");
    let run = february_on(&wd, "edited/jan-payments.csv");
    run.expect_code(1);
    let err = run.stderr();
    assert!(
        err.contains("edited/jan-payments.csv:2: column `fund_pay`: fund_pay 295.00 + cap_cut 0.00 should be round2((eligible 800.00 - deductible_applied 500.00) × ratio 0.65) = 195.00")
            && err.contains("(edited by hand?)"),
        "{err}"
    );
    assert!(!wd.join("out/feb").exists());

    // A deductible larger than the eligible amount, and a row that no
    // longer adds up, are refused the same way.
    edited_january(&wd, "A1,SY0005,SY-H2,shiyan,2024-01-10,paid,800.00,0.00,0.00,0.00,800.00,900.00,,0.00,0.00,200.00,600.00,institution,900.00,0.00,DEDUCTIBLE,,employed,2,0.00,");
    let run = february_on(&wd, "edited/jan-payments.csv");
    run.expect_code(1);
    assert!(
        run.stderr()
            .contains("jan-payments.csv:2: column `deductible_applied`"),
        "{}",
        run.stderr()
    );
    edited_january(&wd, "A1,SY0005,SY-H2,shiyan,2024-01-10,paid,800.00,0.00,0.00,0.00,800.00,500.00,0.65,195.00,0.00,100.00,405.00,institution,500.00,195.00,DEDUCTIBLE,,employed,2,0.00,");
    let run = february_on(&wd, "edited/jan-payments.csv");
    run.expect_code(1);
    assert!(
        run.stderr().contains(
            "jan-payments.csv:2: column `total`: total 800.00 is not fund_pay 195.00 + account_pay 100.00 + cash_pay 405.00"
        ),
        "{}",
        run.stderr()
    );

    // The row as January wrote it is used: the reversal takes back 195.00.
    let p = wd.read("out/jan/payments.csv");
    let row = p.lines().find(|l| l.starts_with("A1,")).expect("A1");
    edited_january(&wd, row);
    let run = february_on(&wd, "edited/jan-payments.csv");
    run.expect_code(0);
    assert_eq!(
        field(&wd.read("out/feb/payments.csv"), "A1-REV", "fund_pay"),
        "-195.00"
    );
}

#[test]
fn a_prior_file_changed_since_its_manifest_is_refused() {
    let wd = Workdir::new().with_sample();
    january(&wd, "out/jan");
    // 100.00 moved from the account to cash: every figure still checks
    // out, only the manifest beside the file can tell.
    let p = wd.read("out/jan/payments.csv");
    let edited = p.replace(
        "0.65,195.00,0.00,200.00,405.00,",
        "0.65,195.00,0.00,100.00,505.00,",
    );
    assert_ne!(edited, p);
    wd.write("out/jan/payments.csv", edited);
    let run = february_on(&wd, "out/jan/payments.csv");
    run.expect_code(1);
    let err = run.stderr();
    assert!(
        err.contains("out/jan/payments.csv: its SHA-256 is ")
            && err.contains("but out/jan/manifest.json recorded ")
            && err.contains("refusing to use it"),
        "{err}"
    );
    assert!(!wd.join("out/feb").exists());
    // Given back as written, it is used.
    wd.write("out/jan/payments.csv", p);
    february_on(&wd, "out/jan/payments.csv").expect_code(0);
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
    let run = wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--ledger",
        "ledger.csv",
        "--out",
        "out",
    ]);
    run.expect_code(1);
    assert!(
        run.stderr().contains(
            "ledger.csv:4: column `year`: person `SY0002` has two rows for 2024 in the ledger"
        ),
        "{}",
        run.stderr()
    );
}
