//! `sunlight explain RULE-ID` and `sunlight test [PATH]`: the rule's
//! documentation with its source and an example from the standard cases
//! (rules/tests), and rule tests with a readable diff when they fail.

use std::collections::BTreeSet;
use std::error::Error;
use std::path::Path;
use std::process::{Command, Output};

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// Every rule of the standard catalogue (SPEC section 3).
const CATALOGUE: &[&str] = &[
    "WBZG-001", "WBZG-002", "WBZG-003", "SZYD-001", "SZYD-002", "SZYD-003", "SZYD-004", "SZYD-005",
    "SZYD-006", "SZYD-007", "SZYD-008", "SZYD-009", "SZYD-010", "SZYD-011", "SZYD-012", "ZJBF-001",
    "ZJBF-002", "ZJBF-003", "ZJBF-004", "ZJBF-005", "ZJBF-006", "ZJBF-007", "ZJBF-008", "ZJBF-009",
    "REF-001", "REF-002", "REF-003",
];

fn sunlight(dir: &Path, args: &[&str]) -> TestResult<Output> {
    Ok(Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .current_dir(dir)
        .args(args)
        .output()?)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> TestResult<Run> {
    let out = sunlight(dir, args)?;
    Ok(Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout)?,
        stderr: String::from_utf8(out.stderr)?,
    })
}

/// The standard case folders under rules/tests.
fn standard_cases() -> TestResult<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root().join("rules/tests"))? {
        let path = entry?.path();
        if path.join("expected.yaml").is_file()
            && let Some(name) = path.file_name().and_then(|n| n.to_str())
        {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// Records that the standard cases expect `rule` to fire on.
fn expected_records(rule: &str) -> TestResult<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for case in standard_cases()? {
        let text =
            std::fs::read_to_string(root().join("rules/tests").join(&case).join("expected.yaml"))?;
        let v: serde_yaml::Value = serde_yaml::from_str(&text)?;
        for f in v["findings"].as_sequence().map_or(&[][..], Vec::as_slice) {
            if f["rule"].as_str() == Some(rule)
                && let Some(r) = f["record"].as_str()
            {
                out.insert(r.to_string());
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- explain

#[test]
fn explain_shows_the_rule_its_source_and_an_example() -> TestResult {
    let r = run(root(), &["explain", "SZYD-002"])?;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let out = &r.stdout;
    // Title and severity.
    assert!(out.contains("SZYD-002"), "{out}");
    assert!(out.contains("到会人数不足"), "{out}");
    assert!(out.contains("error"), "{out}");
    // Cite and help.
    assert!(
        out.contains("《中国共产党党组工作条例》第二十六条"),
        "{out}"
    );
    assert!(out.contains("《党政领导干部选拔任用工作条例》"), "{out}");
    assert!(out.contains("到会成员须达到应到会成员的"), "{out}");
    // Its source in the rule language, with where it lives.
    assert!(out.contains("rule SZYD-002"), "{out}");
    assert!(out.contains("szyd.rules"), "{out}");
    assert!(out.contains("at m.attendees"), "{out}");
    // An example record from the standard cases that fires it.
    let examples = expected_records("SZYD-002")?;
    assert!(!examples.is_empty(), "no standard case expects SZYD-002");
    assert!(
        examples.iter().any(|id| out.contains(&format!("id: {id}"))),
        "the example is none of {examples:?}:\n{out}"
    );
    assert!(out.contains("kind: meeting"), "{out}");
    assert!(out.contains("attendees:"), "{out}");
    Ok(())
}

/// The `help:` line of `sunlight explain RULE` run in `dir`.
fn explained_help(dir: &Path, rule: &str) -> TestResult<String> {
    let r = run(dir, &["explain", rule])?;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    r.stdout
        .lines()
        .find_map(|l| l.strip_prefix("help: "))
        .map(str::to_string)
        .ok_or_else(|| format!("no help line for {rule}:\n{}", r.stdout).into())
}

#[test]
fn explain_fills_in_parameters_and_marks_the_values_of_the_record() -> TestResult {
    // A value of the record is named, in marks that say it is one.
    assert_eq!(
        explained_help(root(), "WBZG-001")?,
        "将 ‹a› 交由一名副职分管，一把手负监督之责"
    );
    let r = run(root(), &["explain", "WBZG-001"])?;
    assert!(
        r.stdout
            .contains("(‹…›: a value of the record, given in each finding)"),
        "{}",
        r.stdout
    );
    // A parameter is its value in force: the standard one, or the
    // locality's from its parameter file.
    let standard = explained_help(root(), "SZYD-012")?;
    assert!(standard.contains("金额达到 200000 元"), "{standard}");
    let local = explained_help(&root().join("examples/locality-overlay"), "SZYD-012")?;
    assert!(local.contains("金额达到 500000 元"), "{local}");
    for id in CATALOGUE {
        let help = explained_help(root(), id)?;
        assert!(!help.contains(['{', '}']), "{id}: {help}");
    }
    Ok(())
}

#[test]
fn explain_has_an_example_for_every_rule_of_the_catalogue() -> TestResult {
    for id in CATALOGUE {
        let r = run(root(), &["explain", id])?;
        assert_eq!(r.code, Some(0), "explain {id}: {}", r.stderr);
        assert!(
            r.stdout.contains(&format!("rule {id}")),
            "explain {id}:\n{}",
            r.stdout
        );
        assert!(r.stdout.contains("cite"), "explain {id}:\n{}", r.stdout);
        let examples = expected_records(id)?;
        assert!(
            examples.iter().any(|rec| r.stdout.contains(rec.as_str())),
            "explain {id} shows none of the records the standard cases expect it on ({examples:?}):\n{}",
            r.stdout
        );
    }
    Ok(())
}

#[test]
fn explain_of_an_unknown_rule_suggests_the_closest() -> TestResult {
    let r = run(root(), &["explain", "SZYD-02"])?;
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("SZYD-02"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `SZYD-002`"), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);

    let r = run(root(), &["explain", "ZJBF-010"])?;
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("ZJBF-010"), "{}", r.stderr);
    assert!(r.stderr.contains("did you mean"), "{}", r.stderr);

    // An id typed in lower case is the rule written in upper case.
    let r = run(root(), &["explain", "szyd-002"])?;
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr.contains("did you mean `SZYD-002`?"),
        "{}",
        r.stderr
    );
    Ok(())
}

#[test]
fn explain_covers_rules_added_with_rules() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("local.rules"), LOCAL_RULE)?;
    let r = run(
        dir.path(),
        &["explain", "LOCAL-001", "--rules", "local.rules"],
    )?;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("列席人员未注明单位"), "{}", r.stdout);
    assert!(
        r.stdout.contains("龙潭区三重一大实施细则(试行)第十二条"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("local.rules"), "{}", r.stdout);
    assert!(r.stdout.contains("rule LOCAL-001"), "{}", r.stdout);
    Ok(())
}

// ---------------------------------------------------------------- test

/// The line `N passed, M failed`.
fn tally(out: &str) -> Option<(usize, usize)> {
    out.lines().find_map(|l| {
        let (p, f) = l.trim().split_once(" passed, ")?;
        let f = f.strip_suffix(" failed")?;
        Some((p.parse().ok()?, f.parse().ok()?))
    })
}

#[test]
fn the_standard_cases_pass_and_exercise_every_rule() -> TestResult {
    let r = run(root(), &["test"])?;
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    let cases = standard_cases()?;
    assert!(cases.len() >= 8, "{cases:?}");
    assert_eq!(tally(&r.stdout), Some((cases.len(), 0)), "{}", r.stdout);
    for case in &cases {
        assert!(
            r.stdout
                .lines()
                .any(|l| l.starts_with("ok") && l.ends_with(case.as_str())),
            "no `ok {case}` line:\n{}",
            r.stdout
        );
    }
    assert!(
        !r.stdout.contains("rules no case exercises"),
        "{}",
        r.stdout
    );
    Ok(())
}

#[test]
fn every_rule_is_expected_somewhere_in_the_standard_cases() -> TestResult {
    for id in CATALOGUE {
        assert!(
            !expected_records(id)?.is_empty(),
            "no rules/tests/*/expected.yaml lists {id}"
        );
    }
    Ok(())
}

#[test]
fn the_standard_cases_pass_when_run_from_disk() -> TestResult {
    let r = run(root(), &["test", "rules/tests"])?;
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert_eq!(
        tally(&r.stdout),
        Some((standard_cases()?.len(), 0)),
        "{}",
        r.stdout
    );
    Ok(())
}

/// 生态环境局: the chair speaks first on item 1 (SZYD-004 at 26:9).
const RECORDS: &str = include_str!("fixtures/ci/huanbao.yaml");

/// A local rule that no standard case fires (every observer there has a unit).
const LOCAL_RULE: &str = "\
/// An observer is recorded without a unit.
rule LOCAL-001 \"列席人员未注明单位\" {
  severity warning
  cite \"龙潭区三重一大实施细则(试行)第十二条\"
  for m in meeting, o in m.observers
  where o.unit == none
  at o
  message \"列席人员 {o.name} 未注明所在单位\"
  help \"在 observers 中写明列席人员的单位\"
}
";

fn write_case(dir: &Path, files: &[(&str, &str)], expected: &str) -> TestResult {
    std::fs::create_dir_all(dir.join("records"))?;
    for (name, text) in files {
        std::fs::write(dir.join("records").join(name), text)?;
    }
    std::fs::write(dir.join("expected.yaml"), expected)?;
    Ok(())
}

#[test]
fn a_case_that_passes() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_case(
        dir.path(),
        &[("huanbao.yaml", RECORDS)],
        "findings:\n  - {rule: SZYD-004, record: HB-DZ-2015-09}\nerrors: 0\n",
    )?;
    let r = run(dir.path(), &["test", "."])?;
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    assert_eq!(tally(&r.stdout), Some((1, 0)), "{}", r.stdout);
    Ok(())
}

#[test]
fn a_wrong_expectation_fails_with_a_diff() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_case(
        &dir.path().join("huanbao-wrong"),
        &[("huanbao.yaml", RECORDS)],
        "findings:\n  - {rule: SZYD-003, record: HB-DZ-2015-09}\nerrors: 0\n",
    )?;
    let r = run(dir.path(), &["test", "huanbao-wrong"])?;
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    let out = &r.stdout;
    assert!(
        out.lines()
            .any(|l| l.starts_with("FAILED") && l.contains("huanbao-wrong")),
        "{out}"
    );
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert!(
        lines.contains(&"- expected SZYD-003 on HB-DZ-2015-09, not reported"),
        "{out}"
    );
    let Some(i) = lines
        .iter()
        .position(|l| *l == "+ reported SZYD-004 on HB-DZ-2015-09, not expected")
    else {
        return Err(format!("no `+ reported` line:\n{out}").into());
    };
    // Under it: where and what.
    let detail = lines.get(i + 1).copied().unwrap_or("");
    assert!(
        detail.starts_with("records/huanbao.yaml:26:9: "),
        "{detail}\n{out}"
    );
    assert!(detail.contains("主持人 周立 在第 1 位表态"), "{detail}");
    assert_eq!(tally(out), Some((0, 1)), "{out}");
    Ok(())
}

#[test]
fn wrong_input_error_expectations_fail_with_a_diff() -> TestResult {
    let dir = tempfile::tempdir()?;
    let bad = RECORDS.replace("date: 2015-09-15", "date: 2015-09-31");
    write_case(
        &dir.path().join("bad-date"),
        &[("huanbao.yaml", &bad)],
        "findings: []\nerrors:\n  - other.yaml\n",
    )?;
    // A passing case beside it.
    write_case(
        &dir.path().join("good"),
        &[("huanbao.yaml", RECORDS)],
        "findings:\n  - {rule: SZYD-004, record: HB-DZ-2015-09}\nerrors: 0\n",
    )?;
    let r = run(dir.path(), &["test", "."])?;
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    let out = &r.stdout;
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert!(
        lines.contains(&"- expected input errors in other.yaml, none reported"),
        "{out}"
    );
    let Some(i) = lines
        .iter()
        .position(|l| *l == "+ input errors in huanbao.yaml, not expected")
    else {
        return Err(format!("no `+ input errors` line:\n{out}").into());
    };
    let detail = lines.get(i + 1).copied().unwrap_or("");
    assert!(detail.contains("2015-09-31"), "{detail}\n{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("ok") && l.contains("good")),
        "{out}"
    );
    assert_eq!(tally(out), Some((1, 1)), "{out}");
    Ok(())
}

#[test]
fn an_unreadable_expectation_is_a_failed_case() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_case(
        dir.path(),
        &[("huanbao.yaml", RECORDS)],
        "findings:\n  - {rule: SZYD-004}\n",
    )?;
    let r = run(dir.path(), &["test", "."])?;
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert!(r.stdout.contains("record"), "{}", r.stdout);
    assert_eq!(tally(&r.stdout), Some((0, 1)), "{}", r.stdout);
    Ok(())
}

#[test]
fn a_rule_no_case_exercises_is_listed() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("local.rules"), LOCAL_RULE)?;
    // The standard cases with the local rule added: they still pass, and
    // the local rule is the only one none of them fires.
    let r = run(dir.path(), &["test", "--rules", "local.rules"])?;
    assert_eq!(r.code, Some(0), "{}\n{}", r.stdout, r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("rules no case exercises"))
        .ok_or_else(|| format!("no `rules no case exercises` line:\n{}", r.stdout))?;
    assert_eq!(line.trim(), "rules no case exercises: LOCAL-001");

    // A case that fires it takes it off the list.
    let unit_less = RECORDS.replace(
        "observers: [{name: 阮静, unit: 区纪委监委派驻第八纪检监察组}]",
        "observers: [{name: 阮静}]",
    );
    write_case(
        &dir.path().join("cases/no-unit"),
        &[("huanbao.yaml", &unit_less)],
        "findings:\n  - {rule: SZYD-004, record: HB-DZ-2015-09}\n  - {rule: SZYD-010, record: HB-DZ-2015-09}\n  - {rule: LOCAL-001, record: HB-DZ-2015-09}\nerrors: 0\n",
    )?;
    let r = run(dir.path(), &["test", "cases", "--rules", "local.rules"])?;
    assert_eq!(r.code, Some(0), "{}", r.stdout);
    let listed = r
        .stdout
        .lines()
        .find(|l| l.starts_with("rules no case exercises"))
        .unwrap_or("");
    assert!(!listed.contains("LOCAL-001"), "{}", r.stdout);
    assert!(listed.contains("ZJBF-005"), "{}", r.stdout);
    Ok(())
}

#[test]
fn test_of_a_folder_without_cases_is_an_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let r = run(dir.path(), &["test", "."])?;
    assert_eq!(r.code, Some(2), "{}", r.stdout);
    assert!(r.stderr.contains("no cases"), "{}", r.stderr);
    let r = run(dir.path(), &["test", "no-such-folder"])?;
    assert_eq!(r.code, Some(2), "{}", r.stdout);
    assert!(r.stderr.contains("no-such-folder"), "{}", r.stderr);
    Ok(())
}

#[test]
fn unknown_keys_in_an_expectation_are_errors_at_their_place() -> TestResult {
    let dir = tempfile::tempdir()?;
    write_case(
        &dir.path().join("typos"),
        &[("huanbao.yaml", RECORDS)],
        "findings:\n  - {rule: SZYD-004, recrd: HB-DZ-2015-09}\nerors: 0\ntodya: 2015-09-30\n",
    )?;
    let r = run(dir.path(), &["test", "."])?;
    assert_eq!(r.code, Some(1), "{}", r.stdout);
    assert_eq!(tally(&r.stdout), Some((0, 1)), "{}", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().map(str::trim).collect();
    for (at, key, meant) in [
        ("2:22", "recrd", "record"),
        ("3:1", "erors", "errors"),
        ("4:1", "todya", "today"),
    ] {
        let Some(i) = lines
            .iter()
            .position(|l| l.contains(&format!("typos/expected.yaml:{at}: unknown key `{key}`")))
        else {
            return Err(format!("no error for `{key}` at {at}:\n{}", r.stdout).into());
        };
        assert_eq!(
            lines.get(i + 1).copied(),
            Some(format!("help: did you mean `{meant}`?").as_str()),
            "{}",
            r.stdout
        );
    }
    // The misspelt finding is not read as one without a record.
    assert!(!r.stdout.contains("has no `record`"), "{}", r.stdout);
    Ok(())
}

#[test]
fn rule_file_errors_are_shown_once_at_their_place() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("broken.rules"),
        LOCAL_RULE.replace("where o.unit == none", "where lenght(o.unit) == 0"),
    )?;
    for name in ["one", "two"] {
        write_case(
            &dir.path().join("cases").join(name),
            &[("huanbao.yaml", RECORDS)],
            "findings:\n  - {rule: SZYD-004, record: HB-DZ-2015-09}\nerrors: 0\n",
        )?;
    }
    let r = run(dir.path(), &["test", "cases", "--rules", "broken.rules"])?;
    // A rule file that does not compile fails the run as an input error.
    assert_eq!(r.code, Some(2), "{}", r.stdout);
    assert_eq!(
        r.stdout.matches("unknown function `lenght`").count(),
        1,
        "{}",
        r.stdout
    );
    // Located and shown with its line, before the first case.
    let at = r.stdout.find("broken.rules:").ok_or("no location")?;
    let first_case = r.stdout.find("ok     one").ok_or("no case")?;
    assert!(at < first_case, "{}", r.stdout);
    assert!(
        r.stdout.contains("where lenght(o.unit) == 0"),
        "{}",
        r.stdout
    );
    Ok(())
}
