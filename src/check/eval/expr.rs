//! Expressions: names, fields, operators and applying lambdas.

use std::sync::{Arc, OnceLock};

use super::{Ev, Fault, FaultInfo, MAX_VALUE_LEN, R, Running, Windows, fault};
use crate::check::ids::IdEntry;
use crate::check::ir::{Arg, Ir, Op, TemplatePiece};
use crate::check::refs::{RefSite, Resolution, Target};
use crate::check::value::{FastMap, FastSet, Key, Value, compare, equal};
use crate::num::Num;
use crate::schema::{Data, Datum};
use crate::source::Span;
use crate::syntax::ast::{BinOp, UnOp};

impl<'a, 'p> Ev<'a, 'p> {
    pub(in crate::check) fn text_of(
        &mut self,
        ir: &Ir,
        frame: &mut Vec<Value<'a>>,
    ) -> Result<String, Fault> {
        let v = self.eval(ir, frame)?;
        let mut s = String::new();
        v.display(&mut s);
        Ok(s)
    }

    pub(in crate::check) fn eval(&mut self, ir: &Ir, frame: &mut Vec<Value<'a>>) -> R<'a> {
        let span = ir.span;
        Ok(match &ir.op {
            Op::Const(v) => v.clone(),
            Op::Local(slot) => frame.get(*slot).cloned().unwrap_or(Value::None),
            Op::Field(base, slot) => match self.eval(base, frame)? {
                Value::Node(d, rec) => field(d, rec, *slot),
                _ => Value::None,
            },
            Op::LocalField(local, slot) => match frame.get(*local) {
                Some(&Value::Node(d, rec)) => field(d, rec, *slot),
                _ => Value::None,
            },
            Op::LocalFieldIs(op, local, slot, c) => {
                let a = match frame.get(*local) {
                    Some(&Value::Node(d, rec)) => field(d, rec, *slot),
                    _ => Value::None,
                };
                Value::Bool(test(*op, &a, c))
            }
            Op::OneOrList(base, slot) => match self.eval(base, frame)? {
                Value::Node(d, rec) => match d.data.fields().and_then(|f| f.get(*slot)) {
                    Some(f) if matches!(f.data, Data::None) => Value::Absent(d, rec),
                    Some(f) if f.data.is_list() => Value::Node(f, rec),
                    Some(f) => Value::One(f, rec),
                    None => Value::None,
                },
                _ => Value::None,
            },
            Op::KindName(base) => match self.eval(base, frame)? {
                Value::Node(_, rec) | Value::Absent(_, rec) => self
                    .store
                    .records
                    .get(rec as usize)
                    .and_then(|r| self.schema.kinds.get(r.kind))
                    .map_or(Value::None, |k| Value::Str(&k.name)),
                _ => Value::None,
            },
            Op::ObjField(base, slot) => match self.eval(base, frame)? {
                Value::Obj(_, fields) => fields.get(*slot).cloned().unwrap_or(Value::None),
                _ => Value::None,
            },
            Op::Index(base, index) => {
                let list = self.eval(base, frame)?;
                let i = self
                    .eval(index, frame)?
                    .as_num()
                    .and_then(Num::to_i64)
                    .unwrap_or(0);
                match usize::try_from(i) {
                    Ok(i) if i >= 1 => list.iter().nth(i - 1).unwrap_or(Value::None),
                    _ => Value::None,
                }
            }
            Op::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i, frame)?);
                }
                Value::List(Arc::new(out))
            }
            Op::Unary(op, operand) => {
                let v = self.eval(operand, frame)?.force();
                match (op, v) {
                    (UnOp::Not, v) => Value::Bool(!v.truthy()),
                    (UnOp::Neg, Value::Num(n)) => Value::num(
                        n.get()
                            .checked_neg()
                            .ok_or(())
                            .or_else(|()| fault(span, "number too large"))?,
                    ),
                    (UnOp::Neg, Value::Days(d)) => Value::Days(-d),
                    (UnOp::Neg, _) => Value::None,
                }
            }
            Op::Binary(op, l, r) => self.binary(*op, l, r, span, frame)?,
            Op::If(c, a, b) => {
                if self.eval(c, frame)?.truthy() {
                    self.eval(a, frame)?
                } else {
                    self.eval(b, frame)?
                }
            }
            Op::Let(slot, value, body) => {
                let v = self.eval(value, frame)?;
                if let Some(s) = frame.get_mut(*slot) {
                    *s = v;
                }
                self.eval(body, frame)?
            }
            Op::Memo(id, slot, value, body) => {
                let v = self.eval(value, frame)?;
                // Within a whole-run value's hot part, `records()` means
                // fewer records: nothing there is kept or reused.
                let key = match v {
                    Value::Node(d, _) if !self.hot_only => {
                        Some((*id, std::ptr::from_ref(d) as usize))
                    }
                    _ => None,
                };
                if let Some(hit) = key.and_then(|k| self.memo.defs.get(&k)) {
                    return Ok(hit.clone());
                }
                if let Some(s) = frame.get_mut(*slot) {
                    *s = v;
                }
                let out = self.eval(body, frame)?;
                if let Some(k) = key {
                    if self.memo.defs.len() >= DEFS_HELD {
                        self.memo.defs.clear();
                    }
                    self.memo.defs.insert(k, out.clone());
                }
                out
            }
            Op::Call(b, args) => self.call(*b, args, span, frame)?,
            Op::Records(k) => Value::List(Arc::new(
                self.store
                    .by_kind
                    .get(*k)
                    .map(|l| {
                        l.iter()
                            .filter(|&&r| !self.outside_part(r))
                            .filter_map(|&r| self.store.root(r))
                            .collect()
                    })
                    .unwrap_or_default(),
            )),
            Op::AllRecords => Value::List(Arc::new(
                self.store
                    .by_kind
                    .iter()
                    .flatten()
                    .filter(|&&r| !self.outside_part(r))
                    .filter_map(|&r| self.store.root(r))
                    .collect(),
            )),
            Op::LookupRef(kind, id) => {
                let id = self.eval(id, frame)?;
                match id.as_str().and_then(|s| self.store.id(*kind, s)) {
                    Some(IdEntry::Checked(rec)) => self.store.root(rec).unwrap_or(Value::None),
                    _ => Value::None,
                }
            }
            Op::Rejected(kind, id) => {
                let id = self.eval(id, frame)?;
                Value::Bool(
                    id.as_str().and_then(|s| self.store.id(*kind, s)) == Some(IdEntry::Rejected),
                )
            }
            Op::LookupKey(holder, slot, sid) => {
                let schema = self.schema;
                let key = schema
                    .structs
                    .get(*sid)
                    .and_then(|s| s.fields.get(*slot))
                    .and_then(|f| match &f.ty {
                        crate::schema::FieldTy::Key(k) => Some(k),
                        _ => None,
                    });
                let holder = self.eval(holder, frame)?;
                let site = match (holder, key) {
                    (Value::Node(d, _), Some(key)) => d
                        .data
                        .fields()
                        .and_then(|f| f.get(*slot))
                        .map(|datum| RefSite {
                            datum,
                            field: "",
                            target: Target::Key { key, holder: d },
                        }),
                    _ => None,
                };
                match site.map(|s| self.store.resolve(&s)) {
                    Some(Resolution::Found(d, rec)) => Value::Node(d, rec),
                    _ => Value::None,
                }
            }
            // The hot file's part of a whole-run value is not the value.
            Op::Cached(_, inner) if self.hot_only => self.eval(inner, frame)?,
            Op::Cached(slot, inner) => {
                if let Some(v) = self.cache.get(*slot).and_then(OnceLock::get) {
                    return Ok(v.clone());
                }
                // Two threads may both compute it; they compute the same value.
                let v = match self.layered_slot(*slot, inner, frame) {
                    Some(v) => v,
                    None => self.eval(inner, frame)?,
                };
                if let Some(c) = self.cache.get(*slot) {
                    let _ = c.set(v.clone());
                }
                v
            }
            Op::Today => self.today.map_or(Value::None, Value::Date),
            Op::Template(pieces) => {
                let mut s = String::new();
                for p in pieces {
                    match p {
                        TemplatePiece::Text(t) => s.push_str(t),
                        TemplatePiece::Value(ir) => self.eval(ir, frame)?.display(&mut s),
                    }
                    if s.len() > MAX_VALUE_LEN {
                        return fault(span, format!("text longer than {MAX_VALUE_LEN} bytes"));
                    }
                }
                Value::Text(Arc::from(s.as_str()))
            }
        })
    }

    pub(in crate::check) fn binary(
        &mut self,
        op: BinOp,
        l: &Ir,
        r: &Ir,
        span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        match op {
            BinOp::And => {
                return Ok(Value::Bool(
                    self.eval(l, frame)?.truthy() && self.eval(r, frame)?.truthy(),
                ));
            }
            BinOp::Or => {
                return Ok(Value::Bool(
                    self.eval(l, frame)?.truthy() || self.eval(r, frame)?.truthy(),
                ));
            }
            BinOp::Default => {
                let a = self.eval(l, frame)?;
                return if a.is_none() {
                    self.eval(r, frame)
                } else {
                    Ok(a)
                };
            }
            _ => {}
        }
        let a = self.eval(l, frame)?;
        // A constant right operand (`x == "通过"`, `x in 三重一大`) is read
        // where it is: a copy of a shared text or list is two atomic
        // operations, which every thread contends for.
        let evaluated;
        let b = match &r.op {
            Op::Const(v) => v,
            _ => {
                evaluated = self.eval(r, frame)?;
                &evaluated
            }
        };
        let overflow = || FaultInfo::at(span, "arithmetic overflow: the result is too large", None);
        Ok(match op {
            _ if op.is_test() => Value::Bool(test(op, &a, b)),
            BinOp::Union | BinOp::Intersect => set_op(op, &a, b),
            _ => match (a.force(), b.force()) {
                (Value::None, _) | (_, Value::None) => Value::None,
                (Value::Num(_), Value::Num(y)) if op == BinOp::Div && y.get() == Num::ZERO => {
                    return fault(span, "division by zero: the divisor is 0");
                }
                (Value::Num(x), Value::Num(y)) => Value::num({
                    let (x, y) = (x.get(), y.get());
                    match op {
                        BinOp::Add => x.checked_add(y),
                        BinOp::Sub => x.checked_sub(y),
                        BinOp::Mul => x.checked_mul(y),
                        _ => x.checked_div(y),
                    }
                    .ok_or_else(overflow)?
                }),
                (Value::Date(x), Value::Date(y)) => Value::Days(i64::from(x.0) - i64::from(y.0)),
                (Value::Date(x), Value::Days(d)) => {
                    let d = if op == BinOp::Sub {
                        d.checked_neg()
                    } else {
                        Some(d)
                    };
                    match d.and_then(|d| x.add_days(d)) {
                        Some(date) => Value::Date(date),
                        None => {
                            return fault(
                                span,
                                "date out of range: the result is not a date between years 1 and 9999",
                            );
                        }
                    }
                }
                (Value::Days(x), Value::Days(y)) => Value::Days(
                    if op == BinOp::Sub {
                        x.checked_sub(y)
                    } else {
                        x.checked_add(y)
                    }
                    .ok_or_else(overflow)?,
                ),
                (Value::Days(x), Value::Num(n)) | (Value::Num(n), Value::Days(x)) => {
                    let product = Num::int(x).checked_mul(n.get()).ok_or_else(overflow)?;
                    Value::Days(product.to_i64().ok_or_else(overflow)?)
                }
                (x, y) => match (x.as_str(), y.as_str()) {
                    (Some(s), Some(t)) if op == BinOp::Add => {
                        if s.len() + t.len() > MAX_VALUE_LEN {
                            return fault(span, format!("text longer than {MAX_VALUE_LEN} bytes"));
                        }
                        Value::text(&format!("{s}{t}"))
                    }
                    _ if op == BinOp::Add => {
                        if x.len() + y.len() > MAX_VALUE_LEN {
                            return fault(
                                span,
                                format!("list longer than {MAX_VALUE_LEN} elements"),
                            );
                        }
                        let mut items = x.items();
                        items.extend(y.items());
                        Value::List(Arc::new(items))
                    }
                    _ if op == BinOp::Sub => set_op(op, &x, &y),
                    _ => Value::None,
                },
            },
        })
    }

    pub(in crate::check) fn apply(
        &mut self,
        f: &Arg,
        v: Value<'a>,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        match f {
            Arg::Lambda(slot, body) => {
                if let Some(s) = frame.get_mut(*slot) {
                    *s = v;
                } else {
                    frame.resize(*slot + 1, Value::None);
                    if let Some(s) = frame.get_mut(*slot) {
                        *s = v;
                    }
                }
                self.eval(body, frame)
            }
            Arg::Value(ir) => self.eval(ir, frame),
        }
    }

    pub(in crate::check) fn arg(
        &mut self,
        args: &[Arg],
        i: usize,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        match args.get(i) {
            Some(Arg::Value(ir)) => self.eval(ir, frame),
            _ => Ok(Value::None),
        }
    }

    /// Whether the arguments after the first are pure, so that a result
    /// depends on the first alone.
    pub(in crate::check) fn pure_site(&mut self, args: &[Arg]) -> bool {
        let site = args.as_ptr() as usize;
        if let Some(&pure) = self.memo.pure.get(&site) {
            return pure;
        }
        let pure = args.iter().skip(1).all(|a| match a {
            Arg::Value(ir) => ir.is_pure_in(None),
            Arg::Lambda(slot, body) => body.is_pure_in(Some(*slot)),
        });
        self.memo.pure.insert(site, pure);
        pure
    }

    /// Whether the function argument (the second) is pure, so that a
    /// result depends on the list and the other arguments alone.
    pub(in crate::check) fn pure_fn(&mut self, args: &[Arg]) -> bool {
        let site = args.as_ptr() as usize;
        if let Some(&pure) = self.memo.pure.get(&site) {
            return pure;
        }
        let pure = match args.get(1) {
            Some(Arg::Value(ir)) => ir.is_pure_in(None),
            Some(Arg::Lambda(slot, body)) => body.is_pure_in(Some(*slot)),
            None => true,
        };
        self.memo.pure.insert(site, pure);
        pure
    }

    /// The running totals of `f` over a list: one pass.
    pub(in crate::check) fn running(
        &mut self,
        list: &Value<'a>,
        f: Option<&Arg>,
        frame: &mut Vec<Value<'a>>,
    ) -> Result<Running<'a>, Fault> {
        let mut totals = Vec::with_capacity(list.len() + 1);
        let mut first = FastMap::default();
        let mut total = Some(Num::ZERO);
        for (i, x) in list.iter().enumerate() {
            totals.push(total);
            first.entry(x.key()).or_insert(i);
            let v = match f {
                Some(f) => self.apply(f, x, frame)?,
                None => x,
            };
            if let (Some(t), Some(n)) = (total, v.as_num()) {
                total = t.checked_add(n);
            }
        }
        totals.push(total);
        Ok(Running::new(list.clone(), totals, first))
    }

    /// `sum(list)` or `sum(list, x => amount)`.
    pub(in crate::check) fn sum(
        &mut self,
        items: &Value<'a>,
        args: &[Arg],
        span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        let mut total = Num::ZERO;
        for x in items.iter() {
            let v = match args.get(1) {
                Some(f) => self.apply(f, x, frame)?,
                None => x,
            };
            if let Some(n) = v.as_num() {
                total = total
                    .checked_add(n)
                    .ok_or(())
                    .or_else(|()| fault(span, "the sum is too large"))?;
            }
        }
        Ok(Value::num(total))
    }

    /// Every window of a list: for each distinct date, the elements dated
    /// from it to `span_days` later.
    pub(in crate::check) fn windows(
        &mut self,
        list: Value<'a>,
        args: &[Arg],
        span_days: i64,
        frame: &mut Vec<Value<'a>>,
    ) -> Result<Windows<'a>, Fault> {
        let mut out = Windows {
            _list: list.clone(),
            starts: Vec::new(),
            windows: Vec::new(),
            dates: FastMap::default(),
        };
        let Some(f) = args.get(1) else {
            return Ok(out);
        };
        let mut dated = Vec::new();
        for x in list.iter() {
            if let Value::Date(d) = self.apply(f, x.clone(), frame)?.force() {
                out.dates.insert(x.key(), i64::from(d.0));
                dated.push((i64::from(d.0), x));
            }
        }
        dated.sort_by_key(|(d, _)| *d);
        let mut start = 0;
        while let Some(&(first, _)) = dated.get(start) {
            let members: Vec<Value<'a>> = dated[start..]
                .iter()
                .take_while(|(d, _)| *d - first <= span_days)
                .map(|(_, x)| x.clone())
                .collect();
            out.starts.push(first);
            out.windows.push(Value::List(Arc::new(members)));
            // The next window starts at the next distinct date.
            while dated.get(start).is_some_and(|(d, _)| *d == first) {
                start += 1;
            }
        }
        Ok(out)
    }
}

/// The most `def` results an evaluator keeps: rules run record by record,
/// so the results that are asked for again are those of the last records.
const DEFS_HELD: usize = 1 << 12;

/// Field `slot` of the structure `d` in record `rec`.
fn field<'a>(d: &'a Datum, rec: u32, slot: usize) -> Value<'a> {
    match d.data.fields().and_then(|f| f.get(slot)) {
        Some(f) if matches!(f.data, Data::None) => Value::Absent(d, rec),
        Some(f) => Value::Node(f, rec),
        None => Value::None,
    }
}

/// `a op b` for an operator that compares ([`BinOp::is_test`]); false
/// for any other.
fn test(op: BinOp, a: &Value<'_>, b: &Value<'_>) -> bool {
    match op {
        BinOp::Eq => equal(a, b),
        BinOp::Ne => !equal(a, b),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => match compare(a, b) {
            Some(ord) => match op {
                BinOp::Lt => ord.is_lt(),
                BinOp::Le => ord.is_le(),
                BinOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            },
            None => false,
        },
        BinOp::In | BinOp::NotIn => {
            let found = !a.is_none() && b.any_item(|x| equal(a, x));
            found == (op == BinOp::In)
        }
        _ => false,
    }
}

/// `|`, `&` and list `-`: results keep the left operand's order, without repeats.
fn set_op<'a>(op: BinOp, a: &Value<'a>, b: &Value<'a>) -> Value<'a> {
    let mut right = KeySet::with_capacity(b.len());
    for x in b.iter() {
        right.insert(x.key());
    }
    let mut seen = KeySet::with_capacity(a.len() + if op == BinOp::Union { b.len() } else { 0 });
    let mut out = Vec::new();
    for x in a.iter() {
        let k = x.key();
        let keep = match op {
            BinOp::Intersect => right.contains(&k),
            BinOp::Sub => !right.contains(&k),
            _ => true,
        };
        if keep && seen.insert(k) {
            out.push(x);
        }
    }
    if op == BinOp::Union {
        for x in b.iter() {
            if seen.insert(x.key()) {
                out.push(x);
            }
        }
    }
    Value::List(Arc::new(out))
}

/// Keys of a set operation, held as the lengths of its lists say: looked
/// through one by one when they are few (the members of a meeting),
/// hashed when they are many.
enum KeySet<'a> {
    Few(Vec<Key<'a>>),
    Many(FastSet<Key<'a>>),
}

/// The most keys looked through one by one: below it, comparing costs
/// less than hashing.
const FEW_KEYS: usize = 32;

impl<'a> KeySet<'a> {
    fn with_capacity(n: usize) -> KeySet<'a> {
        if n <= FEW_KEYS {
            KeySet::Few(Vec::with_capacity(n))
        } else {
            KeySet::Many(FastSet::default())
        }
    }

    fn contains(&self, k: &Key<'a>) -> bool {
        match self {
            KeySet::Few(keys) => keys.contains(k),
            KeySet::Many(keys) => keys.contains(k),
        }
    }

    /// Add `k`; whether it was not there yet.
    fn insert(&mut self, k: Key<'a>) -> bool {
        match self {
            KeySet::Few(keys) => {
                let new = !keys.contains(&k);
                if new {
                    keys.push(k);
                }
                new
            }
            KeySet::Many(keys) => keys.insert(k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(xs: impl IntoIterator<Item = i64>) -> Value<'static> {
        Value::List(Arc::new(
            xs.into_iter().map(|i| Value::num(Num::int(i))).collect(),
        ))
    }

    fn keys(v: &Value<'static>) -> Vec<Key<'static>> {
        v.iter().map(|x| x.key()).collect()
    }

    /// The keys looked through one by one and the hashed ones give the
    /// same lists: left order kept, repeats dropped.
    #[test]
    fn set_operations_agree_on_few_and_many_elements() {
        // Every list short; the left one at the limit; over it; all long.
        for n in [4_i64, 16, 17, 40] {
            let a: Vec<i64> = (0..n).rev().chain(0..n).collect();
            let b: Vec<i64> = (n / 2..n + n / 2).collect();
            let unique = |xs: Vec<i64>| {
                let mut seen = Vec::new();
                xs.into_iter()
                    .filter(|x| {
                        let new = !seen.contains(x);
                        seen.push(*x);
                        new
                    })
                    .collect::<Vec<i64>>()
            };
            let expect = |op, xs: Vec<i64>| {
                let got = set_op(op, &list(a.clone()), &list(b.clone()));
                assert_eq!(keys(&got), keys(&list(xs)), "{op:?} with n = {n}");
            };
            expect(
                BinOp::Sub,
                unique(a.iter().copied().filter(|x| !b.contains(x)).collect()),
            );
            expect(
                BinOp::Intersect,
                unique(a.iter().copied().filter(|x| b.contains(x)).collect()),
            );
            expect(BinOp::Union, unique(a.iter().chain(&b).copied().collect()));
        }
    }
}
