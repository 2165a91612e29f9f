//! `sunlight test`: run rule test cases (the standard ones, or folders
//! on disk) and report what each produced against what it expects.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::process::ExitCode;

use sunlight::workspace::InputLimits;
use sunlight::{cases, report};

use super::args::TestArgs;

pub(super) fn test(args: &TestArgs) -> ExitCode {
    let cases = match &args.path {
        None => cases::standard_cases(),
        Some(p) => match cases::cases_on_disk(p) {
            Ok(c) => c,
            Err(d) => {
                eprintln!("error: {}: {}", d.file.unwrap_or_default(), d.message);
                return ExitCode::from(2);
            }
        },
    };
    if cases.is_empty() {
        eprintln!(
            "error: no cases found\n  help: a case is a folder with records/ and expected.yaml"
        );
        return ExitCode::from(2);
    }
    let opts = args.rules.options();
    let limits = InputLimits::default();
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut suite = cases::Suite::load(&opts, &limits);
    let mut out = String::new();
    // The rules' problems are the same for every case: shown once, first,
    // as `sunlight check` shows them.
    let rule_errors = suite.rules.errors.iter().filter(|d| d.is_error()).count();
    out.push_str(&report::human::render_diagnostics(
        &suite.rules.errors,
        &suite.sources,
        color,
    ));
    let mut failed = 0;
    let mut exercised = std::collections::BTreeSet::new();
    let mut all_rules: Vec<String> = Vec::new();
    for case in &cases {
        let o = suite.run(case, &limits);
        if all_rules.is_empty() {
            all_rules = o.report.rules.iter().map(|r| r.id.clone()).collect();
        }
        exercised.extend(o.fired.iter().cloned());
        if o.passed() {
            let _ = writeln!(out, "ok     {}", o.name);
            continue;
        }
        failed += 1;
        let _ = writeln!(out, "FAILED {}", o.name);
        for d in &o.problems {
            for line in report::human::one_line(d, &suite.sources).lines() {
                let _ = writeln!(out, "         {line}");
            }
        }
        for (rule, record) in &o.missing {
            let _ = writeln!(out, "       - expected {rule} on {record}, not reported");
        }
        for (rule, record) in &o.extra {
            let _ = writeln!(out, "       + reported {rule} on {record}, not expected");
            for f in o
                .report
                .findings
                .iter()
                .filter(|f| &f.rule == rule && &f.record == record)
            {
                let at = suite
                    .sources
                    .span_lines(f.span)
                    .map_or(String::new(), |(a, _)| {
                        format!(
                            "{}:{}:{}",
                            suite.sources.name(f.span.file),
                            a.line,
                            a.column
                        )
                    });
                let _ = writeln!(out, "           {at}: {}", f.message);
            }
        }
        for f in &o.missing_errors {
            let _ = writeln!(out, "       - expected input errors in {f}, none reported");
        }
        for f in &o.extra_errors {
            let _ = writeln!(out, "       + input errors in {f}, not expected");
            for d in o.report.errors.iter().filter(|d| {
                d.span
                    .is_some_and(|s| suite.sources.name(s.file).ends_with(f.as_str()))
            }) {
                let _ = writeln!(out, "           {}", d.message);
            }
        }
    }
    let unexercised: Vec<&String> = all_rules
        .iter()
        .filter(|r| !exercised.contains(*r))
        .collect();
    let _ = writeln!(out, "\n{} passed, {failed} failed", cases.len() - failed);
    if !unexercised.is_empty() {
        let _ = writeln!(
            out,
            "rules no case exercises: {}",
            unexercised
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if rule_errors > 0 {
        let _ = writeln!(
            out,
            "the rules have {} (shown above): the cases ran with what compiled",
            if rule_errors == 1 {
                "1 error".to_string()
            } else {
                format!("{rule_errors} errors")
            }
        );
    }
    // Rules that do not compile make the run fail as an input error does
    // in `sunlight check`, whatever the cases found.
    let code = if rule_errors > 0 {
        2
    } else {
        u8::from(failed > 0)
    };
    super::finish(&out, ExitCode::from(code))
}
