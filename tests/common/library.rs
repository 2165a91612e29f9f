//! Running the library on record files written to a temporary folder, as
//! `sunlight check` does, and the run's report as the tests look at it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sunlight::project::{self, RuleOptions};
use sunlight::report::{Finding, Report};
use sunlight::source::SourceMap;
use sunlight::workspace::InputLimits;

use super::{TestResult, fail, human, pairs, pairs_of};

/// How a run is set up, beyond the record files.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// Extra rule files: (file name, text).
    pub rules: Vec<(String, String)>,
    /// A parameter file's text.
    pub params: Option<String>,
    /// Leave out the standard rules.
    pub no_default_rules: bool,
    /// Rules switched off.
    pub disabled: Vec<String>,
}

impl Setup {
    /// Add a rule file.
    pub fn rules(mut self, name: &str, text: &str) -> Setup {
        self.rules.push((name.to_string(), text.to_string()));
        self
    }

    /// Use a parameter file with this text.
    pub fn params(mut self, text: &str) -> Setup {
        self.params = Some(text.to_string());
        self
    }

    /// Leave out the standard rules.
    pub fn no_default_rules(mut self) -> Setup {
        self.no_default_rules = true;
        self
    }

    /// Switch a rule off.
    pub fn disable(mut self, id: &str) -> Setup {
        self.disabled.push(id.to_string());
        self
    }
}

/// One run of the library: the report, the sources it points into and the
/// folder the files were written to (kept alive as long as the run).
pub struct Run {
    /// The report.
    pub report: Report,
    /// Every file read (rules and records).
    pub sources: SourceMap,
    /// The temporary folder.
    pub dir: tempfile::TempDir,
}

impl Run {
    /// The folder holding the record files.
    pub fn records_dir(&self) -> PathBuf {
        self.dir.path().join("records")
    }

    /// The human rendering, without colour.
    pub fn human(&self) -> String {
        human(&self.report, &self.sources)
    }

    /// The JSON rendering, parsed.
    pub fn json(&self) -> TestResult<serde_json::Value> {
        Ok(serde_json::from_str(&sunlight::report::json::render(
            &self.report,
            &self.sources,
        ))?)
    }

    /// The (rule, record) pairs reported.
    pub fn pairs(&self) -> BTreeSet<(String, String)> {
        pairs(&self.report)
    }

    /// The (rule, record) pairs of one rule.
    pub fn pairs_of(&self, rule: &str) -> BTreeSet<(String, String)> {
        pairs_of(&self.report, rule)
    }

    /// The findings of one rule.
    pub fn findings_of(&self, rule: &str) -> Vec<&Finding> {
        self.report
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    /// The messages of one rule's findings, sorted.
    pub fn messages_of(&self, rule: &str) -> Vec<String> {
        let mut messages: Vec<String> = self
            .findings_of(rule)
            .iter()
            .map(|f| f.message.clone())
            .collect();
        messages.sort();
        messages
    }

    /// The one finding of `rule` on `record`, or an error saying what was found.
    pub fn finding(&self, rule: &str, record: &str) -> TestResult<&Finding> {
        let found: Vec<&Finding> = self
            .report
            .findings
            .iter()
            .filter(|f| f.rule == rule && f.record == record)
            .collect();
        match found[..] {
            [f] => Ok(f),
            _ => Err(fail(format!(
                "want exactly one {rule} finding on {record}, found {}; all: {:?}",
                found.len(),
                self.pairs()
            ))),
        }
    }

    /// Where a finding points: (file name, line, column), 1-based.
    pub fn anchor(&self, f: &Finding) -> TestResult<(String, usize, usize)> {
        let Some((start, _)) = self.sources.span_lines(f.span) else {
            return Err(fail(format!("finding {} has no position", f.rule)));
        };
        Ok((
            self.sources.name(f.span.file).to_string(),
            start.line,
            start.column,
        ))
    }

    /// The source text a finding underlines.
    pub fn anchor_text(&self, f: &Finding) -> String {
        self.sources
            .get(f.span.file)
            .map_or(String::new(), |file| file.slice(f.span).to_string())
    }

    /// Line and column of each related location of a finding, with its note.
    pub fn related(&self, f: &Finding) -> Vec<(usize, usize, String)> {
        f.related
            .iter()
            .filter_map(|r| {
                self.sources
                    .span_lines(r.span)
                    .map(|(s, _)| (s.line, s.column, r.note.clone()))
            })
            .collect()
    }

    /// The input errors, each as (file name, line, column, message, help).
    pub fn errors(&self) -> Vec<InputError> {
        self.report
            .errors
            .iter()
            .map(|d| {
                let (file, line, column) = match d.span.and_then(|s| {
                    self.sources
                        .span_lines(s)
                        .map(|(p, _)| (self.sources.name(s.file).to_string(), p))
                }) {
                    Some((file, p)) => (file, p.line, p.column),
                    None => (d.file.clone().unwrap_or_default(), 0, 0),
                };
                InputError {
                    file,
                    line,
                    column,
                    message: d.message.clone(),
                    help: d.help.clone().unwrap_or_default(),
                    is_error: d.is_error(),
                }
            })
            .collect()
    }
}

/// One input error as the tests look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file's display name.
    pub file: String,
    /// 1-based line (0 without a position).
    pub line: usize,
    /// 1-based column (0 without a position).
    pub column: usize,
    /// The message.
    pub message: String,
    /// The help line ("" without one).
    pub help: String,
    /// Error rather than warning.
    pub is_error: bool,
}

/// Write `files` (name relative to `dir`, text) into `dir`.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) -> TestResult {
    for (name, text) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
    }
    Ok(())
}

/// Check record files (written under `records/` in a temporary folder)
/// with the given setup, through the library as `sunlight check` does.
pub fn check_files_with(files: &[(&str, &str)], setup: &Setup) -> TestResult<Run> {
    let dir = tempfile::tempdir()?;
    let records = dir.path().join("records");
    std::fs::create_dir_all(&records)?;
    write_files(&records, files)?;
    let mut opts = RuleOptions {
        no_default_rules: setup.no_default_rules,
        disabled: setup.disabled.clone(),
        ..RuleOptions::default()
    };
    for (name, text) in &setup.rules {
        let path = dir.path().join("rules").join(name);
        write_files(&dir.path().join("rules"), &[(name, text)])?;
        opts.rules.push(path);
    }
    if let Some(text) = &setup.params {
        let path = dir.path().join("params.yaml");
        std::fs::write(&path, text)?;
        opts.params = Some(path);
    }
    let limits = InputLimits::default();
    let mut sources = SourceMap::new();
    let rules = project::load_rules(&mut sources, &opts, &limits);
    let report = project::check_paths(&mut sources, &rules, &[records], &limits);
    Ok(Run {
        report,
        sources,
        dir,
    })
}

/// Check record files with the standard rules.
pub fn check_files(files: &[(&str, &str)]) -> TestResult<Run> {
    check_files_with(files, &Setup::default())
}

/// Check one record file (`records.yaml`) with the standard rules.
pub fn check_yaml(text: &str) -> TestResult<Run> {
    check_files(&[("records.yaml", text)])
}

/// Check one record file with the given setup.
pub fn check_yaml_with(text: &str, setup: &Setup) -> TestResult<Run> {
    check_files_with(&[("records.yaml", text)], setup)
}
