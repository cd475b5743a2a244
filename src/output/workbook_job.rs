//! settlement.xlsx built on a thread of its own, from the moment the
//! claims are all decided, while the other outputs are written: the
//! workbook needs only the summary, the reference names and the rows kept
//! of the claims, all final by then. It is staged where it always was (the
//! staged files keep their order); only its building moves.

use super::people_rows::Shown;
use super::summary::Summary;
use super::workbook::{self, Sources};
use crate::core::adjudicate::clearing::Clearing;
use crate::core::adjudicate::Lang;
use crate::core::date::Date;
use crate::core::model::Institution;
use crate::core::rules::RuleBook;
use crate::input::IdMap;
use std::fs::File;
use std::io::{self, Seek};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What the workbook is built from, owned by its thread.
pub struct Inputs {
    pub summary: Summary,
    pub institutions: IdMap<Institution>,
    pub rules: RuleBook,
    pub lang: Lang,
    pub period: String,
    pub period_end: Date,
    pub rows: Shown,
    pub tempdir: PathBuf,
    pub clearing: Clearing,
}

/// The workbook, in an unnamed temporary file read from its start (or why
/// there is none), and the rows it was built from, for the report.
type Built = (io::Result<File>, Shown);

/// The workbook being built.
pub struct Job {
    thread: Option<JoinHandle<Option<Built>>>,
    /// Built here when no thread could be started.
    done: Option<Built>,
}

impl Job {
    /// Start building the workbook.
    pub fn start(inputs: Inputs) -> Job {
        // Handed over through a slot, so that it is still here when no
        // thread can be started: then it is built on this one.
        let slot = Arc::new(Mutex::new(Some(inputs)));
        let theirs = Arc::clone(&slot);
        let spawned = std::thread::Builder::new()
            .name("settlement.xlsx".into())
            .spawn(move || theirs.lock().ok()?.take().map(build));
        match spawned {
            Ok(h) => Job {
                thread: Some(h),
                done: None,
            },
            Err(_) => Job {
                thread: None,
                done: slot.lock().ok().and_then(|mut s| s.take()).map(build),
            },
        }
    }

    /// Wait for the workbook.
    pub fn finish(mut self) -> Built {
        if let Some(done) = self.done.take() {
            return done;
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Some(built))) => built,
            _ => (
                Err(io::Error::other("building settlement.xlsx failed")),
                Shown::default(),
            ),
        }
    }
}

impl Drop for Job {
    /// A run that stops early still waits for the thread: it writes beside
    /// the staged outputs, which are about to be removed.
    fn drop(&mut self) {
        if let Some(h) = self.thread.take() {
            let _ = h.join();
        }
    }
}

fn build(i: Inputs) -> Built {
    let src = Sources {
        summary: &i.summary,
        institutions: &i.institutions,
        rules: &i.rules,
        lang: i.lang,
        period: &i.period,
        period_end: i.period_end,
        rows: &i.rows,
        tempdir: &i.tempdir,
        clearing: &i.clearing,
    };
    // The workbook writer seeks: it is built in a temporary file beside the
    // staged outputs (a month's workbook is tens of megabytes, more than
    // is worth holding in memory), then copied into the staged file.
    let built = tempfile::tempfile_in(&i.tempdir).and_then(|mut xlsx| {
        workbook::write(&src, &mut xlsx)?;
        xlsx.rewind()?;
        Ok(xlsx)
    });
    (built, i.rows)
}
