//! Rendering the results of a run: for people (`human`) and for machines
//! (`json`, `sarif`, `junit`, `github`) and the audit page (`html`).
//! Renderers only read a [`Report`]; they decide nothing.

pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

pub use crate::model::{
    Card, Column, Configuration, Family, Finding, RecordInfo, Related, Report, Row, RuleInfo,
    Severity, Summary, Suppression, Table,
};
