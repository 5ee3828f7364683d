//! Rust stack traces.

use super::{Language, Machine, Start};
use faultline_event::Exception;

/// The Rust trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rust;

impl Language for Rust {
    fn name(&self) -> &'static str {
        "rust"
    }

    fn start(&self, _line: &str) -> Option<(Start, Box<dyn Machine>)> {
        None
    }

    fn parse(&self, _lines: &[&str]) -> Option<Exception> {
        None
    }
}
