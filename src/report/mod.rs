//! Rendering the results of a run: for people (`human`) and for machines
//! (`json`). Renderers only read a [`Report`]; they decide nothing.

pub mod human;
pub mod json;

use crate::diag::Diagnostic;
use crate::source::Span;

/// How serious a finding is, as the rule declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Breaks a binding rule.
    Error,
    /// Against local practice or advice.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Another place a finding concerns (the cited meeting item, the other
/// members of a split group …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub span: Span,
    /// What it is.
    pub note: String,
}

/// One rule firing on one record, ready to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Rule id, e.g. `SZYD-002`.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// Error or warning.
    pub severity: Severity,
    /// The record's kind, e.g. `meeting`.
    pub kind: String,
    /// The record's id.
    pub record: String,
    /// Path of the anchor field inside the record, e.g. `items[0].outcome`
    /// (empty for the record itself).
    pub path: String,
    /// The anchor: the offending field in the record file.
    pub span: Span,
    /// What is wrong, naming the facts.
    pub message: String,
    /// The clause the rule enforces.
    pub cite: String,
    /// What would make the record comply.
    pub help: String,
    /// Other places the finding concerns.
    pub related: Vec<Related>,
}

/// Counts for the summary line. `records == checked + rejected`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Record files read.
    pub files: usize,
    /// Records read.
    pub records: usize,
    /// Records checked against the rules.
    pub checked: usize,
    /// Records not checked because of input errors.
    pub rejected: usize,
}

/// Everything a run produced.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Findings, sorted by file, line, column, rule.
    pub findings: Vec<Finding>,
    /// Input errors (records, rule files, parameter files) and warnings about them.
    pub errors: Vec<Diagnostic>,
    /// Counts.
    pub summary: Summary,
}

impl Report {
    /// Number of findings of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Whether any input could not be read or understood (exit code 2).
    pub fn has_input_errors(&self) -> bool {
        self.errors.iter().any(Diagnostic::is_error)
    }
}
