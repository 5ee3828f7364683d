//! What a document stores of its event: the event's JSON without the parts
//! its fast fields already hold, rebuilt from them on read.
//!
//! The stored bytes are [`FORMAT`], a little-endian 16-bit mask, the list of
//! left-out `fields` values when the mask says so (see [`fields`]), then
//! JSON. The mask says which parts were left out: `ts` (when it is the
//! indexed time to the millisecond), `service`, `host`, `level`, `logger`,
//! `template`, `fingerprint` and `explanation` (when non-empty and not longer
//! than [`MAX_LEFT_OUT_BYTES`]), `source` (its `file_id` and `path` in the
//! `source` column, its offset in `source_offset`), and `fields` values that
//! their fast columns hold exactly. The explanation repeats for every event
//! of a group, the offset is the stored event's least compressible number,
//! and access logs' columns (`user_agent`, `status`, `path`…) are most of
//! their JSON: as fast columns they cost a few bits an event.
//!
//! Earlier forms still decode: bytes that start with `{` are a whole event's
//! JSON (schema 1), a first byte with its high bit set is a one-byte mask
//! over the first seven parts (schema 2), and form 3 is form 4 without
//! left-out `fields`.

mod fields;

use chrono::{DateTime, SecondsFormat, Utc};
use faultline_event::{Event, Exception, Flag, Level, SourcePos};
use fields::{FieldColumns, Kept};
pub use fields::{FieldKind, column_kind};
use serde::Serialize;
use std::collections::HashMap;
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, SegmentReader};

/// Keyword values longer than this stay in the stored JSON (templates are
/// indexed truncated to this length).
pub const MAX_LEFT_OUT_BYTES: usize = 1024;

/// The first byte of the stored form.
const FORMAT: u8 = 4;
/// The form before `fields` values were left out.
const FORMAT_V3: u8 = 3;
/// The high bit of schema 2's one-byte mask.
const MARK_V2: u8 = 0x80;
const TS: u16 = 1;
const EXPLANATION: u16 = 1 << 7;
const SOURCE: u16 = 1 << 8;
const FIELDS: u16 = 1 << 9;

/// The fast columns of the left-out explanation and source.
pub const EXPLANATION_COLUMN: &str = "explanation";
pub const SOURCE_COLUMN: &str = "source";
pub const SOURCE_OFFSET_COLUMN: &str = "source_offset";

/// The keyword parts that may be left out, their mask bit and fast field.
const KEYWORDS: [(u16, &str); 6] = [
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
    #[serde(skip_serializing_if = "Kept::is_empty")]
    fields: Kept<'a>,
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

/// Whether a keyword value is left out of the stored JSON (its fast column
/// holds it).
fn leaves_out(value: &str) -> bool {
    !value.is_empty() && value.len() <= MAX_LEFT_OUT_BYTES
}

/// The explanation as its fast column holds it, when left out.
pub fn left_out_explanation(event: &Event) -> Option<&str> {
    event.explanation.as_deref().filter(|e| leaves_out(e))
}

/// The source as its fast columns hold it, when left out: `file_id`, a
/// newline, `path`; and the offset.
pub fn left_out_source(event: &Event) -> Option<(String, u64)> {
    let source = event.source.as_ref().filter(|s| source_fits(s))?;
    let mut column = String::with_capacity(source.file_id.len() + 1 + source.path.len());
    column.push_str(&source.file_id);
    column.push('\n');
    column.push_str(&source.path);
    Some((column, source.offset))
}

fn source_fits(source: &SourcePos) -> bool {
    !source.file_id.contains('\n') && source.file_id.len() + source.path.len() < MAX_LEFT_OUT_BYTES
}

/// The stored bytes of `event`, indexed at `ts`; `fields_in_columns` are
/// the values of `event.fields` that its fast columns hold exactly, in the
/// map's order ([`column_kind`]).
pub fn encode(
    event: &Event,
    ts: DateTime<Utc>,
    fields_in_columns: &[(&str, FieldKind)],
) -> Vec<u8> {
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
    let mut mask = 0u16;
    let ts_in_index =
        *event_ts == Some(ts) && ts.timestamp_subsec_nanos().is_multiple_of(1_000_000);
    if ts_in_index {
        mask |= TS;
    }
    // Whether a value stays in the JSON; if not, its bit goes in the mask.
    let mut keep = |bit: u16, value: &str| {
        let left_out = leaves_out(value);
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
    let explanation = explanation.as_deref().filter(|v| keep(EXPLANATION, v));
    let source_left_out = source.as_ref().is_some_and(source_fits);
    if source_left_out {
        mask |= SOURCE;
    }
    let fields_left_out = if fields::fits_header(fields_in_columns) {
        fields_in_columns
    } else {
        &[]
    };
    if !fields_left_out.is_empty() {
        mask |= FIELDS;
    }
    let lean = Lean {
        ts: event_ts
            .filter(|_| !ts_in_index)
            .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        service,
        host,
        level,
        logger,
        message,
        fields: Kept {
            all: fields,
            left_out: fields_left_out,
        },
        source: source.as_ref().filter(|_| !source_left_out),
        exception: exception.as_ref(),
        stack: stack.as_deref(),
        template,
        fingerprint,
        explanation,
        flags,
    };
    let mut bytes = Vec::with_capacity(256);
    bytes.push(FORMAT);
    bytes.extend_from_slice(&mask.to_le_bytes());
    if !fields_left_out.is_empty() {
        fields::write_header(fields_left_out, &mut bytes);
    }
    serde_json::to_writer(&mut bytes, &lean).expect("an event always serialises");
    bytes
}

/// The fast columns that stored events are rebuilt from, opened once per
/// segment (opening a column reads its block index: per hit, that cost more
/// than the hit). A column that does not open keeps its error until an event
/// needs it.
pub struct Columns {
    ts: Result<Column<tantivy::DateTime>, String>,
    keywords: Vec<Result<Option<StrColumn>, String>>,
    explanation: Result<Option<StrColumn>, String>,
    source: Result<Option<StrColumn>, String>,
    offset: Result<Column<u64>, String>,
    fields: FieldColumns,
    terms: Terms,
}

/// String column values already read in this segment, by column and term
/// ordinal. Reading one decompresses a block of the column's dictionary,
/// and the hits of a search share most of theirs (a service, a host, a
/// group's fingerprint and explanation, a file).
#[derive(Default)]
struct Terms(HashMap<(usize, u64), String>);

/// Where [`Terms`] keeps the columns that are not `fields`, whose slots
/// count from [`FIELDS_SLOT`].
const EXPLANATION_SLOT: usize = KEYWORDS.len();
const SOURCE_SLOT: usize = KEYWORDS.len() + 1;
const FIELDS_SLOT: usize = KEYWORDS.len() + 2;

impl Terms {
    /// The first value of `column` for `doc`; `slot` names the column.
    fn first(&mut self, slot: usize, column: &StrColumn, doc: DocId) -> Option<String> {
        let ord = column.term_ords(doc).next()?;
        if let Some(value) = self.0.get(&(slot, ord)) {
            return Some(value.clone());
        }
        let mut value = String::new();
        column.ord_to_str(ord, &mut value).ok()?.then_some(())?;
        self.0.insert((slot, ord), value.clone());
        Some(value)
    }
}

impl Columns {
    pub fn open(segment: &SegmentReader) -> Columns {
        let fast = segment.fast_fields();
        let text = |name: &str| fast.str(name).map_err(|e| e.to_string());
        Columns {
            ts: fast.date("ts").map_err(|e| e.to_string()),
            keywords: KEYWORDS.iter().map(|(_, name)| text(name)).collect(),
            explanation: text(EXPLANATION_COLUMN),
            source: text(SOURCE_COLUMN),
            offset: fast.u64(SOURCE_OFFSET_COLUMN).map_err(|e| e.to_string()),
            fields: FieldColumns::new(fast.clone()),
            terms: Terms::default(),
        }
    }
}

/// The event stored as `bytes` for document `doc` of the segment `columns`
/// were opened on.
pub fn decode(bytes: &[u8], columns: &mut Columns, doc: DocId) -> Result<Event, String> {
    let (mask, rest) = match bytes {
        [FORMAT | FORMAT_V3, lo, hi, rest @ ..] => (u16::from_le_bytes([*lo, *hi]), rest),
        [v2, json @ ..] if v2 & MARK_V2 != 0 => (u16::from(v2 & !MARK_V2), json),
        _ => (0, bytes),
    };
    let (in_columns, json) = if mask & FIELDS != 0 && bytes[0] == FORMAT {
        fields::read_header(rest)?
    } else {
        (Vec::new(), rest)
    };
    let mut event: Event = serde_json::from_slice(json).map_err(|e| e.to_string())?;
    if mask != 0 {
        restore(&mut event, mask, columns, doc)?;
    }
    for (key, kind) in in_columns {
        let value = columns.fields.value(key, kind, doc, &mut columns.terms)?;
        event.fields.insert(key.to_string(), value);
    }
    Ok(event)
}

/// Puts back the parts the mask says were left out, from the fast columns.
fn restore(event: &mut Event, mask: u16, columns: &mut Columns, doc: DocId) -> Result<(), String> {
    if mask & TS != 0 {
        let ts = columns.ts.as_ref()?.first(doc).ok_or("no indexed time")?;
        event.ts = DateTime::from_timestamp_micros(ts.into_timestamp_micros());
    }
    let terms = &mut columns.terms;
    let mut value = |slot: usize, column: &Result<Option<StrColumn>, String>, name: &str| {
        column
            .as_ref()
            .map_err(Clone::clone)?
            .as_ref()
            .and_then(|c| terms.first(slot, c, doc))
            .ok_or_else(|| format!("no indexed {name}"))
    };
    for (slot, ((bit, name), column)) in KEYWORDS.iter().zip(&columns.keywords).enumerate() {
        if mask & bit == 0 {
            continue;
        }
        let value = value(slot, column, name)?;
        match *name {
            "service" => event.service = Some(value),
            "host" => event.host = Some(value),
            "level" => event.level = Some(Level::parse(&value).ok_or("not a level")?),
            "logger" => event.logger = Some(value),
            "template" => event.template = Some(value),
            _ => event.fingerprint = Some(value),
        }
    }
    if mask & EXPLANATION != 0 {
        event.explanation = Some(value(
            EXPLANATION_SLOT,
            &columns.explanation,
            EXPLANATION_COLUMN,
        )?);
    }
    if mask & SOURCE != 0 {
        let both = value(SOURCE_SLOT, &columns.source, SOURCE_COLUMN)?;
        let (file_id, path) = both
            .split_once('\n')
            .ok_or("a source without its file id")?;
        let offset = columns
            .offset
            .as_ref()?
            .first(doc)
            .ok_or("no indexed source offset")?;
        event.source = Some(SourcePos {
            path: path.to_string(),
            file_id: file_id.to_string(),
            offset,
        });
    }
    Ok(())
}
