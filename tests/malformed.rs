//! Malformed input (issue #6: nothing crashes, nothing is lost, everything
//! is bounded).
//!
//! Every file in `tests/fixtures/malformed/` is run through the real binary
//! and must do what `expected.yaml` there says: the exit code, an error
//! message at a line and column (in the JSON `errors` and as `file:line:col`
//! in the human output), and summary counts that add up. No output may show
//! a panic, a Rust debug dump or raw control characters, and no input file
//! may change. The limits tests below bound the memory hostile input may
//! cost; time is bounded only by a generous hang timeout (timings live in
//! `benches/`), so that a busy machine never fails a test.

use std::collections::BTreeMap;
mod process;

use std::error::Error;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

type TestResult<T = ()> = Result<T, Box<dyn Error>>;

fn fail(msg: impl Into<String>) -> Box<dyn Error> {
    msg.into().into()
}

const BIN: &str = env!("CARGO_BIN_EXE_sunlight");

/// Longest a single run may take before it counts as a hang: generous, so
/// that a busy machine never fails a test; no test asserts a shorter time.
const HANG: Duration = Duration::from_secs(120);

/// Address space a run may use (KiB): hostile input must not take the
/// machine down with it while its test fails. Address space, not memory:
/// the allocator reserves it in large pieces, and a realloc of a large
/// block holds both blocks for a moment (a 250 KB parameter list parses
/// into an 80 MiB token queue). The tests that bound memory measure the
/// peak resident size.
const ADDRESS_SPACE_KB: u64 = 1024 * 1024;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/malformed")
}

// ================================================================ running

/// What one run of the binary produced.
#[derive(Debug)]
struct Run {
    /// Exit code; `None` when a signal ended it (a crash).
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Peak resident memory in KiB, when measured.
    peak_kb: Option<u64>,
}

impl Run {
    fn json(&self) -> TestResult<serde_json::Value> {
        serde_json::from_str(&self.stdout).map_err(|e| {
            fail(format!(
                "stdout is not JSON ({e}); exit {:?}\nstdout: {}\nstderr: {}",
                self.code,
                clip(&self.stdout),
                clip(&self.stderr)
            ))
        })
    }
}

fn clip(s: &str) -> String {
    if s.chars().count() <= 2000 {
        s.to_string()
    } else {
        format!(
            "{}… ({} bytes)",
            s.chars().take(2000).collect::<String>(),
            s.len()
        )
    }
}

/// Wait for a child, killing it after `limit`.
fn wait(child: Child, limit: Duration) -> TestResult<(Option<i32>, String, String)> {
    let done = process::wait_bounded(child, limit).map_err(fail)?;
    match done.status {
        Some(status) => Ok((status.code(), done.stdout, done.stderr)),
        None => Err(fail(format!("the run took longer than {limit:?}: killed"))),
    }
}

/// Run `sunlight ARGS` in `dir` with a time limit, an address-space cap and
/// no project file; peak memory is measured with `/usr/bin/time` where it is
/// installed.
fn run_in(dir: &Path, args: &[&str]) -> TestResult<Run> {
    let time = Path::new("/usr/bin/time");
    let measured = time.is_file();
    let mut script = format!("ulimit -v {ADDRESS_SPACE_KB}; exec ");
    if measured {
        // The peak RSS goes to its own file so that stderr stays the
        // program's own.
        script.push_str("/usr/bin/time -q -f %M -o \"$SUNLIGHT_TEST_RSS\" ");
    }
    script.push_str("\"$@\"");
    let rss_file = tempfile::NamedTempFile::new()?;
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(&script)
        .arg("sh")
        .arg(BIN)
        .args(args)
        .arg("--no-config")
        .env("SUNLIGHT_TEST_RSS", rss_file.path())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LOG")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (code, stdout, stderr) = wait(cmd.spawn()?, HANG)?;
    let peak_kb = if measured {
        std::fs::read_to_string(rss_file.path())?
            .lines()
            .filter_map(|l| l.trim().parse::<u64>().ok())
            .next_back()
    } else {
        None
    };
    // `time` reports a program killed by a signal as exit status 128+N.
    let code = match code {
        Some(c) if measured && c > 128 => None,
        c => c,
    };
    Ok(Run {
        code,
        stdout,
        stderr,
        peak_kb,
    })
}

// ================================================================ output checks

/// Signs of a crash or of internals leaking into what users read.
fn leaks(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for needle in [
        "panicked",
        "RUST_BACKTRACE",
        "stack overflow",
        "Span {",
        "FileId(",
    ] {
        if text.contains(needle) {
            found.push(format!("contains `{needle}`"));
        }
    }
    if let Some(d) = debug_struct(text) {
        found.push(format!("contains a debug dump `{d}`"));
    }
    found
}

/// A `Name { field: …` pattern, the shape of `{:?}` output of a struct.
fn debug_struct(text: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find(" { ")) {
        let at = from + i;
        from = at + 3;
        let before = text.get(..at).unwrap_or("");
        let name: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let after = text.get(at + 3..).unwrap_or("");
        let field: String = after
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
            .collect();
        let named_type = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        if named_type && !field.is_empty() && after.get(field.len()..)?.starts_with(": ") {
            return Some(format!("{name} {{ {field}: …"));
        }
    }
    None
}

/// Control characters that would reach a terminal: anything below U+0020
/// but tab and line feed, DEL and the C1 controls.
fn control_chars(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        line.chars()
            .find(|c| (c.is_control() && *c != '\t') || *c == '\u{7f}')
            .map(|c| format!("U+{:04X} in line `{}`", c as u32, line.escape_debug()))
    })
}

// ================================================================ the manifest

/// One entry of `expected.yaml`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    exit: i32,
    message: Option<String>,
    line: Option<u64>,
    column: Option<u64>,
    records: Option<u64>,
    checked: Option<u64>,
    rejected: Option<u64>,
    about: String,
}

fn manifest() -> TestResult<BTreeMap<String, Expect>> {
    let text = std::fs::read_to_string(fixtures().join("expected.yaml"))?;
    Ok(serde_yaml::from_str(&text)?)
}

/// What kind of input a fixture is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    Records,
    Rules,
    Params,
}

fn input_of(name: &str) -> Input {
    if name.starts_with("params-") {
        Input::Params
    } else if name.ends_with(".rules") {
        Input::Rules
    } else {
        Input::Records
    }
}

/// A record no standard rule faults, for runs that try rule and parameter
/// files: a run must read a record to pass.
const CLEAN_RECORD: &str = "kind: org\nid: o\nname: 某局\nleaders:\n  - {name: 甲, principal: true, manages: [全面工作]}\n  - {name: 乙, manages: [财务, 人事, 物资采购, 工程招投标, 行政审批]}\n";

/// Hashes of every file in a folder (name → (length, hash)).
fn snapshot(dir: &Path) -> TestResult<BTreeMap<String, (usize, u64)>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let bytes = std::fs::read(entry.path())?;
        let mut h = DefaultHasher::new();
        bytes.hash(&mut h);
        out.insert(
            entry.file_name().to_string_lossy().into_owned(),
            (bytes.len(), h.finish()),
        );
    }
    Ok(out)
}

/// Check one fixture; the problems found, empty when it behaves.
fn check_fixture(name: &str, expect: &Expect, clean: &Path) -> TestResult<Vec<String>> {
    let mut problems = Vec::new();
    let clean = clean.to_string_lossy().into_owned();
    let target: Vec<&str> = match input_of(name) {
        Input::Records => vec!["check", name],
        Input::Rules => vec!["check", &clean, "--rules", name],
        Input::Params => vec!["check", &clean, "--params", name],
    };
    let dir = fixtures();
    let mut json_args = target.clone();
    json_args.extend(["--format", "json"]);
    let mut human_args = target.clone();
    human_args.extend(["--format", "human", "--color", "never"]);

    let json_run = run_in(&dir, &json_args)?;
    let human_run = run_in(&dir, &human_args)?;
    for (what, run) in [("json", &json_run), ("human", &human_run)] {
        if run.code != Some(expect.exit) {
            problems.push(format!(
                "{what}: exit {:?}, want {}; stderr: {}",
                run.code,
                expect.exit,
                clip(&run.stderr)
            ));
        }
        for text in [&run.stdout, &run.stderr] {
            for leak in leaks(text) {
                problems.push(format!("{what} output {leak}"));
            }
        }
    }
    if let Some(c) = control_chars(&human_run.stdout) {
        problems.push(format!("human output has a control character: {c}"));
    }
    if json_run.code.is_none() {
        // A crash: nothing else to look at.
        return Ok(problems);
    }
    let report = match json_run.json() {
        Ok(r) => r,
        Err(e) => {
            problems.push(e.to_string());
            return Ok(problems);
        }
    };

    // The summary adds up, and matches where the manifest says.
    let s = &report["summary"];
    let count = |k: &str| s[k].as_u64();
    match (count("records"), count("checked"), count("rejected")) {
        (Some(r), Some(c), Some(j)) => {
            if r != c + j {
                problems.push(format!("summary does not add up: {s}"));
            }
            for (key, want, got) in [
                ("records", expect.records, r),
                ("checked", expect.checked, c),
                ("rejected", expect.rejected, j),
            ] {
                if want.is_some_and(|w| w != got) {
                    problems.push(format!("summary {key} is {got}, want {want:?}"));
                }
            }
        }
        _ => problems.push(format!("summary lacks counts: {s}")),
    }

    // The message, at its place.
    let errors: Vec<&serde_json::Value> = report["errors"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let mine: Vec<&&serde_json::Value> = errors
        .iter()
        .filter(|e| e["file"].as_str() == Some(name))
        .collect();
    if expect.exit == 0 {
        let bad: Vec<&&&serde_json::Value> = mine
            .iter()
            .filter(|e| e["severity"].as_str() != Some("warning"))
            .collect();
        if !bad.is_empty() {
            problems.push(format!("exit 0 expected, but errors: {bad:?}"));
        }
    }
    if let Some(message) = &expect.message {
        let found = mine.iter().any(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains(message.as_str()))
                && expect.line.is_none_or(|l| e["line"].as_u64() == Some(l))
                && expect
                    .column
                    .is_none_or(|c| e["column"].as_u64() == Some(c))
        });
        if !found {
            let listed: Vec<String> = mine
                .iter()
                .map(|e| {
                    format!(
                        "{}:{}: {}",
                        e["line"],
                        e["column"],
                        clip(e["message"].as_str().unwrap_or(""))
                    )
                })
                .collect();
            problems.push(format!(
                "no error `{message}` at line {:?} column {:?}; errors of the file: {listed:?}",
                expect.line, expect.column
            ));
        }
        if !human_run.stdout.contains(message.as_str()) {
            problems.push(format!("human output lacks `{message}`"));
        }
        let place = match (expect.line, expect.column) {
            (Some(l), Some(c)) => format!("{name}:{l}:{c}"),
            (Some(l), None) => format!("{name}:{l}:"),
            _ => name.to_string(),
        };
        if !human_run.stdout.contains(&place) {
            problems.push(format!("human output does not name `{place}`"));
        }
    }
    Ok(problems)
}

fn check_all(kind: Input) -> TestResult {
    let dir = fixtures();
    let expected = manifest()?;
    let on_disk: Vec<String> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expected.yaml")
        .collect();
    let unlisted: Vec<&String> = on_disk
        .iter()
        .filter(|n| !expected.contains_key(*n))
        .collect();
    assert!(
        unlisted.is_empty(),
        "files without an expectation: {unlisted:?}"
    );
    let before = snapshot(&dir)?;
    // Rule and parameter files are checked against a folder with one record
    // that no rule faults: a folder with no record would be an input error
    // of its own.
    let clean = tempfile::tempdir()?;
    std::fs::write(clean.path().join("org.yaml"), CLEAN_RECORD)?;
    let mut problems = Vec::new();
    let mut ran = 0;
    for (name, expect) in &expected {
        if input_of(name) != kind {
            continue;
        }
        if !dir.join(name).is_file() {
            problems.push(format!("{name}: listed in expected.yaml but missing"));
            continue;
        }
        ran += 1;
        match check_fixture(name, expect, clean.path()) {
            Ok(p) => problems.extend(
                p.into_iter()
                    .map(|p| format!("{name} ({}): {p}", expect.about)),
            ),
            Err(e) => problems.push(format!("{name} ({}): {e}", expect.about)),
        }
    }
    assert!(ran > 0, "no {kind:?} fixtures");
    let after = snapshot(&dir)?;
    assert_eq!(
        before, after,
        "sunlight changed or added files among its inputs"
    );
    assert_eq!(
        std::fs::read_dir(clean.path())?.count(),
        1,
        "sunlight wrote into the folder it checked"
    );
    assert!(
        problems.is_empty(),
        "{} problem(s) with malformed {kind:?} files:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    Ok(())
}

#[test]
fn malformed_record_files() -> TestResult {
    check_all(Input::Records)
}

#[test]
fn malformed_rule_files() -> TestResult {
    check_all(Input::Rules)
}

#[test]
fn malformed_parameter_files() -> TestResult {
    check_all(Input::Params)
}

#[test]
fn the_corpus_is_big_enough() -> TestResult {
    let expected = manifest()?;
    let count = |k: Input| expected.keys().filter(|n| input_of(n) == k).count();
    assert!(expected.len() >= 40, "{} files", expected.len());
    for k in [Input::Records, Input::Rules, Input::Params] {
        assert!(count(k) >= 10, "{k:?}: {}", count(k));
    }
    let json = expected.keys().filter(|n| n.ends_with(".json")).count();
    assert!(json >= 5, "{json} JSON files");
    Ok(())
}

#[test]
fn the_checks_catch_what_they_look_for() {
    assert!(debug_struct("error: Span { file: FileId(0), start: 1 }").is_some());
    assert!(debug_struct("Diagnostic { level: Error }").is_some());
    assert!(debug_struct("rule X \"t\" { severity error").is_none());
    assert!(debug_struct("- {name: 刘芳, reason: 公务出差}").is_none());
    assert!(control_chars("ok\tfine\n").is_none());
    assert!(control_chars("bad \u{1b}[2J").is_some());
    assert!(control_chars("bad \r in a line").is_some());
    assert!(!leaks("thread 'main' panicked at src/x.rs").is_empty());
}

// ================================================================ limits

/// A folder with these files.
fn folder(files: &[(&str, &str)]) -> TestResult<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(dir)
}

/// Hostile input must be refused within this memory (a requirement that
/// does not depend on how busy the machine is; time is only bounded by
/// [`HANG`], and measured in `benches/broken_input.rs`).
const SMALL_KB: u64 = 100 * 1024;

/// Assert a run stayed small, where memory can be measured.
fn assert_bounded(run: &Run, what: &str, memory_kb: u64) {
    eprintln!("{what}: peak {:?} KiB", run.peak_kb);
    match run.peak_kb {
        Some(kb) => assert!(
            kb < memory_kb,
            "{what}: peak memory {kb} KiB, limit {memory_kb} KiB"
        ),
        None => eprintln!("{what}: /usr/bin/time is not installed; memory not measured"),
    }
}

/// The one error of a JSON report, with its message.
fn only_error(run: &Run) -> TestResult<String> {
    let report = run.json()?;
    let errors = report["errors"]
        .as_array()
        .ok_or_else(|| fail("no errors array"))?;
    let messages: Vec<String> = errors
        .iter()
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .collect();
    match &messages[..] {
        [one] => Ok(one.clone()),
        _ => Err(fail(format!("want one error, got {messages:?}"))),
    }
}

/// Ten anchors, each a list of ten aliases of the one before.
fn billion_laughs() -> String {
    let mut text = String::from("kind: org\nid: lol\nname: x\nleaders: []\n");
    text.push_str("l0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("l{i}: &a{i} [{refs}]\n"));
    }
    text
}

#[test]
fn a_billion_laughs_is_refused_cheaply() -> TestResult {
    let dir = folder(&[("lol.yaml", &billion_laughs())])?;
    let run = run_in(dir.path(), &["check", "lol.yaml", "--format", "json"])?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let message = only_error(&run)?;
    assert!(
        message.contains("1000000") && message.contains("aliases"),
        "{message}"
    );
    assert_bounded(&run, "billion laughs", SMALL_KB);
    // The human output says how to raise the limit.
    let human = run_in(dir.path(), &["check", "lol.yaml", "--color", "never"])?;
    assert!(human.stdout.contains("--max-nodes"), "{}", human.stdout);
    Ok(())
}

/// A record with one more field: 120 lists nested in one another, each
/// anchored and with 330 items of its own (about 400 KB), and no alias.
fn nested_anchors() -> String {
    let mut text = String::from("kind: org\nid: nest\nname: x\nleaders: []\nnest: ");
    for depth in 0..120 {
        text.push_str(&format!("&n{depth} ["));
        text.push_str(&"abcdefgh, ".repeat(330));
    }
    text.push_str(&"]".repeat(120));
    text.push('\n');
    text
}

#[test]
fn nested_anchors_without_aliases_cost_no_copies() -> TestResult {
    let text = nested_anchors();
    assert!(text.len() > 390_000, "{}", text.len());
    let dir = folder(&[("nest.yaml", &text)])?;
    let run = run_in(dir.path(), &["check", "nest.yaml", "--format", "json"])?;
    assert!(run.code.is_some(), "crashed: {}", run.stderr);
    let report = run.json()?;
    // The file is read to its end: all that is said of it is that the
    // record has a field its schema does not know.
    assert_eq!(only_error(&run)?, "unknown field `nest` in `org`");
    assert_eq!(report["summary"]["records"], 1, "{}", clip(&run.stdout));
    assert_bounded(&run, "nested anchors", SMALL_KB);
    Ok(())
}

/// One anchored list of 1,000 items and 2,000 aliases of it: two million
/// nodes once expanded.
fn many_aliases() -> String {
    let mut text = String::from("kind: org\nid: many\nname: x\nleaders: []\n");
    text.push_str(&format!(
        "big: &b [{}]\n",
        vec!["abcdefgh"; 1000].join(", ")
    ));
    text.push_str(&format!("copies: [{}]\n", vec!["*b"; 2000].join(", ")));
    text
}

#[test]
fn many_aliases_of_a_large_anchor_stop_at_the_node_limit() -> TestResult {
    let dir = folder(&[("many.yaml", &many_aliases())])?;
    let run = run_in(dir.path(), &["check", "many.yaml", "--format", "json"])?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(
        only_error(&run)?,
        "document expands to more than 1000000 nodes (aliases)"
    );
    // The copies of a refused document are never made.
    assert_bounded(&run, "many aliases", SMALL_KB / 2);
    Ok(())
}

#[test]
fn two_hundred_thousand_open_brackets_are_refused_cheaply() -> TestResult {
    let deep = format!("kind: org\nid: deep\nname: {}\n", "[".repeat(200_000));
    let dir = folder(&[("deep.yaml", &deep), ("deep.json", &"[".repeat(200_000))])?;
    for file in ["deep.yaml", "deep.json"] {
        let run = run_in(dir.path(), &["check", file, "--format", "json"])?;
        assert_eq!(run.code, Some(2), "{file}: {}", run.stderr);
        let message = only_error(&run)?;
        assert!(message.contains("nest"), "{file}: {message}");
        assert_bounded(&run, file, SMALL_KB);
    }
    Ok(())
}

#[test]
fn a_file_over_the_size_limit_is_refused_naming_the_limit_and_the_flag() -> TestResult {
    let big = format!(
        "kind: org\nid: big\nname: {}\nleaders: []\n",
        "长".repeat(1000)
    );
    let dir = folder(&[
        ("big.yaml", &big),
        ("small.yaml", "kind: org\nid: s\nname: x\nleaders: []\n"),
    ])?;
    let run = run_in(
        dir.path(),
        &[
            "check",
            "big.yaml",
            "small.yaml",
            "--max-file-size",
            "1000",
            "--format",
            "json",
        ],
    )?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    let message = only_error(&run)?;
    assert!(message.contains("1000"), "{message}");
    let human = run_in(
        dir.path(),
        &[
            "check",
            "big.yaml",
            "small.yaml",
            "--max-file-size",
            "1000",
            "--color",
            "never",
        ],
    )?;
    assert!(human.stdout.contains("--max-file-size"), "{}", human.stdout);
    assert!(human.stdout.contains("big.yaml"), "{}", human.stdout);
    // The other file is still checked.
    let report = run.json()?;
    assert_eq!(report["summary"]["checked"], 1, "{}", report["summary"]);
    // Raised, the limit lets it through.
    let raised = run_in(
        dir.path(),
        &[
            "check",
            "big.yaml",
            "--max-file-size",
            "100000",
            "--format",
            "json",
        ],
    )?;
    let report = raised.json()?;
    assert_eq!(report["summary"]["checked"], 1, "{}", report["summary"]);
    Ok(())
}

/// A schema that nests as deep as its records do.
const CHAIN_RULES: &str = "\
/// A node of a chain.
struct 节点 {
  下一个: 节点?
}

/// A record holding a chain of nodes.
kind 链表 {
  头: 节点
}
";

/// A 链表 record nested `levels` deep (the document counts as one level),
/// in flow style.
fn chain_flow(levels: usize) -> String {
    let inner = levels.saturating_sub(2);
    format!(
        "kind: 链表\nid: c{levels}\n头: {}{{}}{}\n",
        "{下一个: ".repeat(inner),
        "}".repeat(inner)
    )
}

/// The same in block style, which the YAML reader does not cap.
fn chain_block(levels: usize) -> String {
    let mut text = format!("kind: 链表\nid: b{levels}\n头:\n");
    for i in 1..levels.saturating_sub(1) {
        text.push_str(&"  ".repeat(i));
        text.push_str("下一个:\n");
    }
    text.push_str(&"  ".repeat(levels.saturating_sub(1)));
    text.push_str("{}\n");
    text
}

#[test]
fn max_depth_refuses_at_the_default_and_raises_with_the_flag() -> TestResult {
    let dir = folder(&[
        ("chain.rules", CHAIN_RULES),
        ("deep.yaml", &chain_flow(150)),
    ])?;
    let base = [
        "check",
        "deep.yaml",
        "--no-default-rules",
        "--rules",
        "chain.rules",
    ];
    let mut args = base.to_vec();
    args.extend(["--format", "json"]);
    let run = run_in(dir.path(), &args)?;
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    let message = only_error(&run)?;
    assert!(message.contains("128"), "{message}");
    let human = run_in(dir.path(), &[&base[..], &["--color", "never"]].concat())?;
    assert!(human.stdout.contains("--max-depth"), "{}", human.stdout);

    let raised = run_in(dir.path(), &[&args[..], &["--max-depth", "200"]].concat())?;
    assert_eq!(raised.code, Some(0), "{}", raised.stdout);
    let report = raised.json()?;
    assert_eq!(report["summary"]["checked"], 1, "{}", report["summary"]);
    Ok(())
}

#[test]
fn a_raised_max_depth_never_overflows_the_stack() -> TestResult {
    // Block nesting is not capped by the YAML reader; with the limit raised
    // far, the checker must still answer (a record, or a clear error).
    let dir = folder(&[
        ("chain.rules", CHAIN_RULES),
        ("deep.yaml", &chain_block(3000)),
    ])?;
    let run = run_in(
        dir.path(),
        &[
            "check",
            "deep.yaml",
            "--no-default-rules",
            "--rules",
            "chain.rules",
            "--max-depth",
            "100000",
            "--format",
            "json",
        ],
    )?;
    assert!(
        matches!(run.code, Some(0 | 2)),
        "exit {:?}: {}",
        run.code,
        clip(&run.stderr)
    );
    let report = run.json()?;
    assert_eq!(report["summary"]["records"], 1, "{}", report["summary"]);
    assert!(leaks(&run.stderr).is_empty(), "{}", clip(&run.stderr));
    Ok(())
}

#[test]
fn max_nodes_refuses_and_raises_with_the_flag() -> TestResult {
    let names: Vec<String> = (0..500).map(|i| format!("成员{i}")).collect();
    let org = format!(
        "kind: org\nid: big\nname: x\nleaders:\n  - {{name: 甲, principal: true, manages: [{}]}}\n",
        names.join(", ")
    );
    let dir = folder(&[("big.yaml", &org)])?;
    let low = run_in(
        dir.path(),
        &[
            "check",
            "big.yaml",
            "--max-nodes",
            "100",
            "--format",
            "json",
        ],
    )?;
    assert_eq!(low.code, Some(2), "{}", low.stdout);
    let message = only_error(&low)?;
    assert!(message.contains("100"), "{message}");
    let human = run_in(
        dir.path(),
        &[
            "check",
            "big.yaml",
            "--max-nodes",
            "100",
            "--color",
            "never",
        ],
    )?;
    assert!(human.stdout.contains("--max-nodes"), "{}", human.stdout);
    let default = run_in(dir.path(), &["check", "big.yaml", "--format", "json"])?;
    let report = default.json()?;
    assert_eq!(report["summary"]["checked"], 1, "{}", report["summary"]);
    Ok(())
}

/// A rule whose `require` is `expr`, after the clauses `lets`.
fn rule_after(lets: &str, expr: &str) -> String {
    format!(
        "rule DEEP-001 \"深\" {{\n  severity error\n  cite \"本地\"\n  for m in meeting\n{lets}  require {expr}\n  at m.body\n  message \"x\"\n  help \"x\"\n}}\n"
    )
}

/// A rule whose `require` is `expr`.
fn rule_with(expr: &str) -> String {
    rule_after("", expr)
}

#[test]
fn deep_rule_expressions_are_refused_not_a_stack_overflow() -> TestResult {
    let cases = [
        (
            "parens.rules",
            rule_with(&format!("{}true{}", "(".repeat(10_000), ")".repeat(10_000))),
        ),
        (
            "lists.rules",
            rule_with(&format!(
                "count({}{}) > 0",
                "[".repeat(10_000),
                "]".repeat(10_000)
            )),
        ),
        (
            "sum.rules",
            rule_with(&format!("{} > 0", vec!["1"; 20_000].join(" + "))),
        ),
        ("and.rules", rule_with(&vec!["true"; 20_000].join(" and "))),
        (
            "not.rules",
            rule_with(&format!("{}true", "not ".repeat(20_000))),
        ),
        (
            "neg.rules",
            rule_with(&format!("{}1 < 0", "-".repeat(20_000))),
        ),
        (
            "fields.rules",
            rule_with(&format!("m{} != none", ".org".repeat(20_000))),
        ),
    ];
    let files: Vec<(&str, &str)> = cases.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let dir = folder(&files)?;
    std::fs::create_dir(dir.path().join("records"))?;
    std::fs::write(dir.path().join("records/org.yaml"), CLEAN_RECORD)?;
    let mut problems = Vec::new();
    for (name, _) in &cases {
        let run = run_in(
            dir.path(),
            &["check", "records", "--rules", name, "--format", "json"],
        )?;
        if run.code != Some(2) {
            problems.push(format!(
                "{name}: exit {:?}: {}",
                run.code,
                clip(&run.stderr)
            ));
            continue;
        }
        match only_error(&run) {
            Ok(m) if m.contains("deeper") || m.contains("too deep") || m.contains("more than") => {}
            Ok(m) => problems.push(format!("{name}: unclear message `{m}`")),
            Err(e) => problems.push(format!("{name}: {e}")),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

#[test]
fn values_that_double_are_refused_not_built() -> TestResult {
    // Each line doubles the one before: 2^40 if built.
    let mut defs = vec!["def 翻倍0(x) = x + 1".to_string()];
    let mut params = vec!["param 列表0 = [\"甲\", \"乙\"]".to_string()];
    let mut lets = vec!["  let v0 = m.members".to_string()];
    for i in 1..40 {
        defs.push(format!(
            "def 翻倍{i}(x) = 翻倍{}(x) + 翻倍{}(x)",
            i - 1,
            i - 1
        ));
        params.push(format!("param 列表{i} = 列表{} + 列表{}", i - 1, i - 1));
        lets.push(format!("  let v{i} = v{} + v{}", i - 1, i - 1));
    }
    defs.push(rule_with("翻倍39(count(m.items)) > 0"));
    let lets = rule_after(&(lets.join("\n") + "\n"), "count(v39) > 0");
    let meeting = "kind: meeting\nid: M\norg: o\nbody: 党组会\ndate: 2014-07-18\nchair: 甲\nmembers: [甲, 乙]\nattendees: [甲, 乙]\nitems: []\n";
    let dir = folder(&[
        ("defs.rules", &defs.join("\n")),
        ("params.rules", &(params.join("\n") + "\n")),
        ("lets.rules", &lets),
        ("records/m.yaml", meeting),
    ])?;
    let mut problems = Vec::new();
    for name in ["defs.rules", "params.rules", "lets.rules"] {
        let run = run_in(
            dir.path(),
            &["check", "records", "--rules", name, "--format", "json"],
        )?;
        if let Some(kb) = run.peak_kb.filter(|kb| *kb > 500 * 1024) {
            problems.push(format!("{name}: peak memory {kb} KiB"));
        }
        if run.code != Some(2) {
            problems.push(format!(
                "{name}: exit {:?}, want 2 (an error saying the value is too large)",
                run.code
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

#[test]
fn max_records_refuses_and_counts_what_it_read() -> TestResult {
    let mut many = String::new();
    for i in 0..60 {
        many.push_str(&format!(
            "---\nkind: org\nid: org-{i}\nname: 单位{i}\nleaders:\n  - {{name: 甲, principal: true, manages: [财务]}}\n"
        ));
    }
    let dir = folder(&[
        ("a-many.yaml", &many),
        ("b-one.yaml", "kind: org\nid: one\nname: x\nleaders: []\n"),
    ])?;
    let run = run_in(
        dir.path(),
        &["check", ".", "--max-records", "50", "--format", "json"],
    )?;
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    let message = only_error(&run)?;
    assert!(message.contains("50"), "{message}");
    let human = run_in(
        dir.path(),
        &["check", ".", "--max-records", "50", "--color", "never"],
    )?;
    assert!(human.stdout.contains("--max-records"), "{}", human.stdout);
    // Every record read is counted: the 60 read before the limit was
    // crossed are reported as not checked, not dropped from the counts.
    let report = run.json()?;
    let s = &report["summary"];
    assert_eq!(
        s["records"].as_u64(),
        s["checked"]
            .as_u64()
            .zip(s["rejected"].as_u64())
            .map(|(c, r)| c + r),
        "{s}"
    );
    assert!(
        s["records"].as_u64() >= Some(60),
        "the records read are not counted: {s}"
    );
    Ok(())
}

#[test]
fn parameter_files_obey_the_yaml_limits_given() -> TestResult {
    // The parameter file is YAML too: --max-depth and --max-nodes apply.
    let deep = format!("大额资金标准: {}1{}\n", "[".repeat(20), "]".repeat(20));
    let dir = folder(&[("params.yaml", &deep), ("records/org.yaml", CLEAN_RECORD)])?;
    let run = run_in(
        dir.path(),
        &[
            "check",
            "records",
            "--params",
            "params.yaml",
            "--max-depth",
            "10",
            "--format",
            "json",
        ],
    )?;
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    let message = only_error(&run)?;
    assert!(message.contains("deeper than 10"), "{message}");
    Ok(())
}

#[test]
fn a_rule_nesting_limit_beyond_the_stack_is_refused() -> TestResult {
    // Rules nested 20,000 deep would exhaust the stack they are read on:
    // the limit that would let them through is refused before anything is
    // read, with the range that is accepted.
    let deep = format!(
        "rule DEEP-001 \"深\" {{\n  for o in org\n  require {}true{}\n  message \"x\"\n}}\n",
        "(".repeat(20_000),
        ")".repeat(20_000)
    );
    let dir = folder(&[("deep.rules", &deep), ("records/org.yaml", CLEAN_RECORD)])?;
    let run = run_in(
        dir.path(),
        &[
            "check",
            "records",
            "--rules",
            "deep.rules",
            "--max-expr-depth",
            "30000",
        ],
    )?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("invalid value '30000' for '--max-expr-depth <N>': 30000 is not in 0..=1000"),
        "{}",
        run.stderr
    );
    // Within the limit, the nesting is refused as a rule error, not a crash.
    let run = run_in(dir.path(), &["check", "records", "--rules", "deep.rules"])?;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stdout.contains("deep.rules"), "{}", run.stdout);
    Ok(())
}
