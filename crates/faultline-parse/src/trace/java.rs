//! Java stack traces, as `Throwable.printStackTrace`, logback, log4j2 and
//! java.util.logging print them (Kotlin and Scala print the same shape).
//!
//! ```text
//! Exception in thread "main" java.lang.IllegalStateException: cart is empty
//!     at com.acme.shop.Checkout.total(Checkout.java:42)
//!     at java.base/java.lang.Thread.run(Thread.java:833)
//! Caused by: java.util.NoSuchElementException
//!     at com.acme.shop.Cart.first(Cart.java:17)
//!     ... 2 more
//! ```
//!
//! Java prints the crash site first and the wrapper before its `Caused by`;
//! frames come out reversed, and a `... N more` tail is filled in from the
//! enclosing exception, whose last N frames it shares. `Suppressed:` blocks
//! are skipped: they are not causes.

use super::{Language, Machine, Start, Step};
use faultline_event::{Exception, Frame};
use regex::Regex;
use std::sync::LazyLock;

/// The Java trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Java;

/// How an uncaught exception announces itself.
const ANNOUNCE: &str = "Exception in thread \"";

/// How many lines of a multi-line exception message are held before the
/// first frame confirms them.
const MAX_MESSAGE_LINES: u32 = 16;

/// Simple-name endings that mark a bare `pkg.Type: message` line as a throwable.
const THROWABLE_SUFFIXES: &[&str] = &["Exception", "Error", "Throwable", "Failure", "Fault"];

/// `at [loader/][module@version/]pkg.Class.method(Location)`, with log4j2's
/// optional ` ~[jar:version]` packaging suffix.
/// `... 12 more` and logback's `... 3 common frames omitted`; read by hand
/// in [`omitted`] when the line is ASCII.
static OMITTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\.\.\. (?P<n>\d+) (?:more|common frames omitted)\s*$").expect("omitted regex")
});

impl Language for Java {
    fn name(&self) -> &'static str {
        "java"
    }

    fn start(&self, line: &str) -> Option<(Start, Box<dyn Machine>)> {
        let first = *line.as_bytes().first()?;
        let start = if first == b'E' && line.starts_with(ANNOUNCE) {
            Start::Announced
        } else if first.is_ascii_lowercase() && is_throwable_line(line) {
            Start::Attachable
        } else {
            return None;
        };
        Some((start, Box::new(JavaMachine::default())))
    }

    fn parse(&self, lines: &[&str]) -> Option<Exception> {
        let (first, rest) = lines.split_first()?;
        let mut sections = vec![Section::new(strip_announce(first), false)];
        let mut in_suppressed = false;
        for line in rest {
            let trimmed = line.trim_start();
            let indented = trimmed.len() < line.len();
            if let Some((header, wraps)) = chain_header(trimmed) {
                // An indented `Caused by` belongs to a suppressed exception.
                in_suppressed = indented;
                if !indented {
                    sections.push(Section::new(header, wraps));
                }
                continue;
            }
            if trimmed.starts_with("Suppressed: ") {
                in_suppressed = true;
            }
            if in_suppressed {
                continue;
            }
            let current = sections.last_mut()?;
            current.read(line, trimmed);
        }
        Some(build_chain(sections))
    }
}

/// Whether `line` reads `pkg.SomeException` or `pkg.SomeException: message`.
fn is_throwable_line(line: &str) -> bool {
    let kind = line.split_once(':').map_or(line, |(kind, _)| kind);
    if kind.len() == line.len()
        || line
            .as_bytes()
            .get(kind.len() + 1)
            .is_none_or(|b| *b == b' ')
    {
        is_throwable_name(kind.trim_end())
    } else {
        false
    }
}

/// A dotted class name whose package starts lowercase and whose simple name
/// starts uppercase and ends like a throwable.
fn is_throwable_name(kind: &str) -> bool {
    let valid_chars = kind
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'.');
    let Some((package, simple)) = kind.rsplit_once('.') else {
        return false;
    };
    valid_chars
        && !package.is_empty()
        && !package.split('.').any(str::is_empty)
        && package.as_bytes()[0].is_ascii_lowercase()
        && simple
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_uppercase)
        && THROWABLE_SUFFIXES.iter().any(|s| simple.ends_with(s))
}

/// `Caused by: X` (a cause) or logback's root-cause-first `Wrapped by: X`
/// (a wrapper); the flag is true for the latter.
fn chain_header(trimmed: &str) -> Option<(&str, bool)> {
    if let Some(rest) = trimmed.strip_prefix("Caused by: ") {
        Some((rest, false))
    } else {
        trimmed
            .strip_prefix("Wrapped by: ")
            .map(|rest| (rest, true))
    }
}

/// The exception text after `Exception in thread "name" `.
fn strip_announce(line: &str) -> &str {
    match line.strip_prefix(ANNOUNCE) {
        Some(rest) => rest.find("\" ").map_or(rest, |i| &rest[i + 2..]),
        None => line,
    }
}

/// Follows a Java trace: frames, omitted-frame counts, cause and suppressed
/// headers, and the lines of a multi-line message before the first frame.
#[derive(Debug, Default)]
struct JavaMachine {
    /// Frames have been seen since the last exception header.
    in_frames: bool,
    /// Message lines held since the last header.
    held: u32,
}

impl Machine for JavaMachine {
    fn step(&mut self, line: &str) -> Step {
        let trimmed = line.trim_start();
        if split_frame(trimmed).is_some() || omitted(trimmed).is_some() {
            self.in_frames = true;
            return Step::Continue;
        }
        if chain_header(trimmed).is_some() || trimmed.starts_with("Suppressed: ") {
            self.in_frames = false;
            self.held = 0;
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
/// message: timestamps, bracketed prefixes, JSON, Java trace starts.
fn looks_like_record(line: &str) -> bool {
    match line.as_bytes().first() {
        Some(b) if b.is_ascii_digit() || *b == b'[' || *b == b'{' => true,
        Some(b'E') => line.starts_with(ANNOUNCE),
        Some(b) if b.is_ascii_lowercase() => is_throwable_line(line),
        _ => false,
    }
}

/// One exception of the printed chain, frames crash site first as printed.
#[derive(Debug)]
struct Section {
    exception: Exception,
    /// Printed as `Wrapped by`: it wraps the section before it.
    wraps: bool,
    /// How many trailing frames it shares with its enclosing exception.
    omitted: usize,
}

impl Section {
    fn new(header: &str, wraps: bool) -> Section {
        let header = header.trim_end();
        let exception = match split_colon_space(header) {
            Some((kind, value)) if !has_whitespace(kind) => Exception::new(kind, value),
            _ => match header.strip_suffix(':') {
                Some(kind) if !has_whitespace(kind) => Exception::new(kind, ""),
                _ => Exception::new(header, ""),
            },
        };
        Section {
            exception,
            wraps,
            omitted: 0,
        }
    }

    /// Takes one line that follows the header: a frame, an omitted count, or
    /// (before any frame) a further line of the message.
    fn read(&mut self, line: &str, trimmed: &str) {
        if let Some(frame) = parse_frame(trimmed) {
            self.exception.frames.push(frame);
        } else if let Some(n) = omitted(trimmed) {
            self.omitted = n;
        } else if self.exception.frames.is_empty() {
            let value = &mut self.exception.value;
            value.push('\n');
            value.push_str(line.trim_end());
        }
    }
}

/// `header.split_once(": ")`, found by the colon.
fn split_colon_space(header: &str) -> Option<(&str, &str)> {
    let b = header.as_bytes();
    let mut from = 0;
    while let Some(at) = memchr::memchr(b':', &b[from..]) {
        let colon = from + at;
        if b.get(colon + 1) == Some(&b' ') {
            return Some((&header[..colon], &header[colon + 2..]));
        }
        from = colon + 1;
    }
    None
}

/// `text.contains(char::is_whitespace)`, on bytes when `text` is ASCII.
fn has_whitespace(text: &str) -> bool {
    if text.is_ascii() {
        return text.bytes().any(is_ascii_space);
    }
    text.contains(char::is_whitespace)
}

/// Links the sections outermost first, fills in omitted frames from each
/// enclosing exception, and turns every frame list outermost first.
fn build_chain(mut sections: Vec<Section>) -> Exception {
    if sections.iter().any(|s| s.wraps) {
        sections.reverse();
    }
    for i in 1..sections.len() {
        let (outer, inner) = sections.split_at_mut(i);
        let enclosing = &outer[i - 1].exception.frames;
        let shared = inner[0].omitted.min(enclosing.len());
        let tail = enclosing[enclosing.len() - shared..].to_vec();
        inner[0].exception.frames.extend(tail);
    }
    let mut cause: Option<Box<Exception>> = None;
    for section in sections.into_iter().rev() {
        let mut exception = section.exception;
        exception.frames.reverse();
        exception.cause = cause;
        cause = Some(Box::new(exception));
    }
    cause.map(|b| *b).unwrap_or_default()
}

/// How many frames an omitted-frames line (`... 4 more`) leaves out; 0
/// when the count is not a number Rust reads. `None` for any other line.
fn omitted(trimmed: &str) -> Option<usize> {
    if !trimmed.is_ascii() {
        let caps = OMITTED.captures(trimmed)?;
        return Some(caps["n"].parse().unwrap_or(0));
    }
    let rest = trimmed.strip_prefix("... ")?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let tail = rest[digits..]
        .strip_prefix(" more")
        .or_else(|| rest[digits..].strip_prefix(" common frames omitted"))?;
    let spaces = tail.bytes().all(is_ascii_space);
    (digits > 0 && spaces).then(|| rest[..digits].parse().unwrap_or(0))
}

/// Parses `at pkg.Class.method(File.java:12)` (trimmed).
fn parse_frame(trimmed: &str) -> Option<Frame> {
    let (name, location) = split_frame(trimmed)?;
    let name = strip_module(name);
    // memrchr rather than `rsplit_once`: these run on every frame.
    let (module, function) = match memchr::memrchr(b'.', name.as_bytes()) {
        Some(dot) => (Some(name[..dot].to_string()), &name[dot + 1..]),
        None => (None, name),
    };
    let (file, line) = parse_location(location);
    Some(Frame {
        function: Some(function.to_string()),
        module,
        file,
        line,
        ..Frame::default()
    })
}

/// Splits `at NAME(LOCATION)` (optionally followed by whitespace and more,
/// such as log4j's `~[app.jar:1.2]`) into the name and the location. Read by
/// hand: it runs on every frame line.
fn split_frame(trimmed: &str) -> Option<(&str, &str)> {
    let rest = trimmed.strip_prefix("at")?;
    let b = rest.as_bytes();
    let name_from = b
        .iter()
        .position(|&c| !is_ascii_space(c))
        .unwrap_or(b.len());
    let open = memchr::memchr(b'(', b)?;
    let name = &b[name_from..open];
    if !is_plain_name(name) {
        // Whitespace, a `)` or a non-ASCII byte (maybe Unicode whitespace)
        // in the name: let the character-wise split decide.
        return split_frame_chars(rest);
    }
    if name_from == 0 || name.is_empty() {
        return None;
    }
    let after = &rest[open + 1..];
    let close = memchr::memchr2(b'(', b')', after.as_bytes())?;
    let tail = &after[close + 1..];
    let tail_ok = tail.is_empty() || tail.starts_with(char::is_whitespace);
    (after.as_bytes()[close] == b')' && tail_ok)
        .then_some((&rest[name_from..open], &after[..close]))
}

/// Whether `name` holds only printable ASCII other than `)` (no space, no
/// control byte): eight bytes a step, as every frame line is split twice.
fn is_plain_name(name: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let mut chunks = name.chunks_exact(8);
    for chunk in &mut chunks {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            return false;
        };
        let word = u64::from_le_bytes(bytes);
        let paren = word ^ (ONES * u64::from(b')'));
        let below_bang = word.wrapping_sub(ONES * 0x21) & !word;
        let paren_zero = paren.wrapping_sub(ONES) & !paren;
        if (below_bang | paren_zero | word) & HIGH != 0 {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&c| c > b' ' && c < 0x80 && c != b')')
}

/// The whitespace `char::is_whitespace` finds among ASCII bytes.
fn is_ascii_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// [`split_frame`] a character at a time, after the `at`.
fn split_frame_chars(rest: &str) -> Option<(&str, &str)> {
    let name_and_rest = rest.trim_start();
    if name_and_rest.len() == rest.len() {
        return None;
    }
    let open = name_and_rest.find('(')?;
    let name = &name_and_rest[..open];
    if name.is_empty() || has_space_or_paren(name) {
        return None;
    }
    let after = &name_and_rest[open + 1..];
    let close = after.find(')')?;
    let location = &after[..close];
    let tail = &after[close + 1..];
    let tail_ok = tail.is_empty() || tail.starts_with(char::is_whitespace);
    (!location.contains('(') && tail_ok).then_some((name, location))
}

/// Whether `name` holds whitespace or `)`: on bytes when it is ASCII (frame
/// names nearly always are), on chars otherwise.
fn has_space_or_paren(name: &str) -> bool {
    if name.is_ascii() {
        return name
            .bytes()
            .any(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' | b')'));
    }
    name.contains(|c: char| c.is_whitespace() || c == ')')
}

/// Drops a class-loader or module prefix (`app//`, `java.base/`,
/// `java.base@17.0.2/`), keeping a hidden class's `/0x…` suffix.
fn strip_module(name: &str) -> &str {
    let mut end = name.len();
    while let Some(slash) = memchr::memrchr(b'/', &name.as_bytes()[..end]) {
        if !name[slash + 1..].starts_with("0x") {
            return &name[slash + 1..];
        }
        end = slash;
    }
    name
}

/// `File.java:12`, `File.java`, `Native Method`, `Unknown Source`.
fn parse_location(loc: &str) -> (Option<String>, Option<u32>) {
    if loc.is_empty() || loc == "Native Method" || loc.starts_with("Unknown Source") {
        return (None, None);
    }
    match memchr::memrchr(b':', loc.as_bytes()).map(|c| (&loc[..c], &loc[c + 1..])) {
        Some((file, line)) => match line.parse() {
            Ok(line) => (Some(file.to_string()), Some(line)),
            Err(_) => (Some(loc.to_string()), None),
        },
        None => (Some(loc.to_string()), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The byte-wise frame split agrees with the character-wise one.
        #[test]
        fn frame_split_by_bytes_agrees_with_chars(
            rest in "[ \t\u{a0}\u{2003}]{0,2}[a-z.()/ é\u{a0}:0-9]{0,12}[ ~\u{2003}]?[a-z\\[\\]]{0,3}",
        ) {
            let line = format!("at{rest}");
            proptest::prop_assert_eq!(split_frame(&line), split_frame_chars(&rest));
        }

        #[test]
        fn plain_names_are_printable_ascii_without_a_paren(
            name in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'.', b'!', b' ', b')', b'(', 0x00, 0x1f, 0x7f, 0x80, 0xc3]),
                0..24,
            ),
        ) {
            let want = name.iter().all(|&c| c > b' ' && c < 0x80 && c != b')');
            proptest::prop_assert_eq!(is_plain_name(&name), want);
        }

        #[test]
        fn header_split_by_bytes_agrees_with_str_methods(
            header in "[a-z: \u{a0}é\t]{0,10}",
        ) {
            proptest::prop_assert_eq!(split_colon_space(&header), header.split_once(": "));
            proptest::prop_assert_eq!(has_whitespace(&header), header.contains(char::is_whitespace));
        }

        /// The hand-read omitted-frames count agrees with the regex.
        #[test]
        fn omitted_by_hand_agrees_with_the_regex(
            line in "(\\.\\.\\. |\\.\\. )?[0-9٣]{0,3}( more| common frames omitted| mor)?[ \t\u{b}\u{a0}x]{0,2}",
        ) {
            let by_regex = OMITTED
                .captures(&line)
                .map(|caps| caps["n"].parse().unwrap_or(0));
            proptest::prop_assert_eq!(omitted(&line), by_regex);
        }
    }

    #[test]
    fn frame_lines_split_by_hand() {
        let cases = [
            ("at a.B.c(B.java:1)", Some(("a.B.c", "B.java:1"))),
            (
                "at a.B.c(B.java:1) ~[app.jar:1.2]",
                Some(("a.B.c", "B.java:1")),
            ),
            ("at  a.B.c(Native Method)", Some(("a.B.c", "Native Method"))),
            ("at a.B.c(B.java:1)x", None),
            ("at a.B.c(B(java:1)", None),
            ("at(B.java:1)", None),
            ("attic.B.c(B.java:1)", None),
            ("at a.B.c", None),
        ];
        for (line, want) in cases {
            assert_eq!(split_frame(line), want, "{line}");
        }
    }

    /// Feeds `lines` after their first to a fresh machine and returns the
    /// lines the trace keeps, as the assembler would.
    fn follow<'a>(lines: &[&'a str]) -> Vec<&'a str> {
        let (_, mut machine) = Java.start(lines[0]).expect("a start");
        lines[..crate::trace::follow(machine.as_mut(), lines)].to_vec()
    }

    const SPRING: &[&str] = &[
        "org.springframework.web.util.NestedServletException: Request processing failed",
        "\tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1014)",
        "\tat javax.servlet.http.HttpServlet.service(HttpServlet.java:681)",
        "Caused by: com.acme.billing.PaymentDeclinedException: card 4242 declined",
        "\tat com.acme.billing.PaymentService.charge(PaymentService.java:88)",
        "\tat org.springframework.web.servlet.FrameworkServlet.processRequest(FrameworkServlet.java:1006)",
        "\t... 1 more",
        "2026-11-20 14:03:12,001 INFO  [main] c.a.Startup - next request",
    ];

    #[test]
    fn ordinary_lines_are_not_starts() {
        for line in [
            "2026-11-20 14:03:11,482 ERROR [http-nio-8080-exec-3] c.a.b.PaymentService - charge failed",
            "{\"level\":\"error\",\"msg\":\"java.lang.IllegalStateException: x\"}",
            "127.0.0.1 - - [20/Nov/2026:14:03:11 +0000] \"GET / HTTP/1.1\" 500 12",
            "app.server: listening on 8080",
            "com.acme.billing.PaymentService: started",
            "System.InvalidOperationException: Sequence contains no elements",
            "Exception handling is hard",
            "",
            "\tat com.acme.Foo.bar(Foo.java:1)",
        ] {
            assert!(Java.start(line).is_none(), "{line:?}");
        }
    }

    #[test]
    fn starts_are_announced_or_attachable() {
        let announced = Java.start("Exception in thread \"main\" java.lang.Error: x");
        assert_eq!(announced.map(|s| s.0), Some(Start::Announced));
        for line in [
            "java.lang.IllegalStateException: cart is empty",
            "java.lang.NullPointerException",
            "com.acme.Outer$InnerError: nested",
            "org.junit.ComparisonFailure: expected:<1> but was:<2>",
        ] {
            assert_eq!(
                Java.start(line).map(|s| s.0),
                Some(Start::Attachable),
                "{line}"
            );
        }
    }

    #[test]
    fn trace_ends_before_the_next_record() {
        let kept = follow(SPRING);
        assert_eq!(kept.len(), SPRING.len() - 1);
    }

    #[test]
    fn frames_are_outermost_first_with_cause_and_shared_tail() {
        let exc = Java.parse(SPRING).expect("parsed");
        assert_eq!(
            exc.kind,
            "org.springframework.web.util.NestedServletException"
        );
        assert_eq!(exc.value, "Request processing failed");
        let top: Vec<_> = exc.frames.iter().map(|f| f.function.as_deref()).collect();
        assert_eq!(top, [Some("service"), Some("processRequest")]);
        let cause = exc.cause.as_deref().expect("cause");
        assert_eq!(cause.kind, "com.acme.billing.PaymentDeclinedException");
        assert_eq!(cause.frames.len(), 3, "{:?}", cause.frames);
        assert_eq!(
            cause.frames[0].module.as_deref(),
            Some("javax.servlet.http.HttpServlet")
        );
        let site = cause.frames.last().expect("crash site");
        assert_eq!(
            site.module.as_deref(),
            Some("com.acme.billing.PaymentService")
        );
        assert_eq!(site.file.as_deref(), Some("PaymentService.java"));
        assert_eq!(site.line, Some(88));
        assert!(cause.cause.is_none());
    }

    #[test]
    fn module_prefixes_and_special_locations() {
        let cases = [
            (
                "at java.base/java.lang.Thread.run(Thread.java:833)",
                "java.lang.Thread",
                "run",
                Some("Thread.java"),
                Some(833),
            ),
            (
                "at app//com.acme.Main.lambda$main$0(Main.java:9)",
                "com.acme.Main",
                "lambda$main$0",
                Some("Main.java"),
                Some(9),
            ),
            (
                "at java.base@17.0.2/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)",
                "jdk.internal.reflect.NativeMethodAccessorImpl",
                "invoke0",
                None,
                None,
            ),
            (
                "at com.acme.Main$$Lambda$14/0x0000000800066840.accept(Unknown Source)",
                "com.acme.Main$$Lambda$14/0x0000000800066840",
                "accept",
                None,
                None,
            ),
            (
                "at com.sun.proxy.$Proxy12.find(Unknown Source) ~[?:?]",
                "com.sun.proxy.$Proxy12",
                "find",
                None,
                None,
            ),
            (
                "at com.acme.Dao$$EnhancerByCGLIB$$1a2b.save(<generated>)",
                "com.acme.Dao$$EnhancerByCGLIB$$1a2b",
                "save",
                Some("<generated>"),
                None,
            ),
        ];
        for (line, module, function, file, number) in cases {
            let frame = parse_frame(line).expect(line);
            assert_eq!(frame.module.as_deref(), Some(module), "{line}");
            assert_eq!(frame.function.as_deref(), Some(function), "{line}");
            assert_eq!(frame.file.as_deref(), file, "{line}");
            assert_eq!(frame.line, number, "{line}");
        }
    }

    #[test]
    fn suppressed_blocks_stay_out_of_the_chain() {
        let lines = [
            "java.io.IOException: flush failed",
            "\tat com.acme.io.Sink.close(Sink.java:40)",
            "\tSuppressed: java.lang.IllegalStateException: already closed",
            "\t\tat com.acme.io.Sink.flush(Sink.java:31)",
            "\t\t... 1 more",
            "\tCaused by: java.io.EOFException",
            "\t\t... 2 more",
            "Caused by: java.net.SocketException: Broken pipe",
            "\tat java.net.SocketOutputStream.write(SocketOutputStream.java:150)",
            "\t... 1 more",
        ];
        assert_eq!(follow(&lines).len(), lines.len());
        let exc = Java.parse(&lines).expect("parsed");
        let kinds: Vec<_> = exc.chain().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["java.io.IOException", "java.net.SocketException"]);
        assert_eq!(exc.frames.len(), 1);
    }

    #[test]
    fn multi_line_message_joins_when_a_frame_follows() {
        let lines = [
            "com.fasterxml.jackson.databind.exc.MismatchedInputException: Cannot deserialize value",
            " at [Source: (String)\"{}\"; line: 1, column: 1]",
            "\tat com.fasterxml.jackson.databind.DeserializationContext.reportInputMismatch(DeserializationContext.java:1741)",
        ];
        assert_eq!(follow(&lines).len(), 3);
        let exc = Java.parse(&lines).expect("parsed");
        assert_eq!(
            exc.value,
            "Cannot deserialize value\n at [Source: (String)\"{}\"; line: 1, column: 1]"
        );
        assert_eq!(exc.frames.len(), 1);
    }

    #[test]
    fn frameless_exception_releases_following_prose() {
        let lines = [
            "java.lang.NullPointerException",
            "retrying in 5s",
            "2026-11-20 INFO ok",
        ];
        assert_eq!(follow(&lines), ["java.lang.NullPointerException"]);
    }

    #[test]
    fn wrapped_by_reads_root_cause_first() {
        let lines = [
            "java.sql.SQLTimeoutException: query timed out",
            "\tat org.postgresql.jdbc.PgStatement.execute(PgStatement.java:365)",
            "Wrapped by: org.springframework.dao.QueryTimeoutException: PreparedStatementCallback",
            "\tat com.acme.repo.OrderRepo.find(OrderRepo.java:51)",
        ];
        let exc = Java.parse(&lines).expect("parsed");
        assert_eq!(exc.kind, "org.springframework.dao.QueryTimeoutException");
        assert_eq!(
            exc.cause.as_deref().map(|c| c.kind.as_str()),
            Some("java.sql.SQLTimeoutException")
        );
    }

    #[test]
    fn a_trace_inside_one_json_string_parses() {
        let text = "java.lang.IllegalArgumentException: bad sku\n\tat com.acme.Catalog.find(Catalog.java:21)\n\tat com.acme.Api.get(Api.java:9)";
        let exc = crate::trace::parse_text(text).expect("parsed");
        assert_eq!(exc.kind, "java.lang.IllegalArgumentException");
        assert_eq!(exc.frames[1].line, Some(21));
    }

    #[test]
    fn garbage_and_truncated_traces_do_not_panic() {
        let inputs: &[&[&str]] = &[
            &[],
            &["Exception in thread \""],
            &["Exception in thread \"main\" "],
            &[
                "java.lang.Error:",
                "\tat (",
                "\tat x(",
                "\t... 99999999999999999999 more",
                "Caused by: ",
            ],
            &[
                "a.B\u{e9}Error: \u{0}",
                "\tat \u{1F600}.x(y:z)",
                "\t... 5 more",
                "\tSuppressed: ",
            ],
        ];
        for lines in inputs {
            let _ = Java.parse(lines);
            if let Some((_, mut m)) = lines.first().and_then(|first| Java.start(first)) {
                for line in &lines[1..] {
                    let _ = m.step(line);
                }
            }
        }
        assert_eq!(strip_module("/"), "");
        assert_eq!(parse_location(":"), (Some(":".into()), None));
    }

    #[test]
    fn ascii_frame_name_check_agrees_with_chars() {
        let parts = [
            "a", ".", ")", "(", " ", "\t", "\u{b}", "\u{c}", "\r", "\u{a0}", "é", "$", "/",
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(0x2545_f491_4f6c_dd1d).wrapping_add(1);
            let mut name = String::new();
            for k in 0..(seed >> 60) % 8 {
                name.push_str(parts[((seed >> (k * 4)) % parts.len() as u64) as usize]);
            }
            let general = name.contains(|c: char| c.is_whitespace() || c == ')');
            assert_eq!(has_space_or_paren(&name), general, "{name:?}");
        }
    }
}
