//! What a write-ahead log record holds: a batch's stored events as JSON
//! lines, each with its deduplication key and, for an event that started a
//! new group, the group's description.
//!
//! ```text
//! {"key":"9555e8555c62dcfd:1042","meta":{"title":"…",…},"event":{"ts":"…",…}}
//! {"key":"9555e8555c62dcfd:1187","template":"GET <path> 200","event":<the line as received>}
//! ```
//!
//! An event that arrived as a JSON line and was changed by nothing but its
//! template (most events: only errors and warnings are fingerprinted) is
//! kept as that line, byte for byte, with its template beside it: encoding
//! it again was 6% of the collector's instructions. Reading the entry decodes
//! the line and sets the template, which gives the same event.

use crate::seen::key_hash;
use crate::{GroupMeta, Verbatim};
use chrono::NaiveDate;
use faultline_event::Event;
use serde::{Deserialize, Serialize};

/// One stored event as the log keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Entry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<GroupMeta>,
    /// The template of an event kept verbatim, read into `event`: written
    /// only by [`encode_into`]'s verbatim form.
    #[serde(default, skip_serializing)]
    template: Option<String>,
    pub event: Event,
    /// The line `event` was decoded from, when nothing but its template
    /// changed since.
    #[serde(skip)]
    pub verbatim: Option<Verbatim>,
}

impl Entry {
    pub(crate) fn new(key: Option<String>, meta: Option<GroupMeta>, event: Event) -> Entry {
        Entry {
            key,
            meta,
            template: None,
            event,
            verbatim: None,
        }
    }

    /// The day and hash the key is remembered by, when it has one.
    pub(crate) fn seen_key(&self) -> Option<(NaiveDate, u64)> {
        let key = self.key.as_deref()?;
        Some((self.event.ts?.date_naive(), key_hash(key)))
    }
}

/// Appends entries to `out` as JSON lines.
pub(crate) fn encode_into(entries: &[Entry], out: &mut Vec<u8>) {
    out.reserve(entries.len() * 512);
    for entry in entries {
        match &entry.verbatim {
            Some(line) => encode_verbatim(entry, line.bytes(), out),
            None => serde_json::to_writer(&mut *out, entry).expect("entries serialise"),
        }
        out.push(b'\n');
    }
}

/// `entry` with its event as `line`, a JSON object on one line. Debug builds
/// (every test) check that the line with the template is the event, so a
/// caller that changes an event and keeps its line fails there.
fn encode_verbatim(entry: &Entry, line: &[u8], out: &mut Vec<u8>) {
    debug_assert!(
        serde_json::from_slice::<Event>(line).is_ok_and(|mut read| {
            read.template.clone_from(&entry.event.template);
            read == entry.event
        }),
        "an event kept verbatim differs from its line"
    );
    out.push(b'{');
    if let Some(key) = &entry.key {
        encode_field(out, "key", key);
    }
    if let Some(meta) = &entry.meta {
        encode_field(out, "meta", meta);
    }
    if let Some(template) = &entry.event.template {
        encode_field(out, "template", template);
    }
    out.extend_from_slice(b"\"event\":");
    out.extend_from_slice(line);
    out.push(b'}');
}

fn encode_field(out: &mut Vec<u8>, name: &str, value: &impl Serialize) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
    serde_json::to_writer(&mut *out, value).expect("entries serialise");
    out.push(b',');
}

/// Decodes the JSON lines of a record's payload.
pub(crate) fn decode(payload: &[u8]) -> Result<Vec<Entry>, String> {
    payload
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let mut entry: Entry =
                serde_json::from_slice(line).map_err(|e| format!("entry {}: {e}", i + 1))?;
            if let Some(template) = entry.template.take() {
                entry.event.template = Some(template);
            }
            Ok(entry)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_with_messages_holding_newlines() {
        let mut event = Event::new("line one\nline two");
        event.ts = Some("2026-11-26T07:00:00Z".parse().unwrap());
        let entries = vec![
            Entry::new(
                Some("f:1".into()),
                Some(GroupMeta {
                    title: "t".into(),
                    culprit: None,
                    module: Some("m".into()),
                    explanation: "why".into(),
                }),
                event.clone(),
            ),
            Entry::new(None, None, event),
        ];
        let mut encoded = b"kept".to_vec();
        encode_into(&entries, &mut encoded);
        assert!(encoded.starts_with(b"kept"));
        let back = decode(&encoded[4..]).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].meta, entries[0].meta);
        assert_eq!(back[1].event, entries[1].event);
        assert_eq!(
            back[0].seen_key().unwrap().0,
            NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
        );
        assert!(
            decode(b"{\"event\":{}}\nnot json\n")
                .unwrap_err()
                .contains("entry 2")
        );
    }

    /// An event kept as its received line reads back as the event the
    /// collector held: the line decoded, with the template set beside it,
    /// whatever the line's own spacing, key order or template.
    #[test]
    fn a_verbatim_entry_reads_back_as_the_event_with_its_template() {
        let lines: [&[u8]; 3] = [
            br#"{"ts":"2026-11-26T07:00:00.123Z","message":"GET /cart 200","fields":{"status":200,"ua":"a \"b\"\n"},"source":{"path":"/l","file_id":"ab","offset":7}}"#,
            br#"{ "message" : "user 17 logged in" , "level":"info", "template": "stale" }"#,
            br#"{"message":"caf\u00e9 \ud83d\ude00","extra_key":[1,2]}"#,
        ];
        let mut body = Vec::new();
        let mut spans = Vec::new();
        for line in lines {
            body.extend_from_slice(b"  ");
            spans.push(body.len()..body.len() + line.len());
            body.extend_from_slice(line);
            body.push(b'\n');
        }
        let body = std::sync::Arc::new(body);
        let entries: Vec<Entry> = spans
            .into_iter()
            .enumerate()
            .map(|(i, range)| {
                let verbatim = Verbatim {
                    body: body.clone(),
                    range,
                };
                let mut event: Event = serde_json::from_slice(verbatim.bytes()).unwrap();
                event.template = Some(format!("template {i} \"quoted\""));
                let meta = (i == 1).then(|| GroupMeta {
                    title: "t".into(),
                    culprit: None,
                    module: None,
                    explanation: "why".into(),
                });
                let mut entry = Entry::new(Some(format!("k:{i}")), meta, event);
                entry.verbatim = Some(verbatim);
                entry
            })
            .collect();
        let mut encoded = Vec::new();
        encode_into(&entries, &mut encoded);
        assert!(
            encoded.windows(lines[1].len()).any(|w| w == lines[1]),
            "the line is kept as it came"
        );
        let back = decode(&encoded).unwrap();
        assert_eq!(back.len(), entries.len());
        for (back, entry) in back.iter().zip(&entries) {
            assert_eq!(back.event, entry.event);
            assert_eq!(back.key, entry.key);
            assert_eq!(back.meta, entry.meta);
            assert!(back.verbatim.is_none());
        }
    }
}
