//! Declarations for reports: `card`, `family`, `statistics` and parameter
//! marks, from the rule files to the JSON, SARIF and HTML reports; and
//! their mistakes, reported where they are written.

mod common;

use common::*;
use serde_json::{Value, json};
use sunlight::report::Card;
use sunlight::report::html::{Scope, render};

/// A second org: two leaders, one with a compound surname the standard
/// list does not hold (第五) and one with one it does (欧阳).
const SECOND_ORG: &str = "kind: org
id: minzheng
name: 龙潭区民政局
leaders:
  - {name: 第五伦, post: 局长, principal: true, manages: [全面工作]}
  - {name: 欧阳修, post: 副局长, manages: [财务, 人事, 物资采购, 工程招投标, 行政审批]}
";

const LOCAL: &str = r#"
family T "测试规则"

rule T-001 "班子人数少" {
  severity warning
  card yellow
  cite "测试"
  for o in org
  require count(o.leaders) > 2
  at o.name
  message "{o.name} 班子 {count(o.leaders)} 人：{join(map(o.leaders, l => l.name), "、")}"
  help "充实班子"
}

statistics "班子统计" for 单位 in org by o => o.id {
  let 领导 = flatten(map(单位, o => o.leaders))
  column "人数" = count(领导)
  column "黄牌" = count(单位, o => count(findings_on("T-001", o)) > 0)
  column "一把手占比" percent = count(领导, l => l.principal) / count(领导) target 50%
}
"#;

fn local_run(extra: &str) -> TestResult<Run> {
    let rules = format!("{LOCAL}{extra}");
    let run = check_yaml_with(
        &with_org(&[SECOND_ORG]),
        &Setup::default().rules("local.rules", &rules),
    )?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    Ok(run)
}

#[test]
fn a_card_reaches_the_finding_json_and_sarif() -> TestResult {
    let run = local_run("")?;
    let f = run.finding("T-001", "minzheng")?;
    assert_eq!(f.card, Some(Card::Yellow));
    assert!(run.findings_of("T-001").len() == 1, "{}", run.human());
    let json = run.json()?;
    let findings = json["findings"].as_array().ok_or("no findings")?;
    let t = findings
        .iter()
        .find(|f| f["rule"] == "T-001")
        .ok_or("no T-001")?;
    assert_eq!(t["card"], "yellow");
    // Findings of rules without a card carry no `card` key.
    assert!(
        findings
            .iter()
            .filter(|f| f["rule"] != "T-001")
            .all(|f| f.get("card").is_none())
    );
    let sarif: Value =
        serde_json::from_str(&sunlight::report::sarif::render(&run.report, &run.sources))?;
    let results = sarif["runs"][0]["results"].as_array().ok_or("no results")?;
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "T-001")
        .ok_or("no SARIF result")?;
    assert_eq!(r["properties"]["card"], "yellow");
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .ok_or("no rules")?;
    let red = rules
        .iter()
        .find(|r| r["id"] == "XZSP-010")
        .ok_or("no XZSP-010")?;
    assert_eq!(red["properties"]["card"], "red");
    Ok(())
}

#[test]
fn families_are_named_by_the_rules() -> TestResult {
    let run = local_run("")?;
    assert_eq!(run.report.family_name("T-001"), "测试规则");
    for (rule, name) in [
        ("SZYD-001", "三重一大"),
        ("ZJBF-001", "资金拨付"),
        ("WBZG-001", "一把手五个不直接管"),
        ("XZSP-001", "行政审批"),
        ("REF-001", "引用"),
        // A family nobody names shows its code.
        ("LOCAL-001", "LOCAL"),
    ] {
        assert_eq!(run.report.family_name(rule), name);
    }
    Ok(())
}

#[test]
fn a_statistics_table_has_a_row_per_unit_and_reaches_json() -> TestResult {
    let run = local_run("")?;
    let json = run.json()?;
    let tables = json["statistics"].as_array().ok_or("no statistics")?;
    let table = tables
        .iter()
        .find(|t| t["title"] == "班子统计")
        .ok_or("no table")?;
    assert_eq!(table["kind"], "org");
    assert_eq!(
        table["columns"],
        json!([
            {"name": "人数", "percent": false},
            {"name": "黄牌", "percent": false},
            {"name": "一把手占比", "percent": true, "target": 0.5},
        ])
    );
    assert_eq!(
        table["rows"],
        json!([
            {"unit": "minzheng", "values": [2, 1, 0.5]},
            {"unit": "zhujian", "values": [5, 0, 0.2]},
        ])
    );
    // The page shows the same table, 0.2 below its target.
    let html = render(&run.report, &run.sources, &Scope::default());
    assert!(html.contains("<h3>班子统计</h3>"));
    assert!(html.contains(
        "<td data-column=\"一把手占比\" data-value=\"0.2\" class=\"below\" title=\"低于目标\">20.0%</td>"
    ));
    assert!(html.contains("一把手占比<small>目标 50%</small>"));
    Ok(())
}

#[test]
fn a_statistics_table_whose_rows_fail_is_left_out_with_one_error() -> TestResult {
    // Every unit divides by zero; the rows run in parallel, and the error
    // is reported once.
    let failing = r#"
statistics "失败的表" for 单位 in org by o => o.id {
  let 领导 = flatten(map(单位, o => o.leaders))
  column "比" = 1 / (count(领导) - count(领导))
}
"#;
    let run = check_yaml_with(
        &with_org(&[SECOND_ORG]),
        &Setup::default().rules("local.rules", &format!("{LOCAL}{failing}")),
    )?;
    let json = run.json()?;
    let titles: Vec<&Value> = json["statistics"]
        .as_array()
        .ok_or("no statistics")?
        .iter()
        .map(|t| &t["title"])
        .collect();
    assert!(titles.contains(&&json!("班子统计")), "{titles:?}");
    assert!(!titles.contains(&&json!("失败的表")), "{titles:?}");
    let errors: Vec<&Value> = json["errors"]
        .as_array()
        .ok_or("no errors")?
        .iter()
        .filter(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains("division by zero"))
        })
        .collect();
    assert_eq!(errors.len(), 1, "{:#}", json["errors"]);
    let file = errors[0]["file"].as_str().unwrap_or("");
    assert!(file.ends_with("local.rules"), "{file}");
    assert_eq!(run.report.errors.len(), 1, "\n{}", run.human());
    Ok(())
}

#[test]
fn masking_keeps_the_compound_surnames_the_rules_list() -> TestResult {
    let public = Scope {
        public: true,
        ..Scope::default()
    };
    let run = local_run("")?;
    assert!(run.report.surnames.iter().any(|s| s == "欧阳"));
    let page = render(&run.report, &run.sources, &public);
    assert!(page.contains("欧阳*") && page.contains("第**"));
    assert!(!page.contains("第五伦") && !page.contains("欧阳修"));
    // A locality extends the list.
    let run = local_run("set 复姓 = 复姓 + [\"第五\"]\n")?;
    let page = render(&run.report, &run.sources, &public);
    assert!(page.contains("第五*") && !page.contains("第**"));
    Ok(())
}

/// The one error that `rules` (added to the standard rules) causes.
fn the_error(rules: &str) -> TestResult<InputError> {
    let run = check_yaml_with(
        &with_org(&[]),
        &Setup::default().rules("local.rules", rules),
    )?;
    match run.errors().as_slice() {
        [e] => Ok(e.clone()),
        other => Err(fail(format!("want one error, got {other:?}"))),
    }
}

#[test]
fn mistakes_in_report_declarations_are_errors_where_they_are_written() -> TestResult {
    let rule = |item: &str| {
        format!(
            "rule T-002 \"测试\" {{\n  severity warning\n  {item}\n  cite \"测试\"\n  for o in org\n  require true\n  at o.name\n  message \"无\"\n  help \"无\"\n}}\n"
        )
    };
    let stats =
        |body: &str| format!("statistics \"表\" for 单位 in org by o => o.id {{\n  {body}\n}}\n");
    for (rules, message, at, help) in [
        (
            rule("card blue"),
            "unknown card `blue`",
            "blue",
            "write `card red` (超期督办) or `card yellow` (限期办件警示)",
        ),
        (
            stats("column \"名称\" = join(map(单位, o => o.name), \"、\")"),
            "a column's value is a number, found text",
            "join(",
            "count or compute a number for the unit, e.g. `count(办件)`",
        ),
        (
            stats("column \"人数\" = count(单位) target \"多\""),
            "a column's target is a number",
            "\"多\"",
            "write a number or a parameter holding one, e.g. `target 95%`",
        ),
        (
            "statistics \"表\" for 单位 in orgs by o => o.id {\n  column \"n\" = count(单位)\n}\n"
                .to_string(),
            "unknown record kind `orgs`",
            "orgs",
            "",
        ),
        (
            "statistics \"表\" for 单位 in org by o => o.leaders {\n  column \"n\" = count(单位)\n}\n"
                .to_string(),
            "",
            "o => o.leaders",
            "give a function of one record naming its unit, e.g. `a => a.org`",
        ),
        (
            stats("column \"n\" = count(单位, o => count(findings_on(\"T-9*\", o)) > 0)"),
            "no rule matches `T-9*`",
            "\"T-9*\"",
            "a pattern is a rule id, or a prefix followed by `*` such as `XZSP-*`",
        ),
        (
            "family SZYD \"三重一大（重复）\"\n".to_string(),
            "family `SZYD` is named twice",
            "SZYD",
            "keep one `family` declaration per id prefix",
        ),
        (
            "param 名单 @foo = [\"甲\"]\n".to_string(),
            "unknown parameter mark `@foo`",
            "@foo",
            "",
        ),
        (
            "param 名单 @surnames = 3\n".to_string(),
            "`@surnames` marks a list of text, found number",
            "3",
            "write e.g. `[\"欧阳\", \"司马\"]`",
        ),
    ] {
        let e = the_error(&rules)?;
        let (line, column) = position_of(&rules, at, 0)?;
        if !message.is_empty() {
            assert_eq!(e.message, message, "{rules}");
        } else {
            assert!(
                e.message.starts_with("the unit of a record is text or a reference, found "),
                "{e:?}"
            );
        }
        assert!(e.is_error, "{e:?}");
        assert!(e.file.ends_with("local.rules"), "{e:?}");
        assert_eq!((e.line, e.column), (line, column), "{rules}\n{e:?}");
        if !help.is_empty() {
            assert_eq!(e.help, help, "{rules}");
        } else if message.starts_with("unknown record kind") {
            assert!(e.help.contains("`org`"), "{e:?}");
        } else {
            assert!(e.help.contains("`@surnames`"), "{e:?}");
        }
    }
    Ok(())
}

#[test]
fn report_declarations_are_formatted_and_parse_back() -> TestResult {
    let messy = "rule T-1 \"x\" {\ncard    red\n}\nfamily   T \"测试\"\nstatistics \"表\" for 单位 in org by o=>o.id {\ncolumn \"n\"   percent =count(单位)/ 2 target 50%\n    let x = 1\n}\nparam 名单   @surnames = [\"甲\"]\n";
    let formatted = sunlight::syntax::format::format(messy).ok_or("does not format")?;
    assert_eq!(
        sunlight::syntax::format::format(&formatted).as_deref(),
        Some(formatted.as_str())
    );
    let parsed = sunlight::syntax::parse(sunlight::source::FileId::default(), &formatted);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.file.decls.len(), 4);
    assert_eq!(
        formatted,
        "rule T-1 \"x\" {\n  card red\n}\nfamily T \"测试\"\nstatistics \"表\" for 单位 in org by o => o.id {\n  column \"n\" percent = count(单位) / 2 target 50%\n  let x = 1\n}\nparam 名单 @surnames = [\"甲\"]\n"
    );
    Ok(())
}
