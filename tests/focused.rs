//! The editor evaluates only the records of open files (rules whose
//! findings other rules ask for run on demand). On every file of every
//! acceptance case and of the sample data, that must give exactly the
//! findings a full run gives on that file.

use std::path::{Path, PathBuf};

use sunlight::check::{self, FileSet};
use sunlight::project::{self, RuleOptions};
use sunlight::source::SourceMap;
use sunlight::workspace::{self, InputLimits};

fn folders() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures/acceptance"))
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path().join("records")))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    out.push(root.join("examples/longtan-2014"));
    out.sort();
    out
}

type Key = (String, String, String, u32);

fn keys(report: &sunlight::report::Report, file: sunlight::source::FileId) -> Vec<Key> {
    let mut v: Vec<Key> = report
        .findings
        .iter()
        .filter(|f| f.span.file == file)
        .map(|f| {
            (
                f.rule.clone(),
                f.record.clone(),
                f.message.clone(),
                f.span.start,
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn focused_evaluation_agrees_with_a_full_run_file_by_file() {
    let limits = InputLimits::default();
    let folders = folders();
    assert!(folders.len() >= 8, "fixtures are missing: {folders:?}");
    for folder in folders {
        let mut sources = SourceMap::new();
        let rules = project::load_rules(&mut sources, &RuleOptions::default(), &limits);
        let mut errors = Vec::new();
        let ids: Vec<_> = workspace::record_files(std::slice::from_ref(&folder), &mut errors)
            .iter()
            .filter_map(|p| workspace::read_into(&mut sources, p, &limits, &mut errors))
            .collect();
        let sets = check::read_records(&sources, &ids, &rules.program.schema, &limits.yaml);
        let refs: Vec<&FileSet> = sets.iter().collect();
        let full = check::evaluate(&rules.program, &refs, &sources);
        let mut checked = 0;
        for &id in &ids {
            let focused = check::evaluate_focused(&rules.program, &refs, &sources, Some(&[id]));
            assert_eq!(
                keys(&focused, id),
                keys(&full, id),
                "{} differs when focused",
                sources.name(id)
            );
            checked += keys(&full, id).len();
        }
        assert_eq!(
            checked,
            full.findings.len(),
            "{}: findings outside the record files",
            folder.display()
        );
    }
}
