//! Syntax errors: what was expected, where, and how deep is too deep.

use pest::Parser;
use pest::error::InputLocation;

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};

use super::{Rule, RuleParser, next_decl_start};

/// Refuse a declaration that would make the parser recurse too deep:
/// brackets nested deeper than `max`, or more than `4 × max` `if`s and
/// functions (`=>`), each of which the grammar nests.
pub(super) fn nesting_error(
    file: FileId,
    text: &str,
    pos: usize,
    max: usize,
) -> Option<Diagnostic> {
    let end = next_decl_start(text, pos);
    let decl = text.get(pos..end).unwrap_or("");
    let mut depth = 0usize;
    let mut nested_words = 0usize;
    let too_deep = |at: usize, what: String| {
        Some(
            Diagnostic::error(Span::new(file, pos + at, pos + at + 1), what)
                .with_help("split the expression with `let` or `def`, or raise the limit (up to 1,000) with --max-expr-depth"),
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
pub(super) fn deepest_error(rest: &str, e: pest::error::Error<Rule>) -> pest::error::Error<Rule> {
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

pub(super) fn syntax_error(
    file: FileId,
    base: usize,
    rest: &str,
    e: pest::error::Error<Rule>,
) -> Diagnostic {
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
    let decl = rest.get(..next_decl_start(rest, 0)).unwrap_or(rest);
    if let Some(at) = unterminated_string(decl, start) {
        return Diagnostic::error(
            Span::new(file, base + at, base + at + 1),
            "syntax error: unterminated string",
        )
        .with_label("this string has no closing `\"`")
        .with_help("close it with `\"`");
    }
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
/// is on an earlier line than `upto`.
fn unclosed_bracket(text: &str, upto: usize) -> Option<(usize, char)> {
    let before = text.get(..upto)?;
    let (at, open) = open_at_end(before).last().copied()?;
    let later_line = before.get(at..).is_some_and(|r| r.contains(['\n', '\r']));
    (matches!(open, '(' | '[') && later_line).then_some((at, open))
}

/// What is still open at the end of `text`, outermost first: brackets in
/// code, `"` for a string, `{` for a brace or an interpolation (strings,
/// interpolations and comments are read as the grammar reads them).
fn open_at_end(text: &str) -> Vec<(usize, char)> {
    let mut stack: Vec<(usize, char)> = Vec::new();
    let mut chars = text.char_indices().peekable();
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
    stack
}

/// The opening quote of a string left open in `decl`, when the error at
/// `error_at` comes after it. A string may span lines, so a missing `"`
/// makes the grammar read on to a later quote or to the end of the file,
/// and the error comes far from the cause. A line that, read on its own,
/// ends inside a string either opens a string that spans lines or closes
/// one: they come in pairs, and the one left over is the string not closed.
fn unterminated_string(decl: &str, error_at: usize) -> Option<usize> {
    let last_open_string = |text: &str| {
        open_at_end(text)
            .into_iter()
            .rev()
            .find(|(_, c)| *c == '"')
            .map(|(at, _)| at)
    };
    let open = last_open_string(decl)?;
    let mut line_start = 0;
    let mut unpaired: Vec<usize> = Vec::new();
    for line in decl.split_inclusive(['\n', '\r']) {
        if let Some(at) = last_open_string(line) {
            unpaired.push(line_start + at);
        }
        line_start += line.len();
    }
    let at = if unpaired.len() % 2 == 1 {
        unpaired.last().copied().unwrap_or(open)
    } else {
        open
    };
    (at <= error_at).then_some(at)
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
