//! What a person reads on the terminal after a run, in `--lang`: city
//! display names from the rule files, the provisional-parameter warning as
//! one short line per city (the manifest keeps the full list), and the
//! closing lines.

use crate::core::adjudicate::Lang;
use crate::core::rules::RuleBook;
use std::collections::{BTreeMap, BTreeSet};

/// City code → display name (the rule file's `name`, e.g. 鄂州市).
pub fn city_names(rules: &RuleBook) -> BTreeMap<String, String> {
    rules
        .cities
        .iter()
        .map(|(code, c)| (code.clone(), c.name.clone()))
        .collect()
}

/// One line per city whose provisional parameters this run used: how
/// many, where to see them, and how to acknowledge them. A city whose rule
/// file acknowledges exactly that many (`provisional_acknowledged = N`)
/// gets no line.
pub fn provisional_lines(
    rules: &RuleBook,
    used: &BTreeSet<(crate::core::model::Id, usize)>,
    lang: Lang,
) -> Vec<String> {
    let mut per_city: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (city, i) in used {
        if let Some(v) = rules
            .cities
            .get(city.as_str())
            .and_then(|c| c.versions.get(*i))
        {
            per_city
                .entry(city)
                .or_default()
                .extend(v.provisional.iter().map(String::as_str));
        }
    }
    let mut out = Vec::new();
    for (code, names) in per_city {
        let n = names.len() as u32;
        let Some(c) = rules.cities.get(code) else {
            continue;
        };
        if n == 0 || c.provisional_acknowledged == Some(n) {
            continue;
        }
        let file = c
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push(match lang {
            Lang::Zh => format!(
                "{} ({code}): 本期结算用到 {n} 项暂定参数 (政策文件未规定, 待补充正式数值); 查看: tongchou rules show {code}; 已知悉可在 {file} 中写 provisional_acknowledged = {n}",
                c.name
            ),
            Lang::En => format!(
                "{code}: provisional parameters used: {n} (the sources are silent; supply the official figures); see `tongchou rules show {code}`; to acknowledge them, write `provisional_acknowledged = {n}` in {file}"
            ),
        });
    }
    out
}

/// The last line printed after the summary table.
pub fn closing_line(
    lang: Lang,
    period: &str,
    claims: usize,
    quarantined: usize,
    out: &std::path::Path,
) -> String {
    let out = out.display();
    match lang {
        Lang::Zh => format!(
            "结算期 {period}: 结算 {claims} 笔, 暂扣明细 {quarantined} 行; 结果目录 {out}"
        ),
        Lang::En => format!(
            "period {period}: {claims} claims settled, {quarantined} claim lines quarantined; outputs in {out}"
        ),
    }
}

/// The last warning of a run that quarantined lines: where to look.
pub fn quarantined_line(lang: Lang, quarantined: usize, rejects: &std::path::Path) -> String {
    let rejects = rejects.display();
    match lang {
        Lang::Zh => format!("暂扣明细 {quarantined} 行: 见 {rejects}"),
        Lang::En => format!("{quarantined} claim lines quarantined: see {rejects}"),
    }
}
