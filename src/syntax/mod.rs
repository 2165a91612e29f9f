//! Rule text: grammar, syntax tree, parser.

pub mod ast;
pub mod format;
pub mod keywords;
pub mod parse;

pub use parse::{MAX_NESTING, Parsed, parse, parse_expr, parse_expr_at, parse_with};
