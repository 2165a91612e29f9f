//! `sunlight check --verify`: a JSON report records its inputs, and the run
//! again says whether it is reproduced.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/validity-2015")
}

fn sunlight(dir: &Path, args: &[&str]) -> Result<Output, std::io::Error> {
    Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args(args)
        .current_dir(dir)
        .output()
}

/// `sunlight check records` in `dir` as of 2016-03-01, reporting JSON,
/// with `extra` options.
fn check_json(dir: &Path, extra: &[&str]) -> Result<Output, std::io::Error> {
    let mut args = vec!["check", "--format", "json", "--today", "2016-03-01"];
    args.extend_from_slice(extra);
    args.push("records");
    sunlight(dir, &args)
}

/// The files named in a list of a report's inputs.
fn files_of(list: &serde_json::Value) -> Result<Vec<&str>, &'static str> {
    Ok(list
        .as_array()
        .ok_or("not a list of files")?
        .iter()
        .filter_map(|r| r["file"].as_str())
        .collect())
}

/// A copy of the example locality in a temporary folder, with a report.
fn setup() -> Result<(tempfile::TempDir, PathBuf), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let src = example();
    std::fs::create_dir_all(dir.path().join("records"))?;
    std::fs::create_dir_all(dir.path().join("rules"))?;
    for f in [
        "sunlight.toml",
        "rules/qingshui.rules",
        "records/org.yaml",
        "records/meetings.yaml",
        "records/disbursements.yaml",
    ] {
        std::fs::copy(src.join(f), dir.path().join(f))?;
    }
    let out = check_json(dir.path(), &[])?;
    assert_eq!(out.status.code(), Some(1));
    let report = dir.path().join("report.json");
    std::fs::write(&report, &out.stdout)?;
    Ok((dir, report))
}

#[test]
fn the_report_records_the_hashes_of_its_inputs_and_the_run_date() -> TestResult {
    let (dir, report) = setup()?;
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&report)?)?;
    let inputs = &v["inputs"];
    assert_eq!(inputs["today"], "2016-03-01");
    let records = files_of(&inputs["records"])?;
    assert_eq!(
        records,
        [
            "records/disbursements.yaml",
            "records/meetings.yaml",
            "records/org.yaml"
        ]
    );
    let org = std::fs::read_to_string(dir.path().join("records/org.yaml"))?;
    assert_eq!(
        inputs["records"][2]["sha256"],
        sunlight::replay::sha256_hex(&org)
    );
    let rules = files_of(&inputs["rules"])?;
    assert!(rules.contains(&"<sunlight>/rules/schema.rules"));
    assert!(
        rules.iter().any(|r| r.ends_with("qingshui.rules")),
        "{rules:?}"
    );
    Ok(())
}

/// A record file that could not be read is no input of the report; one
/// that is not UTF-8 was read, and is one, kept with its bad bytes shown
/// as U+FFFD so that its error has a line and column.
#[test]
fn files_that_could_not_be_read_are_not_among_the_inputs() -> TestResult {
    let (dir, _) = setup()?;
    let records = dir.path().join("records");
    std::fs::write(records.join("latin1.yaml"), b"kind: org\nname: caf\xe9\n")?;
    // Found by the walk, refused when read: larger than the limit.
    std::fs::write(records.join("big.yaml"), "# 大\n".repeat(1000))?;
    let out = check_json(dir.path(), &["--max-file-size", "4000"])?;
    assert_eq!(out.status.code(), Some(2), "input errors fail the run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let inputs = files_of(&v["inputs"]["records"])?;
    assert_eq!(
        inputs,
        [
            "records/disbursements.yaml",
            "records/latin1.yaml",
            "records/meetings.yaml",
            "records/org.yaml"
        ]
    );
    assert_eq!(
        v["inputs"]["records"][1]["sha256"],
        sunlight::replay::sha256_hex("kind: org\nname: caf\u{fffd}\n")
    );
    let errors: Vec<(&str, &str, Option<u64>, Option<u64>)> = v["errors"]
        .as_array()
        .ok_or("no errors")?
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap_or(""),
                e["message"].as_str().unwrap_or(""),
                e["line"].as_u64(),
                e["column"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (
                "records/big.yaml",
                "file is 6000 bytes, more than the limit of 4000 bytes",
                None,
                None
            ),
            (
                "records/latin1.yaml",
                "file is not valid UTF-8 (invalid byte at offset 19)",
                Some(2),
                Some(10)
            )
        ]
    );
    Ok(())
}

#[test]
fn the_same_inputs_reproduce_the_report() -> TestResult {
    let (dir, report) = setup()?;
    let report = report.to_string_lossy().to_string();
    let out = sunlight(dir.path(), &["check", "--verify", &report, "records"])?;
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)?.starts_with("reproduced: "));
    Ok(())
}

#[test]
fn a_changed_record_says_what_differs() -> TestResult {
    let (dir, report) = setup()?;
    let meetings = dir.path().join("records/meetings.yaml");
    let text = std::fs::read_to_string(&meetings)?.replacen("amount: 300000", "amount: 150000", 1);
    std::fs::write(&meetings, text)?;
    let report = report.to_string_lossy().to_string();
    let out = sunlight(dir.path(), &["check", "--verify", &report, "records"])?;
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout)?;
    assert!(text.starts_with("not reproduced: "), "{text}");
    assert!(
        text.contains("records file `records/meetings.yaml` changed\n"),
        "{text}"
    );
    assert!(
        text.contains("- finding only in the report: SZYD-012 on meeting QS-DZ-2014-12-31 at records/meetings.yaml:15:"),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_report_without_inputs_is_refused() -> TestResult {
    let (dir, report) = setup()?;
    std::fs::write(&report, "{\"version\": 1, \"findings\": []}")?;
    let report = report.to_string_lossy().to_string();
    let out = sunlight(dir.path(), &["check", "--verify", &report, "records"])?;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)?.contains("records no inputs"));
    Ok(())
}

/// The report to verify is read like every other input: a special file is
/// refused at once, never read without end.
#[cfg(unix)]
#[test]
fn a_report_that_is_not_a_regular_file_is_refused() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("org.yaml"),
        "kind: org\nid: a\nname: 甲\nleaders: []\n",
    )?;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args(["check", ".", "--no-config", "--verify", "/dev/zero"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    // A generous bound on a hang; no assertion on time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if std::time::Instant::now() > deadline {
            child.kill()?;
            return Err("`--verify /dev/zero` did not end".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(2));
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut err)?;
    }
    assert!(err.contains("/dev/zero"), "{err}");
    Ok(())
}
