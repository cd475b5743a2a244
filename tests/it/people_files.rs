//! Files people open: settlement.xlsx read back with a spreadsheet reader
//! and checked against the CSV contract files of the same run.

use crate::workdir::Workdir;
use calamine::{open_workbook, Data, Reader, Xlsx};
use rust_decimal::Decimal;
use std::str::FromStr;

type Sheets = Vec<(String, Vec<Vec<Data>>)>;

/// Every sheet of a workbook, in order, as rows of cells.
fn read_xlsx(wd: &Workdir, rel: &str) -> Sheets {
    let mut book: Xlsx<_> = open_workbook(wd.join(rel)).expect("open settlement.xlsx");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            let rows = range.rows().map(|r| r.to_vec()).collect();
            (name, rows)
        })
        .collect()
}

/// A cell as the CSVs write it: text as is, numbers as integers when whole.
fn plain(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => format!("{other:?}"),
    }
}

/// A money cell with two decimals, as the CSVs write money.
fn money(d: &Data) -> String {
    match d {
        Data::Float(f) => format!("{f:.2}"),
        Data::Int(i) => format!("{i}.00"),
        other => panic!("not a number: {other:?}"),
    }
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("csv row").iter().map(str::to_string).collect())
        .collect()
}

fn headers(rows: &[Vec<Data>]) -> Vec<String> {
    rows[0].iter().map(plain).collect()
}

#[test]
fn settlement_workbook_has_chinese_names_money_and_totals_matching_summary_csv() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet"]).expect_code(0);
    let sheets = read_xlsx(&wd, "out/2024-03/settlement.xlsx");
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["基金汇总", "结算清单", "拒付明细", "可疑提示"]);

    // The fund summary: one row per summary.csv row, its last the grand
    // total with the same figures.
    let summary = &sheets[0].1;
    assert_eq!(
        headers(summary)[..7],
        [
            "范围",
            "参保地",
            "机构编码",
            "机构名称",
            "结算笔数",
            "人数",
            "总费用"
        ]
    );
    let csv = csv_rows(&wd.read("out/2024-03/summary.csv"));
    assert_eq!(summary.len() - 1, csv.len());
    let (got, want) = (
        summary.last().expect("total row"),
        csv.last().expect("total"),
    );
    assert_eq!(plain(&got[0]), "合计");
    assert_eq!(
        (plain(&got[4]), plain(&got[5])),
        (want[3].clone(), want[4].clone())
    );
    for (x, col) in (6..15).zip(5..14) {
        assert_eq!(money(&got[x]), want[col], "summary column {col}");
    }
    // City names come from the rule files, institution names from
    // institutions.csv.
    let sy_h3 = summary
        .iter()
        .find(|r| plain(&r[2]) == "SY-H3" && plain(&r[1]) == "十堰市")
        .expect("a 十堰市 SY-H3 row");
    assert_eq!(plain(&sy_h3[3]), "十堰市人民医院");
    assert!(summary.iter().any(|r| plain(&r[1]) == "(未知参保人)"));
    let cities: Vec<String> = summary.iter().map(|r| plain(&r[1])).collect();
    for c in ["鄂州市", "十堰市", "武汉市"] {
        assert!(cities.iter().any(|x| x == c), "{c} in {cities:?}");
    }

    // The settlement: settlement.csv's rows with names, then a totals row
    // whose amounts equal the fund's total payments in summary.csv.
    let settlement = &sheets[1].1;
    assert_eq!(
        headers(settlement),
        [
            "参保地",
            "收款方类型",
            "收款方编码",
            "收款方名称",
            "结算笔数",
            "统筹基金支付",
            "个人账户支付",
            "应付金额"
        ]
    );
    let s_csv = csv_rows(&wd.read("out/2024-03/settlement.csv"));
    assert_eq!(settlement.len() - 2, s_csv.len());
    for (row, c) in settlement[1..].iter().zip(&s_csv) {
        assert_eq!(plain(&row[2]), c[2]);
        assert_eq!(
            (money(&row[5]), money(&row[7])),
            (c[4].clone(), c[6].clone())
        );
    }
    let sum = |col: usize| -> Decimal {
        s_csv
            .iter()
            .map(|r| Decimal::from_str(&r[col]).expect("money"))
            .sum()
    };
    let totals = settlement.last().expect("totals row");
    assert_eq!(plain(&totals[0]), "合计");
    assert_eq!(money(&totals[5]), want[8], "fund_pay total = summary.csv");
    assert_eq!(
        money(&totals[6]),
        want[9],
        "account_pay total = summary.csv"
    );
    assert_eq!(money(&totals[7]), format!("{:.2}", sum(6)));
    let inst = settlement
        .iter()
        .find(|r| plain(&r[2]) == "SY-H3")
        .expect("SY-H3 paid");
    assert_eq!(
        (plain(&inst[1]), plain(&inst[3])),
        ("定点机构".into(), "十堰市人民医院".into())
    );

    // Denied and pool_denied claims, each with its reason in words.
    let pay = csv_rows(&wd.read("out/2024-03/payments.csv"));
    let denied: Vec<&Vec<String>> = pay
        .iter()
        .filter(|r| r[5] == "denied" || r[5] == "pool_denied")
        .collect();
    let d_sheet = &sheets[2].1;
    assert!(!denied.is_empty());
    assert_eq!(d_sheet.len() - 1, denied.len());
    for (row, p) in d_sheet[1..].iter().zip(&denied) {
        assert_eq!(plain(&row[0]), p[0]);
        let status = plain(&row[6]);
        assert!(status == "拒付" || status == "统筹拒付", "{status}");
        assert!(
            !plain(&row[12]).is_empty(),
            "no reason in words for {}",
            p[0]
        );
    }
    // Flagged findings: every `flag` row of audit.csv.
    let audit = csv_rows(&wd.read("out/2024-03/audit.csv"));
    let flags = audit.iter().filter(|r| r[5] == "flag").count();
    assert!(flags > 0);
    assert_eq!(sheets[3].1.len() - 1, flags);
}

#[test]
fn settlement_workbook_in_english_and_byte_identical_across_runs() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--lang",
        "en",
        "--out",
        "a",
    ])
    .expect_code(0);
    // The creation time is the period's last day, not the clock's.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--lang",
        "en",
        "--out",
        "b",
    ])
    .expect_code(0);
    let bytes = |d: &str| std::fs::read(wd.join(&format!("{d}/settlement.xlsx"))).expect("xlsx");
    assert!(
        bytes("a") == bytes("b"),
        "settlement.xlsx differs between runs"
    );
    let sheets = read_xlsx(&wd, "a/settlement.xlsx");
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Fund summary", "Settlement", "Denied", "Flagged"]);
    assert_eq!(
        headers(&sheets[1].1),
        [
            "city",
            "payee",
            "payee_id",
            "payee_name",
            "claims",
            "fund_pay",
            "account_pay",
            "amount_due"
        ]
    );
    assert_eq!(plain(&sheets[1].1.last().expect("totals")[0]), "total");
}

#[test]
fn settlement_workbook_is_the_same_when_the_month_spills() {
    let wd = Workdir::new().with_sample();
    let period = tongchou::date::Period::parse("2024-03").expect("period");
    tongchou::synth::generate(&wd.join("gen"), 6_000, 600, 2, period, 5).expect("generate");
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "run",
            "--quiet",
            "--data",
            "gen",
            "--ledger",
            "gen/ledger.csv",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        wd.run(&args).expect_code(0);
    };
    run("whole", &[]);
    run("spilled", &["--memory-limit", "1K"]);
    let m: serde_json::Value =
        serde_json::from_str(&wd.read("spilled/manifest.json")).expect("manifest");
    assert!(
        m["timings_ms"]["partitions"].as_u64() > Some(1),
        "did not spill"
    );
    let bytes = |d: &str| std::fs::read(wd.join(&format!("{d}/settlement.xlsx"))).expect("xlsx");
    assert!(bytes("whole") == bytes("spilled"));
    let sheets = read_xlsx(&wd, "spilled/settlement.xlsx");
    let audit = csv_rows(&wd.read("spilled/audit.csv"));
    let flags = audit.iter().filter(|r| r[5] == "flag").count();
    assert_eq!(sheets[3].1.len() - 1, flags);
}

#[test]
fn csv_bom_marks_every_csv_output_and_changes_nothing_else() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--out",
        "plain",
    ])
    .expect_code(0);
    wd.run(&[
        "run",
        "--lang",
        "en",
        "--no-ledger",
        "--quiet",
        "--csv-bom",
        "--out",
        "bom",
    ])
    .expect_code(0);
    for f in crate::workdir::OUTPUTS
        .iter()
        .filter(|f| f.ends_with(".csv"))
    {
        let bom = std::fs::read(wd.join(&format!("bom/{f}"))).expect("bom output");
        let plain = std::fs::read(wd.join(&format!("plain/{f}"))).expect("plain output");
        assert_eq!(bom[..3], [0xef, 0xbb, 0xbf], "{f} begins with a BOM");
        assert!(bom[3..] == plain[..], "{f}: only the BOM differs");
    }
    // The contract files stay as they are without the flag.
    assert_ne!(wd.read("plain/payments.csv").as_bytes()[0], 0xef);
    let bytes = |d: &str| std::fs::read(wd.join(&format!("{d}/settlement.xlsx"))).expect("xlsx");
    assert!(
        bytes("plain") == bytes("bom"),
        "the workbook reads the CSVs past the BOM"
    );
    // tongchou reads its own BOM-marked outputs back.
    let cmp = wd.run(&["compare", "--lang", "en", "plain", "bom", "--out", "c.csv"]);
    cmp.expect_code(0);
    assert!(
        cmp.stdout().contains("0 of 191 claims differ"),
        "{}",
        cmp.stdout()
    );
}

/// A Chromium binary on PATH, if any.
fn chromium() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// Load a page in headless Chromium: its DOM after loading, and what the
/// browser logged (console messages included).
fn load_page(
    browser: &std::path::Path,
    page: &std::path::Path,
    shot: &std::path::Path,
    profile: &std::path::Path,
) -> (String, String) {
    let url = format!("file://{}", page.display());
    let common = [
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ];
    let out = std::process::Command::new(browser)
        .args(common)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("start chromium");
    assert!(
        out.status.success(),
        "chromium --dump-dom {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shot_run = std::process::Command::new(browser)
        .args(common)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--window-size=1000,2600")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .expect("start chromium");
    assert!(shot_run.status.success(), "chromium --screenshot {url}");
    assert!(shot.is_file(), "no screenshot at {}", shot.display());
    let log = String::from_utf8_lossy(&out.stderr).into_owned()
        + &String::from_utf8_lossy(&shot_run.stderr);
    (String::from_utf8_lossy(&out.stdout).into_owned(), log)
}

/// The bars drawn in the chart `id` of a loaded page.
fn bars_in(dom: &str, id: &str) -> usize {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("chart {id} is not in the page"));
    let end = start + dom[start..].find("</svg>").expect("chart closes");
    dom[start..end].matches("class=\"bar\"").count()
}

#[test]
fn report_and_compare_pages_load_in_a_headless_browser_and_every_chart_draws() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "base"])
        .expect_code(0);
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "whatif",
        "--set",
        "shiyan.deductible.employed=800",
    ])
    .expect_code(0);
    wd.run(&["compare", "base", "whatif", "--out", "compare.csv"])
        .expect_code(0);
    // The platform layout's report adds the clearing chart (POLICY §10).
    wd.run(&[
        "run",
        "--data",
        "samples/platform",
        "--no-ledger",
        "--quiet",
        "--out",
        "platform",
    ])
    .expect_code(0);
    let report = wd.read("base/report.html");
    let compare = wd.read("compare.html");
    // Self-contained: nothing is fetched (the only URL is SVG's namespace).
    for page in [&report, &compare] {
        assert!(!page.contains("<script") && !page.contains(" src=") && !page.contains("<link"));
        assert_eq!(
            page.matches("http").count(),
            page.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
        );
    }
    assert!(report.contains("十堰市") && report.contains("鄂州市") && report.contains("武汉市"));

    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no chromium on PATH: .ci/run installs it"
        );
        println!(
            "skipped: no chromium binary on PATH (install the `chromium` package to run this test)"
        );
        return;
    };
    let shots = crate::workdir::repo().join("target/people-files");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    for (page, shot, charts) in [
        (
            "base/report.html",
            "report.png",
            &[
                "chart-city",
                "chart-level",
                "chart-status",
                "chart-cap",
                "chart-leads",
                "chart-reconciliation",
            ][..],
        ),
        (
            "platform/report.html",
            "report-platform.png",
            &["chart-city", "chart-clearing"][..],
        ),
        (
            "compare.html",
            "compare.png",
            &[
                "chart-fund-0",
                "chart-fund-1",
                "chart-fund-2",
                "chart-deciles",
            ][..],
        ),
    ] {
        let (dom, log) = load_page(
            &browser,
            &wd.join(page),
            &shots.join(shot),
            &wd.join("profile"),
        );
        assert!(!log.contains("CONSOLE"), "{page}: console messages: {log}");
        for id in charts {
            assert!(bars_in(&dom, id) > 0, "{page}: chart {id} drew no bar");
        }
    }
}

/// `YYYY-MM-DD` of a day number since 1970-01-01 (Hinnant's civil_from_days).
fn civil(days: i32) -> String {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Read a Parquet file back: its column names and its rows, each cell as
/// the CSV writes it (decimals at their Parquet scale).
fn read_parquet(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let reader = SerializedFileReader::new(std::fs::File::open(path).expect("open parquet"))
        .expect("parquet");
    let names: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let rows = reader
        .get_row_iter(None)
        .expect("rows")
        .map(|row| {
            row.expect("row")
                .get_column_iter()
                .map(|(_, f)| match f {
                    Field::Null => String::new(),
                    Field::Str(s) => s.clone(),
                    Field::Int(i) => i.to_string(),
                    Field::Date(d) => civil(*d),
                    Field::Decimal(d) => {
                        let v = i64::from_be_bytes(d.data().try_into().expect("INT64 decimal"));
                        Decimal::new(v, d.scale() as u32).to_string()
                    }
                    other => panic!("unexpected {other:?}"),
                })
                .collect()
        })
        .collect();
    (names, rows)
}

/// Column types as DuckDB would see them.
fn parquet_types(path: &std::path::Path) -> Vec<(String, String)> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).expect("open parquet"))
        .expect("parquet");
    reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), format!("{:?}", c.logical_type_ref())))
        .collect()
}

#[test]
fn parquet_files_read_back_equal_to_the_csvs_with_typed_columns() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "plain"])
        .expect_code(0);
    assert!(
        !wd.join("plain/payments.parquet").exists(),
        "only with --parquet"
    );
    wd.run(&["run", "--no-ledger", "--quiet", "--parquet", "--out", "pq"])
        .expect_code(0);
    for name in ["payments", "audit"] {
        let csv_text = wd.read(&format!("pq/{name}.csv"));
        let header: Vec<String> = csv_text
            .lines()
            .next()
            .expect("header")
            .split(',')
            .map(str::to_string)
            .collect();
        let want = csv_rows(&csv_text);
        let (names, got) = read_parquet(&wd.join(&format!("pq/{name}.parquet")));
        assert_eq!(names, header, "{name}: the CSV's columns, in order");
        assert_eq!(got.len(), want.len(), "{name}: one row per CSV row");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            for ((col, a), b) in header.iter().zip(g).zip(w) {
                // Decimals compare by value (the ratio is stored with 4
                // places, the CSV writes it as the rule file does).
                let same = a == b
                    || matches!((Decimal::from_str(a), Decimal::from_str(b)), (Ok(x), Ok(y)) if x == y);
                assert!(
                    same,
                    "{name} row {} column {col}: parquet {a:?}, csv {b:?}",
                    i + 2
                );
            }
        }
    }
    let types = parquet_types(&wd.join("pq/payments.parquet"));
    let ty = |c: &str| {
        types
            .iter()
            .find(|(n, _)| n == c)
            .expect("column")
            .1
            .clone()
    };
    assert!(
        ty("fund_pay").contains("scale: 2, precision: 18"),
        "{}",
        ty("fund_pay")
    );
    assert!(
        ty("service_date").contains("Date"),
        "{}",
        ty("service_date")
    );
    assert!(ty("claim_id").contains("String"), "{}", ty("claim_id"));
    let audit_types = parquet_types(&wd.join("pq/audit.parquet"));
    assert!(audit_types
        .iter()
        .any(|(n, t)| n == "amount" && t.contains("scale: 2, precision: 18")));
}

#[test]
fn printed_summary_in_chinese_names_cities_and_warns_once_per_city_about_provisional_parameters() {
    let wd = Workdir::new().with_sample();
    let run = wd.run(&["run", "--no-ledger", "--out", "zh"]);
    run.expect_code(0);
    let out = run.stdout();
    for city in ["鄂州市", "十堰市", "武汉市", "(未知参保人)"] {
        assert!(
            out.lines().any(|l| l.starts_with(city)),
            "{city} row in:\n{out}"
        );
    }
    assert!(
        !out.contains("ezhou") && !out.contains("unknown member"),
        "{out}"
    );
    assert!(
        out.contains("结算期 2024-03: 结算 191 笔, 暂扣明细 0 行"),
        "{out}"
    );
    let err = run.stderr();
    let provisional: Vec<&str> = err.lines().filter(|l| l.contains("暂定参数")).collect();
    assert_eq!(provisional.len(), 3, "one line per city:\n{err}");
    assert!(
        provisional
            .iter()
            .any(|l| l.contains("十堰市 (shiyan): 本期结算用到 7 项暂定参数")
                && l.contains("tongchou rules show shiyan")
                && l.contains("provisional_acknowledged = 7")),
        "{err}"
    );

    // Acknowledged in the rule file: no line for that city, as long as
    // the count still matches; the manifest keeps the full list.
    let rules = wd.read("samples/rules/shiyan.toml");
    let ack = |n: u32| {
        rules.replacen(
            "name = \"十堰市\"\n",
            &format!("name = \"十堰市\"\nprovisional_acknowledged = {n}\n"),
            1,
        )
    };
    wd.write("samples/rules/shiyan.toml", ack(7));
    let run = wd.run(&["run", "--no-ledger", "--out", "ack"]);
    run.expect_code(0);
    assert!(!run.stderr().contains("shiyan"), "{}", run.stderr());
    assert_eq!(
        run.stderr()
            .lines()
            .filter(|l| l.contains("暂定参数"))
            .count(),
        2
    );
    let m: serde_json::Value =
        serde_json::from_str(&wd.read("ack/manifest.json")).expect("manifest");
    assert!(m["warnings"].as_array().expect("warnings").iter().any(|w| w
        .as_str()
        .is_some_and(|w| w.starts_with("shiyan: provisional parameters used"))));
    wd.write("samples/rules/shiyan.toml", ack(6));
    let run = wd.run(&["run", "--no-ledger", "--out", "stale", "--lang", "en"]);
    run.expect_code(0);
    assert!(
        run.stderr().contains("shiyan: provisional parameters used: 7 (the sources are silent; supply the official figures); see `tongchou rules show shiyan`"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stdout().contains("period 2024-03: 191 claims settled"),
        "{}",
        run.stdout()
    );
    wd.write(
        "samples/rules/shiyan.toml",
        rules.replacen(
            "name = \"十堰市\"\n",
            "name = \"十堰市\"\nprovisional_acknowledged = \"all\"\n",
            1,
        ),
    );
    let run = wd.run(&["run", "--no-ledger", "--out", "bad"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("provisional_acknowledged"),
        "{}",
        run.stderr()
    );
}

/// Run the binary from `cwd` with extra environment, as cron would.
fn run_in(
    cwd: &std::path::Path,
    args: &[&str],
    env: &[(&str, &std::path::Path)],
) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tongchou"));
    c.args(args).current_dir(cwd).env_remove("TONGCHOU_CONFIG");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("start tongchou")
}

#[test]
fn a_cron_run_from_another_directory_takes_its_paths_from_the_config_file() {
    let wd = Workdir::new().with_sample();
    // The site: a config file whose relative paths are relative to it.
    wd.write(
        "site/tongchou.toml",
        "data = \"../samples/data\"\nrules = \"../samples/rules\"\nout = \"results\"\n",
    );
    std::fs::create_dir_all(wd.join("elsewhere")).expect("dir");
    let elsewhere = wd.join("elsewhere");
    // Without it, the defaults fail from another directory.
    let bare = run_in(&elsewhere, &["run", "--no-ledger", "--quiet"], &[]);
    assert_eq!(
        bare.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&bare.stderr)
    );
    // Named by --config.
    let by_flag = run_in(
        &elsewhere,
        &[
            "run",
            "--no-ledger",
            "--quiet",
            "--config",
            "../site/tongchou.toml",
        ],
        &[],
    );
    assert_eq!(
        by_flag.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&by_flag.stderr)
    );
    assert!(wd.join("site/results/2024-03/payments.csv").is_file());
    assert!(wd.join("site/results/2024-03/settlement.xlsx").is_file());
    // Named by the environment, as a crontab line would set it.
    let cfg = wd.join("site/tongchou.toml");
    let by_env = run_in(
        &elsewhere,
        &[
            "run",
            "--no-ledger",
            "--quiet",
            "--period",
            "2024-03",
            "--force",
        ],
        &[("TONGCHOU_CONFIG", &cfg)],
    );
    assert_eq!(
        by_env.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&by_env.stderr)
    );
    // Found in the working directory; a flag wins over the file.
    let site = wd.join("site");
    let here = run_in(
        &site,
        &["run", "--no-ledger", "--quiet", "--out", "flag-out"],
        &[],
    );
    assert_eq!(
        here.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&here.stderr)
    );
    assert!(wd.join("site/flag-out/payments.csv").is_file());
    assert_eq!(
        wd.read("site/flag-out/payments.csv"),
        wd.read("site/results/2024-03/payments.csv")
    );
    // A mistake in the file is named with its line and column.
    wd.write("site/bad.toml", "data = \"x\"\noutput = \"y\"\n");
    let bad = run_in(
        &site,
        &["run", "--no-ledger", "--quiet", "--config", "bad.toml"],
        &[],
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("config file bad.toml:2:1") && err.contains("output"),
        "{err}"
    );
}

#[test]
fn completions_and_man_page_are_printed() {
    let wd = Workdir::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let r = wd.run(&["completions", shell]);
        r.expect_code(0);
        assert!(r.stdout().contains("tongchou"), "{shell}");
    }
    assert!(wd
        .run(&["completions", "bash"])
        .stdout()
        .contains("--parquet"));
    let man = wd.run(&["man"]);
    man.expect_code(0);
    assert!(
        man.stdout().starts_with(".ie") && man.stdout().contains(".TH tongchou 1"),
        "{}",
        man.stdout()
    );
}

#[test]
fn what_if_switches_a_city_to_fixed_pharmacy_ratios_given_together() {
    let wd = Workdir::new().with_sample();
    // The ratios may come before or after the switch.
    let run = wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "fixed",
        "--set",
        "wuhan.pharmacy.retired=0.68",
        "--set",
        "wuhan.pharmacy.mode=fixed",
        "--set",
        "wuhan.pharmacy.employed=0.60",
    ]);
    run.expect_code(0);
    let pay = csv_rows(&wd.read("fixed/payments.csv"));
    let pharmacy: Vec<&Vec<String>> = pay
        .iter()
        .filter(|r| r[3] == "wuhan" && r[23] == "pharmacy" && !r[12].is_empty())
        .collect();
    assert!(
        !pharmacy.is_empty(),
        "Wuhan pharmacy claims paid by the pool"
    );
    for r in &pharmacy {
        let want = if r[22] == "retired" { "0.68" } else { "0.60" };
        assert_eq!(r[12], want, "claim {} ({})", r[0], r[22]);
    }
    // A switch without both ratios is refused as a whole, nothing written.
    let run = wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "half",
        "--set",
        "wuhan.pharmacy.mode=fixed",
        "--set",
        "wuhan.pharmacy.employed=0.60",
    ]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("needs both its ratios"),
        "{}",
        run.stderr()
    );
    assert!(!wd.join("half").exists());
}

#[test]
fn log_format_json_writes_one_json_event_per_phase_on_stderr() {
    let wd = Workdir::new().with_sample();
    let run = wd.run(&["run", "--no-ledger", "--quiet", "--log-format", "json"]);
    run.expect_code(0);
    let events: Vec<serde_json::Value> = run
        .stderr()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let phases: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "phase")
        .filter_map(|e| e["phase"].as_str())
        .collect();
    assert_eq!(phases, ["reading", "adjudicating", "writing"]);
    assert!(events.iter().any(|e| e["event"] == "done"));
    assert_eq!(events.iter().filter(|e| e["event"] == "warning").count(), 3);
}

#[test]
fn reading_phase_counts_the_claim_files_bytes() {
    let wd = Workdir::new().with_sample();
    let run = wd.run(&["run", "--no-ledger", "--quiet", "--log-format", "json"]);
    run.expect_code(0);
    let claims: u64 = std::fs::read_dir(wd.join("samples/data/claims"))
        .expect("claims directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| std::fs::metadata(p).expect("size").len())
        .sum();
    let reading = run
        .stderr()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON event"))
        .find(|e| e["event"] == "phase" && e["phase"] == "reading")
        .expect("a reading phase");
    // Bytes, not files: a month is often one large file.
    assert_eq!(reading["steps"], claims, "{reading}");
}

#[test]
fn compare_refuses_to_overwrite_compare_html_without_force() {
    let wd = Workdir::new().with_sample();
    wd.run(&["run", "--no-ledger", "--quiet", "--out", "base"])
        .expect_code(0);
    wd.run(&[
        "run",
        "--no-ledger",
        "--quiet",
        "--out",
        "what",
        "--set",
        "wuhan.cap.employed=3000",
    ])
    .expect_code(0);
    // Only compare.html is left from an earlier comparison.
    wd.write("compare.html", "earlier");
    let run = wd.run(&["compare", "base", "what"]);
    run.expect_code(2);
    assert!(
        run.stderr().contains("compare.html already exists"),
        "{}",
        run.stderr()
    );
    assert_eq!(wd.read("compare.html"), "earlier");
    assert!(!wd.join("compare.csv").exists());
    wd.run(&["compare", "base", "what", "--force"])
        .expect_code(0);
    assert!(wd.read("compare.html").contains("<html"));
}

#[test]
fn rules_show_and_check_take_the_rules_directory_from_the_config_file() {
    let wd = Workdir::new().with_sample();
    wd.write("site/tongchou.toml", "rules = \"../samples/rules\"\n");
    // A broken copy of the rules, to tell which directory was checked.
    super::workdir::copy_dir(&wd.join("samples/rules"), &wd.join("broken"));
    wd.write("broken/wuhan.toml", "city = \"wuhan\"\n");
    let site = wd.join("site");
    let cfg = wd.join("site/tongchou.toml");
    let ok = |o: &std::process::Output| {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    // tongchou.toml in the working directory.
    ok(&run_in(&site, &["rules", "check"], &[]));
    let shown = ok(&run_in(&site, &["rules", "show", "wuhan"], &[]));
    assert!(shown.contains("deductible"), "{shown}");
    // Named by the environment, from another directory.
    ok(&run_in(
        &wd.join("samples"),
        &["rules", "show", "ezhou"],
        &[("TONGCHOU_CONFIG", &cfg)],
    ));
    // A directory given on the command line wins over the file.
    let flag = run_in(&site, &["rules", "check", "../broken"], &[]);
    assert_eq!(flag.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&flag.stderr).contains("wuhan.toml"),
        "{}",
        String::from_utf8_lossy(&flag.stderr)
    );
    let flag = run_in(
        &site,
        &["rules", "show", "wuhan", "--rules", "../broken"],
        &[],
    );
    assert_eq!(flag.status.code(), Some(2));
    // Without a config file, the default is samples/rules here.
    let bare = run_in(&wd.join("broken"), &["rules", "check"], &[]);
    assert_eq!(bare.status.code(), Some(2));
}

#[test]
fn month_wide_warnings_and_the_quarantine_line_follow_lang() {
    let wd = Workdir::new().with_sample();
    wd.write(
        "samples/data/claims/zz_broken.csv",
        "claim_id,line_no,person_id,institution_id,service_time,visit_type,item_code,quantity,unit_price,amount,prescription_id,prescriber_id\n\
         Q1,1,SY0001,SY-H2,2024-03-29 09:00:00,general,S001,1,10.00,1O.00,,\n",
    );
    let args = ["run", "--no-ledger", "--quiet", "--period", "2024-05"];
    // Chinese by default: the period warning and the closing line.
    let zh = wd.run(&[&args[..], &["--out", "zh"]].concat());
    zh.expect_code(3);
    assert!(
        zh.stderr()
            .contains("结算期 2024-05 不含任何结算单的就诊日期"),
        "{}",
        zh.stderr()
    );
    assert!(
        zh.stderr().contains("暂扣明细 1 行: 见 zh"),
        "{}",
        zh.stderr()
    );
    assert!(!zh.stderr().contains("holds none"), "{}", zh.stderr());
    // English with --lang en.
    let en = wd.run(&[&args[..], &["--out", "en", "--lang", "en"]].concat());
    en.expect_code(3);
    assert!(
        en.stderr()
            .contains("period 2024-05 holds none of the claims' service dates"),
        "{}",
        en.stderr()
    );
    assert!(
        en.stderr().contains("1 claim lines quarantined: see en"),
        "{}",
        en.stderr()
    );
    // The manifest's record is the same in either language.
    let warnings = |dir: &str| {
        let m: serde_json::Value =
            serde_json::from_str(&wd.read(&format!("{dir}/manifest.json"))).expect("manifest");
        m["warnings"].clone()
    };
    assert_eq!(warnings("zh"), warnings("en"));
    assert!(warnings("zh").to_string().contains("holds none"));
}

#[test]
fn platform_column_names_give_the_same_workbook_and_report_and_a_parquet_under_those_names() {
    let wd = Workdir::new().with_sample();
    let args = [
        "run",
        "--data",
        "samples/platform",
        "--no-ledger",
        "--quiet",
    ];
    wd.run(&[&args[..], &["--out", "own"]].concat())
        .expect_code(0);
    wd.run(
        &[
            &args[..],
            &["--out", "plat", "--columns", "platform", "--parquet"],
        ]
        .concat(),
    )
    .expect_code(0);
    // The files for people read payments.csv under either naming.
    for f in ["settlement.xlsx", "report.html"] {
        let (own, plat) = (wd.join(&format!("own/{f}")), wd.join(&format!("plat/{f}")));
        assert!(
            std::fs::read(own).expect("own") == std::fs::read(plat).expect("platform"),
            "{f} differs with --columns platform"
        );
    }
    // Parquet has the CSV's columns and rows, typed.
    let (names, rows) = read_parquet(&wd.join("plat/payments.parquet"));
    let csv = wd.read("plat/payments.csv");
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    assert_eq!(names, header);
    assert!(names.iter().any(|n| n == "hifp_pay"));
    assert_eq!(rows.len(), csv.lines().count() - 1);
    let types = parquet_types(&wd.join("plat/payments.parquet"));
    for money in ["hifp_pay", "fulamt_ownpay_amt", "preselfpay_amt"] {
        let (_, t) = types
            .iter()
            .find(|(n, _)| n == money)
            .unwrap_or_else(|| panic!("{money} in {types:?}"));
        assert!(t.contains("Decimal"), "{money}: {t}");
    }
}

/// POLICY §10 in the files people open: a platform-layout run's workbook
/// has a fifth sheet, 清算, whose rows are clearing.csv's (with names) and
/// whose totals row adds them up; report.html has the clearing section and
/// its chart. The sample's two mismatches: SY-H2 declared 30.00 more fund
/// than the rules allow (a deduction), EZ-H2 12.50 less (a shortfall).
#[test]
fn platform_runs_show_clearing_in_the_workbook_and_the_report() {
    let wd = Workdir::new().with_sample();
    wd.run(&[
        "run",
        "--data",
        "samples/platform",
        "--no-ledger",
        "--quiet",
        "--out",
        "o",
    ])
    .expect_code(0);
    let sheets = read_xlsx(&wd, "o/settlement.xlsx");
    let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["基金汇总", "结算清单", "拒付明细", "可疑提示", "清算"]
    );
    let sheet = &sheets[4].1;
    assert_eq!(
        headers(sheet),
        [
            "机构编码",
            "机构名称",
            "参保地",
            "结算笔数",
            "申报统筹支付",
            "核定统筹支付",
            "审核扣款",
            "基金应补",
            "申报个人账户支付",
            "核定个人账户支付",
            "申报不符笔数"
        ]
    );
    let csv = csv_rows(&wd.read("o/clearing.csv"));
    assert_eq!(
        sheet.len() - 2,
        csv.len(),
        "a row per clearing.csv row, then the totals"
    );
    for (got, want) in sheet[1..].iter().zip(&csv) {
        assert_eq!(plain(&got[0]), want[0]);
        assert_eq!(plain(&got[1]), want[1]);
        assert_eq!(plain(&got[3]), want[3]);
        for k in 4..10 {
            assert_eq!(money(&got[k]), want[k], "column {k} of {}", want[0]);
        }
        assert_eq!(plain(&got[10]), want[10]);
    }
    let sy = sheet
        .iter()
        .find(|r| plain(&r[0]) == "SY-H2")
        .expect("SY-H2's row");
    assert_eq!(
        (money(&sy[6]), money(&sy[7])),
        ("30.00".into(), "0.00".into())
    );
    assert_eq!(plain(&sy[2]), "十堰市");
    let total = sheet.last().expect("totals row");
    assert_eq!(plain(&total[0]), "合计");
    let sum = |k: usize| -> Decimal {
        csv.iter()
            .map(|r| Decimal::from_str(&r[k]).expect("money"))
            .sum()
    };
    for (k, cell) in total.iter().enumerate().take(10).skip(4) {
        assert_eq!(money(cell), format!("{:.2}", sum(k)), "total of column {k}");
    }
    assert_eq!(money(&total[6]), "30.00");
    assert_eq!(money(&total[7]), "12.50");

    let html = wd.read("o/report.html");
    assert!(
        html.contains("清算: 机构申报与核定 (POLICY §10)"),
        "no clearing section"
    );
    assert!(html.contains("id=\"chart-clearing\""), "no clearing chart");
    // A run on claims/ declares nothing: neither the sheet nor the section.
    wd.run(&["run", "--no-ledger", "--quiet"]).expect_code(0);
    let plain_run = read_xlsx(&wd, "out/2024-03/settlement.xlsx");
    assert_eq!(plain_run.len(), 4);
    assert!(!wd
        .read("out/2024-03/report.html")
        .contains("chart-clearing"));
}
