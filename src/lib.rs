//! sunlight checks governance records against rules written in its rule language.

pub mod diag;
pub mod num;
pub mod source;
pub mod syntax;
