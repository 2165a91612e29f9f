//! A check run lets the text of a record file go once its records are
//! read, and brings back the texts of the files its report points into:
//! findings there keep their lines, columns and snippets in every format,
//! and a file that changed on disk in between is shown without positions,
//! with a warning, rather than with wrong ones.

mod common;

use common::*;
use serde_json::Value;
use sunlight::project;
use sunlight::source::{FileId, SourceMap};

/// The base set without its 提单 step: ZJBF-001 on the payment, pointed
/// at by its `steps:` key.
fn faulty() -> TestResult<String> {
    base_with("  - {step: 提单, by: 孙立, date: 2014-07-15}\n", "")
}

/// The id of the file whose name ends with `name`.
fn file_named(sources: &SourceMap, name: &str) -> TestResult<FileId> {
    sources
        .iter()
        .find(|(_, f)| f.name.ends_with(name))
        .map(|(id, _)| id)
        .ok_or_else(|| fail(format!("no file `{name}`")))
}

fn sarif(run: &Run) -> TestResult<Value> {
    Ok(serde_json::from_str(&sunlight::report::sarif::render(
        &run.report,
        &run.sources,
    ))?)
}

/// The first location of the SARIF result of `rule`.
fn sarif_location(sarif: &Value, rule: &str) -> TestResult<Value> {
    sarif["runs"][0]["results"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["ruleId"] == rule))
        .map(|r| r["locations"][0]["physicalLocation"].clone())
        .ok_or_else(|| fail(format!("no SARIF result for {rule}")))
}

#[test]
fn a_finding_in_a_released_file_keeps_its_place_and_snippet() -> TestResult {
    let text = faulty()?;
    let clean = small_payment("CZ-2014-0801-001", "龙潭文具店", 5000, "2014-08-01")?;
    let run = check_files(&[("a.yaml", &text), ("b.yaml", &clean)])?;
    assert_eq!(run.pairs(), set(&[("ZJBF-001", PAYMENT)]));

    // The file without findings stays released; the one with a finding
    // has its text back, as it was read.
    let (a, b) = (
        file_named(&run.sources, "a.yaml")?,
        file_named(&run.sources, "b.yaml")?,
    );
    let released = run.sources.get(b).ok_or("no b.yaml")?;
    assert!(released.is_released());
    assert_eq!(&*released.text, "");
    let shown = run.sources.get(a).ok_or("no a.yaml")?;
    assert!(!shown.is_released());
    assert_eq!(&*shown.text, text);

    let (line, column) = position_of(&text, "steps:", 0)?;
    let human = run.human();
    assert!(
        human.contains(&format!("a.yaml:{line}:{column}")),
        "no position in:\n{human}"
    );
    assert!(
        human.contains(&format!("{line} │ steps:")),
        "no snippet in:\n{human}"
    );

    let location = sarif_location(&sarif(&run)?, "ZJBF-001")?;
    let region = &location["region"];
    assert_eq!(region["startLine"], line);
    assert_eq!(region["startColumn"], column);
    assert_eq!(region["snippet"]["text"], "steps");
    Ok(())
}

#[test]
fn a_file_changed_before_the_report_is_shown_without_positions() -> TestResult {
    let text = faulty()?;
    let mut run = check_files(&[("a.yaml", &text)])?;
    let a = file_named(&run.sources, "a.yaml")?;
    let path = run.records_dir().join("a.yaml");
    // As if the file had changed between reading and reporting: released,
    // as a run keeps no text it read, then rewritten with a text of the same length,
    // so that only its digest tells.
    let digest = run.sources.get(a).ok_or("no a.yaml")?.digest();
    run.sources.release(a, &path, digest);
    let changed = edit(&text, "amount: 1200000\nsteps", "amount: 1200001\nsteps")?;
    assert_eq!(changed.len(), text.len());
    std::fs::write(&path, &changed)?;
    project::restore_shown(&mut run.sources, &mut run.report);

    let file = run.sources.get(a).ok_or("no a.yaml")?;
    assert!(file.is_released());
    let warning = run
        .report
        .errors
        .iter()
        .find(|d| {
            d.message
                .contains("changed or was removed while it was checked")
        })
        .ok_or("no warning of the change")?;
    assert!(!warning.is_error());
    assert!(
        warning
            .file
            .as_deref()
            .is_some_and(|f| f.ends_with("a.yaml"))
    );

    // The finding is still reported, named by its file, with no line,
    // column or source from a text that is not the one checked.
    let human = run.human();
    assert!(
        human.contains("changed or was removed while it was checked"),
        "{human}"
    );
    assert!(
        human.contains("a.yaml: 1200000 元的大额支付缺少 提单 环节"),
        "{human}"
    );
    let (line, _) = position_of(&text, "steps:", 0)?;
    assert!(!human.contains("steps:"), "{human}");
    assert!(!human.contains(&format!("a.yaml:{line}")), "{human}");
    assert!(!human.contains(" │ "), "{human}");

    let json = run.json()?;
    let finding = &json["findings"][0];
    assert_eq!(finding["rule"], "ZJBF-001");
    assert_eq!(finding["line"], 0);
    assert_eq!(finding["column"], 0);

    let location = sarif_location(&sarif(&run)?, "ZJBF-001")?;
    assert!(location["region"].is_null(), "{location}");
    assert!(
        location["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("a.yaml"))
    );

    // Put back as it was read, the file stays changed for the run: what
    // was placed while it differed is not shown in a text read later.
    std::fs::write(&path, &text)?;
    assert_eq!(run.sources.restore([a]), vec![a]);
    assert!(run.sources.text_as_read(a).is_none());
    Ok(())
}

/// A file that changes after its records are read and before their
/// findings are placed in its text: the findings keep the paths their
/// data tell (which baselines compare), at their record.
#[test]
fn a_file_changed_before_its_findings_are_placed_keeps_their_paths() -> TestResult {
    let text = faulty()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("a.yaml");
    std::fs::write(&path, &text)?;
    let mut sources = SourceMap::new();
    let limits = sunlight::workspace::InputLimits::default();
    let rules = project::load_rules(&mut sources, &project::RuleOptions::default(), &limits);
    let id = sources.add(path.display().to_string(), text.clone());
    let sets = sunlight::check::read_records(&sources, &[id], &rules.program.schema, &limits.yaml);
    let digest = sources.get(id).ok_or("no a.yaml")?.digest();
    sources.release(id, &path, digest);
    let changed = edit(&text, "amount: 1200000\nsteps", "amount: 1200001\nsteps")?;
    std::fs::write(&path, &changed)?;

    let refs: Vec<&sunlight::check::FileSet> = sets.iter().collect();
    let report = sunlight::check::evaluate(&rules.program, &refs, &sources);
    let finding = report
        .findings
        .iter()
        .find(|f| f.rule == "ZJBF-001")
        .ok_or("no ZJBF-001")?;
    assert_eq!(finding.path, "steps");
    let record = sets
        .iter()
        .flat_map(|s| &s.records)
        .find(|r| r.id() == PAYMENT)
        .ok_or("no payment")?;
    assert_eq!(finding.span, record.span());
    Ok(())
}

#[test]
fn input_errors_in_a_changed_file_are_named_by_their_file() -> TestResult {
    let text = "id: nokind\namount: 3\n---\nkind: disbursement\nid: X-1\n";
    let mut run = check_files(&[("a.yaml", text)])?;
    let a = file_named(&run.sources, "a.yaml")?;
    let path = run.records_dir().join("a.yaml");
    let digest = run.sources.get(a).ok_or("no a.yaml")?.digest();
    run.sources.release(a, &path, digest);
    std::fs::write(&path, text.replace("nokind", "nokinD"))?;
    project::restore_shown(&mut run.sources, &mut run.report);

    let json = run.json()?;
    let errors = json["errors"].as_array().ok_or("no errors")?;
    let no_kind = errors
        .iter()
        .find(|e| e["message"] == "record has no `kind`")
        .ok_or_else(|| fail(format!("no kind error in {errors:?}")))?;
    assert!(
        no_kind["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("a.yaml")),
        "{no_kind}"
    );
    assert!(no_kind["line"].is_null(), "{no_kind}");
    let human = run.human();
    assert!(human.contains("a.yaml: record has no `kind`"), "{human}");
    Ok(())
}

#[test]
fn the_binary_shows_findings_in_released_files() -> TestResult {
    let dir = tempfile::tempdir()?;
    let records = dir.path().join("records");
    std::fs::create_dir_all(&records)?;
    let text = faulty()?;
    std::fs::write(records.join("a.yaml"), &text)?;
    std::fs::write(
        records.join("b.yaml"),
        small_payment("CZ-2014-0801-001", "龙潭文具店", 5000, "2014-08-01")?,
    )?;
    let (line, column) = position_of(&text, "steps:", 0)?;

    let (code, human) = code_and_stdout(&run_check(dir.path(), &["records"])?);
    assert_eq!(code, Some(1), "{human}");
    assert!(
        human.contains(&format!("records/a.yaml:{line}:{column}")),
        "{human}"
    );
    assert!(human.contains(&format!("{line} │ steps:")), "{human}");

    let (_, out) = code_and_stdout(&run_check(dir.path(), &["records", "--format", "sarif"])?);
    let sarif: Value = serde_json::from_str(&out)?;
    let location = sarif_location(&sarif, "ZJBF-001")?;
    assert_eq!(location["region"]["startLine"], line);
    assert_eq!(location["region"]["snippet"]["text"], "steps");

    // The replay block records each file's digest as read.
    let (_, json) = run_check_json(dir.path(), &["records"])?;
    let digests: Vec<&str> = json["inputs"]["records"]
        .as_array()
        .ok_or("no records in inputs")?
        .iter()
        .filter_map(|r| r["sha256"].as_str())
        .collect();
    assert_eq!(
        digests.first().copied(),
        Some(sunlight::replay::sha256_hex(&text).as_str())
    );
    assert_eq!(digests.len(), 2);
    Ok(())
}
