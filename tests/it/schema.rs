//! One description per format and per parameter list: the parameter
//! registry drives the rule-file reader, `--set` and `rules show`; rule
//! text is parsed by the core without touching the file system.

use crate::workdir::{repo, Workdir};
use std::path::Path;
use tongchou::rules::params::PARAMS;

/// The parameter paths `rules show CITY` prints, in order.
fn shown_paths(out: &str) -> Vec<String> {
    out.lines()
        .skip(1)
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
