//! Input errors (SPEC §2, §4, §5): broken rule files, parameter files and
//! record files are reported with a clear message at the right line and
//! column, in the human and the JSON output; the rest is still checked;
//! the exit code is 2; the summary's counts add up.

mod common;

use std::path::Path;

use common::*;

/// A folder with these files; the checks run from inside it so that file
/// names in the output are the relative ones given here.
fn folder(files: &[(&str, &str)]) -> TestResult<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    write_files(dir.path(), files)?;
    Ok(dir)
}

/// `sunlight check ARGS` → (exit code, human text without colour).
fn human_run(dir: &Path, args: &[&str]) -> TestResult<(Option<i32>, String)> {
    Ok(code_and_stdout(&run_check(dir, args)?))
}

/// The JSON `errors` entries as (file, line, column, message).
fn json_errors(report: &serde_json::Value) -> Vec<(String, u64, u64, String)> {
    report["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["file"].as_str().unwrap_or_default().to_string(),
                        e["line"].as_u64().unwrap_or(0),
                        e["column"].as_u64().unwrap_or(0),
                        e["message"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The JSON error at `file:line:column`, or an error listing them all.
fn json_error_at(
    report: &serde_json::Value,
    file: &str,
    line: usize,
    column: usize,
) -> TestResult<serde_json::Value> {
    let Some(errors) = report["errors"].as_array() else {
        return Err(fail(format!("no errors array: {report}")));
    };
    errors
        .iter()
        .find(|e| {
            e["file"] == file
                && e["line"].as_u64() == Some(line as u64)
                && e["column"].as_u64() == Some(column as u64)
        })
        .cloned()
        .ok_or_else(|| {
            fail(format!(
                "no error at {file}:{line}:{column}; errors: {:#?}",
                json_errors(report)
            ))
        })
}

fn assert_summary_adds_up(report: &serde_json::Value) -> TestResult {
    let s = &report["summary"];
    let (Some(records), Some(checked), Some(rejected)) = (
        s["records"].as_u64(),
        s["checked"].as_u64(),
        s["rejected"].as_u64(),
    ) else {
        return Err(fail(format!("summary lacks counts: {s}")));
    };
    assert_eq!(records, checked + rejected, "{s}");
    Ok(())
}

/// The meeting of the base, with its id changed.
fn base_meeting(id: &str) -> TestResult<String> {
    let Some(m) = BASE.split("\n---\n").nth(1) else {
        return Err(fail("the base has no meeting"));
    };
    Ok(m.replace(MEETING, id) + "\n")
}

/// The base payment, with its id changed.
fn base_payment(id: &str) -> TestResult<String> {
    let Some(p) = BASE.split("\n---\n").nth(2) else {
        return Err(fail("the base has no payment"));
    };
    Ok(p.replace(PAYMENT, id) + "\n")
}

// ====================================================================== a broken rule file

/// One rule file with five different mistakes.
const BROKEN_RULES: &str = r#"// 本地规则: several mistakes in one file
rule BAD-001 "语法错误" {
  severity error
  cite "本地"
  for m in meeting
  require count(m.members) >=
  at m.body
  message "x"
  help "x"
}

rule BAD-002 "未知字段" {
  severity error
  cite "本地"
  for m in meeting
  require count(m.attendee) > 0
  at m.body
  message "x"
  help "x"
}

set 大额资金标准线 = 50万

rule BAD-003 "日期与金额比较" {
  severity error
  cite "本地"
  for m in meeting, i in m.items
  require m.date < i.amount
  at m.date
  message "x"
  help "x"
}

rule BAD-004 "第一条" {
  severity warning
  cite "本地"
  for m in meeting
  require count(m.items) > 0
  at m.items
  message "x"
  help "x"
}

rule BAD-004 "重复编号" {
  severity warning
  cite "本地"
  for m in meeting
  require count(m.items) > 0
  at m.items
  message "x"
  help "x"
}
"#;

#[test]
fn every_error_of_a_broken_rule_file_is_reported() -> TestResult {
    let faulty = base_with("body: 党组会", "body: 碰头会")?;
    let dir = folder(&[
        ("records/zhujian.yaml", &faulty),
        ("local/bad.rules", BROKEN_RULES),
    ])?;
    let (code, text) = human_run(dir.path(), &["records", "--rules", "local/bad.rules"])?;
    assert_eq!(code, Some(2), "{text}");
    let at = |needle: &str, nth: usize| -> TestResult<String> {
        let (line, column) = position_of(BROKEN_RULES, needle, nth)?;
        Ok(format!("local/bad.rules:{line}:{column}"))
    };
    // syntax error: the expression after `>=` is missing, found `at`
    let syntax = at("at m.body", 0)?;
    assert!(text.contains(&syntax), "want {syntax}\n{text}");
    assert!(text.contains("syntax error"), "{text}");
    // unknown field for the kind in scope, with a suggestion
    let field = at("attendee)", 0)?;
    assert!(text.contains(&field), "want {field}\n{text}");
    assert!(text.contains("`attendee`"), "{text}");
    assert!(text.contains("did you mean `attendees`?"), "{text}");
    // unknown parameter
    let param = at("大额资金标准线", 0)?;
    assert!(text.contains(&param), "want {param}\n{text}");
    assert!(text.contains("大额资金标准线"), "{text}");
    // comparing a date with money
    let types = at("m.date < i.amount", 0)?;
    assert!(text.contains(&types), "want {types}\n{text}");
    assert!(text.contains("date") && text.contains("money"), "{text}");
    // a duplicate rule id, pointing at the second and the first
    let dup = at("BAD-004", 1)?;
    assert!(text.contains(&dup), "want {dup}\n{text}");
    assert!(text.contains("`BAD-004`"), "{text}");

    // the same in JSON
    let (code, report) = run_check_json(dir.path(), &["records", "--rules", "local/bad.rules"])?;
    assert_eq!(code, Some(2));
    for (needle, nth) in [
        ("at m.body", 0),
        ("attendee)", 0),
        ("大额资金标准线", 0),
        ("m.date < i.amount", 0),
        ("BAD-004", 1),
    ] {
        let (line, column) = position_of(BROKEN_RULES, needle, nth)?;
        let e = json_error_at(&report, "local/bad.rules", line, column)?;
        assert_eq!(e["severity"], "error", "{e}");
    }
    let dup = json_error_at(
        &report,
        "local/bad.rules",
        position_of(BROKEN_RULES, "BAD-004", 1)?.0,
        position_of(BROKEN_RULES, "BAD-004", 1)?.1,
    )?;
    let first = position_of(BROKEN_RULES, "BAD-004", 0)?;
    assert!(
        dup["related"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["line"].as_u64() == Some(first.0 as u64))),
        "the duplicate points at the first use: {dup}"
    );
    // the records are still checked with the rules that compile
    assert!(
        json_pairs(&report).contains(&("SZYD-001".to_string(), MEETING.to_string())),
        "{report}"
    );
    assert_summary_adds_up(&report)?;
    Ok(())
}

#[test]
fn a_rule_using_an_unknown_parameter_name_is_an_error() -> TestResult {
    let rules = r#"rule LOCAL-1 "未知参数" {
  severity error
  cite "本地"
  for m in meeting, i in m.items
  require i.amount < 大额资金上限
  at i.amount
  message "x"
  help "x"
}
"#;
    let run = check_yaml_with(BASE, &Setup::default().rules("local.rules", rules))?;
    let errors = run.errors();
    let (line, column) = position_of(rules, "大额资金上限", 0)?;
    assert!(
        errors.iter().any(|e| e.file.ends_with("local.rules")
            && (e.line, e.column) == (line, column)
            && e.message.contains("大额资金上限")
            && e.help.contains("大额资金标准")),
        "{errors:?}"
    );
    Ok(())
}

#[test]
fn a_duplicate_of_a_standard_rule_id_is_an_error() -> TestResult {
    let rules = r#"rule SZYD-002 "重复" {
  severity error
  cite "本地"
  for m in meeting
  require true
  at m.body
  message "x"
  help "x"
}
"#;
    let run = check_yaml_with(BASE, &Setup::default().rules("local.rules", rules))?;
    let errors = run.errors();
    assert!(
        errors.iter().any(|e| e.file.ends_with("local.rules")
            && (e.line, e.column) == (1, 6)
            && e.message.contains("SZYD-002")),
        "{errors:?}"
    );
    Ok(())
}

// ====================================================================== a broken parameter file

#[test]
fn a_broken_parameter_file_is_reported_at_its_lines() -> TestResult {
    let params = "大额资金标准: 50万\n大额资金标注: 30万\n拆分窗口: 三十天\n";
    let dir = folder(&[("records/zhujian.yaml", BASE), ("本地参数.yaml", params)])?;
    let (code, text) = human_run(dir.path(), &["records", "--params", "本地参数.yaml"])?;
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("本地参数.yaml:2:1"), "{text}");
    assert!(text.contains("大额资金标注"), "{text}");
    assert!(text.contains("本地参数.yaml:3:"), "{text}");
    let (_, report) = run_check_json(dir.path(), &["records", "--params", "本地参数.yaml"])?;
    json_error_at(&report, "本地参数.yaml", 2, 1)?;
    assert_summary_adds_up(&report)?;
    Ok(())
}

/// `2e5`, as a spreadsheet may write a number, is read as text: the help
/// gives the number written in full.
#[test]
fn a_parameter_written_with_an_exponent_is_given_in_full_in_the_help() -> TestResult {
    for (written, full) in [("2e5", "200000"), ("1.5E3", "1500"), ("5e-2", "0.05")] {
        let params = format!("大额资金标准: {written}\n");
        let dir = folder(&[("records/zhujian.yaml", BASE), ("本地参数.yaml", &params)])?;
        let (code, report) = run_check_json(dir.path(), &["records", "--params", "本地参数.yaml"])?;
        assert_eq!(code, Some(2), "{report}");
        let error = json_error_at(&report, "本地参数.yaml", 1, 9)?;
        assert_eq!(
            error["help"],
            format!(
                "write the number in full, `{full}`: a number with an exponent is read as text"
            )
            .as_str(),
            "{written}"
        );
    }
    Ok(())
}

// ====================================================================== broken record files

/// A record folder with one broken file per kind of input error, and good files.
fn broken_records() -> TestResult<Vec<(String, String)>> {
    Ok(vec![
        ("records/a-org.yaml".into(), base_org()),
        ("records/b-good.yaml".into(), base_meeting("M-GOOD")?),
        (
            "records/c-yaml.yaml".into(),
            base_meeting("M-YAML")?.replace(
                "members: [王建国, 李明, 张华, 赵强, 刘芳]",
                "members: [王建国, 李明, 张华, 赵强, 刘芳",
            ),
        ),
        (
            "records/d-typo.yaml".into(),
            base_meeting("M-TYPO")?.replace("attendees:", "attendes:"),
        ),
        (
            "records/e-missing.yaml".into(),
            base_meeting("M-MISS")?.replace("chair: 王建国\n", ""),
        ),
        (
            "records/f-date.yaml".into(),
            base_meeting("M-DATE")?.replace("date: 2014-07-18", "date: 2015-02-30"),
        ),
        (
            "records/g-category.yaml".into(),
            base_meeting("M-CAT")?.replace("category: 大额资金使用", "category: 大额资金"),
        ),
        (
            "records/h-amount.yaml".into(),
            base_meeting("M-AMT")?.replace("amount: 1200000", "amount: \"abc\""),
        ),
        // a faulty but well-formed meeting: findings must still come out
        (
            "records/i-faulty.yaml".into(),
            base_meeting("M-FAULTY")?.replace("body: 党组会", "body: 碰头会"),
        ),
    ])
}

fn broken_folder() -> TestResult<(tempfile::TempDir, Vec<(String, String)>)> {
    let files = broken_records()?;
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    Ok((folder(&refs)?, files))
}

fn text_of<'a>(files: &'a [(String, String)], name: &str) -> TestResult<&'a str> {
    files
        .iter()
        .find(|(n, _)| n.ends_with(name))
        .map(|(_, t)| t.as_str())
        .ok_or_else(|| fail(format!("no file {name}")))
}

#[test]
fn yaml_syntax_error_is_reported_at_its_position() -> TestResult {
    let (dir, files) = broken_folder()?;
    let (code, text) = human_run(dir.path(), &["records"])?;
    assert_eq!(code, Some(2), "{text}");
    // the unclosed `[` on line 7 is noticed at the `:` of line 8
    let (line, _) = position_of(text_of(&files, "c-yaml.yaml")?, "attendees:", 0)?;
    assert!(
        text.contains(&format!("records/c-yaml.yaml:{line}:")),
        "{text}"
    );
    assert!(text.contains("invalid YAML"), "{text}");
    assert!(
        text.contains("help: close the `[` opened at line 7"),
        "{text}"
    );
    let (_, report) = run_check_json(dir.path(), &["records"])?;
    assert!(
        json_errors(&report)
            .iter()
            .any(|(f, l, c, _)| f == "records/c-yaml.yaml" && *l == line as u64 && *c > 0),
        "{report}"
    );
    Ok(())
}

#[test]
fn unknown_field_is_reported_with_did_you_mean() -> TestResult {
    let (dir, files) = broken_folder()?;
    let (line, column) = position_of(text_of(&files, "d-typo.yaml")?, "attendes", 0)?;
    assert_eq!((line, column), (8, 1));
    let (_, text) = human_run(dir.path(), &["records"])?;
    assert!(text.contains("records/d-typo.yaml:8:1"), "{text}");
    assert!(
        text.contains("error: unknown field `attendes` in `meeting`"),
        "{text}"
    );
    assert!(text.contains("help: did you mean `attendees`?"), "{text}");
    // the source line is shown with the field underlined
    assert!(
        text.contains("8 │ attendes: [王建国, 李明, 张华, 赵强]"),
        "{text}"
    );
    assert!(text.contains("│ ^^^^^^^^"), "{text}");
    let (_, report) = run_check_json(dir.path(), &["records"])?;
    let e = json_error_at(&report, "records/d-typo.yaml", 8, 1)?;
    assert_eq!(e["message"], "unknown field `attendes` in `meeting`");
    assert_eq!(e["help"], "did you mean `attendees`?");
    Ok(())
}

#[test]
fn missing_field_is_reported_on_the_record() -> TestResult {
    let (dir, _) = broken_folder()?;
    let (_, text) = human_run(dir.path(), &["records"])?;
    assert!(text.contains("records/e-missing.yaml:1:1"), "{text}");
    assert!(
        text.contains("missing required field `chair` in `meeting`"),
        "{text}"
    );
    let (_, report) = run_check_json(dir.path(), &["records"])?;
    let e = json_error_at(&report, "records/e-missing.yaml", 1, 1)?;
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("`chair`"),
        "{e}"
    );
    assert!(
        e["help"].as_str().is_some_and(|h| h.contains("chair")),
        "{e}"
    );
    Ok(())
}

#[test]
fn date_that_does_not_exist_is_reported_at_the_value() -> TestResult {
    let (dir, files) = broken_folder()?;
    let (line, column) = position_of(text_of(&files, "f-date.yaml")?, "2015-02-30", 0)?;
    let (_, text) = human_run(dir.path(), &["records"])?;
    assert!(
        text.contains(&format!("records/f-date.yaml:{line}:{column}")),
        "{text}"
    );
    assert!(text.contains("2015-02-30"), "{text}");
    assert!(text.contains("does not exist"), "{text}");
    let (_, report) = run_check_json(dir.path(), &["records"])?;
    let e = json_error_at(&report, "records/f-date.yaml", line, column)?;
    assert!(e["help"].is_string(), "{e}");
    Ok(())
}

#[test]
fn value_outside_a_list_is_reported_at_the_value_with_the_choices() -> TestResult {
    let (dir, files) = broken_folder()?;
    let (line, column) = position_of(text_of(&files, "g-category.yaml")?, "大额资金\n", 0)?;
    let (_, text) = human_run(dir.path(), &["records"])?;
    assert!(
        text.contains(&format!("records/g-category.yaml:{line}:{column}")),
        "{text}"
    );
    assert!(
        text.contains("`大额资金` is not a valid `category`"),
        "{text}"
    );
    assert!(
        text.contains("重大事项决策, 重要干部任免, 重大项目投资, 大额资金使用, 一般事项"),
        "{text}"
    );
    let (_, report) = run_check_json(dir.path(), &["records"])?;
    json_error_at(&report, "records/g-category.yaml", line, column)?;
    Ok(())
}

#[test]
fn wrong_type_is_reported_at_the_value() -> TestResult {
    let (dir, files) = broken_folder()?;
    let (line, column) = position_of(text_of(&files, "h-amount.yaml")?, "\"abc\"", 0)?;
    let (_, text) = human_run(dir.path(), &["records"])?;
    assert!(
        text.contains(&format!("records/h-amount.yaml:{line}:{column}")),
        "{text}"
    );
    assert!(text.contains("`amount`") && text.contains("abc"), "{text}");
    let (_, report) = run_check_json(dir.path(), &["records"])?;
    let e = json_error_at(&report, "records/h-amount.yaml", line, column)?;
    assert!(e["help"].is_string(), "{e}");
    Ok(())
}

#[test]
fn broken_files_do_not_stop_the_others_from_being_checked() -> TestResult {
    let (dir, _) = broken_folder()?;
    let (code, report) = run_check_json(dir.path(), &["records"])?;
    assert_eq!(code, Some(2));
    // the faulty but valid meeting is still checked
    assert_eq!(
        json_pairs(&report),
        set(&[("SZYD-001", "M-FAULTY")]),
        "{report}"
    );
    // every file with an input error, and only those
    let files: std::collections::BTreeSet<String> =
        json_errors(&report).into_iter().map(|e| e.0).collect();
    let want: std::collections::BTreeSet<String> = [
        "c-yaml",
        "d-typo",
        "e-missing",
        "f-date",
        "g-category",
        "h-amount",
    ]
    .iter()
    .map(|n| format!("records/{n}.yaml"))
    .collect();
    assert_eq!(files, want, "{report}");
    // the summary adds up
    let s = &report["summary"];
    assert_eq!(s["files"], 9, "{s}");
    assert_eq!(s["records"], 9, "{s}");
    assert_eq!(s["checked"], 3, "{s}");
    assert_eq!(s["rejected"], 6, "{s}");
    assert_eq!(s["findings"], 1, "{s}");
    assert_summary_adds_up(&report)?;

    let (code, text) = human_run(dir.path(), &["records", "--today", "2014-12-31"])?;
    assert_eq!(code, Some(2));
    assert!(text.contains("error[SZYD-001]"), "{text}");
    assert!(
        text.contains(
            "checked 3 of 9 records in 9 files as of 2014-12-31: 6 rejected for input errors"
        ),
        "{text}"
    );
    Ok(())
}

#[test]
fn exit_code_is_two_even_with_fail_on_never() -> TestResult {
    let (dir, _) = broken_folder()?;
    let out = run_check(dir.path(), &["records", "--fail-on", "never"])?;
    assert_eq!(out.status.code(), Some(2));
    Ok(())
}

#[test]
fn each_record_of_a_stream_is_checked_or_rejected_on_its_own() -> TestResult {
    // one bad document in a stream of three: the other two are checked
    let text = stream(&[
        &base_org(),
        &base_meeting("M-BAD")?.replace("date: 2014-07-18", "date: 2014-13-01"),
        &base_meeting("M-OK")?.replace("body: 党组会", "body: 圈阅"),
    ]);
    let run = check_yaml(&text)?;
    assert_eq!(run.report.summary.records, 3);
    assert_eq!(run.report.summary.checked, 2);
    assert_eq!(run.report.summary.rejected, 1);
    assert_eq!(
        run.pairs(),
        set(&[("SZYD-001", "M-OK")]),
        "\n{}",
        run.human()
    );
    let errors = run.errors();
    let (line, column) = position_of(&text, "2014-13-01", 0)?;
    assert!(
        errors
            .iter()
            .any(|e| (e.line, e.column) == (line, column) && e.message.contains("2014-13-01")),
        "{errors:?}"
    );
    Ok(())
}

// ====================================================================== one error, one message

/// The input errors of a single-file run whose file name ends with `name`.
fn errors_in(run: &Run, name: &str) -> Vec<InputError> {
    run.errors()
        .into_iter()
        .filter(|e| e.file.ends_with(name))
        .collect()
}

#[test]
fn a_bad_date_is_not_also_reported_as_a_missing_field() -> TestResult {
    let run = check_files(&[(
        "m.yaml",
        &base_meeting("M-DATE")?.replace("date: 2014-07-18", "date: 2015-02-30"),
    )])?;
    let errors = errors_in(&run, "m.yaml");
    assert_eq!(errors.len(), 1, "one mistake, one message: {errors:#?}");
    assert!(
        !errors.iter().any(|e| e.message.contains("missing")),
        "`date` is present: {errors:#?}"
    );
    Ok(())
}

#[test]
fn a_value_outside_a_list_is_not_also_reported_as_missing_fields() -> TestResult {
    let run = check_files(&[(
        "m.yaml",
        &base_meeting("M-CAT")?.replace("category: 大额资金使用", "category: 大额资金"),
    )])?;
    let errors = errors_in(&run, "m.yaml");
    assert_eq!(errors.len(), 1, "one mistake, one message: {errors:#?}");
    Ok(())
}

#[test]
fn a_wrong_type_is_not_also_reported_as_a_missing_field() -> TestResult {
    let run = check_files(&[(
        "m.yaml",
        &base_meeting("M-AMT")?.replace("amount: 1200000", "amount: \"abc\""),
    )])?;
    let errors = errors_in(&run, "m.yaml");
    assert_eq!(errors.len(), 1, "one mistake, one message: {errors:#?}");
    Ok(())
}

// ====================================================================== steps

#[test]
fn unknown_step_name_is_reported_at_the_value() -> TestResult {
    let text = base_payment("P-1")?.replace("{step: 提单,", "{step: 开票,");
    let run = check_files(&[("p.yaml", &text), ("org.yaml", &base_org())])?;
    let errors = errors_in(&run, "p.yaml");
    let (line, column) = position_of(&text, "开票", 0)?;
    assert!(
        errors
            .iter()
            .any(|e| (e.line, e.column) == (line, column) && e.message.contains("开票")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.help.contains("用款申请")),
        "the help lists the step names: {errors:#?}"
    );
    assert_eq!(run.report.summary.rejected, 1);
    Ok(())
}

#[test]
fn step_missing_its_required_fields_is_an_input_error() -> TestResult {
    // 签字 without `by`; 集体审核 without `meeting`
    let text = base_payment("P-1")?
        .replace("{step: 签字, by: [李明, 王建国], date", "{step: 签字, date")
        .replace("meeting: ZJ-DZ-2014-07, ", "");
    let run = check_files(&[("p.yaml", &text), ("org.yaml", &base_org())])?;
    let errors = errors_in(&run, "p.yaml");
    let sign = position_of(&text, "{step: 签字", 0)?.0;
    let review = position_of(&text, "{step: 集体审核", 0)?.0;
    assert!(
        errors
            .iter()
            .any(|e| e.line == sign && e.message.contains("`by`")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.line == review && e.message.contains("`meeting`")),
        "{errors:#?}"
    );
    Ok(())
}

#[test]
fn field_of_another_step_variant_is_an_input_error() -> TestResult {
    let text = base_payment("P-1")?.replace(
        "{step: 签字, by: [李明, 王建国], date: 2014-07-18}",
        "{step: 签字, by: [李明, 王建国], date: 2014-07-18, item: 1}",
    );
    let run = check_files(&[("p.yaml", &text), ("org.yaml", &base_org())])?;
    let errors = errors_in(&run, "p.yaml");
    let (line, column) = position_of(&text, "item: 1}", 0)?;
    assert!(
        errors
            .iter()
            .any(|e| (e.line, e.column) == (line, column) && e.message.contains("`item`")),
        "{errors:#?}"
    );
    Ok(())
}

#[test]
fn a_step_named_twice_is_an_input_error() -> TestResult {
    // SPEC §2: "Step names are the six above, each at most once per record."
    let text = base_payment("P-1")?.replace(
        "  - {step: 划拨, by: 周敏, date: 2014-07-21, amount: 1200000}\n",
        "  - {step: 划拨, by: 周敏, date: 2014-07-21, amount: 600000}\n  - {step: 划拨, by: 周敏, date: 2014-07-22, amount: 600000}\n",
    );
    let run = check_files(&[
        ("p.yaml", &text),
        (
            "base.yaml",
            &stream(&[&base_org(), &base_meeting(MEETING)?]),
        ),
    ])?;
    let errors = errors_in(&run, "p.yaml");
    let second = position_of(&text, "{step: 划拨", 1)?.0;
    assert!(
        errors.iter().any(|e| e.is_error && e.line == second),
        "the second 划拨 is an input error: {errors:#?}\n{}",
        run.human()
    );
    assert_eq!(run.report.summary.rejected, 1, "\n{}", run.human());
    Ok(())
}

// ====================================================================== other inputs

#[test]
fn unknown_record_kind_is_reported_at_the_kind() -> TestResult {
    let text = base_payment("P-1")?.replace("kind: disbursement", "kind: payment");
    let run = check_files(&[("p.yaml", &text)])?;
    let errors = errors_in(&run, "p.yaml");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].column), (1, 7));
    assert!(errors[0].message.contains("payment"), "{errors:#?}");
    assert!(errors[0].help.contains("disbursement"), "{errors:#?}");
    Ok(())
}

#[test]
fn missing_id_is_reported() -> TestResult {
    let text = base_payment("P-1")?.replace("id: P-1\n", "");
    let run = check_files(&[("p.yaml", &text)])?;
    let errors = errors_in(&run, "p.yaml");
    assert!(
        errors.iter().any(|e| e.message.contains("`id`")),
        "{errors:#?}"
    );
    assert_eq!(run.report.summary.rejected, 1);
    Ok(())
}

#[test]
fn quoted_dates_and_json_records_are_accepted() -> TestResult {
    let json = r#"{
  "kind": "disbursement",
  "id": "P-JSON",
  "org": "zhujian",
  "payee": "龙潭印刷厂",
  "amount": 12000,
  "steps": [
    {"step": "用款申请", "by": "何伟", "date": "2014-04-01"},
    {"step": "财政审核", "by": "孙立", "date": "2014-04-02", "result": "符合"},
    {"step": "签字", "by": "李明", "date": "2014-04-03"},
    {"step": "划拨", "by": "周敏", "date": "2014-04-04"}
  ]
}
"#;
    let quoted = BASE.replace("date: 2014-07-18\nchair", "date: \"2014-07-18\"\nchair");
    let run = check_files(&[("a.yaml", &quoted), ("b.json", json)])?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    assert_eq!(run.report.summary.checked, 4);
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn json_syntax_error_is_reported_with_a_position() -> TestResult {
    let json = "{\n  \"kind\": \"org\",\n  \"id\": \"x\"\n  \"name\": \"y\"\n}\n";
    let run = check_files(&[("bad.json", json), ("ok.yaml", BASE)])?;
    let errors = errors_in(&run, "bad.json");
    assert!(!errors.is_empty(), "\n{}", run.human());
    assert!(errors.iter().all(|e| e.line > 0), "{errors:#?}");
    assert_eq!(run.report.summary.checked, 3);
    let s = run.report.summary;
    assert_eq!(s.records, s.checked + s.rejected);
    Ok(())
}

#[test]
fn missing_path_is_an_input_error() -> TestResult {
    let dir = folder(&[("records/zhujian.yaml", BASE)])?;
    let (code, report) = run_check_json(dir.path(), &["records", "no-such-folder"])?;
    assert_eq!(code, Some(2));
    assert!(
        json_errors(&report)
            .iter()
            .any(|(f, _, _, _)| f == "no-such-folder"),
        "{report}"
    );
    assert_eq!(report["summary"]["checked"], 3);
    Ok(())
}

#[test]
fn clean_run_exits_zero_and_findings_exit_one() -> TestResult {
    let dir = folder(&[("records/zhujian.yaml", BASE)])?;
    let (code, text) = human_run(dir.path(), &["records", "--today", "2014-12-31"])?;
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.ends_with("checked 3 of 3 records in 1 file as of 2014-12-31\nno findings\n"),
        "{text}"
    );
    let faulty = base_with("body: 党组会", "body: 碰头会")?;
    let dir = folder(&[("records/zhujian.yaml", &faulty)])?;
    let (code, text) = human_run(dir.path(), &["records"])?;
    assert_eq!(code, Some(1), "{text}");
    // the finding is rendered like a compiler diagnostic
    let (line, column) = position_of(&faulty, "碰头会", 0)?;
    assert!(text.contains("error[SZYD-001]"), "{text}");
    assert!(
        text.contains(&format!("records/zhujian.yaml:{line}:{column}")),
        "{text}"
    );
    assert!(text.contains("= cite: "), "{text}");
    assert!(text.contains("= help: "), "{text}");
    Ok(())
}

#[test]
fn optional_fields_may_be_left_out() -> TestResult {
    // an item without `opinions`, `agenda`, `amount`; a leader with only a name;
    // an absence without reason is fine as input (SZYD-011 judges it)
    let text = stream(&[
        &base_org().replace(
            "  - {name: 刘芳, post: 总工程师, manages: [质量安全]}",
            "  - {name: 刘芳}",
        ),
        &base_meeting(MEETING)?.replace(
            "    amount: 30000\n    opinions:\n      - {name: 张华, stance: 同意}\n      - {name: 王建国, stance: 同意}\n",
            "",
        ),
    ]);
    let run = check_yaml(&text)?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    assert_eq!(run.report.summary.checked, 2);
    Ok(())
}

#[test]
fn json_report_has_the_documented_shape() -> TestResult {
    let faulty = base_with_all(&[
        ("body: 党组会", "body: 碰头会"),
        ("materials_sent: 2014-07-16", "materials_sent: 2014-07-18"),
        ("manages: [全面工作]", "manages: [全面工作, 人事]"),
    ])?;
    let dir = folder(&[
        ("records/b.yaml", &faulty),
        (
            "records/a.yaml",
            &base_with("id: zhujian", "id: other")?.replace("org: zhujian", "org: other"),
        ),
        (
            "records/c.yaml",
            "kind: org\nid: x\nname: y\nleaders: []\nextra: 1\n",
        ),
    ])?;
    let (code, report) = run_check_json(dir.path(), &["records"])?;
    assert_eq!(code, Some(2));
    assert_eq!(report["version"], 1);
    let Some(findings) = report["findings"].as_array() else {
        return Err(fail(format!("no findings array: {report}")));
    };
    assert!(findings.len() >= 3, "{report}");
    let keys = [
        "rule",
        "title",
        "severity",
        "kind",
        "record",
        "path",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "message",
        "cite",
        "help",
    ];
    for f in findings {
        for k in keys {
            assert!(!f[k].is_null(), "finding lacks `{k}`: {f}");
        }
        assert!(f["line"].as_u64().is_some_and(|l| l >= 1), "{f}");
        assert!(f["column"].as_u64().is_some_and(|c| c >= 1), "{f}");
    }
    // sorted by file, line, column, rule
    let order: Vec<(String, u64, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    // errors carry file, line, column and message
    let e = json_error_at(&report, "records/c.yaml", 5, 1)?;
    assert!(
        e["message"].as_str().is_some_and(|m| m.contains("extra")),
        "{e}"
    );
    // the summary counts
    let s = &report["summary"];
    for k in [
        "files", "records", "checked", "rejected", "findings", "error", "warning",
    ] {
        assert!(s[k].is_u64(), "summary lacks `{k}`: {s}");
    }
    assert_eq!(s["findings"].as_u64(), Some(findings.len() as u64));
    assert_eq!(
        s["findings"].as_u64(),
        Some(s["error"].as_u64().unwrap_or(0) + s["warning"].as_u64().unwrap_or(0))
    );
    assert_summary_adds_up(&report)?;
    Ok(())
}

#[test]
fn documents_that_are_not_records_are_input_errors_and_counted() -> TestResult {
    let dup = "kind: org\nid: y\nname: n\nleaders: []\nname: again\n";
    let run = check_files(&[
        ("a-comment.yaml", "# only a comment\n"),
        ("b-list.yaml", "- kind: org\n  id: x\n"),
        ("c-scalar.yaml", "just text\n"),
        ("d-dup.yaml", dup),
        ("e-ok.yaml", BASE),
    ])?;
    let s = run.report.summary;
    assert_eq!(s.records, s.checked + s.rejected, "{s:?}");
    assert_eq!(s.checked, 3, "{s:?}");
    assert_eq!(s.rejected, 3, "{s:?}");
    for name in ["b-list.yaml", "c-scalar.yaml"] {
        let errors = errors_in(&run, name);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!((errors[0].line, errors[0].column), (1, 1), "{errors:#?}");
    }
    // a key given twice is reported at the second one
    let errors = errors_in(&run, "d-dup.yaml");
    assert!(
        errors
            .iter()
            .any(|e| (e.line, e.column) == (5, 1) && e.message.contains("name")),
        "{errors:#?}"
    );
    // A file of comments is no input error, only a warning that it holds
    // no record.
    let comment = errors_in(&run, "a-comment.yaml");
    assert_eq!(comment.len(), 1, "{comment:#?}");
    assert!(!comment[0].is_error, "{comment:#?}");
    assert_eq!(comment[0].message, "this file holds no record");
    Ok(())
}

#[test]
fn references_to_a_broken_record_resolve_whatever_its_line_ends() -> TestResult {
    // The org's leaders list is never closed; the meeting names the org.
    let broken_org = base_org().replace("manages: [全面工作]", "manages: [全面工作");
    let meeting = base_meeting("M-1")?;
    let json_org = "{\"kind\": \"org\", \"id\": \"zhujian\", \"name\": \"x\", \"leaders\": [}\n";
    for (how, org) in [
        ("LF", broken_org.clone()),
        ("CRLF", broken_org.replace('\n', "\r\n")),
        ("CR", broken_org.replace('\n', "\r")),
        ("JSON on one line", json_org.to_string()),
    ] {
        let run = check_files(&[("a-org.yaml", &org), ("b-meeting.yaml", &meeting)])?;
        let s = &run.report.summary;
        assert_eq!((s.records, s.checked, s.rejected), (2, 1, 1), "{how}");
        assert!(!run.report.errors.is_empty(), "{how}");
        assert_eq!(run.pairs_of("REF-001"), none(), "{how}: {}", run.human());
    }
    Ok(())
}

// ====================================================================== full-width commas

/// `[王，李，张]` typed with a Chinese input method is a list of one name:
/// a warning at the item says so, and the record is still checked as
/// written (its findings come out), with exit code 1, not 2.
#[test]
fn a_flow_list_of_one_item_with_full_width_commas_is_a_warning() -> TestResult {
    let meeting = base_meeting("M-FW")?.replace(
        "attendees: [王建国, 李明, 张华, 赵强]",
        "attendees: [王建国，李明，张华，赵强]",
    );
    assert!(
        meeting.contains("，"),
        "the base has no attendees list to change"
    );
    let dir = folder(&[
        ("records/org.yaml", &base_org()),
        ("records/m.yaml", &meeting),
        // A list of more than one item keeps a `，` inside an item as text.
        (
            "records/n.yaml",
            &base_meeting("M-OK")?.replace(
                "attendees: [王建国, 李明, 张华, 赵强]",
                "attendees: [王建国, 李明，张华, 赵强]",
            ),
        ),
    ])?;
    let (code, report) = run_check_json(dir.path(), &["--no-config", "records"])?;
    assert_eq!(code, Some(1), "{report}");
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(e["severity"], "warning");
    assert_eq!(e["file"], "records/m.yaml");
    assert_eq!(
        e["message"],
        "this list has one item, `王建国，李明，张华，赵强`: `，` does not separate items"
    );
    let line = meeting
        .lines()
        .position(|l| l.starts_with("attendees:"))
        .map_or(0, |i| i + 1);
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(line as u64), Some(13))
    );
    assert_eq!(report["summary"]["rejected"], 0);
    assert_eq!(report["summary"]["checked"], 3);
    Ok(())
}

/// A rule file given where record files go is named as such, with the
/// `--rules` flag it was meant for, and the records beside it are checked.
#[test]
fn a_rule_file_given_as_records_points_to_rules() -> TestResult {
    let dir = folder(&[
        ("local.rules", "param 本地限额 = 100\n"),
        ("records/org.yaml", &base_org()),
    ])?;
    let (code, report) = run_check_json(dir.path(), &["--no-config", "local.rules", "records"])?;
    assert_eq!(code, Some(2), "{report}");
    let errors = report["errors"].as_array().cloned().unwrap_or_default();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "local.rules");
    assert_eq!(
        errors[0]["message"],
        "a rule file, given where record files go"
    );
    assert_eq!(
        errors[0]["help"],
        "give rule files with `--rules local.rules`"
    );
    assert_eq!(report["summary"]["checked"], 1);
    Ok(())
}

#[test]
fn a_file_that_holds_no_record_is_a_warning_and_a_run_that_read_none_fails() -> TestResult {
    let empties = [
        ("records/empty.yaml", ""),
        ("records/comments.yaml", "# records to come\n"),
        ("records/separators.yaml", "---\n---\n"),
    ];
    let mut files = empties.to_vec();
    files.push(("records/zhujian.yaml", BASE));
    let dir = folder(&files)?;
    let (code, report) = run_check_json(dir.path(), &["records", "--no-config"])?;
    let (alone, _) = run_check_json(dir.path(), &["records/zhujian.yaml", "--no-config"])?;
    // Among records, an empty file does not change the verdict.
    assert_eq!(code, alone, "{report}");
    assert_ne!(code, Some(2), "{report}");
    let mut warned: Vec<(String, String)> = report["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["file"].as_str().unwrap_or_default().to_string(),
                        e["severity"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    warned.sort();
    let mut expected: Vec<(String, String)> = empties
        .iter()
        .map(|(f, _)| (f.to_string(), "warning".to_string()))
        .collect();
    expected.sort();
    assert_eq!(warned, expected, "{report}");
    // Alone, they checked nothing: each is an error and the run fails.
    std::fs::remove_file(dir.path().join("records/zhujian.yaml"))?;
    let (code, report) = run_check_json(dir.path(), &["records", "--no-config"])?;
    assert_eq!(code, Some(2), "{report}");
    let errors = json_errors(&report);
    assert_eq!(errors.len(), empties.len(), "{report}");
    assert!(
        errors
            .iter()
            .all(|(_, line, _, message)| *line == 0 && message == "this file holds no record"),
        "{report}"
    );
    assert!(
        report["errors"]
            .as_array()
            .is_some_and(|a| a.iter().all(|e| e["severity"] == "error")),
        "{report}"
    );
    // A file given by name is held to the same.
    let (code, _) = run_check_json(dir.path(), &["records/empty.yaml", "--no-config"])?;
    assert_eq!(code, Some(2));
    Ok(())
}

/// Input errors met at every stage of a run (a file that cannot be read,
/// records that do not validate, values the rules cannot use) come out in
/// one order, by file, line and column, in every format.
#[test]
fn input_errors_are_in_file_line_column_order_in_every_format() -> TestResult {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/error-order");
    let dir = tempfile::tempdir()?;
    for e in std::fs::read_dir(&fixture)? {
        let e = e?;
        std::fs::copy(e.path(), dir.path().join(e.file_name()))?;
    }
    // Not UTF-8: refused when read, before any record is validated.
    std::fs::write(dir.path().join("b.yaml"), b"kind: org\nid: \xff\n")?;
    let args = [".", "--no-config", "--today", "2014-12-19"];
    let (code, report) = run_check_json(dir.path(), &args)?;
    assert_eq!(code, Some(2), "{report}");
    let places: Vec<(String, u64, u64)> = json_errors(&report)
        .into_iter()
        .map(|(file, line, column, _)| (file, line, column))
        .collect();
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(places, sorted, "{report}");
    let files: Vec<&str> = places.iter().map(|(f, _, _)| f.as_str()).collect();
    for file in ["a.yaml", "b.yaml", "p.yaml"] {
        assert!(files.contains(&file), "no error in {file}: {places:?}");
    }
    // The human report shows them in the same order, before the findings.
    let (_, human) = human_run(dir.path(), &args)?;
    let shown: Vec<String> = human
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("┌─ "))
        .map(str::to_string)
        .take(places.iter().filter(|(_, line, _)| *line > 0).count())
        .collect();
    let expected: Vec<String> = places
        .iter()
        .filter(|(_, line, _)| *line > 0)
        .map(|(f, l, c)| format!("{f}:{l}:{c}"))
        .collect();
    assert_eq!(shown, expected, "{human}");
    // JUnit: a suite per file in the same order, records or not.
    let out = run_check(dir.path(), &[&args[..], &["--format", "junit"]].concat())?;
    let xml = String::from_utf8(out.stdout)?;
    let doc = roxmltree::Document::parse(&xml)?;
    let suites: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(suites, ["a.yaml", "b.yaml", "org.yaml", "p.yaml"], "{xml}");
    Ok(())
}
