//! Rule files are refused with the file, the line and the key when a key is
//! unknown, a ratio is outside [0, 1], an amount is negative or a parameter
//! is missing; values keep the digits they were written with.

use crate::fixture::d;
use crate::workdir::repo;
use std::path::Path;
use tongchou::rules::{load_dir, load_file, PharmacyMode};

fn shiyan_with(edit: impl Fn(String) -> String) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(repo().join("samples/rules/shiyan.toml"))
        .expect("shipped rule file");
    let path = dir.path().join("shiyan.toml");
    std::fs::write(&path, edit(text)).expect("write");
    (dir, path)
}

fn line_of(path: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(path).expect("read");
    text.lines()
        .position(|l| !l.starts_with('#') && l.contains(needle))
        .expect("needle in file")
        + 1
}

#[test]
fn shipped_rule_files_load_with_seed_values_and_provisional_marks() {
    let book = load_dir(&repo().join("samples/rules")).expect("shipped rules load");
    assert_eq!(
        book.cities.keys().collect::<Vec<_>>(),
        vec!["ezhou", "shiyan", "wuhan"]
    );
    let sy = &book.cities["shiyan"].versions[0];
    assert_eq!(sy.in_force_from.value.to_string(), "2022-12-31");
    assert_eq!(sy.ratio.retired.get(2).map(|p| p.value), Some(d("0.75")));
    assert_eq!(
        sy.ratio.employed.get(3).map(|p| p.value.to_string()),
        Some("0.50".to_string()),
        "digits as written"
    );
    assert_eq!(
        sy.provisional,
        vec![
            "b_selfpay_share",
            "max_supply_days",
            "multi_institution_threshold",
            "split_visit_min",
            "early_refill_share",
            "visit_frequency_threshold",
            "family_sharing_remote"
        ]
    );
    let ez = &book.cities["ezhou"].versions[0];
    match &ez.pharmacy_mode.value {
        PharmacyMode::Fixed(r) => {
            assert_eq!((r.employed.value, r.retired.value), (d("0.60"), d("0.68")))
        }
        other => panic!("ezhou pharmacy mode should be fixed, got {other:?}"),
    }
    assert!(
        !ez.provisional.contains(&"pharmacy.retired".to_string()),
        "鄂州 二 is a seed figure"
    );
    let wh = &book.cities["wuhan"].versions[0];
    assert_eq!(wh.remote_prepay_share.value, d("0.10"));
    assert!(
        !wh.remote_prepay_share.provisional,
        "武汉 Q7 is a seed figure"
    );
}

#[test]
fn unknown_key_is_refused_with_file_line_and_key() {
    let (_d, path) = shiyan_with(|t| {
        t.replace(
            "[version.cap]",
            "[version.cap]\nsenior = { value = 1, basis = \"x\" }",
        )
    });
    let e = load_file(&path).expect_err("unknown key refused");
    assert_eq!(
        (e.key.as_str(), e.message.as_str()),
        ("cap.senior", "unknown key")
    );
    assert_eq!(e.line, line_of(&path, "senior ="));
    assert!(
        e.to_string()
            .starts_with(&format!("{}:{}: cap.senior", path.display(), e.line)),
        "{e}"
    );
}

#[test]
fn ratio_outside_zero_one_is_refused() {
    let (_d, path) =
        shiyan_with(|t| t.replace("level2 = { value = 0.75", "level2 = { value = 1.2"));
    let e = load_file(&path).expect_err("ratio refused");
    assert_eq!(e.key, "ratio.retired.level2");
    assert_eq!(e.line, line_of(&path, "value = 1.2"));
    assert!(e.message.contains("outside [0, 1]"), "{e}");
}

#[test]
fn negative_amount_is_refused() {
    let (_d, path) =
        shiyan_with(|t| t.replace("employed = { value = 3000", "employed = { value = -3000"));
    let e = load_file(&path).expect_err("negative refused");
    assert_eq!(
        (e.key.as_str(), e.line),
        ("cap.employed", line_of(&path, "value = -3000"))
    );
    assert!(e.message.contains("negative"), "{e}");
}

#[test]
fn missing_parameter_is_refused() {
    let (_d, path) = shiyan_with(|t| {
        t.lines()
            .filter(|l| !l.starts_with("max_supply_days"))
            .collect::<Vec<_>>()
            .join("\n")
    });
    let e = load_file(&path).expect_err("missing refused");
    assert_eq!(
        (e.key.as_str(), e.message.as_str()),
        ("max_supply_days", "missing parameter")
    );
    assert_eq!(e.line, line_of(&path, "[[version]]"));
}

#[test]
fn missing_basis_and_wrong_types_are_refused() {
    let (_d, path) = shiyan_with(|t| {
        t.replace("account_scope = { value = \"medical\", basis = \"十政办发〔2022〕61号 第十二条(二)\" }", "account_scope = { value = \"medical\" }")
    });
    assert_eq!(
        load_file(&path).expect_err("basis needed").key,
        "account_scope.basis"
    );
    let (_d, path) = shiyan_with(|t| t.replace("value = \"03-31\"", "value = \"end of March\""));
    assert_eq!(
        load_file(&path).expect_err("deadline form").key,
        "manual_deadline"
    );
    let (_d, path) = shiyan_with(|t| t.replace("city = \"shiyan\"", "city = \"wuhan\""));
    assert_eq!(
        load_file(&path).expect_err("file named after its city").key,
        "city"
    );
}

#[test]
fn versions_select_by_service_date() {
    // A second version from 2024-01-01 with the level-2 retired ratio at 0.80.
    let (_d, path) = shiyan_with(|t| {
        let v: String = t[t.find("\n[[version]]").expect("a version")..].to_string();
        let v2 = v
            .replace("2022-12-31", "2024-01-01")
            .replace("level2 = { value = 0.75", "level2 = { value = 0.80");
        format!("{t}\n{v2}")
    });
    let rules = load_file(&path).expect("two versions load");
    let at = |s: &str| {
        rules
            .in_force(tongchou::date::Date::parse(s).expect("date"))
            .map(|(i, v)| (i, v.ratio.retired.get(2).map(|p| p.value)))
    };
    assert_eq!(at("2022-12-30"), None);
    assert_eq!(at("2023-12-31"), Some((0, Some(d("0.75")))));
    assert_eq!(at("2024-01-01"), Some((1, Some(d("0.80")))));
}
