//! Formatting a rules file.

use crate::syntax;

/// The formatted text of a rules file, or `None` when it is formatted
/// already or does not parse.
pub fn format(text: &str) -> Option<String> {
    syntax::format::format(text).filter(|formatted| formatted != text)
}
