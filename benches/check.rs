//! How the check pipeline scales with the number of records.
//!
//! A corpus of N disbursements (N = 10,000 and 100,000) is generated in
//! memory, deterministically: N/50 orgs, each with a five-member leadership
//! team, ten meetings and fifty disbursements —
//!
//! - 20 large payments, two per approving meeting item, so that ZJBF-003 to
//!   ZJBF-006 resolve real references and ZJBF-005 sums real groups;
//! - 4 emergency payments, each ratified by an item of the next meeting
//!   (ZJBF-009);
//! - 26 small payments to 4 repeated payees, two of them inside every 30-day
//!   window but below the threshold, so that ZJBF-008 groups and windows
//!   real sets;
//!
//! plus a few injected faults whose findings are counted in advance. Outside
//! the timed part the bench checks that the rules compile cleanly, that the
//! corpus has no input error and that the findings are exactly the expected
//! ones, so every timing is of real work.
//!
//! Three phases are timed, each with `Throughput::Elements(N)` so that the
//! time per disbursement can be compared across sizes:
//!
//! - `read`: reading and validating the YAML (`check::read_records`);
//! - `evaluate`: running all standard rules on the records already read
//!   (`check::evaluate`);
//! - `whole`: both, from a fresh source map with the standard rules loaded,
//!   as `sunlight check` does minus the disk.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use sunlight::check::{self, FileSet};
use sunlight::project::{RuleOptions, RuleSet, load_rules};
use sunlight::report::Report;
use sunlight::source::{FileId, SourceMap};
use sunlight::workspace::InputLimits;

/// Sizes of the corpus, in disbursements.
const SIZES: [usize; 2] = [10_000, 100_000];

/// Disbursements per org.
const PER_ORG: usize = 50;

/// Meetings per org; meeting `k` is held on day `30k + 10`.
const MEETINGS: usize = 10;

/// Small payments per payee, for the four payees of an org (sum 26).
const SMALL_PER_PAYEE: [usize; 4] = [7, 7, 6, 6];

/// Payees shared by all orgs (grouping is per org and payee).
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

/// The kinds of injected faults; org `o` carries fault `o % 20` when that
/// is one of these.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Two small payments to one payee 20 days apart adding up to 210,000:
    /// ZJBF-008 on both.
    Split = 1,
    /// A large payment transferred the day before its meeting: ZJBF-002 on
    /// 划拨 and ZJBF-004.
    PaidFirst = 2,
    /// The second payment citing an item overshoots it: ZJBF-005.
    Overpaid = 3,
    /// An emergency payment whose ratification was deferred: ZJBF-009.
    Unratified = 4,
    /// Meeting 7 attended by two of five members: SZYD-002, SZYD-003 on
    /// its payment item and ZJBF-006 on both payments citing it.
    NoQuorum = 5,
    /// A small payment signed by the principal alone: WBZG-003.
    OneSigner = 6,
    /// The applicant also transfers the money: ZJBF-007.
    SameHands = 7,
    /// A large payment without 提单: ZJBF-001.
    MissingStep = 8,
    /// A large payment citing item 9 of a meeting that has three: REF-001
    /// and ZJBF-003.
    NoSuchItem = 9,
}

impl Fault {
    fn of_org(o: usize) -> Option<Fault> {
        Some(match o % 20 {
            1 => Fault::Split,
            2 => Fault::PaidFirst,
            3 => Fault::Overpaid,
            4 => Fault::Unratified,
            5 => Fault::NoQuorum,
            6 => Fault::OneSigner,
            7 => Fault::SameHands,
            8 => Fault::MissingStep,
            9 => Fault::NoSuchItem,
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

/// `YYYY-MM-DD` of a day counted from 2021-01-01 (days-from-civil inverse).
fn date(day: i64) -> String {
    let z = 18_628 + day + 719_468; // 2021-01-01 is day 18,628 of the Unix epoch
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

/// The generated corpus.
struct Corpus {
    /// Number of disbursements.
    disbursements: usize,
    /// Number of records of all kinds.
    records: usize,
    /// One YAML stream per org: (file name, text).
    files: Vec<(String, Arc<str>)>,
    /// Expected findings by rule.
    expected: BTreeMap<&'static str, usize>,
}

/// The people of one org.
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
}

impl People {
    fn of(o: usize) -> People {
        People {
            principal: format!("书记{o:05}"),
            finance: format!("副局长甲{o:05}"),
            deputy: format!("副局长乙{o:05}"),
            discipline: format!("纪检组长{o:05}"),
            engineer: format!("总工{o:05}"),
            applicant: format!("经办人{o:05}"),
            reviewer: format!("审核员{o:05}"),
            cashier: format!("出纳{o:05}"),
            observer: format!("派驻员{o:05}"),
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

fn generate(n: usize) -> Corpus {
    let orgs = n / PER_ORG;
    let mut rng = Lcg(0x5EED_0F5C_u64 ^ n as u64);
    let mut files = Vec::with_capacity(orgs);
    let mut expected: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut disbursements = 0;
    let mut records = 0;
    for o in 0..orgs {
        let fault = Fault::of_org(o);
        if let Some(f) = fault {
            for &(rule, count) in f.findings() {
                *expected.entry(rule).or_default() += count;
            }
        }
        let (text, d, r) = org_file(o, fault, &mut rng);
        disbursements += d;
        records += r;
        files.push((format!("corpus/org{o:05}.yaml"), Arc::from(text)));
    }
    Corpus {
        disbursements,
        records,
        files,
        expected,
    }
}

/// Opinions on one item: everyone present in turn, the chair last.
fn opinions(out: &mut String, attendees: &[&str], chair: &str) {
    out.push_str("    opinions:\n");
    for who in attendees.iter().filter(|a| **a != chair).chain([&chair]) {
        let _ = writeln!(out, "      - {{name: {who}, stance: 同意}}");
    }
}

/// One org's records as a YAML stream; returns the text, the number of
/// disbursements and the number of records.
fn org_file(o: usize, fault: Option<Fault>, rng: &mut Lcg) -> (String, usize, usize) {
    let p = People::of(o);
    let org = format!("org{o:05}");
    let mut y = String::with_capacity(64 * 1024);
    let mut records = 0;
    let mut disbursements = 0;

    // The org and its leadership team.
    let _ = write!(
        y,
        "kind: org\nid: {org}\nname: 第{o:05}号单位\nleaders:\n  \
         - {{name: {}, post: 党组书记、局长, principal: true, manages: [全面工作]}}\n  \
         - {{name: {}, post: 副局长, manages: [财务, 工程招投标]}}\n  \
         - {{name: {}, post: 副局长, manages: [人事, 行政审批, 物资采购]}}\n  \
         - {{name: {}, post: 纪检组长, manages: [纪检监察]}}\n  \
         - {{name: {}, post: 总工程师, manages: [质量安全]}}\n",
        p.principal, p.finance, p.deputy, p.discipline, p.engineer
    );
    records += 1;

    let members = p.members();
    let bodies = ["党组会", "局务会", "局长办公会"];
    let mut next_id = 0usize;
    let mut new_id = || {
        next_id += 1;
        format!("D{o:05}-{next_id:03}")
    };

    // Emergency payments, paid 5 days before meetings 1..=4 which ratify them.
    let mut emergencies: Vec<String> = Vec::new();
    for k in 1..=4usize {
        let id = new_id();
        let day = 30 * k as i64 + 5;
        let _ = write!(
            y,
            "---\nkind: disbursement\nid: {id}\norg: {org}\npayee: {payee}\n\
             project: 防汛抢险第{k}批\namount: 300000\n\
             emergency: {{decided_by: {principal}, reason: 防汛抢险}}\nsteps:\n  \
             - {{step: 用款申请, by: {applicant}, date: {d0}}}\n  \
             - {{step: 签字, by: {finance}, date: {d1}}}\n  \
             - {{step: 划拨, by: {cashier}, date: {d2}, amount: 300000}}\n",
            payee = PAYEES[(o + k) % PAYEES.len()],
            principal = p.principal,
            applicant = p.applicant,
            finance = p.finance,
            cashier = p.cashier,
            d0 = date(day - 2),
            d1 = date(day - 1),
            d2 = date(day),
        );
        emergencies.push(id);
        records += 1;
        disbursements += 1;
    }

    // Meetings, each approving one sum paid in two instalments.
    for k in 0..MEETINGS {
        let m_id = format!("M{o:05}-{k:02}");
        let m_day = 30 * k as i64 + 10;
        let no_quorum = fault == Some(Fault::NoQuorum) && k == 7;
        let attendees: Vec<&str> = if no_quorum {
            vec![&p.principal, &p.finance]
        } else {
            members.to_vec()
        };
        let _ = write!(
            y,
            "---\nkind: meeting\nid: {m_id}\norg: {org}\nbody: {body}\ndate: {date}\n\
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
            "observers:\n  - {{name: {}, unit: 区纪委派驻纪检组}}\nitems:\n",
            p.observer
        );
        let approved = rng.range(80, 120) * 10_000;
        let _ = write!(
            y,
            "  - no: 1\n    title: 关于拨付第{k}期工程进度款的议题\n    category: 大额资金使用\n    \
             amount: {approved}\n    materials_sent: {}\n",
            date(m_day - 2)
        );
        opinions(&mut y, &attendees, &p.principal);
        y.push_str("    outcome: 通过\n");
        if (1..=4).contains(&k) {
            let deferred = fault == Some(Fault::Unratified) && k == 2;
            let _ = write!(
                y,
                "  - no: 2\n    title: 关于追认第{k}批防汛抢险紧急支付的议题\n    category: 大额资金使用\n    \
                 amount: 300000\n    materials_sent: {}\n",
                date(m_day - 2)
            );
            opinions(&mut y, &attendees, &p.principal);
            let _ = writeln!(
                y,
                "    outcome: {}\n    ratifies: {}",
                if deferred { "缓议" } else { "通过" },
                emergencies.get(k - 1).map_or("", String::as_str)
            );
        }
        let _ = write!(
            y,
            "  - no: 3\n    title: 关于购置办公用品的议题\n    category: 一般事项\n    \
             amount: {}\n",
            rng.range(10, 50) * 1_000
        );
        opinions(&mut y, &attendees, &p.principal);
        y.push_str("    outcome: 通过\n");
        records += 1;

        // Two instalments: 40% and 50% of the approved sum (70% when overpaid).
        for (i, share) in [(0usize, 4u64), (1, 5)] {
            let share = if fault == Some(Fault::Overpaid) && k == 5 && i == 1 {
                7
            } else {
                share
            };
            let amount = approved / 10 * share;
            let id = new_id();
            let pay_day = m_day + 5 + 10 * i as i64;
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
                "---\nkind: disbursement\nid: {id}\norg: {org}\npayee: {payee}\n\
                 project: 第{k}期改造工程\namount: {amount}\nsteps:\n  \
                 - {{step: 用款申请, by: {applicant}, date: {d0}}}\n  \
                 - {{step: 财政审核, by: {reviewer}, date: {d1}, result: 符合}}\n",
                payee = PAYEES[o % PAYEES.len()],
                applicant = p.applicant,
                reviewer = p.reviewer,
                d0 = date(m_day - 5),
                d1 = date(m_day - 3),
            );
            if !this(Fault::MissingStep, 8) {
                let _ = writeln!(
                    y,
                    "  - {{step: 提单, by: {}, date: {}}}",
                    p.reviewer,
                    date(m_day - 2)
                );
            }
            let _ = write!(
                y,
                "  - {{step: 集体审核, meeting: {m_id}, item: {item}, date: {d3}}}\n  \
                 - {{step: 签字, by: [{finance}, {principal}], date: {d4}}}\n  \
                 - {{step: 划拨, by: {payer}, date: {d5}, amount: {amount}}}\n",
                finance = p.finance,
                principal = p.principal,
                d3 = date(m_day),
                d4 = date(sign_day),
                d5 = date(pay_day),
            );
            records += 1;
            disbursements += 1;
        }
    }

    // Small payments to four payees, 20 days apart: two fall in a 30-day
    // window, each at most 60,000, so no window reaches the threshold.
    let first = o % PAYEES.len();
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
                "---\nkind: disbursement\nid: {id}\norg: {org}\npayee: {payee}\namount: {amount}\n\
                 steps:\n  \
                 - {{step: 用款申请, by: {applicant}, date: {d0}}}\n  \
                 - {{step: 财政审核, by: {reviewer}, date: {d1}, result: 符合}}\n  \
                 - {{step: 签字, by: {signer}, date: {d2}}}\n  \
                 - {{step: 划拨, by: {cashier}, date: {d3}}}\n",
                applicant = p.applicant,
                reviewer = p.reviewer,
                cashier = p.cashier,
                d0 = date(day - 4),
                d1 = date(day - 3),
                d2 = date(day - 1),
                d3 = date(day),
            );
            records += 1;
            disbursements += 1;
        }
    }
    (y, disbursements, records)
}

/// The standard rules loaded into a fresh source map, with the corpus added.
fn load(corpus: &Corpus) -> (SourceMap, RuleSet, Vec<FileId>) {
    let mut sources = SourceMap::new();
    let rules = load_rules(
        &mut sources,
        &RuleOptions::default(),
        &InputLimits::default(),
    );
    let ids = corpus
        .files
        .iter()
        .map(|(name, text)| sources.add(name.clone(), Arc::clone(text)))
        .collect();
    (sources, rules, ids)
}

/// Phase 1: read and validate the record files.
fn read(sources: &SourceMap, rules: &RuleSet, ids: &[FileId]) -> Vec<FileSet> {
    check::read_records(
        sources,
        ids,
        &rules.program.schema,
        &InputLimits::default().yaml,
    )
}

/// Phase 2: run the rules over the records read.
fn evaluate(sources: &SourceMap, rules: &RuleSet, set: &[FileSet]) -> Report {
    let files: Vec<&FileSet> = set.iter().collect();
    check::evaluate(&rules.program, &files, sources)
}

/// Check outside the timed part that the bench measures real work: clean
/// rules, no input error, exactly the injected findings.
fn verify(corpus: &Corpus, sources: &SourceMap, rules: &RuleSet, set: &[FileSet]) {
    assert_eq!(corpus.disbursements, corpus.files.len() * PER_ORG);
    assert!(
        rules.errors.is_empty(),
        "the standard rules do not compile cleanly: {:?}",
        rules.errors
    );
    let report = evaluate(sources, rules, set);
    assert_eq!(report.summary.checked, corpus.records);
    assert_eq!(report.summary.rejected, 0);
    assert!(
        report.errors.is_empty(),
        "input or evaluation errors, first: {:?}",
        report.errors.first()
    );
    let mut found: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        *found.entry(f.rule.as_str()).or_default() += 1;
    }
    assert_eq!(
        found, corpus.expected,
        "findings by rule differ from the injected faults"
    );
}

fn bench_check(c: &mut Criterion) {
    let corpora: Vec<Corpus> = SIZES.iter().map(|&n| generate(n)).collect();
    let loaded: Vec<(SourceMap, RuleSet, Vec<FileId>, Vec<FileSet>)> = corpora
        .iter()
        .map(|corpus| {
            let (sources, rules, ids) = load(corpus);
            let set = read(&sources, &rules, &ids);
            verify(corpus, &sources, &rules, &set);
            (sources, rules, ids, set)
        })
        .collect();

    let mut group = c.benchmark_group("read");
    configure(&mut group);
    for (corpus, (sources, rules, ids, _)) in corpora.iter().zip(&loaded) {
        group.throughput(Throughput::Elements(corpus.disbursements as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(corpus.disbursements),
            ids,
            |b, ids| b.iter_with_large_drop(|| read(sources, rules, black_box(ids))),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("evaluate");
    configure(&mut group);
    for (corpus, (sources, rules, _, set)) in corpora.iter().zip(&loaded) {
        group.throughput(Throughput::Elements(corpus.disbursements as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(corpus.disbursements),
            set,
            |b, set| b.iter_with_large_drop(|| evaluate(sources, rules, black_box(set))),
        );
    }
    group.finish();
    drop(loaded);

    let mut group = c.benchmark_group("whole");
    configure(&mut group);
    for corpus in &corpora {
        group.throughput(Throughput::Elements(corpus.disbursements as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(corpus.disbursements),
            corpus,
            |b, corpus| {
                b.iter(|| {
                    let (sources, rules, ids) = load(black_box(corpus));
                    let set = read(&sources, &rules, &ids);
                    evaluate(&sources, &rules, &set).findings.len()
                })
            },
        );
    }
    group.finish();
}

/// Few samples, one iteration each at 100,000 disbursements (seconds per
/// iteration), so that the whole bench takes a few minutes on two cores.
/// Criterion warns that 10 samples do not fit the target time at 100,000;
/// it then takes the time they need.
fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
