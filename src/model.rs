//! What a run produced, independent of how it is shown: findings with
//! their severity, spans and suppression, the records read, the rules
//! run, and the configuration they ran with. The core produces a
//! [`Report`]; the renderers in [`crate::report`] only read it.

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

    /// Whether a finding of this severity fails a run in which findings
    /// at or above `level` do (`None`: none does), as `--fail-on` says.
    pub fn fails_at(self, level: Option<Severity>) -> bool {
        match level {
            None => false,
            Some(Severity::Warning) => true,
            Some(Severity::Error) => self == Severity::Error,
        }
    }
}

/// The electronic supervision's cards (电子监察): a rule marked `card red`
/// or `card yellow` makes findings that 违规预警 lists first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Card {
    /// 红牌: overdue, escalated (督办).
    Red,
    /// 黄牌: a warning before a deadline.
    Yellow,
}

impl Card {
    /// `red` or `yellow`, as the rule language writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Card::Red => "red",
            Card::Yellow => "yellow",
        }
    }

    /// The card's Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Card::Red => "红牌",
            Card::Yellow => "黄牌",
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
    /// The rule's card, when it is one.
    pub card: Option<Card>,
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
    /// Set when a waiver or the baseline keeps the finding from failing the run.
    pub suppressed: Option<Suppression>,
    /// The period of the rule's version that fired, e.g. `2015-01-01..`,
    /// when the rule is dated.
    pub rule_version: Option<String>,
}

/// Why a finding does not count against the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Suppression {
    /// An approved waiver covers it.
    Waiver {
        /// Why it is waived.
        reason: String,
        /// Who approved the waiver.
        approved_by: String,
        /// Until when (`YYYY-MM-DD`).
        expires: String,
    },
    /// It was already in the baseline report.
    Baseline,
}

impl Suppression {
    /// Why the finding does not count, in a sentence for people: the
    /// waiver's reason, approver and expiry, or the baseline.
    pub fn describe(&self) -> String {
        match self {
            Suppression::Waiver {
                reason,
                approved_by,
                expires,
            } => format!("waived until {expires}, approved by {approved_by}: {reason}"),
            Suppression::Baseline => "in the baseline: known before, does not fail the run".into(),
        }
    }
}

/// What a renderer needs to know of a rule (SARIF lists every rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// Rule id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Default severity.
    pub severity: Severity,
    /// Its card, when it is one.
    pub card: Option<Card>,
    /// The clause it enforces.
    pub cite: String,
    /// The rule's doc comment.
    pub description: String,
    /// The help line with whole-run values (parameters) filled in and the
    /// values of each finding's record shown as `‹expr›`.
    pub help: String,
    /// The periods of its dated versions, e.g. `..2014-12-31` (empty when
    /// the rule is not dated).
    pub versions: Vec<String>,
}

/// One record read, checked or rejected (JUnit has a test case per record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordInfo {
    /// Its kind, or "" when unreadable.
    pub kind: String,
    /// Its id, or "" when unreadable.
    pub id: String,
    /// The document.
    pub span: Span,
    /// Not checked because of input errors.
    pub rejected: bool,
    /// What its marked fields hold: unit, label, period, personal names
    /// (empty when rejected). Boxed: a large run lists a million records
    /// in one block, which is then less than half as large.
    pub marked: Box<crate::schema::Marked>,
}

/// The name of a rule family, declared with `family CODE "名称"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Family {
    /// The id prefix, e.g. `SZYD`.
    pub code: String,
    /// The name, e.g. `三重一大`.
    pub name: String,
}

/// A statistics table that the rules declare (`statistics "…" { … }`),
/// computed over the checked records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Its title.
    pub title: String,
    /// The record kind it counts.
    pub kind: String,
    /// The columns, in declaration order.
    pub columns: Vec<Column>,
    /// One row per unit, ordered by unit id (`""`: records of no unit).
    pub rows: Vec<Row>,
}

/// A column of a [`Table`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Its head.
    pub name: String,
    /// Shown as a percentage.
    pub percent: bool,
    /// The value a unit should reach, if any.
    pub target: Option<crate::num::Num>,
}

/// One unit's row of a [`Table`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The unit's id.
    pub unit: String,
    /// One value per column; none where the value is none (e.g. a rate of
    /// no cases).
    pub values: Vec<Option<crate::num::Num>>,
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
    /// Every rule that ran.
    pub rules: Vec<RuleInfo>,
    /// Every record read, in path order.
    pub records: Vec<RecordInfo>,
    /// The run date the rules read as `today`.
    pub today: Option<crate::date::Date>,
    /// Hidden entries and files of other extensions the walk passed over.
    pub skipped: Vec<crate::workspace::Skipped>,
    /// What the project file and the flags changed from the standard rules.
    pub configuration: Configuration,
    /// Names of rule families, as the rules declare them.
    pub families: Vec<Family>,
    /// The statistics tables the rules declare.
    pub tables: Vec<Table>,
    /// Compound surnames (欧阳) that masking keeps whole: the values of the
    /// parameters marked `@surnames`.
    pub surnames: Vec<String>,
}

/// What a run's configuration (`sunlight.toml` and the flags) changed from
/// the standard rules, so that every report says what it was checked with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Configuration {
    /// The project file read, if any.
    pub project_file: Option<String>,
    /// Whether the embedded standard rules ran.
    pub default_rules: bool,
    /// Rule files loaded besides the standard ones.
    pub rules: Vec<String>,
    /// The parameter file.
    pub params: Option<String>,
    /// Parameters it overrides.
    pub overridden: Vec<String>,
    /// Rules switched off.
    pub disabled: Vec<String>,
}

impl Default for Configuration {
    fn default() -> Configuration {
        Configuration {
            project_file: None,
            default_rules: true,
            rules: Vec::new(),
            params: None,
            overridden: Vec::new(),
            disabled: Vec::new(),
        }
    }
}

impl Configuration {
    /// Whether anything differs from the standard rules as built in.
    pub fn changes_anything(&self) -> bool {
        !self.default_rules
            || !self.rules.is_empty()
            || self.params.is_some()
            || !self.overridden.is_empty()
            || !self.disabled.is_empty()
    }

    /// The parameter files read, in order (`params` names them joined by
    /// `, then `).
    pub fn param_files(&self) -> Vec<&str> {
        self.params
            .as_deref()
            .map(|p| p.split(", then ").collect())
            .unwrap_or_default()
    }

    /// One line per change, for people: `rules switched off: A, B`.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = &self.project_file {
            out.push(format!("project file: {p}"));
        }
        if !self.default_rules {
            out.push("standard rules left out".to_string());
        }
        if !self.rules.is_empty() {
            out.push(format!("rule files added: {}", self.rules.join(", ")));
        }
        if let Some(p) = &self.params {
            out.push(format!("parameter file: {p}"));
        }
        if !self.overridden.is_empty() {
            out.push(format!(
                "parameters overridden: {}",
                self.overridden.join(", ")
            ));
        }
        if !self.disabled.is_empty() {
            out.push(format!("rules switched off: {}", self.disabled.join(", ")));
        }
        out
    }
}

impl Report {
    /// The declared name of a rule's family (its id up to the last `-`),
    /// or the family code when none is declared.
    pub fn family_name(&self, rule: &str) -> String {
        let code = rule.rsplit_once('-').map_or(rule, |(f, _)| f);
        self.families
            .iter()
            .find(|f| f.code == code)
            .map_or_else(|| code.to_string(), |f| f.name.clone())
    }

    /// Number of findings of a severity that count against the run
    /// (not waived, not in the baseline).
    pub fn count(&self, severity: Severity) -> usize {
        self.active().filter(|f| f.severity == severity).count()
    }

    /// Findings that count against the run.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    /// Number of waived or baselined findings.
    pub fn suppressed(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_some())
            .count()
    }

    /// Whether any input could not be read or understood (exit code 2).
    pub fn has_input_errors(&self) -> bool {
        self.errors.iter().any(Diagnostic::is_error)
    }
}
