//! The built-in functions, evaluated.

use std::collections::HashMap;
use std::sync::Arc;

use super::calendar::Calendar;
use super::chains::{chain_early, chain_missing, chain_shared};
use super::{Ev, MEMO_MIN_LEN, R, fault};
use crate::check::ir::{Arg, Builtin};
use crate::check::program::pattern_matches;
use crate::check::refs::{Resolution, Target};
use crate::check::types::ObjKind;
use crate::check::value::{Key, Value, compare};
use crate::num::Num;
use crate::source::Span;

impl<'a, 'p> Ev<'a, 'p> {
    pub(super) fn call(
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
                    None => Value::Num(Num::int(i64::try_from(items.len()).unwrap_or(i64::MAX))),
                    Some(f) => {
                        let mut n = 0i64;
                        for x in items.iter() {
                            if self.apply(f, x, frame)?.truthy() {
                                n += 1;
                            }
                        }
                        Value::Num(Num::int(n))
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
                let items: Box<dyn Iterator<Item = Value<'a>>> = if b == B::Last {
                    Box::new(list.items().into_iter().rev())
                } else {
                    Box::new(list.iter())
                };
                let mut found = Value::None;
                for (i, x) in items.enumerate() {
                    let ok = match args.get(1) {
                        Some(f) => self.apply(f, x.clone(), frame)?.truthy(),
                        None => true,
                    };
                    if ok {
                        found = if b == B::Position {
                            Value::Num(Num::int(i64::try_from(i + 1).unwrap_or(0)))
                        } else {
                            x
                        };
                        break;
                    }
                }
                found
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
                let mut out = Vec::with_capacity(items.len());
                for x in items.iter() {
                    let y = self.apply(f, x.clone(), frame)?;
                    if b == B::Map {
                        out.push(y);
                    } else if y.truthy() {
                        out.push(x);
                    }
                }
                Value::List(Arc::new(out))
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
                let items = self.arg(args, 0, frame)?.items();
                let mut groups: HashMap<Vec<Key>, Vec<Value<'a>>> = HashMap::new();
                for x in items {
                    let mut key = Vec::new();
                    let mut skip = false;
                    for f in args.iter().skip(1) {
                        let k = self.apply(f, x.clone(), frame)?;
                        skip |= k.is_none();
                        key.push(k.key());
                    }
                    if !skip {
                        groups.entry(key).or_default().push(x);
                    }
                }
                Value::Groups(Arc::new(
                    groups.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
                ))
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
                    Value::Groups(g) => Value::List(g.get(&key).cloned().unwrap_or_default()),
                    _ => Value::List(Arc::new(Vec::new())),
                }
            }
            B::Exists => Value::Bool(!self.arg(args, 0, frame)?.is_none()),
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
            B::Year | B::Month | B::Quarter => match self.arg(args, 0, frame)?.force() {
                Value::Date(d) => {
                    let (y, m, _) = d.ymd();
                    Value::Num(Num::int(match b {
                        B::Year => i64::from(y),
                        B::Month => i64::from(m),
                        _ => i64::from(m.div_ceil(3)),
                    }))
                }
                _ => Value::None,
            },
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
                    Value::Num(rounded)
                } else {
                    Value::text(&format!("{}%", rounded.fixed(places)))
                }
            }
            B::Calendar => {
                let mut parts = Vec::with_capacity(3);
                for i in 0..3 {
                    let v = self.arg(args, i, frame)?;
                    parts.push(Value::List(Arc::new(
                        v.items().iter().map(Value::force).collect(),
                    )));
                }
                Value::Obj(ObjKind::Calendar, Arc::new(parts))
            }
            B::Workdays | B::AddWorkdays => {
                let a = self.arg(args, 0, frame)?;
                let n = self.arg(args, 1, frame)?;
                let cal = match self.arg(args, 2, frame)? {
                    Value::Obj(ObjKind::Calendar, parts) => Calendar::new(&parts),
                    _ => return Ok(Value::None),
                };
                let Value::Date(start) = a.force() else {
                    return Ok(Value::None);
                };
                if b == B::Workdays {
                    let Value::Date(end) = n.force() else {
                        return Ok(Value::None);
                    };
                    match cal.count(start, end) {
                        Ok(c) => Value::Num(Num::int(c)),
                        Err(year) => {
                            let at = if cal.covers(start.year()) { &n } else { &a };
                            return Err(self.outside_calendar(at, year, &cal, span));
                        }
                    }
                } else {
                    let Some(steps) = n.as_num().and_then(Num::to_i64) else {
                        return Ok(Value::None);
                    };
                    match cal.add(start, steps) {
                        Ok(Some(d)) => Value::Date(d),
                        Ok(None) => Value::None,
                        Err(year) => return Err(self.outside_calendar(&a, year, &cal, span)),
                    }
                }
            }
            B::Days => match self.arg(args, 0, frame)?.force() {
                Value::Days(d) => Value::Num(Num::int(d)),
                _ => Value::None,
            },
            B::Ceil => match self.arg(args, 0, frame)?.as_num() {
                Some(n) => Value::Num(n.ceil()),
                None => Value::None,
            },
            B::Findings | B::FindingsOn => {
                let pattern = self.arg(args, 0, frame)?;
                let pattern = pattern.as_str().unwrap_or("").to_string();
                let target = self.arg(args, 1, frame)?;
                let Some((d, rec)) = target.datum() else {
                    return Ok(Value::List(Arc::new(Vec::new())));
                };
                let mut out = Vec::new();
                let Some(program) = self.program else {
                    return Ok(Value::List(Arc::new(out)));
                };
                // The rules asked about may not have run on this record yet
                // (when evaluation is focused): run them now. Otherwise they
                // ran in an earlier wave.
                if self.focus.is_some() {
                    for (j, other) in program.rules.iter().enumerate() {
                        if pattern_matches(&pattern, &other.id) {
                            self.rule_on(j, other, rec);
                        }
                    }
                }
                let local = self.by_record.get(&rec).map(Vec::as_slice).unwrap_or(&[]);
                let earlier = self
                    .prior_by_record
                    .get(&rec)
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|&fi| self.prior.get(fi));
                for f in earlier.chain(local.iter().filter_map(|&fi| self.fired.get(fi))) {
                    let Some(rule) = program.rules.get(f.rule) else {
                        continue;
                    };
                    if !pattern_matches(&pattern, &rule.id) {
                        continue;
                    }
                    let hit = if b == B::FindingsOn {
                        f.subject == d.span
                    } else {
                        f.subject.file == d.span.file
                            && d.span.start <= f.subject.start
                            && f.subject.end <= d.span.end
                    };
                    if hit {
                        out.push(Value::Obj(
                            ObjKind::Finding,
                            Arc::new(vec![
                                Value::Str(&rule.id),
                                Value::Str(rule.severity.as_str()),
                                Value::text(&f.message),
                                Value::Str(&rule.title),
                            ]),
                        ));
                    }
                }
                Value::List(Arc::new(out))
            }
            B::Missing | B::Early | B::SharedActors => {
                let chain = match self.arg(args, 0, frame)? {
                    Value::Chain(c) => self.program.and_then(|p| p.chains.get(c)),
                    _ => None,
                };
                let steps = self.arg(args, 1, frame)?.items();
                let Some(chain) = chain else {
                    return Ok(Value::None);
                };
                Value::List(Arc::new(match b {
                    B::Missing => chain_missing(chain, &steps),
                    B::Early => chain_early(chain, &steps),
                    _ => chain_shared(chain, &steps),
                }))
            }
            B::Windows => {
                let list = self.arg(args, 0, frame)?;
                let span_days = match self.arg(args, 2, frame)?.force() {
                    Value::Days(d) => d,
                    _ => 0,
                };
                let memo_key = match &list {
                    Value::List(l) if self.pure_site(args.get(..3).unwrap_or(args)) => {
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
                Value::Node(_, rec) => self.store.root(rec).unwrap_or(Value::None),
                _ => Value::None,
            },
        })
    }
}

fn ref_use<'a>(
    field: &str,
    target: &str,
    value: Value<'a>,
    resolved: bool,
    node: Value<'a>,
) -> Value<'a> {
    Value::Obj(
        ObjKind::RefUse,
        Arc::new(vec![
            Value::text(field),
            Value::text(target),
            value,
            Value::Bool(resolved),
            node,
        ]),
    )
}
