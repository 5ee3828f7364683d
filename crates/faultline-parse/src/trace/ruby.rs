//! Ruby and Rails backtraces.
//!
//! Four shapes start a trace:
//! - an uncaught exception, `app.rb:5:in 'foo': msg (RuntimeError)`, then
//!   `\tfrom app.rb:9:in '<main>'` lines; Ruby 3.1+ prints each cause the same
//!   way right after (announced);
//! - a `Logger` record of an exception, `E, [ts #pid] ERROR -- : msg (Class)`,
//!   then bare frame lines (announced);
//! - Rails' `NoMethodError (undefined method 'x' for nil):` block, with an
//!   optional `Causes:` list, then frame lines (attachable);
//! - a bare frame line, `app/models/user.rb:12:in 'save'` (attachable).
//!
//! Frames are printed crash site first and are reversed. Both quote styles
//! (`` `foo' `` and `'foo'`) and Ruby 3.4's `'Class#method'` labels are read;
//! Rails' `[request-id] ` tags in front of lines are skipped.

use super::{Language, Machine, Start, Step};
use faultline_event::{Exception, Frame};
use regex::Regex;
use std::sync::LazyLock;

/// How many unconfirmed lines of a multi-line message may be held.
const MAX_HELD: usize = 8;

/// `app.rb:5:in 'foo': message (RuntimeError)`.
static UNCAUGHT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(.+?):(\d+):in [`'](.*?)': (.*) \(([A-Z][\w:]*)\)$").expect("valid regex")
});

/// `E, [2026-11-20T14:03:11.123456 #1234] ERROR -- app: message (Class)`.
static LOGGER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[EF], \[[^\]]*\] +(?:ERROR|FATAL) -- [^:]*: (.*) \(([A-Z][\w:]*)\)$")
        .expect("valid regex")
});

/// Rails' `NoMethodError (undefined method 'name' for nil):` (with the trailing
/// colon) and its `Causes:` entries `RuntimeError (original)` (without).
static RAILS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Z]\w*(?:::[A-Z]\w*)*) \((.*)\)(:?)$").expect("valid regex"));

/// `app/models/user.rb:12:in 'save'`, `\tfrom lib/x.rb:3:in `<main>'`.
static FRAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:from )?(.+?):(\d+):in [`'](.*)'$").expect("valid regex"));

/// The Ruby trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ruby;

impl Language for Ruby {
    fn name(&self) -> &'static str {
        "ruby"
    }

    fn start(&self, line: &str) -> Option<(Start, Box<dyn Machine>)> {
        let line = strip_tags(line).trim_end();
        let (start, shape) = match line.as_bytes().last()? {
            b')' if is_uncaught(line) => (Start::Announced, Shape::Uncaught),
            b')' if is_logger(line) => (Start::Announced, Shape::Frames),
            b':' if rails_header(line).is_some_and(|(_, _, colon)| colon) => {
                (Start::Attachable, Shape::Rails)
            }
            b'\'' if FRAME.is_match(line.trim_start()) => (Start::Attachable, Shape::Frames),
            _ => return None,
        };
        let machine = RubyMachine {
            shape,
            frames: 0,
            held: 0,
        };
        Some((start, Box::new(machine)))
    }

    fn parse(&self, lines: &[&str]) -> Option<Exception> {
        let lines: Vec<&str> = lines.iter().map(|l| strip_tags(l).trim_end()).collect();
        let first = *lines.first()?;
        if is_uncaught(first) {
            Some(parse_uncaught(&lines))
        } else {
            Some(parse_logged(&lines))
        }
    }
}

/// Which of the shapes a trace in progress has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Uncaught exception with `from` lines.
    Uncaught,
    /// Rails' block: `Causes:` may come before the frames.
    Rails,
    /// Bare frame lines.
    Frames,
}

struct RubyMachine {
    shape: Shape,
    /// Frame lines seen so far.
    frames: usize,
    /// Unconfirmed lines held since the last frame.
    held: usize,
}

impl Machine for RubyMachine {
    fn step(&mut self, line: &str) -> Step {
        let line = strip_tags(line).trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            return Step::Maybe;
        }
        let step = match self.shape {
            Shape::Uncaught => self.uncaught_step(line, trimmed),
            Shape::Rails if self.frames == 0 && is_rails_cause(trimmed) => Step::Continue,
            Shape::Rails | Shape::Frames if FRAME.is_match(trimmed) => {
                self.frames += 1;
                Step::Continue
            }
            Shape::Rails | Shape::Frames => Step::End,
        };
        if step != Step::Maybe {
            self.held = 0;
        }
        step
    }
}

impl RubyMachine {
    fn uncaught_step(&mut self, line: &str, trimmed: &str) -> Step {
        if trimmed.starts_with("from ") && FRAME.is_match(trimmed) {
            self.frames += 1;
            return Step::Continue;
        }
        if trimmed.starts_with("... ") && trimmed.ends_with(" levels...") {
            return Step::Continue;
        }
        if self.frames > 0 && is_uncaught(line) {
            // Ruby 3.1+ prints the cause after the backtrace, shaped the same.
            self.frames = 0;
            return Step::Continue;
        }
        if self.frames > 0 || self.held >= MAX_HELD || looks_like_record(line) {
            return Step::End;
        }
        // A further line of a multi-line message, confirmed by a `from` line.
        self.held += 1;
        Step::Maybe
    }
}

fn is_uncaught(line: &str) -> bool {
    line.contains(":in ") && UNCAUGHT.is_match(line)
}

fn is_logger(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 4
        && matches!(&b[..4], b"E, [" | b"F, [")
        && LOGGER
            .captures(line)
            .is_some_and(|c| c.get(2).is_some_and(|m| exception_like(m.as_str())))
}

/// Rails' `Class (message):` header: class, message, whether the colon is there.
fn rails_header(line: &str) -> Option<(&str, &str, bool)> {
    if !line.starts_with(|c: char| c.is_ascii_uppercase()) || !line.contains(" (") {
        return None;
    }
    let caps = RAILS.captures(line)?;
    let class = caps.get(1)?.as_str();
    exception_like(class).then(|| {
        let message = caps.get(2).map_or("", |m| m.as_str());
        (
            class,
            message,
            caps.get(3).is_some_and(|m| !m.as_str().is_empty()),
        )
    })
}

/// `Causes:` or one of its `Class (message)` entries.
fn is_rails_cause(line: &str) -> bool {
    line == "Causes:" || rails_header(line).is_some_and(|(_, _, colon)| !colon)
}

/// Whether a constant name reads as an exception class, so that ordinary
/// messages ending in a parenthesised word are not taken for exceptions.
fn exception_like(class: &str) -> bool {
    const SUFFIXES: [&str; 8] = [
        "Error",
        "Exception",
        "Interrupt",
        "Timeout",
        "NotFound",
        "Invalid",
        "Denied",
        "Exit",
    ];
    class.contains("::") || SUFFIXES.iter().any(|s| class.ends_with(s))
}

/// Removes Rails' tagged-logging prefixes: `[8f1c…] [api] ` (tags hold no
/// whitespace, which keeps bracketed timestamps in place).
fn strip_tags(line: &str) -> &str {
    let mut rest = line;
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            break;
        };
        let tag = &inner[..close];
        let after = &inner[close + 1..];
        if tag.is_empty() || tag.contains(char::is_whitespace) {
            break;
        }
        match after.strip_prefix(' ') {
            Some(next) => rest = next,
            None if after.is_empty() => rest = after,
            None => break,
        }
    }
    rest
}

/// Whether a line looks like the start of an ordinary log record.
fn looks_like_record(line: &str) -> bool {
    let b = line.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_digit() || matches!(c, b'[' | b'{' | b'<') => true,
        Some(c) if c.is_ascii_uppercase() => b.get(1..4) == Some(b", ["),
        _ => false,
    }
}

/// An uncaught exception and the causes printed after it.
fn parse_uncaught(lines: &[&str]) -> Exception {
    let mut chain: Vec<Exception> = Vec::new();
    let mut in_message = false;
    for line in lines {
        let trimmed = line.trim_start();
        if let Some(caps) = UNCAUGHT
            .captures(line)
            .filter(|_| !trimmed.starts_with("from "))
        {
            let mut exception = Exception::new(&caps[5], &caps[4]);
            exception
                .frames
                .push(frame(&caps[1], &caps[2], Some(&caps[3])));
            chain.push(exception);
            in_message = true;
        } else if let Some(f) = frame_line(trimmed) {
            if let Some(exception) = chain.last_mut() {
                exception.frames.push(f);
            }
            in_message = false;
        } else if let Some(exception) = chain.last_mut().filter(|_| in_message) {
            exception.value.push('\n');
            exception.value.push_str(line);
        }
    }
    link(chain)
}

/// A `Logger` record, Rails' block or bare frames.
fn parse_logged(lines: &[&str]) -> Exception {
    let mut chain: Vec<Exception> = Vec::new();
    let mut frames = Vec::new();
    for line in lines {
        let trimmed = line.trim_start();
        if let Some(f) = frame_line(trimmed) {
            frames.push(f);
        } else if let Some(caps) = LOGGER.captures(trimmed) {
            chain.push(Exception::new(&caps[2], &caps[1]));
        } else if let Some((class, message, _)) = rails_header(trimmed) {
            chain.push(Exception::new(class, message));
        }
    }
    if chain.is_empty() {
        chain.push(Exception::new("", ""));
    }
    if let Some(first) = chain.first_mut() {
        first.frames = frames;
    }
    link(chain)
}

/// Reverses each exception's frames to outermost first and links the list,
/// printed outermost exception first, into a cause chain.
fn link(chain: Vec<Exception>) -> Exception {
    let mut result: Option<Exception> = None;
    for mut exception in chain.into_iter().rev() {
        exception.frames.reverse();
        exception.cause = result.take().map(Box::new);
        result = Some(exception);
    }
    result.unwrap_or_default()
}

fn frame_line(line: &str) -> Option<Frame> {
    let caps = FRAME.captures(line)?;
    Some(frame(&caps[1], &caps[2], caps.get(3).map(|m| m.as_str())))
}

fn frame(file: &str, line: &str, label: Option<&str>) -> Frame {
    let (module, function) = label.map(split_label).unwrap_or_default();
    Frame {
        function,
        module,
        file: Some(file.to_string()),
        line: line.parse().ok(),
        ..Frame::default()
    }
}

/// Splits a frame label into the class or module and the method:
/// `block in Foo::Bar#baz` → (`Foo::Bar`, `block in baz`), `Foo.create` →
/// (`Foo`, `create`); labels without a class (`<main>`, `` `save' ``) keep
/// no module.
fn split_label(label: &str) -> (Option<String>, Option<String>) {
    let (prefix, qualified) = match label.rfind(" in ") {
        Some(p) => label.split_at(p + 4),
        None => ("", label),
    };
    let split = qualified
        .find('#')
        .or_else(|| qualified.rfind('.').filter(|&p| p > 0));
    match split {
        Some(p) if qualified.starts_with(|c: char| c.is_ascii_uppercase()) => {
            let method = &qualified[p + 1..];
            (
                Some(qualified[..p].to_string()),
                Some(format!("{prefix}{method}")),
            )
        }
        _ => (None, Some(label.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Start, Vec<Step>) {
        let mut lines = text.lines();
        let (start, mut machine) = Ruby.start(lines.next().unwrap()).expect("a start");
        (start, lines.map(|l| machine.step(l)).collect())
    }

    fn parse(text: &str) -> Exception {
        Ruby.parse(&text.lines().collect::<Vec<_>>())
            .expect("parsed")
    }

    const UNCAUGHT_WITH_CAUSE: &str = "lib/billing/charge.rb:27:in 'Billing::Charge#capture!': capture failed for order 8812 (Billing::CaptureError)
\tfrom lib/billing/charge.rb:12:in 'block in Billing::Charge.run'
\tfrom bin/charge:9:in '<main>'
/usr/local/lib/ruby/3.4.0/net/http.rb:1603:in 'Net::HTTP#connect': Failed to open TCP connection (Errno::ECONNREFUSED)
\tfrom lib/billing/gateway.rb:40:in 'Billing::Gateway#post'";

    #[test]
    fn ordinary_lines_are_not_starts() {
        for line in [
            "I, [2026-11-20T14:03:11.123456 #1234]  INFO -- : Started GET \"/users/42\" for 10.0.0.7",
            "E, [2026-11-20T14:03:11.123456 #1234] ERROR -- : payment declined (card expired)",
            "Completed 500 Internal Server Error in 12ms (ActiveRecord: 1.2ms)",
            "2026-11-20 14:03:11 WARN retrying (attempt 2)",
            "Processing by UsersController#show as HTML",
            "",
        ] {
            assert!(Ruby.start(line).is_none(), "{line}");
        }
    }

    #[test]
    fn uncaught_exception_with_cause_is_followed_and_linked() {
        let text =
            format!("{UNCAUGHT_WITH_CAUSE}\nI, [2026-11-20T14:03:12.000000 #1]  INFO -- : next");
        let (start, steps) = run(&text);
        assert_eq!(start, Start::Announced);
        assert_eq!(
            steps,
            [
                Step::Continue,
                Step::Continue,
                Step::Continue,
                Step::Continue,
                Step::End
            ]
        );
        let exc = parse(UNCAUGHT_WITH_CAUSE);
        assert_eq!(exc.kind, "Billing::CaptureError");
        assert_eq!(exc.value, "capture failed for order 8812");
        let functions: Vec<_> = exc
            .frames
            .iter()
            .map(|f| f.function.as_deref().unwrap())
            .collect();
        assert_eq!(functions, ["<main>", "block in run", "capture!"]);
        assert_eq!(exc.frames[2].module.as_deref(), Some("Billing::Charge"));
        assert_eq!(exc.frames[2].line, Some(27));
        let cause = exc.cause.as_deref().expect("a cause");
        assert_eq!(cause.kind, "Errno::ECONNREFUSED");
        assert_eq!(
            cause.frames.last().unwrap().module.as_deref(),
            Some("Net::HTTP")
        );
    }

    #[test]
    fn old_quotes_and_multi_line_messages() {
        let text = "script.rb:5:in `fetch': upstream said no (RuntimeError)\nstatus=503\n\tfrom script.rb:9:in `<main>'";
        assert_eq!(run(text).1, [Step::Maybe, Step::Continue]);
        let exc = parse(text);
        assert_eq!(exc.value, "upstream said no\nstatus=503");
        assert_eq!(exc.frames[1].function.as_deref(), Some("fetch"));
        assert_eq!(exc.frames[1].module, None);
    }

    #[test]
    fn rails_block_with_tags_and_causes() {
        let text = "[8f1c2d3e] NoMethodError (undefined method `name' for nil):
[8f1c2d3e] 
Causes:
[8f1c2d3e] ActiveRecord::RecordNotFound (Couldn't find Team with 'id'=9)
[8f1c2d3e] 
[8f1c2d3e] app/controllers/users_controller.rb:12:in `show'
[8f1c2d3e] actionpack (7.1.2) lib/action_controller/metal/basic_implicit_render.rb:6:in `send_action'
I, [2026-11-20T14:03:12.000000 #1]  INFO -- : next";
        let (start, steps) = run(text);
        assert_eq!(start, Start::Attachable);
        assert_eq!(steps.last(), Some(&Step::End));
        let exc = parse(text);
        assert_eq!(exc.kind, "NoMethodError");
        assert_eq!(exc.frames.len(), 2);
        assert_eq!(
            exc.frames[1].file.as_deref(),
            Some("app/controllers/users_controller.rb")
        );
        assert_eq!(
            exc.cause.as_deref().map(|c| c.kind.as_str()),
            Some("ActiveRecord::RecordNotFound")
        );
    }

    #[test]
    fn logger_record_and_bare_frames() {
        let text = "E, [2026-11-20T14:03:11.123456 #1234] ERROR -- : undefined method 'charge' for nil (NoMethodError)
app/services/billing.rb:12:in 'Billing#charge!'
app/jobs/billing_job.rb:8:in 'BillingJob#perform'";
        let (start, steps) = run(text);
        assert_eq!(
            (start, steps.as_slice()),
            (Start::Announced, [Step::Continue; 2].as_slice())
        );
        let exc = parse(text);
        assert_eq!(
            (exc.kind.as_str(), exc.frames[0].function.as_deref()),
            ("NoMethodError", Some("perform"))
        );
        let bare = parse("  app/models/user.rb:12:in 'User#save'");
        assert_eq!((bare.kind.as_str(), bare.frames.len()), ("", 1));
    }

    #[test]
    fn garbage_does_not_panic() {
        for text in [
            "[",
            "[]",
            "[a]",
            "x.rb:99999999999:in 'f': m (E::E)",
            "(",
            "\u{1F600}:1:in ''",
        ] {
            let _ = Ruby.parse(&[text, text]);
            let _ = Ruby.start(text).map(|(_, mut m)| m.step(text));
            let _ = strip_tags(text);
        }
        assert_eq!(split_label("."), (None, Some(".".to_string())));
    }
}
