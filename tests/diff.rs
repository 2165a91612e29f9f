//! `sunlight diff` on the example locality `examples/validity-2015`:
//! before = the standard rules (20万 on every date), after = the county's
//! dated change.

use std::path::{Path, PathBuf};
use std::process::Command;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/validity-2015")
}

fn diff(args: &[&str]) -> Result<(Option<i32>, String), Box<dyn std::error::Error>> {
    let (code, out, _) = diff_both(args)?;
    Ok((code, out))
}

/// (rule, record, line) of a list of diff items.
fn items(v: &serde_json::Value) -> Vec<(String, String, u64)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    (
                        i["rule"].as_str().unwrap_or("").to_string(),
                        i["record"].as_str().unwrap_or("").to_string(),
                        i["line"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_dated_threshold_flips_the_2015_verdicts_only() -> TestResult {
    let (code, out) = diff(&[
        "--before",
        "before.toml",
        "--after",
        "sunlight.toml",
        "--format",
        "json",
        "records",
    ])?;
    assert_eq!(code, Some(1), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out)?;
    let rules: Vec<&str> = v["rules"]
        .as_array()
        .ok_or("no rules")?
        .iter()
        .filter_map(|r| r["rule"].as_str())
        .collect();
    assert_eq!(rules, ["QS-001", "SZYD-012", "ZJBF-001", "ZJBF-008"]);
    let rule = |id: &str| {
        v["rules"]
            .as_array()
            .and_then(|a| a.iter().find(|r| r["rule"] == id))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        items(&rule("QS-001")["appeared"]),
        [("QS-001".into(), "QS-DZ-2015-01-01".into(), 47)]
    );
    assert_eq!(
        rule("QS-001")["appeared"][0]["rule_version"],
        "2015-01-01.."
    );
    assert_eq!(
        items(&rule("SZYD-012")["disappeared"]),
        [("SZYD-012".into(), "QS-DZ-2015-01-01".into(), 39)]
    );
    assert_eq!(
        items(&rule("ZJBF-001")["disappeared"]),
        [("ZJBF-001".into(), "CZ-2015-0101-001".into(), 21)]
    );
    // The 2014 payment of the pair keeps its finding; the 2015 one loses it.
    assert_eq!(
        items(&rule("ZJBF-008")["disappeared"]),
        [("ZJBF-008".into(), "CZ-2015-0105-001".into(), 45)]
    );
    assert_eq!(rule("ZJBF-008")["count"]["disappeared"], 1);
    assert_eq!(v["units"][0]["unit"], "qingshui");
    assert_eq!(v["units"][0]["appeared"], 1);
    assert_eq!(v["units"][0]["disappeared"], 3);
    assert_eq!(
        v["summary"],
        serde_json::json!({"before": 6, "after": 4, "appeared": 1, "disappeared": 3, "changed": 0})
    );
    Ok(())
}

#[test]
fn a_message_that_changes_is_listed_with_both_texts() -> TestResult {
    let dir = std::env::temp_dir().join(format!("sunlight-diff-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("params.yaml"), "大额资金标准: 25万\n")?;
    let after = dir.join("after.toml");
    std::fs::write(&after, "params = \"params.yaml\"\n")?;
    let after = after.to_string_lossy().to_string();
    let (code, out) = diff(&[
        "--before",
        "before.toml",
        "--after",
        &after,
        "--format",
        "json",
        "records",
    ])?;
    std::fs::remove_dir_all(&dir)?;
    assert_eq!(code, Some(1), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out)?;
    let szyd = v["rules"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["rule"] == "SZYD-012"))
        .ok_or("no SZYD-012")?;
    assert_eq!(szyd["count"]["changed"], 2);
    let changed = &szyd["changed"][0];
    assert!(
        changed["before"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("200000"))
    );
    assert!(
        changed["after"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("250000"))
    );
    Ok(())
}

#[test]
fn nothing_changes_exits_zero() -> TestResult {
    let (code, out) = diff(&[
        "--before",
        "sunlight.toml",
        "--after",
        "sunlight.toml",
        "records",
    ])?;
    assert_eq!(code, Some(0));
    assert_eq!(out, "no finding changes (4 before, 4 after)\n");
    Ok(())
}

/// `--before-rev HEAD`: the committed rules against the rules as edited.
#[test]
fn before_rev_takes_the_before_side_from_git() -> TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    std::fs::create_dir_all(root.join("records"))?;
    std::fs::create_dir_all(root.join("rules"))?;
    for f in [
        "sunlight.toml",
        "rules/qingshui.rules",
        "records/org.yaml",
        "records/meetings.yaml",
        "records/disbursements.yaml",
    ] {
        std::fs::copy(example().join(f), root.join(f))?;
    }
    let git = |args: &[&str]| -> TestResult {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(root)
            .output()?;
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    };
    git(&["init", "-q"])?;
    git(&["add", "."])?;
    git(&["commit", "-qm", "rules"])?;
    let rules = root.join("rules/qingshui.rules");
    let edited = std::fs::read_to_string(&rules)?.replace(
        "set 大额资金标准 = 50万 effective 2015-01-01",
        "set 大额资金标准 = 25万 effective 2015-01-01",
    );
    std::fs::write(&rules, edited)?;
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args([
            "diff",
            "--before-rev",
            "HEAD",
            "--after",
            "sunlight.toml",
            "--format",
            "json",
            "records",
        ])
        .current_dir(root)
        .output()?;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let appeared: Vec<(String, String, u64)> = v["rules"]
        .as_array()
        .ok_or("no rules")?
        .iter()
        .flat_map(|r| items(&r["appeared"]))
        .collect();
    assert_eq!(
        appeared,
        [
            ("SZYD-012".into(), "QS-DZ-2015-01-01".into(), 39),
            ("ZJBF-001".into(), "CZ-2015-0101-001".into(), 21),
        ]
    );
    assert_eq!(v["summary"]["disappeared"], 0);
    Ok(())
}

#[test]
fn a_rule_file_that_cannot_be_read_exits_two() -> TestResult {
    let dir = tempfile::tempdir()?;
    let before = dir.path().join("before.toml");
    std::fs::write(&before, "rules = [\"missing.rules\"]\n")?;
    let before = before.to_string_lossy().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args([
            "diff",
            "--before",
            &before,
            "--after",
            "sunlight.toml",
            "records",
        ])
        .current_dir(example())
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)?.contains("missing.rules"));
    Ok(())
}

/// Stdout, stderr and exit code of `sunlight diff ARGS` in the example.
fn diff_both(args: &[&str]) -> Result<(Option<i32>, String, String), Box<dyn std::error::Error>> {
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .arg("diff")
        .args(args)
        .current_dir(example())
        .output()?;
    Ok((
        out.status.code(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

#[test]
fn no_before_side_names_both_ways_to_give_one() -> TestResult {
    let (code, out, err) = diff_both(&["--after", "sunlight.toml", "records"])?;
    assert_eq!(code, Some(2));
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("give `--before FILE` or `--before-rev REV`"),
        "{err}"
    );
    Ok(())
}

#[test]
fn a_missing_configuration_is_one_error_without_an_empty_help() -> TestResult {
    let (code, _, err) = diff_both(&[
        "--before",
        "nope.toml",
        "--after",
        "sunlight.toml",
        "records",
    ])?;
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: nope.toml: cannot read file"),
        "{err}"
    );
    assert!(
        !err.contains("help: \n") && !err.trim_end().ends_with("help:"),
        "{err}"
    );
    Ok(())
}

/// A problem both runs meet (a records path that does not exist) is told
/// once, and no "no finding changes" reads as a comparison made.
#[test]
fn a_problem_both_sides_meet_is_told_once_and_nothing_is_compared() -> TestResult {
    let (code, out, err) = diff_both(&[
        "--before",
        "before.toml",
        "--after",
        "sunlight.toml",
        "no-such-folder",
    ])?;
    assert_eq!(code, Some(2));
    assert_eq!(err.matches("no-such-folder").count(), 1, "{err}");
    assert!(err.contains("help: check the path"), "{err}");
    assert!(out.is_empty(), "{out}");
    Ok(())
}
