//! Raw log segments on the wire: the bytes of log files, cut at record
//! boundaries, with their source position, for the collector to parse.
//!
//! A body (media type [`SEGMENTS_CONTENT_TYPE`], optionally gzip) is a first
//! line `{"faultline_segments":1,"batch_id":"..."}`, then per segment its
//! [`SegmentHeader`] as one JSON line followed by exactly `len` raw bytes (any
//! bytes: invalid UTF-8, NUL, no final newline), then the next header.
//!
//! Unlike an event batch, a segments body is all or nothing: once one header
//! is unreadable, where the next segment starts is unknown.
//!
//! ```
//! use faultline_event::wire::{self, Segment, SegmentHeader};
//!
//! let header = SegmentHeader::new("/var/log/app.log", "f1", 4096, 0);
//! let segment = Segment::new(header, b"ERROR boom\n".to_vec());
//! let body = wire::encode_segments("b-1", &[segment.clone()], true).unwrap();
//! let (batch_id, decoded) = wire::decode_segments(&body, 1 << 20).unwrap();
//! assert_eq!(batch_id.as_deref(), Some("b-1"));
//! assert_eq!(decoded, vec![segment]);
//! ```

use super::{WireError, plain_body};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// The segments format version this build writes and reads.
pub const SEGMENTS_VERSION: u32 = 1;
/// The media type of a segments body.
pub const SEGMENTS_CONTENT_TYPE: &str = "application/x-faultline-segments";

/// The first line of a segments body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct BodyHeader {
    faultline_segments: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    batch_id: Option<String>,
}

/// Where a segment comes from and how to parse it; one JSON line on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentHeader {
    pub path: String,
    pub file_id: String,
    /// Byte offset in the file of the segment's first byte.
    pub offset: u64,
    /// How many raw bytes follow the header line.
    pub len: usize,
    /// Format name (as `--format`), sniffed by the shipper once per file;
    /// None = let the collector sniff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Multiline preset name (auto, none, indented, timestamp, backslash);
    /// None = auto.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl SegmentHeader {
    /// A header with no format, multiline preset, service or host.
    pub fn new(
        path: impl Into<String>,
        file_id: impl Into<String>,
        offset: u64,
        len: usize,
    ) -> SegmentHeader {
        SegmentHeader {
            path: path.into(),
            file_id: file_id.into(),
            offset,
            len,
            format: None,
            multiline: None,
            service: None,
            host: None,
        }
    }
}

/// A run of raw log bytes from one file, starting at a record boundary: the
/// collector parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub header: SegmentHeader,
    pub bytes: Vec<u8>,
}

impl Segment {
    /// A segment of `bytes`; the header's `len` is set to their length.
    pub fn new(mut header: SegmentHeader, bytes: Vec<u8>) -> Segment {
        header.len = bytes.len();
        Segment { header, bytes }
    }
}

/// Serialises segments after the body header, gzip-compressed if asked.
/// Each header's `len` is written as the length of its bytes.
pub fn encode_segments(
    batch_id: &str,
    segments: &[Segment],
    gzip: bool,
) -> Result<Vec<u8>, WireError> {
    let raw: usize = segments.iter().map(|s| s.bytes.len() + 256).sum();
    let mut body = Vec::with_capacity(raw + 64);
    let first = BodyHeader {
        faultline_segments: SEGMENTS_VERSION,
        batch_id: Some(batch_id.to_string()).filter(|id| !id.is_empty()),
    };
    serde_json::to_writer(&mut body, &first)?;
    body.push(b'\n');
    for segment in segments {
        let mut header = segment.header.clone();
        header.len = segment.bytes.len();
        serde_json::to_writer(&mut body, &header)?;
        body.push(b'\n');
        body.extend_from_slice(&segment.bytes);
    }
    if !gzip {
        return Ok(body);
    }
    let mut enc = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
    enc.write_all(&body).map_err(WireError::Gzip)?;
    enc.finish().map_err(WireError::Gzip)
}

/// Decodes a segments body (plain or gzip, detected by its magic bytes),
/// refusing bodies that are or inflate beyond `max_decoded_bytes`.
pub fn decode_segments(
    body: &[u8],
    max_decoded_bytes: usize,
) -> Result<(Option<String>, Vec<Segment>), WireError> {
    decode_plain(&plain_body(body, max_decoded_bytes)?)
}

fn decode_plain(body: &[u8]) -> Result<(Option<String>, Vec<Segment>), WireError> {
    let (first, mut rest) = split_line(body).ok_or_else(|| bad_body("the body is empty"))?;
    let first: BodyHeader = serde_json::from_slice(first).map_err(|e| {
        bad_body(format!(
            "the first line is not a segments header ({{\"faultline_segments\":{SEGMENTS_VERSION}}}): {e}"
        ))
    })?;
    if first.faultline_segments != SEGMENTS_VERSION {
        return Err(WireError::SegmentsVersion(first.faultline_segments));
    }
    let mut segments = Vec::new();
    while !rest.iter().all(u8::is_ascii_whitespace) {
        let index = segments.len();
        let (line, after) = split_line(rest).unwrap_or((rest, &[]));
        let header: SegmentHeader =
            serde_json::from_slice(line).map_err(|e| WireError::SegmentHeader {
                index,
                message: e.to_string(),
            })?;
        if header.len > after.len() {
            return Err(WireError::SegmentTruncated {
                index,
                len: header.len,
                remaining: after.len(),
            });
        }
        let (bytes, next) = after.split_at(header.len);
        segments.push(Segment {
            header,
            bytes: bytes.to_vec(),
        });
        rest = next;
    }
    Ok((first.batch_id, segments))
}

/// The line before the first newline (without `\r`) and what follows it.
fn split_line(body: &[u8]) -> Option<(&[u8], &[u8])> {
    if body.is_empty() {
        return None;
    }
    let (line, rest) = match body.iter().position(|&b| b == b'\n') {
        Some(at) => (&body[..at], &body[at + 1..]),
        None => (body, &body[body.len()..]),
    };
    Some((line.strip_suffix(b"\r").unwrap_or(line), rest))
}

fn bad_body(message: impl Into<String>) -> WireError {
    WireError::BadSegments(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::is_gzip;

    fn segment(path: &str, offset: u64, bytes: &[u8]) -> Segment {
        let mut header = SegmentHeader::new(path, format!("id-{path}"), offset, 0);
        header.format = Some("log4j".into());
        header.service = Some("api".into());
        Segment::new(header, bytes.to_vec())
    }

    fn sample() -> Vec<Segment> {
        vec![
            segment("/a.log", 0, b"2024-01-01 ERROR one\n\tat x.Y.z(Y.java:1)\n"),
            // Invalid UTF-8, NUL, a newline-looking JSON and no final newline.
            segment("/b.log", 77, b"\xff\xfe\0{\"path\":\"x\"}\nlast"),
            segment("/c.log", 5, b""),
        ]
    }

    #[test]
    fn round_trip_plain_and_gzip() {
        for gzip in [false, true] {
            let body = encode_segments("b-7", &sample(), gzip).unwrap();
            assert_eq!(is_gzip(&body), gzip);
            let (id, decoded) = decode_segments(&body, 1 << 20).unwrap();
            assert_eq!(id.as_deref(), Some("b-7"));
            assert_eq!(decoded, sample());
        }
    }

    #[test]
    fn encode_writes_the_true_length_and_omits_absent_options() {
        let mut wrong = Segment::new(SegmentHeader::new("/p", "f", 3, 0), b"abc".to_vec());
        wrong.header.len = 99;
        let body = encode_segments("", &[wrong], false).unwrap();
        let text = String::from_utf8(body.clone()).unwrap();
        assert_eq!(
            text,
            "{\"faultline_segments\":1}\n{\"path\":\"/p\",\"file_id\":\"f\",\"offset\":3,\"len\":3}\nabc"
        );
        let (id, decoded) = decode_segments(&body, 1 << 20).unwrap();
        assert_eq!(id, None);
        assert_eq!(decoded[0].bytes, b"abc");
    }

    #[test]
    fn an_empty_segment_list_decodes_to_none() {
        let body = encode_segments("e", &[], true).unwrap();
        let (id, decoded) = decode_segments(&body, 1 << 20).unwrap();
        assert_eq!(id.as_deref(), Some("e"));
        assert!(decoded.is_empty());
    }

    #[test]
    fn a_truncated_body_names_the_segment() {
        let body = encode_segments("t", &sample()[..2], false).unwrap();
        let err = decode_segments(&body[..body.len() - 3], 1 << 20).unwrap_err();
        assert!(
            matches!(err, WireError::SegmentTruncated { index: 1, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("segment 1"), "{err}");
        let gz = encode_segments("t", &sample(), true).unwrap();
        let err = decode_segments(&gz[..gz.len() / 2], 1 << 20).unwrap_err();
        assert!(matches!(err, WireError::Gzip(_)), "{err}");
    }

    #[test]
    fn a_bad_header_line_names_the_segment() {
        let mut body = encode_segments("h", &sample()[..1], false).unwrap();
        body.extend_from_slice(b"{\"path\": oops}\nraw bytes\n");
        let err = decode_segments(&body, 1 << 20).unwrap_err();
        assert!(matches!(err, WireError::SegmentHeader { index: 1, .. }));
        assert!(err.to_string().contains("segment 1"), "{err}");
    }

    #[test]
    fn missing_header_unknown_version_and_oversize_are_refused() {
        let no_header = b"{\"path\":\"/a\",\"file_id\":\"f\",\"offset\":0,\"len\":1}\nx";
        let err = decode_segments(no_header, 1 << 20).unwrap_err();
        assert!(matches!(err, WireError::BadSegments(_)), "{err}");
        let err = decode_segments(b"{\"faultline_segments\":2}\n", 1 << 20).unwrap_err();
        assert!(matches!(err, WireError::SegmentsVersion(2)), "{err}");
        let big = encode_segments("x", &[segment("/a", 0, &[b'a'; 50_000])], true).unwrap();
        let err = decode_segments(&big, 10_000).unwrap_err();
        assert!(matches!(err, WireError::TooLarge { limit: 10_000 }));
        let plain = encode_segments("x", &[segment("/a", 0, &[b'a'; 50_000])], false).unwrap();
        assert!(decode_segments(&plain, 10_000).is_err());
    }
}
