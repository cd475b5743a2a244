//! The settlement unit (POLICY.md §1): the claims adjudicated together, one
//! at a time in (`service_time`, `claim_id`) order, because each claim
//! changes the totals and the balance the next one sees. Different units
//! share nothing: the partitioner keeps each unit's lines in one partition
//! (by [`key_of`]) and the run adjudicates units in parallel.
//!
//! Without bindings a unit is one person: the deductible, the pool cap and
//! the personal account are each person's own. With family sharing
//! (POLICY.md §6a) a unit is the account group whose accounts pay for each
//! other, keyed by [`Family::group_key`] ([`form_groups`]).

use crate::core::family::Family;
use crate::core::model::Claim;
use rustc_hash::FxHashMap;

/// The key of the unit a person's claims settle in: the smallest person id
/// of the unit, which for a one-person unit is the person's own.
pub fn key_of(person_id: &str) -> &str {
    person_id
}

/// [`form_units`] with family sharing (POLICY.md §6a): a unit is the
/// account group, keyed by its smallest person id ([`Family::group_key`]).
pub fn form_groups<'c>(claims: &'c [Claim], family: &'c Family) -> Vec<Unit<'c>> {
    if family.is_empty() {
        return form_units(claims);
    }
    group_by(claims, |person| family.group_key(person))
}

/// The claims settled together, in §1 order.
#[derive(Debug, Clone)]
pub struct Unit<'c> {
    key: &'c str,
    claims: Vec<&'c Claim>,
}

impl<'c> Unit<'c> {
    /// The unit `key` holding `claims` (any order in; put in §1 order).
    pub fn new(key: &'c str, mut claims: Vec<&'c Claim>) -> Unit<'c> {
        // Ids compared as their text (`as_str`): `Id`'s own `Ord` is a call
        // the compiler does not inline.
        claims.sort_by(|a, b| {
            (a.service_time, a.claim_id.as_str()).cmp(&(b.service_time, b.claim_id.as_str()))
        });
        Unit { key, claims }
    }

    /// The smallest person id of the unit (see [`key_of`]).
    pub fn key(&self) -> &'c str {
        self.key
    }

    /// The claims in (`service_time`, `claim_id`) order.
    pub fn claims(&self) -> &[&'c Claim] {
        &self.claims
    }
}

/// Group claims into their units, by key. Deterministic whatever the
/// order of `claims`: the units come sorted by key, each in §1 order.
pub fn form_units(claims: &[Claim]) -> Vec<Unit<'_>> {
    group_by(claims, key_of)
}

/// Claims grouped by their unit's key, the units sorted by key.
fn group_by<'c>(claims: &'c [Claim], key: impl Fn(&'c str) -> &'c str) -> Vec<Unit<'c>> {
    let mut by_key: FxHashMap<&str, Vec<&Claim>> = FxHashMap::default();
    for c in claims {
        by_key.entry(key(&c.person_id)).or_default().push(c);
    }
    let mut units: Vec<Unit<'_>> = by_key
        .into_iter()
        .map(|(key, claims)| Unit::new(key, claims))
        .collect();
    units.sort_unstable_by_key(|u| u.key);
    units
}
