//! Text functions.

use super::BuiltinDoc;
use crate::check::compile::Compiler;
use crate::check::eval::{Ev, R};
use crate::check::ir::{Arg, Builtin};
use crate::check::types::Ty;
use crate::check::value::Value;
use crate::diag::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{self, Expr};

/// The text functions, as the documentation shows them.
pub(super) const DOCS: &[BuiltinDoc] = &[
    BuiltinDoc {
        name: "starts_with",
        signature: "starts_with(text, prefix)",
        doc: "whether the text begins with prefix (false when either is none)",
        cost: "the length of the texts",
        example: "starts_with(d.payee, \"县\")",
        builtin: Some(Builtin::StartsWith),
    },
    BuiltinDoc {
        name: "ends_with",
        signature: "ends_with(text, suffix)",
        doc: "whether the text ends with suffix (false when either is none)",
        cost: "the length of the texts",
        example: "ends_with(o.name, \"局\")",
        builtin: Some(Builtin::EndsWith),
    },
    BuiltinDoc {
        name: "contains",
        signature: "contains(text, part)",
        doc: "whether part occurs in the text (false when either is none)",
        cost: "the length of the texts",
        example: "contains(m.body, \"党组\")",
        builtin: Some(Builtin::Contains),
    },
    BuiltinDoc {
        name: "text",
        signature: "text(x)",
        doc: "x as it reads in a message",
        cost: "the length of the text",
        example: "text(d.amount) + \" 元\"",
        builtin: Some(Builtin::Text),
    },
    BuiltinDoc {
        name: "join",
        signature: "join(list, separator)",
        doc: "the elements as text",
        cost: "the length of the text",
        example: "join(m.attendees, \"、\")",
        builtin: Some(Builtin::Join),
    },
];

impl<'a> Compiler<'a> {
    /// Type a call of a text function, pushing its compiled arguments;
    /// `None` when the call is wrong (the error is reported).
    pub(super) fn type_text_call(
        &mut self,
        b: Builtin,
        name: &ast::Ident,
        args: &[Expr],
        _span: Span,
        out: &mut Vec<Arg>,
    ) -> Option<Ty> {
        use Builtin as B;
        Some(match b {
            B::StartsWith | B::EndsWith | B::Contains => {
                if !self.arity(name, args, 2, 2) {
                    return None;
                }
                for a in args {
                    let (i, t) = self.expr(a);
                    if !t.is_textual() {
                        let found = self.describe(&t);
                        self.err(Diagnostic::error(
                            a.span,
                            format!("`{}` works on text, found {found}", name.name),
                        ));
                    }
                    out.push(Arg::Value(i));
                }
                Ty::Bool
            }
            B::Text => {
                if !self.arity(name, args, 1, 1) {
                    return None;
                }
                out.push(Arg::Value(self.expr(&args[0]).0));
                Ty::Text
            }
            B::Join => {
                if !self.arity(name, args, 2, 2) {
                    return None;
                }
                let (list, _) = self.list_arg(&args[0]);
                out.push(list);
                out.push(Arg::Value(self.expr(&args[1]).0));
                Ty::Text
            }
            // Each built-in is typed by its own family (see `super::family`).
            _ => return None,
        })
    }
}

impl<'a> Ev<'a, '_> {
    /// Evaluate a call of a text function.
    pub(super) fn eval_text(
        &mut self,
        b: Builtin,
        args: &[Arg],
        _span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        use Builtin as B;
        Ok(match b {
            B::StartsWith | B::EndsWith | B::Contains => {
                let a = self.arg(args, 0, frame)?;
                let p = self.arg(args, 1, frame)?;
                match (a.as_str(), p.as_str()) {
                    (Some(a), Some(p)) => Value::Bool(match b {
                        B::StartsWith => a.starts_with(p),
                        B::EndsWith => a.ends_with(p),
                        _ => a.contains(p),
                    }),
                    _ => Value::Bool(false),
                }
            }
            B::Text => {
                let mut s = String::new();
                self.arg(args, 0, frame)?.display(&mut s);
                Value::text(&s)
            }
            B::Join => {
                let items = self.arg(args, 0, frame)?.items();
                let sep = self.arg(args, 1, frame)?;
                let sep = sep.as_str().unwrap_or("");
                let mut s = String::new();
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        s.push_str(sep);
                    }
                    x.display(&mut s);
                }
                Value::text(&s)
            }
            // Each built-in is evaluated by its own family (see `super::family`).
            _ => Value::None,
        })
    }
}
