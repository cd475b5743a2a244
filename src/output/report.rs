//! report.html: the fund report written with every run (compare.html, in
//! `compare_page`, shares its page and table). Self-contained pages (inline CSS and SVG, no
//! script, no network): each chart is drawn by [`super::chart`] and followed
//! by its exact figures.
//!
//! report.html is built from what the run holds: the summary, the sums by
//! institution level and status kept by [`super::people_rows`], the ledger
//! and the leads, each figure as the staged CSVs write it.

use super::chart::{bars, esc, Series, COLORS};
use super::leads::Leads;
use super::people_rows::{Money, Shown};
use super::summary::Summary;
use crate::core::adjudicate::clearing::{Clearing, Row};
use crate::core::adjudicate::Lang;
use crate::core::date::Date;
use crate::core::members::Members;
use crate::core::model::Institution;
use crate::core::money::fmt2;
use crate::core::rules::RuleBook;
use crate::input::{IdMap, Ledger};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// What report.html is built from.
pub struct Sources<'a> {
    pub summary: &'a Summary,
    pub members: &'a Members,
    pub institutions: &'a IdMap<Institution>,
    pub rules: &'a RuleBook,
    pub lang: Lang,
    pub period: &'a str,
    pub period_end: Date,
    /// The sums of payments.csv's rows by institution level and status.
    pub rows: &'a Shown,
    /// The ledger as ledger.csv writes it, and the leads as leads.csv.
    pub ledger: &'a Ledger,
    pub leads: &'a Leads,
    /// POLICY §10, when the month's settlements declared what they
    /// settled (empty otherwise: no section).
    pub clearing: &'a Clearing,
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

fn city_name<'a>(rules: &'a RuleBook, code: &'a str, lang: Lang) -> &'a str {
    if code.is_empty() {
        return t(lang, "(未知参保人)", "(unknown member)");
    }
    match rules.cities.get(code) {
        Some(c) if !c.name.is_empty() => &c.name,
        _ => code,
    }
}

const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:24px;color:#222;max-width:900px}\
h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;font-size:12px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px}\
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}.note{color:#666;font-size:12px}";

pub(super) fn page(title: &str, lang: Lang, body: &str) -> String {
    let l = t(lang, "zh-CN", "en");
    format!(
        "<!DOCTYPE html>\n<html lang=\"{l}\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n{body}</body></html>\n",
        esc(title),
        esc(title)
    )
}

pub(super) fn table(head: &[&str], rows: &[Vec<String>], numeric_from: usize) -> String {
    let mut s = String::from("<table><tr>");
    for h in head {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr>");
    for r in rows {
        s.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let class = if i >= numeric_from {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(s, "<td{class}>{}</td>", esc(c));
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>\n");
    s
}

#[derive(Default, Clone)]
struct Split {
    claims: u64,
    total: Decimal,
    fund: Decimal,
    account: Decimal,
    cash: Decimal,
}

/// Write report.html.
pub fn write_report<W: Write>(src: &Sources, mut w: W) -> io::Result<()> {
    let lang = src.lang;
    let money = |d: Decimal| fmt2(d);
    let mut body = String::new();
    let (fund_s, account_s, cash_s) = (
        t(lang, "统筹基金", "fund"),
        t(lang, "个人账户", "account"),
        t(lang, "现金", "cash"),
    );
    let three = |rows: &[&Split]| {
        [(fund_s, 0usize), (account_s, 1), (cash_s, 2)]
            .into_iter()
            .map(|(name, k)| Series {
                name: name.to_string(),
                color: COLORS[k],
                values: rows
                    .iter()
                    .map(|s| [s.fund, s.account, s.cash][k])
                    .collect(),
            })
            .collect::<Vec<_>>()
    };

    // 1. By insuring city.
    let cities: Vec<(String, Split)> = src
        .summary
        .by_city
        .iter()
        .map(|(c, f)| {
            (
                city_name(src.rules, c, lang).to_string(),
                Split {
                    claims: f.claims,
                    total: f.total,
                    fund: f.fund_pay,
                    account: f.account_pay,
                    cash: f.cash_pay,
                },
            )
        })
        .collect();
    // payments.csv's rows by institution level and by status.
    let mut by_level: BTreeMap<String, Split> = BTreeMap::new();
    let mut by_status: BTreeMap<String, Split> = BTreeMap::new();
    for &((level, status), s) in &src.rows.sums {
        let level = match level.unwrap_or("") {
            "" => t(lang, "(未知)", "(unknown)").to_string(),
            "pharmacy" => t(lang, "药店", "pharmacy").to_string(),
            l => format!("{}{l}", t(lang, "级别 ", "level ")),
        };
        for e in [
            by_level.entry(level).or_default(),
            by_status.entry(status.as_str().to_string()).or_default(),
        ] {
            e.claims += s.claims;
            e.total += Money(s.total).decimal();
            e.fund += Money(s.fund).decimal();
            e.account += Money(s.account).decimal();
            e.cash += Money(s.cash).decimal();
        }
    }
    let split_rows = |rows: &[(String, Split)]| -> Vec<Vec<String>> {
        rows.iter()
            .map(|(k, s)| {
                vec![
                    k.clone(),
                    s.claims.to_string(),
                    money(s.total),
                    money(s.fund),
                    money(s.account),
                    money(s.cash),
                ]
            })
            .collect()
    };
    let split_head = [
        "",
        t(lang, "结算笔数", "claims"),
        t(lang, "总费用", "total"),
        fund_s,
        account_s,
        cash_s,
    ];
    let levels: Vec<(String, Split)> = by_level.into_iter().collect();
    for (h, id, rows) in [
        (
            t(
                lang,
                "按参保地: 统筹基金、个人账户与现金",
                "By insuring city: fund, account and cash",
            ),
            "chart-city",
            &cities,
        ),
        (
            t(
                lang,
                "按机构级别: 统筹基金、个人账户与现金",
                "By institution level: fund, account and cash",
            ),
            "chart-level",
            &levels,
        ),
    ] {
        let _ = writeln!(body, "<h2>{}</h2>", esc(h));
        let labels: Vec<String> = rows.iter().map(|(k, _)| k.clone()).collect();
        let refs: Vec<&Split> = rows.iter().map(|(_, s)| s).collect();
        body.push_str(&bars(id, &labels, &three(&refs), true, &money));
        body.push_str(&table(&split_head, &split_rows(rows), 1));
    }

    // 2. Statuses and the amounts they moved.
    let status_word = |s: &str| -> String {
        let zh = match s {
            "paid" => "已支付",
            "pool_denied" => "统筹拒付",
            "denied" => "拒付",
            "routed" => "转其他待遇",
            "reversed" => "已冲销",
            "reversal" => "冲销",
            _ => s,
        };
        match lang {
            Lang::Zh => format!("{zh} ({s})"),
            Lang::En => s.to_string(),
        }
    };
    let statuses: Vec<(String, Split)> = by_status
        .into_iter()
        .map(|(k, v)| (status_word(&k), v))
        .collect();
    let _ = writeln!(
        body,
        "<h2>{}</h2>",
        esc(t(
            lang,
            "结算状态与涉及金额",
            "Statuses and the amounts they moved"
        ))
    );
    let labels: Vec<String> = statuses
        .iter()
        .map(|(k, s)| format!("{k} ×{}", s.claims))
        .collect();
    let refs: Vec<&Split> = statuses.iter().map(|(_, s)| s).collect();
    body.push_str(&bars("chart-status", &labels, &three(&refs), true, &money));
    body.push_str(&table(&split_head, &split_rows(&statuses), 1));

    // 3. Members' year-to-date pool payments against their cap.
    let year = src.period_end.year;
    let mut buckets = [0u64; 12];
    for (pid, r) in src.ledger.iter() {
        if r.year != year {
            continue;
        }
        // ledger.csv's person_id, as written.
        let pid = super::text(pid);
        let Some(m) = src.members.get(&pid) else {
            continue;
        };
        let Some((_, v)) = src.rules.in_force(m.city, src.period_end) else {
            continue;
        };
        let cap = v.cap.get(m.category).value;
        let paid = Money::of(r.pool_paid).decimal();
        let b = if paid.is_zero() {
            0
        } else if cap <= Decimal::ZERO || paid >= cap {
            11
        } else {
            // 1..=10: (0, 10%], …, (90%, 100%).
            let tenth = (paid * Decimal::TEN / cap).ceil();
            tenth
                .to_string()
                .parse::<usize>()
                .unwrap_or(10)
                .clamp(1, 10)
        };
        buckets[b] += 1;
    }
    let bucket_labels: Vec<String> = (0..12)
        .map(|b| match b {
            0 => t(lang, "未使用统筹", "none used").to_string(),
            11 => t(lang, "已达封顶线", "at the cap").to_string(),
            b => format!("{}–{}%", (b - 1) * 10, b * 10),
        })
        .collect();
    let _ = writeln!(
        body,
        "<h2>{}</h2>",
        esc(t(
            lang,
            "参保人年度累计统筹支付占封顶线的比例 (人数)",
            "Members' year-to-date pool paid against their cap (persons)"
        ))
    );
    body.push_str(&bars(
        "chart-cap",
        &bucket_labels,
        &[Series {
            name: t(lang, "人数", "persons").to_string(),
            color: COLORS[4],
            values: buckets.iter().map(|&n| Decimal::from(n)).collect(),
        }],
        false,
        &|d| d.to_string(),
    ));

    // 4. Top institutions by flagged amount (leads.csv is ranked by it).
    let top = top_leads(src);
    let _ = writeln!(
        body,
        "<h2>{}</h2>",
        esc(t(
            lang,
            "可疑提示涉及金额最多的机构 (前 10 名, 见 leads.csv)",
            "Top institutions by flagged amount (first 10; see leads.csv)"
        ))
    );
    body.push_str(&bars(
        "chart-leads",
        &top.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
        &[Series {
            name: t(lang, "涉及金额", "amount at stake").to_string(),
            color: COLORS[3],
            values: top.iter().map(|x| x.1).collect(),
        }],
        false,
        &money,
    ));
    if top.is_empty() {
        let _ = writeln!(
            body,
            "<p class=\"note\">{}</p>",
            t(
                lang,
                "本期没有可疑提示。",
                "No claim was flagged this period."
            )
        );
    }

    // 5. The reconciliation of the claim files.
    let _ = writeln!(
        body,
        "<h2>{}</h2>",
        esc(t(
            lang,
            "明细核对: 读入 = 结算 + 暂扣",
            "Reconciliation: read = adjudicated + quarantined"
        ))
    );
    let files = &src.summary.files;
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.file
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    body.push_str(&bars(
        "chart-reconciliation",
        &names,
        &[
            Series {
                name: t(lang, "结算金额", "adjudicated").to_string(),
                color: COLORS[2],
                values: files.iter().map(|f| f.adjudicated_amount).collect(),
            },
            Series {
                name: t(lang, "暂扣金额", "quarantined").to_string(),
                color: COLORS[3],
                values: files.iter().map(|f| f.rejected_amount).collect(),
            },
        ],
        true,
        &money,
    ));
    let rows: Vec<Vec<String>> = files
        .iter()
        .zip(&names)
        .map(|(f, n)| {
            vec![
                n.clone(),
                f.lines.to_string(),
                money(f.amount),
                f.adjudicated_lines.to_string(),
                money(f.adjudicated_amount),
                f.rejected_lines.to_string(),
                money(f.rejected_amount),
            ]
        })
        .collect();
    body.push_str(&table(
        &[
            t(lang, "文件", "file"),
            t(lang, "读入行", "lines read"),
            t(lang, "读入金额", "amount read"),
            t(lang, "结算行", "adjudicated"),
            t(lang, "结算金额", "amount"),
            t(lang, "暂扣行", "quarantined"),
            t(lang, "暂扣金额", "amount"),
        ],
        &rows,
        1,
    ));
    clearing_section(&mut body, src);
    let title = format!(
        "{} {}",
        t(
            lang,
            "门诊统筹基金结算报告",
            "Outpatient pooling fund report"
        ),
        src.period
    );
    w.write_all(page(&title, lang, &body).as_bytes())?;
    w.flush()
}

/// The first ten institutions of leads.csv (ranked by the amount at stake,
/// then id) with an amount at stake: (label, amount as written).
fn top_leads(src: &Sources) -> Vec<(String, Decimal)> {
    let mut rows: Vec<(&String, Decimal)> = src
        .leads
        .by_institution
        .iter()
        .map(|(id, f)| (id, f.at_stake))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    rows.into_iter()
        .map(|(id, at_stake)| (id, Money::of(at_stake).decimal()))
        .filter(|(_, at_stake)| *at_stake > Decimal::ZERO)
        .take(10)
        .map(|(id, at_stake)| {
            let name = src
                .institutions
                .get(id.as_str())
                .map_or("", |i| i.name.as_str());
            let (name, id) = (super::text(name), super::text(id));
            let label = if name.is_empty() {
                id.into_owned()
            } else {
                format!("{name} ({id})")
            };
            (label, at_stake)
        })
        .collect()
}

/// The sixth section, clearing (POLICY §10), when settlements declared
/// what they settled: declared against adjudicated fund by insuring city,
/// the deduction audit takes back and the shortfall the fund owes, as in
/// clearing.csv.
fn clearing_section(body: &mut String, src: &Sources) {
    if src.clearing.rows.is_empty() {
        return;
    }
    let lang = src.lang;
    let money = |d: Decimal| fmt2(d);
    let _ = writeln!(
        body,
        "<h2>{}</h2>",
        esc(t(
            lang,
            "清算: 机构申报与核定 (POLICY §10)",
            "Clearing: declared against adjudicated (POLICY §10)"
        ))
    );
    let (cities, total) = src.clearing.by_city();
    let labels: Vec<String> = cities
        .keys()
        .map(|c| city_name(src.rules, c, lang).to_string())
        .collect();
    let rows: Vec<&Row> = cities.values().collect();
    body.push_str(&bars(
        "chart-clearing",
        &labels,
        &[
            Series {
                name: t(lang, "申报统筹支付", "declared fund").to_string(),
                color: COLORS[0],
                values: rows.iter().map(|r| r.declared_fund).collect(),
            },
            Series {
                name: t(lang, "核定统筹支付", "adjudicated fund").to_string(),
                color: COLORS[2],
                values: rows.iter().map(|r| r.adjudicated_fund).collect(),
            },
            Series {
                name: t(lang, "审核扣款", "deduction").to_string(),
                color: COLORS[3],
                values: rows.iter().map(|r| r.deduction).collect(),
            },
            Series {
                name: t(lang, "基金应补", "shortfall").to_string(),
                color: COLORS[1],
                values: rows.iter().map(|r| r.shortfall).collect(),
            },
        ],
        false,
        &money,
    ));
    let line = |name: String, r: &Row| {
        vec![
            name,
            r.claims.to_string(),
            money(r.declared_fund),
            money(r.adjudicated_fund),
            money(r.deduction),
            money(r.shortfall),
            money(r.declared_account),
            money(r.adjudicated_account),
            r.mismatched_claims.to_string(),
        ]
    };
    let mut table_rows: Vec<Vec<String>> = labels
        .iter()
        .zip(&rows)
        .map(|(name, r)| line(name.clone(), r))
        .collect();
    table_rows.push(line(t(lang, "合计", "total").to_string(), &total));
    body.push_str(&table(
        &[
            t(lang, "参保地", "insuring city"),
            t(lang, "结算笔数", "claims"),
            t(lang, "申报统筹支付", "declared fund"),
            t(lang, "核定统筹支付", "adjudicated fund"),
            t(lang, "审核扣款", "deduction"),
            t(lang, "基金应补", "shortfall"),
            t(lang, "申报个人账户", "declared account"),
            t(lang, "核定个人账户", "adjudicated account"),
            t(lang, "申报不符笔数", "mismatched claims"),
        ],
        &table_rows,
        1,
    ));
}
