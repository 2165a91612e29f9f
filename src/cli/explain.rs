//! `sunlight explain`: a rule's title, severity, cite, help, versions,
//! source and a standard case that fires it; without a rule, the list.

use std::fmt::Write as _;
use std::process::ExitCode;

use sunlight::cases;
use sunlight::project;
use sunlight::report;
use sunlight::source::SourceMap;
use sunlight::workspace::InputLimits;

use super::args::ExplainArgs;

pub(super) fn explain(args: &ExplainArgs) -> ExitCode {
    let opts = args.rules.options();
    let mut sources = SourceMap::new();
    let rules = project::load_rules(&mut sources, &opts, &InputLimits::default());
    for d in rules.errors.iter().filter(|d| d.is_error()) {
        eprintln!("{}", report::human::one_line(d, &sources));
    }
    let Some(id) = &args.rule else {
        let mut out = String::new();
        for r in &rules.program.rules {
            let _ = writeln!(out, "{:<10} {:<7} {}", r.id, r.severity.as_str(), r.title);
        }
        let _ = writeln!(out, "\nsee one rule with `sunlight explain RULE-ID`");
        return super::finish(&out, ExitCode::SUCCESS);
    };
    let versions = rules.program.rule_versions(id);
    let Some(&rule) = versions.last() else {
        let ids: Vec<&str> = rules.program.rules.iter().map(|r| r.id.as_str()).collect();
        let hint = sunlight::suggest::closest(id, ids.iter().copied()).map_or_else(
            || format!("rules are {}", ids.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        eprintln!("error: no rule `{id}`\n  help: {hint}");
        return ExitCode::from(2);
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({})",
        rule.id,
        rule.title,
        rule.severity.as_str()
    );
    if let Some(doc) = &rule.doc {
        let _ = writeln!(out, "\n{doc}");
    }
    if !rule.cite.is_empty() {
        let _ = writeln!(out, "\ncite: {}", rule.cite);
    }
    if !rule.help_text.is_empty() {
        let _ = writeln!(out, "help: {}", rule.help_text);
        if rule.help_text.contains('‹') {
            let _ = writeln!(
                out,
                "      (‹…›: a value of the record, given in each finding)"
            );
        }
    }
    if versions.iter().any(|v| v.version.is_some()) {
        let _ = writeln!(out, "\nversions:");
        for v in &versions {
            let period = v.version.map_or("always".to_string(), |p| p.to_string());
            let place = sources.get(v.span.file).map_or(String::new(), |f| {
                format!("{}:{}", f.name, f.line_col(v.span.start).line)
            });
            let _ = writeln!(out, "  {period:<24} {} ({place})", v.title);
        }
    }
    if let Some(file) = sources.get(rule.span.file) {
        let line = file.line_col(rule.span.start).line;
        let _ = writeln!(out, "\nsource: {}:{line}\n", file.name);
        for l in file.slice(rule.span).lines() {
            let _ = writeln!(out, "    {l}");
        }
    }
    match cases::example(&rule.id) {
        Some((case, file, text)) => {
            let _ = writeln!(
                out,
                "\nexample (standard case `{case}`, {file}), which fires {}:\n",
                rule.id
            );
            for l in text.lines() {
                let _ = writeln!(out, "    {l}");
            }
        }
        None => {
            let _ = writeln!(out, "\nno standard case exercises {}", rule.id);
        }
    }
    super::finish(&out, ExitCode::SUCCESS)
}
