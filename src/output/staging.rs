//! Outputs appear complete or not at all (CONTRACT.md §Outputs).
//!
//! Every output is written into a hidden staging directory beside the
//! output directory (same parent, so the same file system), flushed and
//! synced; only then is the staging directory renamed to the output
//! directory's name, in one step. A run that fails drops its staging
//! directory; a run that is killed leaves only the hidden one, never a
//! final-named directory from a half-finished run.
//!
//! An existing, non-empty output directory is replaced only when asked
//! (`--force`): it is first moved aside, then the new one renamed in, then
//! the old one deleted. A lock file beside the output directory stops two
//! runs writing it at once; a lock left by a process that no longer exists
//! is taken over.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
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
    #[error("{}: {source}", .path.display())]
    Io { path: PathBuf, source: io::Error },
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
    lock: PathBuf,
    force: bool,
    names: Vec<String>,
    committed: bool,
}

/// `parent/.name.suffix`: hidden siblings of the output directory.
fn sibling(out_dir: &Path, suffix: &str) -> PathBuf {
    let name = out_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    out_dir.with_file_name(format!(".{name}.{suffix}"))
}

pub(crate) fn pid_alive(pid: &str) -> bool {
    // Linux: a live process has /proc/<pid>. Elsewhere assume it is alive
    // (the user removes a stale lock by hand).
    match pid.trim().parse::<u32>() {
        Ok(p) if Path::new("/proc").is_dir() => Path::new(&format!("/proc/{p}")).exists(),
        _ => true,
    }
}

impl Staging {
    /// Take the lock, check the output directory may be written, and create
    /// the staging directory.
    pub fn create(out_dir: &Path, force: bool) -> Result<Staging, StagingError> {
        let parent = match out_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(io_at(&parent))?;
        let lock = sibling(out_dir, "lock");
        take_lock(out_dir, &lock)?;
        // From here on the lock is ours: build the value now so that Drop
        // releases it on every error path below.
        let pid = std::process::id();
        let staging = Staging {
            out_dir: out_dir.to_path_buf(),
            tmp_dir: sibling(out_dir, &format!("staging-{pid}")),
            lock,
            force,
            names: Vec::new(),
            committed: false,
        };
        if !force && has_content(out_dir) {
            return Err(StagingError::Exists(out_dir.to_path_buf()));
        }
        remove_stale_siblings(out_dir);
        if staging.tmp_dir.exists() {
            fs::remove_dir_all(&staging.tmp_dir).map_err(io_at(&staging.tmp_dir))?;
        }
        fs::create_dir(&staging.tmp_dir).map_err(io_at(&staging.tmp_dir))?;
        Ok(staging)
    }

    /// A new staged file.
    pub fn file(&mut self, name: &str) -> io::Result<BufWriter<File>> {
        self.names.push(name.to_string());
        Ok(BufWriter::with_capacity(
            1 << 20,
            File::create(self.tmp_dir.join(name))?,
        ))
    }

    /// Hash what was staged so far (the manifest lists every other output).
    pub fn written(&self) -> io::Result<Vec<Written>> {
        use rayon::prelude::*;
        self.names
            .par_iter()
            .map(|n| {
                let (bytes, sha256) = hash_file(&self.tmp_dir.join(n))?;
                Ok(Written {
                    name: n.clone(),
                    bytes,
                    sha256,
                })
            })
            .collect()
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
            if !self.force && has_content(&self.out_dir) {
                return Err(StagingError::Exists(self.out_dir.clone()));
            }
            fs::rename(&self.out_dir, &old).map_err(io_at(&self.out_dir))?;
        }
        fs::rename(&self.tmp_dir, &self.out_dir).map_err(io_at(&self.out_dir))?;
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
        let _ = fs::remove_file(&self.lock);
    }
}

/// Create the lock file, taking over one whose process is gone.
fn take_lock(out_dir: &Path, lock: &Path) -> Result<(), StagingError> {
    for _ in 0..2 {
        match OpenOptions::new().write(true).create_new(true).open(lock) {
            Ok(mut f) => {
                let _ = writeln!(f, "{}", std::process::id());
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let pid = fs::read_to_string(lock).unwrap_or_default();
                if pid_alive(&pid) {
                    return Err(StagingError::Locked {
                        out: out_dir.to_path_buf(),
                        lock: lock.to_path_buf(),
                        pid: pid.trim().to_string(),
                    });
                }
                // Stale: its run was killed. Take it over.
                fs::remove_file(lock).map_err(io_at(lock))?;
            }
            Err(e) => {
                return Err(StagingError::Io {
                    path: lock.to_path_buf(),
                    source: e,
                })
            }
        }
    }
    Err(StagingError::Locked {
        out: out_dir.to_path_buf(),
        lock: lock.to_path_buf(),
        pid: "?".into(),
    })
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

fn has_content(dir: &Path) -> bool {
    fs::read_dir(dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
        || (dir.exists() && !dir.is_dir())
}

/// Size and SHA-256 (hex) of a file, read in chunks: an output can be
/// larger than the memory budget.
fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((bytes, crate::input::csvsrc::hex(&hasher.finalize())))
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Flush a writer and surface the error (a full disk must fail the run).
pub fn finish<W: Write>(mut w: W) -> io::Result<()> {
    w.flush()
}
