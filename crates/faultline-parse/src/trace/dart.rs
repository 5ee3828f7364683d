//! Dart stack traces.

use super::{Language, Machine, Start};
use faultline_event::Exception;

/// The Dart trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dart;

impl Language for Dart {
    fn name(&self) -> &'static str {
        "dart"
    }

    fn start(&self, _line: &str) -> Option<(Start, Box<dyn Machine>)> {
        None
    }

    fn parse(&self, _lines: &[&str]) -> Option<Exception> {
        None
    }
}
