//! Helpers shared by the integration tests, one module per purpose:
//! record texts and builders ([`records`], [`dates`], [`meeting`]), running
//! the library ([`library`]) or the binary ([`binary`]) on them, and looking
//! at the reports ([`reports`]).
//!
//! Every test crate uses a different subset of these helpers.
#![allow(dead_code)]

pub mod binary;
pub mod dates;
pub mod library;
pub mod meeting;
pub mod records;
pub mod reports;

// Each test crate uses some of these: the others are not unused imports.
#[allow(unused_imports)]
pub use binary::*;
#[allow(unused_imports)]
pub use dates::*;
#[allow(unused_imports)]
pub use library::*;
#[allow(unused_imports)]
pub use meeting::*;
#[allow(unused_imports)]
pub use records::*;
#[allow(unused_imports)]
pub use reports::*;

use std::error::Error;

/// The result type of the tests.
pub type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// A simple error for test helpers.
pub fn fail(msg: impl Into<String>) -> Box<dyn Error> {
    msg.into().into()
}
