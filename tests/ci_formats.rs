//! The CI formats (`--format sarif|junit|github`, `--output`) against the
//! JSON report of the same run: SARIF validates against the official
//! SARIF 2.1.0 schema and carries the same positions, JUnit parses as XML
//! with consistent counts, GitHub annotations point at the same places.
//!
//! Every acceptance case (tests/fixtures/acceptance/*/records) is rendered
//! in each format; the JSON report is the reference.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// The standard catalogue (SPEC section 3): id and default severity.
const CATALOGUE: &[(&str, &str)] = &[
    ("WBZG-001", "error"),
    ("WBZG-002", "warning"),
    ("WBZG-003", "warning"),
    ("SZYD-001", "error"),
    ("SZYD-002", "error"),
    ("SZYD-003", "error"),
    ("SZYD-004", "error"),
    ("SZYD-005", "error"),
    ("SZYD-006", "error"),
    ("SZYD-007", "error"),
    ("SZYD-008", "error"),
    ("SZYD-009", "warning"),
    ("SZYD-010", "warning"),
    ("SZYD-011", "warning"),
    ("SZYD-012", "error"),
    ("ZJBF-001", "error"),
    ("ZJBF-002", "error"),
    ("ZJBF-003", "error"),
    ("ZJBF-004", "error"),
    ("ZJBF-005", "error"),
    ("ZJBF-006", "error"),
    ("ZJBF-007", "error"),
    ("ZJBF-008", "error"),
    ("ZJBF-009", "error"),
    ("REF-001", "error"),
    ("REF-002", "error"),
    ("REF-003", "error"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The acceptance cases' record folders, relative to the crate root (so
/// that file names in the reports are short and stable).
fn acceptance_cases() -> TestResult<Vec<PathBuf>> {
    let dir = root().join("tests/fixtures/acceptance");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.join("records").is_dir() {
            cases.push(path.strip_prefix(root())?.join("records"));
        }
    }
    cases.sort();
    assert!(
        cases.len() >= 7,
        "expected the 7 acceptance cases under {}, found {}",
        dir.display(),
        cases.len()
    );
    Ok(cases)
}

fn case(name: &str) -> TestResult<PathBuf> {
    acceptance_cases()?
        .into_iter()
        .find(|c| c.to_string_lossy().contains(name))
        .ok_or_else(|| format!("no acceptance case `{name}`").into())
}

/// Run `sunlight check RECORDS --format FORMAT` from the crate root.
fn check(records: &Path, format: &str) -> TestResult<Output> {
    Ok(Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .current_dir(root())
        .arg("check")
        .arg(records)
        .args(["--format", format, "--color", "never"])
        .output()?)
}

fn stdout(out: &Output) -> TestResult<String> {
    Ok(String::from_utf8(out.stdout.clone())?)
}

fn json_report(records: &Path) -> TestResult<Value> {
    let out = check(records, "json")?;
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn array<'a>(v: &'a Value, what: &str) -> TestResult<&'a Vec<Value>> {
    v.as_array()
        .ok_or_else(|| format!("`{what}` is not an array: {v}").into())
}

fn text<'a>(v: &'a Value, what: &str) -> TestResult<&'a str> {
    v.as_str()
        .ok_or_else(|| format!("`{what}` is not a string: {v}").into())
}

fn num(v: &Value, what: &str) -> TestResult<u64> {
    v.as_u64()
        .ok_or_else(|| format!("`{what}` is not a number: {v}").into())
}

/// (line, column, end line, end column) of a JSON finding or related location.
fn json_pos(v: &Value) -> TestResult<(u64, u64, u64, u64)> {
    Ok((
        num(&v["line"], "line")?,
        num(&v["column"], "column")?,
        num(&v["end_line"], "end_line")?,
        num(&v["end_column"], "end_column")?,
    ))
}

/// The same from a SARIF region.
fn sarif_pos(region: &Value) -> TestResult<(u64, u64, u64, u64)> {
    Ok((
        num(&region["startLine"], "startLine")?,
        num(&region["startColumn"], "startColumn")?,
        num(&region["endLine"], "endLine")?,
        num(&region["endColumn"], "endColumn")?,
    ))
}

/// Files with error-level input problems in a JSON report.
fn files_with_input_errors(report: &Value) -> TestResult<BTreeSet<String>> {
    let mut files = BTreeSet::new();
    for e in array(&report["errors"], "errors")? {
        if e["severity"] == "error" {
            files.insert(text(&e["file"], "errors[].file")?.to_string());
        }
    }
    Ok(files)
}

// ---------------------------------------------------------------- SARIF

/// Decode `%XX` escapes of a relative URI.
fn percent_decode(uri: &str) -> TestResult<String> {
    let bytes = uri.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = uri.get(i + 1..i + 3).ok_or("truncated %-escape")?;
            out.push(u8::from_str_radix(hex, 16)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8(out)?)
}

fn sarif_schema() -> TestResult<Value> {
    let path = root().join("tests/fixtures/sarif-schema-2.1.0.json");
    Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
}

/// Validate against the official schema: with the draft it declares
/// (draft-04) and with draft-07, formats checked, listing every error.
fn assert_valid_sarif(schema: &Value, log: &Value, what: &str) -> TestResult {
    let validators = [
        (
            "draft-04",
            jsonschema::draft4::options()
                .should_validate_formats(true)
                .build(schema)?,
        ),
        (
            "draft-07",
            jsonschema::draft7::options()
                .should_validate_formats(true)
                .build(schema)?,
        ),
    ];
    for (draft, validator) in &validators {
        let errors: Vec<String> = validator
            .iter_errors(log)
            .map(|e| format!("  at {}: {e}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "SARIF of {what} is not valid SARIF 2.1.0 ({draft}):\n{}",
            errors.join("\n")
        );
    }
    Ok(())
}

#[test]
fn the_schema_fixture_is_the_official_sarif_2_1_0_schema() -> TestResult {
    let schema = sarif_schema()?;
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    assert!(schema["definitions"]["result"].is_object());
    // A validator built from it rejects what is plainly not SARIF.
    let validator = jsonschema::draft4::new(&schema)?;
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.0.0", "runs": []})));
    assert!(!validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{}]})));
    assert!(validator.is_valid(&serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "x"}}}]
    })));
    Ok(())
}

#[test]
fn sarif_of_every_acceptance_case_validates_against_the_official_schema() -> TestResult {
    let schema = sarif_schema()?;
    for records in acceptance_cases()? {
        let out = check(&records, "sarif")?;
        let log: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
            format!(
                "SARIF of {} is not JSON: {e}\n{}",
                records.display(),
                String::from_utf8_lossy(&out.stdout)
            )
        })?;
        assert_eq!(log["version"], "2.1.0", "{}", records.display());
        assert_valid_sarif(&schema, &log, &records.display().to_string())?;
    }
    Ok(())
}

#[test]
fn sarif_describes_every_rule_of_the_catalogue() -> TestResult {
    let records = case("01-compliant")?;
    let log: Value = serde_json::from_slice(&check(&records, "sarif")?.stdout)?;
    let rules = array(&log["runs"][0]["tool"]["driver"]["rules"], "driver.rules")?;
    let mut seen = BTreeMap::new();
    for r in rules {
        let id = text(&r["id"], "rule.id")?;
        assert!(
            seen.insert(id.to_string(), r.clone()).is_none(),
            "rule {id} listed twice in tool.driver.rules"
        );
    }
    for (id, severity) in CATALOGUE {
        let Some(r) = seen.get(*id) else {
            return Err(format!("tool.driver.rules has no entry for {id}").into());
        };
        let name = text(&r["name"], "rule.name")?;
        assert!(!name.trim().is_empty(), "{id}: empty name");
        let short = text(&r["shortDescription"]["text"], "shortDescription")?;
        assert!(!short.trim().is_empty(), "{id}: empty shortDescription");
        let help = text(&r["help"]["text"], "help.text")?;
        let cite = text(&r["properties"]["cite"], "properties.cite")?;
        assert!(!cite.trim().is_empty(), "{id}: no cite");
        assert!(
            help.contains(cite),
            "{id}: help text does not contain the cite `{cite}`: {help}"
        );
        // Parameters are filled in, values of the record marked `‹…›`:
        // no template placeholder is left.
        assert!(!help.contains(['{', '}']), "{id}: {help}");
        assert_eq!(
            r["defaultConfiguration"]["level"], *severity,
            "{id}: defaultConfiguration.level"
        );
    }
    Ok(())
}

#[test]
fn sarif_rule_help_has_the_parameters_in_force() -> TestResult {
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .current_dir(root().join("examples/locality-overlay"))
        .args(["check", ".", "--format", "sarif"])
        .output()?;
    let log: Value = serde_json::from_slice(&out.stdout)?;
    let rules = array(&log["runs"][0]["tool"]["driver"]["rules"], "driver.rules")?;
    let help = |id: &str| {
        rules
            .iter()
            .find(|r| r["id"] == id)
            .and_then(|r| r["help"]["text"].as_str())
            .unwrap_or("")
            .to_string()
    };
    // 大额资金标准 is 50万 in the locality's parameter file.
    assert!(
        help("SZYD-012").starts_with("金额达到 500000 元的事项"),
        "{}",
        help("SZYD-012")
    );
    assert!(
        help("WBZG-001").starts_with("将 ‹a› 交由一名副职分管"),
        "{}",
        help("WBZG-001")
    );
    Ok(())
}

#[test]
fn sarif_results_match_the_json_report_finding_by_finding() -> TestResult {
    for records in acceptance_cases()? {
        let what = records.display().to_string();
        let report = json_report(&records)?;
        let log: Value = serde_json::from_slice(&check(&records, "sarif")?.stdout)?;
        let run = &log["runs"][0];
        let rules = array(&run["tool"]["driver"]["rules"], "driver.rules")?;
        let findings = array(&report["findings"], "findings")?;
        let results = array(&run["results"], "results")?;
        assert_eq!(
            results.len(),
            findings.len(),
            "{what}: {} SARIF results for {} JSON findings",
            results.len(),
            findings.len()
        );
        for (f, r) in findings.iter().zip(results) {
            let rule = text(&f["rule"], "finding.rule")?;
            assert_eq!(r["ruleId"], *rule, "{what}: results in another order");
            assert_eq!(r["level"], f["severity"], "{what}: {rule} level");
            assert_eq!(r["message"]["text"], f["message"], "{what}: {rule} message");
            // ruleIndex, when present, points at this rule.
            if let Some(i) = r["ruleIndex"].as_u64() {
                let i = usize::try_from(i)?;
                assert_eq!(rules.get(i).map(|x| &x["id"]), Some(&r["ruleId"]));
            }
            let loc = &r["locations"][0]["physicalLocation"];
            assert_eq!(
                sarif_pos(&loc["region"])?,
                json_pos(f)?,
                "{what}: {rule} on {} is at another place in SARIF than in JSON",
                f["record"]
            );
            let uri = text(&loc["artifactLocation"]["uri"], "artifactLocation.uri")?;
            let file = text(&f["file"], "finding.file")?;
            assert_eq!(
                percent_decode(uri)?,
                file.replace('\\', "/"),
                "{what}: {rule} uri"
            );
            assert_eq!(
                r["locations"][0]["logicalLocations"][0]["name"], f["record"],
                "{what}: {rule} logical location"
            );
            // The region's snippet is the text at (line, column), counted in characters.
            if let Some(snippet) = loc["region"]["snippet"]["text"].as_str() {
                let source = std::fs::read_to_string(root().join(file))?;
                let (line, column, _, _) = json_pos(f)?;
                let at: String = source
                    .lines()
                    .nth(usize::try_from(line)? - 1)
                    .unwrap_or("")
                    .chars()
                    .skip(usize::try_from(column)? - 1)
                    .collect();
                let first = snippet.lines().next().unwrap_or("");
                assert!(
                    at.starts_with(first),
                    "{what}: {rule} at {line}:{column} is `{at}`, but the snippet is `{first}`"
                );
                // SARIF's endColumn is one past the last character.
                let (_, _, end_line, end_column) = json_pos(f)?;
                let last = snippet.lines().last().unwrap_or("").chars().count();
                let expected_end = if end_line == line {
                    column + u64::try_from(last)?
                } else {
                    1 + u64::try_from(last)?
                };
                assert_eq!(
                    end_column, expected_end,
                    "{what}: {rule} ends at column {end_column}, the snippet `{snippet}` at {expected_end}"
                );
            }
            // Related locations: as many as in JSON, at the same places.
            let related = array(&f["related"], "finding.related")?;
            if related.is_empty() {
                assert!(
                    r.get("relatedLocations")
                        .is_none_or(|v| v.as_array().is_some_and(Vec::is_empty)),
                    "{what}: {rule} has relatedLocations the JSON report does not have"
                );
            } else {
                let rel = array(&r["relatedLocations"], "relatedLocations")?;
                assert_eq!(rel.len(), related.len(), "{what}: {rule} relatedLocations");
                for (j, s) in related.iter().zip(rel) {
                    assert_eq!(
                        sarif_pos(&s["physicalLocation"]["region"])?,
                        json_pos(j)?,
                        "{what}: {rule} related location"
                    );
                    assert_eq!(s["message"]["text"], j["note"]);
                }
            }
        }
    }
    Ok(())
}

#[test]
fn sarif_carries_related_locations_of_an_overpayment() -> TestResult {
    let log: Value = serde_json::from_slice(&check(&case("04-chain-faults")?, "sarif")?.stdout)?;
    let results = array(&log["runs"][0]["results"], "results")?;
    let Some(over) = results.iter().find(|r| r["ruleId"] == "ZJBF-005") else {
        return Err("no ZJBF-005 result in case 04".into());
    };
    let rel = array(&over["relatedLocations"], "relatedLocations")?;
    // The meeting item it cites and the earlier payment CZ-2014-0901.
    assert!(rel.len() >= 2, "{over}");
    let uris: Vec<&str> = rel
        .iter()
        .filter_map(|l| l["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.iter().any(|u| u.ends_with("weijian-meetings.yaml")),
        "{uris:?}"
    );
    assert!(
        uris.iter().any(|u| u.ends_with("weijian-payments.yaml")),
        "{uris:?}"
    );
    Ok(())
}

#[test]
fn sarif_reports_input_errors_as_failed_execution() -> TestResult {
    let records = case("06-bad-input")?;
    let out = check(&records, "sarif")?;
    assert_eq!(out.status.code(), Some(2));
    let log: Value = serde_json::from_slice(&out.stdout)?;
    let inv = &log["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let notes = array(&inv["toolExecutionNotifications"], "notifications")?;
    let mut uris = BTreeSet::new();
    for n in notes.iter().filter(|n| n["level"] == "error") {
        let uri = &n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        uris.insert(percent_decode(text(uri, "notification uri")?)?);
    }
    let want = files_with_input_errors(&json_report(&records)?)?;
    assert_eq!(uris, want);
    Ok(())
}

// ---------------------------------------------------------------- JUnit

fn attr<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> TestResult<&'a str> {
    node.attribute(name)
        .ok_or_else(|| format!("<{}> has no attribute `{name}`", node.tag_name().name()).into())
}

fn count_attr(node: roxmltree::Node<'_, '_>, name: &str) -> TestResult<usize> {
    Ok(attr(node, name)?.parse()?)
}

#[test]
fn junit_of_every_acceptance_case_is_consistent_with_the_json_report() -> TestResult {
    for records in acceptance_cases()? {
        let what = records.display().to_string();
        let report = json_report(&records)?;
        let xml = stdout(&check(&records, "junit")?)?;
        let doc = roxmltree::Document::parse(&xml)
            .map_err(|e| format!("JUnit of {what} is not XML: {e}\n{xml}"))?;
        let top = doc.root_element();
        assert_eq!(top.tag_name().name(), "testsuites", "{what}");

        let suites: Vec<_> = top
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .collect();
        let cases: Vec<_> = suites
            .iter()
            .flat_map(|s| s.children().filter(|n| n.has_tag_name("testcase")))
            .collect();
        // Every testcase sits in a testsuite.
        assert_eq!(
            doc.descendants()
                .filter(|n| n.has_tag_name("testcase"))
                .count(),
            cases.len(),
            "{what}"
        );

        // One testcase per record read.
        let records_read = usize::try_from(num(&report["summary"]["records"], "summary.records")?)?;
        assert_eq!(
            cases.len(),
            records_read,
            "{what}: testcases vs records\n{xml}"
        );

        // A failure per active error (the findings that fail the run at
        // the default `--fail-on error`), typed by rule id; each active
        // warning is told in its test case's output.
        let active: Vec<&Value> = array(&report["findings"], "findings")?
            .iter()
            .filter(|f| f.get("suppressed").is_none())
            .collect();
        let mut want_types: Vec<String> = active
            .iter()
            .filter(|f| f["severity"] == "error")
            .filter_map(|f| f["rule"].as_str().map(str::to_string))
            .collect();
        let mut got_types: Vec<String> = Vec::new();
        let mut notes = String::new();
        for c in &cases {
            for f in c.children().filter(|n| n.has_tag_name("failure")) {
                got_types.push(attr(f, "type")?.to_string());
                assert!(
                    !attr(f, "message")?.is_empty(),
                    "{what}: empty failure message"
                );
            }
            for n in c.children().filter(|n| n.has_tag_name("system-out")) {
                notes.push_str(n.text().unwrap_or_default());
            }
        }
        want_types.sort();
        got_types.sort();
        assert_eq!(got_types, want_types, "{what}: failures vs findings");
        for f in active.iter().filter(|f| f["severity"] == "warning") {
            let message = text(&f["message"], "message")?;
            assert!(
                notes.contains(&format!("{message} [warning]")),
                "{what}: warning `{message}` not in any <system-out>\n{xml}"
            );
        }

        // Errors exactly in the testcases of the files with input errors.
        let want_files = files_with_input_errors(&report)?;
        let mut got_files = BTreeSet::new();
        for c in &cases {
            if c.children().any(|n| n.has_tag_name("error")) {
                got_files.insert(attr(*c, "file")?.to_string());
            }
        }
        assert_eq!(got_files, want_files, "{what}: files with <error>");

        // Counts: each suite counts its own testcases, the top the sum.
        let (mut tests, mut failures, mut errors) = (0, 0, 0);
        for s in &suites {
            let own: Vec<_> = s
                .children()
                .filter(|n| n.has_tag_name("testcase"))
                .collect();
            let f = own
                .iter()
                .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
                .count();
            let e = own
                .iter()
                .filter(|c| c.children().any(|n| n.has_tag_name("error")))
                .count();
            assert_eq!(count_attr(*s, "tests")?, own.len(), "{what}: suite tests");
            assert_eq!(count_attr(*s, "failures")?, f, "{what}: suite failures");
            assert_eq!(count_attr(*s, "errors")?, e, "{what}: suite errors");
            tests += own.len();
            failures += f;
            errors += e;
        }
        assert_eq!(count_attr(top, "tests")?, tests, "{what}: testsuites tests");
        assert_eq!(
            count_attr(top, "failures")?,
            failures,
            "{what}: testsuites failures"
        );
        assert_eq!(
            count_attr(top, "errors")?,
            errors,
            "{what}: testsuites errors"
        );
    }
    Ok(())
}

#[test]
fn junit_names_testcases_by_record_and_reports_bad_files_as_errors() -> TestResult {
    let records = case("06-bad-input")?;
    let out = check(&records, "junit")?;
    assert_eq!(out.status.code(), Some(2));
    let xml = stdout(&out)?;
    let doc = roxmltree::Document::parse(&xml)?;
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: BTreeSet<&str> = cases.iter().filter_map(|c| c.attribute("name")).collect();
    for id in ["WL-2014-P01", "WL-2014-03", "WH-2014-01", "wenlv"] {
        assert!(names.contains(id), "no testcase named {id}: {names:?}");
    }
    let mut errored: Vec<&str> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("error")))
        .filter_map(|c| c.attribute("file"))
        .map(|f| f.rsplit('/').next().unwrap_or(f))
        .collect();
    errored.sort_unstable();
    errored.dedup();
    assert_eq!(errored, ["broken.yaml", "typo.yaml"]);
    // The unknown field is reported with its place and the suggestion.
    let typo = cases
        .iter()
        .find(|c| c.attribute("name") == Some("WL-2014-03"))
        .ok_or("no testcase for WL-2014-03")?;
    let body: String = typo
        .children()
        .filter(|n| n.has_tag_name("error"))
        .filter_map(|n| n.text())
        .collect();
    assert!(body.contains("typo.yaml:7:1"), "{body}");
    assert!(body.contains("attendee"), "{body}");
    Ok(())
}

#[test]
fn junit_fails_the_tests_the_run_fails_on_and_tells_the_rest() -> TestResult {
    // One record whose only finding is a warning.
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("a.yaml"),
        "kind: org\nid: a\nname: x\nleaders: [{name: a, principal: true}]\n",
    )?;
    for (fail_on, code, failures) in [("error", 0, "0"), ("warning", 1, "1"), ("never", 0, "0")] {
        let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
            .current_dir(dir.path())
            .args(["check", "a.yaml", "--no-config", "--format", "junit"])
            .args(["--fail-on", fail_on, "--output", "junit=out.xml"])
            .output()?;
        assert_eq!(out.status.code(), Some(code), "--fail-on {fail_on}");
        let xml = stdout(&out)?;
        assert_eq!(std::fs::read_to_string(dir.path().join("out.xml"))?, xml);
        let doc = roxmltree::Document::parse(&xml)?;
        let top = doc.root_element();
        assert_eq!(
            attr(top, "failures")?,
            failures,
            "--fail-on {fail_on}\n{xml}"
        );
        assert_eq!(attr(top, "tests")?, "1", "{xml}");
        let case = doc
            .descendants()
            .find(|n| n.has_tag_name("testcase"))
            .ok_or("no testcase")?;
        let failed = case.children().any(|n| n.has_tag_name("failure"));
        let told: String = case
            .children()
            .filter(|n| n.has_tag_name("system-out"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(failed, failures == "1", "--fail-on {fail_on}\n{xml}");
        if failed {
            assert!(told.is_empty(), "{xml}");
        } else {
            assert!(told.contains("a.yaml:4:10: "), "{xml}");
            assert!(told.contains("[warning]"), "{xml}");
        }
    }
    Ok(())
}

/// A run whose main report is JSON still lists every record in a JUnit
/// report written beside it, and the same as a JUnit run does; the JSON
/// report is the same as a run with no other report writes.
#[test]
fn junit_written_beside_json_lists_every_record() -> TestResult {
    let records = case("02-meeting-faults")?;
    let dir = tempfile::tempdir()?;
    let beside = dir.path().join("beside.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .current_dir(root())
        .arg("check")
        .arg(&records)
        .args(["--format", "json", "--output"])
        .arg(format!("junit={}", beside.display()))
        .output()?;
    let json: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(json, json_report(&records)?);
    let xml = std::fs::read_to_string(&beside)?;
    assert_eq!(xml, stdout(&check(&records, "junit")?)?);
    let doc = roxmltree::Document::parse(&xml)?;
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    let read = num(&json["summary"]["records"], "summary.records")?;
    assert!(read > 0);
    assert_eq!(u64::try_from(cases)?, read, "{xml}");
    Ok(())
}

// ---------------------------------------------------------------- GitHub

/// A parsed workflow command line.
#[derive(Debug)]
struct Annotation {
    command: String,
    props: BTreeMap<String, String>,
    message: String,
}

fn parse_annotation(line: &str) -> Option<Annotation> {
    let rest = line.strip_prefix("::")?;
    let (head, message) = rest.split_once("::")?;
    let (command, props) = head.split_once(' ')?;
    let props = props
        .split(',')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    Some(Annotation {
        command: command.to_string(),
        props,
        message: message.to_string(),
    })
}

/// Undo the property escapes of workflow commands.
fn unescape(s: &str) -> String {
    s.replace("%2C", ",")
        .replace("%3A", ":")
        .replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

#[test]
fn github_annotations_point_where_the_json_report_points() -> TestResult {
    for records in acceptance_cases()? {
        let what = records.display().to_string();
        let report = json_report(&records)?;
        let text = stdout(&check(&records, "github")?)?;
        let mut annotations = Vec::new();
        for line in text.lines() {
            let Some(a) = parse_annotation(line) else {
                return Err(format!("{what}: not a workflow command: `{line}`").into());
            };
            assert!(
                matches!(a.command.as_str(), "error" | "warning" | "notice"),
                "{what}: `{line}`"
            );
            assert!(
                !a.message.contains('\n') && !a.message.contains('\r'),
                "{what}: raw newline"
            );
            annotations.push(a);
        }
        let findings = array(&report["findings"], "findings")?;
        let mut used = vec![false; annotations.len()];
        for f in findings {
            let rule = text_of(&f["rule"])?;
            let file = text_of(&f["file"])?;
            let (line, column, end_line, end_column) = json_pos(f)?;
            let found = annotations.iter().enumerate().position(|(i, a)| {
                !used[i]
                    && a.props.get("title").is_some_and(|t| {
                        let t = unescape(t);
                        t == rule || t.starts_with(&format!("{rule} "))
                    })
                    && a.props.get("file").map(|s| unescape(s)) == Some(file.to_string())
                    && a.props.get("line") == Some(&line.to_string())
                    && a.props.get("col") == Some(&column.to_string())
            });
            let Some(i) = found else {
                return Err(format!(
                    "{what}: no annotation for {rule} at {file}:{line}:{column}\n{text}"
                )
                .into());
            };
            used[i] = true;
            let a = &annotations[i];
            assert_eq!(a.command, text_of(&f["severity"])?, "{what}: {rule}");
            if let Some(el) = a.props.get("endLine") {
                assert_eq!(el, &end_line.to_string(), "{what}: {rule} endLine");
            }
            if let Some(ec) = a.props.get("endColumn") {
                assert_eq!(ec, &end_column.to_string(), "{what}: {rule} endColumn");
            }
            let message = unescape(&a.message);
            assert!(
                message.starts_with(text_of(&f["message"])?),
                "{what}: {rule}: `{message}`"
            );
        }
        // The other annotations are the input problems, one each.
        let extra = used.iter().filter(|u| !**u).count();
        assert_eq!(
            extra,
            array(&report["errors"], "errors")?.len(),
            "{what}: annotations that are neither findings nor input errors\n{text}"
        );
    }
    Ok(())
}

fn text_of(v: &Value) -> TestResult<&str> {
    text(v, "field")
}

#[test]
fn github_escapes_newlines_and_marks_each_finding_with_its_rule() -> TestResult {
    let out = check(&case("02-meeting-faults")?, "github")?;
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out)?;
    let quorum = text
        .lines()
        .find(|l| l.contains("title=SZYD-002"))
        .ok_or_else(|| format!("no SZYD-002 annotation:\n{text}"))?;
    assert!(
        quorum.starts_with(
            "::error file=tests/fixtures/acceptance/02-meeting-faults/records/jiaoyu-2014-03.yaml,line=9,col=12,"
        ),
        "{quorum}"
    );
    // The message goes on with the record and help, on escaped lines.
    let (_, message) = quorum.split_once("::到会 2 人").ok_or(quorum)?;
    assert!(message.contains("%0A"), "{quorum}");
    let warning = text
        .lines()
        .find(|l| l.contains("title=SZYD-010"))
        .ok_or("no SZYD-010 annotation")?;
    assert!(warning.starts_with("::warning "), "{warning}");
    Ok(())
}

#[test]
fn github_reports_input_errors_at_their_place() -> TestResult {
    let out = check(&case("06-bad-input")?, "github")?;
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out)?;
    let typo = text
        .lines()
        .find(|l| l.contains("typo.yaml") && l.contains("unknown field `attendee`"))
        .ok_or_else(|| format!("no annotation for typo.yaml:\n{text}"))?;
    assert!(typo.starts_with("::error "), "{typo}");
    assert!(typo.contains(",line=7,col=1"), "{typo}");
    Ok(())
}

// ---------------------------------------------------------------- --output

#[test]
fn output_writes_several_reports_in_one_run_and_stdout_stays_human() -> TestResult {
    let dir = tempfile::tempdir()?;
    let sarif = dir.path().join("report.sarif");
    let junit = dir.path().join("out.xml");
    let records = case("04-chain-faults")?;
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .current_dir(root())
        .arg("check")
        .arg(&records)
        .arg("--output")
        .arg(&sarif)
        .arg("--output")
        .arg(format!("junit={}", junit.display()))
        .args(["--color", "never"])
        .output()?;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let human = stdout(&out)?;
    assert!(human.contains("error[ZJBF-005]"), "{human}");
    assert!(human.contains("weijian-payments.yaml:19:9"), "{human}");
    assert!(!human.trim_start().starts_with('{') && !human.contains("<?xml"));

    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif)?)?;
    assert_valid_sarif(&sarif_schema()?, &log, "--output report.sarif")?;
    let direct: Value = serde_json::from_slice(&check(&records, "sarif")?.stdout)?;
    assert_eq!(log["runs"][0]["results"], direct["runs"][0]["results"]);

    let xml = std::fs::read_to_string(&junit)?;
    let doc = roxmltree::Document::parse(&xml)?;
    assert_eq!(doc.root_element().tag_name().name(), "testsuites");
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    let report = json_report(&records)?;
    let findings = array(&report["findings"], "findings")?;
    assert!(findings.len() >= 8, "case 04 has at least 8 findings");
    // The errors fail the run (the default `--fail-on error`) and their tests.
    let errors = findings.iter().filter(|f| f["severity"] == "error").count();
    assert_eq!(failures, errors, "{xml}");
    Ok(())
}

#[test]
fn output_format_follows_the_extension_or_the_prefix() -> TestResult {
    let dir = tempfile::tempdir()?;
    let json = dir.path().join("report.json");
    let gh = dir.path().join("annotations.log");
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .current_dir(root())
        .arg("check")
        .arg(case("02-meeting-faults")?)
        .arg("-o")
        .arg(&json)
        .arg("-o")
        .arg(format!("github={}", gh.display()))
        .args(["--format", "json"])
        .output()?;
    assert_eq!(out.status.code(), Some(1));
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&json)?)?;
    let printed: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(file, printed);
    let annotations = std::fs::read_to_string(&gh)?;
    assert!(
        annotations.lines().all(|l| l.starts_with("::")),
        "{annotations}"
    );
    assert_eq!(annotations.lines().count(), 12);
    Ok(())
}

#[test]
fn output_with_an_unknown_format_is_a_usage_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let records = case("01-compliant")?;
    for (spec, needle) in [
        (
            format!("yaml={}", dir.path().join("r.yaml").display()),
            "unknown format `yaml`",
        ),
        (
            dir.path().join("report.pdf").display().to_string(),
            "report.pdf",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
            .current_dir(root())
            .arg("check")
            .arg(&records)
            .arg("--output")
            .arg(&spec)
            .output()?;
        assert_eq!(out.status.code(), Some(2), "--output {spec}");
        let err = String::from_utf8(out.stderr)?;
        assert!(err.contains(needle), "--output {spec}: {err}");
        assert!(
            err.contains("sarif") && err.contains("junit"),
            "the message should list the formats: {err}"
        );
    }
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 0, "nothing written");
    Ok(())
}
