//! Stage 4, reconciling: what the partitions decided, added up
//! ([`Tally`]) so that every line and every yuan read is adjudicated or
//! quarantined, and the run's warnings and refusals that need the whole
//! month (provisional parameters, late claims without a ledger, a period
//! holding none of the claims, a city without rules in force, `--strict`),
//! and each personal account's balance after the month (POLICY.md §6a).

use crate::core::adjudicate::{self, ClaimDecision, Lang, Status};
use crate::core::date::{Date, Months};
use crate::core::model::Id;
use crate::input::{claims, ClaimFileStat, Grouped, Reference, Reject, Scan};
use crate::output::accounts::{Accounts, Balanced};
use crate::run::{RunConfig, RunError};
use crate::schema::manifest::Counts;
use std::collections::{BTreeMap, BTreeSet};

/// The --strict refusal, naming the first quarantined line.
pub fn strict_error(mut rejects: Vec<Reject>) -> RunError {
    rejects.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    let r = &rejects[0];
    RunError::Strict {
        count: rejects.len(),
        first: Box::new(r.clone()),
    }
}

/// What the partitions decided, added up for reconciliation and the
/// manifest's counts.
#[derive(Default)]
pub struct Tally {
    pub claims: u64,
    lines_in_claims: u64,
    decided: u64,
    decided_amount: rust_decimal::Decimal,
    grouped_lines: u64,
    grouped_amount: rust_decimal::Decimal,
    findings: u64,
    by_status: BTreeMap<&'static str, u64>,
    pub versions_used: BTreeSet<(Id, usize)>,
    /// Claims served within the run's months (the rest are late).
    in_period: u64,
    /// Claims served in a year before the run's first month's year (late
    /// claims of last year, settled against last year's ledger row).
    last_year: u64,
    /// Claims denied NO_RULES_IN_FORCE, by insuring city.
    no_rules: BTreeMap<String, u64>,
}

impl Tally {
    /// Add one partition; every claim must add up.
    pub fn add(&mut self, grouped: &Grouped, decisions: &[ClaimDecision]) -> Result<(), RunError> {
        self.claims += grouped.claims.len() as u64;
        self.lines_in_claims += grouped
            .claims
            .iter()
            .map(|c| c.lines.len() as u64)
            .sum::<u64>();
        self.grouped_lines += grouped.lines;
        self.grouped_amount += grouped.amount;
        self.decided += decisions.len() as u64;
        // Counted here first: the map is keyed by text.
        let mut by_status = [0u64; Status::ALL.len()];
        for d in decisions {
            if d.total != d.fund_pay + d.account_pay + d.cash_pay
                || d.total != d.excluded + d.b_selfpay + d.remote_prepay + d.eligible
            {
                return Err(RunError::Reconciliation(format!(
                    "claim {} does not add up",
                    d.claim_id
                )));
            }
            self.decided_amount += d.total;
            self.findings += d.findings.len() as u64;
            if let Some(i) = Status::ALL.iter().position(|s| *s == d.status) {
                by_status[i] += 1;
            }
        }
        for (s, n) in Status::ALL.iter().zip(by_status) {
            if n > 0 {
                *self.by_status.entry(s.as_str()).or_default() += n;
            }
        }
        Ok(())
    }

    /// Count what the run's warnings are about: claims served in the
    /// period, and claims no rule version covers.
    pub fn note(&mut self, decisions: &[ClaimDecision], months: Months) {
        let (first, last) = (months.first_day(), months.last_day());
        for d in decisions {
            if (first..=last).contains(&d.service_date) {
                self.in_period += 1;
            }
            if d.service_date.year < first.year {
                self.last_year += 1;
            }
            if d.reasons.contains(&adjudicate::RuleId::NO_RULES_IN_FORCE) {
                let city = d.city.as_deref().unwrap_or_default().to_string();
                *self.no_rules.entry(city).or_default() += 1;
            }
        }
    }

    /// Every line read is adjudicated or quarantined, and so is every
    /// yuan, file by file; and every claim grouped is decided.
    pub fn reconcile(&self, files: &[ClaimFileStat]) -> Result<(), RunError> {
        for f in files {
            let name = f.file.path.display();
            if f.lines != f.adjudicated_lines + f.rejected_lines {
                return Err(RunError::Reconciliation(format!(
                    "{name}: {} claim lines read, {} adjudicated + {} quarantined",
                    f.lines, f.adjudicated_lines, f.rejected_lines
                )));
            }
            if f.amount != f.adjudicated_amount + f.rejected_amount {
                return Err(RunError::Reconciliation(format!(
                    "{name}: {} yuan read, {} adjudicated + {} quarantined",
                    f.amount, f.adjudicated_amount, f.rejected_amount
                )));
            }
        }
        let lines_adjudicated: u64 = files.iter().map(|f| f.adjudicated_lines).sum();
        let amount_adjudicated: rust_decimal::Decimal =
            files.iter().map(|f| f.adjudicated_amount).sum();
        if self.lines_in_claims != lines_adjudicated
            || self.grouped_lines != lines_adjudicated
            || self.decided_amount != amount_adjudicated
            || self.grouped_amount != amount_adjudicated
            || self.decided != self.claims
        {
            return Err(RunError::Reconciliation(format!(
                "{lines_adjudicated} lines ({amount_adjudicated} yuan) adjudicated, but {} claims of {} lines ({} yuan) decided",
                self.decided, self.lines_in_claims, self.decided_amount
            )));
        }
        Ok(())
    }

    pub fn counts(&self, files: &[ClaimFileStat], rejects: &[Reject], persons: u64) -> Counts {
        let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
        for s in Status::ALL {
            by_status.insert(
                s.as_str().to_string(),
                self.by_status.get(s.as_str()).copied().unwrap_or(0),
            );
        }
        let claims_quarantined: BTreeSet<&str> = rejects
            .iter()
            .filter(|r| !r.claim_id.is_empty())
            .map(|r| r.claim_id.as_str())
            .collect();
        Counts {
            claim_lines_read: files.iter().map(|f| f.lines).sum::<u64>(),
            claim_lines_quarantined: rejects.len() as u64,
            claims_adjudicated: self.decided,
            claims_quarantined: claims_quarantined.len() as u64,
            persons,
            findings: self.findings,
            by_status,
        }
    }
}

/// One warning per city whose rules in use hold provisional parameters.
pub fn provisional_warnings(reference: &Reference, used: &BTreeSet<(Id, usize)>) -> Vec<String> {
    let mut per_city: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (city, i) in used {
        if let Some(v) = reference
            .rules
            .cities
            .get(city.as_str())
            .and_then(|c| c.versions.get(*i))
        {
            let names = per_city.entry(city).or_default();
            for p in &v.provisional {
                if !names.contains(&p.as_str()) {
                    names.push(p);
                }
            }
        }
    }
    per_city
        .into_iter()
        .filter(|(_, n)| !n.is_empty())
        .map(|(city, names)| {
            format!(
                "{city}: provisional parameters used (the sources are silent; supply the official figures): {}",
                names.join(", ")
            )
        })
        .collect()
}

/// A January run needs no ledger for its own year, but a late claim of
/// December does: without last year's row it would start December's
/// totals from zero and pay a member past the cap again (CONTRACT.md
/// §ledger.csv keeps the previous year's row for this).
pub fn check_last_year(cfg: &RunConfig, tally: &Tally, months: Months) -> Result<(), RunError> {
    if tally.last_year == 0 || cfg.ledger.is_some() || cfg.no_ledger || cfg.allow_ledger_gap {
        return Ok(());
    }
    let before = months.first.prev();
    Err(RunError::Usage(format!(
        "this run holds {n} claim(s) served before {year} (late claims of last year), but no --ledger was given: their year's totals would start \
         from zero. Give the ledger that closes {before} (--ledger <{before} output>/ledger.csv), --no-ledger if no \
         month was settled before, or --allow-ledger-gap",
        n = tally.last_year,
        year = months.first.year,
    )))
}

/// A period that holds none of the claims' service months settles every
/// claim as late (`--period 2024-05` on March's claims): say so, in `lang`.
pub fn period_warning(
    months: Months,
    tally: &Tally,
    latest: Option<Date>,
    lang: Lang,
) -> Option<String> {
    let holds_latest =
        latest.is_some_and(|d| (months.first_day()..=months.last_day()).contains(&d));
    if tally.in_period > 0 || holds_latest {
        return None;
    }
    Some(match lang {
        Lang::En => {
            let what = match latest {
                Some(d) if d > months.last_day() => format!(
                    "the latest read is {d}: claims served after {months} are quarantined, earlier ones settled as late claims"
                ),
                Some(d) => format!("the latest read is {d}: every claim is settled as a late claim"),
                None => "no service date was read".to_string(),
            };
            format!("period {months} holds none of the claims' service dates ({what}). Is --period right?")
        }
        Lang::Zh => {
            let what = match latest {
                Some(d) if d > months.last_day() => format!(
                    "读到的最晚就诊日期为 {d}: {months} 之后就诊的结算单暂扣, 之前的按跨期补报结算"
                ),
                Some(d) => format!("读到的最晚就诊日期为 {d}: 全部结算单按跨期补报结算"),
                None => "未读到任何就诊日期".to_string(),
            };
            format!("结算期 {months} 不含任何结算单的就诊日期 ({what}); 请确认 --period 是否正确")
        }
    })
}

/// One warning per insuring city with claims denied NO_RULES_IN_FORCE, in
/// `lang`: a rule file whose every version starts after the claims (a
/// mistyped `in_force_from`) would otherwise deny a whole city without a
/// word.
pub fn no_rules_warnings(
    reference: &Reference,
    denied: &BTreeMap<String, u64>,
    lang: Lang,
) -> Vec<String> {
    denied
        .iter()
        .map(|(city, n)| {
            let rules = reference.rules.cities.get(city);
            let first = rules.and_then(|c| c.versions.iter().map(|v| v.in_force_from.value).min());
            match lang {
                Lang::En => {
                    let from = match first {
                        Some(d) => format!("its first rule version is in force from {d}"),
                        None => "it has no rule file".to_string(),
                    };
                    format!(
                        "{city}: {n} claims denied NO_RULES_IN_FORCE: no rule version is in force on their service date ({from})"
                    )
                }
                Lang::Zh => {
                    let from = match first {
                        Some(d) => format!("其最早的规则版本自 {d} 起施行"),
                        None => "没有规则文件".to_string(),
                    };
                    let name = rules.map_or(city.as_str(), |c| c.name.as_str());
                    format!(
                        "{name} ({city}): {n} 笔结算单因 NO_RULES_IN_FORCE 拒付: 就诊日没有施行中的规则版本 ({from})"
                    )
                }
            }
        })
        .collect()
}

/// The month-wide warnings that are also said in Chinese: each as the
/// manifest records it (English) with its words in `lang`, for the
/// terminal.
pub fn said_in(
    reference: &Reference,
    tally: &Tally,
    period: Months,
    latest: Option<Date>,
    lang: Lang,
) -> Vec<(String, String)> {
    let en = period_warning(period, tally, latest, Lang::En)
        .into_iter()
        .chain(no_rules_warnings(reference, &tally.no_rules, Lang::En));
    let said = period_warning(period, tally, latest, lang)
        .into_iter()
        .chain(no_rules_warnings(reference, &tally.no_rules, lang));
    en.zip(said).collect()
}

/// Close the month: every quarantined line counted against its file, the
/// lines and yuan reconciled, and the warnings and refusals that need the
/// whole month.
pub fn month(
    cfg: &RunConfig,
    tally: &Tally,
    scan: &mut Scan,
    rejects: &mut Vec<Reject>,
    reference: &Reference,
    period: Months,
    warnings: &mut Vec<String>,
) -> Result<(), RunError> {
    claims::tally_rejects(&mut scan.files, rejects);
    if cfg.strict && !rejects.is_empty() {
        return Err(strict_error(std::mem::take(rejects)));
    }
    tally.reconcile(&scan.files)?;
    warnings.extend(provisional_warnings(reference, &tally.versions_used));
    check_last_year(cfg, tally, period)?;
    // The manifest's record is English; the terminal's is in --lang.
    warnings.extend(period_warning(period, tally, scan.latest, Lang::En));
    warnings.extend(no_rules_warnings(reference, &tally.no_rules, Lang::En));
    Ok(())
}

/// accounts.csv's rows (POLICY.md §6a), when any member has a personal
/// account (CONTRACT.md): every account must balance and stay at or above
/// zero, else the run is refused.
pub fn accounts(accounts: Accounts, reference: &Reference) -> Result<Option<Balanced>, RunError> {
    if !Accounts::wanted(&reference.members) {
        return Ok(None);
    }
    accounts
        .balance(&reference.members)
        .map(Some)
        .map_err(RunError::Reconciliation)
}
