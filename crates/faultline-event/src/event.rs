//! The event: one log record, possibly with a stack trace joined to it.

use crate::{Exception, Level};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// One log record as faultline sees it: the parsed header line plus whatever
/// continuation lines (a stack trace) were joined to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// When the event happened, if the line said so (RFC 3339 in JSON).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_ts",
        deserialize_with = "de_ts"
    )]
    pub ts: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logger: Option<String>,
    #[serde(default)]
    pub message: String,
    /// Every other field the line carried (JSON keys, logfmt pairs, access-log
    /// columns, named captures).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub fields: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePos>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<Exception>,
    /// The raw text of the stack trace, as printed, when the event has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// The message with its variables masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The error group's fingerprint (hex), once fingerprinted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Why the event got its fingerprint ("grouped by: exception type + 3
    /// in-app frames"), once fingerprinted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// What went wrong while reading or parsing this event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
}

impl Event {
    /// An event with only a message.
    pub fn new(message: impl Into<String>) -> Event {
        Event {
            message: message.into(),
            ..Event::default()
        }
    }

    /// Adds a flag once.
    pub fn flag(&mut self, flag: Flag) {
        if !self.flags.contains(&flag) {
            self.flags.push(flag);
        }
    }

    pub fn has_flag(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }
}

/// Where an event's first line starts: the byte offset in the file the shipper
/// identified by `file_id` (a checksum of the file's first bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SourcePos {
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub file_id: String,
    #[serde(default)]
    pub offset: u64,
}

/// How many bytes of a file's first line identify it.
pub const FILE_ID_BYTES: usize = 1024;

impl SourcePos {
    /// The identity of a file: a stable checksum (xxh3, hex) of its first line,
    /// at most [`FILE_ID_BYTES`] of it. Content, not path or inode, so a file
    /// keeps its identity across renames, and a new file at an old path gets a
    /// new one.
    pub fn file_id_of(first_line: &[u8]) -> String {
        let head = &first_line[..first_line.len().min(FILE_ID_BYTES)];
        format!("{:016x}", xxhash_rust::xxh3::xxh3_64(head))
    }
}

/// Something that went wrong reading or parsing an event. Nothing is dropped
/// silently: a damaged record is kept and carries the flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Bytes that were not UTF-8 were replaced by U+FFFD.
    InvalidUtf8,
    /// NUL bytes were replaced by U+FFFD.
    NulBytes,
    /// A line was longer than `max_line_bytes`; the rest of it was skipped.
    LineTruncated,
    /// The event reached its line or byte cap; further lines were dropped.
    Truncated,
    /// A stack trace was recognised but could not be parsed; its text is kept in `stack`.
    TraceUnparsed,
    /// The line announced a structured format but did not parse as it.
    Malformed,
    /// A timestamp was present but could not be read.
    BadTimestamp,
    /// The record printed no timestamp (a bare stack trace); `ts` is that of
    /// the record before it in the same input.
    InferredTimestamp,
}

fn ser_ts<S: Serializer>(ts: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match ts {
        Some(ts) => s.serialize_str(&ts.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        None => s.serialize_none(),
    }
}

fn de_ts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    d.deserialize_option(TsVisitor)
}

/// Reads an RFC 3339 time, or `null`, from the text in place: no string is
/// allocated per event when it has no escapes (nearly always).
struct TsVisitor;

impl<'de> serde::de::Visitor<'de> for TsVisitor {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an RFC 3339 time or null")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Frame;
    use chrono::TimeZone;

    #[test]
    fn full_event_round_trips_with_contract_field_names() {
        let mut event = Event::new("payment failed");
        event.ts = Some(Utc.with_ymd_and_hms(2026, 11, 26, 7, 0, 1).unwrap());
        event.level = Some(Level::Error);
        event.service = Some("billing".into());
        event.source = Some(SourcePos {
            path: "/var/log/app.log".into(),
            file_id: "00ff".into(),
            offset: 42,
        });
        let mut exc = Exception::new("ValueError", "bad card");
        exc.frames.push(Frame {
            function: Some("charge".into()),
            line: Some(7),
            ..Frame::default()
        });
        exc.cause = Some(Box::new(Exception::new("KeyError", "'card'")));
        event.exception = Some(exc);
        event.flag(Flag::InvalidUtf8);
        event.flag(Flag::InvalidUtf8);

        let json: Value = serde_json::to_value(&event).unwrap();
        assert_eq!(json["ts"], "2026-11-26T07:00:01Z");
        assert_eq!(json["source"]["offset"], 42);
        assert_eq!(json["exception"]["type"], "ValueError");
        assert_eq!(json["exception"]["cause"]["type"], "KeyError");
        assert_eq!(json["exception"]["frames"][0]["line"], 7);
        assert_eq!(json["flags"], serde_json::json!(["invalid_utf8"]));
        let back: Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn file_id_is_stable_and_reads_only_the_head() {
        assert_eq!(SourcePos::file_id_of(b"hello"), "9555e8555c62dcfd");
        let long = vec![b'a'; 5000];
        assert_eq!(
            SourcePos::file_id_of(&long),
            SourcePos::file_id_of(&long[..FILE_ID_BYTES])
        );
    }

    #[test]
    fn bad_timestamp_is_a_clear_error() {
        let err = serde_json::from_str::<Event>(r#"{"ts":"yesterday","message":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("premature end of input"), "{err}");
    }

    #[test]
    fn a_timestamp_reads_escaped_null_or_absent_and_refuses_other_types() {
        let ts = |json: &str| serde_json::from_str::<Event>(json).map(|e| e.ts);
        let expected = Utc.with_ymd_and_hms(2026, 11, 26, 7, 0, 1).unwrap();
        assert_eq!(
            ts(r#"{"ts":"2026-11-26T07:00:01Z"}"#).unwrap(),
            Some(expected)
        );
        assert_eq!(
            ts(r#"{"ts":"2026-11-26T07:00:01\u002B00:00"}"#).unwrap(),
            Some(expected),
            "an escaped character"
        );
        let from_reader =
            serde_json::from_reader::<_, Event>(&br#"{"ts":"2026-11-26T07:00:01Z"}"#[..]);
        assert_eq!(from_reader.unwrap().ts, Some(expected));
        assert_eq!(ts(r#"{"ts":null}"#).unwrap(), None);
        assert_eq!(ts(r#"{"message":"x"}"#).unwrap(), None);
        let err = ts(r#"{"ts":1764140401}"#).unwrap_err().to_string();
        assert!(err.contains("RFC 3339 time or null"), "{err}");
    }
}
