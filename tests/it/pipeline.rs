//! The command spine: every subcommand's outcome printed by one `main`, and
//! a reader that closes stdout early (`| head -1`) ends nothing in error.

use crate::workdir::Workdir;
use std::process::{Command, Stdio};

/// Run the binary with its stdout closed before it writes (as `| head -1`
/// leaves it once the first line is read); returns (exit code, stderr).
fn with_closed_stdout(wd: &Workdir, args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tongchou"))
        .args(args)
        .current_dir(wd.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the tongchou binary");
    // The read end is closed before the process has read its rule files.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for tongchou");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn rules_show_into_a_closed_pipe_exits_quietly() {
    let wd = Workdir::new().with_sample();
    let (code, stderr) = with_closed_stdout(&wd, &["rules", "show", "shiyan"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr, "", "no panic and no error message");
}

#[test]
fn run_into_a_closed_pipe_still_writes_its_outputs_and_exit_code() {
    let wd = Workdir::new().with_sample();
    let (code, stderr) = with_closed_stdout(&wd, &["run", "--no-ledger", "--out", "o"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(wd.join("o/manifest.json").exists());
    // Same outputs as a run printing nothing.
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "q"])
        .expect_code(0);
    wd.assert_same_outputs("o", "q");
}

#[test]
fn exit_codes_follow_the_documented_table() {
    let wd = Workdir::new().with_sample();
    // 2: a bad value, an unknown city, a refused compare output.
    wd.run(&["run", "--period", "March"]).expect_code(2);
    wd.run(&["rules", "show", "nowhere"]).expect_code(2);
    wd.run(&["rules", "show", "shiyan", "--date", "1.3.2024"])
        .expect_code(2);
    wd.run(&["explain", "X", "--run", "o", "--format", "pdf"])
        .expect_code(2);
    // 1: a run directory that is not there to explain.
    wd.run(&["explain", "X", "--run", "nothing-here"])
        .expect_code(1);
    // 0, and a help text is not an error.
    wd.run(&["rules", "check", "samples/rules"]).expect_code(0);
    wd.run(&["--help"]).expect_code(0);
}

/// Every output the manifest lists has the size and SHA-256 it records
/// (hashed as written, not read back).
fn assert_manifest_hashes(wd: &Workdir, out: &str) {
    use sha2::Digest;
    let manifest: serde_json::Value =
        serde_json::from_str(&wd.read(&format!("{out}/manifest.json"))).expect("manifest JSON");
    let outputs = manifest["outputs"].as_array().expect("outputs");
    let names: Vec<&str> = outputs.iter().filter_map(|o| o["file"].as_str()).collect();
    for f in crate::workdir::OUTPUTS {
        assert!(names.contains(f), "{f} not in the manifest of {out}");
    }
    for o in outputs {
        let name = o["file"].as_str().expect("file");
        let bytes = std::fs::read(wd.join(&format!("{out}/{name}"))).expect("read output");
        let hex: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(o["sha256"].as_str(), Some(hex.as_str()), "{out}/{name}");
        assert_eq!(
            o["bytes"].as_u64(),
            Some(bytes.len() as u64),
            "{out}/{name}"
        );
    }
}

#[test]
fn the_manifest_hashes_each_output_as_written_in_memory_and_spilled() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "mem"])
        .expect_code(0);
    assert_manifest_hashes(&wd, "mem");
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "spilled",
        "--memory-limit",
        "1K",
    ])
    .expect_code(0);
    assert_manifest_hashes(&wd, "spilled");
    let m: serde_json::Value =
        serde_json::from_str(&wd.read("spilled/manifest.json")).expect("manifest JSON");
    assert!(
        m["timings_ms"]["partitions"].as_u64() > Some(1),
        "the spilled run has partitions: {}",
        m["timings_ms"]
    );
    wd.assert_same_outputs("mem", "spilled");
}
