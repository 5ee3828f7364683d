//! .NET stack traces, as `Exception.ToString()` prints them (and Mono's
//! variant of it).
//!
//! ```text
//! System.InvalidOperationException: Could not load invoice 42
//!  ---> Npgsql.NpgsqlException (0x80004005): Exception while reading from stream
//!    at Npgsql.NpgsqlConnector.ReadMessage(Boolean async)
//!    --- End of inner exception stack trace ---
//!    at Acme.Billing.InvoiceService.GetAsync(Int32 id) in /src/InvoiceService.cs:line 42
//! ```
//!
//! Headers come outermost first (`--->` opens each inner exception); frame
//! blocks come innermost first, each closed by `--- End of inner exception
//! stack trace ---`. Frames are printed crash site first and come out reversed.

use super::{Language, Machine, Start, Step};
use faultline_event::{Exception, Frame};
use regex::Regex;
use std::sync::LazyLock;

/// The .NET trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct DotNet;

/// How an unhandled exception announces itself (.NET Core, .NET Framework).
const ANNOUNCES: &[&str] = &["Unhandled exception. ", "Unhandled Exception: "];

/// Opens an inner exception, on the outer header's line or a line of its own.
const INNER: &str = "---> ";

/// Closes the frames of an inner exception.
const END_OF_INNER: &str = "--- End of inner exception stack trace ---";

/// How many lines of a multi-line message are held before a frame or an
/// inner exception confirms them.
const MAX_MESSAGE_LINES: u32 = 16;

/// `at Ns.Type.Method(args) in /path/File.cs:line 42`, or Mono's
/// `at Ns.Type.Method (args) [0x0001c] in /path/File.cs:42`.
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^at (?P<name>[^\s(]+) ?\((?P<args>.*)\)(?: \[0x[0-9a-fA-F]+\])?(?: in (?P<file>.+?):(?:line )?(?P<line>\d+))?(?:<---)?\s*$",
    )
    .expect("frame regex")
});

/// `Ns.TypeException (0x80004005): message`: type, optional HRESULT or
/// error code (`SocketException (111)`), message.
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?s)^(?P<kind>[^\s:(]+)(?: \((?:0x[0-9A-Fa-f]+|-?\d+)\))?(?::(?: (?P<value>.*))?)?$",
    )
    .expect("header regex")
});

impl Language for DotNet {
    fn name(&self) -> &'static str {
        "dotnet"
    }

    fn start(&self, line: &str) -> Option<(Start, Box<dyn Machine>)> {
        let trimmed = line.trim_start();
        let first = *trimmed.as_bytes().first()?;
        if !first.is_ascii_uppercase() {
            return None;
        }
        let start = if ANNOUNCES.iter().any(|a| trimmed.starts_with(a)) {
            Start::Announced
        } else if is_exception_line(trimmed) {
            Start::Attachable
        } else {
            return None;
        };
        Some((start, Box::new(DotNetMachine::default())))
    }

    fn parse(&self, lines: &[&str]) -> Option<Exception> {
        let (first, rest) = lines.split_first()?;
        let mut trace = Trace::default();
        for header in strip_announce(first.trim()).split(" ---> ") {
            trace.headers.push(header.to_string());
        }
        for line in rest {
            if !trace.read(line.trim()) {
                break;
            }
        }
        Some(trace.build())
    }
}

/// Whether `trimmed` reads `Ns.SomeException`, `Ns.SomeException: message`
/// or `Ns.SomeException (0x80004005): message`.
fn is_exception_line(trimmed: &str) -> bool {
    let end = trimmed.find([':', ' ']).unwrap_or(trimmed.len());
    let (kind, after) = trimmed.split_at(end);
    let after_ok = after.is_empty()
        || after.starts_with(':')
        || after.starts_with(" (")
        || after.starts_with(" ---> ");
    after_ok && is_exception_name(kind)
}

/// A dotted, PascalCase type name ending in `Exception` (with an optional
/// generic arity, `` `1 ``).
fn is_exception_name(kind: &str) -> bool {
    let valid_chars = kind
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'`' || b == b'+');
    let simple = kind.rsplit_once('.').map_or("", |(_, simple)| simple);
    let simple = simple.split('`').next().unwrap_or(simple);
    valid_chars && !kind.split('.').any(str::is_empty) && simple.ends_with("Exception")
}

/// The exception text after `Unhandled exception. `.
fn strip_announce(line: &str) -> &str {
    ANNOUNCES
        .iter()
        .find_map(|a| line.strip_prefix(a))
        .unwrap_or(line)
}

/// Follows a .NET trace: frames, inner-exception headers and markers, and the
/// lines of a multi-line message before the first frame.
#[derive(Debug, Default)]
struct DotNetMachine {
    in_frames: bool,
    held: u32,
}

impl Machine for DotNetMachine {
    fn step(&mut self, line: &str) -> Step {
        let trimmed = line.trim();
        if trimmed.starts_with(INNER) {
            self.in_frames = false;
            self.held = 0;
            return Step::Continue;
        }
        if (trimmed.starts_with("at ") && line.starts_with(' ') && FRAME.is_match(trimmed))
            || trimmed.starts_with("--- End of ")
            || trimmed == "<---"
        {
            self.in_frames = true;
            return Step::Continue;
        }
        if !self.in_frames && self.held < MAX_MESSAGE_LINES && !looks_like_record(line) {
            self.held += 1;
            return Step::Maybe;
        }
        Step::End
    }
}

/// Lines that open a log record or another trace rather than continue a
/// message.
fn looks_like_record(line: &str) -> bool {
    match line.as_bytes().first() {
        Some(b) if b.is_ascii_digit() || *b == b'[' || *b == b'{' => true,
        Some(b'U') => ANNOUNCES.iter().any(|a| line.starts_with(a)),
        Some(b) if b.is_ascii_uppercase() => is_exception_line(line),
        _ => false,
    }
}

/// The pieces of a trace as read: headers outermost first, frame blocks
/// innermost first, each block crash site first.
#[derive(Debug, Default)]
struct Trace {
    headers: Vec<String>,
    blocks: Vec<Vec<Frame>>,
    /// A frame has been read since the last header.
    in_frames: bool,
}

impl Trace {
    /// Takes one trimmed line; false once the rest is an aggregate's extra
    /// inner exceptions, which are not part of the cause chain.
    fn read(&mut self, line: &str) -> bool {
        if let Some(header) = line.strip_prefix(INNER) {
            if header.starts_with("(Inner Exception #") {
                return false;
            }
            self.headers.push(header.to_string());
            self.in_frames = false;
        } else if line == END_OF_INNER {
            self.blocks.push(Vec::new());
        } else if let Some(frame) = parse_frame(line) {
            match self.blocks.last_mut() {
                Some(block) => block.push(frame),
                None => self.blocks.push(vec![frame]),
            }
            self.in_frames = true;
        } else if !self.in_frames
            && !line.starts_with("--- ")
            && let Some(header) = self.headers.last_mut()
        {
            header.push('\n');
            header.push_str(line);
        }
        true
    }

    /// Pairs each frame block with its exception and links them outermost
    /// first.
    fn build(mut self) -> Exception {
        let count = self.headers.len();
        let mut exceptions: Vec<Exception> = self.headers.iter().map(|h| parse_header(h)).collect();
        for (i, mut block) in self.blocks.drain(..).enumerate() {
            let owner = count.saturating_sub(i + 1);
            block.reverse();
            if let Some(exception) = exceptions.get_mut(owner) {
                exception.frames = block;
            }
        }
        let mut cause: Option<Box<Exception>> = None;
        for mut exception in exceptions.into_iter().rev() {
            exception.cause = cause;
            cause = Some(Box::new(exception));
        }
        cause.map(|b| *b).unwrap_or_default()
    }
}

/// `Ns.TypeException (0x80004005): message` into an exception.
fn parse_header(header: &str) -> Exception {
    match HEADER.captures(header) {
        Some(caps) => Exception::new(&caps["kind"], caps.name("value").map_or("", |v| v.as_str())),
        None => match header.split_once(": ") {
            Some((kind, value)) => Exception::new(kind, value),
            None => Exception::new(header, ""),
        },
    }
}

/// Parses `at Ns.Type.Method(args) in /path/File.cs:line 42` (trimmed).
fn parse_frame(trimmed: &str) -> Option<Frame> {
    let caps = FRAME.captures(trimmed)?;
    let (module, function) = split_name(caps.name("name")?.as_str());
    let file = caps
        .name("file")
        .map(|f| f.as_str())
        .filter(|f| *f != "<filename unknown>");
    let line = caps
        .name("line")
        .and_then(|l| l.as_str().parse().ok())
        .filter(|l| *l != 0);
    Some(Frame {
        function: Some(function.to_string()),
        module: module.map(str::to_string),
        file: file.map(str::to_string),
        line,
        ..Frame::default()
    })
}

/// `Ns.Type.Method[T]` into (`Ns.Type`, `Method[T]`); constructors keep their
/// dot: `Ns.Type..ctor` is (`Ns.Type`, `.ctor`).
fn split_name(name: &str) -> (Option<&str>, &str) {
    let generic = name.find('[').unwrap_or(name.len());
    let Some(dot) = name[..generic].rfind('.').filter(|d| *d > 0) else {
        return (None, name);
    };
    let (module, function) = if name.as_bytes()[dot - 1] == b'.' {
        (&name[..dot - 1], &name[dot..])
    } else {
        (&name[..dot], &name[dot + 1..])
    };
    (Some(module).filter(|m| !m.is_empty()), function)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `lines` after their first to a fresh machine and returns the
    /// lines the trace keeps, as the assembler would.
    fn follow<'a>(lines: &[&'a str]) -> Vec<&'a str> {
        let (_, mut machine) = DotNet.start(lines[0]).expect("a start");
        lines[..crate::trace::follow(machine.as_mut(), lines)].to_vec()
    }

    const NESTED: &[&str] = &[
        "System.InvalidOperationException: Could not load invoice 42",
        " ---> Npgsql.NpgsqlException (0x80004005): Exception while reading from stream",
        " ---> System.TimeoutException: Timeout during reading attempt",
        "   at Npgsql.Internal.NpgsqlReadBuffer.<Ensure>g__EnsureLong|55_0(NpgsqlReadBuffer buffer, Int32 count)",
        "   --- End of inner exception stack trace ---",
        "   at Npgsql.Internal.NpgsqlConnector.ReadMessageLong(Boolean async)",
        "--- End of stack trace from previous location ---",
        "   at Npgsql.NpgsqlDataReader.NextResult()",
        "   --- End of inner exception stack trace ---",
        "   at Acme.Billing.InvoiceService.GetAsync(Int32 id) in /src/Acme.Billing/InvoiceService.cs:line 42",
        "   at Acme.Billing.Api.InvoicesController.<Get>d__3.MoveNext() in /src/Acme.Billing.Api/InvoicesController.cs:line 27",
        "2026-11-20 14:03:12.001 +00:00 [INF] Request finished in 31.2ms 500",
    ];

    #[test]
    fn ordinary_lines_are_not_starts() {
        for line in [
            "2026-11-20 14:03:11.482 +00:00 [ERR] Failed to load invoice 42",
            "info: Microsoft.Hosting.Lifetime[14]",
            "Microsoft.Hosting.Lifetime: Now listening on: http://localhost:5000",
            "java.lang.IllegalStateException: cart is empty",
            "Exception in thread \"main\" java.lang.Error",
            "System.Exception handling is tricky",
            "   at Acme.Foo.Bar() in /src/Foo.cs:line 1",
            "",
        ] {
            assert!(DotNet.start(line).is_none(), "{line:?}");
        }
    }

    #[test]
    fn starts_are_announced_or_attachable() {
        let announced = DotNet.start("Unhandled exception. System.IO.IOException: disk full");
        assert_eq!(announced.map(|s| s.0), Some(Start::Announced));
        for line in [
            "System.InvalidOperationException: Sequence contains no elements",
            "System.OperationCanceledException",
            "Npgsql.NpgsqlException (0x80004005): Exception while reading from stream",
            "System.Net.Sockets.SocketException (111): Connection refused",
            "System.Exception: outer ---> System.IO.IOException: inner",
        ] {
            assert_eq!(
                DotNet.start(line).map(|s| s.0),
                Some(Start::Attachable),
                "{line}"
            );
        }
    }

    #[test]
    fn trace_ends_before_the_next_record() {
        assert_eq!(follow(NESTED).len(), NESTED.len() - 1);
    }

    #[test]
    fn inner_exceptions_form_the_cause_chain() {
        let exc = DotNet.parse(NESTED).expect("parsed");
        let kinds: Vec<_> = exc.chain().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "System.InvalidOperationException",
                "Npgsql.NpgsqlException",
                "System.TimeoutException"
            ]
        );
        assert_eq!(exc.value, "Could not load invoice 42");
        let outer: Vec<_> = exc.frames.iter().map(|f| f.function.as_deref()).collect();
        assert_eq!(outer, [Some("MoveNext"), Some("GetAsync")]);
        let site = &exc.frames[1];
        assert_eq!(site.module.as_deref(), Some("Acme.Billing.InvoiceService"));
        assert_eq!(
            site.file.as_deref(),
            Some("/src/Acme.Billing/InvoiceService.cs")
        );
        assert_eq!(site.line, Some(42));
        let middle = exc.cause.as_deref().expect("cause");
        assert_eq!(middle.value, "Exception while reading from stream");
        assert_eq!(middle.frames.len(), 2);
        let root = middle.cause.as_deref().expect("root");
        assert_eq!(
            root.frames[0].function.as_deref(),
            Some("<Ensure>g__EnsureLong|55_0")
        );
    }

    #[test]
    fn names_split_into_module_and_function() {
        let cases = [
            (
                "System.Linq.Enumerable.First[TSource]",
                Some("System.Linq.Enumerable"),
                "First[TSource]",
            ),
            ("Acme.Invoice..ctor", Some("Acme.Invoice"), ".ctor"),
            (
                "Acme.Program.<>c__DisplayClass0_0.<Main>b__0",
                Some("Acme.Program.<>c__DisplayClass0_0"),
                "<Main>b__0",
            ),
            ("lambda_method12", None, "lambda_method12"),
            (".ctor", None, ".ctor"),
        ];
        for (name, module, function) in cases {
            assert_eq!(split_name(name), (module, function), "{name}");
        }
    }

    #[test]
    fn framework_and_mono_shapes() {
        let lines = [
            "Unhandled Exception: System.ArgumentNullException: Value cannot be null.",
            "Parameter name: customerId",
            "   at Acme.Crm.CustomerStore.Find (System.String customerId) [0x0001c] in /build/Crm/CustomerStore.cs:57",
            "   at Acme.Crm.Program.Main (System.String[] args) [0x00000] in <filename unknown>:0",
        ];
        assert_eq!(follow(&lines).len(), 4);
        let exc = DotNet.parse(&lines).expect("parsed");
        assert_eq!(exc.kind, "System.ArgumentNullException");
        assert_eq!(
            exc.value,
            "Value cannot be null.\nParameter name: customerId"
        );
        assert_eq!(exc.frames[0].file, None);
        assert_eq!(exc.frames[1].line, Some(57));
    }

    #[test]
    fn aggregate_extra_inner_exceptions_are_left_out() {
        let lines = [
            "System.AggregateException: One or more errors occurred. (a) (b)",
            " ---> System.Exception: a",
            "   at Acme.Jobs.Run() in /src/Jobs.cs:line 10",
            "   --- End of inner exception stack trace ---",
            "   at Acme.Jobs.WaitAll() in /src/Jobs.cs:line 20",
            " ---> (Inner Exception #1) System.Exception: b",
            "   at Acme.Jobs.Run() in /src/Jobs.cs:line 12<---",
        ];
        assert_eq!(follow(&lines).len(), lines.len());
        let exc = DotNet.parse(&lines).expect("parsed");
        assert_eq!(exc.chain().count(), 2);
        assert_eq!(exc.frames.len(), 1);
    }

    #[test]
    fn a_trace_inside_one_json_string_parses() {
        let text = "System.FormatException: bad amount\r\n   at Acme.Money.Parse(String s) in /src/Money.cs:line 8\r\n   at Acme.Api.Post() in /src/Api.cs:line 30";
        let exc = crate::trace::parse_text(text).expect("parsed");
        assert_eq!(exc.kind, "System.FormatException");
        assert_eq!(exc.frames[1].file.as_deref(), Some("/src/Money.cs"));
    }

    #[test]
    fn garbage_and_truncated_traces_do_not_panic() {
        let inputs: &[&[&str]] = &[
            &[],
            &["Unhandled exception. "],
            &[
                "A.BException: ---> ",
                " ---> ",
                "   at (",
                "   at x() in :line 99999999999",
            ],
            &[
                "\u{c9}.Exception",
                "   --- End of inner exception stack trace ---",
                " at \u{0}()",
            ],
        ];
        for lines in inputs {
            let _ = DotNet.parse(lines);
            if let Some((_, mut m)) = lines.first().and_then(|first| DotNet.start(first)) {
                for line in &lines[1..] {
                    let _ = m.step(line);
                }
            }
        }
        assert_eq!(split_name("."), (None, "."));
        assert_eq!(split_name("..x"), (None, ".x"));
    }
}
