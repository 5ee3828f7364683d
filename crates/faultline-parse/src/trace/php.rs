//! Php stack traces.

use super::{Language, Machine, Start};
use faultline_event::Exception;

/// The Php trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Php;

impl Language for Php {
    fn name(&self) -> &'static str {
        "php"
    }

    fn start(&self, _line: &str) -> Option<(Start, Box<dyn Machine>)> {
        None
    }

    fn parse(&self, _lines: &[&str]) -> Option<Exception> {
        None
    }
}
