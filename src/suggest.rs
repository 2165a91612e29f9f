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

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let best = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur[j + 1] = best;
        }
        prev = cur;
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
