//! Every rule id of POLICY.md with amounts computed by hand from the policy
//! text. Shiyan figures are the seed's (十政办发〔2022〕61号); Wuhan and
//! Ezhou figures marked provisional are the rule files' placeholders.

use crate::fixture::*;
use tongchou::adjudicate::{RuleId, Status};
use tongchou::model::*;
use RuleId::*;

// ---------- §5 deductible, ratio, cap ----------

#[test]
fn shiyan_retiree_level2_pays_225_on_eligible_800() {
    // 十堰 第五条: deductible 500; retired at level 2: 75%.
    // round2((800 − 500) × 0.75) = 225.00.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Retired);
    let dec = w.one(claim("C1", "P1", "SY-H2", "2024-03-04").line("A1", "1", "800.00"));
    assert_eq!(dec.status, Status::Paid);
    assert_eq!(dec.eligible, d("800.00"));
    assert_eq!(dec.deductible_applied, d("500.00"));
    assert_eq!(dec.ratio, Some(d("0.75")));
    assert_eq!(dec.fund_pay, d("225.00"));
    assert_eq!(dec.totals_after, Some((d("500.00"), d("225.00"))));
    assert_eq!(dec.reasons, vec![DEDUCTIBLE]);
    // 十堰 第十二条(二): the account pays the rest of the medical cost.
    assert_eq!(dec.account_pay, d("575.00"));
    assert_eq!(dec.cash_pay, d("0.00"));
}

#[test]
fn shiyan_ratio_table_by_category_and_level() {
    // 十堰 第五条 2.: employed 50/65/80 %, retired 60/75/90 % at levels 3/2/1;
    // clinics count as level 1; 第十七条: internet hospitals pay as on site.
    // Deductible already met; eligible 100.00 → fund = 100 × ratio.
    let cases = [
        (Category::Employed, "SY-H3", "50.00"),
        (Category::Employed, "SY-H2", "65.00"),
        (Category::Employed, "SY-C", "80.00"),
        (Category::Employed, "SY-I3", "50.00"),
        (Category::Retired, "SY-H3", "60.00"),
        (Category::Retired, "SY-H2", "75.00"),
        (Category::Retired, "SY-C", "90.00"),
    ];
    for (category, inst, fund) in cases {
        let mut w = World::new();
        w.member("P1", "shiyan", category);
        let c = claim("C1", "P1", inst, "2024-03-04").line("A1", "1", "100.00");
        let dec = w
            .run("P1", &[c], Some(met("P1", 2024, "500.00", "0.00")))
            .remove(0);
        assert_eq!(dec.fund_pay, d(fund), "{category:?} at {inst}");
        assert_eq!(dec.deductible_applied, d("0.00"));
    }
}

#[test]
fn deductible_is_carried_across_claims_of_the_year() {
    // 十堰 第五条: the 500 deductible is counted over the calendar year.
    // Claim 1: 300 all to the deductible. Claim 2: 300 → 200 to the
    // deductible, round2(100 × 0.65) = 65.00 (employed, level 2).
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c1 = claim("C1", "P1", "SY-H2", "2024-03-04").line("A1", "1", "300.00");
    let c2 = claim("C2", "P1", "SY-H2", "2024-03-05").line("A1", "1", "300.00");
    let out = w.run("P1", &[c2, c1], None);
    assert_eq!(
        (
            out[0].claim_id.as_str(),
            out[0].deductible_applied,
            out[0].fund_pay
        ),
        ("C1", d("300.00"), d("0.00"))
    );
    assert_eq!(out[0].ratio, None, "the pool paid nothing");
    assert_eq!(
        (out[1].deductible_applied, out[1].fund_pay),
        (d("200.00"), d("65.00"))
    );
    assert_eq!(out[1].totals_after, Some((d("500.00"), d("65.00"))));
}

#[test]
fn annual_cap_stops_the_fund_at_3000() {
    // 十堰 第五条 3.: the fund pays at most 3000 a year. With 2900 already
    // paid and the deductible met, employed at a clinic (80%) with eligible
    // 1000: raw 800.00, fund 100.00, cap_cut 700.00.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c = claim("C1", "P1", "SY-C", "2024-03-04").line("A1", "1", "1000.00");
    let dec = w
        .run("P1", &[c], Some(met("P1", 2024, "500.00", "2900.00")))
        .remove(0);
    assert_eq!((dec.fund_pay, dec.cap_cut), (d("100.00"), d("700.00")));
    assert_eq!(dec.totals_after, Some((d("500.00"), d("3000.00"))));
    assert_eq!(dec.reasons, vec![CAP_REACHED]);
    // Once reached, the fund pays nothing more that year.
    let c2 = claim("C2", "P1", "SY-C", "2024-03-05").line("A1", "1", "50.00");
    let dec2 = w
        .run("P1", &[c2], Some(met("P1", 2024, "500.00", "3000.00")))
        .remove(0);
    assert_eq!(
        (dec2.fund_pay, dec2.cap_cut, dec2.ratio),
        (d("0.00"), d("40.00"), None)
    );
}

#[test]
fn totals_reset_on_the_first_of_january() {
    // 十堰 第五条: 一个自然年度内 … 不得结转累加到次年. A 2023 ledger with the
    // deductible met and the cap reached does not count for 2024:
    // 800 → 500 deductible again, round2(300 × 0.65) = 195.00.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c = claim("C1", "P1", "SY-H2", "2024-01-02").line("A1", "1", "800.00");
    let dec = w
        .run("P1", &[c], Some(met("P1", 2023, "500.00", "3000.00")))
        .remove(0);
    assert_eq!(
        (dec.deductible_applied, dec.fund_pay),
        (d("500.00"), d("195.00"))
    );
}

#[test]
fn fund_rounds_half_up_not_to_even() {
    // POLICY.md §5.3 round2 is ROUND_HALF_UP: eligible 100.25 at 50% is
    // 50.125 → 50.13 (half-to-even would give 50.12).
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c = claim("C1", "P1", "SY-H3", "2024-03-04").line("A1", "1", "100.25");
    let dec = w
        .run("P1", &[c], Some(met("P1", 2024, "500.00", "0.00")))
        .remove(0);
    assert_eq!(dec.fund_pay, d("50.13"));
}

// ---------- §4 remote care ----------

#[test]
fn wuhan_member_unregistered_in_beijing_first_pays_ten_percent() {
    // 武汉 Q7: 其他情形的需个人先支付10%. Eligible 1000.00 → remote_prepay 100.00,
    // eligible 900.00; deductible 500 (provisional); employed level 3 55%
    // (provisional): round2(400 × 0.55) = 220.00.
    let mut w = World::new();
    w.member("P1", "wuhan", Category::Employed);
    let dec = w.one(claim("C1", "P1", "BJ-H3", "2024-03-04").line("A1", "1", "1000.00"));
    assert_eq!(
        (dec.remote_prepay, dec.eligible),
        (d("100.00"), d("900.00"))
    );
    assert_eq!(
        (dec.deductible_applied, dec.fund_pay),
        (d("500.00"), d("220.00"))
    );
    assert_eq!(dec.reasons, vec![DEDUCTIBLE, REMOTE_PREPAY], "sorted by id");
}

#[test]
fn registered_long_term_remote_care_follows_home_rules() {
    // 武汉 Q7: 异地安置/异地长期居住/常驻异地工作 in the registered city: no prepay.
    // A temporary registration, another city, or an expired one: 10% first.
    let cases = [
        (RemoteType::RelocatedRetiree, "beijing", None, "0.00"),
        (RemoteType::LongTermResident, "beijing", None, "0.00"),
        (RemoteType::StationedWorker, "beijing", None, "0.00"),
        (RemoteType::Temporary, "beijing", None, "100.00"),
        (RemoteType::StationedWorker, "shanghai", None, "100.00"),
        (
            RemoteType::StationedWorker,
            "beijing",
            Some("2024-02-29"),
            "100.00",
        ),
    ];
    for (t, city, to, prepay) in cases {
        let mut w = World::new();
        w.member("P1", "wuhan", Category::Employed).remote = Some(RemoteRegistration {
            remote_type: t,
            city: city.into(),
            from: Some(date("2023-01-01")),
            to: to.map(date),
        });
        let dec = w.one(claim("C1", "P1", "BJ-H3", "2024-03-04").line("A1", "1", "1000.00"));
        assert_eq!(dec.remote_prepay, d(prepay), "{t:?} in {city} to {to:?}");
    }
}

#[test]
fn shiyan_remote_care_pays_no_prepay() {
    // 十堰 第八条: remote outpatient care follows Shiyan's own policy (share 0).
    // Employed level 3: round2((1000 − 500) × 0.50) = 250.00.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let dec = w.one(claim("C1", "P1", "BJ-H3", "2024-03-04").line("A1", "1", "1000.00"));
    assert_eq!((dec.remote_prepay, dec.fund_pay), (d("0.00"), d("250.00")));
    assert!(!dec.reasons.contains(&REMOTE_PREPAY));
}

#[test]
fn catalogue_of_the_place_of_treatment() {
    // 湖北医保问答 Q29 就医地目录: a local entry overrides the general one where
    // care is given (LOC is class C in Wuhan, A elsewhere); an item listed only
    // for Beijing is outside the catalogue in Shiyan.
    let mut w = World::new();
    w.member("P1", "wuhan", Category::Employed);
    w.member("P2", "shiyan", Category::Employed);
    let dec = w.one(claim("C1", "P1", "WH-H3", "2024-03-04").line("LOC", "1", "40.00"));
    assert_eq!(
        (dec.excluded, dec.reasons.clone()),
        (d("40.00"), vec![CLASS_C])
    );
    let dec = w.one(
        claim("C2", "P2", "SY-H3", "2024-03-04")
            .line("LOC", "1", "40.00")
            .line("BJONLY", "1", "30.00"),
    );
    assert_eq!((dec.eligible, dec.excluded), (d("40.00"), d("30.00")));
    assert_eq!(rules_at(&dec, Some(2)), vec![NOT_IN_CATALOGUE]);
}

// ---------- §3 line rules ----------

#[test]
fn class_b_first_self_paid_share() {
    // 湖北医保问答 Q30: class B pays its first self-paid share before pooling.
    // Default share 0.10 (provisional): 100.00 → 10.00; item share 0.20 on
    // 33.33 → round2(6.666) = 6.67.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let dec = w.one(
        claim("C1", "P1", "SY-H3", "2024-03-04")
            .line("B1", "1", "100.00")
            .line("B20", "1", "33.33"),
    );
    assert_eq!(dec.b_selfpay, d("16.67"));
    assert_eq!(dec.eligible, d("116.66"));
    assert_eq!(
        dec.findings
            .iter()
            .filter(|f| f.rule == B_SELFPAY)
            .map(|f| f.amount)
            .collect::<Vec<_>>(),
        vec![d("10.00"), d("6.67")]
    );
}

#[test]
fn price_above_the_payment_standard_is_self_paid() {
    // POLICY.md §3.6: over = round2((12.00 − 10.00) × 30) = 60.00 excluded; the
    // remaining 300.00 is eligible.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let dec = w.one(
        claim("C1", "P1", "SY-H3", "2024-03-04")
            .line("CAPPED", "30", "12.00")
            .line("CAPPED", "5", "9.50"),
    );
    assert_eq!((dec.excluded, dec.eligible), (d("60.00"), d("347.50")));
    assert_eq!(rules_at(&dec, Some(1)), vec![PRICE_CAP]);
    assert!(
        rules_at(&dec, Some(2)).is_empty(),
        "under the standard: no finding"
    );
}

#[test]
fn supply_beyond_twelve_weeks_is_self_paid() {
    // 武汉 Q5 / 鄂州 五: at most 12 weeks (84 days). 90 days of a 90.00 line:
    // round2(90 × 6 / 90) = 6.00. 100 days of 33.33: round2(33.33 × 16 / 100)
    // = round2(5.3328) = 5.33. 84 days: nothing.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c = claim("C1", "P1", "SY-H3", "2024-03-04")
        .line("A1", "1", "90.00")
        .line("A1", "1", "33.33")
        .line("A1", "1", "50.00")
        .with(|c| {
            c.lines[0].supply_days = Some(90);
            c.lines[1].supply_days = Some(100);
            c.lines[2].supply_days = Some(84);
        });
    let dec = w.one(c);
    let amounts: Vec<_> = dec
        .findings
        .iter()
        .filter(|f| f.rule == SUPPLY_DAYS)
        .map(|f| (f.line_no, f.amount))
        .collect();
    assert_eq!(amounts, vec![(Some(1), d("6.00")), (Some(2), d("5.33"))]);
    assert_eq!(dec.excluded, d("11.33"));
}

#[test]
fn whole_line_exclusions_name_the_first_rule_that_applies() {
    // POLICY.md §3.1-5 at a Shiyan pharmacy with a level-2 prescriber:
    // X (not in catalogue), SOAP (daily goods, 湖北医保问答 Q40), C1 (class C,
    // Q7), A1 without prescription (武汉 Q1), SM (special management, seed
    // 002). C1 without a prescription is CLASS_C, not NO_PRESCRIPTION.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c = claim("C1", "P1", "SY-P", "2024-03-04")
        .line("X", "1", "1.00")
        .line("SOAP", "1", "2.00")
        .line("C1", "1", "4.00")
        .line("A1", "1", "8.00")
        .line("SM", "1", "16.00")
        .line("A1", "1", "32.00")
        .rx("SY-H2")
        .with(|c| {
            c.lines[2].prescription_id = None;
            c.lines[3].prescription_id = None;
        });
    let dec = w.one(c);
    let by_line: Vec<_> = (1..=5).map(|n| rules_at(&dec, Some(n))).collect();
    assert_eq!(
        by_line,
        vec![
            vec![NOT_IN_CATALOGUE],
            vec![NON_MEDICAL],
            vec![CLASS_C],
            vec![NO_PRESCRIPTION],
            vec![SPECIAL_MANAGEMENT]
        ]
    );
    assert_eq!((dec.excluded, dec.eligible), (d("31.00"), d("32.00")));
    assert_eq!(dec.non_medical, d("2.00"));
}

// ---------- §5.2 pharmacies ----------

#[test]
fn ezhou_pharmacy_pays_fixed_60_and_68_percent() {
    // 鄂州 二: 凭外配处方 在职 60%, 退休 68%. Deductible met; eligible 600:
    // retired round2(600 × 0.68) = 408.00; employed 360.00.
    for (category, fund) in [
        (Category::Retired, "408.00"),
        (Category::Employed, "360.00"),
    ] {
        let mut w = World::new();
        w.member("P1", "ezhou", category);
        let c = claim("C1", "P1", "EZ-P", "2024-03-04")
            .line("A1", "1", "600.00")
            .rx("EZ-H2");
        let dec = w
            .run("P1", &[c], Some(met("P1", 2024, "500.00", "0.00")))
            .remove(0);
        assert_eq!(
            (dec.fund_pay, dec.ratio),
            (
                d(fund),
                Some(if fund == "408.00" {
                    d("0.68")
                } else {
                    d("0.60")
                })
            )
        );
    }
}

#[test]
fn shiyan_pharmacy_ratio_follows_the_prescriber_level() {
    // 十堰 第十七条: 外配购药的支付比例按其出具处方的定点医疗机构级别执行.
    // Employed, prescriber level 2 → 65%; a clinic prescriber → 80%.
    for (prescriber, fund) in [("SY-H2", "65.00"), ("SY-C", "80.00"), ("SY-H3", "50.00")] {
        let mut w = World::new();
        w.member("P1", "shiyan", Category::Employed);
        let c = claim("C1", "P1", "SY-P", "2024-03-04")
            .line("A1", "1", "100.00")
            .rx(prescriber);
        let dec = w
            .run("P1", &[c], Some(met("P1", 2024, "500.00", "0.00")))
            .remove(0);
        assert_eq!(dec.fund_pay, d(fund), "prescriber {prescriber}");
    }
}

// ---------- §2 claim-level checks ----------

fn status_and_reasons(w: &World, c: tongchou::model::Claim) -> (Status, Vec<RuleId>) {
    let dec = w.one(c);
    (dec.status, dec.reasons)
}

#[test]
fn unknown_member_and_institution_are_denied_whole() {
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let dec = w.one(claim("C1", "NOBODY", "SY-H2", "2024-03-04").line("A1", "1", "80.00"));
    assert_eq!(
        (dec.status, dec.reasons.clone(), dec.excluded, dec.cash_pay),
        (Status::Denied, vec![MEMBER_UNKNOWN], d("80.00"), d("80.00"))
    );
    assert_eq!(dec.totals_after, None, "no totals for an unknown member");
    let dec = w.one(claim("C1", "P1", "NOWHERE", "2024-03-04").line("A1", "1", "80.00"));
    assert_eq!(
        (dec.status, dec.reasons.clone()),
        (Status::Denied, vec![INSTITUTION_UNKNOWN])
    );
    assert_eq!(
        dec.account_pay,
        d("0.00"),
        "denied: no account payment either"
    );
}

#[test]
fn outside_the_benefit_period_is_denied() {
    // 十堰 第五条: 在待遇享受期内. Both ends included.
    let mut w = World::new();
    let mut m = w.member("P1", "shiyan", Category::Employed);
    m.benefit_from = date("2024-03-05");
    m.benefit_to = Some(date("2024-03-20"));
    drop(m);
    for (day, status) in [
        ("2024-03-04", Status::Denied),
        ("2024-03-05", Status::Paid),
        ("2024-03-20", Status::Paid),
        ("2024-03-21", Status::Denied),
    ] {
        let (s, _) =
            status_and_reasons(&w, claim("C1", "P1", "SY-H2", day).line("A1", "1", "10.00"));
        assert_eq!(s, status, "{day}");
    }
    let (_, r) = status_and_reasons(
        &w,
        claim("C1", "P1", "SY-H2", "2024-03-21").line("A1", "1", "10.00"),
    );
    assert_eq!(r, vec![OUTSIDE_BENEFIT_PERIOD]);
}

#[test]
fn excluded_causes_are_denied() {
    // 社会保险法 第三十条 (湖北医保问答 Q14-16).
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    for x in [
        Exclusion::ThirdParty,
        Exclusion::WorkInjury,
        Exclusion::PublicHealth,
        Exclusion::Abroad,
    ] {
        let c = claim("C1", "P1", "SY-H2", "2024-03-04")
            .line("A1", "1", "10.00")
            .with(|c| c.exclusion = Some(x));
        assert_eq!(
            status_and_reasons(&w, c),
            (Status::Denied, vec![EXCLUDED_CAUSE])
        );
    }
}

#[test]
fn remote_manual_claims_are_due_by_the_end_of_the_next_first_quarter() {
    // 十堰 第十八条: remote care that could not be settled directly is handed
    // in 于次年第一季度内 … 逾期不再予以办理. Service 2023-06-01 in Beijing: handed in
    // 2024-03-31 is in time, 2024-04-01 is late. The member is paid.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let manual = |inst: &str, submitted: &str| {
        let s = date(submitted);
        claim("C1", "P1", inst, "2023-06-01")
            .line("A1", "1", "10.00")
            .with(move |c| {
                c.settlement_mode = SettlementMode::Manual;
                c.submitted_date = Some(s);
            })
    };
    let ok = w.one(manual("BJ-H3", "2024-03-31"));
    assert_eq!(
        (ok.status, ok.payee),
        (Status::Paid, tongchou::adjudicate::Payee::Member)
    );
    assert_eq!(
        status_and_reasons(&w, manual("BJ-H3", "2024-04-01")),
        (Status::Denied, vec![MANUAL_LATE])
    );
    // The article speaks of remote care only: a manual claim at home has no
    // deadline in the sources (POLICY.md §2 reads wider; the seed wins).
    assert_eq!(w.one(manual("SY-H2", "2025-12-01")).status, Status::Paid);
    // Wuhan has no deadline in the sources (provisional `none`).
    w.member("P2", "wuhan", Category::Employed);
    let c = manual("BJ-H3", "2025-12-01").with(|c| c.person_id = "P2".into());
    assert_eq!(w.one(c).status, Status::Paid);
}

#[test]
fn institution_outside_its_agreement_is_denied() {
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    w.institution("SY-H2").valid_to = Some(date("2024-02-29"));
    let c = claim("C1", "P1", "SY-H2", "2024-03-01").line("A1", "1", "10.00");
    assert_eq!(
        status_and_reasons(&w, c),
        (Status::Denied, vec![INSTITUTION_NOT_DESIGNATED])
    );
}

#[test]
fn other_benefits_are_routed_and_leave_totals_alone() {
    // 十堰 第五条 (分别控制), 第十六条: 门诊慢特病费用不纳入普通门诊统筹.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    for v in [
        VisitType::Chronic,
        VisitType::TwoDiseases,
        VisitType::Maternity,
        VisitType::DualChannel,
    ] {
        let c = claim("C1", "P1", "SY-H2", "2024-03-04")
            .line("A1", "1", "900.00")
            .with(|c| c.visit_type = v);
        let dec = w.one(c);
        assert_eq!(
            (dec.status, dec.reasons.clone(), dec.account_pay),
            (Status::Routed, vec![OTHER_BENEFIT], d("0.00"))
        );
        assert_eq!(dec.totals_after, Some((d("0"), d("0"))));
    }
}

#[test]
fn not_pooling_denies_the_pool_but_not_the_account() {
    // 十堰 第十五条; 鄂州 一. Line rules still split the total; the account pays.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    w.institution("SY-H2").outpatient_pooling = false;
    let dec = w.one(
        claim("C1", "P1", "SY-H2", "2024-03-04")
            .line("B1", "1", "100.00")
            .line("C1", "1", "20.00"),
    );
    assert_eq!(dec.status, Status::PoolDenied);
    assert_eq!(
        dec.reasons,
        vec![B_SELFPAY, CLASS_C, INSTITUTION_NOT_POOLING]
    );
    assert_eq!(
        (dec.excluded, dec.b_selfpay, dec.eligible),
        (d("20.00"), d("10.00"), d("90.00"))
    );
    assert_eq!(
        (dec.deductible_applied, dec.fund_pay, dec.ratio),
        (d("0.00"), d("0.00"), None)
    );
    assert_eq!((dec.account_pay, dec.cash_pay), (d("120.00"), d("0.00")));
    assert_eq!(dec.totals_after, Some((d("0"), d("0"))), "totals untouched");
}

#[test]
fn no_outpatient_pooling_during_an_inpatient_stay() {
    // 十堰 第九条. Admission and discharge days included; an open stay covers
    // every later day.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    w.r.stays.insert(
        "P1".into(),
        vec![
            Stay {
                institution_id: "SY-H3".into(),
                admit_date: date("2024-03-10"),
                discharge_date: Some(date("2024-03-15")),
            },
            Stay {
                institution_id: "SY-H3".into(),
                admit_date: date("2024-03-28"),
                discharge_date: None,
            },
        ],
    );
    for (day, status) in [
        ("2024-03-09", Status::Paid),
        ("2024-03-10", Status::PoolDenied),
        ("2024-03-15", Status::PoolDenied),
        ("2024-03-16", Status::Paid),
        ("2024-03-31", Status::PoolDenied),
    ] {
        let (s, r) =
            status_and_reasons(&w, claim("C1", "P1", "SY-C", day).line("A1", "1", "10.00"));
        assert_eq!(s, status, "{day}");
        assert_eq!(r.contains(&INPATIENT_OVERLAP), status == Status::PoolDenied);
    }
}

#[test]
fn remote_pharmacy_and_non_networked_remote_institution() {
    // seed 002: 异地定点零售药店购买处方药暂不支持医保结算; only networked
    // institutions settle remote members directly. A manual claim at the same
    // non-networked hospital is paid (with Wuhan's 10% first).
    let mut w = World::new();
    w.member("P1", "wuhan", Category::Employed);
    let c = claim("C1", "P1", "SH-P", "2024-03-04")
        .line("A1", "1", "10.00")
        .rx("WH-H3");
    assert_eq!(
        status_and_reasons(&w, c),
        (Status::PoolDenied, vec![REMOTE_PHARMACY])
    );
    w.institution("BJ-H3").remote_settlement = false;
    let c = claim("C2", "P1", "BJ-H3", "2024-03-04").line("A1", "1", "10.00");
    assert_eq!(
        status_and_reasons(&w, c.clone()),
        (Status::PoolDenied, vec![REMOTE_NOT_NETWORKED])
    );
    let manual = c.with(|c| {
        c.settlement_mode = SettlementMode::Manual;
        c.submitted_date = Some(date("2024-03-20"));
    });
    let dec = w.one(manual);
    assert_eq!((dec.status, dec.remote_prepay), (Status::Paid, d("1.00")));
}

#[test]
fn pharmacy_claim_needs_a_prescriber_where_the_ratio_follows_it() {
    // 十堰 第十七条: the ratio comes from the prescriber's level; none, an
    // unknown institution or a pharmacy cannot give one. Ezhou's fixed ratio
    // needs no prescriber.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    w.member("P2", "ezhou", Category::Employed);
    for prescriber in [None, Some("NOWHERE"), Some("SY-P2")] {
        let mut c = claim("C1", "P1", "SY-P", "2024-03-04")
            .line("A1", "1", "10.00")
            .rx("x");
        c.lines[0].prescriber_id = prescriber.map(Into::into);
        assert_eq!(
            status_and_reasons(&w, c),
            (Status::PoolDenied, vec![PRESCRIBER_UNKNOWN]),
            "{prescriber:?}"
        );
    }
    let mut c = claim("C2", "P2", "EZ-P", "2024-03-04")
        .line("A1", "1", "10.00")
        .rx("x");
    c.lines[0].prescriber_id = None;
    assert_eq!(w.one(c).status, Status::Paid);
}

#[test]
fn the_first_claim_level_rule_decides() {
    // POLICY.md §2: checked in order; only the first is the claim's reason.
    // Excluded cause (4) beats other benefit (7) and not pooling (8).
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    w.institution("SY-H2").outpatient_pooling = false;
    let c = claim("C1", "P1", "SY-H2", "2024-03-04")
        .line("A1", "1", "10.00")
        .with(|c| {
            c.exclusion = Some(Exclusion::ThirdParty);
            c.visit_type = VisitType::Chronic;
        });
    assert_eq!(
        status_and_reasons(&w, c),
        (Status::Denied, vec![EXCLUDED_CAUSE])
    );
}

#[test]
fn rules_not_in_force_before_the_first_version() {
    // 十堰 第二十五条: in force from 2022-12-31; a claim of 2022-12-30 has no rules.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c = claim("C1", "P1", "SY-H2", "2022-12-30").line("A1", "1", "10.00");
    assert_eq!(
        status_and_reasons(&w, c),
        (Status::Denied, vec![NO_RULES_IN_FORCE])
    );
}

// ---------- §6 personal account ----------

#[test]
fn account_pays_the_medical_burden_up_to_its_balance() {
    // 十堰 第十二条(二) medical scope: total − fund − daily goods.
    // SY-H2 employed, deductible met: A1 200 → fund 130.00; SOAP 10 never
    // from the account; payable 200 + 10 − 130 − 10 = 70.00; balance 50.00 →
    // account 50.00, cash 30.00. Pool-only members have no account (第十条).
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed).account_balance = d("50.00");
    let c = || {
        claim("C1", "P1", "SY-H2", "2024-03-04")
            .line("A1", "1", "200.00")
            .line("SOAP", "1", "10.00")
    };
    let dec = w
        .run("P1", &[c()], Some(met("P1", 2024, "500.00", "0.00")))
        .remove(0);
    assert_eq!(
        (dec.fund_pay, dec.account_pay, dec.cash_pay),
        (d("130.00"), d("50.00"), d("30.00"))
    );
    w.member("P1", "shiyan", Category::Employed).account_type = AccountType::PoolOnly;
    let dec = w
        .run("P1", &[c()], Some(met("P1", 2024, "500.00", "0.00")))
        .remove(0);
    assert_eq!((dec.account_pay, dec.cash_pay), (d("0.00"), d("80.00")));
}

#[test]
fn account_balance_falls_claim_by_claim() {
    // Balance 100: claim 1 (60 under the deductible) takes 60, claim 2 (60)
    // takes the remaining 40.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed).account_balance = d("100.00");
    let c1 = claim("C1", "P1", "SY-H2", "2024-03-04").line("A1", "1", "60.00");
    let c2 = claim("C2", "P1", "SY-H2", "2024-03-05").line("A1", "1", "60.00");
    let out = w.run("P1", &[c1, c2], None);
    assert_eq!(
        (out[0].account_pay, out[1].account_pay, out[1].cash_pay),
        (d("60.00"), d("40.00"), d("20.00"))
    );
}

#[test]
fn policy_scope_account_pays_only_in_scope_self_pay() {
    // 十堰 第十二条(一) 政策范围内自付: b_selfpay + remote_prepay + eligible − fund.
    // B1 100 → b 10, eligible 90, fund round2(90 × 0.65) = 58.50 (deductible
    // met); C1 40 is outside the scope: account 41.50, cash 40.00.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    for v in &mut w
        .r
        .rules
        .cities
        .get_mut("shiyan")
        .expect("shiyan rules")
        .versions
    {
        v.account_scope.value = tongchou::rules::AccountScope::Policy;
    }
    let c = claim("C1", "P1", "SY-H2", "2024-03-04")
        .line("B1", "1", "100.00")
        .line("C1", "1", "40.00");
    let dec = w
        .run("P1", &[c], Some(met("P1", 2024, "500.00", "0.00")))
        .remove(0);
    assert_eq!(
        (dec.fund_pay, dec.account_pay, dec.cash_pay),
        (d("58.50"), d("41.50"), d("40.00"))
    );
}

// ---------- §7 flags ----------

#[test]
fn duplicate_line_is_flagged_on_the_later_claim_only() {
    // 湖北医保问答 Q42 重复计费: same person, institution, date, item, quantity
    // and amount as a line of an earlier claim. Payment unchanged.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c1 = claim("C1", "P1", "SY-H2", "2024-03-04").line("A1", "2", "15.00");
    let c2 = claim("C2", "P1", "SY-H2", "2024-03-04")
        .line("SVC", "1", "5.00")
        .line("A1", "2.0", "15.00");
    let c3 = claim("C3", "P1", "SY-H2", "2024-03-05").line("A1", "2", "15.00");
    let out = w.run("P1", &[c3, c2, c1], None);
    assert!(out[0].findings.iter().all(|f| f.rule != DUPLICATE_LINE));
    assert_eq!(rules_at(&out[1], Some(2)), vec![DUPLICATE_LINE]);
    assert!(
        rules_at(&out[2], Some(1)).is_empty(),
        "another day is not a duplicate"
    );
    assert!(
        !out[1].reasons.contains(&DUPLICATE_LINE),
        "flags are not reasons"
    );
}

#[test]
fn three_institutions_in_one_day_are_flagged() {
    // 湖北医保问答 Q40 (card lending); threshold 3 (provisional).
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let mk = |id: &str, inst: &str| claim(id, "P1", inst, "2024-03-04").line("A1", "1", "10.00");
    let two = w.run(
        "P1",
        &[mk("C1", "SY-H2"), mk("C2", "SY-H3"), mk("C3", "SY-H3")],
        None,
    );
    assert!(two
        .iter()
        .all(|d| d.findings.iter().all(|f| f.rule != MULTI_INSTITUTION_DAY)));
    let three = w.run(
        "P1",
        &[mk("C1", "SY-H2"), mk("C2", "SY-H3"), mk("C3", "SY-C")],
        None,
    );
    assert!(three
        .iter()
        .all(|d| rules_at(d, None).contains(&MULTI_INSTITUTION_DAY)));
}

#[test]
fn amount_not_matching_quantity_times_price_is_flagged() {
    // 湖北医保问答 Q42 多计费用: |round2(q × p) − amount| > 0.01.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let mut c = claim("C1", "P1", "SY-H2", "2024-03-04")
        .line("A1", "3", "25.00")
        .line("A1", "1", "10.00");
    c.lines[0].amount = d("75.02");
    c.lines[1].amount = d("10.01");
    let dec = w.one(c);
    let flagged: Vec<_> = dec
        .findings
        .iter()
        .filter(|f| f.rule == AMOUNT_MISMATCH)
        .map(|f| (f.line_no, f.amount))
        .collect();
    assert_eq!(flagged, vec![(Some(1), d("0.02"))]);
    assert_eq!(dec.total, d("85.03"), "the adjudicator pays on amount");
}

// ---------- §1 order, §8 reversals ----------

#[test]
fn order_is_service_time_then_claim_id_whatever_the_input_order() {
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let claims = vec![
        claim("B", "P1", "SY-H2", "2024-03-04").line("A1", "1", "400.00"),
        claim("A", "P1", "SY-H2", "2024-03-04").line("A1", "1", "400.00"),
        claim("0", "P1", "SY-H2", "2024-03-05").line("A1", "1", "400.00"),
    ];
    let mut reversed = claims.clone();
    reversed.reverse();
    let a = w.run("P1", &claims, None);
    let b = w.run("P1", &reversed, None);
    assert_eq!(a, b);
    assert_eq!(
        a.iter().map(|d| d.claim_id.as_str()).collect::<Vec<_>>(),
        vec!["A", "B", "0"]
    );
    // A takes 400 of the deductible; B the last 100 and pays round2(300 × 0.65).
    assert_eq!(a[1].fund_pay, d("195.00"));
}

#[test]
fn same_run_reversal_pays_nothing_and_touches_no_totals() {
    // POLICY.md §8: both marked; neither touches the totals. A reversal of a
    // claim not in the run is denied REVERSAL_UNKNOWN.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let orig = claim("C1", "P1", "SY-H2", "2024-03-04").line("A1", "1", "700.00");
    let rev = claim("C2", "P1", "SY-H2", "2024-03-04")
        .line("A1", "-1", "700.00")
        .with(|c| c.reverses_claim_id = Some("C1".into()));
    let later = claim("C3", "P1", "SY-H2", "2024-03-06").line("A1", "1", "700.00");
    let out = w.run("P1", &[orig, rev, later], None);
    assert_eq!(
        (out[0].status, out[1].status),
        (Status::Reversed, Status::Reversal)
    );
    assert_eq!(
        (out[0].fund_pay, out[1].fund_pay, out[1].total),
        (d("0"), d("0"), d("-700.00"))
    );
    // The later claim starts from zero: 500 deductible, round2(200 × 0.65) = 130.00.
    assert_eq!(
        (out[2].deductible_applied, out[2].fund_pay),
        (d("500.00"), d("130.00"))
    );
    let unknown = claim("C9", "P1", "SY-H2", "2024-03-04")
        .line("A1", "-1", "5.00")
        .with(|c| c.reverses_claim_id = Some("OLD".into()));
    assert_eq!(
        status_and_reasons(&w, unknown),
        (Status::Denied, vec![REVERSAL_UNKNOWN])
    );
}
