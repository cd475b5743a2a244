//! POLICY.md §7 pattern flags `SPLIT_VISIT`, `EARLY_REFILL` and
//! `VISIT_FREQUENCY`, computed by hand on the pure core, with their
//! boundaries (exactly at the threshold, across midnight, reversal pairs),
//! and their city parameters through the real binary (`rules show`,
//! `--set`).

use crate::fixture::*;
use crate::workdir::Workdir;
use tongchou::adjudicate::{ClaimDecision, RuleId};
use tongchou::date::DateTime;
use tongchou::model::*;
use tongchou::rules::Share;
use RuleId::*;

/// (claim_id, line_no, amount) of every finding of `rule`.
fn hits(out: &[ClaimDecision], rule: RuleId) -> Vec<(String, Option<u32>, String)> {
    out.iter()
        .flat_map(|dec| {
            dec.findings
                .iter()
                .filter(|f| f.rule == rule)
                .map(|f| (dec.claim_id.to_string(), f.line_no, f.amount.to_string()))
        })
        .collect()
}

fn at(c: Claim, day: &str, hh: u32, mm: u32) -> Claim {
    c.with(|c| {
        c.service_time = DateTime {
            date: date(day),
            seconds: hh * 3600 + mm * 60,
        }
    })
}

fn reversal_of(id: &str, original: &Claim) -> Claim {
    let mut r = original.clone();
    r.claim_id = id.into();
    r.reverses_claim_id = Some(original.claim_id.clone());
    for l in &mut r.lines {
        l.quantity = -l.quantity;
        l.amount = -l.amount;
    }
    r
}

fn supply(c: Claim, days: u32) -> Claim {
    c.with(|c| {
        for l in &mut c.lines {
            l.supply_days = Some(days);
        }
    })
}

// ---------- SPLIT_VISIT ----------

#[test]
fn split_visit_flags_every_claim_after_the_first_at_one_institution_that_day() {
    // split_visit_min = 2: two general claims at SY-H2 on 03-04 → the
    // second (by service_time) is flagged with its total; a third claim the
    // same day at another institution is not part of the visit.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c1 =
        at(claim("C1", "P1", "SY-H2", "2024-03-04"), "2024-03-04", 8, 0).line("A1", "1", "30.00");
    let c2 = at(
        claim("C2", "P1", "SY-H2", "2024-03-04"),
        "2024-03-04",
        10,
        0,
    )
    .line("SVC", "1", "12.50");
    let c3 = at(
        claim("C3", "P1", "SY-H3", "2024-03-04"),
        "2024-03-04",
        11,
        0,
    )
    .line("A1", "1", "1.00");
    let out = w.run("P1", &[c3, c2, c1], None);
    assert_eq!(
        hits(&out, SPLIT_VISIT),
        vec![("C2".to_string(), None, "12.50".to_string())]
    );
    let f = out[1]
        .findings
        .iter()
        .find(|f| f.rule == SPLIT_VISIT)
        .expect("flagged");
    assert!(f.detail.contains("C1"), "points at the first: {}", f.detail);
    // A flag: the payment is the same as without it.
    assert_eq!(out[1].fund_pay + out[1].account_pay, d("12.50"));
}

#[test]
fn split_visit_across_midnight_is_two_days() {
    // 23:59 and 00:01 the next day: two calendar days, no split visit.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c1 = at(
        claim("C1", "P1", "SY-H2", "2024-03-04"),
        "2024-03-04",
        23,
        59,
    )
    .line("A1", "1", "30.00");
    let c2 =
        at(claim("C2", "P1", "SY-H2", "2024-03-05"), "2024-03-05", 0, 1).line("A1", "1", "30.00");
    let out = w.run("P1", &[c1, c2], None);
    assert!(hits(&out, SPLIT_VISIT).is_empty());
}

#[test]
fn split_visit_ignores_reversal_pairs_other_visit_types_and_unknown_members() {
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c1 = claim("C1", "P1", "SY-H2", "2024-03-04").line("A1", "1", "30.00");
    let c2 = at(
        claim("C2", "P1", "SY-H2", "2024-03-04"),
        "2024-03-04",
        10,
        0,
    )
    .line("A1", "1", "20.00");
    let r2 = at(reversal_of("R2", &c2), "2024-03-04", 11, 0);
    // C2 is cancelled by R2 in this run: neither counts, C1 stands alone.
    let out = w.run("P1", &[c1.clone(), c2, r2], None);
    assert!(
        hits(&out, SPLIT_VISIT).is_empty(),
        "{:?}",
        hits(&out, SPLIT_VISIT)
    );
    // A maternity claim is not a general/emergency visit.
    let m = at(
        claim("C3", "P1", "SY-H2", "2024-03-04"),
        "2024-03-04",
        12,
        0,
    )
    .line("A1", "1", "5.00")
    .with(|c| c.visit_type = VisitType::Maternity);
    assert!(hits(&w.run("P1", &[c1.clone(), m], None), SPLIT_VISIT).is_empty());
    // Emergency counts with general.
    let e = at(
        claim("C4", "P1", "SY-H2", "2024-03-04"),
        "2024-03-04",
        12,
        0,
    )
    .line("A1", "1", "5.00")
    .with(|c| c.visit_type = VisitType::Emergency);
    assert_eq!(hits(&w.run("P1", &[c1, e], None), SPLIT_VISIT).len(), 1);
    // Unknown member: denied, not flagged (the threshold is the insuring
    // city's).
    let u1 = claim("U1", "NOBODY", "SY-H2", "2024-03-04").line("A1", "1", "1.00");
    let u2 = at(
        claim("U2", "NOBODY", "SY-H2", "2024-03-04"),
        "2024-03-04",
        10,
        0,
    )
    .line("A1", "1", "1.00");
    assert!(hits(&w.run("NOBODY", &[u1, u2], None), SPLIT_VISIT).is_empty());
}

#[test]
fn split_visit_minimum_is_the_city_parameter() {
    // split_visit_min = 3: two claims are not enough; three → the 2nd and
    // 3rd are flagged.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    for v in &mut w.r.rules.cities.get_mut("shiyan").expect("shiyan").versions {
        v.split_visit_min.value = 3;
    }
    let mk = |id: &str, h: u32| {
        at(claim(id, "P1", "SY-H2", "2024-03-04"), "2024-03-04", h, 0).line("A1", "1", "1.00")
    };
    assert!(hits(&w.run("P1", &[mk("C1", 8), mk("C2", 9)], None), SPLIT_VISIT).is_empty());
    let flagged: Vec<String> = hits(
        &w.run("P1", &[mk("C1", 8), mk("C2", 9), mk("C3", 10)], None),
        SPLIT_VISIT,
    )
    .into_iter()
    .map(|h| h.0)
    .collect();
    assert_eq!(flagged, vec!["C2", "C3"]);
}

// ---------- VISIT_FREQUENCY ----------

/// `n` claims of P1 in March 2024, one a day from 03-01 (C01, C02, …).
fn month_of_claims(n: u32) -> Vec<Claim> {
    (1..=n)
        .map(|i| {
            let day = format!("2024-03-{i:02}");
            claim(&format!("C{i:02}"), "P1", "SY-H2", &day).line("A1", "1", "10.00")
        })
        .collect()
}

#[test]
fn visit_frequency_exactly_at_the_threshold_is_not_flagged() {
    // visit_frequency_threshold = 20: 20 claims in the month, no flag.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    assert!(hits(&w.run("P1", &month_of_claims(20), None), VISIT_FREQUENCY).is_empty());
}

#[test]
fn visit_frequency_flags_the_21st_claim_once() {
    // 23 claims: only the 21st (C21) is flagged, with its total.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let out = w.run("P1", &month_of_claims(23), None);
    assert_eq!(
        hits(&out, VISIT_FREQUENCY),
        vec![("C21".to_string(), None, "10.00".to_string())]
    );
    let f = out[20]
        .findings
        .iter()
        .find(|f| f.rule == VISIT_FREQUENCY)
        .expect("flagged");
    assert_eq!(
        f.detail, "claim 21 of 2024-03, above the threshold of 20",
        "{}",
        f.detail
    );
}

#[test]
fn visit_frequency_does_not_count_a_reversal_pair_or_another_month() {
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    // 21 claims, one of them cancelled in the same run: 20 count.
    let mut claims = month_of_claims(21);
    let r = at(reversal_of("R05", &claims[4]), "2024-03-05", 18, 0);
    claims.push(r);
    assert!(hits(&w.run("P1", &claims, None), VISIT_FREQUENCY).is_empty());
    // 20 claims in March and one on 04-01: each month counts on its own.
    let mut claims = month_of_claims(20);
    claims.push(claim("A01", "P1", "SY-H2", "2024-04-01").line("A1", "1", "10.00"));
    assert!(hits(&w.run("P1", &claims, None), VISIT_FREQUENCY).is_empty());
}

// ---------- EARLY_REFILL ----------

#[test]
fn early_refill_boundary_one_third_left_is_not_flagged() {
    // Supply of 30 days on 03-01. On 03-21, 20 days have passed: 10 left,
    // which is exactly 1/3 × 30, not more than it → no flag.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c1 = supply(
        claim("C1", "P1", "SY-H2", "2024-03-01").line("A1", "30", "1.00"),
        30,
    );
    let c2 = claim("C2", "P1", "SY-P", "2024-03-21").line("A1", "30", "1.00");
    assert!(hits(&w.run("P1", &[c1, c2], None), EARLY_REFILL).is_empty());
}

#[test]
fn early_refill_one_day_earlier_is_flagged_on_the_later_line() {
    // On 03-20, 19 days have passed: 11 left > 10 → the later line is
    // flagged (any institution), with its amount and the days left.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let c1 = supply(
        claim("C1", "P1", "SY-H2", "2024-03-01").line("A1", "30", "1.00"),
        30,
    );
    let c2 = claim("C2", "P1", "SY-H3", "2024-03-20")
        .line("SVC", "1", "5.00")
        .line("A1", "28", "1.00");
    let out = w.run("P1", &[c2, c1], None);
    assert_eq!(
        hits(&out, EARLY_REFILL),
        vec![("C2".to_string(), Some(2), "28.00".to_string())]
    );
    let f = &out[1]
        .findings
        .iter()
        .find(|f| f.rule == EARLY_REFILL)
        .expect("flagged");
    assert!(
        f.detail.contains("11 days still to run") && f.detail.contains("claim C1 line 1"),
        "{}",
        f.detail
    );
}

#[test]
fn early_refill_ignores_same_claim_zero_supply_and_reversal_pairs() {
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    // Two lines of one claim are not earlier than each other.
    let same = supply(
        claim("C1", "P1", "SY-H2", "2024-03-01")
            .line("A1", "30", "1.00")
            .line("A1", "30", "1.00"),
        30,
    );
    assert!(hits(&w.run("P1", &[same], None), EARLY_REFILL).is_empty());
    // supply_days 0 is no supply.
    let c1 = supply(
        claim("C1", "P1", "SY-H2", "2024-03-01").line("A1", "1", "1.00"),
        0,
    );
    let c2 = claim("C2", "P1", "SY-H2", "2024-03-02").line("A1", "1", "1.00");
    assert!(hits(&w.run("P1", &[c1, c2.clone()], None), EARLY_REFILL).is_empty());
    // A purchase cancelled in this run is not an earlier purchase.
    let c1 = supply(
        claim("C1", "P1", "SY-H2", "2024-03-01").line("A1", "30", "1.00"),
        30,
    );
    let r1 = at(reversal_of("R1", &c1), "2024-03-01", 10, 0);
    assert!(hits(
        &w.run("P1", &[c1.clone(), r1, c2.clone()], None),
        EARLY_REFILL
    )
    .is_empty());
    // Without the reversal, C2 (the next day: 29 days left) is flagged.
    assert_eq!(hits(&w.run("P1", &[c1, c2], None), EARLY_REFILL).len(), 1);
}

#[test]
fn early_refill_share_is_the_city_parameter_and_exact() {
    // early_refill_share = 1/2: 30 days on 03-01; on 03-16 15 days are
    // left = 1/2 × 30 → no flag; on 03-15, 16 left → flagged.
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    for v in &mut w.r.rules.cities.get_mut("shiyan").expect("shiyan").versions {
        v.early_refill_share.value = Share {
            numerator: d("1"),
            denominator: d("2"),
        };
    }
    let c1 = supply(
        claim("C1", "P1", "SY-H2", "2024-03-01").line("A1", "30", "1.00"),
        30,
    );
    let later = |day: &str| claim("C2", "P1", "SY-H2", day).line("A1", "1", "1.00");
    assert!(hits(
        &w.run("P1", &[c1.clone(), later("2024-03-16")], None),
        EARLY_REFILL
    )
    .is_empty());
    assert_eq!(
        hits(&w.run("P1", &[c1, later("2024-03-15")], None), EARLY_REFILL).len(),
        1
    );
}

// ---------- parameters through the binary ----------

#[test]
fn rules_show_lists_the_pattern_parameters_as_provisional() {
    let wd = Workdir::new().with_sample();
    let show = wd.run(&["rules", "show", "wuhan"]);
    show.expect_code(0);
    let out = show.stdout();
    for p in [
        "split_visit_min",
        "early_refill_share",
        "visit_frequency_threshold",
    ] {
        let line = out
            .lines()
            .find(|l| l.trim_start().starts_with(p))
            .unwrap_or_else(|| panic!("{p} missing:\n{out}"));
        assert!(line.ends_with("[provisional]"), "{line}");
    }
    assert!(
        out.contains(" 1/3 "),
        "the share is shown as written:\n{out}"
    );
}

#[test]
fn set_overrides_the_pattern_parameters_in_a_run() {
    // The sample month flags split visits at split_visit_min = 2; with 9
    // no institution has that many claims of one person in a day.
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "base"])
        .expect_code(0);
    assert!(wd.read("base/audit.csv").contains(",SPLIT_VISIT,"));
    wd.run(&[
        "run",
        "--quiet",
        "--no-ledger",
        "--out",
        "set",
        "--set",
        "shiyan.split_visit_min=9",
        "--set",
        "ezhou.split_visit_min=9",
        "--set",
        "wuhan.split_visit_min=9",
        "--set",
        "wuhan.early_refill_share=1/2",
    ])
    .expect_code(0);
    assert!(!wd.read("set/audit.csv").contains(",SPLIT_VISIT,"));
    // A share above 1 is refused, naming the parameter.
    let bad = wd.run(&[
        "run",
        "--quiet",
        "--no-ledger",
        "--out",
        "bad",
        "--set",
        "wuhan.early_refill_share=4/3",
    ]);
    assert_ne!(bad.code(), 0);
    assert!(bad.stderr().contains("outside [0, 1]"), "{}", bad.stderr());
}

#[test]
fn a_rule_file_without_the_pattern_parameters_still_loads_with_provisional_defaults() {
    // Rule files written before these parameters existed keep working:
    // POLICY.md §9's placeholders, marked provisional.
    let wd = Workdir::new().with_sample();
    let p = "samples/rules/ezhou.toml";
    let text: String = wd
        .read(p)
        .lines()
        .filter(|l| {
            !l.starts_with("split_visit_min")
                && !l.starts_with("early_refill_share")
                && !l.starts_with("visit_frequency_threshold")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    wd.write(p, text);
    let show = wd.run(&["rules", "show", "ezhou"]);
    show.expect_code(0);
    let out = show.stdout();
    assert!(
        out.contains("POLICY.md §9 default (not in the rule file)  [provisional]"),
        "{out}"
    );
    assert!(out.contains(" 20 ") && out.contains(" 1/3 "), "{out}");
}

#[test]
fn every_flag_rule_fires_in_a_generated_100k_line_month() {
    // `tongchou synth`'s skewed persons (a few with hundreds of claims)
    // make split visits, early refills and over-frequent months on their
    // own; the other flags come from its planted cases.
    let wd = Workdir::new().with_sample();
    let period = tongchou::date::Period::parse("2024-03").expect("period");
    tongchou::synth::generate(&wd.join("gen"), 100_000, 10_000, 3, period, 1).expect("generate");
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        "gen",
        "--ledger",
        "gen/ledger.csv",
        "--out",
        "out",
    ])
    .expect_code(0);
    let audit = wd.read("out/audit.csv");
    for rule in [
        DUPLICATE_LINE,
        MULTI_INSTITUTION_DAY,
        AMOUNT_MISMATCH,
        SPLIT_VISIT,
        EARLY_REFILL,
        VISIT_FREQUENCY,
    ] {
        let tag = format!(",{rule},flag,");
        assert!(audit.contains(&tag), "{rule} never fires");
    }
}
