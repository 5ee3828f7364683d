//! What a document stores of its event: the event's JSON without the parts
//! its fast fields already hold, rebuilt from them on read.
//!
//! The stored bytes are one mask byte, then JSON. The mask says which parts
//! were left out: `ts` (when it is the indexed time to the millisecond),
//! `service`, `host`, `level`, `logger`, `template` and `fingerprint` (when
//! non-empty and not longer than the fast field keeps). Its high bit is
//! always set, so bytes that start with `{` are a whole event's JSON, as the
//! first version of the index stored it.

use chrono::{DateTime, SecondsFormat, Utc};
use faultline_event::{Event, Exception, Flag, Level, SourcePos};
use serde::Serialize;
use serde_json::{Map, Value};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, SegmentReader};

/// Keyword values longer than this stay in the stored JSON (templates are
/// indexed truncated to this length).
pub const MAX_LEFT_OUT_BYTES: usize = 1024;

const MARK: u8 = 0x80;
const TS: u8 = 1;

/// The keyword parts that may be left out, their mask bit and fast field.
const KEYWORDS: [(u8, &str); 6] = [
    (1 << 1, "service"),
    (1 << 2, "host"),
    (1 << 3, "level"),
    (1 << 4, "logger"),
    (1 << 5, "template"),
    (1 << 6, "fingerprint"),
];

/// The event as stored: borrowed, with left-out parts `None`.
#[derive(Serialize)]
struct Lean<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<Level>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logger: Option<&'a str>,
    message: &'a str,
    #[serde(skip_serializing_if = "Map::is_empty")]
    fields: &'a Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a SourcePos>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exception: Option<&'a Exception>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stack: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    template: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a str>,
    #[serde(skip_serializing_if = "<[Flag]>::is_empty")]
    flags: &'a [Flag],
}

/// The stored bytes of `event`, indexed at `ts`.
pub fn encode(event: &Event, ts: DateTime<Utc>) -> Vec<u8> {
    // Every part of the event is named here, so a new one cannot be
    // forgotten.
    let Event {
        ts: event_ts,
        service,
        host,
        level,
        logger,
        message,
        fields,
        source,
        exception,
        stack,
        template,
        fingerprint,
        explanation,
        flags,
    } = event;
    let mut mask = MARK;
    let ts_in_index =
        *event_ts == Some(ts) && ts.timestamp_subsec_nanos().is_multiple_of(1_000_000);
    if ts_in_index {
        mask |= TS;
    }
    // Whether a value stays in the JSON; if not, its bit goes in the mask.
    let mut keep = |bit: u8, value: &str| {
        let left_out = !value.is_empty() && value.len() <= MAX_LEFT_OUT_BYTES;
        if left_out {
            mask |= bit;
        }
        !left_out
    };
    let service = service.as_deref().filter(|v| keep(KEYWORDS[0].0, v));
    let host = host.as_deref().filter(|v| keep(KEYWORDS[1].0, v));
    let level = level.filter(|l| keep(KEYWORDS[2].0, l.as_str()));
    let logger = logger.as_deref().filter(|v| keep(KEYWORDS[3].0, v));
    let template = template.as_deref().filter(|v| keep(KEYWORDS[4].0, v));
    let fingerprint = fingerprint.as_deref().filter(|v| keep(KEYWORDS[5].0, v));
    let lean = Lean {
        ts: event_ts
            .filter(|_| !ts_in_index)
            .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        service,
        host,
        level,
        logger,
        message,
        fields,
        source: source.as_ref(),
        exception: exception.as_ref(),
        stack: stack.as_deref(),
        template,
        fingerprint,
        explanation: explanation.as_deref(),
        flags,
    };
    let mut bytes = Vec::with_capacity(256);
    bytes.push(mask);
    serde_json::to_writer(&mut bytes, &lean).expect("an event always serialises");
    bytes
}

/// The event stored as `bytes` for document `doc` of `segment`.
pub fn decode(bytes: &[u8], segment: &SegmentReader, doc: DocId) -> Result<Event, String> {
    let Some((&mask, json)) = bytes.split_first().filter(|(m, _)| **m & MARK != 0) else {
        return serde_json::from_slice(bytes).map_err(|e| e.to_string());
    };
    let mut event: Event = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    let fast = segment.fast_fields();
    if mask & TS != 0 {
        let ts = fast
            .date("ts")
            .map_err(|e| e.to_string())?
            .first(doc)
            .ok_or("no indexed time")?;
        event.ts = DateTime::from_timestamp_micros(ts.into_timestamp_micros());
    }
    for (bit, name) in KEYWORDS {
        if mask & bit == 0 {
            continue;
        }
        let column = fast.str(name).map_err(|e| e.to_string())?;
        let value = column
            .as_ref()
            .and_then(|c| first_str(c, doc))
            .ok_or_else(|| format!("no indexed {name}"))?;
        match name {
            "service" => event.service = Some(value),
            "host" => event.host = Some(value),
            "level" => event.level = Some(Level::parse(&value).ok_or("not a level")?),
            "logger" => event.logger = Some(value),
            "template" => event.template = Some(value),
            _ => event.fingerprint = Some(value),
        }
    }
    Ok(event)
}

fn first_str(column: &StrColumn, doc: DocId) -> Option<String> {
    let ord = column.term_ords(doc).next()?;
    let mut value = String::new();
    column.ord_to_str(ord, &mut value).ok()?.then_some(value)
}
