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
    assert_eq!(derived_message(Setup::default())?, "倍数 200000 三倍 300000");
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
