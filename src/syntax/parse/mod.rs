//! Rule text → AST, with every error the parser can find.
//!
//! pest stops at the first error, so the file is parsed one declaration at a
//! time: after a broken declaration the parser skips to the next line that
//! starts a declaration and goes on. An editor thus sees the rest of the file
//! analysed while one rule is half-typed.

mod build;
mod errors;
mod tokens;

use pest::Parser;
use pest::iterators::Pair;

use super::ast::*;
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};

use build::Builder;
use errors::{deepest_error, nesting_error, syntax_error};
pub use tokens::{Token, TokenKind, tokens};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/sunlight.pest"]
struct RuleParser;

/// The result of parsing one file: what could be read, and every error.
#[derive(Debug)]
pub struct Parsed {
    /// The declarations that parsed.
    pub file: File,
    /// Syntax errors, in file order.
    pub errors: Vec<Diagnostic>,
}

/// Words that start a declaration; recovery resumes at a line starting with one.
const DECL_KEYWORDS: &[&str] = &[
    "rule",
    "param",
    "set",
    "kind",
    "struct",
    "enum",
    "def",
    "chain",
    "import",
    "extend",
    "effective",
    "until",
    "family",
    "statistics",
];

/// Deepest nesting of brackets in a declaration accepted by default; deeper
/// input is refused before pest's recursive descent could exhaust the
/// stack. `--max-expr-depth` raises it.
pub const MAX_NESTING: usize = 64;

/// Parse a rule file with the default nesting limit.
pub fn parse(file: FileId, text: &str) -> Parsed {
    parse_with(file, text, MAX_NESTING)
}

/// Parse a rule file, refusing declarations nested deeper than `max_nesting`.
pub fn parse_with(file: FileId, text: &str, max_nesting: usize) -> Parsed {
    let mut decls = Vec::new();
    let mut errors = Vec::new();
    let mut pos = 0;
    loop {
        let (next, doc) = skip_trivia(text, pos);
        pos = next;
        if pos >= text.len() {
            break;
        }
        let rest = text.get(pos..).unwrap_or("");
        if let Some(err) = nesting_error(file, text, pos, max_nesting) {
            errors.push(err);
            pos = next_decl_start(text, pos);
            continue;
        }
        match RuleParser::parse(Rule::decl, rest) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else { break };
                let end = pos + token_end(rest, &pair);
                let mut b = Builder {
                    file,
                    base: pos,
                    errors: &mut errors,
                    max_chain: 4 * max_nesting,
                };
                let errors_before = b.errors.len();
                let built = b.decl(pair);
                // A declaration the builder refused part of is not compiled:
                // its placeholder would only cause errors of its own.
                let built = built.filter(|_| b.errors.len() == errors_before);
                if let Some(mut decl) = built {
                    let deepest = decl.exprs().into_iter().map(Expr::depth).max().unwrap_or(0);
                    if deepest > 4 * max_nesting {
                        errors.push(
                            Diagnostic::error(decl.span, format!("expression nested deeper than {} levels", 4 * max_nesting))
                                .with_help("split the expression with `let` or `def`, or raise the limit (up to 1,000) with --max-expr-depth"),
                        );
                        pos = next_decl_start(text, pos);
                        continue;
                    }
                    decl.doc = doc;
                    decl.span.end = u32::try_from(end).unwrap_or(decl.span.end);
                    decls.push(decl);
                }
                pos = if end > pos {
                    end
                } else {
                    next_decl_start(text, pos)
                };
            }
            Err(e) => {
                errors.push(syntax_error(file, pos, rest, deepest_error(rest, e)));
                pos = next_decl_start(text, pos);
            }
        }
    }
    Parsed {
        file: File { decls },
        errors,
    }
}

/// Parse one expression (parameter values on the command line or in
/// parameter files use the same literals as rule files).
pub fn parse_expr(file: FileId, text: &str) -> Result<Expr, Diagnostic> {
    parse_expr_at(file, text, 0)
}

/// Parse one expression that stands at byte `base` of its file.
pub fn parse_expr_at(file: FileId, text: &str, base: usize) -> Result<Expr, Diagnostic> {
    if let Some(err) = nesting_error(file, text, 0, MAX_NESTING) {
        return Err(err);
    }
    let pairs =
        RuleParser::parse(Rule::expr_only, text).map_err(|e| syntax_error(file, base, text, e))?;
    let mut errors = Vec::new();
    let mut b = Builder {
        file,
        base,
        errors: &mut errors,
        max_chain: 4 * MAX_NESTING,
    };
    let expr = pairs
        .into_iter()
        .next()
        .and_then(|p| p.into_inner().next())
        .map(|p| b.expr(p));
    match (expr, errors.into_iter().next()) {
        (_, Some(err)) => Err(err),
        (Some(e), None) => Ok(e),
        (None, None) => Err(Diagnostic::error(
            Span::new(file, base, base + text.len()),
            "expected an expression",
        )),
    }
}

/// Skip white space and comments from `pos`; return the next position and
/// the `///` lines met on the way (the doc of the declaration that follows).
pub(super) fn skip_trivia(text: &str, pos: usize) -> (usize, Option<String>) {
    skip_trivia_noting(text, pos, |_, _| {})
}

/// [`skip_trivia`], telling `comment_at` where each comment starts and ends.
pub(super) fn skip_trivia_noting(
    text: &str,
    mut pos: usize,
    mut comment_at: impl FnMut(usize, usize),
) -> (usize, Option<String>) {
    let mut doc: Vec<String> = Vec::new();
    loop {
        let rest = text.get(pos..).unwrap_or("");
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n', '\u{3000}', '\u{feff}']);
        pos += rest.len() - trimmed.len();
        if let Some(comment) = trimmed.strip_prefix("//") {
            // As `COMMENT` in the grammar: a lone `\r` ends a comment too, so
            // that a comment ends at the same place between declarations as
            // inside one.
            let line_len = comment.find(['\n', '\r']).unwrap_or(comment.len());
            comment_at(pos, pos + 2 + line_len);
            if let Some(d) = comment.strip_prefix('/') {
                let line = d.get(..line_len.saturating_sub(1)).unwrap_or("");
                doc.push(
                    line.strip_prefix(' ')
                        .unwrap_or(line)
                        .trim_end()
                        .to_string(),
                );
            } else {
                doc.clear();
            }
            pos += 2 + line_len;
        } else {
            let doc = (!doc.is_empty()).then(|| doc.join("\n"));
            return (pos, doc);
        }
    }
}

/// Where a declaration really ends. pest lets a pair's span run over the
/// white space and comments it skipped while looking for more, which would
/// swallow the doc comment of the next declaration; the last token (or the
/// closing brackets after it) marks the end.
pub(super) fn token_end(rest: &str, pair: &Pair<'_, Rule>) -> usize {
    let pair_end = pair.as_span().end();
    let last_leaf = pair
        .clone()
        .into_inner()
        .flatten()
        .filter(|p| p.clone().into_inner().next().is_none())
        .map(|p| p.as_span().end())
        .max()
        .unwrap_or(pair_end);
    let mut end = last_leaf;
    let mut p = last_leaf;
    loop {
        let (q, _) = skip_trivia(rest, p);
        if q >= pair_end {
            return end;
        }
        let Some(ch) = rest.get(q..).and_then(|r| r.chars().next()) else {
            return end;
        };
        end = q + ch.len_utf8();
        p = end;
    }
}

/// Whether a line (text from a line start) begins a declaration or its doc comment.
fn starts_decl(line: &str) -> bool {
    DECL_KEYWORDS.iter().any(|kw| {
        line.strip_prefix(kw)
            .is_some_and(|after| after.starts_with([' ', '\t']))
    }) || line.starts_with("///")
}

/// The start of the first line after `pos` that begins with a declaration keyword.
pub fn next_decl_start(text: &str, pos: usize) -> usize {
    let mut offset = pos;
    // A line ends at LF, CRLF or a lone CR, as the grammar reads it.
    while let Some(nl) = text.get(offset..).and_then(|r| r.find(['\n', '\r'])) {
        offset += nl + 1;
        if starts_decl(text.get(offset..).unwrap_or("")) {
            return offset;
        }
    }
    text.len()
}

/// The start of the declaration `pos` is in: the last line at or before
/// `pos` that begins with a declaration keyword (0 when none does).
pub fn decl_start_before(text: &str, pos: usize) -> usize {
    let mut line_start = text
        .get(..pos)
        .and_then(|t| t.rfind(['\n', '\r']))
        .map_or(0, |i| i + 1);
    while line_start > 0 && !starts_decl(text.get(line_start..).unwrap_or("")) {
        line_start = text
            .get(..line_start - 1)
            .and_then(|t| t.rfind(['\n', '\r']))
            .map_or(0, |i| i + 1);
    }
    line_start
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::num::Num;

    fn parse_ok(src: &str) -> File {
        let p = parse(FileId(0), src);
        assert!(p.errors.is_empty(), "unexpected errors: {:?}", p.errors);
        p.file
    }

    #[test]
    fn validity_clauses_date_rules_sets_and_files() {
        let f = parse_ok(
            "effective 2016-01-01\n\
             set 大额资金标准 = 50万 effective 2015-01-01 until 2016-12-31\n\
             rule X \"t\" until 2014-12-31 { severity error }\n\
             kind k decided by r => r.day { day: date }\n",
        );
        let date = |s: &str| crate::date::Date::parse(s).ok();
        let DeclKind::Validity(v) = &f.decls[0].kind else {
            unreachable!("not a file period")
        };
        assert_eq!((v.from.map(|d| d.0), v.until), (date("2016-01-01"), None));
        let DeclKind::Param(p) = &f.decls[1].kind else {
            unreachable!("not a set")
        };
        let v = p
            .validity
            .as_ref()
            .map(|v| (v.from.map(|d| d.0), v.until.map(|d| d.0)));
        assert_eq!(v, Some((date("2015-01-01"), date("2016-12-31"))));
        let DeclKind::Rule(r) = &f.decls[2].kind else {
            unreachable!("not a rule")
        };
        let v = r.validity.as_ref().map(|v| (v.from, v.until.map(|d| d.0)));
        assert_eq!(v, Some((None, date("2014-12-31"))));
        let DeclKind::Struct(k) = &f.decls[3].kind else {
            unreachable!("not a kind")
        };
        assert!(matches!(
            k.decided_by.as_ref().map(|e| &e.kind),
            Some(ExprKind::Lambda(..))
        ));
    }

    #[test]
    fn a_period_that_ends_before_it_starts_is_an_error() {
        let p = parse(
            FileId(0),
            "rule X \"t\" effective 2015-01-01 until 2014-12-31 { severity error }\n",
        );
        assert_eq!(p.errors.len(), 1);
        assert_eq!(
            p.errors[0].message,
            "`until 2014-12-31` is before `effective 2015-01-01`"
        );
        assert_eq!(p.errors[0].span.map(|s| (s.start, s.end)), Some((38, 48)));
    }

    #[test]
    fn parses_a_rule_with_chinese_names() {
        let f = parse_ok(
            r#"
/// 大额资金的起点
param 大额资金标准 = 20万

rule SZYD-012 "一般事项金额达到大额" {
  severity error
  cite "《三重一大》"
  for m in meeting, i in m.items
  where i.category == "一般事项"
  require not (i.amount >= 大额资金标准)
  at i.category
  message "金额 {i.amount} 元"
}
"#,
        );
        assert_eq!(f.decls.len(), 2);
        assert_eq!(f.decls[0].doc.as_deref(), Some("大额资金的起点"));
        let DeclKind::Param(p) = &f.decls[0].kind else {
            unreachable!("not a param")
        };
        assert_eq!(
            p.value.kind,
            ExprKind::Num(Num::int(200_000), NumUnit::Money)
        );
        let DeclKind::Rule(r) = &f.decls[1].kind else {
            unreachable!("not a rule")
        };
        assert_eq!(r.id.name, "SZYD-012");
        assert_eq!(r.items.len(), 7);
    }

    #[test]
    fn reports_every_broken_declaration_and_keeps_the_rest() {
        let src = "param a = (1 +\nparam b = 2\nrule X \"t\" {\n  where ==\n}\nparam c = 3\n";
        let p = parse(FileId(0), src);
        assert_eq!(p.errors.len(), 2, "{:?}", p.errors);
        assert_eq!(p.file.decls.len(), 2);
        let second = p.errors[1].span.map(|s| s.start as usize).unwrap_or(0);
        assert_eq!(&src[second..second + 2], "==");
        // The same with CR-only and CRLF line ends.
        for line_end in ["\r", "\r\n"] {
            let src = src.replace('\n', line_end);
            let p = parse(FileId(0), &src);
            assert_eq!(p.errors.len(), 2, "{line_end:?}: {:?}", p.errors);
            assert_eq!(p.file.decls.len(), 2, "{line_end:?}");
        }
    }

    #[test]
    fn operators_bind_as_expected() {
        let e = parse_expr(FileId(0), "a + b * 2 >= c and not d in e").map(|e| e.kind);
        let Ok(ExprKind::Binary(BinOp::And, lhs, rhs)) = e else {
            unreachable!("not an and: {e:?}")
        };
        assert!(matches!(lhs.kind, ExprKind::Binary(BinOp::Ge, _, _)));
        assert!(matches!(rhs.kind, ExprKind::Unary(UnOp::Not, _)));
        let e = parse_expr(FileId(0), "x not in y").map(|e| e.kind);
        assert!(
            matches!(e, Ok(ExprKind::Binary(BinOp::NotIn, _, _))),
            "{e:?}"
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let src = format!("param a = {}1{}", "(".repeat(100_000), ")".repeat(100_000));
        let p = parse(FileId(0), &src);
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].message.contains("nested deeper"));
    }

    #[test]
    fn a_declaration_ends_at_its_last_token_so_the_next_keeps_its_doc() {
        let src = "def a(d) = d.x == none\n\n/// Doc of r.\nparam r = 1\nrule X \"t\" { severity error } // done\n";
        let f = parse_ok(src);
        assert_eq!(f.decls[1].doc.as_deref(), Some("Doc of r."));
        let spans: Vec<&str> = f
            .decls
            .iter()
            .map(|d| &src[d.span.start as usize..d.span.end as usize])
            .collect();
        assert_eq!(
            spans,
            [
                "def a(d) = d.x == none",
                "param r = 1",
                "rule X \"t\" { severity error }"
            ]
        );
    }

    /// The grammar ends a comment at any line break, a lone `\r` too;
    /// between declarations the comment ran on to the next `\n` and hid
    /// the declaration after the `\r`.
    #[test]
    fn a_comment_ends_at_a_lone_carriage_return_between_declarations_too() {
        let f = parse_ok("param a = 1 // 注\rparam b = 2\n/// 文档\r\nparam c = 3\n");
        assert_eq!(f.decls.len(), 3);
        assert_eq!(f.decls[2].doc.as_deref(), Some("文档"));
    }

    /// Found by the formatting property: `{{` in a string was counted as
    /// an interpolation, and from there on code as text and text as code,
    /// so a list of such strings was refused as too deeply nested.
    #[test]
    fn literal_braces_are_not_nesting() {
        let list = format!("param p = [{}]\n", "\"{{\", ".repeat(40));
        parse_ok(&list);
    }

    #[test]
    fn templates_interpolate() {
        let e = parse_expr(FileId(0), r#""到会 {count(m.attendees)} 人 {{x}}""#);
        let Ok(ExprKind::Str(t)) = e.map(|e| e.kind) else {
            unreachable!("not a string")
        };
        assert_eq!(t.parts.len(), 3);
        assert_eq!(t.parts[2], TemplatePart::Text(" 人 {x}".into()));
    }

    #[test]
    fn keywords_glued_to_what_follows_are_not_keywords() {
        for (src, found) in [
            ("rule X \"t\" {\n  requirecount(m) > 0\n}\n", "2:3"),
            ("rule X \"t\" {\n  for m inmeeting\n}\n", "2:9"),
            ("rule X \"t\" {\n  for m in meeting\n  atm.body\n}\n", "3:3"),
            ("chain c {\n  namex y\n}\n", "2:3"),
            ("kind k {\n  a: [x] uniqueby y\n}\n", "2:10"),
        ] {
            let p = parse(FileId(0), src);
            let lines = crate::source::LineIndex::new(src);
            let at: Vec<String> = p
                .errors
                .iter()
                .filter_map(|e| e.span)
                .map(|s| {
                    let at = lines.line_col(src, s.start as usize);
                    format!("{}:{}", at.line, at.column)
                })
                .collect();
            assert_eq!(at, [found], "{src}: {:?}", p.errors);
        }
        // Where the glued word can be a name, it is one.
        let f = parse_ok("kind k {\n  a: reference\n  b: keys\n}\n");
        let DeclKind::Struct(StructDecl {
            body: StructBody::Fields(fields),
            ..
        }) = &f.decls[0].kind
        else {
            unreachable!("not a kind")
        };
        assert!(matches!(&fields[0].ty.kind, TypeKind::Named(n) if n.name == "reference"));
        assert!(matches!(&fields[1].ty.kind, TypeKind::Named(n) if n.name == "keys"));
        let e = parse_expr(FileId(0), "ifx").map(|e| e.kind);
        assert!(
            matches!(&e, Ok(ExprKind::Name(n)) if n.name == "ifx"),
            "{e:?}"
        );
    }
}
