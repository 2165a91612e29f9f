//! Rules and parameter values in force on the decision date: the example
//! locality `examples/validity-2015`, version overlaps, `explain`.

use std::path::{Path, PathBuf};
use std::process::Command;

type Res<T> = Result<T, Box<dyn std::error::Error>>;
type TestResult = Res<()>;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/validity-2015")
}

fn sunlight(args: &[&str]) -> Res<(Option<i32>, String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args(args)
        .current_dir(example())
        .output()?;
    Ok((
        out.status.code(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

/// (rule, record, rule_version) of each finding.
fn findings(json: &str) -> Res<Vec<(String, String, String)>> {
    let v: serde_json::Value = serde_json::from_str(json)?;
    let mut out: Vec<(String, String, String)> = v["findings"]
        .as_array()
        .ok_or("no findings array")?
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["record"].as_str().unwrap_or("").to_string(),
                f["rule_version"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    out.sort();
    Ok(out)
}

fn triple(rule: &str, record: &str, version: &str) -> (String, String, String) {
    (rule.into(), record.into(), version.into())
}

/// The findings the example's README lists.
#[test]
fn the_example_locality_judges_each_record_by_the_rules_of_its_date() -> TestResult {
    let (code, out, err) = sunlight(&["check", "--format", "json", "records"])?;
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        findings(&out)?,
        vec![
            triple("QS-001", "QS-DZ-2015-01-01", "2015-01-01.."),
            triple("SZYD-012", "QS-DZ-2014-12-31", ""),
            triple("ZJBF-001", "CZ-2014-1231-001", ""),
            triple("ZJBF-008", "CZ-2014-1222-001", ""),
        ]
    );
    Ok(())
}

/// 30万 on 2014-12-31 is a large sum (20万), on 2015-01-01 it is not (50万);
/// without the county's dated values both days are judged by 20万.
#[test]
fn the_day_before_and_the_day_a_threshold_takes_effect_are_judged_by_different_values() -> TestResult
{
    let (_, out, _) = sunlight(&["check", "--format", "json", "records"])?;
    let v: serde_json::Value = serde_json::from_str(&out)?;
    let szyd: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .ok_or("no findings")?
        .iter()
        .filter(|f| f["rule"] == "SZYD-012")
        .collect();
    assert_eq!(szyd.len(), 1);
    assert_eq!(szyd[0]["record"], "QS-DZ-2014-12-31");
    assert!(
        szyd[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("200000")),
        "{}",
        szyd[0]["message"]
    );
    let (_, plain, _) = sunlight(&["check", "--no-config", "--format", "json", "records"])?;
    let all = findings(&plain)?;
    assert!(all.contains(&triple("SZYD-012", "QS-DZ-2014-12-31", "")));
    assert!(all.contains(&triple("SZYD-012", "QS-DZ-2015-01-01", "")));
    assert!(all.contains(&triple("ZJBF-001", "CZ-2015-0101-001", "")));
    Ok(())
}

/// ZJBF-008 groups a 2014 payment with a 2015 one: on the 2014 record the
/// 20万 standard holds and the pair fires; on the 2015 record the 50万
/// standard holds and it does not.
#[test]
fn a_cross_record_rule_uses_the_version_in_force_for_the_record_it_fires_on() -> TestResult {
    let (_, out, _) = sunlight(&["check", "--format", "json", "records"])?;
    let v: serde_json::Value = serde_json::from_str(&out)?;
    let split: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .ok_or("no findings")?
        .iter()
        .filter(|f| f["rule"] == "ZJBF-008")
        .collect();
    assert_eq!(split.len(), 1);
    assert_eq!(split[0]["record"], "CZ-2014-1222-001");
    assert!(
        split[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("CZ-2015-0105-001") && m.contains("200000")),
        "{}",
        split[0]["message"]
    );
    Ok(())
}

#[test]
fn overlapping_versions_of_a_rule_are_an_error_naming_both() -> TestResult {
    let dir = std::env::temp_dir().join(format!("sunlight-overlap-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let rules = dir.join("v.rules");
    std::fs::write(
        &rules,
        "rule QS-002 \"旧\" until 2014-12-31 {\n  severity warning\n  for m in meeting\n  require m.chair != \"\"\n  message \"x\"\n}\n\
         rule QS-002 \"新\" effective 2014-06-01 {\n  severity warning\n  for m in meeting\n  require m.chair != \"\"\n  message \"x\"\n}\n",
    )?;
    let rules_arg = rules.to_string_lossy().to_string();
    let (code, out, _) = sunlight(&[
        "check",
        "--no-config",
        "--rules",
        &rules_arg,
        "--format",
        "json",
        "records",
    ])?;
    std::fs::remove_dir_all(&dir)?;
    assert_eq!(code, Some(2));
    let v: serde_json::Value = serde_json::from_str(&out)?;
    let errors = v["errors"].as_array().ok_or("no errors")?;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(
        e["message"],
        "rule `QS-002` has two versions in force from 2014-06-01 (2014-06-01.. and ..2014-12-31)"
    );
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(7), Some(6))
    );
    assert_eq!(e["related"][0]["line"], 1);
    assert_eq!(e["related"][0]["column"], 6);
    Ok(())
}

#[test]
fn explain_lists_the_versions_with_their_dates() -> TestResult {
    let (code, out, _) = sunlight(&["explain", "QS-001"])?;
    assert_eq!(code, Some(0));
    assert!(
        out.contains("versions:\n  2015-01-01..             资金议题未写明金额 (")
            && out.contains("qingshui.rules:11)"),
        "{out}"
    );
    Ok(())
}

#[test]
fn sarif_results_carry_the_rule_version() -> TestResult {
    let (_, out, _) = sunlight(&["check", "--format", "sarif", "records"])?;
    let v: serde_json::Value = serde_json::from_str(&out)?;
    let results = v["runs"][0]["results"].as_array().ok_or("no results")?;
    let versions: Vec<(&str, &str)> = results
        .iter()
        .filter_map(|r| {
            Some((
                r["ruleId"].as_str()?,
                r["properties"]["rule_version"].as_str()?,
            ))
        })
        .collect();
    assert_eq!(versions, [("QS-001", "2015-01-01..")]);
    let rule = v["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .and_then(|rules| rules.iter().find(|r| r["id"] == "QS-001"))
        .ok_or("QS-001 not described")?;
    assert_eq!(
        rule["properties"]["versions"],
        serde_json::json!(["2015-01-01.."])
    );
    Ok(())
}

/// Rule-file errors of `check --no-config --rules FILE records` as
/// (message, line, column).
fn rule_errors(rules: &str) -> Res<Vec<(String, u64, u64)>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("t.rules");
    std::fs::write(&path, rules)?;
    let path = path.to_string_lossy().to_string();
    let (_, out, _) = sunlight(&[
        "check",
        "--no-config",
        "--rules",
        &path,
        "--format",
        "json",
        "records",
    ])?;
    let v: serde_json::Value = serde_json::from_str(&out)?;
    Ok(v["errors"]
        .as_array()
        .ok_or("no errors")?
        .iter()
        .map(|e| {
            (
                e["message"].as_str().unwrap_or("").to_string(),
                e["line"].as_u64().unwrap_or(0),
                e["column"].as_u64().unwrap_or(0),
            )
        })
        .collect())
}

#[test]
fn two_dated_values_of_a_parameter_on_one_day_are_an_error() -> TestResult {
    let errors = rule_errors(
        "set 大额资金标准 = 20万 until 2014-12-31\nset 大额资金标准 = 50万 effective 2014-12-31\n",
    )?;
    assert_eq!(
        errors,
        [(
            "parameter `大额资金标准` has two values in force from 2014-12-31 (2014-12-31.. and ..2014-12-31)".to_string(),
            2,
            5
        )]
    );
    Ok(())
}

#[test]
fn a_date_that_does_not_exist_and_a_decision_date_that_is_no_date_are_errors() -> TestResult {
    let errors = rule_errors(
        "kind foo decided by f => f.name {\n  name: text\n}\n\
         rule QS-010 \"t\" effective 2015-13-01 {\n  severity warning\n  for m in meeting\n  message \"x\"\n}\n",
    )?;
    assert!(
        errors.contains(&("`2015-13-01` is no date".to_string(), 4, 27)),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("`decided by` gives text, not a date".to_string(), 1, 21)),
        "{errors:?}"
    );
    Ok(())
}

#[test]
fn a_file_period_applies_to_its_rules_and_must_meet_their_own() -> TestResult {
    let errors = rule_errors(
        "effective 2015-01-01\nrule QS-009 \"t\" until 2014-06-01 {\n  severity warning\n  for m in meeting\n  message \"x\"\n}\n",
    )?;
    assert_eq!(
        errors,
        [(
            "this period (..2014-06-01) lies outside the file's (2015-01-01..)".to_string(),
            2,
            17
        )]
    );
    // A rule of a file in force from 2015 judges only the 2015 meeting.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("t.rules");
    std::fs::write(
        &path,
        "effective 2015-01-01\nrule QS-011 \"t\" {\n  severity warning\n  for m in meeting\n  message \"x\"\n}\n",
    )?;
    let path = path.to_string_lossy().to_string();
    let (_, out, _) = sunlight(&[
        "check",
        "--no-config",
        "--rules",
        &path,
        "--format",
        "json",
        "records",
    ])?;
    let on: Vec<(String, String, String)> = findings(&out)?
        .into_iter()
        .filter(|f| f.0 == "QS-011")
        .collect();
    assert_eq!(on, [triple("QS-011", "QS-DZ-2015-01-01", "2015-01-01..")]);
    Ok(())
}

/// QS-001 is not in force in 2014; switching it off is still no typo.
#[test]
fn switching_off_a_rule_of_another_period_is_no_warning() -> TestResult {
    let (code, out, _) = sunlight(&[
        "check",
        "--disable",
        "QS-001",
        "--format",
        "json",
        "records",
    ])?;
    assert_eq!(code, Some(1));
    let v: serde_json::Value = serde_json::from_str(&out)?;
    assert_eq!(v["errors"], serde_json::json!([]));
    assert!(findings(&out)?.iter().all(|f| f.0 != "QS-001"));
    Ok(())
}

/// A locality that judges payments by the day of the application: both
/// 2015 transfers were applied for in December 2014, under 20万.
#[test]
fn extend_kind_can_decide_a_standard_kind_by_another_date() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("t.rules");
    std::fs::write(
        &path,
        "extend kind disbursement decided by d => first(d.steps, s => s.step == \"用款申请\").date {\n}\n",
    )?;
    let path = path.to_string_lossy().to_string();
    let (_, out, _) = sunlight(&["check", "--rules", &path, "--format", "json", "records"])?;
    let payments: Vec<(String, String, String)> = findings(&out)?
        .into_iter()
        .filter(|f| f.0.starts_with("ZJBF"))
        .collect();
    assert_eq!(
        payments,
        [
            triple("ZJBF-001", "CZ-2014-1231-001", ""),
            triple("ZJBF-001", "CZ-2015-0101-001", ""),
            triple("ZJBF-008", "CZ-2014-1222-001", ""),
            triple("ZJBF-008", "CZ-2015-0105-001", ""),
        ]
    );
    Ok(())
}

/// `today` is the run date in every period's program, not only the latest:
/// a rule reading it on a record of an earlier period sees `--today`.
#[test]
fn the_run_date_reaches_the_rules_of_every_period() -> TestResult {
    let dir = tempfile::tempdir()?;
    let rules = dir.path().join("today.rules");
    std::fs::write(
        &rules,
        "rule TD-001 \"运行日期\" {\n  severity warning\n  cite \"c\"\n  for m in meeting\n  require false\n  at m.date\n  message \"{today}\"\n  help \"h\"\n}\n",
    )?;
    let rules = rules.to_string_lossy().to_string();
    let (_, out, err) = sunlight(&[
        "check",
        ".",
        "--today",
        "2016-03-01",
        "--rules",
        &rules,
        "--format",
        "json",
    ])?;
    let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| format!("{e}: {err}"))?;
    let messages: Vec<&str> = v["findings"]
        .as_array()
        .ok_or("no findings")?
        .iter()
        .filter(|f| f["rule"] == "TD-001")
        .filter_map(|f| f["message"].as_str())
        .collect();
    // Meetings on both sides of 2015-01-01, all judged as of the flag's date.
    assert!(messages.len() >= 2, "{messages:?}");
    assert!(messages.iter().all(|m| *m == "2016-03-01"), "{messages:?}");
    Ok(())
}

/// A version of a rule that is not in force for a record does not judge it,
/// so an expression that fails on that record is no error of the run; the
/// version in force still reports its own.
#[test]
fn a_run_time_error_counts_only_for_the_version_in_force() -> TestResult {
    let dir = tempfile::tempdir()?;
    let rules = dir.path().join("years.rules");
    // `100 / (year - 2015)` fails on the 2015 meetings only.
    let rule = |period: &str, fails_in: &str| {
        format!(
            "rule ER-001 \"按年\" {period} {{\n  severity warning\n  cite \"c\"\n  for m in meeting\n  require 100 / (year(m.date) - {fails_in}) != 0\n  message \"x\"\n  help \"h\"\n}}\n"
        )
    };
    let errors = |text: &str| -> Res<Vec<String>> {
        std::fs::write(&rules, text)?;
        let path = rules.to_string_lossy().to_string();
        let (_, out, err) = sunlight(&["check", ".", "--rules", &path, "--format", "json"])?;
        let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| format!("{e}: {err}"))?;
        Ok(v["errors"]
            .as_array()
            .ok_or("no errors array")?
            .iter()
            .filter_map(|e| e["message"].as_str())
            .filter(|m| m.contains("ER-001"))
            .map(str::to_string)
            .collect())
    };
    // The 2014 version would fail on 2015 meetings, which it does not judge.
    let quiet =
        errors(&(rule("until 2014-12-31", "2015") + &rule("effective 2015-01-01", "2000")))?;
    assert_eq!(quiet, Vec::<String>::new());
    // The 2015 version fails on its own meetings: reported, naming one.
    let loud = errors(&(rule("until 2014-12-31", "2000") + &rule("effective 2015-01-01", "2015")))?;
    assert_eq!(loud.len(), 1, "{loud:?}");
    assert!(
        loud[0].contains("could not be evaluated on meeting `"),
        "{loud:?}"
    );
    Ok(())
}
