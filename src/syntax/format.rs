//! The rule-file formatter (`sunlight fmt`, and formatting in the editor).
//!
//! It keeps the author's line breaks and comments and normalises the rest:
//! indentation by brace depth (two spaces), one space around binary
//! operators and after commas, none inside brackets, no trailing white
//! space, at most one blank line in a row, one final newline. A file that
//! does not parse is left alone. Formatting twice changes nothing.

use super::parse;
use crate::source::FileId;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok<'a> {
    /// A name, keyword or number (with its unit).
    Word(&'a str),
    /// A string literal, verbatim.
    Str(&'a str),
    /// A `//` comment, verbatim.
    Comment(&'a str),
    /// Punctuation or an operator.
    Punct(&'a str),
}

const PUNCT: &[&str] = &[
    "=>", "->", "==", "!=", "<=", ">=", "??", "(", ")", "[", "]", "{", "}", ",", ".", ":", "=",
    "<", ">", "+", "-", "*", "/", "&", "|", "?",
];

/// Split one line into tokens. Strings may hold `{…}` with nested strings.
fn tokens(line: &str) -> Vec<Tok<'_>> {
    tokens_after(line, false)
}

/// Split a line into tokens; `after_rule` when the previous line ended with
/// the keyword `rule`, so that this line starts with a rule id.
fn tokens_after(line: &str, after_rule: bool) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut expect_id = after_rule;
    let bytes = line.as_bytes();
    while i < line.len() {
        let rest = &line[i..];
        let Some(c) = rest.chars().next() else { break };
        if c.is_whitespace() {
            i += c.len_utf8();
        } else if rest.starts_with("//") {
            out.push(Tok::Comment(rest.trim_end()));
            break;
        } else if (expect_id || matches!(out.last(), Some(Tok::Word("rule"))))
            && (c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            expect_id = false;
            // A rule id such as `SZYD-002` is one token.
            let len = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.')))
                .unwrap_or(rest.len());
            out.push(Tok::Word(&rest[..len]));
            i += len;
        } else if c == '"' {
            let end = string_end(line, i);
            out.push(Tok::Str(&line[i..end]));
            i = end;
        } else if let Some(p) = PUNCT.iter().find(|p| rest.starts_with(**p)) {
            out.push(Tok::Punct(p));
            i += p.len();
        } else {
            let start = i;
            while i < line.len() {
                let Some(ch) = line[i..].chars().next() else {
                    break;
                };
                let is_punct = PUNCT.iter().any(|p| line[i..].starts_with(p))
                    && !(ch == '.' && i > start && bytes[start].is_ascii_digit());
                if ch.is_whitespace() || ch == '"' || is_punct || line[i..].starts_with("//") {
                    break;
                }
                i += ch.len_utf8();
            }
            if i == start {
                i += c.len_utf8();
            }
            out.push(Tok::Word(&line[start..i]));
        }
    }
    out
}

/// The end of the string starting at `start` (a `"`), interpolations and
/// the strings inside them included; the line's end if it never closes.
fn string_end(line: &str, start: usize) -> usize {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    for (off, c) in line[start..].char_indices() {
        let i = start + off;
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if depth == 0 && in_str => return i + 1,
            '"' if depth == 0 => in_str = true,
            '"' => {}
            '{' if in_str => depth += 1,
            '}' if in_str && depth > 0 => depth -= 1,
            _ => {}
        }
    }
    line.len()
}

/// Words after which a bracket opens a new expression, not a call or index.
fn is_keyword(w: &str) -> bool {
    matches!(
        w,
        "and"
            | "or"
            | "not"
            | "in"
            | "if"
            | "then"
            | "else"
            | "for"
            | "where"
            | "let"
            | "require"
            | "at"
            | "related"
            | "message"
            | "help"
    )
}

/// Whether a `-` after `prev` is a minus sign of a number (no space after).
/// Whether a line's last token is a string left open at the line's end.
fn opens_string(toks: &[Tok<'_>]) -> bool {
    match toks.last() {
        Some(Tok::Str(s)) => s
            .get(1..)
            .is_none_or(|body| string_close(body).is_none_or(|end| end < body.len())),
        _ => false,
    }
}

/// Where a string that began on an earlier line ends on this one: the
/// offset after its closing quote.
fn string_close(line: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if depth == 0 => return Some(i + 1),
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn is_unary_minus(prev: Option<&Tok<'_>>) -> bool {
    match prev {
        None => true,
        Some(Tok::Punct(p)) => !matches!(*p, ")" | "]" | "}"),
        Some(Tok::Word(w)) => matches!(
            *w,
            "and" | "or" | "not" | "in" | "if" | "then" | "else" | "require" | "where" | "at"
        ),
        _ => false,
    }
}

/// Lay out one line's tokens with normalised spacing.
fn layout(toks: &[Tok<'_>]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Tok<'_>> = None;
    let mut unary_before = false;
    for (i, t) in toks.iter().enumerate() {
        let space = match (prev, t) {
            (None, _) => false,
            (_, Tok::Comment(_)) => true,
            (Some(Tok::Punct("(" | "[" | ".")), _) => false,
            (_, Tok::Punct(")" | "]" | "," | "." | ":" | "?")) => false,
            (Some(Tok::Word(w)), Tok::Punct("(" | "[")) if !is_keyword(w) => false,
            (Some(Tok::Str(_)), Tok::Punct("(")) => false,
            (Some(Tok::Punct(")" | "]")), Tok::Punct("[")) => false,
            _ if unary_before => false,
            _ => true,
        };
        if space {
            out.push(' ');
        }
        match t {
            Tok::Word(w) | Tok::Str(w) | Tok::Comment(w) | Tok::Punct(w) => out.push_str(w),
        }
        unary_before = matches!(t, Tok::Punct("-"))
            && is_unary_minus(if i == 0 { None } else { toks.get(i - 1) });
        prev = Some(t);
    }
    out
}

/// Format rule text; `None` when it does not parse (it is then left alone).
pub fn format(text: &str) -> Option<String> {
    if !parse::parse(FileId(0), text).errors.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut depth: usize = 0;
    let mut blank = false;
    let mut started = false;
    // Inside a string that runs over several lines every character counts:
    // such lines are kept as they are.
    let mut in_string = false;
    let mut after_rule = false;
    for raw in text.lines() {
        if in_string {
            out.push_str(raw);
            out.push('\n');
            let close = string_close(raw);
            in_string = close.is_none();
            if let Some(close) = close {
                let rest = raw.get(close..).unwrap_or("");
                let toks = tokens(rest);
                // The same line may open the next string.
                in_string = opens_string(&toks);
                let d = toks.iter().fold(depth as isize, |d, t| match t {
                    Tok::Punct("{" | "(" | "[") => d + 1,
                    Tok::Punct("}" | ")" | "]") => d - 1,
                    _ => d,
                });
                depth = usize::try_from(d.max(0)).unwrap_or(0);
            }
            blank = false;
            continue;
        }
        let toks = tokens_after(raw, after_rule);
        if !toks.is_empty() {
            after_rule = matches!(toks.last(), Some(Tok::Word("rule")));
        }
        in_string = opens_string(&toks);
        if toks.is_empty() {
            blank = started;
            continue;
        }
        // A line starting with closers is indented at the depth they return to.
        let leading_closers = toks
            .iter()
            .take_while(|t| matches!(t, Tok::Punct("}" | ")" | "]")))
            .count();
        let mut line_depth = depth;
        let mut d = depth as isize;
        for t in &toks {
            match t {
                Tok::Punct("{" | "(" | "[") => d += 1,
                Tok::Punct("}" | ")" | "]") => d -= 1,
                _ => {}
            }
        }
        line_depth = line_depth.saturating_sub(leading_closers);
        // A line that continues an expression is indented one step further.
        let continues = matches!(
            toks.first(),
            Some(
                Tok::Word("else" | "then" | "and" | "or")
                    | Tok::Punct(
                        "->" | "+"
                            | "*"
                            | "/"
                            | "|"
                            | "&"
                            | "??"
                            | "=="
                            | "!="
                            | "<"
                            | ">"
                            | "<="
                            | ">="
                            | "."
                    )
            )
        );
        if continues {
            line_depth += 1;
        }
        depth = usize::try_from(d.max(0)).unwrap_or(0);
        if blank {
            out.push('\n');
        }
        blank = false;
        started = true;
        for _ in 0..line_depth {
            out.push_str("  ");
        }
        out.push_str(&layout(&toks));
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse::parse;

    const MESSY: &str = "// 标准规则\n\n\n///  参数\nparam  大额资金标准=20万   \nrule X-1 \"t\"{\n      severity error\n  for m in meeting ,i in m.items\n where i.amount>=大额资金标准 and -1< 2\n   message \"第 {i.no} 项 {join(map(x, y => y.name),\"、\")}\"   // 注\n}\n";

    #[test]
    fn normalises_spacing_and_indentation_and_keeps_comments() {
        let out = format(MESSY).unwrap_or_default();
        assert_eq!(
            out,
            "// 标准规则\n\n///  参数\nparam 大额资金标准 = 20万\nrule X-1 \"t\" {\n  severity error\n  for m in meeting, i in m.items\n  where i.amount >= 大额资金标准 and -1 < 2\n  message \"第 {i.no} 项 {join(map(x, y => y.name),\"、\")}\" // 注\n}\n"
        );
    }

    #[test]
    fn is_idempotent_and_keeps_meaning() {
        let once = format(MESSY).unwrap_or_default();
        assert_eq!(format(&once).as_deref(), Some(once.as_str()));
        assert_eq!(parse(FileId(0), MESSY).file, parse(FileId(0), &once).file);
    }

    #[test]
    fn leaves_broken_files_alone() {
        assert_eq!(format("rule X \"t\" { where ( }"), None);
    }

    #[test]
    fn standard_rules_are_formatted() {
        for (name, text) in crate::check::STANDARD_RULES {
            assert_eq!(
                format(text).as_deref(),
                Some(*text),
                "rules/{name} is not formatted"
            );
        }
    }
}
