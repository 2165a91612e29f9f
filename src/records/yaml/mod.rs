//! Reading record files: YAML (and JSON, which is YAML) into [`Node`] trees
//! with byte spans.
//!
//! Plain block records are read by `fast`, a line-at-a-time reader that
//! gives the events saphyr would; everything else, and every error, by
//! `saphyr_parser`'s pull parser. saphyr's markers count characters, so its
//! positions go through `offsets::Offsets` to become byte offsets. The
//! event loop keeps its own stack instead of recursing, and stops as soon as a
//! limit is crossed, so deeply nested or alias-heavy input stays cheap.
//!
//! [`load`] drives the reading document by document and resumes after a
//! broken one; `loader` turns the parser's events into nodes, `spans`
//! places them in the text, `errors` words and places what went wrong,
//! `shape` holds the collections still open and where each anchor is.

mod errors;
mod fast;
mod loader;
mod offsets;
mod shape;
mod spans;
#[cfg(test)]
mod test_support;

use crate::diag::Diagnostic;
use crate::records::tree::Node;
use crate::source::{FileId, LineIndex, Span};

pub use fast::agrees_with_saphyr;
use loader::Loader;

/// Bounds that keep hostile input cheap.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Deepest nesting of lists and mappings allowed (default 128).
    pub max_depth: usize,
    /// Most nodes one document may produce, counting every alias
    /// expansion; also the most nodes all the aliases of one file may expand
    /// to (default 1,000,000).
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 128,
            max_nodes: 1_000_000,
        }
    }
}

/// What one file held: the documents parsed completely, those that could
/// not be, and the errors found.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The root node of every complete, non-empty document, in file order.
    pub documents: Vec<Node>,
    /// Documents that a syntax error or a crossed limit cut short.
    pub broken: Vec<Broken>,
    /// Problems found: in complete documents (duplicate or non-text keys,
    /// unprintable characters), in broken ones (what stopped them, and
    /// what was seen before), and unprintable characters outside any.
    pub errors: Vec<Diagnostic>,
}

/// A document that could not be read to its end.
#[derive(Clone, Debug)]
pub struct Broken {
    /// From where the document starts to where reading resumed (the next
    /// `---` line) or the end of the file.
    pub span: Span,
    /// Its errors, as indexes into [`Loaded::errors`].
    pub errors: Vec<usize>,
}

/// Read every document of `text` (a YAML stream; JSON is accepted).
///
/// Never panics. A syntax error or crossed limit ends its document; reading
/// resumes where the next document starts (a `---` line, with the
/// directives before it, or the line after `...`), so one broken record
/// does not hide the ones after it.
#[must_use]
pub fn load(file: FileId, text: &str, limits: &Limits) -> Loaded {
    let mut loader = Loader::new(file, text, limits);
    // The whole stream at first. After an error, one document at a time:
    // restarting the parser on the rest of the file for every broken record
    // would cost the square of its length.
    let (mut from, mut until) = (0, text.len());
    loop {
        let next = match loader.run(from, until) {
            Some((start, errors)) => {
                let next = next_document_line(text, loader.line_index(), start);
                if let Some(errors) = errors {
                    let end = next.unwrap_or(text.len());
                    if next.is_some() {
                        loader.keep_inside(start, end, errors.clone());
                    }
                    loader.broken.push(Broken {
                        span: Span::new(file, start, end),
                        errors: errors.collect(),
                    });
                }
                next
            }
            None => (until < text.len()).then_some(until),
        };
        let Some(next) = next else { break };
        from = next;
        let lines = loader.line_index();
        until = next_document_line(text, lines, past_directives(text, lines, next))
            .unwrap_or(text.len());
    }
    loader.flag_unprintable();
    Loaded {
        documents: loader.documents,
        broken: loader.broken,
        errors: loader.errors,
    }
}

/// The root of the document whose root node spans `start..end`, read
/// again: how a record is found in its file's text when a finding needs
/// the places of its data. Only that document is read, from its `---`
/// line and directives (a `%TAG` its tags need) to the next document
/// marker; none when it no longer reads as a document.
pub fn load_document_at(file: FileId, text: &str, start: usize, end: usize) -> Option<Node> {
    let from = document_start(text.as_bytes(), start);
    let until = document_end(text.as_bytes(), end);
    // The document was read within the run's limits once: reading it again
    // costs no more.
    let limits = Limits {
        max_depth: usize::MAX,
        max_nodes: usize::MAX,
    };
    let mut loader = Loader::new(file, text.get(..until)?, &limits);
    loader.first_only = true;
    loader.run(from, until);
    loader.documents.into_iter().next()
}

/// Where the line holding byte `at` starts. Lines end at `\n`, `\r\n` or a
/// lone `\r`, as YAML's do.
fn line_start(bytes: &[u8], at: usize) -> usize {
    bytes
        .get(..at)
        .and_then(|b| memchr::memrchr2(b'\n', b'\r', b))
        .map_or(0, |i| i + 1)
}

/// Where the line after the one holding byte `at` starts; none on the
/// last line.
fn next_line(bytes: &[u8], at: usize) -> Option<usize> {
    let i = at + memchr::memchr2(b'\n', b'\r', bytes.get(at..)?)?;
    let crlf = bytes.get(i) == Some(&b'\r') && bytes.get(i + 1) == Some(&b'\n');
    Some(i + if crlf { 2 } else { 1 })
}

/// Whether a line starts with the document marker `m` (`---`, `...`),
/// alone or followed by a blank.
fn is_marker(line: &[u8], m: &[u8]) -> bool {
    line.starts_with(m) && matches!(line.get(m.len()), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// Where the document whose root starts at byte `at` starts: its root's
/// line, with the `---` line and the directives before it and the blank
/// and comment lines between. Nothing of the document before is taken: a
/// line above that is none of these ends the walk, and any line it takes
/// reads as a comment or a blank, whatever it was in its own document.
fn document_start(bytes: &[u8], at: usize) -> usize {
    let mut from = line_start(bytes, at);
    let mut marker = false;
    while from > 0 {
        // The line above, without its line end.
        let mut end = from - 1;
        if end > 0 && bytes.get(end) == Some(&b'\n') && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        let above = line_start(bytes, end);
        let line = bytes.get(above..end).unwrap_or_default();
        let body = line.trim_ascii_start();
        let take = if body.is_empty() || body.starts_with(b"#") {
            true
        } else if is_marker(line, b"---") && !marker {
            marker = true;
            true
        } else {
            marker && line.starts_with(b"%")
        };
        if !take {
            break;
        }
        from = above;
    }
    from
}

/// Where the document around byte `at` ends: at the first `---` or `...`
/// line after it, or the end of the text.
fn document_end(bytes: &[u8], at: usize) -> usize {
    let mut line = next_line(bytes, at);
    while let Some(at) = line {
        let rest = bytes.get(at..).unwrap_or_default();
        if is_marker(rest, b"---") || is_marker(rest, b"...") {
            return at;
        }
        line = next_line(bytes, at);
    }
    bytes.len()
}

/// Where the first document after byte `after` starts: a `---` line
/// (`---` alone or followed by a blank), with the directive lines (`%…`)
/// just before it, or the line after a `...` line. Document markers cannot
/// occur inside a scalar, so reading can restart there whatever broke
/// before, even where the parser read past them (an unclosed `? [`).
fn next_document_line(text: &str, lines: &LineIndex, after: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let marker = |line: usize, m: &[u8]| {
        lines
            .line_start(line)
            .and_then(|ls| bytes.get(ls..))
            .is_some_and(|rest| is_marker(rest, m))
    };
    let first = lines.line_of(after) + 1;
    for line in first..lines.line_count() {
        if marker(line, b"...") {
            return lines.line_start(line + 1).filter(|&ls| ls < bytes.len());
        }
        if marker(line, b"---") {
            let mut start = line;
            while start > first
                && lines
                    .line_start(start - 1)
                    .is_some_and(|ls| bytes.get(ls) == Some(&b'%'))
            {
                start -= 1;
            }
            return lines.line_start(start);
        }
    }
    None
}

/// The start of the first line at or after the one starting at
/// `line_start` that is not a directive (`%…`): the `---` a document's
/// directives stand before.
fn past_directives(text: &str, lines: &LineIndex, line_start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut line = lines.line_of(line_start);
    while lines
        .line_start(line)
        .is_some_and(|ls| bytes.get(ls) == Some(&b'%'))
    {
        line += 1;
    }
    lines.line_start(line).unwrap_or(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use crate::records::tree::Node;
    use crate::source::{FileId, Span};

    /// Each document read again on its own is the document as read with
    /// the whole stream: after `---` or `...`, with directives, comments,
    /// anchors, block scalars and flow or indented roots, and a broken
    /// document beside it.
    #[test]
    fn a_document_reads_again_as_it_was_read() {
        // (text, its complete documents)
        let texts = [
            (
                "kind: a\nid: 1\n---\nkind: b\nid: 2\nlist:\n  - x\n  - {y: 1}\n",
                2,
            ),
            (
                "--- # first\nkind: a\nnote: |\n  two\n  lines\n\n...\n%YAML 1.2\n---\nkind: b\n",
                2,
            ),
            (
                "---\nbase: &b {x: 1}\nuse: *b\n---\n  kind: indented\n  id: 3\n--- {kind: flow, id: 4}\n",
                3,
            ),
            (
                "kind: a\nbad: [\n---\nkind: after\nid: 名字\n# trailing comment\n",
                1,
            ),
            (
                "{\"kind\": \"json\", \"id\": \"J-1\", \"items\": [1, 2]}",
                1,
            ),
            ("kind: last\nnote: >\n  folded\n  text", 1),
            // Read alone, a document does not see the broken one after it.
            ("kind: a\nid: 1\n---\nkind: b\nbad: [\n", 1),
            // Line ends of every kind.
            ("kind: a\r\nid: 1\r\n---\r\nkind: b\r\nid: 2\r\n", 2),
            ("kind: a\rid: 1\r---\rkind: b\rid: 2\rlist: [x]\r", 2),
            // A tag handle declared before its document, after a comment
            // that is not YAML of the document before.
            (
                "kind: a\nnote: |\n  # text\n...\n# next\n%TAG !e! tag:example.com,2026:\n---\n\nkind: !e!k b\n",
                2,
            ),
        ];
        for (text, documents) in texts {
            let loaded = run(text);
            assert_eq!(loaded.documents.len(), documents, "{text:?}");
            for doc in &loaded.documents {
                let (start, end) = (doc.span.start as usize, doc.span.end as usize);
                let again = super::load_document_at(FileId(0), text, start, end);
                assert_eq!(again.as_ref(), Some(doc), "{text:?} at {start}..{end}");
            }
        }
    }

    #[test]
    fn multi_document_streams_skip_empty_documents() {
        let text = "---\nkind: a\n---\n# only a comment\n---\nkind: b\n...\n---\n";
        let loaded = run(text);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let kinds: Vec<_> = loaded
            .documents
            .iter()
            .map(|d| d.get("kind").and_then(Node::as_str))
            .collect();
        assert_eq!(kinds, vec![Some("a"), Some("b")]);
        let second = loaded.documents.get(1).map(|d| slice(text, d.span));
        assert_eq!(second, Some("kind: b"));
        assert!(run("# nothing here\n").documents.is_empty());
        assert!(run("").documents.is_empty());
        assert!(run("").errors.is_empty());
    }

    #[test]
    fn truncated_file_keeps_finished_documents() {
        let text = "kind: a\nid: 1\n---\nkind: b\nitems: [1, 2\n";
        let loaded = run(text);
        assert_eq!(loaded.documents.len(), 1);
        assert_eq!(loaded.errors.len(), 1);
        let e = first_error(&loaded);
        // Just after the last character, not on the line after the last.
        let end = text.len() - 1;
        assert_eq!(e.span.map(Span::range), Some(end..end));
        assert_eq!(
            e.message,
            "invalid YAML: while parsing a flow sequence, expected `,` or `]`"
        );
        assert_eq!(e.help.as_deref(), Some("close the `[` opened at line 5"));
    }

    #[test]
    fn every_prefix_of_a_record_loads_without_panicking() {
        let text = "kind: meeting\nid: \"ZJ-DZ\"\nitems:\n  - {no: 1, title: 议题, opinions: [{name: 李明, stance: 同意}]}\n  - no: 2\n    note: |\n      多行\n---\na: &x [1, {b: *x}]\n";
        for (i, _) in text.char_indices() {
            let prefix = text.get(..i).unwrap_or("");
            let loaded = run(prefix);
            for e in &loaded.errors {
                let span = e.span.unwrap_or_default();
                assert!(span.end as usize <= prefix.len());
                assert!(prefix.is_char_boundary(span.start as usize));
                assert!(prefix.is_char_boundary(span.end as usize));
            }
        }
    }

    #[test]
    fn reading_resumes_at_the_next_document_after_an_error() {
        // A bad indentation in the second document, and a flow list left
        // open in the fourth.
        let text = "a: 1\n---\nb: 2\n  c: 3\n---\nd: 4\n---\ne: [5\n---\nf: 6\n";
        let loaded = run(text);
        assert_eq!(first_keys(&loaded), ["a", "d", "f"], "{:?}", loaded.errors);
        let broken: Vec<&str> = loaded
            .broken
            .iter()
            .map(|b| slice(text, b.span).trim_start_matches("---").trim())
            .collect();
        assert_eq!(broken, ["b: 2\n  c: 3", "e: [5"]);
        for b in &loaded.broken {
            assert_eq!(b.errors.len(), 1);
        }
        assert_eq!(loaded.errors.len(), 2);
    }

    #[test]
    fn after_an_error_directives_and_end_markers_still_start_documents() {
        // Directives before `---` go with the document after them.
        let text = "a: [\n---\nx: 1\n...\n%TAG !e! tag:e.com,2000:\n---\ny: !e!t 2\n";
        let loaded = run(text);
        assert_eq!(first_keys(&loaded), ["x", "y"], "{:?}", loaded.errors);
        assert_eq!(loaded.broken.len(), 1);
        assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
        // A document may start after `...` without `---`.
        let text = "a: [\n...\nc: 1\n---\nd: 2\n";
        let loaded = run(text);
        assert_eq!(first_keys(&loaded), ["c", "d"], "{:?}", loaded.errors);
        assert_eq!(loaded.broken.len(), 1);
        // What follows `...` is not part of the document it ended.
        let text = "a: 1\n...\n]\n---\nb: 2\n";
        let loaded = run(text);
        assert_eq!(first_keys(&loaded), ["a", "b"]);
        let broken: Vec<&str> = loaded
            .broken
            .iter()
            .map(|b| slice(text, b.span).trim())
            .collect();
        assert_eq!(broken, ["]"]);
    }

    #[test]
    fn an_error_after_a_document_root_belongs_to_that_document() {
        let text = "// comment\n{\"a\": 1}\n";
        let loaded = run(text);
        assert!(loaded.broken.is_empty());
        assert_eq!(loaded.documents.len(), 1);
        let doc = loaded.documents.first().map_or(Span::default(), |d| d.span);
        let error = first_error(&loaded).span.unwrap_or_default();
        assert!(doc.start <= error.start && error.start <= doc.end);
    }
}
