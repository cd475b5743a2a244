//! The rewrite of the fee lines that passed as claim lines of
//! `claims/*.csv`, in memory, one fee file each, every fee row on its own
//! line number (held-back rows leave blank lines), so that the claims
//! reader takes them from there exactly as it takes a month in `claims/`.

use super::super::csvsrc::CsvFile;
use super::super::InputError;
use super::columns::{cell_of, f};
use super::fee_details::Fee;
use super::settlements::Setl;
use std::collections::HashMap;

/// The fee files rewritten as claim files.
pub(super) struct Rewritten {
    /// The claim files (same path, size, hash as the fee files).
    pub files: Vec<CsvFile>,
    /// Per fee file: (line, original byte range) of every row sent on.
    pub sent: Vec<Vec<(u64, (usize, usize))>>,
}

/// Write the fee rows of the settlements that passed (`passed`: claim id
/// → (settlement row, visit type)) as claim lines.
pub(super) fn rewrite(
    fee_files: &[CsvFile],
    fees: &[Fee],
    setls: &[Setl],
    passed: &HashMap<String, (usize, String)>,
) -> Result<Rewritten, InputError> {
    let mut files = Vec::with_capacity(fee_files.len());
    let mut sent = Vec::with_capacity(fee_files.len());
    let mut next = 0usize;
    for (fi, file) in fee_files.iter().enumerate() {
        // The claim-line header the fee lines are rewritten under.
        let mut text = crate::schema::CLAIMS_HEADER.join(",") + "\n";
        let mut at_line = 2u64;
        let mut sent_here = Vec::new();
        let mut rows = file.records();
        while let Some(row) = rows.next_row() {
            let Ok(row) = row else { continue };
            // The fee rows of this file, in reading order.
            while next < fees.len() && (fees[next].file, fees[next].line) < (fi, row.line) {
                next += 1;
            }
            let Some(fe) = fees
                .get(next)
                .filter(|fe| (fe.file, fe.line) == (fi, row.line))
            else {
                continue;
            };
            let Some((si, vt)) = passed.get(&fe.setl_id) else {
                continue;
            };
            let st = &setls[*si];
            while at_line < row.line {
                text.push('\n');
                at_line += 1;
            }
            let first = |a: usize, b: usize| {
                let v = cell_of(&row, a);
                if v.is_empty() {
                    cell_of(&row, b)
                } else {
                    v
                }
            };
            let prd = cell_of(&row, f::PRD_DAYS);
            let prd = match crate::core::money::parse_decimal(&prd) {
                Ok(d) if d.fract().is_zero() && !prd.is_empty() => {
                    d.trunc().normalize().to_string()
                }
                _ => prd,
            };
            let one_line = |s: String| s.replace(['\r', '\n'], " ");
            let record = [
                fe.setl_id.clone(),
                fe.ordinal.to_string(),
                st.person.clone(),
                st.institution.clone(),
                st.time.clone(),
                vt.clone(),
                first(f::HILIST_CODE, f::MED_LIST_CODG),
                first(f::HILIST_NAME, f::MEDINS_LIST_NAME),
                cell_of(&row, f::CNT),
                cell_of(&row, f::PRIC),
                cell_of(&row, f::AMOUNT),
                first(f::RXNO, f::RX_DRORD_NO),
                st.prescriber.clone(),
                prd,
                st.mode.clone(),
                st.submitted.clone(),
                st.exclusion.clone(),
                st.reverses.clone(),
            ]
            .map(one_line);
            let cannot = |e: String| {
                InputError::new(&file.path, row.line, "", format!("cannot rewrite: {e}"))
            };
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            w.write_record(&record).map_err(|e| cannot(e.to_string()))?;
            let bytes = w.into_inner().map_err(|e| cannot(e.to_string()))?;
            text.push_str(&String::from_utf8_lossy(&bytes));
            at_line += 1;
            sent_here.push((row.line, row.byte_range));
        }
        files.push(CsvFile::from_text(
            &file.path,
            super::super::claims::CLAIMS,
            text,
            file.bytes,
            file.sha256.clone(),
            file.encoding,
        )?);
        sent.push(sent_here);
    }
    Ok(Rewritten { files, sent })
}
