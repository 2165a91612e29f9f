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

impl<'a, 'p> Ev<'a, 'p> {
    /// The values of every function of `fs` applied to every element of
    /// the list `list`, element by element (`fs.len()` values per element), when
    /// the list is long enough to be worth sharing out among the threads;
    /// `None` otherwise, for the caller to apply them as it goes. The
    /// result, and the error (the first in list order), are those of one
    /// pass over the list.
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
    ) -> Option<Result<Vec<Value<'a>>, Fault>> {
        let threads = rayon::current_num_threads();
        if list.len() < PARALLEL_MIN || threads < 2 || self.focus.is_some() {
            return None;
        }
        let items = list.items();
        let chunk = items.len().div_ceil(threads * 4).max(PARALLEL_MIN / 4);
        let parts: Vec<Result<Vec<Value<'a>>, Fault>> = items
            .par_chunks(chunk)
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
        let mut out = Vec::with_capacity(items.len() * fs.len());
        for part in parts {
            match part {
                Ok(values) => out.extend(values),
                Err(e) => return Some(Err(e)),
            }
        }
        Some(Ok(out))
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
