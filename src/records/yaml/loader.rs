//! The event loop: `saphyr_parser` events to nodes, one document after
//! another, counting every node and alias expansion against the limits.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::fast;
use super::offsets::Offsets;
use super::shape::{Anchored, Frame, Pending, Place, Slot, fill};
use super::spans::skip_properties;
use super::{Broken, Limits};
use crate::diag::Diagnostic;
use crate::records::tree::{Node, NodeKind};
use crate::source::{FileId, LineIndex, Span};

/// What the run does after an event.
enum Feed {
    More,
    /// The stream, or the one document wanted, is read.
    Finished,
    /// An error stopped the document.
    Stopped,
}

/// Why reading stopped.
enum Stop {
    /// The stream ended.
    End,
    /// A limit was crossed or an alias was bad; the error is recorded.
    Limit,
}

pub(super) struct Loader<'t, 'l> {
    pub(super) file: FileId,
    pub(super) text: &'t str,
    /// Where the current parser started reading: its positions are relative
    /// to this byte.
    pub(super) base: usize,
    /// Where the text being parsed now ends.
    pub(super) until: usize,
    pub(super) offsets: Offsets<'t>,
    pub(super) limits: &'l Limits,
    pub(super) documents: Vec<Node>,
    pub(super) errors: Vec<Diagnostic>,
    pub(super) stack: Vec<Frame>,
    pub(super) anchors: HashMap<usize, Anchored>,
    /// The current document's dropped nodes (rejected keys and their
    /// values), kept for the anchors inside them.
    pub(super) orphans: Vec<Node>,
    /// The current document's alias placeholders, filled once it is complete.
    pub(super) pending: Vec<Pending>,
    /// Nodes produced so far in the current document, aliases expanded.
    pub(super) doc_nodes: usize,
    /// Nodes produced by alias expansion so far in the whole file.
    pub(super) alias_nodes: usize,
    /// Byte end of the previous event, where a block scalar's header is searched.
    pub(super) prev_end: usize,
    /// Where the current document began (or the previous one ended), and
    /// the first of its errors.
    pub(super) doc_start: usize,
    pub(super) doc_errors: usize,
    /// The current document's root node is complete.
    pub(super) root_done: bool,
    /// Line starts, built at the first error that names a line.
    pub(super) lines: Option<LineIndex>,
    pub(super) broken: Vec<Broken>,
    /// Stop at the end of the first document's root.
    pub(super) first_only: bool,
    /// The fast reader's events, kept from run to run for their memory.
    fast: Vec<fast::Item>,
}

impl<'t, 'l> Loader<'t, 'l> {
    pub(super) fn new(file: FileId, text: &'t str, limits: &'l Limits) -> Loader<'t, 'l> {
        Loader {
            file,
            text,
            base: 0,
            until: 0,
            // Set for the text each `run` reads: a document read again
            // alone, near the end of a large file, scans none of the text
            // before it.
            offsets: Offsets::new(""),
            limits,
            documents: Vec::new(),
            errors: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            orphans: Vec::new(),
            pending: Vec::new(),
            doc_nodes: 0,
            alias_nodes: 0,
            prev_end: 0,
            doc_start: 0,
            doc_errors: 0,
            root_done: false,
            lines: None,
            broken: Vec::new(),
            first_only: false,
            fast: Vec::new(),
        }
    }

    /// Byte offset in the whole text of a parser's character index.
    pub(super) fn byte(&mut self, char_index: usize) -> usize {
        self.base + self.offsets.byte(char_index)
    }

    /// The text's line starts, built the first time an error needs them.
    pub(super) fn line_index(&mut self) -> &LineIndex {
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

    pub(super) fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    /// Parse from byte `from` to `until`, or until an error stops a
    /// document: then return where that document began and its errors, or
    /// no errors when they fall after a complete document's root (text
    /// after it that is not YAML), which then holds them.
    pub(super) fn run(
        &mut self,
        from: usize,
        until: usize,
    ) -> Option<(usize, Option<std::ops::Range<usize>>)> {
        let rest = self.text.get(from..until).unwrap_or("");
        self.base = from;
        self.until = until;
        self.prev_end = from;
        self.doc_start = from;
        self.doc_errors = self.errors.len();
        self.root_done = false;
        self.stack.clear();
        // Plain block records are read by the fast reader; the rest of
        // YAML, and every error, by saphyr.
        let mut items = std::mem::take(&mut self.fast);
        let finished = if fast::scan(rest, &mut items) {
            let mut finished = false;
            for item in &items {
                let (start, end) = (self.base + item.start(), self.base + item.end());
                match self.feed(fast::event(rest, item), start, end) {
                    Feed::More => {}
                    Feed::Finished => {
                        finished = true;
                        break;
                    }
                    Feed::Stopped => break,
                }
            }
            finished
        } else {
            self.run_saphyr(rest)
        };
        self.fast = items;
        if finished {
            return None;
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

    /// Read `rest` with saphyr; whether the run finished (see [`Feed`]).
    fn run_saphyr(&mut self, rest: &'t str) -> bool {
        self.offsets = Offsets::new(rest);
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
                    return false;
                }
                Ok(None) => return true,
                Ok(Some(Err(e))) => {
                    self.syntax_error(&e);
                    return false;
                }
                Ok(Some(Ok(pair))) => pair,
            };
            let start = self.byte(span.start.index());
            let end = self.byte(span.end.index());
            match self.feed(event, start, end) {
                Feed::More => {}
                Feed::Finished => return true,
                Feed::Stopped => return false,
            }
        }
    }

    /// Take one event spanning bytes `start..end` of the text.
    fn feed(&mut self, event: Event<'_>, start: usize, end: usize) -> Feed {
        let end = end.max(start);
        let result = self.event(event, start, end);
        self.prev_end = self.prev_end.max(end);
        match result {
            Ok(()) if self.first_only && self.root_done => Feed::Finished,
            Ok(()) => Feed::More,
            Err(Stop::End) => Feed::Finished,
            Err(Stop::Limit) => Feed::Stopped,
        }
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
                self.orphans.clear();
                self.pending.clear();
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
                let kind = if plain && (value.is_empty() || (!as_key && is_null(&value))) {
                    NodeKind::Null
                } else {
                    NodeKind::Scalar {
                        text: compact_str::CompactString::from(value),
                        plain,
                    }
                };
                self.finish(Node { kind, span }, anchor, 1, 0, None, None);
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
        self.error_at(at, message, help);
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
        let slot = match self.stack.last().map(Frame::next_index) {
            None => Slot::Root,
            Some(Some(i)) => Slot::Child(i),
            Some(None) => {
                // Its place among the orphans, filled when it closes.
                let o = self.orphans.len();
                self.orphans.push(Node {
                    kind: NodeKind::Null,
                    span: self.span(first, first),
                });
                Slot::Orphan(o)
            }
        };
        self.stack
            .push(Frame::new(is_map, flow, first, slot, anchor));
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
        if frame.flow && !frame.is_map {
            self.one_item_with_full_width_commas(&frame.items);
        }
        let (anchor, count, height) = (frame.anchor, frame.count, frame.height);
        let orphan = match frame.slot {
            Slot::Orphan(o) => Some(o),
            Slot::Root | Slot::Child(_) => None,
        };
        self.finish(frame.into_node(span), anchor, count, height, orphan, None);
    }

    /// `[王，李，张]`, typed with a Chinese input method, is a list of one
    /// text: the warning says how the items were meant to be separated.
    /// The list is still read as written.
    fn one_item_with_full_width_commas(&mut self, items: &[Node]) {
        let [only] = items else { return };
        let NodeKind::Scalar { text, plain: true } = &only.kind else {
            return;
        };
        if text.contains('，') {
            self.errors.push(
                Diagnostic::warning(
                    only.span,
                    format!("this list has one item, `{text}`: `，` does not separate items"),
                )
                .with_help("separate the items with `,` (an ASCII comma): `[王, 李]`"),
            );
        }
    }

    fn alias(&mut self, id: usize, start: usize, end: usize) -> Result<(), Stop> {
        let span = self.span(start, end);
        let as_key = self
            .stack
            .last()
            .is_some_and(|f| f.is_map && !f.awaiting_value);
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
        let (count, height) = (target.count, target.height);
        // A key is checked now, so its copy is not left for later.
        let (kind, copy) = if as_key {
            (target.as_key.clone(), None)
        } else {
            (NodeKind::Null, Some(target.place.clone()))
        };
        if self.stack.len().saturating_add(height) > self.limits.max_depth {
            return Err(self.too_deep(start));
        }
        // Charged before anything is copied, and the copies are made only
        // once the document is complete: a "billion laughs" file is refused
        // having cost no more than its text.
        self.charge(count, start, true)?;
        self.finish(Node { kind, span }, 0, count, height, None, copy);
        Ok(())
    }

    /// Where the innermost open collection is: the node its path starts
    /// from (the root, or an orphan) and the child indices down to it.
    fn open_path(&self) -> Place {
        let mut path = Vec::new();
        let mut origin = None;
        for frame in self.stack.iter().rev() {
            match frame.slot {
                Slot::Child(i) => path.push(i),
                Slot::Root => break,
                Slot::Orphan(o) => {
                    origin = Some(o);
                    break;
                }
            }
        }
        path.reverse();
        Place { origin, path }
    }

    /// Hand a completed node to its parent, or end the document with it.
    /// `orphan` is the place reserved for a collection known to be dropped;
    /// `copy` is where the node a placeholder stands for is.
    fn finish(
        &mut self,
        child: Node,
        anchor: usize,
        count: usize,
        height: usize,
        orphan: Option<usize>,
        copy: Option<Place>,
    ) {
        let place = (anchor != 0 || copy.is_some()).then(|| self.open_path());
        let Some(frame) = self.stack.last_mut() else {
            // Nothing follows the root in its document: no alias names it.
            self.doc_start = child.span.end as usize;
            self.documents.push(child);
            if let Some(root) = self.documents.last_mut() {
                fill(root, &mut self.orphans, &self.pending);
            }
            self.pending.clear();
            self.doc_errors = self.errors.len();
            self.root_done = true;
            return;
        };
        frame.count = frame.count.saturating_add(count);
        frame.height = frame.height.max(height.saturating_add(1));
        frame.last_end = frame.last_end.max(child.span.end as usize);
        let is_key = frame.is_map && !frame.awaiting_value;
        // The child's index in the collection, or `None` when it is dropped.
        let index = if is_key {
            match key_problem(frame, &child) {
                None => Some(frame.entries.len().saturating_mul(2)),
                Some(diag) => {
                    self.errors.push(diag);
                    None
                }
            }
        } else {
            frame.next_index()
        };
        if let Some(mut place) = place {
            match index {
                Some(i) => place.path.push(i),
                None => {
                    place = Place {
                        origin: Some(orphan.unwrap_or(self.orphans.len())),
                        path: Vec::new(),
                    }
                }
            }
            match copy {
                Some(from) => self.pending.push(Pending { from, to: place }),
                None => {
                    let as_key = match &child.kind {
                        NodeKind::Seq(_) => NodeKind::Seq(Vec::new()),
                        NodeKind::Map(_) => NodeKind::Map(Vec::new()),
                        kind => kind.clone(),
                    };
                    let anchored = Anchored {
                        place,
                        as_key,
                        count,
                        height,
                    };
                    self.anchors.insert(anchor, anchored);
                }
            }
        }
        let dropped = if !frame.is_map {
            frame.items.push(child);
            None
        } else if is_key {
            frame.awaiting_value = true;
            match index {
                Some(_) => {
                    frame.pending_key = Some(child);
                    None
                }
                None => Some(child),
            }
        } else {
            frame.awaiting_value = false;
            match frame.pending_key.take() {
                Some(key) => {
                    frame.entries.push((key, child));
                    None
                }
                None => Some(child),
            }
        };
        if let Some(child) = dropped {
            match orphan.and_then(|o| self.orphans.get_mut(o)) {
                Some(place) => *place = child,
                None => self.orphans.push(child),
            }
        }
    }
}

/// Why `key` cannot be the next key of the mapping `frame`, if it cannot:
/// it is not text, or the mapping has it already (then it is remembered).
fn key_problem(frame: &mut Frame, key: &Node) -> Option<Diagnostic> {
    match &key.kind {
        NodeKind::Scalar { text, .. } => frame.earlier_key(text, key.span).map(|first| {
            Diagnostic::error(key.span, format!("duplicate key `{text}`"))
                .with_label("defined again here")
                .with_related(first, "first defined here")
                .with_help("remove one of the two; the first one is used")
        }),
        NodeKind::Null => Some(
            Diagnostic::error(key.span, "keys must be plain text").with_label("this key is empty"),
        ),
        NodeKind::Seq(_) | NodeKind::Map(_) => Some(
            Diagnostic::error(key.span, "keys must be plain text")
                .with_label("this key is a list or mapping"),
        ),
    }
}

/// Plain scalars that YAML reads as null.
fn is_null(value: &str) -> bool {
    matches!(value, "~" | "null" | "Null" | "NULL")
}

#[cfg(test)]
mod tests {
    use crate::records::tree::{Node, NodeKind};
    use crate::records::yaml::test_support::*;
    use crate::records::yaml::{Limits, load};
    use crate::source::{FileId, Span};

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
                text: compact_str::CompactString::default(),
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
}
