//! The rows the layout holds back, as rejects.csv rows under the
//! platform's own text and column names: those held back by the join, and
//! those of claims the claims reader holds back afterwards.

use super::super::claims::Reject;
use super::super::csvsrc::CsvFile;
use super::super::InputError;
use super::Platform;
use crate::input::Reason;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

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
    /// row's whole text and the platform's column names, and the
    /// settlement row beside its lines.
    pub fn finish_rejects(&self, files: &[CsvFile], rejects: &mut Vec<Reject>) {
        let mut culprits: BTreeMap<String, (bool, Reason)> = BTreeMap::new();
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
            if self.passed(&r.claim_id).is_some() {
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
                match culprits.get_mut(&r.claim_id) {
                    Some(e) if culprit && !e.0 => *e = (culprit, text),
                    Some(_) => {}
                    None => {
                        culprits.insert(r.claim_id.clone(), (culprit, text));
                    }
                }
            }
        }
        for (id, (_, reason)) in culprits {
            if let Some(i) = self.passed(&id) {
                let row = &self.table.rows[i as usize];
                rejects.push(reject_at(
                    &self.settlement_files[row.file as usize],
                    row.line,
                    row.range,
                    "",
                    &id,
                    reason,
                    None,
                ));
            }
        }
    }
}
