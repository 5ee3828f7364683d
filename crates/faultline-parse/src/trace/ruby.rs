//! Ruby stack traces.

use super::{Language, Machine, Start};
use faultline_event::Exception;

/// The Ruby trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ruby;

impl Language for Ruby {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn start(&self, _line: &str) -> Option<(Start, Box<dyn Machine>)> {
        None
    }

    fn parse(&self, _lines: &[&str]) -> Option<Exception> {
        None
    }
}
