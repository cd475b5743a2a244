//! leads.csv: the fund supervisors' worklist (基金监管线索). One row per
//! institution with claims: how many of its claims carry a §7 flag, the
//! money at stake per flag rule, and how far its flag rate stands above
//! the institutions of the same city, kind and level.
//!
//! "At stake" for a rule is the sum of the totals of the institution's
//! claims that carry that rule's flag (a claim counts once per rule, however
//! many of its lines are flagged); `amount_at_stake` counts each flagged
//! claim once. Built from per-claim figures that are plain sums, so a month
//! adjudicated partition by partition merges to the same rows.

use super::{csv_writer, text};
use crate::core::adjudicate::{ClaimDecision, RuleId, Severity};
use crate::core::model::Institution;
use crate::core::money::fmt2;
use crate::input::IdMap;
use crate::schema::outputs::{LEADS_HEADER_HEAD, LEADS_HEADER_TAIL};
use crate::schema::summary::{FlagsDoc, RuleFlagsDoc};
use rust_decimal::{Decimal, RoundingStrategy};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The flag rules (severity `flag`), in rule-id order: one column each.
pub fn flag_rules() -> Vec<RuleId> {
    RuleId::ALL
        .iter()
        .copied()
        .filter(|r| r.severity() == Severity::Flag)
        .collect()
}

/// What one institution's claims add up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstitutionFlags {
    pub claims: u64,
    pub flagged_claims: u64,
    /// Totals of flagged claims (each once).
    pub at_stake: Decimal,
    /// Per flag rule (same order as [`flag_rules`]): totals of the claims
    /// carrying it.
    pub by_rule: Vec<Decimal>,
    /// Per flag rule: how many claims carry it.
    pub claims_by_rule: Vec<u64>,
}

/// Flag figures by institution id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Leads {
    pub by_institution: BTreeMap<String, InstitutionFlags>,
}

impl Leads {
    /// Add up decisions (any order).
    pub fn of(decisions: &[ClaimDecision]) -> Leads {
        let rules = flag_rules();
        // Keyed by the borrowed id: each institution's id is copied once,
        // when the rows are ordered at the end.
        let mut by: FxHashMap<&str, InstitutionFlags> = FxHashMap::default();
        for d in decisions {
            let e = by
                .entry(d.institution_id.as_str())
                .or_insert_with(|| InstitutionFlags {
                    by_rule: vec![Decimal::ZERO; rules.len()],
                    claims_by_rule: vec![0; rules.len()],
                    ..Default::default()
                });
            e.claims += 1;
            let mut flagged = false;
            for (i, r) in rules.iter().enumerate() {
                if d.findings.iter().any(|f| f.rule == *r) {
                    e.by_rule[i] += d.total;
                    e.claims_by_rule[i] += 1;
                    flagged = true;
                }
            }
            if flagged {
                e.flagged_claims += 1;
                e.at_stake += d.total;
            }
        }
        Leads {
            by_institution: by.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        }
    }

    /// Add another partition's figures: every one is a sum.
    pub fn merge(&mut self, other: Leads) {
        for (id, o) in other.by_institution {
            match self.by_institution.get_mut(&id) {
                None => {
                    self.by_institution.insert(id, o);
                }
                Some(e) => {
                    e.claims += o.claims;
                    e.flagged_claims += o.flagged_claims;
                    e.at_stake += o.at_stake;
                    for (a, b) in e.by_rule.iter_mut().zip(o.by_rule) {
                        *a += b;
                    }
                    for (a, b) in e.claims_by_rule.iter_mut().zip(o.claims_by_rule) {
                        *a += b;
                    }
                }
            }
        }
    }

    /// The run's flags for summary.json: per flag rule, the claims carrying
    /// it and their totals; and the flagged claims overall.
    pub fn totals(&self) -> FlagsDoc {
        let rules = flag_rules();
        let mut claims = vec![0u64; rules.len()];
        let mut stake = vec![Decimal::ZERO; rules.len()];
        let (mut flagged, mut at_stake) = (0u64, Decimal::ZERO);
        for f in self.by_institution.values() {
            flagged += f.flagged_claims;
            at_stake += f.at_stake;
            for i in 0..rules.len() {
                claims[i] += f.claims_by_rule.get(i).copied().unwrap_or(0);
                stake[i] += f.by_rule.get(i).copied().unwrap_or_default();
            }
        }
        let by_rule = rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let doc = RuleFlagsDoc {
                    claims: claims[i],
                    at_stake: fmt2(stake[i]),
                };
                (r.to_string(), doc)
            })
            .collect();
        FlagsDoc {
            flagged_claims: flagged,
            amount_at_stake: fmt2(at_stake),
            by_rule,
        }
    }

    /// Write leads.csv: sorted by amount at stake (descending), then
    /// institution_id. An institution not in institutions.csv keeps its
    /// row, with empty name, city, kind and level (its peers are the other
    /// unknown ones).
    pub fn write_csv(
        &self,
        w: &mut dyn Write,
        institutions: &IdMap<Institution>,
    ) -> io::Result<()> {
        let rules = flag_rules();
        let peer_of = |id: &str| -> (String, String, String) {
            match institutions.get(id) {
                Some(i) => (
                    i.city.clone(),
                    i.kind.as_str().to_string(),
                    i.level.map(|l| l.to_string()).unwrap_or_default(),
                ),
                None => Default::default(),
            }
        };
        let rate = |f: &InstitutionFlags| {
            if f.claims == 0 {
                Decimal::ZERO
            } else {
                Decimal::from(f.flagged_claims) / Decimal::from(f.claims)
            }
        };
        // Peer groups: the flag rates of institutions of one city × kind ×
        // level; their median and median absolute deviation.
        let mut groups: BTreeMap<(String, String, String), Vec<Decimal>> = BTreeMap::new();
        for (id, f) in &self.by_institution {
            groups.entry(peer_of(id)).or_default().push(rate(f));
        }
        let stats: BTreeMap<_, (Decimal, Decimal)> = groups
            .into_iter()
            .map(|(k, rates)| {
                let m = median(rates.clone());
                let mad = median(rates.iter().map(|r| (*r - m).abs()).collect());
                (k, (m, mad))
            })
            .collect();
        let mut rows: Vec<(&String, &InstitutionFlags)> = self.by_institution.iter().collect();
        rows.sort_by(|a, b| b.1.at_stake.cmp(&a.1.at_stake).then_with(|| a.0.cmp(b.0)));

        let mut out = csv_writer(w);
        let mut header: Vec<String> = LEADS_HEADER_HEAD.iter().map(|s| s.to_string()).collect();
        header.extend(rules.iter().map(|r| format!("at_stake_{r}")));
        header.extend(LEADS_HEADER_TAIL.iter().map(|s| s.to_string()));
        out.write_record(&header)?;
        let consistency = Decimal::new(14826, 4);
        for (id, f) in rows {
            let peer = peer_of(id);
            let name = institutions
                .get(id.as_str())
                .map(|i| i.name.as_str())
                .unwrap_or_default();
            let (m, mad) = stats.get(&peer).copied().unwrap_or_default();
            let r = rate(f);
            let ratio = if m.is_zero() {
                String::new()
            } else {
                fixed(r / m, 2)
            };
            let z = if mad.is_zero() {
                String::new()
            } else {
                fixed((r - m) / (consistency * mad), 2)
            };
            let mut rec: Vec<String> = vec![
                text(id).into_owned(),
                text(name).into_owned(),
                peer.0,
                peer.1,
                peer.2,
                f.claims.to_string(),
                f.flagged_claims.to_string(),
                fixed(r, 4),
                fmt2(f.at_stake),
            ];
            rec.extend(f.by_rule.iter().map(|a| fmt2(*a)));
            rec.extend([fixed(m, 4), ratio, z]);
            out.write_record(&rec)?;
        }
        out.flush()
    }
}

/// The median of exact rates: the middle one, or the mean of the two
/// middle ones.
fn median(mut v: Vec<Decimal>) -> Decimal {
    if v.is_empty() {
        return Decimal::ZERO;
    }
    v.sort();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / Decimal::TWO
    }
}

/// A decimal with exactly `dp` digits after the point, half away from zero.
fn fixed(x: Decimal, dp: u32) -> String {
    let mut r = x.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    r.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_fixed_digits() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        assert_eq!(median(vec![d("0.3"), d("0.1"), d("0.2")]), d("0.2"));
        assert_eq!(median(vec![d("0.4"), d("0.1")]), d("0.25"));
        assert_eq!(fixed(d("0.125"), 2), "0.13");
        assert_eq!(fixed(d("-0.125"), 2), "-0.13");
        assert_eq!(fixed(Decimal::ONE / Decimal::from(3), 4), "0.3333");
        assert_eq!(fixed(Decimal::ZERO, 4), "0.0000");
    }
}
