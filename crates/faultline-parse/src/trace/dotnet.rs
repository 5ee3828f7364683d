//! DotNet stack traces.

use super::{Language, Machine, Start};
use faultline_event::Exception;

/// The DotNet trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct DotNet;

impl Language for DotNet {
    fn name(&self) -> &'static str {
        "dotnet"
    }

    fn start(&self, _line: &str) -> Option<(Start, Box<dyn Machine>)> {
        None
    }

    fn parse(&self, _lines: &[&str]) -> Option<Exception> {
        None
    }
}
