//! Writing the month's clearing (POLICY §10, computed by
//! [`crate::core::adjudicate::clearing`]): clearing.csv, summary.csv's
//! clearing columns, summary.json's `clearing` and the printed lines.

use crate::core::adjudicate::clearing::{Clearing, Row};
use crate::core::model::{Id, Institution};
use crate::core::money::fmt2;
use crate::input::IdMap;
use crate::schema::platform::{CLEARING_HEADER, SUMMARY_CLEARING_COLUMNS};
use crate::schema::summary::{ClearingDoc, ClearingFiguresDoc};
use std::io::{self, Write};

impl Clearing {
    /// clearing.csv; `Err` names a row that does not balance.
    pub fn write_csv<W: Write>(&self, w: W, institutions: &IdMap<Institution>) -> io::Result<()> {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w);
        out.write_record(CLEARING_HEADER)?;
        for ((inst, city), r) in &self.rows {
            if !r.balances() {
                return Err(io::Error::other(format!(
                    "clearing of {inst} ({city}) does not balance: adjudicated_fund {} ≠ declared_fund {} − deduction {} + shortfall {}",
                    r.adjudicated_fund, r.declared_fund, r.deduction, r.shortfall
                )));
            }
            let name = institutions
                .get(inst.as_str())
                .map(|i| i.name.as_str())
                .unwrap_or("");
            out.write_record([
                inst.as_str(),
                name,
                city.as_str(),
                &r.claims.to_string(),
                &fmt2(r.declared_fund),
                &fmt2(r.adjudicated_fund),
                &fmt2(r.deduction),
                &fmt2(r.shortfall),
                &fmt2(r.declared_account),
                &fmt2(r.adjudicated_account),
                &r.mismatched_claims.to_string(),
            ])?;
        }
        out.flush()
    }

    /// The figures for summary.json: per city and in total.
    pub fn to_doc(&self) -> ClearingDoc {
        let (cities, total) = self.by_city();
        let row = |r: &Row| ClearingFiguresDoc {
            claims: r.claims,
            declared_fund: fmt2(r.declared_fund),
            adjudicated_fund: fmt2(r.adjudicated_fund),
            deduction: fmt2(r.deduction),
            shortfall: fmt2(r.shortfall),
            declared_account: fmt2(r.declared_account),
            adjudicated_account: fmt2(r.adjudicated_account),
            mismatched_claims: r.mismatched_claims,
        };
        ClearingDoc {
            by_city: cities
                .iter()
                .map(|(c, r)| (c.to_string(), row(r)))
                .collect(),
            total: row(&total),
        }
    }

    /// summary.csv with the clearing figures as optional columns: each
    /// institution row gets its (institution, city) row, each city row its
    /// city's, the total row the total.
    pub fn extend_summary_csv(&self, text: &[u8]) -> io::Result<Vec<u8>> {
        let (cities, total) = self.by_city();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text);
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(io::Error::other)?;
            let mut fields: Vec<String> = rec.iter().map(str::to_string).collect();
            if i == 0 {
                fields.extend(SUMMARY_CLEARING_COLUMNS.iter().map(|c| c.to_string()));
            } else {
                let (scope, city, inst) = (&rec[0], &rec[1], &rec[2]);
                let row = match scope {
                    "institution" => self.rows.get(&(Id::from(inst), Id::from(city))),
                    "city" => cities.get(city),
                    "total" => Some(&total),
                    _ => None,
                };
                let r = row.cloned().unwrap_or_default();
                fields.extend([
                    r.claims.to_string(),
                    fmt2(r.declared_fund),
                    fmt2(r.adjudicated_fund),
                    fmt2(r.deduction),
                    fmt2(r.shortfall),
                    fmt2(r.declared_account),
                    fmt2(r.adjudicated_account),
                    r.mismatched_claims.to_string(),
                ]);
            }
            out.write_record(&fields)?;
        }
        out.into_inner()
            .map_err(|e| io::Error::other(e.to_string()))
    }

    /// The lines the printed summary adds.
    pub fn print(&self, english: bool) -> String {
        let (cities, total) = self.by_city();
        let mut out = String::new();
        out.push_str(if english {
            "Clearing (declared by the platform vs adjudicated):\n"
        } else {
            "清算 (平台申报 vs 核定):\n"
        });
        let line = |name: &str, r: &Row| {
            format!(
                "  {name:<10} claims {:>6}  declared_fund {:>12}  adjudicated_fund {:>12}  deduction {:>10}  shortfall {:>10}  mismatched {:>5}\n",
                r.claims,
                fmt2(r.declared_fund),
                fmt2(r.adjudicated_fund),
                fmt2(r.deduction),
                fmt2(r.shortfall),
                r.mismatched_claims
            )
        };
        for (c, r) in &cities {
            out.push_str(&line(if c.is_empty() { "-" } else { c }, r));
        }
        out.push_str(&line(if english { "total" } else { "合计" }, &total));
        out
    }
}
