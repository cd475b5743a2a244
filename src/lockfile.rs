//! Lock files held with an OS advisory lock (`flock` on Unix, `LockFileEx`
//! on Windows).
//!
//! The lock, not the file, says whether a run is alive: the kernel releases
//! it when the process ends, however it ends, and it holds across PID
//! namespaces (two containers on one volume). The process id written into
//! the file is only there to tell the user who holds it; a zero-byte lock
//! file or one naming a reused, live PID blocks nobody.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A lock this process holds. Dropping it removes the file, then releases
/// the lock.
#[derive(Debug)]
pub struct LockFile {
    // `Drop::drop` removes the path while the lock is still held; only
    // then is the file closed, which releases it.
    _file: File,
    path: PathBuf,
}

/// Another process holds the lock; `pid` is what its file says (may be
/// empty while the holder is still writing it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub pid: String,
}

impl LockFile {
    /// Take the lock at `path` without waiting, creating the file if needed.
    pub fn try_take(path: &Path) -> io::Result<Result<LockFile, Held>> {
        // A holder removes its file just before releasing the lock. If we
        // opened that file before it was removed, we may lock an unlinked
        // file: the path check below sees it and we try again on the new one.
        for _ in 0..16 {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)?;
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => {}
                Err(fs4::TryLockError::WouldBlock) => {
                    let pid = fs::read_to_string(path).unwrap_or_default();
                    return Ok(Err(Held {
                        pid: pid.trim().to_string(),
                    }));
                }
                Err(fs4::TryLockError::Error(e)) => return Err(e),
            }
            if !is_at(&file, path) {
                continue;
            }
            // The process id, for the user only.
            file.set_len(0)?;
            let mut w = &file;
            writeln!(w, "{}", std::process::id())?;
            return Ok(Ok(LockFile {
                _file: file,
                path: path.to_path_buf(),
            }));
        }
        Err(io::Error::other(
            "the lock file keeps being replaced by other processes",
        ))
    }
}

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Whether the open `file` is still the one at `path`.
#[cfg(unix)]
fn is_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere an open file cannot be removed, so it is still there.
#[cfg(not(unix))]
fn is_at(_file: &File, path: &Path) -> bool {
    path.exists()
}
