//! Editor questions answered from the core: hover, completion, go to
//! definition, find references, the outline and formatting.
//!
//! Every answer takes the compiled program, the index of its names
//! returned beside it ([`Symbols`]), the records or the source text and a
//! byte offset in a file, and returns spans and plain values; the language
//! server (`crate::lsp`) only converts positions, URIs and kinds.

pub mod completion;
pub mod definition;
pub mod formatting;
pub mod hover;
pub mod references;
pub mod symbols;

use crate::check::program::Program;
use crate::check::{self, FileSet, Symbols};
use crate::source::{FileId, Span};

/// Whether `offset` lies inside `span` of the file `id` (both ends count,
/// so that a cursor just after a name still names it).
fn inside(span: Span, id: FileId, offset: usize) -> bool {
    span.file == id && span.start as usize <= offset && offset <= span.end as usize
}

/// The symbol used or declared at `offset` of a rules file, as an index
/// into `symbols.declared`.
pub fn symbol_at(symbols: &Symbols, id: FileId, offset: usize) -> Option<usize> {
    symbols
        .uses
        .iter()
        .find(|(s, _)| inside(*s, id, offset))
        .map(|(_, sym)| *sym)
        .or_else(|| {
            symbols
                .declared
                .iter()
                .position(|s| inside(s.span, id, offset))
        })
}

/// The reference written at `offset` of the record file `here`, with its
/// record.
fn ref_site_at<'a>(
    program: &'a Program,
    sources: &crate::source::SourceMap,
    here: &'a FileSet,
    offset: usize,
) -> Option<(check::refs::RefSite<'a>, &'a crate::records::Record)> {
    let locator = check::Locator::new(sources, &program.schema);
    here.records
        .iter()
        .filter(|r| r.start as usize <= offset && offset <= r.end as usize)
        .find_map(|record| {
            let root = program.schema.kinds.get(record.kind)?.root;
            let sites = check::refs::sites(&program.schema, &record.root, root);
            let data: Vec<&crate::schema::Datum> = sites.iter().map(|s| s.datum).collect();
            let found = locator.locate(record, &data);
            sites
                .into_iter()
                .zip(found)
                .find(|(_, at)| {
                    at.as_ref().is_some_and(|at| {
                        at.span.start as usize <= offset && offset <= at.span.end as usize
                    })
                })
                .map(|(site, _)| (site, record))
        })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Start of the identifier ending at `offset`.
pub fn word_start(text: &str, offset: usize) -> usize {
    let offset = crate::source::floor_char_boundary(text, offset);
    let before = text.get(..offset).unwrap_or("");
    before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word_char(*c))
        .last()
        .map_or(offset, |(i, _)| i)
}

/// End of the identifier at `offset`.
pub fn word_end(text: &str, offset: usize) -> usize {
    let offset = crate::source::floor_char_boundary(text, offset);
    let rest = text.get(offset..).unwrap_or("");
    offset
        + rest
            .char_indices()
            .find(|(_, c)| !is_word_char(*c))
            .map_or(rest.len(), |(i, _)| i)
}

/// The identifier around `offset`.
pub fn word_at(text: &str, offset: usize) -> &str {
    let start = word_start(text, offset);
    let rest = text.get(start..).unwrap_or("");
    let len = rest
        .char_indices()
        .find(|(_, c)| !is_word_char(*c))
        .map_or(rest.len(), |(i, _)| i);
    rest.get(..len).unwrap_or("")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use crate::source::SourceMap;

    /// A small rule set: two kinds, a reference between them, a parameter
    /// and a rule.
    pub const RULES: &str = r#"/// A unit.
kind org {
  /// The unit's full name.
  name: text
}

kind pay {
  org: ref org
  amount: money
}

/// The most one payment may be.
param 上限 = 100

/// Payments above the limit.
rule T-001 "over the limit" {
  severity error
  cite "a rule"
  for p in pay
  where count([1, 2]) > 0
  require p.amount <= 上限
  at p.amount
  message "too much"
  help "pay less"
}
"#;

    /// Records of the kinds of [`RULES`]: one unit and two payments naming
    /// it, one of them in the same file.
    pub const ORGS: &str =
        "kind: org\nid: o1\nname: A\n---\nkind: pay\nid: p0\norg: o1\namount: 5\n";
    pub const PAYS: &str = "kind: pay\nid: p1\norg: o1\namount: 500\n";

    /// The sources (rules, then the two record files), the program and
    /// the index of its names.
    pub fn compiled() -> (SourceMap, Vec<FileId>, Program, Symbols) {
        let mut sources = SourceMap::new();
        let rules = sources.add("t.rules", RULES);
        let orgs = sources.add("orgs.yaml", ORGS);
        let pays = sources.add("pays.yaml", PAYS);
        let compiled = check::compile_files(&sources, &[rules], &[], &[], 64);
        assert!(compiled.errors.is_empty(), "{:?}", compiled.errors);
        (
            sources,
            vec![rules, orgs, pays],
            compiled.program,
            compiled.symbols,
        )
    }

    /// The records of both record files, read against the program's schema.
    pub fn records(sources: &SourceMap, ids: &[FileId], program: &Program) -> Vec<FileSet> {
        let limits = crate::records::Limits::default();
        ids[1..]
            .iter()
            .map(|id| {
                let set = check::read_file(sources, *id, &program.schema, &limits);
                assert!(set.errors.is_empty(), "{:?}", set.errors);
                set
            })
            .collect()
    }

    /// The byte offset of the `n`th (from 0) occurrence of `needle` in
    /// `text`, plus `plus`.
    pub fn at(text: &str, needle: &str, n: usize, plus: usize) -> usize {
        text.match_indices(needle).nth(n).unwrap().0 + plus
    }

    /// The text of a span.
    pub fn slice(sources: &SourceMap, span: Span) -> &str {
        sources.get(span.file).unwrap().slice(span)
    }

    #[test]
    fn symbol_at_finds_declarations_and_uses() {
        let (sources, ids, _, symbols) = compiled();
        let decl = symbol_at(&symbols, ids[0], at(RULES, "param 上限", 0, 7)).unwrap();
        let used = symbol_at(&symbols, ids[0], at(RULES, "<= 上限", 0, 4)).unwrap();
        assert_eq!(decl, used);
        assert_eq!(slice(&sources, symbols.declared[decl].span), "上限");
        assert_eq!(symbol_at(&symbols, ids[0], 0), None);
    }

    #[test]
    fn words_are_found_around_an_offset_in_any_script() {
        let text = "m.金额 + x_1";
        assert_eq!(word_at(text, 2), "金额");
        // Inside a multi-byte character: the same word.
        assert_eq!(word_at(text, 3), "金额");
        assert_eq!(word_at(text, text.len()), "x_1");
        assert_eq!(word_start(text, 2), 2);
        assert_eq!(word_end(text, 2), 8);
        assert_eq!(word_at(text, 1), "m");
        assert_eq!(word_at("", 5), "");
    }
}
