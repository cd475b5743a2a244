//! The core's boundary, checked on its source: no file, stream, process,
//! thread or environment access, none of the crates that parse command
//! lines, draw progress, run threads or read CSV, and nothing of the crate
//! outside `crate::core`. A doc comment cannot keep a promise; this test
//! fails naming the file and line that breaks it. (This file itself reads
//! the sources: it is the check, compiled for tests only, not the core.)

use std::path::{Path, PathBuf};

/// Paths the core must not name, as `::`-separated prefixes.
const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::io",
    "std::net",
    "std::process",
    "std::thread",
    "std::env",
    "std::time",
    "rayon",
    "clap",
    "indicatif",
    "csv",
    "fs4",
    "anyhow",
    "mimalloc",
];

/// Printing is output too.
const FORBIDDEN_MACROS: &[&str] = &["print!", "println!", "eprint!", "eprintln!", "dbg!"];

/// Items at the crate root the core may name: its own module, and the
/// macros `#[macro_export]` puts there.
const CRATE_ROOT_ALLOWED: &[&str] = &["core", "say"];

/// Files the check passes over: itself (it reads the source tree, and
/// names what it forbids).
const EXEMPT: &[&str] = &["src/core/purity.rs"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries {
        let path = e.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line: without its `//` comment (doc comments and
/// comments may name anything) and without string literals.
fn code(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_str => {
                chars.next();
            }
            '"' => in_str = !in_str,
            // A char literal (`'"'`, `'\''`), not a lifetime (`'a`).
            '\'' if !in_str => {
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    // The backslash and the escaped char, then to the close.
                    chars.nth(1);
                    chars.by_ref().take_while(|c| *c != '\'').for_each(drop);
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.nth(1);
                } else {
                    out.push(c);
                }
            }
            '/' if !in_str && chars.peek() == Some(&'/') => break,
            _ if !in_str => out.push(c),
            _ => {}
        }
    }
    out
}

/// `a::{b, c::{d}}` as `a::b` and `a::c::d` (a `use` tree flattened).
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.to_string()];
    };
    let (prefix, rest) = (&tree[..open], &tree[open + 1..]);
    let inner = rest.strip_suffix('}').unwrap_or(rest);
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(expand)
        .map(|p| match p.as_str() {
            "self" => prefix.trim_end_matches("::").to_string(),
            _ => format!("{prefix}{p}"),
        })
        .collect()
}

/// The paths a piece of code names: each run of identifier characters
/// and `::`, e.g. `std::fs::read` in `std::fs::read(p)`.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in code.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' || c == ':' || c == '$' {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    out
}

/// Why `path` (named by a file `depth` modules below the crate root)
/// leaves the boundary, if it does.
fn forbidden(path: &str, depth: usize) -> Option<String> {
    let path = path.trim_start_matches("::");
    let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let is = |prefix: &str| {
        let p: Vec<&str> = prefix.split("::").collect();
        segments.len() >= p.len() && segments[..p.len()] == p[..]
    };
    if let Some(f) = FORBIDDEN.iter().find(|f| is(f)) {
        // A bare word (`csv` in prose, a field named `rayon`) is not a
        // path: a crate is named by `csv::...` or in a `use`.
        if segments.len() > 1 || f.contains("::") {
            return Some(format!("names `{f}`"));
        }
    }
    // `crate::x` and `super::...::x` that climb to the crate root.
    let supers = segments.iter().take_while(|s| **s == "super").count();
    let root_item = match segments.first() {
        Some(&"crate") | Some(&"$crate") => segments.get(1),
        Some(&"super") if supers >= depth => segments.get(supers),
        _ => None,
    };
    match root_item {
        Some(item) if !CRATE_ROOT_ALLOWED.contains(item) => {
            Some(format!("names `crate::{item}`, outside the core"))
        }
        _ => None,
    }
}

/// Every violation in one file's text, as `file:line: why`.
fn violations(file: &str, text: &str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    // A `use` item may span lines: gather it up to its `;`.
    let mut use_item: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let code = code(line);
        let mut found: Vec<String> = Vec::new();
        let trimmed = code.trim_start();
        let starts_use = trimmed.starts_with("use ")
            || trimmed.starts_with("pub use ")
            || trimmed.starts_with("pub(crate) use ")
            || trimmed.starts_with("pub(super) use ");
        if starts_use || use_item.is_some() {
            let (_, item) = use_item.get_or_insert((i + 1, String::new()));
            item.push_str(&code);
            item.push(' ');
            if code.contains(';') {
                let (at, item) = use_item.take().unwrap_or_default();
                // Words, without `pub`, `use` and renames (`as x`).
                let mut words = Vec::new();
                let mut tokens = item.split_whitespace();
                while let Some(w) = tokens.next() {
                    match w {
                        "pub" | "pub(crate)" | "pub(super)" | "use" => {}
                        "as" => {
                            // The new name, and the `,` `}` `;` stuck to it.
                            let renamed = tokens.next().unwrap_or_default();
                            words.push(
                                renamed
                                    .trim_start_matches(|c: char| c.is_alphanumeric() || c == '_'),
                            );
                        }
                        _ => words.push(w),
                    }
                }
                let tree = words.concat();
                let tree = tree.trim_end_matches(';');
                for p in expand(tree) {
                    if let Some(why) = forbidden(&p, depth).or_else(|| {
                        // `use csv;` names the crate by one segment.
                        FORBIDDEN
                            .iter()
                            .find(|f| p == **f)
                            .map(|f| format!("names `{f}`"))
                    }) {
                        out.push(format!("{file}:{at}: `use {p}` {why}"));
                    }
                }
            }
            continue;
        }
        for p in paths(&code) {
            found.extend(forbidden(&p, depth));
        }
        for m in FORBIDDEN_MACROS {
            let hit = code
                .match_indices(m)
                .any(|(at, _)| !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_'));
            if hit {
                found.push(format!("prints (`{m}`)"));
            }
        }
        for why in found {
            out.push(format!("{file}:{}: {why}", i + 1));
        }
    }
    out
}

/// How many modules below the crate root a file's items are:
/// `src/core/mod.rs` 1, `src/core/money.rs` 2.
fn depth(rel: &str) -> usize {
    let parts: Vec<&str> = rel.trim_start_matches("src/").split('/').collect();
    match parts.last() {
        Some(&"mod.rs") => parts.len() - 1,
        _ => parts.len(),
    }
}

#[test]
fn the_core_touches_no_files_terminal_or_outer_modules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/core"), &mut files);
    files.sort();
    assert!(files.len() > 10, "the core's files are found");
    let mut all = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if EXEMPT.contains(&rel.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        all.extend(violations(&rel, &text, depth(&rel)));
    }
    assert!(
        all.is_empty(),
        "the core must stay pure:\n{}",
        all.join("\n")
    );
}

#[test]
fn the_check_sees_what_it_must() {
    let v = |text: &str| violations("src/core/x.rs", text, 2);
    assert_eq!(v("use std::fs;").len(), 1);
    assert_eq!(v("use std::{collections::HashMap, io::Write};").len(), 1);
    assert_eq!(v("use std::{\n    fmt,\n    fs::File,\n};").len(), 1);
    assert_eq!(v("use crate::input::Prior;").len(), 1);
    assert_eq!(v("use crate::{core::model, output};").len(), 1);
    assert_eq!(v("use super::super::run::RunConfig;").len(), 1);
    assert_eq!(v("use csv;").len(), 1);
    assert_eq!(v("    let f = std::fs::read(p)?;").len(), 1);
    assert_eq!(v("    pub prior: &'a crate::input::Prior,").len(), 1);
    assert_eq!(v("    rayon::join(a, b);").len(), 1);
    assert_eq!(v("    println!(\"{x}\");").len(), 1);
    assert_eq!(v("    let w = writeln!(s, \"x\");").len(), 0);
    assert_eq!(v("use std::fmt::Write;").len(), 0);
    assert_eq!(v("use std::{collections::HashMap as Map, fmt};").len(), 0);
    assert_eq!(v("use std::io::Write as _;").len(), 1);
    assert_eq!(v("use super::rule::RuleId;").len(), 0);
    assert_eq!(v("use crate::core::model::*;").len(), 0);
    assert_eq!(v("    crate::say!(lang, \"a\", \"b\")").len(), 0);
    assert_eq!(v("// reads payments.csv with std::fs").len(), 0);
    assert_eq!(v("    let s = \"std::fs::read\";").len(), 0);
    assert_eq!(v("    let csv = 1; // the payments.csv").len(), 0);
    assert_eq!(v("    if c == '\"' { std::fs::remove_file(p) }").len(), 1);
    assert_eq!(v("    let q = '\\''; let s = \"std::fs\";").len(), 0);
}
