//! settlement.xlsx: the clerk's workbook. Four sheets: the fund summary,
//! the settlement per payee (with institution and city names and a totals
//! row), denied and pool_denied claims with their reasons in words, and the
//! flagged findings. Headers are Chinese, or English with `--lang en`.
//!
//! The per-claim sheets are built from the rows [`super::people_rows`] kept
//! while the partitions were decided (by claim_id, at most what a sheet
//! holds; a spilled month's merged from disk as they are written), and the worksheets are written in constant-memory mode. A sheet
//! holds at most Excel's 1,048,576 rows; what does not fit is counted in a
//! last row pointing at audit.csv.

use super::people_rows::{ClaimRows, DeniedRow, FlagRow, Shown};
use super::people_runs::Sheet;
use super::summary::{Figures, Summary};
use super::visible;
use crate::core::adjudicate::clearing::Clearing;
use crate::core::adjudicate::Lang;
use crate::core::date::Date;
use crate::core::model::Institution;
use crate::core::money::fmt2;
use crate::core::rules::RuleBook;
use crate::input::IdMap;
use crate::schema::platform::CLEARING_HEADER;
use rust_decimal::Decimal;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Formula, Workbook, Worksheet, XlsxError,
};
use std::borrow::Cow;
use std::io::{self, Seek, Write};
use std::path::Path;

/// Rows in an Excel worksheet, header included.
pub const EXCEL_ROWS: u32 = 1_048_576;

/// What the workbook is built from.
pub struct Sources<'a> {
    pub summary: &'a Summary,
    pub institutions: &'a IdMap<Institution>,
    pub rules: &'a RuleBook,
    pub lang: Lang,
    pub period: &'a str,
    /// The period's last day: the workbook's creation date, so the same
    /// run writes the same bytes.
    pub period_end: Date,
    /// The claims' rows the sheets show.
    pub rows: &'a Shown,
    /// Where the constant-memory sheets keep their rows meanwhile.
    pub tempdir: &'a Path,
    /// POLICY §10: a fifth sheet when settlements declared what they
    /// settled.
    pub clearing: &'a Clearing,
}

/// Write the workbook to `w`.
pub fn write<W: Write + Seek + Send>(src: &Sources, w: W) -> io::Result<()> {
    build(src, w).map_err(|e| match e {
        XlsxError::IoError(e) => e,
        e => io::Error::other(e.to_string()),
    })
}

/// The words of one language.
struct Words {
    sheets: [&'static str; 4],
    summary: [&'static str; 17],
    settlement: [&'static str; 8],
    denied: [&'static str; 13],
    flagged: [&'static str; 9],
    institution: &'static str,
    city_total: &'static str,
    total: &'static str,
    unknown_city: &'static str,
    payee_institution: &'static str,
    payee_member: &'static str,
    more: fn(u64) -> String,
}

const ZH: Words = Words {
    sheets: ["基金汇总", "结算清单", "拒付明细", "可疑提示"],
    summary: [
        "范围",
        "参保地",
        "机构编码",
        "机构名称",
        "结算笔数",
        "人数",
        "总费用",
        "目录外费用",
        "政策范围内费用",
        "统筹基金支付",
        "个人账户支付",
        "现金支付",
        "拒付金额",
        "统筹拒付金额",
        "转其他待遇金额",
        "跨期补报笔数",
        "跨期补报金额",
    ],
    settlement: [
        "参保地",
        "收款方类型",
        "收款方编码",
        "收款方名称",
        "结算笔数",
        "统筹基金支付",
        "个人账户支付",
        "应付金额",
    ],
    denied: [
        "结算流水号",
        "人员编码",
        "机构编码",
        "机构名称",
        "参保地",
        "就诊日期",
        "结算状态",
        "总费用",
        "统筹基金支付",
        "个人账户支付",
        "现金支付",
        "规则",
        "拒付原因",
    ],
    flagged: [
        "结算流水号",
        "明细行号",
        "人员编码",
        "机构编码",
        "机构名称",
        "规则",
        "涉及金额",
        "说明",
        "依据",
    ],
    institution: "机构",
    city_total: "参保地合计",
    total: "合计",
    unknown_city: "(未知参保人)",
    payee_institution: "定点机构",
    payee_member: "参保人",
    more: |n| format!("另有 {n} 行未列出 (超出 Excel 行数上限), 见 audit.csv"),
};

const EN: Words = Words {
    sheets: ["Fund summary", "Settlement", "Denied", "Flagged"],
    summary: [
        "scope",
        "city",
        "institution_id",
        "institution",
        "claims",
        "persons",
        "total",
        "excluded",
        "eligible",
        "fund_pay",
        "account_pay",
        "cash_pay",
        "denied",
        "pool_denied",
        "routed",
        "late_claims",
        "late_total",
    ],
    settlement: [
        "city",
        "payee",
        "payee_id",
        "payee_name",
        "claims",
        "fund_pay",
        "account_pay",
        "amount_due",
    ],
    denied: [
        "claim_id",
        "person_id",
        "institution_id",
        "institution",
        "city",
        "service_date",
        "status",
        "total",
        "fund_pay",
        "account_pay",
        "cash_pay",
        "reasons",
        "why",
    ],
    flagged: [
        "claim_id",
        "line_no",
        "person_id",
        "institution_id",
        "institution",
        "rule",
        "amount",
        "detail",
        "basis",
    ],
    institution: "institution",
    city_total: "city total",
    total: "total",
    unknown_city: "(unknown member)",
    payee_institution: "institution",
    payee_member: "member",
    more: |n| format!("{n} more rows not listed (past Excel's row limit): see audit.csv"),
};

fn status_words(status: &str, lang: Lang) -> &str {
    match (lang, status) {
        (Lang::Zh, "paid") => "已支付",
        (Lang::Zh, "pool_denied") => "统筹拒付",
        (Lang::Zh, "denied") => "拒付",
        (Lang::Zh, "routed") => "转其他待遇",
        (Lang::Zh, "reversed") => "已冲销",
        (Lang::Zh, "reversal") => "冲销",
        (_, s) => s,
    }
}

struct Formats {
    head: Format,
    money: Format,
    money_bold: Format,
    bold: Format,
    date: Format,
}

fn build<W: Write + Seek + Send>(src: &Sources, w: W) -> Result<(), XlsxError> {
    let words = match src.lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    let f = Formats {
        head: Format::new().set_bold().set_align(FormatAlign::Center),
        money: Format::new().set_num_format("#,##0.00"),
        money_bold: Format::new().set_num_format("#,##0.00").set_bold(),
        bold: Format::new().set_bold(),
        date: Format::new().set_num_format("yyyy-mm-dd"),
    };
    let d = src.period_end;
    let created = ExcelDateTime::from_ymd(d.year.clamp(1900, 9999) as u16, d.month, d.day)?;
    let mut book = Workbook::new();
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("tongchou settlement {}", src.period))
            .set_creation_datetime(&created),
    );
    // Constant-memory sheets keep their rows in temporary files: beside
    // the staged outputs, not in a possibly small system temp directory.
    book.set_tempdir(src.tempdir)?;
    let names = CityNames(src.rules);
    summary_sheet(
        book.add_worksheet_with_constant_memory(),
        src,
        words,
        &f,
        &names,
    )?;
    settlement_sheet(
        book.add_worksheet_with_constant_memory(),
        src,
        words,
        &f,
        &names,
    )?;
    book.add_worksheet_with_constant_memory();
    book.add_worksheet_with_constant_memory();
    claim_sheets(&mut book, src, words, &f, &names)?;
    if !src.clearing.rows.is_empty() {
        clearing_sheet(
            book.add_worksheet_with_constant_memory(),
            src,
            &f,
            &names,
            words,
        )?;
    }
    book.save_to_writer(w)
}

/// City display names from the rule files (`name`), else the code.
struct CityNames<'a>(&'a RuleBook);

impl CityNames<'_> {
    fn get<'s>(&'s self, code: &'s str, words: &Words) -> &'s str {
        if code.is_empty() {
            return words.unknown_city;
        }
        match self.0.cities.get(code) {
            Some(c) if !c.name.is_empty() => &c.name,
            _ => code,
        }
    }
}

fn institution_name<'a>(src: &'a Sources, id: &str) -> &'a str {
    src.institutions.get(id).map_or("", |i| i.name.as_str())
}

/// A money cell: the exact decimal as Excel's number (Excel keeps every
/// number as a double; two decimals of any realistic amount survive).
fn money(ws: &mut Worksheet, r: u32, c: u16, x: Decimal, f: &Format) -> Result<(), XlsxError> {
    let v: f64 = fmt2(x).parse().unwrap_or_default();
    ws.write_number_with_format(r, c, v, f)?;
    Ok(())
}

fn text(ws: &mut Worksheet, r: u32, c: u16, s: &str) -> Result<(), XlsxError> {
    if !s.is_empty() {
        ws.write_string(r, c, visible(s))?;
    }
    Ok(())
}

fn header(ws: &mut Worksheet, name: &str, cols: &[&str], f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    for (c, h) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &f.head)?;
        let width = h
            .chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum::<usize>();
        ws.set_column_width(c as u16, (width as f64 + 2.0).max(12.0))?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn summary_sheet(
    ws: &mut Worksheet,
    src: &Sources,
    words: &Words,
    f: &Formats,
    names: &CityNames,
) -> Result<(), XlsxError> {
    header(ws, words.sheets[0], &words.summary, f)?;
    let s = src.summary;
    let mut r = 1u32;
    let mut row = |ws: &mut Worksheet,
                   scope: &str,
                   city: &str,
                   inst: &str,
                   fig: &Figures,
                   bold: bool|
     -> Result<(), XlsxError> {
        let m = if bold { &f.money_bold } else { &f.money };
        if bold {
            ws.write_string_with_format(r, 0, scope, &f.bold)?;
        } else {
            ws.write_string(r, 0, scope)?;
        }
        text(ws, r, 1, city)?;
        text(ws, r, 2, inst)?;
        text(ws, r, 3, institution_name(src, inst))?;
        ws.write_number(r, 4, fig.claims as f64)?;
        ws.write_number(r, 5, fig.persons as f64)?;
        let amounts = [
            fig.total,
            fig.excluded,
            fig.eligible,
            fig.fund_pay,
            fig.account_pay,
            fig.cash_pay,
            fig.denied,
            fig.pool_denied,
            fig.routed,
        ];
        for (i, a) in amounts.into_iter().enumerate() {
            money(ws, r, 6 + i as u16, a, m)?;
        }
        ws.write_number(r, 15, fig.late_claims as f64)?;
        money(ws, r, 16, fig.late_total, m)?;
        r += 1;
        Ok(())
    };
    for (city, fig) in &s.by_city {
        let name = names.get(city, words);
        for ((c, inst), fi) in s.by_institution.range((city.clone(), String::new())..) {
            if c != city {
                break;
            }
            row(ws, words.institution, name, inst, fi, false)?;
        }
        row(ws, words.city_total, name, "", fig, true)?;
    }
    row(ws, words.total, "", "", &s.total, true)?;
    Ok(())
}

fn settlement_sheet(
    ws: &mut Worksheet,
    src: &Sources,
    words: &Words,
    f: &Formats,
    names: &CityNames,
) -> Result<(), XlsxError> {
    header(ws, words.sheets[1], &words.settlement, f)?;
    let mut r = 1u32;
    let (mut fund, mut account, mut claims) = (Decimal::ZERO, Decimal::ZERO, 0u64);
    for s in &src.summary.settlement {
        text(ws, r, 0, names.get(&s.city, words))?;
        let (kind, name) = match s.payee {
            crate::core::adjudicate::Payee::Institution => {
                (words.payee_institution, institution_name(src, &s.payee_id))
            }
            crate::core::adjudicate::Payee::Member => (words.payee_member, ""),
        };
        ws.write_string(r, 1, kind)?;
        text(ws, r, 2, &s.payee_id)?;
        text(ws, r, 3, name)?;
        ws.write_number(r, 4, s.claims as f64)?;
        money(ws, r, 5, s.fund_pay, &f.money)?;
        money(ws, r, 6, s.account_pay, &f.money)?;
        money(ws, r, 7, s.fund_pay + s.account_pay, &f.money)?;
        fund += s.fund_pay;
        account += s.account_pay;
        claims += s.claims;
        r += 1;
    }
    // The totals row: live sums for a clerk who edits the sheet, with the
    // exact totals as their stored results (what a reader without a
    // formula engine sees).
    ws.write_string_with_format(r, 0, words.total, &f.bold)?;
    let last = r; // rows 2..=last in A1 notation
    let sum = |col: char, value: String| {
        Formula::new(format!("=SUM({col}2:{col}{last})")).set_result(value)
    };
    ws.write_formula_with_format(r, 4, sum('E', claims.to_string()), &f.bold)?;
    ws.write_formula_with_format(r, 5, sum('F', fmt2(fund)), &f.money_bold)?;
    ws.write_formula_with_format(r, 6, sum('G', fmt2(account)), &f.money_bold)?;
    ws.write_formula_with_format(r, 7, sum('H', fmt2(fund + account)), &f.money_bold)?;
    Ok(())
}

/// The clearing sheet (POLICY §10): clearing.csv's rows, with institution
/// names, city names and a totals row.
fn clearing_sheet(
    ws: &mut Worksheet,
    src: &Sources,
    f: &Formats,
    names: &CityNames,
    words: &Words,
) -> Result<(), XlsxError> {
    let (title, cols): (&str, &[&str]) = match src.lang {
        Lang::Zh => (
            "清算",
            &[
                "机构编码",
                "机构名称",
                "参保地",
                "结算笔数",
                "申报统筹支付",
                "核定统筹支付",
                "审核扣款",
                "基金应补",
                "申报个人账户支付",
                "核定个人账户支付",
                "申报不符笔数",
            ],
        ),
        // clearing.csv's own columns.
        Lang::En => ("Clearing", CLEARING_HEADER),
    };
    header(ws, title, cols, f)?;
    let mut r = 1u32;
    for ((inst, city), row) in &src.clearing.rows {
        text(ws, r, 0, inst)?;
        text(ws, r, 1, institution_name(src, inst))?;
        text(ws, r, 2, names.get(city, words))?;
        ws.write_number(r, 3, row.claims as f64)?;
        let amounts = [
            row.declared_fund,
            row.adjudicated_fund,
            row.deduction,
            row.shortfall,
            row.declared_account,
            row.adjudicated_account,
        ];
        for (k, a) in amounts.into_iter().enumerate() {
            money(ws, r, 4 + k as u16, a, &f.money)?;
        }
        ws.write_number(r, 10, row.mismatched_claims as f64)?;
        r += 1;
    }
    // The month's total, as clearing adds it up for summary.json.
    let (_, total) = src.clearing.by_city();
    // Live sums with the exact totals stored as their results, as on the
    // settlement sheet.
    ws.write_string_with_format(r, 0, words.total, &f.bold)?;
    let last = r;
    let sum = |col: char, value: String| {
        Formula::new(format!("=SUM({col}2:{col}{last})")).set_result(value)
    };
    ws.write_formula_with_format(r, 3, sum('D', total.claims.to_string()), &f.bold)?;
    let totals = [
        ('E', total.declared_fund),
        ('F', total.adjudicated_fund),
        ('G', total.deduction),
        ('H', total.shortfall),
        ('I', total.declared_account),
        ('J', total.adjudicated_account),
    ];
    for (k, (col, a)) in totals.into_iter().enumerate() {
        ws.write_formula_with_format(r, 4 + k as u16, sum(col, fmt2(a)), &f.money_bold)?;
    }
    ws.write_formula_with_format(
        r,
        10,
        sum('K', total.mismatched_claims.to_string()),
        &f.bold,
    )?;
    Ok(())
}

/// A sheet's rows, at most Excel's limit: the last row left says how many
/// more there were.
struct Capped {
    sheet: usize,
    next: u32,
    limit: u32,
    dropped: u64,
}

impl Capped {
    fn new(sheet: usize, limit: u32) -> Capped {
        Capped {
            sheet,
            next: 1,
            limit,
            dropped: 0,
        }
    }

    /// The row to write next, or `None` when the sheet is full (one row
    /// is kept for the note).
    fn take(&mut self) -> Option<u32> {
        if self.next + 1 < self.limit {
            self.next += 1;
            Some(self.next - 1)
        } else {
            self.dropped += 1;
            None
        }
    }

    fn finish(&self, book: &mut Workbook, words: &Words, f: &Formats) -> Result<(), XlsxError> {
        if self.dropped > 0 {
            let ws = book.worksheet_from_index(self.sheet)?;
            ws.write_string_with_format(self.next, 0, (words.more)(self.dropped), &f.bold)?;
        }
        Ok(())
    }
}

/// The denied and flagged sheets, each claim's rows as audit.csv and
/// payments.csv list them. The two sheets are written at once, one on a
/// thread of its own: each has its own rows, and only the denied sheet
/// brings a format the other sheets have not used (the date), so the
/// workbook is the same whichever thread goes first.
fn claim_sheets(
    book: &mut Workbook,
    src: &Sources,
    words: &Words,
    f: &Formats,
    names: &CityNames,
) -> Result<(), XlsxError> {
    header(
        book.worksheet_from_index(2)?,
        words.sheets[2],
        &words.denied,
        f,
    )?;
    header(
        book.worksheet_from_index(3)?,
        words.sheets[3],
        &words.flagged,
        f,
    )?;
    let mut denied = Capped::new(2, EXCEL_ROWS);
    let mut flagged = Capped::new(3, EXCEL_ROWS);
    let (first, rest) = book.worksheets_mut().split_at_mut(3);
    let (Some(denied_ws), Some(flagged_ws)) = (first.get_mut(2), rest.first_mut()) else {
        return Err(XlsxError::UnknownWorksheetNameOrIndex("2, 3".into()));
    };
    std::thread::scope(|s| {
        let denied_rows = s.spawn(|| denied_sheet(denied_ws, &mut denied, src, words, f, names));
        let flagged_rows = flagged_sheet(flagged_ws, &mut flagged, src, f);
        let denied_rows = denied_rows
            .join()
            .unwrap_or_else(|_| Err(XlsxError::ParameterError("denied sheet".into())));
        denied_rows.and(flagged_rows)
    })?;
    denied.dropped += src.rows.not_shown.0;
    flagged.dropped += src.rows.not_shown.1;
    denied.finish(book, words, f)?;
    flagged.finish(book, words, f)
}

fn denied_sheet(
    ws: &mut Worksheet,
    capped: &mut Capped,
    src: &Sources,
    words: &Words,
    f: &Formats,
    names: &CityNames,
) -> Result<(), XlsxError> {
    src.rows.each(Sheet::Denied, |c| {
        let Some(d) = &c.denied else { return Ok(()) };
        let Some(r) = capped.take() else {
            return Ok(());
        };
        let ids = Ids::of(c, src.rows);
        denied_row(ws, r, &ids, d, src, words, f, names)
    })
}

fn flagged_sheet(
    ws: &mut Worksheet,
    capped: &mut Capped,
    src: &Sources,
    f: &Formats,
) -> Result<(), XlsxError> {
    src.rows.each(Sheet::Flagged, |c| {
        let ids = Ids::of(c, src.rows);
        for fl in &c.flags {
            if let Some(r) = capped.take() {
                flag_row(ws, r, &ids, fl, src, f)?;
            }
        }
        Ok(())
    })
}

/// A claim's ids as the CSVs write them (only text cells went through
/// `text` there).
struct Ids<'a> {
    claim: Cow<'a, str>,
    person: Cow<'a, str>,
    inst: Cow<'a, str>,
}

impl<'a> Ids<'a> {
    fn of(c: &'a ClaimRows, rows: &'a Shown) -> Ids<'a> {
        Ids {
            claim: super::text(&c.claim_id),
            person: super::text(&c.person_id),
            inst: super::text(rows.institution(c)),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn denied_row(
    ws: &mut Worksheet,
    r: u32,
    ids: &Ids,
    d: &DeniedRow,
    src: &Sources,
    words: &Words,
    f: &Formats,
    names: &CityNames,
) -> Result<(), XlsxError> {
    text(ws, r, 0, &ids.claim)?;
    text(ws, r, 1, &ids.person)?;
    text(ws, r, 2, &ids.inst)?;
    text(ws, r, 3, institution_name(src, &ids.inst))?;
    let city = super::text(d.city.as_deref().unwrap_or(""));
    text(ws, r, 4, names.get(&city, words))?;
    date(ws, r, 5, d.service_date, f)?;
    let status = d.status.as_str();
    ws.write_string(r, 6, status_words(status, src.lang))?;
    for (c, m) in (7..).zip(d.money) {
        ws.write_number_with_format(r, c, m.number(), &f.money)?;
    }
    let reasons: Vec<&str> = d.reasons.iter().map(|r| r.as_str()).collect();
    text(ws, r, 11, &reasons.join(";"))?;
    let sep = if src.lang == Lang::Zh { "；" } else { "; " };
    let why: Vec<Cow<str>> = d.why.iter().map(|w| super::text(w)).collect();
    text(ws, r, 12, &why.join(sep))
}

fn flag_row(
    ws: &mut Worksheet,
    r: u32,
    ids: &Ids,
    fl: &FlagRow,
    src: &Sources,
    f: &Formats,
) -> Result<(), XlsxError> {
    text(ws, r, 0, &ids.claim)?;
    if let Some(n) = fl.line_no {
        ws.write_number(r, 1, n)?;
    }
    text(ws, r, 2, &ids.person)?;
    text(ws, r, 3, &ids.inst)?;
    text(ws, r, 4, institution_name(src, &ids.inst))?;
    text(ws, r, 5, fl.rule.as_str())?;
    ws.write_number_with_format(r, 6, fl.amount.number(), &f.money)?;
    text(ws, r, 7, &super::text(&fl.detail))?;
    text(ws, r, 8, &super::text(fl.basis.as_str()))
}

/// A date cell, else (a year Excel cannot show) the date as written.
fn date(ws: &mut Worksheet, r: u32, c: u16, d: Date, f: &Formats) -> Result<(), XlsxError> {
    let parsed = u16::try_from(d.year)
        .ok()
        .and_then(|y| ExcelDateTime::from_ymd(y, d.month, d.day).ok());
    match parsed {
        Some(dt) => ws.write_datetime_with_format(r, c, &dt, &f.date)?,
        None => ws.write_string(r, c, d.to_string())?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Capped;

    #[test]
    fn a_full_sheet_keeps_its_last_row_for_the_note() {
        // 5 rows: the header, 3 data rows, the note.
        let mut c = Capped::new(0, 5);
        let rows: Vec<Option<u32>> = (0..6).map(|_| c.take()).collect();
        assert_eq!(rows, [Some(1), Some(2), Some(3), None, None, None]);
        assert_eq!((c.next, c.dropped), (4, 3));
    }
}
