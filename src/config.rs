//! The config file for unattended runs (cron): where the data, the rules
//! and the outputs live, so that `tongchou run` (and `rules show` and
//! `rules check`, for the rules) work from any directory.
//!
//! Found as `--config FILE`, else `$TONGCHOU_CONFIG`, else `tongchou.toml`
//! in the working directory. Relative paths in it are relative to the
//! file's own directory, not to wherever cron starts the process. A flag
//! given on the command line wins over the file.
//!
//! ```toml
//! data = "data"     # the data directory (claims/, members.csv, …)
//! rules = "rules"   # the rule files
//! out = "out"       # each run writes out/<period> unless --out is given
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file's name in the working directory.
pub const FILE_NAME: &str = "tongchou.toml";
/// The environment variable naming a config file.
pub const ENV: &str = "TONGCHOU_CONFIG";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    data: Option<PathBuf>,
    rules: Option<PathBuf>,
    out: Option<PathBuf>,
}

/// The paths a config file gives, resolved against its directory.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Config {
    /// The file read, if any.
    pub file: Option<PathBuf>,
    pub data: Option<PathBuf>,
    pub rules: Option<PathBuf>,
    /// The output root: a run writes `<out>/<period>`.
    pub out: Option<PathBuf>,
}

impl Config {
    /// Find and read the config file: `explicit` (`--config`), else the
    /// environment variable, else `tongchou.toml` here if there is one.
    pub fn find(explicit: Option<&Path>) -> Result<Config, String> {
        let named = explicit.map(Path::to_path_buf).or_else(|| {
            std::env::var_os(ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        match named {
            Some(p) => Config::read(&p),
            None if Path::new(FILE_NAME).is_file() => Config::read(Path::new(FILE_NAME)),
            None => Ok(Config::default()),
        }
    }

    /// The rules directory: `given` (a flag), else the config file's
    /// (found as [`Config::find`] finds it), else `samples/rules`.
    pub fn rules_dir(given: Option<PathBuf>, explicit: Option<&Path>) -> Result<PathBuf, String> {
        let config = Config::find(explicit)?;
        Ok(given
            .or(config.rules)
            .unwrap_or_else(|| PathBuf::from("samples/rules")))
    }

    /// Read one config file; errors name the file, line and column.
    pub fn read(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("config file {}: {e}", path.display()))?;
        let raw: Raw = toml::from_str(&text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let before = &text[..s.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let col = before.chars().rev().take_while(|c| *c != '\n').count() + 1;
                    format!(":{line}:{col}")
                })
                .unwrap_or_default();
            format!("config file {}{at}: {}", path.display(), e.message())
        })?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let resolve =
            |p: Option<PathBuf>| p.map(|p| if p.is_absolute() { p } else { base.join(p) });
        Ok(Config {
            file: Some(path.to_path_buf()),
            data: resolve(raw.data),
            rules: resolve(raw.rules),
            out: resolve(raw.out),
        })
    }
}
