//! What the core decides about a claim: the payment row and its findings.

use super::rule::{RuleId, Severity};
use crate::core::date::Date;
use crate::core::model::Id;
use crate::core::split::Split;
use rust_decimal::Decimal;
use std::ops::{Deref, DerefMut};

/// A claim's status (CONTRACT.md payments.csv).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Paid,
    PoolDenied,
    Denied,
    Routed,
    Reversed,
    Reversal,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Paid,
        Status::PoolDenied,
        Status::Denied,
        Status::Routed,
        Status::Reversed,
        Status::Reversal,
    ];

    /// Parse the id written in payments.csv.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Paid => "paid",
            Status::PoolDenied => "pool_denied",
            Status::Denied => "denied",
            Status::Routed => "routed",
            Status::Reversed => "reversed",
            Status::Reversal => "reversal",
        }
    }
}

/// Who the settlement pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Payee {
    Institution,
    Member,
}

impl Payee {
    pub fn as_str(self) -> &'static str {
        match self {
            Payee::Institution => "institution",
            Payee::Member => "member",
        }
    }
}

/// The article a finding rests on: its rule's own, or the basis of the
/// rule-file parameter it applied (shared, not copied per finding).
#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    Rule(RuleId),
    Param(std::sync::Arc<str>),
}

impl Basis {
    pub fn as_str(&self) -> &str {
        match self {
            Basis::Rule(r) => r.basis(),
            Basis::Param(s) => s,
        }
    }
}

impl From<RuleId> for Basis {
    fn from(r: RuleId) -> Basis {
        Basis::Rule(r)
    }
}

impl From<std::sync::Arc<str>> for Basis {
    fn from(s: std::sync::Arc<str>) -> Basis {
        Basis::Param(s)
    }
}

/// One audit row.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// `None` for a claim-level finding.
    pub line_no: Option<u32>,
    pub rule: RuleId,
    pub severity: Severity,
    pub amount: Decimal,
    pub detail: String,
    pub basis: Basis,
}

/// The decision on one claim: one payments.csv row and its audit rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimDecision {
    pub claim_id: Id,
    pub person_id: Id,
    pub institution_id: Id,
    /// The insuring city; `None` for an unknown member.
    pub city: Option<Id>,
    pub service_date: Date,
    pub status: Status,
    /// The money (read through the decision too: `decision.fund_pay`).
    pub split: Split,
    /// The ratio as written in the rule file; `None` when the pool pays nothing.
    pub ratio: Option<Decimal>,
    pub payee: Payee,
    /// Year-to-date (deductible_met, pool_paid) after this claim; `None` for
    /// an unknown member.
    pub totals_after: Option<(Decimal, Decimal)>,
    /// Sorted by id (alphabetically, as payments.csv writes them), without
    /// repeats.
    pub reasons: Vec<RuleId>,
    pub findings: Vec<Finding>,
    /// Amount of NON_MEDICAL lines (for the account scope and the summary).
    pub non_medical: Decimal,
    /// For a reversal: the claim it cancels.
    pub reverses: Option<Id>,
    /// The member's category and the institution's level (`1`-`3`, or
    /// `pharmacy`), for analysis; `None` when unknown.
    pub category: Option<crate::core::model::Category>,
    pub institution_level: Option<&'static str>,
    /// Family sharing (POLICY.md §6a): the part of `account_pay` drawn from
    /// grantors' accounts, and each grantor's amount, by grantor_id
    /// (negated on a reversal row).
    pub family_account_pay: Decimal,
    pub family_payers: Vec<(String, Decimal)>,
}

/// A decision reads as its amounts (`decision.fund_pay`): every writer,
/// check and test names the payments.csv columns directly, and the split
/// is one type shared with the earlier periods' rows.
impl Deref for ClaimDecision {
    type Target = Split;
    fn deref(&self) -> &Split {
        &self.split
    }
}

impl DerefMut for ClaimDecision {
    fn deref_mut(&mut self) -> &mut Split {
        &mut self.split
    }
}

impl ClaimDecision {
    /// A decision where nothing is paid by the insurance and cash pays all.
    pub fn unpaid(
        claim: &crate::core::model::Claim,
        city: Option<Id>,
        status: Status,
    ) -> ClaimDecision {
        let total = claim.total();
        ClaimDecision {
            claim_id: claim.claim_id.clone(),
            person_id: claim.person_id.clone(),
            institution_id: claim.institution_id.clone(),
            city,
            service_date: claim.service_date(),
            status,
            split: Split::unpaid(total),
            ratio: None,
            payee: payee_of(claim),
            totals_after: None,
            reasons: Vec::new(),
            findings: Vec::new(),
            non_medical: Decimal::ZERO,
            reverses: None,
            category: None,
            institution_level: None,
            family_account_pay: Decimal::ZERO,
            family_payers: Vec::new(),
        }
    }

    /// Record a finding; rules that moved money also become reasons.
    pub fn find(
        &mut self,
        line_no: Option<u32>,
        rule: RuleId,
        amount: Decimal,
        detail: String,
        basis: impl Into<Basis>,
    ) {
        self.findings.push(Finding {
            line_no,
            rule,
            severity: rule.severity(),
            amount,
            detail,
            basis: basis.into(),
        });
    }

    /// Add a reason (kept sorted by id, without repeats).
    pub fn reason(&mut self, rule: RuleId) {
        if let Err(i) = self
            .reasons
            .binary_search_by(|r| r.as_str().cmp(rule.as_str()))
        {
            self.reasons.insert(i, rule);
        }
    }
}

/// Manual claims pay the member; direct claims pay the institution.
pub fn payee_of(claim: &crate::core::model::Claim) -> Payee {
    match claim.settlement_mode {
        crate::core::model::SettlementMode::Manual => Payee::Member,
        crate::core::model::SettlementMode::Direct => Payee::Institution,
    }
}
