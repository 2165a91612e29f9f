//! Reporting what went wrong: the parser's syntax errors reworded and
//! placed, errors kept inside the document they belong to, and the
//! control characters YAML does not allow.

use saphyr_parser::ScanError;

use super::loader::Loader;
use crate::diag::Diagnostic;
use crate::source::{LineIndex, Span};

impl Loader<'_, '_> {
    /// Errors of the broken document `start..end` that the parser found
    /// after reading past its end are moved to its last character, so that
    /// they do not point into the next record; the label says where.
    pub(super) fn keep_inside(&mut self, start: usize, end: usize, errors: std::ops::Range<usize>) {
        let last = self
            .text
            .get(start..end)
            .map(|d| d.trim_end().len())
            .and_then(|len| (start + len).checked_sub(1));
        let Some(last) = last else { return };
        for i in errors {
            let Some(span) = self.errors.get(i).and_then(|e| e.span) else {
                continue;
            };
            if (span.start as usize) < end {
                continue;
            }
            let line = self.line_index().line_of(span.start as usize) + 1;
            let at = self.char_span(last);
            if let Some(e) = self.errors.get_mut(i) {
                e.span = Some(at);
                e.label = Some(format!(
                    "this document is not complete: reading on, the YAML reader failed at line {line}"
                ));
            }
        }
    }

    /// YAML allows no control characters other than tab and line breaks,
    /// even where the parser reads on. The first in each record, read or
    /// broken, is an error that rejects it; the first outside the records
    /// (in a comment after the last field, say) is an error too, that
    /// rejects nothing.
    pub(super) fn flag_unprintable(&mut self) {
        let mut found = unprintable(self.text).peekable();
        if found.peek().is_none() {
            return;
        }
        let reported: std::collections::HashSet<u32> = self
            .errors
            .iter()
            .filter_map(|e| e.span.map(|s| s.start))
            .collect();
        // Every record's extent, in file order, with its broken index.
        let mut regions: Vec<(usize, usize, Option<usize>)> = self
            .documents
            .iter()
            .map(|d| (d.span.start as usize, d.span.end as usize, None))
            .chain(
                self.broken
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (b.span.start as usize, b.span.end as usize, Some(i))),
            )
            .collect();
        regions.sort_unstable();
        // The first of each group, and how many: one group per record (they
        // come in order, so a record's group is the last one), and one for
        // the rest.
        let mut groups: Vec<(usize, Span, usize)> = Vec::new();
        let mut outside: Option<(Span, usize)> = None;
        for (at, len) in found {
            let span = self.span(at, at + len);
            if reported.contains(&span.start) {
                continue;
            }
            let region = regions
                .partition_point(|r| r.0 <= at)
                .checked_sub(1)
                .filter(|&i| regions.get(i).is_some_and(|r| at <= r.1));
            match (region, groups.last_mut(), outside.as_mut()) {
                (Some(r), Some(g), _) if g.0 == r => g.2 += 1,
                (Some(r), _, _) => groups.push((r, span, 1)),
                (None, _, Some(o)) => o.1 += 1,
                (None, _, None) => outside = Some((span, 1)),
            }
        }
        for (region, span, n) in groups {
            let mut diag = unprintable_error(self.text, span);
            if n > 1 {
                diag = diag.with_label(format!("and {} more in this record", n - 1));
            }
            let index = self.errors.len();
            self.errors.push(diag);
            if let Some(b) = regions
                .get(region)
                .and_then(|r| r.2)
                .and_then(|b| self.broken.get_mut(b))
            {
                b.errors.push(index);
            }
        }
        if let Some((span, n)) = outside {
            let mut diag = unprintable_error(self.text, span);
            if n > 1 {
                diag = diag.with_label(format!("and {} more outside the records", n - 1));
            }
            self.errors.push(diag);
        }
    }

    pub(super) fn syntax_error(&mut self, e: &ScanError) {
        let mut at = self.byte(e.marker().index());
        let info = e.info();
        let bytes = self.text.as_bytes();
        let (message, help) = if info.contains("unknown anchor") {
            let name: String = self
                .text
                .get(at..)
                .unwrap_or("")
                .chars()
                .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
                .collect();
            let end = at + name.len();
            self.errors.push(
                Diagnostic::error(self.span(at, end), format!("unknown anchor `{name}`"))
                    .with_help(format!(
                        "define `&{}` earlier in the same document",
                        name.trim_start_matches('*')
                    )),
            );
            return;
        } else if info.contains("unprintable character") {
            let diag = unprintable_error(self.text, self.char_span(at));
            self.errors.push(diag);
            return;
        } else if info.contains("tab") {
            // Point at the tab itself rather than the character after it.
            while at > 0 && bytes.get(at - 1) == Some(&b'\t') {
                at -= 1;
            }
            (
                format!("invalid YAML: {}", backticks(info)),
                "indent with spaces; YAML does not allow tabs for indentation".to_string(),
            )
        } else if info == "recursion limit exceeded" {
            // The scanner reads ahead through nested brackets and gives up at
            // 255 levels, before the parser reports any of them.
            let max = self.limits.max_depth;
            if max < 255 {
                (
                    format!("nesting deeper than {max} levels"),
                    "raise the limit with --max-depth".to_string(),
                )
            } else {
                (
                    "brackets nested deeper than 255 levels".to_string(),
                    "the YAML reader stops at 255 nested brackets".to_string(),
                )
            }
        } else if let Some(colon) = key_error(info)
            .then(|| full_width_colon(self.text, self.line_index(), at))
            .flatten()
        {
            // A Chinese input method types `：` for `:`: the key and its
            // value read as one text, and the parser fails on a later line.
            self.error_at(
                colon,
                "invalid YAML: `：` (a full-width colon) does not separate a key from its value"
                    .to_string(),
                "write `:` followed by a space, as in `key: value`",
            );
            return;
        } else {
            let open = self.stack.iter().rev().find(|f| f.flow).map(|f| {
                let bracket = if f.is_map { '{' } else { '[' };
                (bracket, f.start)
            });
            let lines = self.line_index();
            let error_line = lines.line_of(at) + 1;
            let open = open.map(|(bracket, start)| (bracket, lines.line_of(start) + 1));
            let help = match open {
                Some((bracket, line)) if line < error_line => {
                    format!("close the `{bracket}` opened at line {line}")
                }
                _ => "check the indentation and brackets near this line".to_string(),
            };
            (format!("invalid YAML: {}", backticks(info)), help)
        };
        self.error_at(at, message, help);
    }

    /// Report an error at byte `at`. An error at the end of the text
    /// points just after its last character, not at the empty line after
    /// its final line break.
    pub(super) fn error_at(&mut self, at: usize, message: String, help: impl Into<String>) {
        let content_end = self
            .text
            .get(..self.until)
            .map_or(self.text.len(), |t| t.trim_end().len());
        let span = if at > content_end {
            self.span(content_end, content_end)
        } else {
            self.char_span(at)
        };
        self.errors
            .push(Diagnostic::error(span, message).with_help(help));
    }
}

/// Whether the parser's message is one a key without its `:` leads to
/// (`simple key expect ':'`, `could not find expected ':'`, `mapping values
/// are not allowed`), rather than, say, an unclosed quote.
fn key_error(info: &str) -> bool {
    info.contains("':'") || info.contains("key") || info.contains("mapping values")
}

/// Where a key is written with a full-width colon (`name：龙潭区`) on the
/// line of byte `at` or the written line before it: the first `：` of a
/// line, outside a comment, that has no `:` to separate a key, and that
/// reads as a key: a name without spaces before it, not a list item.
fn full_width_colon(text: &str, lines: &LineIndex, at: usize) -> Option<usize> {
    // A line's start and its text, without its comment.
    let line = |n: usize| {
        let start = lines.line_start(n)?;
        let rest = text.get(start..)?;
        let line = rest.split('\n').next().unwrap_or(rest);
        Some((start, line.split(" #").next().unwrap_or(line)))
    };
    let here = lines.line_of(at);
    // The written line before: blank lines and comments do not count.
    let before = (0..here).rev().find(|&n| {
        line(n).is_some_and(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    [Some(here), before].into_iter().flatten().find_map(|n| {
        let (start, line) = line(n)?;
        let separated = line.contains(": ") || line.trim_end().ends_with(':');
        let colon = line.find('：')?;
        let key = line.get(..colon)?.trim_start();
        let key_like = !key.is_empty()
            && !key.starts_with(['-', '"', '\'', '#'])
            && !key.contains(char::is_whitespace);
        (!separated && key_like).then_some(start + colon)
    })
}

/// The error for an unprintable character at `span`.
fn unprintable_error(text: &str, span: Span) -> Diagnostic {
    let code = text
        .get(span.range())
        .and_then(|s| s.chars().next())
        .map_or(String::new(), |c| format!(" U+{:04X}", u32::from(c)));
    Diagnostic::error(
        span,
        format!("unprintable character{code}: YAML allows no control characters"),
    )
    .with_help("delete it; if the value needs it, write it as an escape (`\\x01`) in a double-quoted string")
}

/// Byte offset and length of every character YAML 1.2 does not allow in
/// a stream: C0 controls other than tab, LF and CR; DEL; C1 controls other
/// than NEL; U+FFFE and U+FFFF. One pass over the bytes, a block at a time:
/// a block with no byte, or pair of bytes, that could start such a
/// character is skipped whole. Pairs, because `，` and the other
/// full-width signs of Chinese text start with the same byte as U+FFFE.
fn unprintable(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    const BLOCK: usize = 32;
    let bytes = text.as_bytes();
    // What may start a forbidden character: more than the characters
    // matched below (NEL passes here), so that no block holding one is
    // skipped.
    let single = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7F;
    let pair = |b: u8, next: u8| {
        (b == 0xC2 && (0x80..0xA0).contains(&next)) || (b == 0xEF && next == 0xBF)
    };
    (0..bytes.len().div_ceil(BLOCK))
        .filter(move |&k| {
            // The block and the byte after it, the second of a pair; the
            // last block, without one, is looked through byte by byte.
            let start = k * BLOCK;
            let Some((here, after)) = bytes
                .get(start..start + BLOCK + 1)
                .and_then(|b| Some((b.first_chunk::<BLOCK>()?, b.last_chunk::<BLOCK>()?)))
            else {
                return true;
            };
            here.iter()
                .zip(after)
                .fold(false, |any, (&b, &n)| any | single(b) | pair(b, n))
        })
        .flat_map(move |k| k * BLOCK..((k + 1) * BLOCK).min(bytes.len()))
        .filter_map(move |i| {
            let next = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
            match bytes.get(i).copied().unwrap_or(0) {
                b'\t' | b'\n' | b'\r' => None,
                0..0x20 | 0x7F => Some((i, 1)),
                0xC2 if (0x80..0xA0).contains(&next(1)) && next(1) != 0x85 => Some((i, 2)),
                0xEF if next(1) == 0xBF && matches!(next(2), 0xBE | 0xBF) => Some((i, 3)),
                _ => None,
            }
        })
}

/// Rewrite the scanner's `'x'`, `"x"` and `` `x' `` quoting of single characters as
/// backticks, as our messages quote input.
fn backticks(info: &str) -> String {
    let chars: Vec<char> = info.chars().collect();
    let mut out = String::with_capacity(info.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        // 'x', "x", and the `x' of older messages.
        let close = if c == '`' { '\'' } else { c };
        let quoted = matches!(c, '\'' | '"' | '`')
            && chars.get(i + 2) == Some(&close)
            && chars.get(i + 1).is_some_and(|&inner| inner != c);
        if let (true, Some(&inner)) = (quoted, chars.get(i + 1)) {
            out.push('`');
            out.push(inner);
            out.push('`');
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::records::yaml::test_support::*;
    use crate::source::Span;

    #[test]
    fn unprintable_characters_are_found_wherever_they_fall_in_a_block() {
        // Each forbidden character at every offset around a block edge,
        // after text of one, two and three bytes per character.
        for bad in [
            "\u{1}", "\u{7f}", "\u{80}", "\u{9f}", "\u{fffe}", "\u{ffff}",
        ] {
            for pad in ["a", "é", "，"] {
                for before in 28..36 {
                    let text = format!("{}{bad}x，\u{85}\t\n", pad.repeat(before));
                    let at = pad.len() * before;
                    let found: Vec<_> = super::unprintable(&text).collect();
                    assert_eq!(
                        found,
                        vec![(at, bad.len())],
                        "{bad:?} after {before} × {pad}"
                    );
                }
            }
        }
    }

    /// The block scan finds what a character-by-character reading of
    /// the definition finds, on texts mixing forbidden characters with
    /// their near neighbours.
    #[test]
    fn unprintable_characters_are_those_of_the_definition() {
        let alphabet = [
            'a', 'é', '，', '·', '\u{85}', '\u{1}', '\t', '\u{7f}', '\u{80}', '\u{9f}', '\u{a0}',
            '\u{fffd}', '\u{fffe}', '\u{ffff}', '\u{ffbf}', '\u{efbf}',
        ];
        let forbidden = |c: char| {
            (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
                || ('\u{7f}'..='\u{9f}').contains(&c) && c != '\u{85}'
                || matches!(c, '\u{fffe}' | '\u{ffff}')
        };
        let mut seed: u64 = 0x5eed;
        for _ in 0..2000 {
            let mut text = String::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for _ in 0..(seed >> 58) * 2 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Mostly text, now and then a neighbour of a forbidden character.
                let pick = (seed >> 33) as usize % (alphabet.len() * 4);
                text.push(*alphabet.get(pick).unwrap_or(&'字'));
            }
            let expected: Vec<(usize, usize)> = text
                .char_indices()
                .filter(|&(_, c)| forbidden(c))
                .map(|(i, c)| (i, c.len_utf8()))
                .collect();
            let found: Vec<_> = super::unprintable(&text).collect();
            assert_eq!(found, expected, "{text:?}");
        }
    }

    #[test]
    fn unclosed_flow_list_reports_where_it_breaks() {
        let text = "kind: meeting\nid: WL-2014-02\norg: wenlv\nitems: [\n  - no: 1\n    title: 未闭合的列表\n";
        let loaded = run(text);
        assert!(loaded.documents.is_empty());
        assert_eq!(loaded.errors.len(), 1);
        let e = first_error(&loaded);
        assert!(e.message.starts_with("invalid YAML: "), "{}", e.message);
        assert_eq!(e.message, "invalid YAML: `-` is only valid inside a block");
        let dash = text.find("- no").unwrap_or(0);
        assert_eq!(e.span.map(Span::range), Some(dash..dash + 1));
        assert_eq!(e.help.as_deref(), Some("close the `[` opened at line 4"));
    }

    #[test]
    fn a_key_written_with_a_full_width_colon_is_named_at_its_line() {
        for text in [
            "kind: org\nid: longtan\nname：龙潭区\nleaders: []\n",
            "kind: org\nid: longtan\nname：龙潭区\n# 备注\n\nleaders: []\n",
        ] {
            let loaded = run(text);
            let e = first_error(&loaded);
            assert_eq!(
                e.message,
                "invalid YAML: `：` (a full-width colon) does not separate a key from its value",
                "{text}"
            );
            assert_eq!(error_slice(text, e), "：", "{text}");
            assert_eq!(
                e.help.as_deref(),
                Some("write `:` followed by a space, as in `key: value`")
            );
        }
        // A full-width colon inside a value is text, and a line that has a
        // key of its own is not blamed for an error elsewhere.
        let text = "kind: org\nname: 龙潭区：城关\nid longtan\nleaders: []\n";
        let loaded = run(text);
        let e = first_error(&loaded);
        assert!(!e.message.contains("full-width"), "{e:?}");
        // A list item with `：` in its text, above an unclosed quote: the
        // quote is the error.
        let text = "kind: org\nid: longtan\nnotes:\n  - 会议：三重一大\n  - \"unclosed\n";
        let loaded = run(text);
        let e = first_error(&loaded);
        assert!(!e.message.contains("full-width"), "{e:?}");
    }

    #[test]
    fn tabs_as_indentation_are_reported_at_the_tab() {
        let text = "a:\n\tb: 1\n";
        let loaded = run(text);
        let e = first_error(&loaded);
        assert!(e.message.starts_with("invalid YAML: "), "{}", e.message);
        assert!(e.message.contains("tab"));
        assert_eq!(e.span.map(Span::range), Some(3..4));
    }

    #[test]
    fn an_error_found_past_the_next_document_stays_in_its_own() {
        // The parser reads past `---` looking for the end of `? [`.
        let text = "a: x\n? [\n---\nb: 2\n";
        let loaded = run(text);
        assert_eq!(first_keys(&loaded), ["b"], "{:?}", loaded.errors);
        let e = first_error(&loaded);
        assert_eq!(error_slice(text, e), "[");
        assert!(
            e.label
                .as_deref()
                .is_some_and(|l| l.ends_with("failed at line 4")),
            "{e:?}"
        );
    }

    #[test]
    fn control_characters_are_flagged_once_per_document() {
        let text = "a: x\u{1}y\u{7f}\n---\nb: \u{85}ok \u{9f}\n---\nc: \u{fffe}\n# \u{7}\n";
        let loaded = run(text);
        let found: Vec<(&str, Option<String>)> = loaded
            .errors
            .iter()
            .map(|e| (error_slice(text, e), e.label.clone()))
            .collect();
        assert_eq!(
            found,
            [
                ("\u{1}", Some("and 1 more in this record".into())),
                ("\u{9f}", None),
                ("\u{fffe}", None),
                ("\u{7}", None),
            ]
        );
        assert!(loaded.errors.iter().all(|e| e.message.starts_with(&format!(
            "unprintable character U+{:04X}: YAML allows no control characters",
            u32::from(error_slice(text, e).chars().next().unwrap_or('?'))
        ))));
        // A NUL stops the parser; it is reported once, the same way.
        let text = "a: x\u{0}y\n";
        let loaded = run(text);
        assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
        assert_eq!(
            first_error(&loaded).message,
            "unprintable character U+0000: YAML allows no control characters"
        );
    }
}
