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

/// A local rule pointed at an item's `amount`, reached directly and
/// through a condition, whether the item writes it or not.
const AT_AMOUNT: &str = r#"
rule T-004 "金额" {
  severity warning
  cite "测试"
  for m in meeting, i in m.items
  require false
  at if i.no > 0 then i.amount else i
  related i.amount "金额"
  message "第 {i.no} 项：{i.amount}"
  help "无"
}
"#;

/// A field left out, or written empty, has no place of its own: a
/// finding pointed at it, or listing it as related, points at the
/// structure it is missing from, by that structure's path.
#[test]
fn a_finding_at_a_field_left_out_points_at_the_structure_it_is_missing_from() -> TestResult {
    let m = Meeting::new().items(vec![
        Item::new(1, "重大事项决策"),
        Item::money(2, 5000),
        Item::money(3, 7000),
    ]);
    let text = with_org(&[&edit(&m.render(), "    amount: 5000", "    amount: ~")?]);
    let run = check_yaml_with(&text, &Setup::default().rules("local.rules", AT_AMOUNT))?;
    // (message, path, line, column, related (line, column))
    type Placed = (String, String, usize, usize, Vec<(usize, usize)>);
    let mut found: Vec<Placed> = Vec::new();
    for f in run.report.findings.iter().filter(|f| f.rule == "T-004") {
        let (_, line, column) = run.anchor(f)?;
        let related = run.related(f).into_iter().map(|(l, c, _)| (l, c)).collect();
        found.push((f.message.clone(), f.path.clone(), line, column, related));
    }
    let at = |needle: &str| position_of(&text, needle, 0);
    let (item1, item2) = (at("no: 1")?, at("no: 2")?);
    let amount3 = at("7000")?;
    assert_eq!(
        found,
        [
            (
                "第 1 项：无".into(),
                "items[0]".into(),
                item1.0,
                item1.1,
                vec![item1]
            ),
            (
                "第 2 项：无".into(),
                "items[1]".into(),
                item2.0,
                item2.1,
                vec![item2]
            ),
            (
                "第 3 项：7000".into(),
                "items[2].amount".into(),
                amount3.0,
                amount3.1,
                vec![amount3]
            ),
        ],
        "\n{}",
        run.human()
    );
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
fn a_runtime_error_in_a_def_is_reported_in_the_def() -> TestResult {
    // The def's body is its division: the error points there, on line 1,
    // not at the call in the rule, though the call passes a constant and
    // a variable, which are put in place of its parameters.
    let rule = r#"def 除(a, b) = a / b

rule DZ-005 "人均" {
  severity warning
  cite "测试"
  for o in org
  let n = count(filter(o.leaders, l => l.post == "不存在"))
  require 除(100, n) > 1
  at o.name
  message "人均"
  help "无"
}
"#;
    division_by_zero_at(rule, "DZ-005", (1, 15))
}

#[test]
fn a_whole_run_value_that_fails_is_reported_at_the_rule_that_uses_it() -> TestResult {
    // `map(records(org), …)` is computed once for the whole run, ahead of
    // the rules; its failure is still the rule's, reported once.
    let rule = r#"rule DZ-003 "全体人均" {
  severity warning
  cite "测试"
  for o in org
  let 人均 = map(records(org), x => 100 / count(filter(x.leaders, l => l.post == "不存在")))
  require count(人均) > 5
  at o.name
  message "人均"
  help "无"
}
"#;
    division_by_zero_at(rule, "DZ-003", (5, 35))
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

/// The only error of a local rule file, with its related locations as
/// (line, column, message).
/// A related location: line, column, message.
type Related = (usize, usize, String);

/// The one error of `rules` over the org `zhujian`: rule `id` divided
/// by zero at `at` (line, column) in the rule file.
fn division_by_zero_at(rules: &str, id: &str, at: (usize, usize)) -> TestResult {
    let (e, _) = only_error(rules)?;
    assert_eq!(
        e.message,
        format!(
            "rule `{id}` could not be evaluated on org `zhujian`: division by zero: the divisor is 0"
        )
    );
    assert!(e.file.ends_with("local.rules"), "{e:?}");
    assert_eq!((e.line, e.column), at);
    Ok(())
}

fn only_error(rules: &str) -> TestResult<(InputError, Vec<Related>)> {
    let run = check_yaml_with(
        &with_org(&[]),
        &Setup::default().rules("local.rules", rules),
    )?;
    let errors = run.errors();
    let ([e], [d]) = (errors.as_slice(), run.report.errors.as_slice()) else {
        return Err(fail(format!("want one error, got {errors:?}")));
    };
    let related = d
        .related
        .iter()
        .filter_map(|l| {
            run.sources
                .span_lines(l.span)
                .map(|(p, _)| (p.line, p.column, l.message.clone()))
        })
        .collect();
    Ok((e.clone(), related))
}

#[test]
fn an_enum_member_that_is_no_name_is_blamed_where_it_is() -> TestResult {
    let (e, _) = only_error("enum 结论2 { 准予许可, 不予许可（补正后） }\n")?;
    assert_eq!(
        e.message,
        "syntax error: expected `,` or `}`, found `（补正后）`"
    );
    assert_eq!((e.line, e.column), (1, 22));
    assert!(e.help.contains("\"不予许可（补正后）\""), "{}", e.help);
    Ok(())
}

#[test]
fn enum_members_may_be_quoted_text() -> TestResult {
    let rules = r#"
enum 等级 { "3A", "不予许可（补正后）", 普通 }
kind 单位评级 { org: ref org, 等级: 等级 }
rule T-010 "评级" {
  severity warning
  cite "测试"
  for x in 单位评级
  require x.等级 != "不予许可（补正后）"
  at x.等级
  message "{x.等级}"
  help "无"
}
"#;
    let records = with_org(&[
        "kind: 单位评级\nid: a\norg: zhujian\n等级: 不予许可（补正后）\n",
        "kind: 单位评级\nid: b\norg: zhujian\n等级: \"3A\"\n",
        "kind: 单位评级\nid: c\norg: zhujian\n等级: 4A\n",
    ]);
    let run = check_yaml_with(&records, &Setup::default().rules("local.rules", rules))?;
    assert_eq!(run.pairs_of("T-010"), set(&[("T-010", "a")]));
    let errors = run.errors();
    let [e] = errors.as_slice() else {
        return Err(fail(format!("want one input error, got {errors:?}")));
    };
    assert!(e.message.contains("4A"), "{e:?}");
    assert!(
        e.help.contains("3A") && e.help.contains("不予许可（补正后）"),
        "{e:?}"
    );
    Ok(())
}

#[test]
fn a_missing_parenthesis_is_blamed_at_the_open_one() -> TestResult {
    let rules = "rule T-011 \"x\" {\n  severity warning\n  cite \"c\"\n  for o in org\n  require count(o.leaders > 0\n  message \"m\"\n  at o.name\n  help \"h\"\n}\n";
    let (e, related) = only_error(rules)?;
    assert_eq!(e.message, "syntax error: `(` is not closed");
    assert_eq!((e.line, e.column), (5, 16));
    assert_eq!(e.help, "add the missing `)`");
    assert_eq!(related.len(), 1);
    let (line, column, note) = &related[0];
    assert_eq!((*line, *column), (6, 3));
    assert!(
        note.starts_with("expected `)`") && note.ends_with("before `message`"),
        "{note}"
    );
    Ok(())
}

/// A rule whose `cite` on line 3 has no closing quote; `rest` follows it.
fn unclosed_cite(rest: &str) -> String {
    format!(
        "rule T-012 \"x\" {{\n  severity warning\n  cite \"x\n  for o in org\n  require count(o.leaders) > 0\n{rest}}}\n"
    )
}

#[test]
fn an_unterminated_string_is_blamed_at_its_opening_quote() -> TestResult {
    // Read on to the end of the file, or closed by the next string's
    // opening quote: either way the cause is the quote on line 3.
    for rest in ["  at o.name\n", "  message \"m\"\n  at o.name\n"] {
        let (e, _) = only_error(&unclosed_cite(rest))?;
        assert_eq!(e.message, "syntax error: unterminated string", "{rest}");
        assert_eq!((e.line, e.column), (3, 8), "{rest}");
        assert_eq!(e.help, "close it with `\"`");
    }
    Ok(())
}

#[test]
fn a_string_over_several_lines_is_not_blamed_for_a_later_one() -> TestResult {
    let rule = |message: &str| {
        format!(
            "rule T-013 \"x\" {{\n  severity warning\n  cite \"c\"\n  help \"第一行\n第二行\"\n  message {message}\n  for o in org\n  require count(o.leaders) > 0\n  at o.name\n}}\n"
        )
    };
    let (e, _) = only_error(&rule("\"m"))?;
    assert_eq!(e.message, "syntax error: unterminated string");
    assert_eq!((e.line, e.column), (6, 11));
    // Closed, the same text is a rule with a help over two lines.
    let run = check_yaml_with(
        &with_org(&[]),
        &Setup::default().rules("local.rules", &rule("\"m\"")),
    )?;
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    Ok(())
}

#[test]
fn a_name_used_before_its_let_points_at_the_let() -> TestResult {
    let rules = "rule T-012 \"x\" {\n  severity warning\n  cite \"c\"\n  for o in org\n  require 后定义 > 0\n  let 后定义 = count(o.leaders)\n  at o.name\n  message \"m\"\n  help \"h\"\n}\n";
    let (e, related) = only_error(rules)?;
    assert_eq!(e.message, "`后定义` is used before its `let`");
    assert_eq!((e.line, e.column), (5, 11));
    assert!(e.help.contains("move `let 后定义 = …` above"), "{}", e.help);
    assert_eq!(
        related,
        vec![(
            6,
            7,
            "`后定义` is defined here, later in the rule".to_string()
        )]
    );
    Ok(())
}

#[test]
fn type_errors_say_how_to_fix_them() -> TestResult {
    let rule = |cond: &str| {
        format!(
            "rule T-013 \"x\" {{\n  severity warning\n  cite \"c\"\n  for m in meeting\n  require {cond}\n  at m.date\n  message \"m\"\n  help \"h\"\n}}\n"
        )
    };
    let (e, _) = only_error(&rule("m.date - m.date > 5"))?;
    assert_eq!(e.message, "cannot apply `>` to days and number");
    assert_eq!(
        e.help,
        "write the number in days, `5天`, or compare `days(…)` with it"
    );
    let (e, _) = only_error(&rule("m.body == 5"))?;
    assert!(
        e.help.starts_with("text and numbers do not mix"),
        "{}",
        e.help
    );
    let (e, _) = only_error(&rule("m.date > 5"))?;
    assert!(e.help.contains("d + 5天"), "{}", e.help);
    Ok(())
}

#[test]
fn an_unknown_kind_in_for_suggests_the_nearest_and_does_not_cascade() -> TestResult {
    let rules = "rule T-014 \"x\" {\n  severity warning\n  cite \"c\"\n  for m in meetng\n  require m.date != none\n  at m.date\n  message \"{m.body}\"\n  help \"h\"\n}\n";
    let (e, _) = only_error(rules)?;
    assert_eq!(e.message, "unknown record kind `meetng`");
    assert!(e.help.starts_with("did you mean `meeting`?"), "{}", e.help);
    Ok(())
}

#[test]
fn a_local_name_that_collides_with_a_standard_one_is_one_error_without_cascade() -> TestResult {
    // 环节 takes two parameters in the standard library and is used there.
    let (e, related) = only_error("def 环节(x) = x\n")?;
    assert_eq!(e.message, "`环节` is defined twice");
    assert!(e.file.ends_with("local.rules"), "{e:?}");
    assert_eq!((e.line, e.column), (1, 5));
    assert_eq!(related.len(), 1, "{related:?}");
    Ok(())
}

// ---------------------------------------------------------------- overlays

const VENUE: &str = r#"
/// Where the meeting was held (本地要求).
extend kind meeting {
  venue: text?
  /// Whether it was recorded on video.
  recorded: bool = false
}

rule LOCAL-101 "会议地点未记录" {
  severity warning
  cite "本地实施办法"
  for m in meeting
  require m.venue != none or m.recorded
  at m.body
  message "{m.id} 未记录会议地点"
  help "在纪要中写明 venue"
}
"#;

#[test]
fn extend_kind_adds_optional_fields_to_a_standard_kind() -> TestResult {
    let with_venue = Meeting::new()
        .id("M-V")
        .render()
        .replace("body: ", "venue: 三楼会议室\nbody: ");
    let without = Meeting::new().id("M-N").render();
    let recorded = Meeting::new()
        .id("M-R")
        .render()
        .replace("body: ", "recorded: true\nbody: ");
    let run = check_yaml_with(
        &with_org(&[&with_venue, &without, &recorded]),
        &Setup::default().rules("local.rules", VENUE),
    )?;
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    assert_eq!(run.pairs_of("LOCAL-101"), set(&[("LOCAL-101", "M-N")]));
    // Without the overlay, `venue` is an unknown field.
    let run = check_yaml(&with_org(&[&with_venue]))?;
    assert!(
        run.errors().iter().any(|e| e.message.contains("venue")),
        "{:?}",
        run.errors()
    );
    Ok(())
}

#[test]
fn extend_refuses_required_fields_and_unknown_kinds() -> TestResult {
    let (e, _) = only_error("extend kind meeting { venue: text }\n")?;
    assert_eq!(
        e.message,
        "field `venue` added by `extend` must be optional or have a default"
    );
    assert_eq!((e.line, e.column), (1, 23));
    let (e, _) = only_error("extend kind meetng { venue: text? }\n")?;
    assert_eq!(e.message, "no kind `meetng` to extend");
    assert_eq!(e.help, "did you mean `meeting`?");
    let (e, _) = only_error("extend kind meeting { date: date? }\n")?;
    assert_eq!(e.message, "field `date` is declared twice");
    Ok(())
}

const STRICTER_SZYD_010: &str = r#"
/// Locally the observer must come from the 区纪委 itself.
rule SZYD-010 replaces "未邀请区纪委列席" {
  severity error
  cite "本地实施办法第五条"
  for m in meeting
  where any(m.items, i => i.category in 三重一大)
  require any(m.observers, o => o.unit == "区纪委")
  at m.observers
  message "{m.id} 没有区纪委人员列席"
  help "邀请区纪委派员列席"
}
"#;

#[test]
fn a_rule_replaces_a_standard_rule_under_its_id() -> TestResult {
    // The default meeting has an observer from a 纪检组, not the 区纪委.
    let m = Meeting::new().render();
    let run = check_yaml(&with_org(&[&m]))?;
    assert!(
        !run.pairs()
            .contains(&("SZYD-010".to_string(), "M-1".to_string()))
    );
    let run = check_yaml_with(
        &with_org(&[&m]),
        &Setup::default().rules("local.rules", STRICTER_SZYD_010),
    )?;
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    let f = run.finding("SZYD-010", "M-1")?;
    assert_eq!(f.title, "未邀请区纪委列席");
    assert_eq!(f.message, "M-1 没有区纪委人员列席");
    // One SZYD-010 per meeting: the standard version is gone.
    assert_eq!(
        run.report
            .findings
            .iter()
            .filter(|f| f.rule == "SZYD-010")
            .count(),
        1
    );
    Ok(())
}

#[test]
fn a_rule_with_a_used_id_and_no_replaces_is_still_an_error() -> TestResult {
    let (e, related) = only_error(&STRICTER_SZYD_010.replace(" replaces", ""))?;
    assert_eq!(e.message, "rule id `SZYD-010` is used twice");
    assert_eq!(related.len(), 1);
    let (e, _) = only_error(&STRICTER_SZYD_010.replace("SZYD-010", "SZYD-0100"))?;
    assert_eq!(e.message, "no rule `SZYD-0100` to replace");
    assert!(e.help.starts_with("did you mean `SZYD-010`?"), "{}", e.help);
    Ok(())
}

/// The errors of a local rule file checked against one org, as
/// (line, column, message), in file order; with the first error's help.
fn errors_of(rules: &str) -> TestResult<(Vec<Related>, String)> {
    let run = check_yaml_with(
        &with_org(&[]),
        &Setup::default().rules("local.rules", rules),
    )?;
    let errors = run.errors();
    let help = errors.first().map(|e| e.help.clone()).unwrap_or_default();
    let mut found: Vec<_> = errors
        .into_iter()
        .map(|e| (e.line, e.column, e.message))
        .collect();
    found.sort();
    Ok((found, help))
}

#[test]
fn a_rule_with_a_used_id_still_has_its_other_errors_reported() -> TestResult {
    let rules = "rule T-020 \"a\" {\n  severity warning\n  for o in org\n  require true\n}\n\nrule T-020 \"b\" {\n  severity warning\n  for o in org\n  require o.nosuch\n  at o.name\n  message \"{o.nosuch2}\"\n}\n";
    let (errors, help) = errors_of(rules)?;
    let messages: Vec<(usize, usize, &str)> = errors
        .iter()
        .map(|(l, c, m)| (*l, *c, m.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (7, 6, "rule id `T-020` is used twice"),
            (10, 13, "`org` has no field `nosuch`"),
            (12, 15, "`org` has no field `nosuch2`"),
        ]
    );
    // In one file, no rule is meant to replace another.
    assert_eq!(help, "every rule needs its own id");
    // An unknown kind is reported as in any rule.
    let (errors, _) = errors_of(&rules.replace(
        "T-020 \"b\" {\n  severity warning\n  for o in org",
        "T-020 \"b\" {\n  severity warning\n  for o in orgg",
    ))?;
    assert!(
        errors
            .iter()
            .any(|(l, c, m)| (*l, *c) == (9, 12) && m.starts_with("unknown record kind `orgg`")),
        "{errors:?}"
    );
    Ok(())
}

#[test]
fn a_rule_with_a_standard_id_is_told_about_replaces() -> TestResult {
    let (e, related) = only_error(&STRICTER_SZYD_010.replace(" replaces", ""))?;
    assert_eq!(e.message, "rule id `SZYD-010` is used twice");
    assert_eq!(
        e.help,
        "to put this rule in place of the earlier one, write `rule SZYD-010 replaces \"未邀请区纪委列席\" { … }`; otherwise give it an id of its own"
    );
    assert_eq!(related.len(), 1);
    // Its own errors come with it.
    let (errors, _) = errors_of(
        &STRICTER_SZYD_010
            .replace(" replaces", "")
            .replace("o.unit ==", "o.unitt =="),
    )?;
    assert!(
        errors
            .iter()
            .any(|(.., m)| m == "`observer` has no field `unitt`"),
        "{errors:?}"
    );
    Ok(())
}

// ---------------------------------------------------------------- group scope

const PER_ORG: &str = r#"
/// At most one meeting per org in this test.
rule G-001 "会议过多" {
  severity warning
  cite "测试"
  for g in group(records(meeting), m => m.org)
  let 单位 = lookup(first(g.members).org)
  require count(g.members) <= 1
  at 单位.name
  message "{g.key} 共 {count(g.members)} 次会议"
  help "无"
}
"#;

#[test]
fn a_group_scope_fires_once_per_group_at_the_place_it_names() -> TestResult {
    let a = Meeting::new().id("M-A").render();
    let b = Meeting::new().id("M-B").render();
    let run = check_yaml_with(
        &with_org(&[&a, &b]),
        &Setup::default().rules("local.rules", PER_ORG),
    )?;
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    // One finding, on the org record (where the anchor is), not per meeting.
    assert_eq!(run.pairs_of("G-001"), set(&[("G-001", "zhujian")]));
    let f = run.finding("G-001", "zhujian")?;
    assert_eq!(f.message, "zhujian 共 2 次会议");
    assert_eq!(run.anchor_text(f), "龙潭区住房和城乡建设局");
    // The members are related locations, at their ids.
    let notes: Vec<String> = run.related(f).into_iter().map(|(_, _, n)| n).collect();
    assert_eq!(notes, vec!["组内记录".to_string(), "组内记录".to_string()]);
    // One meeting: no finding.
    let run = check_yaml_with(
        &with_org(&[&a]),
        &Setup::default().rules("local.rules", PER_ORG),
    )?;
    assert_eq!(run.pairs_of("G-001"), none());
    Ok(())
}

#[test]
fn a_group_has_key_and_members_only() -> TestResult {
    let (e, _) = only_error(&PER_ORG.replace("g.key}", "g.size}"))?;
    assert_eq!(e.message, "a group has no field `size`");
    Ok(())
}

#[test]
fn command_line_params_are_merged_over_the_project_files_key_by_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_files(
        dir.path(),
        &[
            (
                "sunlight.toml",
                "rules = [\"local.rules\"]\nparams = \"project.yaml\"\n",
            ),
            ("project.yaml", "大额资金标准: 50万\n拆分窗口: 45天\n"),
            ("cli.yaml", "大额资金标准: 30万\n"),
            (
                "local.rules",
                "rule T-020 \"参数\" {\n  severity warning\n  cite \"c\"\n  for o in org\n  require false\n  at o.name\n  message \"{大额资金标准} {拆分窗口}\"\n  help \"h\"\n}\n",
            ),
            ("records/org.yaml", &base_org()),
        ],
    )?;
    let out = bin()
        .args([
            "check", "records", "--params", "cli.yaml", "--format", "json",
        ])
        .current_dir(dir.path())
        .output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let f = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == "T-020")
        .ok_or_else(|| fail(format!("no T-020: {report}")))?;
    // 大额资金标准 from the command line, 拆分窗口 still from the project file.
    assert_eq!(f["message"], "300000 45天");
    let configuration = &report["configuration"];
    assert_eq!(configuration["params"], "project.yaml, then cli.yaml");
    assert_eq!(
        configuration["overridden"],
        serde_json::json!(["大额资金标准", "拆分窗口"])
    );
    Ok(())
}

#[test]
fn a_large_group_lists_twenty_members_and_counts_each_other_one_once() -> TestResult {
    let rule = PER_ORG.replace(
        "  at 单位.name\n",
        "  at 单位.name\n  related g.members \"成员\"\n",
    );
    let meetings: Vec<String> = (0..31)
        .map(|i| Meeting::new().id(&format!("M-{i:02}")).render())
        .collect();
    let docs: Vec<&str> = meetings.iter().map(String::as_str).collect();
    let run = check_yaml_with(
        &with_org(&docs),
        &Setup::default().rules("local.rules", &rule),
    )?;
    let f = run.finding("G-001", "zhujian")?;
    assert_eq!(f.related.len(), 20);
    let last = f.related.last().map(|r| r.note.clone()).unwrap_or_default();
    assert_eq!(last, "成员 (and 11 more not listed)");
    Ok(())
}

/// Twenty tickets, each with a count; `sum_before` and `before` over the
/// tickets sorted by id. Twenty is past the length from which running
/// totals of a shared list are remembered, so both ways of computing are
/// met: the remembered totals (the shared sorted list) and a fresh pass
/// (the record's own short list). Two filters of the shared list are
/// remembered apart.
const RUNNING: &str = r#"
kind 票 {
  n: number
  parts: [number] = []
}

rule T-RUN "累计" {
  severity warning
  cite "测试"
  for t in 票
  let 全部 = sort(records(票), x => x.id)
  require false
  at t.n
  message "{sum_before(全部, x => x.n, t)}|{count(before(全部, t))}|{sum_before(t.parts, x => x, 3)}|{join(map(before(t.parts, 3), x => text(x)), ",")}|{sum_before(t.parts, x => x, 9) == none}|{before(t.parts, 9) == none}|{count(filter(全部, x => x.n >= 10))}|{count(filter(全部, x => x.n < 3))}"
}
"#;

#[test]
fn sum_before_is_the_running_total_and_before_lists_the_elements_before() -> TestResult {
    let tickets: Vec<String> = (0..20)
        .rev()
        .map(|i| format!("kind: 票\nid: T-{i:02}\nn: {i}\nparts: [1, 2, 3, 4, 3]\n"))
        .collect();
    let docs: Vec<&str> = tickets.iter().map(String::as_str).collect();
    let run = check_yaml_with(
        &stream(&docs),
        &Setup::default().rules("local.rules", RUNNING),
    )?;
    assert_eq!(run.errors(), vec![], "{}", run.human());
    for i in 0..20u32 {
        let f = run.finding("T-RUN", &format!("T-{i:02}"))?;
        // 0 + 1 + … + (i - 1) before ticket i; the first 3 of the parts
        // ends the prefix; 9 is in no list: none.
        assert_eq!(
            f.message,
            format!("{}|{i}|3|1,2|是|是|10|3", i * i.saturating_sub(1) / 2),
            "T-{i:02}"
        );
    }
    Ok(())
}

#[test]
fn sum_before_adds_numbers_only() -> TestResult {
    let rule = RUNNING.replace(
        "sum_before(全部, x => x.n, t)",
        "sum_before(全部, x => x.id, t)",
    );
    let run = check_yaml_with(
        "kind: 票\nid: T-1\nn: 1\n",
        &Setup::default().rules("local.rules", &rule),
    )?;
    let errors = run.errors();
    assert!(
        errors
            .iter()
            .any(|e| e.message.starts_with("`sum_before` adds numbers, found")),
        "{errors:#?}"
    );
    Ok(())
}

/// A kind with a one-or-list field, and a rule that shows every way a rule
/// reads a list: counted, shown, its first element, `in`, `==`, grouped
/// by, flattened and made distinct, and anchored at.
const ONE_OR_LIST: &str = r#"
kind note {
  who: text or [text]
}

rule T-010 "一或多" {
  severity warning
  cite "测试"
  for n in note
  let 同 = get(group(records(note), x => x.who), n.who)
  require false
  at n.who
  message "{count(n.who)}|{n.who}|{first(n.who)}|{"甲" in n.who}|{n.who == ["甲"]}|{count(同)}|{count(distinct(flatten([n.who, n.who])))}"
  help "无"
}
"#;

#[test]
fn a_one_or_list_field_written_as_one_value_reads_as_a_list_of_one() -> TestResult {
    let records = "kind: note\nid: N-1\nwho: 甲\n---\nkind: note\nid: N-2\nwho: [甲]\n\
                   ---\nkind: note\nid: N-3\nwho: [甲, 乙]\n";
    let setup = Setup::default()
        .no_default_rules()
        .rules("local.rules", ONE_OR_LIST);
    let run = check_yaml_with(records, &setup)?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    let one = run.finding("T-010", "N-1")?;
    let bracketed = run.finding("T-010", "N-2")?;
    let two = run.finding("T-010", "N-3")?;
    // Written alone or in brackets, one value is the same list: the two
    // records even fall in one group.
    assert_eq!(one.message, "1|甲|甲|是|是|2|1");
    assert_eq!(bracketed.message, one.message);
    assert_eq!(two.message, "2|甲、乙|甲|是|否|1|2");
    // Each finding points at what is written.
    assert_eq!(run.anchor_text(one), "甲");
    assert_eq!(run.anchor_text(bracketed), "[甲]");
    assert_eq!(run.anchor_text(two), "[甲, 乙]");
    Ok(())
}

#[test]
fn a_def_called_again_on_the_same_record_gives_its_own_result_for_each_argument() -> TestResult {
    // `分管人数` is remembered per record and per constant argument: each
    // org and each area must still get its own count, in one rule and
    // across rules, and inside a function over all records.
    let rules = r#"def 分管人数(o, area) = count(filter(o.leaders, l => area in l.manages))

rule DZ-101 "分管" {
  severity warning
  cite "测试"
  for o in org
  at o.name
  message "{o.id} {分管人数(o, "财务")}/{分管人数(o, "人事")}/{分管人数(o, "工程招投标")} {count(filter(records(org), x => 分管人数(x, "财务") > 1))}"
}

rule DZ-102 "人事" {
  severity warning
  cite "测试"
  for o in org
  where 分管人数(o, "人事") > 0
  at o.name
  message "{o.id} {分管人数(o, "人事")}"
}
"#;
    let org = |id: &str, leaders: &[(&str, &str)]| {
        let mut text = format!("kind: org\nid: {id}\nname: {id}局\nleaders:\n");
        for (name, manages) in leaders {
            text.push_str(&format!(
                "  - {{name: {name}, post: 副局长, manages: [{manages}]}}\n"
            ));
        }
        text
    };
    let docs = [
        org("a", &[("甲", "财务, 人事"), ("乙", "工程招投标")]),
        org("b", &[("丙", "财务, 人事"), ("丁", "财务")]),
        org("c", &[("戊", "行政审批")]),
    ];
    let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let run = check_yaml_with(
        &stream(&docs),
        &Setup::default().rules("local.rules", rules),
    )?;
    assert_eq!(
        run.messages_of("DZ-101"),
        ["a 1/1/1 1", "b 2/1/0 1", "c 0/0/0 1"]
    );
    assert_eq!(run.messages_of("DZ-102"), ["a 1", "b 1"]);
    Ok(())
}

#[test]
fn a_def_called_with_arguments_of_other_types_is_not_given_their_result() -> TestResult {
    // `[]` is a list of anything, so `l.manages` over it reads nothing and
    // DZ-103's count is always 0; DZ-104 passes the leaders themselves, on
    // the same records, and must get the real count, whichever runs first.
    let rules = r#"def 人数(ls, area) = count(filter(ls, l => area in l.manages))

rule DZ-103 "空" {
  severity warning
  cite "测试"
  for o in org
  at o.name
  message "{o.id} {人数(o.leaders ?? [], "财务")}"
}

rule DZ-104 "实" {
  severity warning
  cite "测试"
  for o in org
  at o.name
  message "{o.id} {人数(o.leaders, "财务")}"
}
"#;
    let docs = [
        "kind: org\nid: a\nname: a局\nleaders:\n  - {name: 甲, post: 副局长, manages: [财务]}\n  - {name: 乙, post: 副局长, manages: [财务, 人事]}\n",
    ];
    let run = check_yaml_with(
        &stream(&docs),
        &Setup::default().rules("local.rules", rules),
    )?;
    assert_eq!(run.messages_of("DZ-103"), ["a 0"]);
    assert_eq!(run.messages_of("DZ-104"), ["a 2"]);
    Ok(())
}

/// A kind with a list of steps, and a rule that finds steps by a field
/// compared with a constant every way a rule can: directly, through a
/// `def` whose parameter is the step or the record, and from either end.
const STEP_TESTS: &str = r#"
kind 流程 {
  steps: [step]
}

struct step {
  name: text
  n: number
}

def 名为(s, x) = s.name == x
def 第一个(d, x) = first(d.steps, s => 名为(s, x))

rule T-020 "找环节" {
  severity warning
  cite "测试"
  for d in 流程
  require false
  at d.id
  message "{first(d.steps, s => s.name == "乙").n}|{last(d.steps, s => s.name == "乙").n}|{position(d.steps, s => s.name != "甲")}|{last(d.steps).n}|{position(d.steps, s => s.n >= 3)}|{count(d.steps, s => s.name in ["甲", "丙"])}|{count(d.steps, s => s.name not in ["甲"])}|{第一个(d, "丙").n}|{count(d.steps, s => s.n < 2)}|{last([5, 6, 7], x => x < 7)}|{position([5, 6, 7], x => x == 9)}"
  help "无"
}
"#;

#[test]
fn steps_found_by_a_field_compared_with_a_constant() -> TestResult {
    let records = "kind: 流程\nid: L-1\nsteps:\n  - {name: 甲, n: 1}\n  - {name: 乙, n: 2}\n  \
                   - {name: 乙, n: 3}\n  - {name: 丙, n: 4}\n---\nkind: 流程\nid: L-2\nsteps: []\n";
    let setup = Setup::default()
        .no_default_rules()
        .rules("local.rules", STEP_TESTS);
    let run = check_yaml_with(records, &setup)?;
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    // first and last 乙, the first not 甲, the last step, the first n ≥ 3,
    // two in [甲, 丙], three not 甲, the 丙 through two defs, one n < 2,
    // and over a computed list; none shows as 无.
    assert_eq!(
        run.finding("T-020", "L-1")?.message,
        "2|3|2|4|3|2|3|4|1|6|无"
    );
    // No steps: nothing is found, nothing counted.
    assert_eq!(
        run.finding("T-020", "L-2")?.message,
        "无|无|无|无|无|0|0|无|0|6|无"
    );
    Ok(())
}
