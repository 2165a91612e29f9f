//! Calendar arithmetic on `YYYY-MM-DD` strings, for records dated
//! relative to one another.

use super::{TestResult, fail};

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD` plus `n` calendar days (n may be negative).
pub fn add_days(date: &str, n: i64) -> TestResult<String> {
    let parts: Vec<i64> = date
        .split('-')
        .map(str::parse::<i64>)
        .collect::<Result<_, _>>()?;
    let [y, m, d] = parts[..] else {
        return Err(fail(format!("not a date: {date}")));
    };
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + n);
    Ok(format!("{y:04}-{m:02}-{d:02}"))
}
