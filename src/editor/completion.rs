//! Completion in a rules file: fields after `x.`, rule ids inside a
//! string, otherwise the names in scope, parameters, definitions, chains,
//! kinds, built-in functions and keywords.

use super::{word_end, word_start};
use crate::check::program::Program;
use crate::check::symbols::PROBE;
use crate::check::{self};
use crate::source::{FileId, SourceMap};
use crate::syntax;

/// What a completion names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    /// A field of a struct or record kind.
    Field,
    /// A rule id.
    Reference,
    /// A variable in scope.
    Variable,
    /// A parameter.
    Constant,
    /// A definition or built-in function.
    Function,
    /// A chain.
    Module,
    /// A record kind.
    Struct,
    /// A keyword.
    Keyword,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The text inserted.
    pub label: String,
    /// What it names.
    pub kind: CompletionKind,
    /// Its type, value or usage ("" for none).
    pub detail: String,
    /// Its doc comment.
    pub doc: Option<String>,
}

fn item(label: &str, kind: CompletionKind, detail: &str, doc: Option<&str>) -> Completion {
    Completion {
        label: label.to_string(),
        kind,
        detail: detail.to_string(),
        doc: doc.map(str::to_string),
    }
}

/// The completions at `offset` of the rules file `id`, compiled with the
/// files `rule_set` (which hold it) from `sources`; `workspace` is the
/// workspace's compiled program, the source of parameters, definitions,
/// chains, kinds and rule ids.
pub fn complete(
    sources: &SourceMap,
    rule_set: &[FileId],
    id: FileId,
    offset: usize,
    workspace: Option<&Program>,
    max_expr_depth: usize,
) -> Vec<Completion> {
    let text = sources.get(id).map_or("", |f| &f.text);
    let start = word_start(text, offset);
    let end = word_end(text, offset);
    let after_dot = text.get(..start).is_some_and(|t| t.ends_with('.'));
    let in_string = text
        .get(..start)
        .is_some_and(|t| t.matches('"').count() % 2 == 1);
    // Compile the document with a probe name in place of the word at the
    // cursor: the type checker then says what is in scope there. A
    // declaration still being typed gets the closing braces it lacks.
    let decl_start = syntax::parse::decl_start_before(text, start);
    let decl_end = syntax::parse::next_decl_start(text, end).max(end);
    let open_braces = text.get(decl_start..decl_end).map_or(0, |d| {
        d.matches('{')
            .count()
            .saturating_sub(d.matches('}').count())
    });
    let probed = format!(
        "{}{PROBE}{}{}\n{}",
        text.get(..start).unwrap_or(""),
        text.get(end..decl_end).unwrap_or(""),
        "}".repeat(open_braces),
        text.get(decl_end..).unwrap_or("")
    );
    let mut probe_sources = SourceMap::new();
    let mut ids = Vec::new();
    for f in rule_set {
        let t = if *f == id {
            probed.clone()
        } else {
            sources
                .get(*f)
                .map_or(String::new(), |s| s.text.to_string())
        };
        ids.push(probe_sources.add(sources.name(*f), t));
    }
    let probe = check::compile_files(&probe_sources, &ids, &[], &[], max_expr_depth)
        .symbols
        .probe
        .unwrap_or_default();
    let mut items = Vec::new();
    if after_dot {
        for (name, ty, doc) in probe.fields {
            items.push(item(&name, CompletionKind::Field, &ty, doc.as_deref()));
        }
        return items;
    }
    if in_string {
        // Rule ids for `findings("…")`.
        if let Some(p) = workspace {
            for r in &p.rules {
                items.push(item(&r.id, CompletionKind::Reference, &r.title, None));
            }
        }
        return items;
    }
    for (name, ty) in probe.locals {
        items.push(item(&name, CompletionKind::Variable, &ty, None));
    }
    if let Some(p) = workspace {
        for param in &p.params {
            let mut v = String::new();
            param.value.display(&mut v);
            items.push(item(
                &param.name,
                CompletionKind::Constant,
                &v,
                param.doc.as_deref(),
            ));
        }
        for d in &p.defs {
            items.push(item(
                &d.name,
                CompletionKind::Function,
                &format!("def {}({})", d.name, d.params.join(", ")),
                d.doc.as_deref(),
            ));
        }
        for c in &p.chains {
            items.push(item(
                &c.name,
                CompletionKind::Module,
                "chain",
                c.doc.as_deref(),
            ));
        }
        for k in &p.schema.kinds {
            items.push(item(&k.name, CompletionKind::Struct, "record kind", None));
        }
    }
    for b in check::BUILTINS {
        items.push(item(b.name, CompletionKind::Function, &b.usage(), None));
    }
    for (name, doc) in syntax::keywords::KEYWORDS {
        items.push(item(name, CompletionKind::Keyword, doc, None));
    }
    items
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::editor::tests::{RULES, compiled};

    /// The completions at the end of `edited` (the rules, cut after the
    /// cursor's text), with the compiled rules as the workspace.
    fn at_end(edited: &str) -> Vec<Completion> {
        let (_, _, workspace, _) = compiled();
        let mut sources = SourceMap::new();
        let id = sources.add("t.rules", edited);
        complete(&sources, &[id], id, edited.len(), Some(&workspace), 64)
    }

    fn find<'a>(items: &'a [Completion], label: &str) -> &'a Completion {
        items.iter().find(|c| c.label == label).unwrap()
    }

    #[test]
    fn after_a_dot_only_the_fields_of_its_type_are_offered() {
        let cut = RULES.find("p.amount <=").unwrap() + 2;
        let items = at_end(RULES.get(..cut).unwrap());
        assert!(items.iter().all(|c| c.kind == CompletionKind::Field));
        let amount = find(&items, "amount");
        assert_eq!(amount.detail, "money");
        assert_eq!(find(&items, "org").kind, CompletionKind::Field);
        assert!(!items.iter().any(|c| c.label == "name"), "{items:?}");
    }

    #[test]
    fn a_plain_name_is_offered_variables_parameters_kinds_functions_and_keywords() {
        let cut = RULES.find("p.amount <=").unwrap();
        let items = at_end(RULES.get(..cut).unwrap());
        assert_eq!(find(&items, "p").kind, CompletionKind::Variable);
        let limit = find(&items, "上限");
        assert_eq!(limit.kind, CompletionKind::Constant);
        assert_eq!(limit.detail, "100");
        assert_eq!(limit.doc.as_deref(), Some("The most one payment may be."));
        assert_eq!(find(&items, "org").kind, CompletionKind::Struct);
        assert_eq!(find(&items, "count").kind, CompletionKind::Function);
        assert_eq!(find(&items, "require").kind, CompletionKind::Keyword);
    }

    #[test]
    fn inside_a_string_rule_ids_are_offered() {
        let cut = RULES.find("p.amount <=").unwrap();
        let edited = format!("{}findings(\"T", RULES.get(..cut).unwrap());
        let items = at_end(&edited);
        assert_eq!(
            items,
            [Completion {
                label: "T-001".into(),
                kind: CompletionKind::Reference,
                detail: "over the limit".into(),
                doc: None,
            }]
        );
    }
}
