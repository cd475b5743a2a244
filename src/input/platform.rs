//! The national platform's layout (CONTRACT.md "The platform layout"):
//! `<data>/settlements/*.csv` (one row per settlement) joined on `setl_id`
//! with `<data>/fee_details/*.csv` (one row per fee line).
//!
//! The join is checked here, and every settlement the contract holds back
//! (another insurance type, an unknown or inpatient `med_type`, lines that
//! do not add up, a contradicting fee row, a fractional `prd_days`, ...)
//! goes to rejects.csv whole, a row per input row. What passes is written
//! as claim lines of `claims/*.csv`, in memory, one fee file each, keeping
//! every fee row on its own line number: from there the claims reader
//! checks, groups, partitions and adjudicates them exactly as it does a
//! month written in `claims/`, which is what makes the two layouts give
//! the same results.

use super::claims::Reject;
use super::csvsrc::{cell, open, Column, CsvFile, Encodings};
use super::{InputError, Reference};
use crate::core::date::DateTime;
use crate::core::model::VisitType;
use crate::output::LineKeys;
pub use crate::schema::platform::{DECLARED, FEE_DETAILS, SETTLEMENTS};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

mod s {
    pub const SETL_ID: usize = 0;
    pub const PSN_NO: usize = 1;
    pub const FIXMEDINS_CODE: usize = 2;
    pub const SETL_TIME: usize = 3;
    pub const MED_TYPE: usize = 4;
    pub const INSUTYPE: usize = 5;
    pub const MEDFEE_SUMAMT: usize = 6;
    /// The declared amounts (POLICY §10), in [`super::DECLARED`] order.
    pub const DECLARED: usize = 7;
    pub const PRESCRIBER_ID: usize = 13;
    pub const SETTLEMENT_MODE: usize = 14;
    pub const SUBMITTED_DATE: usize = 15;
    pub const EXCLUSION: usize = 16;
    pub const REVERSES_CLAIM_ID: usize = 17;
}

mod f {
    pub const SETL_ID: usize = 0;
    pub const FEEDETL_SN: usize = 1;
    pub const HILIST_CODE: usize = 2;
    pub const MED_LIST_CODG: usize = 3;
    pub const HILIST_NAME: usize = 4;
    pub const MEDINS_LIST_NAME: usize = 5;
    pub const CNT: usize = 6;
    pub const PRIC: usize = 7;
    pub const AMOUNT: usize = 8;
    pub const RXNO: usize = 9;
    pub const RX_DRORD_NO: usize = 10;
    pub const PRD_DAYS: usize = 11;
    pub const PSN_NO: usize = 12;
    pub const FIXMEDINS_CODE: usize = 13;
    pub const SETL_TIME: usize = 14;
}

/// A claim column as the platform names it, for rejects.csv.
fn platform_column(claim_column: &str) -> &str {
    match claim_column {
        "claim_id" => "setl_id",
        "line_no" => "feedetl_sn",
        "person_id" => "psn_no",
        "institution_id" => "fixmedins_code",
        "service_time" => "setl_time",
        "visit_type" => "med_type",
        "item_code" => "hilist_code",
        "item_name" => "hilist_name",
        "quantity" => "cnt",
        "unit_price" => "pric",
        "amount" => "det_item_fee_sumamt",
        "prescription_id" => "rxno",
        "supply_days" => "prd_days",
        other => other,
    }
}

// ---------------------------------------------------------------------
// Code tables

/// The national `med_type` codes (医疗类别) of outpatient care, and the
/// visit type each means. Local codes come from the rule files.
pub const NATIONAL_MED_TYPES: &[(&str, &str, &str)] = &[
    ("11", "普通门诊", "general"),
    ("12", "门诊挂号", "general"),
    ("41", "定点药店购药", "general"),
    ("13", "急诊", "emergency"),
    ("14", "门诊慢特病", "chronic"),
    ("51", "生育门诊", "maternity"),
];

/// A local code of a city's rule file: `[codes.med_type]` entries
/// `"9901" = { value = "two_diseases", basis = "...", provisional = true }`.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalCode {
    pub code: String,
    pub value: String,
    pub basis: String,
    pub provisional: bool,
}

/// The `[codes]` table of one city's rule file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CityCodes {
    /// The city's 6-digit 医保区划 code (`admdvs`).
    pub admdvs: Option<String>,
    pub med_type: Vec<LocalCode>,
}

/// Every city's codes, by city id.
#[derive(Debug, Clone, Default)]
pub struct Codes {
    pub cities: BTreeMap<String, CityCodes>,
}

/// Read the `[codes]` table of every `*.toml` rule file in `dir` (the rest
/// of the file is the rule loader's).
pub fn read_codes(dir: &Path) -> Result<Codes, InputError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Codes::default());
    };
    let files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    read_codes_of(&files)
}

/// Read the `[codes]` table of each rule file named (files without a
/// `city` are passed over).
pub fn read_codes_of(paths: &[PathBuf]) -> Result<Codes, InputError> {
    let mut out = Codes::default();
    let mut files = paths.to_vec();
    files.sort();
    files.dedup();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| InputError::new(&path, 0, "", format!("cannot read: {e}")))?;
        let doc: toml::Table = toml::from_str(&text)
            .map_err(|e| InputError::new(&path, 0, "", format!("not TOML: {e}")))?;
        let Some(city) = doc.get("city").and_then(|v| v.as_str()) else {
            continue;
        };
        out.cities
            .insert(city.to_string(), city_codes(&path, doc.get("codes"))?);
    }
    Ok(out)
}

fn city_codes(path: &Path, codes: Option<&toml::Value>) -> Result<CityCodes, InputError> {
    let mut out = CityCodes::default();
    let Some(codes) = codes else {
        return Ok(out);
    };
    let bad = |key: &str, m: &str| InputError::new(path, 0, key, m.to_string());
    let Some(t) = codes.as_table() else {
        return Err(bad("codes", "must be a table"));
    };
    for (k, v) in t {
        match k.as_str() {
            "admdvs" => {
                let s = v
                    .as_str()
                    .filter(|s| s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| {
                        bad("codes.admdvs", "must be a 6-digit code such as \"420100\"")
                    })?;
                out.admdvs = Some(s.to_string());
            }
            "med_type" => {
                let Some(t) = v.as_table() else {
                    return Err(bad(
                        "codes.med_type",
                        "must be a table of code = visit type",
                    ));
                };
                for (code, e) in t {
                    let key = format!("codes.med_type.{code}");
                    let (value, basis, provisional) = match e {
                        toml::Value::String(s) => (s.clone(), String::new(), false),
                        toml::Value::Table(t) => (
                            t.get("value")
                                .and_then(|v| v.as_str())
                                .unwrap_or_default()
                                .to_string(),
                            t.get("basis")
                                .and_then(|v| v.as_str())
                                .unwrap_or_default()
                                .to_string(),
                            t.get("provisional")
                                .and_then(|v| v.as_bool())
                                .unwrap_or(false),
                        ),
                        _ => {
                            return Err(bad(
                                &key,
                                "must be a visit type or { value, basis, provisional }",
                            ))
                        }
                    };
                    if VisitType::parse(&value).is_none() {
                        return Err(bad(&key, &format!("`{value}` is not a visit type")));
                    }
                    out.med_type.push(LocalCode {
                        code: code.clone(),
                        value,
                        basis,
                        provisional,
                    });
                }
            }
            other => return Err(bad(&format!("codes.{other}"), "unknown key")),
        }
    }
    Ok(out)
}

/// The rule files' city codes: (6-digit 医保区划 code, city id) pairs,
/// which [`city_of_admdvs`] reads codes by.
pub type AdmdvsCities = Vec<(String, String)>;

impl Codes {
    /// The rule files' city codes, for [`city_of_admdvs`].
    pub fn admdvs_cities(&self) -> AdmdvsCities {
        self.cities
            .iter()
            .filter_map(|(c, k)| k.admdvs.clone().map(|a| (a, c.clone())))
            .collect()
    }
    /// The visit type a `med_type` code means at an institution of `city`
    /// (`None` for an institution outside the rule files): the national
    /// codes, then the city's local ones. `Err` says why not.
    pub fn visit_type(&self, code: &str, city: Option<&str>) -> Result<&str, String> {
        if let Some((_, _, v)) = NATIONAL_MED_TYPES.iter().find(|(c, _, _)| *c == code) {
            return Ok(v);
        }
        if let Some(local) = city.and_then(|c| self.cities.get(c)) {
            if let Some(l) = local.med_type.iter().find(|l| l.code == code) {
                return Ok(&l.value);
            }
        }
        if matches!(code.parse::<u32>(), Ok(21..=28)) && code.len() == 2 {
            return Err(format!(
                "med_type {code} is a national inpatient code (住院): not outpatient care"
            ));
        }
        Err(match city.filter(|c| self.cities.contains_key(*c)) {
            Some(c) => format!(
                "med_type {code} is in neither the national code table nor the local codes of {c}"
            ),
            None => format!("med_type {code} is not in the national code table"),
        })
    }

    /// The lines `rules show` adds for a city.
    pub fn show(&self, city: &str) -> String {
        let mut out = String::new();
        let local = self.cities.get(city);
        out.push_str("  codes (platform layout):\n");
        if let Some(a) = local.and_then(|l| l.admdvs.as_deref()) {
            out.push_str(&format!("    admdvs  {a}\n"));
        }
        for (c, name, v) in NATIONAL_MED_TYPES {
            out.push_str(&format!(
                "    med_type {c:>6}  {v:<12}  national ({name})\n"
            ));
        }
        for l in local.map(|l| l.med_type.as_slice()).unwrap_or_default() {
            let mark = if l.provisional { "  [provisional]" } else { "" };
            out.push_str(&format!(
                "    med_type {:>6}  {:<12}  local: {}{mark}\n",
                l.code, l.value, l.basis
            ));
        }
        out
    }
}

/// The city of a 6-digit 医保区划 code (`None` for anything else): the
/// rule file's city (in `known`) whose code shares its first four digits
/// (a district `420102` is `wuhan`), else the code's first four digits and
/// `00`.
pub fn city_of_admdvs(code: &str, known: &[(String, String)]) -> Option<String> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let prefix = &code[..4];
    known
        .iter()
        .find(|(a, _)| a.starts_with(prefix))
        .map(|(_, c)| c.clone())
        .or_else(|| Some(format!("{prefix}00")))
}

// ---------------------------------------------------------------------
// Reading and joining

/// One settlement row.
struct Setl {
    file: usize,
    line: u64,
    range: (usize, usize),
    id: String,
    /// The claim-level cells, as written (trimmed).
    person: String,
    institution: String,
    time: String,
    med_type: String,
    insutype: String,
    sumamt: String,
    prescriber: String,
    mode: String,
    submitted: String,
    exclusion: String,
    reverses: String,
    declared: [Option<String>; 6],
}

/// One fee row, as much of it as the checks need; the rest is read again
/// when the row is written.
struct Fee {
    file: usize,
    line: u64,
    range: (usize, usize),
    setl_id: String,
    sn: String,
    amount: Option<Decimal>,
    /// The first problem of the row itself: (column, reason).
    problem: Option<(&'static str, String)>,
    /// Its place in the claim's line order, once the claim passes.
    ordinal: u32,
}

pub use crate::core::adjudicate::clearing::Declared;

/// The platform layout of a data directory, read and joined.
pub struct Platform {
    /// The fee files rewritten as claim files (same path, size, hash).
    pub files: Vec<CsvFile>,
    /// Rows held back here, with the fee files' count and amount of them.
    held: Vec<Reject>,
    held_stats: Vec<(u64, Decimal)>,
    settlement_files: Vec<CsvFile>,
    fee_files: Vec<CsvFile>,
    /// Per fee file: (line, original byte range) of every row sent on.
    sent: Vec<Vec<(u64, (usize, usize))>>,
    /// Settlements sent on: claim id → (file, line, byte range).
    sent_settlements: HashMap<String, (usize, u64, (usize, usize))>,
    pub declared: HashMap<String, Declared>,
    pub warnings: Vec<String>,
    /// The line keys (`feedetl_sn`) of claims whose keys are not simply
    /// 1, 2, 3, ...: audit.csv names their lines by them.
    pub line_keys: LineKeys,
}

/// The `*.csv` files of a directory, sorted (none when it does not exist).
fn csv_files(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| InputError::new(dir, 0, "", format!("cannot list: {e}")))?;
    let mut out = Vec::new();
    for e in entries {
        let p = e
            .map_err(|e| InputError::new(dir, 0, "", format!("cannot list: {e}")))?
            .path();
        if p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Whether a data directory holds the platform layout.
pub fn present(data: &Path) -> bool {
    data.join("settlements").is_dir() || data.join("fee_details").is_dir()
}

fn open_all(
    paths: &[PathBuf],
    schema: &'static [Column],
    encoding: &Encodings,
    warnings: &mut Vec<String>,
) -> Result<Vec<CsvFile>, InputError> {
    let mut out = Vec::new();
    for p in paths {
        let f = open(p, schema, encoding.for_file("claims", p))?;
        if let Some(c) = f.missing_columns.first() {
            return Err(InputError::new(
                p,
                1,
                c,
                "required column is missing from the header".into(),
            ));
        }
        if !f.unknown_columns.is_empty() {
            warnings.push(format!(
                "{}: unknown columns ignored: {}",
                p.display(),
                f.unknown_columns.join(", ")
            ));
        }
        out.push(f);
    }
    Ok(out)
}

fn cell_of(row: &super::csvsrc::Row<'_>, k: usize) -> String {
    row.get_at(k).map(str::trim).unwrap_or("").to_string()
}

/// Read `<data>/settlements/` and `<data>/fee_details/` and join them.
pub fn read(
    data: &Path,
    codes: &Codes,
    reference: &Reference,
    encoding: &Encodings,
) -> Result<Platform, InputError> {
    let mut warnings = Vec::new();
    let settlement_files = open_all(
        &csv_files(&data.join("settlements"))?,
        SETTLEMENTS,
        encoding,
        &mut warnings,
    )?;
    let fee_files = open_all(
        &csv_files(&data.join("fee_details"))?,
        FEE_DETAILS,
        encoding,
        &mut warnings,
    )?;
    for f in &fee_files {
        if f.missing_columns.is_empty()
            && !has_column(f, f::HILIST_CODE)
            && !has_column(f, f::MED_LIST_CODG)
        {
            return Err(InputError::new(
                &f.path,
                1,
                "hilist_code",
                "required column is missing from the header (hilist_code or med_list_codg)".into(),
            ));
        }
    }
    let mut held = Vec::new();
    let mut held_stats = vec![(0u64, Decimal::ZERO); fee_files.len()];

    // Settlement rows.
    let mut setls: Vec<Setl> = Vec::new();
    for (fi, file) in settlement_files.iter().enumerate() {
        let mut rows = file.records();
        while let Some(row) = rows.next_row() {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    held.push(broken(file, e));
                    continue;
                }
            };
            let id = cell_of(&row, s::SETL_ID);
            let range = row.byte_range;
            if id.is_empty() {
                held.push(reject_at(
                    file,
                    row.line,
                    range,
                    "setl_id",
                    "",
                    "required value is missing: the settlement belongs to no claim".into(),
                    None,
                ));
                continue;
            }
            let declared = std::array::from_fn(|i| {
                Some(cell_of(&row, s::DECLARED + i)).filter(|v| !v.is_empty())
            });
            setls.push(Setl {
                file: fi,
                line: row.line,
                range,
                person: cell_of(&row, s::PSN_NO),
                institution: cell_of(&row, s::FIXMEDINS_CODE),
                time: cell_of(&row, s::SETL_TIME),
                med_type: cell_of(&row, s::MED_TYPE),
                insutype: cell_of(&row, s::INSUTYPE),
                sumamt: cell_of(&row, s::MEDFEE_SUMAMT),
                prescriber: cell_of(&row, s::PRESCRIBER_ID),
                mode: cell_of(&row, s::SETTLEMENT_MODE),
                submitted: cell_of(&row, s::SUBMITTED_DATE),
                exclusion: cell_of(&row, s::EXCLUSION),
                reverses: cell_of(&row, s::REVERSES_CLAIM_ID),
                declared,
                id,
            });
        }
    }
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in setls.iter().enumerate() {
        by_id.entry(s.id.as_str()).or_default().push(i);
    }

    // Fee rows.
    let mut fees: Vec<Fee> = Vec::new();
    for (fi, file) in fee_files.iter().enumerate() {
        let mut rows = file.records();
        while let Some(row) = rows.next_row() {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    held_stats[fi].0 += 1;
                    held.push(broken(file, e));
                    continue;
                }
            };
            let amount = row
                .get_at(f::AMOUNT)
                .and_then(|s| cell::money(s.trim()).ok());
            let setl_id = cell_of(&row, f::SETL_ID);
            let sn = cell_of(&row, f::FEEDETL_SN);
            let mut problem = None;
            if sn.is_empty() {
                problem = Some(("feedetl_sn", "required value is missing".to_string()));
            }
            let prd = cell_of(&row, f::PRD_DAYS);
            if problem.is_none() && !prd.is_empty() {
                if let Ok(d) = crate::core::money::parse_decimal(&prd) {
                    if !d.fract().is_zero() {
                        problem = Some((
                            "prd_days",
                            format!(
                                "prd_days {prd} has a fraction: a supply is a whole number of days"
                            ),
                        ));
                    }
                }
            }
            let setl = by_id.get(setl_id.as_str()).map(|v| &setls[v[0]]);
            if let (None, Some(s)) = (&problem, setl) {
                for (k, name, own) in [
                    (f::PSN_NO, "psn_no", &s.person),
                    (f::FIXMEDINS_CODE, "fixmedins_code", &s.institution),
                    (f::SETL_TIME, "setl_time", &s.time),
                ] {
                    let v = cell_of(&row, k);
                    let differs = if k == f::SETL_TIME {
                        !v.is_empty()
                            && match (DateTime::parse(&v), DateTime::parse(own)) {
                                (Some(a), Some(b)) => a != b,
                                _ => v != *own,
                            }
                    } else {
                        !v.is_empty() && v != *own
                    };
                    if differs {
                        problem = Some((
                            name,
                            format!("{name} `{v}` of this fee line contradicts its settlement's `{own}`"),
                        ));
                        break;
                    }
                }
            }
            if setl_id.is_empty() || setl.is_none() {
                held_stats[fi].0 += 1;
                held_stats[fi].1 += amount.unwrap_or_default();
                let why = if setl_id.is_empty() {
                    "required value is missing: the fee line belongs to no settlement".to_string()
                } else {
                    format!(
                        "a fee line without a settlement: no row of settlements/ has setl_id `{setl_id}`"
                    )
                };
                held.push(reject_at(
                    file,
                    row.line,
                    row.byte_range,
                    "setl_id",
                    &setl_id,
                    why,
                    amount,
                ));
                continue;
            }
            fees.push(Fee {
                file: fi,
                line: row.line,
                range: row.byte_range,
                setl_id,
                sn,
                amount,
                problem,
                ordinal: 0,
            });
        }
    }
    let mut lines_of: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, fe) in fees.iter().enumerate() {
        lines_of.entry(fe.setl_id.as_str()).or_default().push(i);
    }

    // Decide each settlement.
    let mut keys = LineKeys::new();
    let mut declared = HashMap::new();
    let mut sent_settlements = HashMap::new();
    let mut passed: HashMap<String, (usize, String)> = HashMap::new();
    let mut ordinals: Vec<(usize, u32)> = Vec::new();
    let mut ids: Vec<&str> = by_id.keys().copied().collect();
    ids.sort_unstable();
    for id in ids {
        let rows = &by_id[id];
        let lines: &[usize] = lines_of.get(id).map(Vec::as_slice).unwrap_or_default();
        let s = &setls[rows[0]];
        let city = reference
            .institutions
            .get(&s.institution)
            .map(|i| i.city.as_str());
        let mut order: Vec<usize> = lines.to_vec();
        order.sort_by(|&a, &b| {
            let (x, y) = (&fees[a].sn, &fees[b].sn);
            (x.len(), x).cmp(&(y.len(), y))
        });
        // The culprit: Ok(settlement row index) or Err(fee index), with
        // the column and the reason.
        type Culprit = (Result<usize, usize>, &'static str, String);
        let verdict: Option<Culprit> = (|| {
            if rows.len() > 1 {
                let a = &setls[rows[0]];
                let b = &setls[rows[1]];
                return Some((
                    Ok(rows[1]),
                    "setl_id",
                    format!(
                        "setl_id `{id}` is on two settlement rows ({}:{} and {}:{})",
                        settlement_files[a.file].path.display(),
                        a.line,
                        settlement_files[b.file].path.display(),
                        b.line
                    ),
                ));
            }
            if !s.insutype.is_empty() && s.insutype != "310" {
                return Some((
                    Ok(rows[0]),
                    "insutype",
                    format!(
                        "insutype {} is not 310 (职工基本医疗保险): only employee medical insurance is adjudicated",
                        s.insutype
                    ),
                ));
            }
            if s.med_type.is_empty() {
                return Some((Ok(rows[0]), "med_type", "required value is missing".into()));
            }
            if let Err(why) = codes.visit_type(&s.med_type, city) {
                return Some((Ok(rows[0]), "med_type", why));
            }
            if lines.is_empty() {
                return Some((
                    Ok(rows[0]),
                    "setl_id",
                    format!("settlement `{id}` has no fee lines in fee_details/"),
                ));
            }
            if let Some(&i) = lines.iter().find(|&&i| fees[i].problem.is_some()) {
                let (c, why) = fees[i].problem.clone().unwrap_or_default();
                return Some((Err(i), c, why));
            }
            if let Some(w) = order.windows(2).find(|w| fees[w[0]].sn == fees[w[1]].sn) {
                let later = w[0].max(w[1]);
                return Some((
                    Err(later),
                    "feedetl_sn",
                    format!(
                        "feedetl_sn `{}` appears twice in settlement `{id}`",
                        fees[later].sn
                    ),
                ));
            }
            let sum = match cell::money(&s.sumamt) {
                Ok(v) => v,
                Err(e) => return Some((Ok(rows[0]), "medfee_sumamt", e.0)),
            };
            if lines.iter().all(|&i| fees[i].amount.is_some()) {
                let total: Decimal = lines.iter().filter_map(|&i| fees[i].amount).sum();
                if total != sum {
                    return Some((
                        Ok(rows[0]),
                        "medfee_sumamt",
                        format!(
                            "the fee lines of settlement `{id}` add up to {total:.2}, not its medfee_sumamt {sum:.2}"
                        ),
                    ));
                }
            }
            None
        })();
        match verdict {
            None => {
                let vt = codes.visit_type(&s.med_type, city).unwrap_or("general");
                passed.insert(id.to_string(), (rows[0], vt.to_string()));
                sent_settlements.insert(id.to_string(), (s.file, s.line, s.range));
                let sns: Vec<String> = order.iter().map(|&i| fees[i].sn.clone()).collect();
                if sns
                    .iter()
                    .enumerate()
                    .any(|(n, k)| *k != (n + 1).to_string())
                {
                    keys.insert(id.to_string(), sns);
                }
                for (n, &i) in order.iter().enumerate() {
                    ordinals.push((i, n as u32 + 1));
                }
                if s.declared.iter().any(Option::is_some) {
                    declared.insert(
                        id.to_string(),
                        Declared {
                            amounts: std::array::from_fn(|k| {
                                s.declared[k].as_deref().and_then(|v| cell::money(v).ok())
                            }),
                        },
                    );
                }
            }
            Some((culprit, column, reason)) => {
                let (cfile, cline) = match culprit {
                    Ok(r) => (&settlement_files[setls[r].file], setls[r].line),
                    Err(i) => (&fee_files[fees[i].file], fees[i].line),
                };
                let also = format!(
                    "held back with settlement `{id}`: {}:{} {reason}",
                    cfile.path.display(),
                    cline
                );
                for &r in rows {
                    let st = &setls[r];
                    let (c, why) = if culprit == Ok(r) {
                        (column, reason.clone())
                    } else {
                        ("", also.clone())
                    };
                    held.push(reject_at(
                        &settlement_files[st.file],
                        st.line,
                        st.range,
                        c,
                        id,
                        why,
                        None,
                    ));
                }
                for &i in lines {
                    let fe = &fees[i];
                    let (c, why) = if culprit == Err(i) {
                        (column, reason.clone())
                    } else {
                        ("", also.clone())
                    };
                    held_stats[fe.file].0 += 1;
                    held_stats[fe.file].1 += fe.amount.unwrap_or_default();
                    held.push(reject_at(
                        &fee_files[fe.file],
                        fe.line,
                        fe.range,
                        c,
                        id,
                        why,
                        fe.amount,
                    ));
                }
            }
        }
    }
    for (i, n) in ordinals {
        fees[i].ordinal = n;
    }

    // Write what passed as claim lines, each on its own line number.
    let mut files = Vec::with_capacity(fee_files.len());
    let mut sent = Vec::with_capacity(fee_files.len());
    let mut next = 0usize;
    for (fi, file) in fee_files.iter().enumerate() {
        // The claim-line header the fee lines are rewritten under.
        let mut text = crate::schema::CLAIMS_HEADER.join(",") + "\n";
        let mut at_line = 2u64;
        let mut sent_here = Vec::new();
        let mut rows = file.records();
        while let Some(row) = rows.next_row() {
            let Ok(row) = row else { continue };
            // The fee rows of this file, in reading order.
            while next < fees.len() && (fees[next].file, fees[next].line) < (fi, row.line) {
                next += 1;
            }
            let Some(fe) = fees
                .get(next)
                .filter(|fe| (fe.file, fe.line) == (fi, row.line))
            else {
                continue;
            };
            let Some((si, vt)) = passed.get(&fe.setl_id) else {
                continue;
            };
            let st = &setls[*si];
            while at_line < row.line {
                text.push('\n');
                at_line += 1;
            }
            let first = |a: usize, b: usize| {
                let v = cell_of(&row, a);
                if v.is_empty() {
                    cell_of(&row, b)
                } else {
                    v
                }
            };
            let prd = cell_of(&row, f::PRD_DAYS);
            let prd = match crate::core::money::parse_decimal(&prd) {
                Ok(d) if d.fract().is_zero() && !prd.is_empty() => {
                    d.trunc().normalize().to_string()
                }
                _ => prd,
            };
            let one_line = |s: String| s.replace(['\r', '\n'], " ");
            let record = [
                fe.setl_id.clone(),
                fe.ordinal.to_string(),
                st.person.clone(),
                st.institution.clone(),
                st.time.clone(),
                vt.clone(),
                first(f::HILIST_CODE, f::MED_LIST_CODG),
                first(f::HILIST_NAME, f::MEDINS_LIST_NAME),
                cell_of(&row, f::CNT),
                cell_of(&row, f::PRIC),
                cell_of(&row, f::AMOUNT),
                first(f::RXNO, f::RX_DRORD_NO),
                st.prescriber.clone(),
                prd,
                st.mode.clone(),
                st.submitted.clone(),
                st.exclusion.clone(),
                st.reverses.clone(),
            ]
            .map(one_line);
            let cannot = |e: String| {
                InputError::new(&file.path, row.line, "", format!("cannot rewrite: {e}"))
            };
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            w.write_record(&record).map_err(|e| cannot(e.to_string()))?;
            let bytes = w.into_inner().map_err(|e| cannot(e.to_string()))?;
            text.push_str(&String::from_utf8_lossy(&bytes));
            at_line += 1;
            sent_here.push((row.line, row.byte_range));
        }
        files.push(CsvFile::from_text(
            &file.path,
            super::claims::CLAIMS,
            text,
            file.bytes,
            file.sha256.clone(),
            file.encoding,
        )?);
        sent.push(sent_here);
    }
    Ok(Platform {
        files,
        held,
        held_stats,
        settlement_files,
        fee_files,
        sent,
        sent_settlements,
        declared,
        warnings,
        line_keys: keys,
    })
}

fn has_column(f: &CsvFile, k: usize) -> bool {
    f.has_column_at(k)
}

fn broken(file: &CsvFile, e: InputError) -> Reject {
    Reject {
        file: file.path.display().to_string(),
        line: e.line,
        column: String::new(),
        claim_id: String::new(),
        reason: e.message,
        raw: String::new(),
        amount: None,
    }
}

fn reject_at(
    file: &CsvFile,
    line: u64,
    range: (usize, usize),
    column: &str,
    claim_id: &str,
    reason: String,
    amount: Option<Decimal>,
) -> Reject {
    let text = file.raw_text(range);
    Reject {
        file: file.path.display().to_string(),
        line,
        column: column.to_string(),
        claim_id: claim_id.to_string(),
        reason,
        raw: text.trim_end_matches(['\r', '\n']).to_string(),
        amount,
    }
}

impl Platform {
    /// The settlement files, as the manifest records its inputs (the fee
    /// files are recorded as claim files).
    pub fn settlement_inputs(&self) -> Vec<super::InputFile> {
        self.settlement_files
            .iter()
            .map(super::InputFile::from)
            .collect()
    }

    /// Count the rows held back here into the scan: they were read from
    /// the fee files, and are quarantined.
    pub fn add_held(&mut self, scan: &mut super::Scan) {
        for (f, (lines, amount)) in self.fee_files.iter().zip(&self.held_stats) {
            if let Some(stat) = scan.files.iter_mut().find(|s| s.file.path == f.path) {
                stat.lines += lines;
                stat.amount += amount;
            }
        }
        scan.rejects.append(&mut self.held);
    }

    /// Put the platform's rows back into rejects of claims the claims
    /// reader held back: each fee row's own text and column names, and the
    /// settlement row beside its lines.
    pub fn finish_rejects(&self, rejects: &mut Vec<Reject>) {
        let mut culprits: BTreeMap<String, (bool, String)> = BTreeMap::new();
        for r in rejects.iter_mut() {
            let Some(fi) = self
                .fee_files
                .iter()
                .position(|f| f.path.display().to_string() == r.file)
            else {
                continue;
            };
            let Ok(k) = self.sent[fi].binary_search_by_key(&r.line, |(l, _)| *l) else {
                continue;
            };
            let text = self.fee_files[fi].raw_text(self.sent[fi][k].1);
            r.raw = text.trim_end_matches(['\r', '\n']).to_string();
            r.column = platform_column(&r.column).to_string();
            if self.sent_settlements.contains_key(&r.claim_id) {
                let culprit = !r.reason.starts_with("held back with");
                let text = if culprit {
                    format!(
                        "held back with claim `{}`: {}:{} {}",
                        r.claim_id, r.file, r.line, r.reason
                    )
                } else {
                    r.reason.clone()
                };
                let e = culprits
                    .entry(r.claim_id.clone())
                    .or_insert((false, String::new()));
                if e.1.is_empty() || (culprit && !e.0) {
                    *e = (culprit, text);
                }
            }
        }
        for (id, (_, reason)) in culprits {
            if let Some((fi, line, range)) = self.sent_settlements.get(&id) {
                rejects.push(reject_at(
                    &self.settlement_files[*fi],
                    *line,
                    *range,
                    "",
                    &id,
                    reason,
                    None,
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{f, s, DECLARED, FEE_DETAILS, SETTLEMENTS};

    #[test]
    fn column_indexes_match_the_schemas() {
        for (k, name) in [
            (s::SETL_ID, "setl_id"),
            (s::PSN_NO, "psn_no"),
            (s::FIXMEDINS_CODE, "fixmedins_code"),
            (s::SETL_TIME, "setl_time"),
            (s::MED_TYPE, "med_type"),
            (s::INSUTYPE, "insutype"),
            (s::MEDFEE_SUMAMT, "medfee_sumamt"),
            (s::PRESCRIBER_ID, "prescriber_id"),
            (s::SETTLEMENT_MODE, "settlement_mode"),
            (s::SUBMITTED_DATE, "submitted_date"),
            (s::EXCLUSION, "exclusion"),
            (s::REVERSES_CLAIM_ID, "reverses_claim_id"),
        ] {
            assert_eq!(SETTLEMENTS[k].name, name);
        }
        for (i, name) in DECLARED.iter().enumerate() {
            assert_eq!(SETTLEMENTS[s::DECLARED + i].name, *name);
        }
        for (k, name) in [
            (f::SETL_ID, "setl_id"),
            (f::FEEDETL_SN, "feedetl_sn"),
            (f::HILIST_CODE, "hilist_code"),
            (f::MED_LIST_CODG, "med_list_codg"),
            (f::HILIST_NAME, "hilist_name"),
            (f::MEDINS_LIST_NAME, "medins_list_name"),
            (f::CNT, "cnt"),
            (f::PRIC, "pric"),
            (f::AMOUNT, "det_item_fee_sumamt"),
            (f::RXNO, "rxno"),
            (f::RX_DRORD_NO, "rx_drord_no"),
            (f::PRD_DAYS, "prd_days"),
            (f::PSN_NO, "psn_no"),
            (f::FIXMEDINS_CODE, "fixmedins_code"),
            (f::SETL_TIME, "setl_time"),
        ] {
            assert_eq!(FEE_DETAILS[k].name, name);
        }
    }
}
