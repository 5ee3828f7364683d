//! What a write-ahead log record holds: a batch's stored events as JSON
//! lines, each with its deduplication key and, for an event that started a
//! new group, the group's description.
//!
//! ```text
//! {"key":"9555e8555c62dcfd:1042","meta":{"title":"…",…},"event":{"ts":"…",…}}
//! ```

use crate::GroupMeta;
use crate::seen::key_hash;
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
    pub event: Event,
}

impl Entry {
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
        serde_json::to_writer(&mut *out, entry).expect("entries serialise");
        out.push(b'\n');
    }
}

/// Decodes the JSON lines of a record's payload.
pub(crate) fn decode(payload: &[u8]) -> Result<Vec<Entry>, String> {
    payload
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .enumerate()
        .map(|(i, line)| serde_json::from_slice(line).map_err(|e| format!("entry {}: {e}", i + 1)))
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
            Entry {
                key: Some("f:1".into()),
                meta: Some(GroupMeta {
                    title: "t".into(),
                    culprit: None,
                    module: Some("m".into()),
                    explanation: "why".into(),
                }),
                event: event.clone(),
            },
            Entry {
                key: None,
                meta: None,
                event,
            },
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
}
