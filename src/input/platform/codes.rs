//! The code tables of the layout: the national `med_type` codes of
//! outpatient care (医疗类别) and each city's local ones from the `[codes]`
//! table of its rule file, with the 6-digit 医保区划 codes (`admdvs`) that
//! name cities.

use super::super::InputError;
use crate::core::model::VisitType;
use crate::input::Reason;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    pub fn visit_type(&self, code: &str, city: Option<&str>) -> Result<&str, Reason> {
        if let Some((_, _, v)) = NATIONAL_MED_TYPES.iter().find(|(c, _, _)| *c == code) {
            return Ok(v);
        }
        if let Some(local) = city.and_then(|c| self.cities.get(c)) {
            if let Some(l) = local.med_type.iter().find(|l| l.code == code) {
                return Ok(&l.value);
            }
        }
        if matches!(code.parse::<u32>(), Ok(21..=28)) && code.len() == 2 {
            return Err(Reason::InpatientMedType {
                code: code.to_string(),
            });
        }
        Err(Reason::UnknownMedType {
            code: code.to_string(),
            city: city
                .filter(|c| self.cities.contains_key(*c))
                .map(str::to_string),
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
