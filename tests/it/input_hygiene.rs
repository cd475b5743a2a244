//! The real binary on untidy input files: invisible and control characters
//! in ids, GB18030 exports whose Chinese also forms valid UTF-8, encodings
//! named per file, Windows and mixed line ends, and a month of more claim
//! files than a process may hold open.

use crate::workdir::{Run, Workdir};
use std::path::Path;

const SHIYAN: &str = "samples/data/claims/shiyan_2024-03.csv";

/// rejects.csv of the default output: (file name, line, column, claim_id,
/// reason, raw).
type RejectRow = (String, u64, String, String, String, String);

fn rejects(wd: &Workdir, out: &str) -> Vec<RejectRow> {
    let mut r = csv::Reader::from_path(wd.join(&format!("{out}/rejects.csv"))).expect("rejects");
    r.records()
        .map(|rec| {
            let rec = rec.expect("a rejects row");
            (
                rec[0].rsplit('/').next().unwrap_or_default().to_string(),
                rec[1].parse().expect("line"),
                rec[2].to_string(),
                rec[3].to_string(),
                rec[4].to_string(),
                rec[5].to_string(),
            )
        })
        .collect()
}

/// The sample's shiyan export, its lines without line ends.
fn shiyan_lines(wd: &Workdir) -> Vec<String> {
    wd.read(SHIYAN).lines().map(str::to_string).collect()
}

/// Every byte of every file of an output directory.
fn output_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("output dir") {
        let p = e.expect("entry").path();
        // settlement.xlsx is a zip archive (NUL bytes are its format); its
        // text comes from the CSVs checked here.
        if p.is_file() && p.extension().is_none_or(|x| x != "xlsx") {
            out.push((p.display().to_string(), std::fs::read(&p).expect("read")));
        }
    }
    out
}

#[test]
fn invisible_characters_in_ids_do_not_split_a_claim() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--no-ledger",
        "--out",
        "clean",
    ])
    .expect_code(0);
    // SC-EXAMPLE has several lines: a zero-width space after the id of its
    // second line, and a byte-order mark in mid-file at the start of its
    // third (two exports joined), and a word joiner before a person id.
    let mut lines = shiyan_lines(&wd);
    assert!(lines[2].starts_with("SC-EXAMPLE,2,") && lines[3].starts_with("SC-EXAMPLE,3,"));
    assert!(lines[4].contains(",SY0002,"));
    lines[2] = lines[2].replacen("SC-EXAMPLE,", "SC-EXAMPLE\u{200B},", 1);
    lines[3] = format!("\u{FEFF}{}", lines[3]);
    lines[4] = lines[4].replacen(",SY0002,", ",\u{2060}SY0002,", 1);
    wd.write(SHIYAN, lines.join("\n") + "\n");
    // A zero-width space after a person id in members.csv.
    let members = wd.read("samples/data/members.csv");
    wd.write(
        "samples/data/members.csv",
        members.replacen("SY0001,", "SY0001\u{200B},", 1),
    );
    let run = wd.run(&[
        "run",
        "--lang",
        "en",
        "--quiet",
        "--no-ledger",
        "--out",
        "dirty",
    ]);
    run.expect_code(0);
    wd.assert_same_outputs("clean", "dirty");
    let err = run.stderr();
    assert!(
        err.contains("shiyan_2024-03.csv: 3 ids had invisible characters stripped"),
        "{err}"
    );
    assert!(
        err.contains("members.csv: 1 ids had invisible characters stripped"),
        "{err}"
    );
}

#[test]
fn a_control_character_in_an_id_holds_back_its_claim_and_never_reaches_an_output() {
    let wd = Workdir::new().with_sample();
    let mut lines = shiyan_lines(&wd);
    lines[2] = lines[2].replacen("SC-EXAMPLE,", "SC-EXAMPLE\0,", 1);
    // A NUL inside another claim's person id, a C1 control in an item code.
    let other = lines
        .iter()
        .position(|l| !l.starts_with("SC-EXAMPLE,") && l.contains(",SY0002,"))
        .expect("a claim of SY0002");
    let other_id = lines[other].split(',').next().expect("id").to_string();
    lines[other] = lines[other].replacen(",SY0002,", ",SY\x0002,", 1);
    wd.write(SHIYAN, lines.join("\n") + "\n");
    wd.run(&["run", "--lang", "en", "--quiet", "--no-ledger"])
        .expect_code(3);
    let r = rejects(&wd, "out/2024-03");
    let example: Vec<&RejectRow> = r.iter().filter(|x| x.3 == "SC-EXAMPLE").collect();
    let example_lines = lines.iter().filter(|l| l.starts_with("SC-EXAMPLE")).count();
    assert_eq!(
        example.len(),
        example_lines,
        "every line of the claim is held back, not split into two claims: {r:#?}"
    );
    assert!(
        example.iter().any(|x| x.1 == 3
            && x.2 == "claim_id"
            && x.4.contains("control character U+0000")
            && x.5.starts_with("SC-EXAMPLE\\u{0},2,")),
        "{r:#?}"
    );
    assert!(
        r.iter().any(|x| x.3 == other_id && x.2 == "person_id"),
        "{r:#?}"
    );
    let payments = wd.read("out/2024-03/payments.csv");
    assert!(!payments.contains("SC-EXAMPLE"), "{payments}");
    for (file, bytes) in output_bytes(&wd.join("out/2024-03")) {
        assert!(!bytes.contains(&0), "a NUL byte in {file}");
    }
}

#[test]
fn a_control_character_in_a_reference_id_is_fatal_and_located() {
    let wd = Workdir::new().with_sample();
    let members = wd.read("samples/data/members.csv");
    wd.write(
        "samples/data/members.csv",
        members.replacen("SY0002,", "SY0002\x07,", 1),
    );
    let run = wd.run(&["run", "--lang", "en", "--quiet", "--no-ledger"]);
    run.expect_code(1);
    assert!(
        run.stderr()
            .contains("members.csv:3: column `person_id`: holds the control character U+0007"),
        "{}",
        run.stderr()
    );
}

/// Item names made only of characters whose GBK bytes are also valid
/// two-byte UTF-8 (药 D2 A9, 品 C6 B7, 医 D2 BD, 院 D4 BA).
const LOOKALIKE: [&str; 4] = ["药品", "医院药品", "院医", "医药品院"];

/// The shiyan export with the item names replaced by look-alikes, its
/// header in Chinese when `chinese`.
fn lookalike_shiyan(wd: &Workdir, chinese: bool) -> String {
    let mut lines = shiyan_lines(wd);
    if chinese {
        lines[0] = "结算流水号,明细序号,个人编号,机构编码,结算时间,就诊类型,医保编码,项目名称,数量,单价,金额,处方号,开方机构编码,用药天数,结算方式,申报日期,除外情形,冲正原流水号".into();
    }
    for (i, l) in lines.iter_mut().enumerate().skip(1) {
        let mut cells: Vec<&str> = l.split(',').collect();
        cells[7] = LOOKALIKE[i % LOOKALIKE.len()];
        *l = cells.join(",");
    }
    lines.join("\n") + "\n"
}

fn gb18030(text: &str) -> Vec<u8> {
    let (bytes, _, bad) = encoding_rs::GB18030.encode(text);
    assert!(!bad);
    bytes.into_owned()
}

#[test]
fn gb18030_with_chinese_headers_and_utf8_lookalike_names_settles_like_its_utf8_twin() {
    let wd = Workdir::new().with_sample();
    let text = lookalike_shiyan(&wd, true);
    wd.write(SHIYAN, &text);
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "utf8"])
        .expect_code(0);
    wd.write(SHIYAN, gb18030(&text));
    let run = wd.run(&["run", "--quiet", "--no-ledger", "--out", "gbk"]);
    run.expect_code(0);
    wd.assert_same_outputs("utf8", "gbk");
    let m = wd.read("gbk/manifest.json");
    assert!(m.contains("\"encoding\": \"gb18030\""), "{m}");
}

#[test]
fn gb18030_with_english_headers_and_utf8_lookalike_names_is_not_garbled() {
    let wd = Workdir::new().with_sample();
    let mut text = lookalike_shiyan(&wd, false);
    wd.write(SHIYAN, &text);
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "utf8"])
        .expect_code(0);
    let bytes = gb18030(&text);
    assert!(
        std::str::from_utf8(&bytes).is_ok(),
        "the GB18030 file is also valid UTF-8"
    );
    wd.write(SHIYAN, &bytes);
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "gbk"])
        .expect_code(0);
    wd.assert_same_outputs("utf8", "gbk");
    assert!(wd
        .read("gbk/manifest.json")
        .contains("\"encoding\": \"gb18030\""));
    // A broken line shows its item name as written, not as Cyrillic.
    text = text.replacen(",药品,1,", ",药品,x,", 1);
    wd.write(SHIYAN, gb18030(&text));
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "broken"])
        .expect_code(3);
    let r = rejects(&wd, "broken");
    assert!(
        r.iter()
            .any(|x| x.2 == "quantity" && x.5.contains(",药品,x,")),
        "{r:#?}"
    );
}

#[test]
fn encoding_can_be_named_for_the_claim_files_alone() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--quiet", "--no-ledger", "--out", "utf8"])
        .expect_code(0);
    let dir = "samples/data/claims";
    let names = ["ezhou", "remote", "shiyan", "wuhan"].map(|c| format!("{dir}/{c}_2024-03.csv"));
    let utf8: Vec<String> = names.iter().map(|p| wd.read(p)).collect();
    for (p, text) in names.iter().zip(&utf8) {
        wd.write(p, gb18030(text.trim_start_matches('\u{feff}')));
    }
    // The reference files hold Chinese in UTF-8: one encoding for all
    // would garble them.
    assert!(wd.read("samples/data/institutions.csv").contains('院'));
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "gbk",
        "--encoding",
        "claims=gb18030",
    ])
    .expect_code(0);
    wd.assert_same_outputs("utf8", "gbk");
    // A role wins over the value for all.
    let args = [
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "roles",
        "--encoding",
        "gb18030",
        "--encoding",
        "members=utf-8",
        "--encoding",
        "institutions=utf-8",
        "--encoding",
        "catalogue=utf-8",
        "--encoding",
        "stays=utf-8",
    ];
    wd.run(&args).expect_code(0);
    wd.assert_same_outputs("utf8", "roles");
    // A file named by path wins over its role.
    for (p, text) in names.iter().zip(&utf8).skip(1) {
        wd.write(p, text);
    }
    let ezhou = format!("{}=gb18030", names[0]);
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "byfile",
        "--encoding",
        "claims=utf-8",
        "--encoding",
        &ezhou,
    ])
    .expect_code(0);
    wd.assert_same_outputs("utf8", "byfile");
    let run = wd.run(&[
        "run",
        "--quiet",
        "--no-ledger",
        "--encoding",
        "claimz=gb18030",
    ]);
    run.expect_code(2);
    assert!(run.stderr().contains("neither a role"), "{}", run.stderr());
}

/// The shiyan export with quantity `x` on its fourth line, joined with
/// `ends` (one per line, cycled).
fn broken_shiyan(wd: &Workdir, ends: &[&str]) -> (Vec<u8>, String) {
    let mut lines = shiyan_lines(wd);
    lines[3] = lines[3].replacen(",1,", ",x,", 1);
    let broken = lines[3].clone();
    let mut text = String::new();
    for (i, l) in lines.iter().enumerate() {
        text.push_str(l);
        text.push_str(ends[i % ends.len()]);
    }
    (text.into_bytes(), broken)
}

#[test]
fn lf_crlf_and_mixed_line_ends_locate_a_broken_line_alike() {
    let wd = Workdir::new().with_sample();
    let lines = shiyan_lines(&wd);
    assert!(lines[3].contains(",1,"));
    for (name, ends) in [
        ("lf", &["\n"][..]),
        ("crlf", &["\r\n"][..]),
        ("mixed", &["\r\n", "\n", "\n", "\r\n", "\r\n"][..]),
    ] {
        let (bytes, broken) = broken_shiyan(&wd, ends);
        wd.write(SHIYAN, bytes);
        wd.run(&[
            "run",
            "--lang",
            "en",
            "--quiet",
            "--no-ledger",
            "--out",
            name,
        ])
        .expect_code(3);
        let r = rejects(&wd, name);
        let culprit: Vec<&RejectRow> = r.iter().filter(|x| x.2 == "quantity").collect();
        assert_eq!(culprit.len(), 1, "{name}: {r:#?}");
        assert_eq!(culprit[0].1, 4, "{name}: the fourth line: {r:#?}");
        assert_eq!(culprit[0].5, broken, "{name}: raw as written");
        for x in r.iter().filter(|x| x.0 == "shiyan_2024-03.csv") {
            assert_eq!(
                x.5,
                lines[x.1 as usize - 1].replacen(",1,", if x.1 == 4 { ",x," } else { ",1," }, 1),
                "{name}: raw of line {}",
                x.1
            );
        }
    }
    // A reference file: the error names the line of the bad cell.
    let members = wd.read("samples/data/members.csv");
    let mut m: Vec<String> = members.lines().map(str::to_string).collect();
    m[4] = m[4].replacen(",2015-01-01,", ",2015-13-01,", 1);
    assert!(m[4].contains("2015-13-01"));
    for (name, end) in [("lf", "\n"), ("crlf", "\r\n")] {
        wd.write("samples/data/members.csv", m.join(end) + end);
        let run = wd.run(&[
            "run",
            "--lang",
            "en",
            "--quiet",
            "--no-ledger",
            "--out",
            &format!("m-{name}"),
        ]);
        run.expect_code(1);
        assert!(
            run.stderr()
                .contains("members.csv:5: column `benefit_from`"),
            "{name}: {}",
            run.stderr()
        );
    }
}

/// Run the binary with at most `limit` open files.
fn run_with_open_file_limit(wd: &Workdir, limit: u32, args: &[&str]) -> Run {
    let exe = env!("CARGO_BIN_EXE_tongchou");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
        .arg(exe)
        .args(args)
        .current_dir(wd.path())
        .output()
        .expect("start sh");
    Run {
        cmd: format!("(ulimit -n {limit}; tongchou {})", args.join(" ")),
        out,
    }
}

#[test]
fn a_month_of_more_exports_than_open_files_allowed_is_settled() {
    let wd = Workdir::new().with_sample();
    let header = shiyan_lines(&wd)[0].clone();
    const FILES: usize = 1100;
    for i in 0..FILES {
        wd.write(
            &format!("samples/more/h{i:04}.csv"),
            format!(
                "{header}\nSC-MANY-{i:04},1,SY0002,SY-H2,2024-03-{:02} 09:00:00,general,S001,诊查费,1,10.00,10.00,,,,,,,\n",
                1 + i % 28
            ),
        );
    }
    let args = [
        "run",
        "--no-ledger",
        "--quiet",
        "--claims",
        "samples/more",
        "--claims",
        SHIYAN,
    ];
    let run = run_with_open_file_limit(&wd, 256, &args);
    run.expect_code(0);
    let payments = wd.read("out/2024-03/payments.csv");
    assert_eq!(
        payments.matches("\nSC-MANY-").count(),
        FILES,
        "every export is settled"
    );
    // Partition by partition through spill files: each export holds its
    // spill files open only while it is scanned.
    let mut args = args.to_vec();
    args.extend(["--out", "spilled", "--memory-limit", "1K"]);
    // (Merging the outputs reads all 256 partitions at once.)
    run_with_open_file_limit(&wd, 512, &args).expect_code(0);
    wd.assert_same_outputs("out/2024-03", "spilled");
}
