//! The trace as text, or as Markdown.

use super::*;

// ---------- text and Markdown ----------

/// Lines of a trace: titles, items and sub-items; text indents them,
/// Markdown makes headings and lists of them.
pub(super) struct Doc {
    md: bool,
    out: String,
}

impl Doc {
    fn title(&mut self, level: usize, s: &str) {
        if self.md {
            let _ = writeln!(self.out, "\n{} {s}\n", "#".repeat(level + 1));
        } else if level == 1 {
            let _ = writeln!(self.out, "\n{s}\n{}", "=".repeat(s.chars().count().min(72)));
        } else {
            let _ = writeln!(self.out, "\n{s}");
        }
    }
    fn item(&mut self, s: &str) {
        let _ = writeln!(self.out, "{}{s}", if self.md { "- " } else { "  " });
    }
    fn sub(&mut self, s: &str) {
        let _ = writeln!(self.out, "{}{s}", if self.md { "  - " } else { "      " });
    }
}

pub(super) fn marks(p: &ParamView, lang: Lang) -> String {
    let mut m = String::new();
    if p.provisional {
        m.push_str(&say!(lang, " [暂定]", " [provisional]"));
    }
    if p.overridden {
        m.push_str(&say!(lang, " [已覆盖]", " [overridden]"));
    }
    m
}

pub(super) fn render(doc: &TraceDoc, lang: Lang, md: bool) -> String {
    let mut w = Doc {
        md,
        out: String::new(),
    };
    let (dir, period) = (&doc.run.dir, &doc.run.period);
    let head = say!(
        lang,
        "结算明细说明 — 结算期 {period}, 结算结果目录 {dir}",
        "Settlement trace — period {period}, run {dir}"
    );
    if md {
        let _ = writeln!(w.out, "# {head}");
    } else {
        let _ = writeln!(w.out, "{head}");
    }
    for o in &doc.run.overrides {
        w.item(&say!(lang, "假设调整: {o}", "what-if: {o}"));
    }
    for c in &doc.claims {
        claim_text(&mut w, c, lang);
    }
    w.out
}

/// One claim's trace, section by section as the 结算单 prints them.
pub(super) fn claim_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    head_text(w, c, lang);
    checks_text(w, c, lang);
    lines_text(w, c, lang);
    remote_text(w, c, lang);
    benefit_text(w, c, lang);
    account_text(w, c, lang);
    flags_text(w, c, lang);
    result_text(w, c, lang);
    clearing_text(w, c, lang);
}

/// The claim: who, where, when, and how it was settled.
fn head_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    let (id, p, i, t) = (
        &c.claim_id,
        &c.person_id,
        &c.institution_id,
        &c.service_time,
    );
    w.title(
        1,
        &say!(
            lang,
            "结算 {id} — 参保人 {p}, 机构 {i}, {t}",
            "Claim {id} — person {p}, institution {i}, {t}"
        ),
    );
    let (v, m, st, payee) = (
        names::name_of(lang, &c.visit_type, VisitType::parse),
        names::name_of(lang, &c.settlement_mode, SettlementMode::parse),
        names::status(lang, &c.status),
        names::payee(lang, &c.payee),
    );
    let reasons = if c.reasons.is_empty() {
        "—".to_string()
    } else {
        c.reasons.join(", ")
    };
    w.item(&say!(
        lang,
        "就诊类型 {v}, 结算方式 {m}; 结果 {st}, 原因 {reasons}; 支付对象 {payee}",
        "visit {v}, settlement {m}; status {st}, reasons {reasons}; payee {payee}"
    ));
    if let Some(s) = &c.submitted_date {
        w.item(&say!(lang, "申报日期 {s}", "handed in {s}"));
    }
    match &c.rules {
        Some(r) => {
            let (city, from, file, k) = (&r.city, &r.in_force_from, &r.file, r.version + 1);
            w.item(&say!(
                lang,
                "适用规则: {city} 第 {k} 版, 自 {from} 起施行 ({file})",
                "rules: {city} version {k}, in force from {from} ({file})"
            ));
        }
        None => w.item(&say!(
            lang,
            "适用规则: 无 (参保人未知或无有效规则)",
            "rules: none (unknown member or no rules in force)"
        )),
    }
}

/// 1. The checks, in order.
fn checks_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    w.title(
        2,
        &say!(
            lang,
            "一、结算检查 (POLICY §8, §2 依次)",
            "1. Claim checks (POLICY §8, then §2 in order)"
        ),
    );
    for s in &c.checks {
        let mark = match (s.outcome, lang) {
            ("passed", Lang::Zh) => "通过",
            ("passed", Lang::En) => "passed",
            ("decided", Lang::Zh) => "决定",
            ("decided", Lang::En) => "DECIDED",
            (_, Lang::Zh) => "未检查",
            (_, Lang::En) => "not reached",
        };
        if s.outcome == "not_reached" {
            w.item(&format!("[{mark}] {}", s.rule));
        } else {
            w.item(&format!("[{mark}] {}: {}", s.rule, s.compared));
            w.sub(&format!("{} {}", say!(lang, "依据", "article:"), s.article));
        }
    }
}

/// 2. The lines and the rules applied to each.
fn lines_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    w.title(2, &say!(lang, "二、费用明细", "2. Lines"));
    if !c.line_rules_applied {
        w.item(&say!(
            lang,
            "结算已由上述检查决定, 明细不再逐条审核, 全部不予统筹支付",
            "the claim was decided by the checks above: line rules not applied, nothing eligible"
        ));
    }
    for l in &c.lines {
        let (no, code, q, pr, a) = (
            l.line_no,
            &l.item_code,
            &l.quantity,
            &l.unit_price,
            &l.amount,
        );
        let cat = match l.catalogue.entry {
            "none" => say!(lang, "目录: 无", "catalogue: none"),
            e => {
                let region = l.catalogue.region.as_deref().unwrap_or_default();
                let kind = l.catalogue.kind.as_deref().unwrap_or_default();
                let kind = names::name_of(lang, kind, ItemKind::parse);
                let class = l.catalogue.class.as_deref().unwrap_or_default();
                match (e, lang) {
                    ("local", Lang::Zh) => {
                        format!("目录: 就医地 {region} 条目, {kind}, {class} 类")
                    }
                    ("local", Lang::En) => {
                        format!("catalogue: local entry ({region}), {kind}, class {class}")
                    }
                    (_, Lang::Zh) => format!("目录: 通用条目, {kind}, {class} 类"),
                    (_, Lang::En) => format!("catalogue: general entry, {kind}, class {class}"),
                }
            }
        };
        let days = l
            .supply_days
            .map(|d| say!(lang, ", 用药 {d} 天", ", {d} days supplied"))
            .unwrap_or_default();
        w.item(&say!(
            lang,
            "第 {no} 行 {code}: {q} × {pr} = {a}{days}; {cat}",
            "line {no} {code}: {q} × {pr} = {a}{days}; {cat}"
        ));
        for s in &l.steps {
            let (rule, moved, base, detail, art) =
                (&s.rule, &s.moved, &s.base_after, &s.detail, &s.article);
            w.sub(&say!(
                lang,
                "{rule}: 移出 {moved}, 余 {base} — {detail} ({art})",
                "{rule}: moves {moved}, base after {base} — {detail} ({art})"
            ));
        }
        let e = &l.eligible;
        w.sub(&say!(lang, "计入可报费用 {e}", "eligible {e}"));
    }
}

/// 3. Remote care.
fn remote_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    if let Some(r) = &c.remote {
        w.title(2, &say!(lang, "三、异地就医", "3. Remote care"));
        w.item(&r.why);
        if let Some(reg) = &r.registration {
            w.item(&say!(lang, "备案: {reg}", "registration: {reg}"));
        }
        if let Some(s) = &r.prepay_share {
            let (val, art, mk, pp) = (&s.value, &s.article, marks(s, lang), &r.prepay);
            w.item(&say!(
                lang,
                "先行支付比例 {val}{mk}: 个人先付 {pp} ({art})",
                "share paid first {val}{mk}: the member pays {pp} first ({art})"
            ));
        }
    }
}

/// 4. Deductible, ratio and cap (or why the pool paid nothing).
fn benefit_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    if let Some(b) = &c.benefit {
        w.title(
            2,
            &say!(
                lang,
                "四、起付线、支付比例与年度限额",
                "4. Deductible, ratio and annual cap"
            ),
        );
        let (y, dm, pp) = (b.year, &b.deductible_met_before, &b.pool_paid_before);
        w.item(&say!(
            lang,
            "{y} 年此前累计: 起付已计 {dm}, 统筹已付 {pp}",
            "{y} year to date before this claim: deductible met {dm}, pool paid {pp}"
        ));
        let (el, dv, dmk, da, dart) = (
            &b.eligible,
            &b.deductible.value,
            marks(&b.deductible, lang),
            &b.deductible_applied,
            &b.deductible.article,
        );
        w.item(&say!(
            lang,
            "可报费用 {el}; 起付标准 {dv}{dmk}, 本次计入 {da} ({dart})",
            "eligible {el}; deductible {dv}{dmk}, {da} taken by this claim ({dart})"
        ));
        if let Some(r) = &b.ratio {
            let (rv, rmk, src, art) = (&r.value, marks(r, lang), &b.ratio_source, &r.article);
            w.item(&say!(
                lang,
                "支付比例 {rv}{rmk}: {src} ({art})",
                "ratio {rv}{rmk}: {src} ({art})"
            ));
            let raw = &b.raw;
            w.sub(&say!(
                lang,
                "({el} − {da}) × {rv} = {raw}",
                "({el} − {da}) × {rv} = {raw}"
            ));
        }
        let (cv, cmk, room, cut, fund, art) = (
            &b.cap.value,
            marks(&b.cap, lang),
            &b.cap_room,
            &b.cap_cut,
            &b.fund_pay,
            &b.cap.article,
        );
        w.item(&say!(
            lang,
            "年度限额 {cv}{cmk}, 尚余 {room}; 削减 {cut}; 统筹支付 {fund} ({art})",
            "annual cap {cv}{cmk}, {room} left; cut {cut}; fund pays {fund} ({art})"
        ));
        let (ma, pa) = (&b.deductible_met_after, &b.pool_paid_after);
        w.item(&say!(
            lang,
            "本次后累计: 起付已计 {ma}, 统筹已付 {pa}",
            "after this claim: deductible met {ma}, pool paid {pa}"
        ));
    }

    if c.benefit.is_none() && c.status == "pool_denied" {
        w.title(
            2,
            &say!(
                lang,
                "四、起付线、支付比例与年度限额",
                "4. Deductible, ratio and annual cap"
            ),
        );
        w.item(&say!(
            lang,
            "统筹不予支付 (pool_denied): 不计起付线, 不计年度累计",
            "the pool pays nothing (pool_denied): no deductible taken, year-to-date totals unchanged"
        ));
    }
}

/// 5. The personal account and cash.
fn account_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    if let Some(a) = &c.account {
        w.title(
            2,
            &say!(lang, "五、个人账户与现金", "5. Personal account and cash"),
        );
        let (ty, sv, smk, sart, bb, ap, ba, cash) = (
            &names::name_of(lang, &a.account_type, AccountType::parse),
            &a.scope.value,
            marks(&a.scope, lang),
            &a.scope.article,
            &a.balance_before,
            &a.own_account_pay,
            &a.balance_after,
            &a.cash_pay,
        );
        w.item(&say!(
            lang,
            "账户类型 {ty}, 支付范围 {sv}{smk} ({sart})",
            "account {ty}, scope {sv}{smk} ({sart})"
        ));
        w.item(&say!(
            lang,
            "余额 {bb} → 账户支付 {ap} → 余额 {ba}; 现金 {cash}",
            "balance {bb} → account pays {ap} → balance {ba}; cash {cash}"
        ));
        // Family sharing (POLICY.md §6a).
        if !a.family_payers.is_empty() {
            let (fam, payers) = (&a.family_account_pay, &a.family_payers);
            w.item(&say!(
                lang,
                "家庭共济 (POLICY §6a): 授权人账户支付 {fam} ({payers})",
                "family sharing (POLICY §6a): grantors' accounts pay {fam} ({payers})"
            ));
        }
    }
}

/// 6. The pattern flags.
fn flags_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    w.title(
        2,
        &say!(
            lang,
            "六、疑点 (不影响支付)",
            "6. Flags (payment unchanged)"
        ),
    );
    if c.flags.is_empty() {
        w.item(&say!(lang, "无", "none"));
    }
    for f in &c.flags {
        let at = f
            .line_no
            .map(|n| say!(lang, " 第 {n} 行", " line {n}"))
            .unwrap_or_default();
        let (rule, amt, detail, art) = (&f.rule, &f.amount, &f.detail, &f.article);
        w.item(&format!("{rule}{at} ({amt}): {detail} ({art})"));
    }
}

/// 7. The result, added up.
fn result_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    let g = &c.figures;
    w.title(2, &say!(lang, "七、结算结果", "7. Result"));
    let ratio = g.ratio.as_deref().unwrap_or("—");
    let (total, ex, bs, rp, el) = (
        &g.total,
        &g.excluded,
        &g.b_selfpay,
        &g.remote_prepay,
        &g.eligible,
    );
    w.item(&say!(
        lang,
        "总费用 {total} = 不予支付 {ex} + 乙类先自付 {bs} + 异地先付 {rp} + 可报 {el}",
        "total {total} = excluded {ex} + class-B self-paid {bs} + remote prepay {rp} + eligible {el}"
    ));
    let (da, cut) = (&g.deductible_applied, &g.cap_cut);
    w.item(&say!(
        lang,
        "起付 {da}, 比例 {ratio}, 限额削减 {cut}",
        "deductible {da}, ratio {ratio}, cap cut {cut}"
    ));
    let (f, a, cash) = (&g.fund_pay, &g.account_pay, &g.cash_pay);
    w.item(&say!(
        lang,
        "统筹支付 {f} + 个人账户 {a} + 现金 {cash} = {total}",
        "fund {f} + account {a} + cash {cash} = {total}"
    ));
}

/// Section 8, clearing (POLICY §10): what the settlement declared against
/// the result, for a run on the platform layout.
fn clearing_text(w: &mut Doc, c: &ClaimTrace, lang: Lang) {
    let Some(t) = &c.clearing else { return };
    w.title(
        2,
        &say!(
            lang,
            "八、清算: 结算申报与核定 (POLICY §10)",
            "8. Clearing: declared against adjudicated (POLICY §10)"
        ),
    );
    for f in &t.fields {
        let Some(v) = &f.declared else { continue };
        let (field, column, a) = (&f.declared_field, &f.column, &f.adjudicated);
        let mark = if f.differs { " ≠" } else { "" };
        w.item(&say!(
            lang,
            "申报 {field} {v}, 核定 {column} {a}{mark}",
            "{field} {v} declared, {column} {a} adjudicated{mark}"
        ));
    }
    if let (Some(d), Some(s)) = (&t.deduction, &t.shortfall) {
        w.item(&say!(
            lang,
            "审核扣款 {d}, 基金应补 {s}",
            "deduction {d}, shortfall {s}"
        ));
    }
    match &t.finding {
        Some(f) => {
            let (rule, amt, detail, art) = (&f.rule, &f.amount, &f.detail, &f.article);
            w.item(&format!("{rule} ({amt}): {detail} ({art})"));
        }
        None => w.item(&say!(
            lang,
            "申报与核定一致",
            "the settlement matches the adjudication"
        )),
    }
}
