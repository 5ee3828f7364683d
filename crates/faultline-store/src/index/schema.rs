//! The schema of a day's index, and how an event becomes a document.
//!
//! | field | indexed as | fast | what for |
//! |---|---|---|---|
//! | `ts` | not indexed | yes (ms) | range filters, newest first, histograms |
//! | `fingerprint` | raw string | yes | a group's events, `by=` |
//! | `service`, `level`, `host`, `logger`, `template` | not indexed (read from the columns) | yes | filters, `by=` |
//! | `message` | `message` tokenizer, positions | no | full-text search, highlights |
//! | `exception` | `code` tokenizer (type and value of each exception in the chain) | no | `IllegalState` |
//! | `frames` | `code` tokenizer (module, function, file of each frame) | no | `PaymentService`, `charge` |
//! | `fields` | not indexed; numbers as numbers | yes (`raw`) | `status:500`, `path:/cart` (read from the columns), `by=path`, percentiles |
//! | `words` | JSON, `field` tokenizer, no positions: only `fields` values of several words | no | `user_agent:firefox` |
//! | `ids` | whole value, lowercased, no positions | no | a request, trace or user id, found by exact term |
//! | `explanation`, `source` | not indexed | yes | the stored event's explanation and source (`file_id`, newline, `path`) |
//! | `source_offset` | not indexed | yes | the stored event's source offset |
//! | `event` | stored only (zstd docstore), without what the fast fields hold | no | the hit itself |
//!
//! Results come newest first, never by relevance, so no field keeps
//! fieldnorms. A multi-word value of `fields` matches word by word: phrases
//! need positions, which only `message`, `exception` and `frames` keep.
//!
//! A value of `fields` or of a keyword field other than `fingerprint` is
//! held once, in its fast column: a query term on them is answered from the column (see
//! `field_query`), and only the words of `fields` values with whitespace
//! (user agents, error texts), which a column cannot find by word, are also
//! indexed, under `words`. Schema 3 indexed every such value as a term as
//! well, which cost a seventh of the index and a fifth of its indexing CPU;
//! days written with it are still read and written as they were (see
//! [`Fields::legacy`]). A column answers a term by reading one value per
//! event of the day (1–2 ms per million events), so `fingerprint`,
//! which selects a few events among many on every group page, keeps its
//! posting lists.
//!
//! Unique ids (keys such as `request_id`, `trace_id`, `user_id`, and values
//! that look like UUIDs or long hex tokens) go to `ids`, never to `fields`:
//! one term each, no positions and no fast column, so they do not swell the
//! term dictionary or the columnar store.

use super::field_value::FieldValue;
use super::stored;
use super::tokenizer::{is_uuid_at, reads_as_words};
use chrono::{DateTime as ChronoDateTime, Utc};
use faultline_event::Event;
use serde_json::Value;
use tantivy::schema::{
    BytesOptions, DateOptions, DateTimePrecision, Field, FieldEntry, IndexRecordOption,
    JsonObjectOptions, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{DateTime, TantivyDocument};

/// Bumped whenever the schema or a tokenizer changes what is indexed.
pub const SCHEMA_VERSION: u32 = 4;

/// The schema version whose days are still read (and written) as they are.
pub const LEGACY_SCHEMA_VERSION: u32 = 3;

/// String values of `fields` longer than this are kept only in the stored
/// event: they are payloads, not things to group or filter by.
const MAX_FIELD_VALUE_BYTES: usize = 256;

/// Templates longer than this are indexed truncated.
const MAX_TEMPLATE_BYTES: usize = stored::MAX_LEFT_OUT_BYTES;

/// The schema's fields.
#[derive(Debug, Clone)]
pub struct Fields {
    pub schema: Schema,
    /// The schema queries are parsed against: `fields` indexed, so tantivy's
    /// parser accepts `status:500`; the terms it makes for `fields` are then
    /// answered from the columns and `words` (see `field_query`).
    pub query_schema: Schema,
    pub ts: Field,
    pub fingerprint: Field,
    pub service: Field,
    pub level: Field,
    pub host: Field,
    pub logger: Field,
    pub template: Field,
    pub message: Field,
    pub exception: Field,
    pub frames: Field,
    pub fields: Field,
    /// `None` in a legacy day, whose `fields` are indexed whole.
    pub words: Option<Field>,
    pub ids: Field,
    pub explanation: Field,
    pub source: Field,
    pub source_offset: Field,
    pub event: Field,
}

/// Top-level fields that `by=` and `percentiles=` may name directly.
pub const KEYWORD_FIELDS: [&str; 6] = [
    "fingerprint",
    "service",
    "level",
    "host",
    "logger",
    "template",
];

impl Fields {
    /// The current schema.
    pub fn new() -> Fields {
        Fields::build(SCHEMA_VERSION)
    }

    /// Schema 3, of days written before `fields` left the inverted index.
    pub fn legacy() -> Fields {
        Fields::build(LEGACY_SCHEMA_VERSION)
    }

    fn build(version: u32) -> Fields {
        let legacy = version == LEGACY_SCHEMA_VERSION;
        let mut b = Schema::builder();
        let indexed_keyword = TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic)
                    .set_fieldnorms(false),
            )
            .set_fast("raw");
        let keyword = if legacy {
            indexed_keyword.clone()
        } else {
            TextOptions::default().set_fast("raw")
        };
        let text = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions)
                    .set_fieldnorms(false),
            )
        };
        // Range filters on `ts` run on its fast column: indexing every
        // distinct millisecond as a term would cost more than a tenth of
        // the index for no query.
        let ts = DateOptions::default()
            .set_fast()
            .set_precision(DateTimePrecision::Milliseconds);
        let words = JsonObjectOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("field")
                    .set_index_option(IndexRecordOption::Basic)
                    .set_fieldnorms(false),
            )
            .set_expand_dots_enabled();
        let indexed_fields = words.clone().set_fast("raw");
        let fields = if legacy {
            indexed_fields.clone()
        } else {
            JsonObjectOptions::default()
                .set_expand_dots_enabled()
                .set_fast("raw")
        };
        let ids = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw_lower")
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        );
        let mut fields = Fields {
            ts: b.add_date_field("ts", ts),
            // A group's events (a group page) are one fingerprint among
            // many: a posting list finds them without reading a column value
            // per event of the day.
            fingerprint: b.add_text_field("fingerprint", indexed_keyword.clone()),
            service: b.add_text_field("service", keyword.clone()),
            level: b.add_text_field("level", keyword.clone()),
            host: b.add_text_field("host", keyword.clone()),
            logger: b.add_text_field("logger", keyword.clone()),
            template: b.add_text_field("template", keyword),
            message: b.add_text_field("message", text("message")),
            exception: b.add_text_field("exception", text("code")),
            frames: b.add_text_field("frames", text("code")),
            fields: b.add_json_field("fields", fields),
            ids: b.add_text_field("ids", ids),
            explanation: b.add_text_field(
                stored::EXPLANATION_COLUMN,
                TextOptions::default().set_fast("raw"),
            ),
            source: b.add_text_field(
                stored::SOURCE_COLUMN,
                TextOptions::default().set_fast("raw"),
            ),
            source_offset: b.add_u64_field(
                stored::SOURCE_OFFSET_COLUMN,
                NumericOptions::default().set_fast(),
            ),
            event: b.add_bytes_field("event", BytesOptions::default().set_stored()),
            // Last, so every other field has the same id in both versions.
            words: (!legacy).then(|| b.add_json_field("words", words)),
            schema: b.build(),
            query_schema: Schema::builder().build(),
        };
        let mut query = Schema::builder();
        for (field, entry) in fields.schema.fields() {
            let name = entry.name().to_string();
            query.add_field(if field == fields.fields {
                FieldEntry::new_json(name, indexed_fields.clone())
            } else if fields.keywords().contains(&field) {
                FieldEntry::new_text(name, indexed_keyword.clone())
            } else {
                entry.clone()
            });
        }
        fields.query_schema = query.build();
        fields
    }

    /// The fields of [`KEYWORD_FIELDS`], in that order.
    pub fn keywords(&self) -> [Field; 6] {
        [
            self.fingerprint,
            self.service,
            self.level,
            self.host,
            self.logger,
            self.template,
        ]
    }

    /// The fields a query term without a field name searches.
    pub fn default_search_fields(&self) -> Vec<Field> {
        vec![
            self.message,
            self.exception,
            self.frames,
            self.fields,
            self.ids,
        ]
    }

    /// The document for `event`, indexed at `ts` (the event's own time, or
    /// when it was added if it has none).
    pub fn document(&self, event: &Event, ts: ChronoDateTime<Utc>) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_date(
            self.ts,
            DateTime::from_timestamp_micros(ts.timestamp_micros()),
        );
        let keywords = [
            (self.fingerprint, event.fingerprint.as_deref()),
            (self.service, event.service.as_deref()),
            (self.level, event.level.map(|l| l.as_str())),
            (self.host, event.host.as_deref()),
            (self.logger, event.logger.as_deref()),
        ];
        for (field, value) in keywords {
            if let Some(value) = value {
                doc.add_text(field, value);
            }
        }
        if let Some(template) = &event.template {
            doc.add_text(self.template, truncate(template, MAX_TEMPLATE_BYTES));
        }
        doc.add_text(self.message, &event.message);
        if let Some(exception) = &event.exception {
            let (kinds, frames) = exception_text(exception);
            doc.add_text(self.exception, kinds);
            if !frames.is_empty() {
                doc.add_text(self.frames, frames);
            }
        }
        let fields_in_columns = self.add_fields(&mut doc, event);
        if let Some(explanation) = stored::left_out_explanation(event) {
            doc.add_text(self.explanation, explanation);
        }
        if let Some((source, offset)) = stored::left_out_source(event) {
            doc.add_text(self.source, source);
            doc.add_u64(self.source_offset, offset);
        }
        doc.add_bytes(self.event, &stored::encode(event, ts, &fields_in_columns));
        doc
    }

    /// Adds `event.fields` to `doc`; returns the values its fast columns
    /// hold exactly, which the stored event leaves out.
    fn add_fields<'e>(
        &self,
        doc: &mut TantivyDocument,
        event: &'e Event,
    ) -> Vec<(&'e str, stored::FieldKind)> {
        let mut indexed = Vec::with_capacity(event.fields.len());
        let mut in_columns = Vec::new();
        for (key, value) in &event.fields {
            match value {
                Value::String(s) if is_id_key(key) || looks_like_id(s) => {
                    doc.add_text(self.ids, s);
                }
                Value::Number(n) if is_id_key(key) => doc.add_text(self.ids, n.to_string()),
                Value::String(s) if s.len() > MAX_FIELD_VALUE_BYTES => {}
                value => {
                    let Some(as_indexed) = FieldValue::of(value) else {
                        continue;
                    };
                    if let Some(kind) = stored::column_kind(key, value, &as_indexed) {
                        in_columns.push((key.as_str(), kind));
                    }
                    indexed.push((key.as_str(), as_indexed));
                }
            }
        }
        if !indexed.is_empty() {
            doc.add_field_value(self.fields, FieldValue::Fields(&indexed));
        }
        if let Some(words) = self.words {
            add_words(doc, words, &indexed);
        }
        in_columns
    }
}

/// Adds to `words` the values of `fields` that have whitespace (and so are
/// read word by word), at their paths; nothing when there are none.
fn add_words(doc: &mut TantivyDocument, words: Field, fields: &[(&str, FieldValue)]) {
    let nested: Vec<(&str, Value)> = fields
        .iter()
        .filter_map(|(key, value)| match value {
            FieldValue::Json(json) => Some((*key, words_of(json)?)),
            _ => None,
        })
        .collect();
    let mut texts: Vec<(&str, FieldValue)> = fields
        .iter()
        .filter(|(_, value)| matches!(value, FieldValue::Str(s) if reads_as_words(s)))
        .copied()
        .collect();
    texts.extend(
        nested
            .iter()
            .map(|(key, json)| (*key, FieldValue::Json(json))),
    );
    if !texts.is_empty() {
        doc.add_field_value(words, FieldValue::Fields(&texts));
    }
}

/// The strings with whitespace inside an array or object, where they are.
fn words_of(value: &Value) -> Option<Value> {
    match value {
        Value::String(s) if reads_as_words(s) => Some(value.clone()),
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(words_of).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Object(map) => {
            let kept: serde_json::Map<String, Value> = map
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), words_of(v)?)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        _ => None,
    }
}

/// The exception chain as two texts: `type: value` lines, and the frames'
/// module, function and file.
fn exception_text(exception: &faultline_event::Exception) -> (String, String) {
    let mut kinds = String::new();
    let mut frames = String::new();
    for e in exception.chain() {
        kinds.push_str(&e.kind);
        kinds.push_str(": ");
        kinds.push_str(&e.value);
        kinds.push('\n');
        for f in &e.frames {
            for part in [&f.module, &f.function, &f.file].into_iter().flatten() {
                frames.push_str(part);
                frames.push(' ');
            }
            frames.push('\n');
        }
    }
    (kinds, frames)
}

/// Keys whose values identify one request, trace, span, session or user.
pub fn is_id_key(key: &str) -> bool {
    const WHOLE: [&str; 10] = [
        "id",
        "requestid",
        "traceid",
        "spanid",
        "userid",
        "sessionid",
        "reqid",
        "uuid",
        "guid",
        "traceparent",
    ];
    let key = key.rsplit('.').next().unwrap_or(key);
    let ends_with = |suffix: &str| {
        key.len() >= suffix.len()
            && key.as_bytes()[key.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    ends_with("_id") || ends_with("-id") || WHOLE.iter().any(|w| key.eq_ignore_ascii_case(w))
}

/// Values that are ids whatever their key: UUIDs, and long hex or mixed
/// letter-and-digit tokens without spaces (trace ids, hashes, nonces).
pub fn looks_like_id(value: &str) -> bool {
    if value.len() == 36 && is_uuid_at(value, 0) {
        return true;
    }
    if value.len() < 16 || value.len() > 128 {
        return false;
    }
    let bytes = value.as_bytes();
    let all_hex = bytes.iter().all(|b| b.is_ascii_hexdigit());
    let id_chars = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'));
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
    let letters = bytes.iter().filter(|b| b.is_ascii_alphabetic()).count();
    all_hex || id_chars && digits >= 4 && letters >= 4
}

fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_by_key_and_by_shape() {
        for key in [
            "request_id",
            "trace_id",
            "user_id",
            "http.request_id",
            "requestId",
            "id",
            "TRACE_ID",
            "X-Request-ID",
            "span.TraceParent",
            "a.b.UUID",
        ] {
            assert!(is_id_key(key), "{key}");
        }
        for key in [
            "path", "status", "paid", "valid", "method", "kid", "ids", "id.path",
        ] {
            assert!(!is_id_key(key), "{key}");
        }
        assert!(looks_like_id("3f2504e0-4f89-11d3-9a0c-0305e82c3301"));
        assert!(looks_like_id("4bf92f3577b34da6a3ce929d0e0e4736"));
        assert!(looks_like_id("req_8f3a2b91c4d5e6f7"));
        assert!(!looks_like_id("/api/v1/payments"));
        assert!(!looks_like_id("connection refused by upstream"));
        assert!(!looks_like_id("GET"));
    }

    use tantivy::schema::{Document, OwnedValue};

    /// `fields` as they were indexed before they were borrowed: each value
    /// copied into an owned tree, numeric strings as numbers.
    fn owned_fields(fields: &Fields, event: &Event) -> TantivyDocument {
        let mut object = std::collections::BTreeMap::new();
        for (key, value) in &event.fields {
            let indexed = match value {
                Value::Null => continue,
                Value::String(s) => match FieldValue::of(value) {
                    Some(FieldValue::I64(n)) => OwnedValue::I64(n),
                    Some(FieldValue::F64(x)) => OwnedValue::F64(x),
                    _ => OwnedValue::Str(s.clone()),
                },
                other => OwnedValue::from(other.clone()),
            };
            object.insert(key.clone(), indexed);
        }
        let mut doc = TantivyDocument::default();
        doc.add_object(fields.fields, object);
        doc
    }

    #[test]
    fn borrowed_fields_index_as_the_owned_json_tree_did() {
        let fields = Fields::new();
        let event: Event = serde_json::from_value(serde_json::json!({
            "message": "m",
            "fields": {
                "path": "/cart", "status": "500", "took": "0.031", "dash": "-",
                "count": 3, "big": u64::MAX, "ratio": 0.5, "ok": true, "none": null,
                "tags": ["a", 2, "2026-11-26T10:00:00Z", {"deep": "2026-11-26T10:00:00Z"}],
                "nested": {"when": "2026-11-26T10:00:00Z", "n": [1.5]},
            },
        }))
        .unwrap();
        let mut doc = TantivyDocument::default();
        fields.add_fields(&mut doc, &event);
        let borrowed = doc.to_json(&fields.schema);
        assert_eq!(
            borrowed,
            owned_fields(&fields, &event).to_json(&fields.schema)
        );
        assert!(borrowed.contains(r#""status":500"#), "{borrowed}");
        assert!(borrowed.contains(r#""took":0.031"#), "{borrowed}");
    }
}
