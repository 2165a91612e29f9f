//! Rule tests: case folders of records with the findings they must produce.
//!
//! A case is a folder with `records/` (record files) and `expected.yaml`:
//!
//! ```yaml
//! findings:
//!   - {rule: SZYD-002, record: JY-2014-03}
//! errors: 0            # or a list of files under records/ with input errors
//! today: 2014-09-30    # optional: the run date the case is judged as of
//! ```
//!
//! The standard library's own cases (rules/tests) are embedded in the binary.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::check;
use crate::diag::Diagnostic;
use crate::model::Report;
use crate::project::{self, RuleOptions};
use crate::source::SourceMap;
use crate::workspace::{self, InputLimits};

include!(concat!(env!("OUT_DIR"), "/cases.rs"));

/// A case, read into memory.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case's name (its folder).
    pub name: String,
    /// Record files: path under `records/` and text, in path order.
    pub records: Vec<(String, String)>,
    /// The text of `expected.yaml`.
    pub expected: String,
}

/// The (rule, record) pairs a case expects, and the files with input errors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// (rule, record) pairs.
    pub findings: BTreeSet<(String, String)>,
    /// Files under `records/` with input errors.
    pub errors: BTreeSet<String>,
    /// The run date the case is judged as of, where it names one.
    pub today: Option<crate::date::Date>,
}

/// How a case went.
#[derive(Debug)]
pub struct Outcome {
    /// The case's name.
    pub name: String,
    /// Expected pairs that were not found.
    pub missing: Vec<(String, String)>,
    /// Pairs found that were not expected.
    pub extra: Vec<(String, String)>,
    /// Files expected to have input errors that had none.
    pub missing_errors: Vec<String>,
    /// Files with input errors that were not expected.
    pub extra_errors: Vec<String>,
    /// Rules that fired in the case.
    pub fired: BTreeSet<String>,
    /// Problems with the case itself (unreadable expected.yaml, broken rules).
    pub problems: Vec<Diagnostic>,
    /// The run, for showing details.
    pub report: Report,
    /// Its sources.
    pub sources: SourceMap,
}

impl Outcome {
    /// Whether the case passed.
    pub fn passed(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.missing_errors.is_empty()
            && self.extra_errors.is_empty()
            && self.problems.is_empty()
    }
}

/// The standard library's cases.
pub fn standard_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for (path, text) in STANDARD_CASES {
        let Some((name, rest)) = path.split_once('/') else {
            continue;
        };
        let idx = match cases.iter().position(|c| c.name == name) {
            Some(i) => i,
            None => {
                cases.push(Case {
                    name: name.to_string(),
                    records: Vec::new(),
                    expected: String::new(),
                });
                cases.len() - 1
            }
        };
        let Some(case) = cases.get_mut(idx) else {
            continue;
        };
        if rest == "expected.yaml" {
            case.expected = (*text).to_string();
        } else if let Some(file) = rest.strip_prefix("records/") {
            case.records.push((file.to_string(), (*text).to_string()));
        }
    }
    cases
}

/// Cases under a folder: the folder itself if it holds `expected.yaml`,
/// else every sub-folder (recursively) that does.
pub fn cases_on_disk(root: &Path) -> Result<Vec<Case>, Diagnostic> {
    if !root.is_dir() {
        return Err(
            Diagnostic::file_error(workspace::display_path(root), "no such folder")
                .with_help("give a folder of cases: each with records/ and expected.yaml"),
        );
    }
    let mut dirs = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    // A link back up the tree must not make the search endless.
    let mut visited = std::collections::HashSet::new();
    while let Some(d) = stack.pop() {
        if !visited.insert(d.canonicalize().unwrap_or_else(|_| d.clone())) {
            continue;
        }
        if d.join("expected.yaml").is_file() {
            dirs.push(d);
            continue;
        }
        if let Ok(entries) = std::fs::read_dir(&d) {
            stack.extend(
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_dir()),
            );
        }
    }
    dirs.sort();
    let mut cases = Vec::new();
    for dir in dirs {
        let name = dir
            .strip_prefix(root)
            .ok()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(&dir);
        let limit = InputLimits::default().max_file_size;
        let expected =
            workspace::read_text_bounded(&dir.join("expected.yaml"), limit).map_err(|e| {
                Diagnostic::file_error(
                    workspace::display_path(&dir.join("expected.yaml")),
                    format!("cannot read: {e}"),
                )
            })?;
        let mut errors = Vec::new();
        let files = workspace::record_files(&[dir.join("records")], &mut errors);
        let mut records = Vec::new();
        for f in files {
            let rel: PathBuf = f
                .strip_prefix(dir.join("records"))
                .map(Path::to_path_buf)
                .unwrap_or(f.clone());
            let text = workspace::read_text_bounded(&f, limit).unwrap_or_default();
            records.push((workspace::display_path(&rel), text));
        }
        cases.push(Case {
            name: workspace::display_path(name),
            records,
            expected,
        });
    }
    Ok(cases)
}

/// Parse `expected.yaml`.
pub fn parse_expected(text: &str) -> Result<Expected, String> {
    let v: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|e| format!("expected.yaml is not valid YAML: {e}"))?;
    let mut out = Expected::default();
    if let Some(list) = v.get("findings").and_then(|f| f.as_sequence()) {
        for f in list {
            let rule = f.get("rule").and_then(|r| r.as_str());
            let record = f.get("record").and_then(|r| r.as_str());
            match (rule, record) {
                (Some(rule), Some(record)) => {
                    out.findings.insert((rule.to_string(), record.to_string()));
                }
                _ => return Err("every expected finding needs `rule` and `record`".into()),
            }
        }
    }
    if let Some(t) = v.get("today") {
        let text = t.as_str().unwrap_or("");
        out.today = Some(
            crate::date::Date::parse(text)
                .map_err(|e| format!("`today: {text}` in expected.yaml is not a date: {e}"))?,
        );
    }
    if let Some(list) = v.get("errors").and_then(|e| e.as_sequence()) {
        out.errors = list
            .iter()
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect();
    }
    Ok(out)
}

/// Run one case with the given rules.
pub fn run(case: &Case, opts: &RuleOptions, limits: &InputLimits) -> Outcome {
    let mut sources = SourceMap::new();
    let mut rules = project::load_rules(&mut sources, opts, limits);
    if let Ok(Expected {
        today: Some(today), ..
    }) = parse_expected(&case.expected)
    {
        rules.program.today = today;
    }
    let mut problems: Vec<Diagnostic> = rules
        .errors
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    let ids: Vec<_> = case
        .records
        .iter()
        .map(|(name, text)| sources.add(format!("records/{name}"), text.as_str()))
        .collect();
    let files = check::read_records(&sources, &ids, &rules.program.schema, &limits.yaml);
    let refs: Vec<&check::FileSet> = files.iter().collect();
    let report = check::evaluate(&rules.program, &refs, &sources);
    let expected = match parse_expected(&case.expected) {
        Ok(e) => e,
        Err(msg) => {
            problems.push(Diagnostic::file_error(
                format!("{}/expected.yaml", case.name),
                msg,
            ));
            Expected::default()
        }
    };
    let got: BTreeSet<(String, String)> = report
        .findings
        .iter()
        .map(|f| (f.rule.clone(), f.record.clone()))
        .collect();
    let got_errors: BTreeSet<String> = report
        .errors
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| {
            d.span.map(|s| {
                sources
                    .name(s.file)
                    .trim_start_matches("records/")
                    .to_string()
            })
        })
        .collect();
    Outcome {
        name: case.name.clone(),
        missing: expected.findings.difference(&got).cloned().collect(),
        extra: got.difference(&expected.findings).cloned().collect(),
        missing_errors: expected.errors.difference(&got_errors).cloned().collect(),
        extra_errors: got_errors.difference(&expected.errors).cloned().collect(),
        fired: got.iter().map(|(r, _)| r.clone()).collect(),
        problems,
        report,
        sources,
    }
}

/// A record of the standard cases that fires a rule: the case's name, the
/// file and the record's YAML text.
pub fn example(rule: &str) -> Option<(String, String, String)> {
    for case in standard_cases() {
        let Ok(expected) = parse_expected(&case.expected) else {
            continue;
        };
        let Some((_, record)) = expected.findings.iter().find(|(r, _)| r == rule) else {
            continue;
        };
        for (file, text) in &case.records {
            let loaded = crate::records::yaml::load(
                crate::source::FileId(0),
                text,
                &crate::records::Limits::default(),
            );
            for doc in &loaded.documents {
                if doc.get("id").and_then(|n| n.as_str()) == Some(record.as_str()) {
                    let body = text.get(doc.span.range()).unwrap_or("").to_string();
                    return Some((case.name.clone(), file.clone(), body));
                }
            }
        }
    }
    None
}
