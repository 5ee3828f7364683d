//! Java stack traces.

use super::{Language, Machine, Start};
use faultline_event::Exception;

/// The Java trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Java;

impl Language for Java {
    fn name(&self) -> &'static str {
        "java"
    }

    fn start(&self, _line: &str) -> Option<(Start, Box<dyn Machine>)> {
        None
    }

    fn parse(&self, _lines: &[&str]) -> Option<Exception> {
        None
    }
}
