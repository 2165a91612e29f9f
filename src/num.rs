//! Exact numbers: amounts of money, counts and fractions such as ⅔.
//!
//! Thresholds are compared exactly ("exactly half is a quorum"), so numbers
//! are rationals over `i128`, never floats. Arithmetic that would overflow
//! returns `None`, which evaluation reports instead of wrapping.

use std::cmp::Ordering;
use std::fmt;

/// A reduced fraction with a positive denominator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Num {
    n: i128,
    d: i128,
}

/// A [`Num`] held in 16 bytes, as run-time values hold numbers (record
/// data hold them alike, in variants of their own): in place when its
/// numerator fits `i64` and its denominator `u32` (most amounts and
/// counts), boxed otherwise. A `Num` is 32 bytes
/// with 16-byte alignment and would double the size of every value.
/// [`PackedNum::new`] is the one way to build one, so a number that fits is
/// never boxed, and packed numbers are equal and hash alike exactly when
/// their numbers are equal.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PackedNum(Packed);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Packed {
    Small(i64, u32),
    Big(Box<Num>),
}

impl PackedNum {
    /// `n`, packed.
    pub fn new(n: Num) -> PackedNum {
        PackedNum(match n.small() {
            Some((n, d)) => Packed::Small(n, d),
            None => Packed::Big(Box::new(n)),
        })
    }

    /// The number.
    pub fn get(&self) -> Num {
        match &self.0 {
            Packed::Small(n, d) => Num {
                n: i128::from(*n),
                d: i128::from(*d),
            },
            Packed::Big(n) => **n,
        }
    }

    #[cfg(test)]
    fn is_in_place(&self) -> bool {
        matches!(self.0, Packed::Small(..))
    }
}

impl PartialOrd for PackedNum {
    fn partial_cmp(&self, other: &PackedNum) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Packed numbers order as their numbers do.
impl Ord for PackedNum {
    fn cmp(&self, other: &PackedNum) -> Ordering {
        self.get().cmp(&other.get())
    }
}

impl fmt::Debug for PackedNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Num {
    /// Zero.
    pub const ZERO: Num = Num { n: 0, d: 1 };

    /// Numerator and denominator, when they fit in 64 and 32 bits: how
    /// a number is held in place. [`Num::ratio`] makes the number again.
    pub fn small(&self) -> Option<(i64, u32)> {
        Some((i64::try_from(self.n).ok()?, u32::try_from(self.d).ok()?))
    }

    /// A whole number.
    pub fn int(n: i64) -> Num {
        Num {
            n: i128::from(n),
            d: 1,
        }
    }

    /// `n / d`, reduced; `None` when `d` is zero.
    pub fn ratio(n: i128, d: i128) -> Option<Num> {
        match d {
            0 => return None,
            // Whole numbers, the common case, need no division.
            1 => return Some(Num { n, d }),
            _ => {}
        }
        let g = gcd(n, d).max(1);
        let (mut n, mut d) = (n / g, d / g);
        if d < 0 {
            n = n.checked_neg()?;
            d = d.checked_neg()?;
        }
        Some(Num { n, d })
    }

    /// Parse a decimal such as `1200000`, `-3`, `0.5` or `1234.56`.
    /// Exponents and other notations are not numbers here.
    pub fn parse_decimal(text: &str) -> Option<Num> {
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(frac) {
            return None;
        }
        if digits.contains('.') && frac.is_empty() {
            return None;
        }
        // 30 digits keep every product of two amounts inside i128.
        if whole.len() + frac.len() > 30 {
            return None;
        }
        let mut n: i128 = 0;
        for b in whole.bytes().chain(frac.bytes()) {
            n = n.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        let d = 10i128.checked_pow(u32::try_from(frac.len()).ok()?)?;
        Num::ratio(if neg { -n } else { n }, d)
    }

    /// Whether this is a whole number.
    pub fn is_integer(self) -> bool {
        self.d == 1
    }

    /// The whole number, if it is one and fits.
    pub fn to_i64(self) -> Option<i64> {
        if self.d == 1 {
            i64::try_from(self.n).ok()
        } else {
            None
        }
    }

    /// The smallest whole number not below this one.
    pub fn ceil(self) -> Num {
        let q = self.n.div_euclid(self.d);
        let up = i128::from(self.n.rem_euclid(self.d) != 0);
        Num { n: q + up, d: 1 }
    }

    /// Rounded to `places` decimal places, halves away from zero.
    pub fn round(self, places: u32) -> Option<Num> {
        let scale = 10i128.checked_pow(places)?;
        let scaled = self.n.checked_mul(scale)?;
        let (q, r) = (scaled / self.d, scaled % self.d);
        let up = r.unsigned_abs().checked_mul(2)? >= self.d.unsigned_abs();
        let q = if up { q + scaled.signum() } else { q };
        Num::ratio(q, scale)
    }

    /// As a decimal with exactly `places` digits after the point (the
    /// number rounded first, halves away from zero): `50.0`, `93.33`.
    pub fn fixed(self, places: u32) -> String {
        let Some(scale) = 10i128.checked_pow(places) else {
            return self.to_string();
        };
        let Some(r) = self
            .round(places)
            .and_then(|r| r.n.checked_mul(scale / r.d))
        else {
            return self.to_string();
        };
        let sign = if r < 0 { "-" } else { "" };
        let (whole, frac) = (
            r.unsigned_abs() / scale.unsigned_abs(),
            r.unsigned_abs() % scale.unsigned_abs(),
        );
        if places == 0 {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{frac:0width$}", width = places as usize)
        }
    }

    /// Sum.
    pub fn checked_add(self, o: Num) -> Option<Num> {
        let n = self
            .n
            .checked_mul(o.d)?
            .checked_add(o.n.checked_mul(self.d)?)?;
        Num::ratio(n, self.d.checked_mul(o.d)?)
    }

    /// Difference.
    pub fn checked_sub(self, o: Num) -> Option<Num> {
        self.checked_add(o.checked_neg()?)
    }

    /// Product.
    pub fn checked_mul(self, o: Num) -> Option<Num> {
        Num::ratio(self.n.checked_mul(o.n)?, self.d.checked_mul(o.d)?)
    }

    /// Quotient; `None` for division by zero.
    pub fn checked_div(self, o: Num) -> Option<Num> {
        Num::ratio(self.n.checked_mul(o.d)?, self.d.checked_mul(o.n)?)
    }

    /// Negation.
    pub fn checked_neg(self) -> Option<Num> {
        Some(Num {
            n: self.n.checked_neg()?,
            d: self.d,
        })
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Num) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Num) -> Ordering {
        // Cross-multiplication may overflow for huge operands; fall back to
        // floating point there, which only matters far beyond any real amount.
        match (self.n.checked_mul(other.d), other.n.checked_mul(self.d)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => {
                let a = self.n as f64 / self.d as f64;
                let b = other.n as f64 / other.d as f64;
                a.partial_cmp(&b).unwrap_or(Ordering::Equal)
            }
        }
    }
}

impl fmt::Display for Num {
    /// Whole numbers as they are; a fraction whose decimal ends (every
    /// amount written in a record, and their sums) as that decimal, all
    /// its places (`0.5`, `229001.0000000001`); any other as `n/d` (`2/3`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.d == 1 {
            return write!(f, "{}", self.n);
        }
        let n = self.n.unsigned_abs();
        let d = self.d.unsigned_abs();
        // A reduced fraction's decimal ends when its denominator has no
        // prime factor but 2 and 5; it then has as many places as the
        // larger of their powers.
        let (mut rest, mut twos, mut fives) = (d, 0usize, 0usize);
        while rest % 2 == 0 {
            rest /= 2;
            twos += 1;
        }
        while rest % 5 == 0 {
            rest /= 5;
            fives += 1;
        }
        if rest != 1 {
            return write!(f, "{}/{}", self.n, self.d);
        }
        let mut rem = n % d;
        let mut digits = String::with_capacity(twos.max(fives));
        while rem != 0 {
            // Only a denominator near the limit of `i128` overflows here.
            let Some(tens) = rem.checked_mul(10) else {
                return write!(f, "{}/{}", self.n, self.d);
            };
            digits.push(char::from(b'0' + u8::try_from(tens / d).unwrap_or(0)));
            rem = tens % d;
        }
        let sign = if self.n < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{digits}", n / d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Num {
        Num::parse_decimal(s).unwrap_or(Num::ZERO)
    }

    #[test]
    fn parses_decimals_exactly() {
        assert_eq!(n("1234.56").to_string(), "1234.56");
        assert_eq!(n("0.1").checked_add(n("0.2")), Some(n("0.3")));
        assert_eq!(Num::parse_decimal("1e5"), None);
        assert_eq!(Num::parse_decimal("12."), None);
        assert_eq!(Num::parse_decimal("9".repeat(40).as_str()), None);
    }

    #[test]
    fn two_thirds_of_six_is_exactly_four() {
        let two_thirds = Num::int(2).checked_div(Num::int(3)).unwrap_or(Num::ZERO);
        assert_eq!(two_thirds.checked_mul(Num::int(6)), Some(Num::int(4)));
        assert_eq!(two_thirds.to_string(), "2/3");
        assert_eq!(n("-0.25").to_string(), "-0.25");
    }

    #[test]
    fn a_decimal_that_ends_prints_all_its_places_and_one_that_does_not_as_a_fraction() {
        // A sum of amounts written to ten places: all ten are shown.
        let sum = n("229001.0000000001")
            .checked_add(n("0.0000000000"))
            .unwrap_or(Num::ZERO);
        assert_eq!(sum.to_string(), "229001.0000000001");
        assert_eq!(n("-0.0000001").to_string(), "-0.0000001");
        assert_eq!(n("1.5").to_string(), "1.5");
        // 1/3, 1/7 and 1/6 never end.
        assert_eq!(Num::ratio(1, 3).unwrap_or(Num::ZERO).to_string(), "1/3");
        assert_eq!(Num::ratio(-1, 6).unwrap_or(Num::ZERO).to_string(), "-1/6");
        assert_eq!(Num::ratio(22, 7).unwrap_or(Num::ZERO).to_string(), "22/7");
        // The largest powers of two and five a denominator can hold.
        let two = Num::ratio(1, 1 << 60).unwrap_or(Num::ZERO);
        let shown = two.to_string();
        assert!(
            shown.starts_with("0.") && shown.ends_with('5') && shown.len() == 62,
            "{shown}"
        );
        // Near the limit the places cannot be worked out in `i128`.
        let huge = Num::ratio(1, 1 << 126).unwrap_or(Num::ZERO);
        assert_eq!(huge.to_string(), format!("1/{}", 1i128 << 126));
        let five = Num::ratio(3, 5i128.pow(30)).unwrap_or(Num::ZERO);
        let shown = five.to_string();
        assert!(
            shown.starts_with("0.") && shown.ends_with('2') && shown.len() == 32,
            "{shown}"
        );
    }

    #[test]
    fn rounds_and_formats_decimals() {
        let third = Num::ratio(1, 3).unwrap_or(Num::ZERO);
        assert_eq!(third.round(2), Some(n("0.33")));
        assert_eq!(n("2.5").round(0), Some(Num::int(3)));
        assert_eq!(n("-2.5").round(0), Some(Num::int(-3)));
        assert_eq!(Num::int(50).fixed(1), "50.0");
        assert_eq!(Num::ratio(1400, 15).unwrap_or(Num::ZERO).fixed(1), "93.3");
        assert_eq!(n("0.005").fixed(2), "0.01");
        assert_eq!(n("-1.25").fixed(1), "-1.3");
        assert_eq!(Num::int(7).fixed(0), "7");
    }

    #[test]
    fn division_by_zero_is_none() {
        assert_eq!(Num::int(1).checked_div(Num::ZERO), None);
    }

    #[test]
    fn numbers_are_held_in_place_up_to_their_limits_and_read_back_whole() {
        let big = i128::from(i64::MAX);
        let small = i128::from(i64::MIN);
        let denominator = i128::from(u32::MAX);
        // (numerator, denominator, held in place)
        let cases = [
            (0, 1, true),
            (300_000, 1, true),
            (123_456, 100, true),
            (-7, 3, true),
            (big, 1, true),
            (big + 1, 1, false),
            (small, 1, true),
            (small - 1, 1, false),
            (1, denominator, true),
            (-1, denominator, true),
            (1, denominator + 1, false),
            (big, denominator, true),
            (big + 1, denominator, false),
            (10i128.pow(29), 3, false),
        ];
        let mut nums = Vec::new();
        for (n, d, in_place) in cases {
            let num = Num::ratio(n, d).unwrap_or(Num::ZERO);
            let packed = PackedNum::new(num);
            assert_eq!(packed.get(), num, "{n}/{d}");
            assert_eq!(packed.is_in_place(), in_place, "{n}/{d}");
            // Equal numbers are the same variant, so packed numbers compare by value.
            assert_eq!(
                packed,
                PackedNum::new(Num::ratio(n * 2, d * 2).unwrap_or(Num::ZERO))
            );
            nums.push(num);
        }
        // Packed numbers of different numbers differ, whichever way they are held.
        for a in &nums {
            for b in &nums {
                assert_eq!(PackedNum::new(*a) == PackedNum::new(*b), a == b, "{a} {b}");
            }
        }
    }
}
