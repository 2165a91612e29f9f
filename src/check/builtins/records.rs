//! Record functions: whole records, references between them, and absent values.

use std::sync::Arc;

use super::BuiltinDoc;
use crate::check::compile::Compiler;
use crate::check::eval::{Ev, R};
use crate::check::ir::{Arg, Builtin};
use crate::check::refs::{Resolution, Target};
use crate::check::types::{ObjKind, Ty};
use crate::check::value::Value;
use crate::diag::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{self, Expr};

/// The record functions, as the documentation shows them.
pub(super) const DOCS: &[BuiltinDoc] = &[
    BuiltinDoc {
        name: "records",
        signature: "records(KIND) or records()",
        doc: "every checked record of a kind, ordered by id; with no argument, every checked record, kind by kind",
        cost: "a list of the checked records, ready at no cost",
        example: "records(meeting)",
        builtin: None,
    },
    BuiltinDoc {
        name: "lookup",
        signature: "lookup(x.ref)",
        doc: "the record or element a reference names, or none",
        cost: "one lookup",
        example: "lookup(s.meeting)",
        builtin: None,
    },
    BuiltinDoc {
        name: "rejected",
        signature: "rejected(x.ref)",
        doc: "whether the reference names a record that exists but has input errors",
        cost: "one lookup",
        example: "rejected(s.meeting)",
        builtin: None,
    },
    BuiltinDoc {
        name: "record",
        signature: "record(x)",
        doc: "the record an element belongs to",
        cost: "constant",
        example: "record(i).id",
        builtin: Some(Builtin::Record),
    },
    BuiltinDoc {
        name: "exists",
        signature: "exists(x)",
        doc: "whether x is not none",
        cost: "constant",
        example: "exists(i.materials_sent)",
        builtin: Some(Builtin::Exists),
    },
    BuiltinDoc {
        name: "refs",
        signature: "refs(record)",
        doc: "the references a record makes (`.field`, `.target`, `.value`, `.resolved`, `.node`)",
        cost: "one pass over the record's fields",
        example: "refs(m)",
        builtin: Some(Builtin::Refs),
    },
];

impl<'a> Compiler<'a> {
    /// Type a call of a record function, pushing its compiled arguments;
    /// `None` when the call is wrong (the error is reported).
    pub(super) fn type_records_call(
        &mut self,
        b: Builtin,
        name: &ast::Ident,
        args: &[Expr],
        _span: Span,
        out: &mut Vec<Arg>,
    ) -> Option<Ty> {
        use Builtin as B;
        Some(match b {
            B::Exists => {
                if !self.arity(name, args, 1, 1) {
                    return None;
                }
                out.push(Arg::Value(self.expr(&args[0]).0));
                Ty::Bool
            }
            B::Refs => {
                if !self.arity(name, args, 1, 1) {
                    return None;
                }
                let (i, t) = self.expr(&args[0]);
                if !matches!(t.strip(), Ty::AnyRecord | Ty::Struct(_, Some(_)) | Ty::Any) {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[0].span,
                        format!("`refs` takes a record, found {found}"),
                    ));
                }
                out.push(Arg::Value(i));
                Ty::List(Box::new(Ty::Obj(ObjKind::RefUse, Box::new(Ty::Any))))
            }
            B::Record => {
                if !self.arity(name, args, 1, 1) {
                    return None;
                }
                let (i, t) = self.expr(&args[0]);
                let ty = match t.strip() {
                    Ty::Struct(_, Some(k)) => {
                        let root = self.schema.kinds.get(*k).map(|k| k.root).unwrap_or(0);
                        Ty::Struct(root, Some(*k))
                    }
                    Ty::Any => Ty::Any,
                    other => {
                        let found = self.describe(other);
                        self.err(Diagnostic::error(
                            args[0].span,
                            format!("`record` takes an element of a record, found {found}"),
                        ));
                        Ty::Any
                    }
                };
                out.push(Arg::Value(i));
                if t.is_opt() { ty.opt() } else { ty }
            }
            // Each built-in is typed by its own family (see `super::family`).
            _ => return None,
        })
    }
}

impl<'a> Ev<'a, '_> {
    /// Evaluate a call of a record function.
    pub(super) fn eval_records(
        &mut self,
        b: Builtin,
        args: &[Arg],
        _span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        use Builtin as B;
        Ok(match b {
            B::Exists => Value::Bool(!self.arg(args, 0, frame)?.is_none()),
            B::Refs => {
                let target = self.arg(args, 0, frame)?;
                let mut out = Vec::new();
                if let Some((d, rec)) = target.datum()
                    && let Some(record) = self.store.records.get(rec as usize)
                {
                    let root = self.schema.kinds.get(record.kind).map_or(0, |k| k.root);
                    for site in crate::check::refs::sites(self.schema, d, root) {
                        let resolution = self.store.resolve(&site);
                        let (target, resolved) = match (&site.target, resolution) {
                            // A key into a record that is missing or rejected is
                            // not judged: the reference it goes through is.
                            (_, Resolution::Unknown) => continue,
                            (Target::Record(kind), r) => (
                                self.schema.kinds.get(*kind).map_or("", |k| k.name.as_str()),
                                !matches!(r, Resolution::Missing),
                            ),
                            (Target::Key { key, .. }, r) => {
                                (key.describe.as_str(), !matches!(r, Resolution::Missing))
                            }
                        };
                        let node = Value::Node(site.datum, rec);
                        out.push(ref_use(site.field, target, node.force(), resolved, node));
                    }
                }
                Value::List(Arc::new(out))
            }
            B::Record => match self.arg(args, 0, frame)? {
                Value::Node(_, rec) | Value::Absent(_, rec) => {
                    self.store.root(rec).unwrap_or(Value::None)
                }
                _ => Value::None,
            },
            // Each built-in is evaluated by its own family (see `super::family`).
            _ => Value::None,
        })
    }
}

/// A reference's use. The field and target names are the schema's,
/// borrowed: a record's every reference would otherwise copy them.
fn ref_use<'a>(
    field: &'a str,
    target: &'a str,
    value: Value<'a>,
    resolved: bool,
    node: Value<'a>,
) -> Value<'a> {
    Value::Obj(
        ObjKind::RefUse,
        Arc::new(vec![
            Value::Str(field),
            Value::Str(target),
            value,
            Value::Bool(resolved),
            node,
        ]),
    )
}
