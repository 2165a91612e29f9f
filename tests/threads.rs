//! `--threads`: the output of `sunlight check` is byte for byte the same
//! whatever the number of threads, in every format, on the examples, the
//! acceptance cases and a corpus large enough that rules are cut into
//! chunks evaluated on different threads.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

const FORMATS: [&str; 4] = ["json", "sarif", "human", "junit"];

/// Stdout and exit code of `sunlight check PATH --format FORMAT --threads N`.
fn check(path: &Path, format: &str, threads: usize) -> TestResult<(Vec<u8>, Option<i32>)> {
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args([
            "check",
            "--no-config",
            "--color",
            "never",
            "--format",
            format,
        ])
        .arg("--threads")
        .arg(threads.to_string())
        .arg(path)
        .output()?;
    Ok((out.stdout, out.status.code()))
}

fn same_for_every_thread_count(path: &Path) -> TestResult {
    for format in FORMATS {
        let one = check(path, format, 1)?;
        assert!(!one.0.is_empty(), "{}: no {format} output", path.display());
        for threads in [2, 4] {
            let many = check(path, format, threads)?;
            assert!(
                one == many,
                "{}: --format {format} differs between --threads 1 and --threads {threads}",
                path.display()
            );
        }
    }
    Ok(())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn examples_are_reported_identically_on_any_number_of_threads() -> TestResult {
    same_for_every_thread_count(&root().join("examples/longtan-2014"))
}

#[test]
fn acceptance_cases_are_reported_identically_on_any_number_of_threads() -> TestResult {
    let dir = root().join("tests/fixtures/acceptance");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path().join("records")))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 7, "acceptance cases not found");
    for case in cases {
        same_for_every_thread_count(&case)?;
    }
    Ok(())
}

/// Forty copies of the examples (their approval records once): thousands
/// of records per kind (rules are evaluated in several chunks), every id
/// repeated (REF-002 and its related locations across files), findings
/// from every copy.
#[test]
fn a_large_corpus_with_repeated_ids_is_reported_identically() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let examples = root().join("examples/longtan-2014");
    let mut units: Vec<PathBuf> = std::fs::read_dir(&examples)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    units.sort();
    for copy in 0..40 {
        for unit in &units {
            let name = unit.file_name().ok_or("unit without a name")?;
            let dest = tmp.path().join(format!("c{copy:02}")).join(name);
            std::fs::create_dir_all(&dest)?;
            for f in std::fs::read_dir(unit)? {
                let f = f?.path();
                // The approval records (thousands per unit) once: they
                // would make forty copies slow in a debug build.
                let approvals = f
                    .file_name()
                    .is_some_and(|n| n == "applications.yaml" || n == "powers.yaml");
                if copy > 0 && approvals {
                    continue;
                }
                if let Some(file) = f.file_name() {
                    std::fs::copy(&f, dest.join(file))?;
                }
            }
        }
    }
    let (json, _) = check(tmp.path(), "json", 1)?;
    let report: serde_json::Value = serde_json::from_slice(&json)?;
    let checked = report["summary"]["checked"].as_u64().unwrap_or(0);
    assert!(checked > 2000, "only {checked} records checked");
    same_for_every_thread_count(tmp.path())
}

/// Progress is shown only on a terminal: with standard error piped, a
/// clean run writes nothing there.
#[test]
fn no_progress_when_stderr_is_not_a_terminal() -> TestResult {
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .args(["check", "--no-config", "--format", "json", "--threads", "2"])
        .arg(root().join("examples/longtan-2014"))
        .output()?;
    assert!(!out.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    Ok(())
}

/// A thread count of none, or far beyond any machine's cores (a mistyped
/// number), is refused at once with the range to give, and nothing runs.
#[test]
fn a_thread_count_out_of_range_is_refused_with_the_range() -> TestResult {
    for (threads, problem) in [
        ("0", "at least one thread is needed"),
        ("257", "too many threads"),
        ("100000", "too many threads"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
            .args(["check", "--no-config", "--threads", threads])
            .arg(root().join("examples/longtan-2014"))
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--threads {threads}: {stderr}");
        assert!(out.stdout.is_empty(), "--threads {threads}");
        assert!(
            stderr.starts_with(&format!("error: `--threads {threads}`: {problem}\n"))
                && stderr.contains("give 1 to 256, or leave --threads out"),
            "--threads {threads}: {stderr}"
        );
    }
    // The largest count accepted runs, with the same output as one thread.
    let path = root().join("examples/longtan-2014");
    assert_eq!(check(&path, "json", 256)?, check(&path, "json", 1)?);
    Ok(())
}

/// `group`, `filter` and `map` over thousands of records share their
/// elements out among the threads: the findings, and the error of a key
/// function that fails on some elements, are those of one pass.
#[test]
fn long_lists_are_evaluated_alike_on_any_number_of_threads() -> TestResult {
    let tmp = tempfile::tempdir()?;
    let rules = tmp.path().join("box.rules");
    std::fs::write(
        &rules,
        "kind box {\n  n: whole\n  tag: text\n}\n\n\
         rule T-001 \"同组\" {\n  severity warning\n  for b in box\n  \
         let 同组 = get(group(records(box), x => x.tag, x => 100 / x.n), b.tag, 100 / b.n)\n  \
         let 大 = filter(records(box), x => x.n > 5)\n  \
         let 名 = map(records(box), x => x.tag)\n  \
         require count(同组) < 2\n  \
         message \"{b.id}: {count(同组)} {count(大)} {count(名)} {first(同组).id}\"\n}\n",
    )?;
    let boxes = |zero: &[usize]| -> String {
        (0..3000)
            .map(|i| {
                let n = if zero.contains(&i) { 0 } else { i % 7 + 1 };
                format!("kind: box\nid: B-{i:04}\nn: {n}\ntag: t{}\n", i % 50)
            })
            .collect::<Vec<_>>()
            .join("---\n")
    };
    for (name, zero) in [("whole", &[][..]), ("failing", &[1700, 2900][..])] {
        let records = tmp.path().join(name);
        std::fs::create_dir_all(&records)?;
        std::fs::write(records.join("boxes.yaml"), boxes(zero))?;
        let run = |threads: usize| -> TestResult<Vec<u8>> {
            let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
                .args([
                    "check",
                    "--no-config",
                    "--no-default-rules",
                    "--format",
                    "json",
                ])
                .arg("--rules")
                .arg(&rules)
                .arg("--threads")
                .arg(threads.to_string())
                .arg(&records)
                .output()?;
            Ok(out.stdout)
        };
        let one = run(1)?;
        let report: serde_json::Value = serde_json::from_slice(&one)?;
        if zero.is_empty() {
            let findings = report["findings"].as_array().map_or(0, Vec::len);
            assert_eq!(findings, 3000, "{report}");
        } else {
            let errors = report["errors"].to_string();
            assert!(errors.contains("division by zero"), "{errors}");
        }
        for threads in [2, 4] {
            assert!(
                one == run(threads)?,
                "{name}: the report differs between --threads 1 and --threads {threads}"
            );
        }
    }
    Ok(())
}
