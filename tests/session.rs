//! The editing session of the core, driven as an editor drives it but with
//! no protocol: documents by path, positions as byte offsets, answers in
//! the core's terms (findings, diagnostics, spans, Markdown).

use std::error::Error;
use std::path::{Path, PathBuf};

use sunlight::session::{Problem, Session};
use sunlight::source::Span;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

const CONFIG: &str = "rules = [\"rules\"]\n";

const RULES: &str = "// 本地规则。

/// 是否要求每笔支付登记所属项目。
param 须登记项目 = true

/// 支付须登记所属项目。
rule LOCAL-001 \"支付未登记项目\" {
  severity warning
  cite \"资金管理办法第五条\"
  for d in disbursement
  where 须登记项目
  require d.project != none
  at d.payee
  message \"向 {d.payee} 支付 {d.amount} 元未登记项目\"
  help \"在 project 中填写所属项目\"
}
";

const ORG: &str = "kind: org
id: chengjian
name: 龙潭区城市建设局
leaders:
  - {name: 王𠀀, post: 局长, principal: true, manages: [全面工作]}
  - {name: 李明, post: 副局长, manages: [财务]}
";

const MEETINGS: &str = "kind: meeting
id: CJ-DZ-2014-05
org: chengjian
body: 党组会
date: 2014-05-20
chair: 王𠀀
members: [王𠀀, 李明]
attendees: [王𠀀, 李明]
items:
  - no: 1
    title: 关于拨付城南道路改造工程款的议题
    category: 大额资金使用
    amount: 500000
    materials_sent: 2014-05-16
    opinions:
      - {name: 李明, stance: 同意}
      - {name: 王𠀀, stance: 同意}
    outcome: 通过
";

const PAYMENTS: &str = "kind: disbursement
id: CJ-ZF-2014-0601
org: chengjian
payee: 龙潭路桥建设有限公司
project: 城南道路改造工程
amount: 300000
steps:
  - {step: 集体审核, meeting: CJ-DZ-2014-05, item: 1, date: 2014-05-20}
  - {step: 划拨, by: 李明, date: 2014-06-01}
---
kind: disbursement
id: CJ-ZF-2014-0610
org: chengjian
payee: 龙潭办公设备有限公司
amount: 8000
steps:
  - {step: 划拨, by: 李明, date: 2014-06-10}
";

/// A workspace on disk: its real root.
fn workspace(dir: &Path) -> TestResult<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let root = dir.canonicalize()?;
    for (name, text) in [
        ("sunlight.toml", CONFIG),
        ("rules/local.rules", RULES),
        ("records/org.yaml", ORG),
        ("records/meetings.yaml", MEETINGS),
        ("records/payments.yaml", PAYMENTS),
    ] {
        let path = root.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(root)
}

/// The byte offset of the `nth` occurrence of `needle` in `text`, plus
/// `plus` bytes.
fn at(text: &str, needle: &str, nth: usize, plus: usize) -> TestResult<usize> {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .ok_or_else(|| format!("`{needle}` not found"))?;
    Ok(start + plus)
}

/// The text a span covers.
fn slice(session: &Session, span: Span) -> TestResult<String> {
    let file = session.sources().get(span.file).ok_or("span in no file")?;
    let text = file
        .text
        .get(span.start as usize..span.end as usize)
        .ok_or("span out of its file")?;
    Ok(text.to_string())
}

/// The findings on a document: rule id and the text underlined.
fn findings(session: &Session, path: &Path) -> TestResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for p in session.diagnostics(path) {
        if let Problem::Finding(f) = p {
            out.push((f.rule.clone(), slice(session, f.span)?));
        }
    }
    Ok(out)
}

#[test]
fn a_record_document_is_diagnosed_edited_and_answered_by_byte_offset() -> TestResult {
    let dir = tempfile::tempdir()?;
    let root = workspace(dir.path())?;
    let payments = root.join("records/payments.yaml");
    let mut session = Session::default();
    session.initialize(Some(root.clone()));
    assert_eq!(
        session.take_log(),
        vec![format!("workspace root: {}", root.display())]
    );
    session.set_text(&payments, PAYMENTS.to_string());
    session.analyze();

    // The local rule finds the payment with no project, at its payee.
    let found = findings(&session, &payments)?;
    let local: Vec<&(String, String)> = found.iter().filter(|(r, _)| r == "LOCAL-001").collect();
    assert_eq!(
        local,
        vec![&("LOCAL-001".to_string(), "龙潭办公设备有限公司".to_string())],
        "{found:?}"
    );

    // Hovering on the finding explains it.
    let hover = session
        .hover(&payments, at(PAYMENTS, "龙潭办公设备", 0, 3)?)
        .ok_or("no hover on the finding")?;
    assert!(
        hover.contains("**LOCAL-001 支付未登记项目** (warning)"),
        "{hover}"
    );
    assert!(hover.contains("依据：资金管理办法第五条"), "{hover}");
    assert!(hover.contains("建议：在 project 中填写所属项目"), "{hover}");

    // The meeting a step cites is one "go to definition" away.
    let target = session
        .definition(&payments, at(PAYMENTS, "meeting: CJ-DZ", 0, 12)?)
        .ok_or("no definition of the cited meeting")?;
    assert_eq!(
        session.path_of(target.file),
        Some(root.join("records/meetings.yaml").as_path())
    );
    assert_eq!(slice(&session, target)?, "CJ-DZ-2014-05");

    // ...and the meeting's references lead back to the citing step (the
    // meeting and its item).
    let meetings = root.join("records/meetings.yaml");
    let refs = session.references(&meetings, at(MEETINGS, "CJ-DZ-2014-05", 0, 2)?, false);
    let places: Vec<(Option<&Path>, String)> = refs
        .iter()
        .map(|s| Ok((session.path_of(s.file), slice(&session, *s)?)))
        .collect::<TestResult<_>>()?;
    assert_eq!(
        places,
        vec![
            (Some(payments.as_path()), "CJ-DZ-2014-05".to_string()),
            (Some(payments.as_path()), "1".to_string())
        ]
    );

    // An edit registering the project: the finding goes, after analysis.
    let generation = session.generation();
    let edited = PAYMENTS.replace(
        "payee: 龙潭办公设备有限公司\n",
        "payee: 龙潭办公设备有限公司\nproject: 办公设备购置\n",
    );
    session.edit_text(&payments, edited.clone());
    assert!(session.generation() > generation);
    session.analyze_if_changed();
    let after = findings(&session, &payments)?;
    assert!(after.iter().all(|(r, _)| r != "LOCAL-001"), "{after:?}");
    assert_eq!(
        session.hover(&payments, at(&edited, "龙潭办公设备", 0, 3)?),
        None
    );
    // The other findings stand where they were.
    let others = |v: &[(String, String)]| -> Vec<(String, String)> {
        v.iter()
            .filter(|(r, _)| r != "LOCAL-001")
            .cloned()
            .collect()
    };
    assert!(!others(&found).is_empty(), "{found:?}");
    assert_eq!(others(&after), others(&found));

    // Closed, the document is the file on disk again.
    session.close(&payments);
    assert!(session.open_documents().is_empty());
    session.set_text(&payments, PAYMENTS.to_string());
    session.analyze_if_changed();
    assert_eq!(findings(&session, &payments)?, found);
    Ok(())
}

#[test]
fn a_rules_document_answers_by_byte_offset_and_reports_its_errors() -> TestResult {
    let dir = tempfile::tempdir()?;
    let root = workspace(dir.path())?;
    let rules = root.join("rules/local.rules");
    let mut session = Session::default();
    session.initialize(Some(root.clone()));
    session.set_text(&rules, RULES.to_string());
    // A question on a rules document needs the rules compiled, no more.
    session.prepare_for(&rules);
    assert!(session.diagnostics(&rules).is_empty());

    // A parameter used in a rule: its declaration, doc and value.
    let use_at = at(RULES, "where 须登记项目", 0, 7)?;
    let hover = session.hover(&rules, use_at).ok_or("no hover")?;
    assert!(hover.starts_with("```\nparam 须登记项目"), "{hover}");
    assert!(hover.contains("是否要求每笔支付登记所属项目。"), "{hover}");
    assert!(hover.ends_with("value: `是`"), "{hover}");
    let decl = session.definition(&rules, use_at).ok_or("no definition")?;
    assert_eq!(session.path_of(decl.file), Some(rules.as_path()));
    assert_eq!(decl.start as usize, at(RULES, "须登记项目", 0, 0)?);

    // The outline names the parameter and the rule.
    let names: Vec<String> = session
        .symbols(&rules)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        names,
        vec!["须登记项目".to_string(), "LOCAL-001".to_string()]
    );

    // A misspelt name is an error at its place.
    let broken = RULES.replace("where 须登记项目", "where 须登记项");
    session.edit_text(&rules, broken.clone());
    session.compile();
    let errors: Vec<(String, usize)> = session
        .diagnostics(&rules)
        .iter()
        .filter_map(|p| match p {
            Problem::Diagnostic(d) => Some((d.message.clone(), d.span?.start as usize)),
            Problem::Finding(_) => None,
        })
        .collect();
    let place = at(&broken, "须登记项\n", 0, 0)?;
    assert!(
        errors
            .iter()
            .any(|(m, start)| m.contains("`须登记项`") && *start == place),
        "{errors:?}"
    );

    // Formatting gives the whole text back, formatted.
    session.set_text(
        &rules,
        RULES.replace("param 须登记项目 = true", "param   须登记项目 =true"),
    );
    let formatted = session.formatting(&rules).ok_or("nothing to format")?;
    assert!(
        formatted.contains("param 须登记项目 = true\n"),
        "{formatted}"
    );
    Ok(())
}

#[test]
fn with_no_root_the_first_document_chooses_the_folder_of_the_project_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    let root = workspace(dir.path())?;
    let org = root.join("records/org.yaml");
    let mut session = Session::default();
    session.initialize(None);
    assert!(session.take_log().is_empty());
    session.set_text(&org, ORG.to_string());
    let log = session.take_log();
    assert_eq!(
        log,
        vec![format!(
            "no workspace folder from the client; using {} (chosen from {})",
            root.display(),
            org.display()
        )]
    );
    // The whole workspace was loaded: the meeting cited by a payment
    // resolves, though only the organisation's file is open.
    let payments = root.join("records/payments.yaml");
    session.set_text(&payments, PAYMENTS.to_string());
    session.analyze();
    let target = session
        .definition(&payments, at(PAYMENTS, "meeting: CJ-DZ", 0, 12)?)
        .ok_or("no definition")?;
    assert_eq!(slice(&session, target)?, "CJ-DZ-2014-05");
    Ok(())
}

#[test]
fn a_document_from_outside_the_workspace_leaves_it_when_closed() -> TestResult {
    // Not `.tmp…`: a document under a hidden folder is no record at all.
    let dir = tempfile::Builder::new().prefix("session").tempdir()?;
    let root = workspace(&dir.path().join("ws"))?;
    let elsewhere = dir.path().canonicalize()?.join("elsewhere/org.yaml");
    if let Some(parent) = elsewhere.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&elsewhere, ORG)?;
    let org = root.join("records/org.yaml");
    let mut session = Session::default();
    session.initialize(Some(root));
    session.set_text(&org, ORG.to_string());
    session.analyze();
    let alone = findings(&session, &org)?;
    assert!(alone.iter().all(|(rule, _)| rule != "REF-002"), "{alone:?}");

    // The same organisation from outside: while open, it is checked with
    // the workspace, and the id is there twice.
    session.set_text(&elsewhere, ORG.to_string());
    session.analyze();
    let twice: Vec<String> = [&org, &elsewhere]
        .into_iter()
        .map(|p| findings(&session, p))
        .collect::<TestResult<Vec<_>>>()?
        .concat()
        .into_iter()
        .filter(|(rule, _)| rule == "REF-002")
        .map(|(_, text)| text)
        .collect();
    assert_eq!(twice, vec!["chengjian".to_string()]);

    // Closed, it is gone: the workspace's findings are its own again.
    session.close(&elsewhere);
    session.analyze();
    assert_eq!(findings(&session, &org)?, alone);
    assert_eq!(session.open_documents(), vec![org]);
    Ok(())
}

#[test]
fn sibling_rule_files_compile_in_path_order() -> TestResult {
    // Rule files from outside the workspace are compiled with their open
    // siblings: with a name declared in each, "the second" declaration is
    // the same one on every run, whatever order a map keeps them in.
    let dir = tempfile::Builder::new().prefix("session").tempdir()?;
    let root = workspace(&dir.path().join("ws"))?;
    let loose = dir.path().canonicalize()?.join("loose");
    std::fs::create_dir_all(&loose)?;
    let text = "/// 重复声明的参数。\nparam 重复 = 1\n";
    let names: Vec<String> = ('a'..='l').map(|c| format!("{c}.rules")).collect();
    let mut session = Session::default();
    session.initialize(Some(root));
    for name in &names {
        std::fs::write(loose.join(name), text)?;
        session.set_text(&loose.join(name), text.to_string());
    }
    session.compile();
    for name in &names {
        let path = loose.join(name);
        let firsts: Vec<PathBuf> = session
            .diagnostics(&path)
            .iter()
            .filter_map(|p| match p {
                Problem::Diagnostic(d) if d.message.contains("declared twice") => {
                    let first = d.related.first()?;
                    session.path_of(first.span.file).map(Path::to_path_buf)
                }
                _ => None,
            })
            .collect();
        // The document comes last; the first declaration is in the first
        // of the others by path.
        let expected = if name == "a.rules" {
            "b.rules"
        } else {
            "a.rules"
        };
        assert_eq!(firsts, vec![loose.join(expected)], "on {name}");
    }
    Ok(())
}

/// The problems on a document: message and the text underlined.
fn problems(session: &Session, path: &Path) -> TestResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for p in session.diagnostics(path) {
        if let Problem::Diagnostic(d) = p {
            let at = d.span.ok_or("a diagnostic with no place")?;
            out.push((d.message.clone(), slice(session, at)?));
        }
    }
    Ok(out)
}

/// The rule ids of the findings on a document.
fn rule_ids(session: &Session, path: &Path) -> TestResult<Vec<String>> {
    Ok(findings(session, path)?
        .into_iter()
        .map(|(r, _)| r)
        .collect())
}

/// A new copy of [`workspace`] with a session not yet initialised on it,
/// and the paths of its project file and payments file.
struct Opened {
    _dir: tempfile::TempDir,
    root: PathBuf,
    config: PathBuf,
    payments: PathBuf,
    session: Session,
}

fn opened() -> TestResult<Opened> {
    let dir = tempfile::tempdir()?;
    let root = workspace(dir.path())?;
    Ok(Opened {
        config: root.join("sunlight.toml"),
        payments: root.join("records/payments.yaml"),
        root,
        session: Session::default(),
        _dir: dir,
    })
}

/// Whether the workspace's own rule has findings in `payments`.
fn has_local(session: &Session, payments: &Path) -> TestResult<bool> {
    Ok(rule_ids(session, payments)?
        .iter()
        .any(|r| r == "LOCAL-001"))
}

#[test]
fn the_open_project_file_counts_before_it_is_saved() -> TestResult {
    let Opened {
        _dir,
        root,
        config,
        payments,
        mut session,
    } = opened()?;
    session.initialize(Some(root.clone()));
    session.set_text(&payments, PAYMENTS.to_string());
    session.set_text(&config, CONFIG.to_string());
    session.analyze();
    session.take_log();
    let found = rule_ids(&session, &payments)?;
    assert!(found.contains(&"LOCAL-001".to_string()), "{found:?}");
    assert!(session.diagnostics(&config).is_empty());
    let without = |ids: &[String]| -> Vec<String> {
        ids.iter().filter(|r| *r != "LOCAL-001").cloned().collect()
    };

    // Switched off in the editor, not saved: its findings go.
    let disabled = format!("{CONFIG}disable = [\"LOCAL-001\"]\n");
    session.edit_text(&config, disabled.clone());
    session.analyze_if_changed();
    assert_eq!(rule_ids(&session, &payments)?, without(&found));
    assert!(session.diagnostics(&config).is_empty());
    assert_eq!(std::fs::read_to_string(&config)?, CONFIG);
    // Only the rules were compiled again: nothing was read from disk.
    assert!(session.take_log().is_empty());

    // A line half typed does not parse: the error is on the project file
    // at its place, and the findings stay those of the last good text.
    let broken = format!("{CONFIG}disable = [\"LOCAL-001\"\n");
    session.edit_text(&config, broken.clone());
    session.analyze_if_changed();
    let shown = session.diagnostics(&config);
    assert_eq!(shown.len(), 1);
    let Problem::Diagnostic(d) = &shown[0] else {
        return Err("a finding on the project file".into());
    };
    assert!(
        d.message.starts_with("invalid project file:"),
        "{}",
        d.message
    );
    // The parser finds the missing `]` at the end of the line.
    let span = d.span.ok_or("no place")?;
    assert_eq!(span.start as usize, broken.len() - 1);
    assert!(
        d.help
            .as_deref()
            .is_some_and(|h| h.ends_with("the editor keeps the project as it was")),
        "{:?}",
        d.help
    );
    assert_eq!(rule_ids(&session, &payments)?, without(&found));

    // A misspelt key and a rule file that does not exist: each at its
    // place, and still the last good project.
    let wrong = "rules = [\"rules\", \"nowhere.rules\"]\ndisabel = [\"LOCAL-001\"]\n";
    session.edit_text(&config, wrong.to_string());
    session.analyze_if_changed();
    assert_eq!(
        problems(&session, &config)?,
        vec![
            (
                "no such file or folder `nowhere.rules`".to_string(),
                "\"nowhere.rules\"".to_string()
            ),
            (
                "unknown key `disabel` in the project file".to_string(),
                "disabel".to_string()
            ),
        ]
    );
    assert_eq!(rule_ids(&session, &payments)?, without(&found));

    // An id no rule has is a warning at its place, from the text taken.
    let unknown = format!("{CONFIG}disable = [\"LOCAL-00\"]\n");
    session.edit_text(&config, unknown);
    session.analyze_if_changed();
    assert_eq!(
        problems(&session, &config)?,
        vec![(
            "no rule `LOCAL-00` to switch off".to_string(),
            "\"LOCAL-00\"".to_string()
        )]
    );
    assert_eq!(rule_ids(&session, &payments)?, found);

    // Closed unsaved: the file on disk counts again.
    session.edit_text(&config, disabled);
    session.analyze_if_changed();
    assert_eq!(rule_ids(&session, &payments)?, without(&found));
    session.close(&config);
    session.analyze_if_changed();
    assert_eq!(rule_ids(&session, &payments)?, found);
    assert!(session.diagnostics(&config).is_empty());
    Ok(())
}

#[test]
fn an_unsaved_project_file_naming_other_files_loads_the_project_again() -> TestResult {
    let Opened {
        _dir,
        root,
        config,
        payments,
        mut session,
    } = opened()?;
    session.initialize(Some(root.clone()));
    // An unsaved edit of a record stays through the reload.
    let edited = PAYMENTS.replace("project: 城南道路改造工程\n", "");
    session.set_text(&payments, edited);
    session.set_text(&config, CONFIG.to_string());
    session.analyze();
    let local = |s: &Session| -> TestResult<usize> {
        Ok(rule_ids(s, &payments)?
            .iter()
            .filter(|r| *r == "LOCAL-001")
            .count())
    };
    assert_eq!(local(&session)?, 2);

    // No local rules: the project is loaded again without them.
    session.edit_text(&config, "rules = []\n".to_string());
    session.analyze_if_changed();
    assert_eq!(local(&session)?, 0);
    assert!(
        session
            .take_log()
            .iter()
            .any(|l| l.starts_with("project reloaded")),
        "no reload"
    );
    assert!(session.diagnostics(&config).is_empty());

    // A broken text after that keeps the project without them...
    session.edit_text(&config, "rules = [\n".to_string());
    session.analyze_if_changed();
    assert_eq!(local(&session)?, 0);
    assert_eq!(session.diagnostics(&config).len(), 1);

    // ...and closing it returns to the file on disk, edits kept.
    session.close(&config);
    session.analyze_if_changed();
    assert_eq!(local(&session)?, 2);
    Ok(())
}

#[test]
fn a_project_file_not_yet_on_disk_counts_while_open() -> TestResult {
    let Opened {
        _dir,
        root,
        config,
        payments,
        mut session,
    } = opened()?;
    std::fs::remove_file(&config)?;
    session.initialize(Some(root.clone()));
    session.set_text(&payments, PAYMENTS.to_string());
    session.analyze();
    // With no project file the local rules are not read.
    assert!(!has_local(&session, &payments)?);

    // A new project file, not saved yet, names them.
    session.set_text(&config, CONFIG.to_string());
    session.analyze_if_changed();
    assert!(has_local(&session, &payments)?);
    assert!(session.diagnostics(&config).is_empty());

    // Closed unsaved, it never was.
    session.close(&config);
    session.analyze_if_changed();
    assert!(!has_local(&session, &payments)?);
    Ok(())
}

#[test]
fn a_project_file_closed_unsaved_counts_from_disk_through_a_reload() -> TestResult {
    let Opened {
        _dir,
        root,
        config,
        payments,
        mut session,
    } = opened()?;
    session.initialize(Some(root.clone()));
    session.set_text(&payments, PAYMENTS.to_string());
    session.analyze();
    assert!(has_local(&session, &payments)?);
    session.set_text(&config, format!("{CONFIG}disable = [\"LOCAL-001\"]\n"));
    session.analyze_if_changed();
    assert!(!has_local(&session, &payments)?);

    // Closed unsaved, then a reload (a file changed on disk) comes before
    // the next analysis: the file on disk counts.
    session.close(&config);
    session.reload();
    session.analyze_if_changed();
    assert!(
        has_local(&session, &payments)?,
        "the closed, unsaved project file still counts after a reload"
    );
    Ok(())
}

#[test]
fn another_project_file_shows_none_of_the_workspace_project_files_problems() -> TestResult {
    let Opened {
        _dir,
        root,
        config,
        mut session,
        ..
    } = opened()?;
    let nested = root.join("sub/sunlight.toml");
    std::fs::create_dir_all(root.join("sub"))?;
    std::fs::write(&nested, "")?;
    session.initialize(Some(root.clone()));
    session.set_text(&nested, String::new());
    session.set_text(&config, "rules = [\n".to_string());
    session.analyze_if_changed();
    assert_eq!(session.diagnostics(&config).len(), 1);
    assert!(session.diagnostics(&nested).is_empty());
    Ok(())
}
