//! Per-rule tests of the standard catalogue (SPEC §3): for every rule a case
//! where it fires and a near miss where it does not, the boundaries SPEC
//! states, and for many rules the anchor (`path`, line and column).
//!
//! Each case starts from a compliant record set — the base (a copy of the
//! 01-compliant acceptance fixture) or a [`Meeting`] built to comply — and
//! changes one thing.

mod common;

use common::*;

/// Show the report when an assertion fails.
macro_rules! check_pairs {
    ($run:expr, $rule:expr, $want:expr) => {{
        let run = &$run;
        assert_eq!(run.pairs_of($rule), $want, "\n{}", run.human());
    }};
}

fn meeting_run(m: &Meeting) -> TestResult<(Run, String)> {
    let text = with_org(&[&m.render()]);
    Ok((check_yaml(&text)?, text))
}

fn one(rule: &str, record: &str) -> std::collections::BTreeSet<(String, String)> {
    set(&[(rule, record)])
}

// ====================================================================== the bases

#[test]
fn base_record_set_is_compliant() -> TestResult {
    let run = check_yaml(BASE)?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    assert_eq!(run.report.summary.records, 3);
    assert_eq!(run.report.summary.checked, 3);
    Ok(())
}

#[test]
fn built_meeting_is_compliant() -> TestResult {
    let (run, _) = meeting_run(&Meeting::new())?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    assert!(run.report.errors.is_empty(), "\n{}", run.human());
    Ok(())
}

#[test]
fn built_meeting_with_absence_and_every_category_is_compliant() -> TestResult {
    let m = Meeting::new()
        .attendees(&["王建国", "李明", "张华", "赵强"])
        .items(vec![
            Item::new(1, "重大事项决策"),
            Item::new(2, "重要干部任免"),
            Item::new(3, "重大项目投资").amount(3_000_000),
            Item::money(4, 200_000),
            Item::new(5, "一般事项").amount(10_000).materials_sent(None),
        ]);
    let (run, _) = meeting_run(&m)?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn helper_payments_are_compliant() -> TestResult {
    let text = stream(&[
        BASE,
        &small_payment("P-1", "甲公司", 150_000, "2014-08-01")?,
        &cited_payment("P-2", 0, MEETING, 1, "2014-07-18", "2014-07-25")?,
    ]);
    let run = check_yaml(&text)?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

// ====================================================================== the catalogue

#[test]
fn code_quoted_in_the_rules_texts_has_no_full_width_punctuation() -> TestResult {
    // What a help says to type between backquotes must be typed as shown:
    // `principal： true` with a full-width colon is not YAML a record reads.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "rules") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        for (n, line) in text.lines().enumerate() {
            let mut quoted = line.split('`').skip(1).step_by(2);
            let wide = |c: char| matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}');
            if quoted.any(|code| code.chars().any(wide)) {
                found.push(format!("{}:{}: {line}", path.display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    Ok(())
}

#[test]
fn catalogue_has_every_rule_of_spec_with_its_severity() -> TestResult {
    use sunlight::project::{RuleOptions, load_rules};
    use sunlight::report::Severity::{Error, Warning};
    use sunlight::workspace::InputLimits;
    let mut sources = sunlight::source::SourceMap::new();
    let rules = load_rules(
        &mut sources,
        &RuleOptions::default(),
        &InputLimits::default(),
    );
    assert!(rules.errors.is_empty(), "{:?}", rules.errors);
    let got: std::collections::BTreeMap<String, sunlight::report::Severity> = rules
        .program
        .rules
        .iter()
        .map(|r| (r.id.clone(), r.severity))
        .collect();
    let mut want = std::collections::BTreeMap::new();
    for (id, sev) in [
        ("WBZG-001", Error),
        ("WBZG-002", Warning),
        ("WBZG-003", Warning),
        ("SZYD-001", Error),
        ("SZYD-002", Error),
        ("SZYD-003", Error),
        ("SZYD-004", Error),
        ("SZYD-005", Error),
        ("SZYD-006", Error),
        ("SZYD-007", Error),
        ("SZYD-008", Error),
        ("SZYD-009", Warning),
        ("SZYD-010", Warning),
        ("SZYD-011", Warning),
        ("SZYD-012", Error),
        ("ZJBF-001", Error),
        ("ZJBF-002", Error),
        ("ZJBF-003", Error),
        ("ZJBF-004", Error),
        ("ZJBF-005", Error),
        ("ZJBF-006", Error),
        ("ZJBF-007", Error),
        ("ZJBF-008", Error),
        ("ZJBF-009", Error),
        ("REF-001", Error),
        ("REF-002", Error),
        ("REF-003", Error),
        ("XZSP-001", Error),
        ("XZSP-002", Error),
        ("XZSP-003", Error),
        ("XZSP-004", Error),
        ("XZSP-005", Error),
        ("XZSP-006", Error),
        ("XZSP-007", Error),
        ("XZSP-008", Warning),
        ("XZSP-009", Warning),
        ("XZSP-010", Error),
        ("XZSP-011", Warning),
        ("XZSP-012", Warning),
    ] {
        want.insert(id.to_string(), sev);
    }
    assert_eq!(got, want);
    // every rule carries a title, a cite, a message and a help line
    for r in &rules.program.rules {
        assert!(!r.title.is_empty(), "{} has no title", r.id);
        assert!(!r.cite.is_empty(), "{} has no cite", r.id);
        assert!(r.message.is_some(), "{} has no message", r.id);
        assert!(!r.help_text.is_empty(), "{} has no help", r.id);
    }
    // the parameters and their defaults
    for (name, want) in [
        ("大额资金标准", "200000"),
        ("材料提前天数", "1"),
        ("拆分窗口", "30"),
        ("追认期限", "30"),
    ] {
        let Some(p) = rules.program.params.iter().find(|p| p.name == name) else {
            return Err(fail(format!("no parameter {name}")));
        };
        let mut shown = String::new();
        p.value.display(&mut shown);
        let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(digits, want, "{name} = {shown}");
    }
    Ok(())
}

// ====================================================================== WBZG

#[test]
fn wbzg_001_principal_managing_finance_fires_at_that_entry() -> TestResult {
    let text = base_with("manages: [全面工作]", "manages: [全面工作, 财务]")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "WBZG-001", one("WBZG-001", ORG));
    assert_anchor(
        &run,
        &text,
        "WBZG-001",
        ORG,
        "leaders[0].manages[1]",
        "财务]",
        0,
    )?;
    Ok(())
}

#[test]
fn wbzg_001_each_of_the_five_areas_fires() -> TestResult {
    for area in ["财务", "人事", "物资采购", "工程招投标", "行政审批"] {
        let text = base_with("manages: [全面工作]", &format!("manages: [{area}]"))?;
        let run = check_yaml(&text)?;
        check_pairs!(run, "WBZG-001", one("WBZG-001", ORG));
    }
    Ok(())
}

#[test]
fn wbzg_001_principal_managing_another_area_is_fine() -> TestResult {
    let text = base_with("manages: [全面工作]", "manages: [全面工作, 质量安全]")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "WBZG-001", none());
    Ok(())
}

#[test]
fn wbzg_002_area_managed_by_nobody_but_the_principal_fires_at_leaders() -> TestResult {
    // 财务 moves from the deputy 李明 to the principal.
    let text = base_with_all(&[
        ("manages: [全面工作]", "manages: [全面工作, 财务]"),
        ("manages: [财务, 工程招投标]", "manages: [工程招投标]"),
    ])?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "WBZG-002", one("WBZG-002", ORG));
    let f = run.finding("WBZG-002", ORG)?;
    assert_eq!(f.path, "leaders");
    assert!(f.message.contains("财务"), "{}", f.message);
    Ok(())
}

#[test]
fn wbzg_002_area_managed_by_nobody_at_all_fires() -> TestResult {
    let text = base_with("manages: [财务, 工程招投标]", "manages: [工程招投标]")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "WBZG-002", one("WBZG-002", ORG));
    Ok(())
}

#[test]
fn wbzg_002_area_moved_to_another_deputy_is_fine() -> TestResult {
    let text = base_with_all(&[
        ("manages: [财务, 工程招投标]", "manages: [工程招投标]"),
        ("manages: [质量安全]", "manages: [质量安全, 财务]"),
    ])?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "WBZG-002", none());
    Ok(())
}

#[test]
fn wbzg_003_principal_signing_alone_fires_at_the_signature_step() -> TestResult {
    let text = base_with(
        "{step: 签字, by: [李明, 王建国], date: 2014-07-18}",
        "{step: 签字, by: 王建国, date: 2014-07-18}",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "WBZG-003", one("WBZG-003", PAYMENT));
    assert_anchor(
        &run,
        &text,
        "WBZG-003",
        PAYMENT,
        "steps[4]",
        "{step: 签字",
        0,
    )?;
    Ok(())
}

#[test]
fn wbzg_003_principal_with_another_deputy_but_not_finance_fires() -> TestResult {
    let text = base_with("by: [李明, 王建国]", "by: [张华, 王建国]")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "WBZG-003", one("WBZG-003", PAYMENT));
    Ok(())
}

#[test]
fn wbzg_003_finance_deputy_signing_alone_or_with_the_principal_is_fine() -> TestResult {
    let run = check_yaml(BASE)?;
    check_pairs!(run, "WBZG-003", none());
    let text = base_with("by: [李明, 王建国]", "by: 李明")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "WBZG-003", none());
    // A deputy who is not the finance deputy signing alone: not this rule.
    let text = base_with("by: [李明, 王建国]", "by: 张华")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "WBZG-003", none());
    Ok(())
}

// ====================================================================== SZYD-001

#[test]
fn szyd_001_each_non_collective_form_fires_at_body() -> TestResult {
    for body in [
        "传阅",
        "党组会传阅",
        "会签",
        "个别征求意见",
        "圈阅",
        "书记办公会",
        "现场办公会",
        "碰头会",
        "班子碰头会",
    ] {
        let m = Meeting::new().body(body);
        let (run, text) = meeting_run(&m)?;
        check_pairs!(run, "SZYD-001", one("SZYD-001", "M-1"));
        assert_anchor(&run, &text, "SZYD-001", "M-1", "body", body, 0)?;
    }
    Ok(())
}

#[test]
fn szyd_001_body_not_ending_in_a_collective_form_fires() -> TestResult {
    for body in ["党组会议", "局长会商", "专题会"] {
        let (run, _) = meeting_run(&Meeting::new().body(body))?;
        check_pairs!(run, "SZYD-001", one("SZYD-001", "M-1"));
    }
    Ok(())
}

#[test]
fn szyd_001_collective_bodies_are_fine() -> TestResult {
    for body in [
        "党组会",
        "区委常委会",
        "区政府常务会",
        "党委会",
        "局务会",
        "部务会",
        "委务会",
        "院务会",
        "厅务会",
        "班子会",
        "办公会",
        "局长办公会",
        "主任办公会",
    ] {
        let (run, _) = meeting_run(&Meeting::new().body(body))?;
        check_pairs!(run, "SZYD-001", none());
    }
    Ok(())
}

#[test]
fn szyd_001_ordinary_business_in_a_non_collective_form_is_fine() -> TestResult {
    let m = Meeting::new()
        .body("书记办公会")
        .item(Item::new(1, "一般事项").amount(10_000));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-001", none());
    Ok(())
}

// ====================================================================== SZYD-002

#[test]
fn szyd_002_exactly_half_present_is_a_quorum() -> TestResult {
    let m = Meeting::new()
        .members(&["王建国", "李明", "张华", "赵强"])
        .attendees(&["王建国", "李明"]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", none());
    Ok(())
}

#[test]
fn szyd_002_one_fewer_than_half_fires_at_attendees() -> TestResult {
    let m = Meeting::new()
        .members(&["王建国", "李明", "张华", "赵强"])
        .attendees(&["王建国"]);
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", one("SZYD-002", "M-1"));
    assert_anchor(&run, &text, "SZYD-002", "M-1", "attendees", "[王建国]", 0)?;
    Ok(())
}

#[test]
fn szyd_002_odd_team_three_of_five_is_a_quorum_two_is_not() -> TestResult {
    let m = Meeting::new().attendees(&["王建国", "李明", "张华"]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", none());
    let m = Meeting::new().attendees(&["王建国", "李明"]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", one("SZYD-002", "M-1"));
    let f = run.finding("SZYD-002", "M-1")?;
    assert!(
        f.message.contains('2') && f.message.contains('5'),
        "{}",
        f.message
    );
    Ok(())
}

#[test]
fn szyd_002_cadre_item_needs_two_thirds_exactly_two_thirds_is_enough() -> TestResult {
    let six = ["王建国", "李明", "张华", "赵强", "刘芳", "孙丽"];
    let m = Meeting::new()
        .members(&six)
        .attendees(&["王建国", "李明", "张华", "赵强"])
        .item(Item::new(1, "重要干部任免"));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", none());
    Ok(())
}

#[test]
fn szyd_002_cadre_item_exactly_two_thirds_of_nine_is_enough_one_fewer_is_not() -> TestResult {
    let nine = [
        "王建国",
        "李明",
        "张华",
        "赵强",
        "刘芳",
        "孙丽",
        "钱进",
        "周敏",
        "吴刚",
    ];
    let m = Meeting::new()
        .members(&nine)
        .attendees(&nine[..6])
        .item(Item::new(1, "重要干部任免"));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", none());
    let m = m.attendees(&nine[..5]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", one("SZYD-002", "M-1"));
    Ok(())
}

#[test]
fn szyd_002_message_names_the_facts() -> TestResult {
    let m = Meeting::new().attendees(&["王建国", "李明"]);
    let (run, _) = meeting_run(&m)?;
    let f = run.finding("SZYD-002", "M-1")?;
    // SPEC's example: "到会 2 人,应到 5 人,未达半数"
    assert!(
        f.message.contains("到会 2 人") && f.message.contains("应到 5 人"),
        "{}",
        f.message
    );
    assert!(!f.help.is_empty());
    assert!(!f.cite.is_empty());
    Ok(())
}

#[test]
fn szyd_002_cadre_item_with_half_present_fires() -> TestResult {
    let six = ["王建国", "李明", "张华", "赵强", "刘芳", "孙丽"];
    let m = Meeting::new()
        .members(&six)
        .attendees(&["王建国", "李明", "张华"])
        .item(Item::new(1, "重要干部任免"));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", one("SZYD-002", "M-1"));
    // The same attendance without a cadre item is a quorum.
    let m = m.item(Item::new(1, "重大事项决策"));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", none());
    Ok(())
}

#[test]
fn szyd_002_cadre_item_among_others_raises_the_quorum_one_finding_per_meeting() -> TestResult {
    let m = Meeting::new()
        .attendees(&["王建国", "李明", "张华"])
        .items(vec![
            Item::money(1, 300_000),
            Item::new(2, "重要干部任免"),
            Item::new(3, "重大事项决策"),
        ]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", one("SZYD-002", "M-1"));
    assert_eq!(run.findings_of("SZYD-002").len(), 1, "\n{}", run.human());
    Ok(())
}

#[test]
fn szyd_002_non_members_attending_do_not_make_the_quorum() -> TestResult {
    let m = Meeting::new()
        .members(&["王建国", "李明", "张华", "赵强"])
        .attendees(&["王建国", "孙丽", "钱进"]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", one("SZYD-002", "M-1"));
    Ok(())
}

#[test]
fn szyd_002_ordinary_business_needs_no_quorum() -> TestResult {
    let m = Meeting::new()
        .attendees(&["王建国"])
        .item(Item::new(1, "一般事项").amount(5_000));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-002", none());
    Ok(())
}

// ====================================================================== SZYD-003

fn four_members() -> Meeting {
    Meeting::new().members(&["王建国", "李明", "张华", "赵强"])
}

#[test]
fn szyd_003_exactly_half_yes_is_not_a_majority_fires_at_outcome() -> TestResult {
    let m = four_members().item(Item::money(1, 500_000).opinions(&[
        ("李明", "同意"),
        ("张华", "不同意"),
        ("赵强", "缓议"),
        ("王建国", "同意"),
    ]));
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-003", one("SZYD-003", "M-1"));
    assert_anchor(
        &run,
        &text,
        "SZYD-003",
        "M-1",
        "items[0].outcome",
        "通过",
        0,
    )?;
    Ok(())
}

#[test]
fn szyd_003_more_than_half_yes_passes() -> TestResult {
    let m = four_members().item(Item::money(1, 500_000).opinions(&[
        ("李明", "同意"),
        ("张华", "不同意"),
        ("赵强", "同意"),
        ("王建国", "同意"),
    ]));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-003", none());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn szyd_003_majority_is_of_members_not_of_those_present() -> TestResult {
    // 2 of 4 present (a quorum), both agree: 2 is not more than half of 4.
    let m = four_members().attendees(&["王建国", "李明"]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-003", one("SZYD-003", "M-1"));
    check_pairs!(run, "SZYD-002", none());
    // 3 of 5 present, all agree: 3 is more than half of 5.
    let m = Meeting::new().attendees(&["王建国", "李明", "张华"]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-003", none());
    Ok(())
}

#[test]
fn szyd_003_votes_of_recused_members_do_not_count() -> TestResult {
    // 3 同意 of 5 members, but 张华 recused: only 2 count.
    let m = Meeting::new().item(Item::money(1, 500_000).recused(&["张华"]).opinions(&[
        ("李明", "同意"),
        ("张华", "同意"),
        ("赵强", "不同意"),
        ("刘芳", "不同意"),
        ("王建国", "同意"),
    ]));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-003", one("SZYD-003", "M-1"));
    Ok(())
}

#[test]
fn szyd_003_votes_of_non_members_do_not_count() -> TestResult {
    let m = four_members()
        .attendees(&["王建国", "李明", "张华", "赵强", "孙丽"])
        .item(Item::money(1, 500_000).opinions(&[
            ("孙丽", "同意"),
            ("李明", "同意"),
            ("张华", "不同意"),
            ("赵强", "不同意"),
            ("王建国", "同意"),
        ]));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-003", one("SZYD-003", "M-1"));
    Ok(())
}

#[test]
fn szyd_003_written_opinions_of_absent_members_do_not_count() -> TestResult {
    // 刘芳 is absent; her 同意 would make 3 of 5.
    let m = Meeting::new()
        .attendees(&["王建国", "李明", "张华", "赵强"])
        .item(Item::money(1, 500_000).opinions(&[
            ("李明", "同意"),
            ("张华", "不同意"),
            ("赵强", "不同意"),
            ("刘芳", "同意"),
            ("王建国", "同意"),
        ]));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-003", one("SZYD-003", "M-1"));
    Ok(())
}

#[test]
fn szyd_003_one_person_agreeing_twice_counts_once() -> TestResult {
    let m = four_members().item(Item::money(1, 500_000).opinions(&[
        ("李明", "同意"),
        ("张华", "不同意"),
        ("赵强", "不同意"),
        ("李明", "同意"),
        ("王建国", "同意"),
    ]));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-003", one("SZYD-003", "M-1"));
    Ok(())
}

#[test]
fn szyd_003_items_not_passed_or_ordinary_are_not_checked() -> TestResult {
    let opinions = [
        ("李明", "不同意"),
        ("张华", "不同意"),
        ("赵强", "缓议"),
        ("刘芳", "不同意"),
        ("王建国", "同意"),
    ];
    let m = Meeting::new().items(vec![
        Item::money(1, 500_000)
            .opinions(&opinions)
            .outcome("不通过"),
        Item::money(2, 500_000).opinions(&opinions).outcome("缓议"),
        Item::new(3, "一般事项").amount(1_000).opinions(&opinions),
    ]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-003", none());
    Ok(())
}

// ====================================================================== SZYD-004

#[test]
fn szyd_004_chair_speaking_first_fires_at_the_chairs_opinion() -> TestResult {
    let m = Meeting::new().item(Item::money(1, 500_000).opinions(&[
        ("王建国", "同意"),
        ("李明", "同意"),
        ("张华", "同意"),
        ("赵强", "同意"),
        ("刘芳", "同意"),
    ]));
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-004", one("SZYD-004", "M-1"));
    assert_anchor(
        &run,
        &text,
        "SZYD-004",
        "M-1",
        "items[0].opinions[0]",
        "{name: 王建国, stance: 同意}",
        0,
    )?;
    Ok(())
}

#[test]
fn szyd_004_chair_speaking_in_the_middle_fires() -> TestResult {
    let m = Meeting::new().item(Item::money(1, 500_000).opinions(&[
        ("李明", "同意"),
        ("张华", "同意"),
        ("王建国", "同意"),
        ("赵强", "同意"),
        ("刘芳", "同意"),
    ]));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-004", one("SZYD-004", "M-1"));
    let f = run.finding("SZYD-004", "M-1")?;
    assert_eq!(f.path, "items[0].opinions[2]");
    Ok(())
}

#[test]
fn szyd_004_chair_speaking_first_and_again_last_fires_at_the_first() -> TestResult {
    let m = Meeting::new().item(Item::money(1, 500_000).opinions(&[
        ("王建国", "同意"),
        ("李明", "同意"),
        ("张华", "同意"),
        ("赵强", "同意"),
        ("刘芳", "同意"),
        ("王建国", "同意"),
    ]));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-004", one("SZYD-004", "M-1"));
    let f = run.finding("SZYD-004", "M-1")?;
    assert_eq!(f.path, "items[0].opinions[0]");
    Ok(())
}

#[test]
fn szyd_004_chair_speaking_last_is_fine() -> TestResult {
    let (run, _) = meeting_run(&Meeting::new())?;
    check_pairs!(run, "SZYD-004", none());
    Ok(())
}

#[test]
fn szyd_004_chair_first_on_ordinary_business_is_not_this_rule() -> TestResult {
    let m = Meeting::new().item(Item::new(1, "一般事项").amount(1_000).opinions(&[
        ("王建国", "同意"),
        ("李明", "同意"),
        ("张华", "同意"),
        ("赵强", "同意"),
        ("刘芳", "同意"),
    ]));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-004", none());
    Ok(())
}

// ====================================================================== SZYD-005

#[test]
fn szyd_005_member_present_without_a_position_fires_at_opinions() -> TestResult {
    let m = Meeting::new().item(Item::money(1, 500_000).opinions(&[
        ("李明", "同意"),
        ("张华", "同意"),
        ("赵强", "同意"),
        ("王建国", "同意"),
    ]));
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-005", one("SZYD-005", "M-1"));
    assert_eq!(run.pairs(), one("SZYD-005", "M-1"), "\n{}", run.human());
    assert_anchor_any(
        &run,
        &text,
        "SZYD-005",
        "M-1",
        "items[0].opinions",
        &[("opinions:", 0), ("- {name: 李明", 0)],
    )?;
    let f = run.finding("SZYD-005", "M-1")?;
    assert!(f.message.contains("刘芳"), "{}", f.message);
    Ok(())
}

#[test]
fn szyd_005_recused_or_absent_members_need_no_position() -> TestResult {
    let m = Meeting::new()
        .attendees(&["王建国", "李明", "张华", "赵强"])
        .item(
            Item::money(1, 500_000)
                .interested(&["赵强"])
                .recused(&["赵强"])
                .opinions(&[("李明", "同意"), ("张华", "同意"), ("王建国", "同意")]),
        );
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-005", none());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn szyd_005_silence_on_ordinary_business_is_not_this_rule() -> TestResult {
    let m = Meeting::new().item(
        Item::new(1, "一般事项")
            .amount(1_000)
            .opinions(&[("李明", "同意"), ("王建国", "同意")]),
    );
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-005", none());
    Ok(())
}

// ====================================================================== SZYD-006

#[test]
fn szyd_006_opinion_from_a_non_attendee_fires_at_that_opinion() -> TestResult {
    let m = Meeting::new()
        .attendees(&["王建国", "李明", "张华", "赵强"])
        .item(Item::money(1, 500_000).opinions(&[
            ("李明", "同意"),
            ("张华", "同意"),
            ("赵强", "同意"),
            ("刘芳", "同意"),
            ("王建国", "同意"),
        ]));
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-006", one("SZYD-006", "M-1"));
    assert_anchor(
        &run,
        &text,
        "SZYD-006",
        "M-1",
        "items[0].opinions[3]",
        "{name: 刘芳, stance",
        0,
    )?;
    Ok(())
}

#[test]
fn szyd_006_applies_to_ordinary_business_too() -> TestResult {
    let m = Meeting::new().items(vec![
        Item::money(1, 500_000),
        Item::new(2, "一般事项").amount(1_000).opinions(&[
            ("李明", "同意"),
            ("外单位人员", "同意"),
            ("王建国", "同意"),
        ]),
    ]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-006", one("SZYD-006", "M-1"));
    assert_eq!(run.finding("SZYD-006", "M-1")?.path, "items[1].opinions[1]");
    Ok(())
}

#[test]
fn szyd_006_opinions_of_attendees_are_fine() -> TestResult {
    let run = check_yaml(BASE)?;
    check_pairs!(run, "SZYD-006", none());
    Ok(())
}

// ====================================================================== SZYD-007

#[test]
fn szyd_007_interested_person_not_recused_fires_at_the_interested_entry() -> TestResult {
    let m = Meeting::new().item(Item::money(1, 500_000).interested(&["张华"]));
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-007", one("SZYD-007", "M-1"));
    assert_anchor(
        &run,
        &text,
        "SZYD-007",
        "M-1",
        "items[0].interested[0]",
        "张华]",
        0,
    )?;
    Ok(())
}

#[test]
fn szyd_007_recused_person_stating_a_position_fires_at_the_recused_entry() -> TestResult {
    let m = Meeting::new().item(
        Item::money(1, 500_000)
            .interested(&["张华"])
            .recused(&["张华"])
            .opinions(&[
                ("李明", "同意"),
                ("张华", "同意"),
                ("赵强", "同意"),
                ("刘芳", "同意"),
                ("王建国", "同意"),
            ]),
    );
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-007", one("SZYD-007", "M-1"));
    // `interested: [张华]` comes first, `recused: [张华]` second.
    assert_anchor(
        &run,
        &text,
        "SZYD-007",
        "M-1",
        "items[0].recused[0]",
        "张华]",
        1,
    )?;
    Ok(())
}

#[test]
fn szyd_007_interested_person_who_recused_and_kept_silent_is_fine() -> TestResult {
    let m = Meeting::new().item(
        Item::money(1, 500_000)
            .interested(&["张华"])
            .recused(&["张华"]),
    );
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-007", none());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

// ====================================================================== SZYD-008

#[test]
fn szyd_008_ad_hoc_motion_fires_at_agenda() -> TestResult {
    let text = base_with("agenda: 会前确定", "agenda: 临时动议")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-008", one("SZYD-008", MEETING));
    assert_anchor(
        &run,
        &text,
        "SZYD-008",
        MEETING,
        "items[0].agenda",
        "临时动议",
        0,
    )?;
    Ok(())
}

#[test]
fn szyd_008_ad_hoc_ordinary_business_or_planned_item_is_fine() -> TestResult {
    let text = base_with(
        "category: 一般事项\n    amount: 30000\n",
        "category: 一般事项\n    amount: 30000\n    agenda: 临时动议\n",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-008", none());
    // the default agenda is 会前确定
    let text = base_with("    agenda: 会前确定\n", "")?;
    let run = check_yaml(&text)?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

// ====================================================================== SZYD-009

#[test]
fn szyd_009_materials_not_recorded_fires_at_the_item() -> TestResult {
    let text = base_with("    materials_sent: 2014-07-16\n", "")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-009", one("SZYD-009", MEETING));
    assert_anchor(&run, &text, "SZYD-009", MEETING, "items[0]", "no: 1", 0)?;
    assert_eq!(
        run.finding("SZYD-009", MEETING)?.severity,
        sunlight::report::Severity::Warning
    );
    Ok(())
}

#[test]
fn szyd_009_materials_sent_on_the_meeting_day_fires_at_materials_sent() -> TestResult {
    let text = base_with("materials_sent: 2014-07-16", "materials_sent: 2014-07-18")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-009", one("SZYD-009", MEETING));
    assert_anchor(
        &run,
        &text,
        "SZYD-009",
        MEETING,
        "items[0].materials_sent",
        "2014-07-18\n    opinions",
        0,
    )?;
    Ok(())
}

#[test]
fn szyd_009_materials_sent_exactly_one_day_before_is_fine() -> TestResult {
    let text = base_with("materials_sent: 2014-07-16", "materials_sent: 2014-07-17")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-009", none());
    Ok(())
}

#[test]
fn szyd_009_materials_sent_after_the_meeting_fires() -> TestResult {
    let text = base_with("materials_sent: 2014-07-16", "materials_sent: 2014-07-20")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-009", one("SZYD-009", MEETING));
    Ok(())
}

#[test]
fn szyd_009_ordinary_business_needs_no_materials_record() -> TestResult {
    // item 2 of the base (一般事项) has no materials_sent
    let run = check_yaml(BASE)?;
    check_pairs!(run, "SZYD-009", none());
    Ok(())
}

// ====================================================================== SZYD-010

#[test]
fn szyd_010_no_observers_fires_at_the_meeting() -> TestResult {
    let m = Meeting::new().observers(None);
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-010", one("SZYD-010", "M-1"));
    let f = run.finding("SZYD-010", "M-1")?;
    assert_eq!(f.severity, sunlight::report::Severity::Warning);
    // the field is absent: the finding points at the meeting itself
    assert!(f.path.is_empty() || f.path == "observers", "{}", f.path);
    let (_, line, _) = run.anchor(f)?;
    assert_eq!(line, position_of(&text, "kind: meeting", 0)?.0);
    Ok(())
}

#[test]
fn szyd_010_observer_not_from_a_discipline_body_fires_at_observers() -> TestResult {
    for unit in [Some("区审计局"), None] {
        let m = Meeting::new().observers(Some(&[("陈静", unit)]));
        let (run, _) = meeting_run(&m)?;
        check_pairs!(run, "SZYD-010", one("SZYD-010", "M-1"));
        assert_eq!(run.finding("SZYD-010", "M-1")?.path, "observers");
    }
    Ok(())
}

#[test]
fn szyd_010_unit_containing_jiwei_or_jijian_is_fine() -> TestResult {
    for unit in ["区纪委", "驻局纪检组", "区纪委监委第三派驻纪检监察组"] {
        let m =
            Meeting::new().observers(Some(&[("审计员", Some("区审计局")), ("陈静", Some(unit))]));
        let (run, _) = meeting_run(&m)?;
        check_pairs!(run, "SZYD-010", none());
    }
    Ok(())
}

#[test]
fn szyd_010_ordinary_business_needs_no_observer() -> TestResult {
    let m = Meeting::new()
        .observers(None)
        .item(Item::new(1, "一般事项").amount(1_000));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-010", none());
    Ok(())
}

// ====================================================================== SZYD-011

#[test]
fn szyd_011_member_absent_without_record_fires() -> TestResult {
    let m = Meeting::new()
        .attendees(&["王建国", "李明", "张华", "赵强"])
        .absent(&[]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-011", one("SZYD-011", "M-1"));
    let f = run.finding("SZYD-011", "M-1")?;
    assert!(f.message.contains("刘芳"), "{}", f.message);
    assert_eq!(f.severity, sunlight::report::Severity::Warning);
    Ok(())
}

#[test]
fn szyd_011_absence_without_reason_fires_at_absent() -> TestResult {
    let m = Meeting::new()
        .attendees(&["王建国", "李明", "张华", "赵强"])
        .absent(&[("刘芳", None)]);
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-011", one("SZYD-011", "M-1"));
    assert_anchor_any(
        &run,
        &text,
        "SZYD-011",
        "M-1",
        "absent",
        &[("absent:", 0), ("- {name: 刘芳}", 0)],
    )?;
    Ok(())
}

#[test]
fn szyd_011_absence_with_reason_is_fine() -> TestResult {
    let m = Meeting::new()
        .attendees(&["王建国", "李明", "张华", "赵强"])
        .absent(&[("刘芳", Some("病假"))]);
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-011", none());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn szyd_011_attendee_who_is_not_a_member_fires_at_attendees() -> TestResult {
    let m = Meeting::new().attendees(&["王建国", "李明", "张华", "赵强", "刘芳", "孙丽"]);
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-011", one("SZYD-011", "M-1"));
    assert_anchor(
        &run,
        &text,
        "SZYD-011",
        "M-1",
        "attendees",
        "[王建国, 李明, 张华, 赵强, 刘芳, 孙丽]",
        0,
    )?;
    let f = run.finding("SZYD-011", "M-1")?;
    assert!(f.message.contains("孙丽"), "{}", f.message);
    Ok(())
}

#[test]
fn szyd_011_applies_to_meetings_on_ordinary_business_too() -> TestResult {
    let m = Meeting::new()
        .attendees(&["王建国", "李明", "张华", "赵强"])
        .absent(&[])
        .item(Item::new(1, "一般事项").amount(1_000));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-011", one("SZYD-011", "M-1"));
    Ok(())
}

// ====================================================================== SZYD-012

#[test]
fn szyd_012_ordinary_item_of_exactly_the_standard_fires_at_category() -> TestResult {
    let text = base_with("amount: 30000", "amount: 200000")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-012", one("SZYD-012", MEETING));
    assert_anchor(
        &run,
        &text,
        "SZYD-012",
        MEETING,
        "items[1].category",
        "一般事项",
        0,
    )?;
    Ok(())
}

#[test]
fn szyd_012_ordinary_item_one_yuan_below_the_standard_is_fine() -> TestResult {
    let text = base_with("amount: 30000", "amount: 199999")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-012", none());
    Ok(())
}

#[test]
fn szyd_012_ordinary_item_without_amount_or_large_sum_item_is_fine() -> TestResult {
    let text = base_with("    amount: 30000\n", "")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-012", none());
    let m = Meeting::new().item(Item::money(1, 200_000));
    let (run, _) = meeting_run(&m)?;
    check_pairs!(run, "SZYD-012", none());
    Ok(())
}

// ====================================================================== ZJBF-001

/// The base payment with a record amount and paid amount of `amount`.
fn base_paying(amount: u64) -> TestResult<String> {
    base_with_all(&[
        (
            "amount: 1200000\nsteps:",
            &format!("amount: {amount}\nsteps:"),
        ),
        (
            "date: 2014-07-21, amount: 1200000}",
            &format!("date: 2014-07-21, amount: {amount}}}"),
        ),
    ])
}

const TIDAN: &str = "  - {step: 提单, by: 孙立, date: 2014-07-15}\n";

#[test]
fn zjbf_001_large_payment_missing_a_step_fires_at_steps() -> TestResult {
    let text = edit(&base_paying(200_000)?, TIDAN, "")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-001", one("ZJBF-001", PAYMENT));
    assert_anchor_any(
        &run,
        &text,
        "ZJBF-001",
        PAYMENT,
        "steps",
        &[("steps:", 0), ("- {step: 用款申请", 0)],
    )?;
    let f = run.finding("ZJBF-001", PAYMENT)?;
    assert!(f.message.contains("提单"), "{}", f.message);
    Ok(())
}

#[test]
fn a_block_value_is_pointed_at_by_its_own_key() -> TestResult {
    // The record keeps each key's span beside its value: a comment line
    // between the key and its list, or a quoted key, still puts the
    // finding on the key.
    let missing = edit(&base_paying(200_000)?, TIDAN, "")?;
    let commented = edit(&missing, "steps:\n", "steps:\n  # 审批流程\n")?;
    let run = check_yaml(&commented)?;
    assert_anchor(&run, &commented, "ZJBF-001", PAYMENT, "steps", "steps:", 0)?;
    let quoted = edit(&missing, "steps:\n", "\"steps\":\n")?;
    let run = check_yaml(&quoted)?;
    assert_anchor(&run, &quoted, "ZJBF-001", PAYMENT, "steps", "\"steps\":", 0)?;
    Ok(())
}

#[test]
fn zjbf_001_each_missing_step_fires() -> TestResult {
    for line in [
        "  - {step: 用款申请, by: 何伟, date: 2014-07-10}\n",
        "  - {step: 财政审核, by: 孙立, date: 2014-07-14, result: 符合}\n",
        TIDAN,
        "  - {step: 集体审核, meeting: ZJ-DZ-2014-07, item: 1, date: 2014-07-18}\n",
        "  - {step: 签字, by: [李明, 王建国], date: 2014-07-18}\n",
        "  - {step: 划拨, by: 周敏, date: 2014-07-21, amount: 1200000}\n",
    ] {
        let text = base_with(line, "")?;
        let run = check_yaml(&text)?;
        check_pairs!(run, "ZJBF-001", one("ZJBF-001", PAYMENT));
    }
    Ok(())
}

#[test]
fn zjbf_001_payment_one_yuan_below_the_standard_is_fine() -> TestResult {
    let text = edit(&base_paying(199_999)?, TIDAN, "")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-001", none());
    Ok(())
}

#[test]
fn zjbf_001_uses_the_record_amount_not_the_amount_paid() -> TestResult {
    // record amount 199999, but 250000 transferred: ZJBF-001 looks at the record's amount
    let text = edits(
        BASE,
        &[
            ("amount: 1200000\nsteps:", "amount: 199999\nsteps:"),
            (
                "date: 2014-07-21, amount: 1200000}",
                "date: 2014-07-21, amount: 250000}",
            ),
            (TIDAN, ""),
        ],
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-001", none());
    Ok(())
}

#[test]
fn zjbf_001_emergency_payment_is_not_checked_for_missing_steps() -> TestResult {
    let text = edits(
        &base_paying(200_000)?,
        &[
            (TIDAN, ""),
            (
                "project: 龙潭大道改造工程\n",
                "project: 龙潭大道改造工程\nemergency: {decided_by: 王建国, reason: 防汛抢险}\n",
            ),
        ],
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-001", none());
    Ok(())
}

// ====================================================================== ZJBF-002

#[test]
fn zjbf_002_signature_before_collective_review_fires_at_the_signature() -> TestResult {
    let text = base_with(
        "{step: 签字, by: [李明, 王建国], date: 2014-07-18}",
        "{step: 签字, by: [李明, 王建国], date: 2014-07-17}",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-002", one("ZJBF-002", PAYMENT));
    assert_anchor(
        &run,
        &text,
        "ZJBF-002",
        PAYMENT,
        "steps[4]",
        "{step: 签字",
        0,
    )?;
    Ok(())
}

#[test]
fn zjbf_002_review_dated_before_the_application_fires_at_the_review() -> TestResult {
    let text = base_with(
        "{step: 财政审核, by: 孙立, date: 2014-07-14",
        "{step: 财政审核, by: 孙立, date: 2014-07-09",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-002", one("ZJBF-002", PAYMENT));
    assert_anchor(
        &run,
        &text,
        "ZJBF-002",
        PAYMENT,
        "steps[1]",
        "{step: 财政审核",
        0,
    )?;
    Ok(())
}

#[test]
fn zjbf_002_transfer_before_the_collective_review_fires_at_the_transfer() -> TestResult {
    // 先支后批: transfer on 07-17, review and signature on 07-18
    let text = edits(
        BASE,
        &[
            (
                "{step: 签字, by: [李明, 王建国], date: 2014-07-18}",
                "{step: 签字, by: [李明, 王建国], date: 2014-07-16}",
            ),
            ("date: 2014-07-21, amount", "date: 2014-07-17, amount"),
        ],
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-002", one("ZJBF-002", PAYMENT));
    let anchors: Vec<String> = run
        .findings_of("ZJBF-002")
        .iter()
        .map(|f| f.path.clone())
        .collect();
    assert!(anchors.contains(&"steps[5]".to_string()), "{anchors:?}");
    assert!(anchors.contains(&"steps[4]".to_string()), "{anchors:?}");
    assert!(!anchors.contains(&"steps[3]".to_string()), "{anchors:?}");
    Ok(())
}

#[test]
fn zjbf_002_compares_steps_that_are_not_neighbours_in_the_chain() -> TestResult {
    // a small payment with no 提单 or 集体审核: 签字 before 财政审核
    let text = stream(&[
        BASE,
        &edit(
            &small_payment("P-1", "甲公司", 50_000, "2014-08-01")?,
            "{step: 签字, by: 李明, date: 2014-07-31}",
            "{step: 签字, by: 李明, date: 2014-07-20}",
        )?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-002", one("ZJBF-002", "P-1"));
    assert_eq!(run.finding("ZJBF-002", "P-1")?.path, "steps[2]");
    Ok(())
}

#[test]
fn zjbf_002_same_day_steps_are_fine() -> TestResult {
    let text = base_with(
        "{step: 财政审核, by: 孙立, date: 2014-07-14",
        "{step: 财政审核, by: 孙立, date: 2014-07-10",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-002", none());
    Ok(())
}

#[test]
fn zjbf_002_order_of_listing_does_not_matter_only_dates_do() -> TestResult {
    let text = base_with(
        "  - {step: 用款申请, by: 何伟, date: 2014-07-10}\n  - {step: 财政审核, by: 孙立, date: 2014-07-14, result: 符合}\n",
        "  - {step: 财政审核, by: 孙立, date: 2014-07-14, result: 符合}\n  - {step: 用款申请, by: 何伟, date: 2014-07-10}\n",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-002", none());
    Ok(())
}

// ====================================================================== ZJBF-003

#[test]
fn zjbf_003_item_that_does_not_exist_fires_at_the_review_step() -> TestResult {
    let text = base_with(
        "meeting: ZJ-DZ-2014-07, item: 1,",
        "meeting: ZJ-DZ-2014-07, item: 9,",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-003", one("ZJBF-003", PAYMENT));
    assert_anchor(
        &run,
        &text,
        "ZJBF-003",
        PAYMENT,
        "steps[3]",
        "{step: 集体审核",
        0,
    )?;
    Ok(())
}

#[test]
fn zjbf_003_meeting_that_does_not_exist_fires() -> TestResult {
    let text = base_with(
        "meeting: ZJ-DZ-2014-07, item: 1,",
        "meeting: ZJ-DZ-2014-99, item: 1,",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-003", one("ZJBF-003", PAYMENT));
    Ok(())
}

#[test]
fn zjbf_003_item_that_did_not_pass_fires() -> TestResult {
    let text = base_with(
        "      - {name: 王建国, stance: 同意}\n    outcome: 通过\n  - no: 2",
        "      - {name: 王建国, stance: 同意}\n    outcome: 缓议\n  - no: 2",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-003", one("ZJBF-003", PAYMENT));
    let f = run.finding("ZJBF-003", PAYMENT)?;
    assert!(f.message.contains("缓议"), "{}", f.message);
    Ok(())
}

#[test]
fn zjbf_003_item_of_another_org_fires() -> TestResult {
    let other = Meeting::new()
        .id("JY-DW-2014-07")
        .org("jiaoyu")
        .item(Item::money(1, 1_200_000));
    let text = stream(&[
        &base_with(
            "meeting: ZJ-DZ-2014-07, item: 1,",
            "meeting: JY-DW-2014-07, item: 1,",
        )?,
        OTHER_ORG,
        &other.render(),
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-003", one("ZJBF-003", PAYMENT));
    let f = run.finding("ZJBF-003", PAYMENT)?;
    assert!(f.message.contains("jiaoyu"), "{}", f.message);
    Ok(())
}

#[test]
fn zjbf_003_item_of_the_wrong_category_fires() -> TestResult {
    // item 2 is 一般事项
    let text = base_with(
        "meeting: ZJ-DZ-2014-07, item: 1,",
        "meeting: ZJ-DZ-2014-07, item: 2,",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-003", one("ZJBF-003", PAYMENT));
    for category in ["重大事项决策", "重要干部任免"] {
        let text = base_with("category: 大额资金使用", &format!("category: {category}"))?;
        let run = check_yaml(&text)?;
        check_pairs!(run, "ZJBF-003", one("ZJBF-003", PAYMENT));
    }
    Ok(())
}

#[test]
fn zjbf_003_passed_investment_or_large_sum_item_of_the_same_org_is_fine() -> TestResult {
    let run = check_yaml(BASE)?;
    check_pairs!(run, "ZJBF-003", none());
    let text = base_with("category: 大额资金使用", "category: 重大项目投资")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-003", none());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

// ====================================================================== ZJBF-004

#[test]
fn zjbf_004_meeting_after_the_transfer_fires_at_the_review_step() -> TestResult {
    // the meeting (07-18) after the transfer (07-17)
    let text = edits(
        BASE,
        &[
            (
                "{step: 签字, by: [李明, 王建国], date: 2014-07-18}",
                "{step: 签字, by: [李明, 王建国], date: 2014-07-16}",
            ),
            ("date: 2014-07-21, amount", "date: 2014-07-17, amount"),
        ],
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-004", one("ZJBF-004", PAYMENT));
    assert_anchor(
        &run,
        &text,
        "ZJBF-004",
        PAYMENT,
        "steps[3]",
        "{step: 集体审核",
        0,
    )?;
    Ok(())
}

#[test]
fn zjbf_004_uses_the_meeting_date_not_the_step_date() -> TestResult {
    // The step claims 07-15, but the meeting was held on 07-18; paid 07-17.
    let text = edits(
        BASE,
        &[
            ("item: 1, date: 2014-07-18}", "item: 1, date: 2014-07-15}"),
            (
                "{step: 签字, by: [李明, 王建国], date: 2014-07-18}",
                "{step: 签字, by: [李明, 王建国], date: 2014-07-16}",
            ),
            ("date: 2014-07-21, amount", "date: 2014-07-17, amount"),
        ],
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-004", one("ZJBF-004", PAYMENT));
    Ok(())
}

#[test]
fn zjbf_004_transfer_on_the_meeting_day_is_fine() -> TestResult {
    let text = base_with("date: 2014-07-21, amount", "date: 2014-07-18, amount")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-004", none());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

// ====================================================================== ZJBF-005

/// The base with its payment reduced to `first` (paid 07-21), plus more
/// payments citing item 1 (approved 1200000), each (id, amount, paid).
fn payments_against_item_1(first: u64, more: &[(&str, u64, &str)]) -> TestResult<String> {
    let mut docs = vec![base_paying(first)?];
    for (id, amount, paid) in more {
        docs.push(cited_payment(id, *amount, MEETING, 1, "2014-07-18", paid)?);
    }
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    Ok(stream(&refs))
}

#[test]
fn zjbf_005_total_exactly_the_approved_amount_is_fine() -> TestResult {
    let text = payments_against_item_1(700_000, &[("CZ-2014-0801", 500_000, "2014-08-01")])?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-005", none());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn zjbf_005_one_yuan_over_fires_on_the_payment_that_crosses_at_amount() -> TestResult {
    let text = payments_against_item_1(700_000, &[("CZ-2014-0801", 500_001, "2014-08-01")])?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-005", one("ZJBF-005", "CZ-2014-0801"));
    assert_anchor(
        &run,
        &text,
        "ZJBF-005",
        "CZ-2014-0801",
        "amount",
        "500001",
        0,
    )?;
    let f = run.finding("ZJBF-005", "CZ-2014-0801")?;
    // related names the earlier payment (its record) and the cited item
    let related = run.related(f);
    let earlier = position_of(&text, &format!("id: {PAYMENT}"), 0)?.0;
    let first_line = position_of(&text, "kind: disbursement", 0)?.0;
    assert!(
        related
            .iter()
            .any(|(line, _, _)| *line == earlier || *line == first_line),
        "related {related:?} should point at {PAYMENT}\n{}",
        run.human()
    );
    assert!(f.message.contains(PAYMENT), "{}", f.message);
    Ok(())
}

#[test]
fn zjbf_005_only_the_crossing_payment_fires_not_the_ones_after() -> TestResult {
    let text = payments_against_item_1(
        700_000,
        &[
            ("CZ-2014-0801", 600_000, "2014-08-01"),
            ("CZ-2014-0901", 100_000, "2014-09-01"),
        ],
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-005", one("ZJBF-005", "CZ-2014-0801"));
    Ok(())
}

#[test]
fn zjbf_005_order_is_by_transfer_date_not_by_file_order() -> TestResult {
    // The later-listed payment is transferred first; the base payment (07-21)
    // is the one that crosses.
    let text = payments_against_item_1(700_000, &[("CZ-2014-0719", 600_000, "2014-07-19")])?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-005", one("ZJBF-005", PAYMENT));
    let f = run.finding("ZJBF-005", PAYMENT)?;
    assert!(f.message.contains("CZ-2014-0719"), "{}", f.message);
    Ok(())
}

#[test]
fn zjbf_005_same_transfer_date_is_ordered_by_id() -> TestResult {
    // Both transferred on 07-21; `CZ-2014-0721-001` < `CZ-2014-0721-003`.
    let text = payments_against_item_1(700_000, &[("CZ-2014-0721-001", 600_000, "2014-07-21")])?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-005", one("ZJBF-005", PAYMENT));
    let text = payments_against_item_1(700_000, &[("CZ-2014-0721-009", 600_000, "2014-07-21")])?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-005", one("ZJBF-005", "CZ-2014-0721-009"));
    Ok(())
}

#[test]
fn zjbf_005_a_single_payment_above_the_approved_amount_fires() -> TestResult {
    let text = base_with(
        "date: 2014-07-21, amount: 1200000}",
        "date: 2014-07-21, amount: 1200001}",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-005", one("ZJBF-005", PAYMENT));
    Ok(())
}

#[test]
fn zjbf_005_amount_paid_is_the_transfer_amount() -> TestResult {
    // the record says 1200000 but only 1100000 is transferred; with another
    // 100000 the total is exactly the approved 1200000
    let text = stream(&[
        &base_with(
            "date: 2014-07-21, amount: 1200000}",
            "date: 2014-07-21, amount: 1100000}",
        )?,
        &cited_payment(
            "CZ-2014-0801",
            100_000,
            MEETING,
            1,
            "2014-07-18",
            "2014-08-01",
        )?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-005", none());
    Ok(())
}

#[test]
fn zjbf_005_item_without_amount_is_not_checked() -> TestResult {
    let text = stream(&[
        &base_with("    amount: 1200000\n    agenda", "    agenda")?,
        &cited_payment(
            "CZ-2014-0801",
            900_000,
            MEETING,
            1,
            "2014-07-18",
            "2014-08-01",
        )?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-005", none());
    Ok(())
}

// ====================================================================== ZJBF-006

#[test]
fn zjbf_006_flawed_cited_item_fires_at_the_review_step() -> TestResult {
    // SZYD-004 on item 1: the chair speaks first
    let text = base_with(
        "      - {name: 李明, stance: 同意}\n      - {name: 张华, stance: 同意}\n      - {name: 赵强, stance: 不同意, note: 建议先审计}\n      - {name: 王建国, stance: 同意}\n",
        "      - {name: 王建国, stance: 同意}\n      - {name: 李明, stance: 同意}\n      - {name: 张华, stance: 同意}\n      - {name: 赵强, stance: 不同意, note: 建议先审计}\n",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-004", one("SZYD-004", MEETING));
    check_pairs!(run, "ZJBF-006", one("ZJBF-006", PAYMENT));
    assert_anchor(
        &run,
        &text,
        "ZJBF-006",
        PAYMENT,
        "steps[3]",
        "{step: 集体审核",
        0,
    )?;
    let f = run.finding("ZJBF-006", PAYMENT)?;
    assert!(f.message.contains("SZYD-004"), "{}", f.message);
    Ok(())
}

#[test]
fn zjbf_006_flaw_only_on_another_item_of_the_meeting_is_no_finding() -> TestResult {
    // SZYD-006 on item 2 (an opinion from the absent 刘芳), and SZYD-012 on item 2
    let text = base_with_all(&[
        (
            "      - {name: 张华, stance: 同意}\n      - {name: 王建国, stance: 同意}\n    outcome: 通过\n",
            "      - {name: 张华, stance: 同意}\n      - {name: 刘芳, stance: 同意}\n      - {name: 王建国, stance: 同意}\n    outcome: 通过\n",
        ),
        ("amount: 30000", "amount: 300000"),
    ])?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-006", one("SZYD-006", MEETING));
    check_pairs!(run, "SZYD-012", one("SZYD-012", MEETING));
    check_pairs!(run, "ZJBF-006", none());
    Ok(())
}

#[test]
fn zjbf_006_meeting_level_error_counts() -> TestResult {
    // SZYD-002: only 2 of 5 members present
    let text = base_with_all(&[
        (
            "attendees: [王建国, 李明, 张华, 赵强]",
            "attendees: [王建国, 李明]",
        ),
        (
            "  - {name: 刘芳, reason: 公务出差}\n",
            "  - {name: 刘芳, reason: 公务出差}\n  - {name: 张华, reason: 病假}\n  - {name: 赵强, reason: 病假}\n",
        ),
    ])?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-002", one("SZYD-002", MEETING));
    check_pairs!(run, "ZJBF-006", one("ZJBF-006", PAYMENT));
    // and a non-collective body (SZYD-001, at the meeting's `body`)
    let text = base_with("body: 党组会", "body: 碰头会")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-001", one("SZYD-001", MEETING));
    check_pairs!(run, "ZJBF-006", one("ZJBF-006", PAYMENT));
    Ok(())
}

#[test]
fn zjbf_006_warning_level_findings_do_not_count() -> TestResult {
    // SZYD-009 (warning) on the cited item, SZYD-010 (warning) on the meeting
    let text = base_with_all(&[
        ("materials_sent: 2014-07-16", "materials_sent: 2014-07-18"),
        ("observers:\n  - {name: 陈静, unit: 区纪委派驻纪检组}\n", ""),
    ])?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "SZYD-009", one("SZYD-009", MEETING));
    check_pairs!(run, "SZYD-010", one("SZYD-010", MEETING));
    check_pairs!(run, "ZJBF-006", none());
    Ok(())
}

#[test]
fn zjbf_006_sound_decision_is_fine() -> TestResult {
    let run = check_yaml(BASE)?;
    check_pairs!(run, "ZJBF-006", none());
    Ok(())
}

// ====================================================================== ZJBF-007

#[test]
fn zjbf_007_applicant_also_reviewing_fires_at_the_second_step() -> TestResult {
    let text = base_with("{step: 财政审核, by: 孙立,", "{step: 财政审核, by: 何伟,")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-007", one("ZJBF-007", PAYMENT));
    assert_anchor(
        &run,
        &text,
        "ZJBF-007",
        PAYMENT,
        "steps[1]",
        "{step: 财政审核",
        0,
    )?;
    Ok(())
}

#[test]
fn zjbf_007_reviewer_also_transferring_fires_at_the_transfer() -> TestResult {
    let text = base_with("{step: 划拨, by: 周敏,", "{step: 划拨, by: 孙立,")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-007", one("ZJBF-007", PAYMENT));
    assert_anchor(
        &run,
        &text,
        "ZJBF-007",
        PAYMENT,
        "steps[5]",
        "{step: 划拨",
        0,
    )?;
    let f = run.finding("ZJBF-007", PAYMENT)?;
    assert!(f.message.contains("孙立"), "{}", f.message);
    Ok(())
}

#[test]
fn zjbf_007_one_of_several_signers_also_transferring_fires() -> TestResult {
    let text = base_with("{step: 划拨, by: 周敏,", "{step: 划拨, by: 李明,")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-007", one("ZJBF-007", PAYMENT));
    assert_eq!(run.finding("ZJBF-007", PAYMENT)?.path, "steps[5]");
    Ok(())
}

#[test]
fn zjbf_007_reviewer_also_raising_the_bill_is_fine() -> TestResult {
    // 提单 is not among the incompatible duties; the base has 孙立 in both.
    let run = check_yaml(BASE)?;
    check_pairs!(run, "ZJBF-007", none());
    Ok(())
}

// ====================================================================== ZJBF-008

const PAYEE: &str = "龙潭绿化工程有限公司";

fn with_base(docs: &[String]) -> String {
    let mut all: Vec<&str> = vec![BASE];
    all.extend(docs.iter().map(String::as_str));
    stream(&all)
}

#[test]
fn zjbf_008_two_payments_thirty_days_apart_fire_at_amount() -> TestResult {
    let text = with_base(&[
        small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        small_payment("LY-2", PAYEE, 100_000, "2014-05-31")?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(
        run,
        "ZJBF-008",
        set(&[("ZJBF-008", "LY-1"), ("ZJBF-008", "LY-2")])
    );
    assert_anchor(&run, &text, "ZJBF-008", "LY-1", "amount", "100000", 0)?;
    let f = run.finding("ZJBF-008", "LY-1")?;
    assert!(f.message.contains("LY-2"), "{}", f.message);
    assert!(
        !run.related(f).is_empty(),
        "related names the other payment"
    );
    Ok(())
}

#[test]
fn zjbf_008_thirty_one_days_apart_is_not_a_split() -> TestResult {
    let text = with_base(&[
        small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        small_payment("LY-2", PAYEE, 100_000, "2014-06-01")?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-008", none());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn zjbf_008_window_runs_from_first_to_last_transfer() -> TestResult {
    // 3 x 70000 on days 0, 15, 30: one set spanning 30 days
    let text = with_base(&[
        small_payment("LY-1", PAYEE, 70_000, "2014-05-01")?,
        small_payment("LY-2", PAYEE, 70_000, "2014-05-16")?,
        small_payment("LY-3", PAYEE, 70_000, "2014-05-31")?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(
        run,
        "ZJBF-008",
        set(&[
            ("ZJBF-008", "LY-1"),
            ("ZJBF-008", "LY-2"),
            ("ZJBF-008", "LY-3"),
        ])
    );
    // days 0, 15, 31: no 30-day window holds all three, any two make 140000
    let text = with_base(&[
        small_payment("LY-1", PAYEE, 70_000, "2014-05-01")?,
        small_payment("LY-2", PAYEE, 70_000, "2014-05-16")?,
        small_payment("LY-3", PAYEE, 70_000, "2014-06-01")?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-008", none());
    Ok(())
}

#[test]
fn zjbf_008_sum_exactly_the_standard_fires_one_yuan_less_does_not() -> TestResult {
    let text = with_base(&[
        small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        small_payment("LY-2", PAYEE, 100_000, "2014-05-02")?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(
        run,
        "ZJBF-008",
        set(&[("ZJBF-008", "LY-1"), ("ZJBF-008", "LY-2")])
    );
    let text = with_base(&[
        small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        small_payment("LY-2", PAYEE, 99_999, "2014-05-02")?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-008", none());
    Ok(())
}

#[test]
fn zjbf_008_adds_up_the_amounts_paid_not_the_record_amounts() -> TestResult {
    // records say 90000 + 90000; the transfers pay 110000 + 90000 = 200000
    let text = with_base(&[
        edit(
            &small_payment("LY-1", PAYEE, 90_000, "2014-05-01")?,
            "{step: 划拨, by: 周敏, date: 2014-05-01}",
            "{step: 划拨, by: 周敏, date: 2014-05-01, amount: 110000}",
        )?,
        small_payment("LY-2", PAYEE, 90_000, "2014-05-02")?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(
        run,
        "ZJBF-008",
        set(&[("ZJBF-008", "LY-1"), ("ZJBF-008", "LY-2")])
    );
    Ok(())
}

#[test]
fn zjbf_008_payment_with_a_collective_review_is_not_a_split_candidate() -> TestResult {
    // LY-2 cites item 1 of a meeting of its own (M-SPLIT)
    let m = Meeting::new()
        .id("M-SPLIT")
        .date("2014-04-30")
        .item(Item::money(1, 100_000).materials_sent(Some("2014-04-28")));
    let text = with_base(&[
        small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        cited_payment("LY-2", 100_000, "M-SPLIT", 1, "2014-04-30", "2014-05-02")?
            .replace("龙潭路桥建设有限公司", PAYEE),
        m.render(),
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-008", none());
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

#[test]
fn zjbf_008_emergency_payment_is_not_a_split_candidate() -> TestResult {
    let text = with_base(&[
        small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        emergency_payment("LY-E", 100_000, "2014-05-02").replace("龙潭防汛物资供应站", PAYEE),
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-008", none());
    Ok(())
}

#[test]
fn zjbf_008_payment_at_the_standard_is_not_a_split_candidate() -> TestResult {
    // 200000 without a collective review is ZJBF-001's business, not a split
    let text = with_base(&[
        small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        small_payment("LY-2", PAYEE, 200_000, "2014-05-02")?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-008", none());
    check_pairs!(run, "ZJBF-001", one("ZJBF-001", "LY-2"));
    Ok(())
}

#[test]
fn zjbf_008_different_payees_or_orgs_are_not_grouped() -> TestResult {
    let text = with_base(&[
        small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        small_payment("LY-2", "龙潭园林苗木合作社", 100_000, "2014-05-02")?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-008", none());
    let text = with_base(&[
        OTHER_ORG.to_string(),
        small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        small_payment("LY-2", PAYEE, 100_000, "2014-05-02")?
            .replace("org: zhujian", "org: jiaoyu")
            .replace("by: 李明", "by: 吴敏"),
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-008", none());
    Ok(())
}

#[test]
fn zjbf_008_only_the_payments_in_the_window_fire() -> TestResult {
    // LY-0 is 40 days before the pair: not part of the split
    let text = with_base(&[
        small_payment("LY-0", PAYEE, 100_000, "2014-03-22")?,
        small_payment("LY-1", PAYEE, 100_000, "2014-05-01")?,
        small_payment("LY-2", PAYEE, 100_000, "2014-05-10")?,
    ]);
    let run = check_yaml(&text)?;
    check_pairs!(
        run,
        "ZJBF-008",
        set(&[("ZJBF-008", "LY-1"), ("ZJBF-008", "LY-2")])
    );
    Ok(())
}

// ====================================================================== ZJBF-009

const PAID: &str = "2014-07-10";

fn emergency_ratified(after_days: i64, org: &str, outcome: &str) -> TestResult<String> {
    let date = add_days(PAID, after_days)?;
    let ratify = meeting_doc(
        "M-R",
        org,
        &date,
        500_000,
        outcome,
        "    ratifies: CZ-E01\n",
    )?;
    Ok(with_org(&[
        &emergency_payment("CZ-E01", 500_000, PAID),
        &ratify,
        OTHER_ORG,
    ]))
}

#[test]
fn zjbf_009_ratified_on_the_day_or_thirty_days_after_is_fine() -> TestResult {
    for days in [0, 1, 30] {
        let run = check_yaml(&emergency_ratified(days, ORG, "通过")?)?;
        check_pairs!(run, "ZJBF-009", none());
        assert_eq!(run.pairs(), none(), "\n{}", run.human());
    }
    Ok(())
}

#[test]
fn zjbf_009_ratified_thirty_one_days_after_fires_at_emergency() -> TestResult {
    let text = emergency_ratified(31, ORG, "通过")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-009", one("ZJBF-009", "CZ-E01"));
    assert_anchor(
        &run,
        &text,
        "ZJBF-009",
        "CZ-E01",
        "emergency",
        "{decided_by: 王建国",
        0,
    )?;
    Ok(())
}

#[test]
fn zjbf_009_ratified_before_the_transfer_fires() -> TestResult {
    let run = check_yaml(&emergency_ratified(-1, ORG, "通过")?)?;
    check_pairs!(run, "ZJBF-009", one("ZJBF-009", "CZ-E01"));
    Ok(())
}

#[test]
fn zjbf_009_ratified_by_another_orgs_meeting_fires() -> TestResult {
    let run = check_yaml(&emergency_ratified(5, "jiaoyu", "通过")?)?;
    check_pairs!(run, "ZJBF-009", one("ZJBF-009", "CZ-E01"));
    Ok(())
}

#[test]
fn zjbf_009_ratifying_item_that_did_not_pass_fires() -> TestResult {
    for outcome in ["不通过", "缓议"] {
        let run = check_yaml(&emergency_ratified(5, ORG, outcome)?)?;
        check_pairs!(run, "ZJBF-009", one("ZJBF-009", "CZ-E01"));
    }
    Ok(())
}

#[test]
fn zjbf_009_never_ratified_fires() -> TestResult {
    let text = with_org(&[&emergency_payment("CZ-E01", 500_000, PAID)]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-009", one("ZJBF-009", "CZ-E01"));
    assert_eq!(run.pairs(), one("ZJBF-009", "CZ-E01"), "\n{}", run.human());
    Ok(())
}

#[test]
fn zjbf_009_one_valid_ratification_among_invalid_ones_is_enough() -> TestResult {
    let late = meeting_doc(
        "M-LATE",
        ORG,
        &add_days(PAID, 40)?,
        500_000,
        "通过",
        "    ratifies: CZ-E01\n",
    )?;
    let text = format!("{}---\n{late}", emergency_ratified(10, ORG, "通过")?);
    let run = check_yaml(&text)?;
    check_pairs!(run, "ZJBF-009", none());
    Ok(())
}

// ====================================================================== REF-001

#[test]
fn ref_001_unknown_org_fires_at_the_reference() -> TestResult {
    let text = base_with("org: zhujian\nbody", "org: zhujian2\nbody")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "REF-001", one("REF-001", MEETING));
    assert_anchor(&run, &text, "REF-001", MEETING, "org", "zhujian2", 0)?;
    let text = base_with("org: zhujian\npayee", "org: nosuch\npayee")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "REF-001", one("REF-001", PAYMENT));
    Ok(())
}

#[test]
fn ref_001_unknown_meeting_fires_at_the_meeting_reference() -> TestResult {
    let text = base_with(
        "meeting: ZJ-DZ-2014-07, item: 1,",
        "meeting: ZJ-DZ-2014-99, item: 1,",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "REF-001", one("REF-001", PAYMENT));
    assert_anchor(
        &run,
        &text,
        "REF-001",
        PAYMENT,
        "steps[3].meeting",
        "ZJ-DZ-2014-99",
        0,
    )?;
    Ok(())
}

#[test]
fn ref_001_meeting_exists_but_has_no_such_item_fires_at_the_item_reference() -> TestResult {
    let text = base_with(
        "meeting: ZJ-DZ-2014-07, item: 1,",
        "meeting: ZJ-DZ-2014-07, item: 7,",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "REF-001", one("REF-001", PAYMENT));
    assert_anchor(
        &run,
        &text,
        "REF-001",
        PAYMENT,
        "steps[3].item",
        "7, date",
        0,
    )?;
    Ok(())
}

#[test]
fn ref_001_unknown_ratified_payment_fires_at_ratifies() -> TestResult {
    let m = Meeting::new().item(Item::money(1, 500_000).ratifies("CZ-NOSUCH"));
    let (run, text) = meeting_run(&m)?;
    check_pairs!(run, "REF-001", one("REF-001", "M-1"));
    assert_anchor(
        &run,
        &text,
        "REF-001",
        "M-1",
        "items[0].ratifies",
        "CZ-NOSUCH",
        0,
    )?;
    Ok(())
}

#[test]
fn ref_001_references_that_resolve_are_fine() -> TestResult {
    let run = check_yaml(BASE)?;
    check_pairs!(run, "REF-001", none());
    let text = emergency_ratified(3, ORG, "通过")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "REF-001", none());
    Ok(())
}

#[test]
fn ref_001_reference_to_a_record_with_input_errors_still_resolves() -> TestResult {
    // The org has an unknown field, so it is rejected; the meeting and the
    // payment that cite it get no REF-001.
    let org = edit(
        &base_org(),
        "name: 龙潭区住房和城乡建设局",
        "nmae: 龙潭区住房和城乡建设局",
    )?;
    let docs: Vec<&str> = BASE.split("\n---\n").skip(1).collect();
    let text = stream(&[
        &org,
        docs.first().copied().unwrap_or_default(),
        docs.get(1).copied().unwrap_or_default(),
    ]);
    let run = check_yaml(&text)?;
    assert_eq!(run.report.summary.rejected, 1, "\n{}", run.human());
    check_pairs!(run, "REF-001", none());

    // The meeting is rejected (bad date): the payment's meeting and item
    // references still resolve, and ZJBF-003 does not fire either.
    let text = base_with("date: 2014-07-18\nchair", "date: 2014-07-32\nchair")?;
    let run = check_yaml(&text)?;
    assert_eq!(run.report.summary.rejected, 1, "\n{}", run.human());
    check_pairs!(run, "REF-001", none());
    check_pairs!(run, "ZJBF-003", none());
    Ok(())
}

#[test]
fn ref_001_reference_to_a_record_in_a_file_with_a_yaml_syntax_error_still_resolves() -> TestResult {
    // SPEC §2: "A record that fails to load is not checked, but references to
    // it still resolve (no REF-001 for a record that exists but is malformed)."
    // The meeting's `kind` and `id` come before the syntax error.
    let docs: Vec<&str> = BASE.split("\n---\n").collect();
    let meeting = edit(
        docs.get(1).copied().unwrap_or_default(),
        "members: [王建国, 李明, 张华, 赵强, 刘芳]",
        "members: [王建国, 李明, 张华, 赵强, 刘芳",
    )?;
    let run = check_files(&[
        (
            "a.yaml",
            &stream(&[
                docs.first().copied().unwrap_or_default(),
                docs.get(2).copied().unwrap_or_default(),
            ]),
        ),
        ("b-meeting.yaml", &meeting),
    ])?;
    assert_eq!(run.report.summary.rejected, 1, "\n{}", run.human());
    check_pairs!(run, "REF-001", none());
    check_pairs!(run, "ZJBF-003", none());
    Ok(())
}

#[test]
fn ref_001_reference_into_another_file_resolves() -> TestResult {
    let docs: Vec<&str> = BASE.split("\n---\n").collect();
    let run = check_files(&[
        ("a-org.yaml", docs.first().copied().unwrap_or_default()),
        ("b-meeting.yaml", docs.get(1).copied().unwrap_or_default()),
        ("c-payment.yaml", docs.get(2).copied().unwrap_or_default()),
    ])?;
    assert_eq!(run.pairs(), none(), "\n{}", run.human());
    Ok(())
}

// ====================================================================== REF-002

#[test]
fn ref_002_duplicate_id_fires_on_the_later_one_in_path_order() -> TestResult {
    let org = base_org();
    let run = check_files(&[("b.yaml", &org), ("a.yaml", &org)])?;
    check_pairs!(run, "REF-002", one("REF-002", ORG));
    let f = run.finding("REF-002", ORG)?;
    let (file, line, column) = run.anchor(f)?;
    assert!(file.ends_with("b.yaml"), "{file}");
    assert_eq!((line, column), position_of(&org, "zhujian", 0)?);
    assert_eq!(f.path, "id");
    let related = run.related(f);
    assert_eq!(related.len(), 1, "{related:?}");
    Ok(())
}

#[test]
fn ref_002_duplicate_in_one_file_fires_on_the_second_document() -> TestResult {
    let text = stream(&[BASE, &base_org()]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "REF-002", one("REF-002", ORG));
    let f = run.finding("REF-002", ORG)?;
    let (_, line, _) = run.anchor(f)?;
    assert_eq!(line, position_of(&text, "id: zhujian", 1)?.0);
    Ok(())
}

#[test]
fn ref_002_same_id_in_different_kinds_is_fine() -> TestResult {
    let m = Meeting::new().id(PAYMENT);
    let text = stream(&[BASE, &m.render()]);
    let run = check_yaml(&text)?;
    check_pairs!(run, "REF-002", none());
    Ok(())
}

// ====================================================================== REF-003

#[test]
fn ref_003_no_principal_fires_at_leaders() -> TestResult {
    let text = base_with("    principal: true\n", "")?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "REF-003", one("REF-003", ORG));
    let f = run.finding("REF-003", ORG)?;
    assert_eq!(f.path, "leaders");
    assert!(f.message.contains('0'), "{}", f.message);
    Ok(())
}

#[test]
fn ref_003_two_principals_fire() -> TestResult {
    let text = base_with(
        "{name: 张华, post: 副局长,",
        "{name: 张华, post: 副局长, principal: true,",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "REF-003", one("REF-003", ORG));
    let f = run.finding("REF-003", ORG)?;
    assert!(f.message.contains('2'), "{}", f.message);
    Ok(())
}

#[test]
fn ref_003_principal_false_is_not_a_principal() -> TestResult {
    let text = base_with(
        "{name: 张华, post: 副局长,",
        "{name: 张华, post: 副局长, principal: false,",
    )?;
    let run = check_yaml(&text)?;
    check_pairs!(run, "REF-003", none());
    Ok(())
}
