//! The words of each reason, Chinese beside English. The English is the
//! text rejects.csv and the errors always had; the Chinese names the same
//! column, code and values.

use super::{NumberWhy, Reason};
use crate::core::adjudicate::Lang;
use crate::say;

fn number_why(why: NumberWhy, lang: Lang) -> &'static str {
    match (why, lang) {
        (NumberWhy::NotANumber, Lang::En) => "not a decimal number",
        (NumberWhy::TooManyDecimals, Lang::En) => "more than 2 decimal places",
        (NumberWhy::OutOfRange, Lang::En) => "out of range (more than 1e12 yuan)",
        (NumberWhy::NotANumber, Lang::Zh) => "不是十进制数",
        (NumberWhy::TooManyDecimals, Lang::Zh) => "超过 2 位小数",
        (NumberWhy::OutOfRange, Lang::Zh) => "超出范围 (超过 1e12 元)",
    }
}

pub(super) fn render(r: &Reason, lang: Lang) -> String {
    use Reason::*;
    match r {
        Text(s) => s.clone(),

        Missing => say!(lang, "缺少必填值", "required value is missing"),
        NotMoney { value, why } => {
            let why = number_why(*why, lang);
            say!(
                lang,
                "`{value}` 不是以元计的金额: {why}",
                "`{value}` is not an amount in yuan: {why}"
            )
        }
        NotPrice { value, why: None } => say!(
            lang,
            "`{value}` 不是以元计的单价: 超过 6 位小数",
            "`{value}` is not a price in yuan: more than 6 decimals"
        ),
        NotPrice {
            value,
            why: Some(why),
        } => {
            let why = number_why(*why, lang);
            say!(
                lang,
                "`{value}` 不是以元计的单价: {why}",
                "`{value}` is not a price in yuan: {why}"
            )
        }
        NotNumber { value, why } => {
            let why = number_why(*why, lang);
            say!(lang, "`{value}` 不是数字: {why}", "`{value}` is not a number: {why}")
        }
        NotDate { value } => say!(
            lang,
            "`{value}` 不是日期 YYYY-MM-DD",
            "`{value}` is not a date YYYY-MM-DD"
        ),
        NotTime { value } => say!(
            lang,
            "`{value}` 不是日期 YYYY-MM-DD 或时间 YYYY-MM-DD HH:MM:SS",
            "`{value}` is not a date YYYY-MM-DD or time YYYY-MM-DD HH:MM:SS"
        ),
        NotBoolean { value } => say!(
            lang,
            "`{value}` 不是布尔值 (true/false, 1/0, Y/N, 是/否)",
            "`{value}` is not a boolean (true/false, 1/0, Y/N, 是/否)"
        ),
        NotCity { value } => say!(
            lang,
            "`{value}` 不是城市代码 (如 `wuhan`)",
            "`{value}` is not a city code such as `wuhan`"
        ),
        NotCount { value } => say!(
            lang,
            "`{value}` 不是大于等于 0 的整数",
            "`{value}` is not a whole number ≥ 0"
        ),
        NotOneOf { value, expected } => say!(
            lang,
            "`{value}` 不是以下取值之一: {expected}",
            "`{value}` is not one of: {expected}"
        ),
        NotLineNo { value } => say!(
            lang,
            "`{value}` 不是大于等于 1 的行号",
            "`{value}` is not a line number ≥ 1"
        ),
        NotPaymentStatus { value } => say!(
            lang,
            "`{value}` 不是支付状态",
            "`{value}` is not a payment status"
        ),
        ControlCharacter { code } => {
            let code = format!("U+{code:04X}");
            say!(
                lang,
                "含控制字符 {code}, 编号中不得出现",
                "holds the control character {code}, which no id may contain"
            )
        }

        Undecodable { encoding } => say!(
            lang,
            "含有不是 {encoding} 文本的字节 (显示为 \u{FFFD}; 可试 --encoding)",
            "holds bytes that are not {encoding} text (shown as \u{FFFD}; try --encoding)"
        ),
        MalformedCsv { detail } => say!(
            lang,
            "CSV 格式错误: {detail}",
            "malformed CSV: {detail}"
        ),
        QuoteNotClosed { lines } => say!(
            lang,
            "引号未闭合: 这条记录跨了 {lines} 行",
            "a quote is not closed: this record runs over {lines} lines"
        ),
        OversizedCell {
            bytes,
            column,
            most,
        } => say!(
            lang,
            "列 {column} 有一个 {bytes} 字节的单元格, 超过上限 {most} (导出文件损坏?)",
            "a cell of {bytes} bytes in column {column}, more than {most} (a broken export?)"
        ),
        WidthMismatch { fields, header } => say!(
            lang,
            "有 {fields} 个字段, 而表头有 {header} 个",
            "{fields} fields where the header has {header}"
        ),
        OppositeSigns { quantity, amount } => say!(
            lang,
            "数量 {quantity} 与金额 {amount} 正负号相反",
            "quantity {quantity} and amount {amount} have opposite signs"
        ),
        NegativeQuantity => say!(
            lang,
            "不冲销任何结算单的明细数量为负",
            "negative quantity on a claim that reverses nothing"
        ),
        NegativeAmount => say!(
            lang,
            "不冲销任何结算单的明细金额为负",
            "negative amount on a claim that reverses nothing"
        ),
        NegativePrice => say!(lang, "单价不能为负", "a unit price cannot be negative"),

        NoClaim => say!(
            lang,
            "缺少必填值: 该行不属于任何结算单",
            "required value is missing: the line belongs to no claim"
        ),
        TooManyLines { claim, lines, most } => say!(
            lang,
            "结算单 `{claim}` 有 {lines} 行, 超过单张结算单上限 {most} 行",
            "claim `{claim}` has {lines} lines, more than the {most} one claim may have"
        ),
        TwoFiles {
            claim,
            first,
            second,
            identical,
        } => {
            let same = match (identical, lang) {
                (false, _) => "",
                (true, Lang::En) => ", which are byte-identical: the same export loaded twice?",
                (true, Lang::Zh) => ", 两个文件逐字节相同: 同一份导出读了两次?",
            };
            say!(
                lang,
                "结算单号 `{claim}` 出现在两个文件中 ({first} 和 {second}){same}",
                "claim id `{claim}` appears in two files ({first} and {second}){same}"
            )
        }
        LinesDisagree { claim, column } => say!(
            lang,
            "结算单 `{claim}` 的各行 {column} 不一致",
            "the lines of claim `{claim}` disagree on {column}"
        ),
        LineNoTwice { claim, line_no } => say!(
            lang,
            "line_no {line_no} 在结算单 `{claim}` 中出现两次",
            "line_no {line_no} appears twice in claim `{claim}`"
        ),
        AfterPeriod { date, end } => say!(
            lang,
            "就诊日期 {date} 晚于结算期末 {end}",
            "service date {date} is after the period's end {end}"
        ),
        HeldWithClaim {
            claim,
            file,
            line,
            cause,
        } => {
            let cause = cause.render(lang);
            say!(
                lang,
                "随结算单 `{claim}` 一并暂扣: {file}:{line} {cause}",
                "held back with claim `{claim}`: {file}:{line} {cause}"
            )
        }

        NoSettlement => say!(
            lang,
            "缺少必填值: 该结算记录不属于任何结算单",
            "required value is missing: the settlement belongs to no claim"
        ),
        FeeWithoutSettlementId => say!(
            lang,
            "缺少必填值: 该费用明细不属于任何结算记录",
            "required value is missing: the fee line belongs to no settlement"
        ),
        FeeWithoutSettlement { setl_id } => say!(
            lang,
            "费用明细没有结算记录: settlements/ 中没有 setl_id 为 `{setl_id}` 的行",
            "a fee line without a settlement: no row of settlements/ has setl_id `{setl_id}`"
        ),
        FractionalDays { days } => say!(
            lang,
            "prd_days {days} 带小数: 用药天数须为整数",
            "prd_days {days} has a fraction: a supply is a whole number of days"
        ),
        ContradictsSettlement { column, value, own } => say!(
            lang,
            "本费用明细的 {column} `{value}` 与其结算记录的 `{own}` 不符",
            "{column} `{value}` of this fee line contradicts its settlement's `{own}`"
        ),
        SettlementTwice {
            setl_id,
            first,
            second,
        } => say!(
            lang,
            "setl_id `{setl_id}` 出现在两行结算记录中 ({first} 和 {second})",
            "setl_id `{setl_id}` is on two settlement rows ({first} and {second})"
        ),
        NotEmployeeInsurance { insutype } => say!(
            lang,
            "insutype {insutype} 不是 310 (职工基本医疗保险): 只结算职工医保",
            "insutype {insutype} is not 310 (职工基本医疗保险): only employee medical insurance is adjudicated"
        ),
        InpatientMedType { code } => say!(
            lang,
            "med_type {code} 是国家住院类代码 (住院): 不属门诊",
            "med_type {code} is a national inpatient code (住院): not outpatient care"
        ),
        UnknownMedType {
            code,
            city: Some(city),
        } => say!(
            lang,
            "med_type {code} 既不在国家代码表中, 也不在 {city} 的本地代码中",
            "med_type {code} is in neither the national code table nor the local codes of {city}"
        ),
        UnknownMedType { code, city: None } => say!(
            lang,
            "med_type {code} 不在国家代码表中",
            "med_type {code} is not in the national code table"
        ),
        NoFeeLines { setl_id } => say!(
            lang,
            "结算记录 `{setl_id}` 在 fee_details/ 中没有费用明细",
            "settlement `{setl_id}` has no fee lines in fee_details/"
        ),
        FeeSnTwice { sn, setl_id } => say!(
            lang,
            "feedetl_sn `{sn}` 在结算记录 `{setl_id}` 中出现两次",
            "feedetl_sn `{sn}` appears twice in settlement `{setl_id}`"
        ),
        SumMismatch {
            setl_id,
            total,
            sum,
        } => say!(
            lang,
            "结算记录 `{setl_id}` 的费用明细合计 {total}, 与其 medfee_sumamt {sum} 不符",
            "the fee lines of settlement `{setl_id}` add up to {total}, not its medfee_sumamt {sum}"
        ),
        HeldWithSettlement {
            setl_id,
            file,
            line,
            cause,
        } => {
            let cause = cause.render(lang);
            say!(
                lang,
                "随结算记录 `{setl_id}` 一并暂扣: {file}:{line} {cause}",
                "held back with settlement `{setl_id}`: {file}:{line} {cause}"
            )
        }

        CannotRead { detail } => say!(lang, "无法读取: {detail}", "cannot read: {detail}"),
        HeaderUnreadable { detail } => say!(
            lang,
            "无法读取表头行: {detail}",
            "cannot read the header row: {detail}"
        ),
        HeaderMissing => say!(
            lang,
            "缺少表头行或表头为空",
            "the header row is missing or empty"
        ),
        ColumnTwice => say!(lang, "该列在表头中出现两次", "column appears twice in the header"),
        ColumnMissing => say!(
            lang,
            "表头缺少必需的列",
            "required column is missing from the header"
        ),
    }
}
