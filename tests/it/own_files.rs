//! Own only what you wrote: `--force`, `compare --out` and `synth --out`
//! never replace a file tongchou did not write, nor one this run reads;
//! the lock is an OS advisory lock (a stale or zero-byte lock file blocks
//! nobody, a live holder does); stale spill areas go at start; `--threads`
//! is bounded. Every case through the real binary, on throwaway copies of
//! the sample.

use crate::workdir::Workdir;
use std::path::Path;

/// Every file under `dir`, relative, with its bytes: to show that a refused
/// command left it exactly as it was.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("under root");
                out.push((rel.display().to_string(), std::fs::read(&p).expect("read")));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Hidden entries (staging, old, lock, spill) in `dir`.
fn hidden(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    v.sort();
    v
}

/// Run `args`, expect exit 2 and a stderr containing `says`.
fn refused(wd: &Workdir, args: &[&str], says: &str) {
    let run = wd.run(args);
    run.expect_code(2);
    assert!(
        run.stderr().contains(says),
        "should say `{says}`:\n{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("panicked"), "{}", run.stderr());
}

#[test]
fn force_refuses_the_data_directory_and_its_parent() {
    let wd = Workdir::new().with_sample();
    wd.write("samples/notes.txt", "the month's notes");
    let before = snapshot(&wd.join("samples"));
    refused(
        &wd,
        &[
            "run",
            "--quiet",
            "--no-ledger",
            "--out",
            "samples/data",
            "--force",
        ],
        "refusing to replace samples/data: it is this run's --data directory",
    );
    refused(
        &wd,
        &[
            "run",
            "--quiet",
            "--no-ledger",
            "--out",
            "samples",
            "--force",
        ],
        "refusing to replace samples: it holds this run's --data directory (samples/data)",
    );
    // The claims directory, named another way.
    refused(
        &wd,
        &[
            "run",
            "--quiet",
            "--no-ledger",
            "--out",
            "out/../samples/data/claims",
            "--force",
        ],
        "it is this run's claims directory",
    );
    assert!(snapshot(&wd.join("samples")) == before, "inputs untouched");
    assert!(hidden(&wd.join("samples")).is_empty());
}

#[test]
fn force_refuses_the_rules_directory_and_anything_inside_it() {
    let wd = Workdir::new().with_sample();
    let before = snapshot(&wd.join("samples"));
    refused(
        &wd,
        &[
            "run",
            "--quiet",
            "--no-ledger",
            "--out",
            "samples/rules",
            "--force",
        ],
        "refusing to replace samples/rules: it is this run's --rules directory",
    );
    refused(
        &wd,
        &["run", "--quiet", "--no-ledger", "--out", "samples/rules/2024-03"],
        "refusing to write samples/rules/2024-03: it is inside this run's --rules directory (samples/rules)",
    );
    assert!(snapshot(&wd.join("samples")) == before, "inputs untouched");
}

#[test]
fn force_refuses_last_months_output_while_it_is_this_runs_ledger_or_prior() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "march"])
        .expect_code(0);
    let before = snapshot(&wd.join("march"));
    let april = [
        "run",
        "--quiet",
        "--allow-ledger-gap",
        "--period",
        "2024-04",
        "--out",
        "march",
        "--force",
    ];
    let with =
        |extra: &[&'static str]| -> Vec<&str> { april.iter().chain(extra).copied().collect() };
    refused(
        &wd,
        &with(&["--ledger", "march/ledger.csv"]),
        "refusing to replace march: it holds this run's --ledger input (march/ledger.csv)",
    );
    refused(
        &wd,
        &with(&["--prior", "march/payments.csv"]),
        "refusing to replace march: it holds this run's --prior input (march/payments.csv)",
    );
    refused(
        &wd,
        &with(&[
            "--ledger",
            "march/ledger.csv",
            "--prior",
            "march/payments.csv",
        ]),
        "it holds this run's --ledger input",
    );
    assert!(snapshot(&wd.join("march")) == before, "march untouched");
}

#[test]
fn out_naming_a_regular_file_leaves_it_untouched() {
    let wd = Workdir::new().with_sample();
    wd.write("notes.txt", "not an output");
    for force in [false, true] {
        let mut args = vec!["run", "--quiet", "--no-ledger", "--out", "notes.txt"];
        if force {
            args.push("--force");
        }
        refused(
            &wd,
            &args,
            "refusing to write notes.txt: it is a file, not a directory (left untouched)",
        );
        assert_eq!(wd.read("notes.txt"), "not an output");
    }
    assert!(
        hidden(wd.path()).is_empty(),
        "nothing moved aside: {:?}",
        hidden(wd.path())
    );
}

#[test]
fn force_refuses_a_directory_that_is_not_a_tongchou_output() {
    let wd = Workdir::new().with_sample();
    wd.write("mine/a.txt", "keep me");
    refused(
        &wd,
        &["run", "--quiet", "--no-ledger", "--out", "mine", "--force"],
        "refusing to replace mine: it is not a tongchou output (no manifest.json)",
    );
    wd.write("mine/manifest.json", "{\"tool\": \"something else\"}");
    refused(
        &wd,
        &["run", "--quiet", "--no-ledger", "--out", "mine", "--force"],
        "does not name tongchou as its tool",
    );
    wd.write("mine/manifest.json", "not json");
    refused(
        &wd,
        &["run", "--quiet", "--no-ledger", "--out", "mine", "--force"],
        "is not JSON",
    );
    assert_eq!(wd.read("mine/a.txt"), "keep me");
}

#[test]
fn force_refuses_an_old_output_holding_a_users_file() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger"]).expect_code(0);
    wd.write("out/2024-03/note.txt", "my remarks on March");
    let before = snapshot(&wd.join("out/2024-03"));
    refused(
        &wd,
        &["run", "--quiet", "--no-ledger", "--force"],
        "refusing to replace out/2024-03: it holds note.txt, which tongchou did not write",
    );
    assert!(snapshot(&wd.join("out/2024-03")) == before, "untouched");
    // Moved away, the old output is replaced.
    std::fs::remove_file(wd.join("out/2024-03/note.txt")).expect("remove note");
    wd.run(&["run", "--quiet", "--no-ledger", "--force"])
        .expect_code(0);
    assert!(
        hidden(&wd.join("out")).is_empty(),
        "{:?}",
        hidden(&wd.join("out"))
    );
}

#[test]
fn an_empty_existing_directory_is_used_without_force() {
    let wd = Workdir::new().with_sample();
    std::fs::create_dir_all(wd.join("out/2024-03")).expect("mkdir");
    wd.run(&["run", "--quiet", "--no-ledger"]).expect_code(0);
    assert!(wd.join("out/2024-03/manifest.json").exists());
}

#[test]
fn compare_refuses_to_overwrite_without_force() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "a"])
        .expect_code(0);
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "b"])
        .expect_code(0);
    wd.write("compare.csv", "my own table");
    refused(
        &wd,
        &["compare", "a", "b"],
        "compare.csv already exists: give --force to overwrite it",
    );
    assert_eq!(wd.read("compare.csv"), "my own table");
    wd.run(&["compare", "a", "b", "--force"]).expect_code(0);
    assert!(wd.read("compare.csv").starts_with("claim_id,"));
    std::fs::create_dir(wd.join("tables")).expect("mkdir");
    refused(
        &wd,
        &["compare", "a", "b", "--out", "tables", "--force"],
        "refusing to write tables: it is a directory",
    );
    assert!(hidden(wd.path()).is_empty(), "{:?}", hidden(wd.path()));
}

#[test]
fn compare_never_writes_into_a_run_output() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "a"])
        .expect_code(0);
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "b"])
        .expect_code(0);
    let (a, b) = (snapshot(&wd.join("a")), snapshot(&wd.join("b")));
    refused(
        &wd,
        &["compare", "a", "b", "--out", "a/compare.csv"],
        "refusing to write a/compare.csv: it is inside the run output directory a;",
    );
    refused(
        &wd,
        &["compare", "a", "b", "--out", "b/payments.csv", "--force"],
        "it is inside the run output directory",
    );
    // Any run's, not only the two compared.
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "c"])
        .expect_code(0);
    refused(
        &wd,
        &["compare", "a", "b", "--out", "c/new/compare.csv"],
        "it is inside the run output directory",
    );
    assert!(snapshot(&wd.join("a")) == a && snapshot(&wd.join("b")) == b);
}

#[test]
fn synth_refuses_to_overwrite_what_it_did_not_write() {
    let wd = Workdir::new().with_sample();
    let synth = |extra: &[&str]| {
        let mut args = vec!["synth", "--out", "m", "--lines", "300", "--files", "3"];
        args.extend(extra);
        wd.run(&args)
    };
    synth(&[]).expect_code(0);
    let first = snapshot(&wd.join("m"));
    let run = synth(&["--seed", "2"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("m is not empty") && run.stderr().contains("give --force"),
        "{}",
        run.stderr()
    );
    assert!(snapshot(&wd.join("m")) == first, "untouched");
    synth(&["--seed", "2", "--force"]).expect_code(0);
    assert!(snapshot(&wd.join("m")) != first, "rewritten");
    // Fewer claim files would leave claims_03.csv to be read with the
    // new month: refused.
    refused(
        &wd,
        &[
            "synth", "--out", "m", "--lines", "300", "--files", "2", "--force",
        ],
        "it holds claims/claims_03.csv, which this synth would not write",
    );
    wd.write("m/notes.txt", "mine");
    refused(
        &wd,
        &[
            "synth", "--out", "m", "--lines", "300", "--files", "3", "--force",
        ],
        "it holds notes.txt",
    );
    assert_eq!(wd.read("m/notes.txt"), "mine");
    // Never into a run's output directory, nor over a file.
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "r"])
        .expect_code(0);
    let r = snapshot(&wd.join("r"));
    refused(
        &wd,
        &["synth", "--out", "r", "--lines", "300", "--force"],
        "refusing to write r: it is a run's output directory",
    );
    assert!(snapshot(&wd.join("r")) == r);
    wd.write("f.csv", "a file");
    refused(
        &wd,
        &["synth", "--out", "f.csv", "--lines", "300", "--force"],
        "it is not a directory",
    );
    assert_eq!(wd.read("f.csv"), "a file");
}

#[test]
fn a_zero_byte_lock_file_does_not_block_a_run() {
    let wd = Workdir::new().with_sample();
    wd.write("out/.2024-03.lock", "");
    wd.run(&["run", "--quiet", "--no-ledger"]).expect_code(0);
    assert!(
        hidden(&wd.join("out")).is_empty(),
        "{:?}",
        hidden(&wd.join("out"))
    );
}

#[test]
fn a_lock_file_naming_a_live_unrelated_process_does_not_block_a_run() {
    let wd = Workdir::new().with_sample();
    // This test process is alive, and holds no lock.
    wd.write("out/.2024-03.lock", format!("{}\n", std::process::id()));
    wd.run(&["run", "--quiet", "--no-ledger"]).expect_code(0);
    assert!(
        hidden(&wd.join("out")).is_empty(),
        "{:?}",
        hidden(&wd.join("out"))
    );
}

#[test]
fn a_lock_held_by_another_process_refuses_and_spares_its_staging() {
    use fs4::FileExt;
    let wd = Workdir::new().with_sample();
    // Another run: it holds the lock and is writing its staging directory.
    wd.write("out/.2024-03.lock", "4242\n");
    wd.write("out/.2024-03.staging-4242/payments.csv", "being written");
    let lock = std::fs::File::open(wd.join("out/.2024-03.lock")).expect("open lock");
    FileExt::try_lock(&lock).expect("the test holds the lock");
    let run = wd.run(&["run", "--lang", "en", "--quiet", "--no-ledger"]);
    run.expect_code(1);
    assert!(
        run.stderr()
            .contains("another run (process 4242) is writing out/2024-03"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        wd.read("out/.2024-03.staging-4242/payments.csv"),
        "being written"
    );
    assert_eq!(wd.read("out/.2024-03.lock"), "4242\n", "its lock file kept");
    assert!(!wd.join("out/2024-03").exists());
    // Once that process is gone (its lock released), the run proceeds and
    // clears the dead run's leftovers.
    drop(lock);
    wd.run(&["run", "--lang", "en", "--quiet", "--no-ledger"])
        .expect_code(0);
    assert!(
        hidden(&wd.join("out")).is_empty(),
        "{:?}",
        hidden(&wd.join("out"))
    );
}

#[test]
fn threads_beyond_four_per_core_are_refused_with_a_message() {
    let wd = Workdir::new().with_sample();
    refused(
        &wd,
        &["run", "--quiet", "--no-ledger", "--threads", "20000"],
        "--threads 20000 is more than 4 threads per core",
    );
    assert!(!wd.join("out").exists(), "nothing written");
}

#[test]
fn a_dead_runs_spill_area_is_removed_at_start_by_a_run_that_does_not_spill() {
    use fs4::FileExt;
    let wd = Workdir::new().with_sample();
    // A killed run's area (its lock file free), one from before lock files,
    // and a live run's area (its lock held here), whatever PID it names.
    wd.write("out/.tongchou-spill-4194999/lines-0000-0000.bin", "x");
    wd.write("out/.tongchou-spill-4194999.lock", "4194999\n");
    wd.write("out/.tongchou-spill-4194998/lines-0000-0000.bin", "x");
    let own = std::process::id();
    wd.write(
        &format!("out/.tongchou-spill-{own}/lines-0000-0000.bin"),
        "live",
    );
    wd.write(
        &format!("out/.tongchou-spill-{own}.lock"),
        format!("{own}\n"),
    );
    let lock = std::fs::File::open(wd.join(&format!("out/.tongchou-spill-{own}.lock")))
        .expect("open lock");
    FileExt::try_lock(&lock).expect("the test holds the lock");
    let run = wd.run(&["run", "--quiet", "--no-ledger"]);
    run.expect_code(0);
    let m: serde_json::Value =
        serde_json::from_str(&wd.read("out/2024-03/manifest.json")).expect("manifest");
    assert_eq!(m["timings_ms"]["partitions"], 1, "this run did not spill");
    assert_eq!(
        hidden(&wd.join("out")),
        [
            format!(".tongchou-spill-{own}"),
            format!(".tongchou-spill-{own}.lock")
        ],
        "only the live run's area is left"
    );
    assert_eq!(
        wd.read(&format!("out/.tongchou-spill-{own}/lines-0000-0000.bin")),
        "live"
    );
    drop(lock);
}
