//! "Did you mean …?" for misspelt names.

/// The candidate closest to `name` by edit distance, if it is close enough
/// to be a plausible typo. One written the same but for letter case
/// (`szyd-002` for `SZYD-002`) is closest of all.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = name.chars().count();
    let limit = (len / 3).max(1);
    let lower = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            let d = if c.to_lowercase() == lower {
                0
            } else {
                distance(name, c)
            };
            (d, c)
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Edit distance over characters, a swap of two neighbours counting as one
/// edit (the optimal string alignment distance): `todya` is one edit from
/// `today`, as it is one slip of the fingers.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: the one before last, the last, this one.
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut best = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            let swapped = i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca);
            if swapped && let Some(d) = before.get(j - 1) {
                best = best.min(d + 1);
            }
            cur[j + 1] = best;
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let names = ["attendees", "absent", "members"];
        assert_eq!(closest("attendee", names), Some("attendees"));
        assert_eq!(closest("zzz", names), None);
        assert_eq!(closest("大额资金", ["大额资金标准", "拆分窗口"]), None);
        assert_eq!(
            closest("大额资金标", ["大额资金标准", "拆分窗口"]),
            Some("大额资金标准")
        );
        // Two letters swapped are one slip.
        assert_eq!(
            closest("todya", ["findings", "errors", "today"]),
            Some("today")
        );
        // Too far by letters changed (two), one slip by letters swapped.
        assert_eq!(closest("nmae", ["name", "date"]), Some("name"));
    }

    #[test]
    fn a_name_written_in_another_case_is_suggested_first() {
        let ids = ["SZYD-002", "SZYD-003", "szyd-00"];
        assert_eq!(closest("szyd-002", ids), Some("SZYD-002"));
        assert_eq!(closest("Szyd-003", ids), Some("SZYD-003"));
        assert_eq!(
            closest("Attendees", ["attendees", "attendee"]),
            Some("attendees")
        );
    }
}
