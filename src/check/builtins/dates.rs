//! Date functions: parts of dates and working-day calendars.

use std::collections::HashSet;
use std::sync::Arc;

use super::BuiltinDoc;
use crate::check::compile::Compiler;
use crate::check::eval::{Ev, R};
use crate::check::ir::{Arg, Builtin};
use crate::check::types::{ObjKind, Ty};
use crate::check::value::Value;
use crate::num::Num;
use crate::source::Span;
use crate::syntax::ast::{self, Expr};

/// The date functions, as the documentation shows them.
pub(super) const DOCS: &[BuiltinDoc] = &[
    BuiltinDoc {
        name: "today",
        signature: "today",
        doc: "the run date (a date), set by `--today YYYY-MM-DD` or `today = …` in sunlight.toml; the current date otherwise",
        cost: "constant",
        example: "today - m.date > 30天",
        builtin: None,
    },
    BuiltinDoc {
        name: "year",
        signature: "year(date)",
        doc: "the year, e.g. year(2014-09-30) is 2014",
        cost: "constant",
        example: "year(m.date) == 2014",
        builtin: Some(Builtin::Year),
    },
    BuiltinDoc {
        name: "month",
        signature: "month(date)",
        doc: "the month, 1 to 12",
        cost: "constant",
        example: "month(m.date) == 12",
        builtin: Some(Builtin::Month),
    },
    BuiltinDoc {
        name: "quarter",
        signature: "quarter(date)",
        doc: "the quarter, 1 to 4",
        cost: "constant",
        example: "quarter(m.date) == 4",
        builtin: Some(Builtin::Quarter),
    },
    BuiltinDoc {
        name: "calendar",
        signature: "calendar(years, holidays, working_days)",
        doc: "a working-day calendar covering the listed years; days off are Saturdays, Sundays and `holidays`, except the weekend days in `working_days`",
        cost: "once per run when its arguments are parameters (the usual case): one day-by-day table of the listed years",
        example: "calendar(日历年份, 法定节假日, 调休上班日)",
        builtin: Some(Builtin::Calendar),
    },
    BuiltinDoc {
        name: "workdays",
        signature: "workdays(from, to, calendar)",
        doc: "how many working days lie between two dates, both included (0 when `to` is before `from`); a year the calendar does not cover is an input error on the record the date comes from",
        cost: "one table lookup per date",
        example: "workdays(m.date, today, 工作日历())",
        builtin: Some(Builtin::Workdays),
    },
    BuiltinDoc {
        name: "add_workdays",
        signature: "add_workdays(date, n, calendar)",
        doc: "the n-th working day after date (before it when n is negative; date itself when n is 0); a year the calendar does not cover is an input error on the record the date comes from",
        cost: "one table lookup per date",
        example: "add_workdays(m.date, 20, 工作日历())",
        builtin: Some(Builtin::AddWorkdays),
    },
];

impl<'a> Compiler<'a> {
    /// Type a call of a date function, pushing its compiled arguments;
    /// `None` when the call is wrong (the error is reported).
    pub(super) fn type_dates_call(
        &mut self,
        b: Builtin,
        name: &ast::Ident,
        args: &[Expr],
        _span: Span,
        out: &mut Vec<Arg>,
    ) -> Option<Ty> {
        use Builtin as B;
        Some(match b {
            B::Year | B::Month | B::Quarter => {
                if !self.arity(name, args, 1, 1) {
                    return None;
                }
                let (i, t) = self.typed_arg(name, &args[0], "a date", |t| {
                    matches!(t.strip(), Ty::Date | Ty::Any)
                });
                out.push(Arg::Value(i));
                if t.is_opt() { Ty::Num.opt() } else { Ty::Num }
            }
            B::Calendar => {
                if !self.arity(name, args, 3, 3) {
                    return None;
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
                    return None;
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
            // Each built-in is typed by its own family (see `super::family`).
            _ => return None,
        })
    }
}

impl<'a> Ev<'a, '_> {
    /// Evaluate a call of a date function.
    pub(super) fn eval_dates(
        &mut self,
        b: Builtin,
        args: &[Arg],
        span: Span,
        frame: &mut Vec<Value<'a>>,
    ) -> R<'a> {
        use Builtin as B;
        Ok(match b {
            B::Year | B::Month | B::Quarter => match self.arg(args, 0, frame)?.force() {
                Value::Date(d) => {
                    let (y, m, _) = d.ymd();
                    Value::num(Num::int(match b {
                        B::Year => i64::from(y),
                        B::Month => i64::from(m),
                        _ => i64::from(m.div_ceil(3)),
                    }))
                }
                _ => Value::None,
            },
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
                    Value::Obj(ObjKind::Calendar, parts) => self.calendar(parts),
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
                        Ok(c) => Value::num(Num::int(c)),
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
            // Each built-in is evaluated by its own family (see `super::family`).
            _ => Value::None,
        })
    }
}

impl<'a> Ev<'a, '_> {
    /// The calendar of a `calendar(…)` value's parts, read once per value
    /// (known by its allocation, which the memo keeps alive).
    fn calendar(&mut self, parts: Arc<Vec<Value<'a>>>) -> Arc<Calendar> {
        let site = Arc::as_ptr(&parts) as usize;
        if let Some((_, cal)) = self.memo.calendars.get(&site) {
            return cal.clone();
        }
        let cal = Arc::new(Calendar::new(&parts));
        self.memo.room(parts.iter().map(|p| p.iter().count()).sum());
        self.memo.calendars.insert(site, (parts, cal.clone()));
        cal
    }
}

/// A working-day calendar, read from a `calendar(years, holidays,
/// working_days)` value: Monday to Friday work, except the holidays; the
/// listed weekend days work too. Each covered year is held as one bit a
/// day, so that counting working days walks bits rather than hashing
/// every date against the holidays.
pub(in crate::check) struct Calendar {
    /// The covered years, ascending.
    years: Vec<i32>,
    /// For each covered year: its first day, and a bit per day of the
    /// year (from 1 January) set on working days.
    days: Vec<(crate::date::Date, [u64; 6])>,
}

impl Calendar {
    pub(in crate::check) fn new(parts: &[Value<'_>]) -> Calendar {
        let dates = |i: usize| -> HashSet<crate::date::Date> {
            parts
                .get(i)
                .map(|v| {
                    v.iter()
                        .filter_map(|d| match d.force() {
                            Value::Date(d) => Some(d),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut years: Vec<i32> = parts
            .first()
            .map(|v| {
                v.iter()
                    .filter_map(|y| y.as_num().and_then(Num::to_i64))
                    .filter_map(|y| i32::try_from(y).ok())
                    .collect()
            })
            .unwrap_or_default();
        years.sort_unstable();
        years.dedup();
        let (holidays, working) = (dates(1), dates(2));
        let days = years
            .iter()
            .map(|&year| {
                // A year no date can be in (before 1 or after 9999) has no
                // day to mark.
                let first = crate::date::Date::from_ymd(year, 1, 1).unwrap_or_default();
                let mut bits = [0u64; 6];
                for n in 0..366 {
                    let d = crate::date::Date(first.0 + n);
                    if d.year() != year {
                        break;
                    }
                    let works =
                        !holidays.contains(&d) && (working.contains(&d) || d.weekday() <= 5);
                    if let (true, Some(word)) = (works, bits.get_mut((n / 64) as usize)) {
                        *word |= 1 << (n % 64);
                    }
                }
                (first, bits)
            })
            .collect();
        Calendar { years, days }
    }

    pub(in crate::check) fn covers(&self, year: i32) -> bool {
        self.years.binary_search(&year).is_ok()
    }

    /// A covered year's first day and bits; `Err(year)` when not covered.
    fn year(&self, year: i32) -> Result<(crate::date::Date, &[u64; 6]), i32> {
        match self
            .years
            .binary_search(&year)
            .ok()
            .and_then(|i| self.days.get(i))
        {
            Some((first, bits)) => Ok((*first, bits)),
            None => Err(year),
        }
    }

    /// Working days from `from` to `to`, both included: the bits of each
    /// year in between are counted a word at a time.
    pub(in crate::check) fn count(
        &self,
        from: crate::date::Date,
        to: crate::date::Date,
    ) -> Result<i64, i32> {
        let mut n = 0;
        let mut d = from;
        while d <= to {
            let year = d.year();
            let (first, bits) = self.year(year)?;
            let last = crate::date::Date::from_ymd(year, 12, 31)
                .unwrap_or(d)
                .min(to);
            n += i64::from(ones(bits, day_of(first, d), day_of(first, last) + 1));
            match last.add_days(1) {
                Some(next) => d = next,
                None => break,
            }
        }
        Ok(n)
    }

    /// The `n`-th working day after `from` (before it when negative);
    /// `Ok(None)` past the years dates have. Whole years are skipped by
    /// counting their bits.
    pub(in crate::check) fn add(
        &self,
        from: crate::date::Date,
        n: i64,
    ) -> Result<Option<crate::date::Date>, i32> {
        let mut year = from.year();
        let (first, _) = self.year(year)?;
        let forward = n >= 0;
        let mut left = n.unsigned_abs();
        if left == 0 {
            return Ok(Some(from));
        }
        // The days of the year still to walk, as bit positions.
        let at = day_of(first, from);
        let mut window = if forward { (at + 1, DAY_BITS) } else { (0, at) };
        loop {
            let (first, bits) = self.year(year)?;
            let found = u64::from(ones(bits, window.0, window.1));
            if found >= left {
                return Ok(nth_one(bits, window, left, forward)
                    .and_then(|day| i32::try_from(day).ok())
                    .map(|day| crate::date::Date(first.0 + day)));
            }
            left -= found;
            year += if forward { 1 } else { -1 };
            if !(1..=9999).contains(&year) {
                return Ok(None);
            }
            window = (0, DAY_BITS);
        }
    }

    pub(in crate::check) fn years_text(&self) -> String {
        if self.years.is_empty() {
            return "no year".into();
        }
        self.years
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Bits a calendar year holds: one a day, 366 used.
const DAY_BITS: usize = 6 * 64;

/// The day of its year of `d`, from 0 for `first`, 1 January.
fn day_of(first: crate::date::Date, d: crate::date::Date) -> usize {
    usize::try_from(d.0 - first.0).unwrap_or(DAY_BITS)
}

/// Word `w` of `bits` with only the positions in `from..to` kept.
fn masked(bits: &[u64; 6], w: usize, from: usize, to: usize) -> u64 {
    let (lo, hi) = (
        from.saturating_sub(w * 64).min(64),
        to.saturating_sub(w * 64).min(64),
    );
    if hi <= lo {
        return 0;
    }
    let below_hi = u64::MAX >> (64 - hi);
    let below_lo = (1u64 << lo) - 1;
    bits.get(w).map_or(0, |word| word & below_hi & !below_lo)
}

/// How many bits are set at positions `from..to`.
fn ones(bits: &[u64; 6], from: usize, to: usize) -> u32 {
    (0..bits.len())
        .map(|w| masked(bits, w, from, to).count_ones())
        .sum()
}

/// The position of the `k`-th set bit (from 1) in `window`, counted from
/// its start when `forward` and from its end otherwise.
fn nth_one(bits: &[u64; 6], window: (usize, usize), k: u64, forward: bool) -> Option<usize> {
    let mut k = k;
    let mut words = [0, 1, 2, 3, 4, 5];
    if !forward {
        words.reverse();
    }
    for w in words {
        let mut word = masked(bits, w, window.0, window.1);
        let here = u64::from(word.count_ones());
        if here < k {
            k -= here;
            continue;
        }
        // Drop the k - 1 nearer bits, then read the next one.
        for _ in 1..k {
            if forward {
                word &= word - 1;
            } else {
                word &= !(1u64 << (63 - word.leading_zeros()));
            }
        }
        let bit = if forward {
            word.trailing_zeros()
        } else {
            63 - word.leading_zeros()
        };
        return Some(w * 64 + bit as usize);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;

    fn day(y: i32, m: u32, d: u32) -> Date {
        Date::from_ymd(y, m, d).unwrap_or_default()
    }

    fn list(items: Vec<Value<'static>>) -> Value<'static> {
        Value::List(Arc::new(items))
    }

    /// The calendar's bits say what its definition says, on every day of
    /// a common and a leap year (whose 366th day is the last bit used),
    /// and a year it does not cover is an error.
    #[test]
    fn working_days_follow_weekdays_holidays_and_declared_working_days() {
        let holidays = [day(2014, 1, 1), day(2014, 10, 1), day(2016, 12, 30)];
        let working = [day(2014, 1, 26), day(2016, 12, 31)];
        let parts = [
            list(vec![Value::num(Num::int(2016)), Value::num(Num::int(2014))]),
            list(holidays.iter().map(|d| Value::Date(*d)).collect()),
            list(working.iter().map(|d| Value::Date(*d)).collect()),
        ];
        let cal = Calendar::new(&parts);
        for year in [2014, 2016] {
            let mut d = day(year, 1, 1);
            while d.year() == year {
                let expected = !holidays.contains(&d) && (working.contains(&d) || d.weekday() <= 5);
                assert_eq!(cal.count(d, d), Ok(i64::from(expected)), "{:?}", d.ymd());
                d = Date(d.0 + 1);
            }
        }
        assert_eq!(cal.count(day(2015, 6, 1), day(2015, 6, 1)), Err(2015));
        // 2016-12-30 is a Friday off and 2016-12-31 a Saturday at work.
        assert_eq!(cal.count(day(2016, 12, 30), day(2016, 12, 30)), Ok(0));
        assert_eq!(cal.count(day(2016, 12, 31), day(2016, 12, 31)), Ok(1));
        // January 2014: 23 weekdays, less New Year's Day, and Sunday the
        // 26th at work.
        assert_eq!(cal.count(day(2014, 1, 1), day(2014, 1, 31)), Ok(23));
        assert_eq!(cal.add(day(2014, 9, 30), 1), Ok(Some(day(2014, 10, 2))));
        assert_eq!(cal.add(day(2014, 10, 2), -1), Ok(Some(day(2014, 9, 30))));
        assert_eq!(cal.add(day(2014, 12, 31), 1), Err(2015));
        assert_eq!(cal.years_text(), "2014, 2016");
    }

    /// Whether `d` works, read day by day from the definition.
    fn works(cal: &Calendar, d: Date) -> Result<bool, i32> {
        let (first, bits) = cal.year(d.year())?;
        let n = day_of(first, d);
        Ok(bits.get(n / 64).is_some_and(|w| w >> (n % 64) & 1 == 1))
    }

    /// Counting and stepping a word of bits at a time give what walking
    /// day by day gives: across years, into a year not covered (the error
    /// names the first one reached) and past the first and last years
    /// dates have.
    #[test]
    fn counts_and_steps_agree_with_a_walk_day_by_day() {
        let walk_count = |cal: &Calendar, from: Date, to: Date| -> Result<i64, i32> {
            let mut n = 0;
            let mut d = from;
            while d <= to {
                n += i64::from(works(cal, d)?);
                match d.add_days(1) {
                    Some(next) => d = next,
                    None => break,
                }
            }
            Ok(n)
        };
        let walk_add = |cal: &Calendar, from: Date, n: i64| -> Result<Option<Date>, i32> {
            if !cal.covers(from.year()) {
                return Err(from.year());
            }
            let mut d = from;
            for _ in 0..n.unsigned_abs() {
                loop {
                    let Some(next) = d.add_days(n.signum()) else {
                        return Ok(None);
                    };
                    d = next;
                    if works(cal, d)? {
                        break;
                    }
                }
            }
            Ok(Some(d))
        };
        let years = [1, 2, 2014, 2016, 2017, 9998, 9999];
        let holidays = [
            day(1, 1, 1),
            day(2016, 12, 30),
            day(2017, 1, 2),
            day(9999, 12, 31),
        ];
        let parts = [
            list(years.iter().map(|y| Value::num(Num::int(*y))).collect()),
            list(holidays.iter().map(|d| Value::Date(*d)).collect()),
            list(vec![Value::Date(day(2016, 12, 31))]),
        ];
        let cal = Calendar::new(&parts);
        let starts = [
            (day(1, 1, 1), 800),
            (day(2013, 12, 20), 1500),
            (day(9998, 1, 1), 730),
        ];
        for (start, days) in starts {
            for i in (0..days).step_by(3) {
                let from = Date(start.0 + i);
                for n in (-700..=700).step_by(37).chain([-1, 0, 1, 250, 261, 262]) {
                    assert_eq!(
                        cal.add(from, n),
                        walk_add(&cal, from, n),
                        "{:?} {n}",
                        from.ymd()
                    );
                }
                for len in [0, 1, 5, 63, 64, 65, 200, 366, 400, 800] {
                    let to = Date(from.0 + len);
                    assert_eq!(
                        cal.count(from, to),
                        walk_count(&cal, from, to),
                        "{:?} +{len}",
                        from.ymd()
                    );
                }
            }
        }
        assert_eq!(cal.count(day(2014, 1, 2), day(2014, 1, 1)), Ok(0));
    }

    /// A calendar of fixed dates is built once a run, not at every
    /// working-day count: the standard library's is a whole-run value.
    #[test]
    fn a_calendar_of_parameters_is_a_whole_run_value() {
        use crate::check::ir::{Builtin, Op};
        let mut sources = crate::source::SourceMap::new();
        let files: Vec<_> = crate::check::STANDARD_RULES
            .iter()
            .map(|(n, t)| sources.add(*n, *t))
            .collect();
        let compiled =
            crate::check::compile_files(&sources, &files, &[], &[], crate::syntax::MAX_NESTING);
        assert!(compiled.errors.is_empty(), "{:?}", compiled.errors);
        let calendars = compiled
            .program
            .cached
            .iter()
            .filter(|ir| matches!(ir.op, Op::Call(Builtin::Calendar, _)))
            .count();
        assert!(calendars > 0, "no calendar among the whole-run values");
    }
}
