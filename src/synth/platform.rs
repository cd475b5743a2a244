//! `tongchou synth --layout platform`: a generated month rewritten in the
//! national platform's layout (settlements/ + fee_details/), the same
//! claims line for line, so that the benchmark can measure what reading
//! that layout costs against claims/.

use std::collections::HashMap;
use std::fs;
use std::io::{self, BufWriter};
use std::path::Path;

/// The national `med_type` code written for a visit type (two_diseases and
/// dual_channel have local codes only: the sample rule files' 9901, 9902).
fn med_type(visit_type: &str) -> &'static str {
    match visit_type {
        "emergency" => "13",
        "chronic" => "14",
        "maternity" => "51",
        "two_diseases" => "9901",
        "dual_channel" => "9902",
        _ => "11",
    }
}

/// Rewrite every `claims/*.csv` of `dir` as `settlements/` and
/// `fee_details/` files of the same names, and remove claims/.
pub fn convert(dir: &Path) -> io::Result<()> {
    let claims = dir.join("claims");
    let mut names: Vec<_> = fs::read_dir(&claims)?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    for sub in ["settlements", "fee_details"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    for name in names {
        let path = claims.join(&name);
        let mut rdr = csv::Reader::from_path(&path).map_err(io::Error::other)?;
        let header = rdr.headers().map_err(io::Error::other)?.clone();
        let at = |n: &str| {
            header
                .iter()
                .position(|h| h == n)
                .ok_or_else(|| io::Error::other(format!("{}: no column {n}", path.display())))
        };
        let [id, no, person, inst, time, visit, item, item_name, qty, price, amount, rx, prescriber, days, mode, submitted, exclusion, reverses] =
            [
                "claim_id",
                "line_no",
                "person_id",
                "institution_id",
                "service_time",
                "visit_type",
                "item_code",
                "item_name",
                "quantity",
                "unit_price",
                "amount",
                "prescription_id",
                "prescriber_id",
                "supply_days",
                "settlement_mode",
                "submitted_date",
                "exclusion",
                "reverses_claim_id",
            ]
            .map(at);
        let (id, no, person, inst, time, visit) = (id?, no?, person?, inst?, time?, visit?);
        let (item, item_name, qty, price, amount) = (item?, item_name?, qty?, price?, amount?);
        let (rx, prescriber, days, mode) = (rx?, prescriber?, days?, mode?);
        let (submitted, exclusion, reverses) = (submitted?, exclusion?, reverses?);
        let mut fees = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(BufWriter::new(fs::File::create(
                dir.join("fee_details").join(&name),
            )?));
        fees.write_record([
            "setl_id",
            "feedetl_sn",
            "hilist_code",
            "hilist_name",
            "cnt",
            "pric",
            "det_item_fee_sumamt",
            "rxno",
            "prd_days",
        ])?;
        // Settlements in the order their first line comes, with the sum
        // of their lines in fen.
        let mut order: Vec<Vec<String>> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut sums: Vec<i64> = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(io::Error::other)?;
            let get = |k: usize| rec.get(k).unwrap_or("");
            let cid = get(id).to_string();
            let k = *index.entry(cid.clone()).or_insert_with(|| {
                order.push(vec![
                    cid.clone(),
                    get(person).into(),
                    get(inst).into(),
                    get(time).into(),
                    med_type(get(visit)).into(),
                    "310".into(),
                    String::new(),
                    String::new(),
                    get(mode).into(),
                    get(submitted).into(),
                    get(exclusion).into(),
                    get(reverses).into(),
                ]);
                sums.push(0);
                order.len() - 1
            });
            if order[k][7].is_empty() && !get(prescriber).is_empty() {
                order[k][7] = get(prescriber).into();
            }
            sums[k] += fen(get(amount));
            fees.write_record([
                get(id),
                get(no),
                get(item),
                get(item_name),
                get(qty),
                get(price),
                get(amount),
                get(rx),
                get(days),
            ])?;
        }
        fees.flush()?;
        let mut setl = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(BufWriter::new(fs::File::create(
                dir.join("settlements").join(&name),
            )?));
        setl.write_record([
            "setl_id",
            "psn_no",
            "fixmedins_code",
            "setl_time",
            "med_type",
            "insutype",
            "medfee_sumamt",
            "prescriber_id",
            "settlement_mode",
            "submitted_date",
            "exclusion",
            "reverses_claim_id",
        ])?;
        for (mut row, sum) in order.into_iter().zip(sums) {
            let sign = if sum < 0 { "-" } else { "" };
            row[6] = format!("{sign}{}.{:02}", sum.abs() / 100, sum.abs() % 100);
            setl.write_record(&row)?;
        }
        setl.flush()?;
        fs::remove_file(&path)?;
    }
    fs::remove_dir(&claims)
}

/// An amount in yuan with at most 2 decimals, in fen (0 when unreadable:
/// the reader then holds the claim back for its sum, as it should).
fn fen(s: &str) -> i64 {
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac = format!("{frac:0<2}");
    let v = whole.parse::<i64>().unwrap_or(0) * 100
        + frac
            .get(..2)
            .and_then(|f| f.parse::<i64>().ok())
            .unwrap_or(0);
    if neg {
        -v
    } else {
        v
    }
}
