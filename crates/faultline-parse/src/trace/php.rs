//! PHP stack traces: the engine's uncaught-exception report and Monolog's
//! (Laravel's) normalised exception.
//!
//! ```text
//! PHP Fatal error:  Uncaught PDOException: Connection refused in /var/www/src/Db.php:31
//! Stack trace:
//! #0 /var/www/src/Db.php(31): PDO->__construct('mysql:host=db', 'app', Object(SensitiveParameterValue))
//! #1 {main}
//!
//! Next RuntimeException: Database unavailable in /var/www/src/Repo.php:22
//! Stack trace:
//! #0 {main}
//!   thrown in /var/www/src/Repo.php on line 22
//! ```
//!
//! The engine prints the innermost exception first and each `Next` wraps the
//! one before it; Monolog prints the outermost first and each `[previous
//! exception]` is its cause. A `#N file(line): call` line says where `call`
//! was called from, so each frame takes its function from one line and its
//! position from the line below (the crash site's from the header), the way
//! a debugger shows them.

use super::{Language, Machine, Start, Step};
use faultline_event::{Exception, Frame};
use regex::Regex;
use std::sync::LazyLock;

/// The PHP trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Php;

/// Where Monolog's normalised exception starts on the record's line.
const MONOLOG: &str = "[object] (";

/// How many lines of a multi-line message are held before the stack trace
/// confirms them.
const MAX_MESSAGE_LINES: u32 = 16;

/// `Type: message in /path/File.php:42` (PHP 7+) or PHP 5's
/// `exception 'Type' with message 'message' in /path/File.php:42`.
static ENGINE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?s)^(?:(?P<kind>[^\s:']+)(?:: (?P<value>.*))?|exception '(?P<kind5>[^']+)' with message '(?P<value5>.*)') in (?P<file>.+):(?P<line>\d+)\s*$",
    )
    .expect("engine header regex")
});

/// `Type(code: 0): message at /path/File.php:42)`.
static MONOLOG_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?s)^(?P<kind>[^\s(]+)\(code: [^)]*\): (?P<value>.*) at (?P<file>.+):(?P<line>\d+)\)\s*$",
    )
    .expect("monolog header regex")
});

/// `#3 /path/File.php(12): Class->method(args)`, `#4 [internal function]: f()`
/// and `#5 {main}`.
static CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^#\d+ (?:(?P<file>.+?)\((?P<line>\d+)\): |\[internal function\]: )?(?P<call>.*)$")
        .expect("call regex")
});

impl Language for Php {
    fn name(&self) -> &'static str {
        "php"
    }

    fn start(&self, line: &str) -> Option<(Start, Box<dyn Machine>)> {
        let style = match line.as_bytes().first()? {
            b'P' | b'F' => uncaught(line).map(|_| Style::Engine),
            b'[' => match line.find("] ") {
                Some(i) if uncaught(&line[i + 2..]).is_some() => Some(Style::Engine),
                _ => monolog_start(line).map(|_| Style::Monolog),
            },
            _ => None,
        }?;
        Some((Start::Announced, Box::new(PhpMachine::new(style))))
    }

    fn parse(&self, lines: &[&str]) -> Option<Exception> {
        let first = *lines.first()?;
        if let Some(i) = first
            .find("] ")
            .filter(|i| first.as_bytes()[0] == b'[' && *i < 64)
            && let Some(header) = uncaught(&first[i + 2..])
        {
            return Some(parse_engine(header, &lines[1..]));
        }
        if let Some(header) = uncaught(first) {
            return Some(parse_engine(header, &lines[1..]));
        }
        let header = monolog_start(first)?;
        Some(parse_monolog(header, &lines[1..]))
    }
}

/// The exception text after `PHP Fatal error:  Uncaught ` or `Fatal error:
/// Uncaught `.
fn uncaught(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("PHP ").unwrap_or(line);
    let rest = rest.strip_prefix("Fatal error:")?.trim_start();
    rest.strip_prefix("Uncaught ")
}

/// The exception text after Monolog's `[object] (` on a record line.
fn monolog_start(line: &str) -> Option<&str> {
    let at = memchr::memmem::find(line.as_bytes(), MONOLOG.as_bytes())?;
    let rest = &line[at + MONOLOG.len()..];
    rest.contains("(code: ").then_some(rest)
}

/// Which printer wrote the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// The engine's `Stack trace:` / `Next` / `thrown in` report.
    Engine,
    /// Monolog's `[stacktrace]` / `[previous exception]`, closed by `"}`.
    Monolog,
}

/// Follows a PHP trace to its `thrown in` or `"}` line.
#[derive(Debug)]
struct PhpMachine {
    style: Style,
    in_frames: bool,
    held: u32,
}

impl PhpMachine {
    fn new(style: Style) -> PhpMachine {
        PhpMachine {
            style,
            in_frames: false,
            held: 0,
        }
    }
}

impl Machine for PhpMachine {
    fn step(&mut self, line: &str) -> Step {
        let (trace_opens, next) = match self.style {
            Style::Engine => ("Stack trace:", "Next "),
            Style::Monolog => ("[stacktrace]", "[previous exception] "),
        };
        let trimmed = line.trim();
        if trimmed == trace_opens || (self.in_frames && trimmed.starts_with('#')) {
            self.in_frames = true;
            return Step::Continue;
        }
        if line.starts_with(next) {
            self.in_frames = false;
            self.held = 0;
            return Step::Continue;
        }
        let closes = match self.style {
            Style::Engine => trimmed.starts_with("thrown in "),
            Style::Monolog => trimmed.starts_with("\"}"),
        };
        if closes {
            return Step::Last;
        }
        let message_line = !self.in_frames && !looks_like_record(line);
        if (trimmed.is_empty() || message_line) && self.held < MAX_MESSAGE_LINES {
            self.held += 1;
            return Step::Maybe;
        }
        Step::End
    }
}

/// Lines that open a log record rather than continue a message.
fn looks_like_record(line: &str) -> bool {
    match line.as_bytes().first() {
        Some(b) => b.is_ascii_digit() || *b == b'[' || *b == b'{',
        None => false,
    }
}

/// One exception as printed: its header text and its `#N` lines.
#[derive(Debug, Default)]
struct Section {
    header: String,
    calls: Vec<String>,
}

/// Splits trace lines into sections at each line `next` opens, collecting
/// header continuation lines until `trace_opens`.
fn sections(first: &str, lines: &[String], trace_opens: &str, next: &str) -> Vec<Section> {
    let mut sections = vec![Section {
        header: first.trim_end().to_string(),
        calls: Vec::new(),
    }];
    let mut in_header = true;
    for line in lines {
        let Some(current) = sections.last_mut() else {
            break;
        };
        if let Some(header) = line.strip_prefix(next) {
            let header = header.strip_prefix(MONOLOG).unwrap_or(header);
            sections.push(Section {
                header: header.trim_end().to_string(),
                calls: Vec::new(),
            });
            in_header = true;
        } else if line.trim() == trace_opens {
            in_header = false;
        } else if in_header {
            current.header.push('\n');
            current.header.push_str(line.trim_end());
        } else if line.starts_with('#') {
            current.calls.push(line.trim_end().to_string());
        }
    }
    sections
}

/// The engine's report: innermost printed first, each `Next` wrapping it.
fn parse_engine(first: &str, rest: &[&str]) -> Exception {
    let lines: Vec<String> = rest.iter().map(|l| l.to_string()).collect();
    let exceptions = sections(first, &lines, "Stack trace:", "Next ")
        .iter()
        .map(|s| build(s, &ENGINE_HEADER))
        .collect::<Vec<_>>();
    link(exceptions)
}

/// Monolog's normalised exception: outermost first, each `[previous
/// exception]` its cause. Its text is JSON-escaped, and may sit on one line
/// with `\n` escapes.
fn parse_monolog(first: &str, rest: &[&str]) -> Exception {
    let mut text = first.to_string();
    for line in rest {
        text.push('\n');
        text.push_str(line);
    }
    let text = json_unescape(&text);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let first = if lines.is_empty() {
        String::new()
    } else {
        lines.remove(0)
    };
    let mut exceptions = sections(&first, &lines, "[stacktrace]", "[previous exception] ")
        .iter()
        .map(|s| build(s, &MONOLOG_HEADER))
        .collect::<Vec<_>>();
    exceptions.reverse();
    link(exceptions)
}

/// Links exceptions given innermost first: each wraps the one before it.
fn link(exceptions: Vec<Exception>) -> Exception {
    let mut outer: Option<Exception> = None;
    for mut exception in exceptions {
        exception.cause = outer.map(Box::new);
        outer = Some(exception);
    }
    outer.unwrap_or_default()
}

/// One section into an exception, frames outermost first.
fn build(section: &Section, header: &Regex) -> Exception {
    let Some(caps) = header.captures(&section.header) else {
        let mut exception = Exception::new(section.header.as_str(), "");
        exception.frames = frames(&section.calls, None, None);
        return exception;
    };
    let kind = caps
        .name("kind")
        .or(caps.name("kind5"))
        .map_or("", |m| m.as_str());
    let value = caps
        .name("value")
        .or(caps.name("value5"))
        .map_or("", |m| m.as_str());
    let mut exception = Exception::new(kind, value);
    let line = caps.name("line").and_then(|l| l.as_str().parse().ok());
    exception.frames = frames(&section.calls, caps.name("file").map(|f| f.as_str()), line);
    exception
}

/// `#N` lines (crash site first) into frames, outermost first: each call's
/// position is where the frame below it made its call, the crash site's is
/// where the exception was thrown.
fn frames(calls: &[String], file: Option<&str>, line: Option<u32>) -> Vec<Frame> {
    let mut position = (file.map(str::to_string), line);
    let mut frames = Vec::with_capacity(calls.len());
    for call in calls {
        let Some(caps) = CALL.captures(call) else {
            continue;
        };
        let (module, function) = split_call(&caps["call"]);
        frames.push(Frame {
            function: Some(function.to_string()),
            module: module.map(str::to_string),
            file: position.0.take(),
            line: position.1.take(),
            ..Frame::default()
        });
        position = (
            caps.name("file").map(|f| f.as_str().to_string()),
            caps.name("line").and_then(|l| l.as_str().parse().ok()),
        );
    }
    frames.reverse();
    frames
}

/// `App\Repo->find(42)` into (`App\Repo`, `find`); `App\helper()` into
/// (`App`, `helper`); `{main}` into (none, `{main}`).
fn split_call(call: &str) -> (Option<&str>, &str) {
    let mut depth = 0u32;
    let end = call
        .char_indices()
        .find(|(_, c)| {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            *c == '(' && depth == 0
        })
        .map_or(call.len(), |(i, _)| i);
    let name = &call[..end];
    for sep in ["->", "::"] {
        if let Some((class, function)) = name.split_once(sep) {
            return (Some(class), function);
        }
    }
    match name.rsplit_once('\\') {
        Some((namespace, function)) if !function.is_empty() && !name.starts_with('{') => {
            (Some(namespace).filter(|n| !n.is_empty()), function)
        }
        _ => (None, name),
    }
}

/// Undoes the JSON string escapes Monolog writes: `\\`, `\"`, `\/`, `\n`,
/// `\t`; anything else is kept as written.
fn json_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(e @ ('\\' | '"' | '/')) => out.push(e),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `lines` after their first to a fresh machine and returns the
    /// lines the trace keeps, as the assembler would.
    fn follow<'a>(lines: &[&'a str]) -> Vec<&'a str> {
        let (_, mut machine) = Php.start(lines[0]).expect("a start");
        lines[..crate::trace::follow(machine.as_mut(), lines)].to_vec()
    }

    const CHAINED: &[&str] = &[
        "[20-Nov-2026 14:03:11 UTC] PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection refused in /var/www/src/Db.php:31",
        "Stack trace:",
        "#0 /var/www/src/Db.php(31): PDO->__construct('mysql:host=db;d...', 'app', Object(SensitiveParameterValue))",
        "#1 /var/www/src/Repo.php(18): App\\Db->connect()",
        "#2 {main}",
        "",
        "Next RuntimeException: Database unavailable in /var/www/src/Repo.php:22",
        "Stack trace:",
        "#0 /var/www/public/index.php(9): App\\Repo->find(42)",
        "#1 {main}",
        "  thrown in /var/www/src/Repo.php on line 22",
        "[20-Nov-2026 14:03:12 UTC] PHP Notice:  Undefined index: id in /var/www/public/index.php on line 4",
    ];

    #[test]
    fn ordinary_lines_are_not_starts() {
        for line in [
            "[20-Nov-2026 14:03:12 UTC] PHP Warning:  Undefined variable $x in /var/www/a.php on line 3",
            "[2026-11-20 14:03:11] production.INFO: User logged in {\"userId\":42}",
            "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted",
            "Fatal error: Maximum execution time of 30 seconds exceeded",
            "2026-11-20 14:03:11 ERROR something",
            "",
        ] {
            assert!(Php.start(line).is_none(), "{line:?}");
        }
        let laravel = "[2026-11-20 14:03:11] production.ERROR: boom {\"exception\":\"[object] (Exception(code: 0): boom at /var/www/app/X.php:3)";
        assert!(Php.start(laravel).is_some());
    }

    #[test]
    fn trace_ends_at_thrown_in() {
        assert_eq!(follow(CHAINED).len(), CHAINED.len() - 1);
    }

    #[test]
    fn next_wraps_the_exception_printed_before_it() {
        let exc = Php.parse(CHAINED).expect("parsed");
        assert_eq!(exc.kind, "RuntimeException");
        assert_eq!(exc.value, "Database unavailable");
        let frames: Vec<_> = exc
            .frames
            .iter()
            .map(|f| {
                (
                    f.module.as_deref(),
                    f.function.as_deref(),
                    f.file.as_deref(),
                    f.line,
                )
            })
            .collect();
        assert_eq!(
            frames,
            [
                (
                    None,
                    Some("{main}"),
                    Some("/var/www/public/index.php"),
                    Some(9)
                ),
                (
                    Some("App\\Repo"),
                    Some("find"),
                    Some("/var/www/src/Repo.php"),
                    Some(22)
                ),
            ]
        );
        let cause = exc.cause.as_deref().expect("cause");
        assert_eq!(cause.kind, "PDOException");
        assert_eq!(cause.value, "SQLSTATE[HY000] [2002] Connection refused");
        assert_eq!(cause.frames.len(), 3);
        assert_eq!(cause.frames[2].function.as_deref(), Some("__construct"));
        assert_eq!(cause.frames[2].line, Some(31));
        assert_eq!(
            cause.frames[0].file.as_deref(),
            Some("/var/www/src/Repo.php")
        );
    }

    #[test]
    fn monolog_previous_exception_is_the_cause() {
        let lines = [
            "[2026-11-20 14:03:11] production.ERROR: Database unavailable {\"userId\":7,\"exception\":\"[object] (App\\\\Exceptions\\\\StoreDown(code: 0): Database unavailable at /var/www/app/Repo.php:22)",
            "[stacktrace]",
            "#0 /var/www/app/Http/Controllers/OrderController.php(31): App\\\\Repo->find(42)",
            "#1 {main}",
            "",
            "[previous exception] [object] (PDOException(code: 2002): SQLSTATE[HY000] [2002] Connection refused at /var/www/app/Db.php:12)",
            "[stacktrace]",
            "#0 /var/www/app/Db.php(12): PDO->__construct('mysql:host=db', 'app', Object(SensitiveParameterValue))",
            "#1 {main}",
            "\"} ",
            "[2026-11-20 14:03:12] production.INFO: next",
        ];
        assert_eq!(follow(&lines).len(), lines.len() - 1);
        let exc = Php.parse(&lines).expect("parsed");
        assert_eq!(exc.kind, "App\\Exceptions\\StoreDown");
        assert_eq!(exc.frames[1].module.as_deref(), Some("App\\Repo"));
        assert_eq!(exc.frames[1].line, Some(22));
        let cause = exc.cause.as_deref().expect("cause");
        assert_eq!(cause.kind, "PDOException");
        assert_eq!(cause.frames.len(), 2);
    }

    #[test]
    fn monolog_on_one_line_with_escaped_newlines() {
        let line = "[2026-11-20 14:03:11] app.ERROR: x {\"exception\":\"[object] (LogicException(code: 0): x at /srv/a.php:5)\\n[stacktrace]\\n#0 /srv/b.php(9): A::run()\\n#1 {main}\\n\"} []";
        let exc = Php.parse(&[line]).expect("parsed");
        assert_eq!(exc.kind, "LogicException");
        assert_eq!(exc.frames.len(), 2);
        assert_eq!(exc.frames[1].module.as_deref(), Some("A"));
    }

    #[test]
    fn calls_split_into_module_and_function() {
        let cases = [
            (
                "App\\Http\\Kernel::handle(Object(Illuminate\\Http\\Request))",
                Some("App\\Http\\Kernel"),
                "handle",
            ),
            (
                "Illuminate\\Pipeline\\Pipeline->Illuminate\\Pipeline\\{closure}(Object(X))",
                Some("Illuminate\\Pipeline\\Pipeline"),
                "Illuminate\\Pipeline\\{closure}",
            ),
            (
                "App\\helpers\\money_format(12)",
                Some("App\\helpers"),
                "money_format",
            ),
            ("array_map(Object(Closure), Array)", None, "array_map"),
            (
                "{closure:/var/www/routes/web.php:12}()",
                None,
                "{closure:/var/www/routes/web.php:12}",
            ),
            ("{main}", None, "{main}"),
        ];
        for (call, module, function) in cases {
            assert_eq!(split_call(call), (module, function), "{call}");
        }
    }

    #[test]
    fn php5_header_and_multi_line_message() {
        let lines = [
            "PHP Fatal error:  Uncaught exception 'InvalidArgumentException' with message 'bad id' in /srv/a.php:5",
            "Stack trace:",
            "#0 {main}",
            "  thrown in /srv/a.php on line 5",
        ];
        let exc = Php.parse(&lines).expect("parsed");
        assert_eq!(
            (exc.kind.as_str(), exc.value.as_str()),
            ("InvalidArgumentException", "bad id")
        );
        let lines = [
            "Fatal error: Uncaught Exception: first line",
            "second line in /srv/a.php:7",
            "Stack trace:",
            "#0 {main}",
            "  thrown in /srv/a.php on line 7",
        ];
        assert_eq!(follow(&lines).len(), lines.len());
        let exc = Php.parse(&lines).expect("parsed");
        assert_eq!(exc.value, "first line\nsecond line");
        assert_eq!(exc.frames[0].line, Some(7));
    }

    #[test]
    fn a_trace_inside_one_json_string_parses() {
        let text = "PHP Fatal error:  Uncaught LogicException: no cart in /srv/a.php:4\nStack trace:\n#0 /srv/b.php(2): cart()\n#1 {main}\n  thrown in /srv/a.php on line 4";
        let exc = crate::trace::parse_text(text).expect("parsed");
        assert_eq!(exc.kind, "LogicException");
        assert_eq!(exc.frames.len(), 2);
        assert_eq!(exc.frames[1].function.as_deref(), Some("cart"));
    }

    #[test]
    fn garbage_and_truncated_traces_do_not_panic() {
        let inputs: &[&[&str]] = &[
            &[],
            &["PHP Fatal error:  Uncaught "],
            &[
                "[",
                "Stack trace:",
                "#",
                "#0 (",
                "#1 x(99999999999): y",
                "Next ",
            ],
            &[
                "[x] [object] ((code: ",
                "[stacktrace]",
                "\\",
                "[previous exception] ",
            ],
            &["Fatal error: Uncaught \u{e9}\\", "#0 {main", "#1 }(}"],
        ];
        for lines in inputs {
            let _ = Php.parse(lines);
            if let Some((_, mut m)) = lines.first().and_then(|first| Php.start(first)) {
                for line in &lines[1..] {
                    let _ = m.step(line);
                }
            }
        }
        assert_eq!(json_unescape("a\\"), "a\\");
    }
}
