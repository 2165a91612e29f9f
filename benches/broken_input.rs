//! How the cost of bad input scales: one file of N records, every one of
//! them broken (N = 2,000 and 20,000).
//!
//! Each record ends in a complex key left open (`? [`), so the YAML parser
//! reads on past the `---` of the record after it before it fails; reading
//! resumes record by record, and every error is rendered for a terminal. Both phases are timed with
//! `Throughput::Elements(N)`: the time per record should stay flat as N
//! grows. Outside the timed part the bench checks that every record was read
//! and rejected with one error each, so the timings are of real work.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sunlight::check::{self, FileSet};
use sunlight::project::{RuleOptions, RuleSet, load_rules};
use sunlight::report::{Report, human};
use sunlight::source::{FileId, SourceMap};
use sunlight::workspace::InputLimits;

const SIZES: [usize; 2] = [2_000, 20_000];

/// N records, each with a complex key never closed.
fn broken_records(n: usize) -> String {
    (0..n)
        .map(|i| format!("---\nkind: org\nid: org-{i}\nname: 单位{i}\nleaders: []\n? [\n"))
        .collect()
}

fn read(sources: &SourceMap, rules: &RuleSet, id: FileId) -> FileSet {
    check::read_file(
        sources,
        id,
        &rules.program.schema,
        &InputLimits::default().yaml,
    )
}

fn report(sources: &SourceMap, rules: &RuleSet, set: &FileSet) -> Report {
    check::evaluate(&rules.program, &[set], sources)
}

fn bench_broken(c: &mut Criterion) {
    let mut cases = Vec::new();
    for n in SIZES {
        let mut sources = SourceMap::new();
        let rules = load_rules(
            &mut sources,
            &RuleOptions::default(),
            &InputLimits::default(),
        );
        let id = sources.add(format!("broken-{n}.yaml"), broken_records(n));
        let set = read(&sources, &rules, id);
        assert_eq!(set.records_read(), n, "every record is read");
        assert!(set.records.is_empty() && set.rejected.len() == n);
        assert_eq!(set.errors.len(), n, "one error per record");
        cases.push((n, sources, rules, id, set));
    }

    let mut group = c.benchmark_group("broken/read");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for (n, sources, rules, id, _) in &cases {
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), id, |b, &id| {
            b.iter_with_large_drop(|| read(sources, rules, black_box(id)))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("broken/render");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for (n, sources, rules, _, set) in &cases {
        let report = report(sources, rules, set);
        group.throughput(Throughput::Elements(*n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &report, |b, report| {
            b.iter(|| human::render(black_box(report), sources, false).len())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_broken);
criterion_main!(benches);
