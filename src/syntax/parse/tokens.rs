//! The tokens of rule text, for the formatter.

use pest::Parser;

use crate::source::FileId;

use super::errors::nesting_error;
use super::{MAX_NESTING, Rule, RuleParser, skip_trivia_noting, token_end};

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
