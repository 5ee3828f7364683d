//! Rust panics: what the default panic hook prints to stderr.
//!
//! ```text
//! thread 'tokio-runtime-worker' panicked at src/handlers/orders.rs:88:14:
//! called `Option::unwrap()` on a `None` value
//! stack backtrace:
//!    0: rust_begin_unwind
//!              at /rustc/90b35a6239c3d8bdabc530a6a0816f7ff89a0aaf/library/std/src/panicking.rs:645:5
//!    1: shop::handlers::orders::create::h0123456789abcdef
//!              at ./src/handlers/orders.rs:88:14
//! note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.
//! ```
//!
//! Both the current form (location on the first line, the message on the lines
//! after it, since Rust 1.73) and the older `panicked at 'msg', file:line:col`
//! are read, with or without a `stack backtrace:` section (short or `full`).

use super::{Language, Machine, Start, Step};
use faultline_event::{Exception, Frame};
use regex::Regex;
use std::sync::LazyLock;

/// The Rust trace grammar. Every exception is of type `panic`; its value is
/// the panic message. Without a backtrace the panic location is the one frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rust;

/// `thread 'main' panicked at src/main.rs:5:9:` (Rust ≥ 1.73, optionally with
/// the thread id newer releases print: `thread 'main' (4211) panicked at`).
static NEW_FORM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^thread '(.*)'(?: \(\d+\))? panicked at (.+?):(\d+):(\d+):$").expect("valid")
});
/// `thread 'main' panicked at 'msg', src/main.rs:5:9`; the message may span lines.
static OLD_FORM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^thread '(.*)'(?: \(\d+\))? panicked at '(.*)$").expect("valid"));
/// The end of an old-form message: `msg', src/main.rs:5:9`.
static OLD_END: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.*)', (.+?):(\d+):(\d+)$").expect("valid"));
/// `   3: shop::main` or, with `RUST_BACKTRACE=full`, `   3:     0x55d4c6f2e0d3 - shop::main::h…`.
static FRAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\d+:\s+(?:0x[0-9a-f]+ - )?(.+?)\s*$").expect("valid"));
/// `             at ./src/main.rs:5:9`.
static AT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+at (.+?):(\d+)(?::(\d+))?$").expect("valid"));

const BACKTRACE: &str = "stack backtrace:";
/// At most this many message lines are held before the trace is given up.
const MAX_MESSAGE_LINES: usize = 64;

impl Language for Rust {
    fn name(&self) -> &'static str {
        "rust"
    }

    fn start(&self, line: &str) -> Option<(Start, Box<dyn Machine>)> {
        if !line.starts_with("thread '") || !line.contains(" panicked at ") {
            return None;
        }
        let phase = if NEW_FORM.is_match(line) {
            Phase::FirstMessageLine
        } else if OLD_END.is_match(line) {
            Phase::AfterMessage
        } else if OLD_FORM.is_match(line) {
            Phase::OldMessage
        } else {
            return None;
        };
        Some((Start::Announced, Box::new(RustMachine { phase, held: 0 })))
    }

    fn parse(&self, lines: &[&str]) -> Option<Exception> {
        let (first, rest) = lines.split_first()?;
        let (message, location, rest) = panic_header(first, rest)?;
        let mut exc = Exception::new("panic", message);
        exc.frames = backtrace(rest);
        if exc.frames.is_empty() && location.file.is_some() {
            exc.frames.push(location);
        }
        Some(exc)
    }
}

/// The message and location of the panic, and the lines after the message.
fn panic_header<'a>(first: &str, rest: &'a [&'a str]) -> Option<(String, Frame, &'a [&'a str])> {
    if let Some(caps) = NEW_FORM.captures(first) {
        let location = location_frame(&caps[2], &caps[3], Some(&caps[4]));
        let end = rest.iter().position(|l| is_tail(l)).unwrap_or(rest.len());
        return Some((rest[..end].join("\n"), location, &rest[end..]));
    }
    let caps = OLD_FORM.captures(first)?;
    let opening = caps.get(2).map_or("", |m| m.as_str());
    let all = std::iter::once(opening).chain(rest.iter().copied());
    let mut message = Vec::new();
    for (i, line) in all.enumerate() {
        if let Some(end) = OLD_END.captures(line) {
            message.push(end.get(1).map_or("", |m| m.as_str()));
            let location = location_frame(&end[2], &end[3], Some(&end[4]));
            return Some((
                message.join("\n"),
                location,
                rest.get(i..).unwrap_or_default(),
            ));
        }
        message.push(line);
    }
    // Never closed: keep the opening line as the message, with no location.
    Some((opening.to_string(), Frame::default(), &[]))
}

/// The lines that follow the message: a note or the backtrace.
fn is_tail(line: &str) -> bool {
    line == BACKTRACE || line.starts_with("note: ")
}

fn location_frame(file: &str, line: &str, column: Option<&str>) -> Frame {
    Frame {
        file: Some(file.to_string()),
        line: line.parse().ok(),
        column: column.and_then(|c| c.parse().ok()),
        ..Frame::default()
    }
}

/// The frames of a `stack backtrace:` section, outermost first.
fn backtrace(lines: &[&str]) -> Vec<Frame> {
    let Some(start) = lines.iter().position(|l| *l == BACKTRACE) else {
        return Vec::new();
    };
    let mut frames: Vec<Frame> = Vec::new();
    for line in &lines[start + 1..] {
        if let Some(caps) = AT.captures(line) {
            if let Some(frame) = frames.last_mut().filter(|f| f.file.is_none()) {
                *frame = Frame {
                    function: frame.function.take(),
                    module: frame.module.take(),
                    ..location_frame(&caps[1], &caps[2], caps.get(3).map(|m| m.as_str()))
                };
            }
        } else if let Some(caps) = FRAME.captures(line) {
            // `<unknown>` (an unresolved symbol) says nothing: skipped, and
            // an `at` line after it stays unclaimed.
            frames.push(match &caps[1] {
                "<unknown>" => Frame {
                    file: Some(String::new()),
                    ..Frame::default()
                },
                symbol => symbol_frame(symbol),
            });
        }
    }
    frames.retain(|f| f.function.is_some());
    frames.reverse();
    frames
}

/// Splits a demangled symbol at its last `::` outside angle brackets:
/// `shop::orders::create::h0123456789abcdef` is function `create::h01…` (the
/// hash kept as printed) in module `shop::orders`; `<T as core::ops::Fn>::call`
/// is `call` in `<T as core::ops::Fn>`; closures stay with their function.
fn symbol_frame(symbol: &str) -> Frame {
    let segments = top_level_segments(symbol);
    let is_suffix = |s: &str| s == "{{closure}}" || s == "{{constant}}" || is_hash(s);
    let mut fn_start = segments.len().saturating_sub(1);
    while fn_start > 0 && segments.get(fn_start).is_some_and(|s| is_suffix(s)) {
        fn_start -= 1;
    }
    let function = segments[fn_start..].join("::");
    let module = segments[..fn_start].join("::");
    Frame {
        function: Some(function),
        module: (!module.is_empty()).then_some(module),
        ..Frame::default()
    }
}

fn is_hash(segment: &str) -> bool {
    segment.len() == 17
        && segment.starts_with('h')
        && segment[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// `a::<B as c::D>::e` → `["a", "<B as c::D>", "e"]`.
fn top_level_segments(symbol: &str) -> Vec<&str> {
    let bytes = symbol.as_bytes();
    let (mut depth, mut from, mut i) = (0i32, 0, 0);
    let mut segments = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'<' => depth += 1,
            b'>' if i == 0 || bytes[i - 1] != b'-' => depth -= 1,
            b':' if depth == 0 && bytes.get(i + 1) == Some(&b':') => {
                segments.push(&symbol[from..i]);
                from = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    segments.push(&symbol[from.min(symbol.len())..]);
    segments
}

/// Where a panic's output stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The line after a current-form start is always the message.
    FirstMessageLine,
    /// Further message lines: held until a note or backtrace confirms them.
    MoreMessage,
    /// Inside an old-form quoted message, until `', file:line:col`.
    OldMessage,
    /// After the message: only a note or a backtrace may follow.
    AfterMessage,
    Backtrace,
}

struct RustMachine {
    phase: Phase,
    /// Message lines held so far.
    held: usize,
}

impl Machine for RustMachine {
    fn step(&mut self, line: &str) -> Step {
        match self.phase {
            Phase::FirstMessageLine => {
                self.phase = Phase::MoreMessage;
                Step::Continue
            }
            Phase::MoreMessage | Phase::AfterMessage if is_tail(line) => self.tail(line),
            Phase::MoreMessage | Phase::OldMessage => self.message(line),
            Phase::AfterMessage => Step::End,
            Phase::Backtrace => match line.starts_with(' ') {
                true if FRAME.is_match(line) || AT.is_match(line) => Step::Continue,
                _ if line.starts_with("note: ") => Step::Last,
                _ => Step::End,
            },
        }
    }
}

impl RustMachine {
    fn tail(&mut self, line: &str) -> Step {
        if line == BACKTRACE {
            self.phase = Phase::Backtrace;
            return Step::Continue;
        }
        Step::Last
    }

    fn message(&mut self, line: &str) -> Step {
        if self.held >= MAX_MESSAGE_LINES || NEW_FORM.is_match(line) || OLD_FORM.is_match(line) {
            return Step::End;
        }
        if self.phase == Phase::OldMessage && OLD_END.is_match(line) {
            self.phase = Phase::AfterMessage;
            return Step::Continue;
        }
        if self.phase == Phase::MoreMessage && looks_like_log_line(line) {
            return Step::End;
        }
        self.held += 1;
        Step::Maybe
    }
}

/// A line that opens with a timestamp or a bracketed header: not part of a
/// panic message.
fn looks_like_log_line(line: &str) -> bool {
    let bytes = line.as_bytes();
    let year = bytes.len() >= 5 && bytes[..4].iter().all(u8::is_ascii_digit);
    year || line.starts_with('[') || line.starts_with('{')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives the machine as the assembler does; returns the kept lines' count and the parse.
    fn run(text: &str) -> (usize, Option<Exception>) {
        let lines: Vec<&str> = text.lines().collect();
        let (_, mut machine) = Rust.start(lines[0]).expect("a start");
        let kept = crate::trace::follow(machine.as_mut(), &lines);
        (kept, Rust.parse(&lines[..kept]))
    }

    #[test]
    fn ordinary_lines_are_not_starts() {
        for line in [
            "[2026-11-20T14:03:11Z INFO  shop::server] listening on 0.0.0.0:8080",
            "2026-11-20T14:03:11.482913Z  WARN shop: thread 'main' panicked at x",
            "thread 'main' started",
            "thread '",
            "",
        ] {
            assert!(Rust.start(line).is_none(), "{line:?}");
        }
    }

    #[test]
    fn current_form_with_multi_line_message_and_note() {
        let text = "thread 'main' panicked at src/main.rs:5:9:\nassertion `left == right` failed\n  left: 1\n right: 2\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n[2026-11-20T14:03:12Z INFO  shop] next";
        let (kept, exc) = run(text);
        assert_eq!(kept, 5);
        let exc = exc.expect("parsed");
        assert_eq!(exc.kind, "panic");
        assert_eq!(
            exc.value,
            "assertion `left == right` failed\n  left: 1\n right: 2"
        );
        assert_eq!(exc.frames.len(), 1);
        let frame = &exc.frames[0];
        assert_eq!(
            (frame.file.as_deref(), frame.line, frame.column),
            (Some("src/main.rs"), Some(5), Some(9))
        );
    }

    #[test]
    fn thread_id_of_newer_releases_is_read() {
        let text = "thread 'main' (4211) panicked at src/main.rs:7:5:\nboom\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace";
        let (kept, exc) = run(text);
        assert_eq!(kept, 3);
        let exc = exc.expect("parsed");
        assert_eq!((exc.value.as_str(), exc.frames[0].line), ("boom", Some(7)));
    }

    #[test]
    fn message_lines_without_a_note_are_released() {
        let text = "thread 'tokio-runtime-worker' panicked at src/a.rs:1:2:\nboom\nserver stopping\n2026-11-20T14:03:12Z INFO next";
        let (kept, exc) = run(text);
        assert_eq!(kept, 2);
        assert_eq!(exc.expect("parsed").value, "boom");
    }

    #[test]
    fn old_form_one_line_and_multi_line() {
        let (kept, exc) = run(
            "thread '<unnamed>' panicked at 'index out of bounds', src/lib.rs:12:5\nnote: run with `RUST_BACKTRACE=1`\nnext",
        );
        assert_eq!(kept, 2);
        let exc = exc.expect("parsed");
        assert_eq!(exc.value, "index out of bounds");
        assert_eq!(exc.frames[0].line, Some(12));
        let (kept, exc) = run(
            "thread 'main' panicked at 'assertion failed: `(left == right)`\n  left: `1`,\n right: `2`', src/main.rs:2:5\nhello",
        );
        assert_eq!(kept, 3);
        assert_eq!(
            exc.expect("parsed").value,
            "assertion failed: `(left == right)`\n  left: `1`,\n right: `2`"
        );
    }

    #[test]
    fn backtrace_frames_are_reversed_and_split() {
        let text = "thread 'main' panicked at src/main.rs:5:9:
boom
stack backtrace:
   0: std::panicking::begin_panic
             at /rustc/abc/library/std/src/panicking.rs:616:12
   1: shop::orders::create::{{closure}}
             at ./src/orders.rs:88:14
   2: <F as core::future::Future>::poll
   3:     0x55d4c6f2e0d3 - shop::main::h0123456789abcdef
                               at ./src/main.rs:5:9
   4:                0x0 - <unknown>
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.";
        let (kept, exc) = run(text);
        assert_eq!(kept, 12);
        let frames = exc.expect("parsed").frames;
        let names: Vec<_> = frames
            .iter()
            .map(|f| {
                (
                    f.module.as_deref().unwrap_or(""),
                    f.function.as_deref().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("shop", "main::h0123456789abcdef"),
                ("<F as core::future::Future>", "poll"),
                ("shop::orders", "create::{{closure}}"),
                ("std::panicking", "begin_panic"),
            ]
        );
        assert_eq!((frames[2].line, frames[2].column), (Some(88), Some(14)));
        assert_eq!(frames[1].file, None);
    }

    #[test]
    fn symbols_with_arrows_and_generics() {
        let frame = symbol_frame("<alloc::boxed::Box<dyn Fn() -> u8> as core::ops::Fn<()>>::call");
        assert_eq!(frame.function.as_deref(), Some("call"));
        assert_eq!(
            frame.module.as_deref(),
            Some("<alloc::boxed::Box<dyn Fn() -> u8> as core::ops::Fn<()>>")
        );
        assert_eq!(symbol_frame("rust_begin_unwind").module, None);
    }

    #[test]
    fn garbage_does_not_panic() {
        for text in [
            "thread '' panicked at :1:1:",
            "thread 'x' panicked at '",
            "thread 'x' panicked at 'a\nb\n', :99999999999:1",
            "thread 'x' panicked at a:1:1:\nm\nstack backtrace:\n  0:\n   at :\n   1: <<<::>::",
        ] {
            let lines: Vec<&str> = text.lines().collect();
            let _ = Rust.parse(&lines);
            if Rust.start(lines[0]).is_some() {
                let _ = run(text);
            }
        }
        assert!(Rust.parse(&[]).is_none());
        let unclosed = Rust
            .parse(&["thread 'x' panicked at 'never closed"])
            .expect("parsed");
        assert_eq!(
            (unclosed.value.as_str(), unclosed.frames.len()),
            ("never closed", 0)
        );
    }
}
