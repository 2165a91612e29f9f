//! Calendar dates as days since 1970-01-01, so that date arithmetic is
//! integer arithmetic.

use std::fmt;

/// A proleptic Gregorian date (the default is 1970-01-01).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub i32);

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// The date of a year, month and day, if it exists.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(1..=9999).contains(&y) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i32::try_from(m).ok()?;
        let d = i32::try_from(d).ok()?;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date(era * 146_097 + doe - 719_468))
    }

    /// Year, month, day.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i32::from(m <= 2);
        (y, m.unsigned_abs(), d.unsigned_abs())
    }

    /// Parse `YYYY-MM-DD`; `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<Date, DateError> {
        let b = text.as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return Err(DateError::Format);
        }
        let num = |r: std::ops::Range<usize>| {
            text.get(r).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0)
        };
        let (y, m, d) = (num(0..4), num(5..7), num(8..10));
        Date::from_ymd(i32::try_from(y).unwrap_or(0), m, d).ok_or(DateError::NoSuchDay)
    }

    /// The date `days` later (earlier when negative), if within range.
    pub fn add_days(self, days: i64) -> Option<Date> {
        let d = i64::from(self.0).checked_add(days)?;
        let d = i32::try_from(d).ok()?;
        let date = Date(d);
        (1..=9999).contains(&date.ymd().0).then_some(date)
    }
}

impl Date {
    /// The day of the week, 1 (Monday) to 7 (Sunday).
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday.
        (self.0 + 3).rem_euclid(7).unsigned_abs() + 1
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.ymd().0
    }
}

/// Why text is not a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Not of the form `YYYY-MM-DD`.
    #[error("not a date of the form YYYY-MM-DD")]
    Format,
    /// Well-formed but the day does not exist (2015-02-30).
    #[error("no such day")]
    NoSuchDay,
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_counts_days() {
        let a = Date::parse("2014-07-10");
        let b = Date::parse("2014-08-09");
        assert_eq!(a.map(|d| d.to_string()), Ok("2014-07-10".to_string()));
        if let (Ok(a), Ok(b)) = (a, b) {
            assert_eq!(b.0 - a.0, 30);
        }
        assert_eq!(
            Date::parse("2016-02-29").map(|d| d.to_string()),
            Ok("2016-02-29".into())
        );
    }

    #[test]
    fn knows_the_day_of_the_week() {
        let day = |s: &str| Date::parse(s).map(Date::weekday);
        assert_eq!(day("2014-09-28"), Ok(7));
        assert_eq!(day("2014-09-29"), Ok(1));
        assert_eq!(day("2014-10-11"), Ok(6));
        assert_eq!(day("1969-12-31"), Ok(3));
    }

    #[test]
    fn rejects_impossible_and_malformed_dates() {
        assert_eq!(Date::parse("2015-02-30"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2015-13-01"), Err(DateError::NoSuchDay));
        assert_eq!(Date::parse("2015-2-3"), Err(DateError::Format));
        assert_eq!(Date::parse("２０１５-02-03"), Err(DateError::Format));
    }
}
