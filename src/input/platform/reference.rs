//! Reference files under the national platform's names (CONTRACT.md "The
//! platform layout", the reference table): members, institutions and the
//! catalogue may carry `psn_no`, `fixmedins_code`, `hilist_code`, ... and
//! the platform's codes (`psn_type 1101`, `hosp_lv 05`, `chrgitm_lv 02`).
//!
//! Such a file is rewritten in memory under tongchou's own columns, codes
//! decoded, before the reference reader sees it: in each row a non-empty
//! own value wins, else the platform's is decoded. Where both share a
//! Chinese header (人员类别, 医院等级) the value decides: a 4-digit code is a
//! `psn_type`, a 2-digit one a `hosp_lv`. City codes (`admdvs`) are decoded
//! where any city is read (see [`super::city_of_admdvs`]).

/// (platform name, its Chinese header, own column).
type Pair = (&'static str, &'static str, &'static str);

const MEMBERS: &[Pair] = &[
    ("psn_no", "人员编号", "person_id"),
    ("psn_type", "", "category"),
    ("insuplc_admdvs", "参保地医保区划", "city"),
    ("balc", "余额", "account_balance"),
];

const INSTITUTIONS: &[Pair] = &[
    ("fixmedins_code", "定点医药机构编号", "institution_id"),
    ("fixmedins_name", "定点医药机构名称", "name"),
    ("fixmedins_type", "定点医疗服务机构类型", "kind"),
    ("hosp_lv", "", "level"),
    ("admdvs", "医保区划", "city"),
];

const CATALOGUE: &[Pair] = &[
    ("hilist_code", "医保目录编码", "item_code"),
    ("hilist_name", "医保目录名称", "name"),
    ("chrgitm_lv", "收费项目等级", "class"),
    ("list_type", "目录类别", "kind"),
    ("selfpay_prop", "自付比例", "b_selfpay_share"),
    ("hilist_pric_uplmt_amt", "医保目录定价上限金额", "price_cap"),
];

/// The platform columns a reference role may carry.
fn pairs(role: &str) -> &'static [Pair] {
    match role {
        "members" => MEMBERS,
        "institutions" => INSTITUTIONS,
        "catalogue" => CATALOGUE,
        _ => &[],
    }
}

/// The own column's Chinese header (for a file that uses them).
fn own_alias(own: &str) -> &'static str {
    match own {
        "person_id" => "个人编号",
        "category" => "人员类别",
        "city" => "参保地",
        "account_balance" => "个人账户余额",
        "institution_id" => "机构编码",
        "name" => "机构名称",
        "kind" => "机构类型",
        "level" => "医院等级",
        "item_code" => "医保编码",
        "class" => "甲乙类",
        "b_selfpay_share" => "乙类先行自付比例",
        "price_cap" => "支付标准",
        _ => "",
    }
}

/// `psn_type` → category: `11xx` employed, `12xx` retired; any other code
/// is left as written (and refused as a category).
pub(crate) fn psn_type(v: &str) -> String {
    if v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()) {
        match &v[..2] {
            "11" => return "employed".into(),
            "12" => return "retired".into(),
            _ => {}
        }
    }
    v.to_string()
}

/// `hosp_lv` → level: 01-04 三级, 05-07 二级, 08-10 一级; `11` 无等级 has
/// none (a clinic).
pub(crate) fn hosp_lv(v: &str) -> String {
    match v {
        "01" | "02" | "03" | "04" => "3".into(),
        "05" | "06" | "07" => "2".into(),
        "08" | "09" | "10" => "1".into(),
        "11" => String::new(),
        other => other.to_string(),
    }
}

/// `chrgitm_lv` → class.
fn chrgitm_lv(v: &str) -> String {
    match v {
        "01" | "1" => "A".into(),
        "02" | "2" => "B".into(),
        "03" | "3" => "C".into(),
        other => other.to_string(),
    }
}

/// `list_type` → kind: 1xx drug, 201 service, 301 material.
fn list_type(v: &str) -> String {
    match v {
        "201" => "service".into(),
        "301" => "material".into(),
        v if v.len() == 3 && v.starts_with('1') && v.bytes().all(|b| b.is_ascii_digit()) => {
            "drug".into()
        }
        other => other.to_string(),
    }
}

/// `fixmedins_type` (with the row's `hosp_lv`) → kind.
fn fixmedins_type(v: &str, hosp_lv: &str) -> String {
    match v {
        "2" => "pharmacy".into(),
        "1" if hosp_lv == "11" => "clinic".into(),
        "1" => "hospital".into(),
        other => other.to_string(),
    }
}

fn is_digits(v: &str, n: usize) -> bool {
    v.len() == n && v.bytes().all(|b| b.is_ascii_digit())
}

/// A reference file's text rewritten under tongchou's own columns, or
/// `None` when it carries none of the platform's (or cannot be read as
/// CSV: the reader then reports it as written).
pub fn to_own_columns(role: &str, text: &str) -> Option<String> {
    let pairs = pairs(role);
    if pairs.is_empty() {
        return None;
    }
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut records = rdr.records();
    let header: Vec<String> = records
        .next()?
        .ok()?
        .iter()
        .map(|c| c.trim().to_string())
        .collect();
    let find = |names: &[&str]| {
        header.iter().position(|h| {
            names
                .iter()
                .any(|n| !n.is_empty() && h.eq_ignore_ascii_case(n))
        })
    };
    // Platform column → (index, own column).
    let platform: Vec<(usize, &Pair)> = pairs
        .iter()
        .filter_map(|p| find(&[p.0, p.1]).map(|i| (i, p)))
        .collect();
    // Shared Chinese headers, whose values decide.
    let shared_category = (role == "members")
        .then(|| find(&["category", "人员类别"]))
        .flatten();
    let shared_level = (role == "institutions")
        .then(|| find(&["level", "医院等级"]))
        .flatten();
    if platform.is_empty() {
        return None;
    }
    let hosp_lv_at = platform
        .iter()
        .find(|(_, p)| p.0 == "hosp_lv")
        .map(|(i, _)| *i);
    // Output columns: the header without the platform's, then each own
    // column a platform column stands for that the header lacks.
    let dropped: Vec<usize> = platform.iter().map(|(i, _)| *i).collect();
    let mut out_header: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|(i, _)| !dropped.contains(i))
        .map(|(_, h)| h.clone())
        .collect();
    let own_at = |name: &str, out_header: &[String]| {
        out_header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name) || h == own_alias(name))
    };
    for (_, p) in &platform {
        if own_at(p.2, &out_header).is_none() {
            out_header.push(p.2.to_string());
        }
    }
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(Vec::new());
    out.write_record(&out_header).ok()?;
    for rec in records {
        let rec = rec.ok()?;
        let cell = |i: usize| rec.get(i).map(str::trim).unwrap_or("");
        let mut row: Vec<String> = (0..header.len())
            .filter(|i| !dropped.contains(i))
            .map(|i| {
                let v = cell(i);
                if Some(i) == shared_category && is_digits(v, 4) {
                    psn_type(v)
                } else if Some(i) == shared_level && is_digits(v, 2) {
                    hosp_lv(v)
                } else {
                    rec.get(i).unwrap_or("").to_string()
                }
            })
            .collect();
        row.resize(out_header.len(), String::new());
        for (i, p) in &platform {
            let v = cell(*i);
            let Some(k) = own_at(p.2, &out_header) else {
                continue;
            };
            if !row[k].trim().is_empty() || v.is_empty() {
                continue;
            }
            row[k] = match p.0 {
                "psn_type" => psn_type(v),
                "hosp_lv" => hosp_lv(v),
                "fixmedins_type" => fixmedins_type(v, hosp_lv_at.map(cell).unwrap_or("")),
                "chrgitm_lv" => chrgitm_lv(v),
                "list_type" => list_type(v),
                _ => v.to_string(),
            };
        }
        out.write_record(&row).ok()?;
    }
    String::from_utf8(out.into_inner().ok()?).ok()
}
