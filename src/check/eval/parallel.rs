//! Functions applied to the elements of a long list on all cores. A
//! whole-run value such as `group(records(disbursement), e => …)` is one
//! expression: left to one thread, it is the part of a run that does not
//! get faster with more of them.

use rayon::prelude::*;

use super::{Ev, Fault};
use crate::check::ir::Arg;
use crate::check::value::Value;

/// Lists at least this long have their elements shared out among the
/// threads; a shorter one costs less than the sharing.
const PARALLEL_MIN: usize = 2048;

/// Elements shared out at a time: enough for every thread to have several
/// chunks, few enough that their values take little memory.
const WINDOW: usize = 1 << 16;

impl<'a, 'p> Ev<'a, 'p> {
    /// Apply every function of `fs` to every element of the list `list`,
    /// sharing the elements out among the threads when the list is long
    /// enough to be worth it, and hand each element with its values
    /// (`fs.len()` of them, to be taken) to `each`, in list order. `None`
    /// when the list is not shared out, for the caller to apply the
    /// functions as it goes. What `each` is given, and the error (the
    /// first in list order), are those of one pass over the list.
    ///
    /// The list is shared out a window at a time: the values of a window
    /// are handed over before the next is computed, so that a list of a
    /// million records never has a million values waiting beside it.
    ///
    /// Each thread evaluates with an evaluator of its own over the same
    /// run ([`Ev::fork`]): what the functions compute depends on the
    /// elements and the frame alone. What a function may leave behind
    /// besides its value (findings of rules run on demand, errors and
    /// rejections recorded by a rule, the memo) belongs to a focused
    /// evaluation or to the rule level, so a list is shared out only
    /// without a focus: the editor's evaluation of the open files stays on
    /// one thread, while the whole-run values over the files it does not
    /// change (see `Frozen`) are computed on all cores.
    pub(in crate::check) fn apply_on_all_cores(
        &self,
        fs: &[Arg],
        list: &Value<'a>,
        frame: &[Value<'a>],
        mut each: impl FnMut(Value<'a>, &mut [Value<'a>]),
    ) -> Option<Result<(), Fault>> {
        let threads = rayon::current_num_threads();
        if fs.is_empty() || list.len() < PARALLEL_MIN || threads < 2 || self.focus.is_some() {
            return None;
        }
        let mut elements = list.iter();
        let mut window: Vec<Value<'a>> = Vec::with_capacity(WINDOW.min(list.len()));
        loop {
            window.clear();
            window.extend(elements.by_ref().take(WINDOW));
            if window.is_empty() {
                return Some(Ok(()));
            }
            let chunk = window.len().div_ceil(threads * 4).max(PARALLEL_MIN / 4);
            let parts: Vec<Result<Vec<Value<'a>>, Fault>> = window
                .par_chunks(chunk)
                .with_max_len(1)
                .map(|part| {
                    let mut ev = self.fork();
                    let mut frame = frame.to_vec();
                    let mut out = Vec::with_capacity(part.len() * fs.len());
                    for x in part {
                        for f in fs {
                            out.push(ev.apply(f, x.clone(), &mut frame)?);
                        }
                    }
                    Ok(out)
                })
                .collect();
            let mut xs = window.drain(..);
            for part in parts {
                let mut values = match part {
                    Ok(values) => values,
                    Err(e) => return Some(Err(e)),
                };
                // The part's values first: zipped the other way round, the
                // element after the part would be taken and lost.
                for (vs, x) in values.chunks_mut(fs.len()).zip(xs.by_ref()) {
                    each(x, vs);
                }
            }
        }
    }

    /// An evaluator for another thread: the same run, program and place,
    /// with its own findings, errors and memo.
    fn fork(&self) -> Ev<'a, 'p> {
        let mut ev = Ev::new(
            self.program,
            self.schema,
            self.store,
            self.cache,
            (self.prior, self.prior_by_record),
            self.focus,
        );
        ev.in_force = self.in_force;
        ev.current = self.current;
        ev.today = self.today;
        ev.base = self.base;
        ev.hot_only = self.hot_only;
        ev
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::WINDOW;
    use crate::check::eval::eval_const;
    use crate::check::ir::{Arg, Builtin, Ir, Op};
    use crate::check::value::Value;
    use crate::num::Num;
    use crate::source::Span;
    use crate::syntax::ast::BinOp;

    fn ir(op: Op) -> Ir {
        Ir {
            op,
            span: Span::default(),
        }
    }

    fn num(n: i64) -> Value<'static> {
        Value::num(Num::int(n))
    }

    /// `f(list, x => body)` over the numbers `0..len`, on two threads.
    fn call(f: Builtin, len: i64, body: Ir) -> Result<Value<'static>, String> {
        let list = Value::List(Arc::new((0..len).map(num).collect()));
        let call = ir(Op::Call(
            f,
            vec![Arg::Value(ir(Op::Const(list))), Arg::Lambda(0, body)],
        ));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .map_err(|e| e.to_string())?;
        pool.install(|| eval_const(&call).map_err(|d| d.message))
    }

    fn x() -> Ir {
        ir(Op::Local(0))
    }

    fn numbers(v: &Value<'_>) -> Vec<i64> {
        v.iter()
            .filter_map(|n| n.as_num().and_then(Num::to_i64))
            .collect()
    }

    /// A list several windows long, shared out on two threads, gives each
    /// element its own values, in order, across the boundaries of parts
    /// and windows.
    #[test]
    fn every_element_meets_its_own_values_across_windows() -> Result<(), String> {
        let len = i64::try_from(3 * WINDOW + 1000).map_err(|e| e.to_string())?;
        let window = i64::try_from(WINDOW).map_err(|e| e.to_string())?;
        let doubled = call(
            Builtin::Map,
            len,
            ir(Op::Binary(
                BinOp::Mul,
                Box::new(x()),
                Box::new(ir(Op::Const(num(2)))),
            )),
        )?;
        assert_eq!(
            numbers(&doubled),
            (0..len).map(|n| n * 2).collect::<Vec<_>>()
        );
        // The elements kept are those whose own value says so: around the
        // end of the first window and the end of the list.
        let near = |at: i64| {
            ir(Op::Binary(
                BinOp::And,
                Box::new(ir(Op::Binary(
                    BinOp::Ge,
                    Box::new(x()),
                    Box::new(ir(Op::Const(num(at - 3)))),
                ))),
                Box::new(ir(Op::Binary(
                    BinOp::Lt,
                    Box::new(x()),
                    Box::new(ir(Op::Const(num(at + 3)))),
                ))),
            ))
        };
        let kept = call(
            Builtin::Filter,
            len,
            ir(Op::Binary(
                BinOp::Or,
                Box::new(near(window)),
                Box::new(near(len)),
            )),
        )?;
        let mut want: Vec<i64> = (window - 3..window + 3).collect();
        want.extend(len - 3..len);
        assert_eq!(numbers(&kept), want);
        // Grouped by itself, every element is alone in its group.
        let groups = call(Builtin::Group, len, x())?;
        let Value::Groups(groups) = groups else {
            return Err(format!("not groups: {groups:?}"));
        };
        for n in [0, window - 1, window, 2 * window + 5, len - 1] {
            let list = groups.get(&[num(n).key()]).ok_or(format!("no group {n}"))?;
            assert_eq!(numbers(&Value::List(list.list())), vec![n]);
        }
        assert_eq!(groups.len(), 3 * WINDOW + 1000);
        assert!(groups.get(&[num(len).key()]).is_none());
        Ok(())
    }
}
