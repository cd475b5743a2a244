//! Outputs appear complete or not at all (CONTRACT.md §Outputs).
//!
//! Every output is written into a hidden staging directory beside the
//! output directory (same parent, so the same file system), flushed and
//! synced; only then is the staging directory renamed to the output
//! directory's name, in one step. A run that fails drops its staging
//! directory; a run that is killed leaves only the hidden one, never a
//! final-named directory from a half-finished run.
//!
//! tongchou replaces only what it wrote. An existing, non-empty output
//! directory is replaced only when asked (`--force`), and only when it is
//! an earlier tongchou output: its manifest.json says so and lists every
//! file in it. It must hold none of this run's inputs, and may not be or go
//! inside a directory scanned for inputs (claims, rules). It is first
//! moved aside, then the new one renamed in, then the old one deleted. A
//! path that is a file, not a directory, is never touched.
//!
//! A lock file beside the output directory, held with an OS advisory lock
//! (see [`crate::lockfile`]), stops two runs writing it at once. Whoever
//! holds it owns the hidden staging and old directories of that output, so
//! leftovers of killed runs are removed only under the lock.

use crate::lockfile::LockFile;
use crate::schema::manifest::{ManifestDoc, TOOL};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// An output file once written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Why the output directory cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum StagingError {
    #[error("{} already holds outputs: give --force to replace it, or choose another --out", .0.display())]
    Exists(PathBuf),
    #[error("another run (process {pid}) is writing {}: lock file {}", .out.display(), .lock.display())]
    Locked {
        out: PathBuf,
        lock: PathBuf,
        pid: String,
    },
    /// The output path may not be written or replaced: the sentence says
    /// why.
    #[error("{0}")]
    Refused(String),
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// An input of the run, which the output directory must never hold.
#[derive(Debug, Clone)]
pub struct Input {
    /// What it is, for messages: `--ledger input`, `--rules directory`.
    pub what: &'static str,
    pub path: PathBuf,
    /// A directory scanned for input files (claims, rules): the output may
    /// not go inside it either, or it would sit among the inputs.
    pub no_output_inside: bool,
}

fn io_at(path: &Path) -> impl Fn(io::Error) -> StagingError + '_ {
    move |source| StagingError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub struct Staging {
    out_dir: PathBuf,
    tmp_dir: PathBuf,
    force: bool,
    names: Vec<String>,
    committed: bool,
    // Last: released (and its file removed) after `Drop` has removed the
    // staging directory.
    _lock: LockFile,
}

/// `parent/.name.suffix`: hidden siblings of the output directory.
fn sibling(out_dir: &Path, suffix: &str) -> PathBuf {
    let name = out_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    out_dir.with_file_name(format!(".{name}.{suffix}"))
}

impl Staging {
    /// Take the lock, check the output directory may be written (see the
    /// module header), and create the staging directory.
    pub fn create(out_dir: &Path, force: bool, inputs: &[Input]) -> Result<Staging, StagingError> {
        if out_dir.file_name().is_none() {
            return Err(StagingError::Refused(format!(
                "refusing to write {}: name the output directory itself (not `.`, `..` or the root)",
                out_dir.display()
            )));
        }
        let parent = match out_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_at(&parent))?;
        let lock = sibling(out_dir, "lock");
        let lock = match LockFile::try_take(&lock).map_err(io_at(&lock))? {
            Ok(l) => l,
            Err(held) => {
                return Err(StagingError::Locked {
                    out: out_dir.to_path_buf(),
                    lock,
                    pid: if held.pid.is_empty() {
                        "?".into()
                    } else {
                        held.pid
                    },
                })
            }
        };
        // From here on the lock is ours: build the value now so that Drop
        // releases it on every error path below.
        let pid = std::process::id();
        let staging = Staging {
            out_dir: out_dir.to_path_buf(),
            tmp_dir: sibling(out_dir, &format!("staging-{pid}")),
            force,
            names: Vec::new(),
            committed: false,
            _lock: lock,
        };
        check_may_write(out_dir, &parent, force, inputs)?;
        remove_stale_siblings(out_dir);
        if staging.tmp_dir.exists() {
            fs::remove_dir_all(&staging.tmp_dir).map_err(io_at(&staging.tmp_dir))?;
        }
        fs::create_dir(&staging.tmp_dir).map_err(io_at(&staging.tmp_dir))?;
        Ok(staging)
    }

    /// Check, before any work, that `out_dir` may be written: the same
    /// checks as [`Staging::create`] (made again there, under the lock), so
    /// that a refused run fails at once rather than after adjudicating.
    pub fn precheck(out_dir: &Path, force: bool, inputs: &[Input]) -> Result<(), StagingError> {
        let parent = match out_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if out_dir.file_name().is_none() || !parent.is_dir() {
            // Refused, or created, by `create`.
            return Ok(());
        }
        check_may_write(out_dir, &parent, force, inputs)
    }

    /// A new staged file (unbuffered: the caller buffers, and hashes
    /// what it writes).
    pub fn file(&mut self, name: &str) -> io::Result<File> {
        self.names.push(name.to_string());
        File::create(self.tmp_dir.join(name))
    }

    /// Where a staged file is being written, to read it back before the
    /// commit (settlement.xlsx is built from payments.csv and audit.csv).
    pub fn staged_path(&self, name: &str) -> PathBuf {
        self.tmp_dir.join(name)
    }

    /// Sync every staged file and put the staging directory in place of the
    /// output directory.
    pub fn commit(mut self) -> Result<(), StagingError> {
        for n in &self.names {
            let p = self.tmp_dir.join(n);
            File::open(&p)
                .and_then(|f| f.sync_all())
                .map_err(io_at(&p))?;
        }
        sync_dir(&self.tmp_dir);
        let old = sibling(&self.out_dir, &format!("old-{}", std::process::id()));
        let replacing = self.out_dir.exists();
        if replacing {
            // Checked again: files may have appeared while the run worked.
            if has_content(&self.out_dir).map_err(io_at(&self.out_dir))? {
                if !self.force {
                    return Err(StagingError::Exists(self.out_dir.clone()));
                }
                check_own_output(&self.out_dir)?;
            }
            fs::rename(&self.out_dir, &old).map_err(io_at(&self.out_dir))?;
        }
        if let Err(e) = fs::rename(&self.tmp_dir, &self.out_dir) {
            // Put the earlier output back rather than leave it hidden.
            if replacing {
                let _ = fs::rename(&old, &self.out_dir);
            }
            return Err(io_at(&self.out_dir)(e));
        }
        self.committed = true;
        if let Some(parent) = self.out_dir.parent() {
            sync_dir(parent);
        }
        if replacing {
            fs::remove_dir_all(&old).map_err(io_at(&old))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp_dir);
        }
        // The lock is released when `_lock` is dropped, after this.
    }
}

/// Staging and old directories left by killed runs (we hold the lock, so
/// none belongs to a live run).
fn remove_stale_siblings(out_dir: &Path) {
    let (Some(parent), Some(name)) = (out_dir.parent(), out_dir.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefixes = [
        format!(".{}.staging-", name.to_string_lossy()),
        format!(".{}.old-", name.to_string_lossy()),
    ];
    if let Ok(entries) = fs::read_dir(parent) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if prefixes.iter().any(|p| n.starts_with(p.as_str())) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Whether a directory has any entry.
fn has_content(dir: &Path) -> io::Result<bool> {
    Ok(fs::read_dir(dir)?.next().is_some())
}

fn check_may_write(
    out_dir: &Path,
    parent: &Path,
    force: bool,
    inputs: &[Input],
) -> Result<(), StagingError> {
    if check_path(out_dir, parent, inputs)? {
        if !force {
            return Err(StagingError::Exists(out_dir.to_path_buf()));
        }
        check_own_output(out_dir)?;
    }
    Ok(())
}

/// Refuse an output path that is not a directory, or that overlaps this
/// run's inputs; else say whether it is an existing, non-empty directory.
fn check_path(out_dir: &Path, parent: &Path, inputs: &[Input]) -> Result<bool, StagingError> {
    let shown = out_dir.display();
    let (exists, occupied) = match fs::symlink_metadata(out_dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => (false, false),
        Err(e) => return Err(io_at(out_dir)(e)),
        Ok(m) if m.file_type().is_symlink() => {
            return Err(StagingError::Refused(format!(
                "refusing to write {shown}: it is a symbolic link; give the directory it points to as --out"
            )))
        }
        Ok(m) if !m.is_dir() => {
            return Err(StagingError::Refused(format!(
                "refusing to write {shown}: it is a file, not a directory (left untouched); choose another --out"
            )))
        }
        Ok(_) => (true, has_content(out_dir).map_err(io_at(out_dir))?),
    };
    // Compare canonical paths: `out/../samples/data`, a symbolic link in a
    // parent, or `.` name the same directory as `samples/data`.
    let out_c = if exists {
        fs::canonicalize(out_dir).map_err(io_at(out_dir))?
    } else {
        // Its parent was created above; the name has no `..` (checked).
        let name = out_dir.file_name().unwrap_or_default();
        fs::canonicalize(parent).map_err(io_at(parent))?.join(name)
    };
    let verb = if occupied { "replace" } else { "write" };
    for input in inputs {
        // An input that cannot be resolved was not read (an optional
        // file); it cannot be lost.
        let Ok(in_c) = fs::canonicalize(&input.path) else {
            continue;
        };
        let (what, path) = (input.what, input.path.display());
        if in_c == out_c {
            return Err(StagingError::Refused(format!(
                "refusing to {verb} {shown}: it is this run's {what}"
            )));
        }
        if in_c.starts_with(&out_c) {
            return Err(StagingError::Refused(format!(
                "refusing to {verb} {shown}: it holds this run's {what} ({path})"
            )));
        }
        if input.no_output_inside && out_c.starts_with(&in_c) {
            return Err(StagingError::Refused(format!(
                "refusing to write {shown}: it is inside this run's {what} ({path}); choose an --out outside it"
            )));
        }
    }
    Ok(occupied)
}

/// Whether `dir` is a run's output directory: its manifest.json names
/// tongchou as its tool. Other commands never write into one.
pub fn is_run_output(dir: &Path) -> bool {
    fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|t| ManifestDoc::parse(&t).ok())
        .is_some_and(|m| m.tool == TOOL)
}

/// The nearest of `path`'s directories (itself or one above) that is a
/// run's output directory, after resolving it; `path` need not exist.
pub fn inside_run_output(path: &Path) -> Option<PathBuf> {
    let mut p = path.to_path_buf();
    // Resolve the longest existing prefix (the rest does not exist yet).
    let resolved = loop {
        if let Ok(c) = fs::canonicalize(if p.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &p
        }) {
            break c;
        }
        if !p.pop() {
            return None;
        }
    };
    resolved
        .ancestors()
        .find(|d| d.is_dir() && is_run_output(d))
        .map(Path::to_path_buf)
}

/// An existing output directory may be replaced only when it is an
/// earlier tongchou output: its manifest.json parses, carries the tool's
/// name, and lists every other file in it.
fn check_own_output(out_dir: &Path) -> Result<(), StagingError> {
    let shown = out_dir.display();
    let manifest = out_dir.join("manifest.json");
    let text = match fs::read(&manifest) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(StagingError::Refused(format!(
                "refusing to replace {shown}: it is not a tongchou output (no manifest.json)"
            )))
        }
        Err(e) => return Err(io_at(&manifest)(e)),
    };
    let not_ours = |why: &str| {
        StagingError::Refused(format!(
            "refusing to replace {shown}: it is not a tongchou output ({} {why})",
            manifest.display()
        ))
    };
    // JSON that is not shaped like a manifest is another tool's.
    let m = ManifestDoc::parse(&text).map_err(|e| match e.is_data() {
        true => not_ours("does not name tongchou as its tool"),
        false => not_ours(&format!("is not JSON: {e}")),
    })?;
    if m.tool != TOOL {
        return Err(not_ours("does not name tongchou as its tool"));
    }
    let listed: Vec<&str> = m
        .outputs
        .as_ref()
        .ok_or_else(|| not_ours("lists no outputs"))?
        .iter()
        .map(|o| o.file.as_str())
        .collect();
    let mut present = Vec::new();
    for e in fs::read_dir(out_dir).map_err(io_at(out_dir))? {
        let e = e.map_err(io_at(out_dir))?;
        present.push(e.file_name().to_string_lossy().into_owned());
    }
    present.sort();
    if let Some(stray) = present
        .iter()
        .find(|n| n.as_str() != "manifest.json" && !listed.contains(&n.as_str()))
    {
        return Err(StagingError::Refused(format!(
            "refusing to replace {shown}: it holds {stray}, which tongchou did not write; move it away or choose another --out"
        )));
    }
    Ok(())
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
