//! JUnit XML (`--format junit`): a test suite per record file, a test case
//! per record, a failure per finding and an error per input problem, so
//! that CI systems show records as passing or failing tests.

use std::fmt::Write as _;

use crate::report::Report;
use crate::source::SourceMap;

/// Escape text for XML attributes and content.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

struct Case {
    classname: String,
    name: String,
    failures: Vec<String>,
    errors: Vec<String>,
}

/// Render a report as JUnit XML.
pub fn render(report: &Report, sources: &SourceMap) -> String {
    // Suites by file, in path order; cases by record.
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
            format!(
                "record at line {}",
                sources.span_lines(r.span).map_or(0, |(a, _)| a.line)
            )
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
        });
        record_cases.push((s, cases.len() - 1));
    }
    let locate = |span: crate::source::Span| -> String {
        let (a, _) = sources.span_lines(span).unwrap_or((
            crate::source::LineCol { line: 0, column: 0 },
            crate::source::LineCol { line: 0, column: 0 },
        ));
        format!("{}:{}:{}", sources.name(span.file), a.line, a.column)
    };
    for f in report.active() {
        let at = locate(f.span);
        let text = format!(
            "<failure type=\"{}\" message=\"{}\">{}: {} [{}]\n{}\n依据: {}\n</failure>",
            esc(&f.rule),
            esc(&f.message),
            esc(&at),
            esc(&f.message),
            f.severity.as_str(),
            esc(&f.help),
            esc(&f.cite)
        );
        let target = report.records.iter().position(|r| {
            r.kind == f.kind
                && r.id == f.record
                && r.span.file == f.span.file
                && r.span.start <= f.span.start
                && f.span.start <= r.span.end
        });
        match target.and_then(|i| record_cases.get(i)) {
            Some(&(s, c)) => suites[s].1[c].failures.push(text),
            None => {
                let s = suite(&mut suites, sources.name(f.span.file));
                suites[s].1.push(Case {
                    classname: f.kind.clone(),
                    name: f.record.clone(),
                    failures: vec![text],
                    errors: Vec::new(),
                });
            }
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
        let text = format!(
            "<error type=\"input\" message=\"{}\">{}: {}{}</error>",
            esc(&d.message),
            esc(&at),
            esc(&d.message),
            d.help
                .as_ref()
                .map_or(String::new(), |h| format!("\nhelp: {}", esc(h)))
        );
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
                });
            }
        }
    }
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
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"sunlight\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    // Every suite says what the run was checked with.
    let config = &report.configuration;
    let mut properties = String::new();
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
    if !props.is_empty() {
        properties.push_str("    <properties>\n");
        for (name, value) in props {
            let _ = writeln!(
                properties,
                "      <property name=\"{name}\" value=\"{}\"/>",
                esc(&value)
            );
        }
        properties.push_str("    </properties>\n");
        if suites.is_empty() {
            suites.push(("sunlight".to_string(), Vec::new()));
        }
    }
    for (file, cases) in &suites {
        let f = cases.iter().filter(|c| !c.failures.is_empty()).count();
        let e = cases.iter().filter(|c| !c.errors.is_empty()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{f}\" errors=\"{e}\">",
            esc(file),
            cases.len()
        );
        out.push_str(&properties);
        for c in cases {
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
                esc(&c.classname),
                esc(&c.name),
                esc(file)
            );
            if c.failures.is_empty() && c.errors.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            for x in c.errors.iter().chain(&c.failures) {
                let _ = writeln!(out, "      {x}");
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            esc("<a href=\"x\">&'</a>\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;\u{FFFD}"
        );
    }
}
