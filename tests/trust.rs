//! Records are untrusted input (issue #10): what the walk reads and what it
//! refuses, what a broken `sunlight.toml` does to a run, what every report
//! says about the configuration, and the command-line corners around them.
//!
//! Every run is of the real binary, killed after a generous timeout: a hang
//! fails the test, no test asserts how long a run took.

mod process;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

fn fail(msg: impl Into<String>) -> Box<dyn Error> {
    msg.into().into()
}

const BIN: &str = env!("CARGO_BIN_EXE_sunlight");

/// Longest a run may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(120);

/// Address space a run may use (KiB), so that a run that reads without end
/// fails its test instead of taking the machine down.
#[cfg(unix)]
const ADDRESS_SPACE_KB: u64 = 1024 * 1024;

/// The records of one unit (a copy of `examples/longtan-2014/jiaoyu`): 10
/// records, 4 findings with the standard rules.
fn records() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/trust/records")
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> TestResult<serde_json::Value> {
        serde_json::from_str(&self.stdout).map_err(|e| {
            fail(format!(
                "stdout is not JSON ({e}); exit {:?}\nstdout: {}\nstderr: {}",
                self.code, self.stdout, self.stderr
            ))
        })
    }

    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Run `sunlight ARGS` in `dir`, killed after [`HANG`] (and, on Unix, with
/// its address space capped).
fn sunlight(dir: &Path, args: &[&str]) -> TestResult<Run> {
    #[cfg(unix)]
    let mut cmd = {
        let mut c = Command::new("/bin/sh");
        c.arg("-c")
            .arg(format!("ulimit -v {ADDRESS_SPACE_KB}; exec \"$@\""))
            .arg("sh")
            .arg(BIN);
        c
    };
    #[cfg(not(unix))]
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let done = process::wait_bounded(cmd.spawn()?, HANG).map_err(fail)?;
    let Some(status) = done.status else {
        return Err(fail(format!("`sunlight {}` hung: killed", args.join(" "))));
    };
    Ok(Run {
        code: status.code(),
        stdout: done.stdout,
        stderr: done.stderr,
    })
}

/// A temporary folder with a copy of the fixture records under `records/`.
fn workspace() -> TestResult<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    let to = dir.path().join("records");
    std::fs::create_dir(&to)?;
    for e in std::fs::read_dir(records())? {
        let e = e?;
        std::fs::copy(e.path(), to.join(e.file_name()))?;
    }
    Ok(dir)
}

/// The (file, message) of every input error or warning of a JSON report.
fn errors(report: &serde_json::Value) -> Vec<(String, String)> {
    report["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["file"].as_str().unwrap_or("").to_string(),
                        e["message"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn summary(report: &serde_json::Value, key: &str) -> u64 {
    report["summary"][key].as_u64().unwrap_or(u64::MAX)
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) -> TestResult {
    std::os::unix::fs::symlink(target, link)?;
    Ok(())
}

// ================================================================ file policy

#[cfg(unix)]
#[test]
fn a_link_to_dev_zero_is_refused_not_read() -> TestResult {
    let dir = workspace()?;
    symlink("/dev/zero", dir.path().join("records/zero.yaml"))?;
    let run = sunlight(
        dir.path(),
        &["check", "records", "--no-config", "--format", "json"],
    )?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let report = run.json()?;
    let errs = errors(&report);
    assert!(
        errs.iter()
            .any(|(f, m)| f == "records/zero.yaml" && m.contains("outside the paths")),
        "{errs:?}"
    );
    // The other records are still checked.
    assert_eq!(summary(&report, "checked"), 10);
    assert_eq!(summary(&report, "findings"), 4);
    // Given on the command line, it is inside the paths given, and still
    // not read: it is not a regular file.
    let given = run_in_place(dir.path(), "records/zero.yaml")?;
    assert!(
        errors(&given)
            .iter()
            .any(|(f, m)| f == "records/zero.yaml" && m.contains("not a regular file")),
        "{:?}",
        errors(&given)
    );
    Ok(())
}

#[cfg(unix)]
fn run_in_place(dir: &Path, file: &str) -> TestResult<serde_json::Value> {
    let run = sunlight(dir, &["check", file, "--no-config", "--format", "json"])?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    run.json()
}

#[cfg(unix)]
#[test]
fn a_fifo_named_like_a_record_is_never_opened() -> TestResult {
    let dir = workspace()?;
    let made = Command::new("mkfifo")
        .arg(dir.path().join("records/x.yaml"))
        .status()?;
    assert!(made.success(), "mkfifo failed");
    let run = sunlight(
        dir.path(),
        &["check", "records", "--no-config", "--format", "json"],
    )?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let report = run.json()?;
    assert!(
        errors(&report)
            .iter()
            .any(|(f, m)| f == "records/x.yaml" && m.contains("not a regular file")),
        "{:?}",
        errors(&report)
    );
    assert_eq!(summary(&report, "checked"), 10);
    // Named on the command line: refused the same way, not waited on.
    let given = run_in_place(dir.path(), "records/x.yaml")?;
    assert!(
        errors(&given)
            .iter()
            .any(|(_, m)| m.contains("not a regular file")),
        "{:?}",
        errors(&given)
    );
    // As a waiver, baseline or parameter file, or a project file, too.
    std::fs::rename(dir.path().join("records/x.yaml"), dir.path().join("fifo"))?;
    for flag in ["--waivers", "--baseline", "--params", "--config"] {
        let run = sunlight(
            dir.path(),
            &["check", "records", flag, "fifo", "--format", "json"],
        )?;
        assert_eq!(run.code, Some(2), "{flag}: {}", run.stderr);
        let report = run.json()?;
        assert!(
            errors(&report)
                .iter()
                .any(|(f, m)| f == "fifo" && m.contains("not a regular file")),
            "{flag}: {:?}",
            errors(&report)
        );
        assert_eq!(summary(&report, "checked"), 10, "{flag}");
    }
    Ok(())
}

#[cfg(unix)]
#[test]
fn links_back_up_the_tree_read_each_record_once() -> TestResult {
    let dir = workspace()?;
    symlink(".", dir.path().join("records/loop"))?;
    std::fs::create_dir(dir.path().join("records/sub"))?;
    symlink("..", dir.path().join("records/sub/up"))?;
    let run = sunlight(
        dir.path(),
        &["check", "records", "--no-config", "--format", "json"],
    )?;
    let report = run.json()?;
    // Each record once: no duplicate-id errors, the same findings as
    // without the links.
    assert_eq!(summary(&report, "records"), 10, "{}", report["summary"]);
    assert_eq!(summary(&report, "findings"), 4, "{}", report["summary"]);
    let errs = errors(&report);
    assert!(
        errs.iter()
            .any(|(f, m)| f == "records/loop" && m.contains("already read")),
        "{errs:?}"
    );
    // Links back are warnings: the run's outcome is its findings.
    assert_eq!(run.code, Some(1), "{errs:?}");
    Ok(())
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_folder_is_an_error_and_its_content_never_shown() -> TestResult {
    let dir = workspace()?;
    let outside = tempfile::tempdir()?;
    let secret = outside.path().join("secret.yaml");
    std::fs::write(
        &secret,
        "kind: org\nid: SECRET-TOKEN-4711\nname: hunter2-password\nleaders: []\n",
    )?;
    symlink(&secret, dir.path().join("records/env.yaml"))?;
    symlink(outside.path(), dir.path().join("records/elsewhere"))?;
    // A link that stays inside is followed.
    symlink("org.yaml", dir.path().join("records/org-again.yaml"))?;
    for format in ["human", "json", "sarif", "junit", "github"] {
        let run = sunlight(
            dir.path(),
            &["check", "records", "--no-config", "--format", format],
        )?;
        assert_eq!(run.code, Some(2), "{format}: {}", run.stderr);
        let all = run.all();
        for leak in ["SECRET-TOKEN", "hunter2", "secret.yaml"] {
            assert!(!all.contains(leak), "{format} shows `{leak}`:\n{all}");
        }
        assert!(all.contains("records/env.yaml"), "{format}:\n{all}");
        assert!(all.contains("records/elsewhere"), "{format}:\n{all}");
    }
    let report = sunlight(
        dir.path(),
        &["check", "records", "--no-config", "--format", "json"],
    )?
    .json()?;
    let errs = errors(&report);
    assert!(
        errs.iter()
            .any(|(f, m)| f == "records/env.yaml" && m.contains("outside the paths")),
        "{errs:?}"
    );
    // org-again.yaml is org.yaml: read once, no duplicate ids.
    assert_eq!(summary(&report, "records"), 10, "{}", report["summary"]);
    // Given on the command line too, the link's target is inside the paths.
    let both = sunlight(
        dir.path(),
        &[
            "check",
            "records",
            &outside.path().to_string_lossy(),
            "--no-config",
            "--format",
            "json",
        ],
    )?
    .json()?;
    assert!(
        !errors(&both).iter().any(|(f, _)| f == "records/env.yaml"),
        "{:?}",
        errors(&both)
    );
    Ok(())
}

/// `sunlight check records` in `dir`: the human output, the verbose one and
/// the JSON report.
fn three_outputs(dir: &Path) -> TestResult<(String, String, serde_json::Value)> {
    let args = ["check", "records", "--no-config"];
    let human = sunlight(dir, &args)?.stdout;
    let verbose = sunlight(dir, &[&args[..], &["--verbose"]].concat())?.stdout;
    let report = sunlight(dir, &[&args[..], &["--format", "json"]].concat())?.json()?;
    Ok((human, verbose, report))
}

#[test]
fn hidden_and_other_files_are_counted_and_listed_with_verbose() -> TestResult {
    let dir = workspace()?;
    std::fs::create_dir_all(dir.path().join("records/.github/records"))?;
    std::fs::write(
        dir.path().join("records/.github/records/x.yaml"),
        "kind: org\nid: hidden\nname: x\nleaders: []\n",
    )?;
    std::fs::write(dir.path().join("records/notes.md"), "# notes\n")?;
    let (human, verbose, report) = three_outputs(dir.path())?;
    assert!(
        human.contains(
            "skipped: 1 hidden file or folder, 1 file of other extensions (--verbose lists them)\n"
        ),
        "{human}"
    );
    assert!(!human.contains("skipped records/.github"));
    assert!(
        verbose.contains("skipped records/.github (hidden)\n"),
        "{verbose}"
    );
    assert!(
        verbose.contains("skipped records/notes.md (other extension)\n"),
        "{verbose}"
    );
    assert_eq!(summary(&report, "skipped"), 2, "{}", report["summary"]);
    assert_eq!(summary(&report, "records"), 10);
    Ok(())
}

#[test]
fn build_output_folders_are_skipped_like_hidden_ones() -> TestResult {
    let dir = workspace()?;
    std::fs::create_dir_all(dir.path().join("records/target/debug"))?;
    std::fs::write(
        dir.path().join("records/target/debug/x.yaml"),
        "kind: org\nid: built\nname: x\nleaders: []\n",
    )?;
    let (human, verbose, report) = three_outputs(dir.path())?;
    assert!(
        human.contains("skipped: 1 build folder (`target`) (--verbose lists them)\n"),
        "{human}"
    );
    assert!(
        verbose.contains("skipped records/target (build output)\n"),
        "{verbose}"
    );
    assert_eq!(summary(&report, "skipped"), 1, "{}", report["summary"]);
    assert_eq!(summary(&report, "records"), 10);
    Ok(())
}

#[test]
fn upper_case_extensions_are_read() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir(dir.path().join("records"))?;
    for (from, to) in [
        ("org.yaml", "ORG.YAML"),
        ("meetings.yaml", "meetings.Yml"),
        ("disbursements.yaml", "disbursements.YML"),
    ] {
        std::fs::copy(records().join(from), dir.path().join("records").join(to))?;
    }
    std::fs::write(
        dir.path().join("records/extra.JSON"),
        r#"{"kind": "org", "id": "json-org", "name": "x", "leaders": []}"#,
    )?;
    let report = sunlight(
        dir.path(),
        &["check", "records", "--no-config", "--format", "json"],
    )?
    .json()?;
    assert_eq!(summary(&report, "files"), 4, "{}", report["summary"]);
    assert_eq!(summary(&report, "records"), 11, "{}", report["summary"]);
    assert_eq!(summary(&report, "checked"), 11, "{}", report["summary"]);
    Ok(())
}

#[test]
fn a_folder_with_no_record_file_is_an_input_error() -> TestResult {
    let dir = workspace()?;
    std::fs::create_dir_all(dir.path().join("empty/.hidden"))?;
    std::fs::write(dir.path().join("empty/.hidden/a.yaml"), "kind: org\n")?;
    std::fs::write(dir.path().join("empty/readme.txt"), "records go here\n")?;
    let run = sunlight(
        dir.path(),
        &[
            "check",
            "records",
            "empty",
            "--no-config",
            "--format",
            "json",
        ],
    )?;
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    let report = run.json()?;
    assert_eq!(
        errors(&report),
        vec![(
            "empty".to_string(),
            "no record files in this folder".to_string()
        )]
    );
    let help = report["errors"][0]["help"].as_str().unwrap_or("");
    assert!(help.contains("2 skipped here"), "{help}");
    // The records that are there are still checked.
    assert_eq!(summary(&report, "findings"), 4);
    Ok(())
}

#[test]
fn a_rules_folder_with_no_rule_file_is_an_input_error() -> TestResult {
    let dir = workspace()?;
    std::fs::create_dir_all(dir.path().join("typo-rules"))?;
    std::fs::write(dir.path().join("typo-rules/local.rule"), "param 上限 = 3\n")?;
    std::fs::create_dir_all(dir.path().join("empty"))?;
    // Given by a flag, and by the project file.
    let runs = [
        (
            vec![
                "check",
                "records",
                "--no-config",
                "--rules",
                "typo-rules",
                "--format",
                "json",
            ],
            "typo-rules",
        ),
        (vec!["check", "records", "--format", "json"], "empty"),
    ];
    std::fs::write(dir.path().join("sunlight.toml"), "rules = [\"empty\"]\n")?;
    for (args, folder) in runs {
        let run = sunlight(dir.path(), &args)?;
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.all());
        let report = run.json()?;
        let errors = errors(&report);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].0.ends_with(folder), "{errors:?}");
        assert_eq!(errors[0].1, "no rule files in this folder");
        let help = report["errors"][0]["help"].as_str().unwrap_or("");
        assert!(help.contains("*.rules"), "{help}");
        if folder == "typo-rules" {
            assert!(help.contains("found here: local.rule"), "{help}");
        }
        // The records are still checked with the standard rules.
        assert_eq!(summary(&report, "findings"), 4);
    }
    // `sunlight fmt` says the same, with the help; given as `.` or `./`
    // from inside the folder, it is named `.` and what is there is listed.
    let run = sunlight(dir.path(), &["fmt", "typo-rules"])?;
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        run.stderr
            .starts_with("error: typo-rules: no rule files in this folder\n  help: ")
            && run.stderr.contains("found here: local.rule"),
        "{}",
        run.stderr
    );
    for here in [".", "./"] {
        let run = sunlight(&dir.path().join("typo-rules"), &["fmt", here])?;
        assert_eq!(run.code, Some(2), "{}", run.all());
        assert!(
            run.stderr
                .starts_with("error: .: no rule files in this folder\n")
                && run.stderr.contains("found here: local.rule"),
            "{here}: {}",
            run.stderr
        );
    }
    Ok(())
}

/// A folder given inside another given folder holds records, read once:
/// no "no record files" error because the outer walk read them first.
#[test]
fn a_folder_inside_another_given_folder_is_read_once_and_not_empty() -> TestResult {
    let dir = workspace()?;
    // Skipped entries and a link out of the folders are reported once.
    std::fs::write(dir.path().join("records/notes.txt"), "not a record\n")?;
    std::fs::write(dir.path().join("records/.draft.yaml"), "kind: org\n")?;
    #[cfg(unix)]
    symlink("/etc/hostname", dir.path().join("records/outside.yaml"))?;
    let single = sunlight(
        dir.path(),
        &["check", "records", "--no-config", "--format", "json"],
    )?;
    let once = single.json()?;
    for args in [[".", "records"], ["records", "./records"]] {
        let run = sunlight(
            dir.path(),
            &["check", args[0], args[1], "--no-config", "--format", "json"],
        )?;
        let report = run.json()?;
        assert_eq!(errors(&report).len(), errors(&once).len(), "{args:?}");
        assert!(
            errors(&report)
                .iter()
                .all(|(_, m)| !m.contains("no record files"))
        );
        assert_eq!(run.code, single.code, "{args:?}");
        for key in ["files", "records", "findings", "skipped"] {
            assert_eq!(
                summary(&report, key),
                summary(&once, key),
                "{args:?}: {key}"
            );
        }
    }
    Ok(())
}

// ================================================================ project file

/// The workspace with a project file.
fn with_config(toml: &str) -> TestResult<tempfile::TempDir> {
    let dir = workspace()?;
    std::fs::write(dir.path().join("sunlight.toml"), toml)?;
    Ok(dir)
}

#[test]
fn a_broken_project_file_is_an_input_error_and_the_report_is_still_written() -> TestResult {
    let dir = with_config("disable = [\"SZYD-004\"\nrules = 3\n")?;
    let run = sunlight(dir.path(), &["check", "records", "--format", "sarif"])?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let sarif = run.json()?;
    let results = sarif["runs"][0]["results"]
        .as_array()
        .ok_or_else(|| fail("no results"))?;
    // Checked with none of the project file's settings: nothing switched off.
    assert_eq!(results.len(), 4, "{}", run.stdout);
    let notes = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    let loc = &notes[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "sunlight.toml", "{notes}");
    assert_eq!(loc["region"]["startLine"], 2, "{notes}");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("invalid project file"),
        "{notes}"
    );
    // A missing project file given with --config is an input error too.
    let missing = sunlight(
        dir.path(),
        &[
            "check",
            "records",
            "--config",
            "nope.toml",
            "--format",
            "json",
        ],
    )?;
    assert_eq!(missing.code, Some(2));
    let report = missing.json()?;
    assert!(
        errors(&report).iter().any(|(f, _)| f == "nope.toml"),
        "{:?}",
        errors(&report)
    );
    assert_eq!(summary(&report, "findings"), 4);
    Ok(())
}

#[test]
fn a_missing_file_named_by_the_project_file_is_an_error_at_its_place() -> TestResult {
    let dir = with_config("disable = [\"SZYD-004\"]\nrules = [\"nope.rules\"]\n")?;
    let run = sunlight(dir.path(), &["check", "records", "--format", "json"])?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let report = run.json()?;
    let e = &report["errors"][0];
    assert_eq!(e["file"], "sunlight.toml", "{e}");
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(2), Some(10))
    );
    assert!(
        e["message"].as_str().unwrap_or("").contains("`nope.rules`"),
        "{e}"
    );
    // The rest of the project file holds: SZYD-004 is off.
    assert_eq!(report["configuration"]["disabled"][0], "SZYD-004");
    let fired: Vec<&str> = report["findings"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["rule"].as_str()).collect())
        .unwrap_or_default();
    assert!(!fired.contains(&"SZYD-004"), "{fired:?}");
    assert!(!fired.is_empty());
    let human = sunlight(dir.path(), &["check", "records"])?;
    assert!(
        human.stdout.contains("sunlight.toml:2:10"),
        "{}",
        human.stdout
    );
    Ok(())
}

#[test]
fn what_the_configuration_changes_is_in_every_report() -> TestResult {
    let dir = with_config(
        "disable = [\"SZYD-004\"]\nrules = [\"local.rules\"]\nparams = \"params.yaml\"\n",
    )?;
    std::fs::write(dir.path().join("local.rules"), "# nothing yet\n")?;
    std::fs::write(dir.path().join("params.yaml"), "大额资金标准: 50万\n")?;
    let json = sunlight(dir.path(), &["check", "records", "--format", "json"])?.json()?;
    assert_eq!(
        json["configuration"],
        serde_json::json!({
            "project_file": "sunlight.toml",
            "default_rules": true,
            "rules": ["local.rules"],
            "params": "params.yaml",
            "overridden": ["大额资金标准"],
            "disabled": ["SZYD-004"],
        })
    );
    let human = sunlight(dir.path(), &["check", "records"])?.stdout;
    for line in [
        "project file: sunlight.toml\n",
        "rule files added: local.rules\n",
        "parameter file: params.yaml\n",
        "parameters overridden: 大额资金标准\n",
        "rules switched off: SZYD-004\n",
    ] {
        assert!(human.contains(line), "no `{line}` in:\n{human}");
    }
    let sarif = sunlight(dir.path(), &["check", "records", "--format", "sarif"])?.json()?;
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["properties"]["configuration"],
        json["configuration"]
    );
    let junit = sunlight(dir.path(), &["check", "records", "--format", "junit"])?.stdout;
    let doc = roxmltree::Document::parse(&junit)?;
    let props: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("property"))
        .map(|n| {
            (
                n.attribute("name").unwrap_or("").to_string(),
                n.attribute("value").unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        props.contains(&("sunlight.disabled".into(), "SZYD-004".into())),
        "{props:?}"
    );
    assert!(
        props.contains(&("sunlight.overridden".into(), "大额资金标准".into())),
        "{props:?}"
    );
    let github = sunlight(dir.path(), &["check", "records", "--format", "github"])?.stdout;
    assert!(
        github.starts_with("::notice title=sunlight configuration::project file: sunlight.toml%0A"),
        "{github}"
    );
    assert!(github.contains("rules switched off: SZYD-004"), "{github}");
    // --no-default-rules is a change too.
    let bare = sunlight(
        dir.path(),
        &["check", "records", "--no-default-rules", "--format", "json"],
    )?
    .json()?;
    assert_eq!(bare["configuration"]["default_rules"], false);
    Ok(())
}

// ================================================================ command line

#[test]
fn an_unknown_disable_flag_warns_without_a_fake_file() -> TestResult {
    let dir = workspace()?;
    let report = sunlight(
        dir.path(),
        &[
            "check",
            "records",
            "--no-config",
            "--disable",
            "SZYD-00",
            "--format",
            "json",
        ],
    )?
    .json()?;
    let errs = errors(&report);
    assert!(
        errs.iter().all(|(f, _)| f != "--disable"),
        "a file named --disable: {errs:?}"
    );
    assert!(
        errs.contains(&(
            String::new(),
            "`--disable SZYD-00`: no rule `SZYD-00` to switch off".to_string()
        )),
        "{errs:?}"
    );
    // In the project file, it points at its place.
    std::fs::write(dir.path().join("sunlight.toml"), "disable = [\"NOPE-1\"]\n")?;
    let report = sunlight(dir.path(), &["check", "records", "--format", "json"])?.json()?;
    let e = &report["errors"][0];
    assert_eq!(e["file"], "sunlight.toml", "{e}");
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(1), Some(12))
    );
    assert_eq!(e["severity"], "warning");
    Ok(())
}

#[test]
fn explain_without_an_id_lists_the_rules() -> TestResult {
    let dir = tempfile::tempdir()?;
    let run = sunlight(dir.path(), &["explain", "--no-config"])?;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("SZYD-002 "))
        .ok_or_else(|| fail(format!("no SZYD-002 in:\n{}", run.stdout)))?;
    assert!(line.contains("error"), "{line}");
    assert!(run.stdout.contains("sunlight explain RULE-ID"));
    Ok(())
}

#[cfg(unix)]
#[test]
fn fmt_formats_a_linked_rule_file_where_it_is_and_keeps_the_link() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir(dir.path().join("shared"))?;
    std::fs::create_dir(dir.path().join("rules"))?;
    let target = dir.path().join("shared/local.rules");
    std::fs::write(&target, "param   上限 =   3\n")?;
    let link = dir.path().join("rules/local.rules");
    symlink("../shared/local.rules", &link)?;
    // Named, or found in a folder given with its target's folder.
    for args in [&["fmt", "rules/local.rules"][..], &["fmt", "."][..]] {
        std::fs::write(&target, "param   上限 =   3\n")?;
        let run = sunlight(dir.path(), args)?;
        assert_eq!(run.code, Some(0), "{args:?}: {}", run.all());
        assert!(
            std::fs::symlink_metadata(&link)?.file_type().is_symlink(),
            "{args:?}: the link was replaced by a file"
        );
        assert_eq!(
            std::fs::read_to_string(&target)?,
            "param 上限 = 3\n",
            "{args:?}"
        );
    }
    // A link out of the paths given is not followed, even to format.
    let run = sunlight(dir.path(), &["fmt", "rules"])?;
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(run.stderr.contains("rules/local.rules"), "{}", run.stderr);
    Ok(())
}

#[test]
fn output_twice_to_one_file_is_an_error() -> TestResult {
    let dir = workspace()?;
    let run = sunlight(
        dir.path(),
        &[
            "check",
            "records",
            "--no-config",
            "--output",
            "report.json",
            "--output",
            "sarif=./report.json",
        ],
    )?;
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("`--output` names `./report.json` twice"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("report.json").exists());
    Ok(())
}

#[test]
fn output_over_an_input_file_is_an_error_and_writes_nothing() -> TestResult {
    let dir = workspace()?;
    let inputs = [
        (
            "sunlight.toml",
            "rules = [\"local\"]\nparams = \"params.yaml\"\nwaivers = \"waivers.yaml\"\n",
        ),
        ("local/local.rules", "param 上限 = 3\n"),
        ("params.yaml", "大额资金标准: 10万\n"),
        ("waivers.yaml", "waivers: []\n"),
    ];
    std::fs::create_dir(dir.path().join("local"))?;
    for (name, text) in inputs {
        std::fs::write(dir.path().join(name), text)?;
    }
    let cases = [
        ("records/org.yaml", "a record file this run checks"),
        (
            "./records/../records/org.yaml",
            "a record file this run checks",
        ),
        ("sunlight.toml", "the project file of this run"),
        ("local/local.rules", "a rule file of this run"),
        ("params.yaml", "a parameter file of this run"),
        ("waivers.yaml", "the waiver file of this run"),
    ];
    for (target, what) in cases {
        let before = std::fs::read(dir.path().join(target))?;
        let spec = format!("json={target}");
        let run = sunlight(dir.path(), &["check", "records", "--output", &spec])?;
        assert_eq!(run.code, Some(2), "{target}: {}", run.all());
        assert!(
            run.stderr
                .contains(&format!("`--output` names `{target}`, {what}")),
            "{target}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{target}: {}", run.stdout);
        assert_eq!(
            std::fs::read(dir.path().join(target))?,
            before,
            "{target} was written"
        );
    }
    // Through a link, and as the baseline named by a flag.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path().join("params.yaml"), dir.path().join("out.json"))?;
        let run = sunlight(dir.path(), &["check", "records", "--output", "out.json"])?;
        assert_eq!(run.code, Some(2), "{}", run.all());
        assert!(
            run.stderr.contains("a parameter file of this run"),
            "{}",
            run.stderr
        );
    }
    std::fs::write(dir.path().join("old.json"), "{}")?;
    let run = sunlight(
        dir.path(),
        &[
            "check",
            "records",
            "--baseline",
            "old.json",
            "--output",
            "json=old.json",
        ],
    )?;
    assert_eq!(run.code, Some(2), "{}", run.all());
    assert!(
        run.stderr.contains("the baseline of this run"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("old.json"))?, "{}");
    // A new file, or one that is no input, is written.
    std::fs::write(dir.path().join("old.txt"), "x")?;
    let run = sunlight(
        dir.path(),
        &[
            "check",
            "records",
            "--output",
            "report.json",
            "--output",
            "old.txt",
        ],
    )?;
    assert_ne!(run.code, Some(2), "{}", run.all());
    assert!(dir.path().join("report.json").exists());
    assert_ne!(std::fs::read_to_string(dir.path().join("old.txt"))?, "x");
    Ok(())
}

// ================================================================ tests

/// Every `.rs` file under a folder.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> TestResult {
    for e in std::fs::read_dir(dir)? {
        let path = e?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

#[test]
fn no_test_asserts_wall_clock_time_and_ci_runs_every_test() -> TestResult {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("tests"), &mut files)?;
    rust_files(&root.join("src"), &mut files)?;
    let mut problems = Vec::new();
    for f in files {
        if f.ends_with("tests/trust.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&f)?;
        // An elapsed time may only be compared against a hang timeout, to
        // kill the run: `elapsed() > LIMIT`.
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find(".elapsed") {
                let after = &rest[at + ".elapsed".len()..];
                if !after.starts_with("() > ") {
                    problems.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
                rest = after;
            }
        }
    }
    assert!(
        problems.is_empty(),
        "wall-clock assertions:\n{}",
        problems.join("\n")
    );
    let ci = std::fs::read_to_string(root.join(".ci/run"))?;
    assert!(
        ci.lines()
            .any(|l| l.starts_with("cargo test") && l.contains("--no-fail-fast")),
        "{ci}"
    );
    Ok(())
}

#[cfg(unix)]
#[test]
fn rule_tests_under_a_link_back_up_the_tree_end() -> TestResult {
    let dir = tempfile::tempdir()?;
    let case = dir.path().join("cases/clean");
    std::fs::create_dir_all(case.join("records"))?;
    std::fs::write(
        case.join("records/org.yaml"),
        std::fs::read_to_string(records().join("org.yaml"))?,
    )?;
    std::fs::write(
        case.join("expected.yaml"),
        "findings:\n  - {rule: WBZG-001, record: jiaoyu}\n  - {rule: WBZG-002, record: jiaoyu}\n",
    )?;
    symlink(".", dir.path().join("cases/loop"))?;
    let run = sunlight(dir.path(), &["test", "cases", "--no-config"])?;
    // The one case, once: not again under loop/, loop/loop/ …
    assert_eq!(run.code, Some(0), "{}", run.all());
    assert!(run.stdout.starts_with("ok     clean\n"), "{}", run.all());
    assert!(
        run.stdout.contains("\n1 passed, 0 failed\n"),
        "{}",
        run.all()
    );
    Ok(())
}

#[test]
fn a_bad_setting_in_the_project_file_spoils_only_itself() -> TestResult {
    let dir = with_config("disabel = [\"X\"]\ndisable = [\"SZYD-004\"]\ndefault_rules = \"no\"\n")?;
    let run = sunlight(dir.path(), &["check", "records", "--format", "json"])?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let report = run.json()?;
    let places: Vec<(String, u64, u64, String)> = report["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["file"].as_str().unwrap_or("").to_string(),
                        e["line"].as_u64().unwrap_or(0),
                        e["column"].as_u64().unwrap_or(0),
                        e["message"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        places,
        vec![
            (
                "sunlight.toml".to_string(),
                1,
                1,
                "unknown key `disabel` in the project file".to_string()
            ),
            (
                "sunlight.toml".to_string(),
                3,
                17,
                "`default_rules` must be `true` or `false`".to_string()
            ),
        ]
    );
    assert_eq!(report["errors"][0]["help"], "did you mean `disable`?");
    // The good setting holds.
    assert_eq!(report["configuration"]["disabled"][0], "SZYD-004");
    assert_eq!(report["configuration"]["default_rules"], true);
    Ok(())
}
