//! Stage 1, reading: the rule files, the reference files (members,
//! institutions, catalogue, stays, family, the ledger), the claim files' paths and
//! headers, and the prior payments; and the ledger chain checks, which
//! refuse a run on the wrong ledger before any claim is read.
//!
//! [`read_reference`] is also how `explain` reloads a run's inputs, so a
//! trace reads the files exactly as the run did.

use crate::core::date::{Months, Period};
use crate::core::rules::{self, RuleBook};
use crate::input::csvsrc::CsvFile;
use crate::input::{self, claims, reference, Encodings, InputError, InputFile, Ledger, Reference};
use crate::run::{RunConfig, RunError};
use std::path::{Path, PathBuf};

/// One reference file to read, and how its bytes are encoded.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub encoding: Encodings,
}

/// Where the reference files of a run are.
#[derive(Debug, Clone)]
pub struct ReferenceSources {
    pub members: Source,
    pub institutions: Source,
    pub catalogue: Source,
    /// Optional: most members have no inpatient stay.
    pub stays: Option<Source>,
    /// None for a run without a ledger.
    pub ledger: Option<Source>,
    /// Optional: family sharing bindings (POLICY.md §6a).
    pub family: Option<Source>,
}

impl ReferenceSources {
    /// The files a `run` configuration names, or `<data>/<name>.csv`.
    pub fn of(cfg: &RunConfig) -> ReferenceSources {
        let source = |given: &Option<PathBuf>, name: &str| Source {
            path: given.clone().unwrap_or_else(|| cfg.data.join(name)),
            encoding: cfg.encoding.clone(),
        };
        let stays = source(&cfg.stays, "stays.csv");
        // stays.csv is optional when not named; named and missing is an error.
        let has_stays = cfg.stays.is_some() || stays.path.exists();
        // So is family.csv (POLICY.md §6a).
        let family = source(&cfg.family, "family.csv");
        let has_family = cfg.family.is_some() || family.path.exists();
        ReferenceSources {
            members: source(&cfg.members, "members.csv"),
            institutions: source(&cfg.institutions, "institutions.csv"),
            catalogue: source(&cfg.catalogue, "catalogue.csv"),
            stays: has_stays.then_some(stays),
            family: has_family.then_some(family),
            ledger: cfg.ledger.as_ref().map(|p| Source {
                path: p.clone(),
                encoding: cfg.encoding.clone(),
            }),
        }
    }
}

/// The reference files read, with the files' records (for the manifest)
/// and what reading them warned about.
pub struct ReferenceRead {
    pub reference: Reference,
    /// By role, as the manifest lists them.
    pub files: Vec<(&'static str, InputFile)>,
    pub ledger: Ledger,
    pub warnings: Vec<String>,
    /// The rule files' code tables (the platform layout's).
    pub codes: input::platform::Codes,
}

/// Read the reference files and the ledger, under the rules `rules`.
pub fn read_reference(
    src: &ReferenceSources,
    rules: RuleBook,
) -> Result<ReferenceRead, InputError> {
    let cities: Vec<String> = rules.cities.keys().cloned().collect();
    // The rule files' code tables: a reference file under the platform's
    // names may name a city by its 6-digit 医保区划 code.
    let rule_files: Vec<PathBuf> = rules.cities.values().map(|c| c.file.clone()).collect();
    let codes = input::platform::read_codes_of(&rule_files)?;
    let admdvs = codes.admdvs_cities();
    let (m, i, c) = (&src.members, &src.institutions, &src.catalogue);
    // The members and the ledger are the big ones: read them alongside
    // the rest, then report errors in the order the files are named.
    let (members, (ledger, (institutions, (catalogue, stays)))) = rayon::join(
        || reference::read_members(&m.path, &m.encoding, &cities, &admdvs),
        || {
            rayon::join(
                || {
                    src.ledger
                        .as_ref()
                        .map(|l| reference::read_ledger(&l.path, &l.encoding))
                },
                || {
                    rayon::join(
                        || reference::read_institutions(&i.path, &i.encoding, &admdvs),
                        || {
                            (
                                reference::read_catalogue(&c.path, &c.encoding, &admdvs),
                                src.stays
                                    .as_ref()
                                    .map(|s| reference::read_stays(&s.path, &s.encoding)),
                            )
                        },
                    )
                },
            )
        },
    );
    let (members, institutions, catalogue) = (members?, institutions?, catalogue?);
    // A reference file holding only its header denies every claim: fatal.
    // (stays.csv may be empty: most members have no inpatient stay.)
    for (f, empty) in [
        (&members.file, members.value.is_empty()),
        (&institutions.file, institutions.value.is_empty()),
        (&catalogue.file, catalogue.value.is_empty()),
    ] {
        if empty {
            return Err(InputError::new(
                &f.path,
                0,
                "",
                "no data rows (only a header?): every claim would be denied",
            ));
        }
    }
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let stays = match stays {
        Some(s) => {
            let s = s?;
            warnings.extend(s.warnings);
            files.push(("stays", s.file));
            s.value
        }
        None => Default::default(),
    };
    let ledger = match ledger {
        Some(l) => {
            let l = l?;
            warnings.extend(l.warnings);
            files.push(("ledger", l.file));
            l.value
        }
        None => Ledger::default(),
    };
    for (role, w, f) in [
        ("members", members.warnings, members.file),
        ("institutions", institutions.warnings, institutions.file),
        ("catalogue", catalogue.warnings, catalogue.file),
    ] {
        warnings.extend(w);
        files.push((role, f));
    }
    // Family sharing (POLICY.md §6a): read after members.csv, whose persons
    // its bindings are checked against.
    let family = match &src.family {
        Some(s) => {
            let f = input::family::read_family(&s.path, &s.encoding, &members.value)?;
            warnings.extend(f.warnings);
            files.push(("family", f.file));
            f.value
        }
        None => Default::default(),
    };
    let reference = Reference {
        family,
        members: members.value,
        institutions: institutions.value,
        catalogue: catalogue.value,
        stays,
        rules,
    };
    Ok(ReferenceRead {
        reference,
        files,
        ledger,
        warnings,
        codes,
    })
}

/// Everything a run reads before it scans the claim lines.
pub struct Inputs {
    pub reference: Reference,
    /// The reference and prior files, by role, for the manifest.
    pub ref_files: Vec<(&'static str, InputFile)>,
    pub ledger: Ledger,
    /// The claim files, opened and their headers mapped.
    pub files: Vec<CsvFile>,
    /// What the claims directory held that is not read.
    pub skipped_in_claims_dir: Vec<String>,
    /// The platform layout, when the data directory holds it: its
    /// settlements, and once scanned what it held back and what its
    /// settlements declared.
    pub platform: Option<input::platform::Platform>,
}

/// Read the rules, the reference files and the claim files' headers.
pub fn inputs(cfg: &RunConfig, warnings: &mut Vec<String>) -> Result<Inputs, RunError> {
    let mut book = crate::input::rule_files::load_dir(&cfg.rules)?;
    rules::apply_overrides(&mut book, &cfg.overrides)
        .map_err(|e| RunError::Usage(e.to_string()))?;
    // The claim files are hashed (a pass over every byte) while the
    // reference files are read; errors are reported in the order they
    // always were: reference files, the ledger chain, then claim files.
    let platform_here = cfg.claims.is_empty() && input::platform::present(&cfg.data);
    let (read, claims) = rayon::join(
        || read_reference(&ReferenceSources::of(cfg), book),
        || open_claims(cfg, platform_here),
    );
    let read = read?;
    warnings.extend(read.warnings);
    // With the period given, a broken ledger chain is refused before the
    // claim lines are read (which can take minutes); only the one pass
    // that hashes the claim files, beside the reference files, comes
    // first.
    if let Some(months) = cfg.period {
        check_ledger(cfg, &read.ledger, months)?;
    }
    let OpenedClaims {
        mut files,
        skipped_in_claims_dir,
        warnings: mut claim_warnings,
    } = claims?;
    warnings.append(&mut claim_warnings);
    // The platform layout's fee lines join the claim files.
    let mut platform = None;
    if platform_here {
        // Its settlements are read while scanning (`scan.rs`), in as
        // many buckets as the memory budget asks.
        let mut p = input::platform::open_layout(&cfg.data, &read.codes, &cfg.encoding)?;
        warnings.append(&mut p.warnings);
        p.attach(&mut files);
        platform = Some(p);
    }
    Ok(Inputs {
        reference: read.reference,
        ref_files: read.files,
        ledger: read.ledger,
        files,
        skipped_in_claims_dir,
        platform,
    })
}

/// The claim files opened (hashed, their headers read), the names in the
/// claims directory that are not claim files, and the warnings.
struct OpenedClaims {
    files: Vec<CsvFile>,
    skipped_in_claims_dir: Vec<String>,
    warnings: Vec<String>,
}

fn open_claims(cfg: &RunConfig, platform_here: bool) -> Result<OpenedClaims, RunError> {
    // The platform layout (settlements/ and fee_details/) may stand beside
    // or instead of claims/.
    let (claim_paths, skipped_in_claims_dir) = if platform_here && !cfg.data.join("claims").exists()
    {
        (Vec::new(), Vec::new())
    } else {
        claim_paths(cfg)?
    };
    let mut warnings = Vec::new();
    if !skipped_in_claims_dir.is_empty() {
        warnings.push(
            input::reason::Warning::NotClaimFiles {
                names: skipped_in_claims_dir.join(", "),
            }
            .to_string(),
        );
    }
    let (files, mut claim_warnings) = claims::read_claims(&claim_paths, &cfg.encoding)?;
    warnings.append(&mut claim_warnings);
    Ok(OpenedClaims {
        files,
        skipped_in_claims_dir,
        warnings,
    })
}

/// The earlier periods' payments (`--prior`), once the output directory is
/// known: a directory given to --prior passes over this run's own earlier
/// output. Their files join `ref_files`.
pub fn prior(
    cfg: &RunConfig,
    out_dir: &Path,
    period: Months,
    ref_files: &mut Vec<(&'static str, InputFile)>,
) -> Result<crate::core::prior::Prior, RunError> {
    let prior_paths = input::prior::prior_files(&cfg.prior, out_dir)?;
    let (prior, prior_files) = input::prior::read_prior(&prior_paths, &cfg.encoding)?;
    prior
        .check_periods(period)
        .map_err(|e| RunError::Usage(e.to_string()))?;
    ref_files.extend(prior_files.into_iter().map(|f| ("prior", f)));
    Ok(prior)
}

/// A ledger must close a period before this run's: running a month on its
/// own output ledger, or on a later one, would count its claims twice. It
/// must also close the month just before: a skipped month's totals would be
/// missing, so members would pass the deductible or the cap again. Returns
/// what the manifest records as `ledger_chain`.
pub fn check_ledger(cfg: &RunConfig, ledger: &Ledger, months: Months) -> Result<String, RunError> {
    let path = cfg
        .ledger
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if let Some(closed) = ledger.period {
        if months.first <= closed {
            return Err(RunError::Usage(format!(
                "{path} closes {closed}, but this run settles {months}: a run must start after the period its ledger closes \
                 (running a month on its own output ledger, or on a later one?)"
            )));
        }
    }
    if let Some(later) = ledger
        .iter()
        .map(|(_, e)| e.year)
        .filter(|y| *y > months.last.year)
        .max()
    {
        return Err(RunError::Usage(format!(
            "{path} holds totals of {later}, after this run's period {months}"
        )));
    }
    ledger_chain(cfg, ledger.period, months)
}

/// Whether this run continues the chain of ledgers, or says why not.
fn ledger_chain(
    cfg: &RunConfig,
    closed: Option<Period>,
    months: Months,
) -> Result<String, RunError> {
    let start = months.first;
    let before = start.prev();
    let gap = cfg.allow_ledger_gap;
    let Some(path) = cfg.ledger.as_deref().map(|p| p.display().to_string()) else {
        // Totals reset every 1 January (十堰 第五条): a January run needs
        // no ledger.
        return if cfg.no_ledger {
            Ok("no ledger (--no-ledger)".into())
        } else if start.month == 1 {
            Ok("no ledger (the run starts in January)".into())
        } else if gap {
            Ok(format!("gap allowed: no ledger, run starts {start}"))
        } else {
            Err(RunError::Usage(format!(
                "this run settles {months} but no --ledger was given: the year-to-date totals up to {before} \
                 would start from zero. Give the ledger that closes {before} (--ledger <{before} output>/ledger.csv), \
                 --no-ledger if {start} is the first month settled, or --allow-ledger-gap"
            )))
        };
    };
    match closed {
        Some(c) if c == before => Ok("continuous".into()),
        Some(c) if gap => Ok(format!("gap allowed: ledger closes {c}, run starts {start}")),
        Some(c) => {
            let missing = Months {
                first: c.next(),
                last: before,
            };
            Err(RunError::Usage(format!(
                "{path} closes {c}, but this run starts {start}: the totals of {missing} are missing \
                 (a month skipped?). Give the ledger that closes {before}, or --allow-ledger-gap if the gap is intended"
            )))
        }
        None if gap => Ok(format!(
            "gap allowed: ledger closes an unknown period, run starts {start}"
        )),
        None => Err(RunError::Usage(format!(
            "{path} does not say which month it closes (it has no `period` column, as older versions wrote it, \
             or no rows), so it cannot be checked to close {before}. Give --allow-ledger-gap to use it anyway"
        ))),
    }
}

/// The claim files: named ones (a directory stands for its `*.csv`), else
/// `<data>/claims/*.csv`; sorted, so file order never changes a result.
/// Also what a directory held that is not read (other files, sub-folders),
/// sorted: an export saved as `.xlsx` or filed in a sub-folder must not
/// vanish from the month without a word.
fn claim_paths(cfg: &RunConfig) -> Result<(Vec<PathBuf>, Vec<String>), RunError> {
    let given = if cfg.claims.is_empty() {
        vec![cfg.data.join("claims")]
    } else {
        cfg.claims.clone()
    };
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for p in given {
        if p.is_dir() {
            let entries = std::fs::read_dir(&p)
                .map_err(|e| InputError::new(&p, 0, "", format!("cannot list: {e}")))?;
            for e in entries {
                let e = e
                    .map_err(|e| InputError::new(&p, 0, "", format!("cannot list: {e}")))?
                    .path();
                if e.is_dir() {
                    skipped.push(format!("{}/", e.display()));
                } else if e.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) {
                    out.push(e);
                } else {
                    skipped.push(e.display().to_string());
                }
            }
        } else if p.exists() {
            out.push(p);
        } else {
            return Err(InputError::new(&p, 0, "", "no such claim file or directory").into());
        }
    }
    out.sort();
    out.dedup();
    skipped.sort();
    skipped.dedup();
    if out.is_empty() {
        let also = if skipped.is_empty() {
            String::new()
        } else {
            format!(" (not read: {})", skipped.join(", "))
        };
        return Err(RunError::Usage(format!(
            "no claim files (*.csv) found{also}"
        )));
    }
    Ok((out, skipped))
}
