//! Rules are data: a locality changes parameters, adds rules, declares new
//! record kinds and switches rules off with files and flags — all without
//! rebuilding the binary (SPEC §1 "Thresholds are local", §4, §5).

mod common;

use common::*;

/// A meeting with a 一般事项 item of 45万.
fn ordinary_item_of_450k() -> String {
    let m = Meeting::new().items(vec![
        Item::money(1, 500_000),
        Item::new(2, "一般事项").amount(450_000),
    ]);
    with_org(&[&m.render()])
}

// ====================================================================== (a) parameter file

#[test]
fn params_file_raises_the_large_sum_standard() -> TestResult {
    let text = ordinary_item_of_450k();
    let run = check_yaml(&text)?;
    assert_eq!(
        run.pairs(),
        set(&[("SZYD-012", "M-1")]),
        "\n{}",
        run.human()
    );

    let run = check_yaml_with(&text, &Setup::default().params("大额资金标准: 50万\n"))?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn params_file_standard_is_still_inclusive() -> TestResult {
    let m = Meeting::new().items(vec![
        Item::money(1, 500_000),
        Item::new(2, "一般事项").amount(500_000),
    ]);
    let text = with_org(&[&m.render()]);
    let run = check_yaml_with(&text, &Setup::default().params("大额资金标准: 50万\n"))?;
    assert_eq!(
        run.pairs(),
        set(&[("SZYD-012", "M-1")]),
        "\n{}",
        run.human()
    );
    // and the message names the overridden standard
    let f = run.finding("SZYD-012", "M-1")?;
    assert!(f.message.contains("500000"), "{}", f.message);
    Ok(())
}

#[test]
fn params_file_standard_applies_to_every_rule_using_it() -> TestResult {
    // a 45万 payment missing its 提单 step: ZJBF-001 with the default
    // standard, nothing with 50万
    let text = edits(
        BASE,
        &[
            ("amount: 1200000\nsteps:", "amount: 450000\nsteps:"),
            (
                "date: 2014-07-21, amount: 1200000}",
                "date: 2014-07-21, amount: 450000}",
            ),
            ("  - {step: 提单, by: 孙立, date: 2014-07-15}\n", ""),
        ],
    )?;
    let run = check_yaml(&text)?;
    assert_eq!(
        run.pairs(),
        set(&[("ZJBF-001", PAYMENT)]),
        "\n{}",
        run.human()
    );
    let run = check_yaml_with(&text, &Setup::default().params("大额资金标准: 50万\n"))?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn params_through_the_command_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_files(
        dir.path(),
        &[
            ("records/r.yaml", &ordinary_item_of_450k()),
            ("本地参数.yaml", "大额资金标准: 50万\n"),
        ],
    )?;
    let (code, report) = run_check_json(dir.path(), &["records"])?;
    assert_eq!(code, Some(1));
    assert_eq!(json_pairs(&report), set(&[("SZYD-012", "M-1")]));
    let (code, report) = run_check_json(dir.path(), &["records", "--params", "本地参数.yaml"])?;
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(json_pairs(&report), none());
    Ok(())
}

// ====================================================================== (b) windows

const PAYEE: &str = "龙潭绿化工程有限公司";

fn split_31_days_apart() -> TestResult<String> {
    Ok(stream(&[
        BASE,
        &small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        &small_payment("LY-2", PAYEE, 100_000, "2014-06-01")?,
    ]))
}

#[test]
fn params_file_widens_the_split_window() -> TestResult {
    let text = split_31_days_apart()?;
    let run = check_yaml(&text)?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    let run = check_yaml_with(&text, &Setup::default().params("拆分窗口: 31天\n"))?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    assert_eq!(
        run.pairs(),
        set(&[("ZJBF-008", "LY-1"), ("ZJBF-008", "LY-2")]),
        "\n{}",
        run.human()
    );
    Ok(())
}

fn ratified_after(days: i64) -> TestResult<String> {
    let paid = "2014-07-14";
    let ratify = meeting_doc(
        "M-R",
        ORG,
        &add_days(paid, days)?,
        300_000,
        "通过",
        "    ratifies: CZ-E02\n",
    )?;
    Ok(with_org(&[
        &emergency_payment("CZ-E02", 300_000, paid),
        &ratify,
    ]))
}

#[test]
fn params_file_extends_the_ratification_deadline() -> TestResult {
    let text = ratified_after(36)?;
    let run = check_yaml(&text)?;
    assert_eq!(
        run.pairs(),
        set(&[("ZJBF-009", "CZ-E02")]),
        "\n{}",
        run.human()
    );
    let run = check_yaml_with(&text, &Setup::default().params("追认期限: 40天\n"))?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    // 41 days is still too late
    let run = check_yaml_with(
        &ratified_after(41)?,
        &Setup::default().params("追认期限: 40天\n"),
    )?;
    assert_eq!(
        run.pairs(),
        set(&[("ZJBF-009", "CZ-E02")]),
        "\n{}",
        run.human()
    );
    Ok(())
}

#[test]
fn params_file_sets_several_parameters_at_once() -> TestResult {
    let setup = Setup::default().params("拆分窗口: 31天\n追认期限: 40天\n");
    let run = check_yaml_with(&split_31_days_apart()?, &setup)?;
    assert_eq!(run.pairs().len(), 2, "\n{}", run.human());
    let run = check_yaml_with(&ratified_after(36)?, &setup)?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn a_later_rules_file_can_set_a_parameter() -> TestResult {
    let run = check_yaml_with(
        &ordinary_item_of_450k(),
        &Setup::default().rules("本地.rules", "// 本地标准\nset 大额资金标准 = 50万\n"),
    )?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn params_file_overrides_a_list_parameter() -> TestResult {
    // a locality where 行政审批 is not among the areas: the principal may manage it
    let text = base_with("manages: [全面工作]", "manages: [全面工作, 行政审批]")?;
    let run = check_yaml(&text)?;
    assert_eq!(run.pairs(), set(&[("WBZG-001", ORG)]), "\n{}", run.human());
    let run = check_yaml_with(
        &text,
        &Setup::default().params("五个不直接管: [财务, 人事, 物资采购, 工程招投标]\n"),
    )?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn params_file_accepts_plain_numbers_and_other_units() -> TestResult {
    for value in ["500000", "50万", "0.5亿"] {
        let params = format!("大额资金标准: {value}\n");
        let m = Meeting::new().items(vec![
            Item::money(1, 500_000),
            Item::new(2, "一般事项").amount(450_000),
            Item::new(3, "一般事项").amount(if value == "0.5亿" {
                50_000_000
            } else {
                500_000
            }),
        ]);
        let run = check_yaml_with(&with_org(&[&m.render()]), &Setup::default().params(&params))?;
        assert!(run.report.errors.is_empty(), "{value}\n{}", run.human());
        let fired: Vec<String> = run
            .findings_of("SZYD-012")
            .iter()
            .map(|f| f.path.clone())
            .collect();
        assert_eq!(
            fired,
            vec!["items[2].category".to_string()],
            "{value}\n{}",
            run.human()
        );
    }
    Ok(())
}

#[test]
fn a_negative_amount_in_a_params_file_is_an_input_error() -> TestResult {
    let text = ordinary_item_of_450k();
    for value in ["-5万", "-50000"] {
        let params = format!("大额资金标准: {value}\n");
        let run = check_yaml_with(&text, &Setup::default().params(&params))?;
        let errors = run.errors();
        assert_eq!(errors.len(), 1, "{value}: {errors:?}");
        let e = &errors[0];
        assert!(e.file.ends_with("params.yaml"), "{errors:?}");
        assert_eq!((e.line, e.column), (1, 9));
        assert!(e.message.contains("a negative amount"), "{errors:?}");
        assert!(e.is_error);
        // The value is refused: the standard's threshold holds.
        assert_eq!(
            run.pairs(),
            set(&[("SZYD-012", "M-1")]),
            "\n{}",
            run.human()
        );
    }
    // The same from a rules file's `set`.
    let run = check_yaml_with(
        &text,
        &Setup::default().rules("本地.rules", "set 大额资金标准 = -5万\n"),
    )?;
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].message.contains("a negative amount"),
        "{errors:?}"
    );
    Ok(())
}

// ====================================================================== (c) a new rule

const THREE_OPINIONS: &str = r#"// 本地规定: 三重一大议题至少三人表态
/// Every 三重一大 item has at least three opinions.
rule LOCAL-001 "三重一大议题表态不足三人" {
  severity warning
  cite "本地三重一大实施办法第八条"
  for m in meeting, i in m.items
  where 三重一大议题(i)
  require count(i.opinions) >= 3
  at i.opinions
  message "第 {i.no} 项只有 {count(i.opinions)} 人表态"
  help "三重一大议题应至少有三名成员表态"
}
"#;

#[test]
fn a_rules_file_adds_a_new_rule_that_fires() -> TestResult {
    // 2 of 3 members present, both agree: compliant with the standard rules
    let m = Meeting::new()
        .members(&["王建国", "李明", "张华"])
        .attendees(&["王建国", "李明"]);
    let text = with_org(&[&m.render()]);
    let run = check_yaml(&text)?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());

    let run = check_yaml_with(
        &text,
        &Setup::default().rules("local.rules", THREE_OPINIONS),
    )?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    assert_eq!(
        run.pairs(),
        set(&[("LOCAL-001", "M-1")]),
        "\n{}",
        run.human()
    );
    let f = run.finding("LOCAL-001", "M-1")?;
    assert_eq!(f.path, "items[0].opinions");
    assert_eq!(f.message, "第 1 项只有 2 人表态");
    assert_eq!(f.severity, sunlight::report::Severity::Warning);
    assert_eq!(f.cite, "本地三重一大实施办法第八条");

    // and not where three spoke
    let run = check_yaml_with(
        &with_org(&[&Meeting::new().render()]),
        &Setup::default().rules("local.rules", THREE_OPINIONS),
    )?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn a_rules_folder_is_read_recursively() -> TestResult {
    let m = Meeting::new()
        .members(&["王建国", "李明", "张华"])
        .attendees(&["王建国", "李明"]);
    let dir = tempfile::tempdir()?;
    write_files(
        dir.path(),
        &[
            ("records/r.yaml", &with_org(&[&m.render()])),
            ("local/sub/three.rules", THREE_OPINIONS),
        ],
    )?;
    let (code, report) = run_check_json(dir.path(), &["records", "--rules", "local"])?;
    assert_eq!(
        json_pairs(&report),
        set(&[("LOCAL-001", "M-1")]),
        "{report}"
    );
    // a warning does not fail the run by default, but does with --fail-on warning
    assert_eq!(code, Some(0));
    let out = run_check(
        dir.path(),
        &["records", "--rules", "local", "--fail-on", "warning"],
    )?;
    assert_eq!(out.status.code(), Some(1));
    Ok(())
}

#[test]
fn a_rules_file_can_import_another_relative_to_itself() -> TestResult {
    let m = Meeting::new()
        .members(&["王建国", "李明", "张华"])
        .attendees(&["王建国", "李明"]);
    let dir = tempfile::tempdir()?;
    write_files(
        dir.path(),
        &[
            ("records/r.yaml", &with_org(&[&m.render()])),
            (
                "local/main.rules",
                "// 本地规则入口\nimport \"parts/three.rules\"\n",
            ),
            ("local/parts/three.rules", THREE_OPINIONS),
        ],
    )?;
    let (_, report) = run_check_json(dir.path(), &["records", "--rules", "local/main.rules"])?;
    assert_eq!(
        json_pairs(&report),
        set(&[("LOCAL-001", "M-1")]),
        "{report}"
    );
    // a missing import is an error at the import
    write_files(
        dir.path(),
        &[(
            "local/main.rules",
            "// 本地规则入口\nimport \"parts/nosuch.rules\"\n",
        )],
    )?;
    let (code, report) = run_check_json(dir.path(), &["records", "--rules", "local/main.rules"])?;
    assert_eq!(code, Some(2), "{report}");
    let Some(errors) = report["errors"].as_array() else {
        return Err(fail(format!("no errors: {report}")));
    };
    assert!(
        errors.iter().any(|e| e["file"] == "local/main.rules"
            && e["line"] == 2
            && e["message"]
                .as_str()
                .unwrap_or_default()
                .contains("nosuch.rules")),
        "{report}"
    );
    Ok(())
}

// ====================================================================== (d) a new record kind

const APPROVALS: &str = r#"// 行政审批: a record kind of this locality

/// 审批事项: one administrative approval case.
kind 审批事项 {
  /// 审批事项名称
  matter: text
  /// 受理日期
  accepted: date
  /// 办结日期
  completed: date
  /// 承诺办结时限
  promised: days
}

/// A case completed later than promised.
rule SP-001 "审批超期办结" {
  severity error
  cite "《中华人民共和国行政许可法》第四十二条"
  for a in 审批事项
  let 用时 = a.completed - a.accepted
  require 用时 <= a.promised
  at a.completed
  message "“{a.matter}”受理后 {用时} 办结,超过承诺的 {a.promised}"
  help "在承诺时限内办结,或依法办理延期"
}
"#;

const APPROVALS_AS_NUMBER: &str = r#"kind 审批事项 {
  matter: text
  accepted: date
  completed: date
  promised: number
}

rule SP-001 "审批超期办结" {
  severity error
  cite "《中华人民共和国行政许可法》第四十二条"
  for a in 审批事项
  require days(a.completed - a.accepted) <= a.promised
  at a.completed
  message "“{a.matter}”超过承诺的 {a.promised} 天"
  help "在承诺时限内办结"
}
"#;

const CASES: &str = "\
kind: 审批事项
id: SP-2014-001
matter: 建筑工程施工许可
accepted: 2014-07-01
completed: 2014-07-21
promised: 20
---
kind: 审批事项
id: SP-2014-002
matter: 建筑工程施工许可
accepted: 2014-07-01
completed: 2014-07-22
promised: 20
";

const CASE_WITH_TYPO: &str = "\
kind: 审批事项
id: SP-2014-003
matter: 商品房预售许可
accepted: 2014-07-01
completed: 2014-07-05
promised: 20
handler: 何伟
";

#[test]
fn a_rules_file_declares_a_new_record_kind_that_is_checked() -> TestResult {
    for rules in [APPROVALS, APPROVALS_AS_NUMBER] {
        let run = check_files_with(
            &[("approvals.yaml", CASES), ("zhujian.yaml", BASE)],
            &Setup::default().rules("approvals.rules", rules),
        )?;
        assert!(run.report.errors.is_empty(), "\n{}", run.human());
        // late (21 days against 20) fires, exactly on time does not
        assert_eq!(
            run.pairs(),
            set(&[("SP-001", "SP-2014-002")]),
            "\n{}",
            run.human()
        );
        let f = run.finding("SP-001", "SP-2014-002")?;
        assert_eq!(f.kind, "审批事项");
        assert_eq!(f.path, "completed");
        let (file, line, column) = run.anchor(f)?;
        assert!(file.ends_with("approvals.yaml"), "{file}");
        assert_eq!((line, column), position_of(CASES, "2014-07-22", 0)?);
        assert_eq!(run.report.summary.records, 5);
        assert_eq!(run.report.summary.checked, 5);
    }
    Ok(())
}

#[test]
fn records_of_a_new_kind_are_validated() -> TestResult {
    let run = check_files_with(
        &[("approvals.yaml", CASES), ("typo.yaml", CASE_WITH_TYPO)],
        &Setup::default().rules("approvals.rules", APPROVALS),
    )?;
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert!(e.file.ends_with("typo.yaml"), "{e:?}");
    assert_eq!(
        (e.line, e.column),
        position_of(CASE_WITH_TYPO, "handler", 0)?
    );
    assert!(e.message.contains("handler"), "{e:?}");
    assert!(e.message.contains("审批事项"), "{e:?}");
    assert_eq!(run.report.summary.rejected, 1);
    assert_eq!(run.report.summary.checked, 2);
    // the other records are still checked
    assert_eq!(run.pairs(), set(&[("SP-001", "SP-2014-002")]));

    // a bad date and a promised time that is not a number
    let bad = CASE_WITH_TYPO
        .replace("handler: 何伟\n", "")
        .replace("completed: 2014-07-05", "completed: 2014-06-31")
        .replace("promised: 20", "promised: 二十天");
    let run = check_files_with(
        &[("bad.yaml", &bad)],
        &Setup::default().rules("approvals.rules", APPROVALS),
    )?;
    let errors = run.errors();
    assert!(
        errors
            .iter()
            .any(|e| (e.line, e.column) == (5, 12) && e.message.contains("2014-06-31")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| (e.line, e.column) == (6, 11) && e.message.contains("promised")),
        "{errors:?}"
    );
    Ok(())
}

// ====================================================================== (e) no default rules

#[test]
fn no_default_rules_with_only_the_local_file_gives_no_standard_findings() -> TestResult {
    // a meeting with standard faults next to the approval cases
    let faulty = base_with("body: 党组会", "body: 碰头会")?;
    let files = [("approvals.yaml", CASES), ("zhujian.yaml", faulty.as_str())];
    let with_defaults = check_files_with(
        &files,
        &Setup::default().rules("approvals.rules", APPROVALS),
    )?;
    assert!(
        with_defaults
            .pairs()
            .contains(&("SZYD-001".to_string(), MEETING.to_string())),
        "\n{}",
        with_defaults.human()
    );

    let run = check_files_with(
        &files,
        &Setup::default()
            .rules("approvals.rules", APPROVALS)
            .no_default_rules(),
    )?;
    assert_eq!(
        rules_fired(&run.report),
        ["SP-001".to_string()].into_iter().collect(),
        "\n{}",
        run.human()
    );
    assert_eq!(run.pairs(), set(&[("SP-001", "SP-2014-002")]));
    // the standard kinds are unknown now: those records are input errors, not findings
    let s = run.report.summary;
    assert_eq!(s.records, s.checked + s.rejected);
    assert_eq!(s.checked, 2);
    Ok(())
}

#[test]
fn no_default_rules_through_the_command_line() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_files(
        dir.path(),
        &[
            ("records/approvals.yaml", CASES),
            ("approvals.rules", APPROVALS),
        ],
    )?;
    let (code, report) = run_check_json(
        dir.path(),
        &[
            "records",
            "--no-default-rules",
            "--rules",
            "approvals.rules",
        ],
    )?;
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(json_pairs(&report), set(&[("SP-001", "SP-2014-002")]));
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(0));
    // without the local file nothing knows the kind
    let (code, report) = run_check_json(dir.path(), &["records", "--no-default-rules"])?;
    assert_eq!(code, Some(2), "{report}");
    assert_eq!(json_pairs(&report), none());
    Ok(())
}

// ====================================================================== (f) dependency cycle

const CYCLE: &str = r#"rule CYC-A "甲规则" {
  severity error
  cite "本地"
  for m in meeting
  require count(findings("CYC-B", m)) == 0
  at m.body
  message "甲"
  help "甲"
}

rule CYC-B "乙规则" {
  severity error
  cite "本地"
  for m in meeting
  require count(findings("CYC-A", m)) == 0
  at m.body
  message "乙"
  help "乙"
}
"#;

#[test]
fn a_dependency_cycle_is_rejected_naming_and_pointing_at_both_rules() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_files(
        dir.path(),
        &[("records/zhujian.yaml", BASE), ("rules/cycle.rules", CYCLE)],
    )?;
    let out = run_check(dir.path(), &["records", "--rules", "rules/cycle.rules"])?;
    let (code, text) = code_and_stdout(&out);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("CYC-A") && text.contains("CYC-B"), "{text}");
    // points at both rules
    let a = position_of(CYCLE, "CYC-A", 0)?;
    let b = position_of(CYCLE, "CYC-B", 1)?;
    assert!(
        text.contains(&format!("rules/cycle.rules:{}:{}", a.0, a.1))
            || text.contains(&format!("rules/cycle.rules:{}:{}", b.0, b.1)),
        "{text}"
    );
    let gutter = |line: usize| format!("{line} │ ");
    for rule in ["rule CYC-A", "rule CYC-B"] {
        let line = position_of(CYCLE, rule, 0)?.0;
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&gutter(line)) && l.contains(rule)),
            "the rendering shows `{rule}` (line {line})\n{text}"
        );
    }
    // neither rule runs
    assert!(!text.contains("error[CYC-"), "{text}");

    let (code, report) = run_check_json(dir.path(), &["records", "--rules", "rules/cycle.rules"])?;
    assert_eq!(code, Some(2));
    let Some(errors) = report["errors"].as_array() else {
        return Err(fail(format!("no errors array: {report}")));
    };
    let cycle: Vec<&serde_json::Value> = errors
        .iter()
        .filter(|e| {
            let m = e["message"].as_str().unwrap_or_default();
            m.contains("CYC-A") && m.contains("CYC-B")
        })
        .collect();
    assert_eq!(cycle.len(), 1, "{report}");
    let e = cycle[0];
    assert_eq!(e["file"], "rules/cycle.rules");
    // the main location and the related ones cover both rules' lines
    let mut lines: Vec<u64> = vec![e["line"].as_u64().unwrap_or(0)];
    if let Some(related) = e["related"].as_array() {
        lines.extend(related.iter().filter_map(|r| r["line"].as_u64()));
    }
    let line_a = u64::try_from(position_of(CYCLE, "rule CYC-A", 0)?.0)?;
    let line_b = u64::try_from(position_of(CYCLE, "rule CYC-B", 0)?.0)?;
    let query_a = u64::try_from(position_of(CYCLE, "findings(\"CYC-B\"", 0)?.0)?;
    let query_b = u64::try_from(position_of(CYCLE, "findings(\"CYC-A\"", 0)?.0)?;
    assert!(
        lines.contains(&line_a) || lines.contains(&query_a),
        "{lines:?}"
    );
    assert!(
        lines.contains(&line_b) || lines.contains(&query_b),
        "{lines:?}"
    );
    // the records are still checked with the standard rules
    assert_eq!(report["summary"]["checked"], 3);
    Ok(())
}

#[test]
fn a_dependency_cycle_through_the_library() -> TestResult {
    let run = check_yaml_with(BASE, &Setup::default().rules("cycle.rules", CYCLE))?;
    assert!(run.report.has_input_errors());
    let errors = run.errors();
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("CYC-A") && e.message.contains("CYC-B")),
        "{errors:?}"
    );
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn a_rule_may_ask_for_the_findings_of_a_rule_defined_later() -> TestResult {
    // no cycle: LOCAL-002 depends on LOCAL-001 only
    let rules = format!(
        "{}\n{THREE_OPINIONS}",
        r#"rule LOCAL-002 "表态不足的议题已拨款" {
  severity error
  cite "本地"
  for d in disbursement, s in d.steps
  where s.step == "集体审核"
  let 议题 = lookup(s.item)
  where 议题 != none
  require count(findings("LOCAL-001", 议题)) == 0
  at s
  message "所引议题表态不足三人"
  help "补充表态"
}
"#
    );
    let text = base_with_all(&[
        (
            "      - {name: 张华, stance: 同意}\n      - {name: 赵强",
            "      - {name: 赵强",
        ),
        (
            "attendees: [王建国, 李明, 张华, 赵强]",
            "attendees: [王建国, 李明, 赵强]",
        ),
        (
            "  - {name: 刘芳, reason: 公务出差}\n",
            "  - {name: 刘芳, reason: 公务出差}\n  - {name: 张华, reason: 病假}\n",
        ),
        (
            "      - {name: 赵强, stance: 不同意, note: 建议先审计}\n",
            "",
        ),
    ])?;
    let run = check_yaml_with(&text, &Setup::default().rules("local.rules", &rules))?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    assert!(
        run.pairs()
            .is_superset(&set(&[("LOCAL-001", MEETING), ("LOCAL-002", PAYMENT)])),
        "\n{}",
        run.human()
    );
    Ok(())
}

// ====================================================================== (g) switching a rule off

#[test]
fn disabling_a_rule_removes_its_findings() -> TestResult {
    let m = Meeting::new().observers(None).body("碰头会");
    let text = with_org(&[&m.render()]);
    let run = check_yaml(&text)?;
    assert_eq!(
        run.pairs(),
        set(&[("SZYD-001", "M-1"), ("SZYD-010", "M-1")]),
        "\n{}",
        run.human()
    );
    let run = check_yaml_with(&text, &Setup::default().disable("SZYD-010"))?;
    assert_eq!(
        run.pairs(),
        set(&[("SZYD-001", "M-1")]),
        "\n{}",
        run.human()
    );
    Ok(())
}

#[test]
fn disabling_a_rule_on_the_command_line() -> TestResult {
    let m = Meeting::new().observers(None);
    let dir = tempfile::tempdir()?;
    write_files(dir.path(), &[("records/r.yaml", &with_org(&[&m.render()]))])?;
    let out = run_check(dir.path(), &["records", "--fail-on", "warning"])?;
    let (code, text) = code_and_stdout(&out);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("warning[SZYD-010]"), "{text}");
    let out = run_check(
        dir.path(),
        &["records", "--fail-on", "warning", "--disable", "SZYD-010"],
    )?;
    let (code, text) = code_and_stdout(&out);
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains("[SZYD-010]"), "{text}");
    // The report says what was switched off.
    assert!(text.contains("rules switched off: SZYD-010\n"), "{text}");
    assert!(text.contains("no findings"), "{text}");
    Ok(())
}
