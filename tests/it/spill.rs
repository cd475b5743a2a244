//! Larger than memory (`--memory-limit`): a month that does not fit its
//! budget is adjudicated partition by partition through spill files, and
//! every output is byte-identical to the run that held it in memory.

use crate::workdir::{partitions, Workdir};
use tongchou::date::Period;

/// A generated month plus a claim file of broken exports: claims whose
/// lines name two persons (which partitioning would split), a bad cell,
/// a line of no claim, and a claim id in two files.
fn month_with_broken_claims() -> Workdir {
    let wd = Workdir::new().with_sample();
    let period = Period::parse("2024-03").expect("period");
    tongchou::synth::generate(&wd.join("gen"), 20_000, 2_000, 3, period, 11)
        .expect("generate a month");
    let mut text = String::from(
        "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount\n",
    );
    for i in 0..6 {
        // The same claim, the second line naming another person.
        text.push_str(&format!(
            "SPLIT{i},1,P{:08},WH-H2-05,2024-03-10 09:00:00,general,D0001,1,10.00,10.00\n",
            i * 7 + 1
        ));
        text.push_str(&format!(
            "SPLIT{i},2,P{:08},WH-H2-05,2024-03-10 09:00:00,general,D0001,1,10.00,10.00\n",
            i * 7 + 2
        ));
    }
    text.push_str("BADCELL,1,P00000003,WH-H2-05,2024-03-11 09:00:00,general,D0001,1,ten,10.00\n");
    text.push_str(",1,P00000003,WH-H2-05,2024-03-11 09:00:00,general,D0001,1,1.00,1.00\n");
    wd.write("gen/claims/zz_broken.csv", text);
    let twin = "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount\n\
                TWICE,1,P00000004,WH-H2-05,2024-03-12 09:00:00,general,D0001,1,5.00,5.00\n";
    wd.write("gen/claims/zz_twice_a.csv", twin);
    wd.write("gen/claims/zz_twice_b.csv", twin);
    wd
}

fn run(wd: &Workdir, out: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "run",
        "--lang",
        "en",
        "--quiet",
        "--data",
        "gen",
        "--ledger",
        "gen/ledger.csv",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    wd.run(&args).expect_code(3);
    wd.manifest(out)
}

#[test]
fn a_month_over_its_memory_limit_gives_the_same_outputs_as_in_memory() {
    let wd = month_with_broken_claims();
    let whole = run(&wd, "whole", &[]);
    assert_eq!(partitions(&whole), 1);
    // 1K cannot hold anything: the most partitions, most of them tiny.
    let spilled = run(&wd, "spilled", &["--memory-limit", "1K"]);
    assert!(partitions(&spilled) > 1, "{spilled}");
    wd.assert_same_outputs("whole", "spilled");
    let one = run(
        &wd,
        "spilled1",
        &["--memory-limit", "64K", "--threads", "1"],
    );
    assert!(partitions(&one) > 1);
    wd.assert_same_outputs("whole", "spilled1");

    // The broken claims are quarantined whole in both, with their reasons.
    let rejects = wd.read("spilled/rejects.csv");
    for i in 0..6 {
        assert!(
            rejects.contains(&format!(
                "the lines of claim `SPLIT{i}` disagree on person_id"
            )),
            "{rejects}"
        );
    }
    assert!(rejects.contains("`ten` is not an amount"), "{rejects}");
    assert!(rejects.contains("appears in two files"), "{rejects}");
    assert_eq!(whole["counts"], spilled["counts"]);

    // Nothing of the spill area is left beside the outputs.
    let left: Vec<String> = std::fs::read_dir(wd.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_killed_runs_spill_area_is_cleared_and_a_bad_limit_refused() {
    let wd = Workdir::new().with_sample();
    // PIDs above the kernel's maximum (4194304) never run.
    wd.write(".tongchou-spill-99999999/lines-0000-0000.bin", "stale");
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "o",
        "--memory-limit",
        "1K",
    ])
    .expect_code(0);
    assert!(!wd.join(".tongchou-spill-99999999").exists());
    let r = wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "p",
        "--memory-limit",
        "lots",
    ]);
    r.expect_code(2);
    assert!(
        r.stderr().contains("--memory-limit `lots`"),
        "{}",
        r.stderr()
    );
}
