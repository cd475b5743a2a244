//! The national platform's layout (CONTRACT.md "The platform layout"):
//! `<data>/settlements/*.csv` (one row per settlement) joined on `setl_id`
//! with `<data>/fee_details/*.csv` (one row per fee line).
//!
//! The join is checked here, and every settlement the contract holds back
//! (another insurance type, an unknown or inpatient `med_type`, lines that
//! do not add up, a contradicting fee row, a fractional `prd_days`, ...)
//! goes to rejects.csv whole, a row per input row. What passes is written
//! as claim lines of `claims/*.csv`, in memory, one fee file each, keeping
//! every fee row on its own line number: from there the claims reader
//! checks, groups, partitions and adjudicates them exactly as it does a
//! month written in `claims/`, which is what makes the two layouts give
//! the same results.
//!
//! Its parts: [`codes`] (the `med_type` code tables and city codes),
//! [`settlements`] and [`fee_details`] (reading each kind of row),
//! [`join`] (the join and what it holds back), [`claim_lines`] (the
//! rewrite into claim lines), [`rejects`] (held-back rows as rejects.csv
//! rows), [`columns`] (the schemas' column indexes) and [`reference`]
//! (reference files under the platform's names).

mod claim_lines;
mod codes;
mod columns;
mod fee_details;
mod join;
pub mod reference;
mod rejects;
mod settlements;

use super::claims::Reject;
use super::csvsrc::{open, Column, CsvFile, Encodings};
use super::{InputError, Reference};
use crate::output::LineKeys;
pub use crate::schema::platform::{DECLARED, FEE_DETAILS, SETTLEMENTS};
pub use codes::{
    city_of_admdvs, read_codes, read_codes_of, AdmdvsCities, CityCodes, Codes, LocalCode,
    NATIONAL_MED_TYPES,
};
use columns::{f, has_column};
use join::{Decided, Layout};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use crate::core::adjudicate::clearing::Declared;

/// The platform layout of a data directory, read and joined.
pub struct Platform {
    /// The fee files rewritten as claim files (same path, size, hash).
    pub files: Vec<CsvFile>,
    /// Rows held back here, with the fee files' count and amount of them.
    held: Vec<Reject>,
    held_stats: Vec<(u64, Decimal)>,
    settlement_files: Vec<CsvFile>,
    fee_files: Vec<CsvFile>,
    /// Per fee file: (line, original byte range) of every row sent on.
    sent: Vec<Vec<(u64, (usize, usize))>>,
    /// Settlements sent on: claim id → (file, line, byte range).
    sent_settlements: HashMap<String, (usize, u64, (usize, usize))>,
    pub declared: HashMap<String, Declared>,
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

/// Read `<data>/settlements/` and `<data>/fee_details/` and join them.
pub fn read(
    data: &Path,
    codes: &Codes,
    reference: &Reference,
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
    let mut held = Vec::new();
    let mut held_stats = vec![(0u64, Decimal::ZERO); fee_files.len()];

    // Settlement rows.
    let setls = settlements::read_rows(&settlement_files, &mut held);
    let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in setls.iter().enumerate() {
        by_id.entry(s.id.as_str()).or_default().push(i);
    }

    // Fee rows.
    let mut fees = fee_details::read_rows(&fee_files, &setls, &by_id, &mut held, &mut held_stats);

    // Decide each settlement.
    let Decided {
        passed,
        sent_settlements,
        declared,
        keys,
        ordinals,
    } = join::decide(
        Layout {
            settlement_files: &settlement_files,
            fee_files: &fee_files,
            setls: &setls,
            fees: &fees,
        },
        &by_id,
        codes,
        reference,
        &mut held,
        &mut held_stats,
    );
    for (i, n) in ordinals {
        fees[i].ordinal = n;
    }

    // Write what passed as claim lines, each on its own line number.
    let claim_lines::Rewritten { files, sent } =
        claim_lines::rewrite(&fee_files, &fees, &setls, &passed)?;
    Ok(Platform {
        files,
        held,
        held_stats,
        settlement_files,
        fee_files,
        sent,
        sent_settlements,
        declared,
        warnings,
        line_keys: keys,
    })
}

impl Platform {
    /// The settlement files, as the manifest records its inputs (the fee
    /// files are recorded as claim files).
    pub fn settlement_inputs(&self) -> Vec<super::InputFile> {
        self.settlement_files
            .iter()
            .map(super::InputFile::from)
            .collect()
    }
}
