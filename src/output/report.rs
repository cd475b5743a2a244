//! report.html: the fund report written with every run (compare.html, in
//! `compare_page`, shares its page and table). Self-contained pages (inline CSS and SVG, no
//! script, no network): each chart is drawn by [`super::chart`] and followed
//! by its exact figures.
//!
//! report.html reads back the staged payments.csv, ledger.csv and
//! leads.csv in one streaming pass each, so its memory does not grow with
//! the month.

use super::chart::{bars, esc, Series, COLORS};
use super::summary::Summary;
use crate::core::adjudicate::Lang;
use crate::core::date::Date;
use crate::core::model::Member;
use crate::core::money::fmt2;
use crate::core::rules::RuleBook;
use crate::input::IdMap;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use std::str::FromStr;

/// What report.html is built from.
pub struct Sources<'a> {
    pub summary: &'a Summary,
    pub members: &'a IdMap<Member>,
    pub rules: &'a RuleBook,
    pub lang: Lang,
    pub period: &'a str,
    pub period_end: Date,
    /// The staged payments.csv, ledger.csv and leads.csv of this run.
    pub payments: &'a Path,
    pub ledger: &'a Path,
    pub leads: &'a Path,
}

fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

fn read_err(path: &Path, e: csv::Error) -> io::Error {
    io::Error::other(format!("{}: {e}", path.display()))
}

/// Stream the rows of a CSV, by column name.
fn each_row(path: &Path, mut f: impl FnMut(&dyn Fn(&str) -> String)) -> io::Result<()> {
    let mut r = csv::Reader::from_reader(io::BufReader::with_capacity(
        1 << 20,
        std::fs::File::open(path)?,
    ));
    let head: BTreeMap<String, usize> = r
        .headers()
        .map_err(|e| read_err(path, e))?
        .iter()
        .enumerate()
        // payments.csv may be under the platform's names.
        .map(|(i, h)| (crate::schema::platform::own_name(h).to_string(), i))
        .collect();
    let mut rec = csv::StringRecord::new();
    while r.read_record(&mut rec).map_err(|e| read_err(path, e))? {
        let get = |c: &str| {
            head.get(c)
                .and_then(|&i| rec.get(i))
                .unwrap_or_default()
                .to_string()
        };
        f(&get);
    }
    Ok(())
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
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
    // One pass over payments.csv: by institution level and by status.
    let mut by_level: BTreeMap<String, Split> = BTreeMap::new();
    let mut by_status: BTreeMap<String, Split> = BTreeMap::new();
    each_row(src.payments, |g| {
        let (total, fund, account, cash) = (
            dec(&g("total")),
            dec(&g("fund_pay")),
            dec(&g("account_pay")),
            dec(&g("cash_pay")),
        );
        let level = match g("institution_level").as_str() {
            "" => t(lang, "(未知)", "(unknown)").to_string(),
            "pharmacy" => t(lang, "药店", "pharmacy").to_string(),
            l => format!("{}{l}", t(lang, "级别 ", "level ")),
        };
        for e in [
            by_level.entry(level).or_default(),
            by_status.entry(g("status")).or_default(),
        ] {
            e.claims += 1;
            e.total += total;
            e.fund += fund;
            e.account += account;
            e.cash += cash;
        }
    })?;
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
    let year = src.period_end.year.to_string();
    let mut buckets = [0u64; 12];
    each_row(src.ledger, |g| {
        if g("year") != year {
            return;
        }
        let pid = g("person_id");
        let Some(m) = src.members.get(pid.as_str()) else {
            return;
        };
        let Some((_, v)) = src.rules.in_force(&m.city, src.period_end) else {
            return;
        };
        let cap = v.cap.get(m.category).value;
        let paid = dec(&g("pool_paid"));
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
    })?;
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
    let mut top: Vec<(String, Decimal, String)> = Vec::new();
    each_row(src.leads, |g| {
        let at_stake = dec(&g("amount_at_stake"));
        if top.len() < 10 && at_stake > Decimal::ZERO {
            let name = g("name");
            let id = g("institution_id");
            let label = if name.is_empty() {
                id
            } else {
                format!("{name} ({id})")
            };
            top.push((label, at_stake, g("flagged_claims")));
        }
    })?;
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
