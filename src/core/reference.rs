//! What a claim is checked against, as the core sees it: members,
//! institutions, the catalogue, stays and the rules (the reference files,
//! CONTRACT.md §Inputs), and the year-to-date ledger the totals start from.
//! The readers in `input` build these; nothing here knows about files.

use crate::core::date::Period;
use crate::core::model::*;
use crate::core::rules::RuleBook;
use std::collections::HashMap;

/// A map keyed by an id read from the files: FxHash, much faster than the
/// default SipHash on short ids (a batch run has no untrusted peer to
/// defend against hash flooding).
pub type IdMap<V> = HashMap<String, V, rustc_hash::FxBuildHasher>;

/// Everything a claim is checked against.
#[derive(Debug, Default)]
pub struct Reference {
    pub members: IdMap<Member>,
    pub institutions: IdMap<Institution>,
    pub catalogue: Catalogue,
    pub stays: IdMap<Vec<Stay>>,
    pub rules: RuleBook,
    /// Family sharing bindings (POLICY.md §6a); empty without family.csv.
    pub family: crate::core::family::Family,
}

/// The three catalogues, with local entries that override the general one
/// for care given in their city (就医地目录, 湖北医保问答 Q29).
#[derive(Debug, Default)]
pub struct Catalogue {
    items: IdMap<CatalogueItem>,
}

#[derive(Debug, Default)]
struct CatalogueItem {
    general: Option<CatalogueEntry>,
    local: Vec<CatalogueEntry>,
}

impl Catalogue {
    /// POLICY.md §3.1: the entry for the place of treatment, else the general
    /// entry.
    pub fn lookup(&self, item_code: &str, city: &str) -> Option<&CatalogueEntry> {
        let item = self.items.get(item_code)?;
        item.local
            .iter()
            .find(|e| e.region.as_deref() == Some(city))
            .or(item.general.as_ref())
    }

    /// No entry at all (a catalogue file holding only its header).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Add an entry; `false` if the same code and region is already there.
    pub fn insert(&mut self, e: CatalogueEntry) -> bool {
        let item = self.items.entry(e.item_code.clone()).or_default();
        match &e.region {
            None if item.general.is_some() => false,
            None => {
                item.general = Some(e);
                true
            }
            Some(r) if item.local.iter().any(|x| x.region.as_ref() == Some(r)) => false,
            Some(_) => {
                item.local.push(e);
                true
            }
        }
    }
}

/// A year-to-date ledger and the period it closes (the latest `period` of
/// its rows; `None` for a ledger written without one).
#[derive(Debug, Default)]
pub struct Ledger {
    /// Each person's rows, one per year, by year (CONTRACT.md §ledger.csv:
    /// this year's and last year's, for late claims).
    pub rows: IdMap<Vec<LedgerEntry>>,
    pub period: Option<Period>,
}

impl Ledger {
    /// A person's rows, by year (none for a person the ledger has not met).
    pub fn rows_of(&self, person_id: &str) -> &[LedgerEntry] {
        self.rows
            .get(person_id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Take a unit's rows after its claims (ordered by person, then year):
    /// each person's replace what the ledger held for them.
    pub fn replace(&mut self, rows: Vec<LedgerEntry>) {
        let mut rows = rows.into_iter().peekable();
        while let Some(first) = rows.next() {
            let person_id = first.person_id.clone();
            let mut mine = vec![first];
            while let Some(next) = rows.next_if(|r| r.person_id == person_id) {
                mine.push(next);
            }
            self.rows.insert(person_id, mine);
        }
    }
}
