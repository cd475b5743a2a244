//! The reference files: members, institutions, catalogue, stays and the
//! year-to-date ledger. Any error here is fatal: a run on a half-read
//! members file would deny people who are insured.

use super::csvsrc::{cell, open_lenient, Column, CsvFile, Encodings};
use super::{InputError, InputFile};
use crate::core::date::Period;
use crate::core::ledger::Refused as LedgerRefused;
use crate::core::members::{Members, Refused as MembersRefused};
use crate::core::model::*;
use crate::core::reference::{Catalogue, IdMap, Ledger};
use crate::schema::reference::{CATALOGUE, INSTITUTIONS, MEMBERS, STAYS};
use crate::schema::LEDGER;
use std::path::Path;

/// A reference file that was read, and what to warn about.
pub struct Loaded<T> {
    pub value: T,
    pub file: InputFile,
    pub warnings: Vec<String>,
}

/// Open a reference file, refusing it if a required column is missing, and
/// call `each` for every record; the first bad cell is fatal.
pub(super) fn read_all(
    path: &Path,
    (role, schema): (&str, &'static [Column]),
    encoding: &Encodings,
    mut each: impl FnMut(&super::csvsrc::Row<'_>) -> Result<(), (String, super::Reason)>,
) -> Result<(InputFile, Vec<String>), InputError> {
    let f: CsvFile = open_lenient(path, schema, encoding.for_file(role, path))?;
    // Hook (platform names): a file under the platform's names is read
    // rewritten under tongchou's own columns, its codes decoded.
    let f = match (!f.unknown_columns.is_empty())
        .then(|| std::fs::read_to_string(path).ok())
        .flatten()
        .and_then(|t| super::platform_ref::to_own_columns(role, &t))
    {
        Some(text) => {
            CsvFile::from_text(path, schema, text, f.bytes, f.sha256.clone(), f.encoding)?
        }
        None => f,
    };
    if let Some(c) = f.missing_columns.first() {
        return Err(InputError::new(path, 1, c, super::Reason::ColumnMissing));
    }
    let mut warnings = Vec::new();
    if !f.unknown_columns.is_empty() {
        warnings.push(
            super::reason::Warning::UnknownColumns {
                file: path.display().to_string(),
                columns: f.unknown_columns.join(", "),
            }
            .to_string(),
        );
    }
    let mut rows = f.records();
    while let Some(row) = rows.next_row() {
        let row = row?;
        if let Some((n, h)) = row.width_mismatch {
            return Err(InputError::new(
                path,
                row.line,
                "",
                super::Reason::WidthMismatch {
                    fields: n,
                    header: h,
                },
            ));
        }
        each(&row)
            .map_err(|(column, message)| InputError::new(path, row.line, &column, message))?;
    }
    warnings.extend(super::csvsrc::stripped_warning(path, rows.stripped()));
    Ok((InputFile::from(&f), warnings))
}

/// Turn a cell error into the (column, message) pair `read_all` expects.
pub(super) fn at(e: super::csvsrc::CellError) -> (String, super::Reason) {
    (e.column.to_string(), e.message)
}

/// Read members.csv. `cities` are the insuring cities with a rule file: a
/// member of any other city (a typo such as `shiyna`) is an error, since
/// every claim of theirs would be denied.
pub fn read_members(
    path: &Path,
    encoding: &Encodings,
    cities: &[String],
    admdvs: &[(String, String)],
) -> Result<Loaded<Members>, InputError> {
    // A row has 50 bytes or more: room for them all at once, not by
    // doubling (what is left over is given back at the end).
    let rows = std::fs::metadata(path).map_or(0, |m| m.len() / 50) as usize;
    let mut members = Members::with_capacity(rows.min(1 << 26));
    let (file, warnings) = read_all(path, ("members", MEMBERS), encoding, |row| {
        let person_id = row.need_id("person_id").map_err(at)?.to_string();
        let remote_type = row
            .parse(
                "remote_type",
                cell::choice(RemoteType::parse, RemoteType::expected()),
            )
            .map_err(at)?;
        let remote = match remote_type {
            None => None,
            Some(remote_type) => Some(RemoteRegistration {
                remote_type,
                city: row
                    .parse_req("remote_city", cell::coded_city(admdvs))
                    .map_err(at)?,
                from: row.parse("remote_from", cell::date).map_err(at)?,
                to: row.parse("remote_to", cell::date).map_err(at)?,
            }),
        };
        let m = MemberRow {
            city: row
                .parse_req("city", cell::coded_city(admdvs))
                .map_err(at)?,
            category: row
                .parse_req("category", |s| {
                    // Hook (platform names): a 4-digit psn_type under 人员类别.
                    cell::choice(Category::parse, Category::expected())(
                        &super::platform_ref::psn_type(s),
                    )
                })
                .map_err(at)?,
            account_type: row
                .parse_req(
                    "account_type",
                    cell::choice(AccountType::parse, AccountType::expected()),
                )
                .map_err(at)?,
            account_balance: row
                .parse("account_balance", cell::money)
                .map_err(at)?
                .unwrap_or_default(),
            benefit_from: row.parse_req("benefit_from", cell::date).map_err(at)?,
            benefit_to: row.parse("benefit_to", cell::date).map_err(at)?,
            remote,
            person_id: person_id.clone(),
        };
        if !cities.contains(&m.city) {
            return Err((
                "city".into(),
                format!(
                    "insuring city `{}` has no rule file (known cities: {})",
                    m.city,
                    cities.join(", ")
                )
                .into(),
            ));
        }
        if let Some(to) = m.benefit_to.filter(|to| *to < m.benefit_from) {
            return Err((
                "benefit_to".into(),
                format!("benefit_to {to} is before benefit_from {}", m.benefit_from).into(),
            ));
        }
        if let Some(r) = &m.remote {
            if let (Some(from), Some(to)) = (r.from, r.to) {
                if to < from {
                    return Err((
                        "remote_to".into(),
                        format!("remote_to {to} is before remote_from {from}").into(),
                    ));
                }
            }
        }
        if m.account_balance.is_sign_negative() && !m.account_balance.is_zero() {
            return Err((
                "account_balance".into(),
                "a personal account balance cannot be negative".into(),
            ));
        }
        match members.insert(m) {
            Ok(_) => Ok(()),
            Err(MembersRefused::Twice) => Err((
                "person_id".into(),
                format!("person `{person_id}` appears twice").into(),
            )),
            Err(MembersRefused::TooLarge) => Err((
                "person_id".into(),
                format!("person `{person_id}`: more members than one run can hold").into(),
            )),
        }
    })?;
    members.shrink_to_fit();
    Ok(Loaded {
        value: members,
        file,
        warnings,
    })
}

pub fn read_institutions(
    path: &Path,
    encoding: &Encodings,
    admdvs: &[(String, String)],
) -> Result<Loaded<IdMap<Institution>>, InputError> {
    let mut out = IdMap::default();
    let (file, warnings) = read_all(path, ("institutions", INSTITUTIONS), encoding, |row| {
        let id = row.need_id("institution_id").map_err(at)?.to_string();
        let kind = row
            .parse_req(
                "kind",
                cell::choice(InstitutionKind::parse, InstitutionKind::expected()),
            )
            .map_err(at)?;
        let level = row
            // Hook (platform names): a 2-digit hosp_lv under 医院等级.
            .parse("level", |s| {
                match super::platform_ref::hosp_lv(s).as_str() {
                    "" => Ok(None),
                    "1" | "一级" => Ok(Some(1u8)),
                    "2" | "二级" => Ok(Some(2)),
                    "3" | "三级" => Ok(Some(3)),
                    _ => Err(format!("`{s}` is not a hospital level 1, 2 or 3")),
                }
            })
            .map_err(at)?
            .flatten();
        if matches!(
            kind,
            InstitutionKind::Hospital | InstitutionKind::InternetHospital
        ) && level.is_none()
        {
            return Err((
                "level".into(),
                format!("a {} needs its level (1, 2 or 3)", kind.as_str()).into(),
            ));
        }
        let inst = Institution {
            institution_id: id.clone(),
            name: row.get("name").unwrap_or_default().to_string(),
            city: row
                .parse_req("city", cell::coded_city(admdvs))
                .map_err(at)?,
            kind,
            level,
            outpatient_pooling: row
                .parse_req("outpatient_pooling", cell::boolean)
                .map_err(at)?,
            remote_settlement: row
                .parse("remote_settlement", cell::boolean)
                .map_err(at)?
                .unwrap_or(false),
            valid_from: row.parse("valid_from", cell::date).map_err(at)?,
            valid_to: row.parse("valid_to", cell::date).map_err(at)?,
        };
        if let (Some(from), Some(to)) = (inst.valid_from, inst.valid_to) {
            if to < from {
                return Err((
                    "valid_to".into(),
                    format!("valid_to {to} is before valid_from {from}").into(),
                ));
            }
        }
        if out.insert(id.clone(), inst).is_some() {
            return Err((
                "institution_id".into(),
                format!("institution `{id}` appears twice").into(),
            ));
        }
        Ok(())
    })?;
    Ok(Loaded {
        value: out,
        file,
        warnings,
    })
}

pub fn read_catalogue(
    path: &Path,
    encoding: &Encodings,
    admdvs: &[(String, String)],
) -> Result<Loaded<Catalogue>, InputError> {
    let mut cat = Catalogue::default();
    let (file, warnings) = read_all(path, ("catalogue", CATALOGUE), encoding, |row| {
        let share = row
            .parse("b_selfpay_share", |s| {
                let d = cell::decimal(s)?;
                if d < rust_decimal::Decimal::ZERO || d > rust_decimal::Decimal::ONE {
                    return Err(format!("share {s} is outside [0, 1]"));
                }
                Ok(d)
            })
            .map_err(at)?;
        // Hook (platform names): hilist_pric_uplmt_amt has up to 6 decimals.
        let price_cap = if row.fine_prices() {
            row.parse("price_cap", cell::fine_price).map_err(at)?
        } else {
            row.parse("price_cap", cell::money).map_err(at)?
        };
        if price_cap.is_some_and(|p| p.is_sign_negative() && !p.is_zero()) {
            return Err(("price_cap".into(), "a price cap cannot be negative".into()));
        }
        let e = CatalogueEntry {
            item_code: row.need_id("item_code").map_err(at)?.to_string(),
            region: row.parse("region", cell::coded_city(admdvs)).map_err(at)?,
            kind: row
                .parse_req("kind", cell::choice(ItemKind::parse, ItemKind::expected()))
                .map_err(at)?,
            class: row
                .parse_req(
                    "class",
                    cell::choice(ItemClass::parse, ItemClass::expected()),
                )
                .map_err(at)?,
            b_selfpay_share: share,
            special_management: row
                .parse("special_management", cell::boolean)
                .map_err(at)?
                .unwrap_or(false),
            price_cap,
        };
        let (code, region) = (e.item_code.clone(), e.region.clone());
        if !cat.insert(e) {
            return Err((
                "item_code".into(),
                format!(
                    "item `{code}` appears twice for region `{}`",
                    region.unwrap_or_default()
                )
                .into(),
            ));
        }
        Ok(())
    })?;
    Ok(Loaded {
        value: cat,
        file,
        warnings,
    })
}

pub fn read_stays(
    path: &Path,
    encoding: &Encodings,
) -> Result<Loaded<IdMap<Vec<Stay>>>, InputError> {
    let mut out: IdMap<Vec<Stay>> = IdMap::default();
    let (file, warnings) = read_all(path, ("stays", STAYS), encoding, |row| {
        let stay = Stay {
            institution_id: row.need_id("institution_id").map_err(at)?.to_string(),
            admit_date: row.parse_req("admit_date", cell::date).map_err(at)?,
            discharge_date: row.parse("discharge_date", cell::date).map_err(at)?,
        };
        if stay.discharge_date.is_some_and(|d| d < stay.admit_date) {
            return Err((
                "discharge_date".into(),
                "discharge is before admission".into(),
            ));
        }
        out.entry(row.need_id("person_id").map_err(at)?.to_string())
            .or_default()
            .push(stay);
        Ok(())
    })?;
    Ok(Loaded {
        value: out,
        file,
        warnings,
    })
}

pub fn read_ledger(path: &Path, encoding: &Encodings) -> Result<Loaded<Ledger>, InputError> {
    let mut out = Ledger::default();
    let mut period: Option<Period> = None;
    let (file, warnings) = read_all(path, ("ledger", LEDGER), encoding, |row| {
        let p = row
            .parse("period", |s| {
                Period::parse(s).ok_or_else(|| format!("`{s}` is not a month YYYY-MM"))
            })
            .map_err(at)?;
        period = period.max(p);
        let non_negative = |s: &str| {
            let d = cell::money(s)?;
            if d.is_sign_negative() && !d.is_zero() {
                return Err(format!("`{s}` is negative"));
            }
            Ok(d)
        };
        let person_id = row.need_id("person_id").map_err(at)?;
        let e = LedgerYear {
            year: row
                .parse_req("year", |s| match s.parse::<i32>() {
                    Ok(y) if (1900..=2999).contains(&y) => Ok(y),
                    _ => Err(format!("`{s}` is not a year")),
                })
                .map_err(at)?,
            deductible_met: row.parse_req("deductible_met", non_negative).map_err(at)?,
            pool_paid: row.parse_req("pool_paid", non_negative).map_err(at)?,
            claims: row
                .parse_req("claims", |s| {
                    s.parse::<u64>()
                        .map_err(|_| format!("`{s}` is not a count"))
                })
                .map_err(at)?,
        };
        match out.add(person_id, e) {
            Ok(()) => {}
            Err(LedgerRefused::YearTwice) => {
                let year = e.year;
                return Err((
                    "year".into(),
                    format!("person `{person_id}` has two rows for {year} in the ledger").into(),
                ));
            }
            Err(LedgerRefused::TooLarge) => {
                return Err((
                    "person_id".into(),
                    "more ledger rows than one run can hold".into(),
                ))
            }
        }
        Ok(())
    })?;
    out.period = period;
    out.shrink_to_fit();
    Ok(Loaded {
        value: out,
        file,
        warnings,
    })
}
