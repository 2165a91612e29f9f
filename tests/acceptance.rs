//! The acceptance cases: `sunlight check CASE/records` with the embedded
//! rules reports exactly the expected (rule, record) pairs and exactly the
//! expected files with input errors.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/acceptance");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    cases
}

fn run_case(case: &Path) -> Result<(), String> {
    let expected: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(case.join("expected.yaml")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sunlight"));
    cmd.arg("check")
        .arg(case.join("records"))
        .args(["--format", "json"]);
    // The run date the case is judged as of, where it names one.
    if let Some(today) = expected["today"].as_str() {
        cmd.args(["--today", today]);
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("bad JSON: {e}"))?;

    let want: BTreeSet<(String, String)> = expected["findings"]
        .as_sequence()
        .map(|s| {
            s.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_string(),
                        f["record"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let got: BTreeSet<(String, String)> = report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_string(),
                        f["record"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let want_errors: BTreeSet<String> = expected["errors"]
        .as_sequence()
        .map(|s| {
            s.iter()
                .filter_map(|e| e.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let records_dir = case.join("records").display().to_string();
    let got_errors: BTreeSet<String> = report["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["file"].as_str())
                .map(|f| {
                    f.strip_prefix(&records_dir)
                        .unwrap_or(f)
                        .trim_start_matches('/')
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default();
    let want_code = if want_errors.is_empty() {
        i32::from(!want.is_empty())
    } else {
        2
    };
    let mut problems = Vec::new();
    if got != want {
        problems.push(format!(
            "findings differ\n  missing: {:?}\n  extra:   {:?}",
            want.difference(&got).collect::<Vec<_>>(),
            got.difference(&want).collect::<Vec<_>>()
        ));
    }
    if got_errors != want_errors {
        problems.push(format!(
            "files with input errors: got {got_errors:?}, want {want_errors:?}"
        ));
    }
    if out.status.code() != Some(want_code) {
        problems.push(format!(
            "exit code {:?}, want {want_code}",
            out.status.code()
        ));
    }
    if let Some(today) = expected["today"].as_str()
        && report["today"].as_str() != Some(today)
    {
        problems.push(format!(
            "report states today {}, want {today}",
            report["today"]
        ));
    }
    let s = &report["summary"];
    if s["records"].as_u64()
        != Some(s["checked"].as_u64().unwrap_or(0) + s["rejected"].as_u64().unwrap_or(0))
    {
        problems.push(format!("summary counts do not add up: {s}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

#[test]
fn every_acceptance_case_passes_exactly() {
    let cases = cases();
    assert_eq!(
        cases.len(),
        8,
        "the eight acceptance cases are in tests/fixtures/acceptance"
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_case(c).err().map(|e| format!("{}:\n{e}", c.display())))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
