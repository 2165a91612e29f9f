//! Number functions: days, rounding and percentages.

use super::BuiltinDoc;
use crate::check::compile::Compiler;
use crate::check::eval::{Ev, R, fault};
use crate::check::ir::{Arg, Builtin};
use crate::check::types::Ty;
use crate::check::value::Value;
use crate::diag::Diagnostic;
use crate::num::Num;
use crate::source::Span;
use crate::syntax::ast::{self, Expr};

/// The number functions, as the documentation shows them.
pub(super) const DOCS: &[BuiltinDoc] = &[
    BuiltinDoc {
        name: "days",
        signature: "days(d)",
        doc: "a number of days as a plain number",
        cost: "constant",
        example: "days(today - m.date) > 30",
        builtin: Some(Builtin::Days),
    },
    BuiltinDoc {
        name: "ceil",
        signature: "ceil(x)",
        doc: "the smallest whole number not below x, e.g. ceil(2/3 * 5) is 4",
        cost: "constant",
        example: "ceil(count(m.members) * 2 / 3)",
        builtin: Some(Builtin::Ceil),
    },
    BuiltinDoc {
        name: "round",
        signature: "round(x) or round(x, n)",
        doc: "x rounded to n decimal places (default 0), halves away from zero",
        cost: "constant",
        example: "round(d.amount / 1万, 2)",
        builtin: Some(Builtin::Round),
    },
    BuiltinDoc {
        name: "percent",
        signature: "percent(x) or percent(x, n)",
        doc: "the share x as text with n decimals (default 1), e.g. percent(1/2) is \"50.0%\"",
        cost: "constant",
        example: "percent(count(m.attendees) / count(m.members))",
        builtin: Some(Builtin::Percent),
    },
];

impl<'a> Compiler<'a> {
    /// Type a call of a number function, pushing its compiled arguments;
    /// `None` when the call is wrong (the error is reported).
    pub(super) fn type_numbers_call(
        &mut self,
        b: Builtin,
        name: &ast::Ident,
        args: &[Expr],
        _span: Span,
        out: &mut Vec<Arg>,
    ) -> Option<Ty> {
        use Builtin as B;
        Some(match b {
            B::Round | B::Percent => {
                if !self.arity(name, args, 1, 2) {
                    return None;
                }
                let mut opt = false;
                for a in args {
                    let (i, t) = self.typed_arg(name, a, "a number", Ty::is_numeric);
                    opt |= t.is_opt();
                    out.push(Arg::Value(i));
                }
                match b {
                    B::Round if opt => Ty::Num.opt(),
                    B::Round => Ty::Num,
                    _ => Ty::Text,
                }
            }
            B::Days => {
                if !self.arity(name, args, 1, 1) {
                    return None;
                }
                let (i, t) = self.expr(&args[0]);
                if !matches!(t.strip(), Ty::Days | Ty::Any) {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[0].span,
                        format!("`days` takes a number of days, found {found}"),
                    ));
                }
                out.push(Arg::Value(i));
                if t.is_opt() { Ty::Num.opt() } else { Ty::Num }
            }
            B::Ceil => {
                if !self.arity(name, args, 1, 1) {
                    return None;
                }
                let (i, t) = self.expr(&args[0]);
                if !t.is_numeric() {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[0].span,
                        format!("`ceil` takes a number, found {found}"),
                    ));
                }
                out.push(Arg::Value(i));
                t
            }
            // Each built-in is typed by its own family (see `super::family`).
            _ => return None,
        })
    }
}

impl<'a> Ev<'a, '_> {
    /// Evaluate a call of a number function.
    pub(super) fn eval_numbers(
        &mut self,
        b: Builtin,
        args: &[Arg],
        span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        use Builtin as B;
        Ok(match b {
            B::Round | B::Percent => {
                let x = self.arg(args, 0, frame)?.as_num();
                let places = match args.get(1) {
                    Some(_) => self.arg(args, 1, frame)?.as_num().and_then(Num::to_i64),
                    None => Some(if b == B::Round { 0 } else { 1 }),
                };
                let Some(places) = places
                    .and_then(|p| u32::try_from(p).ok())
                    .filter(|p| *p <= 12)
                else {
                    return fault(
                        span,
                        "the number of decimal places is a whole number from 0 to 12",
                    );
                };
                let Some(x) = x else {
                    return Ok(Value::None);
                };
                let shown = if b == B::Percent {
                    x.checked_mul(Num::int(100))
                } else {
                    Some(x)
                };
                let Some(rounded) = shown.and_then(|v| v.round(places)) else {
                    return fault(span, "number too large");
                };
                if b == B::Round {
                    Value::num(rounded)
                } else {
                    Value::text(&format!("{}%", rounded.fixed(places)))
                }
            }
            B::Days => match self.arg(args, 0, frame)?.force() {
                Value::Days(d) => Value::num(Num::int(d)),
                _ => Value::None,
            },
            B::Ceil => match self.arg(args, 0, frame)?.as_num() {
                Some(n) => Value::num(n.ceil()),
                None => Value::None,
            },
            // Each built-in is evaluated by its own family (see `super::family`).
            _ => Value::None,
        })
    }
}
