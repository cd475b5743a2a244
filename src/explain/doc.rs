//! The trace as data (JSON: `trace_version` 1): what `explain` builds and
//! every format renders.

use serde::Serialize;

// ---------- the trace (JSON: `trace_version` 1) ----------

/// A whole answer: the run it explains and one trace per claim.
#[derive(Debug, Serialize)]
pub struct TraceDoc {
    pub trace_version: u32,
    pub run: RunInfo,
    pub claims: Vec<ClaimTrace>,
}

#[derive(Debug, Serialize)]
pub struct RunInfo {
    pub dir: String,
    pub period: String,
    /// What-if overrides the run used, as `city.parameter = value (source)`.
    pub overrides: Vec<String>,
}

/// One claim, from its checks to what each payer paid.
#[derive(Debug, Serialize)]
pub struct ClaimTrace {
    pub claim_id: String,
    pub person_id: String,
    pub institution_id: String,
    pub service_time: String,
    pub visit_type: String,
    pub settlement_mode: String,
    pub submitted_date: Option<String>,
    pub reverses_claim_id: Option<String>,
    pub status: String,
    pub reasons: Vec<String>,
    pub payee: String,
    /// The insuring city's rule version in force on the service date.
    pub rules: Option<RulesInForce>,
    /// §8 reversal pairing, then the §2 checks in order.
    pub checks: Vec<CheckStep>,
    /// Whether the §3 line rules ran (not for a claim decided whole by a
    /// check: its lines are listed, all excluded).
    pub line_rules_applied: bool,
    pub lines: Vec<LineTrace>,
    pub remote: Option<RemoteTrace>,
    pub benefit: Option<BenefitTrace>,
    pub account: Option<AccountTrace>,
    /// Flags (payment unchanged), each pointing at what it repeats.
    pub flags: Vec<FindingView>,
    /// The payments.csv figures of the claim.
    pub figures: Figures,
    /// POLICY §10: what the settlement declared against what the rules
    /// allow (a run on the platform layout whose settlement declared
    /// amounts).
    pub clearing: Option<ClearingTrace>,
}

/// Clearing (POLICY.md §10): each declared field beside the payment
/// column it is compared with, and the `DECLARED_MISMATCH` finding.
#[derive(Debug, Serialize)]
pub struct ClearingTrace {
    pub fields: Vec<ClearingField>,
    /// `max(hifp_pay − fund_pay, 0)`: what audit takes back.
    pub deduction: Option<String>,
    /// `max(fund_pay − hifp_pay, 0)`: what the fund still owes.
    pub shortfall: Option<String>,
    pub finding: Option<FindingView>,
}

#[derive(Debug, Serialize)]
pub struct ClearingField {
    /// The platform's field (`hifp_pay`, ...).
    pub declared_field: String,
    /// The payments.csv column it is compared with (`fund_pay`, ...).
    pub column: String,
    /// As declared; `None` when the settlement left the field empty (not
    /// compared).
    pub declared: Option<String>,
    pub adjudicated: String,
    pub differs: bool,
}

#[derive(Debug, Serialize)]
pub struct RulesInForce {
    pub city: String,
    pub file: String,
    pub version: usize,
    pub in_force_from: String,
}

#[derive(Debug, Serialize)]
pub struct CheckStep {
    pub order: u32,
    pub rule: String,
    /// `passed`, `decided` or `not_reached`.
    pub outcome: &'static str,
    /// The values compared.
    pub compared: String,
    pub article: String,
}

#[derive(Debug, Serialize)]
pub struct LineTrace {
    pub line_no: u32,
    pub item_code: String,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
    pub supply_days: Option<u32>,
    /// The catalogue entry used: `local` (of the place of treatment),
    /// `general`, or `none`; with its kind and class.
    pub catalogue: CatalogueView,
    pub steps: Vec<LineStep>,
    /// What the line brings to the claim's eligible amount (before any
    /// remote prepay).
    pub eligible: String,
}

#[derive(Debug, Serialize)]
pub struct CatalogueView {
    pub entry: &'static str,
    pub region: Option<String>,
    pub kind: Option<String>,
    pub class: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct LineStep {
    pub rule: String,
    pub moved: String,
    pub base_after: String,
    pub detail: String,
    pub article: String,
}

#[derive(Debug, Serialize)]
pub struct RemoteTrace {
    pub remote: bool,
    pub institution_city: String,
    pub insuring_city: String,
    pub registration: Option<String>,
    pub registered_long_term: bool,
    pub why: String,
    pub prepay_share: Option<ParamView>,
    pub prepay: String,
}

#[derive(Debug, Serialize)]
pub struct BenefitTrace {
    pub year: i32,
    pub deductible_met_before: String,
    pub pool_paid_before: String,
    pub eligible: String,
    pub deductible: ParamView,
    pub deductible_applied: String,
    pub ratio: Option<ParamView>,
    pub ratio_source: String,
    pub raw: String,
    pub cap: ParamView,
    pub cap_room: String,
    pub cap_cut: String,
    pub fund_pay: String,
    pub deductible_met_after: String,
    pub pool_paid_after: String,
}

#[derive(Debug, Serialize)]
pub struct AccountTrace {
    pub account_type: String,
    pub scope: ParamView,
    pub balance_before: String,
    pub account_pay: String,
    pub balance_after: String,
    pub cash_pay: String,
    /// Family sharing (POLICY.md §6a): the parts of `account_pay` from the
    /// member's own account and from grantors' (`G1:12.30;G2:5.00`).
    pub own_account_pay: String,
    pub family_account_pay: String,
    pub family_payers: String,
}

/// A parameter as used: value, article, and its marks.
#[derive(Debug, Serialize)]
pub struct ParamView {
    pub path: String,
    pub value: String,
    pub article: String,
    pub provisional: bool,
    pub overridden: bool,
}

#[derive(Debug, Serialize)]
pub struct FindingView {
    pub rule: String,
    pub line_no: Option<u32>,
    pub amount: String,
    pub detail: String,
    pub article: String,
}

/// The claim's payments.csv figures (money with two decimals).
#[derive(Debug, Serialize)]
pub struct Figures {
    pub total: String,
    pub excluded: String,
    pub b_selfpay: String,
    pub remote_prepay: String,
    pub eligible: String,
    pub deductible_applied: String,
    pub ratio: Option<String>,
    pub fund_pay: String,
    pub cap_cut: String,
    pub account_pay: String,
    pub cash_pay: String,
}
