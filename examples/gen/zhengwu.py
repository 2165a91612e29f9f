#!/usr/bin/env python3
"""Writes the 2014 approval records of the 龙潭区 example (行政审批, SPEC section 6).

    python3 examples/gen/zhengwu.py

For each of the six units of examples/longtan-2014 it writes
<unit>/powers.yaml (the unit's part of the power catalogue) and
<unit>/applications.yaml (the cases the 区政务服务中心 handled for it).
The random choices come from a fixed seed, so the output is the same on
every run; the faults listed in examples/longtan-2014/README.md are
planted on purpose after the compliant records are drawn. Only the
standard library is used.
"""

import datetime as dt
import pathlib
import random

ROOT = pathlib.Path(__file__).resolve().parent.parent / "longtan-2014"
TODAY = dt.date(2014, 12, 19)  # the run date fixed in sunlight.toml
CENTRE = "区政务服务中心"

# The 2014 calendar, as rules/calendar.rules declares it.
HOLIDAYS = set()
for a, b in [("01-01", "01-01"), ("01-31", "02-06"), ("04-05", "04-07"), ("05-01", "05-03"),
             ("05-31", "06-02"), ("09-06", "09-08"), ("10-01", "10-07")]:
    d = dt.date.fromisoformat("2014-" + a)
    while d <= dt.date.fromisoformat("2014-" + b):
        HOLIDAYS.add(d)
        d += dt.timedelta(days=1)
WORKING_WEEKEND = {dt.date.fromisoformat("2014-" + s) for s in ["01-26", "02-08", "05-04", "09-28", "10-11"]}


def workday(d):
    return d not in HOLIDAYS and (d in WORKING_WEEKEND or d.weekday() < 5)


def add_wd(d, n):
    step = 1 if n >= 0 else -1
    while n != 0:
        d += dt.timedelta(days=step)
        if workday(d):
            n -= step
    return d


def deadline(accepted, promised, suspended=()):
    extra = sum(sum(1 for i in range((t - f).days + 1) if workday(f + dt.timedelta(days=i)))
                for f, t in suspended)
    return add_wd(add_wd(accepted, promised), extra)


UNITS = [
    # folder, power id prefix, powers, of them cancelled, window staff, case officers, approver, own office
    ("zhujian", "ZJ", 31, 5, ["刘洋", "陈晨"], ["王伟", "黄磊"], "张华", "区住房和城乡建设局行政许可科",
     ["建筑工程施工许可证核发", "商品房预售许可", "城市建筑垃圾处置核准", "房地产开发企业资质核定",
      "建设工程规划许可", "物业服务企业资质核定", "建筑业企业资质核定", "城市道路挖掘许可",
      "临时建设工程规划许可", "燃气经营许可", "市政设施临时占用许可"]),
    ("jiaoyu", "JY", 21, 5, ["苏婷", "任杰"], ["彭丽", "曾强"], "林晓燕", "区教育局审批科",
     ["民办学校设立审批", "幼儿园办园许可", "教师资格认定", "校外培训机构设立审批",
      "民办学校变更审批", "中小学教材选用备案核准", "学校安全设施验收"]),
    ("weiji", "WJ", 28, 5, ["袁媛", "邱斌"], ["程静", "傅亮"], "吴建平", "区卫计局医政科",
     ["医疗机构执业许可", "公共场所卫生许可", "饮用水供水单位卫生许可", "母婴保健技术服务执业许可",
      "放射诊疗许可", "医师执业注册", "护士执业注册", "消毒产品生产企业卫生许可", "计划生育技术服务机构执业许可"]),
    ("shuili", "SL", 25, 5, ["曹敏", "薛飞"], ["潘红", "范涛"], "孔令辉", "区水利局水政科",
     ["取水许可", "河道管理范围内建设项目审批", "水土保持方案审批", "占用农业灌溉水源审批",
      "河道采砂许可", "水利工程管理范围内建设审批", "入河排污口设置审批", "水库养殖许可"]),
    ("jiaotong", "JT", 26, 5, ["姚琳", "顾晨"], ["石磊", "贺娟"], "冯雪", "区交通运输局路政大队",
     ["道路运输经营许可", "超限运输车辆行驶公路许可", "公路赔偿补偿审批", "出租汽车经营许可",
      "机动车维修经营许可", "驾驶员培训经营许可", "公路用地范围内设置广告审批", "水路运输经营许可",
      "港口经营许可"]),
    ("minzheng", "MZ", 21, 5, ["龚雪", "毛俊"], ["邵丽", "万军"], "方志远", "区民政局社会组织科",
     ["社会团体成立登记", "民办非企业单位成立登记", "养老机构设立许可", "殡葬服务设施建设审批",
      "公墓建设审批", "社会团体变更登记", "慈善组织认定"]),
]
VARIANTS = ["", "（变更）", "（延续）", "（新办）"]
APPLICANT_PARTS = ["恒通", "嘉禾", "远航", "锦城", "华建", "永安", "顺达", "鑫源", "宏达", "天成",
                   "金桂", "银湖", "盛世", "安居", "清源", "广厦", "新兴", "瑞丰", "东方", "大通"]
APPLICANT_KINDS = ["建设有限公司", "实业有限公司", "科技有限公司", "服务中心", "商贸有限公司",
                   "工程有限公司", "发展有限公司"]

# The unit whose early-completion rate is planted below target (XZSP-012).
SLOW_UNIT = "weiji"


def yaml_list(steps):
    return "\n".join(f"  - {{step: {s}, by: {b}, date: {d}}}" if r is None
                     else f"  - {{step: {s}, by: {b}, date: {d}, result: {r}}}"
                     for s, b, d, r in steps)


def main():
    rng = random.Random(2014)
    days = [dt.date(2014, 1, 2) + dt.timedelta(days=i) for i in range(360)]
    # Cases accepted up to 12-01 are closed by the run date (and approved by
    # 12-16, so their 送达时限 ends in 2014); later
    # ones are still open then. Every deadline and every 送达时限 stays
    # inside the 2014 calendar.
    accept_days = [d for d in days if workday(d) and d <= TODAY]
    seq = {}
    all_apps = {}
    for unit, pfx, n_powers, n_cancelled, window, officers, approver, office, names in UNITS:
        powers = []
        for i in range(n_powers):
            name = names[i % len(names)] + VARIANTS[i // len(names) % len(VARIANTS)]
            statutory = rng.choice([15, 20, 20, 30])
            promised = rng.randint(3, min(12, statutory))
            fee = rng.choice([0, 0, 0, 0, 100, 200, 300])
            cancelled = i >= n_powers - n_cancelled
            powers.append({
                "id": f"{pfx}-XK-{i + 1:03d}", "name": name, "statutory": statutory,
                "promised": promised, "fee": fee,
                "cancelled_on": rng.choice([dt.date(2014, 3, 1), dt.date(2014, 7, 1)]) if cancelled else None,
            })
        apps = []
        for p in powers:
            count = rng.randint(8, 32) if p["cancelled_on"] is None else rng.randint(2, 6)
            for _ in range(count):
                pool = [d for d in accept_days if p["cancelled_on"] is None or d < p["cancelled_on"]]
                d0 = rng.choice(pool)
                late = d0 > dt.date(2014, 12, 1)
                if late and not add_wd(TODAY, 2) < deadline(d0, p["promised"]) <= dt.date(2014, 12, 31):
                    d0 = rng.choice([d for d in pool if d <= dt.date(2014, 12, 1)])
                    late = False
                seq[d0] = seq.get(d0, 0) + 1
                case_id = f"ZW-2014-{d0:%m%d}-{seq[d0]:03d}"
                if late:
                    apps.append(open_case(rng, case_id, p, d0, window, officers))
                else:
                    apps.append(make_case(rng, case_id, p, d0, window, officers, approver,
                                          slow=(unit == SLOW_UNIT)))
        apps.sort(key=lambda a: a["id"])
        all_apps[unit] = (powers, apps, window, officers, approver, office)
    plant(rng, all_apps, seq)
    for unit, (powers, apps, *_rest) in all_apps.items():
        write(unit, powers, apps)


def open_case(rng, case_id, power, d0, window, officers):
    """A case still open on the run date, due after the warning window."""
    steps = [("受理", rng.choice(window), d0, None)]
    if add_wd(d0, 1) <= TODAY:
        steps.append(("承办", rng.choice(officers), add_wd(d0, 1), None))
    return {"id": case_id, "power": power, "suspended": [], "steps": steps,
            "place": CENTRE, "fee": power["fee"] if power["fee"] else None, "fee_place": CENTRE,
            "applicant": "龙潭" + rng.choice(APPLICANT_PARTS) + rng.choice(APPLICANT_KINDS),
            "comment": None}


def make_case(rng, case_id, power, d0, window, officers, approver, slow):
    """A compliant case: closed early, or open and not yet due."""
    suspended = []
    if rng.random() < 0.04:
        f = add_wd(d0, 1)
        suspended = [(f, add_wd(f, rng.randint(0, 4)), rng.choice(["专家评审", "现场核查", "检测", "听证"]))]
    due = deadline(d0, power["promised"], [(f, t) for f, t, _ in suspended])
    clerk = rng.choice(window)
    officer = rng.choice(officers)
    a = rng.randint(0, 1)
    b = rng.randint(1, max(1, power["promised"] - 3))
    c = rng.randint(0, 1)
    accepted = d0
    handled = add_wd(d0, a)
    approved = add_wd(handled, b)
    closed = add_wd(approved, c)
    if closed >= due:
        closed = add_wd(due, -1)
        approved = min(approved, closed)
        handled = min(handled, approved)
    # In the slow unit about one case in twelve is finished on the deadline
    # day itself: on time, but not early.
    if slow and rng.random() < 1 / 12:
        closed = due
        approved = max(approved, add_wd(due, -1))
    told = add_wd(closed, rng.randint(0, 2))
    steps = [("受理", clerk, accepted, None), ("承办", officer, handled, None),
             ("批准", approver, approved, None),
             ("办结", clerk, closed, rng.choice(["准予许可"] * 9 + ["不予许可"])),
             ("告知", clerk, told, None)]
    if told > TODAY:
        # Not finished on the run date: still open, and not due within the
        # warning window (the generator keeps clear of XZSP-009 and 010).
        if due > add_wd(TODAY, 2):
            steps = [s for s in steps if s[2] <= TODAY and s[0] in ("受理", "承办", "批准")]
        else:
            steps = [(s, by, min(d, TODAY), r) for s, by, d, r in steps]
    return {"id": case_id, "power": power, "suspended": suspended, "steps": steps,
            "place": CENTRE, "fee": power["fee"] if power["fee"] else None, "fee_place": CENTRE,
            "applicant": "龙潭" + rng.choice(APPLICANT_PARTS) + rng.choice(APPLICANT_KINDS),
            "comment": None}


def pick(rng, apps, pred=lambda a: True):
    """A closed, early case without suspension, chosen at random."""
    pool = [a for a in apps if a["comment"] is None and not a["suspended"] and len(a["steps"]) == 5
            and a["steps"][3][2] < deadline(a["steps"][0][2], a["power"]["promised"]) and pred(a)]
    return rng.choice(pool)


def plant(rng, all_apps, seq):
    zj = all_apps["zhujian"]
    jy = all_apps["jiaoyu"]
    sl = all_apps["shuili"]
    jt = all_apps["jiaotong"]
    mz = all_apps["minzheng"]

    # XZSP-011: a power that promises more than the law allows.
    p = zj[0][3]
    p["promised"], p["statutory"] = 20, 15
    p["comment"] = "XZSP-011：承诺时限 20 个工作日超过法定时限 15 个工作日"

    # XZSP-001: a case accepted after its power was cancelled.
    cancelled = next(p for p in jy[0] if p["cancelled_on"] == dt.date(2014, 3, 1))
    a = pick(rng, jy[1], lambda a: a["steps"][0][2] > dt.date(2014, 4, 1) and a["power"]["cancelled_on"] is None
             and a["steps"][3][2] < deadline(a["steps"][0][2], cancelled["promised"]))
    a["power"] = cancelled
    a["fee"] = cancelled["fee"] or None
    a["comment"] = f"XZSP-001：{cancelled['id']} 已于 {cancelled['cancelled_on']} 取消，本件仍予受理"

    # XZSP-002: received and decided in the bureau's own office.
    a = pick(rng, sl[1])
    a["place"] = sl[5]
    a["comment"] = "XZSP-002：在局机关受理办理，未进政务服务中心"

    # XZSP-003: a fee above the catalogue, and a fee collected outside the centre.
    a = pick(rng, zj[1], lambda a: a["power"]["fee"] > 0)
    a["fee"] = a["power"]["fee"] + 200
    a["comment"] = f"XZSP-003：收费 {a['fee']} 元，超过目录标准 {a['power']['fee']} 元"
    a = pick(rng, jt[1], lambda a: a["power"]["fee"] > 0)
    a["fee_place"] = "区交通运输局财务科"
    a["comment"] = "XZSP-003：费用由局财务科收取，不在政务服务中心"

    # XZSP-004: a case finished two working days after its deadline.
    a = pick(rng, mz[1], lambda a: a["steps"][0][2] < dt.date(2014, 11, 1))
    due = deadline(a["steps"][0][2], a["power"]["promised"])
    s = a["steps"]
    s[3] = ("办结", s[3][1], add_wd(due, 2), s[3][3])
    s[2] = ("批准", s[2][1], add_wd(due, 1), None)
    s[4] = ("告知", s[4][1], add_wd(due, 3), None)
    a["comment"] = f"XZSP-004：办结期限 {due}，{s[3][2]} 才办结"

    # XZSP-005: a closed case without 告知, and an open case without 受理.
    a = pick(rng, zj[1])
    a["steps"] = a["steps"][:4]
    a["comment"] = "XZSP-005：已办结，未记录告知"
    a = pick(rng, jt[1], lambda a: a["steps"][0][2] < dt.date(2014, 11, 1))
    a["steps"] = a["steps"][1:2]
    a["comment"] = "XZSP-005：未记录受理（因无受理日期，也无法计算办结期限）"

    # XZSP-006: approved the day before the case officer handled it.
    a = pick(rng, sl[1], lambda a: a["steps"][1][2] < a["steps"][2][2]
             and add_wd(a["steps"][2][2], -1) >= a["steps"][0][2])
    s = a["steps"]
    s[1] = ("承办", s[1][1], s[2][2], None)
    s[2] = ("批准", s[2][1], add_wd(s[2][2], -1), None)
    a["comment"] = "XZSP-006：批准早于承办"

    # XZSP-007: the clerk who accepted the case also approved it.
    a = pick(rng, mz[1])
    s = a["steps"]
    s[2] = ("批准", s[0][1], s[2][2], None)
    a["comment"] = f"XZSP-007：{s[0][1]} 既受理又批准"

    # XZSP-008: told on the 12th working day after approval.
    a = pick(rng, zj[1], lambda a: a["steps"][0][2] < dt.date(2014, 11, 1))
    s = a["steps"]
    s[4] = ("告知", s[4][1], add_wd(s[2][2], 12), None)
    a["comment"] = f"XZSP-008：{s[2][2]} 批准，批准后第 12 个工作日才告知"

    # XZSP-009 and XZSP-010: open cases around the run date, with new ids.
    def open_case(unit_apps, due_target, note):
        powers, apps, window, officers, approver, _ = unit_apps
        p = next(p for p in powers if p["cancelled_on"] is None and p["promised"] >= 5 and p is not zj[0][3])
        d0 = add_wd(due_target, -p["promised"])
        seq[d0] = seq.get(d0, 0) + 1
        case = {"id": f"ZW-2014-{d0:%m%d}-{seq[d0]:03d}", "power": p, "suspended": [],
                "steps": [("受理", window[0], d0, None), ("承办", officers[0], add_wd(d0, 1), None)],
                "place": CENTRE, "fee": None, "fee_place": CENTRE,
                "applicant": "龙潭" + rng.choice(APPLICANT_PARTS) + rng.choice(APPLICANT_KINDS),
                "comment": note}
        apps.append(case)
        return case
    open_case(jy, TODAY, f"XZSP-009：办结期限即运行日 {TODAY}（黄牌）")
    open_case(sl, add_wd(TODAY, 2), f"XZSP-009：办结期限 {add_wd(TODAY, 2)}，运行日后第 2 个工作日（黄牌）")
    open_case(jt, add_wd(TODAY, -3), f"XZSP-010：办结期限 {add_wd(TODAY, -3)} 已过，仍未办结（红牌）")

    for unit_apps in all_apps.values():
        unit_apps[1].sort(key=lambda a: a["id"])


def write(unit, powers, apps):
    folder = ROOT / unit
    out = [f"# {unit} 行政审批权力目录（2014 年清理后）。由 examples/gen/zhengwu.py 生成。\n"]
    docs = []
    for p in powers:
        lines = []
        if p.get("comment"):
            lines.append(f"# 故意设置的问题 {p['comment']}")
        lines += ["kind: power", f"id: {p['id']}", f"org: {unit}", f"name: {p['name']}",
                  f"status: {'取消' if p['cancelled_on'] else '保留'}"]
        if p["cancelled_on"]:
            lines.append(f"cancelled_on: {p['cancelled_on']}")
        lines += [f"statutory_days: {p['statutory']}", f"promised_days: {p['promised']}"]
        if p["fee"]:
            lines.append(f"fee: {p['fee']}")
        docs.append("\n".join(lines) + "\n")
    (folder / "powers.yaml").write_text(out[0] + "---\n".join(docs), encoding="utf-8")
    docs = []
    for a in apps:
        lines = []
        if a["comment"]:
            lines.append(f"# 故意设置的问题 {a['comment']}")
        lines += ["kind: application", f"id: {a['id']}", f"power: {a['power']['id']}",
                  f"applicant: {a['applicant']}", f"place: {a['place']}"]
        if a["fee"]:
            lines.append(f"fee: {{amount: {a['fee']}, place: {a['fee_place']}}}")
        if a["suspended"]:
            lines.append("suspended:")
            lines += [f"  - {{from: {f}, to: {t}, reason: {r}}}" for f, t, r in a["suspended"]]
        lines.append("steps:")
        lines.append(yaml_list(a["steps"]))
        docs.append("\n".join(lines) + "\n")
    header = f"# {unit} 在区政务服务中心办理的行政审批办件（2014 年）。由 examples/gen/zhengwu.py 生成。\n"
    (folder / "applications.yaml").write_text(header + "---\n".join(docs), encoding="utf-8")


if __name__ == "__main__":
    main()
