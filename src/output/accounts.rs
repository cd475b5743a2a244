//! accounts.csv (CONTRACT.md): each personal account's movements in the
//! period, one row per member whose account moved, sorted by person_id:
//! what it paid for its owner's claims, what it paid for the family bound
//! to it (POLICY.md §6a), what reversals gave back, and the balance after.
//! Built from the decisions alone, partition by partition, so the
//! larger-than-memory path writes the same rows.

use super::{csv_writer, text};
use crate::core::adjudicate::ClaimDecision;
use crate::core::model::Member;
use crate::core::reference::IdMap;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// One accounts.csv row: person_id, then balance_before, own_use,
/// family_use, refunds and balance_after.
pub type AccountRow = (String, [Decimal; 5]);

/// One account's movements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Movement {
    pub own_use: Decimal,
    pub family_use: Decimal,
    pub refunds: Decimal,
}

/// The period's movements, by person.
#[derive(Debug, Default)]
pub struct Accounts {
    moved: BTreeMap<String, Movement>,
}

impl Accounts {
    /// The movements of `decisions`: a positive amount is use, a negative
    /// one (a reversal row) a refund.
    pub fn of(decisions: &[ClaimDecision]) -> Accounts {
        let mut a = Accounts::default();
        for d in decisions {
            let own = d.account_pay - d.family_account_pay;
            a.add(&d.person_id, own, |m| &mut m.own_use);
            for (g, amount) in &d.family_payers {
                a.add(g, *amount, |m| &mut m.family_use);
            }
        }
        a
    }

    fn add(&mut self, person: &str, amount: Decimal, use_of: fn(&mut Movement) -> &mut Decimal) {
        if amount.is_zero() {
            return;
        }
        let m = self.moved.entry(person.to_string()).or_default();
        if amount > Decimal::ZERO {
            *use_of(m) += amount;
        } else {
            m.refunds -= amount;
        }
    }

    pub fn merge(&mut self, other: Accounts) {
        for (p, m) in other.moved {
            let e = self.moved.entry(p).or_default();
            e.own_use += m.own_use;
            e.family_use += m.family_use;
            e.refunds += m.refunds;
        }
    }

    /// Whether any member has a personal account (CONTRACT.md: accounts.csv
    /// is written only then).
    pub fn wanted(members: &IdMap<Member>) -> bool {
        members
            .values()
            .any(|m| m.account_type == crate::core::model::AccountType::WithAccount)
    }

    /// The rows, members only (a grantor no longer in members.csv gets
    /// nothing back, POLICY.md §6a), each checked to balance and to stay at
    /// or above zero; the first that does not is the error.
    pub fn rows(&self, members: &IdMap<Member>) -> Result<Vec<AccountRow>, String> {
        let mut out = Vec::new();
        for (p, m) in &self.moved {
            let Some(member) = members.get(p) else {
                continue;
            };
            let before = member.account_balance;
            let after = before - m.own_use - m.family_use + m.refunds;
            if after < Decimal::ZERO {
                return Err(format!(
                    "the personal account of {p} would end below zero ({after}): {before} − {} − {} + {}",
                    m.own_use, m.family_use, m.refunds
                ));
            }
            out.push((
                p.clone(),
                [before, m.own_use, m.family_use, m.refunds, after],
            ));
        }
        Ok(out)
    }

    /// The family draws: total drawn from family accounts (the positive
    /// family_use), for the summary.
    pub fn family_use(&self) -> Decimal {
        self.moved.values().map(|m| m.family_use).sum()
    }
}

/// Write accounts.csv.
pub fn write_accounts<W: Write>(w: W, rows: &[AccountRow]) -> io::Result<()> {
    let mut cw = csv_writer(w);
    cw.write_record(crate::schema::outputs::ACCOUNTS_HEADER)?;
    for (p, amounts) in rows {
        let mut rec = vec![text(p).into_owned()];
        rec.extend(amounts.iter().map(|a| crate::core::money::fmt2(*a)));
        cw.write_record(&rec)?;
    }
    cw.flush()
}
