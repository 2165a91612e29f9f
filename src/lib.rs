//! sunlight checks governance records against rules written in its rule
//! language.
//!
//! The pipeline, in the order a run goes through it:
//!
//! 1. [`syntax::parse()`] reads rule files into syntax trees;
//! 2. [`check::compile_files`] builds the [`schema`] and resolves and
//!    type-checks every rule into a [`check::Program`], with the editor's
//!    index of the names ([`check::Symbols`]) beside it;
//! 3. [`check::read_records`] reads YAML/JSON records with their positions
//!    and validates them against the schema;
//! 4. [`check::evaluate`] runs the rules and returns a [`model::Report`];
//! 5. [`report`] renders it for people or machines.
//!
//! [`project`] loads what a run is made of, for the command line and the
//! editor alike; [`session::Session`] keeps a workspace open in an editor
//! between edits and answers its questions ([`editor`]); [`lsp`] is the
//! protocol shell around it.

pub mod cases;
pub mod check;
pub mod date;
pub mod diag;
pub mod diff;
pub mod editor;
pub mod lsp;
pub mod model;
pub mod num;
pub mod project;
pub mod records;
pub mod replay;
pub mod report;
pub mod schema;
pub mod session;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod syntax;
pub mod workspace;
