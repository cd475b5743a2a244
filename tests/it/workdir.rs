//! Runs the real binary in a temporary directory and, on failure, shows the
//! command, its stdout and its stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Workdir {
    dir: tempfile::TempDir,
}

/// The finished command, with everything needed to explain a failure.
pub struct Run {
    pub cmd: String,
    pub out: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    /// Assert the exit code, showing the whole run otherwise.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code(),
            code,
            "\ncommand: {}\n--- stdout\n{}\n--- stderr\n{}",
            self.cmd,
            self.stdout(),
            self.stderr()
        );
        self
    }
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("create a temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// Write a file (creating its directories).
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let p = self.join(rel);
        std::fs::create_dir_all(p.parent().expect("a file has a parent")).expect("create dirs");
        std::fs::write(&p, content).expect("write file");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Copy the shipped sample (data and rules) into `samples/` here.
    /// The manifest.json of the run that wrote `out`.
    pub fn manifest(&self, out: &str) -> serde_json::Value {
        serde_json::from_str(&self.read(&format!("{out}/manifest.json"))).expect("manifest")
    }

    pub fn with_sample(self) -> Workdir {
        copy_dir(&repo().join("samples"), &self.join("samples"));
        self
    }

    /// Run `tongchou` with `args` in this directory.
    pub fn run(&self, args: &[&str]) -> Run {
        let exe = env!("CARGO_BIN_EXE_tongchou");
        let out = Command::new(exe)
            .args(args)
            .current_dir(self.path())
            .output()
            .expect("start the tongchou binary");
        Run {
            cmd: format!(
                "(cd {} && tongchou {})",
                self.path().display(),
                args.join(" ")
            ),
            out,
        }
    }
}

/// Every output but manifest.json (which holds timings and paths).
pub const OUTPUTS: &[&str] = &[
    "payments.csv",
    "audit.csv",
    "rejects.csv",
    "ledger.csv",
    "summary.csv",
    "settlement.csv",
    "summary.json",
    "leads.csv",
    "accounts.csv",
];

/// The files made for people to open (a workbook, a page): compared as
/// bytes, not kept as goldens (tests/it/people_files.rs checks them).
pub const VIEW_OUTPUTS: &[&str] = &["settlement.xlsx", "report.html"];

impl Workdir {
    /// Assert two output directories hold byte-identical outputs.
    pub fn assert_same_outputs(&self, a: &str, b: &str) {
        for f in OUTPUTS {
            let (x, y) = (
                self.read(&format!("{a}/{f}")),
                self.read(&format!("{b}/{f}")),
            );
            assert!(x == y, "{f} differs between {a} and {b}");
        }
        for f in VIEW_OUTPUTS {
            let read = |d: &str| std::fs::read(self.join(&format!("{d}/{f}"))).expect("output");
            assert!(read(a) == read(b), "{f} differs between {a} and {b}");
        }
    }
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("dir entry");
        let t = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).expect("copy file");
        }
    }
}

/// How many partitions a run's manifest records.
pub fn partitions(manifest: &serde_json::Value) -> u64 {
    manifest["timings_ms"]["partitions"]
        .as_u64()
        .expect("partitions in the manifest")
}
