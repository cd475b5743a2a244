//! Reading `settlements/*.csv`: one row per settlement, its claim-level
//! cells kept as written (trimmed) for the join.

use super::super::claims::Reject;
use super::super::csvsrc::CsvFile;
use super::columns::{cell_of, s};
use super::rejects::{broken, reject_at};

/// One settlement row.
pub(super) struct Setl {
    pub(super) file: usize,
    pub(super) line: u64,
    pub(super) range: (usize, usize),
    pub(super) id: String,
    /// The claim-level cells, as written (trimmed).
    pub(super) person: String,
    pub(super) institution: String,
    pub(super) time: String,
    pub(super) med_type: String,
    pub(super) insutype: String,
    pub(super) sumamt: String,
    pub(super) prescriber: String,
    pub(super) mode: String,
    pub(super) submitted: String,
    pub(super) exclusion: String,
    pub(super) reverses: String,
    pub(super) declared: [Option<String>; 6],
}

/// Read the rows of every settlement file; a row that cannot be read or
/// names no settlement is held back.
pub(super) fn read_rows(settlement_files: &[CsvFile], held: &mut Vec<Reject>) -> Vec<Setl> {
    let mut setls: Vec<Setl> = Vec::new();
    for (fi, file) in settlement_files.iter().enumerate() {
        let mut rows = file.records();
        while let Some(row) = rows.next_row() {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    held.push(broken(file, e));
                    continue;
                }
            };
            let id = cell_of(&row, s::SETL_ID);
            let range = row.byte_range;
            if id.is_empty() {
                held.push(reject_at(
                    file,
                    row.line,
                    range,
                    "setl_id",
                    "",
                    crate::input::Reason::NoSettlement,
                    None,
                ));
                continue;
            }
            let declared = std::array::from_fn(|i| {
                Some(cell_of(&row, s::DECLARED + i)).filter(|v| !v.is_empty())
            });
            setls.push(Setl {
                file: fi,
                line: row.line,
                range,
                person: cell_of(&row, s::PSN_NO),
                institution: cell_of(&row, s::FIXMEDINS_CODE),
                time: cell_of(&row, s::SETL_TIME),
                med_type: cell_of(&row, s::MED_TYPE),
                insutype: cell_of(&row, s::INSUTYPE),
                sumamt: cell_of(&row, s::MEDFEE_SUMAMT),
                prescriber: cell_of(&row, s::PRESCRIBER_ID),
                mode: cell_of(&row, s::SETTLEMENT_MODE),
                submitted: cell_of(&row, s::SUBMITTED_DATE),
                exclusion: cell_of(&row, s::EXCLUSION),
                reverses: cell_of(&row, s::REVERSES_CLAIM_ID),
                declared,
                id,
            });
        }
    }
    setls
}
