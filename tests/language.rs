//! The rule author's language: answers that used to be silently wrong are
//! now right or refused with an error at the cause.

mod common;

use common::*;

/// A local rule that reports the value of a derived parameter on every org.
const DERIVED: &str = r#"
param 基数 = 10万
param 倍数 = 基数 * 2
param 三倍 = 倍数 + 基数

rule T-001 "派生参数" {
  severity warning
  cite "测试"
  for o in org
  require false
  at o.name
  message "倍数 {倍数} 三倍 {三倍}"
  help "无"
}
"#;

fn derived_message(setup: Setup) -> TestResult<String> {
    let run = check_yaml_with(&with_org(&[]), &setup.rules("local.rules", DERIVED))?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    Ok(run.finding("T-001", "zhujian")?.message.clone())
}

#[test]
fn a_derived_parameter_follows_an_override_from_a_parameter_file() -> TestResult {
    assert_eq!(
        derived_message(Setup::default())?,
        "倍数 200000 三倍 300000"
    );
    assert_eq!(
        derived_message(Setup::default().params("基数: 20万\n"))?,
        "倍数 400000 三倍 600000"
    );
    Ok(())
}

#[test]
fn a_derived_parameter_follows_a_set_in_a_later_rules_file() -> TestResult {
    let setup = Setup::default().rules("z-local.rules", "set 基数 = 30万\n");
    assert_eq!(derived_message(setup)?, "倍数 600000 三倍 900000");
    Ok(())
}

#[test]
fn a_derived_parameter_overridden_itself_keeps_its_given_value() -> TestResult {
    // 倍数 is set explicitly: it stays; 三倍 follows both.
    let setup = Setup::default().params("基数: 20万\n倍数: 1万\n");
    assert_eq!(derived_message(setup)?, "倍数 10000 三倍 210000");
    Ok(())
}

/// A local rule that asks for the findings of `pattern` on each org.
fn asking_for(pattern: &str) -> String {
    format!(
        r#"rule T-002 "依赖" {{
  severity warning
  cite "测试"
  for o in org
  require count(findings("{pattern}", o)) == 0
  at o.name
  message "有问题"
  help "无"
}}
"#
    )
}

#[test]
fn a_findings_pattern_that_matches_no_rule_is_an_error_with_a_suggestion() -> TestResult {
    for (pattern, suggestion) in [
        ("WBZG-0001", "WBZG-001"),
        ("wbzg-001", "WBZG-001"),
        ("T-0002", "T-002"),
        ("szyd-*", "SZYD-*"),
    ] {
        let run = check_yaml_with(
            &with_org(&[]),
            &Setup::default().rules("local.rules", &asking_for(pattern)),
        )?;
        let errors = run.errors();
        let e = errors
            .iter()
            .find(|e| e.message == format!("no rule matches `{pattern}`"))
            .ok_or_else(|| fail(format!("no error for `{pattern}`: {errors:?}")))?;
        assert!(e.is_error);
        assert_eq!(
            (e.file.ends_with("local.rules"), e.line),
            (true, 5),
            "{e:?}"
        );
        assert_eq!(e.help, format!("did you mean `{suggestion}`?"));
    }
    Ok(())
}

#[test]
fn a_findings_pattern_of_switched_off_rules_is_no_error() -> TestResult {
    let setup = Setup::default()
        .rules("local.rules", &asking_for("WBZG-*"))
        .disable("WBZG-001")
        .disable("WBZG-002");
    let run = check_yaml_with(&with_org(&[]), &setup)?;
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    // A wildcard that matches existing rules is fine too.
    let run = check_yaml_with(
        &with_org(&[]),
        &Setup::default().rules("local.rules", &asking_for("SZYD-*")),
    )?;
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    Ok(())
}

fn rule_at(at: &str) -> String {
    format!(
        r#"rule T-003 "锚点" {{
  severity warning
  cite "测试"
  for o in org, l in o.leaders
  require false
  at {at}
  message "x"
  help "无"
}}
"#
    )
}

#[test]
fn at_must_name_a_place_in_the_record() -> TestResult {
    for bad in [
        "5",
        "count(o.leaders) + 1",
        "\"名称\"",
        "[o.name]",
        "o.name == \"x\"",
    ] {
        let run = check_yaml_with(
            &with_org(&[]),
            &Setup::default().rules("local.rules", &rule_at(bad)),
        )?;
        let errors = run.errors();
        let [e] = errors.as_slice() else {
            return Err(fail(format!("`at {bad}`: want one error, got {errors:?}")));
        };
        assert_eq!(
            e.message,
            "`at` must name a field, a list element or a record"
        );
        assert_eq!((e.line, e.column), (6, 6), "`at {bad}`: {e:?}");
    }
    for good in [
        "o",
        "l",
        "l.name",
        "o.leaders",
        "first(o.leaders)",
        "l.post ?? l.name",
        "if l.principal then l else o.name",
    ] {
        let run = check_yaml_with(
            &with_org(&[]),
            &Setup::default().rules("local.rules", &rule_at(good)),
        )?;
        assert!(run.errors().is_empty(), "`at {good}`: {:?}", run.errors());
        assert!(!run.report.findings.is_empty());
    }
    Ok(())
}

#[test]
fn a_runtime_error_names_the_rule_the_record_and_the_expression() -> TestResult {
    let rule = r#"rule DZ-001 "人均" {
  severity warning
  cite "测试"
  for o in org
  let 人均 = 100 / count(filter(o.leaders, l => l.post == "不存在"))
  require 人均 > 1
  at o.name
  message "人均 {人均}"
  help "无"
}
"#;
    let run = check_yaml_with(&with_org(&[]), &Setup::default().rules("local.rules", rule))?;
    let errors = run.errors();
    let [e] = errors.as_slice() else {
        return Err(fail(format!("want one error, got {errors:?}")));
    };
    assert_eq!(
        e.message,
        "rule `DZ-001` could not be evaluated on org `zhujian`: division by zero: the divisor is 0"
    );
    // At the division in the rule file, with the record as related.
    assert!(e.file.ends_with("local.rules"), "{e:?}");
    assert_eq!((e.line, e.column), (5, 12));
    assert!(!e.help.contains("not of the records"), "{}", e.help);
    let d = run.report.errors.first().ok_or_else(|| fail("no error"))?;
    let related = d
        .related
        .first()
        .ok_or_else(|| fail("no related location"))?;
    assert_eq!(related.message, "the org `zhujian` it was evaluated on");
    assert_eq!(
        run.sources
            .get(related.span.file)
            .map(|f| f.slice(related.span).to_string()),
        Some("zhujian".to_string())
    );
    Ok(())
}

#[test]
fn date_overflow_is_an_error_like_number_overflow() -> TestResult {
    let rule = r#"rule DZ-002 "远期" {
  severity warning
  cite "测试"
  for m in meeting
  require m.date + 999999999天 > m.date
  at m.date
  message "x"
  help "无"
}
"#;
    let m = Meeting::new();
    let run = check_yaml_with(
        &with_org(&[&m.render()]),
        &Setup::default().rules("local.rules", rule),
    )?;
    let errors = run.errors();
    let e = errors
        .iter()
        .find(|e| {
            e.message
                .starts_with("rule `DZ-002` could not be evaluated on meeting")
        })
        .ok_or_else(|| fail(format!("no evaluation error: {errors:?}")))?;
    assert!(
        e.message
            .ends_with("date out of range: the result is not a date between years 1 and 9999"),
        "{}",
        e.message
    );
    assert_eq!((e.line, e.column), (5, 11));
    Ok(())
}
