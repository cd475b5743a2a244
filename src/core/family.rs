//! Family sharing bindings (家庭共济, POLICY.md §6a; CONTRACT.md family.csv)
//! and the account groups they make.
//!
//! A binding lets the grantor's personal account pay for the beneficiary's
//! claims. A grantor's balance falls with its own claims and with what its
//! beneficiaries draw, so every person linked by bindings, directly or
//! through others, settles in one unit: the account group, found here as
//! the connected components of the bindings (a union-find). Its key is the
//! group's smallest person id, which both the in-memory run and the
//! partitioner use, so a group is never split.
//!
//! Groups are built from every binding read, whatever its dates: a
//! superset of the usable ones, which only puts persons who never share
//! into one unit (their claims settle exactly as they would apart) and keeps
//! the key independent of the claims' dates.

use crate::core::date::Date;
use crate::core::ids::Ids;

/// The beneficiary's relation to the grantor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Relation {
    Spouse,
    Parent,
    Child,
}

impl Relation {
    /// The contract id (case-insensitive) or its Chinese name.
    pub fn parse(s: &str) -> Option<Relation> {
        let t = s.trim();
        [
            (Relation::Spouse, "spouse", "配偶"),
            (Relation::Parent, "parent", "父母"),
            (Relation::Child, "child", "子女"),
        ]
        .into_iter()
        .find(|(_, id, zh)| t.eq_ignore_ascii_case(id) || t == *zh)
        .map(|(r, _, _)| r)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Spouse => "spouse",
            Relation::Parent => "parent",
            Relation::Child => "child",
        }
    }

    pub fn expected() -> &'static str {
        "spouse parent child"
    }
}

/// One row of family.csv.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub grantor_id: String,
    pub beneficiary_id: String,
    pub relation: Relation,
    pub valid_from: Date,
    /// Last valid day; `None` = open.
    pub valid_to: Option<Date>,
}

impl Binding {
    /// Whether the binding is valid on `d`.
    pub fn valid_on(&self, d: Date) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|to| d <= to)
    }

    /// Whether two bindings' date ranges share a day.
    pub fn overlaps(&self, other: &Binding) -> bool {
        let ends_before = |a: &Binding, b: &Binding| a.valid_to.is_some_and(|to| to < b.valid_from);
        !ends_before(self, other) && !ends_before(other, self)
    }
}

/// A binding as the policy reads it from [`Family::grantors_of`]: the
/// grantor's id borrowed from the family's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant<'a> {
    pub grantor_id: &'a str,
    pub relation: Relation,
    pub valid_from: Date,
    /// Last valid day; `None` = open.
    pub valid_to: Option<Date>,
}

impl Grant<'_> {
    /// Whether the binding is valid on `d`.
    pub fn valid_on(&self, d: Date) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|to| d <= to)
    }
}

/// A binding as held: the grantor by number.
#[derive(Debug, Clone, Copy)]
struct Held {
    grantor: u32,
    relation: Relation,
    valid_from: Date,
    valid_to: Option<Date>,
}

/// Every binding, by beneficiary, and the account group of every bound
/// person. Each bound person's id is held once ([`Ids`]); a binding is a
/// fixed record naming its grantor by number.
#[derive(Debug, Default, Clone)]
pub struct Family {
    persons: Ids,
    /// Each beneficiary's bindings, by grantor_id then valid_from:
    /// `held[start..start + len]` (empty for a person who only grants).
    spans: Vec<(u32, u32)>,
    held: Vec<Held>,
    /// The group key of every bound person: the number of the group's
    /// smallest person id.
    root: Vec<u32>,
}

impl Family {
    /// Index `bindings` and find the account groups.
    pub fn new(bindings: Vec<Binding>) -> Family {
        let mut persons = Ids::default();
        let mut number = |id: &str| persons.insert(id).map(|(n, _)| n);
        // (beneficiary, grantor, binding) by number.
        let mut numbered: Vec<(u32, Held)> = Vec::with_capacity(bindings.len());
        for b in &bindings {
            let (Some(g), Some(f)) = (number(&b.grantor_id), number(&b.beneficiary_id)) else {
                // Past 4 GiB of ids: no family.csv is that large.
                continue;
            };
            let held = Held {
                grantor: g,
                relation: b.relation,
                valid_from: b.valid_from,
                valid_to: b.valid_to,
            };
            numbered.push((f, held));
        }
        drop(bindings);
        // Union-find over person numbers; the root is kept the smallest id
        // so that it is the group key.
        let mut root: Vec<u32> = (0..persons.len() as u32).collect();
        fn find(parent: &mut [u32], mut i: u32) -> u32 {
            while parent[i as usize] != i {
                parent[i as usize] = parent[parent[i as usize] as usize];
                i = parent[i as usize];
            }
            i
        }
        for (f, h) in &numbered {
            let (rg, rf) = (find(&mut root, h.grantor), find(&mut root, *f));
            if rg != rf {
                let (small, large) = if persons.id(rg) <= persons.id(rf) {
                    (rg, rf)
                } else {
                    (rf, rg)
                };
                root[large as usize] = small;
            }
        }
        for i in 0..root.len() as u32 {
            root[i as usize] = find(&mut root, i);
        }
        numbered.sort_by(|(fa, a), (fb, b)| {
            (fa, persons.id(a.grantor), a.valid_from).cmp(&(
                fb,
                persons.id(b.grantor),
                b.valid_from,
            ))
        });
        let mut spans = vec![(0u32, 0u32); persons.len()];
        for (i, (f, _)) in numbered.iter().enumerate() {
            let s = &mut spans[*f as usize];
            if s.1 == 0 {
                s.0 = i as u32;
            }
            s.1 += 1;
        }
        persons.shrink_to_fit();
        Family {
            persons,
            spans,
            held: numbered.into_iter().map(|(_, h)| h).collect(),
            root,
        }
    }

    /// No binding at all.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// The key of the account group `person_id` settles in: the group's
    /// smallest person id, or the person's own for one bound to nobody.
    pub fn group_key<'a>(&'a self, person_id: &'a str) -> &'a str {
        match self.persons.find(person_id) {
            Some(p) => self.persons.id(self.root[p as usize]),
            None => person_id,
        }
    }

    /// The bindings in which `person_id` is the beneficiary, by grantor_id.
    pub fn grantors_of(&self, person_id: &str) -> impl Iterator<Item = Grant<'_>> {
        let (start, len) = self
            .persons
            .find(person_id)
            .map_or((0, 0), |p| self.spans[p as usize]);
        self.held[start as usize..(start + len) as usize]
            .iter()
            .map(|h| Grant {
                grantor_id: self.persons.id(h.grantor),
                relation: h.relation,
                valid_from: h.valid_from,
                valid_to: h.valid_to,
            })
    }

    /// Whether anyone's account may pay for `person_id`.
    pub fn has_grantors(&self, person_id: &str) -> bool {
        self.persons
            .find(person_id)
            .is_some_and(|p| self.spans[p as usize].1 > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(g: &str, f: &str) -> Binding {
        Binding {
            grantor_id: g.into(),
            beneficiary_id: f.into(),
            relation: Relation::Child,
            valid_from: Date::new(2024, 1, 1).unwrap(),
            valid_to: None,
        }
    }

    #[test]
    fn groups_are_connected_components_keyed_by_smallest_id() {
        let f = Family::new(vec![b("P3", "P5"), b("P5", "P9"), b("P8", "P7")]);
        assert_eq!(f.group_key("P9"), "P3");
        assert_eq!(f.group_key("P5"), "P3");
        assert_eq!(f.group_key("P8"), "P7");
        assert_eq!(f.group_key("P1"), "P1");
    }

    #[test]
    fn grantors_are_listed_by_grantor_id_then_date() {
        let mut later = b("P2", "P5");
        later.valid_from = Date::new(2024, 6, 1).unwrap();
        let f = Family::new(vec![later, b("P3", "P5"), b("P2", "P5"), b("P5", "P9")]);
        let of = |p: &str| {
            f.grantors_of(p)
                .map(|g| (g.grantor_id, g.valid_from.month))
                .collect::<Vec<_>>()
        };
        assert_eq!(of("P5"), [("P2", 1), ("P2", 6), ("P3", 1)]);
        assert_eq!(of("P9"), [("P5", 1)]);
        assert!(of("P2").is_empty() && !f.has_grantors("P2") && f.has_grantors("P9"));
        assert!(of("P7").is_empty());
    }
}
