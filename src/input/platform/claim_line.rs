//! A fee row joined with its settlement, parsed as the claim line it
//! stands for: the same cells, the same checks in the same order and the
//! same sentences as the claims reader gives a line of `claims/*.csv`
//! (`claims::parse_line`), through the same cell parsers. The settlement's
//! part is parsed once per settlement ([`SetlPart`]), each fee row's part
//! per row.
//!
//! Cells are taken as written (trimmed), a line break inside one read as
//! a space; unit prices may carry up to 6 decimals (`pric`).

use super::super::claims::{Head, Parsed};
use super::super::csvsrc::{cell, has_control, id_key, CellError, MAX_FIELD_BYTES};
use super::super::id::Id;
use super::settlements::{c, Table};
use crate::core::model::{ClaimLine, Exclusion, SettlementMode, VisitType};
use crate::input::Reason;
use crate::schema::CLAIMS;
use std::borrow::Cow;

/// Claim columns, by their index in [`CLAIMS`].
mod k {
    pub const CLAIM_ID: usize = 0;
    pub const PERSON_ID: usize = 2;
    pub const INSTITUTION_ID: usize = 3;
    pub const SERVICE_TIME: usize = 4;
    pub const VISIT_TYPE: usize = 5;
    pub const ITEM_CODE: usize = 6;
    pub const ITEM_NAME: usize = 7;
    pub const QUANTITY: usize = 8;
    pub const UNIT_PRICE: usize = 9;
    pub const AMOUNT: usize = 10;
    pub const PRESCRIPTION_ID: usize = 11;
    pub const PRESCRIBER_ID: usize = 12;
    pub const SUPPLY_DAYS: usize = 13;
    pub const SETTLEMENT_MODE: usize = 14;
    pub const SUBMITTED_DATE: usize = 15;
    pub const EXCLUSION: usize = 16;
    pub const REVERSES_CLAIM_ID: usize = 17;
}

/// A cell with its line breaks read as spaces, as one line of text.
pub(super) fn one_line(s: &str) -> Cow<'_, str> {
    if s.contains(['\r', '\n']) {
        Cow::Owned(s.replace(['\r', '\n'], " "))
    } else {
        Cow::Borrowed(s)
    }
}

fn err(k: usize, message: Reason) -> CellError {
    CellError {
        column: CLAIMS[k].name,
        message,
    }
}

/// An id cell: refused when it holds a control character (as
/// `Row::id_at`).
fn id(k: usize, v: &str) -> Result<Option<&str>, CellError> {
    if v.is_empty() {
        return Ok(None);
    }
    if !has_control(v) {
        return Ok(Some(v));
    }
    match v.chars().find(|c| c.is_control()) {
        None => Ok(Some(v)),
        Some(ch) => Err(err(k, Reason::ControlCharacter { code: ch as u32 })),
    }
}

fn need_id(k: usize, v: &str) -> Result<&str, CellError> {
    id(k, v)?.ok_or_else(|| err(k, Reason::Missing))
}

fn opt<T, E: Into<Reason>>(
    k: usize,
    v: &str,
    f: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, CellError> {
    if v.is_empty() {
        return Ok(None);
    }
    f(v).map(Some).map_err(|e| err(k, e.into()))
}

fn req<T, E: Into<Reason>>(
    k: usize,
    v: &str,
    f: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, CellError> {
    opt(k, v, f)?.ok_or_else(|| err(k, Reason::Missing))
}

/// A settlement's part of each of its lines, parsed once.
pub(super) struct SetlPart {
    /// The claim id its lines group under ("" when nothing is left of it).
    pub claim_id: String,
    /// The person cell as a partition key.
    pub person_key: String,
    pub head: Result<Head, CellError>,
    prescriber: Result<Option<Id>, CellError>,
    exclusion: Result<Option<Exclusion>, CellError>,
    /// The first claim column (and its length) whose cell from the
    /// settlement is longer than a cell may be.
    oversized: Option<(usize, usize)>,
}

/// The person cell of settlement `i` as a partition key, as its lines
/// are sent to their partition.
pub(super) fn person_key_of(t: &Table, i: u32) -> String {
    id_key(&one_line(t.cell(i, c::PERSON))).into_owned()
}

impl SetlPart {
    pub fn of(t: &Table, i: u32) -> SetlPart {
        let cell = |x: usize| one_line(t.cell(i, x));
        let id_cell = cell(c::ID);
        let person = cell(c::PERSON);
        let visit = cell(c::VISIT);
        let from_settlement = [
            (k::CLAIM_ID, &id_cell),
            (k::PERSON_ID, &person),
            (k::INSTITUTION_ID, &cell(c::INSTITUTION)),
            (k::SERVICE_TIME, &cell(c::TIME)),
            (k::VISIT_TYPE, &visit),
            (k::PRESCRIBER_ID, &cell(c::PRESCRIBER)),
            (k::SETTLEMENT_MODE, &cell(c::MODE)),
            (k::SUBMITTED_DATE, &cell(c::SUBMITTED)),
            (k::EXCLUSION, &cell(c::EXCLUSION)),
            (k::REVERSES_CLAIM_ID, &cell(c::REVERSES)),
        ]
        .iter()
        .find(|(_, v)| v.len() > MAX_FIELD_BYTES)
        .map(|(k, v)| (*k, v.len()));
        let head = (|| {
            id(k::CLAIM_ID, &id_cell)?;
            Ok(Head {
                person_id: Id::new(need_id(k::PERSON_ID, &person)?),
                institution_id: Id::new(need_id(k::INSTITUTION_ID, &cell(c::INSTITUTION))?),
                service_time: req(k::SERVICE_TIME, &cell(c::TIME), cell::time)?,
                visit_type: req(
                    k::VISIT_TYPE,
                    &visit,
                    cell::choice(VisitType::parse, VisitType::expected()),
                )?,
                settlement_mode: opt(
                    k::SETTLEMENT_MODE,
                    &cell(c::MODE),
                    cell::choice(SettlementMode::parse, SettlementMode::expected()),
                )?
                .unwrap_or(SettlementMode::Direct),
                submitted_date: opt(k::SUBMITTED_DATE, &cell(c::SUBMITTED), cell::date)?,
                reverses_claim_id: id(k::REVERSES_CLAIM_ID, &cell(c::REVERSES))?.map(Id::new),
            })
        })();
        SetlPart {
            claim_id: id_key(&id_cell).into_owned(),
            person_key: id_key(&person).into_owned(),
            head,
            prescriber: id(k::PRESCRIBER_ID, &cell(c::PRESCRIBER)).map(|v| v.map(Id::new)),
            exclusion: opt(
                k::EXCLUSION,
                &cell(c::EXCLUSION),
                cell::choice(Exclusion::parse, Exclusion::expected()),
            ),
            oversized: from_settlement,
        }
    }
}

/// A fee row's part of its claim line, as written (trimmed).
pub(super) struct FeePart<'r> {
    pub item_code: &'r str,
    pub item_name: &'r str,
    pub quantity: &'r str,
    pub unit_price: &'r str,
    pub amount: &'r str,
    pub prescription_id: &'r str,
    /// `prd_days`, a whole number written as one (`3.0` → `3`).
    pub supply_days: &'r str,
}

/// Parse a fee row joined with its settlement as a claim line; `amount` is
/// the amount cell already parsed, `line_no` its place in the claim.
pub(super) fn parse(
    s: &SetlPart,
    f: &FeePart<'_>,
    amount: Option<rust_decimal::Decimal>,
    line_no: u32,
) -> Result<Parsed, CellError> {
    let fee = [
        (k::ITEM_CODE, f.item_code),
        (k::ITEM_NAME, f.item_name),
        (k::QUANTITY, f.quantity),
        (k::UNIT_PRICE, f.unit_price),
        (k::AMOUNT, f.amount),
        (k::PRESCRIPTION_ID, f.prescription_id),
        (k::SUPPLY_DAYS, f.supply_days),
    ]
    .into_iter()
    .find(|(_, v)| v.len() > MAX_FIELD_BYTES)
    .map(|(k, v)| (k, v.len()));
    let oversized = match (s.oversized, fee) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some((col, len)) = oversized {
        return Err(err(
            col,
            Reason::OversizedCell {
                bytes: len,
                column: CLAIMS[col].name.to_string(),
                most: MAX_FIELD_BYTES,
            },
        ));
    }
    let head = s.head.clone()?;
    let line = ClaimLine {
        line_no,
        item_code: Id::new(need_id(k::ITEM_CODE, f.item_code)?),
        quantity: req(k::QUANTITY, f.quantity, cell::decimal)?,
        unit_price: req(k::UNIT_PRICE, f.unit_price, cell::fine_price)?,
        amount: match amount {
            Some(a) => a,
            None => req(k::AMOUNT, f.amount, cell::money)?,
        },
        prescription_id: id(k::PRESCRIPTION_ID, f.prescription_id)?.map(Id::new),
        prescriber_id: s.prescriber.clone()?,
        supply_days: opt(k::SUPPLY_DAYS, f.supply_days, cell::count)?,
    };
    super::super::claims::check_signs(&line, head.reverses_claim_id.is_some())?;
    Ok(Parsed {
        head,
        exclusion: s.exclusion.clone()?,
        line,
    })
}
