//! Where a node is in the text: the parser's event spans include tags,
//! anchors and comments and leave out block scalar headers, so the text
//! around them is read again here.

use saphyr_parser::ScalarStyle;

use super::loader::Loader;
use crate::source::Span;

impl Loader<'_, '_> {
    /// A scalar's span as written: quotes included, tags and anchors left
    /// out, a block scalar from its `|` or `>` to its last character.
    pub(super) fn scalar_span(
        &self,
        style: ScalarStyle,
        absent: bool,
        start: usize,
        end: usize,
    ) -> Span {
        let bytes = self.text.as_bytes();
        let mut first = skip_properties(self.text, start, end);
        let mut last = end;
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            // saphyr starts a block scalar at its content; its header is
            // between the previous event and here.
            let from = self.prev_end.min(start);
            if let Some(header) = find_block_header(self.text, from, first) {
                first = header;
            }
            while last > first.saturating_add(1)
                && matches!(bytes.get(last - 1), Some(b' ' | b'\t' | b'\r' | b'\n'))
            {
                last -= 1;
            }
        } else if let (ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, Some(close)) =
            (style, closing_quote(bytes, first, end))
        {
            // The event may run on over a comment after the closing quote.
            last = close + 1;
        } else if absent || first >= last {
            // An empty value (saphyr may hand it the span of the next
            // token): put it just after its `:` or `-`.
            if matches!(bytes.get(first), Some(b':' | b'-' | b'?')) {
                first += 1;
            }
            last = first;
        }
        self.span(first, last.max(first))
    }

    /// A span over the one character at byte `at` (zero-width at a line
    /// break or the end of text).
    pub(super) fn char_span(&self, at: usize) -> Span {
        let at = crate::source::floor_char_boundary(self.text, at);
        let end = match self.text.get(at..).and_then(|s| s.chars().next()) {
            Some(c) if c != '\n' && c != '\r' => at + c.len_utf8(),
            _ => at,
        };
        self.span(at, end)
    }
}

/// The closing quote of the quoted scalar opening at byte `open`, before
/// `limit`: `"` not escaped by `\\`, or `'` not doubled.
pub(super) fn closing_quote(bytes: &[u8], open: usize, limit: usize) -> Option<usize> {
    let quote = *bytes.get(open).filter(|&&q| q == b'"' || q == b'\'')?;
    let mut i = open + 1;
    while i < limit {
        match bytes.get(i)? {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            &c if c == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Skip anchors (`&a`), tags (`!t`), blanks and comments from byte `from`,
/// not past `limit`.
pub(super) fn skip_properties(text: &str, from: usize, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < limit {
        match bytes.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            Some(b'#') => i = skip_line(bytes, i, limit),
            Some(b'&' | b'!') => i = skip_word(bytes, i, limit),
            _ => break,
        }
    }
    i.min(limit.max(from))
}

/// Find a block scalar's `|` or `>` between `from` and `limit`, passing
/// over the `:`, `-` or `?` before it, properties, blanks and comments.
fn find_block_header(text: &str, from: usize, limit: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < limit {
        match bytes.get(i) {
            Some(b'|' | b'>') => return Some(i),
            Some(b' ' | b'\t' | b'\r' | b'\n' | b':' | b'-' | b'?') => i += 1,
            Some(b'#') => i = skip_line(bytes, i, limit),
            Some(b'&' | b'!') => i = skip_word(bytes, i, limit),
            _ => return None,
        }
    }
    None
}

fn skip_line(bytes: &[u8], mut i: usize, limit: usize) -> usize {
    while i < limit && !matches!(bytes.get(i), Some(b'\n') | None) {
        i += 1;
    }
    i
}

fn skip_word(bytes: &[u8], mut i: usize, limit: usize) -> usize {
    while i < limit
        && !matches!(
            bytes.get(i),
            Some(b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}') | None
        )
    {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use crate::records::tree::NodeKind;
    use crate::records::yaml::test_support::*;

    #[test]
    fn block_spans_with_chinese_text() {
        let text = "kind: meeting\n名字: \"王建国\"\n成员:\n  - 李明\n  - '张华'\n空:\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        assert_eq!(
            slice(text, doc.span),
            "kind: meeting\n名字: \"王建国\"\n成员:\n  - 李明\n  - '张华'\n空:"
        );
        assert_eq!(slice(text, key_span(doc, "名字")), "名字");
        let name = get(doc, "名字");
        assert_eq!(slice(text, name.span), "\"王建国\"");
        assert_eq!(
            name.kind,
            NodeKind::Scalar {
                text: "王建国".into(),
                plain: false
            }
        );
        let members = get(doc, "成员");
        assert_eq!(slice(text, members.span), "- 李明\n  - '张华'");
        assert_eq!(slice(text, item(members, 0).span), "李明");
        assert_eq!(slice(text, item(members, 1).span), "'张华'");
        let empty = get(doc, "空");
        assert_eq!(empty.kind, NodeKind::Null);
        let after_colon = text.find("空:").unwrap_or(0) + "空:".len();
        assert_eq!(empty.span.range(), after_colon..after_colon);
        assert_eq!(
            get(doc, "kind").kind,
            NodeKind::Scalar {
                text: "meeting".into(),
                plain: true
            }
        );
    }

    #[test]
    fn flow_spans_with_chinese_text() {
        let text = "会议: {名字: [甲, 乙], 备注: {说明: 无}, 空: }\n列表: [ 一 , x: 二 ]\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        let meeting = get(doc, "会议");
        assert_eq!(
            slice(text, meeting.span),
            "{名字: [甲, 乙], 备注: {说明: 无}, 空: }"
        );
        assert_eq!(slice(text, key_span(meeting, "名字")), "名字");
        let names = get(meeting, "名字");
        assert_eq!(slice(text, names.span), "[甲, 乙]");
        assert_eq!(slice(text, item(names, 1).span), "乙");
        assert_eq!(slice(text, get(meeting, "备注").span), "{说明: 无}");
        assert_eq!(get(meeting, "空").kind, NodeKind::Null);
        let list = get(doc, "列表");
        assert_eq!(slice(text, list.span), "[ 一 , x: 二 ]");
        assert_eq!(slice(text, item(list, 0).span), "一");
        // A single pair in a flow list is a one-entry mapping from key to value.
        assert_eq!(slice(text, item(list, 1).span), "x: 二");
        assert_eq!(slice(text, doc.span), text.trim_end());
    }

    #[test]
    fn block_scalars_span_from_indicator_to_last_character() {
        let text = "a: |\n  第一行\n  second\n\nb: >- # note\n  folded\n  text\nc: 1\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        let a = get(doc, "a");
        assert_eq!(slice(text, a.span), "|\n  第一行\n  second");
        assert_eq!(a.as_str(), Some("第一行\nsecond\n"));
        assert_eq!(
            slice(text, get(doc, "b").span),
            ">- # note\n  folded\n  text"
        );
        assert_eq!(get(doc, "b").as_str(), Some("folded text"));
    }

    #[test]
    fn json_input() {
        let text = r#"{"kind": "x", "a": [1, 2]}"#;
        let loaded = run(text);
        let doc = only_doc(&loaded);
        assert_eq!(slice(text, doc.span), text);
        assert_eq!(slice(text, key_span(doc, "kind")), "\"kind\"");
        assert_eq!(
            get(doc, "kind").kind,
            NodeKind::Scalar {
                text: "x".into(),
                plain: false
            }
        );
        let a = get(doc, "a");
        assert_eq!(slice(text, a.span), "[1, 2]");
        assert_eq!(
            item(a, 1).kind,
            NodeKind::Scalar {
                text: "2".into(),
                plain: true
            }
        );
    }

    #[test]
    fn anchored_scalars_span_their_text_only() {
        let text = "a: &anchor 甲\nb: !!str &t \"乙\"\nc: *anchor\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        assert_eq!(slice(text, get(doc, "a").span), "甲");
        assert_eq!(slice(text, get(doc, "b").span), "\"乙\"");
        assert_eq!(get(doc, "c").as_str(), Some("甲"));
    }

    #[test]
    fn byte_order_mark_is_tolerated() {
        let text = "\u{feff}kind: 甲\nid: x\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        assert_eq!(key_span(doc, "kind").range(), 3..7);
        assert_eq!(slice(text, get(doc, "kind").span), "甲");
    }

    #[test]
    fn crlf_line_endings() {
        let text = "kind: 甲\r\nitems:\r\n  - 一\r\n  - \"二\"\r\nnote: |\r\n  行\r\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        assert_eq!(slice(text, get(doc, "kind").span), "甲");
        assert_eq!(slice(text, get(doc, "items").span), "- 一\r\n  - \"二\"");
        assert_eq!(slice(text, item(get(doc, "items"), 1).span), "\"二\"");
        assert_eq!(slice(text, get(doc, "note").span), "|\r\n  行");
        assert_eq!(get(doc, "note").as_str(), Some("行\n"));
    }

    #[test]
    fn a_quoted_value_ends_at_its_closing_quote() {
        let text = "a: \"x \\\" y\"  # comment\nb: 'it''s'  # comment\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        assert_eq!(slice(text, get(doc, "a").span), "\"x \\\" y\"");
        assert_eq!(slice(text, get(doc, "b").span), "'it''s'");
    }
}
