//! The built-in functions, each in one place: the file of its family
//! holds its documentation entry (name, signature, doc, cost, example,
//! and the [`Builtin`] it compiles to), its typing and its evaluation.
//! The name a rule calls is looked up in the documentation table, so a
//! function cannot be callable and undocumented.

mod chains;
mod dates;
mod findings;
mod lists;
mod numbers;
mod records;
mod text;

pub(in crate::check) use dates::Calendar;

use crate::check::compile::{Compiler, Typed};
use crate::check::eval::{Ev, R};
use crate::check::ir::{Arg, Builtin, Ir, Op};
use crate::check::types::Ty;
use crate::check::value::Value;
use crate::source::Span;
use crate::syntax::ast::{self, Expr};

/// One built-in function as the documentation shows it.
#[derive(Debug, Clone, Copy)]
pub struct BuiltinDoc {
    /// The name a rule calls.
    pub name: &'static str,
    /// How it is called, e.g. `count(list) or count(list, x => cond)`.
    pub signature: &'static str,
    /// What it gives.
    pub doc: &'static str,
    /// What it costs to evaluate.
    pub cost: &'static str,
    /// One call as a rule would write it.
    pub example: &'static str,
    /// The function compiled for the name; `None` for the names the
    /// compiler resolves itself (`records`, `lookup`, `rejected`, `today`).
    pub builtin: Option<Builtin>,
}

impl BuiltinDoc {
    /// The one-line usage shown by hover, completion and error help.
    pub fn usage(&self) -> String {
        format!("{}: {}", self.signature, self.doc)
    }
}

/// The built-ins section of `docs/language.md`, rendered from [`BUILTINS`].
pub fn builtins_markdown() -> String {
    let mut md = String::from(
        "<!-- Generated from `BUILTINS` in src/check/builtins/: edit the tables, then run\n     `SUNLIGHT_UPDATE_DOCS=1 cargo test --test docs`. -->\n",
    );
    for b in BUILTINS {
        md.push_str(&format!(
            "\n### `{}`\n\n`{}`\n\n{}.\n\n- cost: {}\n- example: `{}`\n",
            b.name,
            b.signature,
            capitalized(b.doc),
            b.cost,
            b.example
        ));
    }
    md
}

/// The text with its first letter upper-case, as a sentence begins.
fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The families of built-ins, one file each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Lists,
    Records,
    Text,
    Numbers,
    Dates,
    Findings,
    Chains,
}

/// Each family with its documentation table, in the order of the reference.
const FAMILIES: &[(Family, &[BuiltinDoc])] = &[
    (Family::Lists, lists::DOCS),
    (Family::Records, records::DOCS),
    (Family::Text, text::DOCS),
    (Family::Numbers, numbers::DOCS),
    (Family::Dates, dates::DOCS),
    (Family::Findings, findings::DOCS),
    (Family::Chains, chains::DOCS),
];

/// How many built-in names there are.
const COUNT: usize = {
    let mut n = 0;
    let mut f = 0;
    while f < FAMILIES.len() {
        n += FAMILIES[f].1.len();
        f += 1;
    }
    n
};

/// The built-in functions (and the name `today`): the editor's hover and
/// completion, usage lines of errors and the language reference
/// (`docs/language.md`) are all made from this table, the families' tables
/// one after another.
pub const BUILTINS: &[BuiltinDoc] = &{
    // Every slot is overwritten below; the first entry only fills the array.
    let mut all = [lists::DOCS[0]; COUNT];
    let mut n = 0;
    let mut f = 0;
    while f < FAMILIES.len() {
        let docs = FAMILIES[f].1;
        let mut i = 0;
        while i < docs.len() {
            all[n] = docs[i];
            n += 1;
            i += 1;
        }
        f += 1;
    }
    all
};

/// Most [`Builtin`] variants there could be: the family map's size (a
/// variant beyond it stops the build, in `FAMILY_OF`).
const VARIANTS: usize = 64;

/// The family of each [`Builtin`], by its discriminant, read from the
/// families' tables when the program is built.
const FAMILY_OF: [Option<Family>; VARIANTS] = {
    let mut map = [None; VARIANTS];
    let mut f = 0;
    while f < FAMILIES.len() {
        let (family, docs) = FAMILIES[f];
        let mut i = 0;
        while i < docs.len() {
            if let Some(b) = docs[i].builtin {
                map[b as usize] = Some(family);
            }
            i += 1;
        }
        f += 1;
    }
    map
};

/// The family a built-in belongs to.
fn family(b: Builtin) -> Option<Family> {
    FAMILY_OF.get(b as usize).copied().flatten()
}

/// The built-in function a rule calls by this name.
pub(in crate::check) fn lookup(name: &str) -> Option<Builtin> {
    BUILTINS
        .iter()
        .find(|d| d.name == name)
        .and_then(|d| d.builtin)
}

impl<'a> Compiler<'a> {
    /// Type a call of a built-in function and compile it.
    pub(in crate::check) fn builtin_call(
        &mut self,
        b: Builtin,
        name: &ast::Ident,
        args: &[Expr],
        span: Span,
    ) -> Typed {
        let fail = (
            Ir {
                op: Op::Const(Value::None),
                span,
            },
            Ty::Any,
        );
        let mut out: Vec<Arg> = Vec::new();
        let ty = match family(b) {
            Some(Family::Lists) => self.type_lists_call(b, name, args, span, &mut out),
            Some(Family::Records) => self.type_records_call(b, name, args, span, &mut out),
            Some(Family::Text) => self.type_text_call(b, name, args, span, &mut out),
            Some(Family::Numbers) => self.type_numbers_call(b, name, args, span, &mut out),
            Some(Family::Dates) => self.type_dates_call(b, name, args, span, &mut out),
            Some(Family::Findings) => self.type_findings_call(b, name, args, span, &mut out),
            Some(Family::Chains) => self.type_chains_call(b, name, args, span, &mut out),
            None => None,
        };
        let Some(ty) = ty else {
            return fail;
        };
        (
            Ir {
                op: Op::Call(b, out),
                span,
            },
            ty,
        )
    }
}

impl<'a> Ev<'a, '_> {
    /// Evaluate a call of a built-in function.
    pub(in crate::check) fn call(
        &mut self,
        b: Builtin,
        args: &[Arg],
        span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        match family(b) {
            Some(Family::Lists) => self.eval_lists(b, args, span, frame),
            Some(Family::Records) => self.eval_records(b, args, span, frame),
            Some(Family::Text) => self.eval_text(b, args, span, frame),
            Some(Family::Numbers) => self.eval_numbers(b, args, span, frame),
            Some(Family::Dates) => self.eval_dates(b, args, span, frame),
            Some(Family::Findings) => self.eval_findings(b, args, span, frame),
            Some(Family::Chains) => self.eval_chains(b, args, span, frame),
            None => Ok(Value::None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_has_editor_documentation() {
        // Names compiled without the function table, and `today`, a name.
        let special = ["records", "lookup", "rejected", "today"];
        for b in BUILTINS {
            let name = b.name;
            for part in [b.signature, b.doc, b.cost, b.example] {
                assert!(!part.is_empty(), "{name}");
            }
            assert_eq!(
                special.contains(&name),
                b.builtin.is_none(),
                "`{name}` is documented but not a function, or special but compiled as one"
            );
        }
        for name in [
            "today",
            "year",
            "month",
            "quarter",
            "round",
            "percent",
            "calendar",
            "workdays",
            "add_workdays",
        ] {
            assert!(
                BUILTINS.iter().any(|b| b.name == name),
                "`{name}` has no hover text"
            );
        }
    }

    #[test]
    fn each_function_has_one_name_and_one_family() {
        let mut seen: Vec<Builtin> = Vec::new();
        for (family, docs) in FAMILIES {
            for d in *docs {
                assert_eq!(
                    BUILTINS.iter().filter(|o| o.name == d.name).count(),
                    1,
                    "`{}` is documented twice",
                    d.name
                );
                let Some(b) = d.builtin else { continue };
                assert!(!seen.contains(&b), "{b:?} has two names");
                seen.push(b);
                assert_eq!(lookup(d.name), Some(b));
                assert_eq!(super::family(b), Some(*family), "{b:?}");
            }
        }
        assert_eq!(BUILTINS.len(), COUNT);
        assert!(seen.len() > 30, "{seen:?}");
    }
}
