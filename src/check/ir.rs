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

    /// Whether the expression reads all records of a kind.
    pub fn reads_records(&self) -> bool {
        let mut found = false;
        self.visit(&mut |ir| {
            if matches!(ir.op, Op::Records(_) | Op::AllRecords) {
                found = true;
            }
        });
        found
    }

    /// Visit every node, outermost first.
    pub fn visit(&self, f: &mut dyn FnMut(&Ir)) {
        f(self);
        match &self.op {
            Op::Const(_) | Op::Local(_) | Op::Records(_) | Op::AllRecords => {}
            Op::Field(a, _)
            | Op::KindName(a)
            | Op::ObjField(a, _)
            | Op::Unary(_, a)
            | Op::LookupRef(_, a)
            | Op::LookupKey(a, _, _)
            | Op::Rejected(_, a)
            | Op::Cached(_, a) => a.visit(f),
            Op::Index(a, b) | Op::Binary(_, a, b) | Op::Let(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            Op::If(a, b, c) => {
                a.visit(f);
                b.visit(f);
                c.visit(f);
            }
            Op::List(items) => items.iter().for_each(|i| i.visit(f)),
            Op::Call(_, args) => {
                for a in args {
                    match a {
                        Arg::Value(i) | Arg::Lambda(_, i) => i.visit(f),
                    }
                }
            }
            Op::Template(parts) => {
                for p in parts {
                    if let TemplatePiece::Value(i) = p {
                        i.visit(f);
                    }
                }
            }
        }
    }
}

fn closed(ir: &Ir, bound: &mut Vec<usize>) -> bool {
    match &ir.op {
        Op::Local(slot) => bound.contains(slot),
        Op::Let(slot, value, body) => {
            if !closed(value, bound) {
                return false;
            }
            bound.push(*slot);
            let ok = closed(body, bound);
            bound.pop();
            ok
        }
        Op::Call(_, args) => args.iter().all(|a| match a {
            Arg::Value(i) => closed(i, bound),
            Arg::Lambda(slot, body) => {
                bound.push(*slot);
                let ok = closed(body, bound);
                bound.pop();
                ok
            }
        }),
        _ => {
            // Check direct children only; recursion handles the rest.
            let mut children: Vec<&Ir> = Vec::new();
            match &ir.op {
                Op::Field(a, _)
                | Op::KindName(a)
                | Op::ObjField(a, _)
                | Op::Unary(_, a)
                | Op::LookupRef(_, a)
                | Op::LookupKey(a, _, _)
                | Op::Rejected(_, a)
                | Op::Cached(_, a) => children.push(a),
                Op::Index(a, b) | Op::Binary(_, a, b) => {
                    children.push(a);
                    children.push(b);
                }
                Op::If(a, b, c) => {
                    children.push(a);
                    children.push(b);
                    children.push(c);
                }
                Op::List(items) => children.extend(items.iter()),
                Op::Template(parts) => children.extend(parts.iter().filter_map(|p| match p {
                    TemplatePiece::Value(i) => Some(i),
                    TemplatePiece::Text(_) => None,
                })),
                _ => {}
            }
            children.into_iter().all(|c| closed(c, bound))
        }
    }
}
