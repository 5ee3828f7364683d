//! Dart and Flutter stack traces.
//!
//! Shapes read:
//! - the VM's `Unhandled exception:` line, the error's `toString()` (one or
//!   more lines), then frames `#0      main (file:///app/bin/main.dart:5:3)`
//!   with `<asynchronous suspension>` markers (announced);
//! - Flutter's `[ERROR:flutter/…] Unhandled Exception: message` line followed
//!   by frames (announced), with `E/flutter (pid): ` or `flutter: ` prefixes;
//! - Flutter's `══╡ EXCEPTION CAUGHT BY … ╞═══` boxes, up to their closing
//!   `════` rule (announced);
//! - bare frames, VM style from `#0 ` or the `stack_trace` package's terse
//!   `package:app/src/foo.dart 12:5  Foo.bar` style (attachable).
//!
//! Frames are printed crash site first and are reversed.

use super::{Language, Machine, Start, Step};
use faultline_event::{Exception, Frame};
use regex::Regex;
use std::sync::LazyLock;

const UNHANDLED: &str = "Unhandled exception:";
const FLUTTER_UNHANDLED: &str = "] Unhandled Exception: ";
const FLUTTER_BOX: &str = "══╡ EXCEPTION CAUGHT BY ";

/// How many message lines may be held before the first frame confirms them.
const MAX_HELD: usize = 20;

/// `#1      _startIsolate.<anonymous closure> (dart:isolate-patch/isolate_patch.dart:301:19)`.
static VM_FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^#(\d+)\s+(.+) \((.+?)(?::(\d+)(?::(\d+))?)?\)$").expect("valid regex")
});

/// `package:app/src/foo.dart 12:5  Foo.bar`, `dart:async  _Completer.completeError`.
static TERSE_FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\S+\.dart|dart:\S+)(?: (\d+)(?::(\d+))?)? {2,}(\S.*)$").expect("valid regex")
});

/// `The following _TypeError was thrown building Checkout(dirty):`.
static FLUTTER_THROWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^The following (\S+?) (?:object )?was thrown").expect("valid regex")
});

/// `FormatException: msg`, `LateInitializationError: Field 'x' …`.
static TYPED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(_?[A-Z][\w$]*): ?(.*)$").expect("valid regex"));

/// The Dart trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dart;

impl Language for Dart {
    fn name(&self) -> &'static str {
        "dart"
    }

    fn start(&self, line: &str) -> Option<(Start, Box<dyn Machine>)> {
        let line = strip_prefix(line).trim_end();
        let (start, state) = match line.as_bytes().first()? {
            b'U' if line == UNHANDLED => (Start::Announced, State::Message),
            b'[' if line.starts_with("[ERROR:flutter/") && line.contains(FLUTTER_UNHANDLED) => {
                (Start::Announced, State::Frames)
            }
            0xE2 if line.starts_with(FLUTTER_BOX) => (Start::Announced, State::Box),
            b'#' if line.starts_with("#0 ") && VM_FRAME.is_match(line) => {
                (Start::Attachable, State::Frames)
            }
            b'p' | b'd' if is_terse_start(line) => (Start::Attachable, State::Frames),
            _ => return None,
        };
        Some((start, Box::new(DartMachine { state, held: 0 })))
    }

    fn parse(&self, lines: &[&str]) -> Option<Exception> {
        let lines: Vec<&str> = lines.iter().map(|l| strip_prefix(l).trim_end()).collect();
        let first = *lines.first()?;
        let mut exception = if first == UNHANDLED {
            unhandled(&lines[1..])
        } else if let Some(p) = first.find(FLUTTER_UNHANDLED) {
            typed(&first[p + FLUTTER_UNHANDLED.len()..])
        } else if first.starts_with(FLUTTER_BOX) {
            flutter_box(&lines)
        } else {
            Exception::new("", "")
        };
        exception.frames = lines.iter().filter_map(|l| frame(l)).collect();
        exception.frames.reverse();
        Some(exception)
    }
}

/// Where a trace in progress is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// After `Unhandled exception:`, before the first frame.
    Message,
    /// Among frames.
    Frames,
    /// Inside a Flutter box, before its closing rule.
    Box,
}

struct DartMachine {
    state: State,
    /// Message lines held since the first, not yet confirmed by a frame.
    held: usize,
}

impl Machine for DartMachine {
    fn step(&mut self, line: &str) -> Step {
        let stripped = strip_prefix(line).trim_end();
        if stripped.is_empty() && !line.trim().is_empty() && self.state == State::Frames {
            // A console prefix with nothing after it closes Flutter's trace.
            return Step::Continue;
        }
        let line = stripped;
        if line.trim().is_empty() {
            return if self.state == State::Box {
                Step::Continue
            } else {
                Step::Maybe
            };
        }
        match self.state {
            State::Box if line.chars().all(|c| c == '═') => Step::Last,
            State::Box if looks_like_record(line) => Step::End,
            State::Box => Step::Continue,
            _ if is_frame_line(line) => {
                self.state = State::Frames;
                Step::Continue
            }
            State::Frames => Step::End,
            State::Message => self.message_line(line),
        }
    }
}

impl DartMachine {
    /// A line of the error's message: the first is the message itself; later
    /// ones are held until a frame shows they belong.
    fn message_line(&mut self, line: &str) -> Step {
        if self.held == 0 && !looks_like_record(line) {
            self.held = 1;
            return Step::Continue;
        }
        if self.held >= MAX_HELD || looks_like_record(line) {
            return Step::End;
        }
        self.held += 1;
        Step::Maybe
    }
}

/// Removes the Android (`E/flutter ( 6745): `) and iOS/desktop (`flutter: `)
/// console prefixes.
fn strip_prefix(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix("flutter: ") {
        return rest;
    }
    let b = line.as_bytes();
    let android = b.len() > 9 && b[1] == b'/' && &b[2..9] == b"flutter";
    match android.then(|| line.find("): ")).flatten() {
        Some(p) => &line[p + 3..],
        None => line,
    }
}

fn is_terse_start(line: &str) -> bool {
    (line.starts_with("package:") || line.starts_with("dart:")) && TERSE_FRAME.is_match(line)
}

fn is_frame_line(line: &str) -> bool {
    line == "<asynchronous suspension>"
        || line.starts_with("===== asynchronous gap")
        || line == "..."
        || (line.starts_with('#') && VM_FRAME.is_match(line))
        || TERSE_FRAME.is_match(line)
}

/// Whether a line looks like the start of an ordinary log record.
fn looks_like_record(line: &str) -> bool {
    let b = line.as_bytes();
    let dated = b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-';
    dated || b.first() == Some(&b'{')
}

/// The error printed after `Unhandled exception:`: its lines up to the first
/// frame.
fn unhandled(lines: &[&str]) -> Exception {
    let end = lines
        .iter()
        .position(|l| is_frame_line(l))
        .unwrap_or(lines.len());
    let message = lines[..end].join("\n");
    typed(message.trim_end())
}

/// Reads the type from an error's `toString()`: `FormatException: msg`, the
/// core library's fixed phrasings (`Bad state: …`), `Instance of 'Foo'`.
fn typed(message: &str) -> Exception {
    const PHRASES: [(&str, &str); 9] = [
        ("Bad state: ", "StateError"),
        ("Invalid argument", "ArgumentError"),
        ("RangeError", "RangeError"),
        ("Unsupported operation: ", "UnsupportedError"),
        ("Concurrent modification", "ConcurrentModificationError"),
        ("Null check operator used on a null value", "TypeError"),
        ("type '", "TypeError"),
        ("Stack Overflow", "StackOverflowError"),
        ("Out of Memory", "OutOfMemoryError"),
    ];
    if let Some((phrase, kind)) = PHRASES.iter().find(|(p, _)| message.starts_with(p)) {
        let value = match phrase.strip_suffix(": ") {
            Some(_) => &message[phrase.len()..],
            None => message,
        };
        return Exception::new(*kind, value);
    }
    if let Some(class) = message
        .strip_prefix("Instance of '")
        .and_then(|rest| rest.strip_suffix('\''))
    {
        return Exception::new(class, "");
    }
    let first_line = message.lines().next().unwrap_or("");
    match TYPED.captures(first_line) {
        Some(caps) => {
            let kind = caps.get(1).map_or("", |m| m.as_str());
            Exception::new(kind, message[kind.len() + 1..].trim_start())
        }
        None => Exception::new("Error", message),
    }
}

/// A Flutter box: the type from `The following … was thrown`, the message
/// from the paragraph after it.
fn flutter_box(lines: &[&str]) -> Exception {
    let Some(at) = lines.iter().position(|l| FLUTTER_THROWN.is_match(l)) else {
        return Exception::new("FlutterError", "");
    };
    let thrown = FLUTTER_THROWN
        .captures(lines[at])
        .and_then(|c| c.get(1))
        .map_or("", |m| m.as_str());
    let kind = match thrown {
        "assertion" => "AssertionError",
        t if t
            .trim_start_matches('_')
            .starts_with(|c: char| c.is_ascii_uppercase()) =>
        {
            t
        }
        _ => "FlutterError",
    };
    // The sentence may wrap; it ends at a `:` outside parentheses.
    let mut depth = 0i64;
    let body = lines[at..]
        .iter()
        .position(|l| {
            depth += l.matches('(').count() as i64 - l.matches(')').count() as i64;
            depth <= 0 && l.ends_with(':')
        })
        .map_or(at + 1, |p| at + p + 1);
    let message: Vec<&str> = lines[body.min(lines.len())..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .copied()
        .collect();
    Exception::new(kind, message.join("\n"))
}

fn frame(line: &str) -> Option<Frame> {
    let (function, file, line_no, column) = if let Some(caps) = VM_FRAME.captures(line) {
        (caps.get(2), caps.get(3), caps.get(4), caps.get(5))
    } else {
        let caps = TERSE_FRAME.captures(line)?;
        (caps.get(4), caps.get(1), caps.get(2), caps.get(3))
    };
    let number = |m: Option<regex::Match>| m.and_then(|m| m.as_str().parse().ok());
    let (module, function) = split_member(function.map_or("", |m| m.as_str()));
    Some(Frame {
        function: Some(function),
        module,
        file: file.map(|m| m.as_str().to_string()),
        line: number(line_no),
        column: number(column),
        ..Frame::default()
    })
}

/// Splits `Class.method` into the class and the method; top-level functions
/// and closures (`main.<anonymous closure>`) keep no module.
fn split_member(member: &str) -> (Option<String>, String) {
    if let Some(class) = member.strip_prefix("new ") {
        return (Some(class.to_string()), "new".to_string());
    }
    match member.split_once('.') {
        Some((class, method)) if is_class(class) => (Some(class.to_string()), method.to_string()),
        _ => (None, member.to_string()),
    }
}

fn is_class(name: &str) -> bool {
    name.trim_start_matches('_')
        .starts_with(|c: char| c.is_ascii_uppercase())
        || matches!(name, "int" | "double" | "num" | "bool")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Start, Vec<Step>) {
        let mut lines = text.lines();
        let (start, mut machine) = Dart.start(lines.next().unwrap()).expect("a start");
        (start, lines.map(|l| machine.step(l)).collect())
    }

    fn parse(text: &str) -> Exception {
        Dart.parse(&text.lines().collect::<Vec<_>>())
            .expect("parsed")
    }

    const UNHANDLED_TRACE: &str = "Unhandled exception:
FormatException: Invalid radix-10 number (at character 1)
abc
^

#0      int._throwFormatException (dart:core-patch/integers_patch.dart:194:5)
#1      OrderParser.parse (package:shop/src/order_parser.dart:41:22)
<asynchronous suspension>
#2      main (file:///app/bin/server.dart:12:3)";

    #[test]
    fn ordinary_lines_are_not_starts() {
        for line in [
            "2026-11-20 14:03:11.482 INFO shop.api: listening on :8080",
            "Unhandled exceptions are reported to Sentry",
            "#general channel joined",
            "package:shop is up to date",
            "[INFO] build finished",
            "",
        ] {
            assert!(Dart.start(line).is_none(), "{line}");
        }
    }

    #[test]
    fn unhandled_exception_is_followed_to_its_end() {
        let text = format!("{UNHANDLED_TRACE}\n\n2026-11-20 14:03:12.001 INFO shop.api: next");
        let (start, steps) = run(&text);
        assert_eq!(start, Start::Announced);
        assert_eq!(
            &steps[..4],
            [Step::Continue, Step::Maybe, Step::Maybe, Step::Maybe]
        );
        assert_eq!(
            &steps[4..],
            [Step::Continue; 4]
                .iter()
                .copied()
                .chain([Step::Maybe, Step::End])
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn unhandled_exception_frames_are_outermost_first() {
        let exc = parse(UNHANDLED_TRACE);
        assert_eq!(exc.kind, "FormatException");
        assert_eq!(
            exc.value,
            "Invalid radix-10 number (at character 1)\nabc\n^"
        );
        let functions: Vec<_> = exc
            .frames
            .iter()
            .map(|f| f.function.as_deref().unwrap())
            .collect();
        assert_eq!(functions, ["main", "parse", "_throwFormatException"]);
        assert_eq!(exc.frames[1].module.as_deref(), Some("OrderParser"));
        assert_eq!(
            (exc.frames[0].line, exc.frames[0].column),
            (Some(12), Some(3))
        );
        assert_eq!(
            exc.frames[0].file.as_deref(),
            Some("file:///app/bin/server.dart")
        );
    }

    #[test]
    fn flutter_unhandled_with_android_prefix() {
        let text = "E/flutter ( 6745): [ERROR:flutter/runtime/dart_vm_initializer.cc(41)] Unhandled Exception: Bad state: No element
E/flutter ( 6745): #0      ListBase.firstWhere (dart:collection/list.dart:167:5)
E/flutter ( 6745): #1      _CartState._load.<anonymous closure> (package:shop/cart.dart:88:31)
E/flutter ( 6745): <asynchronous suspension>
E/flutter ( 6745): ";
        assert_eq!(
            run(text).1,
            [
                Step::Continue,
                Step::Continue,
                Step::Continue,
                Step::Continue
            ]
        );
        let exc = parse(text);
        assert_eq!(
            (exc.kind.as_str(), exc.value.as_str()),
            ("StateError", "No element")
        );
        assert_eq!(exc.frames[0].module.as_deref(), Some("_CartState"));
        assert_eq!(
            exc.frames[0].function.as_deref(),
            Some("_load.<anonymous closure>")
        );
    }

    #[test]
    fn flutter_box_ends_at_its_rule() {
        let text = "══╡ EXCEPTION CAUGHT BY WIDGETS LIBRARY ╞═══════════════════
The following _TypeError was thrown building CheckoutPage(dirty):
type 'Null' is not a subtype of type 'String'

When the exception was thrown, this was the stack:
#0      CheckoutPage.build (package:shop/checkout_page.dart:31:40)
#1      StatelessElement.build (package:flutter/src/widgets/framework.dart:5550:49)
═════════════════════════════════════════════════════════════
2026-11-20 14:03:12.001 INFO next";
        let steps = run(text).1;
        assert_eq!(steps[6], Step::Last);
        let lines: Vec<&str> = text.lines().take(8).collect();
        let exc = Dart.parse(&lines).unwrap();
        assert_eq!(exc.kind, "_TypeError");
        assert_eq!(exc.value, "type 'Null' is not a subtype of type 'String'");
        assert_eq!(exc.frames[1].function.as_deref(), Some("build"));
        assert_eq!(exc.frames[1].line, Some(31));
    }

    #[test]
    fn terse_frames_are_an_attachable_trace() {
        let text = "package:shop/src/api.dart 40:7         ApiClient.get
dart:async                              _Completer.completeError
package:shop/main.dart 12               main
2026-11-20 14:03:12.001 INFO next";
        let (start, steps) = run(text);
        assert_eq!(
            (start, steps.as_slice()),
            (
                Start::Attachable,
                [Step::Continue, Step::Continue, Step::End].as_slice()
            )
        );
        let exc = parse(&text.lines().take(3).collect::<Vec<_>>().join("\n"));
        assert_eq!(exc.frames.len(), 3);
        assert_eq!((exc.frames[0].line, exc.frames[0].column), (Some(12), None));
        assert_eq!(exc.frames[2].module.as_deref(), Some("ApiClient"));
        assert_eq!(exc.frames[1].file.as_deref(), Some("dart:async"));
    }

    #[test]
    fn message_types() {
        assert_eq!(
            typed("Instance of 'PaymentDeclined'").kind,
            "PaymentDeclined"
        );
        assert_eq!(
            typed("Null check operator used on a null value").kind,
            "TypeError"
        );
        assert_eq!(typed("Exception: boom").value, "boom");
        assert_eq!(typed("oops").kind, "Error");
    }

    #[test]
    fn garbage_does_not_panic() {
        for text in [
            "#0  ( )",
            "E/flutter",
            "X/flutter (",
            "══╡ EXCEPTION CAUGHT BY ",
            "#0 f (x:99999999999:1)",
            "Instance of '",
        ] {
            let _ = Dart.parse(&[text, text]);
            let _ = Dart.start(text).map(|(_, mut m)| m.step(text));
        }
    }
}
