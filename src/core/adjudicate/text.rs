//! The language of audit details (`--lang`).
//!
//! Details are written where the rule fires, in the one language asked for:
//! formatting both and throwing one away would double the cost of the
//! audit file.

/// The language of `detail` cells and the printed summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.to_ascii_lowercase().as_str() {
            "zh" | "cn" | "chinese" => Some(Lang::Zh),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }
}

/// `say!(lang, "中文 {x}", "English {x}")`: format only the sentence needed.
#[macro_export]
macro_rules! say {
    ($lang:expr, $zh:literal, $en:literal $(,)?) => {
        match $lang {
            $crate::core::adjudicate::Lang::Zh => format!($zh),
            $crate::core::adjudicate::Lang::En => format!($en),
        }
    };
}
