//! The memory budget of a run (`--memory-limit`): reading a size, the
//! default share of the machine, and how many partitions a month needs to
//! stay inside it.

/// Bytes of working memory a claim line takes per byte of claim file while
/// its partition is adjudicated (parsed lines, claims, decisions, findings
/// and formatted rows), measured on generated months (`scripts/bench.sh`)
/// with a margin. It counts the list of lines kept from one partition to
/// the next (about 3 bytes per byte of claim file: see `pipeline::Room`).
pub const BYTES_PER_INPUT_BYTE: u64 = 22;

/// The default budget: a quarter of the machine's memory, at most 1 GiB.
/// A month-end run shares the machine with other work, and a bigger
/// budget buys little: spilling a partition costs a fraction of
/// adjudicating it.
pub const DEFAULT_CEILING: u64 = 1 << 30;

/// The most working memory a partition is given, however large the budget:
/// a larger partition runs slower, its fresh pages costing more than
/// spilling does (measured in bench/RESULTS.md: the 10M month at
/// `--memory-limit 8G`, 3 partitions, took 33.7 s wall and 3.7 GB against
/// 28.5 s and 0.8 GB at the default; the 1M month held whole took 4.1 s
/// against 2.6 s in 3 partitions). So a larger limit is never slower.
pub const MAX_PARTITION_BYTES: u64 = 1 << 30;

/// The most partitions a run makes (each has spill files per claim file).
pub const MAX_PARTITIONS: usize = 256;

/// Parse a size such as `512M`, `2G`, `1.5G`, `800K` or `1048576` (bytes;
/// K, M, G and T are powers of 1024; a trailing `B` or `iB` is allowed).
pub fn parse_size(s: &str) -> Option<u64> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix("ib"))
        .or_else(|| t.strip_suffix(['B', 'b']))
        .unwrap_or(t);
    let (digits, unit) = match t.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_uppercase()),
        _ => (t, ' '),
    };
    let scale: u64 = match unit {
        ' ' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        'T' => 1 << 40,
        _ => return None,
    };
    let n: rust_decimal::Decimal = digits.trim().parse().ok()?;
    if n.is_sign_negative() {
        return None;
    }
    let bytes = n.checked_mul(rust_decimal::Decimal::from(scale))?.trunc();
    u64::try_from(bytes).ok().filter(|b| *b > 0)
}

/// A line of /proc/meminfo or /proc/self/status, in bytes.
fn proc_kb(file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// The default `--memory-limit`.
pub fn default_limit() -> u64 {
    proc_kb("/proc/meminfo", "MemTotal:")
        .map(|total| (total / 4).min(DEFAULT_CEILING))
        .unwrap_or(DEFAULT_CEILING)
}

/// This process's resident memory now, if the system says.
pub fn resident() -> Option<u64> {
    proc_kb("/proc/self/status", "VmRSS:")
}

/// How many person partitions keep a month of `input_bytes` of claim files
/// inside `limit`, given `in_use` bytes already resident (reference files,
/// the ledger), each given at most [`MAX_PARTITION_BYTES`]. 1 = the month
/// is adjudicated at once, in memory.
pub fn partitions(limit: u64, in_use: u64, input_bytes: u64) -> usize {
    let need = input_bytes.saturating_mul(BYTES_PER_INPUT_BYTE);
    let room = limit.saturating_sub(in_use).clamp(1, MAX_PARTITION_BYTES);
    let n = need.div_ceil(room).max(1);
    usize::try_from(n)
        .unwrap_or(MAX_PARTITIONS)
        .min(MAX_PARTITIONS)
}

/// Bytes of memory a settlement takes while its fee rows are scanned
/// (its row in the settlement table, its index entry, what the scan notes
/// of its fee rows) per byte of settlement file: about 3 of heap measured
/// on generated platform months, and resident memory grew by about twice
/// the estimate while a bucket's table was read (the 10M platform month
/// at the default limit peaked at 0.96 GB in the scan with 4): 8.
pub const TABLE_BYTES_PER_BYTE: u64 = 8;

/// The most buckets the platform layout's settlements are read in: each
/// reads every settlement and fee file again.
pub const MAX_BUCKETS: usize = 8;

/// In how many buckets the platform layout reads `settlement_bytes` of
/// settlement files so that a bucket's settlements fit the room `limit`
/// leaves beside `in_use`. The room is taken as at least half the limit:
/// each bucket reads every settlement and fee file again (a few seconds a
/// gigabyte), and a budget spent on the reference files already would
/// otherwise ask for the most buckets whatever the month.
pub fn buckets(limit: u64, in_use: u64, settlement_bytes: u64) -> usize {
    let need = settlement_bytes.saturating_mul(TABLE_BYTES_PER_BYTE);
    let room = limit.saturating_sub(in_use).max(limit / 2).max(1);
    usize::try_from(need.div_ceil(room).max(1))
        .unwrap_or(MAX_BUCKETS)
        .min(MAX_BUCKETS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("512MB"), Some(512 << 20));
        assert_eq!(parse_size("2GiB"), Some(2 << 30));
        assert_eq!(parse_size("1.5g"), Some(3 << 29));
        assert_eq!(parse_size("800K"), Some(800 << 10));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("-1G"), None);
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("12X"), None);
    }

    #[test]
    fn partitions_grow_with_the_month_and_stay_bounded() {
        let mb = 1u64 << 20;
        // 40 MB of claims need ~880 MB: fits a 3 GB budget at once.
        assert_eq!(partitions(3072 * mb, 100 * mb, 40 * mb), 1);
        // 100 MB need ~2200 MB: a partition takes at most 1 GB of a
        // larger budget, as of the default one.
        assert_eq!(partitions(3072 * mb, 100 * mb, 100 * mb), 3);
        assert_eq!(partitions(100 << 30, 100 * mb, 100 * mb), 3);
        assert_eq!(partitions(1124 * mb, 100 * mb, 100 * mb), 3);
        // With 512 MB of which 112 MB in use: 2200 / 400 → 6 partitions.
        assert_eq!(partitions(512 * mb, 112 * mb, 100 * mb), 6);
        // A budget already spent still runs, in the most partitions.
        assert_eq!(partitions(mb, 100 * mb, 100 * mb), MAX_PARTITIONS);
    }

    #[test]
    fn buckets_grow_with_the_settlements_and_stay_bounded() {
        let mb = 1u64 << 20;
        // 20 MB of settlements need ~160 MB: one bucket in 400 MB of room.
        assert_eq!(buckets(512 * mb, 112 * mb, 20 * mb), 1);
        // 233 MB need ~1864 MB: 5 buckets of a 512 MB limit's 400 MB room.
        assert_eq!(buckets(512 * mb, 112 * mb, 233 * mb), 5);
        // A budget spent already: half the limit is the room.
        assert_eq!(buckets(512 * mb, 600 * mb, 233 * mb), 8);
        // 100 MB need ~800 MB: 2 buckets in half of a spent 1 GB limit.
        assert_eq!(buckets(1024 * mb, 2048 * mb, 100 * mb), 2);
        assert_eq!(buckets(mb, 0, 1 << 40), MAX_BUCKETS);
    }
}
