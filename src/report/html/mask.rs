//! Personal names as the public version (`--public`) shows them.

use aho_corasick::{AhoCorasick, MatchKind};

use crate::report::Report;

/// A name as 阳光公示 shows it: the surname, then one `*` per character.
/// A compound surname among `surnames` (the rules' `@surnames` parameter)
/// is kept whole.
pub fn mask_name(name: &str, surnames: &[String]) -> String {
    let chars: Vec<char> = name.chars().collect();
    let compound = surnames
        .iter()
        .filter(|s| s.chars().count() >= 2 && chars.len() > s.chars().count())
        .filter(|s| name.starts_with(s.as_str()))
        .map(|s| s.chars().count())
        .max();
    let keep = compound.unwrap_or(1).min(chars.len().saturating_sub(1));
    let mut out: String = chars.iter().take(keep).collect();
    out.extend(std::iter::repeat_n('*', chars.len() - keep));
    out
}

/// Replaces every personal name in a text (`--public`), or nothing.
pub(super) struct Masker {
    matcher: Option<(AhoCorasick, Vec<String>)>,
}

impl Masker {
    pub(super) fn new(report: &Report, public: bool) -> Masker {
        if !public {
            return Masker { matcher: None };
        }
        let mut names: Vec<&str> = report
            .records
            .iter()
            .flat_map(|r| r.marked.names.iter().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        let masks = names
            .iter()
            .map(|n| mask_name(n, &report.surnames))
            .collect();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .ok()
            .map(|m| (m, masks));
        Masker { matcher }
    }

    pub(super) fn mask(&self, text: &str) -> String {
        match &self.matcher {
            Some((m, masks)) => m.replace_all(text, masks),
            None => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_the_surname() {
        let s = vec!["欧阳".to_string(), "司马".to_string()];
        assert_eq!(mask_name("王五", &s), "王*");
        assert_eq!(mask_name("胡振华", &s), "胡**");
        assert_eq!(mask_name("欧阳修文", &s), "欧阳**");
        assert_eq!(mask_name("欧阳修", &s), "欧阳*");
        assert_eq!(mask_name("欧阳", &s), "欧*");
        assert_eq!(mask_name("王", &s), "*");
        // Without the surname list, one character is kept.
        assert_eq!(mask_name("欧阳修", &[]), "欧**");
        assert_eq!(mask_name("上官婉儿", &["上官".to_string()]), "上官**");
    }
}
