//! summary.json: the fund summary's figures (money as exact decimal
//! strings), written in declaration order.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SummaryDoc {
    pub period: String,
    pub total: FiguresDoc,
    pub cities: Vec<CityDoc>,
    pub settlement: Vec<SettlementDoc>,
    pub reconciliation: Vec<ClaimFileDoc>,
    /// The §7 pattern flags (leads.csv's totals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<FlagsDoc>,
    /// POLICY §10 clearing, when any settlement declared what it settled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clearing: Option<ClearingDoc>,
}

/// POLICY §10 clearing (clearing.csv's figures): per city and in total.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClearingDoc {
    /// An object keyed by city, in city order.
    #[serde(serialize_with = "in_order")]
    pub by_city: Vec<(String, ClearingFiguresDoc)>,
    pub total: ClearingFiguresDoc,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClearingFiguresDoc {
    pub claims: u64,
    pub declared_fund: String,
    pub adjudicated_fund: String,
    pub deduction: String,
    pub shortfall: String,
    pub declared_account: String,
    pub adjudicated_account: String,
    pub mismatched_claims: u64,
}

/// The figures of a city, an institution or the whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FiguresDoc {
    pub claims: u64,
    pub persons: u64,
    pub total: String,
    pub excluded: String,
    pub eligible: String,
    pub fund_pay: String,
    pub account_pay: String,
    pub cash_pay: String,
    pub denied: String,
    pub pool_denied: String,
    pub routed: String,
    pub late_claims: u64,
    pub late_total: String,
    /// Family sharing (POLICY.md §6a): the part of `account_pay` drawn
    /// from family accounts.
    pub family_account_pay: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CityDoc {
    #[serde(flatten)]
    pub figures: FiguresDoc,
    pub city: String,
    pub institutions: Vec<InstitutionDoc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InstitutionDoc {
    #[serde(flatten)]
    pub figures: FiguresDoc,
    pub institution_id: String,
}

/// What the fund owes one payee (settlement.csv's row).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SettlementDoc {
    pub city: String,
    pub payee: String,
    pub payee_id: String,
    pub claims: u64,
    pub fund_pay: String,
    pub account_pay: String,
    pub amount_due: String,
}

/// One claim file's lines and amounts: read = adjudicated + quarantined.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClaimFileDoc {
    pub file: String,
    pub lines_read: u64,
    pub lines_adjudicated: u64,
    pub lines_quarantined: u64,
    pub amount_read: String,
    pub amount_adjudicated: String,
    pub amount_quarantined: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FlagsDoc {
    pub flagged_claims: u64,
    pub amount_at_stake: String,
    /// Per flag rule, in the rules' order (an object keyed by rule id).
    #[serde(serialize_with = "in_order")]
    pub by_rule: Vec<(String, RuleFlagsDoc)>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RuleFlagsDoc {
    pub claims: u64,
    pub at_stake: String,
}

/// Pairs as a JSON object whose keys keep the pairs' order.
fn in_order<S: Serializer, T: Serialize>(pairs: &[(String, T)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
}
