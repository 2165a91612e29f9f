//! Running the `sunlight` binary and reading its JSON report.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use super::{TestResult, fail};

/// The binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sunlight"))
}

/// Run `sunlight check` in `dir` with these arguments (paths relative to
/// `dir`), never in colour.
pub fn run_check(dir: &Path, args: &[&str]) -> TestResult<Output> {
    Ok(bin()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .args(["--color", "never"])
        .env("NO_COLOR", "1")
        .output()?)
}

/// The output of a run as (exit code, stdout).
pub fn code_and_stdout(out: &Output) -> (Option<i32>, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Run `sunlight check --format json` and parse the report.
pub fn run_check_json(dir: &Path, args: &[&str]) -> TestResult<(Option<i32>, serde_json::Value)> {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = run_check(dir, &all)?;
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        fail(format!(
            "bad JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    })?;
    Ok((out.status.code(), value))
}

/// The (rule, record) pairs of a JSON report.
pub fn json_pairs(report: &serde_json::Value) -> BTreeSet<(String, String)> {
    report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or_default().to_string(),
                        f["record"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
