//! List functions: counting, testing, choosing, reshaping and grouping lists.

use std::sync::Arc;

use super::BuiltinDoc;
use crate::check::compile::Compiler;
use crate::check::eval::{Ev, MEMO_MIN_LEN, R, fault};
use crate::check::groups::GroupMap;
use crate::check::ir::{Arg, Builtin};
use crate::check::types::{Ty, orderable};
use crate::check::value::{Members, Value, compare};
use crate::diag::Diagnostic;
use crate::num::Num;
use crate::source::Span;
use crate::syntax::ast::{self, Expr};

/// The list functions, as the documentation shows them.
pub(super) const DOCS: &[BuiltinDoc] = &[
    BuiltinDoc {
        name: "count",
        signature: "count(list) or count(list, x => cond)",
        doc: "how many elements (that satisfy cond)",
        cost: "one pass over the list",
        example: "count(m.items, x => x.category == \"重要干部任免\")",
        builtin: Some(Builtin::Count),
    },
    BuiltinDoc {
        name: "sum",
        signature: "sum(list) or sum(list, x => amount)",
        doc: "the total",
        cost: "one pass over the list",
        example: "sum(m.items, x => x.amount ?? 0)",
        builtin: Some(Builtin::Sum),
    },
    BuiltinDoc {
        name: "sum_before",
        signature: "sum_before(list, x => amount, element)",
        doc: "the running total: the total over the elements before the first one equal to element, or none when element is not in the list",
        cost: "one pass over the list; the running totals of a list many records share (a group from `get`) are computed once, then each call is one lookup",
        example: "sum_before(sort(records(disbursement), x => x.id), x => x.amount, d)",
        builtin: Some(Builtin::SumBefore),
    },
    BuiltinDoc {
        name: "before",
        signature: "before(list, element)",
        doc: "the elements before the first one equal to element, or none when element is not in the list",
        cost: "one pass over the list, up to element",
        example: "before(sort(records(disbursement), x => x.id), d)",
        builtin: Some(Builtin::Before),
    },
    BuiltinDoc {
        name: "any",
        signature: "any(list, x => cond)",
        doc: "whether some element satisfies cond",
        cost: "one pass over the list, stopping at the first match",
        example: "any(m.items, x => x.category == \"大额资金使用\")",
        builtin: Some(Builtin::Any),
    },
    BuiltinDoc {
        name: "all",
        signature: "all(list, x => cond)",
        doc: "whether every element satisfies cond",
        cost: "one pass over the list, stopping at the first failure",
        example: "all(i.opinions, x => x.stance == \"同意\")",
        builtin: Some(Builtin::All),
    },
    BuiltinDoc {
        name: "none",
        signature: "none(list, x => cond)",
        doc: "whether no element satisfies cond",
        cost: "one pass over the list, stopping at the first match",
        example: "none(m.observers, x => x.unit == \"区纪委\")",
        builtin: Some(Builtin::NoneOf),
    },
    BuiltinDoc {
        name: "first",
        signature: "first(list) or first(list, x => cond)",
        doc: "the first element (that satisfies cond), or none",
        cost: "one pass over the list, stopping at the first match",
        example: "first(d.steps, x => x.step == \"划拨\")",
        builtin: Some(Builtin::First),
    },
    BuiltinDoc {
        name: "last",
        signature: "last(list) or last(list, x => cond)",
        doc: "the last element (that satisfies cond), or none",
        cost: "one pass over the list",
        example: "last(a.steps, x => x.step == \"承办\")",
        builtin: Some(Builtin::Last),
    },
    BuiltinDoc {
        name: "position",
        signature: "position(list, x => cond)",
        doc: "the 1-based position of the first element that satisfies cond, or none",
        cost: "one pass over the list, stopping at the first match",
        example: "position(d.steps, x => x.step == \"签字\")",
        builtin: Some(Builtin::Position),
    },
    BuiltinDoc {
        name: "distinct",
        signature: "distinct(list) or distinct(list, x => key)",
        doc: "the list without repeated values, or without elements whose key repeats an earlier one's (the first is kept)",
        cost: "one pass over the list",
        example: "distinct(map(m.items, x => x.category))",
        builtin: Some(Builtin::Distinct),
    },
    BuiltinDoc {
        name: "filter",
        signature: "filter(list, x => cond)",
        doc: "the elements that satisfy cond",
        cost: "one pass over the list",
        example: "filter(m.items, x => x.outcome == \"通过\")",
        builtin: Some(Builtin::Filter),
    },
    BuiltinDoc {
        name: "map",
        signature: "map(list, x => value)",
        doc: "the value for each element",
        cost: "one pass over the list",
        example: "map(m.absent, x => x.name)",
        builtin: Some(Builtin::Map),
    },
    BuiltinDoc {
        name: "flatten",
        signature: "flatten(list of lists)",
        doc: "one list",
        cost: "one pass over every inner list",
        example: "flatten(map(records(meeting), x => x.items))",
        builtin: Some(Builtin::Flatten),
    },
    BuiltinDoc {
        name: "sort",
        signature: "sort(list, x => key, …)",
        doc: "the list ordered by the keys",
        cost: "n log n comparisons; equal keys keep their order",
        example: "sort(records(disbursement), x => x.amount, x => x.id)",
        builtin: Some(Builtin::Sort),
    },
    BuiltinDoc {
        name: "take",
        signature: "take(list, n)",
        doc: "the first n elements",
        cost: "at most n elements copied",
        example: "take(sort(m.items, x => x.no), 3)",
        builtin: Some(Builtin::Take),
    },
    BuiltinDoc {
        name: "skip",
        signature: "skip(list, n)",
        doc: "the elements after the first n",
        cost: "one pass over the list",
        example: "skip(d.steps, 1)",
        builtin: Some(Builtin::Skip),
    },
    BuiltinDoc {
        name: "min",
        signature: "min(list) or min(list, x => value)",
        doc: "the smallest value, or none",
        cost: "one pass over the list",
        example: "min(d.steps, x => x.date)",
        builtin: Some(Builtin::Min),
    },
    BuiltinDoc {
        name: "max",
        signature: "max(list) or max(list, x => value)",
        doc: "the largest value, or none",
        cost: "one pass over the list",
        example: "max(m.items, x => x.amount)",
        builtin: Some(Builtin::Max),
    },
    BuiltinDoc {
        name: "group",
        signature: "group(list, x => key, …)",
        doc: "the elements grouped by key, computed once per run",
        cost: "one pass over the list; when the list does not depend on the rule's bindings (e.g. `records(KIND)`), computed once per run and shared by every record",
        example: "group(records(disbursement), x => x.org, x => x.payee)",
        builtin: Some(Builtin::Group),
    },
    BuiltinDoc {
        name: "get",
        signature: "get(groups, key, …)",
        doc: "the elements with that key (empty when none)",
        cost: "one lookup",
        example: "get(group(records(disbursement), x => x.org), o.id)",
        builtin: Some(Builtin::Get),
    },
    BuiltinDoc {
        name: "windows",
        signature: "windows(list, x => date, span) or windows(list, x => date, span, element)",
        doc: "the sets of elements whose dates lie within span of each other (with `element`, only the sets holding it; computed once per list)",
        cost: "n log n to sort by date, then the total size of the windows",
        example: "windows(records(disbursement), x => first(x.steps, y => y.step == \"划拨\").date, 30天)",
        builtin: Some(Builtin::Windows),
    },
];

impl<'a> Compiler<'a> {
    /// Type a call of a list function, pushing its compiled arguments;
    /// `None` when the call is wrong (the error is reported).
    pub(super) fn type_lists_call(
        &mut self,
        b: Builtin,
        name: &ast::Ident,
        args: &[Expr],
        span: Span,
        out: &mut Vec<Arg>,
    ) -> Option<Ty> {
        use Builtin as B;
        Some(match b {
            B::Count | B::First | B::Last | B::Min | B::Max | B::Sum | B::Distinct => {
                if !self.arity(name, args, 1, 2) {
                    return None;
                }
                if let (B::Count | B::First | B::Last, Some(f)) = (b, args.get(1)) {
                    self.naive_join(b, &name.name, span, &args[0], f);
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
            B::SumBefore => {
                if !self.arity(name, args, 3, 3) {
                    return None;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                let (f, t) = self.lambda(&args[1], elem);
                out.push(f);
                out.push(Arg::Value(self.expr(&args[2]).0));
                if !t.is_numeric() {
                    let found = self.describe(&t);
                    self.err(Diagnostic::error(span, format!("`sum_before` adds numbers, found {found}")).with_help("give a function that picks an amount: `sum_before(list, x => x.amount, element)`"));
                }
                if matches!(t.strip(), Ty::Money) {
                    Ty::Money.opt()
                } else {
                    Ty::Num.opt()
                }
            }
            B::Before => {
                if !self.arity(name, args, 2, 2) {
                    return None;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                out.push(Arg::Value(self.expr(&args[1]).0));
                Ty::List(Box::new(elem)).opt()
            }
            B::Any | B::All | B::NoneOf | B::Filter | B::Position => {
                if !self.arity(name, args, 2, 2) {
                    return None;
                }
                // `position` counts places in the whole list: the records
                // looked up by key have no such place, so no rewrite fits.
                if b != B::Position {
                    self.naive_join(b, &name.name, span, &args[0], &args[1]);
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
                    return None;
                }
                let (list, elem) = self.list_arg(&args[0]);
                out.push(list);
                let (f, t) = self.lambda(&args[1], elem);
                out.push(f);
                Ty::List(Box::new(t))
            }
            B::Flatten => {
                if !self.arity(name, args, 1, 1) {
                    return None;
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
                    return None;
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
                    return None;
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
                    return None;
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
            B::Windows => {
                if !self.arity(name, args, 3, 4) {
                    return None;
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
            // Each built-in is typed by its own family (see `super::family`).
            _ => return None,
        })
    }
}

impl<'a> Ev<'a, '_> {
    /// Evaluate a call of a list function.
    pub(super) fn eval_lists(
        &mut self,
        b: Builtin,
        args: &[Arg],
        span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        use Builtin as B;
        Ok(match b {
            B::Count => {
                let items = self.arg(args, 0, frame)?;
                match args.get(1) {
                    None => Value::num(Num::int(i64::try_from(items.len()).unwrap_or(i64::MAX))),
                    Some(f) => {
                        let mut n = 0i64;
                        for x in items.iter() {
                            if self.apply(f, x, frame)?.truthy() {
                                n += 1;
                            }
                        }
                        Value::num(Num::int(n))
                    }
                }
            }
            B::Sum => {
                let items = self.arg(args, 0, frame)?;
                let memo_key = match &items {
                    Value::List(l) if l.len() >= MEMO_MIN_LEN && self.pure_site(args) => {
                        Some((args.as_ptr() as usize, Arc::as_ptr(l) as usize))
                    }
                    _ => None,
                };
                if let Some((_, total)) = memo_key.and_then(|k| self.memo.sums.get(&k)) {
                    return Ok(total.clone());
                }
                let total = self.sum(&items, args, span, frame)?;
                if let Some(k) = memo_key {
                    self.memo.room(items.len());
                    self.memo.sums.insert(k, (items, total.clone()));
                }
                total
            }
            B::SumBefore => {
                // A running total over a shared list (a group sorted by
                // date) is asked for by each of its members: computed once.
                let list = self.arg(args, 0, frame)?;
                let key = self.arg(args, 2, frame)?.key();
                let memo_key = match &list {
                    Value::List(l) if l.len() >= MEMO_MIN_LEN && self.pure_fn(args) => {
                        Some((args.as_ptr() as usize, Arc::as_ptr(l) as usize))
                    }
                    _ => None,
                };
                if let Some(running) = memo_key.and_then(|k| self.memo.running.get(&k)) {
                    return running.before(&key, span);
                }
                let running = Arc::new(self.running(&list, args.get(1), frame)?);
                if let Some(k) = memo_key {
                    self.memo.room(list.len());
                    self.memo.running.insert(k, running.clone());
                }
                return running.before(&key, span);
            }
            B::Before => {
                let list = self.arg(args, 0, frame)?;
                let key = self.arg(args, 1, frame)?.key();
                let mut out = Vec::new();
                for x in list.iter() {
                    if x.key() == key {
                        return Ok(Value::List(Arc::new(out)));
                    }
                    out.push(x);
                }
                Value::None
            }
            B::Any | B::All | B::NoneOf => {
                let items = self.arg(args, 0, frame)?;
                let f = args.get(1);
                let mut hit = false;
                for x in items.iter() {
                    let t = match f {
                        Some(f) => self.apply(f, x, frame)?.truthy(),
                        None => x.truthy(),
                    };
                    if t != (b == B::All) {
                        hit = true;
                        break;
                    }
                }
                Value::Bool(match b {
                    B::Any => hit,
                    _ => !hit,
                })
            }
            B::First | B::Last | B::Position => {
                let list = self.arg(args, 0, frame)?;
                let mut items = list.iter();
                let mut i = 0usize;
                loop {
                    let next = if b == B::Last {
                        items.next_back()
                    } else {
                        items.next()
                    };
                    let Some(x) = next else {
                        break Value::None;
                    };
                    i += 1;
                    let ok = match args.get(1) {
                        Some(f) => self.apply(f, x.clone(), frame)?.truthy(),
                        None => true,
                    };
                    if ok {
                        break if b == B::Position {
                            Value::num(Num::int(i64::try_from(i).unwrap_or(0)))
                        } else {
                            x
                        };
                    }
                }
            }
            B::Distinct => {
                let items = self.arg(args, 0, frame)?.items();
                let mut seen = std::collections::HashSet::new();
                let mut out = Vec::new();
                for x in items {
                    let k = match args.get(1) {
                        Some(f) => self.apply(f, x.clone(), frame)?.key(),
                        None => x.key(),
                    };
                    if seen.insert(k) {
                        out.push(x);
                    }
                }
                Value::List(Arc::new(out))
            }
            B::Filter | B::Map => {
                let items = self.arg(args, 0, frame)?;
                let Some(f) = args.get(1) else {
                    return Ok(Value::None);
                };
                // A shared list (a group from `get`) filtered the same way
                // for every record that reads it: once.
                let memo_key = match &items {
                    Value::List(l) if l.len() >= MEMO_MIN_LEN && self.pure_site(args) => {
                        Some((args.as_ptr() as usize, Arc::as_ptr(l) as usize))
                    }
                    _ => None,
                };
                if let Some((_, out)) = memo_key.and_then(|k| self.memo.sums.get(&k)) {
                    return Ok(out.clone());
                }
                let mut out = Vec::with_capacity(items.len());
                let mut keep = |x: Value<'a>, y: Value<'a>| {
                    if b == B::Map {
                        out.push(y);
                    } else if y.truthy() {
                        out.push(x);
                    }
                };
                let shared =
                    self.apply_on_all_cores(std::slice::from_ref(f), &items, frame, |x, y| {
                        if let Some(y) = y.first_mut() {
                            keep(x, std::mem::replace(y, Value::None));
                        }
                    });
                match shared {
                    Some(done) => done?,
                    None => {
                        for x in items.iter() {
                            let y = self.apply(f, x.clone(), frame)?;
                            keep(x, y);
                        }
                    }
                }
                let out = Value::List(Arc::new(out));
                if let Some(k) = memo_key {
                    self.memo.room(items.len());
                    self.memo.sums.insert(k, (items, out.clone()));
                }
                out
            }
            B::Flatten => Value::List(Arc::new(
                self.arg(args, 0, frame)?
                    .items()
                    .iter()
                    .flat_map(Value::items)
                    .collect(),
            )),
            B::Sort => {
                let list = self.arg(args, 0, frame)?;
                let memo_key = match &list {
                    Value::List(l) if l.len() >= MEMO_MIN_LEN && self.pure_site(args) => {
                        Some((args.as_ptr() as usize, Arc::as_ptr(l) as usize))
                    }
                    _ => None,
                };
                if let Some((_, sorted)) = memo_key.and_then(|k| self.memo.sums.get(&k)) {
                    return Ok(sorted.clone());
                }
                let items = list.items();
                let mut keyed: Vec<(Vec<Value<'a>>, Value<'a>)> = Vec::with_capacity(items.len());
                for x in items {
                    let mut keys = Vec::new();
                    for f in args.iter().skip(1) {
                        keys.push(self.apply(f, x.clone(), frame)?.force());
                    }
                    keyed.push((keys, x));
                }
                keyed.sort_by(|(a, _), (b, _)| {
                    for (x, y) in a.iter().zip(b) {
                        let ord = match (x.is_none(), y.is_none()) {
                            (true, true) => std::cmp::Ordering::Equal,
                            (true, false) => std::cmp::Ordering::Less,
                            (false, true) => std::cmp::Ordering::Greater,
                            _ => compare(x, y).unwrap_or(std::cmp::Ordering::Equal),
                        };
                        if ord.is_ne() {
                            return ord;
                        }
                    }
                    std::cmp::Ordering::Equal
                });
                let sorted = Value::List(Arc::new(keyed.into_iter().map(|(_, x)| x).collect()));
                if let Some(k) = memo_key {
                    self.memo.room(list.len());
                    self.memo.sums.insert(k, (list, sorted.clone()));
                }
                sorted
            }
            B::Take | B::Skip => {
                // Without copying the whole list: `take(group, 10)` of a
                // large group costs 10.
                let items = self.arg(args, 0, frame)?;
                let n = self
                    .arg(args, 1, frame)?
                    .as_num()
                    .and_then(Num::to_i64)
                    .unwrap_or(0)
                    .max(0);
                let n = usize::try_from(n).unwrap_or(usize::MAX).min(items.len());
                let out: Vec<Value<'a>> = if b == B::Take {
                    items.iter().take(n).collect()
                } else {
                    items.iter().skip(n).collect()
                };
                Value::List(Arc::new(out))
            }
            B::Min | B::Max => {
                let items = self.arg(args, 0, frame)?.items();
                let mut best: Option<Value<'a>> = None;
                for x in items {
                    let v = match args.get(1) {
                        Some(f) => self.apply(f, x, frame)?,
                        None => x,
                    }
                    .force();
                    if v.is_none() {
                        continue;
                    }
                    let better = match &best {
                        None => true,
                        Some(cur) => compare(&v, cur)
                            .is_some_and(|o| if b == B::Min { o.is_lt() } else { o.is_gt() }),
                    };
                    if better {
                        best = Some(v);
                    }
                }
                best.unwrap_or(Value::None)
            }
            B::Group => {
                let items = self.arg(args, 0, frame)?;
                // Room in the table for a group per element; the room left
                // over is given back below, which costs a hash per group.
                let fs = args.get(1..).unwrap_or_default();
                let mut groups = GroupMap::new(fs.len(), items.len());
                // Each element with its key's parts: one with a part none is
                // in no group.
                let mut key = Vec::with_capacity(fs.len());
                let mut full = false;
                let mut group = |x: Value<'a>, parts: &mut [Value<'a>]| {
                    if parts.iter().any(Value::is_none) {
                        return;
                    }
                    key.extend(parts.iter().map(Value::key));
                    full |= groups.add(&mut key, x).is_err();
                };
                match self.apply_on_all_cores(fs, &items, frame, &mut group) {
                    Some(done) => done?,
                    None => {
                        let mut parts = Vec::with_capacity(fs.len());
                        for x in items.iter() {
                            parts.clear();
                            for f in fs {
                                parts.push(self.apply(f, x.clone(), frame)?);
                            }
                            group(x, &mut parts);
                        }
                    }
                }
                if full {
                    return fault(span, "more groups than a `group` can hold (4,294,967,296)");
                }
                groups.shrink_to_fit();
                Value::Groups(Arc::new(groups))
            }
            B::Get => {
                let groups = self.arg(args, 0, frame)?;
                let mut key = Vec::new();
                for i in 1..args.len() {
                    key.push(self.arg(args, i, frame)?.key());
                }
                match groups {
                    // The group itself, shared: `windows` and `sum` over it
                    // are then computed once per group.
                    Value::Groups(g) => {
                        Value::List(g.get(&key).map(Members::list).unwrap_or_default())
                    }
                    _ => Value::List(Arc::new(Vec::new())),
                }
            }
            B::Windows => {
                let list = self.arg(args, 0, frame)?;
                let span_days = match self.arg(args, 2, frame)?.force() {
                    Value::Days(d) => d,
                    _ => 0,
                };
                // A list of one has one window: nothing worth keeping.
                let memo_key = match &list {
                    Value::List(l)
                        if l.len() > 1 && self.pure_site(args.get(..3).unwrap_or(args)) =>
                    {
                        Some((args.as_ptr() as usize, Arc::as_ptr(l) as usize))
                    }
                    _ => None,
                };
                let windows = match memo_key.and_then(|k| self.memo.windows.get(&k)) {
                    Some(w) => w.clone(),
                    None => {
                        let len = list.len();
                        let w = Arc::new(self.windows(list, args, span_days, frame)?);
                        if let Some(k) = memo_key {
                            self.memo.room(len);
                            self.memo.windows.insert(k, w.clone());
                        }
                        w
                    }
                };
                if args.len() < 4 {
                    return Ok(Value::List(Arc::new(windows.windows.clone())));
                }
                // Only the windows holding the element: those starting
                // within the span before its date.
                let around = self.arg(args, 3, frame)?;
                let Some(&day) = windows.dates.get(&around.key()) else {
                    return Ok(Value::List(Arc::new(Vec::new())));
                };
                let from = windows.starts.partition_point(|&s| s < day - span_days);
                let to = windows.starts.partition_point(|&s| s <= day);
                Value::List(Arc::new(
                    windows.windows.get(from..to).unwrap_or_default().to_vec(),
                ))
            }
            // Each built-in is evaluated by its own family (see `super::family`).
            _ => Value::None,
        })
    }
}
