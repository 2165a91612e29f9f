//! GitHub Actions workflow commands (`--format github`): one
//! `::error file=…,line=…,col=…,title=…::message` line per finding and input
//! error, which GitHub shows as annotations on the changed files.

use std::fmt::Write as _;

use crate::report::{Report, Severity};
use crate::source::{SourceMap, Span};

/// Escape a command's message: `%`, CR and LF.
fn esc_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value: also `:` and `,`.
fn esc_prop(s: &str) -> String {
    esc_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn position(sources: &SourceMap, span: Span) -> String {
    match sources.span_lines(span) {
        Some((a, b)) => format!(
            "file={},line={},col={},endLine={},endColumn={}",
            esc_prop(sources.name(span.file)),
            a.line,
            a.column,
            b.line,
            b.column
        ),
        None => format!("file={}", esc_prop(sources.name(span.file))),
    }
}

/// Render a report as workflow commands, one per line.
pub fn render(report: &Report, sources: &SourceMap) -> String {
    let mut out = String::new();
    let config = report.configuration.lines();
    if report.configuration.changes_anything() {
        let _ = writeln!(
            out,
            "::notice title={}::{}",
            esc_prop("sunlight configuration"),
            esc_data(&config.join("\n"))
        );
    }
    for d in &report.errors {
        let cmd = if d.is_error() { "error" } else { "warning" };
        let pos = match (d.span, &d.file) {
            (Some(span), _) => format!("{},", position(sources, span)),
            (None, Some(file)) if !file.is_empty() => format!("file={},", esc_prop(file)),
            _ => String::new(),
        };
        let msg = match &d.help {
            Some(h) => format!("{}\nhelp: {h}", d.message),
            None => d.message.clone(),
        };
        let _ = writeln!(
            out,
            "::{cmd} {pos}title={}::{}",
            esc_prop("sunlight input error"),
            esc_data(&msg)
        );
    }
    for f in report.active() {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let msg = format!(
            "{}\n{} {}\nhelp: {}\n依据: {}",
            f.message, f.kind, f.record, f.help, f.cite
        );
        let _ = writeln!(
            out,
            "::{cmd} {},title={}::{}",
            position(sources, f.span),
            esc_prop(&format!("{} {}", f.rule, f.title)),
            esc_data(&msg)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_workflow_command_rules() {
        assert_eq!(esc_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(esc_prop("a:b,c"), "a%3Ab%2Cc");
    }
}
