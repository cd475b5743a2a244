//! A month's claim lines by partition of settlement units. A month that
//! fits the memory budget is one partition held in memory; a larger one is
//! scanned once into spill files, a set per partition, under a temporary
//! area beside the output directory, and read back one partition at a
//! time. A unit (today one person) is always in one partition, so each
//! partition adjudicates on its own.
//!
//! A claim whose lines name different persons (a broken export) could be
//! split across partitions and look whole in each; such claims are found
//! after the scan and checked together, as one group, like any other.

use crate::core::family::Family;
use crate::core::unit;
use crate::input::claims::{self, Pending};
use crate::input::csvsrc::CsvFile;
use crate::input::id::Id;
use crate::input::platform::{declared, Declared, Platform};
use crate::input::spill::{self, SpillWriter};
use crate::input::Scan;
use crate::lockfile::LockFile;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use std::collections::HashMap;
use std::hash::Hasher;
use std::io;
use std::path::{Path, PathBuf};

/// The partition of a settlement unit, by its key (see `unit::key_of` of
/// the person cell as written): a unit is never split across partitions.
pub fn partition_of(unit_key: &str, parts: usize) -> usize {
    let mut h = FxHasher::default();
    h.write(unit_key.as_bytes());
    // The high bits of the product are the well-mixed ones.
    ((h.finish() as u128 * parts as u128) >> 64) as usize
}

fn claim_hash(id: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(id);
    h.finish()
}

/// The lines of a month, by partition.
pub enum Lines {
    Memory(Option<Vec<Pending>>),
    Spilled {
        area: SpillArea,
        parts: usize,
        rounds: usize,
        /// Spill files per partition: one per reader (a claim file or a
        /// part of one) and round.
        files: usize,
        /// Claims whose lines fell into several partitions.
        cross: FxHashSet<Id>,
        cross_lines: Vec<Pending>,
    },
}

/// Scan the claim files into `parts` partitions (spilled under `area` when
/// more than one), telling `read` the bytes read as they are. The platform
/// layout's fee files among them are read joined with their settlements.
pub fn scan(
    files: &[CsvFile],
    platform: Option<&Platform>,
    parts: usize,
    area: Option<SpillArea>,
    family: &Family,
    read: &(dyn Fn(u64) + Sync),
) -> io::Result<(Scan, Lines)> {
    let readers = claims::readers(files, platform, rayon::current_num_threads());
    let mut p = Partitioner::new(readers, parts, area, 1, family);
    let scan = p.round(files, platform, 0, &|_| true, read)?;
    Ok((scan, p.finish()?))
}

/// Claim lines sent into partitions over one or more scans ("rounds") of
/// the claim files: the platform layout scans its fee files once per
/// bucket of settlements. Each round's lines of each reader (a file, or a
/// part of one: see `claims::readers`) go to spill files of their own.
pub struct Partitioner<'a> {
    readers: Vec<claims::Reader>,
    parts: usize,
    rounds: usize,
    /// None: one partition, in memory.
    area: Option<SpillArea>,
    family: &'a Family,
    memory: Vec<Pending>,
    /// (claim hash, partition), once per run of lines of one claim.
    seen: Vec<(u64, u32)>,
}

impl<'a> Partitioner<'a> {
    /// Partitions for claim files scanned by `readers` in `rounds` rounds.
    pub fn new(
        readers: Vec<claims::Reader>,
        parts: usize,
        area: Option<SpillArea>,
        rounds: usize,
        family: &'a Family,
    ) -> Partitioner<'a> {
        let area = if parts > 1 { area } else { None };
        Partitioner {
            readers,
            parts: if area.is_some() { parts } else { 1 },
            rounds: rounds.max(1),
            area,
            family,
            memory: Vec::new(),
            seen: Vec::new(),
        }
    }

    /// Scan round `round` of the files `wanted` says into the partitions.
    pub fn round(
        &mut self,
        files: &[CsvFile],
        platform: Option<&Platform>,
        round: usize,
        wanted: &(dyn Fn(usize) -> bool + Sync),
        read: &(dyn Fn(u64) + Sync),
    ) -> io::Result<Scan> {
        let Some(area) = &self.area else {
            let (scan, sinks) = claims::scan(
                files,
                platform,
                &self.readers,
                wanted,
                |_| Vec::new(),
                |v: &mut Vec<Pending>, _, p| {
                    v.push(p);
                    Ok(())
                },
                |_, _| Ok(()),
                read,
            )?;
            // The first file's lines become the month's (not copied), the
            // others appended once room for all of them is made.
            let mut sinks = sinks.into_iter();
            if self.memory.is_empty() {
                self.memory = sinks.next().unwrap_or_default();
            }
            let rest: Vec<Vec<Pending>> = sinks.collect();
            self.memory.reserve(rest.iter().map(Vec::len).sum());
            for mut v in rest {
                self.memory.append(&mut v);
            }
            return Ok(scan);
        };
        struct Sink {
            /// The spill files' number: the reader's, in this round.
            slot: usize,
            /// Created at a partition's first line, finished once the file
            /// is scanned: a file holds open only the partitions it feeds,
            /// and only while it is scanned. A partition it does not feed
            /// has no file (see `spill::read_all`).
            writers: Vec<Option<SpillWriter>>,
            /// (claim hash, partition), once per run of lines of one claim.
            seen: Vec<(u64, u32)>,
            /// The last line's person cell and its partition: a claim's
            /// lines follow each other and share their person, so the
            /// account group is looked up once a claim, not once a line.
            last: Option<(Id, usize)>,
        }
        let (root, parts, family) = (area.path.clone(), self.parts, self.family);
        let slot_base = round * self.readers.len();
        let cannot = |e: io::Error| {
            io::Error::new(
                e.kind(),
                format!("cannot create spill files in {}: {e}", root.display()),
            )
        };
        let (scan, sinks) = claims::scan(
            files,
            platform,
            &self.readers,
            wanted,
            |ri| Sink {
                slot: slot_base + ri,
                writers: (0..parts).map(|_| None).collect(),
                seen: Vec::new(),
                last: None,
            },
            |s: &mut Sink, person, p| {
                let part = match &s.last {
                    Some((last, part)) if *last == *person => *part,
                    _ => {
                        // Family sharing (POLICY.md §6a): by the account
                        // group's key.
                        let part = partition_of(family.group_key(unit::key_of(person)), parts);
                        s.last = Some((Id::new(person), part));
                        part
                    }
                };
                let h = claim_hash(p.claim_id.as_bytes());
                if s.seen.last() != Some(&(h, part as u32)) {
                    s.seen.push((h, part as u32));
                }
                let slot = s.slot;
                match s.writers.get_mut(part) {
                    Some(Some(w)) => w.push(&p),
                    Some(w) => w
                        .insert(
                            SpillWriter::create(&spill_path(&root, slot, part)).map_err(cannot)?,
                        )
                        .push(&p),
                    None => Err(io::Error::other("no such partition")),
                }
            },
            |_, s: &mut Sink| {
                s.writers
                    .iter_mut()
                    .filter_map(Option::take)
                    .try_for_each(SpillWriter::finish)
            },
            read,
        )?;
        for s in sinks {
            self.seen.extend(s.seen);
        }
        Ok(scan)
    }

    /// Whether the lines go to spill files (more than one partition).
    pub fn spilled(&self) -> bool {
        self.area.is_some()
    }

    /// Write what the settlements of round `round` declared beside the
    /// spill files, by the partition their lines went to (see
    /// [`Lines::declared`]).
    pub fn spill_declared(&self, round: usize, found: &[declared::Found]) -> io::Result<()> {
        let Some(area) = &self.area else {
            return Ok(());
        };
        let mut by_part: Vec<Vec<&declared::Found>> = (0..self.parts).map(|_| Vec::new()).collect();
        for f in found {
            let key = self.family.group_key(unit::key_of(&f.person_key));
            by_part[partition_of(key, self.parts)].push(f);
        }
        for (part, entries) in by_part.iter().enumerate() {
            if !entries.is_empty() {
                declared::write(&declared_path(&area.path, round, part), entries)?;
            }
        }
        Ok(())
    }

    /// The month's lines by partition, once every round is scanned.
    pub fn finish(self) -> io::Result<Lines> {
        let Some(area) = self.area else {
            return Ok(Lines::Memory(Some(self.memory)));
        };
        let mut seen = self.seen;
        // Claim hashes met in two partitions: candidates, checked by id
        // below.
        seen.sort_unstable();
        seen.dedup();
        let candidates: FxHashSet<u64> = seen
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| w[0].0)
            .collect();
        drop(seen);
        let mut lines = Lines::Spilled {
            area,
            parts: self.parts,
            rounds: self.rounds,
            files: self.readers.len() * self.rounds,
            cross: FxHashSet::default(),
            cross_lines: Vec::new(),
        };
        if !candidates.is_empty() {
            lines.find_cross(&candidates)?;
        }
        Ok(lines)
    }
}

fn declared_path(root: &Path, round: usize, part: usize) -> PathBuf {
    root.join(format!("declared-{round:04}-{part:04}.bin"))
}

fn spill_path(root: &Path, slot: usize, part: usize) -> PathBuf {
    root.join(format!("lines-{slot:04}-{part:04}.bin"))
}

impl Lines {
    /// How many partitions.
    pub fn parts(&self) -> usize {
        match self {
            Lines::Memory(_) => 1,
            Lines::Spilled { parts, .. } => *parts,
        }
    }

    /// The temporary area, when spilled.
    pub fn area(&self) -> Option<&Path> {
        match self {
            Lines::Memory(_) => None,
            Lines::Spilled { area, .. } => Some(&area.path),
        }
    }

    /// The lines of partition `p` (once), without those of claims split
    /// across partitions.
    pub fn take(&mut self, p: usize) -> io::Result<Vec<Pending>> {
        let mut out = Vec::new();
        self.take_into(p, &mut out)?;
        Ok(out)
    }

    /// The lines of partition `p` (once), without those of claims split
    /// across partitions, in `out` (emptied first). A spilled month's
    /// partitions reuse one list: its room, once made for the first
    /// partition, is not taken fresh (and its pages zeroed by the system)
    /// for each of the others.
    pub fn take_into(&mut self, p: usize, out: &mut Vec<Pending>) -> io::Result<()> {
        out.clear();
        match self {
            Lines::Memory(v) => {
                *out = v.take().unwrap_or_default();
                Ok(())
            }
            Lines::Spilled {
                area, files, cross, ..
            } => {
                // The partition's lines made room for once, by the counts
                // its files end with, and decoded straight into place; one
                // small buffer reads every file.
                let mut total = 0usize;
                for fi in 0..*files {
                    total = total.saturating_add(spill::count(&spill_path(&area.path, fi, p))?);
                }
                // Partitions differ in size by a little: room for a little
                // more than the first one's lines spares the next, larger
                // ones a move into fresh memory.
                if out.capacity() < total {
                    out.reserve_exact(total + total / 32);
                }
                let mut buf = Vec::new();
                for fi in 0..*files {
                    let path = spill_path(&area.path, fi, p);
                    spill::read_into(&path, &mut buf, out, |l| {
                        cross.is_empty() || !cross.contains(&l.claim_id)
                    })?;
                    match std::fs::remove_file(&path) {
                        // Never written: the file fed no line here.
                        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                        _ => {}
                    }
                }
                Ok(())
            }
        }
    }

    /// What the platform layout's settlements of partition `p` declared,
    /// when kept by partition (once; empty in memory).
    pub fn declared(&mut self, p: usize) -> io::Result<HashMap<String, Declared>> {
        let mut out = HashMap::new();
        if let Lines::Spilled { area, rounds, .. } = self {
            for r in 0..*rounds {
                let path = declared_path(&area.path, r, p);
                declared::read_into(&path, &mut out)?;
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
        }
        Ok(out)
    }

    /// The lines of claims split across partitions (once).
    pub fn take_cross(&mut self) -> Vec<Pending> {
        match self {
            Lines::Memory(_) => Vec::new(),
            Lines::Spilled { cross_lines, .. } => std::mem::take(cross_lines),
        }
    }

    /// Read the lines of candidate claims from every partition and keep
    /// those whose claim truly spans partitions (hashes can collide).
    fn find_cross(&mut self, candidates: &FxHashSet<u64>) -> io::Result<()> {
        let Lines::Spilled {
            area,
            parts,
            files,
            cross,
            cross_lines,
            ..
        } = self
        else {
            return Ok(());
        };
        let mut found: FxHashMap<Id, (FxHashSet<usize>, Vec<Pending>)> = FxHashMap::default();
        for p in 0..*parts {
            for fi in 0..*files {
                for l in spill::read_all(&spill_path(&area.path, fi, p))? {
                    if candidates.contains(&claim_hash(l.claim_id.as_bytes())) {
                        let e = found.entry(l.claim_id.clone()).or_default();
                        e.0.insert(p);
                        e.1.push(l);
                    }
                }
            }
        }
        for (id, (in_parts, lines)) in found {
            if in_parts.len() > 1 {
                cross.insert(id);
                cross_lines.extend(lines);
            }
        }
        Ok(())
    }
}

/// A run's temporary directory for spill and part files, beside the output
/// directory, removed when dropped (also when the run fails).
///
/// Each area `.tongchou-spill-<pid>[-<n>]` has a lock file beside it
/// (`<area>.lock`), held with an OS advisory lock for as long as the area
/// lives. An area whose lock is free belongs to a run that is gone (killed)
/// and is removed by the next run beside it; one whose lock is held is
/// never touched, whatever process id its name carries (a PID can be
/// reused, or be another container's).
pub struct SpillArea {
    pub path: PathBuf,
    // Dropped after `Drop::drop` removed the directory.
    _lock: LockFile,
}

const SPILL_PREFIX: &str = ".tongchou-spill-";

impl SpillArea {
    /// Create a spill area in `parent` (removing dead runs' areas there).
    pub fn create(parent: &Path) -> io::Result<SpillArea> {
        std::fs::create_dir_all(parent)?;
        remove_stale(parent);
        let pid = std::process::id();
        // Another live run may carry the same process id (another PID
        // namespace): then its lock is held and the next name is tried.
        for n in 0..64u32 {
            let name = match n {
                0 => format!("{SPILL_PREFIX}{pid}"),
                n => format!("{SPILL_PREFIX}{pid}-{n}"),
            };
            let path = parent.join(&name);
            let Ok(lock) = LockFile::try_take(&parent.join(format!("{name}.lock")))? else {
                continue;
            };
            // Ours now: anything there is a dead run's.
            if path.exists() {
                std::fs::remove_dir_all(&path)?;
            }
            std::fs::create_dir(&path)?;
            return Ok(SpillArea { path, _lock: lock });
        }
        Err(io::Error::other(format!(
            "no free spill area name in {}",
            parent.display()
        )))
    }
}

impl Drop for SpillArea {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Remove the spill areas in `parent` whose runs are gone (their locks are
/// free), and their lock files. Called at the start of every run, whether
/// or not it spills.
pub fn remove_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let mut areas: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(SPILL_PREFIX))
        .map(|n| n.strip_suffix(".lock").map(str::to_string).unwrap_or(n))
        .collect();
    areas.sort();
    areas.dedup();
    for name in areas {
        // Holding its lock while removing it: a run cannot start using
        // this name meanwhile. Dropping the lock removes the lock file.
        if let Ok(Ok(_lock)) = LockFile::try_take(&parent.join(format!("{name}.lock"))) {
            let _ = std::fs::remove_dir_all(parent.join(&name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::csvsrc::{open, Encoding, Part};

    /// The sample month's claim files scanned by `readers` into `parts`
    /// partitions: what the scan found, and each partition's lines.
    fn scan_with(
        files: &[CsvFile],
        readers: Vec<claims::Reader>,
        parts: usize,
    ) -> (String, Vec<Vec<Pending>>) {
        let dir = tempfile::tempdir().unwrap();
        let area = (parts > 1).then(|| SpillArea::create(dir.path()).unwrap());
        let family = Family::default();
        let mut p = Partitioner::new(readers, parts, area, 1, &family);
        let scan = p.round(files, None, 0, &|_| true, &|_| {}).unwrap();
        let mut lines = p.finish().unwrap();
        let by_part = (0..lines.parts()).map(|k| lines.take(k).unwrap()).collect();
        (format!("{scan:?}"), by_part)
    }

    /// Files cut into many parts, read by readers of their own, give the
    /// scan and the partitions' lines that reading them whole gives: the
    /// same statistics, rejects and warnings, and every line in its
    /// partition in the same order.
    #[test]
    fn files_read_in_parts_scan_as_files_read_whole() {
        let mut paths: Vec<_> = std::fs::read_dir("samples/data/claims")
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        let mut files: Vec<CsvFile> = paths
            .iter()
            .map(|p| open(p, claims::CLAIMS, Encoding::Auto).unwrap())
            .collect();
        let whole: Vec<claims::Reader> = (0..files.len()).map(|fi| (fi, Part::WHOLE)).collect();
        for f in &mut files {
            f.cut_every(200);
        }
        let cut = claims::readers_sized(&files, None, 40, 1);
        assert!(cut.len() > 3 * files.len(), "{}", cut.len());
        for parts in [1, 3] {
            let (scan, lines) = scan_with(&files, whole.clone(), parts);
            assert!(lines.iter().map(Vec::len).sum::<usize>() > 400);
            assert_eq!(scan_with(&files, cut.clone(), parts), (scan, lines));
        }
    }

    #[test]
    fn partitions_are_stable_and_spread() {
        assert_eq!(partition_of("P00000001", 7), partition_of("P00000001", 7));
        let mut counts = [0usize; 8];
        for i in 0..80_000 {
            counts[partition_of(&format!("P{i:08}"), 8)] += 1;
        }
        // Each of 8 partitions within 10% of a fair share.
        assert!(
            counts.iter().all(|&c| (9_000..=11_000).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(partition_of("anything", 1), 0);
    }
}
