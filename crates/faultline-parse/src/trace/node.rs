//! Node stack traces.

use super::{Language, Machine, Start};
use faultline_event::Exception;

/// The Node trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Node;

impl Language for Node {
    fn name(&self) -> &'static str {
        "node"
    }

    fn start(&self, _line: &str) -> Option<(Start, Box<dyn Machine>)> {
        None
    }

    fn parse(&self, _lines: &[&str]) -> Option<Exception> {
        None
    }
}
