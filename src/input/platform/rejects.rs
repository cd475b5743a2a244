//! The rows the layout holds back, as rejects.csv rows under the
//! platform's own text and column names: those held back by the join, and
//! those of claims the claims reader holds back afterwards.

use super::super::claims::Reject;
use super::super::csvsrc::CsvFile;
use super::super::{InputError, Reason};
use super::Platform;
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
    /// Count the rows held back here into the scan: they were read from
    /// the fee files, and are quarantined.
    pub fn add_held(&mut self, scan: &mut super::super::Scan) {
        for (f, (lines, amount)) in self.fee_files.iter().zip(&self.held_stats) {
            if let Some(stat) = scan.files.iter_mut().find(|s| s.file.path == f.path) {
                stat.lines += lines;
                stat.amount += amount;
            }
        }
        scan.rejects.append(&mut self.held);
    }

    /// Put the platform's rows back into rejects of claims the claims
    /// reader held back: each fee row's own text and column names, and the
    /// settlement row beside its lines.
    pub fn finish_rejects(&self, rejects: &mut Vec<Reject>) {
        let mut culprits: BTreeMap<String, (bool, Reason)> = BTreeMap::new();
        for r in rejects.iter_mut() {
            let Some(fi) = self
                .fee_files
                .iter()
                .position(|f| f.path.display().to_string() == r.file)
            else {
                continue;
            };
            let Ok(k) = self.sent[fi].binary_search_by_key(&r.line, |(l, _)| *l) else {
                continue;
            };
            let text = self.fee_files[fi].raw_text(self.sent[fi][k].1);
            r.raw = text.trim_end_matches(['\r', '\n']).to_string();
            r.column = platform_column(&r.column).to_string();
            if self.sent_settlements.contains_key(&r.claim_id) {
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
            if let Some((fi, line, range)) = self.sent_settlements.get(&id) {
                rejects.push(reject_at(
                    &self.settlement_files[*fi],
                    *line,
                    *range,
                    "",
                    &id,
                    reason,
                    None,
                ));
            }
        }
    }
}
