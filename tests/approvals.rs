//! 行政审批 and 电子监察 (SPEC section 6) and the language features they
//! need: date and percent literals, the run date, the working-day calendar,
//! conditional fields and field orders in the schema.

mod common;

use common::*;

const ORG: &str = "\
kind: org
id: shichang
name: 龙潭区市场监督管理局
leaders:
  - {name: 黄伟, post: 党组书记、局长, principal: true, manages: [全面工作]}
  - {name: 林芳, post: 副局长, manages: [财务, 人事]}
  - {name: 杜明, post: 副局长, manages: [行政审批, 物资采购, 工程招投标]}
";

const POWER: &str = "\
kind: power
id: SC-XK-001
org: shichang
name: 食品经营许可
status: 保留
statutory_days: 20
promised_days: 5
";

/// A closed application under SC-XK-001 accepted on `accepted` and closed
/// on `closed` (every step that day or after it).
fn closed_case(id: &str, accepted: &str, closed: &str) -> String {
    format!(
        "kind: application
id: {id}
power: SC-XK-001
applicant: 龙潭好客来餐饮有限公司
place: 区政务服务中心
steps:
  - {{step: 受理, by: 郑洁, date: {accepted}}}
  - {{step: 承办, by: 许刚, date: {accepted}}}
  - {{step: 批准, by: 杜明, date: {closed}}}
  - {{step: 办结, by: 郑洁, date: {closed}, result: 准予许可}}
  - {{step: 告知, by: 郑洁, date: {closed}}}
"
    )
}

/// A rule that reports every org with a message built from `message`.
fn reporting_rule(params: &str, message: &str) -> String {
    format!(
        "{params}\nrule T-001 \"测试\" {{\n  severity warning\n  cite \"测试\"\n  for o in org\n  at o.name\n  message \"{message}\"\n  help \"无\"\n}}\n"
    )
}

#[test]
fn a_date_literal_is_a_date_not_a_subtraction() -> TestResult {
    let rules = reporting_rule(
        "param 开始 = 2014-09-30",
        "{开始} 年 {year(开始)} 月 {month(开始)} 季 {quarter(开始)} 后一天 {开始 + 1天}",
    );
    let run = check_yaml_with(ORG, &Setup::default().rules("t.rules", &rules))?;
    assert!(run.report.errors.is_empty(), "{:?}", run.errors());
    let f = run.finding("T-001", "shichang")?;
    assert_eq!(f.message, "2014-09-30 年 2014 月 9 季 3 后一天 2014-10-01");
    Ok(())
}

#[test]
fn a_day_that_does_not_exist_is_an_error_at_its_place() -> TestResult {
    let rules = reporting_rule("param 开始 = 2014-02-30", "{开始}");
    let run = check_yaml_with(ORG, &Setup::default().rules("t.rules", &rules))?;
    let errors = run.errors();
    let e = errors
        .iter()
        .find(|e| e.message.contains("2014-02-30"))
        .ok_or_else(|| fail(format!("no error about 2014-02-30: {errors:?}")))?;
    assert!(e.file.ends_with("t.rules"), "{e:?}");
    assert_eq!((e.line, e.column), (1, 12), "{e:?}");
    assert_eq!(e.message, "`2014-02-30` is not a date: no such day");
    Ok(())
}

#[test]
fn a_parameter_file_gives_a_date_quoted_or_not() -> TestResult {
    let rules = reporting_rule("param 截止 = 2014-01-01", "截止 {截止}，{截止 + 1天}");
    for value in ["\"2014-09-30\"", "2014-09-30", "'2014-09-30'"] {
        let setup = Setup::default()
            .rules("t.rules", &rules)
            .params(&format!("截止: {value}\n"));
        let run = check_yaml_with(ORG, &setup)?;
        assert!(run.report.errors.is_empty(), "{value}: {:?}", run.errors());
        let f = run.finding("T-001", "shichang")?;
        assert_eq!(f.message, "截止 2014-09-30，2014-10-01", "{value}");
    }
    let setup = Setup::default()
        .rules("t.rules", &rules)
        .params("截止: \"2014-02-30\"\n");
    let run = check_yaml_with(ORG, &setup)?;
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].file.ends_with("params.yaml"), "{errors:?}");
    assert_eq!((errors[0].line, errors[0].column), (1, 5), "{errors:?}");
    assert!(errors[0].message.contains("no such day"), "{errors:?}");
    Ok(())
}

#[test]
fn percent_literals_are_exact_and_messages_round() -> TestResult {
    let rules = reporting_rule(
        "param 目标 = 95%\nparam 比率 = 14 / 15",
        "{percent(比率)} {percent(目标, 0)} {round(比率, 2)} {round(2.5)} {if 19 / 20 >= 目标 then \"达标\" else \"未达标\"} {if 18 / 19 >= 目标 then \"达标\" else \"未达标\"}",
    );
    let run = check_yaml_with(ORG, &Setup::default().rules("t.rules", &rules))?;
    assert!(run.report.errors.is_empty(), "{:?}", run.errors());
    let f = run.finding("T-001", "shichang")?;
    assert_eq!(f.message, "93.3% 95% 0.93 3 达标 未达标");
    Ok(())
}

#[test]
fn working_days_follow_the_calendar() -> TestResult {
    let rules = reporting_rule(
        "",
        "{workdays(2014-09-29, 2014-10-10, 工作日历)} {add_workdays(2014-09-24, 7, 工作日历)} {add_workdays(2014-09-26, 1, 工作日历)} {add_workdays(2014-10-08, -1, 工作日历)} {add_workdays(2014-09-30, 0, 工作日历)} {workdays(2014-10-02, 2014-10-01, 工作日历)}",
    );
    let run = check_yaml_with(ORG, &Setup::default().rules("t.rules", &rules))?;
    assert!(run.report.errors.is_empty(), "{:?}", run.errors());
    let f = run.finding("T-001", "shichang")?;
    // 09-29, 09-30, 10-08, 10-09, 10-10 work; 10-01..10-07 are off; the
    // working Sunday 09-28 follows Friday 09-26.
    assert_eq!(f.message, "5 2014-10-09 2014-09-28 2014-09-30 2014-09-30 0");
    Ok(())
}

#[test]
fn a_case_in_a_year_the_calendar_does_not_cover_is_rejected_naming_the_year() -> TestResult {
    let late = closed_case("SC-2015-0105-001", "2015-01-05", "2015-01-20");
    let text = stream(&[
        ORG,
        POWER,
        &closed_case("SC-2014-0303-001", "2014-03-03", "2014-03-04"),
        &late,
    ]);
    let run = check_yaml(&text)?;
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (line, column) = position_of(&text, "2015-01-05}", 0)?;
    assert_eq!(
        (errors[0].line, errors[0].column),
        (line, column),
        "{errors:?}"
    );
    assert!(errors[0].message.contains("2015"), "{errors:?}");
    assert!(errors[0].help.contains("2015"), "{errors:?}");
    // rejected, so neither checked (no XZSP-004 for the 15 days it took)
    // nor counted in the early-completion rate (1 of 1 early: no XZSP-012)
    assert_eq!(run.pairs(), none(), "{}", run.human());
    assert_eq!(run.report.summary.rejected, 1);
    assert_eq!(run.report.summary.checked, 3);
    // The report lists it among the records, in place, as rejected.
    assert_eq!(
        listed(&run),
        [
            ("org", "shichang", false),
            ("power", "SC-XK-001", false),
            ("application", "SC-2014-0303-001", false),
            ("application", "SC-2015-0105-001", true),
        ]
    );

    // A locality that declares 2015 gets the case checked: 受理 Mon 01-05
    // + 5 working days = 01-12; 办结 01-20 is late.
    let local = "set 日历年份 = 日历年份 + [2015]\nset 法定节假日 = 法定节假日 + [2015-01-01, 2015-01-02]\nset 调休上班日 = 调休上班日 + [2015-01-04]\n";
    let run = check_yaml_with(&text, &Setup::default().rules("local.rules", local))?;
    assert!(run.report.errors.is_empty(), "{:?}", run.errors());
    assert_eq!(
        run.pairs(),
        set(&[("XZSP-004", "SC-2015-0105-001"), ("XZSP-012", "shichang")]),
        "{}",
        run.human()
    );
    let f = run.finding("XZSP-004", "SC-2015-0105-001")?;
    assert!(f.message.contains("2015-01-12"), "{}", f.message);
    Ok(())
}

/// The report's list of records as (kind, id, rejected).
fn listed(run: &Run) -> Vec<(&str, &str, bool)> {
    run.report
        .records
        .iter()
        .map(|r| (r.kind.as_str(), r.id.as_str(), r.rejected))
        .collect()
}

/// Every record read is listed once, in file and place order, whether it
/// was checked, rejected as it was read or rejected while the rules ran.
#[test]
fn the_report_lists_every_record_in_place_order_with_its_rejection() -> TestResult {
    let unknown = "kind: nonsense\nid: x-1\n";
    let first = stream(&[
        unknown,
        ORG,
        &closed_case("SC-2015-0105-001", "2015-01-05", "2015-01-20"),
        POWER,
    ]);
    let second = stream(&[
        &closed_case("SC-2014-0303-001", "2014-03-03", "2014-03-04"),
        "kind: nonsense\nid: x-2\n",
        &closed_case("SC-2015-0106-002", "2015-01-06", "2015-01-20"),
    ]);
    let run = check_files(&[("a.yaml", &first), ("b.yaml", &second)])?;
    assert_eq!(
        listed(&run),
        [
            ("", "x-1", true),
            ("org", "shichang", false),
            ("application", "SC-2015-0105-001", true),
            ("power", "SC-XK-001", false),
            ("application", "SC-2014-0303-001", false),
            ("", "x-2", true),
            ("application", "SC-2015-0106-002", true),
        ],
        "{}",
        run.human()
    );
    let s = &run.report.summary;
    assert_eq!((s.records, s.checked, s.rejected), (7, 3, 4));
    Ok(())
}

#[test]
fn bad_input_in_the_new_kinds_is_reported_at_its_place_and_nothing_else_is_lost() -> TestResult {
    let kept_with_date = edit(
        POWER,
        "status: 保留\n",
        "status: 保留\ncancelled_on: 2014-05-01\n",
    )?;
    let kept_with_date = edit(&kept_with_date, "SC-XK-001", "SC-XK-002")?;
    let half_day = edit(POWER, "promised_days: 5", "promised_days: 7.5")?;
    let half_day = edit(&half_day, "SC-XK-001", "SC-XK-003")?;
    let unknown = edit(
        &closed_case("SC-2014-0303-001", "2014-03-03", "2014-03-04"),
        "applicant:",
        "applicant_name:",
    )?;
    let no_result = edit(
        &closed_case("SC-2014-0304-002", "2014-03-04", "2014-03-05"),
        ", result: 准予许可",
        "",
    )?;
    let twice = edit(
        &closed_case("SC-2014-0305-003", "2014-03-05", "2014-03-06"),
        "  - {step: 承办, by: 许刚",
        "  - {step: 受理, by: 许刚",
    )?;
    let backwards = edit(
        &closed_case("SC-2014-0306-004", "2014-03-06", "2014-03-07"),
        "steps:",
        "suspended:\n  - {from: 2014-03-20, to: 2014-03-10, reason: 现场核查}\nsteps:",
    )?;
    let outside = edit(
        &closed_case("SC-2014-0310-005", "2014-03-10", "2014-03-11"),
        "place: 区政务服务中心",
        "place: 区市场监督管理局窗口",
    )?;
    let text = stream(&[
        ORG,
        POWER,
        &kept_with_date,
        &half_day,
        &unknown,
        &no_result,
        &twice,
        &backwards,
        &outside,
    ]);
    let run = check_yaml(&text)?;
    let at = |needle: &str, nth: usize| position_of(&text, needle, nth);
    let want = [
        (
            at("cancelled_on", 0)?,
            "belongs only to a `status` of `取消`",
        ),
        (at("applicant_name", 0)?, "unknown field `applicant_name`"),
        (
            at("7.5", 0)?,
            "`promised_days` must be a whole number, zero or more",
        ),
        (at("step: 办结", 1)?, "missing required field `result`"),
        (at("受理, by: 许刚", 0)?, "`受理` appears twice in `steps`"),
        (
            at("2014-03-20", 0)?,
            "`from` (2014-03-20) must be on or before `to` (2014-03-10)",
        ),
    ];
    let errors = run.errors();
    for ((line, column), message) in want {
        assert!(
            errors
                .iter()
                .any(|e| e.line == line && e.column == column && e.message.contains(message)),
            "no `{message}` at {line}:{column}: {errors:#?}"
        );
    }
    // the good records are all checked: the org, SC-XK-001 and the case
    // received outside the centre
    assert_eq!(run.report.summary.checked, 3, "{errors:#?}");
    assert_eq!(
        run.pairs(),
        set(&[("XZSP-002", "SC-2014-0310-005")]),
        "{}",
        run.human()
    );
    Ok(())
}

#[test]
fn the_run_date_is_set_by_flag_or_project_file_and_stated_in_every_report() -> TestResult {
    let open = "kind: application
id: SC-2014-0922-001
power: SC-XK-001
applicant: 龙潭好客来餐饮有限公司
place: 区政务服务中心
steps:
  - {step: 受理, by: 郑洁, date: 2014-09-22}
";
    // 受理 Mon 09-22 + 5 working days = Sunday 09-28 (a working day).
    let dir = tempfile::tempdir()?;
    write_files(
        dir.path(),
        &[("records/a.yaml", &stream(&[ORG, POWER, open]))],
    )?;
    let (_, report) = run_check_json(dir.path(), &["records", "--today", "2014-09-26"])?;
    assert_eq!(report["today"], "2014-09-26");
    assert_eq!(
        json_pairs(&report),
        set(&[("XZSP-009", "SC-2014-0922-001")])
    );
    let (_, report) = run_check_json(dir.path(), &["records", "--today", "2014-09-29"])?;
    assert_eq!(
        json_pairs(&report),
        set(&[("XZSP-010", "SC-2014-0922-001")])
    );

    // The project file fixes the date; the flag still wins.
    write_files(dir.path(), &[("sunlight.toml", "today = 2014-09-25\n")])?;
    let (_, report) = run_check_json(dir.path(), &["records"])?;
    assert_eq!(report["today"], "2014-09-25");
    assert_eq!(
        json_pairs(&report),
        set(&[("XZSP-009", "SC-2014-0922-001")])
    );
    let (_, report) = run_check_json(dir.path(), &["records", "--today", "2014-09-30"])?;
    assert_eq!(report["today"], "2014-09-30");

    // … also when the check starts elsewhere, from the records' folder.
    let (_, report) = run_check_json(
        dir.path().parent().unwrap_or(dir.path()),
        &[&dir.path().join("records").display().to_string()],
    )?;
    assert_eq!(report["today"], "2014-09-25");

    let (_, human) = code_and_stdout(&run_check(dir.path(), &["records"])?);
    assert!(
        human.contains("records in 1 file as of 2014-09-25"),
        "{human}"
    );
    let (_, sarif) = code_and_stdout(&run_check(dir.path(), &["records", "--format", "sarif"])?);
    let sarif: serde_json::Value = serde_json::from_str(&sarif)?;
    assert_eq!(sarif["runs"][0]["properties"]["today"], "2014-09-25");
    let (_, junit) = code_and_stdout(&run_check(dir.path(), &["records", "--format", "junit"])?);
    assert!(
        junit.contains("<property name=\"today\" value=\"2014-09-25\"/>"),
        "{junit}"
    );

    write_files(dir.path(), &[("sunlight.toml", "today = 2014-02-30\n")])?;
    let out = run_check(dir.path(), &["records"])?;
    assert_eq!(out.status.code(), Some(2));
    // An input error at its place in the project file; the run goes on.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("sunlight.toml:1:9") && stdout.contains("invalid date"),
        "{stdout}"
    );
    Ok(())
}

#[test]
fn conditional_fields_and_field_orders_are_declared_in_the_schema() -> TestResult {
    // A locality's own kind uses both schema constraints.
    let rules = "enum 状态 { 在建, 完工 }\nkind project {\n  status: 状态\n  finished: date when status == 完工\n  start: date\n  plan_end: date\n  require start <= plan_end\n}\n";
    let good = "kind: project\nid: P-1\nstatus: 完工\nfinished: 2014-05-01\nstart: 2014-01-01\nplan_end: 2014-06-30\n";
    let bad = "kind: project\nid: P-2\nstatus: 在建\nfinished: 2014-05-01\nstart: 2014-07-01\nplan_end: 2014-06-30\n";
    let missing = "kind: project\nid: P-3\nstatus: 完工\nstart: 2014-01-01\nplan_end: 2014-06-30\n";
    let text = stream(&[good, bad, missing]);
    let run = check_yaml_with(&text, &Setup::default().rules("p.rules", rules))?;
    let errors = run.errors();
    assert_eq!(run.report.summary.checked, 1, "{errors:#?}");
    let (line, column) = position_of(&text, "finished", 1)?;
    assert!(
        errors.iter().any(|e| (e.line, e.column) == (line, column)
            && e.message
                .contains("`finished` belongs only to a `status` of `完工`")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("missing field `finished`")),
        "{errors:#?}"
    );
    let (line, column) = position_of(&text, "2014-07-01", 0)?;
    assert!(
        errors.iter().any(|e| (e.line, e.column) == (line, column)
            && e.message
                .contains("`start` (2014-07-01) must be on or before `plan_end`")),
        "{errors:#?}"
    );
    // a `when` naming a value outside the enum is a rule-file error
    let wrong = rules.replace("== 完工", "== 竣工");
    let run = check_yaml_with(good, &Setup::default().rules("p.rules", &wrong))?;
    assert!(
        run.errors()
            .iter()
            .any(|e| e.message.contains("`竣工` is not a value of `状态`")),
        "{:#?}",
        run.errors()
    );
    Ok(())
}

#[test]
fn the_example_shows_every_xzsp_rule_as_of_its_fixed_run_date() -> TestResult {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // From the repository root, as the README's first command runs: the
    // example's own sunlight.toml fixes the run date.
    let (code, report) = run_check_json(root, &["examples/longtan-2014"])?;
    assert_eq!(code, Some(1));
    assert_eq!(report["today"], "2014-12-19");
    assert_eq!(report["errors"], serde_json::json!([]));
    let s = &report["summary"];
    assert_eq!(
        (s["records"].as_u64(), s["rejected"].as_u64()),
        (Some(2797), Some(0)),
        "{s}"
    );
    assert_eq!(s["findings"], 37, "{s}");
    let xzsp: std::collections::BTreeSet<String> = json_pairs(&report)
        .into_iter()
        .map(|(rule, _)| rule)
        .filter(|r| r.starts_with("XZSP-"))
        .collect();
    let all: std::collections::BTreeSet<String> =
        (1..=12).map(|i| format!("XZSP-{i:03}")).collect();
    assert_eq!(xzsp, all);

    let out = bin()
        .current_dir(root)
        .args(["explain", "XZSP-004"])
        .output()?;
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("XZSP-004 超期办结 (error)"), "{text}");
    assert!(text.contains("kind: application"), "{text}");
    Ok(())
}
