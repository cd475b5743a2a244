//! Bad input and faults (issue: nothing lost, nothing half-written).
//!
//! Each broken file of `tests/corpus/` is added to the sample month: its
//! rejects must be exactly where and why expected, its good claim and every
//! sample claim settled as before. Then generated breakage (a huge cell, a
//! huge claim, a file loaded twice), --strict, --force, the lock, a run
//! killed part-way, and random damage thrown at the readers.

use crate::workdir::{repo, Workdir};
use std::collections::BTreeSet;

/// (file, line, column, claim_id, part of the reason).
type Expect = (&'static str, u64, &'static str, &'static str, &'static str);

/// Add corpus files to a copy of the sample and run it for 2024-03.
fn with_corpus(files: &[&str]) -> Workdir {
    let wd = Workdir::new().with_sample();
    for f in files {
        let text = std::fs::read(repo().join("tests/corpus").join(f)).expect("corpus file");
        wd.write(&format!("samples/data/claims/{f}"), text);
    }
    wd
}

/// Parse rejects.csv into (file name, line, column, claim, reason).
fn rejects(wd: &Workdir) -> Vec<(String, u64, String, String, String)> {
    let mut r = csv::Reader::from_path(wd.join("out/2024-03/rejects.csv")).expect("rejects.csv");
    r.records()
        .map(|rec| {
            let rec = rec.expect("a rejects row");
            let file = rec[0].rsplit('/').next().unwrap_or_default().to_string();
            (
                file,
                rec[1].parse().expect("line"),
                rec[2].to_string(),
                rec[3].to_string(),
                rec[4].to_string(),
            )
        })
        .collect()
}

/// Every sample claim is settled exactly as in the golden outputs.
fn sample_unchanged(wd: &Workdir) {
    let got = wd.read("out/2024-03/payments.csv");
    let got: BTreeSet<&str> = got.lines().collect();
    let want = std::fs::read_to_string(repo().join("tests/golden/sample-2024-03/payments.csv"))
        .expect("golden");
    for line in want.lines() {
        assert!(
            got.contains(line),
            "sample claim changed or missing: {line}"
        );
    }
}

fn check(files: &[&str], expect: &[Expect], ok_claims: &[&str]) {
    let wd = with_corpus(files);
    let run = wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--period",
        "2024-03",
    ]);
    run.expect_code(3);
    let got = rejects(&wd);
    assert_eq!(got.len(), expect.len(), "{files:?}: {got:#?}");
    for ((f, line, col, claim, reason), (gf, gl, gc, gcl, gr)) in expect.iter().zip(&got) {
        assert_eq!(
            (*f, *line, *col, *claim),
            (gf.as_str(), *gl, gc.as_str(), gcl.as_str()),
            "{files:?}: {gr}"
        );
        assert!(
            gr.contains(reason),
            "{files:?} line {line}: `{gr}` should say `{reason}`"
        );
    }
    sample_unchanged(&wd);
    let payments = wd.read("out/2024-03/payments.csv");
    for id in ok_claims {
        assert!(
            payments.contains(&format!(
                "\n{id},SY0001,SY-H2,shiyan,2024-03-29,paid,10.00,"
            )),
            "{id} settled"
        );
    }
    for (_, _, _, claim, _) in expect {
        assert!(
            claim.is_empty() || !payments.contains(&format!("\n{claim},")),
            "{claim} must not be paid in part"
        );
    }
}

#[test]
fn missing_required_field() {
    check(
        &["missing_field.csv"],
        &[
            (
                "missing_field.csv",
                3,
                "",
                "MF-1",
                "held back with claim `MF-1`",
            ),
            (
                "missing_field.csv",
                4,
                "person_id",
                "MF-1",
                "required value is missing",
            ),
        ],
        &["MF-OK"],
    );
}

#[test]
fn unparsable_number_date_and_enum() {
    check(
        &["bad_number.csv"],
        &[(
            "bad_number.csv",
            3,
            "amount",
            "BN-1",
            "`１２.５０` is not an amount in yuan",
        )],
        &["BN-OK"],
    );
    check(
        &["bad_date.csv"],
        &[(
            "bad_date.csv",
            3,
            "service_time",
            "BD-1",
            "`2024/03/29 10:00` is not a date",
        )],
        &["BD-OK"],
    );
    check(
        &["unknown_enum.csv"],
        &[(
            "unknown_enum.csv",
            3,
            "visit_type",
            "UE-1",
            "`住院` is not one of: general emergency",
        )],
        &["UE-OK"],
    );
}

#[test]
fn quantity_and_amount_signs() {
    check(
        &["opposite_signs.csv"],
        &[(
            "opposite_signs.csv",
            3,
            "amount",
            "OS-1",
            "quantity -1 and amount 10.00 have opposite signs",
        )],
        &["OS-OK"],
    );
    check(
        &["negative_not_reversal.csv"],
        &[(
            "negative_not_reversal.csv",
            3,
            "quantity",
            "NR-1",
            "negative quantity on a claim that reverses nothing",
        )],
        &["NR-OK"],
    );
}

#[test]
fn lines_of_a_claim_that_disagree() {
    check(
        &["lines_disagree.csv"],
        &[
            (
                "lines_disagree.csv",
                3,
                "",
                "LD-1",
                "held back with claim `LD-1`",
            ),
            (
                "lines_disagree.csv",
                4,
                "institution_id",
                "LD-1",
                "disagree on institution_id",
            ),
            ("lines_disagree.csv", 5, "", "LD-2", "held back"),
            (
                "lines_disagree.csv",
                6,
                "service_time",
                "LD-2",
                "disagree on service_time",
            ),
        ],
        &["LD-OK"],
    );
}

#[test]
fn duplicate_claim_line() {
    check(
        &["duplicate_line_no.csv"],
        &[
            ("duplicate_line_no.csv", 3, "", "DL-1", "held back"),
            (
                "duplicate_line_no.csv",
                4,
                "line_no",
                "DL-1",
                "line_no 1 appears twice in claim `DL-1`",
            ),
        ],
        &["DL-OK"],
    );
}

#[test]
fn claim_id_in_two_files() {
    check(
        &["two_files_a.csv", "two_files_b.csv"],
        &[
            ("two_files_a.csv", 3, "", "TF-1", "held back"),
            (
                "two_files_b.csv",
                3,
                "claim_id",
                "TF-1",
                "claim id `TF-1` appears in two files",
            ),
        ],
        &["TA-OK", "TB-OK"],
    );
}

#[test]
fn service_date_after_the_period() {
    check(
        &["after_period.csv"],
        &[(
            "after_period.csv",
            3,
            "service_time",
            "AP-1",
            "service date 2024-04-02 is after the period's end 2024-03-31",
        )],
        &["AP-OK"],
    );
}

#[test]
fn unclosed_quote_and_short_row() {
    check(
        &["unclosed_quote.csv"],
        &[(
            "unclosed_quote.csv",
            3,
            "",
            "UQ-1",
            "a quote is not closed: this record runs over 2 lines",
        )],
        &["UQ-OK"],
    );
    check(
        &["short_row.csv"],
        &[(
            "short_row.csv",
            3,
            "",
            "SR-1",
            "9 fields where the header has 11",
        )],
        &["SR-OK"],
    );
}

#[test]
fn claim_file_without_a_required_column_is_fatal() {
    let wd = with_corpus(&["missing_column.csv"]);
    let run = wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet"]);
    run.expect_code(1);
    assert!(
        run.stderr().contains(
            "missing_column.csv:1: column `amount`: required column is missing from the header"
        ),
        "{}",
        run.stderr()
    );
    assert!(!wd.join("out").exists());
}

#[test]
fn a_file_loaded_twice_holds_its_claims_back_and_says_so() {
    let wd = Workdir::new().with_sample();
    let text = wd.read("samples/data/claims/remote_2024-03.csv");
    wd.write("samples/data/claims/remote_2024-03 (copy).csv", &text);
    let run = wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet"]);
    run.expect_code(3);
    let r = rejects(&wd);
    assert_eq!(
        r.len(),
        2 * (text.lines().count() - 1),
        "every line of both copies is held back"
    );
    assert!(
        r.iter().any(|x| x
            .4
            .contains("which are byte-identical: the same export loaded twice?")),
        "{r:#?}"
    );
    let payments = wd.read("out/2024-03/payments.csv");
    assert!(
        !payments.contains("\nSC-REMOTE-PREPAY,"),
        "nothing paid twice"
    );
}

#[test]
fn oversized_cell_and_oversized_claim() {
    let wd = Workdir::new().with_sample();
    let mut text = String::from("claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount\n");
    text.push_str(&format!(
        "HUGE-CELL,1,SY0001,SY-H2,2024-03-29 10:00:00,general,S001,1,10.00,10.00{}\n",
        ""
    ));
    text = text.replace(
        "S001,1,10.00,10.00\n",
        &format!("{},1,10.00,10.00\n", "S".repeat(10 << 20)),
    );
    for n in 1..=10_001 {
        text.push_str(&format!(
            "HUGE-CLAIM,{n},SY0001,SY-H2,2024-03-29 11:00:00,general,S001,1,10.00,10.00\n"
        ));
    }
    wd.write("samples/data/claims/zz_huge.csv", text);
    let run = wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet"]);
    run.expect_code(3);
    let r = rejects(&wd);
    assert_eq!(r.len(), 10_002, "every line accounted for");
    assert!(
        r[0].4
            .contains("a cell of 10485760 bytes in column item_code"),
        "{:?}",
        r[0]
    );
    assert!(r.iter().any(|x| x.2 == "claim_id"
        && x.4
            .contains("claim `HUGE-CLAIM` has 10001 lines, more than the 10000")));
    sample_unchanged(&wd);
    let size = std::fs::metadata(wd.join("out/2024-03/rejects.csv"))
        .expect("rejects")
        .len();
    assert!(
        size < 8 << 20,
        "the 10 MB cell is clipped in rejects.csv ({size} bytes)"
    );
}

#[test]
fn strict_turns_quarantine_into_failure() {
    let wd = with_corpus(&["missing_field.csv"]);
    let run = wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet", "--strict"]);
    run.expect_code(1);
    assert!(
        run.stderr()
            .contains("--strict: 2 claim lines would be quarantined; nothing written"),
        "{}",
        run.stderr()
    );
    assert!(!wd.join("out").exists(), "nothing written");
    wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet"])
        .expect_code(3);
}

#[test]
fn formula_like_cells_are_neutralised_for_spreadsheets() {
    let wd = with_corpus(&["spreadsheet.csv"]);
    wd.run(&["run", "--no-ledger", "--quiet"]).expect_code(0);
    let payments = wd.read("out/2024-03/payments.csv");
    assert!(
        payments.contains("\n'=1+2,'@SY0001,SY-H2,,2024-03-29,denied,10.00,"),
        "{payments}"
    );
    assert!(
        payments.contains(",-170.00,"),
        "negative money stays a number"
    );
}

#[test]
fn existing_output_needs_force_and_is_replaced_whole() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet"])
        .expect_code(0);
    wd.write("out/2024-03/payments.csv", "from an older run");
    let run = wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet"]);
    run.expect_code(2);
    assert!(
        run.stderr()
            .contains("out/2024-03 already holds outputs: give --force"),
        "{}",
        run.stderr()
    );
    wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet", "--force"])
        .expect_code(0);
    assert!(
        wd.read("out/2024-03/payments.csv").starts_with("claim_id,"),
        "replaced whole"
    );
    let hidden: Vec<String> = std::fs::read_dir(wd.join("out"))
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        hidden.is_empty(),
        "no staging, old or lock left: {hidden:?}"
    );
}

#[test]
fn a_dead_runs_lock_is_taken_over() {
    // A live holder is refused: see own_files.rs.
    let wd = Workdir::new().with_sample();
    wd.write("out/.2024-03.lock", "4194999\n");
    wd.run(&["run", "--no-ledger", "--quiet"]).expect_code(0);
    assert!(!wd.join("out/.2024-03.lock").exists());
}

#[test]
fn a_run_killed_part_way_leaves_no_final_output_and_a_rerun_succeeds() {
    let wd = Workdir::new().with_sample();
    let period = tongchou::date::Period::parse("2024-03").expect("period");
    tongchou::synth::generate(&wd.join("big"), 150_000, 15_000, 2, period, 3).expect("generate");
    let exe = env!("CARGO_BIN_EXE_tongchou");
    let args = [
        "run",
        "--no-ledger",
        "--quiet",
        "--data",
        "big",
        "--out",
        "out/2024-03",
    ];
    let mut child = std::process::Command::new(exe)
        .args(args)
        .current_dir(wd.path())
        .spawn()
        .expect("start a run");
    // Kill it once it holds the output directory (its lock exists), while it
    // works.
    let lock = wd.join("out/.2024-03.lock");
    let start = std::time::Instant::now();
    while !lock.exists() && start.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(lock.exists(), "the run took its lock");
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().expect("kill the run");
    let status = child.wait().expect("reap");
    assert!(!status.success(), "the run was killed before it finished");
    assert!(
        !wd.join("out/2024-03").exists(),
        "no final-named output from a killed run"
    );
    // The dead run's lock and staging are taken over; the re-run completes.
    wd.run(&args).expect_code(0);
    assert!(wd.join("out/2024-03/manifest.json").exists());
    let hidden: Vec<_> = std::fs::read_dir(wd.join("out"))
        .expect("out")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(
        hidden.is_empty(),
        "leftovers: {:?}",
        hidden.iter().map(|e| e.file_name()).collect::<Vec<_>>()
    );
}

/// A small deterministic generator for damage.
struct Xs(u64);
impl Xs {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn random_damage_never_panics_and_loses_no_line() {
    use tongchou::run::{run, RunConfig, RunError};
    let wd = Workdir::new().with_sample();
    // Mostly the claims; sometimes a reference file (whose damage may only
    // be refused, never panic).
    let targets = [
        "claims/shiyan_2024-03.csv",
        "claims/shiyan_2024-03.csv",
        "claims/shiyan_2024-03.csv",
        "members.csv",
        "institutions.csv",
        "catalogue.csv",
        "stays.csv",
    ];
    let noise: &[&[u8]] = &[
        b",",
        b"\"",
        b"\n",
        b"\r\n",
        b"-",
        b"\xff",
        b"\xe4\xb8",
        b"1e9",
        b"",
        b"9999999999999",
        b"=",
        b"\t",
    ];
    let mut rng = Xs(0x5eed);
    let (mut settled, mut refused) = (0, 0);
    let (mut claim_cases, mut claim_settled) = (0, 0);
    for i in 0..140 {
        let target = targets[rng.below(targets.len())];
        claim_cases += usize::from(target.starts_with("claims/"));
        let mut bytes = std::fs::read(wd.join("samples/data").join(target)).expect("sample file");
        for _ in 0..1 + rng.below(6) {
            let at = rng.below(bytes.len());
            match rng.below(4) {
                0 => {
                    let n = noise[rng.below(noise.len())];
                    bytes.splice(at..at, n.iter().copied());
                }
                1 => {
                    let end = (at + rng.below(40)).min(bytes.len());
                    bytes.drain(at..end);
                }
                2 => bytes[at] = rng.next() as u8,
                _ => {
                    // Duplicate a stretch (a line exported twice, often).
                    let end = (at + rng.below(200)).min(bytes.len());
                    let piece = bytes[at..end].to_vec();
                    bytes.splice(at..at, piece);
                }
            }
        }
        let dir = wd.join(&format!("fuzz{i}"));
        std::fs::create_dir_all(dir.join("claims")).expect("dir");
        for f in [
            "members.csv",
            "institutions.csv",
            "catalogue.csv",
            "stays.csv",
        ] {
            std::fs::copy(wd.join("samples/data").join(f), dir.join(f)).expect("copy reference");
        }
        std::fs::copy(
            wd.join("samples/data/claims/shiyan_2024-03.csv"),
            dir.join("claims/shiyan_2024-03.csv"),
        )
        .expect("copy claims");
        std::fs::write(dir.join(target), &bytes).expect("write damaged");
        let cfg = RunConfig {
            data: dir.clone(),
            rules: wd.join("samples/rules"),
            out: Some(dir.join("out")),
            period: tongchou::date::Months::parse("2024-03"),
            quiet: true,
            no_ledger: true,
            ..RunConfig::new()
        };
        match run(&cfg, &tongchou::progress::Progress::hidden()) {
            Ok(report) => {
                settled += 1;
                claim_settled += usize::from(target.starts_with("claims/"));
                // The run checked its own reconciliation; check it again here.
                let m: serde_json::Value = serde_json::from_str(
                    &std::fs::read_to_string(dir.join("out/manifest.json")).expect("manifest"),
                )
                .expect("json");
                for f in m["reconciliation"].as_array().expect("reconciliation") {
                    let n = |k: &str| f[k].as_u64().expect("count");
                    assert_eq!(
                        n("lines_read"),
                        n("lines_adjudicated") + n("lines_quarantined"),
                        "case {i}: {f}"
                    );
                }
                assert_eq!(
                    report.lines_quarantined as u64,
                    m["counts"]["claim_lines_quarantined"]
                        .as_u64()
                        .expect("count")
                );
            }
            Err(e @ (RunError::Input(_) | RunError::Usage(_))) => {
                eprintln!("case {i}: refused: {e}");
                refused += 1
            }
            Err(e) => panic!("case {i}: unexpected failure: {e}"),
        }
    }
    // Damage to a claim file quarantines lines; only a broken header
    // (no line can be read without it) refuses the run.
    assert!(
        claim_settled * 10 >= claim_cases * 9,
        "damaged claim files are still settled ({claim_settled} of {claim_cases}; {settled} settled, {refused} refused in all)"
    );
}

#[test]
fn a_corrupt_byte_in_a_chinese_utf8_export_holds_back_only_its_claim() {
    // The ezhou export has Chinese headers and names: one bad byte must not
    // make it GB18030 (which would garble every header) nor refuse it whole.
    let wd = Workdir::new().with_sample();
    let p = "samples/data/claims/ezhou_2024-03.csv";
    let text = wd.read(p);
    let target = text.lines().nth(3).expect("a data line").to_string();
    let claim = target.split(',').next().expect("claim id").to_string();
    let mut bytes = text.into_bytes();
    let at = bytes
        .windows(target.len())
        .position(|w| w == target.as_bytes())
        .expect("line")
        + target.len()
        - 3;
    bytes.insert(at, 0xff);
    wd.write(p, bytes);
    wd.run(&["run", "--lang", "en", "--no-ledger", "--quiet"])
        .expect_code(3);
    let r = rejects(&wd);
    assert!(
        r.iter().all(|x| x.3 == claim),
        "only claim {claim} is held back: {r:#?}"
    );
    assert!(
        r.iter()
            .any(|x| x.1 == 4 && x.4.contains("holds bytes that are not utf-8 text")),
        "{r:#?}"
    );
    let golden = std::fs::read_to_string(repo().join("tests/golden/sample-2024-03/payments.csv"))
        .expect("golden");
    let got = wd.read("out/2024-03/payments.csv");
    for line in golden
        .lines()
        .filter(|l| !l.starts_with(&format!("{claim},")))
    {
        assert!(got.contains(line), "settled as before: {line}");
    }
}
