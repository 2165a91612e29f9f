//! How the cross-record rules scale on data shaped to make them slow: N
//! payments citing one meeting item (ZJBF-005 adds up the payments before
//! each one), N = 1,000 and 10,000.
//!
//! Every payment is 200 and the item approves 1,200,000, so the 6,001st
//! payment in date order goes over: outside the timed part the bench checks
//! that this one finding (and no error) is what the rules report, so the
//! timing is of real work. Only the rules are timed (`check::evaluate` on
//! the records already read), with `Throughput::Elements(N)`: the time per
//! payment should stay flat as N grows.
//!
//! Figures (release build, on 2 cores shared with other work, so wall
//! times are high): before ZJBF-005 read its running total with
//! `sum_before`, each payment took and summed the prefix of its group,
//! about n² work: `sunlight check` took 1.6 s for 1,000 payments, 21.5 s
//! for 3,000 and about 290 s for 10,000. After: this bench measures 0.19 s
//! for 1,000 and 4.6 s for 10,000 (wall); `sunlight check` spends 1.6 s of
//! CPU on 10,000 and 3.4 s on 20,000. Past 4,096 payments the time per
//! payment is flat: below, a rule's records are cut into fewer chunks, and
//! each chunk sorts the group and sums its running totals once.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sunlight::check::{self, FileSet};
use sunlight::project::{RuleOptions, RuleSet, load_rules};
use sunlight::report::Report;
use sunlight::source::{FileId, SourceMap};
use sunlight::workspace::InputLimits;

const SIZES: [usize; 2] = [1_000, 10_000];

/// Each payment's amount.
const EACH: u64 = 200;

/// The approved amount of the item all payments cite.
const APPROVED: u64 = 1_200_000;

/// An org, a meeting approving one item, and `n` payments citing it, paid
/// over four weeks.
fn one_item(n: usize) -> String {
    let mut y = String::from(
        "kind: org\nid: zhujian\nname: 龙潭区住房和城乡建设局\nleaders:\n  \
         - {name: 王建国, post: 党组书记、局长, principal: true, manages: [全面工作]}\n  \
         - {name: 李明, post: 副局长, manages: [财务, 工程招投标]}\n  \
         - {name: 张华, post: 副局长, manages: [人事, 行政审批, 物资采购]}\n  \
         - {name: 赵强, post: 纪检组长, manages: [纪检监察]}\n  \
         - {name: 刘芳, post: 总工程师, manages: [质量安全]}\n\
         ---\nkind: meeting\nid: ZJ-DZ-2014-07\norg: zhujian\nbody: 党组会\ndate: 2014-07-18\n\
         chair: 王建国\nmembers: [王建国, 李明, 张华, 赵强, 刘芳]\nattendees: [王建国, 李明, 张华, 赵强, 刘芳]\n\
         observers:\n  - {name: 陈静, unit: 区纪委派驻纪检组}\n\
         items:\n  - no: 1\n    title: 关于拨付龙潭大道改造工程进度款的议题\n    category: 大额资金使用\n    \
         amount: 1200000\n    agenda: 会前确定\n    materials_sent: 2014-07-16\n    opinions:\n      \
         - {name: 李明, stance: 同意}\n      - {name: 张华, stance: 同意}\n      \
         - {name: 赵强, stance: 同意}\n      - {name: 刘芳, stance: 同意}\n      \
         - {name: 王建国, stance: 同意}\n    outcome: 通过\n",
    );
    for i in 0..n {
        let _ = write!(
            y,
            "---\nkind: disbursement\nid: P-{i:05}\norg: zhujian\npayee: 龙潭路桥建设有限公司\n\
             amount: {EACH}\nsteps:\n  \
             - {{step: 用款申请, by: 何伟, date: 2014-07-10}}\n  \
             - {{step: 财政审核, by: 孙立, date: 2014-07-14, result: 符合}}\n  \
             - {{step: 提单, by: 孙立, date: 2014-07-15}}\n  \
             - {{step: 集体审核, meeting: ZJ-DZ-2014-07, item: 1, date: 2014-07-18}}\n  \
             - {{step: 签字, by: [李明, 王建国], date: 2014-07-18}}\n  \
             - {{step: 划拨, by: 周敏, date: 2014-07-{:02}}}\n",
            21 + i % 10,
        );
    }
    y
}

fn load(n: usize) -> (SourceMap, RuleSet, FileId) {
    let mut sources = SourceMap::new();
    let rules = load_rules(
        &mut sources,
        &RuleOptions::default(),
        &InputLimits::default(),
    );
    let id = sources.add(format!("one-item-{n}.yaml"), one_item(n));
    (sources, rules, id)
}

fn evaluate(sources: &SourceMap, rules: &RuleSet, set: &FileSet) -> Report {
    check::evaluate(&rules.program, &[set], sources)
}

fn bench_one_item(c: &mut Criterion) {
    let mut cases = Vec::new();
    for n in SIZES {
        let (sources, rules, id) = load(n);
        assert!(rules.errors.is_empty(), "{:?}", rules.errors);
        let set = check::read_file(
            &sources,
            id,
            &rules.program.schema,
            &InputLimits::default().yaml,
        );
        let report = evaluate(&sources, &rules, &set);
        assert!(report.errors.is_empty(), "{:?}", report.errors.first());
        let rules_fired: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
        let over = usize::try_from(APPROVED / EACH).unwrap_or(usize::MAX) < n;
        assert_eq!(rules_fired, if over { vec!["ZJBF-005"] } else { vec![] });
        cases.push((n, sources, rules, set));
    }

    let mut group = c.benchmark_group("adversarial/one_item");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for (n, sources, rules, set) in &cases {
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), set, |b, set| {
            b.iter_with_large_drop(|| evaluate(sources, rules, black_box(set)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_one_item);
criterion_main!(benches);
