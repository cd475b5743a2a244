//! The reference files (CONTRACT.md §Inputs): members, institutions,
//! catalogue, stays and family. The ledger, read and written, is in [`super::ledger`].

use super::{opt, req, Column};

/// members.csv (参保人员).
pub const MEMBERS: &[Column] = &[
    req("person_id", "个人编号"),
    req("city", "参保地"),
    req("category", "人员类别"),
    req("account_type", "参保方式"),
    opt("account_balance", "个人账户余额"),
    req("benefit_from", "待遇开始日期"),
    opt("benefit_to", "待遇终止日期"),
    opt("remote_type", "异地备案类型"),
    opt("remote_city", "备案就医地"),
    opt("remote_from", "备案开始日期"),
    opt("remote_to", "备案结束日期"),
];

/// institutions.csv (定点机构).
pub const INSTITUTIONS: &[Column] = &[
    req("institution_id", "机构编码"),
    opt("name", "机构名称"),
    req("city", "所在地"),
    req("kind", "机构类型"),
    opt("level", "医院等级"),
    req("outpatient_pooling", "门诊统筹定点"),
    opt("remote_settlement", "异地联网"),
    opt("valid_from", "协议开始日期"),
    opt("valid_to", "协议结束日期"),
];

/// catalogue.csv (医保目录).
pub const CATALOGUE: &[Column] = &[
    req("item_code", "医保编码"),
    opt("region", "适用地区"),
    opt("name", "名称"),
    req("kind", "类别"),
    req("class", "甲乙类"),
    opt("b_selfpay_share", "乙类先行自付比例"),
    opt("special_management", "特殊管理药品"),
    opt("price_cap", "支付标准"),
];

/// stays.csv (住院记录): a claim during a stay is not outpatient.
pub const STAYS: &[Column] = &[
    req("person_id", "个人编号"),
    req("institution_id", "机构编码"),
    req("admit_date", "入院日期"),
    opt("discharge_date", "出院日期"),
];

/// family.csv (家庭共济绑定, POLICY.md §6a): who may draw on whose
/// personal account. Optional as a file.
pub const FAMILY: &[Column] = &[
    req("grantor_id", "授权人个人编号"),
    req("beneficiary_id", "共济人个人编号"),
    req("relation", "关系"),
    req("valid_from", "绑定开始日期"),
    opt("valid_to", "绑定结束日期"),
];
