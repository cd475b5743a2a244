//! Typed records of the data contract (CONTRACT.md §Inputs).
//!
//! Readers turn CSV cells into these; the adjudication core only ever sees
//! these types. Every enum parses its English id and its Chinese name.

use crate::core::date::{Date, DateTime};
use rust_decimal::Decimal;

/// An id a claim carries (claim, person, institution, item, prescription,
/// prescriber, city): a `compact_str::CompactString`, which keeps up to 24
/// bytes in place (the size of a `String`) and only a longer id on the
/// heap. A month holds millions of claims and decisions, and every id of a
/// usual export fits in place, so building them allocates nothing for
/// their ids and freeing them frees nothing. It compares, hashes and reads
/// (`as_str`, `Deref<Target = str>`) as its text.
pub type Id = compact_str::CompactString;

/// Declares an enum with its contract id and the Chinese aliases accepted
/// on input.
macro_rules! contract_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $id:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The id written in outputs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $id),+ }
            }

            /// Its Chinese name (the first alias; the id when it has none),
            /// for what a person reads.
            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => [$($alias,)* $id][0]),+ }
            }

            /// Parse the English id (case-insensitive) or a Chinese alias.
            pub fn parse(s: &str) -> Option<Self> {
                let t = s.trim();
                $(
                    if t.eq_ignore_ascii_case($id) $(|| t == $alias)* {
                        return Some($name::$variant);
                    }
                )+
                None
            }

            /// A compact code (declaration order), for spill files.
            pub fn code(self) -> u8 {
                self as u8
            }

            /// The variant of a [`Self::code`].
            pub fn from_code(code: u8) -> Option<Self> {
                [$($name::$variant),+].get(code as usize).copied()
            }

            /// The accepted English ids, for error messages.
            pub fn expected() -> &'static str {
                concat!($($id, " "),+)
            }
        }
    };
}

contract_enum!(
    /// 就诊类型.
    VisitType {
        General = "general" | "普通门诊",
        Emergency = "emergency" | "急诊",
        Chronic = "chronic" | "门诊慢特病",
        TwoDiseases = "two_diseases" | "两病",
        Maternity = "maternity" | "生育",
        DualChannel = "dual_channel" | "双通道",
    }
);

contract_enum!(
    /// 结算方式.
    SettlementMode { Direct = "direct" | "直接结算", Manual = "manual" | "手工报销" }
);

contract_enum!(
    /// 除外情形 (社会保险法 第三十条).
    Exclusion {
        ThirdParty = "third_party" | "第三人负担",
        WorkInjury = "work_injury" | "工伤",
        PublicHealth = "public_health" | "公共卫生",
        Abroad = "abroad" | "境外",
    }
);

contract_enum!(
    /// 人员类别.
    Category { Employed = "employed" | "在职", Retired = "retired" | "退休" }
);

contract_enum!(
    /// 参保方式.
    AccountType { WithAccount = "with_account" | "统账结合", PoolOnly = "pool_only" | "单建统筹" }
);

contract_enum!(
    /// 异地备案类型.
    RemoteType {
        RelocatedRetiree = "relocated_retiree" | "异地安置",
        LongTermResident = "long_term_resident" | "异地长期居住",
        StationedWorker = "stationed_worker" | "常驻异地工作",
        Temporary = "temporary" | "临时外出就医",
    }
);

contract_enum!(
    /// 机构类型.
    InstitutionKind {
        Hospital = "hospital" | "医院",
        Clinic = "clinic" | "基层",
        Pharmacy = "pharmacy" | "定点零售药店",
        InternetHospital = "internet_hospital" | "互联网医院",
    }
);

contract_enum!(
    /// 目录类别.
    ItemKind {
        Drug = "drug" | "药品",
        Service = "service" | "诊疗项目",
        Facility = "facility" | "服务设施",
        Material = "material" | "医用耗材",
        NonMedical = "non_medical" | "非医疗",
    }
);

contract_enum!(
    /// 甲乙类.
    ItemClass { A = "A" | "甲类" | "甲", B = "B" | "乙类" | "乙", C = "C" | "丙类" | "丙" | "自费" }
);

impl RemoteType {
    /// Registrations that follow the insuring city's own benefit without the
    /// remote prepay (武汉 Q7: 异地安置、异地长期居住、常驻异地工作).
    pub fn is_long_term(self) -> bool {
        !matches!(self, RemoteType::Temporary)
    }
}

impl VisitType {
    /// Visit types that belong to another benefit (POLICY.md §2 rule 7).
    pub fn is_other_benefit(self) -> bool {
        matches!(
            self,
            VisitType::Chronic
                | VisitType::TwoDiseases
                | VisitType::Maternity
                | VisitType::DualChannel
        )
    }
}

/// Parse a contract boolean: `true/false`, `1/0`, `Y/N`, `是/否`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        t if t.eq_ignore_ascii_case("true")
            || t == "1"
            || t.eq_ignore_ascii_case("y")
            || t == "是" =>
        {
            Some(true)
        }
        t if t.eq_ignore_ascii_case("false")
            || t == "0"
            || t.eq_ignore_ascii_case("n")
            || t == "否" =>
        {
            Some(false)
        }
        _ => None,
    }
}

pub use crate::core::members::{Member, MemberRow};

/// An 异地备案 registration.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteRegistration {
    pub remote_type: RemoteType,
    pub city: String,
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// A designated institution (institutions.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct Institution {
    pub institution_id: String,
    /// As written in institutions.csv (optional there; empty when absent).
    pub name: String,
    pub city: String,
    pub kind: InstitutionKind,
    /// 1, 2 or 3; `None` for a pharmacy.
    pub level: Option<u8>,
    pub outpatient_pooling: bool,
    pub remote_settlement: bool,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
}

impl Institution {
    /// The level that selects a ratio: clinics count as level 1 (十堰 第五条 2.
    /// "一级医疗机构（含社区卫生服务站和村卫生室）"); a pharmacy has none.
    pub fn ratio_level(&self) -> Option<u8> {
        match self.kind {
            InstitutionKind::Clinic => Some(1),
            InstitutionKind::Pharmacy => None,
            InstitutionKind::Hospital | InstitutionKind::InternetHospital => self.level,
        }
    }
}

/// One catalogue entry (catalogue.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogueEntry {
    pub item_code: String,
    /// `None` = applies everywhere.
    pub region: Option<String>,
    pub kind: ItemKind,
    pub class: ItemClass,
    pub b_selfpay_share: Option<Decimal>,
    pub special_management: bool,
    pub price_cap: Option<Decimal>,
}

/// An inpatient stay (stays.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct Stay {
    pub institution_id: String,
    pub admit_date: Date,
    /// `None` = still in hospital.
    pub discharge_date: Option<Date>,
}

impl Stay {
    /// Both ends included; an open stay covers every later day.
    pub fn covers(&self, d: Date) -> bool {
        d >= self.admit_date && self.discharge_date.is_none_or(|end| d <= end)
    }
}

/// Year-to-date totals of one person (ledger.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    pub person_id: Id,
    pub year: i32,
    pub deductible_met: Decimal,
    pub pool_paid: Decimal,
    pub claims: u64,
}

impl LedgerEntry {
    /// The row without its person, as the ledger keeps it.
    pub fn year_row(&self) -> LedgerYear {
        LedgerYear {
            year: self.year,
            deductible_met: self.deductible_met,
            pool_paid: self.pool_paid,
            claims: self.claims,
        }
    }
}

/// One year of a person's totals (a ledger.csv row without its person).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LedgerYear {
    pub year: i32,
    pub deductible_met: Decimal,
    pub pool_paid: Decimal,
    pub claims: u64,
}

/// One fee line of a claim.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimLine {
    pub line_no: u32,
    pub item_code: Id,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    pub amount: Decimal,
    pub prescription_id: Option<Id>,
    pub prescriber_id: Option<Id>,
    pub supply_days: Option<u32>,
}

/// A claim (结算): the lines sharing a `claim_id`, sorted by `line_no`, with
/// the claim-level fields every line agreed on.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub claim_id: Id,
    pub person_id: Id,
    pub institution_id: Id,
    pub service_time: DateTime,
    pub visit_type: VisitType,
    pub settlement_mode: SettlementMode,
    pub submitted_date: Option<Date>,
    pub exclusion: Option<Exclusion>,
    pub reverses_claim_id: Option<Id>,
    pub lines: Vec<ClaimLine>,
}

impl Claim {
    pub fn service_date(&self) -> Date {
        self.service_time.date
    }

    pub fn total(&self) -> Decimal {
        self.lines.iter().map(|l| l.amount).sum()
    }

    /// The prescriber named on the first line (by `line_no`) that names one
    /// (POLICY.md §2 rule 12).
    pub fn prescriber_id(&self) -> Option<&str> {
        self.lines.iter().find_map(|l| l.prescriber_id.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_accept_ids_and_chinese_aliases() {
        assert_eq!(VisitType::parse("普通门诊"), Some(VisitType::General));
        assert_eq!(VisitType::parse(" Emergency "), Some(VisitType::Emergency));
        assert_eq!(ItemClass::parse("乙类"), Some(ItemClass::B));
        assert_eq!(ItemClass::parse("a"), Some(ItemClass::A));
        assert_eq!(Category::parse("退休"), Some(Category::Retired));
        assert_eq!(VisitType::parse("inpatient"), None);
        assert_eq!(parse_bool("是"), Some(true));
        assert_eq!(parse_bool("N"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }

    /// A month holds millions of claims and decisions: their ids take
    /// the room a `String` took, and a usual id (a claim's, a person's,
    /// a Chinese institution's) is held in place, with no allocation.
    #[test]
    fn a_usual_id_is_held_in_place_in_a_strings_room() {
        use std::mem::size_of;
        assert_eq!(size_of::<Id>(), size_of::<String>());
        assert_eq!(size_of::<Option<Id>>(), size_of::<String>());
        for s in [
            "C202403000000007",
            "P0000123456",
            "黄石市中心医院-01",
            "shiyan",
        ] {
            let id = Id::from(s);
            assert!(!id.is_heap_allocated(), "{s}");
            assert_eq!(id, s);
        }
        assert!(Id::from("x".repeat(25).as_str()).is_heap_allocated());
    }
}
