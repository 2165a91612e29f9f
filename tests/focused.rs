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
            // The records' table is the report's, not the editor's.
            assert!(focused.records.is_empty());
            assert_eq!(focused.summary, full.summary);
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

/// The findings of `files` with `edited` (one file's new text, if any),
/// by a whole run and over an index of the other files ([`check::Frozen`]),
/// on every file: they must be the same, to the related locations.
fn layered_agrees(
    sources: &SourceMap,
    program: &std::sync::Arc<check::Program>,
    ids: &[sunlight::source::FileId],
    hot: sunlight::source::FileId,
    what: &str,
) -> (usize, usize) {
    let limits = InputLimits::default();
    let sets: Vec<std::sync::Arc<FileSet>> =
        check::read_records(sources, ids, &program.schema, &limits.yaml)
            .into_iter()
            .map(std::sync::Arc::new)
            .collect();
    let refs: Vec<&FileSet> = sets.iter().map(|s| s.as_ref()).collect();
    let full = check::evaluate(program, &refs, sources);
    let frozen = check::Frozen::new(program.clone(), &sets, hot);
    let layered = sets
        .iter()
        .find(|s| s.file == hot)
        .and_then(|hot_set| frozen.evaluate(hot_set, ids, sources));
    assert!(layered.is_some(), "{what}: not evaluated over the index");
    let layered = layered.map(|r| r.findings).unwrap_or_default();
    assert_eq!(layered, full.findings, "{what}");
    (full.findings.len(), frozen.values_kept())
}

#[test]
fn evaluation_over_an_index_of_the_other_files_agrees_with_a_full_run() {
    let limits = InputLimits::default();
    // The standard rules, and rules whose messages list records in the
    // order `records()` gives them, through a lookup of another record.
    let options = RuleOptions {
        rules: vec![
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layered/order.rules"),
        ],
        ..RuleOptions::default()
    };
    let mut compared = 0;
    for folder in folders() {
        let mut sources = SourceMap::new();
        let rules = project::load_rules(&mut sources, &options, &limits);
        assert!(rules.errors.is_empty(), "{:?}", rules.errors);
        let program = std::sync::Arc::new(rules.program);
        let mut errors = Vec::new();
        let ids: Vec<_> = workspace::record_files(std::slice::from_ref(&folder), &mut errors)
            .iter()
            .filter_map(|p| workspace::read_into(&mut sources, p, &limits, &mut errors))
            .collect();
        let texts: Vec<String> = ids
            .iter()
            .map(|&id| {
                sources
                    .get(id)
                    .map(|f| f.text.to_string())
                    .unwrap_or_default()
            })
            .collect();
        // The sample data is large for a debug build: its files are
        // compared as they are, the acceptance cases' also edited.
        let edits = !folder.ends_with("longtan-2014");
        for (n, &hot) in ids.iter().enumerate() {
            let name = format!("{} as edited", sources.name(hot));
            let (findings, kept) = layered_agrees(&sources, &program, &ids, hot, &name);
            compared += findings;
            // The groups of all records of the standard rules are each
            // computed over the index and combined with the edited file's
            // part, not computed again over every record.
            let least = if edits { 1 } else { 3 };
            assert!(kept >= least, "{name}: {kept} whole-run values kept");
            if !edits {
                continue;
            }
            // Edits that move records between groups and ids: the file
            // emptied, written twice (every id repeated), and replaced by
            // the next file's records (ids shared with another file, where
            // the first in path order wins).
            let own = &texts[n];
            let next = &texts[(n + 1) % texts.len()];
            for (edit, text) in [
                ("emptied", String::new()),
                ("doubled", format!("{own}\n---\n{own}")),
                ("replaced by the next file", next.clone()),
            ] {
                sources.replace(hot, text);
                let what = format!("{name}, {edit}");
                layered_agrees(&sources, &program, &ids, hot, &what);
            }
            sources.replace(hot, own.clone());
        }
    }
    assert!(compared > 50, "too few findings compared: {compared}");
}
