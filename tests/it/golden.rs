//! The sample month against its reviewed expected outputs
//! (tests/golden/sample-2024-03/). Regenerate with `TONGCHOU_BLESS=1` only
//! after reviewing the difference by hand.

use crate::workdir::{repo, Workdir, OUTPUTS, VIEW_OUTPUTS};
use std::path::PathBuf;

fn golden_dir(name: &str) -> PathBuf {
    repo().join("tests/golden").join(name)
}

fn check(name: &str, wd: &Workdir, out: &str) {
    let bless = std::env::var_os("TONGCHOU_BLESS").is_some();
    let dir = golden_dir(name);
    for f in OUTPUTS {
        let got = wd.read(&format!("{out}/{f}"));
        let path = dir.join(f);
        if bless {
            std::fs::create_dir_all(&dir).expect("golden dir");
            std::fs::write(&path, &got).expect("write golden");
            continue;
        }
        let want =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if got != want {
            let diff: Vec<String> = want
                .lines()
                .zip(got.lines())
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .take(5)
                .map(|(i, (a, b))| format!("line {}:\n  want {a}\n  got  {b}", i + 1))
                .collect();
            panic!(
                "{f} differs from {} ({} vs {} lines)\n{}",
                path.display(),
                want.lines().count(),
                got.lines().count(),
                diff.join("\n")
            );
        }
    }
}

#[test]
fn sample_month_matches_the_reviewed_outputs() {
    let wd = Workdir::new().with_sample();
    let run = wd.run(&["run", "--no-ledger", "--quiet"]);
    run.expect_code(0);
    check("sample-2024-03", &wd, "out/2024-03");
}

#[test]
fn sample_month_in_english() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--lang",
        "en",
        "--out",
        "en",
    ])
    .expect_code(0);
    let audit = wd.read("en/audit.csv");
    assert!(audit.contains("SC-EXAMPLE,,SY0001,SY-H2,DEDUCTIBLE,adjust,500.00,\"deductible 500.00: 500.00 taken by this claim, 500.00 met this year\""), "{audit}");
    // Only the detail column changes with the language.
    let zh = {
        wd.run(&["run", "--no-ledger", "--quiet", "--out", "zh"])
            .expect_code(0);
        wd.read("zh/payments.csv")
    };
    assert_eq!(zh, wd.read("en/payments.csv"));
}

#[test]
fn manifest_records_inputs_and_outputs_with_their_hashes() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet"]).expect_code(0);
    let m: serde_json::Value =
        serde_json::from_str(&wd.read("out/2024-03/manifest.json")).expect("manifest is JSON");
    assert_eq!(m["period"], "2024-03");
    assert_eq!(m["counts"]["claim_lines_read"], 469);
    assert_eq!(m["counts"]["claims_adjudicated"], 191);
    let outputs = m["outputs"].as_array().expect("outputs");
    assert_eq!(outputs.len(), OUTPUTS.len() + VIEW_OUTPUTS.len());
    for o in outputs {
        let name = o["file"].as_str().expect("file");
        let bytes =
            std::fs::read(wd.join(&format!("out/2024-03/{name}"))).expect("listed output exists");
        assert_eq!(
            o["sha256"].as_str(),
            Some(tongchou::input::csvsrc::sha256_hex(&bytes).as_str()),
            "{name}"
        );
    }
    let roles: Vec<&str> = m["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(|i| i["role"].as_str())
        .collect();
    assert_eq!(roles.iter().filter(|r| **r == "claims").count(), 4);
    for r in ["members", "institutions", "catalogue", "stays"] {
        assert!(roles.contains(&r), "{r} in {roles:?}");
    }
    for r in m["reconciliation"].as_array().expect("reconciliation") {
        assert_eq!(r["lines_read"], r["lines_adjudicated"]);
    }
    assert!(
        m["warnings"].as_array().expect("warnings").iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.starts_with("shiyan: provisional parameters used"))),
        "provisional warning per city"
    );
}
