//! The language server end to end: runs the pytest-lsp suite in
//! `tests/lsp/` against the binary cargo just built. The suite drives
//! `sunlight lsp` through the protocol over stdio (initialize, diagnostics
//! on rule and record files, hover, completion, definition, references,
//! symbols, formatting, UTF-16 positions, abuse).
//!
//! Needs Python 3 with the packages of `tests/lsp/requirements.txt`:
//!
//! ```sh
//! pip install -r tests/lsp/requirements.txt
//! ```
//!
//! `PYTHON` names another interpreter; extra arguments for pytest (e.g.
//! `-k hover -x`) go in `SUNLIGHT_PYTEST_ARGS`.

mod process;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Longer than the suite ever takes (about a minute with a debug build).
const TIMEOUT: Duration = Duration::from_secs(600);

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string())
}

#[test]
fn language_server_end_to_end() -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = python();

    let probe = Command::new(&python)
        .args(["-c", "import pytest_lsp"])
        .current_dir(root)
        .output();
    let install = format!("{python} -m pip install -r tests/lsp/requirements.txt");
    match probe {
        Ok(out) if out.status.success() => {}
        Ok(out) => {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr).trim());
            return Err(format!(
                "`{python}` cannot import pytest_lsp, which the language-server tests need; \
                 install it with `{install}`"
            ));
        }
        Err(e) => {
            return Err(format!(
                "the language-server tests need Python 3 (`{python}`: {e}), with `{install}`"
            ));
        }
    }

    let mut cmd = Command::new(&python);
    cmd.args(["-m", "pytest", "tests/lsp", "-q", "-p", "no:cacheprovider"])
        .args(
            std::env::var("SUNLIGHT_PYTEST_ARGS")
                .unwrap_or_default()
                .split_whitespace(),
        )
        .current_dir(root)
        .env("SUNLIGHT_BIN", env!("CARGO_BIN_EXE_sunlight"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot run `{python} -m pytest`: {e}"))?;
    let process::Finished {
        status,
        stdout,
        stderr,
    } = process::wait_bounded(child, TIMEOUT).map_err(|e| format!("waiting for pytest: {e}"))?;

    match status {
        Some(s) if s.success() => {
            // The summary line, for `cargo test -- --nocapture`.
            if let Some(last) = stdout.lines().rev().find(|l| !l.trim().is_empty()) {
                println!("pytest tests/lsp: {last}");
            }
            Ok(())
        }
        other => {
            eprintln!("---- pytest stdout ----\n{stdout}");
            eprintln!("---- pytest stderr ----\n{stderr}");
            Err(match other {
                None => format!(
                    "the language-server suite did not finish within {} s",
                    TIMEOUT.as_secs()
                ),
                Some(s) => format!(
                    "the language-server suite failed ({s}); pytest's output is above. \
                     Rerun it alone with: SUNLIGHT_BIN=target/debug/sunlight {python} -m pytest tests/lsp -q"
                ),
            })
        }
    }
}
