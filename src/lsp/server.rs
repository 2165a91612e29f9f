//! The tower-lsp shell: protocol messages in, [`State`] calls, results out;
//! analyses scheduled after edits, coalesced, evaluated off the lock, and
//! their diagnostics published unless stale.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tower_lsp::jsonrpc::Result;
use tower_lsp::lsp_types::*;
use tower_lsp::{Client, LanguageServer};

use super::state::State;
use super::uri::{doc_kind, to_path};
use crate::session::{DocKind, WatchedChange, needs_records};

/// The server: a client handle and the state behind a lock.
pub struct Backend {
    client: Client,
    shared: Arc<Shared>,
    /// The client can watch files for the server.
    watch: AtomicBool,
}

/// What the server's tasks share.
#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Edits so far: an analysis scheduled after an edit runs only if no
    /// newer edit came meanwhile.
    edits: AtomicU64,
    /// Woken when an analysis job is finished (or lost).
    finished: Notify,
}

/// How long an edit waits for the next before it is analysed: edits that
/// come while an analysis runs queue up, and are analysed once, at their
/// newest version.
const COALESCE: Duration = Duration::from_millis(2);

impl Backend {
    /// A server talking to `client`.
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            shared: Arc::new(Shared::default()),
            watch: AtomicBool::new(false),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> Option<T> {
        Some(with_state(&self.shared.state, f))
    }

    /// Answer a request on `uri` from the documents as they are now (see
    /// [`crate::session::Session::prepare_for`]). A question on a record
    /// document while an analysis job is out waits for that job, without
    /// the lock (edits and questions on rules go on meanwhile), then has
    /// the session analyse if the job was stale: the answer must be of the
    /// text as it is now (a definition's offset is in it), and an analysis
    /// of its own beside the job would build a second index of every
    /// record for nothing. The protocol handles a few messages at once, so
    /// an edit of the document may come in during the wait: the question
    /// was asked of a text that is gone, and gets no answer (its position
    /// may mean something else in the new text).
    async fn fresh<T>(&self, uri: &Url, f: impl FnOnce(&mut State) -> T) -> Option<T> {
        let path = to_path(uri);
        let wait = needs_records(&path);
        let asked = self.with(|s| s.version(uri)).flatten();
        let mut f = Some(f);
        loop {
            // Made before looking, so that a job finished between the look
            // and the wait still wakes it.
            let finished = self.shared.finished.notified();
            let answer = self.with(|s| {
                if s.version(uri) != asked {
                    return Some(None);
                }
                if wait && s.session.analysis_running() {
                    return None;
                }
                s.session.prepare_for(&path);
                Some(f.take().map(|f| f(s)))
            })?;
            match answer {
                Some(answer) => return answer,
                None => finished.await,
            }
        }
    }

    /// Analyse and publish after an edit, unless another edit comes first.
    fn schedule_refresh(&self) {
        let edit = self.shared.edits.fetch_add(1, Ordering::SeqCst) + 1;
        let (client, shared) = (self.client.clone(), self.shared.clone());
        tokio::spawn(async move {
            tokio::time::sleep(COALESCE).await;
            if shared.edits.load(Ordering::SeqCst) == edit {
                refresh(&client, &shared).await;
            }
        });
    }

    /// Send the state's log lines and, when asked, its set-up problems to
    /// the client's log.
    async fn flush_log(&self, problems: bool) {
        let (log, problems) = self
            .with(|s| {
                let problems = if problems {
                    s.session.workspace_problems()
                } else {
                    Vec::new()
                };
                (s.session.take_log(), problems)
            })
            .unwrap_or_default();
        for line in log {
            self.client.log_message(MessageType::INFO, line).await;
        }
        for p in problems {
            self.client.log_message(MessageType::WARNING, p).await;
        }
    }

    /// Load the project again, then re-analyse.
    async fn reload(&self) {
        self.with(|s| s.session.reload());
        self.flush_log(true).await;
        self.refresh().await;
    }

    /// Re-analyse and publish diagnostics for every open document.
    async fn refresh(&self) {
        refresh(&self.client, &self.shared).await;
    }
}

fn with_state<T>(state: &Mutex<State>, f: impl FnOnce(&mut State) -> T) -> T {
    // A poisoned lock means an earlier request panicked; the state is
    // still usable for answering.
    let mut guard = match state.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    f(&mut guard)
}

/// Diagnostics of one document, with the version of the text they are of.
type Published = (Url, Vec<Diagnostic>, Option<i32>);

/// The diagnostics of every open document whose kind is `wanted`.
fn diagnostics_of(state: &mut State, wanted: impl Fn(DocKind) -> bool) -> Vec<Published> {
    state
        .open_documents()
        .into_iter()
        .filter(|uri| wanted(doc_kind(uri)))
        .map(|uri| {
            let d = state.diagnostics(&uri);
            let version = state.version(&uri);
            (uri, d, version)
        })
        .collect()
}

/// Re-analyse and publish diagnostics for every open document: after a
/// rule or project file edit the rules documents' and the project file's
/// first, as soon as the rules are compiled, then every document's once
/// the records are evaluated (see [`evaluate`]). When the evaluation comes
/// back stale, this refresh goes again at once, for the newest version:
/// the refresh of the edit that made it stale found it running and left
/// the records to it.
async fn refresh(client: &Client, shared: &Arc<Shared>) {
    let mut seen = Some(shared.edits.load(Ordering::SeqCst));
    loop {
        let (rules, generation) = with_state(&shared.state, |s| {
            let rules = s
                .session
                .compile()
                .then(|| diagnostics_of(s, |k| k != DocKind::Records));
            (rules, s.session.generation())
        });
        let published = rules.is_some().then_some(generation);
        publish(client, &shared.state, generation, rules.unwrap_or_default()).await;
        // The records' evaluation does not change the rules documents'. It
        // runs off the protocol's thread, after a moment in which that
        // thread sends what was published above.
        tokio::time::sleep(Duration::from_millis(1)).await;
        let apart = shared.clone();
        let evaluated = tokio::task::spawn_blocking(move || evaluate(&apart, seen, published));
        match evaluated.await.unwrap_or(Evaluated::Leave) {
            Evaluated::Publish(batch, generation) => {
                publish(client, &shared.state, generation, batch).await;
                return;
            }
            Evaluated::Leave => return,
            Evaluated::Stale => seen = None,
        }
    }
}

/// What [`evaluate`] came to.
enum Evaluated {
    /// Nothing to publish here: a newer edit's refresh or the job out does.
    Leave,
    /// These diagnostics, taken at this generation.
    Publish(Vec<Published>, u64),
    /// The documents changed while the records were evaluated.
    Stale,
}

/// Evaluate the records with the session's lock held only to take the job
/// and to keep its result, so that edits and requests arriving meanwhile
/// do not wait for an evaluation of a text already stale. No job begins
/// when edits were `seen` before one that came since: that edit's refresh
/// does it. The rules documents' diagnostics are left out when
/// `published` at the generation analysed.
fn evaluate(shared: &Shared, seen: Option<u64>, published: Option<u64>) -> Evaluated {
    let take = |s: &mut State| {
        let generation = s.session.generation();
        let rules_too = published != Some(generation);
        let batch = diagnostics_of(s, |k| rules_too || k == DocKind::Records);
        Evaluated::Publish(batch, generation)
    };
    let job = with_state(&shared.state, |s| {
        if seen.is_some_and(|seen| shared.edits.load(Ordering::SeqCst) != seen) {
            return Err(Evaluated::Leave);
        }
        match s.session.begin_analysis() {
            Some(job) => Ok(job),
            None if s.session.analysis_running() => Err(Evaluated::Leave),
            // Analysed meanwhile, for a request.
            None => Err(take(s)),
        }
    });
    let job = match job {
        Ok(job) => job,
        Err(evaluated) => return evaluated,
    };
    let mut out = JobOut {
        shared,
        finished: false,
    };
    let done = job.run();
    let evaluated = with_state(&shared.state, |s| {
        if s.session.finish_analysis(done) {
            take(s)
        } else {
            Evaluated::Stale
        }
    });
    out.finished = true;
    evaluated
}

/// An analysis job out of the session: its end wakes the requests waiting
/// for it, and a job whose thread failed is marked lost, so that nothing
/// waits for it for ever.
struct JobOut<'a> {
    shared: &'a Shared,
    finished: bool,
}

impl Drop for JobOut<'_> {
    fn drop(&mut self) {
        if !self.finished {
            with_state(&self.shared.state, |s| s.session.analysis_lost());
        }
        self.shared.finished.notify_waiters();
    }
}

/// Publish diagnostics taken at `generation`, unless the documents have
/// changed since (a document closed, a newer edit): the refresh after that
/// change publishes instead.
async fn publish(client: &Client, state: &Mutex<State>, generation: u64, batches: Vec<Published>) {
    for (uri, diags, version) in batches {
        if with_state(state, |s| s.session.generation()) != generation {
            return;
        }
        client.publish_diagnostics(uri, diags, version).await;
    }
}

#[tower_lsp::async_trait]
impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        #[allow(deprecated)] // Older clients send only `root_uri`.
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .map(|f| f.uri.clone())
            .or(params.root_uri)
            .and_then(|u| u.to_file_path().ok());
        self.with(|s| s.session.initialize(root));
        let watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|d| d.dynamic_registration)
            .unwrap_or(false);
        self.watch.store(watch, Ordering::Relaxed);
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::FULL),
                        // Saving `sunlight.toml` reloads the project (its
                        // unsaved edits are taken as they come).
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".into(), "\"".into()]),
                    ..CompletionOptions::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "sunlight".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        self.flush_log(true).await;
        if self.watch.load(Ordering::Relaxed) {
            // Answered by the client whenever it likes: not awaited here, so
            // that nothing waits on it.
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.register_capability(vec![watch_registration()]).await;
            });
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let (reload, reread) = self
            .with(|s| {
                let mut reload = false;
                let mut reread = Vec::new();
                for change in &params.changes {
                    match s.watched_change(&change.uri, change.typ) {
                        WatchedChange::Nothing => {}
                        WatchedChange::Reread(id) => reread.push(id),
                        WatchedChange::Reload => reload = true,
                    }
                }
                (reload, reread)
            })
            .unwrap_or_default();
        if reload {
            self.reload().await;
        } else if !reread.is_empty() {
            self.with(|s| reread.into_iter().for_each(|id| s.session.reread(id)));
            self.refresh().await;
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        if self
            .with(|s| s.reload_on_save(&params.text_document.uri))
            .unwrap_or(false)
        {
            self.reload().await;
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        if doc_kind(&params.text_document.uri) == DocKind::Other {
            return;
        }
        let log = self
            .with(|s| {
                s.set_text(
                    &params.text_document.uri,
                    params.text_document.text,
                    params.text_document.version,
                );
                let mut log = s.session.take_log();
                // A root chosen only now brings its own set-up problems.
                if !log.is_empty() {
                    log.extend(s.session.workspace_problems());
                }
                log
            })
            .unwrap_or_default();
        for line in log {
            self.client.log_message(MessageType::INFO, line).await;
        }
        self.refresh().await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        let Some(change) = params.content_changes.into_iter().last() else {
            return;
        };
        if doc_kind(&params.text_document.uri) == DocKind::Other {
            return;
        }
        self.with(|s| {
            s.edit_text(
                &params.text_document.uri,
                change.text,
                params.text_document.version,
            )
        });
        self.schedule_refresh();
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.with(|s| s.close(&uri));
        self.client.publish_diagnostics(uri, Vec::new(), None).await;
        self.refresh().await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let p = params.text_document_position_params;
        Ok(self
            .fresh(&p.text_document.uri, |s| {
                s.hover(&p.text_document.uri, p.position)
            })
            .await
            .flatten())
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let p = params.text_document_position;
        let items = self
            .fresh(&p.text_document.uri, |s| {
                s.completion(&p.text_document.uri, p.position)
            })
            .await
            .unwrap_or_default();
        Ok(Some(CompletionResponse::Array(items)))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let p = params.text_document_position_params;
        Ok(self
            .fresh(&p.text_document.uri, |s| {
                s.definition(&p.text_document.uri, p.position)
            })
            .await
            .flatten()
            .map(GotoDefinitionResponse::Scalar))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let p = params.text_document_position;
        let include = params.context.include_declaration;
        Ok(self
            .fresh(&p.text_document.uri, |s| {
                s.references(&p.text_document.uri, p.position, include)
            })
            .await)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(self
            .fresh(&params.text_document.uri, |s| {
                s.symbols(&params.text_document.uri)
            })
            .await
            .map(DocumentSymbolResponse::Nested))
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        Ok(self.with(|s| s.formatting(&params.text_document.uri)))
    }
}

/// The files whose changes on disk matter: rule files, record files (and
/// the parameter, waiver and baseline files among them) and the project
/// file.
fn watch_registration() -> Registration {
    let watchers = ["**/*.rules", "**/*.{yaml,yml,json}", "**/sunlight.toml"]
        .into_iter()
        .map(|glob| FileSystemWatcher {
            glob_pattern: GlobPattern::String(glob.into()),
            kind: None,
        })
        .collect();
    Registration {
        id: "sunlight-watched-files".into(),
        method: "workspace/didChangeWatchedFiles".into(),
        register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
            watchers,
        })
        .ok(),
    }
}
