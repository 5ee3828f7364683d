//! Group statuses through the store: a status change is durable when
//! `set_status` returns (a copy of the folder taken then, what a crash would
//! leave, still has it), a regression replays from the log the same way,
//! and queries filter by status.

use chrono::{DateTime, Duration, Utc};
use faultline_event::{Event, Level};
use faultline_store::{GroupMeta, GroupQuery, GroupStatus, Incoming, Store, StoreConfig};
use std::fs;
use std::path::Path;

/// Never commits on its own during a test: only `set_status`, open and drop
/// save anything.
fn quiet() -> StoreConfig {
    StoreConfig {
        commit_interval_ms: 3_600_000,
        index_memory_bytes: 15 << 20,
        ..StoreConfig::default()
    }
}

fn incoming(fp: &str, key: &str, ts: DateTime<Utc>) -> Incoming {
    let mut event = Event::new(format!("{fp} failed"));
    event.ts = Some(ts);
    event.level = Some(Level::Error);
    event.fingerprint = Some(fp.into());
    Incoming {
        event,
        key: Some(key.into()),
        verbatim: None,
    }
}

fn meta(event: &Event) -> GroupMeta {
    GroupMeta {
        title: event.message.clone(),
        culprit: None,
        module: None,
        explanation: "grouped by: test".into(),
    }
}

/// What a crash now would leave of the group store: the log, the seen keys
/// and the groups' snapshot (the index, merged and collected on threads of
/// its own, is left out: it does not hold statuses).
fn crash_copy(from: &Path) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    for part in ["wal", "seen"] {
        let dir = to.path().join(part);
        fs::create_dir_all(&dir).unwrap();
        for entry in fs::read_dir(from.join(part)).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
    let snapshot = from.join("groups.json");
    if snapshot.exists() {
        fs::copy(snapshot, to.path().join("groups.json")).unwrap();
    }
    to
}

fn status(store: &Store, fp: &str) -> (GroupStatus, Option<DateTime<Utc>>) {
    let g = store.group(fp).unwrap().unwrap();
    (g.state.status, g.state.regressed_at)
}

/// Groups `a` and `b`, one event each an hour ago.
fn two_groups(dir: &Path) -> Store {
    let store = Store::open(dir, quiet()).unwrap();
    let hour_ago = Utc::now() - Duration::hours(1);
    let batch = vec![
        incoming("a", "k:0", hour_ago),
        incoming("b", "k:1", hour_ago),
    ];
    store.ingest(batch, &meta).unwrap();
    store
}

#[test]
fn a_status_change_survives_a_crash_right_after_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_groups(dir.path());
    let changed = store
        .set_status("a", GroupStatus::Resolved)
        .unwrap()
        .unwrap();
    assert_eq!(changed.state.status, GroupStatus::Resolved);
    let resolved_at = changed.state.status_changed_at.expect("a change time");
    store
        .set_status("b", GroupStatus::Ignored)
        .unwrap()
        .unwrap();
    // A copy of the folder now is what a crash would leave.
    let crashed = crash_copy(dir.path());
    let reopened = Store::open(crashed.path(), quiet()).unwrap();
    let a = reopened.group("a").unwrap().unwrap();
    assert_eq!(
        (a.state.status, a.state.status_changed_at),
        (GroupStatus::Resolved, Some(resolved_at))
    );
    assert_eq!(status(&reopened, "b"), (GroupStatus::Ignored, None));
    assert_eq!(a.count, 1, "the events are still counted once");
    drop(reopened);
    drop(store);
    let closed = Store::open(dir.path(), quiet()).unwrap();
    assert_eq!(status(&closed, "a"), (GroupStatus::Resolved, None));
    assert_eq!(status(&closed, "b"), (GroupStatus::Ignored, None));
}

#[test]
fn a_regression_after_the_snapshot_replays_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_groups(dir.path());
    store
        .set_status("a", GroupStatus::Resolved)
        .unwrap()
        .unwrap();
    store
        .set_status("b", GroupStatus::Resolved)
        .unwrap()
        .unwrap();
    let later = Utc::now() + Duration::seconds(1);
    let earlier = Utc::now() - Duration::minutes(30);
    let batch = vec![incoming("a", "k:2", later), incoming("b", "k:3", earlier)];
    store.ingest(batch, &meta).unwrap();
    assert_eq!(status(&store, "a"), (GroupStatus::Unresolved, Some(later)));
    assert_eq!(
        status(&store, "b"),
        (GroupStatus::Resolved, None),
        "a late event of before the resolve"
    );
    let crashed = crash_copy(dir.path());
    let reopened = Store::open(crashed.path(), quiet()).unwrap();
    assert_eq!(
        status(&reopened, "a"),
        (GroupStatus::Unresolved, Some(later))
    );
    assert_eq!(status(&reopened, "b"), (GroupStatus::Resolved, None));
    assert_eq!(reopened.group("a").unwrap().unwrap().count, 2);
}

#[test]
fn an_unknown_group_has_no_status_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_groups(dir.path());
    assert!(
        store
            .set_status("nope", GroupStatus::Resolved)
            .unwrap()
            .is_none()
    );
    assert!(store.group("nope").unwrap().is_none());
    assert_eq!(status(&store, "a"), (GroupStatus::Unresolved, None));
}

#[test]
fn groups_are_listed_by_status() {
    let dir = tempfile::tempdir().unwrap();
    let store = two_groups(dir.path());
    store
        .set_status("b", GroupStatus::Resolved)
        .unwrap()
        .unwrap();
    let listed = |status| {
        let query = GroupQuery {
            status,
            ..GroupQuery::default()
        };
        let groups = store.groups(&query).unwrap();
        groups
            .into_iter()
            .map(|g| g.fingerprint)
            .collect::<Vec<_>>()
    };
    let mut all = listed(None);
    all.sort();
    assert_eq!(all, ["a", "b"]);
    assert_eq!(listed(Some(GroupStatus::Resolved)), ["b"]);
    assert_eq!(listed(Some(GroupStatus::Unresolved)), ["a"]);
    assert!(listed(Some(GroupStatus::Ignored)).is_empty());
}
