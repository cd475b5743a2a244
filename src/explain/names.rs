//! The contract's enum values as a trace shows them: their ids in English
//! (as in the CSVs), their Chinese names in Chinese (退休, 医院, 直接结算).
//! The JSON trace keeps the ids.

use crate::core::adjudicate::Lang;
use crate::core::model::*;

/// A contract enum: its id and its Chinese name.
pub(super) trait Named: Copy {
    fn id(self) -> &'static str;
    fn zh_name(self) -> &'static str;
}

macro_rules! named {
    ($($t:ty),+) => {
        $(impl Named for $t {
            fn id(self) -> &'static str {
                self.as_str()
            }
            fn zh_name(self) -> &'static str {
                self.zh()
            }
        })+
    };
}

named!(
    VisitType,
    SettlementMode,
    Exclusion,
    Category,
    AccountType,
    RemoteType,
    InstitutionKind,
    ItemKind,
    ItemClass
);

/// `x` in `lang`.
pub(super) fn name<T: Named>(lang: Lang, x: T) -> &'static str {
    match lang {
        Lang::Zh => x.zh_name(),
        Lang::En => x.id(),
    }
}

/// A value of the trace document (an id) in `lang`: read back with
/// `parse`, or as written when it is none of its ids.
pub(super) fn name_of<T: Named>(lang: Lang, id: &str, parse: fn(&str) -> Option<T>) -> String {
    match (lang, parse(id)) {
        (Lang::Zh, Some(x)) => x.zh_name().to_string(),
        _ => id.to_string(),
    }
}

/// A claim's status (payments.csv `status`) in `lang`.
pub(super) fn status(lang: Lang, id: &str) -> String {
    let zh = match id {
        "paid" => "已支付",
        "pool_denied" => "统筹不予支付",
        "denied" => "不予支付",
        "routed" => "转其他待遇",
        "reversed" => "已被冲正",
        "reversal" => "冲正",
        _ => id,
    };
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => id.to_string(),
    }
}

/// Who is paid (payments.csv `payee`) in `lang`.
pub(super) fn payee(lang: Lang, id: &str) -> String {
    match (lang, id) {
        (Lang::Zh, "institution") => "定点机构".into(),
        (Lang::Zh, "member") => "参保人".into(),
        _ => id.to_string(),
    }
}
