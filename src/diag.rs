//! Problems with input: rule files that do not parse or type-check, record
//! files that are not valid YAML or do not fit the schema.
//!
//! A diagnostic is data; rendering it (terminal, JSON, LSP) is the job of
//! `report` and `lsp`, which all read this one type.

use crate::source::{SourceMap, Span};

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Stops the file (or record) from being used.
    Error,
    /// Worth knowing, does not stop anything.
    Warning,
}

/// A secondary location with a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One problem with an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub level: Level,
    /// What is wrong: lowercase, no final period, user input in backticks.
    pub message: String,
    /// The main location; `None` for problems with no position (an unreadable file).
    pub span: Option<Span>,
    /// A short note under the main underline.
    pub label: Option<String>,
    /// Other locations that explain the problem.
    pub related: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// The file name, for problems with no span.
    pub file: Option<String>,
}

impl Diagnostic {
    /// The name of the file the problem is in: its span's file, else the
    /// file it names; for saying where it is when no line can be shown (a
    /// file that changed during the run).
    pub fn file_name<'a>(&'a self, sources: &'a SourceMap) -> Option<&'a str> {
        match self.span {
            Some(span) => Some(sources.name(span.file)),
            None => self.file.as_deref(),
        }
        .filter(|f| !f.is_empty())
    }

    /// An error at a span.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Error,
            message: message.into(),
            span: Some(span),
            label: None,
            related: Vec::new(),
            help: None,
            file: None,
        }
    }

    /// A warning at a span.
    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Warning,
            ..Diagnostic::error(span, message)
        }
    }

    /// An error about a whole file that has no position (unreadable, too large).
    pub fn file_error(file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            span: None,
            file: Some(file.into()),
            ..Diagnostic::error(Span::default(), message)
        }
    }

    /// A warning about a whole file, with no position.
    pub fn file_warning(file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Warning,
            ..Diagnostic::file_error(file, message)
        }
    }

    /// Add the note under the main underline.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// Add a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Add a related location.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}
