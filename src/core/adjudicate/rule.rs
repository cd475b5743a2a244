//! Rule ids: the stable names of every check, their severity in audit.csv,
//! and the article each rests on when it has no parameter of its own.

use std::fmt;

/// Severity of an audit finding (CONTRACT.md audit.csv).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Deny,
    Adjust,
    Flag,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Deny => "deny",
            Severity::Adjust => "adjust",
            Severity::Flag => "flag",
            Severity::Info => "info",
        }
    }
}

macro_rules! rules {
    ($($id:ident => $sev:ident, $basis:literal;)+) => {
        /// Every rule id of POLICY.md, plus the few this tool adds.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId { $($id),+ }

        impl RuleId {
            pub const ALL: &'static [RuleId] = &[$(RuleId::$id),+];

            pub fn as_str(self) -> &'static str {
                match self { $(RuleId::$id => stringify!($id)),+ }
            }

            pub fn severity(self) -> Severity {
                match self { $(RuleId::$id => Severity::$sev),+ }
            }

            /// The article the rule rests on (parameter rules use the
            /// parameter's own basis from the rule file instead).
            pub fn basis(self) -> &'static str {
                match self { $(RuleId::$id => $basis),+ }
            }
        }
    };
}

rules! {
    // §8 reversals (same run)
    REVERSAL => Info, "POLICY.md §8 (冲正)";
    REVERSAL_UNKNOWN => Deny, "POLICY.md §8 (冲正原流水号无对应结算)";
    // §2 claim-level checks, in order. ALREADY_SETTLED is this tool's own,
    // checked before everything else: a claim id settled in a --prior
    // period is never paid again, whatever else holds.
    ALREADY_SETTLED => Deny, "湖北医保问答 Q42 (重复计费); 十政办发〔2022〕61号 第十九条 (加强对结算等环节的审核)";
    MEMBER_UNKNOWN => Deny, "参保人员信息 (members.csv)";
    INSTITUTION_UNKNOWN => Deny, "定点医药机构信息 (institutions.csv)";
    NO_RULES_IN_FORCE => Deny, "参保地无有效待遇政策 (rule file)";
    OUTSIDE_BENEFIT_PERIOD => Deny, "十政办发〔2022〕61号 第五条 (在待遇享受期内)";
    EXCLUDED_CAUSE => Deny, "社会保险法 第三十条; 湖北医保问答 Q14-16";
    MANUAL_LATE => Deny, "十政办发〔2022〕61号 第十八条 (异地就医未能直接结算的, 次年第一季度内送达, 逾期不再予以办理)";
    INSTITUTION_NOT_DESIGNATED => Deny, "异地医保购药流程 (非定点机构无法使用医保结算)";
    OTHER_BENEFIT => Info, "十政办发〔2022〕61号 第五条, 第六条, 第十六条; 鄂州清单 八";
    INSTITUTION_NOT_POOLING => Deny, "鄂州清单 一; 十政办发〔2022〕61号 第十五条";
    INPATIENT_OVERLAP => Deny, "十政办发〔2022〕61号 第九条 (住院治疗期间不得享受普通门诊统筹待遇)";
    REMOTE_PHARMACY => Deny, "异地医保购药流程 (异地定点零售药店购买处方药暂不支持医保结算)";
    REMOTE_NOT_NETWORKED => Deny, "异地医保购药流程 (需在已开通异地联网结算的定点医药机构); 武汉 Q7";
    PRESCRIBER_UNKNOWN => Deny, "十政办发〔2022〕61号 第十七条 (按出具处方的定点医疗机构级别执行)";
    // §3 line rules
    NOT_IN_CATALOGUE => Adjust, "湖北医保问答 Q7, Q29 (三个目录; 就医地目录)";
    NON_MEDICAL => Adjust, "湖北医保问答 Q40 (生活用品不得医保支付); 十政办发〔2022〕61号 第十三条";
    CLASS_C => Adjust, "湖北医保问答 Q7 (目录外自费)";
    NO_PRESCRIPTION => Adjust, "武汉 Q1; 鄂州清单 二 (凭外配处方); 十政办发〔2022〕61号 第十七条";
    SPECIAL_MANAGEMENT => Adjust, "异地医保购药流程 (特殊管理药品无法通过医保报销)";
    PRICE_CAP => Adjust, "湖北医保问答 Q7 (支付标准)";
    SUPPLY_DAYS => Adjust, "长处方最长12周 (武汉 Q5; 鄂州清单 五)";
    B_SELFPAY => Adjust, "湖北医保问答 Q30 (乙类先行自付)";
    // §4-§5
    REMOTE_PREPAY => Adjust, "武汉 Q7 (其他情形的需个人先支付10%)";
    DEDUCTIBLE => Adjust, "十政办发〔2022〕61号 第五条 1.; 湖北医保问答 Q11";
    CAP_REACHED => Adjust, "十政办发〔2022〕61号 第五条 3.; 湖北医保问答 Q11";
    // §6a family sharing: a finding, not a reason.
    FAMILY_ACCOUNT => Info, "十政办发〔2022〕61号 第十二条 (本人及其配偶、父母、子女); 武汉 Q10, Q11";
    // §7 flags
    DUPLICATE_LINE => Flag, "湖北医保问答 Q42 (重复计费)";
    MULTI_INSTITUTION_DAY => Flag, "湖北医保问答 Q40 (医保卡转借)";
    AMOUNT_MISMATCH => Flag, "湖北医保问答 Q42 (多计费用)";
    SPLIT_VISIT => Flag, "湖北医保问答 Q42 (分解收费)";
    EARLY_REFILL => Flag, "重复开药 / 超量开药";
    VISIT_FREQUENCY => Flag, "医保智能审核 (就诊频次)";
    // §10 clearing: a finding, never a reason; its severity is set per
    // claim (adjust when the institution settled more fund money).
    DECLARED_MISMATCH => Info, "湖北医保问答 Q37 3. (将应由个人负担的医疗费用记入医疗保障基金支付范围)";
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
