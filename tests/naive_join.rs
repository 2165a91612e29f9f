//! A join written as `filter(records(K), x => x.f == y.g)` inside a rule
//! reads every record of K for every record the rule runs on. It is
//! reported when the rule file is compiled, as a warning at the `filter`
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

fn local_findings(r: &Value) -> Vec<(String, String)> {
    r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "LOCAL-001")
        .map(|f| {
            (
                f["record"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_filter_joining_records_is_reported_with_the_group_rewrite() -> TestResult {
    let r = report("join.rules")?;
    let warnings: Vec<&Value> = r["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("join.rules"))
        })
        .collect();
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
fn the_standard_rules_have_no_naive_join() -> TestResult {
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args(["check", "--no-config", "--format", "json"])
        .arg(root().join("examples/longtan-2014"))
        .output()?;
    let r: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(r["errors"].as_array().map_or(0, Vec::len), 0);
    Ok(())
}
