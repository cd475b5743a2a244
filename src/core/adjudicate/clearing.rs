//! Clearing against what the platform settled (清算, POLICY.md §10).
//!
//! A settlement row of the platform layout may declare what the institution
//! settled (`hifp_pay`, `acct_pay`, ...). Each claim is adjudicated as
//! usual; its row is then compared field by field with what was declared,
//! a difference becomes one `DECLARED_MISMATCH` finding (never a reason:
//! the payment row stays what the rules allow), and the fund side is summed
//! per institution and insuring city into clearing.csv, with the deduction
//! audit proposes and the shortfall the fund owes.

//!
//! The comparison lives here, in the core; clearing.csv, summary.csv's
//! clearing columns, summary.json's `clearing` and the printed lines are
//! written by `output::clearing`.

use crate::core::adjudicate::{ClaimDecision, Finding, RuleId, Severity, Status};
use crate::core::model::Id;
use crate::core::money::Yuan;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// Amounts a settlement declared (POLICY §10), in the order of the
/// settlements schema's declared columns: `hifp_pay`, `acct_pay`,
/// `acct_mulaid_pay`, `psn_cash_pay`, `act_pay_dedc`, `inscp_scp_amt`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Declared {
    pub amounts: [Option<Decimal>; 6],
}

/// The declared field, its index in [`Declared::amounts`], and the payment
/// column it is compared with, in POLICY §10's order.
pub const COMPARED: [(&str, usize, &str); 6] = [
    ("hifp_pay", 0, "fund_pay"),
    ("act_pay_dedc", 4, "deductible_applied"),
    ("inscp_scp_amt", 5, "eligible"),
    ("acct_pay", 1, "account_pay"),
    ("acct_mulaid_pay", 2, "family_account_pay"),
    ("psn_cash_pay", 3, "cash_pay"),
];

/// The payment value a declared field is compared with.
pub fn adjudicated(d: &ClaimDecision, column: &str) -> Decimal {
    match column {
        "fund_pay" => d.fund_pay,
        "deductible_applied" => d.deductible_applied,
        "eligible" => d.eligible,
        "account_pay" => d.account_pay,
        "cash_pay" => d.cash_pay,
        "family_account_pay" => d.family_account_pay,
        _ => Decimal::ZERO,
    }
}

/// One clearing.csv row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    pub claims: u64,
    pub declared_fund: Decimal,
    pub adjudicated_fund: Decimal,
    pub deduction: Decimal,
    pub shortfall: Decimal,
    pub declared_account: Decimal,
    pub adjudicated_account: Decimal,
    pub mismatched_claims: u64,
}

impl Row {
    fn add(&mut self, o: &Row) {
        self.claims += o.claims;
        self.declared_fund += o.declared_fund;
        self.adjudicated_fund += o.adjudicated_fund;
        self.deduction += o.deduction;
        self.shortfall += o.shortfall;
        self.declared_account += o.declared_account;
        self.adjudicated_account += o.adjudicated_account;
        self.mismatched_claims += o.mismatched_claims;
    }

    /// `adjudicated_fund = declared_fund − deduction + shortfall`.
    pub fn balances(&self) -> bool {
        self.adjudicated_fund == self.declared_fund - self.deduction + self.shortfall
    }
}

/// The month's clearing, per (institution_id, insuring city).
#[derive(Debug, Default, Clone)]
pub struct Clearing {
    pub rows: BTreeMap<(Id, Id), Row>,
}

impl Clearing {
    /// Compare the decisions of some claims with what their settlements
    /// declared: add `DECLARED_MISMATCH` findings and the clearing figures.
    /// A claim cancelled in the same run is compared with its reversal, as
    /// one (both are among `decisions`: they belong to one person).
    pub fn compare(
        &mut self,
        decisions: &mut [ClaimDecision],
        declared: &HashMap<String, Declared>,
        english: bool,
    ) {
        if declared.is_empty() {
            return;
        }
        let index: HashMap<&str, usize> = decisions
            .iter()
            .enumerate()
            .map(|(i, d)| (d.claim_id.as_str(), i))
            .collect();
        // Comparison units: (the decision the finding goes on, the other
        // member of a same-run pair).
        let mut units: Vec<(usize, Option<usize>)> = Vec::new();
        for (i, d) in decisions.iter().enumerate() {
            match d.status {
                // Compared with its reversal.
                Status::Reversed => continue,
                Status::Reversal => {
                    let orig = d
                        .reverses
                        .as_deref()
                        .and_then(|o| index.get(o).copied())
                        .filter(|&o| decisions[o].status == Status::Reversed);
                    units.push((i, orig));
                }
                _ => units.push((i, None)),
            }
        }
        for (i, other) in units {
            let members: Vec<usize> = std::iter::once(i).chain(other).collect();
            let decl: Vec<&Declared> = members
                .iter()
                .filter_map(|&m| declared.get(decisions[m].claim_id.as_str()))
                .collect();
            if decl.is_empty() {
                continue;
            }
            // A field is compared when some member declares it; an absent
            // amount of the other member counts as 0.
            let sum_declared = |k: usize| -> Option<Decimal> {
                let vals: Vec<Decimal> = decl.iter().filter_map(|d| d.amounts[k]).collect();
                (!vals.is_empty()).then(|| vals.iter().sum())
            };
            let sum_row = |column: &str| -> Decimal {
                members
                    .iter()
                    .map(|&m| adjudicated(&decisions[m], column))
                    .sum()
            };
            let mut differing = Vec::new();
            for (field, k, column) in COMPARED {
                if let Some(v) = sum_declared(k) {
                    let a = sum_row(column);
                    if v != a {
                        differing.push(if english {
                            format!(
                                "{field} {} declared, {column} {} adjudicated",
                                Yuan(v),
                                Yuan(a)
                            )
                        } else {
                            format!("申报 {field} {}, 核定 {column} {}", Yuan(v), Yuan(a))
                        });
                    }
                }
            }
            let fund = sum_row("fund_pay");
            let account = sum_row("account_pay");
            let hifp = sum_declared(0);
            let declared_account = sum_declared(1).unwrap_or_default();
            let mismatched = !differing.is_empty();
            if mismatched {
                let amount = hifp.map_or(Decimal::ZERO, |h| h - fund);
                let severity = if amount > Decimal::ZERO {
                    Severity::Adjust
                } else {
                    Severity::Info
                };
                let pair = match other {
                    Some(o) if english => {
                        format!(" (with cancelled claim {}, as one)", decisions[o].claim_id)
                    }
                    Some(o) => format!("(与被冲正的 {} 合并比较)", decisions[o].claim_id),
                    None => String::new(),
                };
                let detail = if english {
                    format!(
                        "the settlement differs from the adjudication{pair}: {}",
                        differing.join("; ")
                    )
                } else {
                    format!("结算申报与核定不符{pair}: {}", differing.join("; "))
                };
                decisions[i].findings.push(Finding {
                    line_no: None,
                    rule: RuleId::DECLARED_MISMATCH,
                    severity,
                    amount,
                    detail,
                    basis: RuleId::DECLARED_MISMATCH.into(),
                });
            }
            let Some(hifp) = hifp else { continue };
            let d = &decisions[i];
            let row = Row {
                claims: members.len() as u64,
                declared_fund: hifp,
                adjudicated_fund: fund,
                deduction: (hifp - fund).max(Decimal::ZERO),
                shortfall: (fund - hifp).max(Decimal::ZERO),
                declared_account,
                adjudicated_account: account,
                mismatched_claims: u64::from(mismatched),
            };
            self.rows
                .entry((d.institution_id.clone(), d.city.clone().unwrap_or_default()))
                .or_default()
                .add(&row);
        }
    }

    /// Per insuring city and in total.
    pub fn by_city(&self) -> (BTreeMap<&str, Row>, Row) {
        let mut cities: BTreeMap<&str, Row> = BTreeMap::new();
        let mut total = Row::default();
        for ((_, city), r) in &self.rows {
            cities.entry(city.as_str()).or_default().add(r);
            total.add(r);
        }
        (cities, total)
    }
}
