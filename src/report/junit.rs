//! JUnit XML (`--format junit`): a test suite per record file, a test case
//! per record, a failure per finding at or above the `--fail-on` level and
//! an error per input problem, so that CI systems show records as passing
//! or failing tests as the run passes or fails. A finding below that level
//! fails no test: it is written in its test case's `<system-out>`.
//!
//! quick-xml writes the markup and escapes `<`, `&` and quotes; characters
//! that XML 1.0 cannot carry at all (control characters, U+FFFE, U+FFFF,
//! lone surrogates cannot occur in Rust strings) are replaced by U+FFFD
//! first, since record ids and messages can contain anything.

use std::borrow::Cow;
use std::io;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::report::{Report, Severity};
use crate::source::SourceMap;

/// Whether XML 1.0 allows this character (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The text with every character XML 1.0 cannot carry replaced by U+FFFD.
fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().all(xml_char) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if xml_char(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

/// A `<failure>` or `<error>` of a test case.
struct Entry {
    tag: &'static str,
    ty: String,
    message: String,
    body: String,
}

struct Case {
    classname: String,
    name: String,
    failures: Vec<Entry>,
    errors: Vec<Entry>,
    /// The findings below the failing level, as text.
    notes: Vec<String>,
}

/// Render a report as JUnit XML; the findings at or above `fail_at` (none
/// when `None`) are failures, as they fail the run.
pub fn render(report: &Report, sources: &SourceMap, fail_at: Option<Severity>) -> String {
    // Suites by file, sorted by name at the end; cases by record.
    let mut suites: Vec<(String, Vec<Case>)> = Vec::new();
    let suite = |suites: &mut Vec<(String, Vec<Case>)>, file: &str| -> usize {
        match suites.iter().position(|(f, _)| f == file) {
            Some(i) => i,
            None => {
                suites.push((file.to_string(), Vec::new()));
                suites.len() - 1
            }
        }
    };
    let mut record_cases: Vec<(usize, usize)> = Vec::new();
    for r in &report.records {
        let s = suite(&mut suites, sources.name(r.span.file));
        let cases = &mut suites[s].1;
        let name = if r.id.is_empty() {
            // No line in a file that changed during the run.
            match sources.span_lines(r.span) {
                Some((a, _)) => format!("record at line {}", a.line),
                None => "record without an id".to_string(),
            }
        } else {
            r.id.clone()
        };
        cases.push(Case {
            classname: if r.kind.is_empty() {
                "record".into()
            } else {
                r.kind.clone()
            },
            name,
            failures: Vec::new(),
            errors: Vec::new(),
            notes: Vec::new(),
        });
        record_cases.push((s, cases.len() - 1));
    }
    // The file alone where no line can be given (it changed during the run).
    let locate = |span: crate::source::Span| -> String {
        match sources.span_lines(span) {
            Some((a, _)) => format!("{}:{}:{}", sources.name(span.file), a.line, a.column),
            None => sources.name(span.file).to_string(),
        }
    };
    for f in report.active() {
        let at = locate(f.span);
        let text = Entry {
            tag: "failure",
            ty: f.rule.clone(),
            message: f.message.clone(),
            body: format!(
                "{at}: {} [{}]\n{}\n依据: {}\n",
                f.message,
                f.severity.as_str(),
                f.help,
                f.cite
            ),
        };
        let target = report.records.iter().position(|r| {
            r.kind == f.kind
                && r.id == f.record
                && r.span.file == f.span.file
                && r.span.start <= f.span.start
                && f.span.start <= r.span.end
        });
        let (s, c) = match target.and_then(|i| record_cases.get(i)) {
            Some(&at) => at,
            None => {
                let s = suite(&mut suites, sources.name(f.span.file));
                suites[s].1.push(Case {
                    classname: f.kind.clone(),
                    name: f.record.clone(),
                    failures: Vec::new(),
                    errors: Vec::new(),
                    notes: Vec::new(),
                });
                (s, suites[s].1.len() - 1)
            }
        };
        let case = &mut suites[s].1[c];
        if f.severity.fails_at(fail_at) {
            case.failures.push(text);
        } else {
            case.notes.push(text.body);
        }
    }
    for d in &report.errors {
        if !d.is_error() {
            continue;
        }
        let file = d.span.map_or_else(
            || d.file.clone().unwrap_or_default(),
            |s| sources.name(s.file).to_string(),
        );
        let at = d.span.map_or(file.clone(), locate);
        let text = Entry {
            tag: "error",
            ty: "input".into(),
            message: d.message.clone(),
            body: format!(
                "{at}: {}{}",
                d.message,
                d.help
                    .as_ref()
                    .map_or(String::new(), |h| format!("\nhelp: {h}"))
            ),
        };
        // The rejected record the error falls in, else a case for the file.
        let target = d.span.and_then(|span| {
            report.records.iter().position(|r| {
                r.rejected
                    && r.span.file == span.file
                    && r.span.start <= span.start
                    && span.start <= r.span.end.max(r.span.start + 1)
            })
        });
        match target.and_then(|i| record_cases.get(i)) {
            Some(&(s, c)) => suites[s].1[c].errors.push(text),
            None => {
                let s = suite(&mut suites, &file);
                suites[s].1.push(Case {
                    classname: "file".into(),
                    name: file.clone(),
                    failures: Vec::new(),
                    errors: vec![text],
                    notes: Vec::new(),
                });
            }
        }
    }
    // Files in the order of the findings and input errors of the other
    // formats, whether they hold records or only problems.
    suites.sort_by(|a, b| a.0.cmp(&b.0));
    let total: usize = suites.iter().map(|(_, c)| c.len()).sum();
    let failures: usize = suites
        .iter()
        .flat_map(|(_, c)| c)
        .filter(|c| !c.failures.is_empty())
        .count();
    let errors: usize = suites
        .iter()
        .flat_map(|(_, c)| c)
        .filter(|c| !c.errors.is_empty())
        .count();
    // Every suite says what the run was checked with: its date and what the
    // configuration changed.
    let config = &report.configuration;
    let mut props: Vec<(&str, String)> = Vec::new();
    if let Some(today) = report.today {
        props.push(("today", today.to_string()));
    }
    if config.changes_anything() || config.project_file.is_some() {
        if let Some(p) = &config.project_file {
            props.push(("sunlight.project_file", p.clone()));
        }
        props.push(("sunlight.default_rules", config.default_rules.to_string()));
        props.push(("sunlight.rules", config.rules.join(", ")));
        if let Some(p) = &config.params {
            props.push(("sunlight.params", p.clone()));
        }
        props.push(("sunlight.overridden", config.overridden.join(", ")));
        props.push(("sunlight.disabled", config.disabled.join(", ")));
    }
    if !props.is_empty() && suites.is_empty() {
        suites.push(("sunlight".to_string(), Vec::new()));
    }
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail; an error would leave a short document.
    let _ = write_document(&mut w, &suites, &props, total, failures, errors);
    let mut out = String::from_utf8_lossy(&w.into_inner()).into_owned();
    out.push('\n');
    out
}

fn write_document(
    w: &mut Writer<Vec<u8>>,
    suites: &[(String, Vec<Case>)],
    props: &[(&str, String)],
    total: usize,
    failures: usize,
    errors: usize,
) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.create_element("testsuites")
        .with_attributes([
            ("name", "sunlight"),
            ("tests", total.to_string().as_str()),
            ("failures", failures.to_string().as_str()),
            ("errors", errors.to_string().as_str()),
        ])
        .write_inner_content(|w| {
            for (file, cases) in suites {
                let file = clean(file);
                let f = cases.iter().filter(|c| !c.failures.is_empty()).count();
                let e = cases.iter().filter(|c| !c.errors.is_empty()).count();
                w.create_element("testsuite")
                    .with_attributes([
                        ("name", file.as_ref()),
                        ("tests", cases.len().to_string().as_str()),
                        ("failures", f.to_string().as_str()),
                        ("errors", e.to_string().as_str()),
                    ])
                    .write_inner_content(|w| {
                        if !props.is_empty() {
                            w.create_element("properties").write_inner_content(|w| {
                                for (name, value) in props {
                                    w.create_element("property")
                                        .with_attributes([
                                            ("name", *name),
                                            ("value", clean(value).as_ref()),
                                        ])
                                        .write_empty()?;
                                }
                                Ok(())
                            })?;
                        }
                        for c in cases {
                            write_case(w, c, &file)?;
                        }
                        Ok(())
                    })?;
            }
            Ok(())
        })?;
    Ok(())
}

fn write_case(w: &mut Writer<Vec<u8>>, c: &Case, file: &str) -> io::Result<()> {
    let element = w.create_element("testcase").with_attributes([
        ("classname", clean(&c.classname).as_ref()),
        ("name", clean(&c.name).as_ref()),
        ("file", file),
    ]);
    if c.failures.is_empty() && c.errors.is_empty() && c.notes.is_empty() {
        element.write_empty()?;
        return Ok(());
    }
    element.write_inner_content(|w| {
        for x in c.errors.iter().chain(&c.failures) {
            w.create_element(x.tag)
                .with_attributes([
                    ("type", clean(&x.ty).as_ref()),
                    ("message", clean(&x.message).as_ref()),
                ])
                .write_text_content(BytesText::new(&clean(&x.body)))?;
        }
        if !c.notes.is_empty() {
            w.create_element("system-out")
                .write_text_content(BytesText::new(&clean(&c.notes.join("\n"))))?;
        }
        Ok(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_characters_xml_cannot_carry() {
        assert_eq!(
            clean("a\u{1}b\u{FFFE}\u{FFFF}\tc"),
            "a\u{FFFD}b\u{FFFD}\u{FFFD}\tc"
        );
        assert!(matches!(clean("通过 <ok>"), Cow::Borrowed(_)));
    }
}
