//! Output for people: each input error and each finding rendered like a
//! compiler diagnostic (severity, rule id, message, `file:line:col`, the source
//! lines with the anchor underlined, cite and help), then a summary.
//!
//! Rendering goes through `codespan-reporting`, reading files through an
//! adapter over our [`SourceMap`], so line and column numbers are the ones
//! [`SourceFile::line_col`] computes (characters, 1-based). Underlines follow
//! display width, so CJK text is underlined under the right characters.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Ansi, NoColor};
use codespan_reporting::term::{self, Config};

use crate::diag::{Diagnostic, Level};
use crate::report::{Finding, Report, Severity};
use crate::source::{FileId, LineIndex, SourceFile, SourceMap, Span, floor_char_boundary};
use crate::workspace::SkipReason;

/// The [`Files`] view codespan-reporting needs, over our [`SourceMap`].
///
/// Files holding control characters are shown with each one replaced by
/// U+FFFD: record values must not drive the terminal, and a replaced
/// character has a width, so it can be underlined. Spans are moved by the
/// bytes the replacements add; lines and columns do not change, since a
/// control character and its replacement are one character each.
struct SourceFiles<'s> {
    sources: &'s SourceMap,
    cleaned: HashMap<FileId, Cleaned>,
}

/// A file's text with its control characters replaced.
struct Cleaned {
    text: String,
    lines: LineIndex,
    /// Original byte offset of each replaced character, and the bytes added
    /// by the replacements up to and including it.
    shifts: Vec<(usize, usize)>,
}

/// Control characters other than line breaks and tabs.
fn is_shown_replaced(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

impl Cleaned {
    fn new(text: &str) -> Option<Cleaned> {
        if !text.chars().any(is_shown_replaced) {
            return None;
        }
        let mut out = String::with_capacity(text.len());
        let mut shifts = Vec::new();
        let mut added = 0;
        for (i, c) in text.char_indices() {
            if is_shown_replaced(c) {
                out.push(char::REPLACEMENT_CHARACTER);
                added += char::REPLACEMENT_CHARACTER.len_utf8() - c.len_utf8();
                shifts.push((i, added));
            } else {
                out.push(c);
            }
        }
        let lines = LineIndex::new(&out);
        Some(Cleaned {
            text: out,
            lines,
            shifts,
        })
    }

    /// The shown offset of an original byte offset.
    fn shift(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|&(at, _)| at < offset);
        offset
            + before
                .checked_sub(1)
                .and_then(|k| self.shifts.get(k))
                .map_or(0, |s| s.1)
    }
}

impl<'s> SourceFiles<'s> {
    /// A view of the files the report speaks of.
    fn new(sources: &'s SourceMap, report: &Report) -> SourceFiles<'s> {
        let spans = report
            .errors
            .iter()
            .flat_map(|d| d.span.into_iter().chain(d.related.iter().map(|l| l.span)))
            .chain(
                report
                    .active()
                    .flat_map(|f| std::iter::once(f.span).chain(f.related.iter().map(|r| r.span))),
            );
        let mut seen = HashSet::new();
        let mut cleaned = HashMap::new();
        for span in spans {
            if !seen.insert(span.file) {
                continue;
            }
            if let Some(c) = sources.get(span.file).and_then(|f| Cleaned::new(&f.text)) {
                cleaned.insert(span.file, c);
            }
        }
        SourceFiles { sources, cleaned }
    }

    fn file(&self, id: FileId) -> Result<&'s SourceFile, FilesError> {
        self.sources.get(id).ok_or(FilesError::FileMissing)
    }

    /// The text shown and its line index.
    fn shown(&self, id: FileId) -> Result<(&str, &LineIndex), FilesError> {
        match self.cleaned.get(&id) {
            Some(c) => Ok((&c.text, &c.lines)),
            None => self.file(id).map(|f| (&*f.text, f.lines())),
        }
    }

    /// The byte range of `span` in the shown text, made safe for codespan:
    /// inside the text and on character boundaries (the end rounds up).
    fn fit(&self, span: Span) -> Option<Range<usize>> {
        // A released text (changed since it was checked) has no place to
        // show.
        if self.file(span.file).ok()?.is_released() {
            return None;
        }
        let (text, _) = self.shown(span.file).ok()?;
        let (start, end) = match self.cleaned.get(&span.file) {
            Some(c) => (c.shift(span.start as usize), c.shift(span.end as usize)),
            None => (span.start as usize, span.end as usize),
        };
        let start = floor_char_boundary(text, start);
        let mut end = end.clamp(start, text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        Some(start..end)
    }
}

impl<'a> Files<'a> for SourceFiles<'_> {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<String, FilesError> {
        Ok(printable(&self.file(id)?.name))
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(self.shown(id)?.0)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.shown(id)?.1.line_of(byte_index))
    }

    fn column_number(
        &'a self,
        id: FileId,
        _line_index: usize,
        byte_index: usize,
    ) -> Result<usize, FilesError> {
        let (text, lines) = self.shown(id)?;
        Ok(lines.line_col(text, byte_index).column)
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let (text, lines) = self.shown(id)?;
        let start = lines
            .line_start(line_index)
            .ok_or(FilesError::LineTooLarge {
                given: line_index,
                max: lines.line_count().saturating_sub(1),
            })?;
        let end = lines.line_start(line_index + 1).unwrap_or(text.len());
        Ok(start..end)
    }
}

fn primary(files: &SourceFiles<'_>, span: Span, message: &str) -> Option<Label<FileId>> {
    files
        .fit(span)
        .map(|r| Label::primary(span.file, r).with_message(printable(message)))
}

fn secondary(files: &SourceFiles<'_>, span: Span, message: &str) -> Option<Label<FileId>> {
    files
        .fit(span)
        .map(|r| Label::secondary(span.file, r).with_message(printable(message)))
}

fn finding_diagnostic(files: &SourceFiles<'_>, f: &Finding) -> CsDiagnostic<FileId> {
    let severity = match f.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let main = primary(files, f.span, &f.title);
    // Without a place to show, the file is named with the message.
    let message = match (&main, files.sources.name(f.span.file)) {
        (None, name) if !name.is_empty() => format!("{name}: {}", f.message),
        _ => f.message.clone(),
    };
    let labels = main.into_iter().chain(
        f.related
            .iter()
            .filter_map(|r| secondary(files, r.span, &r.note)),
    );
    let notes = [("cite", &f.cite), ("help", &f.help)]
        .into_iter()
        .filter(|(_, text)| !text.is_empty())
        .map(|(name, text)| printable(&format!("{name}: {text}")));
    CsDiagnostic::new(severity)
        .with_code(printable(&f.rule))
        .with_message(printable(&message))
        .with_labels_iter(labels)
        .with_notes_iter(notes)
}

fn input_diagnostic(files: &SourceFiles<'_>, d: &Diagnostic) -> CsDiagnostic<FileId> {
    let severity = match d.level {
        Level::Error => CsSeverity::Error,
        Level::Warning => CsSeverity::Warning,
    };
    let main = d
        .span
        .and_then(|span| primary(files, span, d.label.as_deref().unwrap_or("")));
    let message = match (&main, d.file_name(files.sources)) {
        (None, Some(file)) => format!("{file}: {}", d.message),
        _ => d.message.clone(),
    };
    let labels = main.into_iter().chain(
        d.related
            .iter()
            .filter_map(|l| secondary(files, l.span, &l.message)),
    );
    CsDiagnostic::new(severity)
        .with_message(printable(&message))
        .with_labels_iter(labels)
        .with_notes_iter(d.help.iter().map(|h| printable(&format!("help: {h}"))))
}

/// A last-resort rendering if codespan refuses a diagnostic (it should not:
/// every label has been fitted to its file).
fn plain(files: &SourceFiles<'_>, d: &CsDiagnostic<FileId>) -> String {
    let severity = match d.severity {
        CsSeverity::Warning => "warning",
        _ => "error",
    };
    let mut out = match &d.code {
        Some(code) => format!("{severity}[{code}]: {}\n", d.message),
        None => format!("{severity}: {}\n", d.message),
    };
    for label in &d.labels {
        let id = label.file_id;
        let name = files.name(id).unwrap_or_default();
        if let Ok(line) = files.line_index(id, label.range.start) {
            let column = files
                .column_number(id, line, label.range.start)
                .unwrap_or(1);
            let _ = writeln!(out, "  --> {name}:{}:{column}", line + 1);
        }
    }
    for note in &d.notes {
        let _ = writeln!(out, "  = {note}");
    }
    out.push('\n');
    out
}

fn emit(out: &mut String, files: &SourceFiles<'_>, d: &CsDiagnostic<FileId>, color: bool) {
    let config = Config::default();
    let bytes = if color {
        let mut writer = Ansi::new(Vec::new());
        term::emit_to_write_style(&mut writer, &config, files, d).map(|()| writer.into_inner())
    } else {
        let mut writer = NoColor::new(Vec::new());
        term::emit_to_write_style(&mut writer, &config, files, d).map(|()| writer.into_inner())
    };
    match bytes {
        Ok(bytes) => out.push_str(&String::from_utf8_lossy(&bytes)),
        Err(_) => out.push_str(&plain(files, d)),
    }
}

/// `1 record`, `2 records`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn summary(out: &mut String, report: &Report) {
    for line in report.configuration.lines() {
        let _ = writeln!(out, "{}", printable(&line));
    }
    if !report.skipped.is_empty() {
        let of = |reason: SkipReason| report.skipped.iter().filter(|s| s.reason == reason).count();
        let (hidden, other, build) = (
            of(SkipReason::Hidden),
            of(SkipReason::Extension),
            of(SkipReason::Build),
        );
        let mut parts = Vec::new();
        if hidden > 0 {
            parts.push(if hidden == 1 {
                "1 hidden file or folder".to_string()
            } else {
                format!("{hidden} hidden files and folders")
            });
        }
        if other > 0 {
            parts.push(format!("{} of other extensions", count(other, "file")));
        }
        if build > 0 {
            parts.push(format!("{} (`target`)", count(build, "build folder")));
        }
        let _ = writeln!(out, "skipped: {} (--verbose lists them)", parts.join(", "));
    }
    let s = &report.summary;
    let _ = write!(
        out,
        "checked {} of {} in {}",
        s.checked,
        count(s.records, "record"),
        count(s.files, "file")
    );
    if let Some(today) = report.today {
        let _ = write!(out, " as of {today}");
    }
    if s.rejected > 0 {
        let _ = write!(out, ": {} rejected for input errors", s.rejected);
    }
    out.push('\n');

    let input_errors = report.errors.iter().filter(|d| d.is_error()).count();
    let input_warnings = report.errors.len() - input_errors;
    let mut input = Vec::new();
    if input_errors > 0 {
        input.push(count(input_errors, "input error"));
    }
    if input_warnings > 0 {
        input.push(count(input_warnings, "input warning"));
    }
    if !input.is_empty() {
        let _ = writeln!(out, "{}", input.join(", "));
    }

    let active = report.active().count();
    let suppressed = report.suppressed();
    if active == 0 {
        out.push_str("no findings");
    } else {
        let mut parts = Vec::new();
        for (severity, noun) in [(Severity::Error, "error"), (Severity::Warning, "warning")] {
            let n = report.count(severity);
            if n > 0 {
                parts.push(count(n, noun));
            }
        }
        let _ = write!(
            out,
            "found {}: {}",
            count(active, "finding"),
            parts.join(", ")
        );
    }
    if suppressed > 0 {
        let _ = write!(out, " ({suppressed} more waived or in the baseline)");
    }
    out.push('\n');
}

/// Render a report for a terminal: input errors first (they explain why
/// records were not checked), then findings in the order given, then the
/// summary. With `color` false the text has no ANSI escape codes.
pub fn render(report: &Report, sources: &SourceMap, color: bool) -> String {
    render_verbose(report, sources, color, false)
}

/// [`render`], with `verbose` listing the files and folders skipped before
/// the summary.
pub fn render_verbose(report: &Report, sources: &SourceMap, color: bool, verbose: bool) -> String {
    let files = SourceFiles::new(sources, report);
    let mut out = String::new();
    if verbose {
        for s in &report.skipped {
            let _ = writeln!(
                out,
                "skipped {} ({})",
                printable(&s.path),
                s.reason.as_str()
            );
        }
    }
    for d in &report.errors {
        emit(&mut out, &files, &input_diagnostic(&files, d), color);
    }
    for f in report.active() {
        emit(&mut out, &files, &finding_diagnostic(&files, f), color);
    }
    summary(&mut out, report);
    out
}

/// Render problems found outside a check of records (those of the rule
/// files, for `sunlight test`) as a check shows them: located, with the
/// source line underlined.
pub fn render_diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let report = Report {
        errors: diagnostics.to_vec(),
        ..Report::default()
    };
    let files = SourceFiles::new(sources, &report);
    let mut out = String::new();
    for d in &report.errors {
        emit(&mut out, &files, &input_diagnostic(&files, d), color);
    }
    out
}

/// A diagnostic on one line (and its help on the next), for messages on
/// standard error: `error: file:line:column: message`.
pub fn one_line(d: &Diagnostic, sources: &SourceMap) -> String {
    let place = match d
        .span
        .and_then(|s| sources.span_lines(s).map(|(a, _)| (s, a)))
    {
        Some((s, a)) => format!("{}:{}:{}: ", sources.name(s.file), a.line, a.column),
        None => d
            .file_name(sources)
            .map_or(String::new(), |f| format!("{f}: ")),
    };
    let level = if d.is_error() { "error" } else { "warning" };
    let mut out = printable(&format!("{level}: {place}{}", d.message));
    if let Some(h) = &d.help {
        out.push_str(&printable(&format!("\n  help: {h}")));
    }
    out
}

/// Text with control characters (other than line breaks and tabs) shown as
/// U+FFFD: names and values from input must not drive the terminal.
fn printable(text: &str) -> String {
    // A CR is a line break in a source, but would overwrite a message.
    let replaced = |c: char| c == '\r' || is_shown_replaced(c);
    if text.chars().any(replaced) {
        text.chars()
            .map(|c| {
                if replaced(c) {
                    char::REPLACEMENT_CHARACTER
                } else {
                    c
                }
            })
            .collect()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::report::{Related, Summary};

    const YAML: &str = "kind: meeting\nid: ZJ-DZ-2014-07\nbody: 局党组会\nattendees: [周国强, 吴敏]\nitems:\n  - no: 1\n    title: 采购车辆\n";

    fn fixture() -> (SourceMap, Report) {
        let mut sources = SourceMap::new();
        let file = sources.add("records/jiaoyu.yaml", YAML);
        let start = YAML.find("[周国强").unwrap();
        let end = YAML.find("吴敏]").unwrap() + "吴敏]".len();
        let item = YAML.find("no: 1").unwrap();
        let body = YAML.find("局党组会").unwrap();
        let report = Report {
            findings: vec![Finding {
                rule: "SZYD-002".into(),
                title: "到会人数不足".into(),
                severity: Severity::Error,
                card: None,
                kind: "meeting".into(),
                record: "ZJ-DZ-2014-07".into(),
                path: "attendees".into(),
                span: Span::new(file, start, end),
                message: "到会 2 人,应到 5 人,未达半数".into(),
                cite: "《中国共产党党组工作条例》第二十六条".into(),
                help: "到会成员须达到应到会成员的半数以上".into(),
                related: vec![Related {
                    span: Span::new(file, item, item + "no: 1".len()),
                    note: "决定的事项".into(),
                }],
                suppressed: None,
                rule_version: None,
            }],
            errors: vec![
                Diagnostic::error(
                    Span::new(file, body, body + "局党组会".len()),
                    "unknown body",
                )
                .with_label("not a known body")
                .with_help("use a collective body"),
                Diagnostic::file_error("records/broken.yaml", "not valid UTF-8"),
            ],
            summary: Summary {
                files: 2,
                records: 2,
                checked: 1,
                rejected: 1,
            },
            ..Report::default()
        };
        (sources, report)
    }

    /// Display width of a string, counting CJK (and the full-width comma) as 2.
    fn width(s: &str) -> usize {
        s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
    }

    #[test]
    fn finding_is_rendered_like_a_compiler() {
        let (sources, report) = fixture();
        let text = render(&report, &sources, false);
        assert!(
            text.contains("error[SZYD-002]: 到会 2 人,应到 5 人,未达半数\n"),
            "{text}"
        );
        assert!(text.contains("records/jiaoyu.yaml:4:12\n"), "{text}");
        assert!(text.contains("4 │ attendees: [周国强, 吴敏]\n"), "{text}");
        assert!(
            text.contains("= cite: 《中国共产党党组工作条例》第二十六条\n"),
            "{text}"
        );
        assert!(
            text.contains("= help: 到会成员须达到应到会成员的半数以上\n"),
            "{text}"
        );
        assert!(text.contains("决定的事项"), "{text}");
        assert!(!text.contains('\u{1b}'), "no ANSI codes without color");
    }

    #[test]
    fn carets_sit_under_the_wide_characters() {
        let (sources, report) = fixture();
        let text = render(&report, &sources, false);
        let lines: Vec<&str> = text.lines().collect();
        let src = lines
            .iter()
            .position(|l| l.ends_with("│ attendees: [周国强, 吴敏]"))
            .unwrap();
        let source_line = lines[src];
        let caret_line = lines[src + 1];
        let gutter = source_line.find("attendees").unwrap();
        // everything up to `[` in display columns, then one caret per column
        let before = width(&source_line[..source_line.find('[').unwrap()]);
        let underlined = width("[周国强, 吴敏]");
        let carets_at = width(&caret_line[..caret_line.find('^').unwrap()]);
        assert_eq!(carets_at, before, "{caret_line}");
        let carets = caret_line.chars().filter(|&c| c == '^').count();
        assert_eq!(carets, underlined, "{text}");
        assert!(caret_line.ends_with("^ 到会人数不足"), "{caret_line}");
        assert!(gutter > 0);
    }

    #[test]
    fn input_errors_come_first_and_the_summary_last() {
        let (sources, report) = fixture();
        let text = render(&report, &sources, false);
        let input = text.find("error: unknown body").unwrap();
        let finding = text.find("error[SZYD-002]").unwrap();
        assert!(input < finding, "{text}");
        assert!(text.contains("records/jiaoyu.yaml:3:7\n"), "{text}");
        assert!(text.contains("^^^^^^^^ not a known body"), "{text}");
        assert!(text.contains("= help: use a collective body\n"), "{text}");
        assert!(
            text.contains("error: records/broken.yaml: not valid UTF-8\n"),
            "{text}"
        );
        assert!(
            text.ends_with(
                "checked 1 of 2 records in 2 files: 1 rejected for input errors\n\
                 2 input errors\n\
                 found 1 finding: 1 error\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn color_adds_escapes_and_nothing_else() {
        let (sources, report) = fixture();
        let colored = render(&report, &sources, true);
        assert!(colored.contains('\u{1b}'));
        let mut stripped = String::new();
        let mut chars = colored.chars();
        while let Some(c) = chars.next() {
            if c == '\u{1b}' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                stripped.push(c);
            }
        }
        assert_eq!(stripped, render(&report, &sources, false));
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let text = "name: a\u{1b}[2Jb\u{9b}c\nx: 1\n";
        let mut sources = SourceMap::new();
        let file = sources.add("records/\u{7}.yaml", text);
        let at = text.find('\u{1b}').unwrap();
        let report = Report {
            errors: vec![
                Diagnostic::error(Span::new(file, at, at + 1), "bad \u{1b}[31m value\r!")
                    .with_label("here\u{8}"),
            ],
            ..Report::default()
        };
        for color in [false, true] {
            let out = render(&report, &sources, color);
            // With colour on the only escapes are the renderer's own colour
            // codes (`ESC [ digits m`), never the `ESC [ 2 J` of the record.
            for (i, _) in out.match_indices('\u{1b}') {
                assert!(color, "{out:?}");
                let code: String = out[i + 1..]
                    .chars()
                    .take_while(|c| !c.is_ascii_alphabetic())
                    .collect();
                assert!(
                    code.starts_with('[')
                        && code[1..].chars().all(|c| c.is_ascii_digit() || c == ';')
                );
                assert!(out[i + 1 + code.len()..].starts_with('m'), "{out:?}");
            }
            assert!(!out.contains(['\u{7}', '\u{8}', '\u{9b}', '\r']), "{out:?}");
            assert!(out.contains("bad \u{FFFD}[31m value\u{FFFD}!"), "{out:?}");
            assert!(out.contains("records/\u{FFFD}.yaml:1:8"), "{out:?}");
        }
        // The replaced character is underlined.
        let plain = render(&report, &sources, false);
        let line = plain.lines().find(|l| l.contains("here")).unwrap_or("");
        assert_eq!(
            line.trim_start_matches([' ', '│']).trim_start(),
            "^ here\u{FFFD}"
        );
    }

    #[test]
    fn summaries_count_right() {
        let sources = SourceMap::new();
        let mut report = Report {
            summary: Summary {
                files: 1,
                records: 1,
                checked: 1,
                rejected: 0,
            },
            ..Report::default()
        };
        assert_eq!(
            render(&report, &sources, false),
            "checked 1 of 1 record in 1 file\nno findings\n"
        );
        let (fixture_sources, fixture_report) = fixture();
        let mut warning = fixture_report.findings[0].clone();
        warning.severity = Severity::Warning;
        report.findings = vec![fixture_report.findings[0].clone(), warning.clone(), warning];
        report.errors = vec![Diagnostic::warning(Span::default(), "odd")];
        let text = render(&report, &fixture_sources, false);
        assert!(text.contains("warning[SZYD-002]"), "{text}");
        assert!(
            text.ends_with("1 input warning\nfound 3 findings: 1 error, 2 warnings\n"),
            "{text}"
        );
    }

    #[test]
    fn spans_off_char_boundaries_or_files_do_not_break_rendering() {
        let (sources, mut report) = fixture();
        let body = YAML.find("局党组会").unwrap();
        report.findings[0].span = Span::new(FileId(0), body + 1, body + 4);
        report.findings[0].related[0].span = Span::new(FileId(9), 0, 3);
        let text = render(&report, &sources, false);
        assert!(text.contains("records/jiaoyu.yaml:3:7\n"), "{text}");
        assert!(text.contains("│       ^^^^ 到会人数不足"), "{text}");

        // empty span at the very end, and a span over several lines
        report.findings[0].span = Span::new(FileId(0), YAML.len(), YAML.len());
        report.findings[0].related[0].span = Span::new(FileId(0), body, YAML.len());
        let text = render(&report, &sources, false);
        assert!(text.contains("error[SZYD-002]"), "{text}");
        assert!(text.contains("records/jiaoyu.yaml:8:1\n"), "{text}");
    }
}
