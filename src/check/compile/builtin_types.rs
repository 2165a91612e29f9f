//! Typing of built-in calls: the name each built-in answers to and the
//! checks on its arguments.

use std::sync::Arc;

use super::{Compiler, Typed};
use crate::check::ir::{Arg, Builtin, Ir, Op};
use crate::check::types::{ObjKind, Ty, orderable};
use crate::check::value::Value;
use crate::diag::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{self, Expr, ExprKind};

impl<'a> Compiler<'a> {
    pub(super) fn builtin_call(
        &mut self,
        b: Builtin,
        name: &ast::Ident,
        args: &[Expr],
        span: Span,
    ) -> Typed {
        use Builtin as B;
        let fail = (
            Ir {
                op: Op::Const(Value::None),
                span,
            },
            Ty::Any,
        );
        let mut out: Vec<Arg> = Vec::new();
        let ty = match b {
            B::Count | B::First | B::Last | B::Min | B::Max | B::Sum | B::Distinct => {
                if !self.arity(name, args, 1, 2) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                let value_ty = if let Some(f) = args.get(1) {
                    match b {
                        B::Count | B::First | B::Last => {
                            out.push(self.predicate(f, elem.clone()));
                            elem.clone()
                        }
                        _ => {
                            let (arg, t) = self.lambda(f, elem.clone());
                            out.push(arg);
                            t
                        }
                    }
                } else {
                    elem.clone()
                };
                match b {
                    B::Count => Ty::Num,
                    B::First | B::Last => elem.opt(),
                    B::Sum => {
                        if !value_ty.is_numeric() {
                            let found = self.describe(&value_ty);
                            self.err(Diagnostic::error(span, format!("`sum` adds numbers, found {found}")).with_help("give a function that picks an amount: `sum(list, x => x.amount)`"));
                        }
                        if matches!(value_ty.strip(), Ty::Money) {
                            Ty::Money
                        } else {
                            Ty::Num
                        }
                    }
                    B::Distinct => Ty::List(Box::new(elem)),
                    _ => {
                        if !orderable(&value_ty, &value_ty) {
                            let found = self.describe(&value_ty);
                            self.err(Diagnostic::error(
                                span,
                                format!(
                                    "`{}` needs values that can be ordered, found {found}",
                                    name.name
                                ),
                            ));
                        }
                        value_ty.strip().clone().opt()
                    }
                }
            }
            B::Any | B::All | B::NoneOf | B::Filter | B::Position => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                if b == B::Filter {
                    self.naive_join(span, &args[0], &args[1]);
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                out.push(self.predicate(&args[1], elem.clone()));
                match b {
                    B::Filter => Ty::List(Box::new(elem)),
                    B::Position => Ty::Num.opt(),
                    _ => Ty::Bool,
                }
            }
            B::Map => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                let (f, t) = self.lambda(&args[1], elem);
                out.push(f);
                Ty::List(Box::new(t))
            }
            B::Flatten => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                match elem.elem() {
                    Some(inner) => Ty::List(Box::new(inner)),
                    None => {
                        self.err(Diagnostic::error(
                            args[0].span,
                            "`flatten` takes a list of lists",
                        ));
                        Ty::Any
                    }
                }
            }
            B::Sort | B::Group => {
                if !self.arity(name, args, 2, usize::MAX) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                for key in &args[1..] {
                    let (f, t) = self.lambda(key, elem.clone());
                    if b == B::Sort && !orderable(&t, &t) {
                        let found = self.describe(&t);
                        self.err(Diagnostic::error(
                            key.span,
                            format!("a sort key must be a number, text or date, found {found}"),
                        ));
                    }
                    out.push(f);
                }
                if b == B::Sort {
                    Ty::List(Box::new(elem))
                } else {
                    Ty::Groups(Box::new(elem))
                }
            }
            B::Get => {
                if !self.arity(name, args, 2, usize::MAX) {
                    return fail;
                }
                let (g, gt) = self.expr(&args[0]);
                out.push(Arg::Value(g));
                for key in &args[1..] {
                    out.push(Arg::Value(self.expr(key).0));
                }
                match gt {
                    Ty::Groups(elem) => Ty::List(elem),
                    Ty::Any => Ty::Any,
                    other => {
                        let found = self.describe(&other);
                        self.err(Diagnostic::error(
                            args[0].span,
                            format!("`get` reads the result of `group`, found {found}"),
                        ));
                        Ty::Any
                    }
                }
            }
            B::Take | B::Skip => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                let (n, nt) = self.expr(&args[1]);
                if !nt.is_numeric() {
                    let found = self.describe(&nt);
                    self.err(Diagnostic::error(
                        args[1].span,
                        format!("expected a number, found {found}"),
                    ));
                }
                out.push(Arg::Value(n));
                Ty::List(Box::new(elem))
            }
            B::Exists => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                out.push(Arg::Value(self.expr(&args[0]).0));
                Ty::Bool
            }
            B::StartsWith | B::EndsWith | B::Contains => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
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
                    return fail;
                }
                out.push(Arg::Value(self.expr(&args[0]).0));
                Ty::Text
            }
            B::Year | B::Month | B::Quarter => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
                }
                let (i, t) = self.typed_arg(name, &args[0], "a date", |t| {
                    matches!(t.strip(), Ty::Date | Ty::Any)
                });
                out.push(Arg::Value(i));
                if t.is_opt() { Ty::Num.opt() } else { Ty::Num }
            }
            B::Round | B::Percent => {
                if !self.arity(name, args, 1, 2) {
                    return fail;
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
            B::Calendar => {
                if !self.arity(name, args, 3, 3) {
                    return fail;
                }
                let date_list = |t: &Ty| {
                    t.elem()
                        .is_some_and(|e| matches!(e.strip(), Ty::Date | Ty::Any))
                };
                let (i, _) = self.typed_arg(name, &args[0], "a list of years", |t| {
                    t.elem().is_some_and(|e| e.is_numeric())
                });
                out.push(Arg::Value(i));
                for a in &args[1..] {
                    let (i, _) = self.typed_arg(name, a, "a list of dates", date_list);
                    out.push(Arg::Value(i));
                }
                Ty::Obj(ObjKind::Calendar, Box::new(Ty::Any))
            }
            B::Workdays | B::AddWorkdays => {
                if !self.arity(name, args, 3, 3) {
                    return fail;
                }
                let is_date = |t: &Ty| matches!(t.strip(), Ty::Date | Ty::Any);
                let second: (&str, fn(&Ty) -> bool) = if b == B::Workdays {
                    ("a date", |t| matches!(t.strip(), Ty::Date | Ty::Any))
                } else {
                    ("a number", Ty::is_numeric)
                };
                let (a0, t0) = self.typed_arg(name, &args[0], "a date", is_date);
                let (a1, t1) = self.typed_arg(name, &args[1], second.0, second.1);
                let (a2, _) = self.typed_arg(name, &args[2], "a calendar", |t| {
                    matches!(t.strip(), Ty::Obj(ObjKind::Calendar, _) | Ty::Any)
                });
                out.extend([Arg::Value(a0), Arg::Value(a1), Arg::Value(a2)]);
                let ty = if b == B::Workdays { Ty::Num } else { Ty::Date };
                if t0.is_opt() || t1.is_opt() {
                    ty.opt()
                } else {
                    ty
                }
            }
            B::Join => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let (list, _) = self.list_arg(&args[0]);
                out.push(list);
                out.push(Arg::Value(self.expr(&args[1]).0));
                Ty::Text
            }
            B::Days => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
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
                    return fail;
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
            B::Findings | B::FindingsOn => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let pattern = match &args[0].kind {
                    ExprKind::Str(t) => t.as_plain(),
                    _ => None,
                };
                let Some(pattern) = pattern else {
                    self.err(Diagnostic::error(args[0].span, "the rules to ask for are a quoted id or pattern, such as \"SZYD-*\"").with_help("the pattern must be written out so that rules can be ordered before they run"));
                    return fail;
                };
                self.finding_queries.push((pattern.clone(), args[0].span));
                out.push(Arg::Value(Ir {
                    op: Op::Const(Value::Text(Arc::from(pattern.as_str()))),
                    span: args[0].span,
                }));
                let (i, t) = self.expr(&args[1]);
                if !matches!(t.strip(), Ty::Struct(..) | Ty::AnyRecord | Ty::Any) {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[1].span,
                        format!(
                            "findings are asked of a record or an element of one, found {found}"
                        ),
                    ));
                }
                out.push(Arg::Value(i));
                Ty::List(Box::new(Ty::Obj(ObjKind::Finding, Box::new(Ty::Any))))
            }
            B::Missing | B::Early | B::SharedActors => {
                if !self.arity(name, args, 2, 2) {
                    return fail;
                }
                let (c, ct) = self.expr(&args[0]);
                if ct == Ty::Any {
                    return fail;
                }
                let Ty::Chain(ci) = ct else {
                    let found = self.describe(&ct);
                    self.err(
                        Diagnostic::error(args[0].span, format!("expected a chain, found {found}"))
                            .with_help("declare one with `chain NAME { … }`"),
                    );
                    return fail;
                };
                out.push(Arg::Value(c));
                let (list, elem) = self.list_arg(&args[1]);
                let expected = self.chains.get(ci).map(|c| c.step_struct);
                if !matches!(elem, Ty::Struct(s, _) if Some(s) == expected) && elem != Ty::Any {
                    let found = self.describe(&elem);
                    self.err(Diagnostic::error(
                        args[1].span,
                        format!("the chain checks a list of its steps, found a list of {found}"),
                    ));
                }
                out.push(list);
                match b {
                    B::Missing => Ty::List(Box::new(Ty::Text)),
                    B::Early => Ty::List(Box::new(Ty::Obj(ObjKind::OrderFault, Box::new(elem)))),
                    _ => Ty::List(Box::new(Ty::Obj(ObjKind::ActorFault, Box::new(elem)))),
                }
            }
            B::Windows => {
                if !self.arity(name, args, 3, 4) {
                    return fail;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                let (f, t) = self.lambda(&args[1], elem.clone());
                if !matches!(t.strip(), Ty::Date | Ty::Any) {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(
                        args[1].span,
                        format!("`windows` orders by a date, found {found}"),
                    ));
                }
                out.push(f);
                let (s, st) = self.expr(&args[2]);
                if !matches!(st.strip(), Ty::Days | Ty::Any) {
                    let found = self.describe(&st);
                    self.err(Diagnostic::error(
                        args[2].span,
                        format!(
                            "a window's span is a number of days such as `30天`, found {found}"
                        ),
                    ));
                }
                out.push(Arg::Value(s));
                if let Some(around) = args.get(3) {
                    // Only the windows holding this element.
                    let (a, _) = self.expr(around);
                    out.push(Arg::Value(a));
                }
                Ty::List(Box::new(Ty::List(Box::new(elem))))
            }
            B::Refs => {
                if !self.arity(name, args, 1, 1) {
                    return fail;
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
                    return fail;
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

pub(super) fn builtin(name: &str) -> Option<Builtin> {
    use Builtin as B;
    Some(match name {
        "count" => B::Count,
        "sum" => B::Sum,
        "any" => B::Any,
        "all" => B::All,
        "none" => B::NoneOf,
        "first" => B::First,
        "last" => B::Last,
        "position" => B::Position,
        "distinct" => B::Distinct,
        "filter" => B::Filter,
        "map" => B::Map,
        "flatten" => B::Flatten,
        "sort" => B::Sort,
        "take" => B::Take,
        "skip" => B::Skip,
        "min" => B::Min,
        "max" => B::Max,
        "group" => B::Group,
        "get" => B::Get,
        "exists" => B::Exists,
        "starts_with" => B::StartsWith,
        "ends_with" => B::EndsWith,
        "contains" => B::Contains,
        "text" => B::Text,
        "join" => B::Join,
        "days" => B::Days,
        "ceil" => B::Ceil,
        "findings" => B::Findings,
        "findings_on" => B::FindingsOn,
        "missing" => B::Missing,
        "early" => B::Early,
        "shared_actors" => B::SharedActors,
        "windows" => B::Windows,
        "refs" => B::Refs,
        "record" => B::Record,
        "year" => B::Year,
        "month" => B::Month,
        "quarter" => B::Quarter,
        "round" => B::Round,
        "percent" => B::Percent,
        "calendar" => B::Calendar,
        "workdays" => B::Workdays,
        "add_workdays" => B::AddWorkdays,
        _ => return None,
    })
}
