//! A small world for policy tests: the shipped rule files, a handful of
//! institutions and catalogue items, and builders for members and claims.

use rust_decimal::Decimal;
use std::str::FromStr;
use tongchou::adjudicate::{adjudicate_person, ClaimDecision, Context, Lang, RuleId};
use tongchou::date::{Date, DateTime};
use tongchou::input::{Catalogue, Reference};
use tongchou::model::*;

pub fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("a decimal literal")
}

pub fn date(s: &str) -> Date {
    Date::parse(s).expect("a date literal")
}

pub struct World {
    pub r: Reference,
    pub prior: tongchou::input::Prior,
}

fn inst(id: &str, city: &str, kind: InstitutionKind, level: Option<u8>) -> Institution {
    Institution {
        institution_id: id.into(),
        name: String::new(),
        city: city.into(),
        kind,
        level,
        outpatient_pooling: true,
        remote_settlement: true,
        valid_from: None,
        valid_to: None,
    }
}

fn item(code: &str, kind: ItemKind, class: ItemClass) -> CatalogueEntry {
    CatalogueEntry {
        item_code: code.into(),
        region: None,
        kind,
        class,
        b_selfpay_share: None,
        special_management: false,
        price_cap: None,
    }
}

impl World {
    pub fn new() -> World {
        use InstitutionKind::*;
        let rules = tongchou::rules::load_dir(&crate::workdir::repo().join("samples/rules"))
            .expect("shipped rules load");
        let mut institutions = tongchou::input::IdMap::default();
        for i in [
            inst("SY-H3", "shiyan", Hospital, Some(3)),
            inst("SY-H2", "shiyan", Hospital, Some(2)),
            inst("SY-C", "shiyan", Clinic, None),
            inst("SY-I3", "shiyan", InternetHospital, Some(3)),
            inst("SY-P", "shiyan", Pharmacy, None),
            inst("SY-P2", "shiyan", Pharmacy, None),
            inst("EZ-H2", "ezhou", Hospital, Some(2)),
            inst("EZ-P", "ezhou", Pharmacy, None),
            inst("WH-H3", "wuhan", Hospital, Some(3)),
            inst("BJ-H3", "beijing", Hospital, Some(3)),
            inst("SH-P", "shanghai", Pharmacy, None),
        ] {
            institutions.insert(i.institution_id.clone(), i);
        }
        let mut catalogue = Catalogue::default();
        let mut add = |e: CatalogueEntry| assert!(catalogue.insert(e));
        add(item("A1", ItemKind::Drug, ItemClass::A));
        add(item("SVC", ItemKind::Service, ItemClass::A));
        add(item("B1", ItemKind::Drug, ItemClass::B));
        add(CatalogueEntry {
            b_selfpay_share: Some(d("0.20")),
            ..item("B20", ItemKind::Drug, ItemClass::B)
        });
        add(item("C1", ItemKind::Drug, ItemClass::C));
        add(item("SOAP", ItemKind::NonMedical, ItemClass::C));
        add(CatalogueEntry {
            special_management: true,
            ..item("SM", ItemKind::Drug, ItemClass::A)
        });
        add(CatalogueEntry {
            price_cap: Some(d("10.00")),
            ..item("CAPPED", ItemKind::Drug, ItemClass::A)
        });
        add(item("LOC", ItemKind::Drug, ItemClass::A));
        add(CatalogueEntry {
            region: Some("wuhan".into()),
            ..item("LOC", ItemKind::Drug, ItemClass::C)
        });
        add(CatalogueEntry {
            region: Some("beijing".into()),
            ..item("BJONLY", ItemKind::Drug, ItemClass::A)
        });
        World {
            prior: tongchou::input::Prior::default(),
            r: Reference {
                members: Default::default(),
                institutions,
                catalogue,
                stays: Default::default(),
                rules,
                family: Default::default(),
            },
        }
    }

    /// Add a member with a large account; returns it for tweaking (kept
    /// in the members when the returned handle is dropped).
    pub fn member(&mut self, id: &str, city: &str, category: Category) -> MemberMut<'_> {
        let row = match self.r.members.get(id) {
            Some(m) => MemberRow {
                person_id: m.person_id.into(),
                city: m.city.into(),
                category: m.category,
                account_type: m.account_type,
                account_balance: m.account_balance,
                benefit_from: m.benefit_from,
                benefit_to: m.benefit_to,
                remote: m.remote.cloned(),
            },
            None => MemberRow {
                person_id: id.into(),
                city: city.into(),
                category,
                account_type: AccountType::WithAccount,
                account_balance: d("10000.00"),
                benefit_from: date("2010-01-01"),
                benefit_to: None,
                remote: None,
            },
        };
        MemberMut { world: self, row }
    }

    pub fn institution(&mut self, id: &str) -> &mut Institution {
        self.r
            .institutions
            .get_mut(id)
            .expect("a fixture institution")
    }

    /// Adjudicate one person's claims, starting from `ledger`.
    pub fn run(
        &self,
        person: &str,
        claims: &[Claim],
        ledger: Option<LedgerEntry>,
    ) -> Vec<ClaimDecision> {
        let cx = Context {
            reference: &self.r,
            prior: &self.prior,
            lang: Lang::En,
        };
        let mut refs: Vec<&Claim> = claims.iter().collect();
        let years: Vec<LedgerYear> = ledger.iter().map(LedgerEntry::year_row).collect();
        let out = adjudicate_person(&cx, person, &mut refs, &years);
        for dec in &out.decisions {
            assert_eq!(
                dec.total,
                dec.fund_pay + dec.account_pay + dec.cash_pay,
                "{}: total = fund + account + cash",
                dec.claim_id
            );
            assert_eq!(
                dec.total,
                dec.excluded + dec.b_selfpay + dec.remote_prepay + dec.eligible,
                "{}: total split",
                dec.claim_id
            );
        }
        out.decisions
    }

    pub fn one(&self, claim: Claim) -> ClaimDecision {
        let p = claim.person_id.clone();
        self.run(&p, &[claim], None).remove(0)
    }
}

/// A member being added to a [`World`]: stored when dropped.
pub struct MemberMut<'w> {
    world: &'w mut World,
    row: MemberRow,
}

impl std::ops::Deref for MemberMut<'_> {
    type Target = MemberRow;
    fn deref(&self) -> &MemberRow {
        &self.row
    }
}

impl std::ops::DerefMut for MemberMut<'_> {
    fn deref_mut(&mut self) -> &mut MemberRow {
        &mut self.row
    }
}

impl Drop for MemberMut<'_> {
    fn drop(&mut self) {
        let row = self.row.clone();
        self.world
            .r
            .members
            .set(row)
            .expect("a fixture member fits");
    }
}

/// A ledger row: deductible already met this year and `pool_paid` paid.
pub fn met(person: &str, year: i32, deductible_met: &str, pool_paid: &str) -> LedgerEntry {
    LedgerEntry {
        person_id: person.into(),
        year,
        deductible_met: d(deductible_met),
        pool_paid: d(pool_paid),
        claims: 1,
    }
}

/// A claim builder: `claim("C1", "P1", "SY-H2", "2024-03-04").line("A1", "1", "800.00")`.
pub fn claim(id: &str, person: &str, inst: &str, day: &str) -> Claim {
    Claim {
        claim_id: id.into(),
        person_id: person.into(),
        institution_id: inst.into(),
        service_time: DateTime {
            date: date(day),
            seconds: 9 * 3600,
        },
        visit_type: VisitType::General,
        settlement_mode: SettlementMode::Direct,
        submitted_date: None,
        exclusion: None,
        reverses_claim_id: None,
        lines: Vec::new(),
    }
}

pub trait ClaimExt {
    fn line(self, item: &str, qty: &str, price: &str) -> Claim;
    fn rx(self, prescriber: &str) -> Claim;
    fn with(self, f: impl FnOnce(&mut Claim)) -> Claim;
}

impl ClaimExt for Claim {
    /// Add a line; amount = quantity × price (rounded to fen).
    fn line(mut self, item: &str, qty: &str, price: &str) -> Claim {
        let amount = tongchou::money::round2(d(qty) * d(price));
        self.lines.push(ClaimLine {
            line_no: self.lines.len() as u32 + 1,
            item_code: item.into(),
            quantity: d(qty),
            unit_price: d(price),
            amount,
            prescription_id: None,
            prescriber_id: None,
            supply_days: None,
        });
        self
    }

    /// Give every line a prescription written by `prescriber`.
    fn rx(mut self, prescriber: &str) -> Claim {
        for l in &mut self.lines {
            l.prescription_id = Some("RX1".into());
            l.prescriber_id = Some(prescriber.into());
        }
        self
    }

    fn with(mut self, f: impl FnOnce(&mut Claim)) -> Claim {
        f(&mut self);
        self
    }
}

/// The rule ids of findings at `line_no` (None = claim level).
pub fn rules_at(dec: &ClaimDecision, line_no: Option<u32>) -> Vec<RuleId> {
    dec.findings
        .iter()
        .filter(|f| f.line_no == line_no)
        .map(|f| f.rule)
        .collect()
}
