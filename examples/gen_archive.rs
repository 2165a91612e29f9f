//! Generate an archive of record files for the scale benchmark
//! (`benches/archive.sh`): `cargo run --release --example gen_archive --
//! --records N --out DIR`.
//!
//! The archive looks like a province's year: one file per unit, 113
//! records each (the unit and its leadership team, 16 meetings, 64
//! disbursements, and the 行政审批 of 2014: 2 powers and 30 cases), about
//! 0.75 KB of YAML per record, 100 units per folder. The cases are dated in
//! 2014, the year the standard working-day calendar covers.
//! The data is pseudo-random from a fixed seed, so the same N always gives
//! the same bytes. One unit in twenty carries one of ten realistic faults
//! (a split payment, a payment before its meeting, an overpaid item, an
//! unratified emergency payment, a meeting without quorum, a single
//! signature, an applicant who also pays, a missing step, a reference to an
//! item that does not exist, a case closed past its deadline); the findings
//! they should produce are printed on standard error so that a run can be
//! checked against them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Records per unit: 1 org + 16 meetings + 64 disbursements + 2 powers +
/// 30 cases.
const PER_UNIT: usize = 113;

/// 行政审批 cases per unit, alternately under its two powers.
const CASES: usize = 30;

/// 2014-01-06, a Monday, as a day counted from 2021-01-01 (see [`date`]).
const FIRST_MONDAY_2014: i64 = -2552;

/// Meetings per unit; meeting `k` is held on day `25k + 10`.
const MEETINGS: usize = 16;

/// Small payments per payee, for the four payees of a unit (sum 28).
const SMALL_PER_PAYEE: [usize; 4] = [7, 7, 7, 7];

/// Units per folder.
const PER_FOLDER: usize = 100;

/// Payees shared by all units (grouping is per unit and payee).
const PAYEES: [&str; 12] = [
    "龙潭路桥建设有限公司",
    "城南市政工程有限公司",
    "远航办公用品商行",
    "恒信建材有限公司",
    "绿源园林绿化有限公司",
    "安达物业服务有限公司",
    "华信软件技术有限公司",
    "明德印务有限公司",
    "兴业劳务派遣有限公司",
    "东方测绘有限公司",
    "宏图广告传媒有限公司",
    "利民餐饮服务有限公司",
];

/// The injected faults; unit `u` carries fault `u % 20` when that is one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    Split,
    PaidFirst,
    Overpaid,
    Unratified,
    NoQuorum,
    OneSigner,
    SameHands,
    MissingStep,
    NoSuchItem,
    ClosedLate,
}

impl Fault {
    fn of_unit(u: usize) -> Option<Fault> {
        Some(match u % 20 {
            1 => Fault::Split,
            2 => Fault::PaidFirst,
            3 => Fault::Overpaid,
            4 => Fault::Unratified,
            5 => Fault::NoQuorum,
            6 => Fault::OneSigner,
            7 => Fault::SameHands,
            8 => Fault::MissingStep,
            9 => Fault::NoSuchItem,
            10 => Fault::ClosedLate,
            _ => return None,
        })
    }

    /// The findings the fault produces, by rule.
    fn findings(self) -> &'static [(&'static str, usize)] {
        match self {
            Fault::Split => &[("ZJBF-008", 2)],
            Fault::PaidFirst => &[("ZJBF-002", 1), ("ZJBF-004", 1)],
            Fault::Overpaid => &[("ZJBF-005", 1)],
            Fault::Unratified => &[("ZJBF-009", 1)],
            Fault::NoQuorum => &[("SZYD-002", 1), ("SZYD-003", 1), ("ZJBF-006", 2)],
            Fault::OneSigner => &[("WBZG-003", 1)],
            Fault::SameHands => &[("ZJBF-007", 1)],
            Fault::MissingStep => &[("ZJBF-001", 1)],
            Fault::NoSuchItem => &[("REF-001", 1), ("ZJBF-003", 1)],
            Fault::ClosedLate => &[("XZSP-004", 1)],
        }
    }
}

/// A deterministic pseudo-random sequence (PCG's LCG constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// `YYYY-MM-DD` of a day counted from 2021-01-01.
fn date(day: i64) -> String {
    let z = 18_628 + day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The people of one unit.
struct People {
    principal: String,
    finance: String,
    deputy: String,
    discipline: String,
    engineer: String,
    applicant: String,
    reviewer: String,
    cashier: String,
    observer: String,
    window: String,
    clerk: String,
}

impl People {
    fn of(u: usize) -> People {
        People {
            principal: format!("书记{u:06}"),
            finance: format!("副局长甲{u:06}"),
            deputy: format!("副局长乙{u:06}"),
            discipline: format!("纪检组长{u:06}"),
            engineer: format!("总工{u:06}"),
            applicant: format!("经办人{u:06}"),
            reviewer: format!("审核员{u:06}"),
            cashier: format!("出纳{u:06}"),
            observer: format!("派驻员{u:06}"),
            window: format!("窗口{u:06}"),
            clerk: format!("科员{u:06}"),
        }
    }

    fn members(&self) -> [&str; 5] {
        [
            &self.principal,
            &self.finance,
            &self.deputy,
            &self.discipline,
            &self.engineer,
        ]
    }
}

/// Opinions on one item: everyone present in turn, the chair last.
fn opinions(out: &mut String, attendees: &[&str], chair: &str, notes: &[&str]) {
    out.push_str("    opinions:\n");
    for (i, who) in attendees
        .iter()
        .filter(|a| **a != chair)
        .chain([&chair])
        .enumerate()
    {
        match notes.get(i) {
            Some(note) => {
                let _ = writeln!(out, "      - {{name: {who}, stance: 同意, note: {note}}}");
            }
            None => {
                let _ = writeln!(out, "      - {{name: {who}, stance: 同意}}");
            }
        }
    }
}

/// One step of a payment, in block style as archives write them.
fn step(out: &mut String, name: &str, by: &str, day: i64, extra: &str) {
    let _ = write!(
        out,
        "  - step: {name}\n    by: {by}\n    date: {}\n{extra}",
        date(day)
    );
}

/// One unit's records as a YAML stream.
fn unit_file(u: usize, fault: Option<Fault>, rng: &mut Lcg, mondays: &[i64]) -> String {
    let p = People::of(u);
    let org = format!("unit{u:06}");
    let mut y = String::with_capacity(96 * 1024);
    let _ = write!(
        y,
        "# 第{u:06}号单位 领导班子、会议纪要与资金拨付\n\
         kind: org\nid: {org}\nname: 第{u:06}号单位\nleaders:\n  \
         - {{name: {}, post: 党组书记、局长, principal: true, manages: [全面工作]}}\n  \
         - {{name: {}, post: 党组成员、副局长, manages: [财务, 工程招投标]}}\n  \
         - {{name: {}, post: 党组成员、副局长, manages: [人事, 行政审批, 物资采购]}}\n  \
         - {{name: {}, post: 党组成员、纪检组长, manages: [纪检监察]}}\n  \
         - {{name: {}, post: 党组成员、总工程师, manages: [质量安全, 公路养护]}}\n",
        p.principal, p.finance, p.deputy, p.discipline, p.engineer
    );

    let members = p.members();
    let bodies = ["党组会", "局务会", "局长办公会"];
    let mut next_id = 0usize;
    let mut new_id = || {
        next_id += 1;
        format!("CZ{u:06}-{next_id:03}")
    };

    // Emergency payments, paid 5 days before meetings 1..=4 which ratify them.
    let mut emergencies: Vec<String> = Vec::new();
    for k in 1..=4usize {
        let id = new_id();
        let day = 25 * k as i64 + 5;
        let _ = write!(
            y,
            "---\n# 防汛抢险紧急支付，事后提交党组会追认\n\
             kind: disbursement\nid: {id}\norg: {org}\npayee: {payee}\n\
             project: 防汛抢险第{k}批物资及抢修费用\namount: 300000\n\
             emergency:\n  decided_by: {principal}\n  reason: 汛期道路塌方抢修，须即时支付\nsteps:\n",
            payee = PAYEES[(u + k) % PAYEES.len()],
            principal = p.principal,
        );
        step(&mut y, "用款申请", &p.applicant, day - 2, "");
        step(&mut y, "签字", &p.finance, day - 1, "");
        step(&mut y, "划拨", &p.cashier, day, "    amount: 300000\n");
        emergencies.push(id);
    }

    for k in 0..MEETINGS {
        let m_id = format!("HY{u:06}-{k:02}");
        let m_day = 25 * k as i64 + 10;
        let no_quorum = fault == Some(Fault::NoQuorum) && k == 7;
        let attendees: Vec<&str> = if no_quorum {
            vec![&p.principal, &p.finance]
        } else {
            members.to_vec()
        };
        let _ = write!(
            y,
            "---\n# 会议纪要 {m_id}：由办公室根据会议记录整理，经主持人审定后印发，原始记录存档案室\nkind: meeting\nid: {m_id}\norg: {org}\nbody: {body}\ndate: {date}\n\
             chair: {chair}\nmembers: [{members}]\nattendees: [{attendees}]\n",
            body = bodies[k % bodies.len()],
            date = date(m_day),
            chair = p.principal,
            members = members.join(", "),
            attendees = attendees.join(", "),
        );
        if no_quorum {
            y.push_str("absent:\n");
            for m in members.iter().filter(|m| !attendees.contains(m)) {
                let _ = writeln!(y, "  - {{name: {m}, reason: 公务出差}}");
            }
        }
        let _ = write!(
            y,
            "observers:\n  - {{name: {}, unit: 区纪委派驻第一纪检组}}\nitems:\n",
            p.observer
        );
        let approved = rng.range(80, 120) * 10_000;
        let _ = write!(
            y,
            "  - no: 1\n    title: 关于拨付第{k}期道路改造工程进度款的议题\n    category: 大额资金使用\n    \
             amount: {approved}\n    materials_sent: {}\n",
            date(m_day - 2)
        );
        opinions(
            &mut y,
            &attendees,
            &p.principal,
            &[
                "按合同约定分两次拨付，拨付前须核对监理签认的工程量",
                "同意，请财务严格按进度审核",
                "同意，注意资金拨付与工程质量验收挂钩",
            ],
        );
        y.push_str("    outcome: 通过\n");
        if (1..=4).contains(&k) {
            let deferred = fault == Some(Fault::Unratified) && k == 2;
            let _ = write!(
                y,
                "  - no: 2\n    title: 关于追认第{k}批防汛抢险紧急支付的议题\n    category: 大额资金使用\n    \
                 amount: 300000\n    materials_sent: {}\n",
                date(m_day - 2)
            );
            opinions(&mut y, &attendees, &p.principal, &[]);
            let _ = writeln!(
                y,
                "    outcome: {}\n    ratifies: {}",
                if deferred { "缓议" } else { "通过" },
                emergencies.get(k - 1).map_or("", String::as_str)
            );
        }
        let _ = write!(
            y,
            "  - no: 3\n    title: 关于购置办公设备和耗材的议题\n    category: 一般事项\n    \
             amount: {}\n",
            rng.range(10, 50) * 1_000
        );
        opinions(&mut y, &attendees, &p.principal, &[]);
        y.push_str("    outcome: 通过\n");

        // Two instalments: 40% and 50% of the approved sum (70% when overpaid).
        for (i, share) in [(0usize, 4u64), (1, 5)] {
            let share = if fault == Some(Fault::Overpaid) && k == 5 && i == 1 {
                7
            } else {
                share
            };
            let amount = approved / 10 * share;
            let id = new_id();
            let pay_day = m_day + 5 + 8 * i as i64;
            let this = |f: Fault, kk: usize| fault == Some(f) && k == kk && i == 0;
            let (sign_day, pay_day) = if this(Fault::PaidFirst, 3) {
                (m_day, m_day - 1)
            } else {
                (pay_day - 1, pay_day)
            };
            let item = if this(Fault::NoSuchItem, 4) { 9 } else { 1 };
            let payer = if this(Fault::SameHands, 6) {
                &p.applicant
            } else {
                &p.cashier
            };
            let _ = write!(
                y,
                "---\n# 凭证 {id}：附用款申请书、施工合同、发票、监理签认的工程量清单和财政审核意见书，\n# 资料齐全，原件存档案室第{k}卷\n\
                 kind: disbursement\nid: {id}\norg: {org}\npayee: {payee}\n\
                 project: 第{k}期道路改造工程（第{n}笔进度款）\namount: {amount}\nsteps:\n",
                payee = PAYEES[u % PAYEES.len()],
                n = i + 1,
            );
            step(&mut y, "用款申请", &p.applicant, m_day - 5, "");
            step(
                &mut y,
                "财政审核",
                &p.reviewer,
                m_day - 3,
                "    result: 符合\n",
            );
            if !this(Fault::MissingStep, 8) {
                step(&mut y, "提单", &p.reviewer, m_day - 2, "");
            }
            let _ = write!(
                y,
                "  - step: 集体审核\n    meeting: {m_id}\n    item: {item}\n    date: {}\n",
                date(m_day)
            );
            let signers = format!("[{}, {}]", p.finance, p.principal);
            step(&mut y, "签字", &signers, sign_day, "");
            step(
                &mut y,
                "划拨",
                payer,
                pay_day,
                &format!("    amount: {amount}\n"),
            );
        }
    }

    // Small payments to four payees, 20 days apart: two fall in a 30-day
    // window, each at most 60,000, so no window reaches the threshold.
    let first = u % PAYEES.len();
    for (pi, &count) in SMALL_PER_PAYEE.iter().enumerate() {
        let payee = PAYEES[(first + 3 + 2 * pi) % PAYEES.len()];
        for t in 0..count {
            let id = new_id();
            let day = 20 + 3 * pi as i64 + 20 * t as i64;
            let split = fault == Some(Fault::Split) && pi == 0;
            let amount = match t {
                2 if split => 120_000,
                3 if split => 90_000,
                _ => rng.range(300, 600) * 100,
            };
            let signer = if fault == Some(Fault::OneSigner) && pi == 1 && t == 0 {
                &p.principal
            } else {
                &p.finance
            };
            let _ = write!(
                y,
                "---\n# 凭证 {id}：附用款申请书、发票和验收单，资料齐全，按日常运转经费管理办法办理\n# 经办人签字确认，财务科复核无误\n\
                 kind: disbursement\nid: {id}\norg: {org}\npayee: {payee}\n\
                 project: 日常运转经费（第{t}次）\namount: {amount}\nsteps:\n"
            );
            step(&mut y, "用款申请", &p.applicant, day - 4, "");
            step(
                &mut y,
                "财政审核",
                &p.reviewer,
                day - 3,
                "    result: 符合\n",
            );
            step(&mut y, "签字", signer, day - 1, "");
            step(&mut y, "划拨", &p.cashier, day, "");
        }
    }
    approvals(&mut y, u, fault, &p, mondays);
    y
}

/// The Mondays of 2014 up to the last whose cases stay inside the
/// calendar, which covers 2014 only: a deadline is up to 15 working days
/// after 受理, 告知 is due 10 working days after 批准, and the late case is
/// approved four weeks on.
fn mondays_2014() -> Vec<i64> {
    (0..52)
        .map(|w| FIRST_MONDAY_2014 + 7 * w)
        .filter(|&d| date(d).as_str() < "2014-11-10")
        .collect()
}

/// One unit's 行政审批: two powers and their cases, all closed early but
/// one when the unit carries [`Fault::ClosedLate`].
fn approvals(y: &mut String, u: usize, fault: Option<Fault>, p: &People, mondays: &[i64]) {
    let org = format!("unit{u:06}");
    let powers = [("施工许可", 20, 10, 0), ("临时占道许可", 30, 15, 200)];
    for (k, (name, statutory, promised, fee)) in powers.iter().enumerate() {
        let _ = write!(
            y,
            "---\nkind: power\nid: QL{u:06}-{k}\norg: {org}\nname: {name}\nstatus: 保留\n\
             statutory_days: {statutory}\npromised_days: {promised}\nfee: {fee}\n"
        );
    }
    for n in 0..CASES {
        let late = fault == Some(Fault::ClosedLate) && n == 0;
        let power = n % powers.len();
        // Received on a Monday or a Tuesday; approved the next day and
        // closed the day after, well inside the 10 or 15 working days
        // promised. The late case is received in the last week there is
        // and closed four weeks on, so that every archive (the test's
        // small one too) meets the latest dates.
        let week = if late {
            mondays.len().saturating_sub(1)
        } else {
            (u + n) % mondays.len().max(1)
        };
        let received = mondays.get(week).copied().unwrap_or(FIRST_MONDAY_2014) + (n % 2) as i64;
        let (approved, closed) = if late {
            (received + 27, received + 28)
        } else {
            (received + 1, received + 2)
        };
        let _ = write!(
            y,
            "---\nkind: application\nid: SP{u:06}-{n:03}\npower: QL{u:06}-{power}\n\
             applicant: {applicant}\nplace: 区政务服务中心\n",
            applicant = PAYEES[(u + n) % PAYEES.len()],
        );
        if power == 1 {
            y.push_str("fee: {amount: 200, place: 区政务服务中心}\n");
        }
        let _ = write!(
            y,
            "steps:\n  - {{step: 受理, by: {window}, date: {r}}}\n  \
             - {{step: 承办, by: {clerk}, date: {r}}}\n  \
             - {{step: 批准, by: {deputy}, date: {a}}}\n  \
             - {{step: 办结, by: {window}, date: {c}, result: 准予许可}}\n  \
             - {{step: 告知, by: {window}, date: {c}}}\n",
            window = p.window,
            clerk = p.clerk,
            deputy = p.deputy,
            r = date(received),
            a = date(approved),
            c = date(closed),
        );
    }
}

fn usage() -> ExitCode {
    eprintln!("usage: gen_archive --records N --out DIR");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut records: Option<usize> = None;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--records" => records = args.next().and_then(|n| n.replace('_', "").parse().ok()),
            "--out" => out = args.next().map(PathBuf::from),
            _ => return usage(),
        }
    }
    let (Some(records), Some(out)) = (records, out) else {
        return usage();
    };
    match generate(records, &out) {
        Ok(archive) => {
            eprintln!(
                "{} records in {} files, {} bytes ({} bytes per record)",
                archive.records,
                archive.files,
                archive.bytes,
                archive.bytes / archive.records.max(1)
            );
            let list: Vec<String> = archive
                .expected
                .iter()
                .map(|(r, n)| format!("{r}={n}"))
                .collect();
            eprintln!("expected findings: {}", list.join(" "));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// What [`generate`] wrote.
pub struct Archive {
    /// Records written.
    pub records: usize,
    /// Files written.
    pub files: usize,
    /// Bytes of YAML written.
    pub bytes: usize,
    /// The findings the injected faults should give, by rule.
    pub expected: BTreeMap<&'static str, usize>,
}

/// Write an archive of at least `records` records (whole units) under `out`.
pub fn generate(records: usize, out: &Path) -> Result<Archive, String> {
    let units = records.div_ceil(PER_UNIT);
    let mut rng = Lcg(0x5EED_0F5C);
    let mondays = mondays_2014();
    let mut expected: BTreeMap<&str, usize> = BTreeMap::new();
    let mut bytes = 0usize;
    for u in 0..units {
        let fault = Fault::of_unit(u);
        for &(rule, n) in fault.map_or(&[][..], Fault::findings) {
            *expected.entry(rule).or_default() += n;
        }
        let text = unit_file(u, fault, &mut rng, &mondays);
        bytes += text.len();
        let dir = out.join(format!("d{:04}", u / PER_FOLDER));
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join(format!("unit{u:06}.yaml")), text))
            .map_err(|e| format!("cannot write under {}: {e}", dir.display()))?;
    }
    Ok(Archive {
        records: units * PER_UNIT,
        files: units,
        bytes,
        expected,
    })
}
