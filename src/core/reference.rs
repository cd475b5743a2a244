//! What a claim is checked against, as the core sees it: members,
//! institutions, the catalogue, stays and the rules (the reference files,
//! CONTRACT.md §Inputs), and the year-to-date ledger the totals start from.
//! The readers in `input` build these; nothing here knows about files.

pub use crate::core::ledger::Ledger;
pub use crate::core::members::Members;
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
    pub members: Members,
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
