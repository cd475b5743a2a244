//! One description per format and per parameter list: the parameter
//! registry drives the rule-file reader, `--set` and `rules show`; rule
//! text is parsed by the core without touching the file system.

use crate::workdir::{repo, Workdir};
use std::path::Path;
use tongchou::rules::params::PARAMS;

/// The parameter paths `rules show CITY` prints, in order (the code
/// tables of the platform layout follow them).
fn shown_paths(out: &str) -> Vec<String> {
    out.lines()
        .skip(1)
        .take_while(|l| l.trim() != "codes (platform layout):")
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

#[test]
fn rules_show_lists_the_registry_and_set_accepts_every_listed_parameter() {
    let wd = Workdir::new().with_sample();
    for city in ["ezhou", "shiyan", "wuhan"] {
        let book = tongchou::rules::load_dir(&repo().join("samples/rules")).expect("rules load");
        let version = book.cities[city]
            .versions
            .last()
            .expect("a version")
            .clone();
        let expected: Vec<&str> = PARAMS
            .iter()
            .filter(|d| d.applies(&version))
            .map(|d| d.path)
            .collect();
        let show = wd.run(&["rules", "show", city, "--rules", "samples/rules"]);
        show.expect_code(0);
        assert_eq!(shown_paths(&show.stdout()), expected, "{city}");
        // Setting each parameter to the value it shows is accepted and
        // becomes the parameter's basis.
        for p in version.parameters() {
            let set = format!("{city}.{}={}", p.path, p.value);
            let run = wd.run(&[
                "rules",
                "show",
                city,
                "--rules",
                "samples/rules",
                "--set",
                &set,
            ]);
            if p.path == "in_force_from" {
                run.expect_code(2);
                assert!(
                    run.stderr().contains("cannot be overridden"),
                    "{}",
                    run.stderr()
                );
                continue;
            }
            run.expect_code(0);
            if p.path == "pharmacy.mode" {
                continue; // `fixed` keeps the fixed mode as it was.
            }
            let line = run
                .stdout()
                .lines()
                .find(|l| l.split_whitespace().next() == Some(p.path.as_str()))
                .map(String::from)
                .unwrap_or_else(|| panic!("{} shown", p.path));
            assert!(
                line.contains(&format!("what-if: {city}.{} = {} (--set)", p.path, p.value)),
                "{line}"
            );
        }
    }
}

#[test]
fn an_unknown_parameter_lists_every_settable_path_of_the_registry() {
    let wd = Workdir::new().with_sample();
    let run = wd.run(&[
        "rules",
        "show",
        "shiyan",
        "--rules",
        "samples/rules",
        "--set",
        "shiyan.deductible.child=1",
    ]);
    run.expect_code(2);
    let settable: Vec<&str> = PARAMS
        .iter()
        .filter(|d| d.fixed.is_none())
        .map(|d| d.path)
        .collect();
    assert!(
        run.stderr()
            .contains(&format!("(one of: {})", settable.join(", "))),
        "{}",
        run.stderr()
    );
}

#[test]
fn rule_text_is_parsed_without_reading_a_file() {
    let text = std::fs::read_to_string(repo().join("samples/rules/wuhan.toml")).expect("read");
    // The path only names the text in messages: nothing exists there.
    let path = Path::new("nowhere/wuhan.toml");
    let rules = tongchou::rules::parse(&text, path).expect("parses");
    assert_eq!(rules.city, "wuhan");
    assert_eq!(rules.file, path);
    let broken = text.replacen("[[version]]", "[[version]]\nextra = 1", 1);
    let e = tongchou::rules::parse(&broken, path).expect_err("unknown key refused");
    assert_eq!(
        (e.key.as_str(), e.message.as_str()),
        ("extra", "unknown key")
    );
    assert!(e.to_string().starts_with("nowhere/wuhan.toml:"), "{e}");
}

/// Run the sample month twice (base and a scenario) for `compare`.
fn two_runs() -> Workdir {
    let wd = Workdir::new().with_sample();
    for (out, set) in [
        ("base", "shiyan.deductible.employed=500"),
        ("alt", "shiyan.deductible.employed=800"),
    ] {
        wd.run(&["run", "--no-ledger", "--quiet", "--out", out, "--set", set])
            .expect_code(0);
    }
    wd
}

#[test]
fn the_payments_writer_and_its_readers_share_one_schema() {
    use tongchou::schema::{PAYMENTS, PAYMENTS_HEADER};
    let wd = two_runs();
    let payments = wd.read("base/payments.csv");
    assert_eq!(
        payments.lines().next(),
        Some(PAYMENTS_HEADER.join(",").as_str())
    );
    // Every column a reader needs is one the writer writes.
    assert!(PAYMENTS.iter().all(|c| PAYMENTS_HEADER.contains(&c.name)));
}

#[test]
fn compare_reads_payments_through_the_schema_so_aliases_are_accepted() {
    let wd = two_runs();
    wd.run(&["compare", "base", "alt", "--out", "direct.csv"])
        .expect_code(0);
    // The same file with Chinese headers for the id and money columns, as
    // the payments schema (and `--prior`) accepts them.
    let text = wd.read("base/payments.csv");
    let (head, body) = text.split_once('\n').expect("a header");
    let head = head
        .replace("claim_id", "结算流水号")
        .replace("fund_pay", "统筹基金支付")
        .replace("account_pay", "个人账户支付");
    wd.write("base/payments.csv", format!("{head}\n{body}"));
    wd.run(&["compare", "base", "alt", "--out", "aliased.csv"])
        .expect_code(0);
    assert_eq!(wd.read("direct.csv"), wd.read("aliased.csv"));
}

#[test]
fn compare_names_a_missing_required_payments_column_as_every_reader_does() {
    let wd = two_runs();
    let text = wd.read("alt/payments.csv");
    let (head, body) = text.split_once('\n').expect("a header");
    wd.write(
        "alt/payments.csv",
        format!("{}\n{body}", head.replace("cash_pay", "cash")),
    );
    let run = wd.run(&["compare", "--lang", "en", "base", "alt", "--out", "c.csv"]);
    run.expect_code(1);
    assert!(
        run.stderr().contains(
            "payments.csv:1: column `cash_pay`: required column is missing from the header"
        ),
        "{}",
        run.stderr()
    );
}

#[test]
fn synth_writes_each_input_header_from_its_schema() {
    use tongchou::schema::{header_line, reference, CLAIMS, LEDGER};
    let wd = Workdir::new();
    wd.run(&["synth", "--out", "m", "--lines", "50"])
        .expect_code(0);
    let first = |f: &str| wd.read(f).lines().next().unwrap_or("").to_string();
    assert_eq!(first("m/claims/claims_01.csv"), header_line(CLAIMS, &[]));
    assert_eq!(first("m/members.csv"), header_line(reference::MEMBERS, &[]));
    assert_eq!(first("m/stays.csv"), header_line(reference::STAYS, &[]));
    assert_eq!(first("m/ledger.csv"), header_line(LEDGER, &[]));
    assert_eq!(
        first("m/institutions.csv"),
        header_line(reference::INSTITUTIONS, &["name"])
    );
    assert_eq!(
        first("m/catalogue.csv"),
        header_line(reference::CATALOGUE, &["name"])
    );
}

#[test]
fn manifest_json_is_one_document_type_written_and_read_back_unchanged() {
    use tongchou::schema::manifest::{ManifestDoc, TOOL};
    let wd = two_runs();
    let text = wd.read("alt/manifest.json");
    let doc = ManifestDoc::parse(text.as_bytes()).expect("the manifest reads as its document");
    assert_eq!(doc.tool, TOOL);
    assert_eq!(doc.overrides.len(), 1);
    assert_eq!(doc.overrides[0].parameter, "deductible.employed");
    assert!(doc.output_sha256("payments.csv").is_some());
    // Written back, it is the same bytes: no field is lost or reordered.
    let again = serde_json::to_string_pretty(&doc).expect("serialises") + "\n";
    assert_eq!(again, text);
}
