//! Records come from the units being audited: values that would hide a
//! finding (negative amounts, odd or repeated item numbers) are input
//! errors at their place, and adversarial volumes stay fast and bounded.

mod common;

use common::*;

/// The base payment with its id and amount changed.
fn payment(id: &str, amount: &str) -> TestResult<String> {
    let Some(p) = BASE.split("\n---\n").nth(2) else {
        return Err(fail("the base has no payment"));
    };
    Ok(p.replace(PAYMENT, id)
        .replace(
            "amount: 1200000\nsteps",
            &format!("amount: {amount}\nsteps"),
        )
        .replace(", amount: 1200000}", "}")
        + "\n")
}

/// The error at `line:column` of `records.yaml`, or a failure listing all.
fn error_at(run: &Run, line: usize, column: usize) -> TestResult<InputError> {
    let errors = run.errors();
    errors
        .iter()
        .find(|e| e.line == line && e.column == column)
        .cloned()
        .ok_or_else(|| fail(format!("no error at {line}:{column}: {errors:#?}")))
}

// ================================================================ negative money (item 1)

#[test]
fn a_negative_amount_is_an_input_error_and_cannot_hide_an_over_payment() -> TestResult {
    // The base approves 1,200,000 and pays it; a second payment of 100,000
    // citing the same item goes over (ZJBF-005). A third of -200,000 would
    // bring the total back under the approval if it were counted.
    let over = payment("CZ-OVER", "100000")?;
    let negative = payment("CZ-NEG", "-200000")?;
    let text = stream(&[BASE, &over, &negative]);
    let run = check_yaml(&text)?;
    let (line, column) = position_of(&text, "-200000", 0)?;
    let e = error_at(&run, line, column)?;
    assert!(e.is_error, "{e:?}");
    assert!(e.message.contains("`amount`"), "{e:?}");
    assert!(e.message.contains("negative"), "{e:?}");
    assert!(e.help.contains("signed_money"), "{e:?}");
    assert_eq!(run.report.summary.rejected, 1, "{:?}", run.report.summary);
    let fired = run.pairs_of("ZJBF-005");
    assert_eq!(fired, set(&[("ZJBF-005", "CZ-OVER")]));
    Ok(())
}

#[test]
fn a_negative_transfer_amount_is_an_input_error() -> TestResult {
    let text = base_with(
        "date: 2014-07-21, amount: 1200000}",
        "date: 2014-07-21, amount: -1}",
    )?;
    let run = check_yaml(&text)?;
    let (line, column) = position_of(&text, "-1}", 0)?;
    let e = error_at(&run, line, column)?;
    assert!(e.message.contains("negative"), "{e:?}");
    assert_eq!(run.report.summary.rejected, 1);
    Ok(())
}

#[test]
fn a_negative_payment_cannot_hide_a_split() -> TestResult {
    // Three small payments to one payee within the window add up to the
    // large-sum standard; a negative one would bring the sum under it.
    let mut docs = vec![base_org()];
    for (i, day) in ["2014-08-01", "2014-08-05", "2014-08-09"]
        .iter()
        .enumerate()
    {
        docs.push(small_payment(&format!("SPLIT-{i}"), "某公司", 90000, day)?);
    }
    docs.push(
        small_payment("SPLIT-NEG", "某公司", 0, "2014-08-10")?
            .replace("amount: 0", "amount: -100000"),
    );
    let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let text = stream(&refs);
    let run = check_yaml(&text)?;
    let (line, column) = position_of(&text, "-100000", 0)?;
    error_at(&run, line, column)?;
    assert_eq!(run.pairs_of("ZJBF-008").len(), 3, "{}", run.human());
    Ok(())
}

#[test]
fn signed_money_accepts_a_negative_amount_when_the_schema_says_so() -> TestResult {
    let local = "kind 退款 {\n  org: ref org\n  amount: signed_money\n}\n";
    let text = stream(&[BASE, "kind: 退款\nid: TK-1\norg: zhujian\namount: -5000\n"]);
    let run = check_yaml_with(&text, &Setup::default().rules("local.rules", local))?;
    assert_eq!(run.errors(), vec![], "{}", run.human());
    assert_eq!(run.report.summary.rejected, 0);
    Ok(())
}

// ================================================================ item numbers (item 6)

#[test]
fn item_numbers_are_positive_whole_numbers() -> TestResult {
    for bad in ["1.5", "-3", "0"] {
        let text = base_with("  - no: 2\n", &format!("  - no: {bad}\n"))?;
        let run = check_yaml(&text)?;
        let (line, column) = position_of(&text, &format!("no: {bad}"), 0)?;
        let e = error_at(&run, line, column + 4)?;
        assert!(
            e.message.contains("not a positive whole number"),
            "{bad}: {e:?}"
        );
        assert_eq!(run.report.summary.rejected, 1, "{bad}");
    }
    Ok(())
}

#[test]
fn an_item_number_twice_in_one_meeting_is_an_input_error() -> TestResult {
    let text = base_with("  - no: 2\n", "  - no: 1\n")?;
    let run = check_yaml(&text)?;
    let (line, column) = position_of(&text, "no: 1", 1)?;
    let e = error_at(&run, line, column + 4)?;
    assert!(e.message.contains("`1` appears twice in `items`"), "{e:?}");
    // The help names the key field, not its value.
    assert!(
        e.help.starts_with("each `no` may appear once in `items`"),
        "{e:?}"
    );
    assert_eq!(run.report.summary.rejected, 1);
    // the payment citing item 1 is still checked; its meeting was rejected
    // but still resolves
    assert_eq!(run.report.summary.checked, 2);
    Ok(())
}

#[test]
fn a_fractional_item_citation_is_an_input_error() -> TestResult {
    let text = base_with("item: 1,", "item: 1.5,")?;
    let run = check_yaml(&text)?;
    let (line, column) = position_of(&text, "1.5", 0)?;
    let e = error_at(&run, line, column)?;
    assert!(e.message.contains("positive whole number"), "{e:?}");
    Ok(())
}

// ================================================================ smaller items (item 11)

#[test]
fn a_yaml_version_other_than_1_1_or_1_2_is_an_input_error() -> TestResult {
    let v2 = format!("%YAML 2.0\n---\n{}", base_org());
    let run = check_files(&[("v2.yaml", &v2)])?;
    let errors = run.errors();
    let e = errors
        .iter()
        .find(|e| e.message.contains("YAML version"))
        .ok_or_else(|| fail(format!("{errors:#?}")))?;
    assert_eq!((e.line, e.column), (1, 7), "{e:?}");
    assert_eq!(e.message, "unsupported YAML version `2.0`");
    assert_eq!(run.report.summary.rejected, 1);
    assert_eq!(run.report.summary.checked, 0);
    for ok in ["1.1", "1.2"] {
        let text = format!("%YAML {ok}\n---\n{BASE}");
        let run = check_files(&[("ok.yaml", &text)])?;
        assert_eq!(run.errors(), vec![], "{ok}");
        assert_eq!(run.report.summary.checked, 3, "{ok}");
    }
    Ok(())
}

#[test]
fn a_binary_value_is_an_input_error_not_text() -> TestResult {
    let text = base_with("name: 龙潭区住房和城乡建设局", "name: !!binary 6b6Z5r2t")?;
    let run = check_yaml(&text)?;
    let (line, column) = position_of(&text, "!!binary", 0)?;
    let e = error_at(&run, line, column)?;
    assert!(e.message.contains("`!!binary`"), "{e:?}");
    assert_eq!(run.report.summary.rejected, 1);
    Ok(())
}

#[test]
fn an_error_at_the_end_of_a_file_points_at_its_last_line() -> TestResult {
    let text = "kind: org\nid: x\nname: [a\n";
    let run = check_files(&[("eof.yaml", text)])?;
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].column), (3, 9), "{errors:#?}");
    Ok(())
}

#[test]
fn a_syntax_error_at_the_end_of_a_rule_file_points_at_its_last_line() -> TestResult {
    let setup = Setup::default().rules("bad.rules", "rule X-001 \"t\" {\n  severity error\n\n");
    let run = check_yaml_with(BASE, &setup)?;
    let errors = run.errors();
    let e = errors
        .iter()
        .find(|e| e.file.ends_with("bad.rules"))
        .ok_or_else(|| fail(format!("{errors:#?}")))?;
    assert_eq!((e.line, e.column), (2, 17), "{e:?}");
    assert!(e.message.ends_with("found the end of the file"), "{e:?}");
    Ok(())
}

#[test]
fn an_over_payment_on_its_own_says_so_without_an_empty_list() -> TestResult {
    let text = base_with("amount: 1200000\nsteps", "amount: 1300000\nsteps")?
        .replace(", amount: 1200000}", "}");
    let run = check_yaml(&text)?;
    let f = run.finding("ZJBF-005", PAYMENT)?;
    assert!(
        f.message.starts_with("本笔支付 1300000 元，超过"),
        "{}",
        f.message
    );
    assert!(!f.message.contains("  "), "{}", f.message);
    Ok(())
}

#[test]
fn an_upper_case_json_extension_names_the_json_format() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_files(dir.path(), &[("r.yaml", BASE)])?;
    let out = run_check(dir.path(), &["r.yaml", "--output", "REPORT.JSON"])?;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let written = std::fs::read_to_string(dir.path().join("REPORT.JSON"))?;
    let report: serde_json::Value = serde_json::from_str(&written)?;
    assert_eq!(report["version"], 1);
    Ok(())
}

// ================================================================ adversarial volume (item 5)

/// 10,000 small payments to one payee within one month: every one is part
/// of a split (ZJBF-008). The rule runs in about linear time (`windows` and
/// `sum` over a shared group are computed once) and every finding lists at
/// most 20 related records, saying how many more there are. No time is
/// asserted: a quadratic or cubic evaluation would make the test hang,
/// which the harness's timeout reports.
#[test]
fn ten_thousand_payments_to_one_payee_stay_bounded() -> TestResult {
    const N: usize = 10_000;
    let mut text = base_org();
    for i in 0..N {
        let day = add_days("2014-08-01", i64::try_from(i % 28)?)?;
        text.push_str("---\n");
        text.push_str(&small_payment(&format!("P-{i:05}"), "某公司", 1000, &day)?);
    }
    let run = check_yaml(&text)?;
    assert_eq!(run.errors(), vec![]);
    let split = run.findings_of("ZJBF-008");
    assert_eq!(split.len(), N);
    for f in &split {
        assert_eq!(f.related.len(), 20, "{:?}", f.related);
        let last = f.related.last().map(|r| r.note.as_str()).unwrap_or("");
        assert_eq!(
            last,
            format!("同组的其他支付 (and {} more not listed)", N - 1 - 20)
        );
        assert!(f.message.contains(&format!("支付 {N} 笔")), "{}", f.message);
        assert!(f.message.chars().count() < 400, "{}", f.message);
    }
    Ok(())
}

/// 10,000 payments citing one meeting item, each below the approved amount
/// on its own: the one that takes the running total over the approval is
/// found (ZJBF-005). Each payment asks for the total before it, which is
/// computed once per item (`sum_before` over the shared, sorted group), so
/// the rule runs in about linear time; the finding names ten earlier
/// payments and lists at most 20 related records. No time is asserted: a
/// quadratic evaluation would make the test hang, which the harness's
/// timeout reports.
#[test]
fn ten_thousand_payments_citing_one_item_stay_bounded() -> TestResult {
    const N: usize = 10_000;
    const EACH: u64 = 200;
    let docs: Vec<&str> = BASE.split("\n---\n").take(2).collect();
    let mut text = docs.join("\n---\n") + "\n";
    let mut paid = Vec::new();
    for i in 0..N {
        let day = add_days("2014-07-21", i64::try_from(i % 28)?)?;
        let id = format!("P-{i:05}");
        text.push_str("---\n");
        text.push_str(&cited_payment(&id, EACH, MEETING, 1, "2014-07-18", &day)?);
        paid.push((day, id));
    }
    // The group in the rule's order: by transfer date, then id. The
    // approval of 1,200,000 is reached by the first 6,000 payments.
    paid.sort();
    let before = usize::try_from(1_200_000 / EACH)?;
    let Some((_, over)) = paid.get(before) else {
        return Err(fail("too few payments"));
    };
    let run = check_yaml(&text)?;
    assert_eq!(run.errors(), vec![]);
    assert_eq!(
        run.pairs_of("ZJBF-005"),
        set(&[("ZJBF-005", over.as_str())])
    );
    let f = run.finding("ZJBF-005", over)?;
    let first_ten: Vec<&str> = paid.iter().take(10).map(|(_, id)| id.as_str()).collect();
    assert_eq!(
        f.message,
        format!(
            "连同 {} 等 {before} 笔 累计支付 1200200 元，超过 {MEETING} 第 1 项批准的 1200000 元",
            first_ten.join("、")
        )
    );
    assert_eq!(f.related.len(), 20, "{:?}", f.related);
    let last = f.related.last().map(|r| r.note.as_str()).unwrap_or("");
    assert_eq!(
        last,
        format!(
            "此前引用同一议题的支付 (and {} more not listed)",
            before - 19
        )
    );
    Ok(())
}
