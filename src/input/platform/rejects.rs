//! The rows the layout holds back, as rejects.csv rows under the
//! platform's own text and column names: those held back by the join, and
//! those of claims the claims reader holds back afterwards.

use super::super::claims::Reject;
use super::super::csvsrc::CsvFile;
use super::super::InputError;
use super::columns::{cell_of, s};
use super::Platform;
use crate::input::Reason;
use rust_decimal::Decimal;

/// A claim column as the platform names it, for rejects.csv.
fn platform_column(claim_column: &str) -> &str {
    match claim_column {
        "claim_id" => "setl_id",
        "line_no" => "feedetl_sn",
        "person_id" => "psn_no",
        "institution_id" => "fixmedins_code",
        "service_time" => "setl_time",
        "visit_type" => "med_type",
        "item_code" => "hilist_code",
        "item_name" => "hilist_name",
        "quantity" => "cnt",
        "unit_price" => "pric",
        "amount" => "det_item_fee_sumamt",
        "prescription_id" => "rxno",
        "supply_days" => "prd_days",
        other => other,
    }
}

pub(super) fn broken(file: &CsvFile, e: InputError) -> Reject {
    Reject {
        file: file.path.display().to_string(),
        line: e.line,
        column: String::new(),
        claim_id: String::new(),
        reason: *e.message,
        raw: String::new(),
        amount: None,
    }
}

pub(super) fn reject_at(
    file: &CsvFile,
    line: u64,
    range: (usize, usize),
    column: &str,
    claim_id: &str,
    reason: Reason,
    amount: Option<Decimal>,
) -> Reject {
    let text = file.raw_text(range);
    Reject {
        file: file.path.display().to_string(),
        line,
        column: column.to_string(),
        claim_id: claim_id.to_string(),
        reason,
        raw: text.trim_end_matches(['\r', '\n']).to_string(),
        amount,
    }
}

impl Platform {
    /// Put the platform's names and rows into the rejects the claims
    /// reader made of fee lines (grouping them into claims): the fee
    /// row's whole text and the platform's column names. The settlement
    /// row of such a claim goes beside its lines too, when its settlement
    /// passed the join: noted here, written by
    /// [`Platform::settlement_rows`] once every partition is grouped.
    pub fn finish_rejects(&self, files: &[CsvFile], rejects: &mut [Reject]) {
        let mut noted = self.culprits.lock().unwrap_or_else(|e| e.into_inner());
        for r in rejects.iter_mut() {
            let Some(fi) = self
                .fee_files
                .clone()
                .find(|&fi| files[fi].path.display().to_string() == r.file)
            else {
                continue;
            };
            if let Some(range) = self.long_rows.get(&(fi, r.line)) {
                let text = files[fi].raw_text(*range);
                r.raw = text.trim_end_matches(['\r', '\n']).to_string();
            }
            r.column = platform_column(&r.column).to_string();
            // Whether a settlement of this id exists is known once the
            // settlement files are read again; one held back does not.
            if self.held(&r.claim_id) {
                continue;
            }
            let culprit = !r.reason.is_held_back();
            let text = if culprit {
                Reason::HeldWithClaim {
                    claim: r.claim_id.clone(),
                    file: r.file.clone(),
                    line: r.line,
                    cause: Box::new(r.reason.clone()),
                }
            } else {
                r.reason.clone()
            };
            match noted.get_mut(&r.claim_id) {
                Some(e) if culprit && !e.0 => *e = (culprit, text),
                Some(_) => {}
                None => {
                    noted.insert(r.claim_id.clone(), (culprit, text));
                }
            }
        }
    }

    /// The rejects.csv rows of the settlement rows of the claims noted by
    /// [`Platform::finish_rejects`] whose settlements passed the join:
    /// the settlement files are read again for them (the table is gone
    /// by then), each `setl_id` found on its first row, as the table
    /// found it.
    pub fn settlement_rows(&self) -> Vec<Reject> {
        let mut noted =
            std::mem::take(&mut *self.culprits.lock().unwrap_or_else(|e| e.into_inner()));
        let mut out = Vec::new();
        for file in &self.settlement_files {
            if noted.is_empty() {
                break;
            }
            let mut rows = file.records();
            while let Some(row) = rows.next_row() {
                let Ok(row) = row else { continue };
                let id = cell_of(&row, s::SETL_ID);
                if id.is_empty() {
                    continue;
                }
                if let Some((id, (_, reason))) = noted.remove_entry(&id) {
                    out.push(reject_at(
                        file,
                        row.line,
                        row.byte_range,
                        "",
                        &id,
                        reason,
                        None,
                    ));
                }
            }
        }
        out
    }
}
