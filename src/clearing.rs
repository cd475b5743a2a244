//! Clearing against what the platform settled (清算, POLICY.md §10).
//!
//! A settlement row of the platform layout may declare what the institution
//! settled (`hifp_pay`, `acct_pay`, ...). Each claim is adjudicated as
//! usual; its row is then compared field by field with what was declared,
//! a difference becomes one `DECLARED_MISMATCH` finding (never a reason:
//! the payment row stays what the rules allow), and the fund side is summed
//! per institution and insuring city into clearing.csv, with the deduction
//! audit proposes and the shortfall the fund owes.

use crate::core::adjudicate::{ClaimDecision, Finding, RuleId, Severity, Status};
use crate::core::model::Institution;
use crate::core::money::fmt2;
use crate::input::platform::Declared;
use crate::input::IdMap;
use crate::schema::platform::{CLEARING_HEADER, SUMMARY_CLEARING_COLUMNS};
use crate::schema::summary::{ClearingDoc, ClearingFiguresDoc};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

/// The declared field, its index in [`Declared::amounts`], and the payment
/// column it is compared with. (`acct_mulaid_pay` has no payment column to
/// meet yet: it is read but not compared.)
const COMPARED: [(&str, usize, &str); 5] = [
    ("hifp_pay", 0, "fund_pay"),
    ("act_pay_dedc", 4, "deductible_applied"),
    ("inscp_scp_amt", 5, "eligible"),
    ("acct_pay", 1, "account_pay"),
    ("psn_cash_pay", 3, "cash_pay"),
];

/// The payment value a declared field is compared with.
fn adjudicated(d: &ClaimDecision, column: &str) -> Decimal {
    match column {
        "fund_pay" => d.fund_pay,
        "deductible_applied" => d.deductible_applied,
        "eligible" => d.eligible,
        "account_pay" => d.account_pay,
        "cash_pay" => d.cash_pay,
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
#[derive(Debug, Default)]
pub struct Clearing {
    pub rows: BTreeMap<(String, String), Row>,
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
                .filter_map(|&m| declared.get(&decisions[m].claim_id))
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
                                fmt2(v),
                                fmt2(a)
                            )
                        } else {
                            format!("申报 {field} {}, 核定 {column} {}", fmt2(v), fmt2(a))
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

    /// clearing.csv; `Err` names a row that does not balance.
    pub fn write_csv<W: Write>(&self, w: W, institutions: &IdMap<Institution>) -> io::Result<()> {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w);
        out.write_record(CLEARING_HEADER)?;
        for ((inst, city), r) in &self.rows {
            if !r.balances() {
                return Err(io::Error::other(format!(
                    "clearing of {inst} ({city}) does not balance: adjudicated_fund {} ≠ declared_fund {} − deduction {} + shortfall {}",
                    r.adjudicated_fund, r.declared_fund, r.deduction, r.shortfall
                )));
            }
            let name = institutions
                .get(inst)
                .map(|i| i.name.as_str())
                .unwrap_or("");
            out.write_record([
                inst.as_str(),
                name,
                city.as_str(),
                &r.claims.to_string(),
                &fmt2(r.declared_fund),
                &fmt2(r.adjudicated_fund),
                &fmt2(r.deduction),
                &fmt2(r.shortfall),
                &fmt2(r.declared_account),
                &fmt2(r.adjudicated_account),
                &r.mismatched_claims.to_string(),
            ])?;
        }
        out.flush()
    }

    /// The figures for summary.json: per city and in total.
    pub fn to_doc(&self) -> ClearingDoc {
        let (cities, total) = self.by_city();
        let row = |r: &Row| ClearingFiguresDoc {
            claims: r.claims,
            declared_fund: fmt2(r.declared_fund),
            adjudicated_fund: fmt2(r.adjudicated_fund),
            deduction: fmt2(r.deduction),
            shortfall: fmt2(r.shortfall),
            declared_account: fmt2(r.declared_account),
            adjudicated_account: fmt2(r.adjudicated_account),
            mismatched_claims: r.mismatched_claims,
        };
        ClearingDoc {
            by_city: cities
                .iter()
                .map(|(c, r)| (c.to_string(), row(r)))
                .collect(),
            total: row(&total),
        }
    }

    /// summary.csv with the clearing figures as optional columns: each
    /// institution row gets its (institution, city) row, each city row its
    /// city's, the total row the total.
    pub fn extend_summary_csv(&self, text: &[u8]) -> io::Result<Vec<u8>> {
        let (cities, total) = self.by_city();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text);
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(io::Error::other)?;
            let mut fields: Vec<String> = rec.iter().map(str::to_string).collect();
            if i == 0 {
                fields.extend(SUMMARY_CLEARING_COLUMNS.iter().map(|c| c.to_string()));
            } else {
                let (scope, city, inst) = (&rec[0], &rec[1], &rec[2]);
                let row = match scope {
                    "institution" => self.rows.get(&(inst.to_string(), city.to_string())),
                    "city" => cities.get(city),
                    "total" => Some(&total),
                    _ => None,
                };
                let r = row.cloned().unwrap_or_default();
                fields.extend([
                    r.claims.to_string(),
                    fmt2(r.declared_fund),
                    fmt2(r.adjudicated_fund),
                    fmt2(r.deduction),
                    fmt2(r.shortfall),
                    fmt2(r.declared_account),
                    fmt2(r.adjudicated_account),
                    r.mismatched_claims.to_string(),
                ]);
            }
            out.write_record(&fields)?;
        }
        out.into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }

    /// The lines the printed summary adds.
    pub fn print(&self, english: bool) -> String {
        let (cities, total) = self.by_city();
        let mut out = String::new();
        out.push_str(if english {
            "Clearing (declared by the platform vs adjudicated):\n"
        } else {
            "清算 (平台申报 vs 核定):\n"
        });
        let line = |name: &str, r: &Row| {
            format!(
                "  {name:<10} claims {:>6}  declared_fund {:>12}  adjudicated_fund {:>12}  deduction {:>10}  shortfall {:>10}  mismatched {:>5}\n",
                r.claims,
                fmt2(r.declared_fund),
                fmt2(r.adjudicated_fund),
                fmt2(r.deduction),
                fmt2(r.shortfall),
                r.mismatched_claims
            )
        };
        for (c, r) in &cities {
            out.push_str(&line(if c.is_empty() { "-" } else { c }, r));
        }
        out.push_str(&line(if english { "total" } else { "合计" }, &total));
        out
    }
}
