//! Reading record files: YAML (and JSON, which is YAML) into [`Node`] trees
//! with byte spans.
//!
//! The parser is `saphyr_parser`'s pull parser. Its markers count characters,
//! so every position goes through [`Offsets`] to become a byte offset. The
//! event loop keeps its own stack instead of recursing, and stops as soon as a
//! limit is crossed, so deeply nested or alias-heavy input stays cheap.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use crate::diag::Diagnostic;
use crate::records::tree::{Node, NodeKind};
use crate::source::{FileId, LineIndex, Span};

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

/// Where the first document after byte `after` starts: a `---` line
/// (`---` alone or followed by a blank), with the directive lines (`%…`)
/// just before it, or the line after a `...` line. Document markers cannot
/// occur inside a scalar, so reading can restart there whatever broke
/// before, even where the parser read past them (an unclosed `? [`).
fn next_document_line(text: &str, lines: &LineIndex, after: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let marker = |line: usize, m: &[u8]| {
        lines.line_start(line).is_some_and(|ls| {
            bytes.get(ls..).is_some_and(|rest| rest.starts_with(m))
                && matches!(
                    bytes.get(ls + m.len()),
                    None | Some(b' ' | b'\t' | b'\r' | b'\n')
                )
        })
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

/// Character index → byte offset in O(n) overall: events arrive nearly in
/// order, so a cursor walks forward from the last answer; a jump backwards
/// restarts from a checkpoint kept every [`STEP`] characters.
struct Offsets<'a> {
    text: &'a str,
    /// Pure ASCII text needs no table.
    ascii: bool,
    checkpoints: Vec<usize>,
    /// The last answer: (character index, byte offset).
    cursor: (usize, usize),
}

const STEP: usize = 64;

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Offsets<'a> {
        let ascii = text.is_ascii();
        let checkpoints = if ascii {
            Vec::new()
        } else {
            text.char_indices().step_by(STEP).map(|(b, _)| b).collect()
        };
        Offsets {
            text,
            ascii,
            checkpoints,
            cursor: (0, 0),
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        let len = self.text.len();
        if self.ascii {
            return char_index.min(len);
        }
        let (mut at_char, mut at_byte) = self.cursor;
        if char_index < at_char || char_index - at_char > STEP {
            let Some(&base) = self.checkpoints.get(char_index / STEP) else {
                return len;
            };
            (at_char, at_byte) = (char_index / STEP * STEP, base);
        }
        let mut chars = self.text.get(at_byte..).unwrap_or("").chars();
        while at_char < char_index {
            let Some(c) = chars.next() else {
                return len;
            };
            at_char += 1;
            at_byte += c.len_utf8();
        }
        self.cursor = (at_char, at_byte);
        at_byte
    }
}

/// A finished node inside the loader. Children are shared (`Rc`) so that an
/// anchor can be remembered and aliased without copying; the owned [`Node`]
/// tree is built once per document, after every limit has been checked.
enum Shape {
    Null,
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Child>),
    /// Keys and values alternate: key, value, key, value …
    Map(Vec<Child>),
}

/// A node where it is used: an alias reuses the anchored shape under the
/// alias's own span.
#[derive(Clone)]
struct Child {
    span: Span,
    shape: Rc<Shape>,
}

/// What an anchor names, with what it would cost to expand it again.
struct Anchored {
    shape: Rc<Shape>,
    /// Nodes in the subtree, aliases expanded.
    count: usize,
    /// Nesting levels in the subtree (0 for a scalar).
    height: usize,
}

/// A collection still being read.
struct Frame {
    is_map: bool,
    /// Written with brackets (`[`, `{`): its span ends at the closing bracket.
    flow: bool,
    start: usize,
    /// End of the last child, where a block collection ends.
    last_end: usize,
    children: Vec<Child>,
    anchor: usize,
    count: usize,
    height: usize,
    /// Mapping: the next child is a value.
    awaiting_value: bool,
    /// Mapping: the key waiting for its value; `None` when the key was
    /// rejected (duplicate or not text) and the value is to be dropped.
    pending_key: Option<Child>,
    /// Mapping with many keys: first span of every key text seen. Small
    /// mappings (records are mostly small) look through their children
    /// instead, which costs no allocation per key.
    keys: Option<HashMap<String, Span>>,
}

/// Keys a mapping may have before its duplicate check uses an index.
const LINEAR_KEYS: usize = 16;

impl Frame {
    /// The span of the earlier key `text` of this mapping, remembering
    /// `text` at `span` when it is new.
    fn earlier_key(&mut self, text: &str, span: Span) -> Option<Span> {
        if self.keys.is_none() && self.children.len() / 2 < LINEAR_KEYS {
            // Keys and values alternate; every accepted key has its value.
            return self
                .children
                .iter()
                .step_by(2)
                .find_map(|k| match &*k.shape {
                    Shape::Scalar { text: t, .. } if t == text => Some(k.span),
                    _ => None,
                });
        }
        let children = &self.children;
        let keys = self.keys.get_or_insert_with(|| {
            children
                .iter()
                .step_by(2)
                .filter_map(|k| match &*k.shape {
                    Shape::Scalar { text, .. } => Some((text.clone(), k.span)),
                    _ => None,
                })
                .collect()
        });
        match keys.get(text) {
            Some(first) => Some(*first),
            None => {
                keys.insert(text.to_string(), span);
                None
            }
        }
    }
}

/// Why reading stopped.
enum Stop {
    /// The stream ended.
    End,
    /// A limit was crossed or an alias was bad; the error is recorded.
    Limit,
}

struct Loader<'t, 'l> {
    file: FileId,
    text: &'t str,
    /// Where the current parser started reading: its positions are relative
    /// to this byte.
    base: usize,
    /// Where the text being parsed now ends.
    until: usize,
    offsets: Offsets<'t>,
    limits: &'l Limits,
    documents: Vec<Node>,
    errors: Vec<Diagnostic>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    /// Nodes produced so far in the current document, aliases expanded.
    doc_nodes: usize,
    /// Nodes produced by alias expansion so far in the whole file.
    alias_nodes: usize,
    /// Byte end of the previous event, where a block scalar's header is searched.
    prev_end: usize,
    /// Where the current document began (or the previous one ended), and
    /// the first of its errors.
    doc_start: usize,
    doc_errors: usize,
    /// The current document's root node is complete.
    root_done: bool,
    /// Line starts, built at the first error that names a line.
    lines: Option<LineIndex>,
    broken: Vec<Broken>,
}

impl<'t, 'l> Loader<'t, 'l> {
    fn new(file: FileId, text: &'t str, limits: &'l Limits) -> Loader<'t, 'l> {
        Loader {
            file,
            text,
            base: 0,
            until: 0,
            offsets: Offsets::new(text),
            limits,
            documents: Vec::new(),
            errors: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            doc_nodes: 0,
            alias_nodes: 0,
            prev_end: 0,
            doc_start: 0,
            doc_errors: 0,
            root_done: false,
            lines: None,
            broken: Vec::new(),
        }
    }

    /// Byte offset in the whole text of a parser's character index.
    fn byte(&mut self, char_index: usize) -> usize {
        self.base + self.offsets.byte(char_index)
    }

    /// The text's line starts, built the first time an error needs them.
    fn line_index(&mut self) -> &LineIndex {
        let text = self.text;
        self.lines.get_or_insert_with(|| LineIndex::new(text))
    }

    /// The `%YAML` directive before the `---` at byte `marker`, when it
    /// names a version other than 1.1 or 1.2: the version's bytes.
    fn unsupported_version(&self, marker: usize) -> Option<std::ops::Range<usize>> {
        // The directive lines stand right above the marker: walk up line by
        // line (no line index: most documents have no directive, and the
        // line above is then seen not to start with `%`).
        let mut end = self.text.get(..marker)?.rfind('\n')?;
        loop {
            let ls = self.text.get(..end)?.rfind('\n').map_or(0, |nl| nl + 1);
            let rest = self.text.get(ls..)?;
            if !rest.starts_with('%') {
                return None;
            }
            if let Some(args) = rest.strip_prefix("%YAML") {
                let args = args.split(['\n', '#']).next().unwrap_or("");
                let version = args.trim();
                if matches!(version, "1.1" | "1.2") {
                    return None;
                }
                let at = ls + "%YAML".len() + (args.len() - args.trim_start().len());
                return Some(at..at + version.len());
            }
            end = ls.checked_sub(1)?;
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    /// Parse from byte `from` to `until`, or until an error stops a
    /// document: then return where that document began and its errors, or
    /// no errors when they fall after a complete document's root (text
    /// after it that is not YAML), which then holds them.
    fn run(
        &mut self,
        from: usize,
        until: usize,
    ) -> Option<(usize, Option<std::ops::Range<usize>>)> {
        let rest = self.text.get(from..until).unwrap_or("");
        self.base = from;
        self.until = until;
        self.offsets = Offsets::new(rest);
        self.prev_end = from;
        self.doc_start = from;
        self.doc_errors = self.errors.len();
        self.root_done = false;
        self.stack.clear();
        let mut parser = Parser::new_from_str(rest);
        loop {
            // saphyr is not supposed to panic, but a bug there must not take
            // the whole run down with it.
            let next = catch_unwind(AssertUnwindSafe(|| parser.next_event()));
            let (event, span) = match next {
                Err(_) => {
                    let at = self.prev_end;
                    self.errors.push(
                        Diagnostic::error(
                            self.span(at, at),
                            "invalid YAML: the reader failed here",
                        )
                        .with_help("check the indentation and brackets near this line"),
                    );
                    break;
                }
                Ok(None) => return None,
                Ok(Some(Err(e))) => {
                    self.syntax_error(&e);
                    break;
                }
                Ok(Some(Ok(pair))) => pair,
            };
            let start = self.byte(span.start.index());
            let end = self.byte(span.end.index()).max(start);
            let result = self.event(event, start, end);
            self.prev_end = self.prev_end.max(end);
            match result {
                Ok(()) => {}
                Err(Stop::End) => return None,
                Err(Stop::Limit) => break,
            }
        }
        let errors = self.doc_errors..self.errors.len();
        if self.root_done
            && let Some(doc) = self.documents.last_mut()
        {
            // Stretch the document over its errors, so that they reject it.
            let end = self
                .errors
                .get(errors)
                .into_iter()
                .flatten()
                .filter_map(|e| e.span)
                .map(|s| s.start)
                .fold(doc.span.end, u32::max);
            doc.span.end = end;
            return Some((self.doc_start, None));
        }
        Some((self.doc_start, Some(errors)))
    }

    fn event(&mut self, event: Event<'_>, start: usize, end: usize) -> Result<(), Stop> {
        match event {
            Event::StreamEnd => return Err(Stop::End),
            Event::DocumentStart(explicit) => {
                self.doc_start = start;
                self.doc_errors = self.errors.len();
                self.root_done = false;
                // Anchors do not reach across documents.
                self.anchors.clear();
                self.stack.clear();
                self.doc_nodes = 0;
                if explicit && let Some(version) = self.unsupported_version(start) {
                    // The document is read by rules it does not declare:
                    // not at all, as a broken document (from its `---`, so
                    // that reading resumes after it).
                    let text = self.text.get(version.clone()).unwrap_or("");
                    self.errors.push(
                        Diagnostic::error(
                            self.span(version.start, version.end),
                            format!("unsupported YAML version `{text}`"),
                        )
                        .with_help(
                            "records are YAML 1.2: write `%YAML 1.2` or leave the directive out",
                        ),
                    );
                    return Err(Stop::Limit);
                }
            }
            Event::DocumentEnd => {
                // What follows `...` is not part of this document.
                self.doc_start = end;
                self.doc_errors = self.errors.len();
                self.root_done = false;
            }
            Event::Nothing | Event::StreamStart => {}
            Event::Scalar(value, style, anchor, tag) => {
                if tag
                    .as_ref()
                    .is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "binary")
                {
                    // Base64 bytes read as text would be compared as text.
                    self.errors.push(
                        Diagnostic::error(self.span(start, end), "`!!binary` values are not read")
                            .with_help("records hold text, numbers and dates: write the value as text without the `!!binary` tag"),
                    );
                }
                let plain = style == ScalarStyle::Plain;
                if self.stack.is_empty()
                    && value.is_empty()
                    && plain
                    && anchor == 0
                    && tag.is_none()
                {
                    // An empty document (`---` alone, or only comments).
                    return Ok(());
                }
                self.charge(1, start, false)?;
                let span = self.scalar_span(style, value.is_empty() && plain, start, end);
                let as_key = self
                    .stack
                    .last()
                    .is_some_and(|f| f.is_map && !f.awaiting_value);
                let shape = if plain && (value.is_empty() || (!as_key && is_null(&value))) {
                    Shape::Null
                } else {
                    Shape::Scalar {
                        text: value.into_owned(),
                        plain,
                    }
                };
                let child = Child {
                    span,
                    shape: Rc::new(shape),
                };
                self.finish(child, anchor, 1, 0);
            }
            Event::SequenceStart(anchor, _) => self.open(false, anchor, start, end)?,
            Event::MappingStart(anchor, _) => self.open(true, anchor, start, end)?,
            Event::SequenceEnd | Event::MappingEnd => self.close(end),
            Event::Alias(id) => self.alias(id, start, end)?,
        }
        Ok(())
    }

    /// Count `n` more nodes against the limits: per document for all nodes,
    /// and per file for alias expansions, which are the only way a small file
    /// can grow large.
    fn charge(&mut self, n: usize, at: usize, alias: bool) -> Result<(), Stop> {
        let max = self.limits.max_nodes;
        let in_doc = self.doc_nodes.checked_add(n).filter(|&t| t <= max);
        let in_file = if alias {
            self.alias_nodes.checked_add(n).filter(|&t| t <= max)
        } else {
            Some(self.alias_nodes)
        };
        let (message, help) = match (in_doc, in_file) {
            (Some(d), Some(f)) => {
                self.doc_nodes = d;
                self.alias_nodes = f;
                return Ok(());
            }
            (None, _) if !alias => (
                format!("document has more than {max} nodes"),
                "raise the limit with --max-nodes or split the document",
            ),
            (None, _) => (
                format!("document expands to more than {max} nodes (aliases)"),
                "raise the limit with --max-nodes or remove the aliases",
            ),
            (Some(_), None) => (
                format!("aliases in this file expand to more than {max} nodes"),
                "raise the limit with --max-nodes or remove the aliases",
            ),
        };
        // An error at the end of the text points just after its last
        // character, not at the empty line after its final line break.
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
        Err(Stop::Limit)
    }

    fn too_deep(&mut self, at: usize) -> Stop {
        let span = self.char_span(at);
        let max = self.limits.max_depth;
        self.errors.push(
            Diagnostic::error(span, format!("nesting deeper than {max} levels"))
                .with_help("raise the limit with --max-depth"),
        );
        Stop::Limit
    }

    fn open(&mut self, is_map: bool, anchor: usize, start: usize, end: usize) -> Result<(), Stop> {
        // A tag or anchor before the collection is part of the event's span;
        // the collection itself starts after it.
        let first = skip_properties(self.text, start, end);
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.too_deep(first));
        }
        self.charge(1, first, false)?;
        let flow = first < end && matches!(self.text.as_bytes().get(first), Some(b'[' | b'{'));
        self.stack.push(Frame {
            is_map,
            flow,
            start: first,
            last_end: first,
            children: Vec::new(),
            anchor,
            count: 1,
            height: 1,
            awaiting_value: false,
            pending_key: None,
            keys: None,
        });
        Ok(())
    }

    fn close(&mut self, end: usize) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let stop = if frame.flow {
            end.max(frame.last_end)
        } else {
            frame.last_end
        };
        let span = self.span(frame.start, stop);
        let shape = if frame.is_map {
            Shape::Map(frame.children)
        } else {
            Shape::Seq(frame.children)
        };
        let child = Child {
            span,
            shape: Rc::new(shape),
        };
        self.finish(child, frame.anchor, frame.count, frame.height);
    }

    fn alias(&mut self, id: usize, start: usize, end: usize) -> Result<(), Stop> {
        let span = self.span(start, end);
        let Some(target) = self.anchors.get(&id) else {
            let name = self.text.get(start..end).unwrap_or("*");
            let inside = self.stack.iter().any(|f| f.anchor == id);
            let diag = if inside {
                Diagnostic::error(
                    span,
                    format!("alias `{name}` is used inside the node it refers to"),
                )
                .with_help("an alias can only repeat a node that is already complete")
            } else {
                Diagnostic::error(span, format!("unknown anchor `{name}`")).with_help(format!(
                    "define `&{}` earlier in the same document",
                    name.trim_start_matches('*')
                ))
            };
            self.errors.push(diag);
            return Err(Stop::Limit);
        };
        let (shape, count, height) = (target.shape.clone(), target.count, target.height);
        if self.stack.len().saturating_add(height) > self.limits.max_depth {
            return Err(self.too_deep(start));
        }
        // Checked before anything is built, so a "billion laughs" file costs
        // no more than the limit.
        self.charge(count, start, true)?;
        self.finish(Child { span, shape }, 0, count, height);
        Ok(())
    }

    /// Hand a completed node to its parent, or end the document with it.
    fn finish(&mut self, child: Child, anchor: usize, count: usize, height: usize) {
        if anchor != 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    shape: child.shape.clone(),
                    count,
                    height,
                },
            );
        }
        let Some(frame) = self.stack.last_mut() else {
            self.doc_start = child.span.end as usize;
            self.documents.push(build(child));
            self.doc_errors = self.errors.len();
            self.root_done = true;
            return;
        };
        frame.count = frame.count.saturating_add(count);
        frame.height = frame.height.max(height.saturating_add(1));
        frame.last_end = frame.last_end.max(child.span.end as usize);
        if !frame.is_map {
            frame.children.push(child);
            return;
        }
        if frame.awaiting_value {
            frame.awaiting_value = false;
            if let Some(key) = frame.pending_key.take() {
                frame.children.push(key);
                frame.children.push(child);
            }
            return;
        }
        frame.awaiting_value = true;
        let problem = match &*child.shape {
            Shape::Scalar { text, .. } => frame.earlier_key(text, child.span).map(|first| {
                Diagnostic::error(child.span, format!("duplicate key `{text}`"))
                    .with_label("defined again here")
                    .with_related(first, "first defined here")
                    .with_help("remove one of the two; the first one is used")
            }),
            Shape::Null => Some(
                Diagnostic::error(child.span, "keys must be plain text")
                    .with_label("this key is empty"),
            ),
            Shape::Seq(_) | Shape::Map(_) => Some(
                Diagnostic::error(child.span, "keys must be plain text")
                    .with_label("this key is a list or mapping"),
            ),
        };
        match problem {
            None => frame.pending_key = Some(child),
            Some(diag) => {
                frame.pending_key = None;
                self.errors.push(diag);
            }
        }
    }

    /// A scalar's span as written: quotes included, tags and anchors left
    /// out, a block scalar from its `|` or `>` to its last character.
    fn scalar_span(&self, style: ScalarStyle, absent: bool, start: usize, end: usize) -> Span {
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
    fn char_span(&self, at: usize) -> Span {
        let at = crate::source::floor_char_boundary(self.text, at);
        let end = match self.text.get(at..).and_then(|s| s.chars().next()) {
            Some(c) if c != '\n' && c != '\r' => at + c.len_utf8(),
            _ => at,
        };
        self.span(at, end)
    }

    /// Errors of the broken document `start..end` that the parser found
    /// after reading past its end are moved to its last character, so that
    /// they do not point into the next record; the label says where.
    fn keep_inside(&mut self, start: usize, end: usize, errors: std::ops::Range<usize>) {
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
    fn flag_unprintable(&mut self) {
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

    fn syntax_error(&mut self, e: &ScanError) {
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
        // An error at the end of the text points just after its last
        // character, not at the empty line after its final line break.
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
/// than NEL; U+FFFE and U+FFFF. One pass over the bytes.
fn unprintable(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().filter_map(move |(i, &b)| {
        let next = |k: usize| bytes.get(i + k).copied().unwrap_or(0);
        match b {
            b'\t' | b'\n' | b'\r' => None,
            0..0x20 | 0x7F => Some((i, 1)),
            0xC2 if (0x80..0xA0).contains(&next(1)) && next(1) != 0x85 => Some((i, 2)),
            0xEF if next(1) == 0xBF && matches!(next(2), 0xBE | 0xBF) => Some((i, 3)),
            _ => None,
        }
    })
}

/// The closing quote of the quoted scalar opening at byte `open`, before
/// `limit`: `"` not escaped by `\\`, or `'` not doubled.
fn closing_quote(bytes: &[u8], open: usize, limit: usize) -> Option<usize> {
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

/// Plain scalars that YAML reads as null.
fn is_null(value: &str) -> bool {
    matches!(value, "~" | "null" | "Null" | "NULL")
}

/// Skip anchors (`&a`), tags (`!t`), blanks and comments from byte `from`,
/// not past `limit`.
fn skip_properties(text: &str, from: usize, limit: usize) -> usize {
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

/// Build the owned tree for one document. Iterative, so its cost is the
/// node count (already bounded) and never the stack. Parts not shared with
/// an anchor are moved rather than copied.
fn build(root: Child) -> Node {
    /// The children still to build: owned, or shared with an anchor.
    enum Kids {
        Owned(std::vec::IntoIter<Child>),
        Shared(Rc<Shape>, usize),
    }
    impl Kids {
        fn next(&mut self) -> Option<Child> {
            match self {
                Kids::Owned(it) => it.next(),
                Kids::Shared(shape, i) => {
                    let kid = match &**shape {
                        Shape::Seq(c) | Shape::Map(c) => c.get(*i).cloned(),
                        Shape::Null | Shape::Scalar { .. } => None,
                    };
                    *i += 1;
                    kid
                }
            }
        }
    }
    struct Building {
        span: Span,
        is_map: bool,
        kids: Kids,
        done: Vec<Node>,
    }
    fn finish(b: Building) -> Node {
        let kind = if b.is_map {
            let mut entries = Vec::with_capacity(b.done.len() / 2);
            let mut it = b.done.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                entries.push((k, v));
            }
            NodeKind::Map(entries)
        } else {
            NodeKind::Seq(b.done)
        };
        Node { kind, span: b.span }
    }

    enum Step {
        Leaf(Node),
        Open(Building),
    }

    let mut stack: Vec<Building> = Vec::new();
    let mut next = root;
    loop {
        let span = next.span;
        let leaf = |kind| Step::Leaf(Node { kind, span });
        let open = |is_map, len, kids| {
            Step::Open(Building {
                span,
                is_map,
                kids,
                done: Vec::with_capacity(len),
            })
        };
        let step = match Rc::try_unwrap(next.shape) {
            Ok(Shape::Null) => leaf(NodeKind::Null),
            Ok(Shape::Scalar { text, plain }) => leaf(NodeKind::Scalar { text, plain }),
            Ok(Shape::Seq(c)) => open(false, c.len(), Kids::Owned(c.into_iter())),
            Ok(Shape::Map(c)) => open(true, c.len(), Kids::Owned(c.into_iter())),
            Err(shared) => match &*shared {
                Shape::Null => leaf(NodeKind::Null),
                Shape::Scalar { text, plain } => leaf(NodeKind::Scalar {
                    text: text.clone(),
                    plain: *plain,
                }),
                Shape::Seq(c) => open(false, c.len(), Kids::Shared(shared.clone(), 0)),
                Shape::Map(c) => open(true, c.len(), Kids::Shared(shared.clone(), 0)),
            },
        };
        let mut node = match step {
            Step::Leaf(node) => node,
            Step::Open(mut building) => match building.kids.next() {
                Some(first) => {
                    stack.push(building);
                    next = first;
                    continue;
                }
                None => finish(building),
            },
        };
        // Climb up, completing every collection whose children are all built.
        loop {
            let Some(mut top) = stack.pop() else {
                return node;
            };
            top.done.push(node);
            if let Some(kid) = top.kids.next() {
                stack.push(top);
                next = kid;
                break;
            }
            node = finish(top);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Loaded {
        load(FileId(0), text, &Limits::default())
    }

    fn slice(text: &str, span: Span) -> &str {
        text.get(span.range()).unwrap_or("<bad span>")
    }

    fn only_doc(loaded: &Loaded) -> &Node {
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert_eq!(loaded.documents.len(), 1);
        match loaded.documents.first() {
            Some(d) => d,
            None => unreachable!(),
        }
    }

    fn key_span(map: &Node, key: &str) -> Span {
        match &map.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map_or(Span::default(), |(k, _)| k.span),
            _ => Span::default(),
        }
    }

    fn get<'a>(node: &'a Node, key: &str) -> &'a Node {
        static MISSING: Node = Node {
            kind: NodeKind::Null,
            span: Span {
                file: FileId(99),
                start: 0,
                end: 0,
            },
        };
        node.get(key).unwrap_or(&MISSING)
    }

    fn item(node: &Node, i: usize) -> &Node {
        match &node.kind {
            NodeKind::Seq(items) => items.get(i).unwrap_or(node),
            _ => node,
        }
    }

    fn first_error(loaded: &Loaded) -> &Diagnostic {
        match loaded.errors.first() {
            Some(e) => e,
            None => unreachable!("expected an error"),
        }
    }

    fn error_slice<'a>(text: &'a str, d: &Diagnostic) -> &'a str {
        slice(text, d.span.unwrap_or_default())
    }

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
    fn null_forms() {
        let text = "a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: ''\ng: nUll\nh: \"null\"\ni: !!str 12\nnull: 1\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        for key in ["a", "b", "c", "d", "e"] {
            assert_eq!(get(doc, key).kind, NodeKind::Null, "{key}");
        }
        assert_eq!(slice(text, get(doc, "b").span), "null");
        assert_eq!(
            get(doc, "f").kind,
            NodeKind::Scalar {
                text: String::new(),
                plain: false
            }
        );
        assert_eq!(
            get(doc, "g").kind,
            NodeKind::Scalar {
                text: "nUll".into(),
                plain: true
            }
        );
        assert_eq!(
            get(doc, "h").kind,
            NodeKind::Scalar {
                text: "null".into(),
                plain: false
            }
        );
        // Tags are ignored; numbers stay text.
        let i = get(doc, "i");
        assert_eq!(i.as_str(), Some("12"));
        assert_eq!(slice(text, i.span), "12");
        // A key is always text, even one spelled like null.
        assert_eq!(slice(text, get(doc, "null").span), "1");
        let seq = run("- \n-\n- ~\n");
        let doc = only_doc(&seq);
        for i in 0..3 {
            assert_eq!(item(doc, i).kind, NodeKind::Null);
        }
    }

    #[test]
    fn duplicate_keys_are_found_in_large_mappings() {
        // Past the keys a mapping scans linearly, the check uses an index
        // built from the keys already read: duplicates on both sides of
        // that point are found, each pointing at its first definition.
        let mut text: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect();
        text.push_str("k3: again\nk30: again\nk40: new\n");
        let loaded = run(&text);
        let found: Vec<_> = loaded
            .errors
            .iter()
            .map(|e| {
                let first = e.related.first().map(|r| slice(&text, r.span));
                (e.message.as_str(), first)
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("duplicate key `k3`", Some("k3")),
                ("duplicate key `k30`", Some("k30")),
            ]
        );
        let doc = loaded.documents.first();
        assert_eq!(
            doc.and_then(|d| d.get("k3")).and_then(Node::as_str),
            Some("3")
        );
        assert_eq!(
            doc.and_then(|d| d.get("k40")).and_then(Node::as_str),
            Some("new")
        );
        let starts: Vec<_> = loaded
            .errors
            .iter()
            .filter_map(|e| e.related.first())
            .map(|r| r.span.start)
            .collect();
        let expected: Vec<u32> = ["k3:", "k30:"]
            .iter()
            .filter_map(|k| text.find(&format!("\n{k}")))
            .filter_map(|at| u32::try_from(at + 1).ok())
            .collect();
        assert_eq!(starts, expected);
    }

    #[test]
    fn duplicate_keys_point_at_the_second_and_keep_the_first() {
        let text = "name: 甲\nother: 1\nname: 乙\n";
        let loaded = run(text);
        assert_eq!(loaded.documents.len(), 1);
        assert_eq!(loaded.errors.len(), 1);
        let e = first_error(&loaded);
        assert_eq!(e.message, "duplicate key `name`");
        let second = text.rfind("name").unwrap_or(0);
        assert_eq!(e.span.map(Span::range), Some(second..second + 4));
        let related: Vec<_> = e
            .related
            .iter()
            .map(|l| (l.span.range(), l.message.as_str()))
            .collect();
        assert_eq!(related, vec![(0..4, "first defined here")]);
        let doc = loaded.documents.first();
        assert_eq!(
            doc.and_then(|d| d.get("name")).and_then(Node::as_str),
            Some("甲")
        );
        // The document's span covers the error, so the caller can reject it.
        let doc_span = doc.map(|d| d.span.range()).unwrap_or(0..0);
        assert!(doc_span.contains(&second));
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
    fn aliases_expand_and_take_the_alias_span() {
        let text = "base: &b {x: 1, y: [2]}\ncopy: *b\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        let copy = get(doc, "copy");
        assert_eq!(copy.kind, get(doc, "base").kind);
        assert_eq!(slice(text, copy.span), "*b");
        assert_eq!(slice(text, get(doc, "base").span), "{x: 1, y: [2]}");
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
    fn unknown_and_cross_document_aliases_are_errors() {
        let text = "a: *nope\n";
        let loaded = run(text);
        let e = first_error(&loaded);
        assert_eq!(e.message, "unknown anchor `*nope`");
        assert_eq!(error_slice(text, e), "*nope");
        assert!(loaded.documents.is_empty());

        let text = "a: &x 1\n---\nb: *x\n";
        let loaded = run(text);
        assert_eq!(loaded.documents.len(), 1);
        let e = first_error(&loaded);
        assert_eq!(e.message, "unknown anchor `*x`");
        assert_eq!(error_slice(text, e), "*x");
    }

    #[test]
    fn billion_laughs_is_rejected() {
        let mut text = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for pair in names.windows(2) {
            if let [prev, name] = pair {
                let refs = vec![format!("*{prev}"); 10].join(",");
                text.push_str(&format!("{name}: &{name} [{refs}]\n"));
            }
        }
        let loaded = run(&text);
        assert!(loaded.documents.is_empty());
        let e = first_error(&loaded);
        assert_eq!(
            e.message,
            "document expands to more than 1000000 nodes (aliases)"
        );
        assert_eq!(
            e.help.as_deref(),
            Some("raise the limit with --max-nodes or remove the aliases")
        );
        assert!(error_slice(&text, e).starts_with('*'));

        // Small limits make it refuse early, before anything big is built.
        let limits = Limits {
            max_nodes: 50,
            ..Limits::default()
        };
        let loaded = load(FileId(0), &text, &limits);
        assert_eq!(
            first_error(&loaded).message,
            "document expands to more than 50 nodes (aliases)"
        );
    }

    #[test]
    fn plain_node_count_limit() {
        let limits = Limits {
            max_nodes: 3,
            ..Limits::default()
        };
        let loaded = load(FileId(0), "[1, 2, 3]", &limits);
        assert_eq!(
            first_error(&loaded).message,
            "document has more than 3 nodes"
        );
        // The count starts again with each document.
        assert!(
            load(FileId(0), "[1, 2]\n---\n[1, 2]\n", &limits)
                .errors
                .is_empty()
        );
        assert!(load(FileId(0), "[1, 2]", &limits).errors.is_empty());
    }

    #[test]
    fn deep_nesting_is_rejected_without_overflow() {
        let text = "[".repeat(200_000);
        let loaded = run(&text);
        assert!(loaded.documents.is_empty());
        let e = first_error(&loaded);
        assert_eq!(e.message, "nesting deeper than 128 levels");
        assert_eq!(e.help.as_deref(), Some("raise the limit with --max-depth"));
        // The scanner stops at its own limit of 255 open brackets.
        assert_eq!(e.span.map(Span::range), Some(255..256));

        let block = "- ".repeat(200_000);
        let loaded = run(&block);
        assert_eq!(
            first_error(&loaded).message,
            "nesting deeper than 128 levels"
        );

        let mut nested = String::new();
        for depth in 0..2_000 {
            nested.push_str(&" ".repeat(depth));
            nested.push_str("k:\n");
        }
        let loaded = run(&nested);
        assert!(!loaded.errors.is_empty());
        assert_eq!(
            first_error(&loaded).message,
            "nesting deeper than 128 levels"
        );
    }

    #[test]
    fn depth_limit_is_exact_and_covers_aliases() {
        let limits = Limits {
            max_depth: 2,
            ..Limits::default()
        };
        assert!(load(FileId(0), "[[1]]", &limits).errors.is_empty());
        let loaded = load(FileId(0), "[[[1]]]", &limits);
        assert_eq!(first_error(&loaded).message, "nesting deeper than 2 levels");
        // The alias would put a two-level list two levels down.
        let loaded = load(
            FileId(0),
            "- &a [[1]]\n- [*a]\n",
            &Limits {
                max_depth: 3,
                ..Limits::default()
            },
        );
        assert_eq!(first_error(&loaded).message, "nesting deeper than 3 levels");
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
    fn tabs_as_indentation_are_reported_at_the_tab() {
        let text = "a:\n\tb: 1\n";
        let loaded = run(text);
        let e = first_error(&loaded);
        assert!(e.message.starts_with("invalid YAML: "), "{}", e.message);
        assert!(e.message.contains("tab"));
        assert_eq!(e.span.map(Span::range), Some(3..4));
    }

    #[test]
    fn keys_must_be_text() {
        let text = "? {a: 1}\n: x\nok: 1\n";
        let loaded = run(text);
        assert_eq!(loaded.documents.len(), 1);
        let e = first_error(&loaded);
        assert_eq!(e.message, "keys must be plain text");
        assert_eq!(error_slice(text, e), "{a: 1}");
        let doc = loaded.documents.first();
        assert_eq!(
            doc.and_then(|d| d.get("ok")).and_then(Node::as_str),
            Some("1")
        );
        if let Some(Node {
            kind: NodeKind::Map(entries),
            ..
        }) = doc
        {
            assert_eq!(entries.len(), 1);
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

    /// The first key of each document read.
    fn first_keys(loaded: &Loaded) -> Vec<&str> {
        loaded
            .documents
            .iter()
            .filter_map(|d| match &d.kind {
                NodeKind::Map(entries) => entries.first().and_then(|(k, _)| k.as_str()),
                _ => None,
            })
            .collect()
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
    fn a_quoted_value_ends_at_its_closing_quote() {
        let text = "a: \"x \\\" y\"  # comment\nb: 'it''s'  # comment\n";
        let loaded = run(text);
        let doc = only_doc(&loaded);
        assert_eq!(slice(text, get(doc, "a").span), "\"x \\\" y\"");
        assert_eq!(slice(text, get(doc, "b").span), "'it''s'");
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

    #[test]
    fn offsets_convert_characters_to_bytes() {
        let text: String = "名a𠀀".repeat(100);
        let mut offsets = Offsets::new(&text);
        let expected: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        for (ci, b) in expected.iter().enumerate() {
            assert_eq!(offsets.byte(ci), *b);
        }
        // Out of order, as some events' markers are.
        for ci in [250, 3, 299, 64, 63, 65, 0, 128, 127] {
            assert_eq!(offsets.byte(ci), expected.get(ci).copied().unwrap_or(0));
        }
        assert_eq!(offsets.byte(expected.len()), text.len());
        assert_eq!(offsets.byte(expected.len() + 1000), text.len());
    }
}
