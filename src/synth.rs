//! `tongchou synth`: write a generated month (a complete data directory per
//! CONTRACT.md) for tests and benchmarks.
//!
//! Deterministic for a seed. Realistic in its mix: three cities plus remote
//! places of treatment, hospitals of every level, clinics, pharmacies,
//! internet hospitals, class A/B/C items, remote registrations, manual
//! claims, exclusions, reversals, duplicates, card-lending days, skewed
//! claims per person, several claim files. Every rule id of POLICY.md fires
//! in a month of 100,000 lines.
//!
//! `--out` must be a new or empty directory; `--force` lets it overwrite an
//! earlier generated month, but only when every file there is one it is
//! about to write (nothing else is replaced, and no stale claim file is
//! left to be read with the new month). A run's output directory is never
//! written into.

pub mod platform;

use crate::cli::SynthArgs;
use crate::core::date::{days_in_month, Period};
use crate::schema::reference::{CATALOGUE, INSTITUTIONS, MEMBERS, STAYS};
use crate::schema::{header_line, CLAIMS, LEDGER};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const HOME: [&str; 3] = ["wuhan", "shiyan", "ezhou"];
const REMOTE: [&str; 3] = ["beijing", "shanghai", "guangzhou"];

/// Institution id prefix of a city.
fn prefix(city: &str) -> &'static str {
    match city {
        "wuhan" => "WH",
        "shiyan" => "SY",
        "ezhou" => "EZ",
        "beijing" => "BJ",
        "shanghai" => "SH",
        _ => "GZ",
    }
}

struct Inst {
    id: String,
    city: &'static str,
    kind: &'static str,
    level: u8,
    pooling: bool,
    networked: bool,
    valid_to: Option<&'static str>,
}

struct Item {
    code: String,
    price_fen: i64,
    pharmacy: bool,
}

/// What was written.
pub struct SynthSummary {
    pub lines: u64,
    pub claims: u64,
    pub persons: u64,
    pub bytes: u64,
}

/// Write a month into `out` (created if needed).
pub fn generate(
    out: &Path,
    lines: u64,
    persons: u64,
    files: u32,
    period: Period,
    seed: u64,
) -> io::Result<SynthSummary> {
    let mut rng = Rng(seed ^ 0x746F_6E67_6368_6F75);
    fs::create_dir_all(out.join("claims"))?;
    let insts = institutions();
    let items = catalogue(out, &mut rng)?;
    write_institutions(out, &insts)?;
    let member_cities = members(out, persons, period, &mut rng)?;
    stays_and_ledger(out, persons, period, &mut rng)?;

    let files = files.max(1) as usize;
    let mut writers: Vec<BufWriter<File>> = (0..files)
        .map(|i| {
            let f = File::create(out.join("claims").join(format!("claims_{:02}.csv", i + 1)))?;
            let mut w = BufWriter::with_capacity(1 << 20, f);
            writeln!(w, "{}", header_line(CLAIMS, &[]))?;
            Ok(w)
        })
        .collect::<io::Result<_>>()?;
    let home_insts: Vec<Vec<usize>> = HOME
        .iter()
        .map(|c| (0..insts.len()).filter(|&i| insts[i].city == *c).collect())
        .collect();
    let remote_insts: Vec<usize> = (0..insts.len())
        .filter(|&i| REMOTE.contains(&insts[i].city))
        .collect();
    let prescribers: Vec<Vec<usize>> = home_insts
        .iter()
        .map(|v| {
            v.iter()
                .copied()
                .filter(|&i| matches!(insts[i].kind, "hospital" | "clinic"))
                .collect()
        })
        .collect();
    let pharmacy_items: Vec<usize> = (0..items.len()).filter(|&i| items[i].pharmacy).collect();
    let days = days_in_month(period.year, period.month) as u64;

    let (mut written, mut claims) = (0u64, 0u64);
    let mut buf = String::with_capacity(4096);
    while written < lines {
        claims += 1;
        buf.clear();
        // Skewed persons: a few persons have many claims.
        let u = rng.unit();
        let p = ((persons as f64) * u * u * u) as u64;
        let unknown_member = rng.chance(0.001);
        let person = if unknown_member {
            format!("X{p:08}")
        } else {
            format!("P{p:08}")
        };
        let city_i = member_cities[p as usize % member_cities.len()] as usize;
        let visit = match rng.below(1000) {
            0..=899 => "general",
            900..=939 => "emergency",
            940..=964 => "chronic",
            965..=979 => "two_diseases",
            980..=989 => "maternity",
            _ => "dual_channel",
        };
        let inst_i = if rng.chance(0.05) {
            *rng.pick(&remote_insts)
        } else {
            *rng.pick(&home_insts[city_i])
        };
        let inst = &insts[inst_i];
        let inst_id = if rng.chance(0.0005) {
            "UNKNOWN-INST".to_string()
        } else {
            inst.id.clone()
        };
        let day = 1 + rng.below(days);
        let time = format!(
            "{}-{:02} {:02}:{:02}:{:02}",
            period,
            day,
            7 + rng.below(14),
            rng.below(60),
            rng.below(60)
        );
        let manual = rng.chance(0.02);
        // A few old receipts handed in long after the deadline (and before
        // some cities' rules were in force).
        let time = if manual && rng.chance(0.05) {
            "2022-12-31 10:00:00".to_string()
        } else {
            time
        };
        let mode = if manual {
            "manual"
        } else if rng.chance(0.5) {
            "direct"
        } else {
            ""
        };
        let submitted = if manual {
            format!("{}-{:02}", period, day.max(days - 2))
        } else {
            String::new()
        };
        let exclusion = if rng.chance(0.003) {
            *rng.pick(&["third_party", "work_injury", "public_health", "abroad"])
        } else {
            ""
        };
        let claim_id = format!("C{}{:02}{:09}", period.year, period.month, claims);
        let at_pharmacy = inst.kind == "pharmacy";
        let prescriber = if rng.chance(0.02) {
            String::new()
        } else {
            insts[*rng.pick(&prescribers[city_i])].id.clone()
        };
        let rx = if at_pharmacy && !rng.chance(0.03) {
            format!("RX{claims}")
        } else {
            String::new()
        };
        let n_lines = 1 + rng.below(5) + rng.below(2);
        let mut lines_of_claim = Vec::with_capacity(n_lines as usize);
        for no in 1..=n_lines {
            let item = if at_pharmacy {
                &items[*rng.pick(&pharmacy_items)]
            } else {
                rng.pick(&items)
            };
            let qty = 1 + rng.below(if at_pharmacy { 6 } else { 3 }) as i64;
            let mut amount = item.price_fen * qty;
            if rng.chance(0.003) {
                amount += 100 + rng.below(1000) as i64;
            }
            let supply = if at_pharmacy && rng.chance(0.3) {
                (7 * (1 + rng.below(14))).to_string()
            } else {
                String::new()
            };
            lines_of_claim.push((no, item.code.clone(), qty, item.price_fen, amount, supply));
        }
        let file = inst_i % files;
        let row = |buf: &mut String,
                   id: &str,
                   no: u64,
                   code: &str,
                   qty: i64,
                   price: i64,
                   amount: i64,
                   supply: &str,
                   t: &str,
                   reverses: &str| {
            use std::fmt::Write as _;
            let _ = writeln!(
                buf,
                "{id},{no},{person},{inst_id},{t},{visit},{code},,{qty},{},{},{rx},{},{supply},{mode},{submitted},{exclusion},{reverses}",
                fen(price),
                fen(amount),
                if at_pharmacy { prescriber.as_str() } else { "" },
            );
        };
        for (no, code, qty, price, amount, supply) in &lines_of_claim {
            row(
                &mut buf, &claim_id, *no, code, *qty, *price, *amount, supply, &time, "",
            );
        }
        written += n_lines;
        // A duplicate bill: the same first line again in a later claim.
        if rng.chance(0.005) {
            claims += 1;
            let dup = format!("C{}{:02}{:09}", period.year, period.month, claims);
            let (_, code, qty, price, amount, supply) = &lines_of_claim[0];
            row(
                &mut buf, &dup, 1, code, *qty, *price, *amount, supply, &time, "",
            );
            written += 1;
        }
        // A reversal of this claim, or of a claim that is not in the month.
        if rng.chance(0.003) || rng.chance(0.0005) {
            claims += 1;
            let rev = format!("C{}{:02}{:09}", period.year, period.month, claims);
            let target = if rng.chance(0.8) {
                claim_id.clone()
            } else {
                format!("OLD{claims}")
            };
            for (no, code, qty, price, amount, supply) in &lines_of_claim {
                row(
                    &mut buf, &rev, *no, code, -qty, *price, -amount, supply, &time, &target,
                );
            }
            written += n_lines;
        }
        // A card-lending day: two more institutions the same day.
        if rng.chance(0.002) {
            for k in 0..2 {
                claims += 1;
                let other = format!("C{}{:02}{:09}", period.year, period.month, claims);
                let oi = &insts[home_insts[city_i][(inst_i + 1 + k) % home_insts[city_i].len()]];
                let line = format!(
                    "{other},1,{person},{},{time},general,S0001,,1,10.00,10.00,,,,,,,\n",
                    oi.id
                );
                buf.push_str(&line);
                written += 1;
            }
        }
        writers[file].write_all(buf.as_bytes())?;
    }
    let mut bytes = 0;
    for (i, w) in writers.into_iter().enumerate() {
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        bytes += fs::metadata(out.join("claims").join(format!("claims_{:02}.csv", i + 1)))?.len();
    }
    Ok(SynthSummary {
        lines: written,
        claims,
        persons,
        bytes,
    })
}

fn fen(x: i64) -> String {
    let sign = if x < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", x.abs() / 100, x.abs() % 100)
}

fn institutions() -> Vec<Inst> {
    let mut v = Vec::new();
    let mut add = |id: String,
                   city: &'static str,
                   kind: &'static str,
                   level: u8,
                   pooling: bool,
                   networked: bool,
                   valid_to| {
        v.push(Inst {
            id,
            city,
            kind,
            level,
            pooling,
            networked,
            valid_to,
        });
    };
    for city in HOME {
        let pre = prefix(city);
        for i in 0..4 {
            add(
                format!("{pre}-H3-{i:02}"),
                city,
                "hospital",
                3,
                true,
                i % 2 == 0,
                None,
            );
        }
        for i in 0..8 {
            add(
                format!("{pre}-H2-{i:02}"),
                city,
                "hospital",
                2,
                true,
                i % 3 == 0,
                None,
            );
        }
        for i in 0..20 {
            add(
                format!("{pre}-C1-{i:02}"),
                city,
                "clinic",
                1,
                true,
                false,
                None,
            );
        }
        for i in 0..15 {
            add(
                format!("{pre}-P-{i:02}"),
                city,
                "pharmacy",
                0,
                i != 0,
                false,
                None,
            );
        }
        add(
            format!("{pre}-I3-00"),
            city,
            "internet_hospital",
            3,
            true,
            false,
            None,
        );
        add(
            format!("{pre}-HX-00"),
            city,
            "hospital",
            2,
            true,
            false,
            Some("2023-12-31"),
        );
    }
    for city in REMOTE {
        let pre = prefix(city);
        for i in 0..3 {
            add(
                format!("{pre}-H3-{i:02}"),
                city,
                "hospital",
                3,
                true,
                i != 2,
                None,
            );
        }
        add(
            format!("{pre}-P-00"),
            city,
            "pharmacy",
            0,
            true,
            false,
            None,
        );
    }
    v
}

fn write_institutions(out: &Path, insts: &[Inst]) -> io::Result<()> {
    let mut w = BufWriter::new(File::create(out.join("institutions.csv"))?);
    writeln!(w, "{}", header_line(INSTITUTIONS, &["name"]))?;
    for i in insts {
        let level = if i.kind == "pharmacy" {
            String::new()
        } else {
            i.level.to_string()
        };
        writeln!(
            w,
            "{},{},{},{},{},{},2020-01-01,{}",
            i.id,
            i.city,
            i.kind,
            level,
            i.pooling,
            i.networked,
            i.valid_to.unwrap_or("")
        )?;
    }
    w.flush()
}

fn catalogue(out: &Path, rng: &mut Rng) -> io::Result<Vec<Item>> {
    let mut w = BufWriter::new(File::create(out.join("catalogue.csv"))?);
    writeln!(w, "{}", header_line(CATALOGUE, &["name"]))?;
    let mut items = Vec::new();
    for i in 0..240 {
        let code = format!("D{i:04}");
        let class = match i % 10 {
            0..=4 => "A",
            5..=8 => "B",
            _ => "C",
        };
        let price = 200 + rng.below(30_000) as i64;
        let share = if class == "B" && i % 7 == 0 {
            "0.20"
        } else {
            ""
        };
        let special = i % 53 == 0;
        let cap = if i % 17 == 0 {
            fen(price - price / 10)
        } else {
            String::new()
        };
        writeln!(w, "{code},,drug,{class},{share},{special},{cap}")?;
        if i % 41 == 0 {
            writeln!(w, "{code},wuhan,drug,B,0.05,false,")?;
        }
        items.push(Item {
            code,
            price_fen: price,
            pharmacy: true,
        });
    }
    writeln!(w, "S0001,,service,A,,false,")?;
    items.push(Item {
        code: "S0001".into(),
        price_fen: 1000,
        pharmacy: false,
    });
    for i in 2..60 {
        let code = format!("S{i:04}");
        let class = if i % 4 == 0 { "B" } else { "A" };
        writeln!(w, "{code},,service,{class},,false,")?;
        items.push(Item {
            code,
            price_fen: 500 + rng.below(40_000) as i64,
            pharmacy: false,
        });
    }
    for i in 0..5 {
        writeln!(w, "F{i:04},,facility,A,,false,")?;
        items.push(Item {
            code: format!("F{i:04}"),
            price_fen: 3000,
            pharmacy: false,
        });
        writeln!(w, "M{i:04},,material,B,,false,")?;
        items.push(Item {
            code: format!("M{i:04}"),
            price_fen: 800 + 100 * i,
            pharmacy: true,
        });
        writeln!(w, "N{i:04},,non_medical,C,,false,")?;
        items.push(Item {
            code: format!("N{i:04}"),
            price_fen: 3990,
            pharmacy: true,
        });
    }
    // Not in any catalogue.
    items.push(Item {
        code: "X9999".into(),
        price_fen: 5000,
        pharmacy: true,
    });
    w.flush()?;
    Ok(items)
}

/// Write members.csv; returns each person's home-city index.
fn members(out: &Path, persons: u64, period: Period, rng: &mut Rng) -> io::Result<Vec<u8>> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(out.join("members.csv"))?);
    writeln!(w, "{}", header_line(MEMBERS, &[]))?;
    let mut cities = Vec::with_capacity(persons as usize);
    for p in 0..persons {
        let ci = match rng.below(100) {
            0..=54 => 0u8,
            55..=84 => 1,
            _ => 2,
        };
        cities.push(ci);
        let category = if rng.chance(0.35) {
            "retired"
        } else {
            "employed"
        };
        let pool_only = rng.chance(0.1);
        let account = if pool_only {
            "pool_only"
        } else {
            "with_account"
        };
        let balance = if pool_only {
            String::new()
        } else {
            fen(rng.below(300_000) as i64)
        };
        let (from, to) = match rng.below(200) {
            0 => (format!("{}-15", period), String::new()),
            1 => ("2010-01-01".to_string(), format!("{}-01-31", period.year)),
            _ => ("2010-01-01".to_string(), String::new()),
        };
        let remote = if rng.chance(0.03) {
            let t = *rng.pick(&[
                "relocated_retiree",
                "long_term_resident",
                "stationed_worker",
                "temporary",
            ]);
            format!("{t},{},2023-06-01,", rng.pick(&REMOTE))
        } else {
            ",,,".to_string()
        };
        writeln!(
            w,
            "P{p:08},{},{category},{account},{balance},{from},{to},{remote}",
            HOME[ci as usize]
        )?;
    }
    w.flush()?;
    Ok(cities)
}

fn stays_and_ledger(out: &Path, persons: u64, period: Period, rng: &mut Rng) -> io::Result<()> {
    let mut s = BufWriter::new(File::create(out.join("stays.csv"))?);
    writeln!(s, "{}", header_line(STAYS, &[]))?;
    let mut l = BufWriter::with_capacity(1 << 20, File::create(out.join("ledger.csv"))?);
    // The ledger closes the month before: the generated month continues
    // the chain.
    let closes = period.prev();
    writeln!(l, "{}", header_line(LEDGER, &[]))?;
    let days = days_in_month(period.year, period.month) as u64;
    for p in 0..persons {
        if rng.chance(0.005) {
            let a = 1 + rng.below(days);
            let d = if rng.chance(0.2) {
                String::new()
            } else {
                format!("{}-{:02}", period, (a + rng.below(10)).min(days))
            };
            writeln!(s, "P{p:08},WH-H3-00,{}-{a:02},{d}", period)?;
        }
        if period.month > 1 && rng.chance(0.6) {
            let met = rng.below(50_001) as i64;
            let paid = if met == 50_000 {
                rng.below(350_000) as i64
            } else {
                0
            };
            writeln!(
                l,
                "P{p:08},{},{},{},{},{closes}",
                period.year,
                fen(met),
                fen(paid),
                1 + rng.below(20)
            )?;
        } else if rng.chance(0.05) {
            writeln!(l, "P{p:08},{},500.00,1200.00,9,{closes}", period.year - 1)?;
        }
    }
    s.flush()?;
    l.flush()
}

/// Why `synth` did not write a month.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A bad argument, or an --out that may not be written.
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

/// The files `generate` writes with `files` claim files, relative to its
/// directory.
fn written_names(files: u32) -> Vec<String> {
    let mut names: Vec<String> = [
        "catalogue.csv",
        "institutions.csv",
        "members.csv",
        "stays.csv",
        "ledger.csv",
        "family.csv",
    ]
    .iter()
    .map(|n| n.to_string())
    .collect();
    names.extend((0..files.max(1)).map(|i| format!("claims/claims_{:02}.csv", i + 1)));
    // Hook (--layout platform): the same files in the platform's folders.
    for dir in ["settlements", "fee_details"] {
        names.extend((0..files.max(1)).map(|i| format!("{dir}/claims_{:02}.csv", i + 1)));
    }
    names
}

/// Refuse an --out that is not a directory, a run's output directory, or
/// holds files this run would not write (any file at all without --force).
fn check_out(out: &Path, files: u32, force: bool) -> Result<(), SynthError> {
    let shown = out.display();
    let refuse = |why: String| {
        Err(SynthError::Usage(format!(
            "refusing to write {shown}: {why}"
        )))
    };
    // Followed through a symbolic link: files are written inside it.
    match fs::metadata(out) {
        Err(_) => return Ok(()),
        Ok(m) if !m.is_dir() => {
            return refuse("it is not a directory (left untouched); choose another --out".into())
        }
        Ok(_) => {}
    }
    if crate::output::staging::is_run_output(out) {
        return refuse(
            "it is a run's output directory (manifest.json); choose another --out".into(),
        );
    }
    let mut present = Vec::new();
    let list = |dir: &Path| -> Result<Vec<(String, bool)>, SynthError> {
        let mut v = Vec::new();
        for e in
            fs::read_dir(dir).map_err(|e| SynthError::Failed(format!("{}: {e}", dir.display())))?
        {
            let e = e.map_err(|e| SynthError::Failed(format!("{}: {e}", dir.display())))?;
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            v.push((e.file_name().to_string_lossy().into_owned(), is_dir));
        }
        Ok(v)
    };
    for (name, is_dir) in list(out)? {
        if is_dir && ["claims", "settlements", "fee_details"].contains(&name.as_str()) {
            for (c, _) in list(&out.join(&name))? {
                present.push(format!("{name}/{c}"));
            }
        } else {
            present.push(name);
        }
    }
    present.sort();
    let Some(first) = present.first() else {
        return Ok(());
    };
    if !force {
        return Err(SynthError::Usage(format!(
            "{shown} is not empty (it holds {first}): give --force to overwrite an earlier generated month there, or choose another --out"
        )));
    }
    let ours = written_names(files);
    if let Some(stray) = present.iter().find(|n| !ours.contains(n)) {
        return refuse(format!(
            "it holds {stray}, which this synth would not write; move it away or choose another --out"
        ));
    }
    Ok(())
}

/// The `synth` subcommand.
pub fn run_cli(a: SynthArgs) -> Result<String, SynthError> {
    let period = Period::parse(&a.period)
        .ok_or_else(|| SynthError::Usage(format!("--period `{}` is not YYYY-MM", a.period)))?;
    let platform = match a.layout.as_str() {
        "claims" => false,
        "platform" => true,
        other => {
            return Err(SynthError::Usage(format!(
                "--layout `{other}` is not claims or platform"
            )))
        }
    };
    check_out(&a.out, a.files, a.force)?;
    // An earlier month of the other layout would be read beside this one.
    for dir in ["claims", "settlements", "fee_details"] {
        let _ = fs::remove_dir_all(a.out.join(dir));
    }
    let persons = a.persons.unwrap_or((a.lines / 12).max(50));
    let s = generate(&a.out, a.lines, persons, a.files, period, a.seed)
        .map_err(|e| SynthError::Failed(format!("{}: {e}", a.out.display())))?;
    // Family sharing (POLICY.md §6a): bindings, so that runs cover groups.
    generate_family(&a.out, s.persons, period, a.seed)
        .map_err(|e| SynthError::Failed(format!("{}: {e}", a.out.display())))?;
    // Hook (--layout platform): the claims rewritten as the platform exports them.
    if platform {
        crate::synth_platform::convert(&a.out)
            .map_err(|e| SynthError::Failed(format!("{}: {e}", a.out.display())))?;
    }
    Ok(format!(
        "wrote {} claim lines in {} claims for {} persons ({:.1} MB of claims) to {}",
        s.lines,
        s.claims,
        s.persons,
        s.bytes as f64 / 1e6,
        a.out.display()
    ))
}

/// Family sharing bindings for a generated month (POLICY.md §6a), written to
/// `<out>/family.csv` beside the members `generate` wrote: about one
/// member in ten is in a household, most of them with one binding (a
/// spouse), some grantors with several beneficiaries (a spouse and a child),
/// and some chains (grandparent → parent → child). Households are runs of
/// consecutive persons; a few cross cities (unusable, as in real exports)
/// and a few end in the middle of the month. Drawn from its own random
/// stream, so the rest of the month is the same with or without it.
/// Returns the number of bindings.
pub fn generate_family(out: &Path, persons: u64, period: Period, seed: u64) -> io::Result<u64> {
    let mut rng = Rng(seed ^ 0x6A69_6174_696E_6767);
    let mut w = BufWriter::new(File::create(out.join("family.csv"))?);
    writeln!(w, "grantor_id,beneficiary_id,relation,valid_from,valid_to")?;
    let mid = format!("{period}-15");
    let mut n = 0u64;
    let mut bind = |w: &mut BufWriter<File>, rng: &mut Rng, g: u64, b: u64, rel: &str| {
        n += 1;
        let to = if rng.chance(0.05) { mid.as_str() } else { "" };
        writeln!(w, "P{g:08},P{b:08},{rel},2023-01-01,{to}")
    };
    // A member on 单建统筹 (no account of its own) is the everyday
    // beneficiary: a household starts before one far more often.
    let pool_only: Vec<bool> = fs::read_to_string(out.join("members.csv"))?
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3) == Some("pool_only"))
        .collect();
    let mut p = 0u64;
    while p + 3 < persons {
        let odds = if pool_only.get(p as usize + 1) == Some(&true) {
            0.5
        } else {
            0.03
        };
        if !rng.chance(odds) {
            p += 1;
            continue;
        }
        match rng.below(100) {
            // One binding: the grantor's account pays for a spouse.
            0..=59 => {
                bind(&mut w, &mut rng, p, p + 1, "spouse")?;
                p += 2;
            }
            // A grantor of several: spouse and child.
            60..=84 => {
                bind(&mut w, &mut rng, p, p + 1, "spouse")?;
                bind(&mut w, &mut rng, p, p + 2, "child")?;
                p += 3;
            }
            // A chain: the child pays for the parent, who pays for the
            // grandparent.
            _ => {
                bind(&mut w, &mut rng, p, p + 1, "parent")?;
                bind(&mut w, &mut rng, p + 1, p + 2, "parent")?;
                p += 3;
            }
        }
    }
    w.flush()?;
    Ok(n)
}
