//! Python tracebacks.
//!
//! A traceback opens with `Traceback (most recent call last):`, lists frames
//! outermost first as `  File "…", line N, in func` (each followed by its
//! source line and, since 3.11, `^^^^` / `~~~^^^` marker lines) and closes with
//! the exception line `module.Type: message`. Chained exceptions print their
//! causes first, joined by `The above exception was the direct cause…` or
//! `During handling of the above exception…`; the last exception printed is
//! the one raised. Exception groups (3.11+) print their sub-exceptions in
//! `| `-prefixed boxes; the group is the exception and its first
//! sub-exception becomes its cause when it has no cause of its own.

use super::{Language, Machine, Start, Step};
use faultline_event::{Exception, Frame};
use memchr::memmem::FinderRev;
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;

const TRACEBACK: &str = "Traceback (most recent call last):";
const GROUP_TRACEBACK: &str = "Exception Group Traceback (most recent call last):";
const DIRECT_CAUSE: &str = "The above exception was the direct cause of the following exception:";
const DURING_HANDLING: &str = "During handling of the above exception, another exception occurred:";

/// How many unconfirmed lines after the exception line may be held as a
/// possible continuation of a multi-line message.
const MAX_HELD: usize = 3;

/// `File "/app/x.py", line 12, in handler` (the `in` part is missing for
/// `SyntaxError`).
/// `ValueError: msg`, `requests.exceptions.HTTPError: 500`, `KeyboardInterrupt`.
static EXCEPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z_][\w.]*)(?::(?: (.*))?)?$").expect("valid exception regex")
});

/// The Python trace grammar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Python;

impl Language for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn start(&self, line: &str) -> Option<(Start, Box<dyn Machine>)> {
        let trimmed = line.trim_start_matches(' ');
        if !matches!(trimmed.as_bytes().first(), Some(b'T' | b'+')) {
            return None;
        }
        let trimmed = trimmed.trim_end();
        let state = if trimmed == TRACEBACK {
            State::Frames
        } else if trimmed.strip_prefix("+ ") == Some(GROUP_TRACEBACK) {
            State::Group
        } else {
            return None;
        };
        let indent = if state == State::Frames {
            line.len() - line.trim_start_matches(' ').len()
        } else {
            0
        };
        let machine = PyMachine {
            state,
            indent,
            held: 0,
        };
        Some((Start::Attachable, Box::new(machine)))
    }

    fn parse(&self, lines: &[&str]) -> Option<Exception> {
        let first = lines.first()?;
        let indent = if first.trim() == TRACEBACK {
            first.len() - first.trim_start_matches(' ').len()
        } else {
            0
        };
        let items: Vec<Item> = lines.iter().map(|l| classify(dedent(l, indent))).collect();
        parse_level(&items, 0)
    }
}

/// Where a traceback in progress is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Inside `Traceback (most recent call last):`, before the exception line.
    Frames,
    /// After the exception line: message continuations or a chain may follow.
    AfterException,
    /// After a chain sentence: the next traceback or exception follows.
    Chain,
    /// Inside an exception group's `|`-prefixed box.
    Group,
}

struct PyMachine {
    state: State,
    /// Spaces the whole traceback is indented by.
    indent: usize,
    /// Unconfirmed non-blank lines held after the exception line.
    held: usize,
}

impl Machine for PyMachine {
    fn step(&mut self, line: &str) -> Step {
        let line = dedent(line, self.indent);
        if line.trim().is_empty() {
            return Step::Maybe;
        }
        match self.state {
            State::Frames if line.starts_with([' ', '\t']) => Step::Continue,
            State::Frames | State::Chain => self.after_frames(line),
            State::Group if is_group_line(line) => Step::Continue,
            State::AfterException | State::Group => self.after_exception(line),
        }
    }
}

impl PyMachine {
    /// An unindented line where the exception line (or, after a chain
    /// sentence, the next traceback) is expected.
    fn after_frames(&mut self, line: &str) -> Step {
        let trimmed = line.trim_end();
        if self.state == State::Chain {
            if trimmed == TRACEBACK {
                self.state = State::Frames;
                return Step::Continue;
            }
            if is_group_line(line) {
                self.state = State::Group;
                return Step::Continue;
            }
        }
        // The hand reading answers for the lines it takes (as the regex
        // would); the regex decides the rest.
        let exception = split_exception_ascii(trimmed).is_some() || EXCEPTION.is_match(trimmed);
        if looks_like_record(line) || !exception {
            return Step::End;
        }
        self.state = State::AfterException;
        self.held = 0;
        Step::Continue
    }

    /// A line after the exception line or after an exception group's box.
    fn after_exception(&mut self, line: &str) -> Step {
        let trimmed = line.trim_end();
        if trimmed == DIRECT_CAUSE || trimmed == DURING_HANDLING {
            self.state = State::Chain;
            self.held = 0;
            return Step::Continue;
        }
        if self.state == State::Group {
            return Step::End;
        }
        // Indented lines and parenthesised notes (SQLAlchemy's `(Background on
        // this error at: …)`) continue the message.
        if line.starts_with([' ', '\t']) || (trimmed.starts_with('(') && trimmed.ends_with(')')) {
            self.held = 0;
            return Step::Continue;
        }
        if trimmed == TRACEBACK || looks_like_record(line) || self.held >= MAX_HELD {
            return Step::End;
        }
        self.held += 1;
        Step::Maybe
    }
}

/// Removes up to `indent` leading spaces.
fn dedent(line: &str, indent: usize) -> &str {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    line.get(spaces.min(indent)..).unwrap_or(line)
}

/// A line of an exception group's box: `  | …`, `  +-+---- 1 ----`.
fn is_group_line(line: &str) -> bool {
    let rest = line.trim_start_matches(' ');
    rest.len() < line.len() && matches!(rest.as_bytes().first(), Some(b'|' | b'+'))
}

/// Whether a line looks like the start of an ordinary log record rather than
/// the continuation of an exception message: a timestamp, a bracket, JSON, a
/// syslog priority or a leading level word.
fn looks_like_record(line: &str) -> bool {
    let Some(&first) = line.as_bytes().first() else {
        return false;
    };
    if first.is_ascii_digit() || matches!(first, b'[' | b'{' | b'<') {
        return true;
    }
    const LEVELS: [&str; 8] = [
        "DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL", "TRACE",
    ];
    LEVELS.iter().any(|level| {
        line.strip_prefix(level)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric()))
    })
}

/// One line of a traceback, placed in the exception-group box it sits in.
#[derive(Debug, Clone, Copy)]
enum Item<'a> {
    /// Text at a group depth (0 outside any box), with the box prefix removed.
    Text(usize, &'a str),
    /// `+---------------- 2 ----------------`: a sub-exception at this depth starts.
    Sub(usize),
    /// `+------------------------------------`: the sub-exceptions at this depth end.
    Close(usize),
}

fn classify(line: &str) -> Item<'_> {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[spaces..];
    if spaces < 2 || !spaces.is_multiple_of(2) {
        return Item::Text(0, line);
    }
    let depth = spaces / 2;
    if rest == "|" {
        return Item::Text(depth, "");
    }
    if let Some(text) = rest.strip_prefix("| ") {
        return Item::Text(depth, text);
    }
    if let Some(text) = rest.strip_prefix("+ ") {
        return Item::Text(depth, text);
    }
    if rest.starts_with("+-+-") {
        return Item::Sub(depth + 1);
    }
    if rest.starts_with("+---") {
        let titled = rest.bytes().any(|b| !matches!(b, b'-' | b'+' | b' '));
        return if titled {
            Item::Sub(depth)
        } else {
            Item::Close(depth)
        };
    }
    Item::Text(0, line)
}

/// How a traceback is linked to the one printed before it.
#[derive(Debug, Default)]
struct Block {
    frames: Vec<Frame>,
    exception: Option<Exception>,
    /// Lines of a multi-line message, with blank lines held until text follows.
    blank_run: usize,
    /// Whether the block follows a chain sentence.
    chained: bool,
    /// Sub-exceptions of an exception group, in printed order.
    subs: Vec<Exception>,
}

/// Parses the tracebacks at one group depth; the top level also holds the
/// outermost group's own lines, which sit one box deep.
fn parse_level(items: &[Item], depth: usize) -> Option<Exception> {
    let own = |d: usize| d == depth || (depth == 0 && d == 1);
    let sub_depth = if depth == 0 { 2 } else { depth + 1 };
    let mut blocks: Vec<Block> = Vec::new();
    let mut chained = false;
    let mut i = 0;
    while i < items.len() {
        match items[i] {
            Item::Text(d, text) if own(d) => text_line(&mut blocks, &mut chained, text),
            Item::Sub(d) if d == sub_depth => {
                let end = items[i + 1..]
                    .iter()
                    .position(|item| match *item {
                        Item::Sub(d) | Item::Close(d) => d == sub_depth,
                        Item::Text(d, _) => d < sub_depth,
                    })
                    .map_or(items.len(), |p| i + 1 + p);
                let sub = parse_level(&items[i + 1..end], sub_depth);
                if let (Some(sub), Some(block)) = (sub, blocks.last_mut()) {
                    block.subs.push(sub);
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    link(blocks)
}

/// Reads one line of a traceback into the blocks parsed so far.
fn text_line(blocks: &mut Vec<Block>, chained: &mut bool, text: &str) {
    let trimmed = text.trim_end();
    if trimmed == TRACEBACK || trimmed == GROUP_TRACEBACK {
        let chained = std::mem::take(chained);
        blocks.push(Block {
            chained,
            ..Block::default()
        });
        return;
    }
    if trimmed == DIRECT_CAUSE || trimmed == DURING_HANDLING {
        *chained = true;
        return;
    }
    let open = blocks.last().is_some_and(|b| b.exception.is_none());
    if trimmed.is_empty() {
        if let Some(block) = blocks.last_mut().filter(|b| b.exception.is_some()) {
            block.blank_run += 1;
        }
        return;
    }
    if open && text.starts_with([' ', '\t']) {
        if let (Some(frame), Some(block)) = (frame(text.trim()), blocks.last_mut()) {
            block.frames.push(frame);
        }
        return;
    }
    if !open && (blocks.is_empty() || *chained) {
        // An exception printed without a traceback: a cause that was never raised.
        let chained = std::mem::take(chained);
        blocks.push(Block {
            chained,
            ..Block::default()
        });
    }
    let Some(block) = blocks.last_mut() else {
        return;
    };
    match &mut block.exception {
        None => match frame(trimmed).filter(|_| open) {
            Some(frame) => block.frames.push(frame),
            None => block.exception = Some(exception_line(trimmed)),
        },
        Some(exception) if !*chained => {
            let blanks = std::mem::take(&mut block.blank_run);
            exception.value.push_str(&"\n".repeat(blanks + 1));
            exception.value.push_str(trimmed);
        }
        Some(_) => {}
    }
}

/// Joins the printed blocks into one exception: the last printed is the one
/// raised, each earlier one the cause of the next.
fn link(blocks: Vec<Block>) -> Option<Exception> {
    let mut result: Option<Exception> = None;
    for block in blocks {
        let Some(mut exception) = block.exception else {
            continue;
        };
        exception.frames = block.frames;
        let previous = result.take().filter(|_| block.chained);
        exception.cause = previous
            .or_else(|| block.subs.into_iter().next())
            .map(Box::new);
        result = Some(exception);
    }
    result
}

/// `ValueError: msg` into its type and message; a line that is not shaped so
/// is kept whole as the message.
fn exception_line(line: &str) -> Exception {
    if let Some((kind, value)) = split_exception_ascii(line) {
        return Exception::new(kind, value.unwrap_or(""));
    }
    match EXCEPTION.captures(line) {
        Some(caps) => Exception::new(
            caps.get(1).map_or("", |m| m.as_str()),
            caps.get(2).map_or("", |m| m.as_str()),
        ),
        None => Exception::new("", line),
    }
}

/// [`EXCEPTION`] read by hand over ASCII: the type, and the message when a
/// `: ` follows it. `None` when the regex must decide: a line it does not
/// match, or a type that reaches a non-ASCII byte (`\w` is Unicode).
fn split_exception_ascii(line: &str) -> Option<(&str, Option<&str>)> {
    let b = line.as_bytes();
    if !b
        .first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
    {
        return None;
    }
    let end = b
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.'))
        .unwrap_or(b.len());
    let (kind, rest) = line.split_at(end);
    match rest.as_bytes() {
        [] | [b':'] => Some((kind, None)),
        [b':', b' ', tail @ ..] if !tail.contains(&b'\n') => Some((kind, Some(&rest[2..]))),
        _ => None,
    }
}

fn frame(line: &str) -> Option<Frame> {
    let (file, number, function) = split_frame(line)?;
    Some(Frame {
        function: function.map(str::to_string),
        module: module_of(file),
        file: Some(file.to_string()),
        line: number.parse().ok(),
        ..Frame::default()
    })
}

/// Splits `File "PATH", line N[, in FUNCTION]` by hand (it runs on every
/// frame line): the longest path after which the rest still reads, as a
/// greedy regex would take it.
fn split_frame(line: &str) -> Option<(&str, &str, Option<&str>)> {
    const MARK: &str = "\", line ";
    let body = line.strip_prefix("File \"")?;
    let mut end = body.len();
    // Every occurrence of MARK within `body[..end]`, last first: a quote
    // found from the back that opens one.
    while let Some(at) = memchr::memrchr(b'"', &body.as_bytes()[..end]) {
        if at + MARK.len() > end || !body[at..].starts_with(MARK) {
            end = at;
            continue;
        }
        let rest = &body[at + MARK.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let after = &rest[digits..];
        let function = match after.strip_prefix(", in ") {
            Some(function) if !function.is_empty() => Some(Some(function)),
            _ if after.is_empty() => Some(None),
            _ => None,
        };
        if let (true, Some(function)) = (digits > 0, function) {
            return Some((&body[..at], &rest[..digits], function));
        }
        end = at;
    }
    None
}

/// The markers [`module_of`] looks for, searched from the back; built once,
/// as every frame is looked at.
static SITE_PACKAGES: LazyLock<FinderRev> = LazyLock::new(|| FinderRev::new("/site-packages/"));
static DIST_PACKAGES: LazyLock<FinderRev> = LazyLock::new(|| FinderRev::new("/dist-packages/"));
static LIB_PYTHON: LazyLock<FinderRev> = LazyLock::new(|| FinderRev::new("/lib/python"));

/// The dotted module of an installed or standard-library file
/// (`…/site-packages/django/core/handlers/base.py` → `django.core.handlers.base`,
/// `<frozen importlib._bootstrap>` → `importlib._bootstrap`). Application
/// files are left alone: their import root cannot be told from the path.
fn module_of(file: &str) -> Option<String> {
    if let Some(inner) = file.strip_prefix("<frozen ") {
        return inner.strip_suffix('>').map(str::to_string);
    }
    let path = match file.contains('\\') {
        true => Cow::Owned(file.replace('\\', "/")),
        false => Cow::Borrowed(file),
    };
    let rest = [&*SITE_PACKAGES, &*DIST_PACKAGES]
        .iter()
        .find_map(|marker| {
            let p = marker.rfind(path.as_bytes())?;
            Some(&path[p + marker.needle().len()..])
        })
        .or_else(|| {
            let p = LIB_PYTHON.rfind(path.as_bytes())?;
            let after = &path[p + "/lib/python".len()..];
            after.find('/').map(|slash| &after[slash + 1..])
        })?;
    let rest = rest.strip_suffix(".py")?;
    let rest = rest.strip_suffix("/__init__").unwrap_or(rest);
    (!rest.is_empty()).then(|| rest.replace('/', "."))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn exception_line_by_hand_reads_as_the_regex(
            line in "[A-Za-z_0-9.é:]{0,6}(: ?)?[a-z \n:é]{0,6}",
        ) {
            let by_regex = match EXCEPTION.captures(&line) {
                Some(caps) => Exception::new(
                    caps.get(1).map_or("", |m| m.as_str()),
                    caps.get(2).map_or("", |m| m.as_str()),
                ),
                None => Exception::new("", &line),
            };
            proptest::prop_assert_eq!(exception_line(&line), by_regex);
            if let Some((kind, value)) = split_exception_ascii(&line) {
                let caps = EXCEPTION.captures(&line).expect("the regex matches too");
                proptest::prop_assert_eq!(kind, caps.get(1).unwrap().as_str());
                proptest::prop_assert_eq!(value, caps.get(2).map(|m| m.as_str()));
            }
        }

        #[test]
        fn frame_split_reads_as_the_grammar_says(
            file in "[a-z/ ,\"]{0,12}",
            mark in proptest::prop_oneof![proptest::strategy::Just("\", line "), proptest::strategy::Just("\", lin ")],
            digits in "[0-9]{0,3}",
            tail in proptest::prop_oneof![proptest::strategy::Just(String::new()), "(, in [a-z<>\", ]{0,8})"],
        ) {
            let grammar = Regex::new(r#"^File "(.*)", line (\d+)(?:, in (.+))?$"#).unwrap();
            let line = format!("File \"{file}{mark}{digits}{tail}");
            let want = grammar.captures(&line).map(|c| {
                (c.get(1).unwrap().as_str(), c.get(2).unwrap().as_str(), c.get(3).map(|m| m.as_str()))
            });
            proptest::prop_assert_eq!(split_frame(&line), want, "{}", line);
        }
    }
    use crate::trace::parse_text;

    /// Feeds `text` through start and step as the assembler does; returns the
    /// steps taken after the start line.
    fn steps(text: &str) -> Vec<Step> {
        let mut lines = text.lines();
        let (_, mut machine) = Python.start(lines.next().unwrap()).expect("a start");
        lines.map(|l| machine.step(l)).collect()
    }

    fn parse(text: &str) -> Exception {
        Python
            .parse(&text.lines().collect::<Vec<_>>())
            .expect("parsed")
    }

    const CHAINED: &str = "Traceback (most recent call last):
  File \"/app/billing/client.py\", line 41, in fetch_invoice
    return self._session.get(url, timeout=5).json()
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File \"/srv/venv/lib/python3.12/site-packages/requests/models.py\", line 978, in json
    raise RequestsJSONDecodeError(e.msg, e.doc, e.pos)
requests.exceptions.JSONDecodeError: Expecting value: line 1 column 1 (char 0)

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File \"/app/billing/tasks.py\", line 88, in sync_invoices
    invoice = client.fetch_invoice(invoice_id)
  File \"/app/billing/client.py\", line 43, in fetch_invoice
    raise BillingError(f\"invoice {invoice_id} unreadable\") from exc
billing.errors.BillingError: invoice 7731 unreadable";

    #[test]
    fn ordinary_lines_are_not_starts() {
        for line in [
            "2026-11-20 14:03:11,482 ERROR [worker-3] billing.tasks - sync failed",
            "{\"level\":\"error\",\"msg\":\"Traceback (most recent call last):\"}",
            "INFO:root:Traceback printing is enabled",
            "Tracebacks are printed below",
            "+ added 3 packages",
            "",
        ] {
            assert!(Python.start(line).is_none(), "{line}");
        }
    }

    #[test]
    fn tracebacks_are_attachable_starts() {
        let (start, _) = Python.start(TRACEBACK).expect("a start");
        assert_eq!(start, Start::Attachable);
        assert!(
            Python
                .start("  + Exception Group Traceback (most recent call last):")
                .is_some()
        );
    }

    #[test]
    fn chained_traceback_is_followed_to_its_end() {
        let text = format!("{CHAINED}\n2026-11-20 14:03:12,001 INFO [main] app - next");
        let steps = steps(&text);
        let (last, body) = steps.split_last().unwrap();
        assert_eq!(*last, Step::End);
        assert!(
            body.iter()
                .all(|s| matches!(s, Step::Continue | Step::Maybe))
        );
        assert_eq!(body.iter().filter(|s| **s == Step::Maybe).count(), 2);
    }

    #[test]
    fn chain_is_raised_last_with_cause_first() {
        let exc = parse(CHAINED);
        assert_eq!(exc.kind, "billing.errors.BillingError");
        assert_eq!(exc.value, "invoice 7731 unreadable");
        let functions: Vec<_> = exc.frames.iter().map(|f| f.function.as_deref()).collect();
        assert_eq!(functions, [Some("sync_invoices"), Some("fetch_invoice")]);
        assert_eq!(exc.frames[1].line, Some(43));
        let cause = exc.cause.as_deref().expect("a cause");
        assert_eq!(cause.kind, "requests.exceptions.JSONDecodeError");
        assert_eq!(cause.value, "Expecting value: line 1 column 1 (char 0)");
        assert_eq!(cause.frames[1].module.as_deref(), Some("requests.models"));
        assert_eq!(cause.frames[0].module, None);
        assert!(cause.cause.is_none());
    }

    #[test]
    fn exception_without_message_and_syntax_error_frames() {
        let exc = parse(
            "Traceback (most recent call last):\n  File \"<string>\", line 1\n    x = (\n        ^\nSyntaxError: '(' was never closed",
        );
        assert_eq!(exc.kind, "SyntaxError");
        assert_eq!(exc.frames[0].file.as_deref(), Some("<string>"));
        assert_eq!(exc.frames[0].function, None);
        let exc = parse(
            "Traceback (most recent call last):\n  File \"/app/run.py\", line 9, in <module>\n    main()\nKeyboardInterrupt",
        );
        assert_eq!(
            (exc.kind.as_str(), exc.value.as_str()),
            ("KeyboardInterrupt", "")
        );
    }

    #[test]
    fn multi_line_message_is_kept_until_a_record() {
        let text = "Traceback (most recent call last):
  File \"/app/models.py\", line 12, in load
    return User(**row)
pydantic_core._pydantic_core.ValidationError: 1 validation error for User
age
  Input should be a valid integer [type=int_parsing, input_value='x', input_type=str]
2026-11-20 14:03:12,001 INFO [main] app - next";
        let steps = steps(text);
        assert_eq!(
            &steps[2..],
            [Step::Continue, Step::Maybe, Step::Continue, Step::End]
        );
        let lines: Vec<&str> = text.lines().take(6).collect();
        let exc = Python.parse(&lines).unwrap();
        assert!(
            exc.value
                .starts_with("1 validation error for User\nage\n  Input")
        );
    }

    #[test]
    fn exception_group_is_the_exception_with_first_sub_as_cause() {
        let text = "  + Exception Group Traceback (most recent call last):
  |   File \"/app/worker.py\", line 42, in main
  |     async with asyncio.TaskGroup() as tg:
  |   File \"/usr/lib/python3.12/asyncio/taskgroups.py\", line 145, in __aexit__
  |     raise me from None
  | ExceptionGroup: unhandled errors in a TaskGroup (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File \"/app/worker.py\", line 18, in fetch
    |     raise ConnectionError(\"upstream refused\")
    | ConnectionError: upstream refused
    +---------------- 2 ----------------
    | ValueError: bad page
    +------------------------------------
INFO done";
        let steps = steps(text);
        assert_eq!(steps.last(), Some(&Step::End));
        assert_eq!(steps.iter().filter(|s| **s == Step::Continue).count(), 13);
        let exc = parse(text);
        assert_eq!(exc.kind, "ExceptionGroup");
        assert_eq!(exc.frames[1].module.as_deref(), Some("asyncio.taskgroups"));
        let sub = exc.cause.as_deref().expect("first sub-exception");
        assert_eq!(
            (sub.kind.as_str(), sub.frames[0].line),
            ("ConnectionError", Some(18))
        );
    }

    #[test]
    fn frozen_and_indented_tracebacks() {
        let text = "    Traceback (most recent call last):
      File \"<frozen importlib._bootstrap>\", line 1360, in _find_and_load
    ModuleNotFoundError: No module named 'celery'";
        assert!(steps(text).iter().all(|s| *s == Step::Continue));
        let exc = parse(text);
        assert_eq!(exc.kind, "ModuleNotFoundError");
        assert_eq!(
            exc.frames[0].module.as_deref(),
            Some("importlib._bootstrap")
        );
    }

    #[test]
    fn parse_text_reads_a_trace_inside_a_string() {
        let exc = parse_text(&format!("{CHAINED}\n")).expect("parsed");
        assert_eq!(exc.chain().count(), 2);
    }

    #[test]
    fn garbage_and_truncated_input_does_not_panic() {
        assert!(
            Python
                .parse(&[TRACEBACK, "  File \"/app/x.py\", line 99999999999, in f"])
                .is_none()
        );
        for text in [
            "  +-+----",
            "    | \u{1F600}",
            "  | Traceback",
            "+",
            " |",
            "Traceback\u{0}",
        ] {
            let _ = Python.parse(&[text, text, "  +------", "    +---- 3 --"]);
            let _ = Python.start(text).map(|(_, mut m)| m.step(text));
        }
    }
}
