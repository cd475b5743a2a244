//! Settlements found by `setl_id` without a second copy of every id: a
//! map from the id's hash to the settlement, the id itself read from the
//! settlement table to confirm it. Two ids with one hash (rare) keep the
//! later one by its text.

use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;

#[derive(Default)]
pub(super) struct Index {
    by_hash: FxHashMap<u64, u32>,
    /// Ids whose hash another id took first.
    collided: FxHashMap<Box<str>, u32>,
}

fn hash(id: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(id.as_bytes());
    h.finish()
}

impl Index {
    /// Add `id` as settlement `at`, unless it is there: then its
    /// settlement. `id_of` reads a settlement's id.
    pub fn insert<'t>(&mut self, id: &str, at: u32, id_of: impl Fn(u32) -> &'t str) -> Option<u32> {
        match self.by_hash.entry(hash(id)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(at);
                None
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                if id_of(*o.get()) == id {
                    return Some(*o.get());
                }
                match self.collided.get(id) {
                    Some(&i) => Some(i),
                    None => {
                        self.collided.insert(id.into(), at);
                        None
                    }
                }
            }
        }
    }

    /// The settlement of `id`.
    pub fn find<'t>(&self, id: &str, id_of: impl Fn(u32) -> &'t str) -> Option<u32> {
        let &i = self.by_hash.get(&hash(id))?;
        if id_of(i) == id {
            return Some(i);
        }
        self.collided.get(id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::Index;

    #[test]
    fn finds_what_was_inserted_and_refuses_twice() {
        let ids = ["S1", "S2", "S3"];
        let mut ix = Index::default();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(ix.insert(id, i as u32, |k| ids[k as usize]), None);
        }
        assert_eq!(ix.insert("S2", 9, |k| ids[k as usize]), Some(1));
        assert_eq!(ix.find("S3", |k| ids[k as usize]), Some(2));
        assert_eq!(ix.find("S4", |k| ids[k as usize]), None);
    }
}
