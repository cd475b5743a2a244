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
use crate::core::reference::IdMap;

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

/// Every binding, by beneficiary, and the account group of every bound
/// person.
#[derive(Debug, Default)]
pub struct Family {
    /// Each beneficiary's bindings, by grantor_id then valid_from.
    by_beneficiary: IdMap<Vec<Binding>>,
    /// The group key (smallest person id of the group) of every person
    /// named in a binding.
    group_of: IdMap<String>,
}

impl Family {
    /// Index `bindings` and find the account groups.
    pub fn new(bindings: Vec<Binding>) -> Family {
        // Union-find over person indices; the root is kept the smallest id
        // so that it is the group key.
        let mut ids: IdMap<usize> = IdMap::default();
        let mut names: Vec<String> = Vec::new();
        let mut parent: Vec<usize> = Vec::new();
        let mut index = |id: &str, names: &mut Vec<String>, parent: &mut Vec<usize>| -> usize {
            if let Some(&i) = ids.get(id) {
                return i;
            }
            let i = names.len();
            ids.insert(id.to_string(), i);
            names.push(id.to_string());
            parent.push(i);
            i
        };
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        let mut by_beneficiary: IdMap<Vec<Binding>> = IdMap::default();
        for b in bindings {
            let g = index(&b.grantor_id, &mut names, &mut parent);
            let f = index(&b.beneficiary_id, &mut names, &mut parent);
            let (rg, rf) = (find(&mut parent, g), find(&mut parent, f));
            if rg != rf {
                let (small, large) = if names[rg] <= names[rf] {
                    (rg, rf)
                } else {
                    (rf, rg)
                };
                parent[large] = small;
            }
            by_beneficiary
                .entry(b.beneficiary_id.clone())
                .or_default()
                .push(b);
        }
        for v in by_beneficiary.values_mut() {
            v.sort_by(|a, b| (&a.grantor_id, a.valid_from).cmp(&(&b.grantor_id, b.valid_from)));
        }
        let mut group_of = IdMap::default();
        for i in 0..names.len() {
            let root = find(&mut parent, i);
            group_of.insert(names[i].clone(), names[root].clone());
        }
        Family {
            by_beneficiary,
            group_of,
        }
    }

    /// No binding at all.
    pub fn is_empty(&self) -> bool {
        self.by_beneficiary.is_empty()
    }

    /// The key of the account group `person_id` settles in: the group's
    /// smallest person id, or the person's own for one bound to nobody.
    pub fn group_key<'a>(&'a self, person_id: &'a str) -> &'a str {
        self.group_of
            .get(person_id)
            .map(String::as_str)
            .unwrap_or(person_id)
    }

    /// The bindings in which `person_id` is the beneficiary, by grantor_id.
    pub fn grantors_of(&self, person_id: &str) -> &[Binding] {
        self.by_beneficiary
            .get(person_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Every binding, by beneficiary then grantor (for counts and checks).
    pub fn bindings(&self) -> impl Iterator<Item = &Binding> {
        self.by_beneficiary.values().flatten()
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
}
