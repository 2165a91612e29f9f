//! The compiled form of rule expressions: names resolved to slots, fields
//! to indexes, functions to [`Builtin`]s. Evaluation never looks up a name.

use super::value::Value;
use crate::schema::KindId;
use crate::source::Span;
use crate::syntax::ast::{BinOp, UnOp};

/// Built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Builtin {
    Count,
    Sum,
    SumBefore,
    Before,
    Any,
    All,
    NoneOf,
    First,
    Last,
    Position,
    Distinct,
    Filter,
    Map,
    Flatten,
    Sort,
    Take,
    Skip,
    Min,
    Max,
    Group,
    Get,
    Exists,
    StartsWith,
    EndsWith,
    Contains,
    Text,
    Join,
    Days,
    Ceil,
    Findings,
    FindingsOn,
    Missing,
    Early,
    SharedActors,
    Windows,
    Refs,
    Record,
    Year,
    Month,
    Quarter,
    Round,
    Percent,
    Calendar,
    Workdays,
    AddWorkdays,
}

/// An argument: a value, or a function of one variable.
#[derive(Clone, Debug)]
pub enum Arg {
    /// A plain value.
    Value(Ir),
    /// `x => body`, with `x` in local slot `.0`.
    Lambda(usize, Ir),
}

/// A compiled expression, with the span of its source for run-time errors.
#[derive(Clone, Debug)]
pub struct Ir {
    /// What to compute.
    pub op: Op,
    /// Where it was written.
    pub span: Span,
}

/// The operations.
#[derive(Clone, Debug)]
pub enum Op {
    /// A constant (literal or parameter).
    Const(Value<'static>),
    /// A local variable.
    Local(usize),
    /// A field of a structure, by slot.
    Field(Box<Ir>, usize),
    /// A field of the structure in a local variable: `Field(Local(.0), .1)`
    /// in one step, the most frequent operation of all.
    LocalField(usize, usize),
    /// A comparison of a field of a local variable with a constant,
    /// `Binary(.0, LocalField(.1, .2), Const(.3))` in one step: the test
    /// of most `where`s and lambdas (`s.step == "划拨"`). Only for the
    /// operators [`BinOp::is_test`] names, which cannot fail.
    LocalFieldIs(BinOp, usize, usize, Box<Value<'static>>),
    /// A one-or-list field of a structure, by slot: a list, also where the
    /// record holds one value alone.
    OneOrList(Box<Ir>, usize),
    /// The kind name of a record.
    KindName(Box<Ir>),
    /// A field of a built-in value.
    ObjField(Box<Ir>, usize),
    /// `list[i]`, 1-based.
    Index(Box<Ir>, Box<Ir>),
    /// `[a, b]`.
    List(Vec<Ir>),
    /// `not x`, `-x`.
    Unary(UnOp, Box<Ir>),
    /// `a op b`.
    Binary(BinOp, Box<Ir>, Box<Ir>),
    /// `if c then a else b`.
    If(Box<Ir>, Box<Ir>, Box<Ir>),
    /// Bind a local, then evaluate the body (calls of `def`s).
    Let(usize, Box<Ir>, Box<Ir>),
    /// A `def` call remembered per argument: as `Let(.1, .2, .3)`, but
    /// where the argument is record data, the body's value is kept under
    /// memory `.0` and that datum, for the next call with it (see
    /// `Compiler::memo_of`).
    Memo(usize, usize, Box<Ir>, Box<Ir>),
    /// A built-in function.
    Call(Builtin, Vec<Arg>),
    /// Every checked record of a kind, in path order.
    Records(KindId),
    /// Every checked record.
    AllRecords,
    /// The record of a kind with the id.
    LookupRef(KindId, Box<Ir>),
    /// The list element that a key field names: the structure holding the
    /// key, the key's slot, and that structure's id in the schema.
    LookupKey(Box<Ir>, usize, crate::schema::StructId),
    /// Whether a reference names a record that exists but was rejected.
    Rejected(KindId, Box<Ir>),
    /// Computed once per run (no local variables, reads all records).
    Cached(usize, Box<Ir>),
    /// A message template.
    Template(Vec<TemplatePiece>),
    /// The run date.
    Today,
}

/// A piece of a compiled template.
#[derive(Clone, Debug)]
pub enum TemplatePiece {
    /// Literal text.
    Text(String),
    /// A value to show.
    Value(Ir),
}

impl Ir {
    /// Whether the expression reads local variables bound outside it.
    pub fn is_closed(&self) -> bool {
        let mut bound = Vec::new();
        closed(self, &mut bound)
    }

    /// Whether the expression reads no local variable but `slot` (a
    /// lambda's parameter) and asks for no findings: its value for a given
    /// `slot` is the same wherever and whenever it is evaluated.
    pub fn is_pure_in(&self, slot: Option<usize>) -> bool {
        self.is_pure_in_all(slot.as_slice())
    }

    /// As [`Ir::is_pure_in`], for several variables (a `def`'s parameters).
    pub fn is_pure_in_all(&self, slots: &[usize]) -> bool {
        let mut bound: Vec<usize> = slots.to_vec();
        let mut asks = false;
        self.visit(&mut |ir| {
            if matches!(ir.op, Op::Call(Builtin::Findings | Builtin::FindingsOn, _)) {
                asks = true;
            }
        });
        !asks && closed(self, &mut bound)
    }

    /// Whether the expression reads all records of a kind.
    /// Whether the expression depends on the run: reads all records of a
    /// kind, or the run date.
    pub fn reads_records(&self) -> bool {
        let mut found = false;
        self.visit(&mut |ir| {
            if matches!(ir.op, Op::Records(_) | Op::AllRecords | Op::Today) {
                found = true;
            }
        });
        found
    }

    /// The frame an evaluation of the expression needs: one past the
    /// highest local slot it reads or binds.
    pub fn frame_len(&self) -> usize {
        let mut len = 0;
        self.visit(&mut |ir| {
            let slot = match &ir.op {
                Op::Local(s)
                | Op::LocalField(s, _)
                | Op::LocalFieldIs(_, s, ..)
                | Op::Let(s, ..)
                | Op::Memo(_, s, ..) => Some(*s),
                Op::Call(_, args) => args
                    .iter()
                    .filter_map(|a| match a {
                        Arg::Lambda(s, _) => Some(*s),
                        Arg::Value(_) => None,
                    })
                    .max(),
                _ => None,
            };
            if let Some(s) = slot {
                len = len.max(s + 1);
            }
        });
        len
    }

    /// How deeply whole-run values ([`Op::Cached`]) nest in the
    /// expression: 0 when it uses none, 1 when those it uses use none …
    pub fn cached_depth(&self) -> usize {
        match &self.op {
            Op::Cached(_, inner) => 1 + inner.cached_depth(),
            _ => self
                .children()
                .iter()
                .map(|(child, _)| child.cached_depth())
                .max()
                .unwrap_or(0),
        }
    }

    /// Visit every node, outermost first.
    pub fn visit(&self, f: &mut dyn FnMut(&Ir)) {
        f(self);
        for (child, _) in self.children() {
            child.visit(f);
        }
    }

    /// Rewrite the expression into a cheaper one that computes the same:
    /// a `def`'s parameter bound to a variable or a constant is replaced
    /// by it in the body (most `def` calls pass the record at hand and
    /// literals), a field of a variable is read in one step, and so is its
    /// comparison with a constant. Run on the finished program, after
    /// every check of the expression's shape.
    pub fn simplify(&mut self) {
        for child in self.children_mut() {
            child.simplify();
        }
        match std::mem::replace(&mut self.op, Op::Const(Value::None)) {
            Op::Let(slot, value, mut body) if matches!(value.op, Op::Local(_) | Op::Const(_)) => {
                body.substitute(slot, &value);
                // The body keeps its own span: an error in a def's body is
                // reported there, not at the call.
                *self = *body;
            }
            op => {
                self.op = op;
                self.fuse();
            }
        }
    }

    /// Read a field of a variable, and compare one with a constant, in one
    /// step: run on a node whose operands are final.
    fn fuse(&mut self) {
        let op = std::mem::replace(&mut self.op, Op::Const(Value::None));
        self.op = match op {
            Op::Field(base, field) => match base.op {
                Op::Local(local) => Op::LocalField(local, field),
                _ => Op::Field(base, field),
            },
            Op::Binary(op, l, r) if op.is_test() => match (&l.op, &r.op) {
                (Op::LocalField(local, field), Op::Const(c)) => {
                    Op::LocalFieldIs(op, *local, *field, Box::new(c.clone()))
                }
                _ => Op::Binary(op, l, r),
            },
            op => op,
        };
    }

    /// Replace every read of local `slot` by `value` (a variable or a
    /// constant), which nothing inside rebinds: slots are fresh per binding.
    fn substitute(&mut self, slot: usize, value: &Ir) {
        match (&self.op, &value.op) {
            (Op::Local(s), _) if *s == slot => self.op = value.op.clone(),
            (Op::LocalField(s, field), Op::Local(to)) if *s == slot => {
                self.op = Op::LocalField(*to, *field);
            }
            (Op::LocalField(s, field), _) if *s == slot => {
                self.op = Op::Field(Box::new(value.clone()), *field);
            }
            (Op::LocalFieldIs(op, s, field, c), Op::Local(to)) if *s == slot => {
                self.op = Op::LocalFieldIs(*op, *to, *field, c.clone());
            }
            (Op::LocalFieldIs(op, s, field, c), _) if *s == slot => {
                let span = self.span;
                self.op = Op::Binary(
                    *op,
                    Box::new(Ir {
                        op: Op::Field(Box::new(value.clone()), *field),
                        span,
                    }),
                    Box::new(Ir {
                        op: Op::Const((**c).clone()),
                        span,
                    }),
                );
            }
            _ => {
                for child in self.children_mut() {
                    child.substitute(slot, value);
                }
                // A parameter replaced by a constant may make a comparison
                // with a constant (`s.name == x` called with "乙").
                self.fuse();
            }
        }
    }

    /// Direct sub-expressions, to rewrite them.
    fn children_mut(&mut self) -> Vec<&mut Ir> {
        match &mut self.op {
            Op::Const(_)
            | Op::Local(_)
            | Op::LocalField(..)
            | Op::LocalFieldIs(..)
            | Op::Records(_)
            | Op::AllRecords
            | Op::Today => Vec::new(),
            Op::Field(a, _)
            | Op::OneOrList(a, _)
            | Op::KindName(a)
            | Op::ObjField(a, _)
            | Op::Unary(_, a)
            | Op::LookupRef(_, a)
            | Op::LookupKey(a, _, _)
            | Op::Rejected(_, a)
            | Op::Cached(_, a) => vec![a],
            Op::Index(a, b) | Op::Binary(_, a, b) | Op::Let(_, a, b) | Op::Memo(_, _, a, b) => {
                vec![a, b]
            }
            Op::If(a, b, c) => vec![a, b, c],
            Op::List(items) => items.iter_mut().collect(),
            Op::Call(_, args) => args
                .iter_mut()
                .map(|a| match a {
                    Arg::Value(i) | Arg::Lambda(_, i) => i,
                })
                .collect(),
            Op::Template(parts) => parts
                .iter_mut()
                .filter_map(|p| match p {
                    TemplatePiece::Value(i) => Some(i),
                    TemplatePiece::Text(_) => None,
                })
                .collect(),
        }
    }

    /// Direct sub-expressions, each with the local slot it binds for its
    /// evaluation (a lambda's parameter, a `let`'s variable in its body).
    fn children(&self) -> Vec<(&Ir, Option<usize>)> {
        match &self.op {
            Op::Const(_)
            | Op::Local(_)
            | Op::LocalField(..)
            | Op::LocalFieldIs(..)
            | Op::Records(_)
            | Op::AllRecords
            | Op::Today => Vec::new(),
            Op::Field(a, _)
            | Op::OneOrList(a, _)
            | Op::KindName(a)
            | Op::ObjField(a, _)
            | Op::Unary(_, a)
            | Op::LookupRef(_, a)
            | Op::LookupKey(a, _, _)
            | Op::Rejected(_, a)
            | Op::Cached(_, a) => vec![(a, None)],
            Op::Index(a, b) | Op::Binary(_, a, b) => vec![(a, None), (b, None)],
            Op::Let(slot, value, body) | Op::Memo(_, slot, value, body) => {
                vec![(value, None), (body, Some(*slot))]
            }
            Op::If(a, b, c) => vec![(a, None), (b, None), (c, None)],
            Op::List(items) => items.iter().map(|i| (i, None)).collect(),
            Op::Call(_, args) => args
                .iter()
                .map(|a| match a {
                    Arg::Value(i) => (i, None),
                    Arg::Lambda(slot, body) => (body, Some(*slot)),
                })
                .collect(),
            Op::Template(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    TemplatePiece::Value(i) => Some((i, None)),
                    TemplatePiece::Text(_) => None,
                })
                .collect(),
        }
    }
}

fn closed(ir: &Ir, bound: &mut Vec<usize>) -> bool {
    if let Op::Local(slot) | Op::LocalField(slot, _) | Op::LocalFieldIs(_, slot, ..) = ir.op {
        return bound.contains(&slot);
    }
    ir.children().into_iter().all(|(child, binds)| {
        if let Some(slot) = binds {
            bound.push(slot);
        }
        let ok = closed(child, bound);
        if binds.is_some() {
            bound.pop();
        }
        ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ir(op: Op) -> Ir {
        Ir {
            op,
            span: Span::default(),
        }
    }

    fn boxed(op: Op) -> Box<Ir> {
        Box::new(ir(op))
    }

    #[test]
    fn a_parameter_bound_to_a_variable_is_that_variable() {
        // def amount(d) = d.amount, called as amount(x): slot 1 is `d`.
        let mut call = ir(Op::Let(
            1,
            boxed(Op::Local(0)),
            boxed(Op::Field(boxed(Op::Local(1)), 2)),
        ));
        call.simplify();
        assert!(matches!(call.op, Op::LocalField(0, 2)), "{call:?}");
    }

    #[test]
    fn a_parameter_bound_to_a_constant_is_that_constant() {
        // def step_is(s, name) = s.step == name, called as step_is(x, "划拨").
        let mut call = ir(Op::Let(
            1,
            boxed(Op::Local(0)),
            boxed(Op::Let(
                2,
                boxed(Op::Const(Value::Bool(true))),
                boxed(Op::Binary(
                    BinOp::Eq,
                    boxed(Op::Field(boxed(Op::Local(1)), 0)),
                    boxed(Op::Local(2)),
                )),
            )),
        ));
        call.simplify();
        // The comparison of the field with the constant is then one step.
        assert!(
            matches!(&call.op, Op::LocalFieldIs(BinOp::Eq, 0, 0, c)
                if matches!(**c, Value::Bool(true))),
            "{call:?}"
        );
        // A field of a constant stays a field of it.
        let mut odd = ir(Op::Let(
            1,
            boxed(Op::Const(Value::None)),
            boxed(Op::Field(boxed(Op::Local(1)), 3)),
        ));
        odd.simplify();
        assert!(
            matches!(&odd.op, Op::Field(base, 3) if matches!(base.op, Op::Const(Value::None))),
            "{odd:?}"
        );
    }

    #[test]
    fn a_parameter_bound_to_a_computation_is_computed_once() {
        let mut call = ir(Op::Let(
            1,
            boxed(Op::Records(0)),
            boxed(Op::Binary(
                BinOp::Add,
                boxed(Op::Local(1)),
                boxed(Op::Local(1)),
            )),
        ));
        call.simplify();
        assert!(
            matches!(&call.op, Op::Let(1, value, body)
                if matches!(value.op, Op::Records(0))
                    && matches!(body.op, Op::Binary(BinOp::Add, ..))),
            "{call:?}"
        );
        // Reads of other variables are left alone.
        let mut other = ir(Op::Let(
            1,
            boxed(Op::Local(0)),
            boxed(Op::Field(boxed(Op::Local(5)), 1)),
        ));
        other.simplify();
        assert!(matches!(other.op, Op::LocalField(5, 1)), "{other:?}");
    }

    #[test]
    fn a_field_compared_with_a_constant_is_one_step() {
        let text = || boxed(Op::Const(Value::Text("划拨".into())));
        // s.step == "划拨", with `s` in slot 0.
        let mut test = ir(Op::Binary(
            BinOp::Eq,
            boxed(Op::Field(boxed(Op::Local(0)), 2)),
            text(),
        ));
        test.simplify();
        assert!(
            matches!(&test.op, Op::LocalFieldIs(BinOp::Eq, 0, 2, c)
                if matches!(**c, Value::Text(ref t) if &**t == "划拨")),
            "{test:?}"
        );
        // Arithmetic can fail and stays as it is; so does a constant on the left.
        for (op, l, r) in [
            (BinOp::Add, boxed(Op::Field(boxed(Op::Local(0)), 2)), text()),
            (BinOp::Eq, text(), boxed(Op::Field(boxed(Op::Local(0)), 2))),
        ] {
            let mut kept = ir(Op::Binary(op, l, r));
            kept.simplify();
            assert!(matches!(kept.op, Op::Binary(o, ..) if o == op), "{kept:?}");
        }
        // In a def's body: its parameter becomes the variable passed,
        // or, for a constant passed, the field of that constant.
        let def_body = || {
            boxed(Op::Binary(
                BinOp::In,
                boxed(Op::Field(boxed(Op::Local(1)), 3)),
                text(),
            ))
        };
        let mut call = ir(Op::Let(1, boxed(Op::Local(7)), def_body()));
        call.simplify();
        assert!(
            matches!(call.op, Op::LocalFieldIs(BinOp::In, 7, 3, _)),
            "{call:?}"
        );
        let mut odd = ir(Op::Let(1, boxed(Op::Const(Value::None)), def_body()));
        odd.simplify();
        assert!(
            matches!(&odd.op, Op::Binary(BinOp::In, l, r)
                if matches!(&l.op, Op::Field(base, 3) if matches!(base.op, Op::Const(Value::None)))
                    && matches!(r.op, Op::Const(Value::Text(_)))),
            "{odd:?}"
        );
        assert!(call.is_pure_in(Some(7)) && !call.is_pure_in(None));
        assert_eq!(call.frame_len(), 8);
    }
}
