//! Node.js (V8) stack traces: `err.stack` as `console.error` and loggers
//! print it, and the report Node writes when an exception is never caught.
//!
//! ```text
//! /app/src/server.js:10
//!     throw new Error('boom');
//!     ^
//!
//! TypeError: Cannot read properties of undefined (reading 'id')
//!     at UserService.find (/app/src/users.js:42:17)
//!     at async Promise.all (index 0)
//!     at /app/src/index.js:10:5 {
//!   code: 'ERR_USER',
//!   [cause]: Error: connect ECONNREFUSED 127.0.0.1:5432
//!       at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)
//! }
//!
//! Node.js v20.10.0
//! ```
//!
//! A header line `XxxError: message` (also `Error [CODE]: …`, `Uncaught …`)
//! may attach to a log record; the uncaught-exception preamble (`file:line`,
//! the source line, the caret) announces its own event. A header not followed
//! by `at` frames (within a few message lines) is not a trace.

use super::{Language, Machine, Start, Step};
use faultline_event::{Exception, Frame};
use regex::Regex;
use std::sync::LazyLock;

/// The Node trace grammar. The exception type is the error's name as printed
/// (`TypeError`, `Error`, `AxiosError`; a `[CODE]` after it is dropped), the
/// value its message; `[cause]:` entries of the property dump form the cause
/// chain.
#[derive(Debug, Clone, Copy, Default)]
pub struct Node;

/// The first line of the uncaught-exception preamble: `/app/server.js:10`,
/// `node:internal/process/promises:288`.
static PREAMBLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:/|[A-Za-z]:[\\/]|file:///)\S*\.(?:[cm]?[jt]s|jsx|tsx)|node:[\w/]+):\d+$")
        .expect("valid")
});
/// A frame location: `/app/a.js:42:17`, `node:internal/x:95:5`, `file:///a.mjs:3:9`.
static LOCATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.+?):(\d+)(?::(\d+))?$").expect("valid"));

/// Lines of message held before the first frame at most.
const MAX_MESSAGE_LINES: usize = 10;

impl Language for Node {
    fn name(&self) -> &'static str {
        "node"
    }

    fn start(&self, line: &str) -> Option<(Start, Box<dyn Machine>)> {
        let first = *line.as_bytes().first()?;
        if first.is_ascii_uppercase() && header(line).is_some() {
            return Some((Start::Tentative, Box::new(NodeMachine::new(Phase::Message))));
        }
        let drive = line.as_bytes().get(1) == Some(&b':');
        let preamble = (matches!(first, b'/' | b'n' | b'f') || drive)
            && line.as_bytes().last().is_some_and(u8::is_ascii_digit)
            && PREAMBLE.is_match(line);
        preamble.then(|| {
            let machine: Box<dyn Machine> = Box::new(NodeMachine::new(Phase::Source));
            (Start::Announced, machine)
        })
    }

    fn parse(&self, lines: &[&str]) -> Option<Exception> {
        // Past the preamble's location, source line and caret.
        let skip = match lines.first() {
            Some(first) if PREAMBLE.is_match(first) => 3,
            _ => 0,
        };
        let lines = lines.get(skip..)?;
        let from = lines.iter().position(|l| header(l).is_some())?;
        let (head, rest) = lines[from..].split_first()?;
        let mut chain = vec![Link::new(header(head)?, indent_of(head))];
        let mut message_open = true;
        for line in rest {
            if !read_line(&mut chain, &mut message_open, line) {
                break;
            }
        }
        let mut exceptions = chain.into_iter().map(Link::finish).rev();
        let mut outer = exceptions.next()?;
        for mut exc in exceptions {
            exc.cause = Some(Box::new(outer));
            outer = exc;
        }
        Some(outer)
    }
}

/// Reads one line after the header: a frame of the newest exception, a
/// `[cause]:` starting the next one, or a line of the first one's message
/// (until the first frame). False when reading must stop.
fn read_line(chain: &mut Vec<Link>, message_open: &mut bool, line: &str) -> bool {
    let indent = indent_of(line);
    if let Some(frame) = frame(line) {
        if let Some(link) = chain.last_mut() {
            link.add_frame(frame, indent);
        }
    } else if let Some(cause) = line.trim_start().strip_prefix("[cause]: ") {
        let cause = cause
            .trim_start_matches('[')
            .trim_end_matches([']', ' ', '{']);
        let Some(exc) = header(cause) else {
            return false;
        };
        chain.push(Link::new(exc, indent));
    } else if line.starts_with("Emitted '") {
        if let Some(link) = chain.last_mut() {
            link.closed = true;
        }
    } else {
        let message = chain.first_mut().filter(|_| *message_open);
        if let Some(first) = message.filter(|_| !line.starts_with("Node.js v")) {
            first.exception.value.push('\n');
            first.exception.value.push_str(line.trim_end());
        }
        return true;
    }
    *message_open = false;
    true
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The name, and message of a header line: `TypeError: x`, `Error [ERR_X]: x`,
/// `Uncaught (in promise) AbortError: x`, `Error`. Read by hand: this runs on
/// every log line.
fn header(line: &str) -> Option<Exception> {
    let line = line.trim_start();
    let line = ["Uncaught (in promise) ", "Uncaught "]
        .iter()
        .find_map(|p| line.strip_prefix(p))
        .unwrap_or(line);
    let name_len = line
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$')
        .count();
    let name = &line[..name_len];
    let named = name.len() <= 100
        && name.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && (name.ends_with("Error") || name.ends_with("Exception"));
    if !named {
        return None;
    }
    let mut rest = &line[name_len..];
    if let Some(coded) = rest.strip_prefix(" [") {
        let close = coded.find(']')?;
        let code = &coded[..close];
        if code.is_empty() || code.contains(' ') {
            return None;
        }
        rest = &coded[close + 1..];
    }
    let message = match rest.strip_prefix(':') {
        Some(message) => message.strip_prefix(' ').unwrap_or(message),
        None if rest.trim_end().is_empty() => "",
        None => return None,
    };
    Some(Exception::new(name, message.trim_end()))
}

/// One exception of the chain being read, with the indentation of its frames.
struct Link {
    exception: Exception,
    header_indent: usize,
    frame_indent: Option<usize>,
    /// Frames after `Emitted 'error' event … at:` are the emitter's, not the error's.
    closed: bool,
}

impl Link {
    fn new(exception: Exception, header_indent: usize) -> Link {
        Link {
            exception,
            header_indent,
            frame_indent: None,
            closed: false,
        }
    }

    /// Takes a frame at the indentation of this exception's first frame;
    /// frames of errors nested elsewhere in a property dump are skipped.
    fn add_frame(&mut self, frame: Frame, indent: usize) {
        if self.closed || indent <= self.header_indent && self.header_indent > 0 {
            return;
        }
        if *self.frame_indent.get_or_insert(indent) == indent {
            self.exception.frames.push(frame);
        }
    }

    fn finish(mut self) -> Exception {
        let value = self.exception.value.trim_end().len();
        self.exception.value.truncate(value);
        self.exception.frames.reverse();
        self.exception
    }
}

/// Reads one `    at …` line.
fn frame(line: &str) -> Option<Frame> {
    let body = line.trim_start().strip_prefix("at ")?.trim_end();
    // A property dump opened (` {`) or printed whole (` { code: 'E' }`) after it.
    let body = match body.find(") {").or_else(|| body.rfind(" {")) {
        Some(i) if body.as_bytes()[i] == b')' => &body[..=i],
        Some(i) => &body[..i],
        None => body,
    };
    let body = body.strip_prefix("async ").unwrap_or(body);
    let (function, location) = match split_call(body) {
        Some((function, location)) => (Some(function), location),
        None if !body.contains(' ') && LOCATION.is_match(body) => (None, body),
        None => return None,
    };
    let mut frame = Frame::default();
    if let Some(function) = function {
        let (module, name) = split_function(strip_alias(function));
        frame.module = module.map(str::to_string);
        frame.function = Some(name.to_string());
    }
    // `eval at f (/app/a.js:1:1), <anonymous>:1:1`: the eval'd code's own place.
    let location = location.rsplit_once("), ").map_or(location, |(_, l)| l);
    if let Some(caps) = LOCATION.captures(location) {
        frame.file = Some(caps[1].to_string());
        frame.line = caps[2].parse().ok();
        frame.column = caps.get(3).and_then(|c| c.as_str().parse().ok());
    }
    Some(frame)
}

/// `UserService.find` → (`UserService`, `find`): the receiver's type is the
/// module. `Module._extensions..js` is the `.js` entry of `Module._extensions`;
/// `new Foo` and plain names have no module.
fn split_function(function: &str) -> (Option<&str>, &str) {
    if function.starts_with("new ") {
        return (None, function);
    }
    let Some(mut dot) = function.rfind('.') else {
        return (None, function);
    };
    if dot > 0 && function.as_bytes()[dot - 1] == b'.' {
        dot -= 1;
    }
    match (&function[..dot], &function[dot + 1..]) {
        (module, name) if !module.is_empty() && !name.is_empty() => (Some(module), name),
        _ => (None, function),
    }
}

/// `Foo.bar (/a.js:1:2)` → (`Foo.bar`, `/a.js:1:2`): the function and the
/// last parenthesised group, matched from the end.
fn split_call(body: &str) -> Option<(&str, &str)> {
    let inner = body.strip_suffix(')')?;
    let mut depth = 0usize;
    for (i, b) in inner.bytes().enumerate().rev() {
        match b {
            b')' => depth += 1,
            b'(' if depth == 0 => {
                let function = inner[..i].strip_suffix(' ')?;
                return (!function.is_empty()).then(|| (function, &inner[i + 1..]));
            }
            b'(' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `Layer.handle [as handle_request]` → `Layer.handle`.
fn strip_alias(function: &str) -> &str {
    match function.rfind(" [as ") {
        Some(i) if function.ends_with(']') => &function[..i],
        _ => function,
    }
}

/// Where a Node trace stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// After the preamble's `file:line`: the source line.
    Source,
    /// Expecting the caret under the source line.
    Caret,
    /// After the caret: blank lines, then the error.
    AfterCaret,
    /// Message lines before the first frame.
    Message,
    Frames,
}

struct NodeMachine {
    phase: Phase,
    /// Message lines held before the first frame.
    held: usize,
    /// Open braces and brackets of a property dump after the frames.
    depth: usize,
}

impl NodeMachine {
    fn new(phase: Phase) -> NodeMachine {
        NodeMachine {
            phase,
            held: 0,
            depth: 0,
        }
    }

    fn message(&mut self, line: &str) -> Step {
        if frame(line).is_some() {
            self.phase = Phase::Frames;
            return self.frames(line);
        }
        if line.starts_with("Node.js v") {
            return Step::Last;
        }
        let foreign = header(line).is_some() || looks_like_log_line(line);
        if foreign || self.held >= MAX_MESSAGE_LINES {
            return Step::End;
        }
        self.held += 1;
        Step::Maybe
    }

    fn frames(&mut self, line: &str) -> Step {
        if self.depth > 0 {
            let closing = line.starts_with(['}', ']']);
            if !closing && !line.starts_with([' ', '\t']) {
                return Step::End;
            }
            self.depth = apply_brackets(self.depth, line);
            return Step::Continue;
        }
        let trimmed = line.trim_start();
        if let Some(body) = trimmed.strip_prefix("at ") {
            if body.trim_end().ends_with(" {") {
                self.depth = 1;
            }
            return Step::Continue;
        }
        if trimmed.starts_with("... ") || line.starts_with("Emitted '") {
            return Step::Continue;
        }
        if line.starts_with("Node.js v") {
            return Step::Last;
        }
        Step::End
    }
}

impl Machine for NodeMachine {
    fn step(&mut self, line: &str) -> Step {
        if line.trim().is_empty() {
            return match self.phase {
                Phase::Source | Phase::Caret => Step::End,
                _ if self.depth > 0 => Step::Continue,
                _ => Step::Maybe,
            };
        }
        match self.phase {
            Phase::Source => {
                self.phase = Phase::Caret;
                Step::Continue
            }
            Phase::Caret if line.trim() == "^" || line.trim().bytes().all(|b| b == b'^') => {
                self.phase = Phase::AfterCaret;
                Step::Continue
            }
            Phase::Caret => Step::End,
            Phase::AfterCaret => {
                self.phase = Phase::Message;
                Step::Continue
            }
            Phase::Message => self.message(line),
            Phase::Frames => self.frames(line),
        }
    }
}

/// Adds the brackets a property-dump line opens and closes to `depth`,
/// ignoring those inside quoted strings.
fn apply_brackets(depth: usize, line: &str) -> usize {
    let mut depth = depth as isize;
    let mut quote = None;
    let mut escaped = false;
    for b in line.bytes() {
        match (quote, b) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), b'\\') => escaped = true,
            (Some(q), _) if q == b => quote = None,
            (Some(_), _) => {}
            (None, b'\'' | b'"' | b'`') => quote = Some(b),
            (None, b'{' | b'[') => depth += 1,
            (None, b'}' | b']') => depth -= 1,
            _ => {}
        }
    }
    depth.max(0) as usize
}

/// A line that opens with a date or a structured record: not a message line.
fn looks_like_log_line(line: &str) -> bool {
    let bytes = line.as_bytes();
    let year = bytes.len() >= 5 && bytes[..4].iter().all(u8::is_ascii_digit);
    year || line.starts_with(['{', '['])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives the machine as the assembler does; returns the kept lines' count and the parse.
    fn run(text: &str) -> (usize, Option<Exception>) {
        let lines: Vec<&str> = text.lines().collect();
        let (_, mut machine) = Node.start(lines[0]).expect("a start");
        let kept = crate::trace::follow(machine.as_mut(), &lines);
        (kept, Node.parse(&lines[..kept]))
    }

    fn names(exc: &Exception) -> Vec<(Option<&str>, Option<&str>)> {
        exc.frames
            .iter()
            .map(|f| (f.module.as_deref(), f.function.as_deref()))
            .collect()
    }

    #[test]
    fn ordinary_lines_are_not_starts() {
        for line in [
            "2026-11-20T14:03:11.482Z INFO  listening on :3000",
            "{\"level\":50,\"msg\":\"TypeError: x\"}",
            "Errors: 3",
            "ERROR connection refused",
            "java.lang.IllegalStateException: x",
            "System.InvalidOperationException: x",
            "Error_count: 1",
            "/var/log/app.log:12",
            "node:12",
            "",
        ] {
            assert!(Node.start(line).is_none(), "{line:?}");
        }
        for line in [
            "Error",
            "Error: boom",
            "Uncaught (in promise) TypeError: Failed to fetch",
            "Error [ERR_HTTP_HEADERS_SENT]: x",
            "/app/server.js:10",
            "node:internal/process/promises:288",
        ] {
            assert!(Node.start(line).is_some(), "{line:?}");
        }
    }

    #[test]
    fn frames_are_reversed_and_read() {
        let text = "TypeError: Cannot read properties of undefined (reading 'id')
    at UserService.find (/app/src/users.js:42:17)
    at async Promise.all (index 0)
    at new Foo (file:///app/foo.mjs:3:9)
    at /app/src/index.js:10:5
    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)
    at node:internal/process/task_queues:95:5
2026-11-20T14:03:12.001Z INFO next";
        let (kept, exc) = run(text);
        assert_eq!(kept, 7);
        let exc = exc.expect("parsed");
        assert_eq!(
            (exc.kind.as_str(), exc.value.as_str()),
            (
                "TypeError",
                "Cannot read properties of undefined (reading 'id')"
            )
        );
        assert_eq!(
            names(&exc),
            [
                (None, None),
                (Some("Layer"), Some("handle")),
                (None, None),
                (None, Some("new Foo")),
                (Some("Promise"), Some("all")),
                (Some("UserService"), Some("find")),
            ]
        );
        let crash = exc.frames.last().expect("frame");
        assert_eq!(
            (crash.file.as_deref(), crash.line, crash.column),
            (Some("/app/src/users.js"), Some(42), Some(17))
        );
        assert_eq!(
            exc.frames[0].file.as_deref(),
            Some("node:internal/process/task_queues")
        );
        assert_eq!(exc.frames[4].file, None);
    }

    #[test]
    fn inline_property_dump_after_the_last_frame() {
        let line =
            "    at node:internal/main/run_main_module:28:49 { code: 'E_X', [cause]: 'gone' }";
        let frame = frame(line).expect("a frame");
        assert_eq!(
            frame.file.as_deref(),
            Some("node:internal/main/run_main_module")
        );
        assert_eq!((frame.line, frame.column), (Some(28), Some(49)));
        let frame = super::frame("    at f (/a.js:1:2) { errno: -2 }").expect("a frame");
        assert_eq!(
            (frame.function.as_deref(), frame.line),
            (Some("f"), Some(1))
        );
    }

    #[test]
    fn function_names_split_at_the_receiver() {
        let cases = [
            ("Module._extensions..js", Some("Module._extensions"), ".js"),
            ("Object.<anonymous>", Some("Object"), "<anonymous>"),
            ("new Foo", None, "new Foo"),
            ("next", None, "next"),
            (".x", None, ".x"),
        ];
        for (name, module, function) in cases {
            assert_eq!(split_function(name), (module, function), "{name}");
        }
    }

    #[test]
    fn header_without_frames_ends_at_once_on_a_log_line() {
        let (kept, _) = run("Error: could not open config\n2026-11-20T14:03:12Z INFO next");
        assert_eq!(kept, 1);
        let (kept, _) = run("Error: could not open config\nusing defaults\n\n");
        assert_eq!(kept, 1);
    }

    #[test]
    fn multi_line_message_joins_when_frames_follow() {
        let text = "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n1 !== 2\n\n    at Object.<anonymous> (/app/test/a.test.js:3:8)";
        let (kept, exc) = run(text);
        assert_eq!(kept, 5);
        let exc = exc.expect("parsed");
        assert_eq!(exc.kind, "AssertionError");
        assert_eq!(
            exc.value,
            "Expected values to be strictly equal:\n\n1 !== 2"
        );
        assert_eq!(names(&exc), [(Some("Object"), Some("<anonymous>"))]);
    }

    #[test]
    fn property_dump_and_cause_chain() {
        let text = "Error: payment failed
    at charge (/app/src/billing.js:20:11)
    at async Server.handle (/app/src/server.js:8:5) {
  code: 'E_PAYMENT',
  details: { attempt: 2, ids: [ 1, 2 ] },
  [cause]: Error: connect ECONNREFUSED 10.0.0.5:5432
      at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16) {
    errno: -111,
    code: 'ECONNREFUSED',
    note: 'brace } in a string'
  }
}
2026-11-20T14:03:12Z INFO next";
        let (kept, exc) = run(text);
        assert_eq!(kept, 12);
        let exc = exc.expect("parsed");
        assert_eq!(exc.value, "payment failed");
        assert_eq!(
            names(&exc),
            [(Some("Server"), Some("handle")), (None, Some("charge"))]
        );
        let cause = exc.cause.as_deref().expect("cause");
        assert_eq!(cause.value, "connect ECONNREFUSED 10.0.0.5:5432");
        assert_eq!(
            names(cause),
            [(Some("TCPConnectWrap"), Some("afterConnect"))]
        );
        assert_eq!(cause.frames[0].file.as_deref(), Some("node:net"));
    }

    #[test]
    fn uncaught_preamble_is_one_trace() {
        let text = "/app/server.js:10
    throw new Error('boom');
    ^

Error: boom
    at Object.<anonymous> (/app/server.js:10:11)
    at Module._compile (node:internal/modules/cjs/loader:1256:14)

Node.js v20.10.0
2026-11-20T14:03:12Z INFO restarted";
        let (kept, exc) = run(text);
        assert_eq!(kept, 9);
        let exc = exc.expect("parsed");
        assert_eq!((exc.kind.as_str(), exc.value.as_str()), ("Error", "boom"));
        assert_eq!(exc.frames.len(), 2);
        assert_eq!(exc.frames[1].line, Some(10));
    }

    #[test]
    fn preamble_false_start_ends_early() {
        let (kept, exc) = run("/app/server.js:10\nsome text\nmore text");
        assert_eq!(kept, 2);
        assert!(exc.is_none());
    }

    #[test]
    fn garbage_does_not_panic() {
        for text in [
            "Error: x\n    at (\n    at )\n    at  (:)\n    at a (b:99999999999:1) {\n}}}}\n]",
            "Error [: x",
            "TypeError: x\n    at f (/a.js:1:1) {\n  [cause]: \u{fffd}\n",
            "/a.js:1\n\n",
            "Uncaught Error\n    at eval (eval at <anonymous> (/a.js:1:1), <anonymous>:1:1)",
        ] {
            let lines: Vec<&str> = text.lines().collect();
            let _ = Node.parse(&lines);
            if Node.start(lines[0]).is_some() {
                let _ = run(text);
            }
        }
        assert!(Node.parse(&[]).is_none());
    }
}
