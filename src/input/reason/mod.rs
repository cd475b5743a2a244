//! Why an input line is held back or an input file refused, as a code with
//! its arguments: rejects.csv, the terminal's errors and the input warnings
//! say it in `--lang` when they are written (`words.rs`), not where it is
//! found. The English words are the contract's historical text, kept
//! byte for byte; the manifest keeps English.
//!
//! A reason travels through spill files (serde), so a spilled month words
//! its rejects exactly as one held in memory.

mod warning;
mod words;

pub use warning::Warning;

use crate::core::adjudicate::Lang;
use crate::core::money::MoneyError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a number cell did not parse (the core's [`MoneyError`], here so it
/// can be spilled and worded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumberWhy {
    NotANumber,
    TooManyDecimals,
    OutOfRange,
}

impl From<MoneyError> for NumberWhy {
    fn from(e: MoneyError) -> NumberWhy {
        match e {
            MoneyError::NotANumber => NumberWhy::NotANumber,
            MoneyError::TooManyDecimals => NumberWhy::TooManyDecimals,
            MoneyError::OutOfRange => NumberWhy::OutOfRange,
        }
    }
}

/// One reason. `Text` carries a sentence no code names yet (a reader's
/// own check): it reads the same in every language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reason {
    Text(String),

    // A cell's value.
    Missing,
    NotMoney {
        value: String,
        why: NumberWhy,
    },
    /// A platform unit price: `why` is `None` for more than 6 decimals.
    NotPrice {
        value: String,
        why: Option<NumberWhy>,
    },
    NotNumber {
        value: String,
        why: NumberWhy,
    },
    NotDate {
        value: String,
    },
    NotTime {
        value: String,
    },
    NotBoolean {
        value: String,
    },
    NotCity {
        value: String,
    },
    NotCount {
        value: String,
    },
    NotOneOf {
        value: String,
        expected: String,
    },
    NotLineNo {
        value: String,
    },
    NotPaymentStatus {
        value: String,
    },
    ControlCharacter {
        code: u32,
    },

    // A record as a whole.
    Undecodable {
        encoding: String,
    },
    MalformedCsv {
        detail: String,
    },
    QuoteNotClosed {
        lines: usize,
    },
    OversizedCell {
        bytes: usize,
        column: String,
        most: usize,
    },
    WidthMismatch {
        fields: usize,
        header: usize,
    },
    OppositeSigns {
        quantity: String,
        amount: String,
    },
    NegativeQuantity,
    NegativeAmount,
    NegativePrice,

    // A claim's lines together.
    NoClaim,
    TooManyLines {
        claim: String,
        lines: usize,
        most: usize,
    },
    TwoFiles {
        claim: String,
        first: String,
        second: String,
        identical: bool,
    },
    LinesDisagree {
        claim: String,
        column: String,
    },
    LineNoTwice {
        claim: String,
        line_no: u32,
    },
    AfterPeriod {
        date: String,
        end: String,
    },
    /// A line of a claim another line broke: where, and why.
    HeldWithClaim {
        claim: String,
        file: String,
        line: u64,
        cause: Box<Reason>,
    },

    // The platform layout.
    NoSettlement,
    FeeWithoutSettlementId,
    FeeWithoutSettlement {
        setl_id: String,
    },
    FractionalDays {
        days: String,
    },
    ContradictsSettlement {
        column: String,
        value: String,
        own: String,
    },
    SettlementTwice {
        setl_id: String,
        first: String,
        second: String,
    },
    NotEmployeeInsurance {
        insutype: String,
    },
    InpatientMedType {
        code: String,
    },
    UnknownMedType {
        code: String,
        city: Option<String>,
    },
    NoFeeLines {
        setl_id: String,
    },
    FeeSnTwice {
        sn: String,
        setl_id: String,
    },
    SumMismatch {
        setl_id: String,
        total: String,
        sum: String,
    },
    HeldWithSettlement {
        setl_id: String,
        file: String,
        line: u64,
        cause: Box<Reason>,
    },

    // A file as a whole (fatal input errors).
    CannotRead {
        detail: String,
    },
    HeaderUnreadable {
        detail: String,
    },
    HeaderMissing,
    ColumnTwice,
    ColumnMissing,
}

impl Reason {
    /// The reason in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        words::render(self, lang)
    }

    /// A line held back for another line's fault.
    pub fn is_held_back(&self) -> bool {
        matches!(
            self,
            Reason::HeldWithClaim { .. } | Reason::HeldWithSettlement { .. }
        )
    }
}

impl crate::input::Reject {
    /// Where the line is and why it is held back, in `lang`: `file:line:
    /// column reason`.
    pub fn located(&self, lang: Lang) -> String {
        let reason = self.reason.render(lang);
        format!("{}:{}: {} {reason}", self.file, self.line, self.column)
    }
}

/// English, the contract's text (the manifest and `--lang en`).
impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

impl From<String> for Reason {
    fn from(s: String) -> Reason {
        Reason::Text(s)
    }
}

impl From<&str> for Reason {
    fn from(s: &str) -> Reason {
        Reason::Text(s.to_string())
    }
}

/// Readers' own checks compare and show reasons as text.
impl PartialEq<&str> for Reason {
    fn eq(&self, other: &&str) -> bool {
        self.render(Lang::En) == *other
    }
}
