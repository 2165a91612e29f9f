//! Every output format stays valid whatever the input holds: SARIF file
//! URIs follow RFC 3986 for absolute paths, odd file names and absolute
//! `--params` paths; JUnit stays well-formed XML with characters XML
//! cannot carry in a record id.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

fn sarif_schema() -> TestResult<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json");
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

fn assert_valid_sarif(log: &Value) -> TestResult {
    let schema = sarif_schema()?;
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)?;
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
    Ok(())
}

/// Every `artifactLocation` of a SARIF log.
fn artifact_locations(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if k == "artifactLocation" {
                    out.push(x.clone());
                } else {
                    artifact_locations(x, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| artifact_locations(x, out)),
        _ => {}
    }
}

/// `sunlight check ARGS --format sarif` run in `dir`.
fn sarif(dir: &Path, args: &[&str]) -> TestResult<Value> {
    let out = bin()
        .current_dir(dir)
        .arg("check")
        .args(args)
        .args(["--format", "sarif"])
        .output()?;
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// The base with a finding (SZYD-001: the body is not a leadership body).
fn faulty() -> TestResult<String> {
    base_with("body: 党组会", "body: 碰头会")
}

#[test]
fn absolute_paths_become_file_uris() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_files(dir.path(), &[("records/审计 1.yaml", &faulty()?)])?;
    let abs = dir.path().join("records");
    let log = sarif(dir.path(), &[&abs.to_string_lossy()])?;
    assert_valid_sarif(&log)?;
    let mut locations = Vec::new();
    artifact_locations(&log, &mut locations);
    assert!(!locations.is_empty(), "{log:#}");
    for l in &locations {
        let uri = l["uri"].as_str().unwrap_or_default();
        assert!(uri.starts_with("file:///"), "{l}");
        assert!(uri.ends_with("/records/%E5%AE%A1%E8%AE%A1%201.yaml"), "{l}");
        assert!(l.get("uriBaseId").is_none(), "{l}");
    }
    let run = &log["runs"][0];
    assert!(run["automationDetails"]["id"].is_string(), "{run:#}");
    Ok(())
}

#[test]
fn relative_uris_name_their_base_and_never_read_as_a_scheme() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_files(dir.path(), &[("a:b.yaml", &faulty()?)])?;
    let log = sarif(dir.path(), &["a:b.yaml"])?;
    assert_valid_sarif(&log)?;
    let mut locations = Vec::new();
    artifact_locations(&log, &mut locations);
    assert!(!locations.is_empty(), "{log:#}");
    for l in &locations {
        assert_eq!(l["uri"], "./a:b.yaml", "{l}");
        assert_eq!(l["uriBaseId"], "%SRCROOT%", "{l}");
    }
    let base = &log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    let base = base.as_str().unwrap_or_default();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_backslash_in_a_unix_file_name_is_encoded_not_a_separator() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_files(dir.path(), &[("x\\y.yaml", &faulty()?)])?;
    let log = sarif(dir.path(), &["x\\y.yaml"])?;
    assert_valid_sarif(&log)?;
    let mut locations = Vec::new();
    artifact_locations(&log, &mut locations);
    assert!(!locations.is_empty(), "{log:#}");
    for l in &locations {
        assert_eq!(l["uri"], "x%5Cy.yaml", "{l}");
    }
    Ok(())
}

#[test]
fn an_absolute_params_path_in_a_notification_is_a_file_uri() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_files(
        dir.path(),
        &[
            ("records/r.yaml", BASE),
            ("params.yaml", "没有这个参数: 1\n"),
        ],
    )?;
    let params = dir.path().join("params.yaml");
    let log = sarif(
        dir.path(),
        &["records", "--params", &params.to_string_lossy()],
    )?;
    assert_valid_sarif(&log)?;
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    let mut locations = Vec::new();
    artifact_locations(notes, &mut locations);
    assert!(!locations.is_empty(), "{notes:#}");
    for l in &locations {
        let uri = l["uri"].as_str().unwrap_or_default();
        assert!(
            uri.starts_with("file:///") && uri.ends_with("/params.yaml"),
            "{l}"
        );
    }
    Ok(())
}

/// Microsoft's SARIF validator, when installed
/// (`npm install -g @microsoft/sarif-multitool`), finds no error in the
/// SARIF of absolute paths and odd names. Skipped with a note when absent.
#[test]
fn the_sarif_multitool_finds_no_error_when_installed() -> TestResult {
    let probe = Command::new("sarif-multitool").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("note: sarif-multitool is not installed; skipping");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    write_files(
        dir.path(),
        &[
            ("a:b.yaml", &faulty()?),
            (
                "审计/c.yaml",
                &faulty()?
                    .replace(PAYMENT, "P2")
                    .replace(MEETING, "M2")
                    .replace("id: zhujian", "id: org2")
                    .replace("org: zhujian", "org: org2"),
            ),
        ],
    )?;
    let abs = dir.path().join("审计");
    for args in [vec!["a:b.yaml"], vec![abs.to_str().unwrap_or_default()]] {
        let out = bin()
            .current_dir(dir.path())
            .arg("check")
            .args(&args)
            .args(["--format", "sarif"])
            .output()?;
        let file = dir.path().join("out.sarif");
        std::fs::write(&file, &out.stdout)?;
        let v = Command::new("sarif-multitool")
            .arg("validate")
            .arg(&file)
            .output()?;
        let text = String::from_utf8_lossy(&v.stdout).into_owned();
        assert!(
            !text.contains(": error "),
            "sarif-multitool on {args:?}:\n{text}"
        );
    }
    Ok(())
}

// ====================================================================== JUnit

#[test]
fn junit_stays_well_formed_with_characters_xml_cannot_carry() -> TestResult {
    let text = base_with(
        "id: CZ-2014-0721-003",
        "id: \"CZ-\\uFFFE\\uFFFF\\u0001<&>\"",
    )?
    .replace("body: 党组会", "body: 碰头会");
    let dir = tempfile::tempdir()?;
    write_files(dir.path(), &[("r.yaml", &text)])?;
    let out = bin()
        .current_dir(dir.path())
        .args(["check", "r.yaml", "--format", "junit"])
        .output()?;
    let xml = String::from_utf8(out.stdout)?;
    let doc = roxmltree::Document::parse(&xml).map_err(|e| fail(format!("{e}\n{xml}")))?;
    let names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert!(
        names.contains(&"CZ-\u{FFFD}\u{FFFD}\u{FFFD}<&>"),
        "{names:?}\n{xml}"
    );
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert!(failures >= 1, "{xml}");
    Ok(())
}
