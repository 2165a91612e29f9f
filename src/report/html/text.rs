//! Text into the page: HTML escaping, JSON that cannot end its
//! `<script>`, and excerpts of the records around a finding.

use serde_json::{Value, json};

use crate::source::{SourceMap, Span};

/// Record lines shown around an anchor at most.
const EXCERPT_LINES: usize = 8;

/// Escape text for HTML content and attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe inside `<script>` and attributes: no `<`, `>`, `&` or `'`.
pub(super) fn inline_json(v: &Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\'', "\\u0027")
}

/// The text of 0-based line `line`, without its line break.
fn line_text<'t>(text: &'t str, lines: &crate::source::LineIndex, line: usize) -> (usize, &'t str) {
    let start = lines.line_start(line).unwrap_or(text.len());
    let end = lines.line_start(line + 1).unwrap_or(text.len());
    let s = text.get(start..end).unwrap_or("");
    (start, s.trim_end_matches(['\n', '\r']))
}

/// The lines of a span and `context` lines around it, each as
/// `[line number, before, highlighted, after]`.
pub(super) fn excerpt(sources: &SourceMap, span: Span, context: usize) -> Value {
    let Some(file) = sources.get(span.file).filter(|f| !f.is_released()) else {
        return Value::Null;
    };
    let (start, end) = (
        span.start as usize,
        (span.end as usize).max(span.start as usize),
    );
    let first = file.lines().line_of(start);
    let last = file
        .lines()
        .line_of(end.saturating_sub(usize::from(end > start)))
        .min(first + EXCERPT_LINES - 1);
    let last = (last + context)
        .min(file.lines().line_count().saturating_sub(1))
        .max(first);
    let mut out = Vec::new();
    for line in first.saturating_sub(context)..=last {
        let (at, text) = line_text(&file.text, file.lines(), line);
        let cut = |offset: usize| {
            crate::source::floor_char_boundary(text, offset.saturating_sub(at).min(text.len()))
        };
        let (a, b) = (cut(start.max(at)), cut(end));
        let part = |x: usize, y: usize| text.get(x..y.max(x)).unwrap_or("").to_string();
        out.push(json!([
            line + 1,
            part(0, a),
            part(a, b),
            part(b, text.len())
        ]));
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_cannot_close_the_script() {
        let s = inline_json(&json!({"a": "</script><b>'&"}));
        assert!(!s.contains('<') && !s.contains('\'') && !s.contains('&'));
    }
}
