//! Every command's output to standard output: when it cannot be written (a
//! full disk, `/dev/full`) the command says so in one line and exits 2;
//! when the reader has gone (a closed pipe) it stays quiet and keeps its
//! exit code. Never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A folder with an unformatted rule file, and a JSON report of the
/// example records to verify.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> TestResult<Scratch> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("rules"))?;
        std::fs::write(dir.path().join("rules/a.rules"), "param   上限 = 3\n")?;
        let report = dir.path().join("report.json");
        let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
            .current_dir(root())
            .args(["check", "examples/longtan-2014", "--no-config", "--output"])
            .arg(&report)
            .stdout(Stdio::null())
            .status()?;
        assert_eq!(out.code(), Some(1));
        Ok(Scratch { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Each command with the exit code it has when its output is read.
    fn commands(&self) -> Vec<(Vec<String>, i32)> {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let path = |name: &str| self.path(name).display().to_string();
        vec![
            (s(&["explain", "SZYD-002"]), 0),
            (s(&["explain"]), 0),
            (s(&["test"]), 0),
            (s(&["fmt", "--check", &path("rules")]), 1),
            (
                s(&[
                    "diff",
                    "--before",
                    "examples/validity-2015/before.toml",
                    "--after",
                    "examples/validity-2015/sunlight.toml",
                    "examples/validity-2015/records",
                ]),
                1,
            ),
            (s(&["check", "examples/longtan-2014", "--no-config"]), 1),
            (
                s(&[
                    "check",
                    "examples/longtan-2014",
                    "--no-config",
                    "--verify",
                    &path("report.json"),
                ]),
                0,
            ),
        ]
    }
}

fn run(args: &[String], stdout: Stdio) -> TestResult<(Option<i32>, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()?;
    Ok((
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn output_that_cannot_be_written_is_an_error_of_one_line() -> TestResult {
    let full = Path::new("/dev/full");
    if !full.exists() {
        // Only some systems have a device that is always full.
        return Ok(());
    }
    let scratch = Scratch::new()?;
    for (args, _) in scratch.commands() {
        let (code, stderr) = run(&args, Stdio::from(std::fs::File::create(full)?))?;
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("error: cannot write to standard output: "),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    Ok(())
}

#[test]
fn a_closed_pipe_is_quiet_and_keeps_the_exit_code() -> TestResult {
    let scratch = Scratch::new()?;
    for (args, expected) in scratch.commands() {
        // The reading end is closed before the command starts: its first
        // write meets a pipe with no reader, whatever the timing.
        let (reader, writer) = std::io::pipe()?;
        drop(reader);
        let (code, stderr) = run(&args, Stdio::from(writer))?;
        assert_eq!(code, Some(expected), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    Ok(())
}
