//! The join applied to a partition's lines, once the verdicts are in
//! ([`verdict`](super::verdict)): the lines of a settlement held back go
//! to rejects.csv, each with its own reason; the lines of one whose
//! `feedetl_sn` are not simply `1, 2, 3, ...` are numbered in their order.
//! A settlement's lines share its person, so they are all in one
//! partition.

use super::super::claims::{Pending, Reject};
use super::super::csvsrc::CsvFile;
use super::rejects::reject_at;
use super::Platform;

impl Platform {
    /// The lines of a partition that go on to be grouped into claims stay
    /// in `lines`, in their order; the rest (lines of settlements held
    /// back) go to `rejects`.
    pub(crate) fn join(
        &self,
        files: &[CsvFile],
        lines: &mut Vec<Pending>,
        rejects: &mut Vec<Reject>,
    ) {
        if self.holds.is_empty() && self.renumber.is_empty() {
            return;
        }
        let mut number = itoa::Buffer::new();
        lines.retain_mut(|p| {
            let (fi, line) = (p.src.file, p.src.line);
            if !self.is_fee_file(fi) {
                return true;
            }
            // The settlement's id: the claim id, unless control
            // characters were cleaned out of it.
            let id: &str = match self.odd_ids.get(&(fi, line)) {
                Some(id) => id,
                None => p.claim_id.as_str(),
            };
            let (hold, order) = (self.holds.get_key_value(id), self.renumber.get(id));
            if let Some((id, h)) = hold {
                let (column, why) = if h.culprit_line == Some((fi, line)) {
                    (h.column, h.reason.clone())
                } else {
                    ("", h.also.clone())
                };
                rejects.push(reject_at(
                    &files[fi],
                    line,
                    p.src.bytes,
                    column,
                    id,
                    why,
                    p.amount,
                ));
                return false;
            }
            if let (Some(order), Ok(parsed)) = (order, &mut p.parsed) {
                let sn: &str = match self.recorded.get(&(fi, line)) {
                    Some(sn) => sn,
                    None => number.format(parsed.line.line_no),
                };
                if let Ok(at) = order.binary_search_by(|x| (x.len(), &**x).cmp(&(sn.len(), sn))) {
                    parsed.line.line_no = at as u32 + 1;
                }
            }
            true
        });
    }
}
