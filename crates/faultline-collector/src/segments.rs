//! Raw log segments (`application/x-faultline-segments`): a shipper sends the
//! bytes of its files cut at record boundaries and the collector parses them
//! with the same pipeline the shipper would have used, so events come out
//! with the same `source.file_id`/`offset` and the same keys.
//!
//! Each segment is parsed on its own: a session starting at its offset, fed
//! its bytes, then finished (its last line is emitted even without a newline).
//! A segment whose format or multiline preset is unknown is rejected, named
//! by its 0-based index in the body; the other segments go on. An event is
//! capped at the collector's `max_event_bytes` (its lines, longer lines cut
//! there too): past it the event keeps what fits and is flagged `truncated`,
//! as the parser's own cap does, instead of being rejected like an oversize
//! NDJSON line, since raw text has no other copy of the event's start.

use faultline_event::Event;
use faultline_event::wire::{LineError, Segment};
use faultline_parse::format::{Context, Registry};
use faultline_parse::multiline::{MultilineConfig, Rule};
use faultline_parse::{Options, Parser};
use std::collections::HashMap;
use std::sync::Mutex;

/// The parsers built for segments, one per (format, multiline preset, year):
/// a handful at most, since only names that build a parser are kept.
#[derive(Debug)]
pub struct ParserCache {
    parsers: Mutex<HashMap<CacheKey, Parser>>,
    max_event_bytes: usize,
}

type CacheKey = (Option<String>, Option<String>, i32);

impl ParserCache {
    /// Parsers whose events hold at most `max_event_bytes` of text (and the
    /// parser's own cap when it is lower).
    pub fn new(max_event_bytes: usize) -> ParserCache {
        ParserCache {
            parsers: Mutex::default(),
            max_event_bytes,
        }
    }

    /// The parser for a segment's format and multiline preset (None = sniff,
    /// auto), with `year` for timestamps printed without one.
    pub fn get(
        &self,
        format: Option<&str>,
        multiline: Option<&str>,
        year: i32,
    ) -> Result<Parser, String> {
        let key = (
            format.map(str::to_string),
            multiline.map(str::to_string),
            year,
        );
        let mut parsers = self
            .parsers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(parser) = parsers.get(&key) {
            return Ok(parser.clone());
        }
        let parser = build(format, multiline, year, self.max_event_bytes)?;
        parsers.insert(key, parser.clone());
        Ok(parser)
    }
}

/// A parser as a shipper source builds it from the same names, its events
/// capped at `max_event_bytes`.
fn build(
    format: Option<&str>,
    multiline: Option<&str>,
    year: i32,
    max_event_bytes: usize,
) -> Result<Parser, String> {
    let preset = multiline.unwrap_or("auto");
    let rule = Rule::preset(preset).map_err(|e| format!("multiline {preset:?}: {e}"))?;
    let (defaults, multiline) = (Options::default(), MultilineConfig::default());
    let options = Options {
        format: format.map(str::to_string),
        max_line_bytes: defaults.max_line_bytes.min(max_event_bytes),
        multiline: MultilineConfig {
            rule,
            max_bytes: multiline.max_bytes.min(max_event_bytes),
            ..multiline
        },
        context: Context { year },
    };
    Parser::new(Registry::builtin(), options)
        .map_err(|e| format!("format {:?}: {e}", format.unwrap_or_default()))
}

/// The events of a body's segments, each with its idempotency key, and the
/// segments that were rejected.
#[derive(Debug, Default)]
pub struct Parsed {
    pub events: Vec<(Option<String>, Event)>,
    pub rejected: Vec<LineError>,
}

/// Parses every segment; `key` turns an event and its 1-based position among
/// the body's events into its idempotency key.
pub fn parse_all(
    cache: &ParserCache,
    segments: Vec<Segment>,
    year: i32,
    key: impl Fn(&Event, usize) -> Option<String>,
) -> Parsed {
    let mut parsed = Parsed::default();
    for (index, segment) in segments.into_iter().enumerate() {
        let header = &segment.header;
        let parser = match cache.get(header.format.as_deref(), header.multiline.as_deref(), year) {
            Ok(parser) => parser,
            Err(message) => {
                tracing::warn!(index, path = %header.path, %message, "segment rejected");
                parsed.rejected.push(LineError {
                    line: index,
                    message: format!("segment {index} ({}): {message}", header.path),
                });
                continue;
            }
        };
        for event in parse_one(&parser, &segment) {
            let key = key(&event, parsed.events.len() + 1);
            parsed.events.push((key, event));
        }
    }
    parsed
}

/// One segment's events, with its service and host stamped on those that
/// name none.
fn parse_one(parser: &Parser, segment: &Segment) -> Vec<Event> {
    let header = &segment.header;
    let mut session = parser.session_at(&header.path, &header.file_id, header.offset);
    let lines = segment.bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut events = Vec::with_capacity(lines.min(1 << 16));
    session.feed(&segment.bytes, &mut events);
    session.finish(&mut events);
    for event in events.iter_mut() {
        stamp(&mut event.service, header.service.as_deref());
        stamp(&mut event.host, header.host.as_deref());
    }
    events
}

fn stamp(field: &mut Option<String>, value: Option<&str>) {
    if let Some(value) = value.filter(|v| !v.is_empty()) {
        field.get_or_insert_with(|| value.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::key_of;
    use faultline_event::wire::SegmentHeader;

    const LOG4J: &[u8] = b"2024-03-01 10:00:00,123 INFO  [main] com.acme.App - started\n\
2024-03-01 10:00:01,456 ERROR [main] com.acme.App - request failed\n\
java.lang.IllegalStateException: pool exhausted\n\
\tat com.acme.Pool.take(Pool.java:42)\n\
\tat com.acme.App.handle(App.java:7)\n\
2024-03-01 10:00:02,000 WARN  [main] com.acme.App - slow";

    fn segment(format: Option<&str>, offset: u64, bytes: &[u8]) -> Segment {
        let mut header = SegmentHeader::new("/var/log/app.log", "fid", offset, 0);
        header.format = format.map(str::to_string);
        header.service = Some("api".into());
        header.host = Some("web-1".into());
        Segment::new(header, bytes.to_vec())
    }

    fn parse(segments: Vec<Segment>) -> Parsed {
        let cache = ParserCache::new(1 << 20);
        parse_all(&cache, segments, 2024, |e, n| key_of(e, Some("b"), n))
    }

    #[test]
    fn a_segment_parses_like_the_file_at_its_offset() {
        let parsed = parse(vec![segment(Some("log4j"), 1000, LOG4J)]);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        let keys: Vec<&str> = parsed
            .events
            .iter()
            .map(|(k, _)| k.as_deref().unwrap())
            .collect();
        let second = 1000 + LOG4J.iter().position(|&b| b == b'\n').unwrap() as u64 + 1;
        assert_eq!(keys.len(), 3, "{keys:?}");
        assert_eq!(keys[0], "fid:1000");
        assert_eq!(keys[1], format!("fid:{second}"));
        let error = &parsed.events[1].1;
        let exception = error.exception.as_ref().expect("the trace is parsed");
        assert_eq!(exception.kind, "java.lang.IllegalStateException");
        assert_eq!(error.service.as_deref(), Some("api"));
        assert_eq!(error.host.as_deref(), Some("web-1"));
        // The last line has no newline: the segment's end still emits it.
        assert!(parsed.events[2].1.message.contains("slow"));
    }

    #[test]
    fn the_same_bytes_parse_to_the_same_events_as_a_whole_file() {
        let parser = build(Some("log4j"), None, 2024, 1 << 20).unwrap();
        let mut whole = Vec::new();
        let mut session = parser.session_at("/var/log/app.log", "fid", 1000);
        session.feed(LOG4J, &mut whole);
        session.finish(&mut whole);
        let mut parsed = parse(vec![segment(Some("log4j"), 1000, LOG4J)]);
        for (_, event) in parsed.events.iter_mut() {
            event.service = None;
            event.host = None;
        }
        let events: Vec<Event> = parsed.events.into_iter().map(|(_, e)| e).collect();
        assert_eq!(events, whole);
    }

    #[test]
    fn an_event_past_max_event_bytes_keeps_what_fits_and_is_flagged() {
        let mut text = b"2024-03-01 10:00:01,456 ERROR [main] com.acme.App - failed\n\
java.lang.IllegalStateException: pool exhausted\n"
            .to_vec();
        for n in 0..200 {
            text.extend_from_slice(
                format!("\tat com.acme.Pool.take{n}(Pool.java:{n})\n").as_bytes(),
            );
        }
        text.extend_from_slice(b"2024-03-01 10:00:02,000 INFO  [main] com.acme.App - next\n");
        text.extend_from_slice(
            format!(
                "2024-03-01 10:00:03,000 INFO  [main] com.acme.App - {}\n",
                "x".repeat(5000)
            )
            .as_bytes(),
        );
        let cache = ParserCache::new(2048);
        let seg = segment(Some("log4j"), 0, &text);
        let parsed = parse_all(&cache, vec![seg], 2024, |e, n| key_of(e, Some("b"), n));
        let events: Vec<&Event> = parsed.events.iter().map(|(_, e)| e).collect();
        assert_eq!(
            events.len(),
            3,
            "the cap cuts events, it does not drop or split them"
        );
        let trace = events[0];
        assert!(trace.has_flag(faultline_event::Flag::Truncated));
        assert!(trace.stack.as_deref().unwrap_or_default().len() <= 2048);
        assert!(!events[1].has_flag(faultline_event::Flag::Truncated));
        assert_eq!(events[1].message, "next");
        assert!(events[2].has_flag(faultline_event::Flag::LineTruncated));
        assert!(events[2].message.len() <= 2048);
        let uncapped = parse(vec![segment(Some("log4j"), 0, &text)]);
        assert!(
            !uncapped.events[0]
                .1
                .has_flag(faultline_event::Flag::Truncated)
        );
    }

    #[test]
    fn an_unknown_format_rejects_its_segment_only() {
        let parsed = parse(vec![
            segment(Some("klingon"), 0, b"one\n"),
            segment(None, 50, b"plain line\n\xff\0 not utf-8\n"),
        ]);
        assert_eq!(parsed.rejected.len(), 1);
        assert_eq!(parsed.rejected[0].line, 0);
        assert!(
            parsed.rejected[0].message.contains("klingon"),
            "{:?}",
            parsed.rejected
        );
        let offsets: Vec<u64> = parsed
            .events
            .iter()
            .map(|(_, e)| e.source.as_ref().unwrap().offset)
            .collect();
        assert_eq!(offsets, vec![50, 61]);
    }

    #[test]
    fn an_unknown_multiline_preset_is_named() {
        let mut bad = segment(None, 0, b"x\n");
        bad.header.multiline = Some("zigzag".into());
        let parsed = parse(vec![bad]);
        assert!(parsed.events.is_empty());
        assert!(parsed.rejected[0].message.contains("zigzag"));
    }

    #[test]
    fn an_event_with_its_own_service_keeps_it() {
        let mut field = Some("mine".to_string());
        stamp(&mut field, Some("api"));
        assert_eq!(field.as_deref(), Some("mine"));
        let mut empty = None;
        stamp(&mut empty, Some(""));
        assert_eq!(empty, None);
    }
}
