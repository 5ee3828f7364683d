//! The whole parse of one input: split lines, decode, sniff the format, and
//! assemble events.

use crate::format::{Context, FormatError, LineFormat, Registry, SNIFF_LINES};
use crate::lines::{self, DEFAULT_MAX_LINE_BYTES, LineSplitter, RawLine};
use crate::multiline::{Assembler, LineMeta, MultilineConfig, Stats};
use crate::trace;
use faultline_event::{Event, SourcePos};
use std::borrow::Cow;
use std::sync::Arc;

/// What a parse needs to know; the defaults need no configuration.
#[derive(Debug, Clone)]
pub struct Options {
    /// A format name, or `None` to sniff each input's format.
    pub format: Option<String>,
    /// Lines longer than this are cut and flagged.
    pub max_line_bytes: usize,
    pub multiline: MultilineConfig,
    pub context: Context,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            format: None,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            multiline: MultilineConfig::default(),
            context: Context::default(),
        }
    }
}

/// A configured parser; cheap to clone, one [`Session`] per input.
#[derive(Clone)]
pub struct Parser {
    registry: Registry,
    forced: Option<Arc<dyn LineFormat>>,
    options: Arc<Options>,
}

impl std::fmt::Debug for Parser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parser")
            .field("registry", &self.registry)
            .field(
                "forced",
                &self.forced.as_ref().map(|f| f.name().to_string()),
            )
            .field("options", &self.options)
            .finish()
    }
}

/// The outcome of parsing a whole input at once.
#[derive(Debug)]
pub struct Parsed {
    pub events: Vec<Event>,
    pub stats: Stats,
    /// The format used (sniffed or forced).
    pub format: String,
}

impl Parser {
    /// Validates the options against the registry: an unknown format name is
    /// an error here, before any input is read.
    pub fn new(registry: Registry, options: Options) -> Result<Parser, FormatError> {
        let forced = match options.format.as_deref() {
            None | Some("auto") => None,
            Some(name) => Some(registry.get(name)?),
        };
        Ok(Parser {
            registry,
            forced,
            options: Arc::new(options),
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The options this parser was built with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The format a session would read an input in whose first lines are
    /// `lines`: the forced format, else the one sniffed from the lines that
    /// are records (trace lines skipped), as [`Session`] does after
    /// [`SNIFF_LINES`] non-blank lines or at its first flush.
    pub fn sniff_format(&self, lines: &[&str]) -> Arc<dyn LineFormat> {
        match &self.forced {
            Some(format) => format.clone(),
            None => self.registry.sniff(record_lines(lines)),
        }
    }

    /// A session for one input; `path` is stamped on its events' `source`.
    pub fn session(&self, path: Option<&str>) -> Session {
        Session {
            parser: self.clone(),
            path: path.map(str::to_string),
            splitter: LineSplitter::new(self.options.max_line_bytes),
            state: State::Sniffing(Vec::new()),
            file_id: None,
        }
    }

    /// A session for a file resumed at byte `offset` (a tailer's checkpoint):
    /// line offsets count from there, and events carry `file_id` as given
    /// rather than one computed from the first line this session sees.
    pub fn session_at(&self, path: &str, file_id: &str, offset: u64) -> Session {
        let mut session = self.session(Some(path));
        session.splitter = LineSplitter::new(self.options.max_line_bytes).starting_at(offset);
        session.file_id = Some(file_id.to_string());
        session
    }

    /// Parses a whole input held in memory.
    pub fn parse_bytes(&self, bytes: &[u8], path: Option<&str>) -> Parsed {
        let mut session = self.session(path);
        // At most one event per line: reserving that up front spares growing
        // (and copying) the vector of large events a dozen times over.
        let lines = memchr::memchr_iter(b'\n', bytes).count() + 1;
        let mut events = Vec::with_capacity(lines);
        session.feed(bytes, &mut events);
        let (stats, format) = session.finish(&mut events);
        Parsed {
            events,
            stats,
            format,
        }
    }
}

enum State {
    /// The first lines, held until the format is known.
    Sniffing(Vec<(String, LineMeta)>),
    Running(Box<Assembler>),
}

/// The parse of one input, fed in chunks of any size.
pub struct Session {
    parser: Parser,
    path: Option<String>,
    splitter: LineSplitter,
    state: State,
    /// The file id given by [`Parser::session_at`].
    file_id: Option<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Feeds bytes; completed events are pushed onto `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<Event>) {
        self.feed_with(chunk, clean_text(chunk), out);
    }

    /// Feeds a chunk whose lines inside `clean` (a prefix of it, valid UTF-8
    /// without NUL bytes) need no decoding of their own: one check of the
    /// chunk instead of one per line.
    fn feed_with(&mut self, chunk: &[u8], clean: &str, out: &mut Vec<Event>) {
        let Session {
            parser,
            path,
            splitter,
            state,
            file_id,
        } = self;
        // Where the chunk starts in the input: after the held partial line.
        let base = splitter.position() + splitter.pending_bytes() as u64;
        splitter.push(chunk, |line| {
            let text = clean_line(&line, base, clean);
            take(parser, path, file_id, state, line, text, out)
        });
    }

    /// Emits what is held after `flush_timeout_ms` without input: the event
    /// being assembled (an unfinished last line stays held).
    pub fn flush(&mut self, out: &mut Vec<Event>) {
        self.start(out);
        if let State::Running(assembler) = &mut self.state {
            assembler.flush(out);
        }
    }

    /// How long to wait for more input before calling [`Session::flush`].
    pub fn flush_timeout_ms(&self) -> u64 {
        self.parser.options.multiline.flush_timeout_ms
    }

    /// Ends the input: the last line (even without a newline) and the last
    /// event are emitted. Returns the counts and the format used.
    pub fn finish(mut self, out: &mut Vec<Event>) -> (Stats, String) {
        self.flush_line(out);
        self.flush(out);
        match self.state {
            State::Running(assembler) => (*assembler.stats(), assembler.format_name().to_string()),
            State::Sniffing(_) => (Stats::default(), "plain".to_string()),
        }
    }

    /// Emits an unfinished last line as it is, as at the end of input or
    /// after a streaming reader's flush timeout. Bytes that follow later
    /// start a new line at the next offset: no byte is emitted twice.
    pub fn flush_line(&mut self, out: &mut Vec<Event>) {
        let Session {
            parser,
            path,
            splitter,
            state,
            file_id,
        } = self;
        splitter.finish(|line| take(parser, path, file_id, state, line, None, out));
    }

    /// The offset of the first byte not yet part of an emitted event: lines
    /// held for sniffing, the event being assembled, or an unfinished last
    /// line. `None` when nothing is held: everything fed is emitted (or was
    /// blank). A tailer's checkpoint must never pass it.
    pub fn held_from(&self) -> Option<u64> {
        let held = match &self.state {
            State::Sniffing(held) => held.first().map(|(_, meta)| meta.offset),
            State::Running(assembler) => assembler.pending_offset(),
        };
        let partial = (self.splitter.pending_bytes() > 0).then(|| self.splitter.position());
        match (held, partial) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The counts so far (all zero while the format is being sniffed).
    pub fn stats(&self) -> Stats {
        match &self.state {
            State::Running(assembler) => *assembler.stats(),
            State::Sniffing(_) => Stats::default(),
        }
    }

    /// The offset just past the last complete line fed (or skipped).
    pub fn position(&self) -> u64 {
        self.splitter.position()
    }

    fn start(&mut self, out: &mut Vec<Event>) {
        start(
            &self.parser,
            &self.path,
            &self.file_id,
            &mut self.state,
            out,
        );
    }
}

/// The held lines that are records, not parts of a stack trace: sniffing
/// counts only these, so a file full of traces is still known by its headers.
fn record_lines<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let mut records = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        match trace::detect_start(lines[i]) {
            Some((_, _, mut machine)) => i += trace::follow(machine.as_mut(), &lines[i..]),
            None => {
                records.push(lines[i]);
                i += 1;
            }
        }
    }
    records
}

/// The longest prefix of `chunk` up to its last newline that is valid UTF-8
/// without NUL bytes. A newline is never inside a multi-byte character, so
/// the complete lines of a chunk are all inside it unless a line is damaged.
fn clean_text(chunk: &[u8]) -> &str {
    let lines_end = memchr::memrchr(b'\n', chunk).unwrap_or(0);
    let end = memchr::memchr(0, &chunk[..lines_end]).unwrap_or(lines_end);
    let head = &chunk[..end];
    if let Ok(text) = simdutf8::basic::from_utf8(head) {
        return text;
    }
    match simdutf8::compat::from_utf8(head) {
        Ok(text) => text,
        Err(e) => simdutf8::basic::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// The text of `line` when it lies inside `clean`, the checked text of the
/// chunk that starts at input offset `base`; `None` sends it to [`lines::decode`].
fn clean_line<'a>(line: &RawLine<'_>, base: u64, clean: &'a str) -> Option<&'a str> {
    if line.truncated || line.offset < base {
        return None;
    }
    let start = usize::try_from(line.offset - base).ok()?;
    let text = clean.get(start..start.checked_add(line.bytes.len())?)?;
    debug_assert_eq!(text.as_bytes(), line.bytes);
    Some(text)
}

fn take(
    parser: &Parser,
    path: &Option<String>,
    file_id: &Option<String>,
    state: &mut State,
    line: RawLine<'_>,
    clean: Option<&str>,
    out: &mut Vec<Event>,
) {
    let (text, invalid, nul) = match clean {
        Some(text) => (Cow::Borrowed(text), None, None),
        None => lines::decode(line.bytes),
    };
    let meta = LineMeta {
        offset: line.offset,
        truncated: line.truncated,
        invalid_utf8: invalid.is_some(),
        nul_bytes: nul.is_some(),
    };
    match state {
        State::Running(assembler) => push(assembler, &text, meta, out),
        State::Sniffing(held) => {
            held.push((text.into_owned(), meta));
            let non_blank = held.iter().filter(|(t, _)| !t.trim().is_empty()).count();
            if parser.forced.is_some() || non_blank >= SNIFF_LINES {
                start(parser, path, file_id, state, out);
            }
        }
    }
}

fn push(assembler: &mut Assembler, text: &str, meta: LineMeta, out: &mut Vec<Event>) {
    let stats = assembler.stats_mut();
    stats.truncated_lines += u64::from(meta.truncated);
    stats.invalid_utf8_lines += u64::from(meta.invalid_utf8);
    stats.nul_lines += u64::from(meta.nul_bytes);
    assembler.push(text, meta, out);
}

/// Leaves sniffing: picks the format, builds the assembler and replays the
/// held lines.
fn start(
    parser: &Parser,
    path: &Option<String>,
    file_id: &Option<String>,
    state: &mut State,
    out: &mut Vec<Event>,
) {
    let State::Sniffing(held) = state else {
        return;
    };
    let held = std::mem::take(held);
    let lines: Vec<&str> = held.iter().map(|(t, _)| t.as_str()).collect();
    let format = parser.sniff_format(&lines);
    let options = &parser.options;
    let mut assembler = Assembler::new(
        format,
        parser.registry.plain(),
        options.context,
        options.multiline.clone(),
    );
    if let Some(path) = path {
        let id = file_id.clone().unwrap_or_else(|| {
            let first = held.first().map(|(t, _)| t.as_bytes()).unwrap_or_default();
            SourcePos::file_id_of(first)
        });
        assembler = assembler.with_source(path.clone(), id);
    }
    for (text, meta) in &held {
        push(&mut assembler, text, *meta, out);
    }
    *state = State::Running(Box::new(assembler));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Registry;

    fn parser() -> Parser {
        Parser::new(Registry::builtin(), Options::default()).unwrap()
    }

    fn offsets(events: &[Event]) -> Vec<u64> {
        events
            .iter()
            .map(|e| e.source.as_ref().unwrap().offset)
            .collect()
    }

    #[test]
    fn sniff_format_skips_trace_lines_and_honours_a_forced_format() {
        let header = "2026-11-26 07:00:00,123 ERROR [main] com.shop.Cart - checkout failed";
        let trace = [
            "java.lang.IllegalStateException: empty cart",
            "\tat com.shop.Cart.checkout(Cart.java:42)",
            "\tat com.shop.Main.main(Main.java:7)",
        ];
        let mut lines = vec![header];
        for _ in 0..4 {
            lines.extend(trace);
        }
        let sniffed = parser().sniff_format(&lines);
        let session_format = parser()
            .parse_bytes(lines.join("\n").as_bytes(), None)
            .format;
        assert_eq!(sniffed.name(), session_format);
        assert_ne!(sniffed.name(), "plain");
        let options = Options {
            format: Some("json".into()),
            ..Options::default()
        };
        let forced = Parser::new(Registry::builtin(), options).unwrap();
        assert_eq!(forced.sniff_format(&lines).name(), "json");
    }

    #[test]
    fn resumed_session_counts_offsets_from_the_checkpoint_and_keeps_the_given_id() {
        let mut session = parser().session_at("/var/log/app.log", "feedface", 1000);
        let mut out = Vec::new();
        session.feed(b"INFO first\nINFO second\n", &mut out);
        session.flush(&mut out);
        assert_eq!(offsets(&out), vec![1000, 1011]);
        for event in &out {
            let source = event.source.as_ref().unwrap();
            assert_eq!(source.file_id, "feedface");
            assert_eq!(source.path, "/var/log/app.log");
        }
        assert_eq!(session.held_from(), None);
        assert_eq!(session.position(), 1023);
    }

    #[test]
    fn held_from_covers_sniffing_a_partial_line_and_a_trace_in_progress() {
        let mut session = parser().session_at("app.log", "id", 50);
        let mut out = Vec::new();
        assert_eq!(session.held_from(), None);
        session.feed(b"2026-11-26 07:00:00,000 ERROR boom\nTrace", &mut out);
        // Sniffing holds the first lines, the first from offset 50.
        assert!(out.is_empty());
        assert_eq!(session.held_from(), Some(50));

        let options = Options {
            format: Some("python_logging".into()),
            ..Options::default()
        };
        let parser = Parser::new(Registry::builtin(), options).unwrap();
        let mut session = parser.session_at("app.log", "id", 50);
        let header = b"2026-11-26 07:00:00,000 ERROR boom\n";
        let trace = b"Traceback (most recent call last):\n  File \"a.py\", line 1, in f\n";
        session.feed(header, &mut out);
        session.feed(trace, &mut out);
        // The header waits for its trace: held from the header's offset.
        assert!(out.is_empty());
        assert_eq!(session.held_from(), Some(50));
        session.feed(
            b"ValueError: bad\n2026-11-26 07:00:01,000 INFO next\n",
            &mut out,
        );
        session.feed(b"2026-11-26 07:00:02,000 INFO par", &mut out);
        // The trace's event is out; "next" waits for a possible trace, and
        // the partial line after it is held too.
        assert_eq!(offsets(&out), vec![50]);
        assert!(out[0].exception.is_some());
        let next = 50 + (header.len() + trace.len() + 16) as u64;
        assert_eq!(session.held_from(), Some(next));
        session.flush(&mut out);
        assert_eq!(offsets(&out), vec![50, next]);
        let partial = next + 34;
        assert_eq!(session.held_from(), Some(partial));
        session.flush_line(&mut out);
        session.flush(&mut out);
        assert_eq!(offsets(&out), vec![50, next, partial]);
        assert_eq!(session.held_from(), None);
    }

    /// Runs `input` through a session in chunks of `size`; `checked` turns
    /// on the one-check-per-chunk decoding. Lines over 20 bytes are cut.
    fn chunked(input: &[u8], size: usize, checked: bool) -> Vec<String> {
        let options = Options {
            max_line_bytes: 20,
            ..Options::default()
        };
        let parser = Parser::new(Registry::builtin(), options).unwrap();
        let mut session = parser.session_at("app.log", "id", 0);
        let mut out = Vec::new();
        for chunk in input.chunks(size) {
            match checked {
                true => session.feed(chunk, &mut out),
                false => session.feed_with(chunk, "", &mut out),
            }
        }
        session.finish(&mut out);
        out.iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect()
    }

    proptest::proptest! {
        /// Lines read from a chunk checked once come out as lines decoded one
        /// by one: invalid UTF-8, NUL bytes, characters cut by a chunk's end,
        /// CRLF and over-long lines included.
        #[test]
        fn checking_a_chunk_once_reads_as_decoding_each_line(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "INFO ok", "é", "\u{1F600}", "\n", "\r\n", "\0", "\u{FFFD}",
                    "{\"msg\":\"x\"}", "  at a.b(C.java:1)", "xxxxxxxxxxxxxxxxxxxxxxxx",
                ]),
                0..40,
            ),
            bad in proptest::collection::vec((0usize..400, proptest::sample::select(vec![0xffu8, 0xc3, 0x80, 0xf0])), 0..3),
            size in 1usize..64,
        ) {
            let mut input = parts.concat().into_bytes();
            for (at, byte) in bad {
                if at < input.len() {
                    input[at] = byte;
                }
            }
            proptest::prop_assert_eq!(chunked(&input, size, true), chunked(&input, size, false));
        }
    }

    #[test]
    fn flush_line_emits_an_unfinished_line_once_and_the_rest_starts_after_it() {
        let mut session = parser().session_at("app.log", "id", 0);
        let mut out = Vec::new();
        session.feed(b"INFO one\nINFO tw", &mut out);
        session.flush(&mut out);
        assert_eq!(session.held_from(), Some(9));
        session.flush_line(&mut out);
        session.flush(&mut out);
        assert_eq!(session.held_from(), None);
        session.feed(b"o more\n", &mut out);
        session.flush(&mut out);
        let got: Vec<(u64, &str)> = out
            .iter()
            .map(|e| (e.source.as_ref().unwrap().offset, e.message.as_str()))
            .collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!((got[0].0, got[1].0, got[2].0), (0, 9, 16));
        assert!(
            got[1].1.ends_with("tw") && got[2].1.ends_with("o more"),
            "{got:?}"
        );
        assert_eq!(session.position(), 23);
    }
}
