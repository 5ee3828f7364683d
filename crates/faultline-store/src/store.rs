//! The [`Store`] facade: opening and replaying, ingest, queries, metrics.

use crate::commit::{
    Committer, Counters, INDEX_RETRY_FIRST, Message, Shared, failed_error, lock, log_entries, read,
};
use crate::dedup::Dedup;
use crate::entry::{self, Entry};
use crate::fsutil::io_err;
use crate::groups::GroupStore;
use crate::index::{EventIndex, RouteFn};
use crate::seen::{SeenKeys, SeenLog};
use crate::wal::{self, Wal};
use crate::{
    EndpointStats, GroupActivity, GroupMeta, GroupQuery, GroupRecord, GroupStatus, Incoming,
    IngestOutcome, SearchQuery, SearchResults, StatsQuery, StatsResult, StoreConfig, StoreError,
    StoreMetrics,
};
use chrono::{DateTime, NaiveDate, Utc};
use faultline_event::Event;
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

/// The field set on an event that arrived without a timestamp: it was given
/// the time it was ingested.
pub const TS_INFERRED_FIELD: &str = "ts_inferred";

/// A store in one data folder. Thread-safe: share it behind an `Arc`.
///
/// The folder holds `wal/` (the write-ahead log), `index/` (one tantivy index
/// per UTC day), `seen/` (the keys of stored events, per day) and
/// `groups.json` (the group store's last snapshot). Dropping the store stops
/// its commit thread after a last checkpoint.
#[derive(Debug)]
pub struct Store {
    shared: Arc<Shared>,
    tx: Option<Sender<Message>>,
    thread: Option<JoinHandle<()>>,
    /// Held open with an exclusive lock for the store's life: a second
    /// process opening the same folder would replay and write the same log.
    _lock: std::fs::File,
}

impl Store {
    /// Opens (or creates) the store in `dir`, replaying the write-ahead log
    /// records that the index or the group store had not yet persisted.
    pub fn open(dir: &Path, config: StoreConfig) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let folder_lock = lock_folder(dir)?;
        let wal = Wal::open(&dir.join("wal"), config.wal_segment_bytes)?;
        let groups_path = dir.join("groups.json");
        let (groups, groups_saved) = GroupStore::load(&groups_path)?;
        let seen = SeenKeys::load(&dir.join("seen"))?;
        let index = EventIndex::open(&dir.join("index"), &config)?;
        let index_committed = index.committed_position().unwrap_or(0);
        let shared = Arc::new(Shared {
            dedup: Dedup::new(seen),
            groups: RwLock::new(groups),
            index,
            failed: Mutex::new(None),
            counters: Counters::default(),
        });
        let mut committer = Committer {
            wal,
            seen_log: SeenLog::new(&dir.join("seen")),
            groups_path,
            config,
            applied: 0,
            index_committed,
            groups_saved,
            index_broken: None,
            index_retry: INDEX_RETRY_FIRST,
        };
        replay(&mut committer, &shared)?;
        committer
            .wal
            .advance_to(groups_saved.max(index_committed))?;
        committer.applied = committer.wal.end();
        committer.checkpoint(&shared, true)?;
        let (tx, rx) = mpsc::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("store-commit".into())
            .spawn(move || committer.run(&thread_shared, rx))
            .map_err(|e| io_err(dir, e))?;
        Ok(Store {
            shared,
            tx: Some(tx),
            thread: Some(thread),
            _lock: folder_lock,
        })
    }

    /// Stores a batch: returns once it is in the write-ahead log and fsynced
    /// (concurrent calls share one fsync), and applied to the group store.
    /// Events whose key was seen before are counted as duplicates and not
    /// stored again. `meta` is asked for each event that starts a new group.
    /// An event without `ts` is given the current time and the field
    /// `ts_inferred: true`. Blocking: call it off the async runtime.
    ///
    /// On `Err` nothing of the batch is acknowledged; once a write of the log
    /// fails, every later call fails until the store is opened again.
    pub fn ingest(
        &self,
        batch: Vec<Incoming>,
        meta: &dyn Fn(&Event) -> GroupMeta,
    ) -> Result<IngestOutcome, StoreError> {
        if let Some(message) = lock(&self.shared.failed).as_deref() {
            return Err(failed_error(message));
        }
        let now = Utc::now();
        let stamped = batch
            .into_iter()
            .map(|mut incoming| {
                let inferred = stamp(&mut incoming.event, now);
                if inferred {
                    // The received line has no `ts`: the event is no longer it.
                    incoming.verbatim = None;
                }
                (incoming, inferred)
            })
            .collect();
        let mut reservation = self.shared.dedup.reserve(stamped);
        let fresh = std::mem::take(&mut reservation.fresh);
        let outcome = IngestOutcome {
            accepted: fresh.len() as u64,
            duplicates: reservation.duplicates,
        };
        if !fresh.is_empty() {
            let mut entries = self.describe(fresh, meta);
            let body = wal::batch_body_with(|out| entry::encode_into(&entries, out));
            // The received body is not kept past its log record.
            for entry in &mut entries {
                entry.verbatim = None;
            }
            if let Err(e) = self.write(body, entries) {
                reservation.release();
                return Err(e);
            }
        }
        reservation.settle(&self.shared.failed)?;
        let counters = &self.shared.counters;
        counters
            .duplicates
            .fetch_add(outcome.duplicates, Ordering::Relaxed);
        Ok(outcome)
    }

    /// Events matching a query, newest first.
    pub fn search(&self, query: &SearchQuery) -> Result<SearchResults, StoreError> {
        self.shared.index.search(query)
    }

    /// Ranked groups. Counts are per UTC day: `since` counts from the start of
    /// its day. `level` keeps groups at that level or above; `service` counts
    /// only that service's events; `status` keeps groups with that status.
    pub fn groups(&self, query: &GroupQuery) -> Result<Vec<GroupRecord>, StoreError> {
        Ok(read(&self.shared.groups).query(query, Utc::now().date_naive()))
    }

    /// One group, with its all-time count, or `None`.
    pub fn group(&self, fingerprint: &str) -> Result<Option<GroupRecord>, StoreError> {
        Ok(read(&self.shared.groups).get(fingerprint))
    }

    /// Sets a group's status as of now and returns the group, or `None` for
    /// an unknown fingerprint. Returns once the group store's snapshot holds
    /// the change, so it survives a crash. Setting `resolved` makes the next
    /// event dated after now a regression (the group is unresolved again).
    /// Blocking: call it off the async runtime.
    pub fn set_status(
        &self,
        fingerprint: &str,
        status: GroupStatus,
    ) -> Result<Option<GroupRecord>, StoreError> {
        let (done, wait) = mpsc::sync_channel(1);
        let tx = self.tx.as_ref().ok_or(StoreError::Closed)?;
        tx.send(Message::SetStatus {
            fingerprint: fingerprint.to_string(),
            status,
            at: Utc::now(),
            done,
        })
        .map_err(|_| StoreError::Closed)?;
        wait.recv().map_err(|_| StoreError::Closed)?
    }

    /// Every group with events in `[from, to]` (UTC days), with its events
    /// per service and day in that window; most events first. For reports.
    pub fn group_activity(&self, from: NaiveDate, to: NaiveDate) -> Vec<GroupActivity> {
        read(&self.shared.groups).activity(from, to)
    }

    /// Access-log requests in `[since, until)` per method and `route(path)`
    /// (events with `fields.path`), most requested first.
    pub fn endpoints(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
        route: RouteFn<'_>,
    ) -> Result<Vec<EndpointStats>, StoreError> {
        self.shared.index.endpoints(since, until, route)
    }

    /// Counts over time, by a field, with percentiles.
    pub fn stats(&self, query: &StatsQuery) -> Result<StatsResult, StoreError> {
        self.shared.index.stats(query)
    }

    /// Checkpoints now: commits the index (everything acknowledged becomes
    /// searchable), persists the seen keys and the group store, applies
    /// retention and trims the log. Shutdown drains through this.
    pub fn commit(&self) -> Result<(), StoreError> {
        let (done, wait) = mpsc::sync_channel(1);
        let tx = self.tx.as_ref().ok_or(StoreError::Closed)?;
        tx.send(Message::Checkpoint { done })
            .map_err(|_| StoreError::Closed)?;
        wait.recv().map_err(|_| StoreError::Closed)?
    }

    pub fn metrics(&self) -> StoreMetrics {
        let c = &self.shared.counters;
        StoreMetrics {
            events_stored: c.events_stored.load(Ordering::Relaxed),
            duplicates: c.duplicates.load(Ordering::Relaxed),
            wal_bytes: c.wal_bytes.load(Ordering::Relaxed),
            wal_fsyncs: c.wal_fsyncs.load(Ordering::Relaxed),
            wal_failures: c.wal_failures.load(Ordering::Relaxed),
            wal_disk_bytes: c.wal_disk_bytes.load(Ordering::Relaxed),
            index_bytes: self.shared.index.size_bytes(),
            commits: self.shared.index.commit_times(),
            groups: read(&self.shared.groups).len() as u64,
            seen_keys: self.shared.dedup.len() as u64,
        }
    }

    /// Pairs each new event with its group's description when it starts a
    /// group (once per fingerprint per batch).
    fn describe(&self, fresh: Vec<Incoming>, meta: &dyn Fn(&Event) -> GroupMeta) -> Vec<Entry> {
        let groups = read(&self.shared.groups);
        let mut described = HashSet::new();
        let mut entries = Vec::with_capacity(fresh.len());
        for Incoming {
            event,
            key,
            verbatim,
        } in fresh
        {
            let new_group = event
                .fingerprint
                .as_deref()
                .is_some_and(|fp| !groups.contains(fp) && described.insert(fp.to_string()));
            let meta = new_group.then(|| meta(&event));
            let mut entry = Entry::new(key, meta, event);
            entry.verbatim = verbatim;
            entries.push(entry);
        }
        entries
    }

    /// Hands a batch to the commit thread and waits until it is durable.
    fn write(&self, body: Vec<u8>, entries: Vec<Entry>) -> Result<(), StoreError> {
        let (done, wait) = mpsc::sync_channel(1);
        let tx = self.tx.as_ref().ok_or(StoreError::Closed)?;
        tx.send(Message::Batch {
            body,
            entries,
            done,
        })
        .map_err(|_| StoreError::Closed)?;
        wait.recv().map_err(|_| StoreError::Closed)?
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the store's commit thread panicked");
        }
    }
}

/// Gives an event without a timestamp the ingest time; true if it did.
fn stamp(event: &mut Event, now: DateTime<Utc>) -> bool {
    if event.ts.is_some() {
        return false;
    }
    event.ts = Some(now);
    event
        .fields
        .insert(TS_INFERRED_FIELD.to_string(), Value::Bool(true));
    true
}

/// Applies the log records that a part has not persisted: to the seen keys
/// and groups after their snapshot, to the index after its commit.
fn replay(c: &mut Committer, shared: &Shared) -> Result<(), StoreError> {
    let (groups_from, index_from) = (c.groups_saved, c.index_committed);
    let (mut records, mut events) = (0u64, 0u64);
    let mut groups = crate::commit::write(&shared.groups);
    let seen_log = &mut c.seen_log;
    let wal_dir = c.groups_path.with_file_name("wal");
    c.wal
        .replay(groups_from.min(index_from), |position, body| {
            let entries = log_entries(&wal_dir, position, body)?;
            if position >= groups_from {
                for e in &entries {
                    groups.apply(&e.event, e.meta.as_ref());
                    if let Some((day, hash)) = e.seen_key() {
                        shared.dedup.insert(day, hash);
                        seen_log.push(day, hash);
                    }
                }
            }
            if position >= index_from {
                let batch: Vec<Event> = entries.iter().map(|e| e.event.clone()).collect();
                shared.index.add_replayed(position, &batch)?;
            }
            records += 1;
            events += entries.len() as u64;
            Ok(())
        })?;
    if records > 0 {
        tracing::info!(records, events, "replayed the write-ahead log");
    }
    Ok(())
}

/// Takes the folder's `LOCK` file exclusively; another live process holding
/// it (a running collector) makes this a clear error, not a second writer.
fn lock_folder(dir: &Path) -> Result<std::fs::File, StoreError> {
    let path = dir.join("LOCK");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_err(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked {
            path: dir.display().to_string(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(io_err(&path, e)),
    }
}
