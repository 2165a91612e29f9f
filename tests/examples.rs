//! The bundled examples report what their READMEs say they report.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The (rule, record) pairs of the first table of a README whose columns
/// start with `rule | record`.
fn readme_pairs(readme: &str) -> BTreeSet<(String, String)> {
    readme
        .lines()
        .skip_while(|l| !l.starts_with("| rule | record |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            Some((cells.get(1)?.to_string(), cells.get(2)?.to_string()))
        })
        .collect()
}

#[test]
fn the_locality_overlay_example_reports_its_readme_table() -> TestResult {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/locality-overlay");
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args(["check", ".", "--format", "json"])
        .current_dir(&dir)
        .output()?;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let errors = report["errors"].as_array().map_or(0, Vec::len);
    assert_eq!(errors, 0, "{}", report["errors"]);
    let got: BTreeSet<(String, String)> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["record"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want = readme_pairs(&std::fs::read_to_string(dir.join("README.md"))?);
    assert_eq!(want.len(), 6, "the README's table: {want:?}");
    assert_eq!(got, want);
    // The replaced SZYD-010 speaks with the local version's severity and words.
    let szyd_010 = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "SZYD-010")
        .ok_or("no SZYD-010")?;
    assert_eq!(szyd_010["severity"], "error");
    assert!(
        szyd_010["message"]
            .as_str()
            .unwrap_or_default()
            .contains("本区从严")
    );
    Ok(())
}

#[test]
fn without_the_overlay_the_records_read_differently() -> TestResult {
    // The standard schema alone does not know `venue`: the two meetings
    // that have it are input errors.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/locality-overlay/records");
    let tmp = tempfile::tempdir()?;
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .arg("check")
        .arg(&dir)
        .args(["--no-config", "--format", "json"])
        .current_dir(tmp.path())
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let messages: Vec<&str> = report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert_eq!(
        messages.iter().filter(|m| m.contains("venue")).count(),
        2,
        "{messages:?}"
    );
    Ok(())
}

/// A copy of the locality overlay example with `extra` added to its
/// project file, checked: (exit code, JSON report).
fn overlay_with_config_line(
    extra: &str,
) -> Result<(Option<i32>, serde_json::Value), Box<dyn std::error::Error>> {
    fn copy(from: &Path, to: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let target = to.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                copy(&entry.path(), &target)?;
            } else {
                std::fs::copy(entry.path(), target)?;
            }
        }
        Ok(())
    }
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("overlay");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/locality-overlay"),
        &dir,
    )?;
    let config = dir.join("sunlight.toml");
    let text = std::fs::read_to_string(&config)?;
    std::fs::write(&config, format!("{text}{extra}"))?;
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args(["check", ".", "--format", "json"])
        .current_dir(&dir)
        .output()?;
    Ok((out.status.code(), serde_json::from_slice(&out.stdout)?))
}

/// The (file, line, message) of each error of a JSON report.
fn report_errors(report: &serde_json::Value) -> Vec<(String, u64, String)> {
    report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["file"].as_str().unwrap_or_default().to_string(),
                e["line"].as_u64().unwrap_or_default(),
                e["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_project_file_value_that_does_not_parse_spoils_only_its_setting() -> TestResult {
    let (code, report) = overlay_with_config_line("today = 2014-13-01\n")?;
    assert_eq!(code, Some(2));
    // The date is the one error, at its place: the local rules and
    // thresholds still hold, and the parameter file is no record.
    let errors = report_errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].0.as_str(), errors[0].1), ("sunlight.toml", 5));
    assert!(errors[0].2.contains("`today`"), "{errors:?}");
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "ZJBF-008")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(!messages.is_empty());
    assert!(
        messages.iter().all(|m| m.contains("500000 元")),
        "{messages:?}"
    );
    Ok(())
}

#[test]
fn a_project_file_that_does_not_parse_applies_nothing_and_says_so() -> TestResult {
    let (code, report) = overlay_with_config_line("disable = [\"SZYD-010\"\n")?;
    assert_eq!(code, Some(2));
    let errors = report_errors(&report);
    let config: Vec<&(String, u64, String)> =
        errors.iter().filter(|e| e.0 == "sunlight.toml").collect();
    assert_eq!(config.len(), 1, "{errors:?}");
    assert!(
        config[0]
            .2
            .contains("its rules, parameters and other settings were not applied"),
        "{errors:?}"
    );
    // The parameter file it names is still no record.
    assert!(
        errors.iter().all(|e| !e.0.contains("本地参数")),
        "{errors:?}"
    );
    Ok(())
}
