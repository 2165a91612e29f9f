//! Working-day calendars.

use std::collections::HashSet;

use crate::check::value::Value;
use crate::num::Num;

/// A working-day calendar, read from a `calendar(years, holidays,
/// working_days)` value: Monday to Friday work, except the holidays; the
/// listed weekend days work too.
pub(super) struct Calendar {
    years: Vec<i32>,
    holidays: HashSet<crate::date::Date>,
    working: HashSet<crate::date::Date>,
}

impl Calendar {
    pub(super) fn new(parts: &[Value<'_>]) -> Calendar {
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
        Calendar {
            years,
            holidays: dates(1),
            working: dates(2),
        }
    }

    pub(super) fn covers(&self, year: i32) -> bool {
        self.years.binary_search(&year).is_ok()
    }

    /// Whether a day is a working day; `Err(year)` outside the calendar.
    pub(super) fn is_workday(&self, d: crate::date::Date) -> Result<bool, i32> {
        let year = d.year();
        if !self.covers(year) {
            return Err(year);
        }
        Ok(!self.holidays.contains(&d) && (self.working.contains(&d) || d.weekday() <= 5))
    }

    /// Working days from `from` to `to`, both included.
    pub(super) fn count(&self, from: crate::date::Date, to: crate::date::Date) -> Result<i64, i32> {
        let mut n = 0;
        let mut d = from;
        while d <= to {
            if self.is_workday(d)? {
                n += 1;
            }
            match d.add_days(1) {
                Some(next) => d = next,
                None => break,
            }
        }
        Ok(n)
    }

    /// The `n`-th working day after `from` (before it when negative).
    /// Every step stays inside the covered years, so the walk ends.
    pub(super) fn add(
        &self,
        from: crate::date::Date,
        n: i64,
    ) -> Result<Option<crate::date::Date>, i32> {
        if !self.covers(from.year()) {
            return Err(from.year());
        }
        let step = if n < 0 { -1 } else { 1 };
        let mut left = n.unsigned_abs();
        let mut d = from;
        while left > 0 {
            let Some(next) = d.add_days(step) else {
                return Ok(None);
            };
            d = next;
            if self.is_workday(d)? {
                left -= 1;
            }
        }
        Ok(Some(d))
    }

    pub(super) fn years_text(&self) -> String {
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
