//! An id as a claim line holds it while it waits to be grouped: the
//! core's [`Id`](crate::core::model::Id), a `compact_str::CompactString`,
//! which keeps up to 24 bytes in the line itself (the size of a `String`)
//! and a longer id on the heap.
//!
//! A line carries four to six ids (claim, person, institution, item, and
//! the prescription's). Every id of a usual export fits inline, so parsing
//! a line or reading it back from a spill file allocates nothing for them,
//! and grouping hashes and sorts them without following a pointer. The
//! claims handed to the core hold the same type, so grouping copies an id
//! in place rather than allocating a `String` for it. A well-kept crate
//! rather than a type of our own: the inline layout needs `unsafe` to read
//! back as text without checking it again, which the project does not
//! hold itself.

pub(crate) use crate::core::model::Id;

/// The first 16 bytes of an id as a number that sorts as the id does (an
/// id holds no NUL, which would tie with the padding: see
/// `csvsrc::id_key`); ids that tie on it are compared whole.
pub(crate) fn prefix_key(id: &str) -> u128 {
    let mut k = [0u8; 16];
    let b = id.as_bytes();
    let n = b.len().min(16);
    k[..n].copy_from_slice(&b[..n]);
    u128::from_be_bytes(k)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn an_id_is_24_bytes_and_so_is_an_optional_one() {
        assert_eq!(std::mem::size_of::<Id>(), 24);
        assert_eq!(std::mem::size_of::<Option<Id>>(), 24);
    }

    #[test]
    fn short_and_long_ids_come_back_as_made() {
        for s in [
            "",
            "C1",
            "黄石-01",
            "C202403000000007",
            &"x".repeat(24),
            &"y".repeat(40),
        ] {
            let id = Id::new(s);
            assert_eq!(id.as_str(), s);
            assert_eq!(id.is_heap_allocated(), s.len() > 24, "{s}");
        }
    }

    #[test]
    fn ids_sort_as_their_text_and_so_do_their_prefix_keys() {
        let texts = [
            "",
            "C1",
            "C10",
            "C1A",
            "C2",
            "C202403000000007",
            "C2024030000000070",
            "C2024030000000071",
            "D",
            "黄石",
        ];
        for a in texts {
            for b in texts {
                let (x, y) = (Id::new(a), Id::new(b));
                assert_eq!(x.cmp(&y), a.cmp(b), "{a} {b}");
                assert_eq!(x == y, a == b);
                // The key never contradicts the order; it ties only when
                // the first 16 bytes do.
                let k = prefix_key(&x).cmp(&prefix_key(&y));
                assert!(k == a.cmp(b) || k == Ordering::Equal, "{a} {b}");
            }
        }
    }
}
