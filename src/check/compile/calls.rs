//! Calls: arguments, lambdas, `def` expansion and the calls compiled
//! without the built-in table (`records`, `lookup`).

use super::{BINDING_AND, Compiler, MAX_EXPANSIONS, Typed, mentions, show, show_within};
use crate::check::builtins::{BUILTINS, BuiltinDoc, lookup};
use crate::check::ir::{Arg, Builtin, Ir, Op};
use crate::check::symbols::SymbolKind;
use crate::check::types::Ty;
use crate::check::value::Value;
use crate::diag::Diagnostic;
use crate::schema::FieldTy;
use crate::source::Span;
use crate::suggest::closest;
use crate::syntax::ast::{self, BinOp, Expr, ExprKind};

impl<'a> Compiler<'a> {
    pub(in crate::check) fn call(&mut self, name: &ast::Ident, args: &[Expr], span: Span) -> Typed {
        let none = (
            Ir {
                op: Op::Const(Value::None),
                span,
            },
            Ty::Any,
        );
        if let Some(def) = self.defs.get(&name.name).map(|(d, _)| *d) {
            return self.call_def(def, name, args, span);
        }
        match name.name.as_str() {
            "records" => return self.records_call(args, span),
            "lookup" | "rejected" => return self.lookup_call(name, args, span),
            _ => {}
        }
        let Some(builtin) = lookup(&name.name) else {
            let mut names: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
            let defs: Vec<String> = self.defs.keys().cloned().collect();
            names.extend(defs.iter().map(String::as_str));
            let d = Diagnostic::error(name.span, format!("unknown function `{}`", name.name));
            let d = match closest(&name.name, names.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(
                    "functions are the built-ins (see the README) and the `def`s of the rule files",
                ),
            };
            self.err(d);
            return none;
        };
        let (result, ty) = self.builtin_call(builtin, name, args, span);
        // Whole-run computations (grouping all records …) are done once,
        // and so is a calendar of fixed dates, which every working-day
        // count would otherwise build again.
        let once = result.reads_records() || matches!(result.op, Op::Call(Builtin::Calendar, _));
        let ir = if once && result.is_closed() && !matches!(result.op, Op::Cached(..)) {
            self.cached.push(result.clone());
            Ir {
                op: Op::Cached(self.cached.len() - 1, Box::new(result)),
                span,
            }
        } else {
            result
        };
        (ir, ty)
    }

    /// Compile an argument that must satisfy `ok`, reporting it otherwise.
    pub(in crate::check) fn typed_arg(
        &mut self,
        name: &ast::Ident,
        e: &Expr,
        what: &str,
        ok: impl Fn(&Ty) -> bool,
    ) -> Typed {
        let (i, t) = self.expr(e);
        if !ok(&t) {
            let found = self.describe(&t);
            let usage = BUILTINS
                .iter()
                .find(|b| b.name == name.name)
                .map_or(String::new(), BuiltinDoc::usage);
            self.err(
                Diagnostic::error(
                    e.span,
                    format!("`{}` takes {what} here, found {found}", name.name),
                )
                .with_help(format!("usage: {usage}")),
            );
        }
        (i, t)
    }

    pub(in crate::check) fn arity(
        &mut self,
        name: &ast::Ident,
        args: &[Expr],
        min: usize,
        max: usize,
    ) -> bool {
        if args.len() < min || args.len() > max {
            let want = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("{min} or {max}")
            };
            let usage = BUILTINS
                .iter()
                .find(|b| b.name == name.name)
                .map_or(String::new(), BuiltinDoc::usage);
            self.err(
                Diagnostic::error(
                    name.span,
                    format!(
                        "`{}` takes {want} arguments, found {}",
                        name.name,
                        args.len()
                    ),
                )
                .with_help(format!("usage: {usage}")),
            );
            return false;
        }
        true
    }

    /// Warn about `f(records(K), x => x.f == y.g)` where `f` takes a
    /// predicate and `y` is bound outside: it reads every record of K for
    /// each value of `y`, which is quadratic when `y` ranges over records
    /// too. `group` builds the index once per run and `get` looks a key up.
    pub(in crate::check) fn naive_join(
        &mut self,
        b: Builtin,
        name: &str,
        span: Span,
        list: &Expr,
        pred: &Expr,
    ) {
        let (ExprKind::Call(f, kind_args), ExprKind::Lambda(param, body)) =
            (&list.kind, &pred.kind)
        else {
            return;
        };
        if f.name != "records" || self.locals.is_empty() {
            return;
        }
        let x = param.name.as_str();
        let outer = |e: &Expr| self.locals.iter().any(|(n, ..)| n != x && mentions(e, n));
        let mut conditions: Vec<Condition<'_>> = Vec::new();
        let mut stack = vec![body.as_ref()];
        while let Some(e) = stack.pop() {
            let key = match &e.kind {
                ExprKind::Binary(BinOp::And, a, b) => {
                    stack.push(b);
                    stack.push(a);
                    continue;
                }
                ExprKind::Binary(BinOp::Eq, a, b) => match (mentions(a, x), mentions(b, x)) {
                    (true, false) if outer(b) => Some((a.as_ref(), b.as_ref())),
                    (false, true) if outer(a) => Some((b.as_ref(), a.as_ref())),
                    _ => None,
                },
                _ => None,
            };
            conditions.push((e, key));
        }
        if conditions.iter().all(|(_, key)| key.is_none()) {
            return;
        }
        let kind = kind_args.first().and_then(show).unwrap_or_default();
        let help = join_rewrite(b, name, &kind, x, &conditions);
        self.warnings.push(
            Diagnostic::warning(
                span,
                format!(
                    "this `{name}` reads every `{kind}` record each time it runs: over many records the check slows down with the square of their number"
                ),
            )
            .with_label(format!("a join written as a `{name}` over every record"))
            .with_help(help),
        );
    }

    /// Compile `x => body` (or the name of a one-parameter `def`) with `x` of type `param`.
    pub(in crate::check) fn lambda(&mut self, e: &Expr, param: Ty) -> (Arg, Ty) {
        match &e.kind {
            ExprKind::Lambda(v, body) => {
                let slot = self.new_slot();
                self.push_local(v, slot, param);
                let (b, t) = self.expr(body);
                self.locals.pop();
                (Arg::Lambda(slot, b), t)
            }
            ExprKind::Name(n)
                if self
                    .defs
                    .get(&n.name)
                    .is_some_and(|(d, _)| d.params.len() == 1) =>
            {
                let slot = self.new_slot();
                self.locals
                    .push((format!(" arg{slot}"), slot, param, usize::MAX));
                if let Some(&sym) = self.index.def_syms.get(&n.name) {
                    self.index.uses.push((n.span, sym));
                }
                let arg = Expr {
                    kind: ExprKind::Name(ast::Ident {
                        name: format!(" arg{slot}"),
                        span: e.span,
                    }),
                    span: e.span,
                };
                let (b, t) = self.call(n, std::slice::from_ref(&arg), e.span);
                self.locals.pop();
                (Arg::Lambda(slot, b), t)
            }
            _ => {
                self.err(
                    Diagnostic::error(e.span, "expected a function such as `x => x.amount`")
                        .with_help("write `x => …` or the name of a `def` with one parameter"),
                );
                (
                    Arg::Value(Ir {
                        op: Op::Const(Value::None),
                        span: e.span,
                    }),
                    Ty::Any,
                )
            }
        }
    }

    pub(in crate::check) fn predicate(&mut self, e: &Expr, param: Ty) -> Arg {
        let (arg, ty) = self.lambda(e, param);
        self.expect_bool(&ty, e.span);
        arg
    }

    pub(in crate::check) fn list_arg(&mut self, e: &Expr) -> (Arg, Ty) {
        let (ir, ty) = self.expr(e);
        let elem = match ty.elem() {
            Some(t) => t,
            None => {
                let found = self.describe(&ty);
                self.err(Diagnostic::error(
                    e.span,
                    format!("expected a list, found {found}"),
                ));
                Ty::Any
            }
        };
        (Arg::Value(ir), elem)
    }

    pub(in crate::check) fn records_call(&mut self, args: &[Expr], span: Span) -> Typed {
        let ir = |op: Op| Ir { op, span };
        match args {
            [] => (ir(Op::AllRecords), Ty::List(Box::new(Ty::AnyRecord))),
            [
                Expr {
                    kind: ExprKind::Name(n),
                    ..
                },
            ] if self.schema.kind(&n.name).is_some() => {
                let k = self.schema.kind(&n.name).unwrap_or(0);
                let root = self.schema.kinds.get(k).map(|k| k.root).unwrap_or(0);
                (
                    ir(Op::Records(k)),
                    Ty::List(Box::new(Ty::Struct(root, Some(k)))),
                )
            }
            _ => {
                let kinds: Vec<String> = self.schema.kinds.iter().map(|k| k.name.clone()).collect();
                self.err(
                    Diagnostic::error(span, "`records` takes the name of a record kind")
                        .with_help(format!("kinds are {}", kinds.join(", "))),
                );
                (ir(Op::Const(Value::None)), Ty::Any)
            }
        }
    }

    pub(in crate::check) fn lookup_call(
        &mut self,
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
        if !self.arity(name, args, 1, 1) {
            return fail;
        }
        let arg = &args[0];
        let rejected = name.name == "rejected";
        // A key needs the structure holding it, to read the sibling
        // reference. The holder is compiled to look; when the field is not a
        // key, what that added is undone and the argument compiled whole.
        if let ExprKind::Field(base, field) = &arg.kind {
            let mark = (
                self.errors.len(),
                self.index.symbols.len(),
                self.index.uses.len(),
                self.next_slot,
            );
            let (b, bt) = self.expr(base);
            if let Ty::Struct(sid, _) = bt.strip().clone() {
                let f = self.schema.structs.get(sid).and_then(|s| {
                    s.slot(&field.name)
                        .map(|slot| (slot, s.fields.get(slot).map(|f| f.ty.clone())))
                });
                if let Some((slot, Some(FieldTy::Key(key)))) = f {
                    if rejected {
                        self.err(
                            Diagnostic::error(span, "`rejected` takes a `ref` field").with_help(
                                format!(
                                    "ask about the record: `rejected(x.{})`",
                                    self.schema
                                        .structs
                                        .get(sid)
                                        .and_then(|s| s.fields.get(key.via_slot))
                                        .map_or("ref".into(), |f| f.name.clone())
                                ),
                            ),
                        );
                        return fail;
                    }
                    let ty = Ty::Struct(key.elem, Some(key.kind)).opt();
                    return (
                        Ir {
                            op: Op::LookupKey(Box::new(b), slot, sid),
                            span,
                        },
                        ty,
                    );
                }
            }
            self.errors.truncate(mark.0);
            self.index.symbols.truncate(mark.1);
            self.index.def_param_syms.retain(|_, sym| *sym < mark.1);
            self.index.uses.truncate(mark.2);
            self.next_slot = mark.3;
        }
        let (i, t) = self.expr(arg);
        match t.strip() {
            Ty::Ref(k) => {
                let k = *k;
                if rejected {
                    return (
                        Ir {
                            op: Op::Rejected(k, Box::new(i)),
                            span,
                        },
                        Ty::Bool,
                    );
                }
                let root = self.schema.kinds.get(k).map(|k| k.root).unwrap_or(0);
                (
                    Ir {
                        op: Op::LookupRef(k, Box::new(i)),
                        span,
                    },
                    Ty::Struct(root, Some(k)).opt(),
                )
            }
            Ty::Any => fail,
            other => {
                let found = self.describe(other);
                self.err(Diagnostic::error(
                    arg.span,
                    format!(
                        "`{}` follows a reference (a `ref` or `key` field), found {found}",
                        name.name
                    ),
                ));
                fail
            }
        }
    }

    pub(in crate::check) fn call_def(
        &mut self,
        def: &'a ast::DefDecl,
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
        if args.len() != def.params.len() {
            self.err(
                Diagnostic::error(
                    name.span,
                    format!(
                        "`{}` takes {} arguments, found {}",
                        name.name,
                        def.params.len(),
                        args.len()
                    ),
                )
                .with_related(def.name.span, "defined here"),
            );
            return fail;
        }
        self.expansions += 1;
        if self.expansions > MAX_EXPANSIONS {
            if self.expansions == MAX_EXPANSIONS + 1 {
                self.err(
                    Diagnostic::error(
                        name.span,
                        format!("`def`s expand to more than {MAX_EXPANSIONS} calls here"),
                    )
                    .with_help(
                        "nested calls of `def`s multiply; bind intermediate values with `let`",
                    ),
                );
            }
            return fail;
        }
        if self.def_stack.contains(&def.name.name) {
            self.err(
                Diagnostic::error(name.span, format!("`{}` calls itself", def.name.name))
                    .with_related(def.name.span, "defined here")
                    .with_help("the rule language has no recursion, so that every check ends"),
            );
            return fail;
        }
        if let Some(&sym) = self.index.def_syms.get(&def.name.name)
            && name.span != def.name.span
            && !name.name.starts_with(' ')
        {
            self.index.uses.push((name.span, sym));
        }
        let mut bound = Vec::new();
        for (p, a) in def.params.iter().zip(args) {
            let (ir, ty) = self.expr(a);
            let slot = self.new_slot();
            bound.push((p.name.clone(), slot, ty, ir));
        }
        // The body sees only its parameters (and global names).
        let saved = std::mem::take(&mut self.locals);
        let mut locals = Vec::new();
        for ((n, s, t, _), p) in bound.iter().zip(&def.params) {
            let sym = match self.index.def_param_syms.get(&p.span) {
                Some(&sym) => sym,
                None => {
                    let detail = format!(
                        "{}: {} (parameter of `{}`)",
                        p.name,
                        self.describe(t),
                        def.name.name
                    );
                    let sym = self.symbol(p, SymbolKind::Local, detail, None);
                    self.index.def_param_syms.insert(p.span, sym);
                    sym
                }
            };
            locals.push((n.clone(), *s, t.clone(), sym));
        }
        self.locals = locals;
        self.def_stack.push(def.name.name.clone());
        let before = self.errors.len();
        let (mut body, ty) = self.expr(&def.body);
        self.def_stack.pop();
        self.locals = saved;
        if self.errors.len() > before {
            // Point at the call too: the body may be fine for other arguments.
            let call_note = format!("in this call of `{}`", def.name.name);
            for e in self.errors.iter_mut().skip(before) {
                if !e.related.iter().any(|r| r.span == span) {
                    e.related.push(crate::diag::Label {
                        span,
                        message: call_note.clone(),
                    });
                }
            }
        }
        let memo = self.memo_of(&def.name.name, &bound, &body);
        for (_, slot, _, ir) in bound.into_iter().rev() {
            body = match memo {
                Some((id, memo_slot)) if slot == memo_slot => Ir {
                    op: Op::Memo(id, slot, Box::new(ir), Box::new(body)),
                    span,
                },
                _ => Ir {
                    op: Op::Let(slot, Box::new(ir), Box::new(body)),
                    span,
                },
            };
        }
        (body, ty)
    }

    /// Whether a `def` call is worth remembering per argument, and then
    /// its memory's number and the parameter it is remembered by: a body
    /// that walks a list or looks a record up, called with one argument
    /// that varies and constants for the others (`环节(d, "划拨")`, called
    /// by several rules on every record). Such a body reads nothing but
    /// its parameters, the rules' constants and whole-run values; one that
    /// asks for findings is not remembered, since findings grow as rules run.
    fn memo_of(
        &mut self,
        def: &str,
        bound: &[(String, usize, Ty, Ir)],
        body: &Ir,
    ) -> Option<(usize, usize)> {
        let mut varying = bound
            .iter()
            .filter(|(.., ir)| !matches!(ir.op, Op::Const(_)));
        let (_, slot, ..) = varying.next()?;
        if varying.next().is_some() {
            return None;
        }
        let mut walks = false;
        body.visit(&mut |ir| {
            if matches!(ir.op, Op::Call(..) | Op::LookupRef(..) | Op::LookupKey(..)) {
                walks = true;
            }
        });
        let params: Vec<usize> = bound.iter().map(|(_, s, ..)| *s).collect();
        if !walks || !body.is_pure_in_all(&params) {
            return None;
        }
        // The body is compiled for its arguments' types (a field of a
        // value of any type reads as nothing): calls share a memory only
        // when those agree, as well as the constants.
        let mut key = format!("{def}(");
        for (_, s, ty, ir) in bound {
            match &ir.op {
                Op::Const(v) if s != slot => key.push_str(&format!("{v:?}: {ty:?},")),
                _ => key.push_str(&format!("_: {ty:?},")),
            }
        }
        let next = self.memos.len();
        Some((*self.memos.entry(key).or_insert(next), *slot))
    }
}

/// One condition of a predicate `x => a and b and …`, with its two sides
/// when it is a join key: the element's side, then the side bound outside.
type Condition<'e> = (&'e Expr, Option<(&'e Expr, &'e Expr)>);

/// The help for a naive join: the call `name(records(kind), x => …)`
/// rewritten over the records looked up by key, with the same result.
fn join_rewrite(
    b: Builtin,
    name: &str,
    kind: &str,
    x: &str,
    conditions: &[Condition<'_>],
) -> String {
    let shown: Vec<Option<(String, String)>> = conditions
        .iter()
        .map(|(_, key)| key.and_then(|(inner, outer)| Some((show(inner)?, show(outer)?))))
        .collect();
    let (looked_up, rest): (String, Vec<&Expr>) = if shown.iter().all(Option::is_none) {
        (
            format!("get(group(records({kind}), {x} => KEY), VALUE)"),
            conditions
                .iter()
                .filter(|(_, key)| key.is_none())
                .map(|(e, _)| *e)
                .collect(),
        )
    } else {
        // A key that cannot be written back (an interpolated string) stays
        // a condition over the records looked up by the others.
        let (keys, values): (Vec<String>, Vec<String>) = shown
            .iter()
            .flatten()
            .map(|(k, v)| (format!("{x} => {k}"), v.clone()))
            .unzip();
        (
            format!(
                "get(group(records({kind}), {}), {})",
                keys.join(", "),
                values.join(", ")
            ),
            conditions
                .iter()
                .zip(&shown)
                .filter(|(_, s)| s.is_none())
                .map(|((e, _), _)| *e)
                .collect(),
        )
    };
    let shown_rest: Option<String> = rest
        .iter()
        .map(|e| show_within(e, BINDING_AND))
        .collect::<Option<Vec<String>>>()
        .map(|c| c.join(" and "));
    let predicate = (!rest.is_empty()).then(|| {
        format!(
            "{x} => {}",
            shown_rest.clone().unwrap_or_else(|| "…".into())
        )
    });
    let all = format!("count(records({kind}))");
    let rewrite = match (b, predicate) {
        (Builtin::Filter, None) => looked_up,
        (Builtin::Any, None) => format!("count({looked_up}) > 0"),
        (Builtin::NoneOf, None) => format!("count({looked_up}) == 0"),
        (Builtin::All, None) => format!("count({looked_up}) == {all}"),
        (Builtin::All, Some(p)) => format!("count({looked_up}, {p}) == {all}"),
        (_, None) => format!("{name}({looked_up})"),
        (_, Some(p)) => format!("{name}({looked_up}, {p})"),
    };
    let placeholder = if shown_rest.is_none() {
        ", with the other conditions in place of `…`"
    } else {
        ""
    };
    format!(
        "index the records once with `group` and look the key up with `get`: `{rewrite}`{placeholder}"
    )
}
