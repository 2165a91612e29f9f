//! `sunlight diff`: what a change of the rules does to an archive. Two rule
//! configurations judge the same records; the findings that appear,
//! disappear or change (severity or message) are listed by rule, with
//! counts per rule and per unit.
//!
//! The record files are read once. They are validated once too when both
//! sides declare the same record formats (the same schema declarations,
//! word for word), otherwise once per side.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::check::{self, FileSet};
use crate::diag::Diagnostic;
use crate::model::{Finding, Report};
use crate::project::{self, RuleSet};
use crate::schema::{Data, FieldTy, Schema};
use crate::source::SourceMap;
use crate::syntax::{self, ast};
use crate::workspace::{self, InputLimits};

/// The two reports of a diff, and the unit of each record.
pub struct Runs {
    /// The findings of the before side.
    pub before: Report,
    /// The findings of the after side.
    pub after: Report,
    /// The unit of each record by (kind, id): the record its first
    /// reference field names (`org` in the standard schema), or itself.
    pub units: BTreeMap<(String, String), String>,
}

/// Run both rule sets over the records under `paths`, reading them once.
pub fn run(
    sources: &mut SourceMap,
    before: &RuleSet,
    after: &RuleSet,
    paths: &[PathBuf],
    limits: &InputLimits,
) -> Runs {
    let mut errors: Vec<Diagnostic> = Vec::new();
    let not_records: Vec<PathBuf> = before
        .not_records
        .iter()
        .chain(&after.not_records)
        .cloned()
        .collect();
    let walked = project::record_walk(paths, &not_records);
    errors.extend(walked.errors);
    let files: Vec<PathBuf> = walked.files.into_iter().map(|(f, _)| f).collect();
    let mut ids = Vec::new();
    for f in &files {
        if let Some(id) = workspace::read_into(sources, f, limits, &mut errors) {
            ids.push(id);
        }
    }
    let read = |schema: &Schema| -> Vec<FileSet> {
        ids.iter()
            .map(|&id| check::read_file(sources, id, schema, &limits.yaml))
            .collect()
    };
    let after_sets = read(&after.program.schema);
    let before_own;
    let before_sets = if same_schema(sources, before, after) {
        &after_sets
    } else {
        before_own = read(&before.program.schema);
        &before_own
    };
    let report = |rules: &RuleSet, sets: &[FileSet]| {
        let refs: Vec<&FileSet> = sets.iter().collect();
        let mut r = check::evaluate(&rules.program, &refs, sources);
        let mut all = rules.errors.clone();
        all.extend(errors.iter().cloned());
        all.append(&mut r.errors);
        r.errors = all;
        r
    };
    let mut units = BTreeMap::new();
    for (rules, sets) in [(after, &after_sets), (before, before_sets)] {
        let schema = &rules.program.schema;
        for r in sets.iter().flat_map(|s| &s.records) {
            let Some(kind) = schema.kinds.get(r.kind) else {
                continue;
            };
            let unit =
                unit_of(schema, kind.root, &r.root.data).unwrap_or_else(|| r.id().to_string());
            units
                .entry((kind.name.clone(), r.id().to_string()))
                .or_insert(unit);
        }
    }
    Runs {
        before: report(before, before_sets),
        after: report(after, &after_sets),
        units,
    }
}

/// The id the first reference field of a record names.
fn unit_of(schema: &Schema, root: usize, data: &Data) -> Option<String> {
    let fields = data.fields()?;
    let def = schema.structs.get(root)?;
    def.fields
        .iter()
        .zip(fields.iter())
        .find_map(|(f, d)| match (&f.ty, &d.data) {
            (FieldTy::Ref(_), data) => data.as_text().map(str::to_string),
            _ => None,
        })
}

/// Whether both rule sets declare the same record formats: the same
/// `enum`, `struct`, `kind` and `extend` declarations, word for word.
fn same_schema(sources: &SourceMap, a: &RuleSet, b: &RuleSet) -> bool {
    let decls = |r: &RuleSet| -> Vec<String> {
        let mut out = Vec::new();
        for &id in &r.files {
            let Some(f) = sources.get(id) else { continue };
            let parsed = syntax::parse_with(id, &f.text, syntax::MAX_NESTING);
            for d in &parsed.file.decls {
                if matches!(
                    d.kind,
                    ast::DeclKind::Enum(_) | ast::DeclKind::Struct(_) | ast::DeclKind::Extend(_)
                ) {
                    out.push(f.slice(d.span).to_string());
                }
            }
        }
        out
    };
    decls(a) == decls(b)
}

/// One finding as the diff shows it.
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct Item {
    /// Rule id.
    pub rule: String,
    /// Error or warning.
    pub severity: &'static str,
    /// The record's kind.
    pub kind: String,
    /// The record's id.
    pub record: String,
    /// The record's unit.
    pub unit: String,
    /// The anchor's path in the record.
    pub path: String,
    /// The record file.
    pub file: String,
    /// 1-based line of the anchor.
    pub line: usize,
    /// 1-based column of the anchor.
    pub column: usize,
    /// The message.
    pub message: String,
    /// The period of the dated rule version, if dated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_version: Option<String>,
}

/// A finding on both sides that differs in severity or message.
#[derive(Serialize, Clone, Debug)]
pub struct Changed {
    /// Before.
    pub before: Item,
    /// After.
    pub after: Item,
}

/// The changes of one rule.
#[derive(Serialize, Clone, Debug, Default)]
pub struct RuleChanges {
    /// Rule id.
    pub rule: String,
    /// The rule's title (after, else before).
    pub title: String,
    /// How many findings appear, disappear and change.
    pub count: Counts,
    /// Findings only after.
    pub appeared: Vec<Item>,
    /// Findings only before.
    pub disappeared: Vec<Item>,
    /// Findings on both sides that differ.
    pub changed: Vec<Changed>,
}

/// How many findings appear, disappear and change.
#[derive(Serialize, Clone, Debug, Default)]
pub struct Counts {
    /// Findings that appear.
    pub appeared: usize,
    /// Findings that disappear.
    pub disappeared: usize,
    /// Findings that change.
    pub changed: usize,
}

/// Counts of one unit.
#[derive(Serialize, Clone, Debug, Default)]
pub struct UnitCount {
    /// The unit.
    pub unit: String,
    /// Findings that appear.
    pub appeared: usize,
    /// Findings that disappear.
    pub disappeared: usize,
    /// Findings that change.
    pub changed: usize,
}

/// The whole diff.
#[derive(Serialize, Clone, Debug, Default)]
pub struct Diff {
    /// Changes by rule, ordered by rule id.
    pub rules: Vec<RuleChanges>,
    /// Counts by unit, ordered by unit.
    pub units: Vec<UnitCount>,
    /// Totals.
    pub summary: DiffSummary,
}

/// Totals of a diff.
#[derive(Serialize, Clone, Debug, Default)]
pub struct DiffSummary {
    /// Findings before.
    pub before: usize,
    /// Findings after.
    pub after: usize,
    /// Findings that appear.
    pub appeared: usize,
    /// Findings that disappear.
    pub disappeared: usize,
    /// Findings that change.
    pub changed: usize,
}

impl Diff {
    /// Whether anything changes.
    pub fn is_empty(&self) -> bool {
        self.summary.appeared + self.summary.disappeared + self.summary.changed == 0
    }
}

fn item(f: &Finding, sources: &SourceMap, units: &BTreeMap<(String, String), String>) -> Item {
    let (line, column) = sources
        .span_lines(f.span)
        .map_or((0, 0), |(s, _)| (s.line, s.column));
    Item {
        rule: f.rule.clone(),
        severity: f.severity.as_str(),
        kind: f.kind.clone(),
        record: f.record.clone(),
        unit: units
            .get(&(f.kind.clone(), f.record.clone()))
            .cloned()
            .unwrap_or_else(|| f.record.clone()),
        path: f.path.clone(),
        file: sources.name(f.span.file).to_string(),
        line,
        column,
        message: f.message.clone(),
        rule_version: f.rule_version.clone(),
    }
}

/// Compare the two runs. A finding is the same on both sides when rule,
/// record, anchor and place agree; it changes when its severity or message
/// differ.
pub fn compare(runs: &Runs, sources: &SourceMap) -> Diff {
    type Key = (String, String, String, String, String, usize, usize);
    let key = |i: &Item| -> Key {
        (
            i.rule.clone(),
            i.kind.clone(),
            i.record.clone(),
            i.path.clone(),
            i.file.clone(),
            i.line,
            i.column,
        )
    };
    let mut before: BTreeMap<Key, Vec<Item>> = BTreeMap::new();
    for f in &runs.before.findings {
        let i = item(f, sources, &runs.units);
        before.entry(key(&i)).or_default().push(i);
    }
    let mut by_rule: BTreeMap<String, RuleChanges> = BTreeMap::new();
    let titles: BTreeMap<&str, &str> = runs
        .before
        .rules
        .iter()
        .chain(&runs.after.rules)
        .map(|r| (r.id.as_str(), r.title.as_str()))
        .collect();
    let mut appeared: Vec<Item> = Vec::new();
    let mut changed: Vec<Changed> = Vec::new();
    for f in &runs.after.findings {
        let a = item(f, sources, &runs.units);
        let k = key(&a);
        match before.get_mut(&k) {
            Some(list) if !list.is_empty() => {
                // The same message first, else the first left.
                let pos = list
                    .iter()
                    .position(|b| b.message == a.message && b.severity == a.severity)
                    .unwrap_or(0);
                let b = list.remove(pos);
                if b.message != a.message || b.severity != a.severity {
                    changed.push(Changed {
                        before: b,
                        after: a,
                    });
                }
            }
            _ => appeared.push(a),
        }
    }
    let disappeared: Vec<Item> = before.into_values().flatten().collect();
    let mut units: BTreeMap<String, UnitCount> = BTreeMap::new();
    let summary = DiffSummary {
        before: runs.before.findings.len(),
        after: runs.after.findings.len(),
        appeared: appeared.len(),
        disappeared: disappeared.len(),
        changed: changed.len(),
    };
    let entry = |by_rule: &mut BTreeMap<String, RuleChanges>, rule: &str| -> RuleChanges {
        by_rule.remove(rule).unwrap_or_else(|| RuleChanges {
            rule: rule.to_string(),
            title: titles.get(rule).map(|t| t.to_string()).unwrap_or_default(),
            ..RuleChanges::default()
        })
    };
    for i in appeared {
        unit(&mut units, &i.unit).appeared += 1;
        let mut rc = entry(&mut by_rule, &i.rule);
        rc.appeared.push(i);
        by_rule.insert(rc.rule.clone(), rc);
    }
    for i in disappeared {
        unit(&mut units, &i.unit).disappeared += 1;
        let mut rc = entry(&mut by_rule, &i.rule);
        rc.disappeared.push(i);
        by_rule.insert(rc.rule.clone(), rc);
    }
    for c in changed {
        unit(&mut units, &c.after.unit).changed += 1;
        let mut rc = entry(&mut by_rule, &c.after.rule);
        rc.changed.push(c);
        by_rule.insert(rc.rule.clone(), rc);
    }
    for rc in by_rule.values_mut() {
        rc.count = Counts {
            appeared: rc.appeared.len(),
            disappeared: rc.disappeared.len(),
            changed: rc.changed.len(),
        };
    }
    Diff {
        rules: by_rule.into_values().collect(),
        units: units.into_values().collect(),
        summary,
    }
}

fn unit<'m>(units: &'m mut BTreeMap<String, UnitCount>, name: &str) -> &'m mut UnitCount {
    units.entry(name.to_string()).or_insert_with(|| UnitCount {
        unit: name.to_string(),
        ..UnitCount::default()
    })
}

/// The diff as JSON: pretty-printed, final newline.
pub fn render_json(diff: &Diff) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        version: u32,
        #[serde(flatten)]
        diff: &'a Diff,
    }
    let mut s = serde_json::to_string_pretty(&Out { version: 1, diff }).unwrap_or_default();
    s.push('\n');
    s
}

/// The diff for people.
pub fn render_human(diff: &Diff) -> String {
    let mut out = String::new();
    for r in &diff.rules {
        let _ = writeln!(
            out,
            "{} {}: {} appear, {} disappear, {} change",
            r.rule,
            r.title,
            r.appeared.len(),
            r.disappeared.len(),
            r.changed.len()
        );
        for i in &r.appeared {
            let _ = writeln!(
                out,
                "  + {}:{}: {} {}: {}",
                i.file, i.line, i.kind, i.record, i.message
            );
        }
        for i in &r.disappeared {
            let _ = writeln!(
                out,
                "  - {}:{}: {} {}: {}",
                i.file, i.line, i.kind, i.record, i.message
            );
        }
        for c in &r.changed {
            let (b, a) = (&c.before, &c.after);
            let _ = writeln!(out, "  ~ {}:{}: {} {}", a.file, a.line, a.kind, a.record);
            let _ = writeln!(out, "      before: {} {}", b.severity, b.message);
            let _ = writeln!(out, "      after:  {} {}", a.severity, a.message);
        }
        out.push('\n');
    }
    if !diff.units.is_empty() {
        let _ = writeln!(out, "by unit:");
        for u in &diff.units {
            let _ = writeln!(
                out,
                "  {}: {} appear, {} disappear, {} change",
                u.unit, u.appeared, u.disappeared, u.changed
            );
        }
        out.push('\n');
    }
    let s = &diff.summary;
    if diff.is_empty() {
        let _ = writeln!(
            out,
            "no finding changes ({} before, {} after)",
            s.before, s.after
        );
    } else {
        let _ = writeln!(
            out,
            "{} findings change: {} appear, {} disappear, {} change ({} before, {} after)",
            s.appeared + s.disappeared + s.changed,
            s.appeared,
            s.disappeared,
            s.changed,
            s.before,
            s.after
        );
    }
    out
}

/// What `sunlight diff` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// The before configuration.
    pub before: Option<PathBuf>,
    /// Take the before side's rule and parameter files from this git revision.
    pub before_rev: Option<String>,
    /// The after configuration.
    pub after: PathBuf,
    /// JSON output.
    pub json: bool,
    /// Record files or folders.
    pub paths: Vec<PathBuf>,
}

/// `sunlight diff`: print the diff, return the exit code (0 nothing
/// changes, 1 something does, 2 an input could not be used).
pub fn command(opts: &Options) -> u8 {
    let limits = InputLimits::default();
    let read = |p: &PathBuf| {
        project::read_config(p).map_err(|d| {
            eprintln!("{}", crate::report::human::one_line(&d, &SourceMap::new()));
        })
    };
    let Ok(after_opts) = read(&opts.after) else {
        return 2;
    };
    let mut snapshot = None;
    let before_opts = match (&opts.before, &opts.before_rev) {
        (before, Some(rev)) => {
            let base = before.as_ref().unwrap_or(&opts.after);
            let Ok(o) = read(base) else { return 2 };
            match from_revision(&o, rev) {
                Ok((o, dir)) => {
                    snapshot = Some(dir);
                    o
                }
                Err(msg) => {
                    eprintln!("error: {msg}");
                    return 2;
                }
            }
        }
        (Some(before), None) => match read(before) {
            Ok(o) => o,
            Err(()) => return 2,
        },
        (None, None) => {
            eprintln!(
                "error: nothing to compare with\n  help: give `--before FILE` or `--before-rev REV`"
            );
            return 2;
        }
    };
    let mut sources = SourceMap::new();
    let before = project::load_rules(&mut sources, &before_opts, &limits);
    let after = project::load_rules(&mut sources, &after_opts, &limits);
    let runs = run(&mut sources, &before, &after, &opts.paths, &limits);
    if let Some(dir) = snapshot {
        let _ = std::fs::remove_dir_all(dir);
    }
    let diff = compare(&runs, &sources);
    let errors: Vec<&Diagnostic> = runs
        .before
        .errors
        .iter()
        .chain(&runs.after.errors)
        .filter(|e| e.level == crate::diag::Level::Error)
        .collect();
    // A problem with the records or with rules both sides share is met by
    // both runs: it is told once.
    let mut told = std::collections::HashSet::new();
    for e in &errors {
        let line = crate::report::human::one_line(e, &sources);
        if told.insert(line.clone()) {
            eprintln!("{line}");
        }
    }
    let out = if opts.json {
        render_json(&diff)
    } else if diff.is_empty() && !errors.is_empty() {
        // "No finding changes" would read as a comparison that was made.
        String::new()
    } else {
        render_human(&diff)
    };
    if let Err(msg) = workspace::write_stdout(&out) {
        eprintln!("error: {msg}");
        return 2;
    }
    if !errors.is_empty() {
        2
    } else if diff.is_empty() {
        0
    } else {
        1
    }
}

/// The rule options with their rule and parameter files as committed at a
/// git revision, copied into a temporary folder (returned, for removal).
fn from_revision(
    opts: &project::RuleOptions,
    rev: &str,
) -> Result<(project::RuleOptions, PathBuf), String> {
    use std::process::Command;
    let git = |dir: &std::path::Path, args: &[&str]| -> Result<Vec<u8>, String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(format!(
                "`git {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    let here = std::env::current_dir().map_err(|e| format!("no current folder: {e}"))?;
    let top = String::from_utf8_lossy(&git(&here, &["rev-parse", "--show-toplevel"])?)
        .trim()
        .to_string();
    let top = PathBuf::from(top);
    let top = top.canonicalize().unwrap_or(top);
    let dir = std::env::temp_dir().join(format!("sunlight-diff-{}", std::process::id()));
    let copy = |p: &PathBuf| -> Result<PathBuf, String> {
        let abs = p.canonicalize().unwrap_or_else(|_| here.join(p));
        let rel = abs
            .strip_prefix(&top)
            .map_err(|_| format!("`{}` is outside the git repository", p.display()))?
            .to_path_buf();
        let rel_text = rel.to_string_lossy().replace('\\', "/");
        let listed = git(
            &top,
            &["ls-tree", "-r", "--name-only", rev, "--", &rel_text],
        )?;
        for file in String::from_utf8_lossy(&listed).lines() {
            let text = git(&top, &["show", &format!("{rev}:{file}")])?;
            let target = dir.join(file);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot write {}: {e}", parent.display()))?;
            }
            std::fs::write(&target, text)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        }
        Ok(dir.join(rel))
    };
    let mut out = opts.clone();
    out.rules = opts.rules.iter().map(&copy).collect::<Result<_, _>>()?;
    out.params = opts.params.as_ref().map(&copy).transpose()?;
    Ok((out, dir))
}
