//! The insured persons (members.csv) held compactly: a city has a million
//! of them, and each used to cost over 200 bytes as a map of `String`s.
//! Here a person is its id in one arena ([`Ids`]), a fixed 24-byte record
//! (city as a number into a small table, enums as bytes, dates packed, the
//! balance as an integer mantissa with its scale) and, for the few with an
//! 异地备案 registration, a row in a side table. A lookup gives a
//! [`Member`]: a small copy with its text borrowed, read by the policy as
//! the row it was.

use crate::core::date::Date;
use crate::core::ids::Ids;
use crate::core::model::{AccountType, Category, RemoteRegistration};
use crate::core::money::{pack_amount, unpack_amount};
use rust_decimal::Decimal;

/// An insured person, as the policy reads it (a members.csv row).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Member<'a> {
    pub person_id: &'a str,
    pub city: &'a str,
    pub category: Category,
    pub account_type: AccountType,
    pub account_balance: Decimal,
    pub benefit_from: Date,
    pub benefit_to: Option<Date>,
    pub remote: Option<&'a RemoteRegistration>,
    /// The person's number among the members (dense, from 0, in the
    /// order members.csv lists them).
    pub index: u32,
}

/// A members.csv row as read, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub person_id: String,
    pub city: String,
    pub category: Category,
    pub account_type: AccountType,
    pub account_balance: Decimal,
    pub benefit_from: Date,
    pub benefit_to: Option<Date>,
    pub remote: Option<RemoteRegistration>,
}

/// Why a row could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The person is there already.
    Twice,
    /// A value too large for the compact record (never from a checked
    /// members.csv: balances are money, dates years 1900-2999).
    TooLarge,
}

/// One member's fixed part.
#[derive(Debug, Clone, Copy)]
struct Record {
    /// The balance's mantissa; `balance_scale` holds its scale and sign.
    balance: i64,
    benefit_from: u32,
    /// 0: open.
    benefit_to: u32,
    city: u16,
    /// The scale, plus 0x80 for a negative sign (a `-0` is kept as read).
    balance_scale: u8,
    category: Category,
    account_type: AccountType,
    has_remote: bool,
}

// The size the module's header promises.
const _: () = assert!(std::mem::size_of::<Record>() == 24);

/// Every member, by person id and by number.
#[derive(Debug, Default, Clone)]
pub struct Members {
    ids: Ids,
    records: Vec<Record>,
    cities: Vec<Box<str>>,
    /// The registrations, by member number.
    remote: Vec<(u32, RemoteRegistration)>,
}

impl Members {
    /// Room for about `n` members.
    pub fn with_capacity(n: usize) -> Members {
        Members {
            ids: Ids::with_capacity(n, n * 10),
            records: Vec::with_capacity(n),
            ..Members::default()
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Add a member; its number is returned.
    pub fn insert(&mut self, row: MemberRow) -> Result<u32, Refused> {
        let record = self.record(&row)?;
        let (n, new) = self.ids.insert(&row.person_id).ok_or(Refused::TooLarge)?;
        if !new {
            return Err(Refused::Twice);
        }
        self.records.push(record);
        if let Some(r) = row.remote {
            self.remote.push((n, r));
        }
        Ok(n)
    }

    /// Add a member, or replace the one with its person id (for building
    /// reference data by hand).
    pub fn set(&mut self, row: MemberRow) -> Result<u32, Refused> {
        let Some(n) = self.ids.find(&row.person_id) else {
            return self.insert(row);
        };
        self.records[n as usize] = self.record(&row)?;
        let at = self.remote.binary_search_by_key(&n, |(i, _)| *i);
        match (at, row.remote) {
            (Ok(i), Some(r)) => self.remote[i].1 = r,
            (Ok(i), None) => {
                self.remote.remove(i);
            }
            (Err(i), Some(r)) => self.remote.insert(i, (n, r)),
            (Err(_), None) => {}
        }
        Ok(n)
    }

    fn record(&mut self, row: &MemberRow) -> Result<Record, Refused> {
        let (balance, balance_scale) = pack_amount(row.account_balance).ok_or(Refused::TooLarge)?;
        let city = match self.cities.iter().position(|c| **c == *row.city) {
            Some(c) => c,
            None => {
                self.cities.push(row.city.as_str().into());
                self.cities.len() - 1
            }
        };
        Ok(Record {
            balance,
            balance_scale,
            benefit_from: pack(row.benefit_from).ok_or(Refused::TooLarge)?,
            benefit_to: match row.benefit_to {
                Some(d) => pack(d).ok_or(Refused::TooLarge)?,
                None => 0,
            },
            city: u16::try_from(city).map_err(|_| Refused::TooLarge)?,
            category: row.category,
            account_type: row.account_type,
            has_remote: row.remote.is_some(),
        })
    }

    /// The member with this person id.
    pub fn get(&self, person_id: &str) -> Option<Member<'_>> {
        self.ids.find(person_id).map(|n| self.at(n))
    }

    /// The number of the member with this person id.
    pub fn index_of(&self, person_id: &str) -> Option<u32> {
        self.ids.find(person_id)
    }

    pub fn contains(&self, person_id: &str) -> bool {
        self.ids.find(person_id).is_some()
    }

    /// The person id of the member numbered `n` (`n` < [`Self::len`]).
    pub fn person_id(&self, n: u32) -> &str {
        self.ids.id(n)
    }

    /// The member numbered `n` (`n` < [`Self::len`]).
    pub fn at(&self, n: u32) -> Member<'_> {
        let r = &self.records[n as usize];
        Member {
            person_id: self.ids.id(n),
            city: &self.cities[r.city as usize],
            category: r.category,
            account_type: r.account_type,
            account_balance: unpack_amount(r.balance, r.balance_scale),
            benefit_from: unpack(r.benefit_from),
            benefit_to: (r.benefit_to != 0).then(|| unpack(r.benefit_to)),
            remote: if r.has_remote {
                self.remote
                    .binary_search_by_key(&n, |(i, _)| *i)
                    .ok()
                    .map(|i| &self.remote[i].1)
            } else {
                None
            },
            index: n,
        }
    }

    /// Every member, by number.
    pub fn iter(&self) -> impl Iterator<Item = Member<'_>> {
        (0..self.records.len() as u32).map(|n| self.at(n))
    }

    /// Whether any member has a personal account, without building views.
    pub fn any_with_account(&self) -> bool {
        self.records
            .iter()
            .any(|r| r.account_type == AccountType::WithAccount)
    }

    /// Give back what reading left unused.
    pub fn shrink_to_fit(&mut self) {
        self.ids.shrink_to_fit();
        self.records.shrink_to_fit();
        self.remote.shrink_to_fit();
    }
}

/// A date in 32 bits (year, month, day in 23, 4 and 5); never 0.
fn pack(d: Date) -> Option<u32> {
    let year = u32::try_from(d.year).ok().filter(|y| *y < 1 << 23)?;
    Some(year << 9 | u32::from(d.month) << 5 | u32::from(d.day))
}

fn unpack(p: u32) -> Date {
    Date {
        year: (p >> 9) as i32,
        month: (p >> 5 & 0xf) as u8,
        day: (p & 0x1f) as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::RemoteType;
    use std::str::FromStr;

    fn row(id: &str, city: &str, balance: &str) -> MemberRow {
        MemberRow {
            person_id: id.into(),
            city: city.into(),
            category: Category::Retired,
            account_type: AccountType::WithAccount,
            account_balance: Decimal::from_str(balance).unwrap(),
            benefit_from: Date::new(2010, 1, 31).unwrap(),
            benefit_to: None,
            remote: None,
        }
    }

    #[test]
    fn a_member_reads_back_as_it_was_written() {
        let mut m = Members::default();
        let mut p2 = row("P2", "wuhan", "-0.00");
        p2.benefit_to = Date::new(2999, 12, 31);
        p2.remote = Some(RemoteRegistration {
            remote_type: RemoteType::Temporary,
            city: "beijing".into(),
            from: Date::new(2024, 2, 29),
            to: None,
        });
        for (r, n) in [
            (row("P1", "shiyan", "1290.7"), 0),
            (p2.clone(), 1),
            (row("P3", "shiyan", "12"), 2),
        ] {
            assert_eq!(m.insert(r), Ok(n));
        }
        assert_eq!(m.insert(row("P1", "ezhou", "1")), Err(Refused::Twice));
        let got = m.get("P2").unwrap();
        assert_eq!(
            (
                got.person_id,
                got.city,
                got.benefit_to,
                got.remote,
                got.index
            ),
            ("P2", "wuhan", p2.benefit_to, p2.remote.as_ref(), 1)
        );
        // Exactly as read, a negative zero too.
        let b = got.account_balance;
        let a = p2.account_balance;
        assert_eq!(
            (b.to_string(), b.is_sign_negative()),
            (a.to_string(), a.is_sign_negative())
        );
        let p1 = m.get("P1").unwrap();
        assert_eq!(p1.account_balance.to_string(), "1290.7");
        assert_eq!(p1.benefit_from, Date::new(2010, 1, 31).unwrap());
        assert_eq!((p1.city, p1.remote), ("shiyan", None));
        assert_eq!(m.get("P3").unwrap().account_balance.to_string(), "12");
        assert!(m.get("P4").is_none());
        // Replacing drops P2's registration and keeps its number.
        assert_eq!(m.set(row("P2", "ezhou", "5")), Ok(1));
        assert_eq!(m.at(1).remote, None);
        assert_eq!(m.at(1).city, "ezhou");
        assert_eq!(
            m.iter().map(|x| x.person_id).collect::<Vec<_>>(),
            ["P1", "P2", "P3"]
        );
    }
}
