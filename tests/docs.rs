//! The language reference, `docs/language.md`, against the code it describes:
//! its built-ins section is the one generated from `BUILTINS`, every function
//! the compiler accepts is in that table, and every keyword is explained.

mod common;

use common::*;
use std::path::PathBuf;

const BEGIN: &str = "<!-- builtins:begin -->\n";
const END: &str = "<!-- builtins:end -->";

fn reference_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/language.md")
}

fn reference() -> String {
    std::fs::read_to_string(reference_path()).unwrap_or_default()
}

/// The text between the markers, and where it lies.
fn section(doc: &str) -> Option<(usize, usize)> {
    let start = doc.find(BEGIN)? + BEGIN.len();
    let end = start + doc[start..].find(END)?;
    Some((start, end))
}

#[test]
fn the_builtins_section_is_the_generated_one() {
    let doc = reference();
    let found = section(&doc);
    assert!(
        found.is_some(),
        "docs/language.md has no `<!-- builtins:begin -->` … `<!-- builtins:end -->` section"
    );
    let (start, end) = found.unwrap_or((0, 0));
    let generated = sunlight::check::builtins_markdown();
    if doc[start..end] != generated && std::env::var_os("SUNLIGHT_UPDATE_DOCS").is_some() {
        let updated = format!("{}{generated}{}", &doc[..start], &doc[end..]);
        let written = std::fs::write(reference_path(), updated);
        assert!(
            written.is_ok(),
            "could not write docs/language.md: {written:?}"
        );
        return;
    }
    assert!(
        doc[start..end] == generated,
        "the built-ins section of docs/language.md differs from the table `BUILTINS` in \
         src/check/builtins/\nregenerate it with `SUNLIGHT_UPDATE_DOCS=1 cargo test --test docs`"
    );
}

/// The compiler finds a function by its name in `BUILTINS`, so what it
/// accepts is what the table documents: each function once, by one name.
#[test]
fn every_function_the_compiler_accepts_is_documented() {
    let mut functions = Vec::new();
    for (i, b) in sunlight::check::BUILTINS.iter().enumerate() {
        assert!(
            !sunlight::check::BUILTINS[..i]
                .iter()
                .any(|o| o.name == b.name),
            "`{}` is documented twice",
            b.name
        );
        if let Some(f) = b.builtin {
            assert!(!functions.contains(&f), "{f:?} has two names");
            functions.push(f);
        }
    }
    // Guards against an empty or truncated table.
    assert!(functions.len() > 30, "found only {functions:?}");
    assert!(
        sunlight::check::BUILTINS
            .iter()
            .any(|b| b.name == "add_workdays" && b.builtin.is_some())
    );
    // Functions compiled before the table lookup, by name.
    for name in ["records", "lookup", "rejected"] {
        assert!(sunlight::check::BUILTINS.iter().any(|b| b.name == name));
    }
}

#[test]
fn every_builtin_has_its_own_heading() {
    let doc = reference();
    for b in sunlight::check::BUILTINS {
        let heading = format!("### `{}`\n", b.name);
        assert!(doc.contains(&heading), "no heading for `{}`", b.name);
    }
}

#[test]
fn every_keyword_is_mentioned() {
    let doc = reference();
    let (start, end) = section(&doc).unwrap_or((0, 0));
    // Outside the generated section: the prose must explain each keyword.
    let prose = format!("{}{}", &doc[..start], &doc[end..]);
    for (word, _) in sunlight::syntax::keywords::KEYWORDS {
        assert!(
            prose.contains(&format!("`{word}`")),
            "keyword `{word}` is not mentioned in docs/language.md"
        );
    }
}

#[test]
fn the_readme_links_the_reference() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap_or_default();
    assert!(readme.contains("docs/language.md"));
}

/// Every example compiles against the standard library, as a `let` of a
/// rule whose bindings are the names the examples use.
#[test]
fn every_builtin_example_compiles_with_the_standard_rules() -> TestResult {
    let mut rules = String::new();
    for (n, b) in sunlight::check::BUILTINS.iter().enumerate() {
        rules.push_str(&format!(
            "rule DOC-{n:03} \"{name}\" {{\n  severity warning\n  \
             for m in meeting, i in m.items, d in disbursement, s in d.steps, a in application, o in org\n  \
             let v = {example}\n  require true\n  message \"{{v}}\"\n}}\n",
            name = b.name,
            example = b.example,
        ));
    }
    let run = check_files_with(
        &[("org.yaml", "kind: org\nid: O-1\nname: 某局\nleaders: []\n")],
        &Setup::default().rules("examples.rules", &rules),
    )?;
    let errors: Vec<String> = run
        .errors()
        .into_iter()
        .map(|e| format!("{}:{}: {} ({})", e.file, e.line, e.message, e.help))
        .collect();
    assert!(
        errors.is_empty(),
        "examples that do not compile:\n{}",
        errors.join("\n")
    );
    Ok(())
}

/// The reference's table of how `none` propagates, its exact arithmetic,
/// operator precedence and message forms, as a rule evaluates them on a record whose
/// optional `amount` is left out.
#[test]
fn none_and_exact_numbers_behave_as_the_reference_says() -> TestResult {
    let rules = r#"
kind box {
  amount: money?
  flag: bool?
  list: [number] = []
}
rule DOC-NONE "none" {
  severity warning
  for b in box
  let a = b.amount
  let f = b.flag
  require false
  message "{a + 1}|{a == none}|{a == 5}|{a < 5}|{a >= 5}|{a in [1]}|{a not in [1]}|{f and true}|{f or true}|{not f}|{if f then 1 else 2}|{a ?? 7}|{exists(a)}|{b.list[1]}|{1/3 * 3 == 1}|{18/19 < 95%}|{2/3}|{1/2}|{5天 * 2}|{true}|{5 ?? 1 + 1}|{not 1 == 2}|{2 - 1 - 1}|{1 + 2 * 3}|{[1, 2, 3] - [2] | [5]}|{[1, 2, 3] & [3, 1]}"
}
rule DOC-REQ "require over none" {
  severity warning
  for b in box
  require b.amount <= 20万
  message "fires"
}
rule DOC-NOT "require not over none" {
  severity warning
  for b in box
  require not (b.amount > 20万)
  message "fires"
}
"#;
    let setup = Setup {
        no_default_rules: true,
        ..Setup::default()
    }
    .rules("doc.rules", rules);
    let run = check_files_with(&[("b.yaml", "kind: box\nid: B-1\n")], &setup)?;
    assert!(run.errors().is_empty(), "{:#?}", run.errors());
    let messages: Vec<&str> = run
        .findings_of("DOC-NONE")
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        messages,
        ["无|是|否|否|否|否|是|否|是|是|2|7|否|无|是|是|2/3|0.5|10天|是|5|是|0|7|1、3、5|1、3"]
    );
    assert_eq!(run.findings_of("DOC-REQ").len(), 1);
    assert_eq!(run.findings_of("DOC-NOT").len(), 0);
    Ok(())
}
