//! Raw segments (`parse_at = "collector"`): a file's bytes are buffered and
//! cut into runs that each start where an event starts, so that the
//! collector's parse of every run yields exactly the events a parse of the
//! whole file would, at the same offsets.
//!
//! [`Cutter`] knows where an event may start: in the default multiline mode,
//! at a line of the file's format that carries a timestamp (any `{` line for
//! JSON), is not indented and opens no stack trace; with a custom rule, where
//! the rule starts one. It looks back over the last few complete lines only,
//! never over the whole buffer. [`RawFile`] is one file's buffer: it counts
//! lines, cuts lines longer than `max_line_bytes` (the rest of such a line
//! is skipped), and says which offset the file's checkpoint may not pass.

use faultline_parse::format::{Context, LineFormat, Plain};
use faultline_parse::multiline::{CustomMode, Rule};
use faultline_parse::{Parser, trace};
use std::sync::Arc;
use std::time::Instant;

/// How many complete lines, from the end, a cut looks at.
const LOOKBACK_LINES: usize = 64;

/// Where events start, for one file's format and multiline rule.
pub struct Cutter {
    format: Arc<dyn LineFormat>,
    rule: Rule,
    ctx: Context,
}

impl Cutter {
    pub fn new(format: Arc<dyn LineFormat>, parser: &Parser) -> Cutter {
        let options = parser.options();
        Cutter {
            format,
            rule: options.multiline.rule.clone(),
            ctx: options.context,
        }
    }

    pub fn format_name(&self) -> &str {
        self.format.name()
    }

    /// The largest position in `buf` (a line start, not 0) before which an
    /// event starts, looking at the last complete lines only.
    pub fn cut(&self, buf: &[u8]) -> Option<usize> {
        let mut end = memchr::memrchr(b'\n', buf)?;
        for _ in 0..LOOKBACK_LINES {
            let start = memchr::memrchr(b'\n', &buf[..end]).map_or(0, |i| i + 1);
            if start == 0 {
                return None;
            }
            let prev = match self.rule {
                Rule::Custom(_) => previous_non_blank(&buf[..start - 1]),
                _ => None,
            };
            if self.starts_event(&text(&buf[start..end]), prev.as_deref()) {
                return Some(start);
            }
            end = start - 1;
        }
        None
    }

    /// Whether `line` starts an event, `prev` being the last non-blank line
    /// before it.
    pub fn starts_event(&self, line: &str, prev: Option<&str>) -> bool {
        if line.trim().is_empty() {
            return false;
        }
        match &self.rule {
            Rule::Auto => self.is_header(line),
            Rule::None => true,
            Rule::Custom(rule) => {
                if rule.start.as_ref().is_some_and(|s| s.is_match(line)) {
                    return true;
                }
                let matched = rule.condition.is_match(line);
                let prev_matched = prev.is_some_and(|p| rule.condition.is_match(p));
                match rule.mode {
                    CustomMode::ContinueThrough => !matched,
                    CustomMode::ContinuePast | CustomMode::HaltWith => !prev_matched,
                    CustomMode::HaltBefore => matched,
                }
            }
        }
    }

    /// A record of the file's format with a timestamp, not a trace line.
    fn is_header(&self, line: &str) -> bool {
        let inner = self.format.inner_line(line);
        let app_line = inner.as_deref().unwrap_or(line);
        if app_line.starts_with([' ', '\t']) || trace::detect_start(app_line).is_some() {
            return false;
        }
        if inner.is_some() {
            // A container wrapper stamps every line: what the application
            // printed must open a record itself.
            return app_line.starts_with('{')
                || Plain
                    .parse(app_line, &self.ctx)
                    .is_some_and(|e| e.ts.is_some());
        }
        if self.format.name().starts_with("json") {
            return line.starts_with('{');
        }
        self.format
            .parse(line, &self.ctx)
            .is_some_and(|e| e.ts.is_some())
    }
}

fn text(line: &[u8]) -> std::borrow::Cow<'_, str> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line)
}

fn previous_non_blank(before: &[u8]) -> Option<String> {
    let mut end = before.len();
    for _ in 0..LOOKBACK_LINES {
        let start = memchr::memrchr(b'\n', &before[..end]).map_or(0, |i| i + 1);
        let line = text(&before[start..end]);
        if !line.trim().is_empty() {
            return Some(line.into_owned());
        }
        if start == 0 {
            return None;
        }
        end = start - 1;
    }
    None
}

/// Bytes ready to go: a segment's start offset and its bytes.
#[derive(Debug, PartialEq, Eq)]
pub struct Piece {
    pub offset: u64,
    pub bytes: Vec<u8>,
}

/// What one [`RawFile::feed`] saw.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fed {
    pub lines: u64,
    pub truncated: u64,
}

/// One file's bytes not yet in a segment.
pub struct RawFile {
    pub source: usize,
    pub path: String,
    /// Offset in the file of `buf[0]`.
    start: u64,
    buf: Vec<u8>,
    /// Offset of the current (unfinished) line's start.
    line_start: u64,
    /// A line cut at `max_line_bytes` started here; its rest is being skipped.
    skipping: Option<u64>,
    max_line_bytes: usize,
    pub cutter: Option<Cutter>,
    pub last_data: Instant,
    /// When the oldest buffered byte came.
    pub waiting_since: Option<Instant>,
    /// Sent in full since the last data: nothing more to flush until data comes.
    pub flushed: bool,
    pub closed: bool,
}

impl RawFile {
    pub fn new(source: usize, path: String, offset: u64, max_line_bytes: usize) -> RawFile {
        RawFile {
            source,
            path,
            start: offset,
            buf: Vec::new(),
            line_start: offset,
            skipping: None,
            max_line_bytes,
            cutter: None,
            last_data: Instant::now(),
            waiting_since: None,
            flushed: true,
            closed: false,
        }
    }

    /// The offset just past the last byte fed.
    pub fn end(&self) -> u64 {
        self.start + self.buf.len() as u64
    }

    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The checkpoint may not pass this: the first byte not in a segment
    /// (or the start of a long line whose rest is being skipped).
    pub fn floor(&self) -> u64 {
        self.skipping.unwrap_or(self.start)
    }

    /// Appends bytes read at `end()`; a line longer than `max_line_bytes`
    /// ends a piece of its own after that many bytes (pushed onto `out`).
    pub fn feed(&mut self, mut bytes: &[u8], now: Instant, out: &mut Vec<Piece>) -> Fed {
        let mut fed = Fed::default();
        self.last_data = now;
        self.flushed = false;
        if self.skipping.is_some() {
            let Some(nl) = memchr::memchr(b'\n', bytes) else {
                self.start += bytes.len() as u64;
                self.line_start = self.start;
                return fed;
            };
            fed.lines += 1;
            self.skipping = None;
            self.start += nl as u64 + 1;
            self.line_start = self.start;
            bytes = &bytes[nl + 1..];
        }
        if bytes.is_empty() {
            return fed;
        }
        self.waiting_since.get_or_insert(now);
        let mut scan = self.buf.len();
        self.buf.extend_from_slice(bytes);
        loop {
            let line = (self.line_start - self.start) as usize;
            let Some(nl) = memchr::memchr(b'\n', &self.buf[scan..]).map(|i| scan + i) else {
                if self.buf.len() - line > self.max_line_bytes {
                    self.cut_long(line, None, out);
                    fed.truncated += 1;
                }
                return fed;
            };
            fed.lines += 1;
            if nl - line > self.max_line_bytes {
                self.cut_long(line, Some(nl), out);
                fed.truncated += 1;
                scan = 0;
            } else {
                self.line_start = self.start + nl as u64 + 1;
                scan = nl + 1;
            }
        }
    }

    /// Ends a piece `max_line_bytes` into the line at `line` (on a UTF-8
    /// boundary) and drops the line's rest, up to its newline `nl` or, when
    /// it has not come yet, until it does.
    fn cut_long(&mut self, line: usize, nl: Option<usize>, out: &mut Vec<Piece>) {
        let mut keep = line + self.max_line_bytes;
        while keep > line && (self.buf[keep] & 0xC0) == 0x80 {
            keep -= 1;
        }
        out.push(Piece {
            offset: self.start,
            bytes: self.buf[..keep].to_vec(),
        });
        let dropped = match nl {
            Some(nl) => nl + 1,
            None => {
                self.skipping = Some(self.start + line as u64);
                self.buf.len()
            }
        };
        self.buf.drain(..dropped);
        self.start += dropped as u64;
        self.line_start = self.start;
        if self.buf.is_empty() {
            self.waiting_since = None;
        }
    }

    /// Sniffs the format once, from the first lines buffered: after
    /// `SNIFF_LINES` non-blank complete lines, or with whatever there is when
    /// `now_or_never` (a flush).
    pub fn sniff(&mut self, parser: &Parser, now_or_never: bool) -> Option<&Cutter> {
        if self.cutter.is_none() {
            let lines = first_lines(&self.buf, now_or_never)?;
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            self.cutter = Some(Cutter::new(parser.sniff_format(&refs), parser));
        }
        self.cutter.as_ref()
    }

    /// Takes the bytes before the last event start found near the end.
    pub fn cut(&mut self) -> Option<Piece> {
        let at = self.cutter.as_ref()?.cut(&self.buf)?;
        Some(self.take(at))
    }

    /// Takes every complete line: for a buffer past any event's size where
    /// no event start was found (a file without timestamps that is never
    /// quiet), so that memory stays bounded. An event may be split there,
    /// as the parser's own `max_bytes` cap would cut it.
    pub fn take_lines(&mut self) -> Option<Piece> {
        let at = memchr::memrchr(b'\n', &self.buf)? + 1;
        Some(self.take(at))
    }

    /// Takes everything buffered, an unfinished last line included.
    pub fn take_all(&mut self) -> Option<Piece> {
        self.flushed = true;
        (!self.buf.is_empty()).then(|| self.take(self.buf.len()))
    }

    fn take(&mut self, at: usize) -> Piece {
        // The piece takes the buffer and what stays behind gets a fitting
        // one: a hundred quiet files must not each keep a grown buffer.
        let rest = self.buf.split_off(at);
        let bytes = std::mem::replace(&mut self.buf, rest);
        let piece = Piece {
            offset: self.start,
            bytes,
        };
        self.start += at as u64;
        self.line_start = self.line_start.max(self.start);
        if self.buf.is_empty() {
            self.waiting_since = None;
        }
        piece
    }
}

/// The first lines, until `SNIFF_LINES` non-blank ones; `None` when there
/// are not enough complete lines yet and `all` is false.
fn first_lines(buf: &[u8], all: bool) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    let mut non_blank = 0;
    let mut rest = buf;
    while non_blank < faultline_parse::format::SNIFF_LINES {
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(nl) => (&rest[..nl], &rest[nl + 1..]),
            None if all && !rest.is_empty() => (rest, &rest[rest.len()..]),
            None if all => break,
            None => return None,
        };
        let line = text(line).into_owned();
        non_blank += usize::from(!line.trim().is_empty());
        lines.push(line);
        rest = next;
    }
    Some(lines)
}

#[cfg(test)]
#[path = "segment_tests.rs"]
mod tests;
