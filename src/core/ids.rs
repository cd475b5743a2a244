//! Person ids held once: every id's text in one byte arena, each given a
//! dense `u32` number in the order it was first seen, and found again
//! through a hash table of those numbers (the id read back from the arena
//! to confirm a match). A month's reference data names a person hundreds
//! of thousands of times; a `String` per id (24 bytes plus its own heap
//! block) per map key and per record was most of what it held.

use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Ids by number and numbers by id.
#[derive(Debug, Default, Clone)]
pub struct Ids {
    /// Every id's text, one after the other.
    arena: String,
    /// Where each id ends in `arena` (it starts where the one before ends).
    ends: Vec<u32>,
    /// The numbers, found by the id's hash.
    table: HashTable<u32>,
}

fn hash(id: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(id)
}

impl Ids {
    /// Room for `n` ids of about `bytes` bytes in all.
    pub fn with_capacity(n: usize, bytes: usize) -> Ids {
        Ids {
            arena: String::with_capacity(bytes),
            ends: Vec::with_capacity(n),
            table: HashTable::with_capacity(n),
        }
    }

    /// The number of ids held.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The id numbered `n` (`n` < [`Self::len`]).
    pub fn id(&self, n: u32) -> &str {
        text(&self.arena, &self.ends, n)
    }

    /// The number of `id`, if it is held.
    pub fn find(&self, id: &str) -> Option<u32> {
        let (arena, ends) = (&self.arena, &self.ends);
        self.table
            .find(hash(id), |&n| text(arena, ends, n) == id)
            .copied()
    }

    /// The number of `id`, and whether it is new (numbered next). `None`
    /// only when the arena would pass 4 GiB of ids.
    pub fn insert(&mut self, id: &str) -> Option<(u32, bool)> {
        let (arena, ends) = (&mut self.arena, &mut self.ends);
        let next = u32::try_from(ends.len()).ok()?;
        let end = u32::try_from(arena.len() + id.len()).ok()?;
        let entry = self.table.entry(
            hash(id),
            |&n| text(arena, ends, n) == id,
            |&n| hash(text(arena, ends, n)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(o) => Some((*o.get(), false)),
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(next);
                arena.push_str(id);
                ends.push(end);
                Some((next, true))
            }
        }
    }

    /// Give back what growing left unused, once all ids are in.
    pub fn shrink_to_fit(&mut self) {
        let (arena, ends) = (&self.arena, &self.ends);
        self.table.shrink_to_fit(|&n| hash(text(arena, ends, n)));
        self.arena.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// [`Ids::id`] on the parts, for the hash table's closures.
fn text<'a>(arena: &'a str, ends: &[u32], n: u32) -> &'a str {
    let n = n as usize;
    let start = if n == 0 { 0 } else { ends[n - 1] as usize };
    &arena[start..ends[n] as usize]
}

#[cfg(test)]
mod tests {
    use super::Ids;

    #[test]
    fn numbers_ids_in_order_and_finds_them_again() {
        let mut ids = Ids::default();
        assert_eq!(ids.insert("P2"), Some((0, true)));
        assert_eq!(ids.insert("P10"), Some((1, true)));
        assert_eq!(ids.insert(""), Some((2, true)));
        assert_eq!(ids.insert("P2"), Some((0, false)));
        assert_eq!(ids.find("P10"), Some(1));
        assert_eq!(ids.find(""), Some(2));
        assert_eq!(ids.find("P1"), None);
        assert_eq!((ids.id(0), ids.id(1), ids.id(2)), ("P2", "P10", ""));
        // Many ids: the table grows and rehashes from the arena.
        for i in 0..10_000 {
            ids.insert(&format!("X{i}"));
        }
        ids.shrink_to_fit();
        assert_eq!(ids.len(), 10_003);
        assert_eq!(ids.find("X9999").map(|n| ids.id(n)), Some("X9999"));
        assert_eq!(ids.find("P2"), Some(0));
    }
}
