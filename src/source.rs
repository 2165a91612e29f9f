//! Source files and positions.
//!
//! Everything inside sunlight speaks in byte offsets ([`Span`]). This module is
//! the one place that turns them into line and column (characters, 1-based)
//! for people, and into UTF-16 code units for the language server.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    /// The smallest span covering both (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range as `usize`.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A 1-based line and column, the column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub column: usize,
}

/// Line starts of one text, for offset ↔ position conversion.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offsets; spans are `u32` too, so every start fits.
    line_starts: Vec<u32>,
}

impl LineIndex {
    /// Index the line starts of `text`. Lines end at LF, CRLF or a lone CR,
    /// as YAML, the rule grammar and the language server protocol all count
    /// them.
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let ends = || {
            memchr::memchr2_iter(b'\n', b'\r', bytes)
                .filter(|&i| !(bytes.get(i) == Some(&b'\r') && bytes.get(i + 1) == Some(&b'\n')))
        };
        // Counted first: a report indexes thousands of large files at
        // once, and growing each index step by step reallocates in a heap
        // already full of records.
        let mut line_starts = Vec::with_capacity(ends().count() + 1);
        line_starts.push(0);
        line_starts.extend(ends().map(|i| clamp_u32(i + 1)));
        LineIndex { line_starts }
    }

    /// The 0-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&clamp_u32(offset)) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// Byte offset of the start of 0-based `line`, if it exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).map(|&s| s as usize)
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Where line `line`'s columns start: its first byte, or after a
    /// byte order mark on the first line (editors do not show the mark).
    fn column_base(&self, text: &str, line: usize, offset: usize) -> usize {
        let start = self.line_start(line).unwrap_or(0);
        let start = if line == 0 && text.starts_with('\u{feff}') {
            3
        } else {
            start
        };
        start.min(offset)
    }

    /// 1-based line and character column of byte `offset` in `text`.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.column_base(text, line, offset);
        let column = text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// 0-based line and UTF-16 column of byte `offset`, as LSP positions count.
    pub fn utf16_position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.column_base(text, line, offset);
        let col: usize = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum());
        (clamp_u32(line), clamp_u32(col))
    }

    /// Byte offset of a 0-based line and UTF-16 column. Positions past the end
    /// of a line clamp to its end, and lines past the end to the end of text,
    /// as the protocol asks.
    pub fn offset_of_utf16(&self, text: &str, line: u32, col16: u32) -> usize {
        let Some(start) = self.line_start(line as usize) else {
            return text.len();
        };
        let end = self
            .line_start(line as usize + 1)
            .map_or(text.len(), |next| next.saturating_sub(1));
        let mut units = 0u32;
        for (i, ch) in text.get(start..end).unwrap_or("").char_indices() {
            if units >= col16 {
                return start + i;
            }
            units += ch.len_utf16() as u32;
        }
        end
    }
}

/// The largest char boundary at or below `offset`.
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// One source file: its display name, text and line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to people (a path, or `<embedded>/x.rules`).
    pub name: String,
    /// The text; empty while the text is released (see
    /// [`SourceMap::set_read`]).
    pub text: Arc<str>,
    /// Line starts, indexed the first time a position is asked for: most
    /// record files of a large run are never shown.
    lines: OnceLock<LineIndex>,
    /// For a text that was released: where it is read again from and what
    /// it was (kept once it is back, for its digest).
    origin: Option<Box<Origin>>,
    /// The text is released: positions in it are unknown.
    released: bool,
    /// Added to be read on another thread, and not read yet (see
    /// [`SourceMap::add_pending`]): not a file of the map.
    pending: bool,
}

/// Where a released text came from: enough to read it again and to know
/// whether what is read is what was checked.
#[derive(Debug)]
struct Origin {
    path: PathBuf,
    len: u64,
    digest: TextDigest,
    /// Once a reading found the file changed, it stays changed for the
    /// run: the findings placed without its text are not shown in a text
    /// read later.
    changed: AtomicBool,
}

impl Clone for Origin {
    fn clone(&self) -> Origin {
        Origin {
            path: self.path.clone(),
            len: self.len,
            digest: self.digest,
            changed: AtomicBool::new(self.changed.load(Ordering::Relaxed)),
        }
    }
}

impl Origin {
    /// The text read again, if the file still holds what was read. It is
    /// read as records are, through the bounded reader, and no further than
    /// the length it had: a file grown since is not read in full.
    fn read_again(&self) -> Option<Arc<str>> {
        if self.changed.load(Ordering::Relaxed) {
            return None;
        }
        let text = crate::workspace::read_bounded(&self.path, self.len)
            .ok()
            .filter(|bytes| {
                bytes.len() as u64 == self.len && quick_check(bytes) == self.digest.check
            })
            .and_then(|bytes| utf8(&bytes).ok().map(Arc::from));
        if text.is_none() {
            self.changed.store(true, Ordering::Relaxed);
        }
        text
    }
}

/// `bytes` as text. Checked many bytes at a time (simdutf8): records
/// are mostly Chinese, which the standard check goes through slowly. The
/// error is the standard one, which says where the first bad byte is.
pub fn utf8(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes))
}

/// The SHA-256 of a text.
pub fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// What is kept of a text once it is let go: its SHA-256, for reports,
/// and a quick 64-bit check of its bytes, to know whether the file read
/// again still holds them. The check, with the length, tells a file
/// changed between the two readings; SHA-256 there would cost each
/// reading again as much as the first one's digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextDigest {
    /// The SHA-256 of the text.
    pub sha256: [u8; 32],
    check: u64,
}

/// The digest of a text.
pub fn digest(text: &str) -> TextDigest {
    TextDigest {
        sha256: sha256(text),
        check: quick_check(text.as_bytes()),
    }
}

/// A 64-bit hash of `bytes`, seeded at random once per process: the same
/// for the first reading and the next, and not known in advance to
/// whoever might want to change a file into another of the same hash.
fn quick_check(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    static SEED: OnceLock<foldhash::quality::RandomState> = OnceLock::new();
    SEED.get_or_init(Default::default).hash_one(bytes)
}

impl SourceFile {
    /// 1-based line/column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.lines().line_col(&self.text, offset as usize)
    }

    /// The text's line starts.
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// The text of a span, or "" where the span does not fit.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// Whether the text is released: positions in it are then unknown.
    pub fn is_released(&self) -> bool {
        self.released
    }

    /// The SHA-256 of the text as it was read.
    pub fn sha256(&self) -> [u8; 32] {
        match &self.origin {
            Some(o) => o.digest.sha256,
            None => sha256(&self.text),
        }
    }

    /// The digest of the text as it was read.
    pub fn digest(&self) -> TextDigest {
        match &self.origin {
            Some(o) => o.digest,
            None => digest(&self.text),
        }
    }
}

/// All source files of one run (rule files and record files).
///
/// A clone is a snapshot that shares every file with the map: an editor's
/// analysis runs over one while the map takes the next edits.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Add a file and return its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(clamp_u32(self.files.len()));
        self.files.push(Arc::new(SourceFile {
            name: name.into(),
            text: text.into(),
            lines: OnceLock::new(),
            origin: None,
            released: false,
            pending: false,
        }));
        id
    }

    /// Add a file whose text is read later, on another thread, with the
    /// id its records and problems are placed by. Until it is found read
    /// ([`SourceMap::set_read`] or [`SourceMap::replace`]) it is not a file
    /// of the map: [`SourceMap::get`] answers none for it, and the other
    /// ways through the map pass it by, so that a file that could not be
    /// read leaves no trace.
    pub fn add_pending(&mut self, name: impl Into<String>) -> FileId {
        let id = self.add(name, "");
        if let Some(f) = self.file_mut(id) {
            f.pending = true;
        }
        id
    }

    /// A pending file was read, `len` bytes with the digest `digest`, and
    /// its records taken from it. Its text is released: a large run holds
    /// the records it read, not their text. [`SourceMap::restore`] reads
    /// it again from `path` for the files a report shows; until then the
    /// file has no positions.
    pub fn set_read(&mut self, id: FileId, path: &Path, len: u64, digest: TextDigest) {
        if let Some(f) = self.file_mut(id) {
            f.pending = false;
            f.origin = Some(Box::new(Origin {
                path: path.to_path_buf(),
                len,
                digest,
                changed: AtomicBool::new(false),
            }));
            f.released = true;
            if !f.text.is_empty() {
                f.text = Arc::from("");
            }
            f.lines = OnceLock::new();
        }
    }

    /// A file to change: its own copy when a snapshot shares it.
    fn file_mut(&mut self, id: FileId) -> Option<&mut SourceFile> {
        self.files.get_mut(id.0 as usize).map(Arc::make_mut)
    }

    /// Replace a file's text, keeping its id (the editor changed it).
    pub fn replace(&mut self, id: FileId, text: impl Into<Arc<str>>) {
        if let Some(slot) = self.files.get_mut(id.0 as usize) {
            // A new file rather than a changed copy: the old text and lines
            // stay with the snapshots that hold them.
            *slot = Arc::new(SourceFile {
                name: slot.name.clone(),
                text: text.into(),
                lines: OnceLock::new(),
                origin: None,
                released: false,
                pending: false,
            });
        }
    }

    /// Let a file's text go, as [`SourceMap::set_read`] does for a file
    /// read on another thread: `path` is where it was read from and
    /// `digest` the digest of its text.
    pub fn release(&mut self, id: FileId, path: &Path, digest: TextDigest) {
        if let Some(len) = self.get(id).map(|f| f.text.len() as u64) {
            self.set_read(id, path, len, digest);
        }
    }

    /// Read the released texts among `ids` again. The files whose text is
    /// no longer what was read (changed or gone since, or found so by an
    /// earlier reading) stay released, so that no position is computed in
    /// a text that is not the one checked: they are returned, in id order.
    pub fn restore(&mut self, ids: impl IntoIterator<Item = FileId>) -> Vec<FileId> {
        let mut ids: Vec<FileId> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|id| self.get(*id).is_some_and(SourceFile::is_released));
        // Read (and hashed) on all cores: a large run shows thousands of
        // files. Each text is made shared on the thread that read it, which
        // frees the text read where it can take its memory again at once.
        // Its lines are counted there too: a file is read again because
        // the report shows a place in it, and the report is written on one
        // thread.
        let texts: Vec<Option<(Arc<str>, LineIndex)>> = ids
            .par_iter()
            .with_max_len(1)
            .map(|id| {
                let text = self.get(*id)?.origin.as_ref()?.read_again()?;
                let lines = LineIndex::new(&text);
                Some((text, lines))
            })
            .collect();
        let mut changed = Vec::new();
        for (id, text) in ids.into_iter().zip(texts) {
            match (self.file_mut(id), text) {
                (Some(f), Some((text, lines))) => {
                    f.text = text;
                    f.lines = OnceLock::from(lines);
                    f.released = false;
                }
                _ => changed.push(id),
            }
        }
        changed
    }

    /// A file's text as it was read: the text held, or a released one read
    /// again (without keeping it); `None` for an unknown id or a released
    /// file that no longer holds what was read.
    pub fn text_as_read(&self, id: FileId) -> Option<Arc<str>> {
        let f = self.get(id)?;
        match &f.origin {
            Some(o) if f.released => o.read_again(),
            _ => Some(f.text.clone()),
        }
    }

    /// SHA-256 over every file's name and the SHA-256 of its text as
    /// read, in the order they were added: built from the digests kept
    /// for released texts, so that no run hashes all its text twice.
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        for f in self.files.iter().filter(|f| !f.pending) {
            h.update((f.name.len() as u64).to_le_bytes());
            h.update(f.name.as_bytes());
            h.update(f.sha256());
        }
        h.finalize().into()
    }

    /// How many files were added, pending ones included: ids are below it.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The file behind an id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files
            .get(id.0 as usize)
            .map(Arc::as_ref)
            .filter(|f| !f.pending)
    }

    /// The display name of a file ("" for an unknown id).
    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map_or("", |f| f.name.as_str())
    }

    /// Start and end positions of a span (none in a released text).
    pub fn span_lines(&self, span: Span) -> Option<(LineCol, LineCol)> {
        let file = self.get(span.file).filter(|f| !f.is_released())?;
        Some((file.line_col(span.start), file.line_col(span.end)))
    }

    /// `file:line:column` where a span starts, for text (the file name
    /// alone when the span is not in the map).
    pub fn place(&self, span: Span) -> String {
        match self.span_lines(span) {
            Some((a, _)) => format!("{}:{}:{}", self.name(span.file), a.line, a.column),
            None => self.name(span.file).to_string(),
        }
    }

    /// A span cut at the end of its first line (trailing blanks dropped):
    /// a finding on a whole structure points at where it starts.
    pub fn first_line(&self, span: Span) -> Span {
        first_line_in(self.get(span.file).map_or("", |f| &f.text), span)
    }

    /// All files with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.pending)
            .map(|(i, f)| (FileId(clamp_u32(i)), f.as_ref()))
    }
}

/// [`SourceMap::first_line`] in the text of the span's file.
pub fn first_line_in(text: &str, span: Span) -> Span {
    let text = text.get(span.range()).unwrap_or("");
    match text.find(['\n', '\r']) {
        Some(nl) => Span {
            end: span.start + clamp_u32(text.get(..nl).unwrap_or("").trim_end().len()),
            ..span
        },
        None => span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_utf16_counts_units() {
        let text = "ab\n名字: 𠀀x\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap_or(0);
        assert_eq!(idx.line_col(text, x), LineCol { line: 2, column: 6 });
        assert_eq!(idx.utf16_position(text, x), (1, 6));
        assert_eq!(idx.offset_of_utf16(text, 1, 6), x);
        // past the end of the line clamps to the line's end
        assert_eq!(idx.offset_of_utf16(text, 1, 99), text.len() - 1);
        assert_eq!(idx.offset_of_utf16(text, 9, 0), text.len());
    }

    #[test]
    fn lines_end_at_lf_crlf_and_a_lone_cr() {
        let text = "a\rb\r\nc\nd";
        let idx = LineIndex::new(text);
        let at = |c: char| idx.line_col(text, text.find(c).unwrap_or(0));
        assert_eq!(at('b'), LineCol { line: 2, column: 1 });
        assert_eq!(at('c'), LineCol { line: 3, column: 1 });
        assert_eq!(at('d'), LineCol { line: 4, column: 1 });
        assert_eq!(
            idx.utf16_position(text, text.find('c').unwrap_or(0)),
            (2, 0)
        );
    }

    #[test]
    fn line_starts_agree_with_a_byte_by_byte_scan() {
        // Every text of up to six bytes from these: CR, LF and CRLF meet
        // each other and both ends of the text in every combination.
        let alphabet = ["\r", "\n", "a", "名"];
        let mut texts = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
            texts.sort();
            texts.dedup();
        }
        for text in &texts {
            let bytes = text.as_bytes();
            let mut expected = vec![0];
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                    expected.push(i as u32 + 1);
                }
            }
            assert_eq!(LineIndex::new(text).line_starts, expected, "{text:?}");
        }
    }

    /// `text`, read from `path` into a pending file of `map` as a check
    /// run reads record files, without the map holding it.
    fn read_from(map: &mut SourceMap, path: &Path, text: &str) -> FileId {
        let id = map.add_pending("a.yaml");
        map.set_read(id, path, text.len() as u64, digest(text));
        id
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn a_pending_file_is_not_in_the_map_until_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "a: 1\n").unwrap();
        let mut map = SourceMap::new();
        let rules = map.add("r.rules", "rule");
        let empty = map.fingerprint();
        let (unread, bad, read) = (
            map.add_pending("unread.yaml"),
            map.add_pending("bad.yaml"),
            map.add_pending("a.yaml"),
        );
        assert_eq!((map.len(), map.name(unread)), (4, ""));
        assert!([unread, bad, read].iter().all(|&id| map.get(id).is_none()));
        assert_eq!(map.iter().map(|(id, _)| id).collect::<Vec<_>>(), [rules]);
        assert_eq!(map.fingerprint(), empty);

        map.replace(bad, "a: \u{fffd}\n");
        map.set_read(read, &path, 5, digest("a: 1\n"));
        let ids: Vec<FileId> = map.iter().map(|(id, _)| id).collect();
        assert_eq!(ids, [rules, bad, read]);
        assert_eq!(map.name(bad), "bad.yaml");
        assert!(!map.get(bad).unwrap().is_released());
        assert!(map.get(read).unwrap().is_released());
        assert_eq!(map.text_as_read(read).as_deref(), Some("a: 1\n"));
        assert!(map.get(unread).is_none());
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn a_released_text_comes_back_only_as_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        let text = "a: 1\nb: 名\n";
        std::fs::write(&path, text).unwrap();
        let mut held = SourceMap::new();
        held.add("r.rules", "rule");
        let id = held.add("a.yaml", text);
        let fingerprint = held.fingerprint();
        let digest = held.get(id).unwrap().sha256();
        let b = Span::new(id, 5, 6);
        let before = held.span_lines(b);

        let mut map = SourceMap::new();
        let rules = map.add("r.rules", "rule");
        assert_eq!(read_from(&mut map, &path, text), id);
        let file = map.get(id).unwrap();
        assert!(file.is_released() && file.text.is_empty());
        assert_eq!(file.sha256(), digest);
        assert_eq!(map.span_lines(b), None);
        // The fingerprint and the text as read do not depend on it.
        assert_eq!(map.fingerprint(), fingerprint);
        assert_eq!(map.text_as_read(id).as_deref(), Some(text));
        assert!(map.get(id).unwrap().is_released());

        // Same length, other bytes: the digest tells.
        std::fs::write(&path, "a: 2\nb: 名\n").unwrap();
        assert_eq!(map.text_as_read(id), None);
        assert_eq!(map.restore([id, rules, FileId(99)]), vec![id]);
        assert_eq!(map.span_lines(b), None);

        // Found changed once, it stays changed for the run, even put back.
        std::fs::write(&path, text).unwrap();
        assert_eq!(map.restore([id]), vec![id]);
        assert_eq!(map.text_as_read(id), None);

        // Grown, or gone: neither is the text read.
        for change in [Some(format!("{text}c: 3\n")), None] {
            let mut map = SourceMap::new();
            let id = read_from(&mut map, &path, text);
            match &change {
                Some(grown) => std::fs::write(&path, grown).unwrap(),
                None => std::fs::remove_file(&path).unwrap(),
            }
            assert_eq!(map.text_as_read(id), None);
            assert_eq!(map.restore([id]), vec![id]);
        }

        // Unchanged, it comes back whole, with its positions and digest.
        std::fs::write(&path, text).unwrap();
        let mut map = SourceMap::new();
        let id = read_from(&mut map, &path, text);
        assert_eq!(map.span_lines(Span::new(id, 5, 6)), None);
        assert_eq!(map.text_as_read(id).as_deref(), Some(text));
        assert!(map.restore([id]).is_empty());
        let file = map.get(id).unwrap();
        assert!(!file.is_released());
        assert_eq!(&*file.text, text);
        assert_eq!(file.sha256(), digest);
        assert_eq!(map.span_lines(Span::new(id, 5, 6)), before);
    }

    #[test]
    fn the_fingerprint_follows_every_name_and_text_in_order() {
        let of = |files: &[(&str, &str)]| {
            let mut map = SourceMap::new();
            for (name, text) in files {
                map.add(*name, *text);
            }
            map.fingerprint()
        };
        let base = of(&[("a.yaml", "x: 1\n"), ("b.yaml", "y: 2\n")]);
        assert_eq!(base, of(&[("a.yaml", "x: 1\n"), ("b.yaml", "y: 2\n")]));
        for other in [
            of(&[("a.yaml", "x: 1\n"), ("b.yaml", "y: 3\n")]),
            of(&[("a.yaml", "x: 1\n"), ("c.yaml", "y: 2\n")]),
            of(&[("b.yaml", "y: 2\n"), ("a.yaml", "x: 1\n")]),
            of(&[("a.yaml", "x: 1\n")]),
            // A name's bytes cannot pass for the next file's.
            of(&[("a.yamlb.yaml", "x: 1\n"), ("", "y: 2\n")]),
        ] {
            assert_ne!(other, base);
        }
    }

    #[test]
    fn offsets_inside_a_character_round_down() {
        let text = "名";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 1), LineCol { line: 1, column: 1 });
    }
}
