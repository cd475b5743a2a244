//! family.csv (家庭共济绑定, CONTRACT.md; POLICY.md §6a): who may draw on
//! whose personal account. A broken file is fatal, located by file, line
//! and column: a binding of a person to itself, a pair bound twice over
//! overlapping dates, an unknown relation, a bad or reversed date. A
//! binding naming a person missing from members.csv is only counted and
//! warned about: the beneficiary may be insured elsewhere, and a grantor
//! who is not a member simply cannot pay (§6a).

use super::csvsrc::{cell, Encodings};
use super::reference::{at, read_all, Loaded};
use super::InputError;
use crate::core::family::{Binding, Family, Relation};
use crate::core::ids::Ids;
use crate::core::members::Members;
use crate::core::money::parse_money;
use crate::schema::reference::FAMILY;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use std::path::Path;

/// Read family.csv, checking each binding against the members read.
pub fn read_family(
    path: &Path,
    encoding: &Encodings,
    members: &Members,
) -> Result<Loaded<Family>, InputError> {
    let mut bindings: Vec<Binding> = Vec::new();
    // To refuse a pair bound a second time over overlapping dates: each
    // pair's latest binding (index into `bindings`, by the persons'
    // numbers), and for each binding its line and the pair's binding
    // before it.
    let mut persons = Ids::default();
    let mut pairs: FxHashMap<(u32, u32), usize> = FxHashMap::default();
    let mut earlier_of: Vec<(u64, Option<usize>)> = Vec::new();
    let mut strangers = 0u64;
    let mut first_stranger: Option<String> = None;
    let (file, mut warnings) = read_all(path, ("family", FAMILY), encoding, |row| {
        let b = Binding {
            grantor_id: row.need_id("grantor_id").map_err(at)?.to_string(),
            beneficiary_id: row.need_id("beneficiary_id").map_err(at)?.to_string(),
            relation: row
                .parse_req(
                    "relation",
                    cell::choice(Relation::parse, Relation::expected()),
                )
                .map_err(at)?,
            valid_from: row.parse_req("valid_from", cell::date).map_err(at)?,
            valid_to: row.parse("valid_to", cell::date).map_err(at)?,
        };
        if b.grantor_id == b.beneficiary_id {
            return Err((
                "beneficiary_id".into(),
                format!("`{}` is bound to itself", b.grantor_id).into(),
            ));
        }
        if let Some(to) = b.valid_to.filter(|to| *to < b.valid_from) {
            return Err((
                "valid_to".into(),
                format!("valid_to {to} is before valid_from {}", b.valid_from).into(),
            ));
        }
        let mut number = |id: &str| {
            persons.insert(id).map(|(n, _)| n).ok_or_else(|| {
                (
                    "grantor_id".to_string(),
                    "too many persons".to_string().into(),
                )
            })
        };
        let key = (number(&b.grantor_id)?, number(&b.beneficiary_id)?);
        let latest = pairs.get(&key).copied();
        // The pair's first binding (by line) that overlaps this one.
        let mut first = None;
        let mut earlier = latest;
        while let Some(i) = earlier {
            let (line, before) = earlier_of[i];
            if bindings[i].overlaps(&b) {
                first = Some(line);
            }
            earlier = before;
        }
        if let Some(line) = first {
            return Err((
                "valid_from".into(),
                format!(
                    "`{}` is already bound to `{}` over overlapping dates (line {line})",
                    b.beneficiary_id, b.grantor_id
                )
                .into(),
            ));
        }
        pairs.insert(key, bindings.len());
        earlier_of.push((row.line, latest));
        if !members.contains(&b.grantor_id) || !members.contains(&b.beneficiary_id) {
            strangers += 1;
            first_stranger.get_or_insert_with(|| format!("line {}", row.line));
        }
        bindings.push(b);
        Ok(())
    })?;
    drop((pairs, earlier_of, persons));
    if let Some(first) = first_stranger {
        warnings.push(
            super::reason::Warning::FamilyStrangers {
                file: path.display().to_string(),
                bindings: strangers,
                first,
            }
            .to_string(),
        );
    }
    Ok(Loaded {
        value: Family::new(bindings),
        file,
        warnings,
    })
}

/// Parse a payments.csv `family_payers` cell: `G1:12.30;G2:5.00`.
pub fn parse_payers(s: &str) -> Result<Vec<(String, Decimal)>, String> {
    s.split(';')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (id, amount) = p
                .rsplit_once(':')
                .ok_or_else(|| format!("`{p}` is not grantor_id:amount"))?;
            let amount = parse_money(amount.trim())
                .map_err(|e| format!("`{p}` is not grantor_id:amount: {e}"))?;
            Ok((id.trim().to_string(), amount))
        })
        .collect()
}
