//! claims/*.csv: one row per fee line of a claim, read by the claim
//! reader and written in this column order by `synth`.

use super::{names, opt, req, Column};

/// Its columns, in the order `synth` writes them.
pub const CLAIMS: &[Column] = &[
    req("claim_id", "结算流水号"),
    req("line_no", "明细序号"),
    req("person_id", "个人编号"),
    req("institution_id", "机构编码"),
    req("service_time", "结算时间"),
    req("visit_type", "就诊类型"),
    req("item_code", "医保编码"),
    opt("item_name", "项目名称"),
    req("quantity", "数量"),
    req("unit_price", "单价"),
    req("amount", "金额"),
    opt("prescription_id", "处方号"),
    opt("prescriber_id", "开方机构编码"),
    opt("supply_days", "用药天数"),
    opt("settlement_mode", "结算方式"),
    opt("submitted_date", "申报日期"),
    opt("exclusion", "除外情形"),
    opt("reverses_claim_id", "冲正原流水号"),
];

/// The header row as written.
pub const CLAIMS_HEADER: [&str; CLAIMS.len()] = names(CLAIMS);
