//! The versioned wire batch: how events travel from a shipper to a collector.
//!
//! A batch is NDJSON. Its first line may be a header object,
//! `{"faultline_batch":1,"batch_id":"..."}`, naming the wire version and an
//! optional client batch id; every other line is one [`Event`]. A body without a
//! header is read as version 1. The body may be gzip-compressed.
//!
//! Decoding never fails because of one bad line: each malformed line is
//! reported with its 1-based line number and its neighbours are kept.
//!
//! A shipper may instead send raw log bytes for the collector to parse: see
//! [`encode_segments`] and [`decode_segments`] (media type
//! [`SEGMENTS_CONTENT_TYPE`]).
//!
//! ```
//! use faultline_event::{wire, Event};
//!
//! let batch = wire::Batch::new(vec![Event::new("a"), Event::new("b")]).with_id("b-1");
//! let body = wire::encode(&batch, true).unwrap();
//! let decoded = wire::decode(&body, wire::DEFAULT_MAX_DECODED_BYTES).unwrap();
//! assert_eq!(decoded.batch_id.as_deref(), Some("b-1"));
//! assert_eq!(decoded.events.len(), 2);
//! assert!(decoded.rejected.is_empty());
//! ```

use crate::Event;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::{Read, Write};

#[path = "segments.rs"]
mod segments;

pub use segments::{
    SEGMENTS_CONTENT_TYPE, SEGMENTS_VERSION, Segment, SegmentHeader, decode_segments,
    encode_segments,
};

/// The wire version this build writes and reads.
pub const WIRE_VERSION: u32 = 1;
/// The media type of a batch body.
pub const CONTENT_TYPE: &str = "application/x-ndjson";
/// Decompressed bodies larger than this are refused (a gzip bomb guard).
pub const DEFAULT_MAX_DECODED_BYTES: usize = 64 << 20;

/// The optional first line of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub faultline_batch: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
}

/// Events to send, with an optional client batch id for idempotent retries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub batch_id: Option<String>,
    pub events: Vec<Event>,
}

impl Batch {
    pub fn new(events: Vec<Event>) -> Batch {
        Batch {
            batch_id: None,
            events,
        }
    }

    pub fn with_id(mut self, id: impl Into<String>) -> Batch {
        self.batch_id = Some(id.into());
        self
    }
}

/// A decoded batch: the events that parsed, with their line numbers, and the
/// lines that did not.
#[derive(Debug, Default)]
pub struct Decoded {
    pub version: u32,
    pub batch_id: Option<String>,
    /// `(line number, event)`, line numbers 1-based and counting the header.
    pub events: Vec<(usize, Event)>,
    /// Where each event's line lies in the plain (decompressed) body,
    /// without its line end: `spans[i]` is the JSON `events[i]` was read from.
    pub spans: Vec<std::ops::Range<usize>>,
    pub rejected: Vec<LineError>,
}

/// One line of a batch that was not a valid event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number in the decompressed body.
    pub line: usize,
    pub message: String,
}

/// Why a whole body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("the body is not valid gzip: {0}")]
    Gzip(std::io::Error),
    #[error("the decompressed body exceeds {limit} bytes")]
    TooLarge { limit: usize },
    #[error("unsupported wire version {0} (this build reads version {WIRE_VERSION})")]
    Version(u32),
    #[error("could not encode event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("unsupported segments version {0} (this build reads version {SEGMENTS_VERSION})")]
    SegmentsVersion(u32),
    #[error("malformed segments body: {0}")]
    BadSegments(String),
    #[error("segment {index}: the header line is not valid JSON: {message}")]
    SegmentHeader { index: usize, message: String },
    #[error("segment {index}: len {len} runs past the end of the body ({remaining} bytes left)")]
    SegmentTruncated {
        index: usize,
        len: usize,
        remaining: usize,
    },
}

/// Serialises a batch as NDJSON with its header, gzip-compressed if asked.
pub fn encode(batch: &Batch, gzip: bool) -> Result<Vec<u8>, WireError> {
    let mut body = Vec::with_capacity(256 * (batch.events.len() + 1));
    let header = Header {
        faultline_batch: WIRE_VERSION,
        batch_id: batch.batch_id.clone(),
    };
    serde_json::to_writer(&mut body, &header)?;
    body.push(b'\n');
    for event in &batch.events {
        serde_json::to_writer(&mut body, event)?;
        body.push(b'\n');
    }
    if !gzip {
        return Ok(body);
    }
    let mut enc = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
    enc.write_all(&body).map_err(WireError::Gzip)?;
    enc.finish().map_err(WireError::Gzip)
}

/// True when the body starts with the gzip magic bytes.
pub fn is_gzip(body: &[u8]) -> bool {
    body.starts_with(&[0x1f, 0x8b])
}

/// Decompresses a gzip body, refusing to inflate beyond `limit` bytes.
pub fn gunzip(body: &[u8], limit: usize) -> Result<Vec<u8>, WireError> {
    // A gzip member ends with its inflated size (mod 2^32): reserve it, so
    // the output is not copied as it grows. Only a hint, bounded by what
    // deflate can inflate to (1032:1) and by the limit; the size is checked
    // while inflating.
    let declared = match body {
        [.., a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]) as usize,
        _ => 0,
    };
    let hint = declared
        .min(body.len().saturating_mul(1032))
        .max(body.len().saturating_mul(4))
        .saturating_add(1);
    let mut out = Vec::with_capacity(hint.min(limit.saturating_add(1)));
    let mut reader = GzDecoder::new(body).take(limit as u64 + 1);
    reader.read_to_end(&mut out).map_err(WireError::Gzip)?;
    if out.len() > limit {
        return Err(WireError::TooLarge { limit });
    }
    Ok(out)
}

/// Decodes a batch body (plain or gzip, detected by its magic bytes).
pub fn decode(body: &[u8], max_decoded_bytes: usize) -> Result<Decoded, WireError> {
    decode_plain(&plain_body(body, max_decoded_bytes)?)
}

/// A body's plain bytes: inflated when gzip, refused when they are, or
/// would inflate, beyond `limit` bytes.
pub(crate) fn plain_body(body: &[u8], limit: usize) -> Result<Cow<'_, [u8]>, WireError> {
    if is_gzip(body) {
        return Ok(Cow::Owned(gunzip(body, limit)?));
    }
    if body.len() > limit {
        return Err(WireError::TooLarge { limit });
    }
    Ok(Cow::Borrowed(body))
}

fn decode_plain(body: &[u8]) -> Result<Decoded, WireError> {
    // One line per event, nearly always: sized up front, so the events
    // (several hundred bytes each) are not moved as the vector grows.
    let lines = memchr::memchr_iter(b'\n', body).count() + 1;
    let mut decoded = Decoded {
        version: WIRE_VERSION,
        events: Vec::with_capacity(lines),
        spans: Vec::with_capacity(lines),
        ..Decoded::default()
    };
    // A body that is UTF-8 throughout (nearly every one) is checked once
    // here, so its lines' strings are not checked again one by one; in
    // another, each line is checked and one with bad bytes is rejected
    // alone.
    let text = simdutf8::basic::from_utf8(body).ok();
    for (index, line) in lines_of(body).enumerate() {
        let number = index + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if number == 1 && line.windows(15).any(|w| w == b"faultline_batch") {
            match serde_json::from_slice::<Header>(line) {
                Ok(header) if header.faultline_batch != WIRE_VERSION => {
                    return Err(WireError::Version(header.faultline_batch));
                }
                Ok(header) => {
                    decoded.batch_id = header.batch_id;
                    continue;
                }
                Err(_) => {} // not a header after all: read it as an event
            }
        }
        let start = line.as_ptr() as usize - body.as_ptr() as usize;
        let span = start..start + line.len();
        let event = match text {
            // `line` is `body` cut at ASCII bytes, so at characters' bounds.
            Some(text) => serde_json::from_str::<Event>(&text[span.clone()]),
            None => serde_json::from_slice::<Event>(line),
        };
        match event {
            Ok(event) => {
                decoded.events.push((number, event));
                decoded.spans.push(span);
            }
            Err(err) => decoded.rejected.push(LineError {
                line: number,
                message: err.to_string(),
            }),
        }
    }
    Ok(decoded)
}

/// The lines of `body`, cut at `\n` (as `split`, found with `memchr`): the
/// last one is what follows the last `\n`, empty when `body` ends with one.
fn lines_of(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', body);
    std::iter::from_fn(move || {
        let from = start;
        if from > body.len() {
            return None;
        }
        let end = ends.next().unwrap_or(body.len());
        start = end + 1;
        Some(&body[from..end])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_as_split_cuts_them() {
        for body in ["", "\n", "a", "a\n", "a\nb", "\n\n", "a\n\nbc\n", "\nx"] {
            let ours: Vec<&[u8]> = lines_of(body.as_bytes()).collect();
            let split: Vec<&[u8]> = body.as_bytes().split(|&b| b == b'\n').collect();
            assert_eq!(ours, split, "{body:?}");
        }
    }

    /// Each decoded event's line number and message.
    fn messages(decoded: &Decoded) -> Vec<(usize, &str)> {
        decoded
            .events
            .iter()
            .map(|(n, e)| (*n, e.message.as_str()))
            .collect()
    }

    #[test]
    fn a_line_with_bytes_that_are_not_utf8_is_rejected_alone() {
        let body =
            b"{\"message\":\"caf\xc3\xa9\"}\n{\"message\":\"bad \xff\"}\r\n{\"message\":\"three\"}";
        let decoded = decode(body, DEFAULT_MAX_DECODED_BYTES).unwrap();
        let kept = messages(&decoded);
        assert_eq!(kept, vec![(1, "caf\u{e9}"), (3, "three")]);
        assert_eq!(decoded.rejected.len(), 1);
        assert_eq!(decoded.rejected[0].line, 2);
    }

    #[test]
    fn lines_of_a_utf8_body_keep_their_characters_and_numbers() {
        let body = "{\"message\":\"\u{65e5}\u{672c}\"}\r\n\n{\"message\":\"\u{1f600} x\"}\n";
        let decoded = decode(body.as_bytes(), DEFAULT_MAX_DECODED_BYTES).unwrap();
        let kept = messages(&decoded);
        assert_eq!(kept, vec![(1, "\u{65e5}\u{672c}"), (3, "\u{1f600} x")]);
        assert!(decoded.rejected.is_empty());
    }

    #[test]
    fn malformed_line_is_named_and_neighbours_are_kept() {
        let body = b"{\"message\":\"one\"}\n{\"message\": oops}\n\n{\"message\":\"three\"}\n";
        let decoded = decode(body, DEFAULT_MAX_DECODED_BYTES).unwrap();
        let lines: Vec<usize> = decoded.events.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, vec![1, 4]);
        assert_eq!(decoded.rejected.len(), 1);
        assert_eq!(decoded.rejected[0].line, 2);
        assert!(decoded.rejected[0].message.contains("expected value"));
    }

    #[test]
    fn each_event_knows_the_bytes_of_its_line() {
        let body =
            b"{\"faultline_batch\":1}\n{\"message\":\"one\"}\r\n\nnope\n{\"message\":\"two\"}";
        let decoded = decode(body, DEFAULT_MAX_DECODED_BYTES).unwrap();
        let lines: Vec<&[u8]> = decoded.spans.iter().map(|s| &body[s.clone()]).collect();
        assert_eq!(
            lines,
            [&b"{\"message\":\"one\"}"[..], &b"{\"message\":\"two\"}"[..]]
        );
        assert_eq!(decoded.spans.len(), decoded.events.len());
    }

    #[test]
    fn unknown_version_is_refused() {
        let err = decode(b"{\"faultline_batch\":9}\n{\"message\":\"x\"}\n", 1 << 20).unwrap_err();
        assert!(matches!(err, WireError::Version(9)));
    }

    #[test]
    fn gzip_bomb_is_refused_and_truncated_gzip_is_an_error() {
        let batch = Batch::new(vec![Event::new("x".repeat(100_000))]);
        let body = encode(&batch, true).unwrap();
        assert!(matches!(
            decode(&body, 10_000),
            Err(WireError::TooLarge { limit: 10_000 })
        ));
        let truncated = &body[..body.len() / 2];
        assert!(matches!(
            decode(truncated, DEFAULT_MAX_DECODED_BYTES),
            Err(WireError::Gzip(_))
        ));
    }

    #[test]
    fn batch_without_header_is_version_one() {
        let decoded = decode(b"{\"message\":\"x\"}", 1 << 20).unwrap();
        assert_eq!(decoded.version, 1);
        assert_eq!(decoded.events[0].1.message, "x");
    }
}
