//! payments.parquet and audit.parquet (`--parquet`): the same rows as the
//! CSVs, typed for analysts' tools (DuckDB, Polars, Spark): money as
//! DECIMAL(18,2), the ratio as DECIMAL(18,4), dates as DATE, counts as
//! integers, text as UTF-8 strings; an empty CSV cell is a null.
//!
//! Built by streaming the staged CSVs in row groups, so memory stays
//! bounded whatever the month's size.

use crate::core::date::Date;
use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use rust_decimal::Decimal;
use std::io::{self, Write};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

/// How a CSV column is typed in Parquet.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Date,
    /// A decimal with this many places.
    Decimal(u32),
    Int,
}

const PAYMENTS: &[(&str, Kind)] = &[
    ("claim_id", Kind::Text),
    ("person_id", Kind::Text),
    ("institution_id", Kind::Text),
    ("city", Kind::Text),
    ("service_date", Kind::Date),
    ("status", Kind::Text),
    ("total", Kind::Decimal(2)),
    ("excluded", Kind::Decimal(2)),
    ("b_selfpay", Kind::Decimal(2)),
    ("remote_prepay", Kind::Decimal(2)),
    ("eligible", Kind::Decimal(2)),
    ("deductible_applied", Kind::Decimal(2)),
    ("ratio", Kind::Decimal(4)),
    ("fund_pay", Kind::Decimal(2)),
    ("cap_cut", Kind::Decimal(2)),
    ("account_pay", Kind::Decimal(2)),
    ("cash_pay", Kind::Decimal(2)),
    ("payee", Kind::Text),
    ("deductible_met_after", Kind::Decimal(2)),
    ("pool_paid_after", Kind::Decimal(2)),
    ("reasons", Kind::Text),
    ("reverses_claim_id", Kind::Text),
    ("category", Kind::Text),
    ("institution_level", Kind::Text),
    ("family_account_pay", Kind::Decimal(2)),
    ("family_payers", Kind::Text),
];

const AUDIT: &[(&str, Kind)] = &[
    ("claim_id", Kind::Text),
    ("line_no", Kind::Int),
    ("person_id", Kind::Text),
    ("institution_id", Kind::Text),
    ("rule", Kind::Text),
    ("severity", Kind::Text),
    ("amount", Kind::Decimal(2)),
    ("detail", Kind::Text),
    ("basis", Kind::Text),
];

/// Rows per row group: large enough for fast scans, small enough to keep
/// a row group's columns in memory.
const ROW_GROUP: usize = 128 * 1024;

/// payments.parquet from payments.csv.
pub fn write_payments<W: Write + Send>(csv: &Path, w: W) -> io::Result<()> {
    convert(csv, "payments", PAYMENTS, w)
}

/// audit.parquet from audit.csv.
pub fn write_audit<W: Write + Send>(csv: &Path, w: W) -> io::Result<()> {
    convert(csv, "audit", AUDIT, w)
}

enum Values {
    Text(Vec<ByteArray>),
    I32(Vec<i32>),
    I64(Vec<i64>),
}

struct Column {
    kind: Kind,
    /// Its index in the CSV.
    at: usize,
    values: Values,
    /// Definition levels: 1 = a value, 0 = null.
    defs: Vec<i16>,
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

fn schema(name: &str, cols: &[(String, Kind)]) -> String {
    let mut s = format!("message {name} {{\n");
    for (c, k) in cols {
        let t = match k {
            Kind::Text => "BYTE_ARRAY {c} (STRING)".replace("{c}", c),
            Kind::Date => format!("INT32 {c} (DATE)"),
            Kind::Decimal(p) => format!("INT64 {c} (DECIMAL(18,{p}))"),
            Kind::Int => format!("INT32 {c}"),
        };
        s.push_str(&format!("  OPTIONAL {t};\n"));
    }
    s.push('}');
    s
}

fn convert<W: Write + Send>(
    csv_path: &Path,
    name: &str,
    cols: &[(&str, Kind)],
    w: W,
) -> io::Result<()> {
    let mut reader = csv::Reader::from_path(csv_path).map_err(other)?;
    let head = reader.headers().map_err(other)?.clone();
    // payments.csv under the platform's names (`--columns platform`): its
    // own columns, each of the kind of the column it renames.
    let named: Vec<(String, Kind)> = if name == "payments" && !head.iter().any(|h| h == "claim_id")
    {
        head.iter()
            .map(|h| {
                let own = crate::schema::platform::own_name(h);
                let kind = match cols.iter().find(|(c, _)| *c == own) {
                    Some((_, k)) => *k,
                    // The split `excluded` and the joined selfpay columns.
                    None if ["fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt"]
                        .contains(&h) =>
                    {
                        Kind::Decimal(2)
                    }
                    None => Kind::Text,
                };
                (h.to_string(), kind)
            })
            .collect()
    } else {
        cols.iter().map(|(c, k)| (c.to_string(), *k)).collect()
    };
    let cols = &named;
    let schema = Arc::new(parse_message_type(&schema(name, cols)).map_err(other)?);
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by("tongchou".into())
            .build(),
    );
    let mut writer = SerializedFileWriter::new(w, schema, props).map_err(other)?;
    let mut columns: Vec<Column> = cols
        .iter()
        .map(|(c, k)| {
            let at = head
                .iter()
                .position(|h| h == *c)
                .ok_or_else(|| other(format!("{}: no column `{c}`", csv_path.display())))?;
            Ok(Column {
                kind: *k,
                at,
                values: match k {
                    Kind::Text => Values::Text(Vec::new()),
                    Kind::Date | Kind::Int => Values::I32(Vec::new()),
                    Kind::Decimal(_) => Values::I64(Vec::new()),
                },
                defs: Vec::new(),
            })
        })
        .collect::<io::Result<_>>()?;
    let mut rec = csv::StringRecord::new();
    let mut rows = 0usize;
    while reader.read_record(&mut rec).map_err(other)? {
        let line = rec.position().map_or(0, |p| p.line());
        for (i, c) in columns.iter_mut().enumerate() {
            let cell = rec.get(c.at).unwrap_or_default();
            let bad = || {
                other(format!(
                    "{}:{line}: column {} `{}`: {cell:?} is not a {}",
                    csv_path.display(),
                    c.at + 1,
                    cols[i].0,
                    match c.kind {
                        Kind::Text => "text",
                        Kind::Date => "date",
                        Kind::Decimal(_) => "decimal",
                        Kind::Int => "whole number",
                    }
                ))
            };
            if cell.is_empty() {
                c.defs.push(0);
                continue;
            }
            c.defs.push(1);
            match (&mut c.values, c.kind) {
                (Values::Text(v), _) => v.push(ByteArray::from(cell.as_bytes().to_vec())),
                (Values::I32(v), Kind::Date) => {
                    let d = Date::parse(cell).ok_or_else(bad)?;
                    v.push(i32::try_from(d.day_number()).map_err(|_| bad())?);
                }
                (Values::I32(v), _) => v.push(cell.parse().map_err(|_| bad())?),
                (Values::I64(v), Kind::Decimal(p)) => {
                    let mut d = Decimal::from_str(cell).map_err(|_| bad())?;
                    if d.scale() > p {
                        return Err(bad());
                    }
                    d.rescale(p);
                    v.push(i64::try_from(d.mantissa()).map_err(|_| bad())?);
                }
                (Values::I64(_), _) => return Err(bad()),
            }
        }
        rows += 1;
        if rows == ROW_GROUP {
            flush(&mut writer, &mut columns)?;
            rows = 0;
        }
    }
    if rows > 0 {
        flush(&mut writer, &mut columns)?;
    }
    writer.close().map_err(other)?;
    Ok(())
}

fn flush<W: Write + Send>(
    writer: &mut SerializedFileWriter<W>,
    columns: &mut [Column],
) -> io::Result<()> {
    let mut rg = writer.next_row_group().map_err(other)?;
    for c in columns.iter_mut() {
        let mut col = rg
            .next_column()
            .map_err(other)?
            .ok_or_else(|| other("fewer columns than the schema"))?;
        match &mut c.values {
            Values::Text(v) => {
                col.typed::<ByteArrayType>()
                    .write_batch(v, Some(&c.defs), None)
                    .map_err(other)?;
                v.clear();
            }
            Values::I32(v) => {
                col.typed::<Int32Type>()
                    .write_batch(v, Some(&c.defs), None)
                    .map_err(other)?;
                v.clear();
            }
            Values::I64(v) => {
                col.typed::<Int64Type>()
                    .write_batch(v, Some(&c.defs), None)
                    .map_err(other)?;
                v.clear();
            }
        }
        c.defs.clear();
        col.close().map_err(other)?;
    }
    rg.close().map_err(other)?;
    Ok(())
}
