//! Formatting a rules file.

use crate::syntax;

/// The formatted text of a rules file, or `None` when it is formatted
/// already or does not parse.
pub fn format(text: &str) -> Option<String> {
    syntax::format::format(text).filter(|formatted| formatted != text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn formatting_is_idempotent_and_leaves_broken_text_alone() {
        let messy = "param   上限=100\nrule T-001 \"t\" {\nseverity error\ncite \"c\"\nfor o in org\nrequire true\nat o.name\nmessage \"m\"\nhelp \"h\"\n}\n";
        let formatted = format(messy).unwrap();
        assert_ne!(formatted, messy);
        assert!(formatted.starts_with("param 上限 = 100\n"), "{formatted}");
        assert_eq!(format(&formatted), None);
        assert_eq!(format("rule {"), None);
    }
}
