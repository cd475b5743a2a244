//! accounts.csv (CONTRACT.md): each personal account's movements in the
//! period, one row per member whose account moved, sorted by person_id:
//! what it paid for its owner's claims, what it paid for the family bound
//! to it (POLICY.md §6a), what reversals gave back, and the balance after.
//! Built from the decisions alone, partition by partition, so the
//! larger-than-memory path writes the same rows.

use super::{csv_writer, text};
use crate::core::adjudicate::ClaimDecision;
use crate::core::members::Members;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use std::io::{self, Write};

/// One account's movements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Movement {
    pub own_use: Decimal,
    pub family_use: Decimal,
    pub refunds: Decimal,
}

/// The period's movements, by member number (a person not in members.csv
/// has no account here: a grantor no longer a member gets nothing back,
/// POLICY.md §6a).
#[derive(Debug, Default)]
pub struct Accounts {
    moved: FxHashMap<u32, Movement>,
}

impl Accounts {
    /// Add the movements of `decisions`: a positive amount is use, a
    /// negative one (a reversal row) a refund.
    pub fn add_all(&mut self, decisions: &[ClaimDecision], members: &Members) {
        for d in decisions {
            let own = d.account_pay - d.family_account_pay;
            self.add(members, &d.person_id, own, |m| &mut m.own_use);
            for (g, amount) in &d.family_payers {
                self.add(members, g, *amount, |m| &mut m.family_use);
            }
        }
    }

    fn add(
        &mut self,
        members: &Members,
        person: &str,
        amount: Decimal,
        use_of: fn(&mut Movement) -> &mut Decimal,
    ) {
        if amount.is_zero() {
            return;
        }
        let Some(n) = members.index_of(person) else {
            return;
        };
        let m = self.moved.entry(n).or_default();
        if amount > Decimal::ZERO {
            *use_of(m) += amount;
        } else {
            m.refunds -= amount;
        }
    }

    /// Whether any member has a personal account (CONTRACT.md: accounts.csv
    /// is written only then).
    pub fn wanted(members: &Members) -> bool {
        members.any_with_account()
    }

    /// The accounts in person_id order, each checked to balance and to
    /// stay at or above zero; the first that does not is the error.
    pub fn balance(self, members: &Members) -> Result<Balanced, String> {
        let mut order: Vec<u32> = self.moved.keys().copied().collect();
        order.sort_unstable_by(|a, b| members.person_id(*a).cmp(members.person_id(*b)));
        for &n in &order {
            let [before, own, family, refunds, after] = amounts(members, n, &self.moved[&n]);
            if after < Decimal::ZERO {
                let p = members.person_id(n);
                return Err(format!(
                    "the personal account of {p} would end below zero ({after}): {before} − {own} − {family} + {refunds}"
                ));
            }
        }
        Ok(Balanced {
            order,
            moved: self.moved,
        })
    }

    /// The family draws: total drawn from family accounts (the positive
    /// family_use), for the summary.
    pub fn family_use(&self) -> Decimal {
        self.moved.values().map(|m| m.family_use).sum()
    }
}

/// The accounts that moved, checked, in person_id order: accounts.csv.
#[derive(Debug, Default)]
pub struct Balanced {
    order: Vec<u32>,
    moved: FxHashMap<u32, Movement>,
}

/// balance_before, own_use, family_use, refunds and balance_after.
fn amounts(members: &Members, n: u32, m: &Movement) -> [Decimal; 5] {
    let before = members.at(n).account_balance;
    let after = before - m.own_use - m.family_use + m.refunds;
    [before, m.own_use, m.family_use, m.refunds, after]
}

/// Write accounts.csv.
pub fn write_accounts<W: Write>(w: W, accounts: &Balanced, members: &Members) -> io::Result<()> {
    let mut cw = csv_writer(w);
    cw.write_record(crate::schema::outputs::ACCOUNTS_HEADER)?;
    let mut rec: Vec<String> = Vec::with_capacity(6);
    for &n in &accounts.order {
        rec.clear();
        rec.push(text(members.person_id(n)).into_owned());
        let a = amounts(members, n, &accounts.moved[&n]);
        rec.extend(a.iter().map(|a| crate::core::money::fmt2(*a)));
        cw.write_record(&rec)?;
    }
    cw.flush()
}
