//! The national platform's layout (CONTRACT.md "The platform layout"):
//! `<data>/settlements/*.csv` (one row per settlement) joined on `setl_id`
//! with `<data>/fee_details/*.csv` (one row per fee line).
//!
//! The settlements are read first, into a compact table. The fee files
//! are then scanned, beside the claim files, each fee row joined with
//! its settlement and parsed straight into the claim line it stands for:
//! from there lines are partitioned, grouped and adjudicated exactly as a
//! month written in `claims/`, which is what makes the two layouts give
//! the same results. Every settlement the contract holds back (another
//! insurance type, an unknown or inpatient `med_type`, lines that do not
//! add up, a contradicting fee row, a fractional `prd_days`, ...) goes to
//! rejects.csv whole, a row per input row.
//!
//! A month over its memory budget reads its settlements a [`bucket`] at a
//! time (by a hash of `setl_id`) and scans the fee files once per bucket
//! for that bucket's rows; each bucket's settlements are decided, and let
//! go, before the next is read. What the partitions need afterwards is
//! kept by `setl_id`, only for settlements held back or renumbered.
//!
//! Its parts: [`codes`] (the `med_type` code tables and city codes),
//! [`bucket`] (which settlements are read together),
//! [`settlements`] (the settlement table and the checks of a settlement
//! alone) with [`index`] (finding a settlement by `setl_id`),
//! [`fee_lines`] (scanning a fee file), [`claim_line`] (a fee row and its
//! settlement parsed as a claim line), [`verdict`] (each settlement's
//! verdict once every fee row is read), [`join`] (the verdicts applied to
//! a partition's lines), [`rejects`] (held-back rows as rejects.csv rows),
//! [`columns`] (the schemas' column indexes) and [`reference`] (reference
//! files under the platform's names).

mod bucket;
mod claim_line;
mod codes;
mod columns;
pub mod declared;
mod fee_lines;
mod index;
mod join;
pub mod reference;
mod rejects;
mod settlements;
mod verdict;

use super::claims::Reject;
use super::csvsrc::{open, Column, CsvFile, Encodings};
use super::{InputError, Reference};
use crate::input::Reason;
use crate::output::LineKeys;
pub use crate::schema::platform::{DECLARED, FEE_DETAILS, SETTLEMENTS};
pub use bucket::Bucket;
pub use codes::{
    city_of_admdvs, read_codes, read_codes_of, AdmdvsCities, CityCodes, Codes, LocalCode,
    NATIONAL_MED_TYPES,
};
use columns::{f, has_column};
pub use fee_lines::FeeNotes;
use rustc_hash::{FxHashMap, FxHashSet};
use settlements::{Hold, Table};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use crate::core::adjudicate::clearing::Declared;

/// The platform layout of a data directory: its settlements read, its fee
/// files to scan, and, once scanned, each settlement's verdict.
pub struct Platform {
    /// The fee files, until [`Platform::attach`] puts them among the claim
    /// files.
    pub files: Vec<CsvFile>,
    /// Where the fee files are among the claim files.
    fee_files: Range<usize>,
    /// Their size, for the memory budget.
    fee_bytes: u64,
    settlement_files: Vec<CsvFile>,
    /// The rule files' code tables, to read settlements with.
    codes: Codes,
    /// The settlements read: those of [`Platform::bucket`].
    table: Table,
    /// The bucket of settlements read and scanned now.
    bucket: Bucket,
    /// Settlement rows rejected while reading, until [`Platform::decide`].
    read_rejects: Vec<Reject>,
    /// Settlements held back once their fee rows were read, by `setl_id`.
    holds: FxHashMap<Box<str>, Hold>,
    /// The `setl_id` of settlements held back on their own cells.
    held_alone: FxHashSet<Box<str>>,
    /// Settlements that passed whose lines are numbered by `feedetl_sn`
    /// order, by `setl_id`: their numbers in that order.
    renumber: FxHashMap<Box<str>, Vec<Box<str>>>,
    /// The `feedetl_sn` of their rows not numbered `1, 2, 3, ...` in
    /// reading order, by (claim file, line).
    recorded: FxHashMap<(usize, u64), Box<str>>,
    /// Rows whose claim id is not their `setl_id` as written: that
    /// `setl_id`.
    odd_ids: FxHashMap<(usize, u64), Box<str>>,
    /// Rows longer than a claim line's raw text in rejects.csv.
    long_rows: FxHashMap<(usize, u64), (usize, usize)>,
    /// What the settlements that passed declared (POLICY §10), by
    /// `setl_id`: the whole month's, unless kept by partition.
    pub declared: HashMap<String, Declared>,
    /// Whether the declared amounts are kept by partition instead: then
    /// each bucket's are in `found`, until the scan writes them beside the
    /// partitions' spill files.
    declared_by_partition: bool,
    found: Vec<declared::Found>,
    /// Claims of fee lines that grouping held back, by claim id: whether
    /// a line of it was the culprit, and the reason its settlement row
    /// is given (see [`Platform::finish_rejects`]).
    culprits: Mutex<BTreeMap<String, (bool, Reason)>>,
    pub warnings: Vec<String>,
    /// The line keys (`feedetl_sn`) of claims whose keys are not simply
    /// 1, 2, 3, ...: audit.csv names their lines by them.
    pub line_keys: LineKeys,
}
/// The `*.csv` files of a directory, sorted (none when it does not exist).
fn csv_files(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| InputError::new(dir, 0, "", format!("cannot list: {e}")))?;
    let mut out = Vec::new();
    for e in entries {
        let p = e
            .map_err(|e| InputError::new(dir, 0, "", format!("cannot list: {e}")))?
            .path();
        if p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Whether a data directory holds the platform layout.
pub fn present(data: &Path) -> bool {
    data.join("settlements").is_dir() || data.join("fee_details").is_dir()
}

fn open_all(
    paths: &[PathBuf],
    schema: &'static [Column],
    encoding: &Encodings,
    warnings: &mut Vec<String>,
) -> Result<Vec<CsvFile>, InputError> {
    let mut out = Vec::new();
    for p in paths {
        let f = open(p, schema, encoding.for_file("claims", p))?;
        if let Some(c) = f.missing_columns.first() {
            return Err(InputError::new(
                p,
                1,
                c,
                crate::input::Reason::ColumnMissing,
            ));
        }
        if !f.unknown_columns.is_empty() {
            warnings.push(
                crate::input::reason::Warning::UnknownColumns {
                    file: p.display().to_string(),
                    columns: f.unknown_columns.join(", "),
                }
                .to_string(),
            );
        }
        out.push(f);
    }
    Ok(out)
}

/// Read `<data>/settlements/` and `<data>/fee_details/`, every settlement
/// at once, to join them.
pub fn read(
    data: &Path,
    codes: &Codes,
    reference: &Reference,
    encoding: &Encodings,
) -> Result<Platform, InputError> {
    let mut p = open_layout(data, codes, encoding)?;
    p.load(Bucket::ALL, reference);
    Ok(p)
}

/// Open `<data>/settlements/` and `<data>/fee_details/` (their headers
/// checked), reading no settlement yet: see [`Platform::load`].
pub fn open_layout(
    data: &Path,
    codes: &Codes,
    encoding: &Encodings,
) -> Result<Platform, InputError> {
    let mut warnings = Vec::new();
    let settlement_files = open_all(
        &csv_files(&data.join("settlements"))?,
        SETTLEMENTS,
        encoding,
        &mut warnings,
    )?;
    let fee_files = open_all(
        &csv_files(&data.join("fee_details"))?,
        FEE_DETAILS,
        encoding,
        &mut warnings,
    )?;
    for f in &fee_files {
        if f.missing_columns.is_empty()
            && !has_column(f, f::HILIST_CODE)
            && !has_column(f, f::MED_LIST_CODG)
        {
            return Err(InputError::new(
                &f.path,
                1,
                "hilist_code",
                "required column is missing from the header (hilist_code or med_list_codg)",
            ));
        }
    }
    Ok(Platform {
        fee_files: 0..fee_files.len(),
        fee_bytes: fee_files.iter().map(|f| f.bytes).sum(),
        files: fee_files,
        settlement_files,
        codes: codes.clone(),
        table: Table::default(),
        bucket: Bucket::ALL,
        read_rejects: Vec::new(),
        holds: FxHashMap::default(),
        held_alone: FxHashSet::default(),
        renumber: FxHashMap::default(),
        recorded: FxHashMap::default(),
        odd_ids: FxHashMap::default(),
        long_rows: FxHashMap::default(),
        declared: HashMap::new(),
        declared_by_partition: false,
        found: Vec::new(),
        culprits: Mutex::default(),
        warnings,
        line_keys: LineKeys::new(),
    })
}

impl Platform {
    /// Put the fee files at the end of the run's claim files, which is
    /// where the scan reads them.
    pub fn attach(&mut self, files: &mut Vec<CsvFile>) {
        self.fee_files = files.len()..files.len() + self.files.len();
        files.append(&mut self.files);
    }

    /// Whether claim file `fi` is a fee file.
    pub(crate) fn is_fee_file(&self, fi: usize) -> bool {
        self.fee_files.contains(&fi)
    }

    /// Whether `path` (as rejects.csv names files) is a fee file.
    pub(crate) fn is_fee_path(&self, files: &[CsvFile], path: &str) -> bool {
        self.fee_files
            .clone()
            .any(|fi| files[fi].path.display().to_string() == path)
    }

    /// Whether the settlement of a claim id passed the join (before
    /// [`Platform::release_table`] only).
    pub(crate) fn passes(&self, id: &str) -> bool {
        self.table.find(id).is_some() && !self.held(id)
    }

    /// Whether the settlement of `setl_id` `id`, if any, was held back.
    fn held(&self, id: &str) -> bool {
        self.held_alone.contains(id) || self.holds.contains_key(id)
    }

    /// Read the settlements of `bucket` (the rows of the others are left
    /// for their own turn), to scan that bucket's fee rows against.
    pub fn load(&mut self, bucket: Bucket, reference: &Reference) {
        self.table = Table::default();
        self.table = settlements::read_table(
            &self.settlement_files,
            &self.codes,
            reference,
            &mut self.read_rejects,
            bucket,
        );
        self.bucket = bucket;
    }

    /// Keep what the settlements declared by partition: see
    /// [`Platform::take_declared`].
    pub fn declare_by_partition(&mut self) {
        self.declared_by_partition = true;
    }

    /// The declared amounts of the settlements decided since the last
    /// call, when kept by partition (see
    /// [`Platform::declare_by_partition`]), to be written by partition.
    pub fn take_declared(&mut self) -> Vec<declared::Found> {
        std::mem::take(&mut self.found)
    }

    /// The settlement files' size, for the memory budget.
    pub fn settlement_bytes(&self) -> u64 {
        self.settlement_files.iter().map(|f| f.bytes).sum()
    }

    /// Drop the settlement table once every settlement is decided: what
    /// the partitions need of it is kept by `setl_id`, and only for the
    /// few settlements held back or renumbered. The month's settlements
    /// are not held while its partitions are adjudicated.
    pub fn release_table(&mut self) {
        self.table = Table::default();
    }

    /// The fee files' bytes as claim-file bytes, for the memory budget: a
    /// fee row carries about half of a claim line's cells, its settlement
    /// row the rest.
    pub fn scan_bytes(&self) -> u64 {
        self.fee_bytes * 2 + self.settlement_bytes()
    }

    /// The settlement files, as the manifest records its inputs (the fee
    /// files are recorded as claim files).
    pub fn settlement_inputs(&self) -> Vec<super::InputFile> {
        self.settlement_files
            .iter()
            .map(super::InputFile::from)
            .collect()
    }
}
