//! Rules and parameter values in force on a date.
//!
//! A rule, a `set` or a whole file (a `effective … until …` declaration
//! standing alone) may be dated. The dates cut time into periods within
//! which the same declarations are in force; the rule files are compiled
//! once per period, with exactly the rules and parameter values in force
//! then, so parameters stay constants and evaluation is unchanged. A record
//! is judged by the program of the period holding its decision date (its
//! kind's `decided by`); cross-record rules see every record but report
//! only findings on records decided in their period. A record without a
//! decision date is judged by the latest period.

use std::collections::HashMap;

use super::Compiled;
use super::compile::{ParamOverride, compile_decls};
use super::program::{Period, Program};
use super::symbols::Symbols;
use crate::date::Date;
use crate::diag::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, DeclKind};

fn period_of(v: &ast::Validity) -> Period {
    Period {
        from: v.from.map(|d| d.0),
        until: v.until.map(|d| d.0),
    }
}

/// Compile declarations: once when nothing is dated, otherwise once per
/// period (the latest period's program holds the others in `versions`).
/// The symbol index beside it covers the declarations of every period.
pub fn compile(decls: &[&ast::Decl], overrides: &[ParamOverride], disabled: &[String]) -> Compiled {
    let mut errors = Vec::new();
    // The file-wide period of each file.
    let mut file_period: HashMap<FileId, (Period, Span)> = HashMap::new();
    for decl in decls {
        if let DeclKind::Validity(v) = &decl.kind {
            if let Some((_, first)) = file_period.get(&decl.span.file) {
                errors.push(
                    Diagnostic::error(v.span, "the file's period is declared twice")
                        .with_related(*first, "first declared here")
                        .with_help("keep one `effective … until …` line per file; date single rules or `set`s with their own clause"),
                );
                continue;
            }
            file_period.insert(decl.span.file, (period_of(v), v.span));
        }
    }
    // The period of each dated rule or `set` (by position in `decls`).
    let mut dated: Vec<Option<Period>> = Vec::with_capacity(decls.len());
    for decl in decls {
        let own = match &decl.kind {
            DeclKind::Rule(r) => r.validity.as_ref().map(period_of),
            DeclKind::Param(p) if p.is_override => p.validity.as_ref().map(period_of),
            _ => {
                dated.push(None);
                continue;
            }
        };
        let file = file_period.get(&decl.span.file).copied();
        dated.push(match (own, file) {
            (Some(a), Some((b, file_span))) => match a.intersect(&b) {
                Some(p) => Some(p),
                None => {
                    let own_span = match &decl.kind {
                        DeclKind::Rule(r) => r.validity.as_ref().map(|v| v.span),
                        DeclKind::Param(p) => p.validity.as_ref().map(|v| v.span),
                        _ => None,
                    };
                    errors.push(
                        Diagnostic::error(
                            own_span.unwrap_or(decl.span),
                            format!("this period ({a}) lies outside the file's ({b})"),
                        )
                        .with_related(file_span, "the file's period")
                        .with_help("a declaration is in force where its period and its file's meet: move it to another file or change the dates"),
                    );
                    None
                }
            },
            (a, b) => a.or(b.map(|(p, _)| p)),
        });
    }
    overlaps(decls, &dated, &mut errors);
    if dated.iter().all(Option::is_none) {
        let mut compiled = compile_decls(decls, overrides, disabled);
        errors.append(&mut compiled.errors);
        compiled.errors = errors;
        return compiled;
    }
    // Periods start at every `effective` day and the day after every `until`.
    let mut cuts: Vec<Date> = Vec::new();
    for p in dated.iter().flatten() {
        cuts.extend(p.from);
        cuts.extend(p.until.and_then(|u| u.add_days(1)));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut periods = Vec::with_capacity(cuts.len() + 1);
    let mut start = None;
    for &c in &cuts {
        periods.push(Period {
            from: start,
            until: c.add_days(-1),
        });
        start = Some(c);
    }
    periods.push(Period {
        from: start,
        until: None,
    });
    let mut programs: Vec<Program> = Vec::with_capacity(periods.len());
    let mut indexes: Vec<Symbols> = Vec::with_capacity(periods.len());
    for period in periods {
        // Any day of the period stands for all of it.
        let day = period.from.or(period.until).unwrap_or(Date(0));
        let in_force: Vec<&ast::Decl> = decls
            .iter()
            .zip(&dated)
            .filter(|(_, p)| p.is_none_or(|p| p.contains(day)))
            .map(|(d, _)| *d)
            .collect();
        let Compiled {
            mut program,
            symbols,
            errors: e,
        } = compile_decls(&in_force, overrides, disabled);
        for err in e {
            // Same place, same error: once, however many periods meet it;
            // "used twice" of an overlap already reported, not again.
            if !errors.iter().any(|o| {
                o.span == err.span
                    && (o.message == err.message || err.message.ends_with("is used twice"))
            }) {
                errors.push(err);
            }
        }
        for rule in &mut program.rules {
            rule.version = decls
                .iter()
                .zip(&dated)
                .find(|(d, _)| d.span == rule.span)
                .and_then(|(_, p)| *p);
        }
        program.period = period;
        programs.push(program);
        indexes.push(symbols);
    }
    // A rule of another period is no typo: switching it off, or asking for
    // its findings, is fine in the periods where it is not in force.
    let ids: Vec<&str> = decls
        .iter()
        .filter_map(|d| match &d.kind {
            DeclKind::Rule(r) => Some(r.id.name.as_str()),
            _ => None,
        })
        .collect();
    errors.retain(|e| {
        let named = |prefix: &str, suffix: &str| {
            e.message
                .strip_prefix(prefix)
                .and_then(|m| m.strip_suffix(suffix))
                .map(str::to_string)
        };
        if let Some(id) = named("no rule `", "` to switch off") {
            return !ids.contains(&id.as_str());
        }
        if let Some(pattern) = named("no rule matches `", "`") {
            return !ids
                .iter()
                .any(|id| super::program::pattern_matches(&pattern, id));
        }
        true
    });
    let mut latest = programs.pop().unwrap_or_default();
    latest.versions = programs;
    // The editor sees the names of every period: the latest's, then those
    // only earlier periods have (an expired rule version, a dated `set`).
    let mut symbols = indexes.pop().unwrap_or_default();
    for earlier in &indexes {
        symbols.merge(earlier);
    }
    Compiled {
        program: latest,
        symbols,
        errors,
    }
}

/// Two versions of one rule, or two dated values of one parameter, in
/// force on a same day. A rule that `replaces` one of another file takes
/// its place and overlaps it on purpose.
fn overlaps(decls: &[&ast::Decl], dated: &[Option<Period>], errors: &mut Vec<Diagnostic>) {
    let always = Period::default();
    let mut seen: HashMap<(bool, &str), Vec<usize>> = HashMap::new();
    for (i, decl) in decls.iter().enumerate() {
        let (key, replaces) = match &decl.kind {
            DeclKind::Rule(r) => ((true, r.id.name.as_str()), r.replaces),
            // Undated `set`s override one another in order, as always.
            DeclKind::Param(p) if p.is_override && dated.get(i).is_some_and(Option::is_some) => {
                ((false, p.name.name.as_str()), false)
            }
            _ => continue,
        };
        let mine = dated.get(i).copied().flatten().unwrap_or(always);
        let earlier = seen.entry(key).or_default();
        for &j in earlier.iter() {
            let Some(other) = decls.get(j) else { continue };
            if replaces && other.span.file != decl.span.file {
                continue;
            }
            let theirs = dated.get(j).copied().flatten().unwrap_or(always);
            if !mine.overlaps(&theirs) {
                continue;
            }
            let (what, name_span, other_span) = match (&decl.kind, &other.kind) {
                (DeclKind::Rule(a), DeclKind::Rule(b)) => (
                    format!("rule `{}` has two versions", a.id.name),
                    a.id.span,
                    b.id.span,
                ),
                (DeclKind::Param(a), DeclKind::Param(b)) => (
                    format!("parameter `{}` has two values", a.name.name),
                    a.name.span,
                    b.name.span,
                ),
                _ => continue,
            };
            // Dated duplicates only: an undated twin is the plain "used
            // twice" error, reported by the compiler.
            if dated.get(i).copied().flatten().is_none()
                && dated.get(j).copied().flatten().is_none()
            {
                continue;
            }
            errors.push(
                Diagnostic::error(
                    name_span,
                    format!("{what} in force from {} ({mine} and {theirs})", first_shared(&mine, &theirs)),
                )
                .with_related(other_span, format!("the version in force {theirs}"))
                .with_help("give the versions periods that do not overlap: end the earlier with `until` the day before the later's `effective`"),
            );
        }
        earlier.push(i);
    }
}

/// The first day two overlapping periods share, as text.
fn first_shared(a: &Period, b: &Period) -> String {
    match (a.from, b.from) {
        (Some(x), Some(y)) => x.max(y).to_string(),
        (Some(x), None) | (None, Some(x)) => x.to_string(),
        (None, None) => "the start".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::symbols::SymbolKind;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap_or(Date(0))
    }

    /// A parameter with a dated value and a rule with two versions, one
    /// expired; `probe` stands in the expired version's `where`.
    fn dated(probe: &str) -> String {
        format!(
            "kind k decided by r => r.day {{ day: date }}\n\
             param 标准 = 1\n\
             set 标准 = 2 effective 2015-01-01\n\
             rule R-1 \"旧\" until 2014-12-31 {{ severity error\n for x in k\n where {probe}\n message \"{{标准}}\" }}\n\
             rule R-1 \"新\" effective 2015-01-01 {{ severity error\n for x in k\n message \"{{标准}}\" }}\n"
        )
    }

    fn compiled(src: &str) -> Compiled {
        let parsed = crate::syntax::parse(FileId(0), src);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        compile(&parsed.file.decls.iter().collect::<Vec<_>>(), &[], &[])
    }

    #[test]
    fn each_period_has_its_program() {
        let Compiled {
            program, errors, ..
        } = compiled(&dated("true"));
        assert!(errors.is_empty(), "{errors:?}");
        let periods: Vec<String> = program
            .periods()
            .iter()
            .map(|p| p.period.to_string())
            .collect();
        assert_eq!(periods, ["..2014-12-31", "2015-01-01.."]);
        let titles: Vec<&str> = program
            .rule_versions("R-1")
            .iter()
            .map(|r| r.title.as_str())
            .collect();
        assert_eq!(titles, ["旧", "新"]);
    }

    #[test]
    fn the_symbol_index_beside_the_program_covers_every_period() {
        let src = dated("true");
        let Compiled {
            program,
            symbols,
            errors,
        } = compiled(&src);
        assert!(errors.is_empty(), "{errors:?}");
        let at = |needle: &str| src.find(needle).map(|i| i as u32);
        // Both versions of the rule are declared, the expired one only in
        // the earlier period's program.
        let rules: Vec<Option<u32>> = symbols
            .declared
            .iter()
            .filter(|s| s.kind == SymbolKind::Rule)
            .map(|s| Some(s.span.start))
            .collect();
        assert_eq!(rules, [at("R-1 \"新"), at("R-1 \"旧")]);
        assert_eq!(symbols.rule_ids().collect::<Vec<_>>(), ["R-1", "R-1"]);
        assert!(program.rules.iter().all(|r| r.title == "新"));
        // The parameter is declared once; its uses are the dated `set`,
        // which only the later period has, and the message of each
        // version, in source order.
        let params: Vec<usize> = (0..symbols.declared.len())
            .filter(|&i| symbols.declared[i].kind == SymbolKind::Param)
            .collect();
        assert_eq!(params.len(), 1);
        let uses: Vec<u32> = symbols
            .uses
            .iter()
            .filter(|(_, sym)| *sym == params[0])
            .map(|(span, _)| span.start)
            .collect();
        let messages: Vec<u32> = src
            .match_indices("{标准}")
            .map(|(i, _)| i as u32 + 1)
            .collect();
        assert_eq!(
            uses,
            [at("标准 = 2").unwrap_or_default(), messages[0], messages[1]]
        );
    }

    #[test]
    fn the_probe_is_found_in_a_rule_of_an_earlier_period() {
        let Compiled { symbols, .. } = compiled(&dated(crate::check::symbols::PROBE));
        let probe = symbols.probe.unwrap_or_default();
        assert_eq!(probe.locals, [("x".to_string(), "k".to_string())]);
    }

    #[test]
    fn periods_overlap_when_they_share_a_day() {
        let until = Period {
            from: None,
            until: Some(d("2014-12-31")),
        };
        let from = Period {
            from: Some(d("2015-01-01")),
            until: None,
        };
        assert!(!until.overlaps(&from));
        let from_last_day = Period {
            from: Some(d("2014-12-31")),
            until: None,
        };
        assert!(until.overlaps(&from_last_day));
        assert_eq!(until.to_string(), "..2014-12-31");
        assert_eq!(from.to_string(), "2015-01-01..");
        assert!(from.contains(d("2015-01-01")) && !from.contains(d("2014-12-31")));
    }
}
