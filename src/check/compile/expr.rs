//! Expressions: names, fields and operators, typed.

use std::sync::Arc;

use super::{Compiler, Typed, mismatch_help};
use crate::check::ir::{Ir, Op};
use crate::check::symbols::{PROBE, Probe};
use crate::check::types::{ObjKind, Ty, comparable, orderable, unify};
use crate::check::value::Value;
use crate::diag::Diagnostic;
use crate::schema::FieldTy;
use crate::source::Span;
use crate::suggest::closest;
use crate::syntax::ast::{self, BinOp, Expr, ExprKind, NumUnit, UnOp};

impl<'a> Compiler<'a> {
    pub(in crate::check) fn expr(&mut self, e: &Expr) -> Typed {
        let span = e.span;
        let ir = |op: Op| Ir { op, span };
        match &e.kind {
            ExprKind::Num(n, unit) => match unit {
                NumUnit::None => (ir(Op::Const(Value::num(*n))), Ty::Num),
                NumUnit::Money => (ir(Op::Const(Value::num(*n))), Ty::Money),
                NumUnit::Days => match n.to_i64() {
                    Some(d) => (ir(Op::Const(Value::Days(d))), Ty::Days),
                    None => {
                        self.err(Diagnostic::error(span, "a number of days must be whole"));
                        (ir(Op::Const(Value::None)), Ty::Any)
                    }
                },
            },
            ExprKind::Date(d) => (ir(Op::Const(Value::Date(*d))), Ty::Date),
            ExprKind::Str(t) => match t.as_plain() {
                Some(s) => (ir(Op::Const(Value::Text(Arc::from(s.as_str())))), Ty::Text),
                None => (self.template(t), Ty::Text),
            },
            ExprKind::Bool(b) => (ir(Op::Const(Value::Bool(*b))), Ty::Bool),
            ExprKind::None => (ir(Op::Const(Value::None)), Ty::Nothing),
            ExprKind::List(items) => {
                let mut irs = Vec::new();
                let mut elem = None;
                for item in items {
                    let (i, t) = self.expr(item);
                    elem = match elem {
                        None => Some(t),
                        Some(prev) => match unify(&prev, &t) {
                            Some(u) => Some(u),
                            None => {
                                let (a, b) = (self.describe(&prev), self.describe(&t));
                                self.err(Diagnostic::error(item.span, format!("a list holds values of one type; this is {b}, earlier ones are {a}")));
                                Some(Ty::Any)
                            }
                        },
                    };
                    irs.push(i);
                }
                (
                    ir(Op::List(irs)),
                    Ty::List(Box::new(elem.unwrap_or(Ty::Any))),
                )
            }
            ExprKind::Name(id) => self.name(id, span),
            ExprKind::Field(base, field) => self.field(base, field, span),
            ExprKind::Index(base, index) => {
                let (b, bt) = self.expr(base);
                let (i, it) = self.expr(index);
                if !it.is_numeric() {
                    let found = self.describe(&it);
                    self.err(Diagnostic::error(
                        index.span,
                        format!("an index is a number, found {found}"),
                    ));
                }
                let Some(elem) = bt.elem() else {
                    let found = self.describe(&bt);
                    self.err(Diagnostic::error(
                        base.span,
                        format!("only lists can be indexed, found {found}"),
                    ));
                    return (ir(Op::Const(Value::None)), Ty::Any);
                };
                (ir(Op::Index(Box::new(b), Box::new(i))), elem.opt())
            }
            ExprKind::Call(name, args) => self.call(name, args, span),
            ExprKind::Lambda(v, _) => {
                self.err(Diagnostic::error(v.span, "a function `x => …` can only be an argument of a list function such as `any` or `filter`"));
                (ir(Op::Const(Value::None)), Ty::Any)
            }
            ExprKind::Unary(op, operand) => {
                let (o, t) = self.expr(operand);
                match op {
                    UnOp::Not => {
                        self.expect_bool(&t, operand.span);
                        (ir(Op::Unary(*op, Box::new(o))), Ty::Bool)
                    }
                    UnOp::Neg => {
                        if !(t.is_numeric() || matches!(t.strip(), Ty::Days)) {
                            let found = self.describe(&t);
                            self.err(Diagnostic::error(
                                operand.span,
                                format!("cannot negate {found}"),
                            ));
                        }
                        (ir(Op::Unary(*op, Box::new(o))), t)
                    }
                }
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, span),
            ExprKind::If(c, a, b) => {
                let c_ir = self.condition(c);
                let (a_ir, at) = self.expr(a);
                let (b_ir, bt) = self.expr(b);
                // Branches of different types (e.g. two anchors) are allowed;
                // the result is then checked when it is used.
                let ty = unify(&at, &bt).unwrap_or(Ty::Any);
                (
                    ir(Op::If(Box::new(c_ir), Box::new(a_ir), Box::new(b_ir))),
                    ty,
                )
            }
        }
    }

    pub(in crate::check) fn name(&mut self, id: &ast::Ident, span: Span) -> Typed {
        let ir = |op: Op| Ir { op, span };
        if id.name == PROBE {
            let locals = self
                .locals
                .iter()
                .filter(|l| !l.0.starts_with(' '))
                .map(|l| (l.0.clone(), self.describe(&l.2)))
                .collect();
            self.index.probe.get_or_insert_with(Probe::default).locals = locals;
            return (ir(Op::Const(Value::None)), Ty::Any);
        }
        if let Some((_, slot, ty, sym)) = self.locals.iter().rev().find(|l| l.0 == id.name) {
            let (slot, ty, sym) = (*slot, ty.clone(), *sym);
            if sym != usize::MAX {
                self.index.uses.push((id.span, sym));
            }
            return (ir(Op::Local(slot)), ty);
        }
        if let Some(&sym) = self.index.param_syms.get(&id.name) {
            self.index.uses.push((id.span, sym));
        }
        if let Some(&sym) = self.index.chain_syms.get(&id.name) {
            self.index.uses.push((id.span, sym));
        }
        if let Some(p) = self.params.iter().find(|p| p.name == id.name) {
            self.params_read.push(p.name.clone());
            return (ir(Op::Const(p.value.clone())), p.ty.clone());
        }
        if let Some(i) = self.chains.iter().position(|c| c.name == id.name) {
            return (ir(Op::Const(Value::Chain(i))), Ty::Chain(i));
        }
        if let Some((d, _)) = self.defs.get(&id.name)
            && d.params.is_empty()
        {
            return self.call(id, &[], span);
        }
        if id.name == "today" {
            return (ir(Op::Today), Ty::Date);
        }
        if self.schema.kind(&id.name).is_some() {
            self.err(
                Diagnostic::error(span, format!("`{}` is a record kind, not a value", id.name))
                    .with_help(format!("use `records({})` for all its records", id.name)),
            );
            return (ir(Op::Const(Value::None)), Ty::Any);
        }
        let mut names: Vec<String> = self
            .locals
            .iter()
            .filter(|l| !l.0.starts_with(' '))
            .map(|l| l.0.clone())
            .collect();
        names.extend(self.params.iter().map(|p| p.name.clone()));
        names.extend(self.chains.iter().map(|c| c.name.clone()));
        names.extend(self.defs.keys().cloned());
        names.push("today".into());
        if let Some((_, later)) = self
            .rule_lets
            .iter()
            .find(|(n, s)| *n == id.name && s.start > span.start && s.file == span.file)
        {
            let later = *later;
            self.err(
                Diagnostic::error(span, format!("`{}` is used before its `let`", id.name))
                    .with_related(
                        later,
                        format!("`{}` is defined here, later in the rule", id.name),
                    )
                    .with_help(format!(
                        "clauses run from top to bottom: move `let {} = …` above this use",
                        id.name
                    )),
            );
            return (ir(Op::Const(Value::None)), Ty::Any);
        }
        let d = Diagnostic::error(span, format!("unknown name `{}`", id.name));
        let d = match closest(&id.name, names.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help("names are the `for` and `let` variables of the rule, parameters, chains and `def`s; text needs quotes"),
        };
        self.err(d);
        (ir(Op::Const(Value::None)), Ty::Any)
    }

    pub(in crate::check) fn field(&mut self, base: &Expr, field: &ast::Ident, span: Span) -> Typed {
        let (b, bt) = self.expr(base);
        if field.name == PROBE {
            let fields = self.fields_of(&bt);
            self.index.probe.get_or_insert_with(Probe::default).fields = fields;
            return (
                Ir {
                    op: Op::Const(Value::None),
                    span,
                },
                Ty::Any,
            );
        }
        let opt = bt.is_opt();
        let wrap = |t: Ty| if opt { t.opt() } else { t };
        let ir = |op: Op| Ir { op, span };
        match bt.strip().clone() {
            Ty::Any => (ir(Op::Const(Value::None)), Ty::Any),
            Ty::Struct(sid, owner) => {
                let Some(def) = self.schema.structs.get(sid) else {
                    return (ir(Op::Const(Value::None)), Ty::Any);
                };
                if field.name == "kind" && def.kind.is_some() {
                    return (ir(Op::KindName(Box::new(b))), wrap(Ty::Text));
                }
                match def.slot(&field.name) {
                    Some(slot) => {
                        if let Some(&sym) = self.index.field_syms.get(&(sid, slot)) {
                            self.index.uses.push((field.span, sym));
                        }
                        let Some(def) = self.schema.structs.get(sid) else {
                            return (ir(Op::Const(Value::None)), Ty::Any);
                        };
                        let f = def.fields.get(slot);
                        let ty = f.map_or(Ty::Any, |f| {
                            let t = Ty::of_field(&f.ty, owner);
                            if f.optional && f.default.is_none() || !f.in_all_variants {
                                t.opt()
                            } else {
                                t
                            }
                        });
                        let op = match f.map(|f| &f.ty) {
                            Some(FieldTy::OneOrList(_)) => Op::OneOrList(Box::new(b), slot),
                            _ => Op::Field(Box::new(b), slot),
                        };
                        (ir(op), wrap(ty))
                    }
                    None => {
                        let names: Vec<&str> = def.fields.iter().map(|f| f.name.as_str()).collect();
                        let d = Diagnostic::error(
                            field.span,
                            format!("`{}` has no field `{}`", def.name, field.name),
                        );
                        let d = match closest(&field.name, names.iter().copied()) {
                            Some(s) => d.with_help(format!("did you mean `{s}`?")),
                            None => d.with_help(format!(
                                "fields of `{}` are {}",
                                def.name,
                                names.join(", ")
                            )),
                        };
                        self.err(d);
                        (ir(Op::Const(Value::None)), Ty::Any)
                    }
                }
            }
            Ty::AnyRecord => match field.name.as_str() {
                "id" => (ir(Op::Field(Box::new(b), 0)), Ty::Text),
                "kind" => (ir(Op::KindName(Box::new(b))), Ty::Text),
                other => {
                    self.err(
                        Diagnostic::error(
                            field.span,
                            format!("a record of any kind has only `kind` and `id`, not `{other}`"),
                        )
                        .with_help("range over one kind (`for m in meeting`) to use its fields"),
                    );
                    (ir(Op::Const(Value::None)), Ty::Any)
                }
            },
            Ty::Group(key, members) => match field.name.as_str() {
                "key" => (ir(Op::ObjField(Box::new(b), 0)), (*key).clone()),
                "members" => (ir(Op::ObjField(Box::new(b), 1)), Ty::List(members.clone())),
                _ => {
                    self.err(
                        Diagnostic::error(
                            field.span,
                            format!("a group has no field `{}`", field.name),
                        )
                        .with_help("its fields are key, members"),
                    );
                    (ir(Op::Const(Value::None)), Ty::Any)
                }
            },
            Ty::Obj(kind, param) => match kind.fields().iter().position(|f| *f == field.name) {
                Some(slot) => {
                    let ty = match (kind, slot) {
                        (ObjKind::Finding, _) => Ty::Text,
                        (ObjKind::OrderFault, _) => (*param).clone(),
                        (ObjKind::ActorFault, 0) => Ty::Text,
                        (ObjKind::ActorFault, _) => (*param).clone(),
                        (ObjKind::RefUse, 3) => Ty::Bool,
                        (ObjKind::RefUse, 4) => Ty::Any,
                        (ObjKind::RefUse, _) => Ty::Text,
                        (ObjKind::Group, _) => Ty::Any,
                        (ObjKind::Calendar, 0) => Ty::List(Box::new(Ty::Num)),
                        (ObjKind::Calendar, _) => Ty::List(Box::new(Ty::Date)),
                    };
                    (ir(Op::ObjField(Box::new(b), slot)), wrap(ty))
                }
                None => {
                    self.err(
                        Diagnostic::error(
                            field.span,
                            format!("a {} has no field `{}`", kind.name(), field.name),
                        )
                        .with_help(format!("its fields are {}", kind.fields().join(", "))),
                    );
                    (ir(Op::Const(Value::None)), Ty::Any)
                }
            },
            Ty::List(_) => {
                self.err(
                    Diagnostic::error(field.span, format!("`.{}` on a list", field.name))
                        .with_help(format!(
                            "take it from each element: `map(list, x => x.{})`",
                            field.name
                        )),
                );
                (ir(Op::Const(Value::None)), Ty::Any)
            }
            other => {
                let found = self.describe(&other);
                let d = Diagnostic::error(field.span, format!("{found} has no fields"));
                let d = if matches!(other, Ty::Ref(_) | Ty::Key(..)) {
                    d.with_help("follow the reference first: `lookup(x.org).name`")
                } else {
                    d
                };
                self.err(d);
                (ir(Op::Const(Value::None)), Ty::Any)
            }
        }
    }

    /// Fields of a type, for completion after `x.`: name, type, doc.
    pub(in crate::check) fn fields_of(&self, ty: &Ty) -> Vec<(String, String, Option<String>)> {
        match ty.strip() {
            Ty::Struct(sid, owner) => {
                let Some(def) = self.schema.structs.get(*sid) else {
                    return Vec::new();
                };
                let mut out: Vec<(String, String, Option<String>)> = def
                    .fields
                    .iter()
                    .map(|f| {
                        (
                            f.name.clone(),
                            self.describe(&Ty::of_field(&f.ty, *owner)),
                            f.doc.clone(),
                        )
                    })
                    .collect();
                if def.kind.is_some() {
                    out.push((
                        "kind".into(),
                        "text".into(),
                        Some("The record's kind.".into()),
                    ));
                }
                out
            }
            Ty::AnyRecord => vec![
                ("id".into(), "text".into(), None),
                ("kind".into(), "text".into(), None),
            ],
            Ty::Obj(kind, _) => kind
                .fields()
                .iter()
                .map(|f| ((*f).to_string(), String::new(), None))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub(in crate::check) fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr, span: Span) -> Typed {
        let (li, lt) = self.expr(l);
        let (ri, rt) = self.expr(r);
        let ir = Ir {
            op: Op::Binary(op, Box::new(li), Box::new(ri)),
            span,
        };
        let opt = lt.is_opt() || rt.is_opt();
        let wrap = |t: Ty| if opt { t.opt() } else { t };
        let (a, b) = (lt.strip().clone(), rt.strip().clone());
        let mismatch = |c: &mut Self| {
            let (x, y) = (c.describe(&lt), c.describe(&rt));
            c.err(
                Diagnostic::error(
                    span,
                    format!("cannot apply `{}` to {x} and {y}", op.symbol()),
                )
                .with_label(format!("{x} {} {y}", op.symbol()))
                .with_help(mismatch_help(op, &lt, &rt, l, r)),
            );
            Ty::Any
        };
        let ty = match op {
            BinOp::And | BinOp::Or => {
                self.expect_bool(&lt, l.span);
                self.expect_bool(&rt, r.span);
                Ty::Bool
            }
            BinOp::Eq | BinOp::Ne => {
                if !comparable(&lt, &rt) {
                    mismatch(self);
                }
                self.check_enum_literal(&lt, r);
                self.check_enum_literal(&rt, l);
                Ty::Bool
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if !orderable(&lt, &rt) {
                    mismatch(self);
                }
                Ty::Bool
            }
            BinOp::In | BinOp::NotIn => {
                match rt.elem() {
                    Some(elem) if comparable(&lt, &elem) => {
                        if let ExprKind::List(items) = &r.kind {
                            for item in items {
                                self.check_enum_literal(&lt, item);
                            }
                        }
                    }
                    _ => {
                        mismatch(self);
                    }
                }
                Ty::Bool
            }
            // Like `if`, the two sides may differ (an anchor falling back to
            // its structure, a date falling back to a note).
            BinOp::Default => match unify(&a, &b) {
                Some(t) => {
                    if rt.is_opt() {
                        t.opt()
                    } else {
                        t
                    }
                }
                None => Ty::Any,
            },
            BinOp::Add | BinOp::Sub => match (&a, &b) {
                (Ty::Any, _) | (_, Ty::Any) => Ty::Any,
                _ if a.is_numeric() && b.is_numeric() => {
                    wrap(if a == Ty::Money || b == Ty::Money {
                        Ty::Money
                    } else {
                        Ty::Num
                    })
                }
                (Ty::Date, Ty::Days) => wrap(Ty::Date),
                (Ty::Date, Ty::Date) if op == BinOp::Sub => wrap(Ty::Days),
                (Ty::Days, Ty::Days) => wrap(Ty::Days),
                _ if op == BinOp::Add && a.is_textual() && b.is_textual() => wrap(Ty::Text),
                (Ty::List(x), Ty::List(y)) => match unify(x, y) {
                    Some(t) => Ty::List(Box::new(t)),
                    None => mismatch(self),
                },
                _ => mismatch(self),
            },
            BinOp::Union | BinOp::Intersect => match (&a, &b) {
                (Ty::List(x), Ty::List(y)) if comparable(x, y) => {
                    Ty::List(Box::new(unify(x, y).unwrap_or((**x).clone())))
                }
                (Ty::Any, _) | (_, Ty::Any) => Ty::Any,
                _ => mismatch(self),
            },
            BinOp::Mul => match (&a, &b) {
                (Ty::Any, _) | (_, Ty::Any) => Ty::Any,
                _ if a.is_numeric() && b.is_numeric() => {
                    wrap(if a == Ty::Money || b == Ty::Money {
                        Ty::Money
                    } else {
                        Ty::Num
                    })
                }
                (Ty::Days, Ty::Num) | (Ty::Num, Ty::Days) => wrap(Ty::Days),
                _ => mismatch(self),
            },
            BinOp::Div => match (&a, &b) {
                (Ty::Any, _) | (_, Ty::Any) => Ty::Any,
                (Ty::Money, Ty::Money) => wrap(Ty::Num),
                _ if a.is_numeric() && b.is_numeric() => {
                    wrap(if a == Ty::Money { Ty::Money } else { Ty::Num })
                }
                _ => mismatch(self),
            },
        };
        (ir, ty)
    }

    /// `category == "一般事項"`: a text literal compared with an enum must
    /// be one of its values.
    pub(in crate::check) fn check_enum_literal(&mut self, ty: &Ty, other: &Expr) {
        let members: Vec<String> = match ty.strip() {
            Ty::Enum(e) => self
                .schema
                .enums
                .get(*e)
                .map(|e| e.members.clone())
                .unwrap_or_default(),
            Ty::Tag(s) => self
                .schema
                .structs
                .get(*s)
                .and_then(|s| s.tag.as_ref())
                .map(|t| t.variants.iter().map(|v| v.name.clone()).collect())
                .unwrap_or_default(),
            _ => return,
        };
        let ExprKind::Str(t) = &other.kind else {
            return;
        };
        let Some(text) = t.as_plain() else { return };
        if !members.contains(&text) {
            let d = Diagnostic::error(
                other.span,
                format!(
                    "`{text}` is never a value of `{}`",
                    ty.describe(&self.schema)
                ),
            );
            let d = match closest(&text, members.iter().map(String::as_str)) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("its values are {}", members.join(", "))),
            };
            self.err(d);
        }
    }
}
