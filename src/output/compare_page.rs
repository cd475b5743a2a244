//! compare.html, beside `compare`'s CSV, in `--lang`: the fund change by
//! insuring city, member category and institution level, and the change
//! in members' out-of-pocket by decile. A self-contained page like
//! report.html, whose page frame and tables it shares.

use super::chart::{bars, esc, Series, COLORS};
use super::report::{page, table};
use crate::core::adjudicate::Lang;
use crate::core::model::Category;
use crate::core::money::fmt2;
use crate::say;
use rust_decimal::Decimal;
use std::fmt::Write as _;
use std::io::{self, Write};

/// One group's rows: (key, base fund, scenario fund).
pub type FundRows = Vec<(String, Decimal, Decimal)>;

/// What the fund change is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    City,
    Category,
    Level,
}

impl GroupBy {
    /// Its title in `lang` ("by insuring city").
    pub fn title(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (GroupBy::City, Lang::En) => "by insuring city",
            (GroupBy::Category, Lang::En) => "by member category",
            (GroupBy::Level, Lang::En) => "by institution level",
            (GroupBy::City, Lang::Zh) => "按参保地",
            (GroupBy::Category, Lang::Zh) => "按人员类别",
            (GroupBy::Level, Lang::Zh) => "按医疗机构等级",
        }
    }

    /// A group's key as shown: a member category by its Chinese name in
    /// Chinese; an absent key as "(unknown)".
    pub fn label(self, key: &str, lang: Lang) -> String {
        match (key, lang) {
            ("(unknown)", Lang::Zh) => "(未知)".into(),
            (_, Lang::En) => key.to_string(),
            (k, Lang::Zh) => match (self, Category::parse(k)) {
                (GroupBy::Category, Some(c)) => c.zh().to_string(),
                _ => k.to_string(),
            },
        }
    }
}

/// The figures of compare.html: fund change by city, category and level,
/// and each person's change in out-of-pocket (account + cash).
pub struct Comparison<'a> {
    pub base: &'a str,
    pub scenario: &'a str,
    pub groups: Vec<(GroupBy, FundRows)>,
    pub per_person: Vec<Decimal>,
    pub lang: Lang,
}

/// Write compare.html.
pub fn write_compare<W: Write>(c: &Comparison, mut w: W) -> io::Result<()> {
    let lang = c.lang;
    let money = |d: Decimal| fmt2(d);
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p class=\"note\">{} → {}</p>",
        esc(c.base),
        esc(c.scenario)
    );
    let name = |zh: &str, en: &str| match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => en.to_string(),
    };
    for (i, (by, rows)) in c.groups.iter().enumerate() {
        let title = esc(by.title(lang));
        let _ = writeln!(
            body,
            "{}",
            say!(
                lang,
                "<h2>统筹基金支付变化, {title}</h2>",
                "<h2>Fund change {title}</h2>"
            )
        );
        let labels: Vec<String> = rows.iter().map(|r| by.label(&r.0, lang)).collect();
        body.push_str(&bars(
            &format!("chart-fund-{i}"),
            &labels,
            &[
                Series {
                    name: name("基准", "base"),
                    color: COLORS[0],
                    values: rows.iter().map(|r| r.1).collect(),
                },
                Series {
                    name: name("方案", "scenario"),
                    color: COLORS[1],
                    values: rows.iter().map(|r| r.2).collect(),
                },
                Series {
                    name: name("变化", "change"),
                    color: COLORS[3],
                    values: rows.iter().map(|r| r.2 - r.1).collect(),
                },
            ],
            false,
            &money,
        ));
    }
    // Persons whose out-of-pocket changed, sorted by the change, in ten
    // groups of (nearly) equal size: the mean change of each.
    let mut changes = c.per_person.clone();
    changes.sort();
    let n = changes.len();
    let mut labels = Vec::new();
    let mut means = Vec::new();
    let mut rows = Vec::new();
    if n > 0 {
        for d in 0..10 {
            let (a, b) = (d * n / 10, (d + 1) * n / 10);
            if a == b {
                continue;
            }
            let part = &changes[a..b];
            let sum: Decimal = part.iter().sum();
            let mean = (sum / Decimal::from(part.len() as u64)).round_dp(2);
            labels.push(format!("D{} ({})", d + 1, part.len()));
            means.push(mean);
            rows.push(vec![
                format!("D{}", d + 1),
                part.len().to_string(),
                money(part[0]),
                money(part[part.len() - 1]),
                money(mean),
            ]);
        }
    }
    let (more, less) = (
        changes.iter().filter(|d| **d > Decimal::ZERO).count(),
        changes.iter().filter(|d| **d < Decimal::ZERO).count(),
    );
    let _ = writeln!(
        body,
        "{}",
        say!(
            lang,
            "<h2>参保人自付 (个人账户 + 现金) 的变化, 按十分位</h2>\n<p class=\"note\">{more} 人多付, {less} 人少付.</p>",
            "<h2>Change in members' out-of-pocket (account + cash), by decile</h2>\n<p class=\"note\">{more} persons pay more, {less} pay less.</p>"
        )
    );
    body.push_str(&bars(
        "chart-deciles",
        &labels,
        &[Series {
            name: name("平均变化", "mean change"),
            color: COLORS[5],
            values: means,
        }],
        false,
        &money,
    ));
    let head: &[&str] = match lang {
        Lang::Zh => &["十分位", "人数", "最小", "最大", "平均"],
        Lang::En => &["decile", "persons", "smallest", "largest", "mean"],
    };
    body.push_str(&table(head, &rows, 1));
    let title = say!(lang, "tongchou 结算对比", "tongchou compare");
    w.write_all(page(&title, lang, &body).as_bytes())?;
    w.flush()
}
