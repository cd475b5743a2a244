//! Files appear complete or not at all (CONTRACT.md §Outputs).
//!
//! Every output is written into a hidden staging directory inside the
//! output directory, flushed and synced, and only then renamed to its final
//! name, `manifest.json` last. A run that fails drops the staging directory;
//! a run that is killed leaves only the hidden directory, never a
//! final-named file from a half-finished run.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// An output file once committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

pub struct Staging {
    out_dir: PathBuf,
    tmp_dir: PathBuf,
    names: Vec<String>,
    committed: bool,
}

impl Staging {
    pub fn create(out_dir: &Path) -> io::Result<Staging> {
        fs::create_dir_all(out_dir)?;
        let tmp_dir = out_dir.join(format!(".tongchou-staging-{}", std::process::id()));
        if tmp_dir.exists() {
            fs::remove_dir_all(&tmp_dir)?;
        }
        fs::create_dir(&tmp_dir)?;
        Ok(Staging {
            out_dir: out_dir.to_path_buf(),
            tmp_dir,
            names: Vec::new(),
            committed: false,
        })
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
                let bytes = fs::read(self.tmp_dir.join(n))?;
                Ok(Written {
                    name: n.clone(),
                    bytes: bytes.len() as u64,
                    sha256: crate::input::csvsrc::sha256_hex(&bytes),
                })
            })
            .collect()
    }

    /// Sync every staged file and rename them into place, `last` at the end.
    pub fn commit(mut self, last: &str) -> io::Result<()> {
        for n in &self.names {
            File::open(self.tmp_dir.join(n))?.sync_all()?;
        }
        let mut order: Vec<&String> = self.names.iter().filter(|n| n.as_str() != last).collect();
        order.extend(self.names.iter().filter(|n| n.as_str() == last));
        for n in order {
            fs::rename(self.tmp_dir.join(n), self.out_dir.join(n))?;
        }
        self.committed = true;
        fs::remove_dir(&self.tmp_dir)?;
        if let Ok(d) = File::open(&self.out_dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp_dir);
        }
    }
}

/// Flush a writer and surface the error (a full disk must fail the run).
pub fn finish<W: Write>(mut w: W) -> io::Result<()> {
    w.flush()
}
