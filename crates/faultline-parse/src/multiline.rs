//! Multiline assembly: joining a header line and the stack trace that follows
//! it into one event, with no configuration.
//!
//! In the default [`Rule::Auto`], every line is parsed by the file's format and
//! offered to the trace grammars in [`trace::LANGUAGES`]. A trace that announces
//! itself (`Start::Announced`) is always an event of its own; one that may
//! belong to a record (`Start::Attachable`) joins the header right before it
//! when that header is at warning level or above. The grammar's
//! [`Machine`](crate::trace::Machine) then decides, line by line, where the
//! trace ends. Indented lines after a header with a timestamp join it too.
//!
//! Vector-style custom rules ([`CustomRule`]) serve formats the grammars do not
//! know. Caps bound every event (`max_lines`, `max_bytes`): past them the event
//! is flagged `truncated` and further lines are counted as dropped.
//!
//! The assembler is pure: it never reads a clock. A streaming caller calls
//! [`Assembler::flush`] after `flush_timeout_ms` without input.

use crate::format::{Context, LineFormat};
use crate::trace::{self, Language, Machine, Start, Step};
use faultline_event::{Event, Flag, Level, SourcePos};
use regex::Regex;
use std::sync::Arc;

mod rule;

pub use rule::{CustomMode, CustomRule, Rule, RuleError};

/// Bounds and rules of multiline assembly.
#[derive(Debug, Clone)]
pub struct MultilineConfig {
    /// Lines per event before it is flagged `truncated`.
    pub max_lines: usize,
    /// Bytes per event before it is flagged `truncated`.
    pub max_bytes: usize,
    /// How long a streaming reader waits for a continuation before it emits
    /// what it holds.
    pub flush_timeout_ms: u64,
    pub rule: Rule,
}

impl Default for MultilineConfig {
    fn default() -> MultilineConfig {
        MultilineConfig {
            max_lines: 1000,
            max_bytes: 1 << 20,
            flush_timeout_ms: 2000,
            rule: Rule::Auto,
        }
    }
}

/// What happened to the lines of one input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lines read, blank ones included.
    pub lines: u64,
    /// Blank lines that belonged to no event.
    pub blank_lines: u64,
    /// Lines that ended up in an event.
    pub lines_in_events: u64,
    /// Lines dropped because their event reached its cap.
    pub dropped_lines: u64,
    pub events: u64,
    /// Lines cut at `max_line_bytes`.
    pub truncated_lines: u64,
    pub invalid_utf8_lines: u64,
    pub nul_lines: u64,
}

/// The room a trace's text starts with.
const TRACE_TEXT_BYTES: usize = 512;

/// Marks a line carries from splitting and decoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineMeta {
    pub offset: u64,
    pub truncated: bool,
    pub invalid_utf8: bool,
    pub nul_bytes: bool,
}

impl LineMeta {
    fn apply(self, event: &mut Event) {
        if self.truncated {
            event.flag(Flag::LineTruncated);
        }
        if self.invalid_utf8 {
            event.flag(Flag::InvalidUtf8);
        }
        if self.nul_bytes {
            event.flag(Flag::NulBytes);
        }
    }
}

/// What is known of the event being built (the event itself is the
/// assembler's `events[cur]`).
struct Pending {
    offset: u64,
    lines: usize,
    bytes: usize,
    /// The first line was a record of the file's format, not a bare trace.
    has_header: bool,
    /// A following trace may still join this event.
    attachable: bool,
    followup_checked: bool,
    trace: Option<TraceRun>,
    /// Continuation lines gathered by a custom rule.
    extra: Vec<String>,
    /// Whether the last line matched a custom rule's condition.
    prev_matched: bool,
}

struct TraceRun {
    lang: &'static dyn Language,
    machine: Box<dyn Machine>,
    start: Start,
    /// Where the start line was and what it carried.
    start_meta: LineMeta,
    /// The trace's lines joined by newlines (what becomes `stack`), with the
    /// end of each line: one buffer instead of a string per line.
    text: String,
    ends: Vec<usize>,
    held: Vec<(String, LineMeta)>,
    done: bool,
}

impl TraceRun {
    fn push(&mut self, line: &str) {
        if !self.ends.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str(line);
        self.ends.push(self.text.len());
    }

    fn lines(&self) -> Vec<&str> {
        let mut start = 0;
        self.ends
            .iter()
            .map(|&end| {
                let line = &self.text[start..end];
                start = end + 1;
                line
            })
            .collect()
    }
}

/// Joins lines into events.
pub struct Assembler {
    format: Arc<dyn LineFormat>,
    plain: Arc<dyn LineFormat>,
    plain_mode: bool,
    ctx: Context,
    config: MultilineConfig,
    source: Option<SourcePos>,
    pending: Option<Pending>,
    /// The held event (`events[cur]`, default while nothing is pending) and
    /// the next line's header (`events[1 - cur]`, default when unused).
    /// Events are built where they stay: beginning an event flips `cur`,
    /// and the event is moved once, when emitted.
    events: [Event; 2],
    cur: usize,
    stats: Stats,
    /// The timestamp of the last event emitted that had one: a bare trace
    /// (which prints none) takes it, flagged `inferred_timestamp`.
    last_ts: Option<chrono::DateTime<chrono::Utc>>,
}

impl std::fmt::Debug for Assembler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assembler")
            .field("format", &self.format.name())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Assembler {
    /// An assembler reading lines of `format`, falling back to `plain` for
    /// lines the format does not read.
    pub fn new(
        format: Arc<dyn LineFormat>,
        plain: Arc<dyn LineFormat>,
        ctx: Context,
        config: MultilineConfig,
    ) -> Assembler {
        Assembler {
            plain_mode: format.name() == plain.name(),
            format,
            plain,
            ctx,
            config,
            source: None,
            pending: None,
            events: [Event::default(), Event::default()],
            cur: 0,
            stats: Stats::default(),
            last_ts: None,
        }
    }

    /// Stamps emitted events with this path and file id (the offset comes from
    /// each event's first line).
    pub fn with_source(mut self, path: impl Into<String>, file_id: impl Into<String>) -> Self {
        self.source = Some(SourcePos {
            path: path.into(),
            file_id: file_id.into(),
            offset: 0,
        });
        self
    }

    pub fn format_name(&self) -> &str {
        self.format.name()
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }

    /// True while an event is held waiting for possible continuation lines.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Byte offset of the first line of the held event: everything before it
    /// has been emitted.
    pub fn pending_offset(&self) -> Option<u64> {
        self.pending.as_ref().map(|p| p.offset)
    }

    /// Takes one line (without its newline) and pushes every event it
    /// completes onto `out`.
    pub fn push(&mut self, text: &str, meta: LineMeta, out: &mut Vec<Event>) {
        self.stats.lines += 1;
        self.take_line(text, meta, out);
    }

    /// Emits whatever is held, as at the end of input or after the flush
    /// timeout. Held lines a trace had not confirmed are released first.
    pub fn flush(&mut self, out: &mut Vec<Event>) {
        loop {
            let held = self.take_held();
            self.emit(out);
            if held.is_empty() {
                return;
            }
            for (text, meta) in held {
                self.take_line(&text, meta, out);
            }
        }
    }

    fn take_held(&mut self) -> Vec<(String, LineMeta)> {
        match self.pending.as_mut().and_then(|p| p.trace.as_mut()) {
            Some(run) => std::mem::take(&mut run.held),
            None => Vec::new(),
        }
    }

    fn take_line(&mut self, text: &str, meta: LineMeta, out: &mut Vec<Event>) {
        let inner = self.format.inner_line(text);
        let app_line = inner.as_deref().unwrap_or(text);
        let step = match self.pending.as_mut().and_then(|p| p.trace.as_mut()) {
            Some(run) if !run.done => run.machine.step(app_line),
            _ => return self.fresh(text, meta, out),
        };
        match step {
            Step::Continue | Step::Last => {
                for (held, held_meta) in self.take_held() {
                    let held = self.app_line(&held);
                    self.add_trace_line(&held, held_meta);
                }
                self.add_trace_line(app_line, meta);
                if step == Step::Last {
                    self.emit(out);
                }
            }
            Step::Maybe => {
                if let Some(run) = self.pending.as_mut().and_then(|p| p.trace.as_mut()) {
                    run.held.push((text.to_string(), meta));
                }
            }
            Step::End => {
                let held = self.take_held();
                self.emit(out);
                for (held, held_meta) in held {
                    self.take_line(&held, held_meta, out);
                }
                self.take_line(text, meta, out);
            }
        }
    }

    /// A line outside any trace.
    fn fresh(&mut self, text: &str, meta: LineMeta, out: &mut Vec<Event>) {
        if crate::lines::trim(text).is_empty() {
            self.stats.blank_lines += 1;
            if let Some(p) = self.pending.as_mut() {
                p.attachable = false;
            }
            return;
        }
        if let Some(p) = self.pending.as_mut()
            && p.has_header
            && !p.followup_checked
        {
            p.followup_checked = true;
            let event = &mut self.events[self.cur];
            if self.format.continue_header(event, text, &self.ctx) {
                // The follow-up line may carry the level (JUL's `SEVERE:`).
                p.attachable = can_take_trace(event);
                self.count_line(meta);
                return;
            }
        }
        match &self.config.rule {
            Rule::Auto => self.fresh_auto(text, meta, out),
            Rule::None => {
                self.emit(out);
                self.header_or_plain(text);
                self.begin(text, meta);
            }
            Rule::Custom(_) => self.fresh_custom(text, meta, out),
        }
    }

    fn fresh_auto(&mut self, text: &str, meta: LineMeta, out: &mut Vec<Event>) {
        let next = &mut self.events[1 - self.cur];
        let header = self.format.parse_into(text, &self.ctx, next);
        let real_header = header && (!self.plain_mode || self.next_mut().ts.is_some());
        let inner = self.format.inner_line(text);
        let app_line = inner.as_deref().unwrap_or(text);
        if let Some((lang, start, machine)) = trace::detect_start(app_line) {
            // A wrapped line (Docker, CRI) always parses as a wrapper record;
            // whether it is a header is a question about the inner line.
            let wrapped = inner.is_some();
            let attach = start != Start::Announced
                && (wrapped || !real_header)
                && self.pending.as_ref().is_some_and(|p| p.attachable);
            if !attach {
                self.emit(out);
                if header && (real_header || wrapped) {
                    self.begin(text, meta);
                } else {
                    self.clear_next(header);
                    self.begin_bare(meta);
                }
            } else {
                self.clear_next(header);
            }
            if let Some(p) = self.pending.as_mut() {
                p.attachable = false;
                p.trace = Some(TraceRun {
                    lang,
                    machine,
                    start,
                    start_meta: meta,
                    // Room for a short trace: growing from nothing costs a
                    // reallocation every few lines.
                    text: String::with_capacity(TRACE_TEXT_BYTES),
                    ends: Vec::with_capacity(16),
                    held: Vec::new(),
                    done: false,
                });
            }
            self.add_trace_line(app_line, meta);
            return;
        }
        let held_ts = self.events[self.cur].ts.is_some();
        let continues = self.pending.as_ref().is_some_and(|p| {
            is_indented(app_line) && (!self.plain_mode || held_ts) && p.has_header
        });
        if continues && (!header || self.plain_mode) {
            self.clear_next(header);
            self.add_continuation(text, meta);
            return;
        }
        self.emit(out);
        if !header {
            self.plain_into_next(text);
        }
        self.begin(text, meta);
    }

    fn fresh_custom(&mut self, text: &str, meta: LineMeta, out: &mut Vec<Event>) {
        let Rule::Custom(rule) = &self.config.rule else {
            return;
        };
        let matched = rule.condition.is_match(text);
        let continues = self
            .pending
            .as_ref()
            .is_some_and(|p| rule.continues(p.prev_matched, matched, text));
        if continues {
            if let Some(p) = self.pending.as_mut() {
                p.prev_matched = matched;
            }
            self.add_extra(text, meta);
            return;
        }
        self.emit(out);
        self.header_or_plain(text);
        self.begin(text, meta);
        if let Some(p) = self.pending.as_mut() {
            p.prev_matched = matched;
        }
    }

    /// What the application printed: the line inside a container wrapper,
    /// else the line itself.
    fn app_line(&self, text: &str) -> String {
        match self.format.inner_line(text) {
            Some(inner) => inner.into_owned(),
            None => text.to_string(),
        }
    }

    /// Where the next line's header is parsed.
    fn next_mut(&mut self) -> &mut Event {
        &mut self.events[1 - self.cur]
    }

    /// Drops a header that was parsed but is not used.
    fn clear_next(&mut self, parsed: bool) {
        if parsed {
            *self.next_mut() = Event::default();
        }
    }

    /// Parses `text` as the next header, as plain text when the format does
    /// not read it.
    fn header_or_plain(&mut self, text: &str) {
        let ctx = self.ctx;
        if !self
            .format
            .parse_into(text, &ctx, &mut self.events[1 - self.cur])
        {
            self.plain_into_next(text);
        }
    }

    fn plain_into_next(&mut self, text: &str) {
        let ctx = self.ctx;
        let next = &mut self.events[1 - self.cur];
        if !self.plain.parse_into(text, &ctx, next) {
            next.message = text.to_string();
        }
    }

    /// Begins an event with the header parsed into the next slot; nothing
    /// is pending (the held slot is default).
    fn begin(&mut self, text: &str, meta: LineMeta) {
        self.cur = 1 - self.cur;
        let event = &mut self.events[self.cur];
        let attachable = can_take_trace(event);
        meta.apply(event);
        self.pending = Some(Pending {
            offset: meta.offset,
            lines: 1,
            bytes: text.len(),
            has_header: true,
            attachable,
            followup_checked: false,
            trace: None,
            extra: Vec::new(),
            prev_matched: false,
        });
        self.stats.lines_in_events += 1;
    }

    /// An event that starts with a bare trace; its first line is added by the caller.
    fn begin_bare(&mut self, meta: LineMeta) {
        self.pending = Some(Pending {
            offset: meta.offset,
            lines: 0,
            bytes: 0,
            has_header: false,
            attachable: false,
            followup_checked: true,
            trace: None,
            extra: Vec::new(),
            prev_matched: false,
        });
    }

    /// Counts a line into the pending event; false when the event is full.
    fn admit(&mut self, len: usize, meta: LineMeta) -> bool {
        let (max_lines, max_bytes) = (self.config.max_lines, self.config.max_bytes);
        let Some(p) = self.pending.as_mut() else {
            return false;
        };
        let event = &mut self.events[self.cur];
        if p.lines >= max_lines || p.bytes + len > max_bytes {
            event.flag(Flag::Truncated);
            self.stats.dropped_lines += 1;
            return false;
        }
        p.lines += 1;
        p.bytes += len;
        meta.apply(event);
        self.stats.lines_in_events += 1;
        true
    }

    fn count_line(&mut self, meta: LineMeta) {
        self.admit(0, meta);
    }

    fn add_trace_line(&mut self, text: &str, meta: LineMeta) {
        if !self.admit(text.len(), meta) {
            return;
        }
        if let Some(run) = self.pending.as_mut().and_then(|p| p.trace.as_mut()) {
            run.push(text);
        }
    }

    fn add_continuation(&mut self, text: &str, meta: LineMeta) {
        if !self.admit(text.len(), meta) {
            return;
        }
        if self.pending.is_some() {
            let message = &mut self.events[self.cur].message;
            message.push('\n');
            message.push_str(text.trim_end());
        }
    }

    fn add_extra(&mut self, text: &str, meta: LineMeta) {
        if !self.admit(text.len(), meta) {
            return;
        }
        if let Some(p) = self.pending.as_mut() {
            p.extra.push(text.to_string());
        }
    }

    /// Finishes the pending event and pushes it onto `out`.
    fn emit(&mut self, out: &mut Vec<Event>) {
        // Taken apart where it is: moving the whole of it out costs a copy.
        let Some(p) = self.pending.as_mut() else {
            return;
        };
        let (offset, has_header, lines) = (p.offset, p.has_header, p.lines);
        let (trace, extra) = (p.trace.take(), std::mem::take(&mut p.extra));
        self.pending = None;
        let event = &mut self.events[self.cur];
        let mut unconfirmed = None;
        if let Some(run) = trace {
            if run.start == Start::Tentative && run.ends.len() == 1 {
                // Nothing followed the line that looked like a trace's start
                // (`Error: could not open config`): it is an ordinary record.
                unconfirmed = Some((run.text, run.start_meta));
            } else {
                finish_trace(has_header, event, run);
            }
        } else if !extra.is_empty() {
            let text = extra.join("\n");
            event.exception = trace::parse_text(&text);
            event.stack = Some(text);
        }
        if let Some(source) = &self.source {
            event.source = Some(SourcePos {
                offset,
                ..source.clone()
            });
        }
        if event.ts.is_none() && !has_header && self.last_ts.is_some() {
            event.ts = self.last_ts;
            event.flag(Flag::InferredTimestamp);
        }
        if event.ts.is_some() {
            self.last_ts = event.ts;
        }
        self.stats.events += 1;
        let Some((line, meta)) = unconfirmed else {
            hand_on(event, out);
            return;
        };
        if has_header && lines > 1 {
            hand_on(event, out);
        } else {
            self.stats.events -= 1;
            *event = Event::default();
        }
        self.stats.lines_in_events -= 1;
        self.emit_alone(&line, meta, out);
    }

    /// Emits `line` as an event of its own, keeping a header already parsed
    /// for the line after it.
    fn emit_alone(&mut self, line: &str, meta: LineMeta, out: &mut Vec<Event>) {
        let next = std::mem::take(self.next_mut());
        self.header_or_plain(line);
        self.begin(line, meta);
        self.emit(out);
        *self.next_mut() = next;
    }
}

/// Moves `event` onto `out` and leaves it default.
fn hand_on(event: &mut Event, out: &mut Vec<Event>) {
    out.push(std::mem::take(event));
}

fn finish_trace(has_header: bool, event: &mut Event, run: TraceRun) {
    let lines = run.lines();
    let exception = run.lang.parse(&lines);
    if exception.is_none() {
        event.flag(Flag::TraceUnparsed);
    }
    if !has_header {
        event.message = match &exception {
            Some(e) if e.value.is_empty() => e.kind.clone(),
            Some(e) => format!("{}: {}", e.kind, e.value),
            None => lines
                .first()
                .map(|l| l.trim().to_string())
                .unwrap_or_default(),
        };
    }
    event.level.get_or_insert(Level::Error);
    event.exception = exception;
    event.stack = Some(run.text);
    event
        .fields
        .insert("trace_language".into(), run.lang.name().into());
}

/// A record at warning level or above that carries no trace yet.
fn can_take_trace(event: &Event) -> bool {
    event.level.is_some_and(Level::is_warning_or_above)
        && event.exception.is_none()
        && event.stack.is_none()
}

fn is_indented(text: &str) -> bool {
    text.starts_with([' ', '\t'])
}

/// Compiles a pattern for a custom rule.
fn compile(pattern: &str) -> Result<Regex, RuleError> {
    Regex::new(pattern).map_err(|e| RuleError::Pattern(pattern.to_string(), e.to_string()))
}
