//! Earlier periods' payments, as the core needs them: what a reversal of a
//! claim settled before this run takes back (POLICY.md §8), and the claim
//! ids that must not be paid again (`ALREADY_SETTLED`). The `--prior`
//! reader in `input` builds a [`Prior`] and checks each row on the way in.

use crate::core::adjudicate::{Payee, Status};
use crate::core::date::{Date, Months, Period};
use crate::core::split::Split;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;

/// A payment row of an earlier period.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorPayment {
    pub claim_id: String,
    pub person_id: String,
    pub institution_id: String,
    pub city: String,
    pub service_date: Date,
    pub status: Status,
    /// The amounts as written (a reversal's are negative).
    pub split: Split,
    pub ratio: Option<Decimal>,
    pub payee: Payee,
    /// Family sharing (POLICY.md §6a): the row's `family_account_pay` and
    /// `family_payers` (zero and none when the file has no such columns).
    pub family_account_pay: Decimal,
    pub family_payers: Vec<(String, Decimal)>,
    /// Index of the file it was read from in [`Prior::sources`], and its
    /// line there.
    pub source: usize,
    pub line: u64,
}

/// A row reads as its amounts (`payment.fund_pay`), like a decision does.
impl Deref for PriorPayment {
    type Target = Split;
    fn deref(&self) -> &Split {
        &self.split
    }
}

impl DerefMut for PriorPayment {
    fn deref_mut(&mut self) -> &mut Split {
        &mut self.split
    }
}

/// A `--prior` file, and the period of the run that wrote it when its
/// manifest.json sits beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorSource {
    pub path: PathBuf,
    pub period: Option<Months>,
}

/// Every earlier payment row by claim id, and the claims already reversed.
#[derive(Debug, Default)]
pub struct Prior {
    pub payments: HashMap<String, PriorPayment>,
    /// Originals cancelled by a reversal of an earlier period.
    pub reversed: HashMap<String, String>,
    pub sources: Vec<PriorSource>,
}

/// A `--prior` file written by a run of this run's months or later ones.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "--prior {} was written by the run of {written}, not before this run's {months}: \
     --prior takes the payments of earlier months only",
    path.display()
)]
pub struct NotEarlier {
    pub path: PathBuf,
    pub written: Months,
    pub months: Months,
}

impl Prior {
    /// Where an earlier row was settled: `file:line`, and the period (the
    /// manifest's, else the month of the row's service date).
    pub fn settled_where(&self, p: &PriorPayment) -> (String, String) {
        let source = self.sources.get(p.source);
        let file = source
            .map(|s| format!("{}:{}", s.path.display(), p.line))
            .unwrap_or_default();
        let period = source
            .and_then(|s| s.period)
            .map(|m| m.to_string())
            .unwrap_or_else(|| Period::of(p.service_date).to_string());
        (file, period)
    }

    /// Refuse a `--prior` file whose run (by its manifest) settled one of
    /// `months` or a later month: it is not an earlier period, and every
    /// claim it shares with this run would be denied as already settled.
    pub fn check_periods(&self, months: Months) -> Result<(), NotEarlier> {
        for s in &self.sources {
            if let Some(p) = s.period.filter(|p| p.last >= months.first) {
                return Err(NotEarlier {
                    path: s.path.clone(),
                    written: p,
                    months,
                });
            }
        }
        Ok(())
    }
}
