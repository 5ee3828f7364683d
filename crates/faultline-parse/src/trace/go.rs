//! Go stack traces: what the runtime prints when a goroutine panics or the
//! runtime throws, and the goroutine dumps `runtime/debug.Stack` returns.
//!
//! ```text
//! panic: runtime error: invalid memory address or nil pointer dereference
//! [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6f1d2a]
//!
//! goroutine 1 [running]:
//! main.(*Server).handle(0xc000010000, {0x0, 0x0})
//!     /app/server.go:42 +0x1d
//! created by net/http.(*Server).Serve in goroutine 1
//!     /usr/local/go/src/net/http/server.go:3285 +0x4b4
//! exit status 2
//! ```
//!
//! (location lines are indented with a tab.) A trace starts at `panic: …`, `fatal error: …`, a `log` line carrying
//! `http: panic serving ADDR: …` (all announced), or a bare `goroutine N [...]:`
//! dump (attachable). Only the first goroutine's frames are parsed: in a
//! `GOTRACEBACK=all` dump it is the one that panicked.

use super::{Language, Machine, Start, Step};
use faultline_event::{Exception, Frame};
use regex::Regex;
use std::sync::LazyLock;

/// The Go trace grammar.
///
/// The exception type is how the runtime announced the failure, because that
/// is all a Go trace says about it: `panic` for a panic (runtime errors such as
/// nil dereferences included, their message starts `runtime error:`), `fatal
/// error` for an unrecoverable runtime throw (`concurrent map writes`,
/// deadlocks, out of memory), and `goroutine dump` for a bare dump. The value
/// is the panic message without the `[recovered]` mark. A panic raised while
/// another was being recovered is the outer exception, and the recovered one
/// its cause.
#[derive(Debug, Clone, Copy, Default)]
pub struct Go;

const PANIC: &str = "panic: ";
const FATAL: &str = "fatal error: ";
const HTTP_PANIC: &str = "http: panic serving ";
const DUMP_KIND: &str = "goroutine dump";

/// `goroutine 1 [running]:`, `goroutine 7 gp=0xc0000 m=0 mp=0x6e8 [chan receive, 2 minutes]:`.
static GOROUTINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^goroutine \d+(?: [^\[]*)? ?\[[^\]]*\]:$").expect("valid"));
/// `\t/app/server.go:42 +0x1d`, with optional `fp= sp= pc=` after it.
static LOCATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+(\S.*?):(\d+)(?: \+0x[0-9a-f]+)?(?: .*)?$").expect("valid"));
/// `[signal SIGSEGV: …]` and the register dump lines of `GOTRACEBACK=crash`.
static SIGNAL_OR_REGISTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\[signal .*\]|[a-z0-9]{2,6}\s+0x[0-9a-f]+)$").expect("valid")
});

impl Language for Go {
    fn name(&self) -> &'static str {
        "go"
    }

    fn start(&self, line: &str) -> Option<(Start, Box<dyn Machine>)> {
        let start = match line.as_bytes().first()? {
            b'p' if line.starts_with(PANIC) => Start::Announced,
            b'f' if line.starts_with(FATAL) => Start::Announced,
            b'g' if GOROUTINE.is_match(line) => Start::Attachable,
            b'0'..=b'9' | b'h' if http_panic(line).is_some() => Start::Announced,
            _ => return None,
        };
        let in_stack = start == Start::Attachable;
        Some((start, Box::new(GoMachine { in_stack })))
    }

    fn parse(&self, lines: &[&str]) -> Option<Exception> {
        let (first, rest) = lines.split_first()?;
        let mut exc = header(first)?;
        let mut stack_from = 0;
        if exc.kind != DUMP_KIND {
            stack_from = read_repanics(&mut exc, rest);
        }
        exc.frames =
            first_goroutine_frames(if exc.kind == DUMP_KIND { lines } else { rest }, stack_from);
        Some(exc)
    }
}

/// The message of a `log` line carrying `http: panic serving ADDR: MSG`, as
/// net/http prints it when a handler panics (`2009/11/10 23:00:00 http: …`).
fn http_panic(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    let go_log_date = bytes.len() > 11 && bytes[4] == b'/' && bytes[7] == b'/';
    if !go_log_date && !line.starts_with(HTTP_PANIC) {
        return None;
    }
    let at = line.find(HTTP_PANIC)?;
    let after = &line[at + HTTP_PANIC.len()..];
    let (_, message) = after.split_once(": ")?;
    Some(message)
}

/// The exception the first line announces.
fn header(line: &str) -> Option<Exception> {
    if let Some(message) = line.strip_prefix(PANIC) {
        return Some(Exception::new("panic", strip_recovered(message)));
    }
    if let Some(message) = line.strip_prefix(FATAL) {
        return Some(Exception::new("fatal error", message.trim_end()));
    }
    if let Some(message) = http_panic(line) {
        return Some(Exception::new("panic", message.trim_end()));
    }
    let state = GOROUTINE
        .is_match(line)
        .then(|| line.trim_end_matches(':'))?;
    Some(Exception::new(DUMP_KIND, state))
}

fn strip_recovered(message: &str) -> &str {
    let message = message.trim_end();
    for mark in [" [recovered, repanicked]", " [recovered]"] {
        if let Some(m) = message.strip_suffix(mark) {
            return m;
        }
    }
    message
}

/// Reads the lines between the first panic and the stack: nested
/// `\tpanic: …` lines (a panic raised while recovering the one before) and
/// tab-indented continuations of multi-line messages. The newest panic becomes
/// `exc`, the older ones its causes. Returns the index where the stack begins.
fn read_repanics(exc: &mut Exception, rest: &[&str]) -> usize {
    let mut chain = vec![std::mem::take(exc)];
    let mut index = 0;
    for line in rest {
        let trimmed = line.trim_start();
        if line.trim().is_empty() || SIGNAL_OR_REGISTER.is_match(line) {
            index += 1;
            continue;
        }
        if !line.starts_with(['\t', ' ']) {
            break;
        }
        if let Some(message) = trimmed.strip_prefix(PANIC) {
            chain.push(Exception::new("panic", strip_recovered(message)));
        } else if let Some(last) = chain.last_mut() {
            last.value.push('\n');
            last.value.push_str(trimmed.trim_end());
        }
        index += 1;
    }
    let mut outer = chain.pop().unwrap_or_default();
    let mut tail = &mut outer;
    while let Some(cause) = chain.pop() {
        tail = tail.cause.insert(Box::new(cause));
    }
    *exc = outer;
    index
}

/// The frames of the first goroutine section (or of `runtime stack:` when
/// there is no goroutine), outermost first.
fn first_goroutine_frames(lines: &[&str], from: usize) -> Vec<Frame> {
    let lines = lines.get(from..).unwrap_or_default();
    let section = lines
        .iter()
        .position(|l| GOROUTINE.is_match(l))
        .or_else(|| lines.iter().position(|l| *l == "runtime stack:"));
    let Some(section) = section else {
        return Vec::new();
    };
    let mut frames = Vec::new();
    for line in &lines[section + 1..] {
        if line.trim().is_empty() || GOROUTINE.is_match(line) {
            break;
        }
        if let Some(caps) = LOCATION.captures(line) {
            if let Some(frame) = frames.last_mut().filter(|f: &&mut Frame| f.file.is_none()) {
                frame.file = Some(caps[1].to_string());
                frame.line = caps[2].parse().ok();
            }
            continue;
        }
        if let Some(name) = function_name(line) {
            frames.push(go_frame(name));
        }
    }
    frames.reverse();
    frames
}

/// The function a frame line names: `main.(*T).m(0xc0, {0x0, 0x0})`,
/// `panic({0x6b2f40?, 0x8d3e10?})`, `created by main.main in goroutine 1`.
fn function_name(line: &str) -> Option<&str> {
    if line.starts_with(['\t', ' ']) {
        return None;
    }
    if let Some(creator) = line.strip_prefix("created by ") {
        let name = creator.split(' ').next().unwrap_or(creator);
        return (!name.is_empty()).then_some(name);
    }
    let args = line.strip_suffix(')')?.rfind('(')?;
    let name = &line[..args];
    let plausible = !name.is_empty()
        && !name.contains(char::is_whitespace)
        && (name.contains('.') || name == "panic");
    plausible.then_some(name)
}

/// Splits `github.com/acme/api/handler.(*Handler).ServeHTTP` into the package
/// path (up to the first dot after the last slash) and the function.
fn go_frame(name: &str) -> Frame {
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let mut split = name[last_slash..].find('.').map(|i| last_slash + i);
    // `gopkg.in/yaml.v3.(*decoder).unmarshal`: the `.v3` belongs to the package.
    if let Some(dot) = split {
        let after = &name[dot + 1..];
        let version = after.strip_prefix('v').map(|v| {
            let digits = v.bytes().take_while(u8::is_ascii_digit).count();
            digits > 0 && v[digits..].starts_with('.')
        });
        if version == Some(true) {
            split = after[1..].find('.').map(|i| dot + 2 + i);
        }
    }
    let (module, function) = match split {
        Some(dot) if dot > 0 && dot + 1 < name.len() => (Some(&name[..dot]), &name[dot + 1..]),
        _ => (None, name),
    };
    Frame {
        function: Some(function.to_string()),
        module: module.map(str::to_string),
        ..Frame::default()
    }
}

/// Follows a Go trace: the message, the signal line, goroutine sections of
/// function and location lines, blank lines between sections, and the
/// `exit status N` line `go run` adds.
struct GoMachine {
    /// A goroutine or `runtime stack:` header has been seen.
    in_stack: bool,
}

impl Machine for GoMachine {
    fn step(&mut self, line: &str) -> Step {
        if line.trim().is_empty() {
            return Step::Maybe;
        }
        if GOROUTINE.is_match(line) || line == "runtime stack:" {
            self.in_stack = true;
            return Step::Continue;
        }
        if line.starts_with("exit status ") {
            return Step::Last;
        }
        if line.starts_with(['\t', ' ']) {
            return Step::Continue;
        }
        if !self.in_stack {
            return match SIGNAL_OR_REGISTER.is_match(line) {
                true => Step::Continue,
                false => Step::End,
            };
        }
        let elided = line.starts_with("...") && line.ends_with("elided...");
        if elided || function_name(line).is_some() || SIGNAL_OR_REGISTER.is_match(line) {
            return Step::Continue;
        }
        Step::End
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (usize, Option<Exception>) {
        let lines: Vec<&str> = text.lines().collect();
        let (_, mut machine) = Go.start(lines[0]).expect("a start");
        let kept = crate::trace::follow(machine.as_mut(), &lines);
        (kept, Go.parse(&lines[..kept]))
    }

    const NIL_DEREF: &str =
        "panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6f1d2a]

goroutine 1 [running]:
github.com/acme/api/internal/server.(*Server).handle(0xc000010000, {0x0, 0x0})
\t/app/internal/server/server.go:42 +0x1d
main.main()
\t/app/cmd/api/main.go:12 +0x25
exit status 2
2026/11/20 14:03:12 restarting";

    #[test]
    fn ordinary_lines_are_not_starts() {
        for line in [
            "2026/11/20 14:03:11 listening on :8080",
            "2026-11-20T14:03:11Z INFO panic: not at the start",
            "{\"level\":\"error\",\"msg\":\"panic: x\"}",
            "panicked: no",
            "goroutine leak detected",
            "fatal: could not read",
            "",
            "h",
            "2026/11/20",
        ] {
            assert!(Go.start(line).is_none(), "{line:?}");
        }
        assert!(matches!(
            Go.start("panic: boom"),
            Some((Start::Announced, _))
        ));
        assert!(matches!(
            Go.start("goroutine 1 [running]:"),
            Some((Start::Attachable, _))
        ));
    }

    #[test]
    fn nil_deref_is_followed_to_exit_status_and_parsed() {
        let (kept, exc) = run(NIL_DEREF);
        assert_eq!(kept, 9);
        let exc = exc.expect("parsed");
        assert_eq!(exc.kind, "panic");
        assert_eq!(
            exc.value,
            "runtime error: invalid memory address or nil pointer dereference"
        );
        let names: Vec<_> = exc
            .frames
            .iter()
            .map(|f| f.function.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(names, ["main", "(*Server).handle"]);
        let crash = &exc.frames[1];
        assert_eq!(
            crash.module.as_deref(),
            Some("github.com/acme/api/internal/server")
        );
        assert_eq!(
            crash.file.as_deref(),
            Some("/app/internal/server/server.go")
        );
        assert_eq!(crash.line, Some(42));
    }

    #[test]
    fn trace_ends_before_an_ordinary_line() {
        let text = "fatal error: concurrent map writes\n\ngoroutine 18 [running]:\nmain.main.func1()\n\t/app/main.go:10 +0x45\ncreated by main.main in goroutine 1\n\t/app/main.go:8 +0x3c\n2026/11/20 14:03:12 next";
        let (kept, exc) = run(text);
        assert_eq!(kept, 7);
        let exc = exc.expect("parsed");
        assert_eq!(exc.kind, "fatal error");
        let first = &exc.frames[0];
        assert_eq!(
            (first.module.as_deref(), first.function.as_deref()),
            (Some("main"), Some("main"))
        );
        assert_eq!(exc.frames[1].function.as_deref(), Some("main.func1"));
    }

    #[test]
    fn only_the_first_goroutine_is_parsed() {
        let text = "panic: boom\n\ngoroutine 7 [running]:\nmain.worker()\n\t/app/w.go:3 +0x1\n\ngoroutine 1 [chan receive]:\nmain.main()\n\t/app/main.go:9 +0x2";
        let (kept, exc) = run(text);
        assert_eq!(kept, 9);
        let frames = exc.expect("parsed").frames;
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].function.as_deref(), Some("worker"));
    }

    #[test]
    fn repanic_is_the_outer_exception_with_the_recovered_one_as_cause() {
        let text = "panic: first [recovered]\n\tpanic: second\n\ngoroutine 1 [running]:\nmain.main()\n\t/m.go:1";
        let exc = run(text).1.expect("parsed");
        assert_eq!(exc.value, "second");
        assert_eq!(
            exc.cause.as_deref().map(|c| c.value.as_str()),
            Some("first")
        );
        assert_eq!(exc.frames.len(), 1);
    }

    #[test]
    fn http_panic_log_line_starts_a_trace() {
        let line = "2026/11/20 14:03:11 http: panic serving 10.0.0.1:54321: boom";
        assert!(matches!(Go.start(line), Some((Start::Announced, _))));
        assert_eq!(Go.parse(&[line]).map(|e| e.value), Some("boom".to_string()));
    }

    #[test]
    fn package_paths_split_at_the_first_dot_of_the_last_element() {
        let cases = [
            (
                "gopkg.in/yaml.v3.(*decoder).unmarshal",
                Some("gopkg.in/yaml.v3"),
                "(*decoder).unmarshal",
            ),
            (
                "net/http.HandlerFunc.ServeHTTP",
                Some("net/http"),
                "HandlerFunc.ServeHTTP",
            ),
            ("panic", None, "panic"),
        ];
        for (name, module, function) in cases {
            let frame = go_frame(name);
            assert_eq!(
                (frame.module.as_deref(), frame.function.as_deref()),
                (module, Some(function)),
                "{name}"
            );
        }
    }

    #[test]
    fn garbage_does_not_panic() {
        for text in [
            "panic: ",
            "panic: x\n\t",
            "goroutine 1 []:\n(\n)\n\t:1\n\t/x.go:99999999999",
            "fatal error: \u{fffd}\n\u{0}",
        ] {
            let lines: Vec<&str> = text.lines().collect();
            let _ = Go.parse(&lines);
            if Go.start(lines[0]).is_some() {
                let _ = run(text);
            }
        }
        assert!(Go.parse(&[]).is_none());
        assert!(Go.parse(&["hello"]).is_none());
    }
}
