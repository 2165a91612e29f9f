//! A fast reader for the plain block YAML that records are written in.
//!
//! saphyr's scanner goes through the text a character at a time, with a
//! look-ahead buffer and a token queue: on a large archive it costs more
//! than all the rules together. Records use a small part of YAML: block
//! mappings and lists, one-line plain or quoted values, one-line flow lists
//! and mappings, comments and `---` between documents. This module reads
//! that part a line at a time, byte by byte, and gives the events saphyr
//! would give, with the same positions (as byte offsets).
//!
//! Anything else — anchors, tags, block scalars, values over several
//! lines, escapes, tabs, directives, `...`, any syntax error — makes
//! [`scan`] return `false`, and the caller reads the text with saphyr
//! instead. The fast reader never decides what YAML means where saphyr
//! could differ: the tests compare the two on generated and real input,
//! and the `yaml_fast` fuzz target on any text ([`agrees_with_saphyr`]).

use std::borrow::Cow;

use saphyr_parser::{Event, ScalarStyle};

use super::spans::closing_quote;

/// What an [`Item`] is: one of saphyr's events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    StreamStart,
    StreamEnd,
    /// `true` for an explicit `---`.
    DocumentStart(bool),
    DocumentEnd,
    MappingStart,
    MappingEnd,
    SequenceStart,
    SequenceEnd,
    Plain,
    SingleQuoted,
    DoubleQuoted,
}

/// One event and its byte span in the text scanned. Quoted scalars span
/// their quotes; their value is read off the text by [`event`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Item {
    kind: Kind,
    start: u32,
    end: u32,
}

impl Item {
    pub(super) fn start(&self) -> usize {
        self.start as usize
    }

    pub(super) fn end(&self) -> usize {
        self.end as usize
    }
}

/// The most events one text is read into before it is left to saphyr,
/// which reads as it goes: the events of a huge file are not all held.
const MAX_ITEMS: usize = 1 << 22;

/// The event saphyr gives for `item` of `text`.
pub(super) fn event<'t>(text: &'t str, item: &Item) -> Event<'t> {
    let scalar = |value: Cow<'t, str>, style| Event::Scalar(value, style, 0, None);
    // The span runs on over blanks and a comment after the closing quote,
    // which may hold quotes too.
    let inner = || {
        closing_quote(text.as_bytes(), item.start(), item.end())
            .and_then(|close| text.get(item.start() + 1..close))
            .unwrap_or("")
    };
    match item.kind {
        Kind::StreamStart => Event::StreamStart,
        Kind::StreamEnd => Event::StreamEnd,
        Kind::DocumentStart(explicit) => Event::DocumentStart(explicit),
        Kind::DocumentEnd => Event::DocumentEnd,
        Kind::MappingStart => Event::MappingStart(0, None),
        Kind::MappingEnd => Event::MappingEnd,
        Kind::SequenceStart => Event::SequenceStart(0, None),
        Kind::SequenceEnd => Event::SequenceEnd,
        Kind::Plain => scalar(
            Cow::Borrowed(text.get(item.start()..item.end()).unwrap_or("")),
            ScalarStyle::Plain,
        ),
        Kind::SingleQuoted => {
            let inner = inner();
            let value = if inner.contains("''") {
                Cow::Owned(inner.replace("''", "'"))
            } else {
                Cow::Borrowed(inner)
            };
            scalar(value, ScalarStyle::SingleQuoted)
        }
        Kind::DoubleQuoted => scalar(Cow::Borrowed(inner()), ScalarStyle::DoubleQuoted),
    }
}

/// Read `text` into `out` (cleared first). `false` when the text uses
/// YAML this reader leaves to saphyr; `out` then holds nothing useful.
pub(super) fn scan(text: &str, out: &mut Vec<Item>) -> bool {
    out.clear();
    if u32::try_from(text.len()).is_err() {
        return false;
    }
    let mut scan = Scan {
        b: text.as_bytes(),
        out,
        stack: Vec::new(),
        pending: None,
        doc: Doc::None,
    };
    scan.run().is_some()
}

/// A block collection still open.
struct Block {
    /// The column of its keys or `-`s.
    col: usize,
    seq: bool,
    /// A list whose `-`s stand in the column of its parent mapping's keys.
    indentless: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Doc {
    /// Between documents.
    None,
    /// In a document; `true` once its root has begun.
    Open(bool),
}

struct Scan<'a> {
    b: &'a [u8],
    out: &'a mut Vec<Item>,
    stack: Vec<Block>,
    /// A key whose value is on the lines below (or null): its `:`.
    pending: Option<usize>,
    doc: Doc,
}

/// `None` means: leave this text to saphyr.
type Step = Option<()>;

/// Characters a plain scalar cannot start with (YAML's indicators); `-`
/// followed by a blank is a list entry and is told apart before.
fn is_indicator(c: u8) -> bool {
    matches!(
        c,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b' '
    )
}

/// The characters that end a plain scalar inside a flow collection.
fn is_flow(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

/// Whether a line holds only characters this reader knows saphyr treats
/// as ordinary: no tab, control character, BOM, or Unicode line break.
fn is_clean(line: &[u8]) -> bool {
    // Without an early exit, the compiler checks many bytes at once.
    let controls = line
        .iter()
        .fold(false, |seen, &c| seen | (c < 0x20) | (c == 0x7F));
    if controls {
        return false;
    }
    // The special characters beyond ASCII all start with one of these.
    memchr::memchr3_iter(0xC2, 0xE2, 0xEF, line).all(|i| {
        let next = line.get(i + 1).copied().unwrap_or(0);
        let third = line.get(i + 2).copied().unwrap_or(0);
        let special = match line.get(i) {
            // C1 controls, NEL among them
            Some(0xC2) => next < 0xA0,
            // line and paragraph separators
            Some(0xE2) => next == 0x80 && matches!(third, 0xA8 | 0xA9),
            // BOM, and the non-characters U+FFFE and U+FFFF
            _ => (next == 0xBB && third == 0xBF) || (next == 0xBF && third >= 0xBE),
        };
        !special
    })
}

/// How a plain scalar ended.
enum Stop {
    /// At `: ` or a `:` ending the line: the scalar is a key.
    Colon(usize),
    /// At ` #` or the end of the line.
    Line,
}

impl Scan<'_> {
    /// Positions fit: [`scan`] takes no text of 4 GiB or more.
    fn push(&mut self, kind: Kind, start: usize, end: usize) {
        self.out.push(Item {
            kind,
            start: start as u32,
            end: end as u32,
        });
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.b.get(at).copied()
    }

    fn skip_spaces(&self, mut at: usize) -> usize {
        while self.byte(at) == Some(b' ') {
            at += 1;
        }
        at
    }

    fn run(&mut self) -> Step {
        self.push(Kind::StreamStart, 0, 0);
        let len = self.b.len();
        let mut pos = 0;
        while pos < len {
            let next = memchr::memchr(b'\n', self.b.get(pos..)?).map_or(len, |i| pos + i);
            // A line ends at `\n` or `\r\n` (files written on Windows).
            let eol = if next > pos && self.byte(next - 1) == Some(b'\r') {
                next - 1
            } else {
                next
            };
            let line = self.b.get(pos..eol)?;
            if !is_clean(line) {
                return None;
            }
            let indent = line.iter().take_while(|&&c| c == b' ').count();
            match line.get(indent) {
                None | Some(b'#') => {}
                _ if indent == 0 && line.starts_with(b"---") => self.document_marker(pos, eol)?,
                // `...` ends a document, even before more text on its line.
                _ if indent == 0 && line.starts_with(b"...") => return None,
                _ => self.content(pos + indent, indent, eol)?,
            }
            pos = next + 1;
            if self.out.len() > MAX_ITEMS {
                return None;
            }
        }
        self.flush();
        self.close_all(len);
        match self.doc {
            Doc::Open(true) => self.push(Kind::DocumentEnd, len, len),
            // `---` with nothing after it: an empty document.
            Doc::Open(false) => return None,
            Doc::None => {}
        }
        self.push(Kind::StreamEnd, len, len);
        Some(())
    }

    /// A `---` line.
    fn document_marker(&mut self, at: usize, eol: usize) -> Step {
        // Only blanks and a comment may follow it.
        let after = self.skip_spaces(at + 3);
        if after < eol && (after == at + 3 || self.byte(after) != Some(b'#')) {
            return None;
        }
        match self.doc {
            Doc::Open(false) => return None,
            Doc::Open(true) => {
                self.flush();
                self.close_all(at);
                self.push(Kind::DocumentEnd, at, at + 3);
            }
            Doc::None => {}
        }
        self.push(Kind::DocumentStart(true), at, at + 3);
        self.doc = Doc::Open(false);
        Some(())
    }

    /// The empty value of a key with nothing below it.
    fn flush(&mut self) {
        if let Some(colon) = self.pending.take() {
            self.push(Kind::Plain, colon, colon);
        }
    }

    /// Close the innermost open collection, at byte `at`.
    fn close(&mut self, at: usize) {
        if let Some(top) = self.stack.pop() {
            let kind = if top.seq {
                Kind::SequenceEnd
            } else {
                Kind::MappingEnd
            };
            self.push(kind, at, at);
        }
    }

    /// Close every open collection, at byte `at`.
    fn close_all(&mut self, at: usize) {
        while !self.stack.is_empty() {
            self.close(at);
        }
    }

    /// A line whose first character, at byte `p` and column `col`, is
    /// content (not a comment or a document marker).
    fn content(&mut self, p: usize, col: usize, eol: usize) -> Step {
        let entry = self.is_entry(p, eol);
        match self.doc {
            Doc::None => {
                self.push(Kind::DocumentStart(false), p, p);
                self.doc = Doc::Open(false);
            }
            Doc::Open(_) => {}
        }
        if self.pending.is_some() {
            let parent = self.stack.last().map_or(0, |b| b.col);
            if col > parent || (col == parent && entry) {
                self.pending = None;
                return self.open(p, col, eol, col == parent);
            }
            self.flush();
        }
        // Close what this line is left of.
        while let Some(top) = self.stack.last() {
            let closes = top.col > col || (top.col == col && top.seq && top.indentless && !entry);
            if !closes {
                break;
            }
            self.close(p);
        }
        match self.stack.last() {
            // A second root, or text after the root: not for this reader.
            None if self.doc == Doc::Open(true) => None,
            None => self.open(p, col, eol, false),
            Some(top) if top.col != col => None,
            Some(top) if top.seq => {
                if entry {
                    self.entry(p, col, eol)
                } else {
                    None
                }
            }
            Some(_) => self.key_value(p, eol),
        }
    }

    /// Whether the line's content at `p` is a list entry (`- …`).
    fn is_entry(&self, p: usize, eol: usize) -> bool {
        self.byte(p) == Some(b'-') && (p + 1 == eol || self.byte(p + 1) == Some(b' '))
    }

    /// A block collection that begins on this line, at byte `p`.
    fn open(&mut self, p: usize, col: usize, eol: usize, indentless: bool) -> Step {
        self.doc = Doc::Open(true);
        if self.is_entry(p, eol) {
            // saphyr puts a list in its parent's column at its first item.
            let at = if indentless {
                self.skip_spaces(p + 1)
            } else {
                p
            };
            self.push(Kind::SequenceStart, at, at);
            self.stack.push(Block {
                col,
                seq: true,
                indentless,
            });
            return self.entry(p, col, eol);
        }
        if indentless {
            return None;
        }
        match self.plain_end(p, eol, false)? {
            (_, Stop::Colon(_)) => self.open_map(p, col, eol),
            // A scalar on its own line: a root scalar, or a value over
            // several lines.
            (_, Stop::Line) => None,
        }
    }

    /// A block mapping whose first key is at byte `p`, column `col`.
    fn open_map(&mut self, p: usize, col: usize, eol: usize) -> Step {
        self.push(Kind::MappingStart, p, p);
        self.stack.push(Block {
            col,
            seq: false,
            indentless: false,
        });
        self.key_value(p, eol)
    }

    /// A list entry `- …` at byte `p`, column `col`.
    fn entry(&mut self, p: usize, col: usize, eol: usize) -> Step {
        let q = self.skip_spaces(p + 1);
        if q >= eol || q == p + 1 {
            // Nothing after the `-`: the entry is on the lines below.
            return None;
        }
        match self.byte(q)? {
            b'#' => None,
            b'[' | b'{' | b'\'' | b'"' => self.value(q, eol),
            _ if self.is_entry(q, eol) => None,
            _ => match self.plain_end(q, eol, false)? {
                (_, Stop::Colon(_)) => self.open_map(q, col + (q - p), eol),
                (_, Stop::Line) => self.value(q, eol),
            },
        }
    }

    /// A `key: value` line of a block mapping, from the key at byte `p`.
    fn key_value(&mut self, p: usize, eol: usize) -> Step {
        let (end, Stop::Colon(colon)) = self.plain_end(p, eol, false)? else {
            return None;
        };
        // saphyr limits implicit keys to 1024 characters.
        if colon - p > 1000 || end != colon {
            return None;
        }
        self.push(Kind::Plain, p, end);
        let v = self.skip_spaces(colon + 1);
        if v >= eol || self.byte(v) == Some(b'#') {
            self.pending = Some(colon);
            return Some(());
        }
        self.value(v, eol)
    }

    /// A value that ends its line, at byte `v`.
    fn value(&mut self, v: usize, eol: usize) -> Step {
        match self.byte(v)? {
            b'[' | b'{' => {
                let after = self.flow(v, eol, 0)?;
                self.line_ends(after, eol)
            }
            quote @ (b'\'' | b'"') => {
                if quote == b'"' && self.b.get(v..eol)?.contains(&b'\\') {
                    // Escapes are left to saphyr.
                    return None;
                }
                let close = closing_quote(self.b, v, eol)?;
                self.line_ends(close + 1, eol)?;
                let kind = if quote == b'"' {
                    Kind::DoubleQuoted
                } else {
                    Kind::SingleQuoted
                };
                // The span runs on over blanks and a comment after it.
                self.push(kind, v, eol);
                Some(())
            }
            _ => match self.plain_end(v, eol, false)? {
                (end, Stop::Line) => {
                    self.push(Kind::Plain, v, end);
                    Some(())
                }
                // `key: a: b`
                (_, Stop::Colon(_)) => None,
            },
        }
    }

    /// Whether only blanks and a comment follow byte `at` on its line.
    fn line_ends(&self, at: usize, eol: usize) -> Step {
        (self.token_end(at, eol) >= eol).then_some(())
    }

    /// Where the plain scalar at `p` ends (before trailing blanks), and
    /// why. `None` when it starts with an indicator or runs into something
    /// this reader does not take.
    fn plain_end(&self, p: usize, eol: usize, flow: bool) -> Option<(usize, Stop)> {
        let first = self.byte(p)?;
        // `-5`: a `-` not followed by a blank starts a plain scalar.
        let dash = first == b'-'
            && self
                .byte(p + 1)
                .is_some_and(|c| p + 1 < eol && c != b' ' && !(flow && is_flow(c)));
        if p >= eol || (is_indicator(first) && !dash) {
            return None;
        }
        if !flow {
            return self.block_plain_end(p, eol);
        }
        // Inside a flow collection: `,[]{}` end it too, and a comment or
        // the end of the line leaves the collection open, which this
        // reader does not take.
        let mut i = p;
        let mut end = p;
        while i < eol {
            let c = self.byte(i)?;
            match c {
                b' ' => {
                    i += 1;
                    continue;
                }
                b'#' if self.byte(i - 1) == Some(b' ') => return None,
                // saphyr refuses a `-` after a blank inside a flow
                // collection when `,[]{}` follows it (`[x -]`).
                b'-' if self.byte(i - 1) == Some(b' ') && self.byte(i + 1).is_some_and(is_flow) => {
                    return None;
                }
                b':' => {
                    let next = self.byte(i + 1);
                    if i + 1 >= eol || next == Some(b' ') {
                        return Some((end, Stop::Colon(i)));
                    }
                    return None;
                }
                c if is_flow(c) => return Some((end, Stop::Line)),
                _ => {}
            }
            i += 1;
            end = i;
        }
        None
    }

    /// [`Scan::plain_end`] outside flow collections, where only a `:`
    /// and a `#` can end a plain scalar before its line does: found with
    /// `memchr`, not byte by byte.
    fn block_plain_end(&self, p: usize, eol: usize) -> Option<(usize, Stop)> {
        let line = self.b.get(..eol)?;
        let mut from = p;
        loop {
            let hit = memchr::memchr2(b':', b'#', line.get(from..)?).map(|k| from + k);
            let stop = match hit {
                None => Some(Stop::Line),
                // `#` starts a comment after a blank.
                Some(h) if line.get(h) == Some(&b'#') => {
                    (h > p && line.get(h - 1) == Some(&b' ')).then_some(Stop::Line)
                }
                // `:` ends a key before a blank or the end of the line.
                Some(h) => {
                    (h + 1 >= eol || line.get(h + 1) == Some(&b' ')).then_some(Stop::Colon(h))
                }
            };
            let at = hit.unwrap_or(eol);
            if let Some(stop) = stop {
                // The scalar ends before the blanks ahead of the stop.
                let blanks = line.get(p..at)?.iter().rev().take_while(|&&c| c == b' ');
                return Some((at - blanks.count(), stop));
            }
            // Without a hit the stop is the end of the line: `at` is a hit.
            from = at + 1;
        }
    }

    /// Where a flow token ending at `at` has its span end: saphyr runs it
    /// on over the blanks after it, and a comment.
    fn token_end(&self, at: usize, eol: usize) -> usize {
        let after = self.skip_spaces(at);
        if after > at && self.byte(after) == Some(b'#') {
            eol
        } else {
            after
        }
    }

    /// A one-line flow list or mapping opening at `v`, inside `depth`
    /// others: the byte after its closing bracket.
    fn flow(&mut self, v: usize, eol: usize, depth: usize) -> Option<usize> {
        // Deep nesting is left to saphyr and the loader's depth limit.
        if depth > 16 {
            return None;
        }
        let map = self.byte(v)? == b'{';
        let (start, end, close) = if map {
            (Kind::MappingStart, Kind::MappingEnd, b'}')
        } else {
            (Kind::SequenceStart, Kind::SequenceEnd, b']')
        };
        let mut i = self.token_end(v + 1, eol);
        self.push(start, v, i);
        if self.byte(i) == Some(close) {
            let to = self.token_end(i + 1, eol);
            self.push(end, i, to);
            return Some(i + 1);
        }
        loop {
            // One long line of flow items is not held whole either.
            if self.out.len() > MAX_ITEMS {
                return None;
            }
            if map {
                let (key_end, Stop::Colon(colon)) = self.plain_end(i, eol, true)? else {
                    return None;
                };
                if key_end != colon || self.byte(colon + 1) != Some(b' ') {
                    return None;
                }
                self.push(Kind::Plain, i, key_end);
                i = self.skip_spaces(colon + 1);
            }
            i = match self.byte(i)? {
                b'[' | b'{' => self.flow(i, eol, depth + 1)?,
                _ => match self.plain_end(i, eol, true)? {
                    (value_end, Stop::Line) => {
                        self.push(Kind::Plain, i, value_end);
                        value_end
                    }
                    (_, Stop::Colon(_)) => return None,
                },
            };
            i = self.skip_spaces(i);
            match self.byte(i)? {
                b',' => {
                    i = self.skip_spaces(i + 1);
                    if matches!(self.byte(i)?, b']' | b'}') {
                        return None;
                    }
                }
                c if c == close => {
                    let to = self.token_end(i + 1, eol);
                    self.push(end, i, to);
                    return Some(i + 1);
                }
                _ => return None,
            }
        }
    }
}

/// Events with their byte spans.
type Events<'t> = Vec<(Event<'t>, usize, usize)>;

/// saphyr's events of `text` with byte spans; none when it finds an error.
fn saphyr_events(text: &str) -> Option<Events<'_>> {
    let mut offsets = super::offsets::Offsets::new(text);
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut events = Vec::new();
    while let Some(next) = parser.next_event() {
        let (event, span) = next.ok()?;
        let (start, end) = (span.start.index(), span.end.index());
        events.push((event, offsets.byte(start), offsets.byte(end)));
    }
    Some(events)
}

/// The fast reader's events of `text`; none when it leaves `text` to saphyr.
fn fast_events(text: &str) -> Option<Events<'_>> {
    let mut items = Vec::new();
    scan(text, &mut items).then(|| {
        items
            .iter()
            .map(|item| (event(text, item), item.start(), item.end()))
            .collect()
    })
}

/// Whether the fast reader gives exactly saphyr's events of `text`, at
/// saphyr's places; none when it leaves `text` to saphyr. For tests and
/// the differential fuzz target (`fuzz/fuzz_targets/yaml_fast.rs`).
pub fn agrees_with_saphyr(text: &str) -> Option<bool> {
    let ours = fast_events(text)?;
    Some(saphyr_events(text).is_some_and(|theirs| theirs == ours))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The fast reader gives saphyr's events or none; whether it gave any.
    fn agrees(text: &str) -> bool {
        let Some(ours) = fast_events(text) else {
            return false;
        };
        assert_eq!(Some(ours), saphyr_events(text), "reading {text:?}");
        true
    }

    #[test]
    fn records_as_written_are_read_as_saphyr_reads_them() {
        let cases = [
            "",
            "# only a comment\n",
            "a: b",
            "a: b  \n# after\n\n",
            "# 会议纪要\nkind: meeting\nid: M-1\nitems:\n  - no: 1\n    title: 采购\n    opinions:\n      - {name: 王, stance: 同意, note: 好}\n      - {name: 李, stance: 同意}\n    outcome: 通过\n",
            "---\na: 1\n---\n# z\nb: [x, y]   # c\n",
            "--- # first\na: 1\n",
            "a:\n- x\n- y\nb: 1\n",
            "a:\n  - x\n  -  y\n",
            "a:\n  b:\n  c: 1\nd: # none\ne: x # c\n",
            "- a\n-   b: 1\n    c: 2\n- [a, b]\n- {}\n- []\n",
            "a: {x: [1, 2], y: z}  # c\nb: [ 1 , 2 ]\nc: [[1] , 2]\n",
            "a: 'x''y'\nb: \"q\"   # c\nc: 'z'\n",
            "a: 'x' # it's\nb: \"y\" # \"z\"\nc:  # \n",
            "  a: 1\n  b: 2\n",
            "a: 10:30\nb: x,y[1]\nc: a#b\nd: -5\n",
            "a: x :y  z#1  # c\nb: 1 2 \nc: 备注：a:b #\nd: x  \ne: 王 # 李\n",
            "steps:\n  - step: 签字\n    by: [副局长, 书记]\n    date: 2021-01-30\nlast:\n",
        ];
        for text in cases {
            assert!(agrees(text), "not read by the fast reader: {text:?}");
            let text = crlf(text);
            assert!(agrees(&text), "not read by the fast reader: {text:?}");
        }
    }

    #[test]
    fn what_it_does_not_take_is_left_to_saphyr() {
        let cases = [
            "a: &x 1\nb: *x\n",
            "a: !!str 1\n",
            "a: |\n  text\n",
            "a: b\n  c\n",
            "a:\tb\n",
            "a: b\rc: d\n",
            "a: \"x\\ny\"\n",
            "a: [1,\n  2]\n",
            "---\n",
            "x\n",
            "a: b: c\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n...\n",
            "a: 1\n...  b: 2\n",
            "a: 1\n...b: 2\n",
            "? a\n: b\n",
            "\u{feff}a: 1\n",
            "a: [x, ]\n",
            "-\n  a: 1\n",
            // saphyr refuses these: a `-` after a blank, before `,]}`.
            "a: [x -]\n",
            "a: [x -, y]\n",
            "a: {k: v -}\n",
            "- [a  -]\n",
        ];
        for text in cases {
            assert!(!agrees(text), "read by the fast reader: {text:?}");
        }
    }

    #[test]
    fn a_huge_text_is_left_to_saphyr_which_does_not_hold_all_its_events() {
        let mut items = Vec::new();
        assert!(scan(&"- x\n".repeat(1000), &mut items));
        assert!(!scan(&"- x\n".repeat(MAX_ITEMS), &mut items));
        let one_line = format!("a: [{}x]\n", "x, ".repeat(MAX_ITEMS));
        assert!(!scan(&one_line, &mut items));
        assert!(items.len() < MAX_ITEMS + 10);
    }

    #[test]
    fn the_sample_records_are_read_as_saphyr_reads_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut read, mut all) = (0, 0);
        let mut dirs = vec![root.join("examples"), root.join("tests/fixtures")];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for path in entries.flatten().map(|e| e.path()) {
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    all += 1;
                    read += usize::from(agrees(&text));
                }
            }
        }
        eprintln!("{read} of {all} sample files read fast");
        // Most sample records are in the part of YAML the fast reader takes.
        assert!(
            all > 100 && read * 2 > all,
            "{read} of {all} files read fast"
        );
    }

    /// A record file as written, for the edits below.
    const SEED: &str = "# 会议纪要\nkind: meeting\nid: M-1\nitems:\n  - no: 1\n    title: 采购 # c\n    opinions:\n      - {name: 王, stance: 同意, note: 好}\n      - [a, b]\n    outcome: '通过'\nlist:\n- x\n- y: 1\n  z:\n---\nkind: b\nby: \"q\"\n";

    /// Lines made of the pieces records are written with, and of the
    /// pieces the fast reader must leave alone.
    fn line() -> impl Strategy<Value = String> {
        let indent = prop::sample::select(vec!["", " ", "  ", "   ", "    ", "      "]);
        let lead = prop::sample::select(vec!["", "", "", "- ", "-  ", "-", "- - ", "? ", ": "]);
        let key = prop::sample::select(vec![
            "", "a", "kind", "名称", "a b", "a:b", "-x", "a #b", "'k'", "[k]", "a ", "x,y",
        ]);
        let colon = prop::sample::select(vec![": ", ":", ":  ", "", " : ", ":\t"]);
        let value = prop::sample::select(vec![
            "",
            "x",
            "1",
            "a b",
            "x # c",
            "x#c",
            "'q'",
            "'it''s'",
            "'a' b",
            "\"d\"",
            "\"e\\n\"",
            "[a, b]",
            "{k: v, m: [1, 2]}",
            "[ a ,b ]",
            "[]",
            "{}",
            "[a,]",
            "{a}",
            "[a: b]",
            "[a] # c",
            "[a]#c",
            "[a]  ",
            "'x' # c",
            "|",
            ">-",
            "&x y",
            "*x",
            "!t x",
            "a: b",
            "x:",
            "10:30",
            "-5",
            "- x",
            "{a: [b, {c: d}]}",
            "[a, [b]] ",
            "[a #c]",
            "{a:b}",
            "[，]",
            "王，李",
            "\u{85}x",
            "x\u{2028}",
            "%x",
            "@x",
            "`x",
            "[a, 'b']",
            "{a: }",
            "[x -]",
            "[a -b]",
            "[a - ]",
            "{k: v -}",
            "[x -, y]",
        ]);
        let ending = prop::sample::select(vec!["\n", "\n", "\n", "\r\n", " \n", " # c\n", ""]);
        let special = prop::sample::select(vec![
            "---\n",
            "--- # c\n",
            "--- x\n",
            "...\n",
            "# c\n",
            "\n",
            "  # c\n",
            "%YAML 1.2\n",
            "---\n---\n",
            "...  a: b\n",
        ]);
        prop_oneof![
            6 => (indent, lead, key, colon, value, ending)
                .prop_map(|(i, l, k, c, v, e)| format!("{i}{l}{k}{c}{v}{e}")),
            1 => special.prop_map(str::to_owned),
        ]
    }

    /// A record's shape: what the generator below writes as YAML.
    #[derive(Clone, Debug)]
    enum Tree {
        Value(&'static str),
        Map(Vec<(&'static str, Tree)>),
        List(Vec<Tree>),
    }

    fn tree() -> impl Strategy<Value = Tree> {
        let value = prop::sample::select(vec![
            "x",
            "1",
            "2021-01-30",
            "王 五",
            "-5",
            "a:b",
            "'q'",
            "'it''s'",
            "\"d\"",
            "[a, b]",
            "{k: v, m: [1, 2]}",
            "[ a ,b ]",
            "[]",
            "{}",
            "[王，李]",
            "x # c",
            "[a] # c",
            "'x'  # c",
        ]);
        let key = prop::sample::select(vec!["kind", "id", "名称", "a b", "by", "x-y"]);
        value
            .prop_map(Tree::Value)
            .prop_recursive(5, 40, 4, move |inner| {
                prop_oneof![
                    prop::collection::vec((key.clone(), inner.clone()), 1..4).prop_map(Tree::Map),
                    prop::collection::vec(inner, 1..4).prop_map(Tree::List),
                ]
            })
    }

    /// How [`write`] lays a tree out.
    #[derive(Clone, Copy, Debug)]
    struct Layout {
        indent: usize,
        /// Lists under a key in the key's column.
        indentless: bool,
        /// A comment line and a blank line after every entry.
        comments: bool,
    }

    /// Lines ended with `\r\n`, as on Windows.
    fn crlf(text: &str) -> String {
        text.replace('\n', "\r\n")
    }

    /// `tree` as block YAML at column `col`, from a fresh line; `first`
    /// when the first line's indentation is already written (after `- `).
    fn write(tree: &Tree, col: usize, first: bool, layout: Layout, out: &mut String) {
        let pad = |out: &mut String, skip: bool| {
            if !skip {
                out.push_str(&" ".repeat(col));
            }
        };
        let after = |out: &mut String| {
            if layout.comments {
                out.push_str(&format!("{}# note\n\n", " ".repeat(col)));
            }
        };
        match tree {
            Tree::Value(v) => {
                pad(out, first);
                out.push_str(v);
                out.push('\n');
            }
            Tree::Map(entries) => {
                for (i, (key, value)) in entries.iter().enumerate() {
                    pad(out, first && i == 0);
                    out.push_str(key);
                    out.push(':');
                    match value {
                        Tree::Value(v) => {
                            out.push(' ');
                            out.push_str(v);
                            out.push('\n');
                        }
                        Tree::List(_) if layout.indentless => {
                            out.push('\n');
                            write(value, col, false, layout, out);
                        }
                        _ => {
                            out.push('\n');
                            write(value, col + layout.indent, false, layout, out);
                        }
                    }
                    after(out);
                }
            }
            Tree::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    pad(out, first && i == 0);
                    out.push_str("- ");
                    match item {
                        // A list in a list is written as a flow list.
                        Tree::List(_) => out.push_str("[a, b]\n"),
                        _ => write(item, col + 2, true, layout, out),
                    }
                    after(out);
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn any_text_is_read_as_saphyr_reads_it_or_left_to_it(
            lines in prop::collection::vec(line(), 0..12)
        ) {
            agrees(&lines.concat());
        }

        #[test]
        fn edited_records_are_read_as_saphyr_reads_them_or_left_to_it(
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3usize, prop::sample::select(vec![
                " ", "  ", "\n", "-", "- ", ":", ": ", "#", " #", "'", "\"", "[", "]", "{", "}", ",", "&", "*",
                "!", "|", "---\n", "\t", "\r", "x", "王", "，", "?", "%", "\\", "...\n",
            ])), 1..4)
        ) {
            let mut text = String::from(SEED);
            for (at, cut, insert) in edits {
                // Edit at a character boundary: cut up to 2 characters, then insert.
                let chars: Vec<usize> = text.char_indices().map(|(b, _)| b).chain([text.len()]).collect();
                let i = at.index(chars.len());
                let from = chars.get(i).copied().unwrap_or(text.len());
                let to = chars.get(i + cut).copied().unwrap_or(text.len());
                text.replace_range(from..to, insert);
            }
            agrees(&text);
        }

        #[test]
        fn records_of_any_shape_are_read_fast_as_saphyr_reads_them(
            trees in prop::collection::vec(
                prop::collection::vec((Just("kind"), tree()), 1..4).prop_map(Tree::Map),
                1..4,
            ),
            indent in 1..5usize,
            indentless: bool,
            comments: bool,
        ) {
            let layout = Layout { indent, indentless, comments };
            let mut text = String::new();
            for tree in &trees {
                text.push_str("---\n");
                write(tree, 0, false, layout, &mut text);
            }
            prop_assert!(agrees(&text), "not read by the fast reader: {text:?}");
            let text = crlf(&text);
            prop_assert!(agrees(&text), "not read by the fast reader: {text:?}");
        }
    }
}
