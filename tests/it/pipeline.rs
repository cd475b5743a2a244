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
