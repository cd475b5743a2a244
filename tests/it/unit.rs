//! The settlement unit (POLICY.md §1) on the pure core: units formed from
//! claims in any order are the same (sorted by key, each in
//! (`service_time`, `claim_id`) order); a unit settles exactly as its one
//! person did, and hands its ledger rows back to the ledger.
//!
//! Amounts by hand from 十政办发〔2022〕61号 第五条: deductible 500,
//! employed at a level-2 hospital 65%.

use crate::fixture::*;
use tongchou::adjudicate::{adjudicate_person, adjudicate_unit, Context, Lang};
use tongchou::core::unit::{form_units, key_of, Unit};
use tongchou::date::DateTime;
use tongchou::input::Ledger;
use tongchou::model::*;

fn at(c: Claim, seconds: u32) -> Claim {
    c.with(|c| {
        c.service_time = DateTime {
            date: c.service_time.date,
            seconds,
        }
    })
}

fn ids(u: &Unit<'_>) -> Vec<String> {
    u.claims().iter().map(|c| c.claim_id.to_string()).collect()
}

#[test]
fn units_are_one_person_each_sorted_by_key_and_in_service_order() {
    let claims = vec![
        claim("C3", "P2", "SY-H2", "2024-03-01"),
        at(claim("C2", "P1", "SY-H2", "2024-03-05"), 9 * 3600),
        at(claim("C1", "P1", "SY-H2", "2024-03-05"), 9 * 3600),
        at(claim("C0", "P1", "SY-H2", "2024-03-05"), 10 * 3600),
        claim("C9", "P1", "SY-H2", "2024-03-02"),
    ];
    let mut reversed = claims.clone();
    reversed.reverse();
    for input in [&claims, &reversed] {
        let units = form_units(input);
        let keys: Vec<&str> = units.iter().map(|u| u.key()).collect();
        assert_eq!(keys, ["P1", "P2"]);
        // The same time orders by claim id; a later time comes after.
        assert_eq!(ids(&units[0]), ["C9", "C1", "C2", "C0"]);
        assert_eq!(ids(&units[1]), ["C3"]);
    }
    assert_eq!(key_of("P1"), "P1", "today a unit is its one person");
}

#[test]
fn a_unit_settles_as_its_person_and_hands_back_its_ledger_rows() {
    let mut w = World::new();
    w.member("P1", "shiyan", Category::Employed);
    let claims = vec![
        claim("C2", "P1", "SY-H2", "2024-03-06").line("A1", "1", "800.00"),
        claim("C1", "P1", "SY-H2", "2024-03-04").line("A1", "1", "800.00"),
    ];
    let mut ledger = Ledger::default();
    ledger.replace(vec![met("P1", 2024, "200.00", "0.00")]);
    let cx = Context {
        reference: &w.r,
        prior: &w.prior,
        lang: Lang::En,
    };
    let units = form_units(&claims);
    assert_eq!(units.len(), 1);
    let outcome = adjudicate_unit(&cx, &units[0], &ledger);
    let mut refs: Vec<&Claim> = claims.iter().collect();
    let by_person = adjudicate_person(&cx, "P1", &mut refs, &ledger.rows_of("P1"));
    assert_eq!(outcome, by_person);

    // C1 first: 300 left of the deductible, round2(500 × 0.65) = 325.00;
    // C2: round2(800 × 0.65) = 520.00.
    let fund: Vec<_> = outcome.decisions.iter().map(|d| d.fund_pay).collect();
    assert_eq!(fund, [d("325.00"), d("520.00")]);
    ledger.replace(outcome.ledger);
    let row = &ledger.rows_of("P1")[0];
    assert_eq!(
        (row.year, row.deductible_met, row.pool_paid, row.claims),
        (2024, d("500.00"), d("845.00"), 3)
    );
    assert!(ledger.rows_of("P9").is_empty());
}
