//! The store's public types. The collector and the CLI program against these.

use chrono::{DateTime, NaiveDate, Utc};
use faultline_event::{Event, Level};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Settings of a store (the `[store]` table of the collector's config).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Days of events and groups kept; older day folders are deleted.
    pub retention_days: u32,
    /// How often the index commits, making new events searchable.
    pub commit_interval_ms: u64,
    /// Memory for tantivy's indexing, per day's index writer (one indexing
    /// thread each). Every commit starts segments whose tables are sized from
    /// it, so a larger budget costs page zeroing at every commit; 24 MiB
    /// measured fastest (`benches/ingest.sh`).
    pub index_memory_bytes: usize,
    /// The write-ahead log starts a new segment file past this size; segments
    /// that the index and the group store have persisted are deleted.
    pub wal_segment_bytes: u64,
    /// The order a day's index keeps its events in. Takes effect for the days
    /// created after it is set; a day keeps the order it was created with.
    pub index_order: IndexOrder,
}

/// The order of the events in a day's index, on disk. Search results come
/// newest first either way: this only changes how well the index
/// compresses and what indexing costs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexOrder {
    /// By message template: events alike sit next to each other, so their
    /// stored form, posting lists and columns compress better (about a
    /// quarter smaller), for about 15% more of the collector's CPU (tantivy sorts
    /// each segment as it writes it, and merges segments by the same order).
    #[default]
    Template,
    /// As the events arrived.
    Arrival,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            retention_days: 30,
            commit_interval_ms: 1000,
            index_memory_bytes: 24 << 20,
            wal_segment_bytes: 64 << 20,
            index_order: IndexOrder::default(),
        }
    }
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("write-ahead log {path} is damaged at byte {offset}: {reason}")]
    Corrupt {
        path: String,
        offset: u64,
        reason: String,
    },
    #[error("invalid query: {0}")]
    Query(String),
    #[error("index: {0}")]
    Index(String),
    #[error("the store is closed")]
    Closed,
    /// A write the store could not make durable (a full disk, an I/O
    /// error) and refused; a later retry may succeed.
    #[error("storage unavailable, retry later: {0}")]
    Unavailable(String),
    #[error(
        "{path} is in use by another faultline process (a running collector? query it with --collector URL)"
    )]
    Locked { path: String },
}

/// One event to store, with the key that makes a retry count once.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub event: Event,
    /// `file_id:offset` from `event.source`, or `batch_id:line` from the
    /// client batch; `None` stores the event without deduplication.
    pub key: Option<String>,
    /// The JSON line `event` was decoded from, if the caller has it and
    /// changed nothing in the event since but its `template`: the
    /// write-ahead log then keeps that line as it came, with the template
    /// beside it, instead of encoding the event again.
    pub verbatim: Option<Verbatim>,
}

/// The bytes of the JSON line an event was decoded from: `body[range]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Verbatim {
    pub body: std::sync::Arc<Vec<u8>>,
    pub range: std::ops::Range<usize>,
}

impl Verbatim {
    pub fn bytes(&self) -> &[u8] {
        &self.body[self.range.clone()]
    }
}

/// What [`Store::ingest`] did with a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IngestOutcome {
    pub accepted: u64,
    pub duplicates: u64,
}

/// `GET /api/v1/search`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// tantivy query syntax over message, exception, stack frames and fields;
    /// empty matches everything.
    pub q: String,
    pub service: Option<String>,
    pub level: Option<Level>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only events of this fingerprint.
    pub group: Option<String>,
    /// At most this many hits (default 50, at most 1000).
    pub limit: Option<usize>,
}

/// Search results, newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SearchResults {
    /// Every match, not only the returned hits.
    pub total: u64,
    pub hits: Vec<Hit>,
}

/// One search hit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hit {
    pub event: Event,
    /// The message with matched terms wrapped in `<b>…</b>` (HTML-escaped otherwise).
    pub highlight: Option<String>,
}

/// `GET /api/v1/groups`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct GroupQuery {
    pub since: Option<DateTime<Utc>>,
    pub service: Option<String>,
    pub level: Option<Level>,
    pub sort: GroupSort,
    /// Default 50.
    pub limit: Option<usize>,
    /// Only groups with this status; `None` lists every status.
    pub status: Option<GroupStatus>,
}

/// What a user decided about a group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupStatus {
    /// Needs attention: every new group, and a resolved one that regressed.
    #[default]
    Unresolved,
    /// Fixed: an event after the moment it was resolved makes it unresolved
    /// again (a regression).
    Resolved,
    /// Not worth attention: stays so whatever arrives.
    Ignored,
}

impl GroupStatus {
    /// Every status, in the order users meet them.
    pub const ALL: [GroupStatus; 3] = [
        GroupStatus::Unresolved,
        GroupStatus::Resolved,
        GroupStatus::Ignored,
    ];
    /// The allowed values, for error messages.
    pub const EXPECTED: &str = "unresolved, resolved or ignored";

    /// Reads `unresolved`, `resolved` or `ignored` (any case).
    pub fn parse(text: &str) -> Option<GroupStatus> {
        let text = text.trim();
        GroupStatus::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupStatus::Unresolved => "unresolved",
            GroupStatus::Resolved => "resolved",
            GroupStatus::Ignored => "ignored",
        }
    }
}

impl std::fmt::Display for GroupStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How groups are ranked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupSort {
    /// Most events in the window first.
    #[default]
    Count,
    /// Most recently first seen first.
    New,
    /// Largest growth (this half of the window against the previous) first.
    Trend,
}

/// A group as stored: what the list, the group page and reports show.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupRecord {
    pub fingerprint: String,
    pub title: String,
    pub culprit: Option<String>,
    pub module: Option<String>,
    pub level: Option<Level>,
    pub explanation: String,
    /// Events in the query window (all time for a single group).
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub services: Vec<String>,
    pub hosts: Vec<String>,
    /// Events per UTC day.
    pub daily: BTreeMap<NaiveDate, u64>,
    pub sample: Event,
    /// `status`, `status_changed_at` and `regressed_at`, at the top level
    /// of the JSON.
    #[serde(flatten)]
    pub state: GroupState,
}

/// Where a group stands: what a user last decided, and whether an event
/// reopened it since. Absent parts read as a group nobody has triaged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupState {
    #[serde(default)]
    pub status: GroupStatus,
    /// When a user last set `status` (for `resolved`, the moment after
    /// which an event is a regression); absent if never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_changed_at: Option<DateTime<Utc>>,
    /// The time of the event that last made a resolved group unresolved;
    /// absent if it never regressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regressed_at: Option<DateTime<Utc>>,
}

impl GroupState {
    /// When an event reopened the group, if nobody has set its status since:
    /// a group resolved again after it regressed is resolved, and no longer
    /// shown as regressed (`regressed_at` keeps the time).
    pub fn regressed_since_set(&self) -> Option<DateTime<Utc>> {
        self.regressed_at
            .filter(|r| self.status_changed_at.is_none_or(|set| *r > set))
    }
}

/// A group's events in a window, per day and per service: what a report
/// needs to compare weeks and roll groups up by service.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupActivity {
    /// The group, its `count` being its events in the window and `daily` its
    /// whole known history.
    pub group: GroupRecord,
    /// Events per UTC day of each service within the window (`""` for events
    /// without a service).
    pub services_daily: BTreeMap<String, BTreeMap<NaiveDate, u64>>,
}

/// Requests to one endpoint: an HTTP method and the route its paths map to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointStats {
    /// `-` for requests without a method.
    pub method: String,
    pub route: String,
    pub requests: u64,
    /// Responses with a 5xx status.
    pub server_errors: u64,
    /// Of `request_time`, when requests carried it (1% relative error).
    pub latency: Option<Percentiles>,
}

/// What the collector knows about a new group when it stores its first event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMeta {
    pub title: String,
    pub culprit: Option<String>,
    pub module: Option<String>,
    pub explanation: String,
}

/// `GET /api/v1/stats`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StatsQuery {
    /// tantivy query syntax; empty matches everything.
    pub q: String,
    /// A field to count by: `service`, `level`, `host`, `fingerprint`, or any
    /// key of `fields` (such as `path`, `status`, `method`).
    pub by: Option<String>,
    /// Bucket width: `1m`, `1h`, `1d`... (default `1h`).
    pub interval: Option<String>,
    /// A numeric field whose p50/p95/p99 to compute per bucket and overall,
    /// such as `request_time`.
    pub percentiles: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Counts over time, by a field, with percentiles.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StatsResult {
    pub total: u64,
    pub buckets: Vec<Bucket>,
    /// Totals per value of `by`, largest first.
    pub by: Vec<(String, u64)>,
    pub percentiles: Option<Percentiles>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub count: u64,
    /// Counts per value of `by` in this bucket.
    pub by: BTreeMap<String, u64>,
    pub percentiles: Option<Percentiles>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

/// The index commits that wrote documents, and how long they took.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CommitTimes {
    pub count: u64,
    pub total_seconds: f64,
    pub last_seconds: f64,
}

/// Counters for `/metrics`.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct StoreMetrics {
    pub events_stored: u64,
    pub duplicates: u64,
    /// Bytes appended to the write-ahead log since the store was opened.
    pub wal_bytes: u64,
    /// Bytes in the write-ahead log's segment files now.
    pub wal_disk_bytes: u64,
    /// Bytes in the index folders.
    pub index_bytes: u64,
    /// fsyncs of the write-ahead log; fewer than batches under concurrency.
    pub wal_fsyncs: u64,
    /// Batches the write-ahead log could not take (a full disk, an I/O
    /// error), refused with [`StoreError::Unavailable`].
    pub wal_failures: u64,
    pub commits: CommitTimes,
    pub groups: u64,
    /// Keys of stored events remembered for deduplication.
    pub seen_keys: u64,
}
