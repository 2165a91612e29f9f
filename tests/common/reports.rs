//! Looking at reports: (rule, record) pairs, rendered text and anchors.

use std::collections::BTreeSet;

use sunlight::report::Report;
use sunlight::source::SourceMap;

use super::{Run, TestResult, fail};

/// Every (rule, record) pair of a report.
pub fn pairs(report: &Report) -> BTreeSet<(String, String)> {
    report
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.record.clone()))
        .collect()
}

/// The (rule, record) pairs of one rule.
pub fn pairs_of(report: &Report, rule: &str) -> BTreeSet<(String, String)> {
    report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.rule.clone(), f.record.clone()))
        .collect()
}

/// The ids of the rules that fired.
pub fn rules_fired(report: &Report) -> BTreeSet<String> {
    report.findings.iter().map(|f| f.rule.clone()).collect()
}

/// A set of (rule, record) pairs from string slices.
pub fn set(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

/// The empty pair set.
pub fn none() -> BTreeSet<(String, String)> {
    BTreeSet::new()
}

/// The human rendering of a report, without colour.
pub fn human(report: &Report, sources: &SourceMap) -> String {
    sunlight::report::human::render(report, sources, false)
}

/// 1-based (line, column in characters) of the `nth` (0-based) occurrence
/// of `needle` in `text`.
pub fn position_of(text: &str, needle: &str, nth: usize) -> TestResult<(usize, usize)> {
    let Some((offset, _)) = text.match_indices(needle).nth(nth) else {
        return Err(fail(format!("`{needle}` does not occur {} times", nth + 1)));
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Ok((line, column))
}

/// Assert that `rule`'s finding on `record` points into `records.yaml` at
/// the `nth` occurrence of `needle` in `text`, with the given field path.
pub fn assert_anchor(
    run: &Run,
    text: &str,
    rule: &str,
    record: &str,
    path: &str,
    needle: &str,
    nth: usize,
) -> TestResult {
    assert_anchor_any(run, text, rule, record, path, &[(needle, nth)])
}

/// As [`assert_anchor`], accepting any of several places: a field holding
/// a block list or mapping may be pointed at by its key or by its value.
pub fn assert_anchor_any(
    run: &Run,
    text: &str,
    rule: &str,
    record: &str,
    path: &str,
    places: &[(&str, usize)],
) -> TestResult {
    let f = run.finding(rule, record)?;
    let (file, line, column) = run.anchor(f)?;
    let mut wants = Vec::new();
    for (needle, nth) in places {
        wants.push(position_of(text, needle, *nth)?);
    }
    if !file.ends_with("records.yaml") || !wants.contains(&(line, column)) || f.path != path {
        return Err(fail(format!(
            "{rule} on {record}: anchor is {file}:{line}:{column} path `{}` (`{}`), want records.yaml at one of {wants:?} ({places:?}) with path `{path}`",
            f.path,
            run.anchor_text(f),
        )));
    }
    Ok(())
}
