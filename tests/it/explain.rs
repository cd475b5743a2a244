//! The supervisors' and clerks' views of a run: leads.csv (institutions
//! ranked by the money their flagged claims put at stake) and
//! `tongchou explain` (one claim's or one person's computation, step by
//! step).

use crate::workdir::Workdir;

/// The rows of a CSV as header-keyed maps, in file order.
fn rows(csv: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header = r.headers().expect("header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            header
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn leads_rank_institutions_by_amount_at_stake_with_peer_comparison() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--out", "o"]).expect_code(0);
    let leads = wd.read("o/leads.csv");
    let header = leads.lines().next().expect("header");
    assert_eq!(
        header,
        "institution_id,name,city,kind,level,claims,flagged_claims,flag_rate,amount_at_stake,\
         at_stake_DUPLICATE_LINE,at_stake_MULTI_INSTITUTION_DAY,at_stake_AMOUNT_MISMATCH,\
         at_stake_SPLIT_VISIT,at_stake_EARLY_REFILL,at_stake_VISIT_FREQUENCY,\
         peer_median_rate,ratio_to_peer_median,robust_z"
    );
    let rows = rows(&leads);
    // One row per institution with claims, unknown SY-H9 included.
    assert_eq!(rows.len(), 21);
    // Sorted by amount at stake, descending, then institution_id.
    let stakes: Vec<rust_decimal::Decimal> = rows
        .iter()
        .map(|r| r["amount_at_stake"].parse().expect("money"))
        .collect();
    assert!(stakes.windows(2).all(|w| w[0] >= w[1]), "{stakes:?}");
    assert_eq!(rows[0]["institution_id"], "WH-P1");
    // WH-P1: 5 claims, SC-REFILL-2 (1104.00) flagged EARLY_REFILL: 1/5.
    assert_eq!(rows[0]["flag_rate"], "0.2000");
    assert_eq!(rows[0]["at_stake_EARLY_REFILL"], "1104.00");
    // SY-H2 (shiyan hospital level 2): 15 claims, 2 flagged —
    // SY240300007 (463.00: DUPLICATE_LINE and SPLIT_VISIT, counted once in
    // the total) and SC-MULTI-2 (120.40). Rate 2/15 = 0.1333. Its peer,
    // SY-H2X, has 0 of 1: median (0 + 2/15) / 2 = 1/15 = 0.0667, ratio 2.00;
    // MAD = 1/15, z = (2/15 − 1/15) / (1.4826 × 1/15) = 0.67.
    let sy = rows
        .iter()
        .find(|r| r["institution_id"] == "SY-H2")
        .expect("SY-H2");
    let got: Vec<&str> = [
        "name",
        "city",
        "kind",
        "level",
        "claims",
        "flagged_claims",
        "flag_rate",
        "amount_at_stake",
        "at_stake_DUPLICATE_LINE",
        "at_stake_SPLIT_VISIT",
        "at_stake_MULTI_INSTITUTION_DAY",
        "peer_median_rate",
        "ratio_to_peer_median",
        "robust_z",
    ]
    .iter()
    .map(|k| sy[*k].as_str())
    .collect();
    assert_eq!(
        got,
        vec![
            "十堰市郧阳区人民医院",
            "shiyan",
            "hospital",
            "2",
            "15",
            "2",
            "0.1333",
            "583.40",
            "463.00",
            "463.00",
            "120.40",
            "0.0667",
            "2.00",
            "0.67"
        ]
    );
    // A peer group whose rates do not spread (MAD 0) has no z-score; a
    // median of 0 has no ratio.
    let bj = rows
        .iter()
        .find(|r| r["institution_id"] == "BJ-H3")
        .expect("BJ-H3");
    assert_eq!(
        (bj["ratio_to_peer_median"].as_str(), bj["robust_z"].as_str()),
        ("", "")
    );
    // The manifest lists it with the other outputs.
    assert!(wd.read("o/manifest.json").contains("\"leads.csv\""));
}
