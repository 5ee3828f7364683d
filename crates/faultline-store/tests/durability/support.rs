//! Builders and checks shared by the durability tests.

use chrono::{DateTime, Utc};
use faultline_event::{Event, Level};
use faultline_store::{GroupMeta, GroupQuery, Incoming, Store};
use std::fs;
use std::path::Path;

/// `n` events keyed `prefix-i`, each its own group `prefix-i`, stamped at the
/// start of today (so a retry falls on the same day).
pub fn batch(prefix: &str, n: usize) -> Vec<Incoming> {
    (0..n)
        .map(|i| {
            let key = format!("{prefix}-{i}");
            let mut event = Event::new(format!("payment {key} failed"));
            event.ts = Some(today());
            event.service = Some("billing".into());
            event.host = Some("web-1".into());
            event.level = Some(Level::Error);
            event.fingerprint = Some(key.clone());
            Incoming {
                event,
                key: Some(key),
                verbatim: None,
            }
        })
        .collect()
}

pub fn today() -> DateTime<Utc> {
    Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 1)
        .expect("a valid time")
        .and_utc()
}

pub fn meta(event: &Event) -> GroupMeta {
    GroupMeta {
        title: format!("title of {}", event.fingerprint.as_deref().unwrap_or("?")),
        culprit: None,
        module: None,
        explanation: "grouped by: test".into(),
    }
}

/// Events in all groups, all time.
pub fn total_in_groups(store: &Store) -> u64 {
    let all = GroupQuery {
        limit: Some(usize::MAX),
        ..GroupQuery::default()
    };
    store.groups(&all).unwrap().iter().map(|g| g.count).sum()
}

/// Where each record of a log segment ends (records are length-prefixed:
/// `[len u32][crc u32][body]`).
pub fn record_ends(segment: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut at = 0;
    while at + 8 <= segment.len() {
        let len = u32::from_le_bytes(segment[at..at + 4].try_into().unwrap()) as usize;
        at += 8 + len;
        ends.push(at);
    }
    ends
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}
