//! Rule text → AST, with every error the parser can find.
//!
//! pest stops at the first error, so the file is parsed one declaration at a
//! time: after a broken declaration the parser skips to the next line that
//! starts a declaration and goes on. An editor thus sees the rest of the file
//! analysed while one rule is half-typed.

use pest::Parser;
use pest::error::InputLocation;
use pest::iterators::Pair;

use super::ast::*;
use crate::diag::Diagnostic;
use crate::num::Num;
use crate::source::{FileId, Span};

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
                                .with_help("split the expression with `let` or `def`, or raise the limit with --max-expr-depth"),
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
fn skip_trivia(text: &str, pos: usize) -> (usize, Option<String>) {
    skip_trivia_noting(text, pos, |_, _| {})
}

/// [`skip_trivia`], telling `comment_at` where each comment starts and ends.
fn skip_trivia_noting(
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
fn token_end(rest: &str, pair: &Pair<'_, Rule>) -> usize {
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

/// What a token is, as far as laying it out goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A name, keyword, number or rule id.
    Word,
    /// A string literal with its interpolations: one token, even over
    /// several lines.
    Str,
    /// A `//` comment, to the end of its line.
    Comment,
    /// Punctuation or an operator.
    Punct,
    /// A minus sign before an operand (`-x`), not a subtraction.
    Sign,
}

/// A token of rule text: its kind and byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it starts.
    pub start: usize,
    /// Where it ends (exclusive).
    pub end: usize,
}

/// The tokens of a rule file, comments included, as the parser reads
/// them; `None` when a declaration does not parse. The text between two
/// tokens is white space only. The formatter lays these out, so it cannot
/// split or join what the grammar reads as one token.
pub fn tokens(text: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let (next, _) = skip_trivia_noting(text, pos, |start, end| {
            out.push(Token {
                kind: TokenKind::Comment,
                start,
                end,
            });
        });
        pos = next;
        if pos >= text.len() {
            return Some(out);
        }
        // The limit guards pest's recursion, as in `parse_with`.
        if nesting_error(FileId(0), text, pos, MAX_NESTING).is_some() {
            return None;
        }
        let rest = text.get(pos..)?;
        let pair = RuleParser::parse(Rule::decl, rest).ok()?.next()?;
        let end = token_end(rest, &pair);
        if end == 0 {
            return None;
        }
        let mut at = 0;
        // Pre-order: a string or number comes before the parts inside it,
        // which are then skipped as already covered.
        for p in pair.into_inner().flatten() {
            let span = p.as_span();
            let (start, stop) = (span.start(), span.end());
            let kind = match p.as_rule() {
                Rule::string => TokenKind::Str,
                Rule::number | Rule::date_lit | Rule::rule_id => TokenKind::Word,
                Rule::neg_op => TokenKind::Sign,
                Rule::cmp_op
                | Rule::default_op
                | Rule::add_op
                | Rule::mul_op
                | Rule::all_kinds
                | Rule::optional_mark
                | Rule::enum_sep
                | Rule::enum_end
                    if p.clone().into_inner().next().is_none() =>
                {
                    TokenKind::Punct
                }
                _ if p.clone().into_inner().next().is_none() => TokenKind::Word,
                _ => continue,
            };
            if stop <= at {
                continue;
            }
            if start < at || stop > end {
                // Not one token after another: better not to format at all.
                return None;
            }
            gap_tokens(rest, at, start, pos, &mut out)?;
            if p.as_rule() == Rule::not_in_op {
                // `not in` may break over lines: two words with only white
                // space between them.
                for (s, e) in [(start, start + 3), (stop - 2, stop)] {
                    out.push(Token {
                        kind: TokenKind::Word,
                        start: pos + s,
                        end: pos + e,
                    });
                }
            } else {
                out.push(Token {
                    kind,
                    start: pos + start,
                    end: pos + stop,
                });
            }
            at = stop;
        }
        gap_tokens(rest, at, end, pos, &mut out)?;
        pos += end;
    }
}

/// The tokens between two tokens that the parser names: only the grammar's
/// literal keywords and punctuation, white space and comments are there.
fn gap_tokens(rest: &str, from: usize, to: usize, base: usize, out: &mut Vec<Token>) -> Option<()> {
    let gap = rest.get(from..to)?;
    let mut i = 0;
    while let Some(c) = gap.get(i..).and_then(|r| r.chars().next()) {
        let tail = gap.get(i..).unwrap_or("");
        let (kind, len) = if matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{3000}') {
            i += c.len_utf8();
            continue;
        } else if tail.starts_with("//") {
            // `COMMENT` in the grammar: up to a line break.
            (
                TokenKind::Comment,
                tail.find(['\n', '\r']).unwrap_or(tail.len()),
            )
        } else if tail.starts_with("=>") || tail.starts_with("->") {
            (TokenKind::Punct, 2)
        } else if c.is_ascii_punctuation() && c != '_' {
            (TokenKind::Punct, 1)
        } else {
            let len = tail
                .find(|ch: char| {
                    matches!(ch, ' ' | '\t' | '\r' | '\n' | '\u{3000}')
                        || (ch.is_ascii_punctuation() && ch != '_')
                })
                .unwrap_or(tail.len());
            (TokenKind::Word, len)
        };
        out.push(Token {
            kind,
            start: base + from + i,
            end: base + from + i + len,
        });
        i += len;
    }
    Some(())
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

/// Refuse a declaration that would make the parser recurse too deep:
/// brackets nested deeper than `max`, or more than `4 × max` `if`s and
/// functions (`=>`), each of which the grammar nests.
fn nesting_error(file: FileId, text: &str, pos: usize, max: usize) -> Option<Diagnostic> {
    let end = next_decl_start(text, pos);
    let decl = text.get(pos..end).unwrap_or("");
    let mut depth = 0usize;
    let mut nested_words = 0usize;
    let too_deep = |at: usize, what: String| {
        Some(
            Diagnostic::error(Span::new(file, pos + at, pos + at + 1), what)
                .with_help("split the expression with `let` or `def`, or raise the limit with --max-expr-depth"),
        )
    };
    let mut prev = ' ';
    // Contexts: `true` inside a string, `false` in code (the declaration,
    // or an interpolation `{…}` inside a string).
    let mut stack: Vec<bool> = vec![false];
    let mut escaped = false;
    let mut literal_brace = false;
    let mut comment = false;
    for (i, ch) in decl.char_indices() {
        let in_string = stack.last().copied().unwrap_or(false);
        if comment {
            comment = !matches!(ch, '\n' | '\r');
            prev = ch;
            continue;
        }
        if in_string {
            match ch {
                _ if escaped => escaped = false,
                _ if literal_brace => literal_brace = false,
                '\\' => escaped = true,
                '"' => {
                    stack.pop();
                }
                // `{{` is a brace in the text, not an interpolation.
                '{' if decl.get(i + 1..).is_some_and(|r| r.starts_with('{')) => {
                    literal_brace = true;
                }
                '{' => {
                    stack.push(false);
                    depth += 1;
                    if depth > max {
                        return too_deep(i, format!("expression nested deeper than {max} levels"));
                    }
                }
                _ => {}
            }
            prev = ch;
            continue;
        }
        match ch {
            '/' if prev == '/' => comment = true,
            '"' => stack.push(true),
            '(' | '[' | '{' => {
                depth += 1;
                if depth > max {
                    return too_deep(i, format!("expression nested deeper than {max} levels"));
                }
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            '}' => {
                depth = depth.saturating_sub(1);
                // The end of an interpolation returns to its string.
                if stack.len() > 1 {
                    stack.pop();
                }
            }
            '>' if prev == '=' => nested_words += 1,
            'i' if !(prev.is_alphanumeric() || prev == '_')
                && decl.get(i..).is_some_and(|r| {
                    r.starts_with("if")
                        && !r
                            .get(2..)
                            .unwrap_or("")
                            .starts_with(|c: char| c.is_alphanumeric() || c == '_')
                }) =>
            {
                nested_words += 1;
            }
            _ => {}
        }
        if nested_words > 4 * max {
            return too_deep(
                i,
                format!(
                    "more than {} `if`s and functions (`=>`) in one declaration",
                    4 * max
                ),
            );
        }
        prev = ch;
    }
    None
}

/// The error of the declaration its keyword announces, when that reaches
/// further than the error of `decl` as a whole: pest gives up on the
/// alternatives of `decl` at their start, which would blame the keyword
/// (`enum`) for a bad character far inside the declaration.
fn deepest_error(rest: &str, e: pest::error::Error<Rule>) -> pest::error::Error<Rule> {
    let keyword = rest
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    let rule = match keyword {
        "rule" => Rule::rule_decl,
        "param" => Rule::param_decl,
        "set" => Rule::set_decl,
        "kind" => Rule::kind_decl,
        "struct" => Rule::struct_decl,
        "enum" => Rule::enum_decl,
        "extend" => Rule::extend_decl,
        "def" => Rule::def_decl,
        "chain" => Rule::chain_decl,
        "import" => Rule::import_decl,
        "family" => Rule::family_decl,
        "statistics" => Rule::statistics_decl,
        _ => return e,
    };
    let start = |e: &pest::error::Error<Rule>| match e.location {
        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
    };
    match RuleParser::parse(rule, rest) {
        Err(specific) if start(&specific) > start(&e) => specific,
        _ => e,
    }
}

fn syntax_error(file: FileId, base: usize, rest: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((a, b)) => (a, b),
    };
    // At the end of the file: just after its last character, not on the
    // empty line after its final line break.
    let content_end = rest.trim_end().len();
    let at_end = start > content_end;
    let (start, end) = if at_end {
        (content_end, content_end)
    } else {
        (start, end)
    };
    // Point at the whole offending token rather than at one character.
    let token_len = rest
        .get(start..)
        .map(|r| {
            r.char_indices()
                .find(|(_, c)| c.is_whitespace())
                .map_or(r.len(), |(i, _)| i)
        })
        .unwrap_or(0);
    let end = if at_end {
        end
    } else {
        end.max(
            start
                + token_len.max(
                    rest.get(start..)
                        .and_then(|r| r.chars().next())
                        .map_or(0, char::len_utf8),
                ),
        )
    };
    let found = rest
        .get(start..end)
        .filter(|s| !s.is_empty())
        .map_or("the end of the file".to_string(), |s| format!("`{s}`"));
    let expected = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    // A bracket left open earlier is the usual cause of an error found
    // only at the next clause: blame the bracket, show where parsing gave up.
    if let Some((at, open)) = unclosed_bracket(rest, start) {
        let close = if open == '(' { ')' } else { ']' };
        return Diagnostic::error(
            Span::new(file, base + at, base + at + 1),
            format!("syntax error: `{open}` is not closed"),
        )
        .with_label(format!("this `{open}` has no matching `{close}`"))
        .with_related(
            Span::new(file, base + start, base + end),
            format!("expected `{close}` or {expected} before {found}"),
        )
        .with_help(format!("add the missing `{close}`"));
    }
    Diagnostic::error(
        Span::new(file, base + start, base + end),
        format!("syntax error: expected {expected}, found {found}"),
    )
    .with_label(format!("expected {expected}"))
    .with_help(help_for(&e.variant))
}

/// The innermost `(` or `[` of `text[..upto]` still open at `upto`, when it
/// is on an earlier line than `upto` (strings, interpolations and comments
/// are read as the grammar reads them).
fn unclosed_bracket(text: &str, upto: usize) -> Option<(usize, char)> {
    let before = text.get(..upto)?;
    // Open brackets in code; `"` marks a string, `{` a brace or interpolation.
    let mut stack: Vec<(usize, char)> = Vec::new();
    let mut chars = before.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        let in_string = stack.last().is_some_and(|(_, c)| *c == '"');
        if in_string {
            match ch {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    stack.pop();
                }
                '{' if chars.peek().is_some_and(|(_, c)| *c == '{') => {
                    chars.next();
                }
                '{' => stack.push((i, '{')),
                _ => {}
            }
            continue;
        }
        match ch {
            '/' if chars.peek().is_some_and(|(_, c)| *c == '/') => {
                while chars.peek().is_some_and(|(_, c)| !matches!(c, '\n' | '\r')) {
                    chars.next();
                }
            }
            '"' | '(' | '[' | '{' => stack.push((i, ch)),
            ')' | ']' | '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    let (at, open) = stack.last().copied()?;
    let later_line = before.get(at..).is_some_and(|r| r.contains(['\n', '\r']));
    (matches!(open, '(' | '[') && later_line).then_some((at, open))
}

fn describe_expected(rules: &[Rule]) -> String {
    let mut names: Vec<&str> = rules.iter().map(|r| rule_name(*r)).collect();
    names.sort_unstable();
    names.dedup();
    match names.as_slice() {
        [] => "something else".into(),
        [one] => (*one).into(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn help_for(variant: &pest::error::ErrorVariant<Rule>) -> String {
    let pest::error::ErrorVariant::ParsingError { positives, .. } = variant else {
        return "see the rule language in the README".into();
    };
    if positives.contains(&Rule::rule_item) || positives.contains(&Rule::kw_rule_item) {
        "a rule holds `severity`, `cite`, `for`, `where`, `let`, `require`, `at`, `message`, `help` and `related` clauses".into()
    } else if positives.contains(&Rule::enum_sep) || positives.contains(&Rule::enum_end) {
        "enum members are names separated by `,`; quote a member that is no name: `\"不予许可（补正后）\"`".into()
    } else if positives.contains(&Rule::decl) {
        "a file holds `rule`, `param`, `set`, `kind`, `struct`, `enum`, `def`, `chain` and `import` declarations".into()
    } else if positives.contains(&Rule::type_expr) || positives.contains(&Rule::type_atom) {
        "a type is a name (`text`, `money`, `date` …), `[T]`, `T or [T]`, `ref KIND` or `key FIELD.LIST.KEY`, with `?` when optional".into()
    } else {
        "check the brackets, quotes and operators near here".into()
    }
}

fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::decl | Rule::file | Rule::EOI => "a declaration (`rule`, `param`, `kind` …)",
        Rule::rule_item | Rule::kw_rule_item => {
            "a rule clause (`for`, `where`, `require` …) or `}`"
        }
        Rule::expr | Rule::expr_only | Rule::primary | Rule::postfix_expr | Rule::unary_expr => {
            "an expression"
        }
        Rule::ident | Rule::name_ref => "a name",
        Rule::rule_id => "a rule id",
        Rule::enum_sep => "`,`",
        Rule::enum_end => "`}`",
        Rule::string => "a quoted string",
        Rule::number | Rule::digits => "a number",
        Rule::type_expr | Rule::type_atom | Rule::type_name => "a type",
        Rule::field_decl | Rule::field_check => "a field (`name: type`) or `}`",
        Rule::when_clause => "`when FIELD == VALUE`",
        Rule::variant_decl => "a variant (`名称 { … }`) or `}`",
        Rule::enum_member => "an enum member",
        Rule::chain_item | Rule::kw_chain_item => {
            "a chain clause (`steps`, `name`, `date`, `actor`, `order`, `optional`, `distinct`) or `}`"
        }
        Rule::binding => "a binding (`x in KIND`)",
        Rule::cmp_op => "a comparison",
        Rule::add_op | Rule::mul_op | Rule::or_op | Rule::and_op | Rule::default_op => {
            "an operator"
        }
        Rule::field_access | Rule::index_access => "`.` or `[`",
        Rule::tagged_by | Rule::kw_tagged => "`tagged by`",
        Rule::kw_by => "`by`",
        Rule::kw_in => "`in`",
        Rule::kw_then => "`then`",
        Rule::kw_else => "`else`",
        Rule::optional_mark => "`?`",
        Rule::lambda => "a function (`x => …`)",
        _ => "more input",
    }
}

/// Turns pest pairs into AST nodes, offsetting spans by `base`.
struct Builder<'e> {
    file: FileId,
    base: usize,
    errors: &'e mut Vec<Diagnostic>,
    /// Longest chain of operators (`a + b + …`, `- - x`, `a.b.c…`) built
    /// into one expression; longer ones are refused so that the tree stays
    /// shallow enough to check and evaluate.
    max_chain: usize,
}

impl Builder<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    /// An enum member: a name, or the text of a quoted member.
    fn enum_member(&mut self, pair: Pair<'_, Rule>) -> Ident {
        if pair.as_rule() != Rule::string {
            return self.ident(pair);
        }
        let span = self.span(&pair);
        let template = self.template(pair);
        let name = template.as_plain().unwrap_or_else(|| {
            self.errors.push(
                Diagnostic::error(span, "an enum member is plain text")
                    .with_help("write the value without `{…}`; use `{{` and `}}` for braces"),
            );
            String::new()
        });
        Ident { name, span }
    }

    fn idents(&self, pair: Pair<'_, Rule>) -> Vec<Ident> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(p))
            .collect()
    }

    fn decl(&mut self, pair: Pair<'_, Rule>) -> Option<Decl> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        let kind = match inner.as_rule() {
            Rule::import_decl => DeclKind::Import(self.template(inner.into_inner().next()?)),
            Rule::enum_decl => {
                let mut it = inner.into_inner();
                let name = self.ident(it.next()?);
                let members = it
                    .filter_map(|m| m.into_inner().next())
                    .map(|p| self.enum_member(p))
                    .collect();
                DeclKind::Enum(EnumDecl { name, members })
            }
            Rule::kind_decl => {
                let mut it = inner.into_inner().peekable();
                let name = self.ident(it.next()?);
                let decided_by = match it.peek().map(Pair::as_rule) {
                    Some(Rule::decided_by) => Some(self.decided_by(it.next()?)?),
                    _ => None,
                };
                let (checks, fields): (Vec<_>, Vec<_>) =
                    it.partition(|p| p.as_rule() == Rule::field_check);
                DeclKind::Struct(StructDecl {
                    is_kind: true,
                    name,
                    body: StructBody::Fields(
                        fields.into_iter().filter_map(|f| self.field(f)).collect(),
                    ),
                    checks: checks
                        .into_iter()
                        .filter_map(|c| self.field_check(c))
                        .collect(),
                    decided_by,
                })
            }
            Rule::extend_decl => {
                let mut it = inner.into_inner().peekable();
                let target = it.next()?;
                let is_kind = target.as_str().starts_with("kind");
                let name = self.ident(it.next()?);
                let decided_by = match it.peek().map(Pair::as_rule) {
                    Some(Rule::decided_by) => Some(self.decided_by(it.next()?)?),
                    _ => None,
                };
                let fields = it.filter_map(|f| self.field(f)).collect();
                DeclKind::Extend(StructDecl {
                    is_kind,
                    name,
                    body: StructBody::Fields(fields),
                    checks: Vec::new(),
                    decided_by,
                })
            }
            Rule::struct_decl => {
                let mut it = inner.into_inner().peekable();
                let name = self.ident(it.next()?);
                let mut checks = Vec::new();
                let body = if it.peek().map(Pair::as_rule) == Some(Rule::tagged_by) {
                    let tag = self.ident(it.next()?.into_inner().next()?);
                    let variants = it
                        .filter_map(|v| {
                            let mut vi = v.into_inner();
                            let name = self.ident(vi.next()?);
                            let fields = vi.filter_map(|f| self.field(f)).collect();
                            Some(VariantDecl { name, fields })
                        })
                        .collect();
                    StructBody::Tagged { tag, variants }
                } else {
                    let (cs, fields): (Vec<_>, Vec<_>) =
                        it.partition(|p| p.as_rule() == Rule::field_check);
                    checks = cs.into_iter().filter_map(|c| self.field_check(c)).collect();
                    StructBody::Fields(fields.into_iter().filter_map(|f| self.field(f)).collect())
                };
                DeclKind::Struct(StructDecl {
                    is_kind: false,
                    name,
                    body,
                    checks,
                    decided_by: None,
                })
            }
            Rule::param_decl | Rule::set_decl => {
                let is_override = inner.as_rule() == Rule::set_decl;
                let mut it = inner.into_inner().peekable();
                let name = self.ident(it.next()?);
                let mut marks = Vec::new();
                while let Some(p) = it.next_if(|p| p.as_rule() == Rule::field_mark) {
                    marks.push(self.mark(&p));
                }
                let value = self.expr(it.next()?);
                let validity = match it.next() {
                    Some(v) => Some(self.validity(v)?),
                    None => None,
                };
                DeclKind::Param(ParamDecl {
                    name,
                    value,
                    is_override,
                    validity,
                    marks,
                })
            }
            Rule::def_decl => {
                let mut parts: Vec<Pair<'_, Rule>> = inner.into_inner().collect();
                let body = self.expr(parts.pop()?);
                let mut names = parts.into_iter().map(|p| self.ident(p));
                let name = names.next()?;
                DeclKind::Def(DefDecl {
                    name,
                    params: names.collect(),
                    body,
                })
            }
            Rule::chain_decl => {
                let mut it = inner.into_inner();
                let name = self.ident(it.next()?);
                let items = it.filter_map(|i| self.chain_item(i)).collect();
                DeclKind::Chain(ChainDecl { name, items })
            }
            Rule::rule_decl => {
                let mut it = inner.into_inner();
                let id = self.ident(it.next()?);
                let mut next = it.next()?;
                let replaces = next.as_rule() == Rule::replaces;
                if replaces {
                    next = it.next()?;
                }
                let title = self.template(next);
                let mut it = it.peekable();
                let validity = match it.peek().map(Pair::as_rule) {
                    Some(Rule::validity) => Some(self.validity(it.next()?)?),
                    _ => None,
                };
                let items = it.filter_map(|i| self.rule_item(i)).collect();
                DeclKind::Rule(RuleDecl {
                    id,
                    replaces,
                    title,
                    items,
                    validity,
                })
            }
            Rule::validity_decl => DeclKind::Validity(self.validity(inner.into_inner().next()?)?),
            Rule::family_decl => {
                let mut it = inner.into_inner();
                let code = self.ident(it.next()?);
                let name = self.template(it.next()?);
                DeclKind::Family(FamilyDecl { code, name })
            }
            Rule::statistics_decl => {
                let mut it = inner.into_inner();
                let title = self.template(it.next()?);
                let var = self.ident(it.next()?);
                let kind = self.ident(it.next()?);
                let by = self.expr(it.next()?);
                let items = it
                    .filter_map(|i| self.stat_item(i.into_inner().next()?))
                    .collect();
                DeclKind::Statistics(StatisticsDecl {
                    title,
                    var,
                    kind,
                    by,
                    items,
                })
            }
            _ => return None,
        };
        Some(Decl {
            kind,
            span,
            doc: None,
        })
    }

    /// `decided by x => …`, as a lambda expression.
    fn decided_by(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let lambda = pair.into_inner().next()?;
        let span = self.span(&lambda);
        let mut li = lambda.into_inner();
        let var = self.ident(li.next()?);
        let body = self.expr(li.next()?);
        Some(Expr {
            kind: ExprKind::Lambda(var, Box::new(body)),
            span,
        })
    }

    /// `effective DATE until DATE`; a day that does not exist is an error.
    fn validity(&mut self, pair: Pair<'_, Rule>) -> Option<Validity> {
        let mut span = self.span(&pair);
        let mut from = None;
        let mut until = None;
        for clause in pair.into_inner() {
            // The clause ends with its last date, not with the blanks after it.
            span.end = self.span(&clause).end;
            let is_from = clause.as_rule() == Rule::effective_clause;
            let date = clause.into_inner().next()?;
            let dspan = self.span(&date);
            let parsed = match crate::date::Date::parse(date.as_str()) {
                Ok(d) => d,
                Err(_) => {
                    self.errors.push(
                        Diagnostic::error(dspan, format!("`{}` is no date", date.as_str()))
                            .with_help("write the day as YYYY-MM-DD, e.g. `2015-01-01`"),
                    );
                    return None;
                }
            };
            if is_from {
                from = Some((parsed, dspan));
            } else {
                until = Some((parsed, dspan));
            }
        }
        if let (Some((f, _)), Some((u, uspan))) = (from, until)
            && u < f
        {
            self.errors.push(
                Diagnostic::error(uspan, format!("`until {u}` is before `effective {f}`"))
                    .with_help("the period runs from the `effective` day to the `until` day, both included"),
            );
            return None;
        }
        Some(Validity { from, until, span })
    }

    fn field(&mut self, pair: Pair<'_, Rule>) -> Option<FieldDecl> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let name = self.ident(it.next()?);
        let ty = self.type_expr(it.next()?)?;
        let mut rest = it.peekable();
        let mut marks = Vec::new();
        while let Some(p) = rest.next_if(|p| p.as_rule() == Rule::field_mark) {
            marks.push(self.mark(&p));
        }
        let unique_by = match rest.peek().map(Pair::as_rule) {
            Some(Rule::unique_by) => rest
                .next()
                .and_then(|p| p.into_inner().next())
                .map(|p| self.ident(p)),
            _ => None,
        };
        let when = match rest.peek().map(Pair::as_rule) {
            Some(Rule::when_clause) => rest.next().and_then(|p| {
                let mut w = p.into_inner();
                let field = self.ident(w.next()?);
                let op = w.next()?;
                if op.as_str() != "==" {
                    self.errors.push(
                        Diagnostic::error(
                            self.span(&op),
                            format!("`when` compares with `==`, found `{}`", op.as_str()),
                        )
                        .with_help("write `when FIELD == VALUE`"),
                    );
                    return None;
                }
                let v = w.next()?;
                let value = if v.as_rule() == Rule::string {
                    let text = v.as_str();
                    Ident {
                        name: text
                            .get(1..text.len().saturating_sub(1))
                            .unwrap_or("")
                            .to_string(),
                        span: self.span(&v),
                    }
                } else {
                    self.ident(v)
                };
                Some(When { field, value })
            }),
            _ => None,
        };
        let default = rest.next().map(|p| self.expr(p));
        Some(FieldDecl {
            name,
            ty,
            default,
            unique_by,
            when,
            marks,
            span,
            doc: None,
        })
    }

    fn field_check(&mut self, pair: Pair<'_, Rule>) -> Option<FieldCheck> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let left = self.ident(it.next()?);
        let op_pair = it.next()?;
        let op = match op_pair.as_str() {
            "==" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            other => {
                self.errors.push(
                    Diagnostic::error(
                        self.span(&op_pair),
                        format!("`{other}` cannot compare two fields here"),
                    )
                    .with_help("use one of ==, !=, <, <=, >, >="),
                );
                return None;
            }
        };
        let right = self.ident(it.next()?);
        Some(FieldCheck {
            left,
            op,
            right,
            span,
        })
    }

    fn type_expr(&mut self, pair: Pair<'_, Rule>) -> Option<TypeExpr> {
        let span = self.span(&pair);
        let mut it = pair.into_inner();
        let atom = it.next()?.into_inner().next()?;
        let optional = it.next().is_some();
        let kind = match atom.as_rule() {
            Rule::list_type => TypeKind::List(Box::new(self.type_expr(atom.into_inner().next()?)?)),
            Rule::one_or_list => {
                let mut names = atom.into_inner().filter_map(|p| p.into_inner().next());
                let one = self.ident(names.next()?);
                let many = self.ident(names.next()?);
                TypeKind::OneOrList(one, many)
            }
            Rule::ref_type => TypeKind::Ref(self.ident(atom.into_inner().next()?)),
            Rule::key_type => {
                let mut names = atom.into_inner().map(|p| self.ident(p));
                TypeKind::Key {
                    via: names.next()?,
                    list: names.next()?,
                    field: names.next()?,
                }
            }
            _ => TypeKind::Named(self.ident(atom.into_inner().next()?)),
        };
        Some(TypeExpr {
            kind,
            optional,
            span,
        })
    }

    fn chain_item(&mut self, pair: Pair<'_, Rule>) -> Option<ChainItem> {
        let inner = pair.into_inner().next()?;
        let rule = inner.as_rule();
        let names = self.idents(inner);
        let first = || names.first().cloned();
        Some(match rule {
            Rule::chain_steps => ChainItem::Steps(first()?, names.get(1).cloned()?),
            Rule::chain_name => ChainItem::Name(first()?),
            Rule::chain_date => ChainItem::Date(first()?),
            Rule::chain_actor => ChainItem::Actor(first()?),
            Rule::chain_order => ChainItem::Order(names),
            Rule::chain_optional => ChainItem::Optional(names),
            _ => ChainItem::Distinct(names),
        })
    }

    /// `@personal`: the name without the `@`, the span with it.
    fn mark(&self, p: &Pair<'_, Rule>) -> Ident {
        let s = p.as_span();
        Ident {
            name: p.as_str().trim_start_matches('@').to_string(),
            span: Span::new(self.file, self.base + s.start(), self.base + s.end()),
        }
    }

    /// `let x = …` or `column "名称" percent? = … target …?` of `statistics`.
    fn stat_item(&mut self, pair: Pair<'_, Rule>) -> Option<StatItem> {
        let rule = pair.as_rule();
        let mut it = pair.into_inner().peekable();
        Some(match rule {
            Rule::stat_let => {
                let name = self.ident(it.next()?);
                StatItem::Let(name, self.expr(it.next()?))
            }
            _ => {
                let name = self.template(it.next()?);
                let percent = it.next_if(|p| p.as_rule() == Rule::stat_percent).is_some();
                let value = self.expr(it.next()?);
                let target = match it.next() {
                    Some(t) => Some(self.expr(t.into_inner().next()?)),
                    None => None,
                };
                StatItem::Column(StatColumn {
                    name,
                    percent,
                    value,
                    target,
                })
            }
        })
    }

    fn rule_item(&mut self, pair: Pair<'_, Rule>) -> Option<RuleItem> {
        let inner = pair.into_inner().next()?;
        let rule = inner.as_rule();
        let mut it = inner.into_inner();
        Some(match rule {
            Rule::severity_item => RuleItem::Severity(self.ident(it.next()?)),
            Rule::card_item => RuleItem::Card(self.ident(it.next()?)),
            Rule::cite_item => RuleItem::Cite(self.template(it.next()?)),
            Rule::for_item => RuleItem::For(
                it.filter_map(|b| {
                    let mut bi = b.into_inner();
                    let var = self.ident(bi.next()?);
                    let src = bi.next()?;
                    let source = if src.as_rule() == Rule::all_kinds {
                        BindingSource::AllKinds(self.span(&src))
                    } else {
                        BindingSource::Expr(self.expr(src))
                    };
                    Some(Binding { var, source })
                })
                .collect(),
            ),
            Rule::where_item => RuleItem::Where(self.expr(it.next()?)),
            Rule::let_item => {
                let name = self.ident(it.next()?);
                RuleItem::Let(name, self.expr(it.next()?))
            }
            Rule::require_item => RuleItem::Require(self.expr(it.next()?)),
            Rule::at_item => RuleItem::At(self.expr(it.next()?)),
            Rule::message_item => RuleItem::Message(self.template(it.next()?)),
            Rule::help_item => RuleItem::Help(self.template(it.next()?)),
            Rule::related_item => {
                let e = self.expr(it.next()?);
                RuleItem::Related(e, self.template(it.next()?))
            }
            _ => return None,
        })
    }

    fn template(&mut self, pair: Pair<'_, Rule>) -> Template {
        let span = self.span(&pair);
        match self.string_expr(pair.into_inner().collect(), span).kind {
            ExprKind::Str(t) => t,
            _ => Template {
                parts: Vec::new(),
                span,
            },
        }
    }

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let text = pair.as_str();
        let mut inner: Vec<Pair<'_, Rule>> = pair.into_inner().collect();
        let kind = match rule {
            Rule::expr | Rule::primary => match inner.pop() {
                Some(p) => return self.expr(p),
                None => ExprKind::None,
            },
            Rule::lambda => {
                let mut it = inner.into_iter();
                match (it.next(), it.next()) {
                    (Some(v), Some(body)) => {
                        ExprKind::Lambda(self.ident(v), Box::new(self.expr(body)))
                    }
                    _ => ExprKind::None,
                }
            }
            Rule::if_expr => {
                let mut it = inner.into_iter().map(|p| self.expr(p));
                match (it.next(), it.next(), it.next()) {
                    (Some(c), Some(a), Some(b)) => {
                        ExprKind::If(Box::new(c), Box::new(a), Box::new(b))
                    }
                    _ => ExprKind::None,
                }
            }
            Rule::or_expr
            | Rule::and_expr
            | Rule::add_expr
            | Rule::mul_expr
            | Rule::default_expr
            | Rule::cmp_expr => {
                return self.binary_chain(inner, span);
            }
            Rule::not_expr | Rule::unary_expr if inner.len() > self.max_chain + 1 => {
                return self.too_long(span);
            }
            Rule::postfix_expr if inner.len() > self.max_chain + 1 => return self.too_long(span),
            Rule::not_expr | Rule::unary_expr => {
                let Some(operand) = inner.pop() else {
                    return Expr {
                        kind: ExprKind::None,
                        span,
                    };
                };
                let mut e = self.expr(operand);
                for op in inner.into_iter().rev() {
                    let op_span = self.span(&op);
                    let un = if op.as_rule() == Rule::not_op {
                        UnOp::Not
                    } else {
                        UnOp::Neg
                    };
                    e = Expr {
                        span: op_span.to(e.span),
                        kind: ExprKind::Unary(un, Box::new(e)),
                    };
                }
                return e;
            }
            Rule::postfix_expr => {
                let mut it = inner.into_iter();
                let Some(first) = it.next() else {
                    return Expr {
                        kind: ExprKind::None,
                        span,
                    };
                };
                let mut e = self.expr(first);
                for post in it {
                    let post_span = self.span(&post);
                    let is_field = post.as_rule() == Rule::field_access;
                    let Some(arg) = post.into_inner().next() else {
                        continue;
                    };
                    let kind = if is_field {
                        ExprKind::Field(Box::new(e.clone()), self.ident(arg))
                    } else {
                        ExprKind::Index(Box::new(e.clone()), Box::new(self.expr(arg)))
                    };
                    e = Expr {
                        span: e.span.to(post_span),
                        kind,
                    };
                }
                return e;
            }
            Rule::list_lit => ExprKind::List(inner.into_iter().map(|p| self.expr(p)).collect()),
            Rule::call => {
                let mut it = inner.into_iter();
                match it.next() {
                    Some(name) => {
                        let name = self.ident(name);
                        ExprKind::Call(name, it.map(|p| self.expr(p)).collect())
                    }
                    None => ExprKind::None,
                }
            }
            Rule::name_ref => match inner.pop() {
                Some(p) => ExprKind::Name(self.ident(p)),
                None => ExprKind::None,
            },
            Rule::bool_lit => ExprKind::Bool(text == "true"),
            Rule::none_lit => ExprKind::None,
            Rule::number => self.number(inner, span),
            Rule::date_lit => match crate::date::Date::parse(text) {
                Ok(d) => ExprKind::Date(d),
                Err(e) => {
                    self.errors.push(
                        Diagnostic::error(span, format!("`{text}` is not a date: {e}"))
                            .with_help("write a day that exists, as YYYY-MM-DD"),
                    );
                    ExprKind::None
                }
            },
            Rule::string => return self.string_expr(inner, span),
            _ => ExprKind::None,
        };
        Expr { kind, span }
    }

    fn string_expr(&mut self, parts: Vec<Pair<'_, Rule>>, span: Span) -> Expr {
        let mut out: Vec<TemplatePart> = Vec::new();
        for p in parts {
            let piece = match p.as_rule() {
                Rule::str_text => Some(p.as_str().to_string()),
                Rule::str_brace => Some(p.as_str().get(..1).unwrap_or("").to_string()),
                Rule::str_escape => Some(match p.as_str().chars().nth(1).unwrap_or('\\') {
                    'n' => "\n".to_string(),
                    't' => "\t".to_string(),
                    other => other.to_string(),
                }),
                Rule::interp => {
                    if let Some(e) = p.into_inner().next() {
                        let expr = self.expr(e);
                        out.push(TemplatePart::Expr(expr));
                    }
                    None
                }
                _ => None,
            };
            if let Some(text) = piece {
                if let Some(TemplatePart::Text(t)) = out.last_mut() {
                    t.push_str(&text);
                } else {
                    out.push(TemplatePart::Text(text));
                }
            }
        }
        Expr {
            kind: ExprKind::Str(Template { parts: out, span }),
            span,
        }
    }

    fn number(&mut self, inner: Vec<Pair<'_, Rule>>, span: Span) -> ExprKind {
        let mut it = inner.into_iter();
        let digits = it
            .next()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        let unit = it.next().map(|p| p.as_str().to_string());
        let factor = match unit.as_deref() {
            Some("万") => 10_000,
            Some("亿") => 100_000_000,
            _ => 1,
        };
        let kind = match unit.as_deref() {
            None | Some("%") => NumUnit::None,
            Some("天" | "日") => NumUnit::Days,
            Some(_) => NumUnit::Money,
        };
        let divisor = if unit.as_deref() == Some("%") { 100 } else { 1 };
        match Num::parse_decimal(&digits)
            .and_then(|n| n.checked_mul(Num::int(factor)))
            .and_then(|n| n.checked_div(Num::int(divisor)))
        {
            Some(n) => ExprKind::Num(n, kind),
            None => {
                self.errors.push(
                    Diagnostic::error(
                        span,
                        format!("number `{digits}` is too large or too precise"),
                    )
                    .with_help("numbers have at most 30 digits"),
                );
                ExprKind::Num(Num::ZERO, kind)
            }
        }
    }

    /// Refuse an operator chain longer than `max_chain`.
    fn too_long(&mut self, span: Span) -> Expr {
        self.errors.push(
            Diagnostic::error(span, format!("expression chains more than {} operators", self.max_chain))
                .with_help("split the expression with `let` or `def`, or raise the limit with --max-expr-depth"),
        );
        Expr {
            kind: ExprKind::None,
            span,
        }
    }

    /// Fold `a op b op c` left to right.
    fn binary_chain(&mut self, inner: Vec<Pair<'_, Rule>>, span: Span) -> Expr {
        if inner.len() > 2 * self.max_chain + 1 {
            return self.too_long(span);
        }
        let mut it = inner.into_iter();
        let Some(first) = it.next() else {
            return Expr {
                kind: ExprKind::None,
                span,
            };
        };
        let mut lhs = self.expr(first);
        while let (Some(op), Some(rhs)) = (it.next(), it.next()) {
            let rhs = self.expr(rhs);
            let text = op.as_str().split_whitespace().collect::<Vec<_>>().join(" ");
            let op = match text.as_str() {
                "or" => BinOp::Or,
                "and" => BinOp::And,
                "==" => BinOp::Eq,
                "!=" => BinOp::Ne,
                "<" => BinOp::Lt,
                "<=" => BinOp::Le,
                ">" => BinOp::Gt,
                ">=" => BinOp::Ge,
                "in" => BinOp::In,
                "not in" => BinOp::NotIn,
                "+" => BinOp::Add,
                "-" => BinOp::Sub,
                "|" => BinOp::Union,
                "*" => BinOp::Mul,
                "/" => BinOp::Div,
                "&" => BinOp::Intersect,
                _ => BinOp::Default,
            };
            lhs = Expr {
                span: lhs.span.to(rhs.span),
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
            };
        }
        lhs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
