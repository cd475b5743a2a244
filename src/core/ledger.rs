//! The year-to-date ledger (ledger.csv) held compactly: each person's id
//! once in an arena ([`Ids`]), and their rows, one per year and in year
//! order, side by side in one table without a person id of their own, in
//! 24 bytes each (the amounts as 64-bit mantissas with their scale and
//! sign: exact; a row that does not fit is kept whole beside them).
//! Adjudication replaces a person's rows after their unit: in place when
//! they fit, else appended (a person gains at most a year a month).

use crate::core::date::Period;
use crate::core::ids::Ids;
use crate::core::model::{LedgerEntry, LedgerYear};
use crate::core::money::{pack_amount, unpack_amount};

/// One year as held.
#[derive(Debug, Clone, Copy)]
struct Held {
    deductible_met: i64,
    pool_paid: i64,
    claims: u32,
    year: u16,
    /// Each amount's scale, plus 0x80 for a negative sign; `WIDE` in the
    /// first: the row is `wide[deductible_met]`.
    scales: [u8; 2],
}

const WIDE: u8 = 0xff;

// The size the module's header promises.
const _: () = assert!(std::mem::size_of::<Held>() == 24);

/// A year-to-date ledger and the period it closes (the latest `period` of
/// its rows; `None` for a ledger written without one).
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    persons: Ids,
    /// Each person's rows: `rows[start..start + len]`, by year.
    spans: Vec<(u32, u32)>,
    rows: Vec<Held>,
    /// The rows too large to pack (none from a checked ledger.csv).
    wide: Vec<LedgerYear>,
    pub period: Option<Period>,
}

/// Why a row could not be added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The person has a row for that year already.
    YearTwice,
    /// Past 4 GiB of ids or 4 billion rows.
    TooLarge,
}

impl Ledger {
    /// A person's rows, by year (none for a person the ledger has not met).
    pub fn rows_of(&self, person_id: &str) -> Vec<LedgerYear> {
        match self.persons.find(person_id) {
            Some(p) => self.rows_at(p).collect(),
            None => Vec::new(),
        }
    }

    fn span(&self, p: u32) -> &[Held] {
        let (start, len) = self.spans[p as usize];
        &self.rows[start as usize..(start + len) as usize]
    }

    fn hold(&mut self, r: LedgerYear) -> Held {
        let packed = (
            pack_amount(r.deductible_met),
            pack_amount(r.pool_paid),
            u32::try_from(r.claims),
            u16::try_from(r.year),
        );
        match packed {
            (Some((d, ds)), Some((p, ps)), Ok(claims), Ok(year)) => Held {
                deductible_met: d,
                pool_paid: p,
                claims,
                year,
                scales: [ds, ps],
            },
            _ => {
                self.wide.push(r);
                Held {
                    deductible_met: self.wide.len() as i64 - 1,
                    pool_paid: 0,
                    claims: 0,
                    year: 0,
                    scales: [WIDE, 0],
                }
            }
        }
    }

    fn year(&self, h: &Held) -> i32 {
        match h.scales[0] {
            WIDE => self.wide[h.deductible_met as usize].year,
            _ => i32::from(h.year),
        }
    }

    fn year_of(&self, h: &Held) -> LedgerYear {
        if h.scales[0] == WIDE {
            return self.wide[h.deductible_met as usize];
        }
        LedgerYear {
            year: i32::from(h.year),
            deductible_met: unpack_amount(h.deductible_met, h.scales[0]),
            pool_paid: unpack_amount(h.pool_paid, h.scales[1]),
            claims: u64::from(h.claims),
        }
    }

    /// Add one row as read.
    pub fn add(&mut self, person_id: &str, row: LedgerYear) -> Result<(), Refused> {
        let (p, new) = self.persons.insert(person_id).ok_or(Refused::TooLarge)?;
        let end = u32::try_from(self.rows.len()).map_err(|_| Refused::TooLarge)?;
        let year = row.year;
        let row = self.hold(row);
        if new {
            self.spans.push((end, 1));
            self.rows.push(row);
            return Ok(());
        }
        let (start, len) = self.spans[p as usize];
        // The years before this one (the span is in year order).
        let mut at = 0;
        for h in self.span(p) {
            match self.year(h) {
                y if y == year => return Err(Refused::YearTwice),
                y if y < year => at += 1,
                _ => break,
            }
        }
        // A file sorted by person adds to the last span; another person's
        // rows in between move this person's to the end.
        let start = if start + len == end {
            start
        } else {
            self.rows
                .extend_from_within(start as usize..(start + len) as usize);
            end
        };
        self.rows.insert((start as usize) + at, row);
        self.spans[p as usize] = (start, len + 1);
        Ok(())
    }

    /// Take a unit's rows after its claims (ordered by person, then year):
    /// each person's replace what the ledger held for them.
    pub fn replace(&mut self, rows: Vec<LedgerEntry>) {
        let mut rows = rows.into_iter().peekable();
        while let Some(first) = rows.next() {
            let Some((p, new)) = self.persons.insert(&first.person_id) else {
                continue;
            };
            if new {
                self.spans.push((self.rows.len() as u32, 0));
            }
            let (start, len) = self.spans[p as usize];
            let mut mine = vec![self.hold(first.year_row())];
            while let Some(next) = rows.next_if(|r| r.person_id == first.person_id) {
                mine.push(self.hold(next.year_row()));
            }
            let n = mine.len() as u32;
            let start = if n <= len {
                start
            } else if (start + len) as usize == self.rows.len() {
                self.rows.truncate(start as usize);
                start
            } else {
                self.rows.len() as u32
            };
            let s = start as usize;
            let overlap = (self.rows.len() - s).min(mine.len());
            self.rows[s..s + overlap].copy_from_slice(&mine[..overlap]);
            self.rows.extend_from_slice(&mine[overlap..]);
            self.spans[p as usize] = (start, n);
        }
    }

    /// Every person's number, for [`Self::person`] and [`Self::rows_at`].
    pub fn persons(&self) -> std::ops::Range<u32> {
        0..self.spans.len() as u32
    }

    /// The person numbered `p`.
    pub fn person(&self, p: u32) -> &str {
        self.persons.id(p)
    }

    /// The rows of the person numbered `p`, by year.
    pub fn rows_at(&self, p: u32) -> impl Iterator<Item = LedgerYear> + '_ {
        self.span(p).iter().map(|h| self.year_of(h))
    }

    /// Every row with its person, person by person (in no set order).
    pub fn iter(&self) -> impl Iterator<Item = (&str, LedgerYear)> {
        self.persons()
            .flat_map(move |p| self.rows_at(p).map(move |r| (self.person(p), r)))
    }

    /// Give back what reading left unused.
    pub fn shrink_to_fit(&mut self) {
        self.persons.shrink_to_fit();
        self.spans.shrink_to_fit();
        self.rows.shrink_to_fit();
        self.wide.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn y(year: i32, claims: u64) -> LedgerYear {
        LedgerYear {
            year,
            deductible_met: Decimal::ZERO,
            pool_paid: Decimal::new(claims as i64, 2),
            claims,
        }
    }

    fn e(p: &str, year: i32, claims: u64) -> LedgerEntry {
        let r = y(year, claims);
        LedgerEntry {
            person_id: p.into(),
            year,
            deductible_met: r.deductible_met,
            pool_paid: r.pool_paid,
            claims,
        }
    }

    fn big_entry(r: &LedgerYear) -> LedgerEntry {
        LedgerEntry {
            person_id: Default::default(),
            year: r.year,
            deductible_met: r.deductible_met,
            pool_paid: r.pool_paid,
            claims: r.claims,
        }
    }

    fn years(l: &Ledger, p: &str) -> Vec<(i32, u64)> {
        l.rows_of(p).iter().map(|r| (r.year, r.claims)).collect()
    }

    #[test]
    fn rows_stay_by_person_and_year_however_they_come() {
        let mut l = Ledger::default();
        l.add("P1", y(2024, 1)).unwrap();
        l.add("P2", y(2023, 2)).unwrap();
        l.add("P1", y(2023, 3)).unwrap();
        l.add("P2", y(2024, 4)).unwrap();
        assert_eq!(l.add("P1", y(2024, 9)), Err(Refused::YearTwice));
        assert_eq!(years(&l, "P1"), [(2023, 3), (2024, 1)]);
        assert_eq!(years(&l, "P2"), [(2023, 2), (2024, 4)]);
        assert!(l.rows_of("P3").is_empty());

        // Fewer rows, in place; more rows, moved; a new person, appended.
        l.replace(vec![e("P1", 2024, 5), e("P2", 2023, 2), e("P2", 2024, 6)]);
        l.replace(vec![e("P1", 2023, 3), e("P1", 2024, 7), e("P1", 2025, 8)]);
        l.replace(vec![e("P3", 2024, 1)]);
        assert_eq!(years(&l, "P1"), [(2023, 3), (2024, 7), (2025, 8)]);
        assert_eq!(years(&l, "P2"), [(2023, 2), (2024, 6)]);
        assert_eq!(years(&l, "P3"), [(2024, 1)]);
        // The last span grows where it is.
        l.replace(vec![e("P3", 2024, 2), e("P3", 2025, 3)]);
        assert_eq!(years(&l, "P3"), [(2024, 2), (2025, 3)]);
        // A row too large to pack reads back whole, and so does a scale.
        let mut big = y(2025, u64::MAX);
        big.pool_paid = Decimal::MAX;
        big.deductible_met = Decimal::new(-5, 3);
        l.replace(vec![
            e("P2", 2023, 2),
            LedgerEntry {
                person_id: "P2".into(),
                ..big_entry(&big)
            },
        ]);
        assert_eq!(l.rows_of("P2")[1], big);
        assert_eq!(l.rows_of("P2")[0], y(2023, 2));
        let mut all: Vec<(&str, i32)> = l.iter().map(|(p, r)| (p, r.year)).collect();
        all.sort();
        assert_eq!(all.len(), 7);
        assert_eq!(all[0], ("P1", 2023));
    }
}
