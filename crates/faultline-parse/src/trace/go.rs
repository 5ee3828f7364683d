//! Go stack traces.

use super::{Language, Machine, Start};
use faultline_event::Exception;

/// The Go trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Go;

impl Language for Go {
    fn name(&self) -> &'static str {
        "go"
    }

    fn start(&self, _line: &str) -> Option<(Start, Box<dyn Machine>)> {
        None
    }

    fn parse(&self, _lines: &[&str]) -> Option<Exception> {
        None
    }
}
