//! Waivers (`--waivers FILE`, approved exceptions that expire) and
//! baselines (`--baseline previous.json`, findings already known): what is
//! suppressed, how it shows in JSON and SARIF, and what the exit code is.

use std::error::Error;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// 生态环境局: one error (the chair speaks first on item 1, SZYD-004 at
/// line 26, column 9) and nothing else.
const RECORDS: &str = include_str!("fixtures/ci/huanbao.yaml");

/// A second item decided as an ad-hoc motion: a new error (SZYD-008).
const NEW_ITEM: &str = "  - no: 2
    title: 关于购置大气污染源在线监测设备的议题
    category: 大额资金使用
    amount: 450000
    agenda: 临时动议
    materials_sent: 2015-09-11
    opinions:
      - {name: 戚月, stance: 同意}
      - {name: 卜凡, stance: 同意}
      - {name: 车晓, stance: 同意}
      - {name: 周立, stance: 同意}
    outcome: 通过
";

const WAIVER: &str = "\
waivers:
  - rule: SZYD-004
    record: HB-DZ-2015-09
    reason: 主持人系传达区委决定,经区纪委认定不属先行定调
    approved_by: 区纪委 阮静
    expires: 2016-06-30
";

/// A folder with `records/huanbao.yaml` (and whatever else a test adds).
fn workspace(records: &str) -> TestResult<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir(dir.path().join("records"))?;
    std::fs::write(dir.path().join("records/huanbao.yaml"), records)?;
    Ok(dir)
}

fn sunlight(dir: &Path, args: &[&str]) -> TestResult<Output> {
    Ok(Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .current_dir(dir)
        .arg("check")
        .arg("records")
        .args(args)
        .args(["--color", "never"])
        .output()?)
}

/// Run with `--format json`: the exit code and the report.
fn json(dir: &Path, args: &[&str]) -> TestResult<(Option<i32>, Value)> {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = sunlight(dir, &all)?;
    let report = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "not a JSON report ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    Ok((out.status.code(), report))
}

fn findings(report: &Value) -> TestResult<&Vec<Value>> {
    report["findings"]
        .as_array()
        .ok_or_else(|| "no findings list".into())
}

fn errors(report: &Value) -> TestResult<&Vec<Value>> {
    report["errors"]
        .as_array()
        .ok_or_else(|| "no errors list".into())
}

fn finding<'a>(report: &'a Value, rule: &str) -> TestResult<&'a Value> {
    findings(report)?
        .iter()
        .find(|f| f["rule"] == rule)
        .ok_or_else(|| format!("no {rule} finding in {report}").into())
}

/// Write a waiver file and run with it on a fixed day.
fn with_waivers(waivers: &str, today: &str) -> TestResult<(Option<i32>, Value)> {
    let dir = workspace(RECORDS)?;
    std::fs::write(dir.path().join("waivers.yaml"), waivers)?;
    json(dir.path(), &["--waivers", "waivers.yaml", "--today", today])
}

#[test]
fn without_a_waiver_the_finding_fails_the_run() -> TestResult {
    let dir = workspace(RECORDS)?;
    let (code, report) = json(dir.path(), &[])?;
    assert_eq!(code, Some(1));
    let f = finding(&report, "SZYD-004")?;
    assert_eq!((&f["line"], &f["column"]), (&26.into(), &9.into()));
    assert!(f.get("suppressed").is_none(), "{f}");
    assert_eq!(findings(&report)?.len(), 1, "{report}");
    Ok(())
}

#[test]
fn a_waived_finding_is_marked_and_no_longer_fails_the_run() -> TestResult {
    let (code, report) = with_waivers(WAIVER, "2016-01-01")?;
    assert_eq!(code, Some(0), "{report}");
    let f = finding(&report, "SZYD-004")?;
    assert_eq!(f["suppressed"]["kind"], "waiver", "{f}");
    assert_eq!(
        f["suppressed"]["reason"],
        "主持人系传达区委决定,经区纪委认定不属先行定调"
    );
    assert_eq!(f["suppressed"]["approved_by"], "区纪委 阮静");
    assert_eq!(f["suppressed"]["expires"], "2016-06-30");
    assert!(errors(&report)?.is_empty(), "{report}");
    assert_eq!(report["summary"]["suppressed"], 1);
    assert_eq!(report["summary"]["error"], 0);
    Ok(())
}

#[test]
fn waivers_named_in_sunlight_toml_apply_and_the_flag_stands_over_them() -> TestResult {
    // The waiver file sits among the records, as a project keeps it: it is
    // not read as a record.
    let dir = workspace(RECORDS)?;
    std::fs::write(dir.path().join("records/waivers.yaml"), WAIVER)?;
    std::fs::write(
        dir.path().join("sunlight.toml"),
        "waivers = \"records/waivers.yaml\"\ntoday = 2016-01-01\n",
    )?;
    let (code, report) = json(dir.path(), &[])?;
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(
        finding(&report, "SZYD-004")?["suppressed"]["kind"],
        "waiver"
    );
    assert!(errors(&report)?.is_empty(), "{report}");
    // `--waivers` names another file, which takes the project file's place.
    std::fs::write(dir.path().join("none.yaml"), "waivers: []\n")?;
    let (code, report) = json(dir.path(), &["--waivers", "none.yaml"])?;
    assert_eq!(code, Some(1), "{report}");
    assert!(finding(&report, "SZYD-004")?.get("suppressed").is_none());
    Ok(())
}

#[test]
fn a_waiver_applies_on_its_last_day() -> TestResult {
    let (code, report) = with_waivers(WAIVER, "2016-06-30")?;
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(
        finding(&report, "SZYD-004")?["suppressed"]["kind"],
        "waiver"
    );
    Ok(())
}

#[test]
fn a_waived_finding_carries_a_sarif_suppression() -> TestResult {
    let dir = workspace(RECORDS)?;
    std::fs::write(dir.path().join("waivers.yaml"), WAIVER)?;
    let out = sunlight(
        dir.path(),
        &[
            "--waivers",
            "waivers.yaml",
            "--today",
            "2016-01-01",
            "--format",
            "sarif",
        ],
    )?;
    assert_eq!(out.status.code(), Some(0));
    let log: Value = serde_json::from_slice(&out.stdout)?;
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "SZYD-004");
    let suppressions = result["suppressions"]
        .as_array()
        .ok_or_else(|| format!("no suppressions: {result}"))?;
    assert_eq!(suppressions.len(), 1);
    let s = &suppressions[0];
    assert_eq!(s["kind"], "external");
    assert_eq!(s["status"], "accepted");
    let why = s["justification"].as_str().unwrap_or("");
    assert!(why.contains("主持人系传达区委决定"), "{why}");
    assert!(why.contains("区纪委 阮静"), "{why}");
    assert_valid_sarif(&log)
}

/// The log validates against the official SARIF 2.1.0 schema.
fn assert_valid_sarif(log: &Value) -> TestResult {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)?;
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
    Ok(())
}

#[test]
fn a_waived_finding_is_not_an_annotation_or_a_junit_failure() -> TestResult {
    let dir = workspace(RECORDS)?;
    std::fs::write(dir.path().join("waivers.yaml"), WAIVER)?;
    let args = ["--waivers", "waivers.yaml", "--today", "2016-01-01"];
    let gh = sunlight(dir.path(), &[&args[..], &["--format", "github"]].concat())?;
    assert_eq!(gh.status.code(), Some(0));
    assert!(!String::from_utf8(gh.stdout)?.contains("SZYD-004"));
    let junit = sunlight(dir.path(), &[&args[..], &["--format", "junit"]].concat())?;
    let xml = String::from_utf8(junit.stdout)?;
    assert!(!xml.contains("<failure"), "{xml}");
    Ok(())
}

#[test]
fn an_expired_waiver_waives_nothing_and_is_reported() -> TestResult {
    let (code, report) = with_waivers(WAIVER, "2016-07-01")?;
    assert_eq!(code, Some(1), "{report}");
    let f = finding(&report, "SZYD-004")?;
    assert!(f.get("suppressed").is_none(), "{f}");
    let errs = errors(&report)?;
    assert_eq!(errs.len(), 1, "{report}");
    let e = &errs[0];
    assert_eq!(e["severity"], "warning");
    assert_eq!(e["file"], "waivers.yaml");
    // At the waiver (line 2) or its `expires` (line 6).
    assert!(e["line"] == 2 || e["line"] == 6, "{e}");
    let msg = e["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("expired") && msg.contains("2016-06-30"),
        "{msg}"
    );
    assert!(
        msg.contains("SZYD-004") && msg.contains("HB-DZ-2015-09"),
        "{msg}"
    );
    Ok(())
}

#[test]
fn an_expired_waiver_is_shown_in_human_output() -> TestResult {
    let dir = workspace(RECORDS)?;
    std::fs::write(dir.path().join("waivers.yaml"), WAIVER)?;
    let out = sunlight(
        dir.path(),
        &["--waivers", "waivers.yaml", "--today", "2016-07-01"],
    )?;
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout)?;
    assert!(text.contains("expired on 2016-06-30"), "{text}");
    assert!(text.contains("waivers.yaml:2"), "{text}");
    assert!(text.contains("error[SZYD-004]"), "{text}");
    Ok(())
}

#[test]
fn a_waiver_matching_nothing_is_a_warning_and_does_not_change_the_exit_code() -> TestResult {
    let stale = format!(
        "{WAIVER}  - rule: SZYD-010\n    record: HB-DZ-2015-09\n    reason: 区纪委未能派员\n    approved_by: 区纪委 阮静\n    expires: 2016-12-31\n"
    );
    let (code, report) = with_waivers(&stale, "2016-01-01")?;
    assert_eq!(code, Some(0), "{report}");
    let errs = errors(&report)?;
    assert_eq!(errs.len(), 1, "{report}");
    let e = &errs[0];
    assert_eq!(e["severity"], "warning");
    assert_eq!(e["line"], 7, "{e}");
    let msg = e["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("SZYD-010") && msg.contains("matches no finding"),
        "{msg}"
    );
    // The matching waiver still waives.
    assert_eq!(
        finding(&report, "SZYD-004")?["suppressed"]["kind"],
        "waiver"
    );

    // Alone (nothing waived), it leaves the failing exit code as it was.
    let only_stale = "waivers:\n  - {rule: ZJBF-001, record: HB-DZ-2015-09, reason: 误填, approved_by: 区纪委 阮静, expires: 2016-12-31}\n";
    let (code, report) = with_waivers(only_stale, "2016-01-01")?;
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(errors(&report)?.len(), 1, "{report}");
    Ok(())
}

/// Run with a malformed waiver file: exit 2, one input error at `line`
/// whose message contains `needle`.
fn assert_malformed(waivers: &str, line: &[u64], needle: &str) -> TestResult {
    let (code, report) = with_waivers(waivers, "2016-01-01")?;
    assert_eq!(code, Some(2), "{waivers}\n{report}");
    let errs: Vec<&Value> = errors(&report)?
        .iter()
        .filter(|e| e["severity"] == "error")
        .collect();
    assert!(!errs.is_empty(), "{report}");
    let hit = errs.iter().find(|e| {
        e["file"] == "waivers.yaml"
            && e["line"].as_u64().is_some_and(|l| line.contains(&l))
            && e["message"].as_str().is_some_and(|m| m.contains(needle))
    });
    assert!(
        hit.is_some(),
        "expected an error at waivers.yaml line {line:?} containing `{needle}`, got {errs:?}"
    );
    // A malformed waiver waives nothing: the finding is still reported.
    assert!(finding(&report, "SZYD-004")?.get("suppressed").is_none());
    Ok(())
}

#[test]
fn a_waiver_without_a_reason_is_an_input_error() -> TestResult {
    assert_malformed(
        "waivers:\n  - rule: SZYD-004\n    record: HB-DZ-2015-09\n    approved_by: 区纪委 阮静\n    expires: 2016-06-30\n",
        &[2],
        "reason",
    )
}

#[test]
fn a_waiver_with_a_day_that_does_not_exist_is_an_input_error() -> TestResult {
    assert_malformed(
        &WAIVER.replace("2016-06-30", "2016-02-30"),
        &[6],
        "2016-02-30",
    )
}

#[test]
fn a_waiver_with_an_undashed_date_is_an_input_error() -> TestResult {
    assert_malformed(&WAIVER.replace("2016-06-30", "20160630"), &[6], "20160630")
}

#[test]
fn a_waiver_with_an_unknown_field_is_an_input_error() -> TestResult {
    assert_malformed(&format!("{WAIVER}    scope: all\n"), &[7], "scope")
}

#[test]
fn a_waiver_file_that_is_not_a_list_is_an_input_error() -> TestResult {
    assert_malformed(
        "waivers:\n  rule: SZYD-004\n  record: HB-DZ-2015-09\n",
        &[1, 2],
        "waivers",
    )?;
    assert_malformed("rule: SZYD-004\n", &[1], "waivers")
}

#[test]
fn a_waiver_that_is_not_a_mapping_is_an_input_error() -> TestResult {
    assert_malformed("waivers:\n  - SZYD-004\n", &[2], "mapping")
}

#[test]
fn a_waiver_file_that_is_not_yaml_is_an_input_error() -> TestResult {
    assert_malformed("waivers: [\n  - rule: SZYD-004\n", &[1, 2], "YAML")
}

#[test]
fn a_missing_waiver_file_is_an_input_error() -> TestResult {
    let dir = workspace(RECORDS)?;
    let out = sunlight(
        dir.path(),
        &["--waivers", "no-such.yaml", "--format", "json"],
    )?;
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&out.stdout)?;
    let errs = errors(&report)?;
    assert!(
        errs.iter().any(|e| e["file"]
            .as_str()
            .is_some_and(|f| f.contains("no-such.yaml"))),
        "{report}"
    );
    Ok(())
}

#[test]
fn a_bad_today_is_a_usage_error() -> TestResult {
    let dir = workspace(RECORDS)?;
    std::fs::write(dir.path().join("waivers.yaml"), WAIVER)?;
    let out = sunlight(
        dir.path(),
        &["--waivers", "waivers.yaml", "--today", "2016-13-01"],
    )?;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr)?;
    assert!(err.contains("2016-13-01"), "{err}");
    Ok(())
}

// ---------------------------------------------------------------- baseline

/// Write the JSON report of the current records as `previous.json`.
fn write_baseline(dir: &Path) -> TestResult {
    let out = sunlight(dir, &["--format", "json"])?;
    assert_eq!(out.status.code(), Some(1));
    std::fs::write(dir.join("previous.json"), &out.stdout)?;
    Ok(())
}

#[test]
fn findings_in_the_baseline_do_not_fail_the_run() -> TestResult {
    let dir = workspace(RECORDS)?;
    write_baseline(dir.path())?;
    let (code, report) = json(dir.path(), &["--baseline", "previous.json"])?;
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(
        finding(&report, "SZYD-004")?["suppressed"]["kind"],
        "baseline"
    );
    assert!(errors(&report)?.is_empty(), "{report}");
    assert_eq!(report["summary"]["suppressed"], 1);
    Ok(())
}

#[test]
fn a_baselined_finding_still_matches_after_its_lines_move() -> TestResult {
    let dir = workspace(RECORDS)?;
    write_baseline(dir.path())?;
    let moved = format!("# 2015 年第 9 次党组会纪要(补录)\n# 录入人:阮静\n{RECORDS}");
    std::fs::write(dir.path().join("records/huanbao.yaml"), moved)?;
    let (code, report) = json(dir.path(), &["--baseline", "previous.json"])?;
    assert_eq!(code, Some(0), "{report}");
    let f = finding(&report, "SZYD-004")?;
    assert_eq!(f["line"], 28);
    assert_eq!(f["suppressed"]["kind"], "baseline");
    Ok(())
}

#[test]
fn a_new_finding_still_fails_the_run() -> TestResult {
    let dir = workspace(RECORDS)?;
    write_baseline(dir.path())?;
    std::fs::write(
        dir.path().join("records/huanbao.yaml"),
        format!("{RECORDS}{NEW_ITEM}"),
    )?;
    let (code, report) = json(dir.path(), &["--baseline", "previous.json"])?;
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(
        finding(&report, "SZYD-004")?["suppressed"]["kind"],
        "baseline"
    );
    let new = finding(&report, "SZYD-008")?;
    assert!(new.get("suppressed").is_none(), "{new}");
    assert_eq!(report["summary"]["error"], 1, "{report}");
    assert_eq!(report["summary"]["suppressed"], 1, "{report}");

    // In SARIF, only the old one carries a suppression.
    let out = sunlight(
        dir.path(),
        &["--baseline", "previous.json", "--format", "sarif"],
    )?;
    let log: Value = serde_json::from_slice(&out.stdout)?;
    let results = log["runs"][0]["results"].as_array().ok_or("no results")?;
    for r in results {
        let suppressed = r.get("suppressions").is_some();
        assert_eq!(suppressed, r["ruleId"] == "SZYD-004", "{r}");
    }
    assert_valid_sarif(&log)
}

#[test]
fn a_waiver_and_a_baseline_together() -> TestResult {
    let dir = workspace(RECORDS)?;
    write_baseline(dir.path())?;
    std::fs::write(
        dir.path().join("records/huanbao.yaml"),
        format!("{RECORDS}{NEW_ITEM}"),
    )?;
    std::fs::write(
        dir.path().join("waivers.yaml"),
        "waivers:\n  - {rule: SZYD-008, record: HB-DZ-2015-09, reason: 区委书面同意紧急上会, approved_by: 区纪委 阮静, expires: 2016-03-31}\n",
    )?;
    let (code, report) = json(
        dir.path(),
        &[
            "--baseline",
            "previous.json",
            "--waivers",
            "waivers.yaml",
            "--today",
            "2016-01-01",
        ],
    )?;
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(
        finding(&report, "SZYD-004")?["suppressed"]["kind"],
        "baseline"
    );
    assert_eq!(
        finding(&report, "SZYD-008")?["suppressed"]["kind"],
        "waiver"
    );
    Ok(())
}

/// Run with a baseline file of the given text: exit 2 and an input error
/// naming the baseline file.
fn assert_bad_baseline(text: &str) -> TestResult {
    let dir = workspace(RECORDS)?;
    std::fs::write(dir.path().join("previous.json"), text)?;
    let (code, report) = json(dir.path(), &["--baseline", "previous.json"])?;
    assert_eq!(code, Some(2), "baseline `{text}`:\n{report}");
    let errs = errors(&report)?;
    assert!(
        errs.iter()
            .any(|e| e["severity"] == "error" && e["file"] == "previous.json"),
        "baseline `{text}`: {report}"
    );
    // Nothing was suppressed by it.
    assert!(finding(&report, "SZYD-004")?.get("suppressed").is_none());
    Ok(())
}

#[test]
fn a_baseline_that_is_not_json_is_an_input_error() -> TestResult {
    assert_bad_baseline("waivers: []\n")
}

#[test]
fn a_baseline_without_findings_is_an_input_error() -> TestResult {
    assert_bad_baseline("{\"version\": 1}\n")?;
    assert_bad_baseline("[1, 2]\n")
}

#[test]
fn a_baseline_whose_findings_are_not_findings_is_an_input_error() -> TestResult {
    assert_bad_baseline("{\"version\": 1, \"findings\": [1, 2]}\n")
}

#[test]
fn a_missing_baseline_is_an_input_error() -> TestResult {
    let dir = workspace(RECORDS)?;
    let (code, report) = json(dir.path(), &["--baseline", "previous.json"])?;
    assert_eq!(code, Some(2), "{report}");
    assert!(
        errors(&report)?
            .iter()
            .any(|e| e["file"] == "previous.json"),
        "{report}"
    );
    Ok(())
}

#[test]
fn a_baseline_of_another_report_version_is_an_input_error_naming_the_versions() -> TestResult {
    let dir = workspace(RECORDS)?;
    write_baseline(dir.path())?;
    let text = std::fs::read_to_string(dir.path().join("previous.json"))?;
    let v2 = text.replacen("\"version\": 1", "\"version\": 2", 1);
    assert_ne!(text, v2);
    assert_bad_baseline(&v2)?;
    std::fs::write(dir.path().join("previous.json"), &v2)?;
    let (_, report) = json(dir.path(), &["--baseline", "previous.json"])?;
    let message = errors(&report)?
        .iter()
        .filter_map(|e| e["message"].as_str())
        .find(|m| m.contains("version"))
        .ok_or_else(|| format!("no version error: {report}"))?
        .to_string();
    assert!(message.contains("`2`"), "{message}");
    assert!(message.contains("supported versions: `1`"), "{message}");
    Ok(())
}

#[test]
fn a_new_copy_of_a_baselined_finding_is_the_one_reported() -> TestResult {
    let dir = workspace(RECORDS)?;
    write_baseline(dir.path())?;
    // The same meeting again in a file that sorts before the original: its
    // SZYD-004 has the same rule, kind, record and path as the baselined one.
    let meeting = RECORDS
        .split("\n---\n")
        .nth(1)
        .ok_or("the fixture has no meeting")?;
    std::fs::write(dir.path().join("records/a-copy.yaml"), meeting)?;
    let (code, report) = json(dir.path(), &["--baseline", "previous.json"])?;
    assert_eq!(code, Some(1), "{report}");
    let szyd: Vec<&Value> = findings(&report)?
        .iter()
        .filter(|f| f["rule"] == "SZYD-004")
        .collect();
    assert_eq!(szyd.len(), 2, "{report}");
    for f in szyd {
        let baselined = f.get("suppressed").is_some();
        assert_eq!(
            baselined,
            f["file"] == "records/huanbao.yaml",
            "only the original is in the baseline: {f}"
        );
    }
    Ok(())
}
