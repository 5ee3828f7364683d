//! The commit thread: the only writer of the log, the group store and the
//! index.
//!
//! Callers encode their batch and send it here. The thread takes every batch
//! waiting in its queue, appends them with one write and one fsync (group
//! commit: concurrent callers share the fsync), applies them to the group
//! store and the index in log order, and only then answers each caller.
//! Because everything is applied in log order on one thread, "everything
//! before position P is in the index" is exact, and P is what the index
//! commits with.
//!
//! On a timer it checkpoints: commits the index (search sees the new events),
//! and less often flushes the seen keys, snapshots the group store, applies
//! retention and deletes log segments that every part has moved past.

use crate::dedup::Dedup;
use crate::entry::Entry;
use crate::groups::GroupStore;
use crate::index::EventIndex;
use crate::seen::SeenLog;
use crate::wal::Wal;
use crate::{GroupRecord, GroupState, GroupStatus, StoreConfig, StoreError};
use chrono::{DateTime, Days, Utc};
use faultline_event::Event;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// Batches written with one fsync stop growing past this many bytes.
const MAX_GROUP_BYTES: usize = 32 << 20;
/// How often the seen keys and the group snapshot are persisted.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(30);

/// What the commit thread is asked to do.
pub(crate) enum Message {
    /// Store a batch: `body` is its log record, `entries` its events.
    Batch {
        body: Vec<u8>,
        entries: Vec<Entry>,
        done: SyncSender<Result<(), StoreError>>,
    },
    /// Checkpoint everything now.
    Checkpoint {
        done: SyncSender<Result<(), StoreError>>,
    },
    /// Set a group's status as of `at`, and save the groups' snapshot
    /// before answering: the change is in no log record, the snapshot is
    /// what keeps it. Answers the group as changed, or `None` if unknown.
    SetStatus {
        fingerprint: String,
        status: GroupStatus,
        at: DateTime<Utc>,
        done: SyncSender<Result<Option<GroupRecord>, StoreError>>,
    },
}

/// State shared by the callers and the commit thread.
#[derive(Debug)]
pub(crate) struct Shared {
    pub dedup: Dedup,
    pub groups: RwLock<GroupStore>,
    pub index: EventIndex,
    /// Set when the log could not be written: nothing more is acknowledged.
    pub failed: Mutex<Option<String>>,
    pub counters: Counters,
}

/// Monotonic counters for the metrics.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub events_stored: AtomicU64,
    pub duplicates: AtomicU64,
    pub wal_bytes: AtomicU64,
    pub wal_fsyncs: AtomicU64,
    /// Appends the log could not take (refused and cut back out).
    pub wal_failures: AtomicU64,
    pub wal_disk_bytes: AtomicU64,
}

/// The commit thread's own state.
pub(crate) struct Committer {
    pub wal: Wal,
    pub seen_log: SeenLog,
    pub groups_path: PathBuf,
    pub config: StoreConfig,
    /// Everything before this position is applied to the index and groups.
    pub applied: u64,
    pub index_committed: u64,
    pub groups_saved: u64,
    /// An index write failed (a full disk): the index's position stops
    /// moving, so the log keeps what the index misses, and at this time the
    /// index drops what it had not committed and adds it again from the log
    /// ([`Committer::recover_index`]).
    pub index_broken: Option<Instant>,
    /// The wait before the next recovery attempt: doubled by each failure,
    /// back to the first after a commit succeeds.
    pub index_retry: Duration,
}

/// The first wait before an index that failed is recovered, and the longest.
pub(crate) const INDEX_RETRY_FIRST: Duration = Duration::from_secs(1);
const INDEX_RETRY_MAX: Duration = Duration::from_secs(60);

impl Committer {
    /// Runs until every sender is gone, then checkpoints one last time.
    pub(crate) fn run(mut self, shared: &Shared, rx: Receiver<Message>) {
        let interval = Duration::from_millis(self.config.commit_interval_ms.max(1));
        let mut next_commit = Instant::now() + interval;
        let mut next_snapshot = Instant::now();
        loop {
            let wait = next_commit.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(first) => self.handle(shared, first, &rx),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let now = Instant::now();
            if now >= next_commit {
                let snapshot = now >= next_snapshot;
                if let Err(e) = self.checkpoint(shared, snapshot) {
                    tracing::error!(error = %e, "checkpoint failed");
                }
                next_commit = now + interval;
                if snapshot {
                    next_snapshot = now + SNAPSHOT_EVERY;
                }
            }
        }
        if let Err(e) = self.checkpoint(shared, true) {
            tracing::error!(error = %e, "final checkpoint failed");
        }
    }

    /// Gathers the waiting batches behind `first` and stores them together.
    fn handle(&mut self, shared: &Shared, first: Message, rx: &Receiver<Message>) {
        let mut batches = Vec::new();
        let mut checkpoints = Vec::new();
        let mut statuses = Vec::new();
        let mut bytes = 0;
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Batch {
                    body,
                    entries,
                    done,
                } => {
                    bytes += body.len();
                    batches.push((body, entries, done));
                }
                Message::Checkpoint { done } => checkpoints.push(done),
                Message::SetStatus {
                    fingerprint,
                    status,
                    at,
                    done,
                } => statuses.push((fingerprint, status, at, done)),
            }
            if bytes < MAX_GROUP_BYTES {
                next = rx.try_recv().ok();
            }
        }
        if !batches.is_empty() {
            self.store(shared, batches);
        }
        if !statuses.is_empty() {
            self.set_statuses(shared, statuses);
        }
        for done in checkpoints {
            let _ = done.send(self.checkpoint(shared, true));
        }
    }

    /// Applies status changes after every batch before them, saves the
    /// groups' snapshot, then answers. A snapshot that cannot be saved puts
    /// the statuses back and answers the error.
    fn set_statuses(&mut self, shared: &Shared, changes: Vec<StatusChange>) {
        let mut undo: Vec<(String, GroupState)> = Vec::new();
        {
            let mut groups = write(&shared.groups);
            for (fingerprint, status, at, _) in &changes {
                if let Some(before) = groups.set_status(fingerprint, *status, *at) {
                    undo.push((fingerprint.clone(), before));
                }
            }
        }
        let saved = if undo.is_empty() {
            Ok(())
        } else {
            self.seen_log.flush().and_then(|()| {
                read(&shared.groups).save(&self.groups_path, self.applied)?;
                self.groups_saved = self.applied;
                Ok(())
            })
        };
        if saved.is_err() {
            let mut groups = write(&shared.groups);
            for (fingerprint, before) in undo.into_iter().rev() {
                groups.restore_status(&fingerprint, before);
            }
        }
        let groups = read(&shared.groups);
        for (fingerprint, _, _, done) in changes {
            let answer = match &saved {
                Ok(()) => Ok(groups.get(&fingerprint)),
                Err(e) => Err(StoreError::Unavailable(format!("saving the groups: {e}"))),
            };
            let _ = done.send(answer);
        }
    }

    /// Appends, fsyncs, applies, then answers. A batch the log could not
    /// take is refused and cut back out of the log, so the next one may
    /// succeed (a full disk that gets space again); only a log that cannot
    /// be cut back refuses every write until a restart repairs it.
    fn store(&mut self, shared: &Shared, batches: Vec<(Vec<u8>, Vec<Entry>, Done)>) {
        let before = self.wal.end();
        let result = self.append(shared, &batches);
        let (entries, dones): (Vec<_>, Vec<_>) =
            batches.into_iter().map(|(_, e, d)| (e, d)).unzip();
        let e = match result {
            Ok(()) => {
                self.apply(shared, entries.into_iter().flatten().collect());
                for done in dones {
                    let _ = done.send(Ok(()));
                }
                return;
            }
            Err(e) => e,
        };
        let refused = |message: &str| StoreError::Unavailable(message.to_string());
        let failed = lock(&shared.failed).clone();
        let answer: (String, fn(&str) -> StoreError) = match failed {
            Some(failed) => (failed, failed_error),
            None => match self.wal.rollback(before) {
                Ok(()) => {
                    tracing::warn!(error = %e, "write-ahead log write failed, batch refused");
                    shared.counters.wal_failures.fetch_add(1, Ordering::Relaxed);
                    (e.to_string(), refused)
                }
                Err(cut) => {
                    tracing::error!(
                        error = %e, rollback = %cut,
                        "write-ahead log failed and could not be cut back, refusing further writes"
                    );
                    *lock(&shared.failed) = Some(e.to_string());
                    (e.to_string(), failed_error)
                }
            },
        };
        let (message, error) = answer;
        for done in dones {
            let _ = done.send(Err(error(&message)));
        }
    }

    fn append(
        &mut self,
        shared: &Shared,
        batches: &[(Vec<u8>, Vec<Entry>, Done)],
    ) -> Result<(), StoreError> {
        if let Some(message) = lock(&shared.failed).as_deref() {
            return Err(failed_error(message));
        }
        let bodies: Vec<&[u8]> = batches.iter().map(|b| b.0.as_slice()).collect();
        let before = self.wal.end();
        self.wal.append(&bodies)?;
        self.wal.sync()?;
        let c = &shared.counters;
        c.wal_fsyncs.fetch_add(1, Ordering::Relaxed);
        c.wal_bytes
            .fetch_add(self.wal.end() - before, Ordering::Relaxed);
        c.wal_disk_bytes
            .store(self.wal.disk_bytes(), Ordering::Relaxed);
        Ok(())
    }

    /// Applies stored entries to the seen-keys log, the groups and the index.
    fn apply(&mut self, shared: &Shared, entries: Vec<Entry>) {
        {
            let mut groups = write(&shared.groups);
            for entry in &entries {
                groups.apply(&entry.event, entry.meta.as_ref());
                if let Some((day, hash)) = entry.seen_key() {
                    self.seen_log.push(day, hash);
                }
            }
        }
        let stored = entries.len() as u64;
        let events: Vec<Event> = entries.into_iter().map(|e| e.event).collect();
        if self.index_broken.is_none()
            && let Err(e) = shared.index.add(&events)
        {
            self.index_failed(&e);
        }
        self.applied = self.wal.end();
        shared
            .counters
            .events_stored
            .fetch_add(stored, Ordering::Relaxed);
    }

    /// Commits the index; with `snapshot`, also persists the seen keys and the
    /// groups and applies retention. Then trims the log.
    pub(crate) fn checkpoint(&mut self, shared: &Shared, snapshot: bool) -> Result<(), StoreError> {
        let index = self.commit_index(shared);
        if snapshot {
            self.retain(shared)?;
            if self.groups_saved < self.applied {
                self.seen_log.flush()?;
                read(&shared.groups).save(&self.groups_path, self.applied)?;
                self.groups_saved = self.applied;
            }
        }
        self.wal.trim(self.index_committed.min(self.groups_saved))?;
        let disk_bytes = self.wal.disk_bytes();
        shared
            .counters
            .wal_disk_bytes
            .store(disk_bytes, Ordering::Relaxed);
        index
    }

    /// Commits what the index was given since its last commit, first
    /// recovering it when it failed and its retry is due. A failure stops
    /// the index (not the groups' snapshot or the log) until the retry.
    fn commit_index(&mut self, shared: &Shared) -> Result<(), StoreError> {
        if let Some(at) = self.index_broken {
            if Instant::now() < at {
                return Ok(());
            }
            if let Err(e) = self.recover_index(shared) {
                self.index_failed(&e);
                return Err(e);
            }
        }
        if self.index_committed >= self.applied {
            return shared.index.idle();
        }
        if let Err(e) = shared.index.commit_with(self.applied) {
            self.index_failed(&e);
            return Err(e);
        }
        self.index_committed = self.applied;
        self.index_retry = INDEX_RETRY_FIRST;
        Ok(())
    }

    /// Stops the index until its retry: the log keeps what it misses.
    fn index_failed(&mut self, e: &StoreError) {
        let wait = self.index_retry;
        tracing::error!(
            error = %e, retry_in_seconds = wait.as_secs(),
            "index write failed, the log keeps the events"
        );
        self.index_broken = Some(Instant::now() + wait);
        self.index_retry = (wait * 2).min(INDEX_RETRY_MAX);
    }

    /// Drops what the index had not committed and adds again, from the log,
    /// every record after its last commit (what a restart would replay).
    fn recover_index(&mut self, shared: &Shared) -> Result<(), StoreError> {
        shared.index.reset();
        let (mut records, mut events) = (0u64, 0u64);
        let wal_dir = self.groups_path.with_file_name("wal");
        self.wal.replay(self.index_committed, |position, body| {
            let entries = log_entries(&wal_dir, position, body)?;
            let batch: Vec<Event> = entries.into_iter().map(|e| e.event).collect();
            shared.index.add_replayed(position, &batch)?;
            records += 1;
            events += batch.len() as u64;
            Ok(())
        })?;
        self.index_broken = None;
        tracing::info!(records, events, "index recovered from the write-ahead log");
        Ok(())
    }

    /// Drops the days older than the retention from every part.
    fn retain(&mut self, shared: &Shared) -> Result<(), StoreError> {
        let days = u64::from(self.config.retention_days.max(1)) - 1;
        let keep_from = Utc::now().date_naive() - Days::new(days);
        write(&shared.groups).retain(keep_from);
        shared.dedup.retain(keep_from);
        self.seen_log.retain(keep_from)?;
        shared.index.retain(keep_from)
    }
}

type Done = SyncSender<Result<(), StoreError>>;
type StatusChange = (
    String,
    GroupStatus,
    DateTime<Utc>,
    SyncSender<Result<Option<GroupRecord>, StoreError>>,
);

/// The entries of the log record at `position` of the log in `wal_dir`.
pub(crate) fn log_entries(
    wal_dir: &std::path::Path,
    position: u64,
    body: &[u8],
) -> Result<Vec<Entry>, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        path: wal_dir.display().to_string(),
        offset: position,
        reason,
    };
    let payload = crate::wal::body_payload(body).map_err(corrupt)?;
    crate::entry::decode(payload).map_err(corrupt)
}

/// The error every write gets once the log has failed.
pub(crate) fn failed_error(message: &str) -> StoreError {
    StoreError::Io {
        path: "write-ahead log".into(),
        source: std::io::Error::other(format!(
            "an earlier write failed ({message}); restart the store to recover"
        )),
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}
