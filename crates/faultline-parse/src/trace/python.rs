//! Python stack traces.

use super::{Language, Machine, Start};
use faultline_event::Exception;

/// The Python trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Python;

impl Language for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn start(&self, _line: &str) -> Option<(Start, Box<dyn Machine>)> {
        None
    }

    fn parse(&self, _lines: &[&str]) -> Option<Exception> {
        None
    }
}
