//! Halving a body the collector refused as too large (413): a collector
//! whose `max_body_bytes` is below this shipper's batches still gets every
//! event, in smaller requests. The body is decoded back (the rare path pays,
//! not every batch held in memory twice) and each half is encoded again with
//! its own batch id, `<id>.1` and `<id>.2`, so a retried half is still
//! recognised and the two halves are not taken for each other.
//!
//! A batch of one event cannot be halved; a batch of one segment is cut at
//! its middle line (the collector parses each part from its offset).

use faultline_event::wire::{self, Segment, WireError};

/// Bodies are this shipper's own: decoding them back needs no bomb guard
/// beyond a sane bound.
const MAX_DECODED_BYTES: usize = 1 << 30;

/// One half of a refused body.
#[derive(Debug)]
pub(crate) struct Half {
    pub body: Vec<u8>,
    /// Events, or segments when raw.
    pub units: u64,
}

/// The two halves of `body` (NDJSON events, or raw segments when `raw`),
/// compressed like it; None when it holds a single event or a single line.
pub(crate) fn halve(body: &[u8], raw: bool) -> Result<Option<[Half; 2]>, WireError> {
    let gzip = wire::is_gzip(body);
    match raw {
        true => halve_segments(body, gzip),
        false => halve_events(body, gzip),
    }
}

fn halve_events(body: &[u8], gzip: bool) -> Result<Option<[Half; 2]>, WireError> {
    let decoded = wire::decode(body, MAX_DECODED_BYTES)?;
    if decoded.events.len() < 2 {
        return Ok(None);
    }
    let id = decoded.batch_id.unwrap_or_default();
    let mut first: Vec<_> = decoded.events.into_iter().map(|(_, e)| e).collect();
    let second = first.split_off(first.len() / 2);
    let encode = |events: Vec<_>, part: u8| -> Result<Half, WireError> {
        let units = events.len() as u64;
        let batch = wire::Batch::new(events).with_id(format!("{id}.{part}"));
        let body = wire::encode(&batch, gzip)?;
        Ok(Half { body, units })
    };
    Ok(Some([encode(first, 1)?, encode(second, 2)?]))
}

fn halve_segments(body: &[u8], gzip: bool) -> Result<Option<[Half; 2]>, WireError> {
    let (id, mut first) = wire::decode_segments(body, MAX_DECODED_BYTES)?;
    let id = id.unwrap_or_default();
    let second = match first.len() {
        0 => return Ok(None),
        1 => match cut_segment(&mut first[0]) {
            Some(rest) => vec![rest],
            None => return Ok(None),
        },
        n => first.split_off(n / 2),
    };
    let encode = |segments: &[Segment], part: u8| -> Result<Half, WireError> {
        let body = wire::encode_segments(&format!("{id}.{part}"), segments, gzip)?;
        Ok(Half {
            body,
            units: segments.len() as u64,
        })
    };
    Ok(Some([encode(&first, 1)?, encode(&second, 2)?]))
}

/// Cuts a segment after the line end nearest its middle, keeping the first
/// part in place and returning the rest; None for a single line.
fn cut_segment(segment: &mut Segment) -> Option<Segment> {
    let bytes = &segment.bytes;
    let middle = bytes.len() / 2;
    let after = memchr::memchr(b'\n', &bytes[middle..]).map(|i| middle + i + 1);
    let before = memchr::memrchr(b'\n', &bytes[..middle]).map(|i| i + 1);
    let at = after
        .filter(|&at| at < bytes.len())
        .or(before.filter(|&at| at > 0))?;
    let rest = segment.bytes.split_off(at);
    segment.header.len = at;
    let mut header = segment.header.clone();
    header.offset += at as u64;
    Some(Segment::new(header, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_event::Event;
    use faultline_event::wire::SegmentHeader;

    fn segment(offset: u64, text: &str) -> Segment {
        let header = SegmentHeader {
            path: "/var/log/app.log".into(),
            file_id: "f1".into(),
            offset,
            len: 0,
            format: None,
            multiline: None,
            service: Some("checkout".into()),
            host: None,
        };
        Segment::new(header, text.as_bytes().to_vec())
    }

    #[test]
    fn events_split_in_two_with_ids_of_their_own() {
        let events = (0..5).map(|i| Event::new(format!("e{i}"))).collect();
        let body = wire::encode(&wire::Batch::new(events).with_id("b7"), true).unwrap();
        let [a, b] = halve(&body, false).unwrap().expect("halves");
        assert!(wire::is_gzip(&a.body) && wire::is_gzip(&b.body));
        let (a, b) = (
            wire::decode(&a.body, 1 << 20).unwrap(),
            wire::decode(&b.body, 1 << 20).unwrap(),
        );
        assert_eq!(a.batch_id.as_deref(), Some("b7.1"));
        assert_eq!(b.batch_id.as_deref(), Some("b7.2"));
        let messages: Vec<String> = a
            .events
            .iter()
            .chain(&b.events)
            .map(|(_, e)| e.message.clone())
            .collect();
        assert_eq!(messages, ["e0", "e1", "e2", "e3", "e4"]);
        assert_eq!((a.events.len(), b.events.len()), (2, 3));
    }

    #[test]
    fn a_single_event_cannot_be_halved() {
        let body = wire::encode(&wire::Batch::new(vec![Event::new("big")]), false).unwrap();
        assert!(halve(&body, false).unwrap().is_none());
    }

    #[test]
    fn segments_split_by_count_then_by_line() {
        let two = [segment(0, "a\nb\n"), segment(4, "c\n")];
        let body = wire::encode_segments("s1", &two, false).unwrap();
        let [a, b] = halve(&body, true).unwrap().expect("halves");
        assert_eq!((a.units, b.units), (1, 1));
        let (id, first) = wire::decode_segments(&a.body, 1 << 20).unwrap();
        assert_eq!(id.as_deref(), Some("s1.1"));
        assert_eq!(first[0].bytes, b"a\nb\n");

        let one = [segment(100, "line one\nline two\nline three\n")];
        let body = wire::encode_segments("s2", &one, true).unwrap();
        let [a, b] = halve(&body, true).unwrap().expect("halves");
        let (_, a) = wire::decode_segments(&a.body, 1 << 20).unwrap();
        let (_, b) = wire::decode_segments(&b.body, 1 << 20).unwrap();
        assert_eq!(a[0].bytes, b"line one\nline two\n");
        assert_eq!(b[0].bytes, b"line three\n");
        assert_eq!((a[0].header.offset, a[0].header.len), (100, 18));
        assert_eq!((b[0].header.offset, b[0].header.len), (118, 11));
    }

    #[test]
    fn a_single_line_segment_cannot_be_halved() {
        let body = wire::encode_segments("s3", &[segment(0, "one long line\n")], false).unwrap();
        assert!(halve(&body, true).unwrap().is_none());
        let body = wire::encode_segments("s4", &[segment(0, "no newline at all")], false).unwrap();
        assert!(halve(&body, true).unwrap().is_none());
    }
}
