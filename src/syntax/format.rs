//! The rule-file formatter (`sunlight fmt`, and formatting in the editor).
//!
//! It keeps the author's line breaks and comments and normalises the rest:
//! indentation by brace depth (two spaces), one space around binary
//! operators and after commas, none inside brackets, no trailing white
//! space, at most one blank line in a row, one final newline. A file that
//! does not parse is left alone. Formatting twice changes nothing.
//!
//! It lays out the tokens the parser reads ([`parse::tokens`]) and only
//! changes the white space between them: a string, comments and line
//! breaks inside it included, is copied as it is.

use super::parse::{self, TokenKind};
use crate::source::FileId;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok<'a> {
    /// A name, keyword or number (with its unit).
    Word(&'a str),
    /// A string literal, verbatim, line breaks included.
    Str(&'a str),
    /// A `//` comment, verbatim.
    Comment(&'a str),
    /// Punctuation or an operator.
    Punct(&'a str),
    /// A minus sign before an operand.
    Sign(&'a str),
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
            | "target"
    )
}

/// Lay out one line's tokens with normalised spacing. Only white space
/// between tokens changes; every token is copied as it is.
fn layout(toks: &[Tok<'_>]) -> String {
    let mut out = String::new();
    let mut prev: Option<&Tok<'_>> = None;
    for t in toks {
        let space = match (prev, t) {
            (None, _) => false,
            (_, Tok::Comment(_)) => true,
            (Some(Tok::Punct("(" | "[" | ".") | Tok::Sign(_)), _) => false,
            (_, Tok::Punct(")" | "]" | "," | "." | ":" | "?")) => false,
            (Some(Tok::Word(w)), Tok::Punct("(" | "[")) if !is_keyword(w) => false,
            (Some(Tok::Str(_)), Tok::Punct("(")) => false,
            (Some(Tok::Punct(")" | "]")), Tok::Punct("[")) => false,
            _ => true,
        };
        if space {
            out.push(' ');
        }
        match t {
            Tok::Comment(c) => out.push_str(c.trim_end()),
            Tok::Word(w) | Tok::Str(w) | Tok::Punct(w) | Tok::Sign(w) => out.push_str(w),
        }
        prev = Some(t);
    }
    out
}

/// How many line breaks white space between tokens holds (`\r\n`, `\n`
/// or a lone `\r`, as the grammar counts them).
fn line_breaks(space: &str) -> usize {
    space.matches('\n').count() + space.matches('\r').count() - space.matches("\r\n").count()
}

/// A line's tokens, with whether a blank line stands above it.
type Line<'t> = (bool, Vec<Tok<'t>>);

/// The first line break in white space between tokens, the file's line
/// end (`\n` when there is none).
fn first_break(space: &str) -> Option<&'static str> {
    let i = space.find(['\n', '\r'])?;
    Some(match space.get(i..i + 2) {
        Some("\r\n") => "\r\n",
        _ if space.get(i..i + 1) == Some("\r") => "\r",
        _ => "\n",
    })
}

/// The file's tokens grouped by the line they start on, each line with
/// whether a blank line stands above it; and the file's line end, the
/// first one outside strings.
fn lines(text: &str) -> Option<(Vec<Line<'_>>, &'static str)> {
    let mut lines: Vec<Line<'_>> = Vec::new();
    let mut newline = None;
    let mut prev_end = 0;
    for t in parse::tokens(text)? {
        let piece = text.get(t.start..t.end)?;
        let space = text.get(prev_end..t.start)?;
        newline = newline.or_else(|| first_break(space));
        let breaks = line_breaks(space);
        let tok = match t.kind {
            TokenKind::Word => Tok::Word(piece),
            TokenKind::Str => Tok::Str(piece),
            TokenKind::Comment => Tok::Comment(piece),
            TokenKind::Punct => Tok::Punct(piece),
            TokenKind::Sign => Tok::Sign(piece),
        };
        match lines.last_mut() {
            Some((_, line)) if breaks == 0 => line.push(tok),
            _ => lines.push((breaks > 1 && !lines.is_empty(), vec![tok])),
        }
        prev_end = t.end;
    }
    let newline = newline
        .or_else(|| first_break(text.get(prev_end..)?))
        .unwrap_or("\n");
    Some((lines, newline))
}

/// Format rule text; `None` when it does not parse (it is then left alone).
pub fn format(text: &str) -> Option<String> {
    if !parse::parse(FileId(0), text).errors.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    // A byte order mark is white space to the parser, but editors want it
    // kept at the start.
    if text.starts_with('\u{feff}') {
        out.push('\u{feff}');
    }
    // Lines end as the file's first line does (CRLF and CR files keep
    // theirs); line breaks inside strings are kept as written.
    let (lines, newline) = lines(text)?;
    let mut depth: usize = 0;
    for (blank, toks) in lines {
        // A line starting with closers is indented at the depth they return to.
        let leading_closers = toks
            .iter()
            .take_while(|t| matches!(t, Tok::Punct("}" | ")" | "]")))
            .count();
        let mut d = depth as isize;
        for t in &toks {
            match t {
                Tok::Punct("{" | "(" | "[") => d += 1,
                Tok::Punct("}" | ")" | "]") => d -= 1,
                _ => {}
            }
        }
        let mut line_depth = depth.saturating_sub(leading_closers);
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
            out.push_str(newline);
        }
        for _ in 0..line_depth {
            out.push_str("  ");
        }
        out.push_str(&layout(&toks));
        out.push_str(newline);
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
    fn keeps_the_files_line_ends() {
        for end in ["\r\n", "\r"] {
            let text = MESSY.replace('\n', end);
            let out = format(&text).unwrap_or_default();
            assert_eq!(out, format(MESSY).unwrap_or_default().replace('\n', end));
            assert_eq!(format(&out).as_deref(), Some(out.as_str()));
        }
        // A line break inside a string does not decide.
        let text = "param a = \"x\r\ny\"\nparam b = 2\n";
        assert_eq!(format(text).as_deref(), Some(text));
    }

    #[test]
    fn lays_out_report_marks() {
        let text = "kind v {\n  who:text   @personal\n  by: [text]@personal = []\n}\n";
        let out = format(text).unwrap_or_default();
        assert_eq!(
            out,
            "kind v {\n  who: text @personal\n  by: [text] @personal = []\n}\n"
        );
        assert_eq!(parse(FileId(0), text).file, parse(FileId(0), &out).file);
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
