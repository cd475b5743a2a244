//! The platform layout over its memory limit: a month adjudicated
//! partition by partition (`--memory-limit`) gives the same outputs as at
//! once, its held-back rows included: settlements held back on their own
//! cells and by the join, fee lines without a settlement, a settlement
//! without lines, and a claim the claims reader refuses, whose settlement
//! row is written beside its lines after the partitions are grouped; and
//! the declared amounts, kept by partition, clear the same.

use crate::workdir::{partitions, Workdir};

const SETL_HEADER: &str =
    "setl_id,psn_no,fixmedins_code,setl_time,med_type,insutype,medfee_sumamt\n";
const FEE_HEADER: &str =
    "setl_id,feedetl_sn,hilist_code,hilist_name,cnt,pric,det_item_fee_sumamt,prd_days,psn_no\n";

/// Settlements of several persons (so of several partitions), each of a
/// kind the join decides on.
const SETTLEMENTS: &str = "\
PS-OTHER,SY0002,SY-H2,2024-03-20 09:00:00,11,390,10.00
PS-SUM,SY0003,SY-H2,2024-03-20 09:00:00,11,310,20.00
PS-NOLINES,SY0004,SY-H2,2024-03-20 09:00:00,11,310,10.00
PS-REFUSED,SY0005,SY-H2,2024-03-20 09:00:00,11,310,10.00
PS-ORDER,SY0006,SY-H2,2024-03-20 09:00:00,11,310,10.00
PS-TWICE,SY0007,SY-H2,2024-03-20 09:00:00,11,310,10.00
PS-TWICE,SY0007,SY-H2,2024-03-21 09:00:00,11,310,10.00
";

const FEES: &str = "\
PS-OTHER,1,S001,诊查费,1,10.00,10.00,,
PS-SUM,1,S001,诊查费,1,10.00,10.00,,
PS-GONE,1,S001,诊查费,1,10.00,10.00,,
PS-REFUSED,1,S001,诊查费,one,10.00,10.00,,
PS-ORDER,2,S001,诊查费,1,4.00,4.00,,
PS-ORDER,1,S001,诊查费,1,6.00,6.00,,
PS-TWICE,1,S001,诊查费,1,10.00,10.00,,
";

fn run(wd: &Workdir, out: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "run",
        "--lang",
        "en",
        "--quiet",
        "--data",
        "samples/platform",
        "--no-ledger",
        "--period",
        "2024-03",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    wd.run(&args).expect_code(3);
    wd.manifest(out)
}

/// (file name, line, column) of every rejects.csv row of `claim`.
fn rejected(wd: &Workdir, out: &str, claim: &str) -> Vec<(String, u64, String)> {
    let mut r = csv::Reader::from_path(wd.join(&format!("{out}/rejects.csv"))).expect("rejects");
    let mut got: Vec<(String, u64, String)> = r
        .records()
        .map(|x| x.expect("a rejects row"))
        .filter(|x| &x[3] == claim)
        .map(|x| {
            let parts: Vec<&str> = x[0].rsplit('/').take(2).collect();
            (
                format!("{}/{}", parts[1], parts[0]),
                x[1].parse().expect("line"),
                x[2].to_string(),
            )
        })
        .collect();
    got.sort();
    got
}

#[test]
fn a_platform_month_over_its_memory_limit_gives_the_same_outputs() {
    let wd = Workdir::new().with_sample();
    wd.write(
        "samples/platform/settlements/extra.csv",
        format!("{SETL_HEADER}{SETTLEMENTS}"),
    );
    wd.write(
        "samples/platform/fee_details/extra.csv",
        format!("{FEE_HEADER}{FEES}"),
    );
    let whole = run(&wd, "whole", &[]);
    assert_eq!(partitions(&whole), 1);
    let spilled = run(&wd, "spilled", &["--memory-limit", "1K"]);
    assert!(partitions(&spilled) > 1, "{spilled}");
    wd.assert_same_outputs("whole", "spilled");
    // The clearing (POLICY §10): what the sample's settlements declared,
    // kept by partition when spilled, compared all the same.
    let clearing = wd.read("whole/clearing.csv");
    assert!(clearing.lines().count() > 1, "{clearing}");
    assert_eq!(clearing, wd.read("spilled/clearing.csv"));
    let mismatches = |out: &str| {
        wd.read(&format!("{out}/audit.csv"))
            .lines()
            .filter(|l| l.contains("DECLARED_MISMATCH"))
            .count()
    };
    assert!(mismatches("whole") > 0);
    assert_eq!(mismatches("whole"), mismatches("spilled"));

    let s = "settlements/extra.csv";
    let f = "fee_details/extra.csv";
    let row = |file: &str, line: u64, column: &str| (file.to_string(), line, column.to_string());
    for out in ["whole", "spilled"] {
        assert_eq!(
            rejected(&wd, out, "PS-OTHER"),
            [row(f, 2, ""), row(s, 2, "insutype")]
        );
        assert_eq!(
            rejected(&wd, out, "PS-SUM"),
            [row(f, 3, ""), row(s, 3, "medfee_sumamt")]
        );
        assert_eq!(rejected(&wd, out, "PS-NOLINES"), [row(s, 4, "setl_id")]);
        assert_eq!(rejected(&wd, out, "PS-GONE"), [row(f, 4, "setl_id")]);
        assert_eq!(
            rejected(&wd, out, "PS-REFUSED"),
            [row(f, 5, "cnt"), row(s, 5, "")]
        );
        assert_eq!(
            rejected(&wd, out, "PS-TWICE"),
            [row(f, 8, ""), row(s, 7, ""), row(s, 8, "setl_id")]
        );
        // Numbered by feedetl_sn, not by reading order: paid.
        assert!(wd
            .read(&format!("{out}/payments.csv"))
            .contains("\nPS-ORDER,"));
    }
}
