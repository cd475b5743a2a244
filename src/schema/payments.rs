//! payments.csv: one row per claim. Written by the run (in this column
//! order), read back by `--prior` (a later month) and by `compare`.

use super::{names, opt, req, Column};

/// Its columns, in the order they are written. Required means required by
/// a reader: `--prior` also accepts files of other systems, which lack the
/// optional ones (the Chinese aliases are their headers).
pub const PAYMENTS: &[Column] = &[
    req("claim_id", "结算流水号"),
    req("person_id", "个人编号"),
    req("institution_id", "机构编码"),
    opt("city", "参保地"),
    req("service_date", "结算日期"),
    req("status", "状态"),
    req("total", "总费用"),
    req("excluded", "自费"),
    req("b_selfpay", "乙类先行自付"),
    req("remote_prepay", "异地先行自付"),
    req("eligible", "政策范围内费用"),
    req("deductible_applied", "起付线"),
    opt("ratio", "支付比例"),
    req("fund_pay", "统筹基金支付"),
    req("cap_cut", "超限额"),
    req("account_pay", "个人账户支付"),
    req("cash_pay", "现金支付"),
    req("payee", "收款方"),
    opt("deductible_met_after", "本次后起付线累计"),
    opt("pool_paid_after", "本次后统筹累计支付"),
    opt("reasons", ""),
    opt("reverses_claim_id", "冲正原流水号"),
    opt("category", ""),
    opt("institution_level", ""),
    // Family sharing (POLICY.md §6a): optional, older files lack them.
    opt("family_account_pay", "个人账户共济支付"),
    opt("family_payers", "共济授权人支付"),
];

/// The header row as written.
pub const PAYMENTS_HEADER: [&str; PAYMENTS.len()] = names(PAYMENTS);
