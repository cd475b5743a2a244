//! Reading rule files and scenario files from disk; the core parses and
//! checks their text ([`crate::core::rules::parse`]).

use crate::core::rules::{self, CityRules, RuleBook, RuleError, Scenario};
use std::path::Path;

/// Load every `*.toml` file of a directory, one city each, in name order.
pub fn load_dir(dir: &Path) -> Result<RuleBook, RuleError> {
    let err = |message: String| RuleError {
        file: dir.to_path_buf(),
        line: 0,
        key: String::new(),
        message,
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| err(format!("cannot read rule directory: {e}")))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| err(format!("cannot read rule directory: {e}")))?
            .path();
        if path.extension().is_some_and(|x| x == "toml") {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(err("no *.toml rule file in this directory".into()));
    }
    let mut book = RuleBook::default();
    for f in files {
        book.add(load_file(&f)?)?;
    }
    Ok(book)
}

/// Load and validate one city's rule file.
pub fn load_file(path: &Path) -> Result<CityRules, RuleError> {
    rules::parse(&read(path)?, path)
}

/// Load a scenario file (`--scenario`).
pub fn load_scenario(path: &Path) -> Result<Scenario, RuleError> {
    rules::parse_scenario(&read(path)?, path)
}

fn read(path: &Path) -> Result<String, RuleError> {
    std::fs::read_to_string(path).map_err(|e| RuleError {
        file: path.to_path_buf(),
        line: 0,
        key: String::new(),
        message: format!("cannot read: {e}"),
    })
}
