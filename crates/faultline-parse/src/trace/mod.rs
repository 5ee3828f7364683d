//! Stack traces: recognising where one starts and ends in a stream of lines,
//! and parsing it into a structured [`Exception`].
//!
//! Each language lives in its own file and implements [`Language`]. The
//! multiline assembler asks every language, in [`LANGUAGES`] order, whether a
//! line starts a trace; the first that says yes drives the trace with its
//! [`Machine`] until the trace ends, then parses the collected lines.
//!
//! Frames are always ordered outermost first, crash site last, whatever order
//! the language printed them in.

mod dart;
mod dotnet;
mod go;
mod java;
mod node;
mod php;
mod python;
mod ruby;
mod rust;

pub use dart::Dart;
pub use dotnet::DotNet;
pub use go::Go;
pub use java::Java;
pub use node::Node;
pub use php::Php;
pub use python::Python;
pub use ruby::Ruby;
pub use rust::Rust;

use faultline_event::Exception;
use memchr::memmem::Finder;
use std::sync::LazyLock;

/// How a line that starts a trace relates to the event before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The trace announces itself and is always an event of its own: a Rust
    /// `thread '…' panicked at`, Go `panic:` / `fatal error:`, Java
    /// `Exception in thread "…"`.
    Announced,
    /// The trace belongs to the header line right before it when that header is
    /// at warning level or above (Python `logging.exception`, logback, JUL,
    /// `console.error`); otherwise it is an event of its own.
    Attachable,
    /// As `Attachable`, but the line alone is weak evidence (Node's generic
    /// `Error: could not open config`): unless a following line continues the
    /// trace, the line is an ordinary record after all.
    Tentative,
}

/// What a line means to a trace in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The line belongs to the trace, and more may follow.
    Continue,
    /// The line belongs to the trace and is its last.
    Last,
    /// Cannot tell yet (a blank line inside a chained traceback or a goroutine
    /// dump): hold the line; it joins the trace if a later line continues it,
    /// and is released otherwise.
    Maybe,
    /// The line does not belong to the trace; the trace ended before it.
    End,
}

/// One language's trace grammar.
pub trait Language: Send + Sync {
    /// Lowercase name: `java`, `python`, `go`, `node`, `ruby`, `dotnet`, `php`,
    /// `rust`, `dart`.
    fn name(&self) -> &'static str;

    /// Whether `line` starts a trace of this language, and a machine to follow
    /// it. Called on every line that is not inside a trace, so it must reject
    /// ordinary log lines in a few byte comparisons before any regex runs.
    fn start(&self, line: &str) -> Option<(Start, Box<dyn Machine>)>;

    /// Parses the lines of a complete trace (the starting line first, without a
    /// trailing newline) into an exception with its cause chain. `None` when
    /// nothing could be made of them; the caller keeps the text and flags it.
    fn parse(&self, lines: &[&str]) -> Option<Exception>;
}

/// Follows one trace, line by line, after its start line.
pub trait Machine: Send {
    fn step(&mut self, line: &str) -> Step;
}

/// The built-in languages, in the order they are asked. More specific
/// grammars come first; Node's generic `Error: …` comes last.
pub static LANGUAGES: &[&dyn Language] = &[
    &Rust, &Go, &Python, &Java, &DotNet, &Php, &Ruby, &Dart, &Node,
];

/// Finds the language whose trace starts at `line`.
pub fn detect_start(line: &str) -> Option<(&'static dyn Language, Start, Box<dyn Machine>)> {
    // No grammar's trace starts with a brace: a JSON record carries its trace
    // in a field, and JSON lines are most lines of the files that have them.
    if line.starts_with('{') {
        return None;
    }
    let b = line.as_bytes();
    if b.first().is_some_and(u8::is_ascii_digit) && !digit_line_may_start(b) {
        return None;
    }
    LANGUAGES
        .iter()
        .find_map(|lang| lang.start(line).map(|(start, m)| (*lang, start, m)))
}

/// Whether a line that opens with a digit (as most log records do, with
/// their timestamp) may start a trace of any grammar; false lets the
/// assembler skip asking each of them. Only Go's `log` date with an
/// `http: panic serving` (`2026/11/20 …`), an Android-tagged Flutter line
/// (`I/flutter …`), a Windows drive (`C:\…`, Node) and a line ending as a
/// Ruby trace does (`:`, `'`, a character that may be Unicode whitespace,
/// or `)` after an `:in ` — an uncaught error's `file:12:in 'm': msg (E)`)
/// open with a digit. Property-tested against the grammars.
fn digit_line_may_start(b: &[u8]) -> bool {
    let go_date = b.len() > 7 && b[4] == b'/' && b[7] == b'/';
    let tagged = matches!(b.get(1), Some(b'/' | b':'));
    let last = b
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .map(|i| b[i]);
    go_date
        || tagged
        || match last {
            Some(b':' | b'\'' | 0x80..) => true,
            Some(b')') => RUBY_IN.find(b).is_some(),
            _ => false,
        }
}

/// The `:in ` of a Ruby frame, built once: building a finder costs more than
/// a search of one line.
static RUBY_IN: LazyLock<Finder> = LazyLock::new(|| Finder::new(":in "));

/// How many of `lines` a trace keeps, `lines[0]` being the start line that
/// gave `machine`: the start, every line a step continued, and held lines a
/// later step confirmed — always a prefix, as the assembler keeps it.
pub fn follow(machine: &mut dyn Machine, lines: &[&str]) -> usize {
    let mut kept = 1.min(lines.len());
    for (i, line) in lines.iter().enumerate().skip(1) {
        match machine.step(line) {
            Step::Continue => kept = i + 1,
            Step::Last => return i + 1,
            Step::Maybe => {}
            Step::End => break,
        }
    }
    kept
}

/// Parses a trace held in one string, as JSON loggers carry it (`stack`,
/// `exc_info`, `stack_trace`, `error.stack_trace`). Finds the first line that
/// starts a trace and follows it to its end.
pub fn parse_text(text: &str) -> Option<Exception> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    for (i, line) in lines.iter().enumerate() {
        let Some((lang, _, mut machine)) = detect_start(line) else {
            continue;
        };
        let kept = follow(machine.as_mut(), &lines[i..]);
        return lang.parse(&lines[i..i + kept]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "2026-11-20 14:03:11.482 [worker-3] INFO done",
            "026/11/20 14:03:11 http: panic serving 10.0.0.1:1: boom",
            "/flutter (1234): #0      main (file:///app/main.dart:5:3)",
            ":\\app\\index.js:12",
            "/app/models/user.rb:12:in `save'",
            "app/controllers/a.rb:3:in `x': boom (RuntimeError)",
            " (attempt 2)",
            " (x:in y)",
            ":in (E)",
            "rb:3:in",
            ":",
            "'",
            ")",
            "\u{a0}",
            "\u{2003}",
            " ",
            "\t",
            "\r",
            "x",
            "/",
        ])
    }

    proptest! {
        /// The digit prefilter never hides a trace start from the grammars.
        #[test]
        fn digit_prefilter_never_skips_a_start(
            digit in "[0-9]",
            parts in prop::collection::vec(fragment(), 0..4),
        ) {
            let line = format!("{digit}{}", parts.concat());
            if !digit_line_may_start(line.as_bytes()) {
                for lang in LANGUAGES {
                    prop_assert!(lang.start(&line).is_none(), "{} starts {:?}", lang.name(), line);
                }
            }
        }
    }

    #[test]
    fn digit_prefilter_passes_the_digit_led_starts() {
        for line in [
            "2026/11/20 14:03:11 http: panic serving 10.0.0.1:54321: boom",
            "2026-11-20 /app/models/user.rb:12:in `save'",
        ] {
            assert!(digit_line_may_start(line.as_bytes()), "{line}");
        }
        assert!(
            detect_start("2026/11/20 14:03:11 http: panic serving 10.0.0.1:54321: boom").is_some()
        );
        assert!(!digit_line_may_start(b"2026-11-20 14:03:11 INFO done"));
    }
}
