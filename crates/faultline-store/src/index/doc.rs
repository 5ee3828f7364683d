//! An event as the document tantivy indexes: the event itself, owned, with
//! the little derived from it (the stored bytes, the exception's text, how
//! each entry of `fields` is indexed). tantivy reads every value borrowed
//! from it, where a `TantivyDocument` would copy the message, each key and
//! value of `fields` and the stored bytes into a buffer of its own first.
//!
//! The fields it holds and how each is indexed are in `schema`.

use super::field_value::{FieldValue, Object, Part, Slot};
use super::schema::{Fields, MAX_FIELD_VALUE_BYTES, MAX_TEMPLATE_BYTES, is_id_key, looks_like_id};
use super::stored;
use super::tokenizer::reads_as_words;
use chrono::{DateTime as ChronoDateTime, Utc};
use faultline_event::Event;
use serde_json::Value;
use std::sync::Arc;
use tantivy::DateTime;
use tantivy::schema::{Document, Field};

/// One event's document. Boxed: tantivy moves each document through a
/// channel to its indexing thread, and a batch is sorted before that.
pub struct EventDoc(Box<Inner>);

struct Inner {
    fields: Arc<Fields>,
    event: Event,
    ts: DateTime,
    /// The exception chain's `type: value` lines and its frames' names.
    exception: Option<(String, String)>,
    /// The source as its fast columns hold it, when left out of `stored`.
    source: Option<(String, u64)>,
    /// How each entry of `event.fields` is indexed, in the map's order.
    slots: Vec<Slot>,
    nested_words: Vec<Value>,
    id_numbers: Vec<String>,
    stored: Vec<u8>,
}

impl EventDoc {
    /// The document of `event`, indexed at `ts` (the event's own time, or
    /// when it was added if it has none) with `fields`.
    pub fn new(fields: Arc<Fields>, event: Event, ts: ChronoDateTime<Utc>) -> EventDoc {
        let mut slots = Vec::with_capacity(event.fields.len());
        let mut nested_words = Vec::new();
        let mut id_numbers = Vec::new();
        let mut in_columns = Vec::new();
        for (key, value) in &event.fields {
            slots.push(match value {
                Value::String(s) if is_id_key(key) || looks_like_id(s) => Slot::Id,
                Value::Number(n) if is_id_key(key) => {
                    id_numbers.push(n.to_string());
                    Slot::IdNumber(index(&id_numbers))
                }
                Value::String(s) if s.len() > MAX_FIELD_VALUE_BYTES => Slot::Skip,
                value => match FieldValue::of(value) {
                    None => Slot::Skip,
                    Some(as_indexed) => {
                        if let Some(kind) = stored::column_kind(key, value, &as_indexed) {
                            in_columns.push((key.as_str(), kind));
                        }
                        match as_indexed {
                            FieldValue::Str(s) if reads_as_words(s) => Slot::IndexedWords,
                            FieldValue::Json(json) => match words_of(json) {
                                Some(words) => {
                                    nested_words.push(words);
                                    Slot::IndexedNestedWords(index(&nested_words))
                                }
                                None => Slot::Indexed,
                            },
                            _ => Slot::Indexed,
                        }
                    }
                },
            });
        }
        let stored = stored::encode(&event, ts, &in_columns);
        drop(in_columns);
        EventDoc(Box::new(Inner {
            exception: event.exception.as_ref().map(exception_text),
            source: stored::left_out_source(&event),
            fields,
            ts: DateTime::from_timestamp_micros(ts.timestamp_micros()),
            slots,
            nested_words,
            id_numbers,
            stored,
            event,
        }))
    }

    /// The event's template.
    pub fn template(&self) -> Option<&str> {
        self.0.event.template.as_deref()
    }
}

impl Inner {
    /// The `fields` or `words` object, when it holds an entry.
    fn object(&self, part: Part) -> Option<FieldValue<'_>> {
        let object = Object {
            map: &self.event.fields,
            slots: &self.slots,
            nested_words: &self.nested_words,
            part,
        };
        (!object.is_empty()).then_some(FieldValue::Object(object))
    }
}

/// The index of the last element of `items`.
fn index<T>(items: &[T]) -> u32 {
    u32::try_from(items.len() - 1).expect("fewer entries than u32::MAX")
}

impl Document for EventDoc {
    type Value<'a> = FieldValue<'a>;
    type FieldsValuesIter<'a> = std::vec::IntoIter<(Field, FieldValue<'a>)>;

    /// The values in the schema's order, listed anew for each reading
    /// (tantivy reads a document once for each of its writers): measured,
    /// a list is cheaper than an iterator that makes each value as it is
    /// read.
    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        let doc = &*self.0;
        let (f, event) = (&*doc.fields, &doc.event);
        let mut values = Vec::with_capacity(VALUES + doc.slots.len());
        values.push((f.ts, FieldValue::Date(doc.ts)));
        let keywords = [
            (f.fingerprint, event.fingerprint.as_deref()),
            (f.service, event.service.as_deref()),
            (f.level, event.level.map(|l| l.as_str())),
            (f.host, event.host.as_deref()),
            (f.logger, event.logger.as_deref()),
            (
                f.template,
                event
                    .template
                    .as_deref()
                    .map(|t| truncate(t, MAX_TEMPLATE_BYTES)),
            ),
            (f.message, Some(event.message.as_str())),
        ];
        for (field, value) in keywords {
            if let Some(value) = value {
                values.push((field, FieldValue::Str(value)));
            }
        }
        if let Some((kinds, frames)) = &doc.exception {
            values.push((f.exception, FieldValue::Str(kinds)));
            if !frames.is_empty() {
                values.push((f.frames, FieldValue::Str(frames)));
            }
        }
        for ((_, value), slot) in event.fields.iter().zip(&doc.slots) {
            let id = match (slot, value) {
                (Slot::Id, Value::String(s)) => s.as_str(),
                (Slot::IdNumber(i), _) => &doc.id_numbers[*i as usize],
                _ => continue,
            };
            values.push((f.ids, FieldValue::Str(id)));
        }
        if let Some(object) = doc.object(Part::Fields) {
            values.push((f.fields, object));
        }
        if let (Some(words), Some(object)) = (f.words, doc.object(Part::Words)) {
            values.push((words, object));
        }
        if let Some(explanation) = stored::left_out_explanation(event) {
            values.push((f.explanation, FieldValue::Str(explanation)));
        }
        if let Some((source, offset)) = &doc.source {
            values.push((f.source, FieldValue::Str(source)));
            values.push((f.source_offset, FieldValue::U64(*offset)));
        }
        values.push((f.event, FieldValue::Bytes(&doc.stored)));
        values.into_iter()
    }
}

/// The most values a document has besides its ids.
const VALUES: usize = 17;

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
    use serde_json::json;
    use tantivy::schema::OwnedValue;

    fn event(value: Value) -> Event {
        serde_json::from_value(value).unwrap()
    }

    /// The document as tantivy reads it, copied into a `TantivyDocument`:
    /// JSON, without the stored bytes.
    fn read(fields: &Fields, doc: EventDoc) -> Value {
        let mut json: Value =
            serde_json::from_str(&doc.into_tantivy_document().to_json(&fields.schema)).unwrap();
        json.as_object_mut()
            .unwrap()
            .remove("event")
            .expect("stored");
        json
    }

    #[test]
    fn every_part_of_an_event_is_read_from_the_event_where_the_schema_puts_it() {
        let fields = Arc::new(Fields::new());
        let e = event(json!({
            "ts": "2026-11-26T10:00:00.123Z",
            "service": "checkout", "host": "web-1", "level": "error", "logger": "app.pay",
            "message": "charge failed for 42",
            "template": "charge failed for <*>",
            "fingerprint": "f00d",
            "explanation": "by exception type and frames",
            "source": {"file_id": "ab12", "path": "/var/log/app.log", "offset": 977},
            "exception": {"type": "IllegalStateException", "value": "no card",
                "frames": [{"module": "com.acme.PaymentService", "function": "charge", "file": "PaymentService.java"}]},
            "fields": {
                "request_id": "r-1", "user_id": 42, "trace": "4bf92f3577b34da6a3ce929d0e0e4736",
                "path": "/cart", "status": "500", "took": "0.031", "agent": "Mozilla Firefox",
                "none": null, "payload": "x".repeat(300),
                "tags": ["a", "two words"], "nested": {"n": 1},
            },
        }));
        let ts = e.ts.unwrap();
        let got = read(&fields, EventDoc::new(fields.clone(), e, ts));
        let want = json!({
            "ts": ["2026-11-26T10:00:00.123Z"],
            "fingerprint": ["f00d"], "service": ["checkout"], "level": ["error"],
            "host": ["web-1"], "logger": ["app.pay"], "template": ["charge failed for <*>"],
            "message": ["charge failed for 42"],
            "exception": ["IllegalStateException: no card\n"],
            "frames": ["com.acme.PaymentService charge PaymentService.java \n"],
            "ids": ["r-1", "4bf92f3577b34da6a3ce929d0e0e4736", "42"],
            "fields": [{
                "path": "/cart", "status": 500, "took": 0.031, "agent": "Mozilla Firefox",
                "tags": ["a", "two words"], "nested": {"n": 1},
            }],
            "words": [{"agent": "Mozilla Firefox", "tags": ["two words"]}],
            "explanation": ["by exception type and frames"],
            "source": ["ab12\n/var/log/app.log"],
            "source_offset": [977],
        });
        assert_eq!(got, want);
    }

    #[test]
    fn an_event_with_only_a_message_has_no_objects() {
        let fields = Arc::new(Fields::new());
        let e = event(json!({"message": "started", "fields": {"none": null, "id": "x"}}));
        let ts = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .unwrap()
            .to_utc();
        let got = read(&fields, EventDoc::new(fields.clone(), e, ts));
        let want = json!({
            "ts": ["2026-11-26T10:00:00Z"],
            "message": ["started"],
            "ids": ["x"],
        });
        assert_eq!(got, want);
    }

    /// `fields` as they were indexed before they were borrowed: each value
    /// copied into an owned tree, numeric strings as numbers.
    fn owned_fields(fields: &Fields, event: &Event) -> tantivy::TantivyDocument {
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
        let mut doc = tantivy::TantivyDocument::default();
        doc.add_object(fields.fields, object);
        doc
    }

    #[test]
    fn borrowed_fields_index_as_the_owned_json_tree_did() {
        let fields = Arc::new(Fields::new());
        let e = event(json!({
            "message": "m",
            "fields": {
                "path": "/cart", "status": "500", "took": "0.031", "dash": "-",
                "count": 3, "big": u64::MAX, "ratio": 0.5, "ok": true, "none": null,
                "tags": ["a", 2, "2026-11-26T10:00:00Z", {"deep": "2026-11-26T10:00:00Z"}],
                "nested": {"when": "2026-11-26T10:00:00Z", "n": [1.5]},
            },
        }));
        let owned: Value =
            serde_json::from_str(&owned_fields(&fields, &e).to_json(&fields.schema)).unwrap();
        let borrowed = read(&fields, EventDoc::new(fields.clone(), e, Utc::now()));
        assert_eq!(borrowed["fields"], owned["fields"]);
        assert_eq!(borrowed["fields"][0]["status"], json!(500));
        assert_eq!(borrowed["fields"][0]["took"], json!(0.031));
    }
}
