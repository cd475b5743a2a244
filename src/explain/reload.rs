//! Reloading a run from its manifest.json: every input and rule file,
//! checked against its SHA-256, read as the run read it.

use super::*;
use crate::core::adjudicate::clearing::Declared;
use crate::pipeline::read::{read_reference, ReferenceSources, Source};
use crate::schema::manifest::ManifestDoc;
use std::collections::HashMap;

// ---------- reloading the run ----------

/// Everything the run read, reloaded and checked.
pub(super) struct Reloaded {
    pub(super) reference: Reference,
    pub(super) prior: input::Prior,
    pub(super) ledger: input::Ledger,
    pub(super) claims: Vec<Claim>,
    /// A quarantined claim's first rejected line, worded when explained.
    pub(super) quarantined: BTreeMap<String, input::Reject>,
    pub(super) period: Months,
    pub(super) overrides: Vec<Override>,
    /// What the platform layout's settlements declared, by claim id
    /// (POLICY §10); empty for a run on claims/.
    pub(super) declared: HashMap<String, Declared>,
}

pub(super) fn manifest(run: &Path) -> Result<ManifestDoc, ExplainError> {
    let path = run.join("manifest.json");
    let text = std::fs::read(&path).map_err(|e| {
        ExplainError::Run(format!(
            "{}: cannot read the run's manifest: {e}",
            path.display()
        ))
    })?;
    ManifestDoc::parse(&text)
        .map_err(|e| ExplainError::Run(format!("{}: not a run manifest: {e}", path.display())))
}

/// A field the trace cannot do without (a manifest without it reads it as
/// empty).
pub(super) fn field<'a>(value: &'a str, key: &str, at: &str) -> Result<&'a str, ExplainError> {
    if value.is_empty() {
        return Err(ExplainError::Run(format!(
            "manifest.json: {at}: no `{key}`"
        )));
    }
    Ok(value)
}

/// Check a file against the hash the run recorded.
pub(super) fn verify(path: &str, sha256: &str) -> Result<(), ExplainError> {
    let bytes = std::fs::read(path).map_err(|e| {
        ExplainError::Run(format!(
            "{path}: cannot read an input of the run: {e} (run explain from the directory the run was made in)"
        ))
    })?;
    let now = csvsrc::sha256_hex(&bytes);
    if now != sha256 {
        return Err(ExplainError::Run(format!(
            "{path} has changed since the run (SHA-256 {} then, {} now): the trace would not explain the run's payments",
            &sha256[..sha256.len().min(12)],
            &now[..12]
        )));
    }
    Ok(())
}

pub(super) fn reload(run: &Path) -> Result<Reloaded, ExplainError> {
    let m = manifest(run)?;
    let run_err = |e: String| ExplainError::Run(e);
    let period_text = field(&m.period, "period", "top")?;
    let period = Months::parse(period_text)
        .ok_or_else(|| run_err(format!("manifest.json: period `{period_text}`")))?;

    // Every input and rule file, as it was.
    let mut by_role: BTreeMap<String, Vec<(String, Encoding)>> = BTreeMap::new();
    for i in &m.inputs {
        let (role, path) = (
            field(&i.role, "role", "inputs")?,
            field(&i.path, "path", "inputs")?,
        );
        verify(path, field(&i.sha256, "sha256", path)?)?;
        let enc = Encoding::parse(&i.encoding).unwrap_or_default();
        by_role
            .entry(role.to_string())
            .or_default()
            .push((path.to_string(), enc));
    }
    let mut book = RuleBook::default();
    for r in &m.rules {
        let path = field(&r.path, "path", "rules")?;
        verify(path, field(&r.sha256, "sha256", path)?)?;
        let city = crate::input::rule_files::load_file(Path::new(path))
            .map_err(|e| run_err(e.to_string()))?;
        book.cities.insert(city.city.clone(), city);
    }
    let mut overrides = Vec::new();
    for o in &m.overrides {
        overrides.push(Override {
            city: field(&o.city, "city", "overrides")?.to_string(),
            path: field(&o.parameter, "parameter", "overrides")?.to_string(),
            value: field(&o.value, "value", "overrides")?.to_string(),
            source: field(&o.source, "source", "overrides")?.to_string(),
        });
    }
    rules::apply_overrides(&mut book, &overrides).map_err(|e| run_err(e.to_string()))?;

    let one = |role: &str| -> Result<(PathBuf, Encoding), ExplainError> {
        by_role
            .get(role)
            .and_then(|v| v.first())
            .map(|(p, e)| (PathBuf::from(p), *e))
            .ok_or_else(|| run_err(format!("manifest.json: no `{role}` input")))
    };
    let input_err = |e: input::InputError| run_err(e.to_string());
    // The reference files and the ledger, read by the run's own reader.
    let source = |(path, enc): (PathBuf, Encoding)| Source {
        path,
        encoding: enc.into(),
    };
    let optional = |role: &str| {
        by_role
            .get(role)
            .and_then(|v| v.first())
            .map(|(p, e)| source((PathBuf::from(p), *e)))
    };
    let sources = ReferenceSources {
        members: source(one("members")?),
        institutions: source(one("institutions")?),
        catalogue: source(one("catalogue")?),
        stays: optional("stays"),
        ledger: optional("ledger"),
        // Family sharing (POLICY.md §6a): the run's bindings, if it read any.
        family: optional("family"),
    };
    let read = read_reference(&sources, book).map_err(input_err)?;
    let prior_paths: Vec<PathBuf> = by_role
        .get("prior")
        .map(|v| v.iter().map(|(p, _)| PathBuf::from(p)).collect())
        .unwrap_or_default();
    let prior_enc = by_role
        .get("prior")
        .and_then(|v| v.first())
        .map(|(_, e)| *e)
        .unwrap_or_default();
    let (prior, _) =
        input::prior::read_prior(&prior_paths, &prior_enc.into()).map_err(input_err)?;

    // The claims, grouped and checked as the run did.
    let claim_inputs = by_role.get("claims").cloned().unwrap_or_default();
    let claim_enc = match claim_inputs.first() {
        Some((_, e)) if claim_inputs.iter().all(|(_, x)| x == e) => *e,
        _ => Encoding::Auto,
    };
    // A run on the platform layout: its settlements are inputs, and its
    // fee files, among the claim files, are read joined with them again.
    let platform = match by_role.get("settlements").and_then(|v| v.first()) {
        Some((p, enc)) => {
            let data = Path::new(p)
                .parent()
                .and_then(Path::parent)
                .unwrap_or(Path::new("."));
            Some(
                input::platform::read(data, &read.codes, &read.reference, &(*enc).into())
                    .map_err(input_err)?,
            )
        }
        None => None,
    };
    let from_platform = |p: &Path| {
        platform
            .as_ref()
            .is_some_and(|pl| pl.files.iter().any(|f| f.path == p))
    };
    let paths: Vec<PathBuf> = claim_inputs
        .iter()
        .map(|(p, _)| PathBuf::from(p))
        .filter(|p| !from_platform(p))
        .collect();
    let (mut files, _) = if paths.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        claims::read_claims(&paths, &claim_enc.into()).map_err(input_err)?
    };
    let mut platform = platform;
    if let Some(pl) = &mut platform {
        pl.attach(&mut files);
    }
    let (mut scan, mut lines) = partition::scan(
        &files,
        platform.as_ref(),
        1,
        None,
        &Default::default(),
        &|_| {},
    )
    .map_err(|e| run_err(format!("reading the claims again: {e}")))?;
    let mut pending = lines
        .take(0)
        .map_err(|e| run_err(format!("reading the claims again: {e}")))?;
    // The platform layout's join, as the run made it; like the run's
    // claim lines, only the claims the join passed are traced.
    if let Some(pl) = &mut platform {
        let notes = std::mem::take(&mut scan.fee_notes);
        drop(pl.decide(&files, notes));
        scan.rejects
            .retain(|r| !pl.is_fee_path(&files, &r.file) || pl.passes(&r.claim_id));
        pl.join(&files, &mut pending, &mut Vec::new());
    }
    let grouped = claims::group(
        &files,
        &pending,
        Some(period.last_day()),
        &mut scan.files,
        Vec::new(),
    );
    let mut quarantined = BTreeMap::new();
    for r in scan.rejects.iter().chain(grouped.rejects.iter()) {
        if !r.claim_id.is_empty() {
            quarantined
                .entry(r.claim_id.clone())
                .or_insert_with(|| r.clone());
        }
    }
    let declared = platform
        .as_mut()
        .map(|pl| std::mem::take(&mut pl.declared))
        .unwrap_or_default();
    Ok(Reloaded {
        declared,
        reference: read.reference,
        prior,
        ledger: read.ledger,
        claims: grouped.claims,
        quarantined,
        period,
        overrides,
    })
}
