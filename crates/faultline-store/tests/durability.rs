//! The store's promises: an acknowledged event survives any stop, is counted
//! once however often it is sent, and concurrent writers share fsyncs.

#[path = "durability/crash.rs"]
mod crash;
#[path = "durability/support.rs"]
mod support;

use chrono::{Duration, Utc};
use faultline_store::{GroupQuery, SearchQuery, Store, StoreConfig};
use std::collections::BTreeSet;
use std::fs;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};
use support::{batch, copy_dir, meta, record_ends, today, total_in_groups};

/// Never commits on its own during a test: only `commit`, open and drop do.
fn quiet() -> StoreConfig {
    StoreConfig {
        commit_interval_ms: 3_600_000,
        index_memory_bytes: 15 << 20,
        ..StoreConfig::default()
    }
}

#[test]
fn concurrent_writers_are_counted_exactly_and_share_fsyncs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), quiet()).unwrap());
    let (threads, batches, size) = (8, 25, 10);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let (mut accepted, mut duplicates) = (0, 0);
                for b in 0..batches {
                    // Threads pair up on the same keys: each batch is sent twice.
                    let out = store
                        .ingest(batch(&format!("{}-{b}", t / 2), size), &meta)
                        .unwrap();
                    accepted += out.accepted;
                    duplicates += out.duplicates;
                }
                (accepted, duplicates)
            })
        })
        .collect();
    let (accepted, duplicates) = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let unique = (threads / 2 * batches * size) as u64;
    assert_eq!((accepted, duplicates), (unique, unique));
    let m = store.metrics();
    assert_eq!(
        (m.events_stored, m.duplicates, m.seen_keys),
        (unique, unique, unique)
    );
    let writes = (threads * batches) as u64;
    assert!(
        m.wal_fsyncs < writes / 2,
        "{} fsyncs for {writes} batches",
        m.wal_fsyncs
    );
    assert_eq!(total_in_groups(&store), unique);
    store.commit().unwrap();
    let all = store.search(&SearchQuery::default()).unwrap();
    assert_eq!(all.total, unique);
}

#[test]
fn reopening_replays_what_was_never_checkpointed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), quiet()).unwrap();
    for b in 0..5 {
        store.ingest(batch(&format!("r{b}"), 4), &meta).unwrap();
    }
    // A copy of the folder now is what a crash would leave: the log only.
    let crashed = tempfile::tempdir().unwrap();
    copy_dir(&dir.path().join("wal"), &crashed.path().join("wal"));
    let reopened = Store::open(crashed.path(), quiet()).unwrap();
    assert_eq!(total_in_groups(&reopened), 20);
    let group = reopened.group("r3-2").unwrap().unwrap();
    assert_eq!((group.count, group.title.as_str()), (1, "title of r3-2"));
    assert_eq!(reopened.search(&SearchQuery::default()).unwrap().total, 20);
    let again = reopened.ingest(batch("r1", 4), &meta).unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 4));
    drop(reopened);
    // Opening again replays nothing twice.
    let third = Store::open(crashed.path(), quiet()).unwrap();
    assert_eq!(total_in_groups(&third), 20);
    assert_eq!(third.search(&SearchQuery::default()).unwrap().total, 20);
}

#[test]
fn a_torn_log_keeps_every_record_before_the_tear() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), quiet()).unwrap();
    for b in 0..6 {
        store.ingest(batch(&format!("t{b}"), b + 1), &meta).unwrap();
    }
    let wal = dir.path().join("wal");
    let segment = fs::read_dir(&wal).unwrap().next().unwrap().unwrap().path();
    let bytes = fs::read(&segment).unwrap();
    let ends = record_ends(&bytes);
    assert_eq!(ends.len(), 6);
    let mut cuts: Vec<usize> = ends.iter().flat_map(|&e| [e - 1, e, e + 5]).collect();
    cuts.extend([0, 3, 9, bytes.len()]);
    for cut in cuts.into_iter().filter(|&c| c <= bytes.len()) {
        let crashed = tempfile::tempdir().unwrap();
        copy_dir(&wal, &crashed.path().join("wal"));
        let torn = crashed
            .path()
            .join("wal")
            .join(segment.file_name().unwrap());
        fs::write(&torn, &bytes[..cut]).unwrap();
        let whole = ends.iter().filter(|&&e| e <= cut).count() as u64;
        let reopened = Store::open(crashed.path(), quiet()).unwrap();
        let expected = whole * (whole + 1) / 2;
        assert_eq!(total_in_groups(&reopened), expected, "cut at byte {cut}");
        assert_eq!(reopened.metrics().seen_keys, expected);
    }
}

#[test]
fn duplicates_count_once_across_a_reopen_and_new_keys_still_count() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), quiet()).unwrap();
    let first = store.ingest(batch("d", 6), &meta).unwrap();
    assert_eq!((first.accepted, first.duplicates), (6, 0));
    let mut unkeyed = batch("u", 2);
    for incoming in &mut unkeyed {
        incoming.key = None;
        incoming.event.ts = None;
    }
    assert_eq!(store.ingest(unkeyed.clone(), &meta).unwrap().accepted, 2);
    drop(store);
    let store = Store::open(dir.path(), quiet()).unwrap();
    let mut retry = batch("d", 8);
    retry.extend(batch("d", 3));
    let out = store.ingest(retry, &meta).unwrap();
    assert_eq!((out.accepted, out.duplicates), (2, 9));
    assert_eq!(
        store.ingest(unkeyed, &meta).unwrap().accepted,
        2,
        "no key, no dedup"
    );
    let unkeyed_group = store.group("u-0").unwrap().unwrap();
    assert_eq!(unkeyed_group.count, 2);
    assert_eq!(unkeyed_group.sample.fields["ts_inferred"], true);
    assert_eq!(total_in_groups(&store), 12);
}

#[test]
fn retention_drops_old_days_from_groups_index_and_seen_keys() {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        retention_days: 30,
        ..quiet()
    };
    let store = Store::open(dir.path(), config.clone()).unwrap();
    let mut old = batch("old", 3);
    let long_ago = Utc::now() - Duration::days(40);
    for incoming in &mut old {
        incoming.event.ts = Some(long_ago);
    }
    store.ingest(old.clone(), &meta).unwrap();
    store.ingest(batch("new", 2), &meta).unwrap();
    assert_eq!(total_in_groups(&store), 5);
    store.commit().unwrap();
    assert_eq!(total_in_groups(&store), 2);
    assert!(store.group("old-0").unwrap().is_none());
    assert_eq!(store.search(&SearchQuery::default()).unwrap().total, 2);
    assert_eq!(store.metrics().seen_keys, 2);
    drop(store);
    let store = Store::open(dir.path(), config).unwrap();
    assert_eq!(total_in_groups(&store), 2);
    let days = fs::read_dir(dir.path().join("seen")).unwrap().count();
    assert_eq!(days, 1, "only today's seen keys remain on disk");
}

#[test]
fn group_counts_first_and_last_seen_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), quiet()).unwrap();
    let now = Utc::now();
    let mut events = batch("g", 3);
    for (i, incoming) in events.iter_mut().enumerate() {
        incoming.event.fingerprint = Some("same".into());
        incoming.event.ts = Some(now - Duration::hours(30 - i as i64 * 12));
    }
    store.ingest(events, &meta).unwrap();
    drop(store);
    let store = Store::open(dir.path(), quiet()).unwrap();
    let g = store.group("same").unwrap().unwrap();
    assert_eq!(g.count, 3);
    assert_eq!(g.first_seen, now - Duration::hours(30));
    assert_eq!(g.last_seen, now - Duration::hours(6));
    assert_eq!(g.title, "title of same");
    assert_eq!(
        g.sample.message, "payment g-0 failed",
        "the first event is the sample"
    );
    assert_eq!(g.daily.values().sum::<u64>(), 3);
    let listed = store.groups(&GroupQuery::default()).unwrap();
    assert_eq!(listed.len(), 1);
    let services: BTreeSet<_> = g.services.iter().collect();
    assert_eq!(services.len(), 1);
}

#[test]
fn a_second_opener_of_a_live_folder_is_refused_until_the_first_closes() {
    let dir = tempfile::tempdir().unwrap();
    let first =
        faultline_store::Store::open(dir.path(), faultline_store::StoreConfig::default()).unwrap();
    let err = faultline_store::Store::open(dir.path(), faultline_store::StoreConfig::default())
        .unwrap_err();
    assert!(
        matches!(err, faultline_store::StoreError::Locked { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("--collector"), "{err}");
    drop(first);
    faultline_store::Store::open(dir.path(), faultline_store::StoreConfig::default()).unwrap();
}

#[test]
fn a_store_with_no_new_events_still_merges_its_idle_days() {
    let dir = tempfile::tempdir().unwrap();
    let config = StoreConfig {
        commit_interval_ms: 10,
        ..quiet()
    };
    let store = Store::open(dir.path(), config).unwrap();
    for round in 0..3 {
        store
            .ingest(batch(&format!("r{round}"), 50), &meta)
            .unwrap();
        store.commit().unwrap();
    }
    let day = dir
        .path()
        .join("index")
        .join(today().date_naive().to_string());
    let segments = || {
        std::fs::read_dir(&day)
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "store"))
            .count()
    };
    assert!(segments() > 1, "three commits, one segment");
    // 30 ticks of the 10 ms commit timer without events, then the merge.
    let deadline = Instant::now() + StdDuration::from_secs(20);
    while segments() > 1 && Instant::now() < deadline {
        std::thread::sleep(StdDuration::from_millis(50));
    }
    assert_eq!(segments(), 1);
    let found = store.search(&SearchQuery::default()).unwrap();
    assert_eq!(found.total, 150);
}

/// Events handed over with the JSON line they were decoded from are logged
/// as that line: after a crash they replay as exactly the events the store
/// held, including one whose line had no `ts` (which the store stamps, so
/// it is logged in full instead).
#[test]
fn events_logged_as_their_received_lines_replay_as_the_events_stored() {
    use faultline_event::Event;
    use faultline_store::{Incoming, Verbatim};
    let lines = [
        format!(
            r#"{{"ts":"{}","message":"GET /cart 200","fields":{{"status":200,"ua":"a \"b\""}},"source":{{"path":"/l","file_id":"ab","offset":7}}}}"#,
            today().to_rfc3339()
        ),
        format!(
            r#"{{ "message" : "user 17 logged in", "ts" : "{}", "template": "from the line" }}"#,
            today().to_rfc3339()
        ),
        r#"{"message":"no time \u00e9","level":"info"}"#.to_string(),
    ];
    let body = Arc::new(lines.join("\n").into_bytes());
    let mut start = 0;
    let incoming: Vec<Incoming> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let range = start..start + line.len();
            start = range.end + 1;
            let mut event: Event = serde_json::from_str(line).unwrap();
            if event.template.is_none() {
                event.template = Some(format!("template {i}"));
            }
            Incoming {
                event,
                key: Some(format!("v-{i}")),
                verbatim: Some(Verbatim {
                    body: body.clone(),
                    range,
                }),
            }
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), quiet()).unwrap();
    store.ingest(incoming, &meta).unwrap();
    let crashed = tempfile::tempdir().unwrap();
    copy_dir(&dir.path().join("wal"), &crashed.path().join("wal"));
    store.commit().unwrap();
    let events = |store: &Store| {
        let mut hits: Vec<Event> = store
            .search(&SearchQuery::default())
            .unwrap()
            .hits
            .into_iter()
            .map(|h| h.event)
            .collect();
        hits.sort_by(|a, b| a.message.cmp(&b.message));
        hits
    };
    let stored = events(&store);
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[1].template.as_deref(), Some("template 2"));
    assert_eq!(stored[2].template.as_deref(), Some("from the line"));
    let reopened = Store::open(crashed.path(), quiet()).unwrap();
    assert_eq!(events(&reopened), stored);
}
