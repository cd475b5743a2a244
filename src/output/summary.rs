//! The fund summary: figures per insuring city × institution with city and
//! grand totals (summary.csv, summary.json, the printed table), and what the
//! fund owes each payee (settlement.csv).

use super::{csv_writer, text};
use crate::core::adjudicate::{ClaimDecision, Lang, Payee, Status};
use crate::core::date::Date;
use crate::core::money::fmt2;
use crate::input::ClaimFileStat;
use crate::schema::outputs::{SETTLEMENT_HEADER, SUMMARY_HEADER};
use crate::schema::summary::{
    CityDoc, ClaimFileDoc, FiguresDoc, InstitutionDoc, SettlementDoc, SummaryDoc,
};
use rust_decimal::Decimal;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Money and counts of a group of claims.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub claims: u64,
    pub persons: u64,
    pub total: Decimal,
    pub excluded: Decimal,
    pub eligible: Decimal,
    pub fund_pay: Decimal,
    pub account_pay: Decimal,
    pub cash_pay: Decimal,
    /// Totals of claims the insurance pays nothing of (`denied`).
    pub denied: Decimal,
    /// Totals of claims whose pool payment was refused (`pool_denied`).
    pub pool_denied: Decimal,
    /// Totals of claims that belong to another benefit (`routed`).
    pub routed: Decimal,
    /// Claims whose service date is before the period (late arrivals,
    /// common for manual claims), and their totals.
    pub late_claims: u64,
    pub late_total: Decimal,
    /// Family sharing (POLICY.md §6a): the part of `account_pay` drawn
    /// from family accounts.
    pub family_account_pay: Decimal,
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.claims += o.claims;
        self.persons += o.persons;
        self.total += o.total;
        self.excluded += o.excluded;
        self.eligible += o.eligible;
        self.fund_pay += o.fund_pay;
        self.account_pay += o.account_pay;
        self.cash_pay += o.cash_pay;
        self.denied += o.denied;
        self.pool_denied += o.pool_denied;
        self.routed += o.routed;
        self.late_claims += o.late_claims;
        self.late_total += o.late_total;
        self.family_account_pay += o.family_account_pay;
    }
}

#[derive(Default)]
struct Acc<'a> {
    f: Figures,
    persons: HashSet<&'a str>,
}

impl<'a> Acc<'a> {
    fn add(&mut self, d: &'a ClaimDecision, period_start: Date) {
        if d.service_date < period_start {
            self.f.late_claims += 1;
            self.f.late_total += d.total;
        }
        let f = &mut self.f;
        f.claims += 1;
        f.total += d.total;
        f.excluded += d.excluded;
        f.eligible += d.eligible;
        f.fund_pay += d.fund_pay;
        f.account_pay += d.account_pay;
        f.cash_pay += d.cash_pay;
        f.family_account_pay += d.family_account_pay;
        match d.status {
            Status::Denied => f.denied += d.total,
            Status::PoolDenied => f.pool_denied += d.total,
            Status::Routed => f.routed += d.total,
            _ => {}
        }
        self.persons.insert(&d.person_id);
    }

    fn done(self) -> Figures {
        Figures {
            persons: self.persons.len() as u64,
            ..self.f
        }
    }
}

/// What the fund of one insuring city owes one payee.
#[derive(Debug, Clone, PartialEq)]
pub struct SettlementRow {
    pub city: String,
    pub payee: Payee,
    pub payee_id: String,
    pub claims: u64,
    pub fund_pay: Decimal,
    pub account_pay: Decimal,
}

/// The whole summary of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// (insuring city, institution) → figures; city "" = unknown member.
    pub by_institution: BTreeMap<(String, String), Figures>,
    pub by_city: BTreeMap<String, Figures>,
    pub total: Figures,
    pub settlement: Vec<SettlementRow>,
    /// Claim files: lines and amounts read = adjudicated + quarantined.
    pub files: Vec<ClaimFileStat>,
}

impl Summary {
    /// Aggregate decisions (any order) and the claim files' reconciliation;
    /// claims served before `period_start` count as late.
    pub fn of(decisions: &[ClaimDecision], files: &[ClaimFileStat], period_start: Date) -> Summary {
        // Each claim's money is added once, to its institution's figures:
        // a city's and the grand total's are the sums of those (exact
        // decimals add up alike in any order). Only persons are counted
        // at each level, each level with its own set. Keyed by borrowed
        // ids; ordered once at the end.
        let mut inst: HashMap<(&str, &str), Acc> = HashMap::default();
        let mut city_persons: HashMap<&str, HashSet<&str>> = HashMap::default();
        let mut persons: HashSet<&str> = HashSet::default();
        let mut owed: HashMap<(&str, Payee, &str), SettlementRow> = HashMap::default();
        for d in decisions {
            let c = d.city.as_deref().unwrap_or_default();
            inst.entry((c, d.institution_id.as_str()))
                .or_default()
                .add(d, period_start);
            city_persons.entry(c).or_default().insert(&d.person_id);
            persons.insert(&d.person_id);
            if d.fund_pay.is_zero() && d.account_pay.is_zero() {
                continue;
            }
            let payee_id = match d.payee {
                Payee::Institution => d.institution_id.as_str(),
                Payee::Member => d.person_id.as_str(),
            };
            let row = owed
                .entry((c, d.payee, payee_id))
                .or_insert_with(|| SettlementRow {
                    city: c.to_string(),
                    payee: d.payee,
                    payee_id: payee_id.to_string(),
                    claims: 0,
                    fund_pay: Decimal::ZERO,
                    account_pay: Decimal::ZERO,
                });
            row.claims += 1;
            row.fund_pay += d.fund_pay;
            row.account_pay += d.account_pay;
        }
        let by_institution: BTreeMap<(String, String), Figures> = inst
            .into_iter()
            .map(|((c, i), a)| ((c.to_string(), i.to_string()), a.done()))
            .collect();
        let mut by_city: BTreeMap<String, Figures> = BTreeMap::new();
        for ((c, _), f) in &by_institution {
            by_city.entry(c.clone()).or_default().add(f);
        }
        let mut total = Figures::default();
        for (c, f) in &mut by_city {
            f.persons = city_persons.get(c.as_str()).map_or(0, |p| p.len() as u64);
            total.add(f);
        }
        total.persons = persons.len() as u64;
        let mut settlement: Vec<_> = owed.into_iter().collect();
        // settlement.csv's order: by city, payee, payee id.
        settlement.sort_unstable_by_key(|&(k, _)| k);
        Summary {
            by_institution,
            by_city,
            total,
            settlement: settlement.into_iter().map(|(_, r)| r).collect(),
            files: files.to_vec(),
        }
    }

    /// Add the summary of other persons' claims (a later partition): every
    /// figure is a sum, persons included, because partitions never share
    /// a person.
    pub fn merge(&mut self, other: Summary) {
        for (k, f) in other.by_institution {
            self.by_institution.entry(k).or_default().add(&f);
        }
        for (k, f) in other.by_city {
            self.by_city.entry(k).or_default().add(&f);
        }
        self.total.add(&other.total);
        let mut owed: BTreeMap<(String, Payee, String), SettlementRow> =
            std::mem::take(&mut self.settlement)
                .into_iter()
                .map(|r| ((r.city.clone(), r.payee, r.payee_id.clone()), r))
                .collect();
        for r in other.settlement {
            match owed.entry((r.city.clone(), r.payee, r.payee_id.clone())) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(r);
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    let row = o.get_mut();
                    row.claims += r.claims;
                    row.fund_pay += r.fund_pay;
                    row.account_pay += r.account_pay;
                }
            }
        }
        self.settlement = owed.into_values().collect();
    }

    /// summary.csv: institution rows, then each city's total, then the
    /// grand total; `scope` says which a row is.
    pub fn write_csv<W: Write>(&self, w: W) -> io::Result<()> {
        let mut out = csv_writer(w);
        out.write_record(SUMMARY_HEADER)?;
        {
            let mut row = |scope: &str, city: &str, inst: &str, f: &Figures| {
                out.write_record([
                    scope,
                    &text(city),
                    &text(inst),
                    &f.claims.to_string(),
                    &f.persons.to_string(),
                    &fmt2(f.total),
                    &fmt2(f.excluded),
                    &fmt2(f.eligible),
                    &fmt2(f.fund_pay),
                    &fmt2(f.account_pay),
                    &fmt2(f.cash_pay),
                    &fmt2(f.denied),
                    &fmt2(f.pool_denied),
                    &fmt2(f.routed),
                    &f.late_claims.to_string(),
                    &fmt2(f.late_total),
                    &fmt2(f.family_account_pay),
                ])
            };
            for (city, f) in &self.by_city {
                for ((c, inst), fi) in self.by_institution.range((city.clone(), String::new())..) {
                    if c != city {
                        break;
                    }
                    row("institution", c, inst, fi)?;
                }
                row("city", city, "", f)?;
            }
            row("total", "", "", &self.total)?;
        }
        out.into_inner().map_err(|e| e.into_error())?.flush()
    }

    /// settlement.csv: per insuring city, what the fund owes each
    /// institution (direct settlement) and each member (manual claims).
    pub fn write_settlement<W: Write>(&self, w: W) -> io::Result<()> {
        let mut out = csv_writer(w);
        out.write_record(SETTLEMENT_HEADER)?;
        for s in &self.settlement {
            out.write_record([
                &*text(&s.city),
                s.payee.as_str(),
                &text(&s.payee_id),
                &s.claims.to_string(),
                &fmt2(s.fund_pay),
                &fmt2(s.account_pay),
                &fmt2(s.fund_pay + s.account_pay),
            ])?;
        }
        out.into_inner().map_err(|e| e.into_error())?.flush()
    }

    /// summary.json: the same figures; money as exact decimal strings.
    pub fn to_doc(&self, period: &str) -> SummaryDoc {
        let cities = self
            .by_city
            .iter()
            .map(|(city, f)| CityDoc {
                figures: figures_doc(f),
                city: city.clone(),
                institutions: self
                    .by_institution
                    .iter()
                    .filter(|((c, _), _)| c == city)
                    .map(|((_, i), fi)| InstitutionDoc {
                        figures: figures_doc(fi),
                        institution_id: i.clone(),
                    })
                    .collect(),
            })
            .collect();
        let settlement = self
            .settlement
            .iter()
            .map(|s| SettlementDoc {
                city: s.city.clone(),
                payee: s.payee.as_str().to_string(),
                payee_id: s.payee_id.clone(),
                claims: s.claims,
                fund_pay: fmt2(s.fund_pay),
                account_pay: fmt2(s.account_pay),
                amount_due: fmt2(s.fund_pay + s.account_pay),
            })
            .collect();
        let reconciliation = self
            .files
            .iter()
            .map(|f| ClaimFileDoc {
                file: f.file.path.display().to_string(),
                lines_read: f.lines,
                lines_adjudicated: f.adjudicated_lines,
                lines_quarantined: f.rejected_lines,
                amount_read: fmt2(f.amount),
                amount_adjudicated: fmt2(f.adjudicated_amount),
                amount_quarantined: fmt2(f.rejected_amount),
            })
            .collect();
        SummaryDoc {
            period: period.to_string(),
            total: figures_doc(&self.total),
            cities,
            settlement,
            reconciliation,
            flags: None,
            clearing: None,
        }
    }

    /// The readable summary printed at the end of a run; in Chinese, each
    /// city by its display name from `names` (code → name).
    pub fn render(&self, lang: Lang, names: &BTreeMap<String, String>) -> String {
        let head = match lang {
            Lang::Zh => [
                "参保地",
                "结算数",
                "人数",
                "总费用",
                "统筹支付",
                "个人账户",
                "现金",
                "拒付",
                "转其他待遇",
            ],
            Lang::En => [
                "city", "claims", "persons", "total", "fund", "account", "cash", "denied", "routed",
            ],
        };
        let mut rows: Vec<[String; 9]> = Vec::new();
        let line = |name: &str, f: &Figures| -> [String; 9] {
            [
                name.to_string(),
                f.claims.to_string(),
                f.persons.to_string(),
                fmt2(f.total),
                fmt2(f.fund_pay),
                fmt2(f.account_pay),
                fmt2(f.cash_pay),
                fmt2(f.denied),
                fmt2(f.routed),
            ]
        };
        for (c, f) in &self.by_city {
            let name = match (lang, c.is_empty()) {
                (Lang::Zh, true) => "(未知参保人)",
                (Lang::En, true) => "(unknown member)",
                (Lang::Zh, false) => names.get(c).map_or(c.as_str(), String::as_str),
                (Lang::En, false) => c,
            };
            rows.push(line(name, f));
        }
        rows.push(line(
            if lang == Lang::Zh { "合计" } else { "total" },
            &self.total,
        ));
        let width = |s: &str| {
            s.chars()
                .map(|c| if c.is_ascii() { 1 } else { 2 })
                .sum::<usize>()
        };
        let mut w = [0usize; 9];
        for r in rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect::<Vec<_>>())
            .chain([head.to_vec()])
        {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(width(c));
            }
        }
        let fmt_row = |cells: &[&str]| -> String {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                let pad = " ".repeat(w[i] - width(c));
                if i == 0 {
                    s.push_str(c);
                    s.push_str(&pad);
                } else {
                    s.push_str("  ");
                    s.push_str(&pad);
                    s.push_str(c);
                }
            }
            s.push('\n');
            s
        };
        let mut out = fmt_row(&head);
        for r in &rows {
            out.push_str(&fmt_row(&r.iter().map(String::as_str).collect::<Vec<_>>()));
        }
        if self.total.late_claims > 0 {
            let (n, t) = (self.total.late_claims, fmt2(self.total.late_total));
            out.push_str(&match lang {
                Lang::Zh => format!("跨期补报: {n} 笔结算 ({t} 元) 的就诊日期在本期之前\n"),
                Lang::En => format!("late: {n} claims ({t} yuan) were served before this period\n"),
            });
        }
        // Family sharing (POLICY.md §6a): what family accounts paid, per city.
        if !self.total.family_account_pay.is_zero() {
            let per_city: Vec<String> = self
                .by_city
                .iter()
                .filter(|(_, f)| !f.family_account_pay.is_zero())
                .map(|(c, f)| format!("{c} {}", fmt2(f.family_account_pay)))
                .collect();
            let (t, list) = (fmt2(self.total.family_account_pay), per_city.join(", "));
            out.push_str(&match lang {
                Lang::Zh => format!("家庭共济: 个人账户支付中 {t} 元来自家庭成员账户 ({list})\n"),
                Lang::En => format!("family sharing: {t} yuan of the account payments came from family members' accounts ({list})\n"),
            });
        }
        let sum = |f: fn(&ClaimFileStat) -> u64| self.files.iter().map(f).sum::<u64>();
        let amount =
            |f: fn(&ClaimFileStat) -> Decimal| fmt2(self.files.iter().map(f).sum::<Decimal>());
        let (read, adjudicated, quarantined) = (
            sum(|f| f.lines),
            sum(|f| f.adjudicated_lines),
            sum(|f| f.rejected_lines),
        );
        let (a_read, a_adj, a_q) = (
            amount(|f| f.amount),
            amount(|f| f.adjudicated_amount),
            amount(|f| f.rejected_amount),
        );
        out.push_str(&match lang {
            Lang::Zh => format!("明细核对: 读入 {read} 行 ({a_read} 元) = 结算 {adjudicated} 行 ({a_adj} 元) + 暂扣 {quarantined} 行 ({a_q} 元)\n"),
            Lang::En => format!("reconciliation: {read} lines ({a_read} yuan) read = {adjudicated} ({a_adj}) adjudicated + {quarantined} ({a_q}) quarantined\n"),
        });
        out
    }
}

fn figures_doc(f: &Figures) -> FiguresDoc {
    FiguresDoc {
        claims: f.claims,
        persons: f.persons,
        total: fmt2(f.total),
        excluded: fmt2(f.excluded),
        eligible: fmt2(f.eligible),
        fund_pay: fmt2(f.fund_pay),
        account_pay: fmt2(f.account_pay),
        cash_pay: fmt2(f.cash_pay),
        denied: fmt2(f.denied),
        pool_denied: fmt2(f.pool_denied),
        routed: fmt2(f.routed),
        late_claims: f.late_claims,
        late_total: fmt2(f.late_total),
        family_account_pay: fmt2(f.family_account_pay),
    }
}
