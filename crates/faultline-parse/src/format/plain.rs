//! Plain text: any line is a record. A leading timestamp (any shape
//! [`timestamp::parse_prefix`] reads, bracketed or not) and a level word right
//! after it, when the line has them, are read and taken off the message; a
//! level word among the first few tokens of a line without a timestamp is read
//! but left in the message.

use super::{Context, LineFormat, timestamp};
use faultline_event::{Event, Level};

/// The fallback format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain;

impl LineFormat for Plain {
    fn name(&self) -> &str {
        "plain"
    }

    fn sniff(&self, _line: &str) -> bool {
        true
    }

    fn parse(&self, line: &str, ctx: &Context) -> Option<Event> {
        let mut event = Event::default();
        self.parse_into(line, ctx, &mut event).then_some(event)
    }

    fn parse_into(&self, line: &str, ctx: &Context, event: &mut Event) -> bool {
        let line = crate::lines::trim_end(line);
        let Some((ts, rest)) = leading_timestamp(line, ctx) else {
            event.message = line.to_string();
            event.level = leading_level(line);
            return true;
        };
        let (level, rest) = match level_word(rest) {
            Some((level, after)) => (Some(level), after),
            None => (leading_level(rest), rest),
        };
        let skip = rest
            .bytes()
            .position(|c| !matches!(c, b' ' | b'\t' | b'-' | b':' | b'|'))
            .unwrap_or(rest.len());
        let rest = &rest[skip..];
        event.message = (if rest.is_empty() { line } else { rest }).to_string();
        event.ts = Some(ts);
        event.level = level;
        true
    }
}

/// A timestamp at the start of `line`, bracketed or not, and what follows it.
fn leading_timestamp<'a>(
    line: &'a str,
    ctx: &Context,
) -> Option<(chrono::DateTime<chrono::Utc>, &'a str)> {
    let (inner, bracketed) = match line.strip_prefix('[') {
        Some(inner) => (inner, true),
        None => (line, false),
    };
    let (ts, used) = timestamp::parse_prefix(inner, ctx)?;
    let mut rest = &inner[used..];
    if bracketed {
        rest = rest.strip_prefix(']')?;
    }
    let boundary = rest.is_empty() || rest.starts_with([' ', '\t', ']', '|', ':']);
    boundary.then_some((ts, rest))
}

/// A level word (`ERROR`, `[warn]`, `<INFO>`, `E`) as the first token of
/// `text`, and the text after it. Byte by byte: every character it looks
/// for is ASCII, and this runs on every line.
fn level_word(text: &str) -> Option<(Level, &str)> {
    let start = text
        .bytes()
        .position(|c| !matches!(c, b' ' | b'\t' | b'|' | b'-'))
        .unwrap_or(text.len());
    let text = &text[start..];
    let end = memchr::memchr2(b' ', b'\t', text.as_bytes()).unwrap_or(text.len());
    let token = &text.as_bytes()[..end];
    let bracket = |c: &u8| matches!(c, b'[' | b']' | b'<' | b'>' | b'(' | b')' | b':');
    let from = token.iter().position(|c| !bracket(c)).unwrap_or(end);
    let to = token
        .iter()
        .rposition(|c| !bracket(c))
        .map_or(from, |p| p + 1);
    let word = &text[from..to.max(from)];
    // Punctuation survives `Level::parse`'s trim and spells no level.
    if word.bytes().any(|c| c.is_ascii_punctuation()) {
        return None;
    }
    if word.len() < 4 && word != "ERR" && word != "WRN" && word != "INF" && word != "DBG" {
        return None;
    }
    Level::parse(word).map(|level| (level, &text[end..]))
}

/// A level word among the first few tokens of a line (`ERROR`, `[WARN]`;
/// `level=info` is not read here). Only upper-case words of four letters or
/// more count, so prose does not set levels. Tokens are split at
/// whitespace, brackets and colons; an ASCII line is split byte by byte.
pub(crate) fn leading_level(line: &str) -> Option<Level> {
    let b = line.as_bytes();
    let mut i = 0;
    for _ in 0..4 {
        while i < b.len() && BYTE_CLASS[usize::from(b[i])] == SEP {
            i += 1;
        }
        let start = i;
        while i < b.len() && BYTE_CLASS[usize::from(b[i])] == WORD {
            i += 1;
        }
        if b.get(i).is_some_and(|&c| c >= 0x80) {
            // Unicode whitespace splits tokens too.
            return leading_level_chars(line);
        }
        let token = &b[start..i];
        if token.is_empty() {
            return None;
        }
        if token.len() >= 4 && token.iter().all(u8::is_ascii_uppercase) {
            return upper_level(token).or_else(|| Level::parse(&line[start..i]));
        }
    }
    None
}

/// The level words logs print most, in capitals, without the lowercasing
/// and matching of [`Level::parse`] (which reads the others; a test holds
/// the two to the same answer).
fn upper_level(token: &[u8]) -> Option<Level> {
    Some(match token {
        b"INFO" => Level::Info,
        b"WARN" | b"WARNING" => Level::Warn,
        b"ERROR" => Level::Error,
        b"DEBUG" => Level::Debug,
        b"TRACE" => Level::Trace,
        b"FATAL" => Level::Fatal,
        _ => return None,
    })
}

/// How [`leading_level`] sees a byte: a token byte, a separator
/// (whitespace, brackets, colons), or the start of a non-ASCII character.
const WORD: u8 = 0;
const SEP: u8 = 1;
const NON_ASCII: u8 = 2;
const BYTE_CLASS: [u8; 256] = {
    let mut table = [WORD; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b >= 0x80 {
            table[c] = NON_ASCII;
        } else if matches!(b, b'\t'..=b'\r' | b' ' | b'[' | b']' | b':') {
            table[c] = SEP;
        }
        c += 1;
    }
    table
};

/// [`leading_level`] a character at a time.
fn leading_level_chars(line: &str) -> Option<Level> {
    line.split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == ':')
        .filter(|t| !t.is_empty())
        .take(4)
        .find(|t| t.len() >= 4 && t.bytes().all(|b| b.is_ascii_uppercase()))
        .and_then(Level::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Event {
        Plain.parse(line, &Context { year: 2026 }).unwrap()
    }

    #[test]
    fn timestamp_and_level_are_taken_off_the_message() {
        let e = parse("2026-11-20 14:03:11 WARN disk almost full");
        assert_eq!(e.level, Some(Level::Warn));
        assert_eq!(e.message, "disk almost full");
        assert_eq!(e.ts.unwrap().to_rfc3339(), "2026-11-20T14:03:11+00:00");
        let e = parse("[2026-11-20T14:03:11.5Z] [error] - db down");
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(e.message, "db down");
    }

    #[test]
    fn a_level_word_elsewhere_is_read_but_kept() {
        let e = parse("worker 3: ERROR while flushing");
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(e.message, "worker 3: ERROR while flushing");
        let e = parse("2026-11-20 14:03:11 Errors piled up");
        assert_eq!(e.level, None);
        assert_eq!(e.message, "Errors piled up");
        let e = parse("2026-11-20 14:03:11 Warning: low memory");
        assert_eq!(e.level, Some(Level::Warn));
        assert_eq!(e.message, "low memory");
    }

    /// The level reading as it was written first, a character at a time.
    fn level_word_chars(text: &str) -> Option<(Level, &str)> {
        let text = text.trim_start_matches([' ', '\t', '|', '-']);
        let end = text.find([' ', '\t']).unwrap_or(text.len());
        let word = text[..end].trim_matches(['[', ']', '<', '>', '(', ')', ':']);
        if word.len() < 4 && word != "ERR" && word != "WRN" && word != "INF" && word != "DBG" {
            return None;
        }
        Level::parse(word).map(|level| (level, &text[end..]))
    }

    proptest::proptest! {
        #[test]
        fn byte_readings_agree_with_char_readings(
            line in "([ \t|:\\[\\]<>()-]|\u{a0}|\u{2003}|é|ERROR|WARN|INFO|E|ERR|warn|DEBUG|x|[A-Z]{1,5}){0,12}"
        ) {
            proptest::prop_assert_eq!(leading_level(&line), leading_level_chars(&line));
            proptest::prop_assert_eq!(level_word(&line), level_word_chars(&line));
        }
    }

    #[test]
    fn capital_levels_read_as_level_parse_reads_them() {
        for word in [
            "INFO", "WARN", "WARNING", "ERROR", "DEBUG", "TRACE", "FATAL",
        ] {
            assert_eq!(upper_level(word.as_bytes()), Level::parse(word), "{word}");
            assert!(upper_level(word.as_bytes()).is_some());
        }
        assert_eq!(upper_level(b"SEVERE"), None);
    }

    #[test]
    fn numbers_and_prose_are_left_alone() {
        let e = parse("2026 was a good year");
        assert_eq!((e.ts, e.level), (None, None));
        let e = parse("2026-11-20 14:03:11");
        assert_eq!(e.message, "2026-11-20 14:03:11");
        assert_eq!(parse("   ").message, "");
    }
}
