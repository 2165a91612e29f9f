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
use crate::records::tree::{Node, NodeKind};
use crate::source::{FileId, SourceMap};
use crate::suggest::closest;
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
    /// The name `expected.yaml` is shown with: its path.
    pub expected_name: String,
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
    /// Problems with the case itself (in its `expected.yaml`), at their
    /// place in [`Suite::sources`].
    pub problems: Vec<Diagnostic>,
    /// The run, for showing details.
    pub report: Report,
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
                    expected_name: format!("rules/tests/{name}/expected.yaml"),
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
            expected_name: workspace::display_path(&dir.join("expected.yaml")),
        });
    }
    Ok(cases)
}

/// The keys of `expected.yaml`.
const EXPECTED_KEYS: &[&str] = &["findings", "errors", "today"];

/// The keys of an expected finding.
const FINDING_KEYS: &[&str] = &["rule", "record"];

/// How an expected finding is written.
const FINDING_HELP: &str = "write each expected finding as `{rule: RULE-ID, record: RECORD-ID}`";

/// An unknown key of `expected.yaml` (`where_` says where it is written),
/// with the nearest known one.
fn unknown_key(key: &Node, name: &str, known: &[&str], where_: &str) -> Diagnostic {
    let help = match closest(name, known.iter().copied()) {
        Some(k) => format!("did you mean `{k}`?"),
        None => {
            let keys: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            format!("the keys are {}", keys.join(", "))
        }
    };
    Diagnostic::error(key.span, format!("unknown key `{name}` {where_}")).with_help(help)
}

/// Read `expected.yaml`, the file `id` of `sources`: what the case
/// expects, and its problems at their place (a key misspelt, a value of
/// the wrong shape, a run date that does not exist). Each problem leaves
/// out only what it spoils.
pub fn parse_expected(sources: &SourceMap, id: FileId) -> (Expected, Vec<Diagnostic>) {
    let mut out = Expected::default();
    let Some(file) = sources.get(id) else {
        return (out, Vec::new());
    };
    let loaded = crate::records::yaml::load(id, &file.text, &crate::records::Limits::default());
    let mut errors = loaded.errors;
    let mut documents = loaded.documents.iter();
    // An empty file expects nothing.
    let Some(doc) = documents.next() else {
        return (out, errors);
    };
    for extra in documents {
        errors.push(
            Diagnostic::error(extra.span, "a second document in expected.yaml")
                .with_help("write `findings`, `errors` and `today` in one mapping"),
        );
    }
    let NodeKind::Map(entries) = &doc.kind else {
        errors.push(
            Diagnostic::error(
                doc.span,
                format!("expected.yaml must be a mapping, found {}", doc.describe()),
            )
            .with_help("write `findings:` (a list), `errors:` and optionally `today:`"),
        );
        return (out, errors);
    };
    for (key, value) in entries {
        let name = key.as_str().unwrap_or_default();
        match name {
            "findings" => expected_findings(value, &mut out, &mut errors),
            "errors" => match &value.kind {
                NodeKind::Null => {}
                NodeKind::Scalar { text, .. } if text == "0" => {}
                NodeKind::Seq(items) => {
                    for item in items {
                        match item.as_str() {
                            Some(f) => {
                                out.errors.insert(f.to_string());
                            }
                            None => errors.push(
                                Diagnostic::error(
                                    item.span,
                                    format!("an expected error is a file name, found {}", item.describe()),
                                )
                                .with_help("name the file under records/, e.g. `bad.yaml`"),
                            ),
                        }
                    }
                }
                _ => errors.push(
                    Diagnostic::error(
                        value.span,
                        format!("`errors` must be 0 or a list of files, found {}", found(value)),
                    )
                    .with_help("write `errors: 0`, or list the files under records/ with input errors: `errors: [bad.yaml]`"),
                ),
            },
            "today" => match value.as_str().map(|t| (t, crate::date::Date::parse(t))) {
                Some((_, Ok(d))) => out.today = Some(d),
                Some((text, Err(e))) => errors.push(
                    Diagnostic::error(value.span, format!("`today: {text}` is not a date: {e}"))
                        .with_help("write the run date as `today: YYYY-MM-DD`"),
                ),
                None => errors.push(
                    Diagnostic::error(
                        value.span,
                        format!("`today` must be a date, found {}", value.describe()),
                    )
                    .with_help("write the run date as `today: YYYY-MM-DD`"),
                ),
            },
            _ => errors.push(unknown_key(key, name, EXPECTED_KEYS, "in expected.yaml")),
        }
    }
    (out, errors)
}

/// A node as shown in a message: a scalar's text, else its shape.
fn found(node: &Node) -> String {
    match node.as_str() {
        Some(text) => format!("`{text}`"),
        None => node.describe().to_string(),
    }
}

/// The `findings:` list of `expected.yaml` into `out`.
fn expected_findings(value: &Node, out: &mut Expected, errors: &mut Vec<Diagnostic>) {
    let items = match &value.kind {
        NodeKind::Null => return,
        NodeKind::Seq(items) => items,
        _ => {
            errors.push(
                Diagnostic::error(
                    value.span,
                    format!("`findings` must be a list, found {}", found(value)),
                )
                .with_help(FINDING_HELP),
            );
            return;
        }
    };
    for item in items {
        let NodeKind::Map(entries) = &item.kind else {
            errors.push(
                Diagnostic::error(
                    item.span,
                    format!("an expected finding is a mapping, found {}", found(item)),
                )
                .with_help(FINDING_HELP),
            );
            continue;
        };
        let (mut rule, mut record) = (None, None);
        let mut complete = true;
        for (key, v) in entries {
            let name = key.as_str().unwrap_or_default();
            let slot = match name {
                "rule" => &mut rule,
                "record" => &mut record,
                _ => {
                    errors.push(unknown_key(
                        key,
                        name,
                        FINDING_KEYS,
                        "in an expected finding",
                    ));
                    complete = false;
                    continue;
                }
            };
            match v.as_str() {
                Some(text) => *slot = Some(text.to_string()),
                None => {
                    errors.push(
                        Diagnostic::error(
                            v.span,
                            format!("`{name}` must be text, found {}", v.describe()),
                        )
                        .with_help(FINDING_HELP),
                    );
                    complete = false;
                }
            }
        }
        match (rule, record) {
            (Some(rule), Some(record)) => {
                out.findings.insert((rule, record));
            }
            // A misspelt key already says what is wrong.
            _ if !complete => {}
            (rule, _) => {
                let missing = if rule.is_none() { "rule" } else { "record" };
                errors.push(
                    Diagnostic::error(
                        item.span,
                        format!("this expected finding has no `{missing}`"),
                    )
                    .with_help(FINDING_HELP),
                );
            }
        }
    }
}

/// The rules a run of cases uses, loaded and compiled once, with the
/// sources every case's files are added to.
#[derive(Debug)]
pub struct Suite {
    /// The project, rule and parameter files, then each case's
    /// `expected.yaml` and record files.
    pub sources: SourceMap,
    /// The compiled rules. Their problems are the suite's: shown once,
    /// not with every case.
    pub rules: project::RuleSet,
    /// The run date of a case that names none.
    today: crate::date::Date,
}

impl Suite {
    /// Load and compile the rules of `opts`.
    pub fn load(opts: &RuleOptions, limits: &InputLimits) -> Suite {
        let mut sources = SourceMap::new();
        let rules = project::load_rules(&mut sources, opts, limits);
        let today = rules.program.today;
        Suite {
            sources,
            rules,
            today,
        }
    }

    /// Run one case: its records against the rules, judged as of its run
    /// date, and what it produced against what it expects.
    pub fn run(&mut self, case: &Case, limits: &InputLimits) -> Outcome {
        let id = self
            .sources
            .add(case.expected_name.clone(), case.expected.as_str());
        let (expected, problems) = parse_expected(&self.sources, id);
        self.rules
            .program
            .set_today(expected.today.unwrap_or(self.today));
        let ids: Vec<_> = case
            .records
            .iter()
            .map(|(name, text)| self.sources.add(format!("records/{name}"), text.as_str()))
            .collect();
        let sources = &self.sources;
        let schema = &self.rules.program.schema;
        let files = check::read_records(sources, &ids, schema, &limits.yaml);
        let refs: Vec<&check::FileSet> = files.iter().collect();
        let report = check::evaluate(&self.rules.program, &refs, sources);
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
        }
    }
}

/// A record of the standard cases that fires a rule: the case's name, the
/// file and the record's YAML text.
pub fn example(rule: &str) -> Option<(String, String, String)> {
    for case in standard_cases() {
        let mut sources = SourceMap::new();
        let id = sources.add(case.expected_name.clone(), case.expected.as_str());
        let (expected, errors) = parse_expected(&sources, id);
        if !errors.is_empty() {
            continue;
        }
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
