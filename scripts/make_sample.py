#!/usr/bin/env python3
"""Write samples/data: the hand-made sample month (2024-03) of three cities.

The scenario claims below were designed by hand, one or more per rule id of
POLICY.md §2-§8 (samples/README.md lists them); the filler claims around them
are drawn from a fixed seed so that the month has a realistic mix. The CSV
files are committed; this script documents how they were made and rewrites
them identically.
"""
import csv, io, os, random, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "data")
rng = random.Random(20240301)

INSTITUTIONS = [
    # id, name, city, kind, level, pooling, remote, valid_from, valid_to
    ("SY-H3", "十堰市人民医院", "shiyan", "hospital", 3, "true", "false", "2023-01-01", ""),
    ("SY-H2", "十堰市郧阳区人民医院", "shiyan", "hospital", 2, "true", "false", "", ""),
    ("SY-C1", "茅箭区二堰社区卫生服务站", "shiyan", "clinic", "", "true", "false", "", ""),
    ("SY-I3", "十堰市人民医院互联网医院", "shiyan", "internet_hospital", 3, "true", "false", "", ""),
    ("SY-P1", "十堰益康大药房", "shiyan", "pharmacy", "", "true", "false", "", ""),
    ("SY-P2", "十堰百姓药店", "shiyan", "pharmacy", "", "false", "false", "", ""),
    ("SY-H2X", "十堰市某协议终止医院", "shiyan", "hospital", 2, "true", "false", "2023-01-01", "2024-02-29"),
    ("EZ-H3", "鄂州市中心医院", "ezhou", "hospital", 3, "是", "否", "", ""),
    ("EZ-H2", "鄂州市第三医院", "ezhou", "hospital", 2, "是", "否", "", ""),
    ("EZ-C1", "鄂城区凤凰街道社区卫生服务中心", "ezhou", "clinic", "", "是", "否", "", ""),
    ("EZ-P1", "鄂州同济堂药房", "ezhou", "pharmacy", "", "是", "否", "", ""),
    ("WH-H3", "武汉协和医院", "wuhan", "hospital", 3, "1", "1", "", ""),
    ("WH-H2", "武汉市第九医院", "wuhan", "hospital", 2, "1", "1", "", ""),
    ("WH-C1", "江汉区唐家墩社区卫生服务中心", "wuhan", "clinic", "", "1", "0", "", ""),
    ("WH-P1", "武汉国大药房", "wuhan", "pharmacy", "", "1", "0", "", ""),
    ("WH-I2", "武汉某互联网医院", "wuhan", "internet_hospital", 2, "1", "0", "", ""),
    ("BJ-H3", "北京协和医院", "beijing", "hospital", 3, "Y", "Y", "", ""),
    ("BJ-H2N", "北京某二级医院", "beijing", "hospital", 2, "Y", "N", "", ""),
    ("SH-P1", "上海某大药房", "shanghai", "pharmacy", "", "Y", "N", "", ""),
    ("GZ-H3", "广州中山一院", "guangzhou", "hospital", 3, "Y", "Y", "", ""),
]

CATALOGUE = [
    # code, region, name, kind, class, b_share, special, price_cap, typical unit price
    ("D001", "", "阿莫西林胶囊", "drug", "A", "", "", "", "12.50"),
    ("D002", "", "阿托伐他汀钙片", "drug", "B", "", "", "", "36.80"),
    ("D003", "", "瑞舒伐他汀钙片", "drug", "B", "0.20", "", "", "45.00"),
    ("D004", "", "某进口保健药(自费)", "drug", "C", "", "", "", "88.00"),
    ("D005", "", "盐酸曲马多片", "drug", "A", "", "true", "", "20.00"),
    ("D006", "", "硝苯地平控释片", "drug", "A", "", "", "10.00", "10.00"),
    ("D007", "", "二甲双胍缓释片", "drug", "A", "", "", "", "15.00"),
    ("D007", "wuhan", "二甲双胍缓释片(武汉)", "drug", "B", "0.05", "", "", "15.00"),
    ("D008", "beijing", "北京地方增补药", "drug", "A", "", "", "", "30.00"),
    ("S001", "", "普通门诊诊查费", "service", "A", "", "", "", "10.00"),
    ("S002", "", "彩色多普勒超声检查", "service", "B", "", "", "", "160.00"),
    ("S003", "", "血常规", "service", "A", "", "", "", "25.00"),
    ("F001", "", "门诊留观床位费", "facility", "A", "", "", "", "30.00"),
    ("M001", "", "一次性输液器", "material", "B", "", "", "", "8.00"),
    ("N001", "", "洗发水", "non_medical", "C", "", "", "", "39.90"),
]
PRICE = {c[0]: c[8] for c in CATALOGUE}

MEMBERS = []  # person_id, city, category, account_type, balance, from, to, rtype, rcity, rfrom, rto
def member(pid, city, cat, acct, bal, bfrom="2015-01-01", bto="", rtype="", rcity="", rfrom="", rto=""):
    MEMBERS.append((pid, city, cat, acct, bal, bfrom, bto, rtype, rcity, rfrom, rto))

# Scenario members.
member("SY0001", "shiyan", "retired", "with_account", "600.00")      # the policy example: level 2, eligible 800
member("SY0002", "shiyan", "employed", "with_account", "50.00")      # cap reached at a clinic; small account
member("SY0003", "shiyan", "employed", "pool_only", "")               # no personal account
member("SY0004", "shiyan", "retired", "with_account", "300.00", bto="2024-02-29")  # benefits ended
member("SY0005", "shiyan", "employed", "with_account", "200.00")     # inpatient overlap
member("SY0006", "shiyan", "retired", "with_account", "900.00")      # pharmacy purchases
member("SY0007", "shiyan", "employed", "with_account", "100.00")     # manual claims
member("SY0008", "shiyan", "employed", "with_account", "400.00")     # card lending pattern
member("EZ0001", "ezhou", "retired", "with_account", "500.00")       # pharmacy fixed 68%
member("EZ0002", "ezhou", "employed", "with_account", "500.00")      # pharmacy fixed 60%
member("WH0001", "wuhan", "employed", "with_account", "800.00")      # unregistered in Beijing: 10% first
member("WH0002", "wuhan", "retired", "with_account", "800.00", rtype="relocated_retiree", rcity="guangzhou", rfrom="2020-06-01")
member("WH0003", "wuhan", "employed", "with_account", "300.00", rtype="temporary", rcity="beijing", rfrom="2024-03-01", rto="2024-08-31")
member("WH0004", "wuhan", "retired", "with_account", "1000.00")      # duplicates and mismatch
member("WH0005", "wuhan", "employed", "with_account", "300.00")      # remote pharmacy, not networked
member("WH0006", "wuhan", "employed", "with_account", "500.00", bfrom="2024-03-20")  # benefits start late
member("SY0009", "shiyan", "employed", "with_account", "300.00")     # visits every day
member("EZ0003", "ezhou", "employed", "with_account", "400.00")      # split visit
member("WH0007", "wuhan", "retired", "with_account", "600.00")       # early refill
# Filler members.
for city, pre, n in (("shiyan", "SY", 22), ("ezhou", "EZ", 14), ("wuhan", "WH", 22)):
    for i in range(10, 10 + n):
        cat = "retired" if rng.random() < 0.4 else "employed"
        acct = "pool_only" if rng.random() < 0.12 else "with_account"
        bal = "" if acct == "pool_only" else "%d.%02d" % (rng.randint(0, 2500), rng.choice([0, 0, 50, 18, 75]))
        member("%s%04d" % (pre, i), city, cat, acct, bal)

STAYS = [
    ("SY0005", "SY-H3", "2024-03-10", "2024-03-15"),
    ("EZ0013", "EZ-H3", "2024-03-28", ""),  # still in hospital at month end
]

claims = []  # list of dicts (one per line)
seq = {"n": 0}

def claim(person, inst, time, visit="general", lines=(), mode="", submitted="", exclusion="", reverses="", cid=None, prescriber=""):
    if cid is None:
        seq["n"] += 1
        cid = "%s2403%05d" % (inst.split("-")[0] if inst else "XX", seq["n"])
    for no, (item, qty, price, amount, *rest) in enumerate(lines, start=1):
        opts = rest[0] if rest else {}
        claims.append({
            "claim_id": cid, "line_no": str(no), "person_id": person, "institution_id": inst,
            "service_time": time, "visit_type": visit, "item_code": item,
            "item_name": next((c[2] for c in CATALOGUE if c[0] == item), "未知项目"),
            "quantity": qty, "unit_price": price, "amount": amount,
            "prescription_id": opts.get("rx", ""), "prescriber_id": opts.get("prescriber", prescriber if opts.get("rx") else ""),
            "supply_days": opts.get("days", ""), "settlement_mode": mode, "submitted_date": submitted,
            "exclusion": exclusion, "reverses_claim_id": reverses,
        })
    return cid

def L(item, qty, price=None, amount=None, **opts):
    price = price or PRICE[item]
    amount = amount or "%.2f" % (round(float(price) * float(qty) * 100) / 100)
    return (item, str(qty), price, amount, opts)

# ---- Scenario claims (see samples/README.md) ----
# The policy example: Shiyan retiree, level-2 hospital, eligible 800, nothing towards the deductible.
claim("SY0001", "SY-H2", "2024-03-04 09:12:00", lines=[L("S001", 1, "10.00", "10.00"), L("D001", 4, "12.50", "50.00"), L("F001", 1, "740.00", "740.00")], cid="SC-EXAMPLE")
# Cap: Shiyan employed at a clinic, two claims; the second is cut by the 3000 cap.
claim("SY0002", "SY-C1", "2024-03-05 10:00:00", lines=[L("S003", 100, "25.00", "2500.00")], cid="SC-CAP-1")
claim("SY0002", "SY-C1", "2024-03-19 10:00:00", lines=[L("S003", 80, "25.00", "2000.00")], cid="SC-CAP-2")
# Pool-only member: no personal account.
claim("SY0003", "SY-H3", "2024-03-06 08:30:00", lines=[L("S001", 1), L("D002", 2)], cid="SC-POOLONLY")
# Outside benefit period (ended 2024-02-29) and not yet started (from 2024-03-20).
claim("SY0004", "SY-H2", "2024-03-07 09:00:00", lines=[L("S001", 1), L("D001", 2)], cid="SC-BENEFIT-ENDED")
claim("WH0006", "WH-H2", "2024-03-08 09:00:00", lines=[L("S001", 1)], cid="SC-BENEFIT-NOTYET")
# Unknown member, unknown institution.
claim("XX9999", "SY-H3", "2024-03-08 11:00:00", lines=[L("S001", 1), L("D001", 1)], cid="SC-NOMEMBER")
claim("SY0003", "SY-H9", "2024-03-09 11:00:00", lines=[L("S001", 1)], cid="SC-NOINST")
# Excluded cause: third party (a fight), work injury.
claim("SY0008", "SY-H3", "2024-03-02 20:00:00", visit="emergency", lines=[L("S001", 1), L("M001", 3)], exclusion="third_party", cid="SC-EXCL-3P")
claim("WH0004", "WH-H3", "2024-03-03 08:00:00", visit="emergency", lines=[L("S002", 1)], exclusion="work_injury", cid="SC-EXCL-WI")
# Manual claims of a Shiyan member: remote care in Beijing handed in too late (service 2022-12-31,
# deadline 2023-03-31, 十堰 第十八条), and one at home in time (no deadline at home in the sources).
claim("SY0007", "BJ-H3", "2022-12-31 09:00:00", lines=[L("S001", 1), L("S002", 1)], mode="manual", submitted="2024-03-05", cid="SC-MANUAL-LATE")
claim("SY0007", "SY-H2", "2024-02-20 09:00:00", lines=[L("S001", 1), L("D002", 10)], mode="manual", submitted="2024-03-11", cid="SC-MANUAL-OK")
# Institution whose agreement ended.
claim("SY0008", "SY-H2X", "2024-03-11 09:00:00", lines=[L("S001", 1), L("D001", 2)], cid="SC-NOTDESIGNATED")
# Other benefits: chronic, two diseases, maternity, dual channel.
claim("SY0006", "SY-H3", "2024-03-12 09:00:00", visit="chronic", lines=[L("D002", 6)], cid="SC-ROUTE-CHRONIC")
claim("EZ0001", "EZ-H2", "2024-03-12 10:00:00", visit="two_diseases", lines=[L("D007", 4)], cid="SC-ROUTE-2D")
claim("WH0003", "WH-H3", "2024-03-13 10:00:00", visit="maternity", lines=[L("S002", 1)], cid="SC-ROUTE-MAT")
claim("WH0004", "WH-P1", "2024-03-13 15:00:00", visit="dual_channel", lines=[L("D003", 2, rx="RX-DC1", prescriber="WH-H3")], cid="SC-ROUTE-DUAL")
# Not a pooling institution: the account still pays.
claim("SY0006", "SY-P2", "2024-03-14 16:00:00", lines=[L("D001", 2, rx="RX-SY-01", prescriber="SY-H3")], cid="SC-NOTPOOLING")
# Inpatient overlap (stay 2024-03-10..15).
claim("SY0005", "SY-C1", "2024-03-12 09:00:00", lines=[L("S001", 1), L("D002", 2)], cid="SC-INPATIENT")
# Remote pharmacy (Shanghai) and remote hospital not networked (Beijing level 2).
claim("WH0005", "SH-P1", "2024-03-15 10:00:00", lines=[L("D001", 2, rx="RX-SH-1", prescriber="BJ-H3")], cid="SC-REMOTE-PHARM")
claim("WH0005", "BJ-H2N", "2024-03-16 10:00:00", lines=[L("S001", 1), L("S003", 2)], cid="SC-REMOTE-NONET")
# Manual claim at the same non-networked hospital: allowed, with the 10% remote prepay.
claim("WH0005", "BJ-H2N", "2024-03-17 10:00:00", lines=[L("S001", 1), L("S002", 2)], mode="manual", submitted="2024-03-25", cid="SC-REMOTE-MANUAL")
# Shiyan pharmacy: prescriber missing, prescriber a pharmacy, prescriber a level-2 hospital.
claim("SY0006", "SY-P1", "2024-03-18 09:30:00", lines=[L("D001", 2, rx="RX-SY-02")], cid="SC-RX-NOPRESCRIBER")
claim("SY0006", "SY-P1", "2024-03-18 11:30:00", lines=[L("D001", 2, rx="RX-SY-03", prescriber="SY-P2")], cid="SC-RX-PHARMACY")
claim("SY0006", "SY-P1", "2024-03-20 09:30:00", lines=[
    L("D002", 10, rx="RX-SY-04", prescriber="SY-H2"),
    L("N001", 1),                                    # daily goods: never payable
    L("D001", 2),                                    # no prescription
    L("D005", 1, rx="RX-SY-04", prescriber="SY-H2"), # special management at a pharmacy
    L("D007", 6, rx="RX-SY-04", prescriber="SY-H2", days=90),  # 90 days > 84
], cid="SC-PHARMACY-LINES")
# Ezhou pharmacy: fixed 68% retired / 60% employed.
claim("EZ0001", "EZ-P1", "2024-03-21 10:00:00", lines=[L("D001", 40, rx="RX-EZ-1", prescriber="EZ-H2"), L("D006", 30, "12.00", "360.00", rx="RX-EZ-1", prescriber="EZ-H2")], cid="SC-EZ-PHARM-RET")
claim("EZ0002", "EZ-P1", "2024-03-21 11:00:00", lines=[L("D003", 20, rx="RX-EZ-2", prescriber="EZ-C1"), L("D004", 1)], cid="SC-EZ-PHARM-EMP")
# Remote: Wuhan member unregistered in Beijing pays 10% first; local catalogue entry D008.
claim("WH0001", "BJ-H3", "2024-03-22 09:00:00", lines=[L("S001", 1), L("S002", 3), L("D008", 10)], cid="SC-REMOTE-PREPAY")
# Remote: temporary registration in Beijing still pays 10% first.
claim("WH0003", "BJ-H3", "2024-03-22 14:00:00", lines=[L("S001", 1), L("S003", 30)], cid="SC-REMOTE-TEMP")
# Remote: relocated retiree in Guangzhou follows Wuhan's own rules; D008 not in catalogue there.
claim("WH0002", "GZ-H3", "2024-03-23 09:00:00", lines=[L("S001", 1), L("S002", 5), L("D008", 1)], cid="SC-REMOTE-REG")
# Wuhan local entry: D007 is class B (5%) in Wuhan.
claim("WH0002", "WH-H2", "2024-03-04 09:00:00", lines=[L("D007", 30), L("D004", 2)], cid="SC-LOCAL-ENTRY")
# Price cap: D006 at 12.00 above the 10.00 standard; amount mismatch: 3 × 25.00 billed 80.00.
claim("WH0004", "WH-H3", "2024-03-05 09:00:00", lines=[L("D006", 30, "12.00", "360.00"), L("S003", 3, "25.00", "80.00"), L("D003", 10)], cid="SC-PRICECAP")
# Duplicate line: the same item, quantity and amount billed again in a later claim the same day.
claim("WH0004", "WH-H2", "2024-03-26 09:00:00", lines=[L("S001", 1), L("S002", 1)], cid="SC-DUP-1")
claim("WH0004", "WH-H2", "2024-03-26 15:00:00", lines=[L("S002", 1), L("D001", 1)], cid="SC-DUP-2")
# Card lending pattern: three institutions on one day.
claim("SY0008", "SY-H3", "2024-03-27 08:10:00", lines=[L("S001", 1), L("D002", 3)], cid="SC-MULTI-1")
claim("SY0008", "SY-H2", "2024-03-27 10:40:00", lines=[L("S001", 1), L("D002", 3)], cid="SC-MULTI-2")
claim("SY0008", "SY-C1", "2024-03-27 15:20:00", lines=[L("S001", 1), L("D002", 3)], cid="SC-MULTI-3")
# Split visit (分解就诊): two claims at one clinic on one day; the second is flagged. Across
# midnight (23:59, then 00:01 the next day) is two days: not a split visit.
claim("EZ0003", "EZ-C1", "2024-03-06 09:00:00", lines=[L("S001", 1), L("S003", 1)], cid="SC-SPLIT-1")
claim("EZ0003", "EZ-C1", "2024-03-06 09:40:00", lines=[L("D001", 2)], cid="SC-SPLIT-2")
claim("EZ0003", "EZ-C1", "2024-03-14 23:59:00", visit="emergency", lines=[L("S001", 1)], cid="SC-MIDNIGHT-1")
claim("EZ0003", "EZ-C1", "2024-03-15 00:01:00", visit="emergency", lines=[L("S003", 1)], cid="SC-MIDNIGHT-2")
# Early refill (重复开药): 30 days of D002 and D007 on 03-01; D002 again on 03-12 with 19 days
# left (> 1/3 × 30): flagged; D007 again on 03-21 with exactly 10 left (= 1/3 × 30): not flagged.
claim("WH0007", "WH-H3", "2024-03-01 09:00:00", lines=[L("S001", 1), L("D002", 30, days=30), L("D007", 30, days=30)], cid="SC-REFILL-1")
claim("WH0007", "WH-P1", "2024-03-12 10:00:00", lines=[L("D002", 30, rx="RX-WH-7", prescriber="WH-H2", days=30)], cid="SC-REFILL-2")
claim("WH0007", "WH-H2", "2024-03-21 09:00:00", lines=[L("S001", 1), L("D007", 30, days=30)], cid="SC-REFILL-3")
# Visit frequency: a claim every day from 03-01; the 21st (above 20 in the month) is flagged.
for day in range(1, 22):
    claim("SY0009", "SY-C1", "2024-03-%02d 08:30:00" % day, lines=[L("S001", 1)], cid="SC-FREQ-%02d" % day)
# Internet hospital: level-3 ratio (线上线下同等支付).
claim("SY0001", "SY-I3", "2024-03-25 20:00:00", lines=[L("S001", 1), L("D002", 2)], cid="SC-INTERNET")
# Reversal in the same run; a reversal of a claim not in this run.
claim("EZ0002", "EZ-H2", "2024-03-09 09:00:00", lines=[L("S001", 1), L("S002", 1)], cid="SC-REV-ORIG")
claim("EZ0002", "EZ-H2", "2024-03-09 16:00:00", lines=[L("S001", -1, "10.00", "-10.00"), L("S002", -1, "160.00", "-160.00")], reverses="SC-REV-ORIG", cid="SC-REV-CANCEL")
claim("EZ0002", "EZ-H2", "2024-03-10 09:00:00", lines=[L("S003", -2, "25.00", "-50.00")], reverses="EZ240200123", cid="SC-REV-UNKNOWN")

# ---- Filler: ordinary visits and purchases ----
home = {}
for m in MEMBERS:
    home.setdefault(m[1], []).append(m[0])
inst_by_city = {}
for i in INSTITUTIONS:
    if i[5] in ("true", "是", "1", "Y") and i[0] != "SY-H2X":
        inst_by_city.setdefault(i[2], []).append(i)
visit_items = ["S001", "S003", "D001", "D002", "D003", "D007", "M001", "S002", "F001", "D004"]
for m in MEMBERS:
    pid, city = m[0], m[1]
    if not pid[2:].isdigit() or int(pid[2:]) < 10:
        continue
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
        inst = rng.choice([i for i in inst_by_city[city] if i[3] != "pharmacy"] * 3 + [i for i in inst_by_city[city] if i[3] == "pharmacy"])
        day = rng.randint(1, 31)
        t = "2024-03-%02d %02d:%02d:00" % (day, rng.randint(8, 17), rng.randint(0, 59))
        visit = "emergency" if rng.random() < 0.08 else "general"
        lines = []
        if inst[3] == "pharmacy":
            rx = "RX-%s-%d" % (pid, rng.randint(100, 999))
            prescriber = rng.choice([i[0] for i in inst_by_city[city] if i[3] in ("hospital", "clinic")])
            for item in rng.sample(["D001", "D002", "D003", "D007"], rng.randint(1, 2)):
                lines.append(L(item, rng.randint(1, 6), rx=rx, prescriber=prescriber))
        else:
            lines.append(L("S001", 1))
            for item in rng.sample(visit_items[1:], rng.randint(1, 3)):
                lines.append(L(item, rng.randint(1, 4)))
        claim(pid, inst[0], t, visit=visit, lines=lines)

# ---- Write ----
COLS = ["claim_id", "line_no", "person_id", "institution_id", "service_time", "visit_type", "item_code", "item_name",
        "quantity", "unit_price", "amount", "prescription_id", "prescriber_id", "supply_days", "settlement_mode",
        "submitted_date", "exclusion", "reverses_claim_id"]
ZH = {"claim_id": "结算流水号", "line_no": "明细序号", "person_id": "个人编号", "institution_id": "机构编码",
      "service_time": "结算时间", "visit_type": "就诊类型", "item_code": "医保编码", "item_name": "项目名称",
      "quantity": "数量", "unit_price": "单价", "amount": "金额", "prescription_id": "处方号",
      "prescriber_id": "开方机构编码", "supply_days": "用药天数", "settlement_mode": "结算方式",
      "submitted_date": "申报日期", "exclusion": "除外情形", "reverses_claim_id": "冲正原流水号"}

def write(path, header, rows, bom=False):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        f.write(buf.getvalue())

def city_of(inst):
    return next((i[2] for i in INSTITUTIONS if i[0] == inst), "unknown")

os.makedirs(os.path.join(ROOT, "claims"), exist_ok=True)
groups = {"shiyan": [], "ezhou": [], "wuhan": [], "remote": []}
for c in claims:
    city = city_of(c["institution_id"])
    groups[city if city in groups else "remote"].append(c)
# shiyan: contract order; ezhou: Chinese headers with a BOM; wuhan: columns in another order; remote: plain.
write(os.path.join(ROOT, "claims", "shiyan_2024-03.csv"), COLS, [[c[k] for k in COLS] for c in groups["shiyan"]])
write(os.path.join(ROOT, "claims", "ezhou_2024-03.csv"), [ZH[k] for k in COLS], [[c[k] for k in COLS] for c in groups["ezhou"]], bom=True)
shuffled = COLS[::-1]
write(os.path.join(ROOT, "claims", "wuhan_2024-03.csv"), shuffled, [[c[k] for k in shuffled] for c in groups["wuhan"]])
write(os.path.join(ROOT, "claims", "remote_2024-03.csv"), COLS, [[c[k] for k in COLS] for c in groups["remote"]])
write(os.path.join(ROOT, "members.csv"),
      ["person_id", "city", "category", "account_type", "account_balance", "benefit_from", "benefit_to", "remote_type", "remote_city", "remote_from", "remote_to"],
      MEMBERS)
write(os.path.join(ROOT, "institutions.csv"),
      ["institution_id", "name", "city", "kind", "level", "outpatient_pooling", "remote_settlement", "valid_from", "valid_to"],
      INSTITUTIONS)
write(os.path.join(ROOT, "catalogue.csv"),
      ["item_code", "region", "name", "kind", "class", "b_selfpay_share", "special_management", "price_cap"],
      [c[:8] for c in CATALOGUE])
write(os.path.join(ROOT, "stays.csv"), ["person_id", "institution_id", "admit_date", "discharge_date"], STAYS)
print("%d claim lines in %d claims" % (len(claims), len({c['claim_id'] for c in claims})), file=sys.stderr)

# ---- The same month in the national platform's layout (samples/platform) ----
# One settlement row per claim (settlements/) and one fee row per line
# (fee_details/), joined on setl_id; the reference files are the same.
# A run on it gives the same payments, ledger and audit findings.
PROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples", "platform")
for sub in ("settlements", "fee_details"):
    os.makedirs(os.path.join(PROOT, sub), exist_ok=True)
KIND = {i[0]: i[3] for i in INSTITUTIONS}
def med_type(c):
    v = c["visit_type"]
    if v == "general":
        return "41" if KIND.get(c["institution_id"]) == "pharmacy" else "11"
    # two_diseases and dual_channel have local codes only (the rule files' [codes]).
    return {"emergency": "13", "chronic": "14", "maternity": "51",
            "two_diseases": "9901", "dual_channel": "9902"}[v]
SETL_COLS = ["setl_id", "psn_no", "fixmedins_code", "setl_time", "med_type", "insutype", "medfee_sumamt",
             "prescriber_id", "settlement_mode", "submitted_date", "exclusion", "reverses_claim_id",
             "hifp_pay", "acct_pay", "psn_cash_pay"]
SETL_ZH = ["结算ID", "人员编号", "定点医药机构编号", "结算时间", "医疗类别", "险种类型", "医疗费总额",
           "开方机构编码", "结算方式", "申报日期", "除外情形", "冲正原流水号",
           "基本医疗保险统筹基金支出", "个人账户支出", "个人现金支出"]
# What each institution settled on the spot (the declared amounts of
# POLICY §10): the reviewed adjudication of the month, but for three
# claims that differ, for the clearing example: SC-EXAMPLE settled 30.00
# more fund money (and 30.00 less account), EZ240300071 12.50 less fund
# money (more cash), SC-PRICECAP 34.00 less account (more cash).
# Claims paid to the member (manual) were not settled by the institution.
GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "sample-2024-03", "payments.csv")
DECLARED = {}
with open(GOLDEN, encoding="utf-8") as f:
    for r in csv.DictReader(f):
        if r["payee"] == "institution":
            DECLARED[r["claim_id"]] = [r["fund_pay"], r["account_pay"], r["cash_pay"]]
DECLARED["SC-EXAMPLE"] = ["255.00", "545.00", DECLARED["SC-EXAMPLE"][2]]
DECLARED["EZ240300071"] = ["240.10", DECLARED["EZ240300071"][1], "301.90"]
DECLARED["SC-PRICECAP"] = [DECLARED["SC-PRICECAP"][0], "700.00", "34.00"]
FEE_COLS = ["setl_id", "feedetl_sn", "hilist_code", "hilist_name", "cnt", "pric", "det_item_fee_sumamt", "rxno", "prd_days"]
FEE_ZH = ["结算ID", "费用明细流水号", "医保目录编码", "医保目录名称", "数量", "单价", "明细项目费用总额", "处方号", "周期天数"]
for city, rows in groups.items():
    setls, fees, seen = [], [], {}
    for c in rows:
        cid = c["claim_id"]
        if cid not in seen:
            seen[cid] = len(setls)
            setls.append([cid, c["person_id"], c["institution_id"], c["service_time"], med_type(c), "310", 0,
                          "", c["settlement_mode"], c["submitted_date"], c["exclusion"], c["reverses_claim_id"]]
                         + DECLARED.get(cid, ["", "", ""]))
        s = setls[seen[cid]]
        s[6] += round(float(c["amount"]) * 100)
        if not s[7] and c["prescriber_id"]:
            s[7] = c["prescriber_id"]
        # Supply days written as the platform does (7.00) in one file.
        days = str(c["supply_days"]) + (".00" if city == "ezhou" and c["supply_days"] != "" else "")
        fees.append([cid, c["line_no"], c["item_code"], c["item_name"], c["quantity"], c["unit_price"], c["amount"],
                     c["prescription_id"], days])
    for s in setls:
        s[6] = "%d.%02d" % divmod(s[6], 100) if s[6] >= 0 else "-%d.%02d" % divmod(-s[6], 100)
    zh = city == "ezhou"
    write(os.path.join(PROOT, "settlements", city + "_2024-03.csv"), SETL_ZH if zh else SETL_COLS, setls, bom=zh)
    write(os.path.join(PROOT, "fee_details", city + "_2024-03.csv"), FEE_ZH if zh else FEE_COLS, fees, bom=zh)
# The reference files under the platform's names and codes, beside
# tongchou's own columns where the platform has no code (account_type,
# outpatient_pooling, internet_hospital, facility, non_medical, ...), and
# cities as 医保区划 codes (a district code for Shiyan's members).
ADMDVS = {"shiyan": "420300", "ezhou": "420700", "wuhan": "420100"}
MEMBER_ADMDVS = {"shiyan": "420302", "ezhou": "420700", "wuhan": "420102"}
write(os.path.join(PROOT, "members.csv"),
      ["psn_no", "psn_type", "insuplc_admdvs", "account_type", "balc", "benefit_from", "benefit_to",
       "remote_type", "remote_city", "remote_from", "remote_to"],
      [(m[0], {"employed": "1101", "retired": "1201"}[m[2]], MEMBER_ADMDVS[m[1]]) + tuple(m[3:]) for m in MEMBERS])
HOSP_LV = {3: "01", 2: "05", 1: "08"}
def inst_row(i):
    iid, name, city, kind, level, pooling, remote, vfrom, vto = i
    ftype = "2" if kind == "pharmacy" else "1"
    lv = "11" if kind == "clinic" else HOSP_LV.get(level, "")
    own_kind = kind if kind == "internet_hospital" else ""
    return (iid, name, ftype, lv, ADMDVS.get(city, ""), "" if city in ADMDVS else city, own_kind,
            pooling, remote, vfrom, vto)
write(os.path.join(PROOT, "institutions.csv"),
      ["fixmedins_code", "fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs", "city", "kind",
       "outpatient_pooling", "remote_settlement", "valid_from", "valid_to"],
      [inst_row(i) for i in INSTITUTIONS])
def cat_row(c):
    code, region, name, kind, cls, share, special, cap = c[:8]
    ltype = {"drug": "101", "service": "201", "material": "301"}.get(kind, "")
    return (code, ADMDVS.get(region, region), name, ltype, "" if ltype else kind,
            {"A": "01", "B": "02", "C": "03"}[cls], share, special, cap + "0000" if cap else "")
write(os.path.join(PROOT, "catalogue.csv"),
      ["hilist_code", "region", "hilist_name", "list_type", "kind", "chrgitm_lv", "selfpay_prop",
       "special_management", "hilist_pric_uplmt_amt"],
      [cat_row(c) for c in CATALOGUE])
write(os.path.join(PROOT, "stays.csv"), ["person_id", "institution_id", "admit_date", "discharge_date"], STAYS)
