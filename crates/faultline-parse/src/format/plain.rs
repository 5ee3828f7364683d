//! Plain text: any line is a record. A leading timestamp and level, when the
//! line has them, are read; the rest is the message.

use super::{Context, LineFormat};
use faultline_event::{Event, Level};

/// The fallback format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain;

impl LineFormat for Plain {
    fn name(&self) -> &str {
        "plain"
    }

    fn sniff(&self, _line: &str) -> bool {
        true
    }

    fn parse(&self, line: &str, _ctx: &Context) -> Option<Event> {
        let mut event = Event::new(line.trim_end());
        event.level = leading_level(line);
        Some(event)
    }
}

/// A level word among the first few tokens of a line (`ERROR`, `[WARN]`, `level=info` is not read here).
fn leading_level(line: &str) -> Option<Level> {
    line.split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == ':')
        .filter(|t| !t.is_empty())
        .take(4)
        .find(|t| t.len() >= 4 && t.bytes().all(|b| b.is_ascii_uppercase()))
        .and_then(Level::parse)
}
