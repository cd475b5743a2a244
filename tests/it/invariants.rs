//! Generated months: the contract's invariants hold on every row, and the
//! outputs are byte-identical whatever the thread count, the file order or
//! the row order.

use crate::workdir::Workdir;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::str::FromStr;
use tongchou::date::Period;

fn generated(lines: u64, seed: u64) -> Workdir {
    let wd = Workdir::new().with_sample();
    let period = Period::parse("2024-03").expect("period");
    tongchou::synth::generate(&wd.join("gen"), lines, lines / 10, 3, period, seed)
        .expect("generate a month");
    wd
}

fn run(wd: &Workdir, data: &str, out: &str, threads: &str) {
    let ledger = format!("{data}/ledger.csv");
    wd.run(&[
        "run",
        "--quiet",
        "--data",
        data,
        "--ledger",
        &ledger,
        "--out",
        out,
        "--threads",
        threads,
    ])
    .expect_code(0);
}

/// A small deterministic shuffle (no rand dependency).
fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut s = seed | 1;
    for i in (1..v.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v.swap(i, (s % (i as u64 + 1)) as usize);
    }
}

#[test]
fn outputs_do_not_depend_on_threads_file_order_or_row_order() {
    let wd = generated(20_000, 7);
    run(&wd, "gen", "t1", "1");
    run(&wd, "gen", "t4", "4");
    wd.assert_same_outputs("t1", "t4");

    // The same files at the same paths in another directory, rows shuffled
    // inside each file (a claim stays within its file), named on the
    // command line in reverse order.
    let other = Workdir::new().with_sample();
    crate::workdir::copy_dir(&wd.join("gen"), &other.join("gen"));
    let mut names: Vec<String> = std::fs::read_dir(wd.join("gen/claims"))
        .expect("claims")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for (i, n) in names.iter().enumerate() {
        let text = wd.read(&format!("gen/claims/{n}"));
        let mut lines: Vec<&str> = text.lines().collect();
        let header = lines.remove(0);
        shuffle(&mut lines, 99 + i as u64);
        other.write(
            &format!("gen/claims/{n}"),
            format!("{header}\n{}\n", lines.join("\n")),
        );
    }
    let mut args = vec![
        "run",
        "--quiet",
        "--data",
        "gen",
        "--ledger",
        "gen/ledger.csv",
        "--out",
        "t1",
        "--threads",
        "2",
    ];
    let claims: Vec<String> = names
        .iter()
        .rev()
        .map(|n| format!("gen/claims/{n}"))
        .collect();
    for c in &claims {
        args.extend(["--claims", c.as_str()]);
    }
    other.run(&args).expect_code(0);
    for f in crate::workdir::OUTPUTS {
        let (x, y) = (wd.read(&format!("t1/{f}")), other.read(&format!("t1/{f}")));
        assert!(x == y, "{f} changed with file and row order");
    }
}

fn dec(s: &str) -> Decimal {
    if s.is_empty() {
        Decimal::ZERO
    } else {
        Decimal::from_str(s).unwrap_or_else(|e| panic!("`{s}`: {e}"))
    }
}

#[test]
fn contract_invariants_hold_on_every_row() {
    let wd = generated(30_000, 11);
    run(&wd, "gen", "out", "2");
    let payments = wd.read("out/payments.csv");
    let mut rows = payments.lines();
    let header: Vec<&str> = rows.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let (total, excluded, b, prepay, eligible) = (
        col("total"),
        col("excluded"),
        col("b_selfpay"),
        col("remote_prepay"),
        col("eligible"),
    );
    let (fund, account, cash, cut, ded, status) = (
        col("fund_pay"),
        col("account_pay"),
        col("cash_pay"),
        col("cap_cut"),
        col("deductible_applied"),
        col("status"),
    );
    let mut claims = 0;
    let mut statuses: HashMap<String, u32> = HashMap::new();
    let mut last_id = String::new();
    for line in rows {
        // Generated ids and codes carry no commas or quotes.
        let r: Vec<&str> = line.split(',').collect();
        assert_eq!(r.len(), header.len(), "{line}");
        assert!(
            r[0] > last_id.as_str(),
            "sorted by claim_id, unique: {line}"
        );
        last_id = r[0].to_string();
        claims += 1;
        *statuses.entry(r[status].to_string()).or_default() += 1;
        assert_eq!(
            dec(r[total]),
            dec(r[fund]) + dec(r[account]) + dec(r[cash]),
            "total = fund + account + cash: {line}"
        );
        assert_eq!(
            dec(r[total]),
            dec(r[excluded]) + dec(r[b]) + dec(r[prepay]) + dec(r[eligible]),
            "total split: {line}"
        );
        for c in [fund, account, cut, ded, b, prepay] {
            assert!(
                dec(r[c]) >= Decimal::ZERO,
                "non-negative {}: {line}",
                header[c]
            );
        }
        assert!(dec(r[ded]) <= dec(r[eligible]), "{line}");
        if r[status] != "paid" {
            assert_eq!(
                dec(r[fund]),
                Decimal::ZERO,
                "only paid claims draw on the fund: {line}"
            );
        }
        for c in [total, fund, account, cash] {
            assert_eq!(
                r[c].split('.').nth(1).map(str::len),
                Some(2),
                "two decimals: {line}"
            );
        }
    }
    for s in [
        "paid",
        "pool_denied",
        "denied",
        "routed",
        "reversed",
        "reversal",
    ] {
        assert!(
            statuses.get(s).copied().unwrap_or(0) > 0,
            "status {s} occurs in a generated month: {statuses:?}"
        );
    }
    // Year-to-date totals stay within the deductible and the largest cap.
    let ledger = wd.read("out/ledger.csv");
    for line in ledger.lines().skip(1) {
        let r: Vec<&str> = line.split(',').collect();
        assert!(
            dec(r[2]) <= dec("500.00") && dec(r[3]) <= dec("4000.00"),
            "{line}"
        );
    }
    // Every line read is adjudicated or quarantined.
    let m: serde_json::Value =
        serde_json::from_str(&wd.read("out/manifest.json")).expect("manifest");
    let read = m["counts"]["claim_lines_read"].as_u64().expect("count");
    let rejected = m["counts"]["claim_lines_quarantined"]
        .as_u64()
        .expect("count");
    assert!(
        read >= 30_000,
        "the generator writes at least the lines asked for"
    );
    let mut per_file = 0;
    for f in m["reconciliation"].as_array().expect("reconciliation") {
        let n = |k: &str| f[k].as_u64().expect("count");
        assert_eq!(
            n("lines_read"),
            n("lines_adjudicated") + n("lines_quarantined"),
            "{f}"
        );
        per_file += n("lines_read");
    }
    assert_eq!(per_file, read);
    assert_eq!(m["counts"]["claims_adjudicated"].as_u64(), Some(claims));
    assert_eq!(rejected, 0, "a generated month is clean");
}
