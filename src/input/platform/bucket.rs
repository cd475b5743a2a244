//! Settlement buckets: a month too large for its memory budget reads its
//! settlements a bucket at a time, by a hash of `setl_id`, and scans the
//! fee files once per bucket for that bucket's rows. Every row of a
//! settlement, in either file set, is in its bucket; rows that name no
//! settlement, and rows that cannot be read at all, are taken by the
//! first bucket, so each row is read into the month exactly once.

use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Bucket `at` of `of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub at: usize,
    pub of: usize,
}

impl Bucket {
    /// The whole month at once.
    pub const ALL: Bucket = Bucket { at: 0, of: 1 };

    /// Whether the rows of `setl_id` (as written, trimmed) are this
    /// bucket's.
    pub fn takes(&self, setl_id: &str) -> bool {
        if self.of <= 1 {
            return true;
        }
        if setl_id.is_empty() {
            return self.first();
        }
        let mut h = FxHasher::default();
        // Seeded apart from the settlement index's hash of the same ids.
        h.write_u64(0x5e71_b0c4);
        h.write(setl_id.as_bytes());
        ((h.finish() as u128 * self.of as u128) >> 64) as usize == self.at
    }

    /// Whether this is the first bucket, which takes the rows of no
    /// settlement.
    pub fn first(&self) -> bool {
        self.at == 0
    }
}

#[cfg(test)]
mod tests {
    use super::Bucket;

    #[test]
    fn each_id_is_in_exactly_one_bucket_and_buckets_share_the_month() {
        let of = 4;
        let mut counts = [0usize; 4];
        for i in 0..40_000 {
            let id = format!("C2024{i:08}");
            let takers: Vec<usize> = (0..of).filter(|&at| Bucket { at, of }.takes(&id)).collect();
            assert_eq!(takers.len(), 1, "{id}");
            counts[takers[0]] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_000..=11_000).contains(&c)),
            "{counts:?}"
        );
        assert!(Bucket { at: 0, of }.takes(""));
        assert!(!Bucket { at: 1, of }.takes(""));
        assert!(Bucket::ALL.takes("anything") && Bucket::ALL.takes(""));
    }
}
