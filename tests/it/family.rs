//! Family sharing of the personal account (家庭共济, POLICY.md §6a) through
//! the real binary: family.csv validation, the draw on grantors' accounts,
//! account groups, and reversals refunding grantors. Every amount is
//! computed by hand; each test cites the article it rests on.
//!
//! The cases use the sample's institutions, catalogue and rules. In March
//! 2024 nobody here has met the 500 deductible (十政办发〔2022〕61号 第五条
//! 1.), so the fund pays nothing and, with the `medical` account scope
//! (第十二条(二)), a claim's whole total is payable from accounts.

use crate::workdir::Workdir;

const MEMBERS_HEADER: &str = "person_id,city,category,account_type,account_balance,benefit_from,benefit_to,remote_type,remote_city,remote_from,remote_to";
const FAMILY_HEADER: &str = "grantor_id,beneficiary_id,relation,valid_from,valid_to";
const CLAIMS_HEADER: &str = "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount,reverses_claim_id";

/// A data directory `dir` with the sample's institutions and catalogue.
fn data(wd: &Workdir, dir: &str, members: &[&str], family: &[&str], claims: &[&str]) {
    for f in ["institutions.csv", "catalogue.csv"] {
        wd.write(&format!("{dir}/{f}"), wd.read(&format!("samples/data/{f}")));
    }
    let lines = |header: &str, rows: &[&str]| format!("{header}\n{}\n", rows.join("\n"));
    wd.write(
        &format!("{dir}/members.csv"),
        lines(MEMBERS_HEADER, members),
    );
    if !family.is_empty() {
        wd.write(&format!("{dir}/family.csv"), lines(FAMILY_HEADER, family));
    }
    wd.write(&format!("{dir}/claims/c.csv"), lines(CLAIMS_HEADER, claims));
}

/// Run `dir` as the first month settled, into `out/<dir>`.
fn run(wd: &Workdir, dir: &str, extra: &[&str]) -> String {
    let out = format!("out/{dir}");
    let args = [
        &[
            "run",
            "--no-ledger",
            "--quiet",
            "--data",
            dir,
            "--out",
            &out,
        ][..],
        extra,
    ]
    .concat();
    wd.run(&args).expect_code(0);
    wd.read(&format!("{out}/payments.csv"))
}

/// A payments.csv cell.
fn field(payments: &str, claim: &str, column: &str) -> String {
    let mut r = csv::Reader::from_reader(payments.as_bytes());
    let i = r
        .headers()
        .expect("header")
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column}"));
    r.records()
        .map(|rec| rec.expect("record"))
        .find(|rec| &rec[0] == claim)
        .unwrap_or_else(|| panic!("{claim} not in payments"))[i]
        .to_string()
}

/// (account_pay, family_account_pay, family_payers, cash_pay) of a claim.
fn family_cols(payments: &str, claim: &str) -> [String; 4] {
    [
        "account_pay",
        "family_account_pay",
        "family_payers",
        "cash_pay",
    ]
    .map(|c| field(payments, claim, c))
}

fn cols(a: &str, f: &str, payers: &str, cash: &str) -> [String; 4] {
    [a, f, payers, cash].map(String::from)
}

#[test]
fn a_pool_only_parent_in_shiyan_is_paid_from_the_childs_account() {
    // 十政办发〔2022〕61号 第十二条(二): the account pays 个人负担的医疗费用 of
    // 本人及其配偶、父母、子女. PA is a 单建统筹 retiree (no account, 第十条);
    // child CH (balance 1000) is bound to pay for PA. PA's clinic claim:
    // D001 class A 200 (deductible), D004 class C 100 (excluded, still a
    // medical cost the person bears): payable 300, all from CH's account.
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &[
            "CH,shiyan,employed,with_account,1000.00,2015-01-01,,,,,",
            "PA,shiyan,retired,pool_only,,2015-01-01,,,,,",
        ],
        &["CH,PA,父母,2024-01-01,"],
        &[
            "F1,1,PA,SY-C1,2024-03-05 09:00:00,general,D001,1,200.00,200.00,",
            "F1,2,PA,SY-C1,2024-03-05 09:00:00,general,D004,1,100.00,100.00,",
        ],
    );
    let p = run(&wd, "d", &[]);
    assert_eq!(field(&p, "F1", "fund_pay"), "0.00");
    assert_eq!(
        family_cols(&p, "F1"),
        cols("300.00", "300.00", "CH:300.00", "0.00")
    );
    // FAMILY_ACCOUNT: one info finding naming the grantor, not a reason.
    let audit = wd.read("out/d/audit.csv");
    let fam: Vec<&str> = audit
        .lines()
        .filter(|l| l.contains("FAMILY_ACCOUNT"))
        .collect();
    assert_eq!(fam.len(), 1, "{audit}");
    assert!(
        fam[0].contains(",info,300.00,") && fam[0].contains("CH"),
        "{}",
        fam[0]
    );
    assert!(!field(&p, "F1", "reasons").contains("FAMILY_ACCOUNT"));
    // The summary reports what family accounts paid, per city.
    let summary = wd.read("out/d/summary.csv");
    let city = summary
        .lines()
        .find(|l| l.starts_with("city,shiyan,"))
        .expect("shiyan's row");
    assert!(city.ends_with(",300.00"), "{summary}");
    let json: serde_json::Value =
        serde_json::from_str(&wd.read("out/d/summary.json")).expect("summary.json");
    assert_eq!(json["total"]["family_account_pay"], "300.00");
    let r = wd.run(&[
        "run",
        "--no-ledger",
        "--data",
        "d",
        "--out",
        "out/en",
        "--lang",
        "en",
    ]);
    r.expect_code(0);
    assert!(
        r.stdout().contains("family sharing: 300.00 yuan of the account payments came from family members' accounts (shiyan 300.00)"),
        "{}",
        r.stdout()
    );
}

#[test]
fn two_beneficiaries_of_one_grantor_drain_it_in_time_then_claim_id_order() {
    // POLICY.md §6a: a group's claims settle one at a time in
    // (service_time, claim_id) order, each grantor at most its balance then.
    // G has 100. At 08:00 F2-A (B1, 60) and F2-Z (B2, 60): F2-A first (same
    // time, smaller id) takes 60, F2-Z the last 40 (cash 20); F2-0 at 09:00
    // finds nothing left.
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &[
            "G,shiyan,employed,with_account,100.00,2015-01-01,,,,,",
            "B1,shiyan,retired,pool_only,,2015-01-01,,,,,",
            "B2,shiyan,retired,pool_only,,2015-01-01,,,,,",
        ],
        &["G,B1,parent,2024-01-01,", "G,B2,parent,2024-01-01,"],
        &[
            "F2-Z,1,B2,SY-C1,2024-03-05 08:00:00,general,D001,1,60.00,60.00,",
            "F2-0,1,B1,SY-C1,2024-03-05 09:00:00,general,D001,1,10.00,10.00,",
            "F2-A,1,B1,SY-C1,2024-03-05 08:00:00,general,D001,1,60.00,60.00,",
        ],
    );
    let p = run(&wd, "d", &[]);
    assert_eq!(
        family_cols(&p, "F2-A"),
        cols("60.00", "60.00", "G:60.00", "0.00")
    );
    assert_eq!(
        family_cols(&p, "F2-Z"),
        cols("40.00", "40.00", "G:40.00", "20.00")
    );
    assert_eq!(family_cols(&p, "F2-0"), cols("0.00", "0.00", "", "10.00"));
}

#[test]
fn a_grantor_who_is_also_a_beneficiary_passes_nothing_through() {
    // POLICY.md §6a: only the claim's own grantors pay. A grants B, B grants
    // C (grandparent → parent → child). C's 100 at 08:00: B's 30, cash 70;
    // A pays nothing for C. B's own 50 at 09:00: B's account is empty now,
    // so A (B's grantor) pays it.
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &[
            "A,shiyan,retired,with_account,1000.00,2015-01-01,,,,,",
            "B,shiyan,employed,with_account,30.00,2015-01-01,,,,,",
            "C,shiyan,retired,pool_only,,2015-01-01,,,,,",
        ],
        &["A,B,child,2024-01-01,", "B,C,parent,2024-01-01,"],
        &[
            "F3-C,1,C,SY-C1,2024-03-05 08:00:00,general,D001,1,100.00,100.00,",
            "F3-B,1,B,SY-C1,2024-03-05 09:00:00,general,D001,1,50.00,50.00,",
        ],
    );
    let p = run(&wd, "d", &[]);
    assert_eq!(
        family_cols(&p, "F3-C"),
        cols("30.00", "30.00", "B:30.00", "70.00")
    );
    assert_eq!(
        family_cols(&p, "F3-B"),
        cols("50.00", "50.00", "A:50.00", "0.00")
    );
}

#[test]
fn a_wuhan_beneficiary_treated_in_beijing_draws_nothing() {
    // 武汉 Q11: 个人账户共济不支持武汉市域外就医结算 (family_sharing_remote off).
    // WB (pool_only, no remote registration) at BJ-H3: 10% remote prepay
    // (武汉 Q7), nothing from WG. The same day at WH-C1, WG pays. With
    // --set wuhan.family_sharing_remote=true the Beijing claim draws too.
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &[
            "WG,wuhan,employed,with_account,1000.00,2015-01-01,,,,,",
            "WB,wuhan,retired,pool_only,,2015-01-01,,,,,",
        ],
        &["WG,WB,spouse,2024-01-01,"],
        &[
            "F4-BJ,1,WB,BJ-H3,2024-03-05 08:00:00,general,D001,1,200.00,200.00,",
            "F4-WH,1,WB,WH-C1,2024-03-05 09:00:00,general,D001,1,50.00,50.00,",
        ],
    );
    let p = run(&wd, "d", &[]);
    assert_eq!(field(&p, "F4-BJ", "remote_prepay"), "20.00");
    assert_eq!(family_cols(&p, "F4-BJ"), cols("0.00", "0.00", "", "200.00"));
    assert_eq!(
        family_cols(&p, "F4-WH"),
        cols("50.00", "50.00", "WG:50.00", "0.00")
    );

    let wd2 = Workdir::new().with_sample();
    data(
        &wd2,
        "d",
        &[
            "WG,wuhan,employed,with_account,1000.00,2015-01-01,,,,,",
            "WB,wuhan,retired,pool_only,,2015-01-01,,,,,",
        ],
        &["WG,WB,spouse,2024-01-01,"],
        &["F4-BJ,1,WB,BJ-H3,2024-03-05 08:00:00,general,D001,1,200.00,200.00,"],
    );
    let p = run(&wd2, "d", &["--set", "wuhan.family_sharing_remote=true"]);
    assert_eq!(
        family_cols(&p, "F4-BJ"),
        cols("200.00", "200.00", "WG:200.00", "0.00")
    );
}

#[test]
fn a_binding_that_ends_mid_month_pays_only_before_its_end() {
    // POLICY.md §6a: the binding must be valid on the service date
    // (valid_to is its last day, CONTRACT.md family.csv).
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &[
            "G,shiyan,employed,with_account,1000.00,2015-01-01,,,,,",
            "S,shiyan,employed,pool_only,,2015-01-01,,,,,",
        ],
        &["G,S,配偶,2024-01-01,2024-03-15"],
        &[
            "F5-1,1,S,SY-C1,2024-03-15 08:00:00,general,D001,1,40.00,40.00,",
            "F5-2,1,S,SY-C1,2024-03-16 08:00:00,general,D001,1,40.00,40.00,",
        ],
    );
    let p = run(&wd, "d", &[]);
    assert_eq!(
        family_cols(&p, "F5-1"),
        cols("40.00", "40.00", "G:40.00", "0.00")
    );
    assert_eq!(family_cols(&p, "F5-2"), cols("0.00", "0.00", "", "40.00"));
}

#[test]
fn a_grantor_outside_its_benefit_period_pays_nothing() {
    // 武汉 Q11: the grantor must be a member in good standing (正常缴费);
    // POLICY.md §6a: within its benefit period. G's ended 2024-02-29; H, of
    // another city, cannot pay for a Shiyan member either.
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &[
            "G,shiyan,employed,with_account,1000.00,2015-01-01,2024-02-29,,,,",
            "H,wuhan,employed,with_account,1000.00,2015-01-01,,,,,",
            "S,shiyan,retired,pool_only,,2015-01-01,,,,,",
        ],
        &["G,S,parent,2024-01-01,", "H,S,parent,2024-01-01,"],
        &["F6,1,S,SY-C1,2024-03-05 08:00:00,general,D001,1,40.00,40.00,"],
    );
    let p = run(&wd, "d", &[]);
    assert_eq!(family_cols(&p, "F6"), cols("0.00", "0.00", "", "40.00"));
}

#[test]
fn the_own_account_pays_first_then_grantors_in_grantor_id_order() {
    // POLICY.md §6a: after the beneficiary's own account (§6), usable
    // grantors in grantor_id order, each at most its balance. S has 10 of
    // its own; G1 has 25, G2 plenty: 100 = 10 own + 25 G1 + 65 G2.
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &[
            "G2,shiyan,employed,with_account,1000.00,2015-01-01,,,,,",
            "G1,shiyan,employed,with_account,25.00,2015-01-01,,,,,",
            "S,shiyan,retired,with_account,10.00,2015-01-01,,,,,",
        ],
        &["G2,S,parent,2024-01-01,", "G1,S,parent,2024-01-01,"],
        &["F7,1,S,SY-C1,2024-03-05 08:00:00,general,D001,1,100.00,100.00,"],
    );
    let p = run(&wd, "d", &[]);
    assert_eq!(
        family_cols(&p, "F7"),
        cols("100.00", "90.00", "G1:25.00;G2:65.00", "0.00")
    );
    let audit = wd.read("out/d/audit.csv");
    assert_eq!(audit.matches("FAMILY_ACCOUNT").count(), 2, "{audit}");
}

#[test]
fn a_broken_family_file_is_refused_with_its_line() {
    let members = [
        "G,shiyan,employed,with_account,1000.00,2015-01-01,,,,,",
        "S,shiyan,retired,pool_only,,2015-01-01,,,,,",
    ];
    let claim = ["F8,1,S,SY-C1,2024-03-05 08:00:00,general,D001,1,40.00,40.00,"];
    for (rows, line, column, says) in [
        (
            &["G,G,spouse,2024-01-01,"][..],
            2,
            "beneficiary_id",
            "bound to itself",
        ),
        (
            &["G,S,parent,2024-01-01,2024-06-30", "G,S,parent,2024-06-01,"][..],
            3,
            "valid_from",
            "overlapping",
        ),
        (&["G,S,cousin,2024-01-01,"][..], 2, "relation", "cousin"),
        (
            &["G,S,parent,2024-13-01,"][..],
            2,
            "valid_from",
            "not a date",
        ),
        (
            &["G,S,parent,2024-03-01,2024-02-01"][..],
            2,
            "valid_to",
            "before",
        ),
    ] {
        let wd = Workdir::new().with_sample();
        data(&wd, "d", &members, rows, &claim);
        let r = wd.run(&[
            "run",
            "--lang",
            "en",
            "--no-ledger",
            "--quiet",
            "--data",
            "d",
            "--out",
            "out/d",
        ]);
        r.expect_code(1);
        let err = r.stderr();
        assert!(
            err.contains("family.csv")
                && err.contains(&format!(":{line}"))
                && err.contains(column)
                && err.contains(says),
            "{rows:?}: {err}"
        );
        assert!(!wd.join("out/d").exists());
    }
}

#[test]
fn bindings_naming_strangers_are_warned_about_and_the_flag_names_the_file() {
    // CONTRACT.md family.csv: a person not in members.csv may be insured
    // elsewhere: counted and warned, not fatal; such a grantor pays nothing.
    // The file is found by --family too, under any name, with Chinese headers.
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &["S,shiyan,retired,pool_only,,2015-01-01,,,,,"],
        &[],
        &["F9,1,S,SY-C1,2024-03-05 08:00:00,general,D001,1,40.00,40.00,"],
    );
    wd.write(
        "bindings.csv",
        "授权人个人编号,共济人个人编号,关系,绑定开始日期,绑定结束日期\nX1,S,子女,2024-01-01,\nS,X2,配偶,2024-01-01,\n",
    );
    let r = wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--data",
        "d",
        "--out",
        "out/d",
        "--family",
        "bindings.csv",
    ]);
    r.expect_code(0);
    assert!(
        r.stderr()
            .contains("2 binding(s) name a person not in members.csv"),
        "{}",
        r.stderr()
    );
    let p = wd.read("out/d/payments.csv");
    assert_eq!(family_cols(&p, "F9"), cols("0.00", "0.00", "", "40.00"));
    assert!(wd.read("out/d/manifest.json").contains("bindings.csv"));
}

#[test]
fn the_family_parameters_show_with_their_basis() {
    // POLICY.md §9: family sharing on (十堰 第十二条, 武汉 Q10, Q11); remote
    // off, provisional where the sources are silent.
    let wd = Workdir::new().with_sample();
    let r = wd.run(&["rules", "show", "wuhan"]);
    r.expect_code(0);
    let out = r.stdout();
    let line = |name: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {out}"))
            .to_string()
    };
    assert!(line("family_sharing ").contains("true") && line("family_sharing ").contains("Q10"));
    let remote = line("family_sharing_remote");
    assert!(remote.contains("false") && remote.contains("Q11") && !remote.contains("provisional"));
    let r = wd.run(&["rules", "show", "shiyan"]);
    let shiyan = r.stdout();
    assert!(shiyan
        .lines()
        .any(|l| l.contains("family_sharing_remote") && l.contains("[provisional]")));
}

#[test]
fn a_reversal_next_month_refunds_the_grantor_and_accounts_csv_shows_it() {
    // POLICY.md §6a, §8: a reversal of an earlier period's claim gives each
    // grantor back what it paid (the prior row's family_payers), at its
    // place in the group's order. March: PA's F1 (300) is paid from CH's
    // 1000. April (CH starts at 700): F1 is reversed on the 2nd, giving CH
    // its 300 back; on the 3rd PA's F10 (class C, 900, all payable by the
    // medical scope) takes 900 from CH, which only the refund makes
    // possible.
    let wd = Workdir::new().with_sample();
    let members = |ch: &str| {
        [
            format!("CH,shiyan,employed,with_account,{ch},2015-01-01,,,,,"),
            "PA,shiyan,retired,pool_only,,2015-01-01,,,,,".to_string(),
        ]
    };
    let m = members("1000.00");
    data(
        &wd,
        "mar",
        &[&m[0], &m[1]],
        &["CH,PA,parent,2024-01-01,"],
        &[
            "F1,1,PA,SY-C1,2024-03-05 09:00:00,general,D001,1,200.00,200.00,",
            "F1,2,PA,SY-C1,2024-03-05 09:00:00,general,D004,1,100.00,100.00,",
        ],
    );
    let mar = run(&wd, "mar", &[]);
    assert_eq!(
        family_cols(&mar, "F1"),
        cols("300.00", "300.00", "CH:300.00", "0.00")
    );
    assert_eq!(
        wd.read("out/mar/accounts.csv"),
        "person_id,balance_before,own_use,family_use,refunds,balance_after\n\
         CH,1000.00,0.00,300.00,0.00,700.00\n"
    );

    let m = members("700.00");
    data(
        &wd,
        "apr",
        &[&m[0], &m[1]],
        &["CH,PA,parent,2024-01-01,"],
        &[
            "F1-REV,1,PA,SY-C1,2024-04-02 09:00:00,general,D001,-1,200.00,-200.00,F1",
            "F1-REV,2,PA,SY-C1,2024-04-02 09:00:00,general,D004,-1,100.00,-100.00,F1",
            "F10,1,PA,SY-C1,2024-04-03 09:00:00,general,D004,1,900.00,900.00,",
        ],
    );
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        "apr",
        "--out",
        "out/apr",
        "--ledger",
        "out/mar/ledger.csv",
        "--prior",
        "out/mar/payments.csv",
    ])
    .expect_code(0);
    let apr = wd.read("out/apr/payments.csv");
    assert_eq!(field(&apr, "F1-REV", "status"), "reversal");
    assert_eq!(
        family_cols(&apr, "F1-REV"),
        cols("-300.00", "-300.00", "CH:-300.00", "0.00")
    );
    assert_eq!(
        family_cols(&apr, "F10"),
        cols("900.00", "900.00", "CH:900.00", "0.00")
    );
    // 700 − 900 + 300 = 100 (CONTRACT.md accounts.csv).
    assert_eq!(
        wd.read("out/apr/accounts.csv"),
        "person_id,balance_before,own_use,family_use,refunds,balance_after\n\
         CH,700.00,0.00,900.00,300.00,100.00\n"
    );
    assert!(wd.read("out/apr/manifest.json").contains("accounts.csv"));
}

/// A generated month with bindings (`synth`'s households).
fn generated_with_family(seed: u64) -> Workdir {
    let wd = Workdir::new().with_sample();
    let period = tongchou::date::Period::parse("2024-03").expect("period");
    let s = tongchou::synth::generate(&wd.join("gen"), 20_000, 2_000, 3, period, seed)
        .expect("generate a month");
    let n = tongchou::synth::generate_family(&wd.join("gen"), s.persons, period, seed)
        .expect("generate bindings");
    assert!(n > 50, "{n} bindings");
    wd
}

fn run_gen(wd: &Workdir, data: &str, out: &str, extra: &[&str]) -> serde_json::Value {
    let ledger = format!("{data}/ledger.csv");
    let args = [
        &[
            "run", "--quiet", "--data", data, "--ledger", &ledger, "--out", out,
        ][..],
        extra,
    ]
    .concat();
    wd.run(&args).expect_code(0);
    serde_json::from_str(&wd.read(&format!("{out}/manifest.json"))).expect("manifest")
}

fn dec(s: &str) -> rust_decimal::Decimal {
    use std::str::FromStr;
    if s.is_empty() {
        return rust_decimal::Decimal::ZERO;
    }
    rust_decimal::Decimal::from_str(s).unwrap_or_else(|e| panic!("`{s}`: {e}"))
}

#[test]
fn generated_months_with_bindings_keep_every_invariant_and_are_reproducible() {
    use rust_decimal::Decimal;
    use std::collections::BTreeMap;
    let wd = generated_with_family(21);
    run_gen(&wd, "gen", "t1", &["--threads", "1"]);

    // Every payments row sums (CONTRACT.md), the family part is within
    // account_pay and is what its payers add up to (POLICY.md §6a).
    let p = wd.read("t1/payments.csv");
    let mut r = csv::Reader::from_reader(p.as_bytes());
    let h: Vec<String> = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let col = |n: &str| h.iter().position(|x| x == n).expect("column");
    let mut drawn: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut family_rows = 0;
    for rec in r.records() {
        let rec = rec.expect("row");
        let m = |n: &str| dec(&rec[col(n)]);
        assert_eq!(
            m("total"),
            m("fund_pay") + m("account_pay") + m("cash_pay"),
            "{rec:?}"
        );
        let fam = m("family_account_pay");
        assert!(fam.abs() <= m("account_pay").abs(), "{rec:?}");
        let payers = tongchou::input::family::parse_payers(&rec[col("family_payers")])
            .expect("family_payers");
        assert_eq!(
            payers.iter().map(|(_, a)| *a).sum::<Decimal>(),
            fam,
            "{rec:?}"
        );
        let ids: Vec<&String> = payers.iter().map(|(g, _)| g).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "grantor_id order: {rec:?}"
        );
        for (g, a) in payers {
            *drawn.entry(g).or_default() += a;
        }
        family_rows += usize::from(!fam.is_zero());
    }
    assert!(
        family_rows > 20,
        "only {family_rows} claims drew on a family account"
    );

    // Every accounts.csv row balances and stays at or above zero, and the
    // family use is what the payments drew.
    let a = wd.read("t1/accounts.csv");
    let mut r = csv::Reader::from_reader(a.as_bytes());
    let mut used: BTreeMap<String, Decimal> = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.expect("row");
        let [before, own, family, refunds, after] = [1, 2, 3, 4, 5].map(|i| dec(&rec[i]));
        assert_eq!(after, before - own - family + refunds, "{rec:?}");
        assert!(after >= Decimal::ZERO && own >= Decimal::ZERO && family >= Decimal::ZERO);
        if !family.is_zero() {
            used.insert(rec[0].to_string(), family);
        }
    }
    drawn.retain(|_, v| !v.is_zero());
    assert_eq!(used, drawn);

    // Byte-identical with 4 threads, and partition by partition under a
    // tiny memory limit (a group is never split).
    run_gen(&wd, "gen", "t4", &["--threads", "4"]);
    wd.assert_same_outputs("t1", "t4");
    let spilled = run_gen(&wd, "gen", "spilled", &["--memory-limit", "1K"]);
    assert!(
        spilled["timings_ms"]["partitions"].as_u64() > Some(1),
        "{spilled}"
    );
    wd.assert_same_outputs("t1", "spilled");

    // Rows shuffled inside each file, family.csv rows too.
    let other = Workdir::new().with_sample();
    crate::workdir::copy_dir(&wd.join("gen"), &other.join("gen"));
    let mut names: Vec<String> = std::fs::read_dir(wd.join("gen/claims"))
        .expect("claims")
        .map(|e| format!("claims/{}", e.expect("entry").file_name().to_string_lossy()))
        .collect();
    names.push("family.csv".into());
    for n in &names {
        let text = wd.read(&format!("gen/{n}"));
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.remove(0);
        lines.reverse();
        let third = lines.len() / 3;
        lines.rotate_left(third);
        other.write(
            &format!("gen/{n}"),
            format!("{header}\n{}\n", lines.join("\n")),
        );
    }
    run_gen(&other, "gen", "t1", &["--threads", "3"]);
    for f in crate::workdir::OUTPUTS {
        assert!(
            wd.read(&format!("t1/{f}")) == other.read(&format!("t1/{f}")),
            "{f} differs with shuffled rows"
        );
    }
}

#[test]
fn compare_reports_the_change_in_family_draws() {
    // The what-if of 武汉 Q11: letting family accounts pay for care outside
    // Wuhan moves WB's Beijing claim (200) from cash to WG's account.
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &[
            "WG,wuhan,employed,with_account,1000.00,2015-01-01,,,,,",
            "WB,wuhan,retired,pool_only,,2015-01-01,,,,,",
        ],
        &["WG,WB,spouse,2024-01-01,"],
        &[
            "F4-BJ,1,WB,BJ-H3,2024-03-05 08:00:00,general,D001,1,200.00,200.00,",
            "F4-WH,1,WB,WH-C1,2024-03-05 09:00:00,general,D001,1,50.00,50.00,",
        ],
    );
    run(&wd, "d", &[]);
    let args = [
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--data",
        "d",
        "--out",
        "out/remote",
    ];
    wd.run(&[&args[..], &["--set", "wuhan.family_sharing_remote=true"]].concat())
        .expect_code(0);
    let c = wd.run(&[
        "compare",
        "--lang",
        "en",
        "out/d",
        "out/remote",
        "--out",
        "cmp.csv",
    ]);
    c.expect_code(0);
    let out = c.stdout();
    assert!(
        out.contains(
            "drawn from family accounts (family_account_pay): 50.00 → 250.00 (change +200.00)"
        ),
        "{out}"
    );
    let csv = wd.read("cmp.csv");
    let row = csv
        .lines()
        .find(|l| l.starts_with("F4-BJ,"))
        .expect("F4-BJ differs");
    assert!(row.ends_with(",0.00,200.00,200.00"), "{row}");
    assert!(!csv.contains("F4-WH,"), "{csv}");
}

#[test]
fn explain_shows_the_group_balances_and_the_family_draw() {
    // POLICY.md §6a: PA's F1 (200) is paid from CH's account on the 5th, so
    // CH's own claim on the 6th starts from 800, not 1000.
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &[
            "CH,shiyan,employed,with_account,1000.00,2015-01-01,,,,,",
            "PA,shiyan,retired,pool_only,,2015-01-01,,,,,",
        ],
        &["CH,PA,parent,2024-01-01,"],
        &[
            "F1,1,PA,SY-C1,2024-03-05 09:00:00,general,D001,1,200.00,200.00,",
            "F0,1,CH,SY-C1,2024-03-06 09:00:00,general,D001,1,100.00,100.00,",
        ],
    );
    run(&wd, "d", &[]);
    let r = wd.run(&["explain", "F1", "F0", "--run", "out/d", "--lang", "en"]);
    r.expect_code(0);
    let out = r.stdout();
    assert!(
        out.contains("balance 0.00 → account pays 0.00 → balance 0.00; cash 0.00")
            && out
                .contains("family sharing (POLICY §6a): grantors' accounts pay 200.00 (CH:200.00)")
            && out.contains("balance 800.00 → account pays 100.00 → balance 700.00; cash 0.00"),
        "{out}"
    );
}

#[test]
fn a_pool_denied_pharmacy_bill_is_paid_from_the_family_account_but_never_daily_goods() {
    // The everyday case of the issue: a 单建统筹 parent's pharmacy bill
    // without a prescription is pool_denied (十政办发〔2022〕61号 第十七条),
    // and the account may still pay it (POLICY.md §6, §6a). The medical
    // scope never covers daily goods (第十三条): D001 200 is drawn from CH,
    // N001 shampoo 30 is cash.
    let wd = Workdir::new().with_sample();
    data(
        &wd,
        "d",
        &[
            "CH,shiyan,employed,with_account,1000.00,2015-01-01,,,,,",
            "PA,shiyan,retired,pool_only,,2015-01-01,,,,,",
        ],
        &["CH,PA,父母,2024-01-01,"],
        &[
            "F11,1,PA,SY-P1,2024-03-05 09:00:00,general,D001,1,200.00,200.00,",
            "F11,2,PA,SY-P1,2024-03-05 09:00:00,general,N001,1,30.00,30.00,",
        ],
    );
    let p = run(&wd, "d", &[]);
    assert_eq!(field(&p, "F11", "status"), "pool_denied");
    assert_eq!(
        family_cols(&p, "F11"),
        cols("200.00", "200.00", "CH:200.00", "30.00")
    );
}
