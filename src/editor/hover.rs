//! Hover: what a name in a rules file is, or what a finding on a record
//! means.

use super::{inside, symbol_at, word_at};
use crate::check::program::Program;
use crate::check::symbols::{SymbolKind, Symbols};
use crate::check::{self};
use crate::report::Report;
use crate::source::{FileId, SourceMap};
use crate::syntax;

/// Markdown for a position of a rules file: a symbol's declaration, doc and
/// (for a parameter, from `program`) value and overrides, else a keyword's
/// or built-in function's documentation.
pub fn in_rules(
    program: &Program,
    symbols: &Symbols,
    sources: &SourceMap,
    id: FileId,
    offset: usize,
) -> Option<String> {
    if let Some(sym) = symbol_at(symbols, id, offset).and_then(|i| symbols.declared.get(i)) {
        let mut md = format!("```\n{}\n```", sym.detail);
        if let Some(doc) = &sym.doc {
            md.push_str(&format!("\n\n{doc}"));
        }
        if sym.kind == SymbolKind::Param
            && let Some(p) = program.params.iter().find(|p| p.name == sym.name)
        {
            let mut value = String::new();
            p.value.display(&mut value);
            md.push_str(&format!("\n\nvalue: `{value}`"));
            for at in &p.overridden_at {
                md.push_str(&format!(
                    "\n\noverridden by `set` in {}",
                    sources.place(*at)
                ));
            }
            if let Some(file) = &p.overridden_by_file {
                md.push_str(&format!("\n\noverridden by the parameter file {file}"));
            }
        }
        return Some(md);
    }
    let word = word_at(sources.get(id).map_or("", |f| &f.text), offset);
    syntax::keywords::doc(word)
        .map(|d| format!("`{word}` (keyword): {d}"))
        .or_else(|| {
            check::BUILTINS
                .iter()
                .find(|b| b.name == word)
                .map(|b| format!("`{word}` (function): {}", b.usage()))
        })
}

/// Markdown for a position of a record file: every finding whose span
/// holds it, with its rule, citation, advice and any waiver.
pub fn in_records(report: &Report, id: FileId, offset: usize) -> Option<String> {
    let hits: Vec<String> = report
        .findings
        .iter()
        .filter(|f| inside(f.span, id, offset))
        .map(|f| {
            let mut md = format!(
                "**{} {}** ({})\n\n{}\n\n依据：{}\n\n{}",
                f.rule,
                f.title,
                f.severity.as_str(),
                f.message,
                f.cite,
                if f.help.is_empty() {
                    String::new()
                } else {
                    format!("建议：{}", f.help)
                }
            );
            if let Some(s) = &f.suppressed {
                md.push_str(&format!("\n\n{}", s.describe()));
            }
            md
        })
        .collect();
    (!hits.is_empty()).then(|| hits.join("\n\n---\n\n"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::editor::tests::{RULES, at, compiled, records};

    #[test]
    fn a_parameter_shows_its_declaration_doc_and_value() {
        let (sources, ids, program, symbols) = compiled();
        let md = in_rules(
            &program,
            &symbols,
            &sources,
            ids[0],
            at(RULES, "<= 上限", 0, 4),
        )
        .unwrap();
        assert!(md.starts_with("```\nparam 上限"), "{md}");
        assert!(md.contains("The most one payment may be."), "{md}");
        assert!(md.ends_with("value: `100`"), "{md}");
    }

    #[test]
    fn a_kind_shows_its_doc_comment() {
        let (sources, ids, program, symbols) = compiled();
        let md = in_rules(
            &program,
            &symbols,
            &sources,
            ids[0],
            at(RULES, "kind org", 0, 6),
        )
        .unwrap();
        assert!(md.contains("A unit."), "{md}");
    }

    #[test]
    fn builtins_and_keywords_show_their_documentation() {
        let (sources, ids, program, symbols) = compiled();
        let md = in_rules(
            &program,
            &symbols,
            &sources,
            ids[0],
            at(RULES, "count(", 0, 2),
        )
        .unwrap();
        let count = check::BUILTINS.iter().find(|b| b.name == "count").unwrap();
        assert_eq!(md, format!("`count` (function): {}", count.usage()));
        let md = in_rules(
            &program,
            &symbols,
            &sources,
            ids[0],
            at(RULES, "require", 0, 3),
        )
        .unwrap();
        assert!(md.starts_with("`require` (keyword): "), "{md}");
        // A blank line names nothing.
        assert_eq!(
            in_rules(
                &program,
                &symbols,
                &sources,
                ids[0],
                at(RULES, "\n\n", 0, 1)
            ),
            None
        );
    }

    #[test]
    fn a_finding_explains_itself_where_it_points() {
        let (sources, ids, program, _) = compiled();
        let sets = records(&sources, &ids, &program);
        let refs: Vec<&crate::check::FileSet> = sets.iter().collect();
        let report = check::evaluate(&program, &refs, &sources);
        let pays = sources.get(ids[2]).unwrap().text.to_string();
        let md = in_records(&report, ids[2], at(&pays, "500", 0, 1)).unwrap();
        assert_eq!(
            md,
            "**T-001 over the limit** (error)\n\ntoo much\n\n依据：a rule\n\n建议：pay less"
        );
        assert_eq!(in_records(&report, ids[2], 0), None);
        // The payment within the limit has no finding.
        let orgs = sources.get(ids[1]).unwrap().text.to_string();
        assert_eq!(in_records(&report, ids[1], at(&orgs, "5\n", 0, 0)), None);
    }
}
