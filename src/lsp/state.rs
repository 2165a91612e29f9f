//! The server's state: the core's [`Session`] and the client's spelling of
//! each open document's URI. Requests come in URIs and UTF-16 positions
//! and their answers leave as protocol values; everything between is the
//! session's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tower_lsp::lsp_types::*;

use super::convert;
use super::uri::{to_path, to_uri};
use crate::session::{FileChange, Problem, Session, WatchedChange};
use crate::source::FileId;

/// The session and the URIs the client knows its documents by.
#[derive(Debug, Default)]
pub struct State {
    /// The workspace, its documents and their analysis.
    pub session: Session,
    /// Open documents: the session's path → the client's URI and the
    /// version of the newest text.
    clients: HashMap<PathBuf, Opened>,
}

/// How the client knows an open document.
#[derive(Debug)]
struct Opened {
    /// The URI diagnostics are published to: clients differ in
    /// percent-escapes and symbolic links, and match the URI they sent.
    uri: Url,
    /// The version of the newest text, which diagnostics are published
    /// with, so that a client can tell them from diagnostics of an older
    /// text still on their way.
    version: i32,
}

impl State {
    /// A document was opened or changed in the editor.
    pub fn set_text(&mut self, uri: &Url, text: String, version: i32) {
        let path = to_path(uri);
        self.session.set_text(&path, text);
        let uri = uri.clone();
        self.clients.insert(path, Opened { uri, version });
    }

    /// A document was edited (see [`Session::edit_text`]).
    pub fn edit_text(&mut self, uri: &Url, text: String, version: i32) {
        let path = to_path(uri);
        self.session.edit_text(&path, text);
        let uri = uri.clone();
        self.clients.insert(path, Opened { uri, version });
    }

    /// The version of an open document's newest text.
    pub fn version(&self, uri: &Url) -> Option<i32> {
        self.clients.get(&to_path(uri)).map(|o| o.version)
    }

    /// A document was closed.
    pub fn close(&mut self, uri: &Url) {
        let path = to_path(uri);
        self.session.close(&path);
        self.clients.remove(&path);
    }

    /// The open documents, as the client spells them.
    pub fn open_documents(&self) -> Vec<Url> {
        let mut v: Vec<Url> = self
            .session
            .open_documents()
            .iter()
            .filter_map(|p| {
                self.clients
                    .get(p)
                    .map(|o| o.uri.clone())
                    .or_else(|| to_uri(p))
            })
            .collect();
        v.sort();
        v
    }

    /// What a change on disk reported by the client's file watcher calls
    /// for.
    pub fn watched_change(&self, uri: &Url, kind: FileChangeType) -> WatchedChange {
        let Ok(path) = uri.to_file_path() else {
            return WatchedChange::Nothing;
        };
        let change = match kind {
            FileChangeType::CREATED => FileChange::Created,
            FileChangeType::DELETED => FileChange::Deleted,
            _ => FileChange::Changed,
        };
        self.session.watched_change(&path, change)
    }

    /// Whether saving `uri` calls for loading the project again (see
    /// [`Session::reload_on_save`]).
    pub fn reload_on_save(&self, uri: &Url) -> bool {
        self.session.reload_on_save(&to_path(uri))
    }

    /// The URI of a file of the session.
    fn uri_of(&self, id: FileId) -> Option<Url> {
        to_uri(self.session.path_of(id)?)
    }

    /// The byte offset of a position in the document at `path` (0 when it
    /// is not known).
    fn offset(&self, path: &Path, pos: Position) -> usize {
        self.session
            .file(path)
            .map_or(0, |id| convert::offset(self.session.sources(), id, pos))
    }

    /// Diagnostics of one document.
    pub fn diagnostics(&self, uri: &Url) -> Vec<Diagnostic> {
        let sources = self.session.sources();
        let uri_of = |id| self.uri_of(id);
        self.session
            .diagnostics(&to_path(uri))
            .iter()
            .map(|p| match p {
                Problem::Diagnostic(d) => convert::diagnostic(sources, &uri_of, d),
                Problem::Finding(f) => convert::finding(sources, &uri_of, f),
            })
            .collect()
    }

    /// Hover.
    pub fn hover(&self, uri: &Url, pos: Position) -> Option<Hover> {
        let path = to_path(uri);
        let markdown = self.session.hover(&path, self.offset(&path, pos))?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: None,
        })
    }

    /// Go to definition.
    pub fn definition(&self, uri: &Url, pos: Position) -> Option<Location> {
        let path = to_path(uri);
        let span = self.session.definition(&path, self.offset(&path, pos))?;
        convert::location(self.session.sources(), &|id| self.uri_of(id), span)
    }

    /// Find references.
    pub fn references(&self, uri: &Url, pos: Position, include_declaration: bool) -> Vec<Location> {
        let path = to_path(uri);
        let uri_of = |id| self.uri_of(id);
        self.session
            .references(&path, self.offset(&path, pos), include_declaration)
            .into_iter()
            .filter_map(|s| convert::location(self.session.sources(), &uri_of, s))
            .collect()
    }

    /// The outline of a rules document.
    pub fn symbols(&self, uri: &Url) -> Vec<DocumentSymbol> {
        self.session
            .symbols(&to_path(uri))
            .into_iter()
            .filter_map(|s| convert::document_symbol(self.session.sources(), s))
            .collect()
    }

    /// Completion in a rules document.
    pub fn completion(&self, uri: &Url, pos: Position) -> Vec<CompletionItem> {
        let path = to_path(uri);
        self.session
            .completion(&path, self.offset(&path, pos))
            .into_iter()
            .map(convert::completion)
            .collect()
    }

    /// Formatting a rules document: one edit replacing the whole text, or
    /// none when it is formatted or does not parse.
    pub fn formatting(&self, uri: &Url) -> Vec<TextEdit> {
        let path = to_path(uri);
        let whole = |id| convert::whole_text(self.session.sources(), id);
        match (
            self.session.formatting(&path),
            self.session.file(&path).and_then(whole),
        ) {
            (Some(new_text), Some(range)) => vec![TextEdit { range, new_text }],
            _ => Vec::new(),
        }
    }
}
