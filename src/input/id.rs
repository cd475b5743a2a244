//! An id as a claim line holds it while it waits to be grouped: up to
//! [`INLINE`] bytes kept in the line itself, a longer one on the heap.
//!
//! A line carries four to six ids (claim, person, institution, item, and
//! the prescription's). Every id of a usual export fits inline, so parsing
//! a line or reading it back from a spill file allocates nothing for them,
//! and grouping hashes and sorts them without following a pointer. The
//! claims handed to the core own `String`s, made once per claim (its own
//! ids) or per line (the item's).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The most bytes kept inline: with the length and the variant's tag the
/// id takes 24 bytes, as a `String` does.
pub(crate) const INLINE: usize = 22;

#[derive(Clone)]
pub(crate) enum Id {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Id {
    pub fn new(s: &str) -> Id {
        match s.len() {
            n if n <= INLINE => {
                let mut bytes = [0u8; INLINE];
                bytes[..n].copy_from_slice(s.as_bytes());
                Id::Inline {
                    len: n as u8,
                    bytes,
                }
            }
            _ => Id::Heap(s.into()),
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Id::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or(&[]),
            Id::Heap(s) => s.as_bytes(),
        }
    }

    /// The id as text. Every id is made from a `&str` whole, so its bytes
    /// are always text; the check is the price of holding no `unsafe`.
    pub fn as_str(&self) -> &str {
        match self {
            Id::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or(""),
            Id::Heap(s) => s,
        }
    }

    /// The first 16 bytes as a number that sorts as the id does (an id
    /// holds no NUL, which would tie with the padding: see
    /// `csvsrc::id_key`); ids that tie on it are compared whole.
    pub fn prefix_key(&self) -> u128 {
        let mut k = [0u8; 16];
        let b = self.as_bytes();
        let n = b.len().min(16);
        k[..n].copy_from_slice(&b[..n]);
        u128::from_be_bytes(k)
    }
}

impl Default for Id {
    fn default() -> Id {
        Id::new("")
    }
}

impl From<&str> for Id {
    fn from(s: &str) -> Id {
        Id::new(s)
    }
}

impl From<&Id> for String {
    fn from(id: &Id) -> String {
        id.as_str().to_string()
    }
}

impl PartialEq for Id {
    fn eq(&self, other: &Id) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Id {}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Ord for Id {
    fn cmp(&self, other: &Id) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialOrd for Id {
    fn partial_cmp(&self, other: &Id) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Hash for Id {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.as_bytes().hash(h);
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_24_bytes_and_so_is_an_optional_one() {
        assert_eq!(std::mem::size_of::<Id>(), 24);
        assert_eq!(std::mem::size_of::<Option<Id>>(), 24);
    }

    #[test]
    fn short_and_long_ids_come_back_as_made() {
        for s in ["", "C1", "黄石-01", "C202403000000007", &"x".repeat(23)] {
            let id = Id::new(s);
            assert_eq!(id.as_str(), s);
            assert_eq!(matches!(id, Id::Inline { .. }), s.len() <= INLINE);
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
                let k = x.prefix_key().cmp(&y.prefix_key());
                assert!(k == a.cmp(b) || k == Ordering::Equal, "{a} {b}");
            }
        }
    }
}
