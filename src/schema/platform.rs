//! The national platform's layout (CONTRACT.md "The platform layout"):
//! settlements/*.csv and fee_details/*.csv, read by `input::platform`;
//! clearing.csv and summary.csv's clearing columns (POLICY §10); and the
//! platform's names for payments.csv (`--columns platform`), used by its
//! writer and by `--prior` reading such a file back.

use super::{opt, req, Column};

/// settlements/*.csv: one row per settlement (a claim).
pub const SETTLEMENTS: &[Column] = &[
    req("setl_id", "结算ID"),
    req("psn_no", "人员编号"),
    req("fixmedins_code", "定点医药机构编号"),
    req("setl_time", "结算时间"),
    req("med_type", "医疗类别"),
    opt("insutype", "险种类型"),
    req("medfee_sumamt", "医疗费总额"),
    opt("hifp_pay", "基本医疗保险统筹基金支出"),
    opt("acct_pay", "个人账户支出"),
    opt("acct_mulaid_pay", "个人账户共济支付金额"),
    opt("psn_cash_pay", "个人现金支出"),
    opt("act_pay_dedc", "实际支付起付线"),
    opt("inscp_scp_amt", "符合政策范围金额"),
    opt("prescriber_id", "开方机构编码"),
    opt("settlement_mode", "结算方式"),
    opt("submitted_date", "申报日期"),
    opt("exclusion", "除外情形"),
    opt("reverses_claim_id", "冲正原流水号"),
];

/// The declared amounts a settlement row may carry, in column order.
pub const DECLARED: [&str; 6] = [
    "hifp_pay",
    "acct_pay",
    "acct_mulaid_pay",
    "psn_cash_pay",
    "act_pay_dedc",
    "inscp_scp_amt",
];

/// fee_details/*.csv: one row per fee line, joined on `setl_id`.
pub const FEE_DETAILS: &[Column] = &[
    req("setl_id", "结算ID"),
    req("feedetl_sn", "费用明细流水号"),
    opt("hilist_code", "医保目录编码"),
    opt("med_list_codg", "医疗目录编码"),
    opt("hilist_name", "医保目录名称"),
    opt("medins_list_name", "医药机构目录名称"),
    req("cnt", "数量"),
    req("pric", "单价"),
    req("det_item_fee_sumamt", "明细项目费用总额"),
    opt("rxno", "处方号"),
    opt("rx_drord_no", "处方/医嘱号"),
    opt("prd_days", "周期天数"),
    opt("psn_no", "人员编号"),
    opt("fixmedins_code", "定点医药机构编号"),
    opt("setl_time", "结算时间"),
];

/// clearing.csv: one row per (institution, city) whose settlements
/// declared what they settled.
pub const CLEARING_HEADER: &[&str] = &[
    "institution_id",
    "name",
    "city",
    "claims",
    "declared_fund",
    "adjudicated_fund",
    "deduction",
    "shortfall",
    "declared_account",
    "adjudicated_account",
    "mismatched_claims",
];

/// The optional columns summary.csv gains when a run clears.
pub const SUMMARY_CLEARING_COLUMNS: &[&str] = &[
    "clearing_claims",
    "declared_fund",
    "adjudicated_fund",
    "deduction",
    "shortfall",
    "declared_account",
    "adjudicated_account",
    "mismatched_claims",
];

/// payments.csv columns and their platform names, where the platform has
/// one (the rest keep their names). Besides these, `excluded` is written
/// as `fulamt_ownpay_amt` plus `overlmt_selfpay`, and `b_selfpay` with
/// `remote_prepay` as the one `preselfpay_amt`.
pub const PAYMENTS_PLATFORM_NAMES: &[(&str, &str)] = &[
    ("claim_id", "setl_id"),
    ("person_id", "psn_no"),
    ("institution_id", "fixmedins_code"),
    ("total", "medfee_sumamt"),
    ("eligible", "inscp_scp_amt"),
    ("deductible_applied", "act_pay_dedc"),
    ("fund_pay", "hifp_pay"),
    ("ratio", "pool_prop_selfpay"),
    ("account_pay", "acct_pay"),
    ("family_account_pay", "acct_mulaid_pay"),
    ("cash_pay", "psn_cash_pay"),
];

/// A payments column's own name when `column` is its platform name (the
/// columns renamed one for one; any other name is returned as it is), so
/// that readers of a staged payments.csv take either naming.
pub fn own_name(column: &str) -> &str {
    PAYMENTS_PLATFORM_NAMES
        .iter()
        .find(|(_, platform)| *platform == column)
        .map_or(column, |(own, _)| own)
}
