//! The top-level error as a person reads it on the terminal, in `--lang`:
//! the frame (`错误:`/`error:`) and the words of the errors that have
//! them in both languages, each still naming file, line and column. An
//! error without Chinese words keeps its English sentence under the
//! Chinese frame.

use crate::core::adjudicate::Lang;
use crate::error::Error;
use crate::output::staging::StagingError;
use crate::run::RunError;
use crate::say;

impl Error {
    /// The line printed on stderr for this error.
    pub fn render(&self, lang: Lang) -> String {
        let body = match lang {
            Lang::En => self.to_string(),
            Lang::Zh => self.words_zh(),
        };
        say!(lang, "错误: {body}", "error: {body}")
    }

    fn words_zh(&self) -> String {
        match self {
            Error::Run(e) => run_zh(e),
            Error::Compare(crate::compare::CompareError::Input(e)) => e.render(Lang::Zh),
            _ => self.to_string(),
        }
    }
}

fn run_zh(e: &RunError) -> String {
    match e {
        RunError::Rules(r) => format!("规则文件: {r}"),
        RunError::Input(i) => i.render(Lang::Zh),
        RunError::Output { path, source } => format!("写入 {} 失败: {source}", path.display()),
        RunError::Staging(s) => staging_zh(s),
        RunError::Strict { count, first } => {
            let first = first.located(Lang::Zh);
            format!("--strict: 有 {count} 行明细将被暂扣; 未写入任何文件. 第一行: {first}")
        }
        RunError::Reconciliation(m) => format!("对账失败: {m}"),
        RunError::Usage(_) => e.to_string(),
    }
}

fn staging_zh(e: &StagingError) -> String {
    match e {
        StagingError::Exists(p) => format!(
            "{} 中已有结果文件: 加 --force 覆盖, 或另选 --out",
            p.display()
        ),
        StagingError::Locked { out, lock, pid } => format!(
            "另一次运行 (进程 {pid}) 正在写入 {}: 锁文件 {}",
            out.display(),
            lock.display()
        ),
        _ => e.to_string(),
    }
}
