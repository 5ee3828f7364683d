//! The whole parse of one input: split lines, decode, sniff the format, and
//! assemble events.

use crate::format::{Context, FormatError, LineFormat, Registry, SNIFF_LINES};
use crate::lines::{self, DEFAULT_MAX_LINE_BYTES, LineSplitter, RawLine};
use crate::multiline::{Assembler, LineMeta, MultilineConfig, Stats};
use crate::trace;
use faultline_event::{Event, SourcePos};
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

    /// A session for one input; `path` is stamped on its events' `source`.
    pub fn session(&self, path: Option<&str>) -> Session {
        Session {
            parser: self.clone(),
            path: path.map(str::to_string),
            splitter: LineSplitter::new(self.options.max_line_bytes),
            state: State::Sniffing(Vec::new()),
        }
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
        let Session {
            parser,
            path,
            splitter,
            state,
        } = self;
        splitter.push(chunk, |line| take(parser, path, state, line, out));
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
        let Session {
            parser,
            path,
            splitter,
            state,
        } = &mut self;
        splitter.finish(|line| take(parser, path, state, line, out));
        self.flush(out);
        match self.state {
            State::Running(assembler) => (*assembler.stats(), assembler.format_name().to_string()),
            State::Sniffing(_) => (Stats::default(), "plain".to_string()),
        }
    }

    fn start(&mut self, out: &mut Vec<Event>) {
        start(&self.parser, &self.path, &mut self.state, out);
    }
}

/// The held lines that are records, not parts of a stack trace: sniffing
/// counts only these, so a file full of traces is still known by its headers.
fn record_lines(held: &[(String, LineMeta)]) -> Vec<&str> {
    let lines: Vec<&str> = held.iter().map(|(t, _)| t.as_str()).collect();
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

fn take(
    parser: &Parser,
    path: &Option<String>,
    state: &mut State,
    line: RawLine<'_>,
    out: &mut Vec<Event>,
) {
    let (text, invalid, nul) = lines::decode(line.bytes);
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
                start(parser, path, state, out);
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
fn start(parser: &Parser, path: &Option<String>, state: &mut State, out: &mut Vec<Event>) {
    let State::Sniffing(held) = state else {
        return;
    };
    let held = std::mem::take(held);
    let format = match &parser.forced {
        Some(format) => format.clone(),
        None => parser.registry.sniff(record_lines(&held)),
    };
    let options = &parser.options;
    let mut assembler = Assembler::new(
        format,
        parser.registry.plain(),
        options.context,
        options.multiline.clone(),
    );
    if let Some(path) = path {
        let first = held.first().map(|(t, _)| t.as_bytes()).unwrap_or_default();
        assembler = assembler.with_source(path.clone(), SourcePos::file_id_of(first));
    }
    for (text, meta) in &held {
        push(&mut assembler, text, *meta, out);
    }
    *state = State::Running(Box::new(assembler));
}
