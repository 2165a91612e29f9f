//! A join written as `filter(records(K), x => x.f == y.g)` inside a rule
//! reads every record of K for every record the rule runs on; so does
//! `count`, `first`, `last`, `any`, `none` or `all` with such a predicate.
//! It is reported when the rule file is compiled, as a warning at the call
//! with the `group`/`get` rewrite as help; the rewrite finds the same.

use std::error::Error;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The JSON report of the examples checked with one extra rule file.
fn report(rules: &str) -> TestResult<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args(["check", "--no-config", "--format", "json", "--rules"])
        .arg(root().join("tests/fixtures/naive-join").join(rules))
        .arg(root().join("examples/longtan-2014"))
        .output()?;
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// The findings of the fixtures' rules: (rule, record, message), sorted.
fn local_findings(r: &Value) -> Vec<(String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut found: Vec<_> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("LOCAL-")))
        .map(|f| (text(&f["rule"]), text(&f["record"]), text(&f["message"])))
        .collect();
    found.sort();
    found
}

/// The errors and warnings of one fixture file.
fn file_errors<'r>(r: &'r Value, file: &str) -> Vec<&'r Value> {
    r["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["file"].as_str().is_some_and(|f| f.ends_with(file)))
        .collect()
}

#[test]
fn a_filter_joining_records_is_reported_with_the_group_rewrite() -> TestResult {
    let r = report("join.rules")?;
    let warnings = file_errors(&r, "join.rules");
    // The join on line 6 is reported; the filter on a constant (line 7) is not.
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    let w = warnings[0];
    assert_eq!(w["severity"], "warning");
    assert_eq!(
        (w["line"].as_u64(), w["column"].as_u64()),
        (Some(6), Some(12))
    );
    let message = w["message"].as_str().unwrap_or("");
    assert!(
        message.contains("reads every `meeting` record"),
        "{message}"
    );
    assert_eq!(
        w["help"],
        "index the records once with `group` and look the key up with `get`: \
         `get(group(records(meeting), m => m.org), d.org)`"
    );
    // A warning: the run is judged on its findings alone.
    assert!(!local_findings(&r).is_empty());
    Ok(())
}

#[test]
fn the_suggested_rewrite_is_silent_and_finds_the_same() -> TestResult {
    let naive = report("join.rules")?;
    let indexed = report("indexed.rules")?;
    let errors = indexed["errors"].as_array().map_or(0, Vec::len);
    assert_eq!(errors, 0, "{:#?}", indexed["errors"]);
    assert_eq!(local_findings(&naive), local_findings(&indexed));
    Ok(())
}

#[test]
fn every_builtin_taking_a_predicate_reports_its_join_with_its_own_rewrite() -> TestResult {
    let r = report("predicates.rules")?;
    let indexed =
        std::fs::read_to_string(root().join("tests/fixtures/naive-join/predicates-indexed.rules"))?;
    let warnings = file_errors(&r, "predicates.rules");
    // One rule per built-in, seven lines apart: the call is in its message.
    let expected = [
        (9, 13, "count"),
        (16, 13, "first"),
        (23, 13, "last"),
        (30, 13, "any"),
        (37, 13, "none"),
        (44, 13, "all"),
        (51, 19, "filter"),
        (58, 13, "none"),
    ];
    let found: Vec<(u64, u64, &str)> = warnings
        .iter()
        .map(|w| {
            let message = w["message"].as_str().unwrap_or("");
            let name = message
                .strip_prefix("this `")
                .and_then(|m| m.split('`').next())
                .unwrap_or("");
            (
                w["line"].as_u64().unwrap_or(0),
                w["column"].as_u64().unwrap_or(0),
                name,
            )
        })
        .collect();
    assert_eq!(found, expected);
    for w in &warnings {
        assert_eq!(w["severity"], "warning");
        let help = w["help"].as_str().unwrap_or("");
        let rewrite = help
            .strip_prefix("index the records once with `group` and look the key up with `get`: `")
            .and_then(|h| h.strip_suffix('`'))
            .ok_or(format!("unexpected help: {help}"))?;
        // The indexed file has the rewrite in place of the call, where the
        // warning points: it is checked below to find the same.
        let (line, column) = (
            usize::try_from(w["line"].as_u64().unwrap_or(0))?,
            usize::try_from(w["column"].as_u64().unwrap_or(0))?,
        );
        let at: String = indexed
            .lines()
            .nth(line - 1)
            .unwrap_or("")
            .chars()
            .skip(column - 1)
            .collect();
        assert!(
            at.starts_with(rewrite),
            "{rewrite} is not at {line}:{column} of predicates-indexed.rules"
        );
    }
    Ok(())
}

#[test]
fn each_suggested_rewrite_is_silent_and_finds_the_same() -> TestResult {
    let naive = report("predicates.rules")?;
    let indexed = report("predicates-indexed.rules")?;
    let errors = indexed["errors"].as_array().map_or(0, Vec::len);
    assert_eq!(errors, 0, "{:#?}", indexed["errors"]);
    let found = local_findings(&naive);
    // Every rule reports its value for every disbursement: a rewrite that
    // gave another value for any record would differ here.
    for rule in [
        "LOCAL-002",
        "LOCAL-003",
        "LOCAL-005",
        "LOCAL-006",
        "LOCAL-008",
    ] {
        let values: std::collections::BTreeSet<&str> = found
            .iter()
            .filter(|(r, ..)| r == rule)
            .map(|(.., m)| m.as_str())
            .collect();
        assert!(values.len() > 1, "{rule} gives one value: {values:?}");
    }
    assert_eq!(found, local_findings(&indexed));
    Ok(())
}

#[test]
fn the_standard_rules_have_no_naive_join() -> TestResult {
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args(["check", "--no-config", "--format", "json"])
        .arg(root().join("examples/longtan-2014"))
        .output()?;
    let r: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(r["errors"].as_array().map_or(0, Vec::len), 0);
    Ok(())
}
