//! The event index: one tantivy index per UTC day under `DIR/<YYYY-MM-DD>/`.
//!
//! - `schema` — the fields, and how an event becomes a document;
//! - `tokenizer` — the code-aware, message, field and id tokenizers;
//! - `day` — one day's index, its reader and its on-demand writer;
//! - `search` — queries, filters, newest-first hits and highlights;
//! - `field_query` — query terms on `fields`, answered from the columns;
//! - `stats` — counts over time, by a field, and percentiles;
//! - `endpoints` — access-log requests, 5xx and latency per method and route;
//! - `stored` — the stored event, without what the fast fields hold.
//!
//! Documents are buffered in each day's writer by [`EventIndex::add`] and
//! become searchable on [`EventIndex::commit_with`]. The index never commits
//! on its own: its owner calls `commit_with` on a timer (the store does so
//! every `commit_interval_ms`), never per event. Each day's commit records
//! the write-ahead log position it covers, and `DIR/committed` records the
//! position every day has reached; on restart the log is replayed from there
//! through [`EventIndex::add_replayed`], which skips what a day already holds.

mod day;
mod endpoints;
mod field_query;
mod field_value;
mod schema;
mod search;
mod stats;
mod stored;
mod tokenizer;

use crate::StoreError;
use crate::{CommitTimes, StoreConfig};
use chrono::{DateTime, NaiveDate, Utc};
use day::Day;
pub use endpoints::RouteFn;
use faultline_event::Event;
use schema::Fields;
use schema::LEGACY_SCHEMA_VERSION;
pub use schema::SCHEMA_VERSION;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

/// The tantivy indexes of a store, one per UTC day. Thread-safe.
pub struct EventIndex {
    dir: PathBuf,
    /// The current schema's fields (their ids are the same in a legacy day),
    /// which queries are parsed with.
    fields: Fields,
    /// The current schema, and the legacy one older days may have.
    schemas: [Fields; 2],
    config: StoreConfig,
    days: RwLock<BTreeMap<NaiveDate, Arc<Day>>>,
    /// Serialises commits and retention.
    state: Mutex<State>,
}

/// Days that keep an open writer when more are idle. Each open writer holds
/// about 11 MB and 6 threads (tantivy's indexing, merge and docstore
/// threads) until its day idles: measured with a 24-day backfill, 372 MB and
/// 144 threads (`BENCHMARKS.md`).
const MAX_OPEN_WRITERS: usize = 4;

#[derive(Default)]
struct State {
    committed: Option<u64>,
    commits: CommitTimes,
}

impl std::fmt::Debug for EventIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventIndex")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl EventIndex {
    /// Opens (or creates) the index folder `dir` and every day in it.
    pub fn open(dir: &Path, config: &StoreConfig) -> Result<EventIndex, StoreError> {
        EventIndex::open_with(dir, config, [Fields::new(), Fields::legacy()])
    }

    /// Opens `dir` as [`EventIndex::open`] does, but writes new days with
    /// the legacy schema (3), in which every value of `fields` is also
    /// indexed as terms: for comparing the two (the equivalence tests, and
    /// `index_size --legacy`), not for use.
    #[doc(hidden)]
    pub fn open_legacy(dir: &Path, config: &StoreConfig) -> Result<EventIndex, StoreError> {
        EventIndex::open_with(dir, config, [Fields::legacy(), Fields::new()])
    }

    /// `schemas[0]` is the one new days are written with.
    fn open_with(
        dir: &Path,
        config: &StoreConfig,
        schemas: [Fields; 2],
    ) -> Result<EventIndex, StoreError> {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        check_version(dir)?;
        let mut days = BTreeMap::new();
        for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
            let entry = entry.map_err(io_err(dir))?;
            let name = entry.file_name();
            let Some(date) = name.to_str().and_then(|n| n.parse::<NaiveDate>().ok()) else {
                continue;
            };
            let day = Day::open(&entry.path(), &schemas, config)?;
            days.insert(date, Arc::new(day));
        }
        let committed =
            read_position(dir)?.or_else(|| days.values().filter_map(|d| d.committed()).min());
        Ok(EventIndex {
            dir: dir.to_path_buf(),
            fields: Fields::new(),
            schemas,
            config: config.clone(),
            days: RwLock::new(days),
            state: Mutex::new(State {
                committed,
                ..State::default()
            }),
        })
    }

    /// Buffers events in the writer of each event's UTC day. An event without
    /// a timestamp is filed under the moment it is added. Searchable after
    /// the next [`EventIndex::commit_with`].
    pub fn add(&self, events: &[Event]) -> Result<(), StoreError> {
        self.add_where(events, |_| true)
    }

    /// Adds events read back from the write-ahead log entry at `wal_position`,
    /// skipping those whose day already committed a later position (a crash
    /// between two days' commits leaves one day ahead of the others).
    pub fn add_replayed(&self, wal_position: u64, events: &[Event]) -> Result<(), StoreError> {
        self.add_where(events, |day| {
            day.committed().is_none_or(|c| c <= wal_position)
        })
    }

    fn add_where(&self, events: &[Event], keep: impl Fn(&Day) -> bool) -> Result<(), StoreError> {
        let now = Utc::now();
        let mut by_day: BTreeMap<NaiveDate, Vec<(&Event, DateTime<Utc>)>> = BTreeMap::new();
        for event in events {
            let ts = event.ts.unwrap_or(now);
            by_day.entry(ts.date_naive()).or_default().push((event, ts));
        }
        for (date, mut events) in by_day {
            let day = self.day(date)?;
            if !keep(&day) {
                continue;
            }
            if day.in_template_order() {
                // Segments are sorted by template (stably, by tantivy or
                // the day): handed over in runs already sorted, the sorts
                // find them and do less work.
                events.sort_by(|a, b| a.0.template.cmp(&b.0.template));
            }
            day.add(events.into_iter().map(|(e, ts)| day.fields.document(e, ts)))?;
        }
        Ok(())
    }

    /// Commits every day with new documents, storing `wal_position` (the log
    /// position every added event came before) in each commit, then in
    /// `DIR/committed`. Call it only once every event before `wal_position`
    /// has been added.
    pub fn commit_with(&self, wal_position: u64) -> Result<(), StoreError> {
        let mut state = self.lock_state();
        let started = Instant::now();
        let days: Vec<Arc<Day>> = self.read_days().values().cloned().collect();
        let mut wrote = false;
        for day in days {
            wrote |= day.commit(wal_position)?;
        }
        write_position(&self.dir, wal_position)?;
        state.committed = Some(wal_position);
        if wrote {
            let seconds = started.elapsed().as_secs_f64();
            let commits = &mut state.commits;
            commits.count += 1;
            commits.total_seconds += seconds;
            commits.last_seconds = seconds;
        }
        self.close_idle_writers()
    }

    /// Days with an open writer.
    #[cfg(test)]
    fn open_writers(&self) -> usize {
        self.read_days()
            .values()
            .filter(|day| day.open_and_idle_for().is_some())
            .count()
    }

    /// When more than [`MAX_OPEN_WRITERS`] days hold a writer, closes those
    /// idle for [`day::IDLE_COMMITS_BEFORE_EARLY_CLOSE`] commits or more,
    /// longest idle first, down to that many: a backfill that replays old
    /// days one after another keeps a few writers, not one per day it
    /// touched. Days that all receive events stay open, and so do
    /// yesterday, today and tomorrow (UTC, for clocks a little ahead)
    /// whatever their pause: closing a day merges it whole, and its next
    /// event waits for that merge.
    fn close_idle_writers(&self) -> Result<(), StoreError> {
        let today = Utc::now().date_naive();
        let recent = (today - chrono::Days::new(1))..=(today + chrono::Days::new(1));
        let (mut open, mut open_recent) = (Vec::new(), 0);
        for (date, day) in self.read_days().iter() {
            let Some(idle) = day.open_and_idle_for() else {
                continue;
            };
            if recent.contains(date) {
                open_recent += 1;
            } else {
                open.push((idle, day.clone()));
            }
        }
        let keep = MAX_OPEN_WRITERS.saturating_sub(open_recent);
        if open.len() <= keep {
            return Ok(());
        }
        open.sort_by_key(|(idle, _)| std::cmp::Reverse(*idle));
        let excess = open.len() - keep;
        for (idle, day) in open.into_iter().take(excess) {
            if idle >= day::IDLE_COMMITS_BEFORE_EARLY_CLOSE {
                day.close_now()?;
            }
        }
        Ok(())
    }

    /// Drops what every day had not committed (see [`Day::reset`]), after
    /// an index write failed; the caller adds it again from the log.
    pub fn reset(&self) {
        for day in self.read_days().values() {
            day.reset();
        }
    }

    /// A commit timer's tick with nothing to commit: every day counts an idle
    /// commit (so days close and merge when no events arrive at all).
    pub fn idle(&self) -> Result<(), StoreError> {
        let days: Vec<Arc<Day>> = self.read_days().values().cloned().collect();
        for day in days {
            day.idle()?;
        }
        self.close_idle_writers()
    }

    /// Waits for the merges of idle days still running (each runs on its own
    /// thread after a day's writer closes).
    pub fn settle(&self) {
        for day in self.read_days().values() {
            day.settle();
        }
    }

    /// The write-ahead log position the whole index has committed: replay
    /// the log from here.
    pub fn committed_position(&self) -> Option<u64> {
        self.lock_state().committed
    }

    /// The calls of [`EventIndex::commit_with`] that wrote documents, and
    /// how long they took.
    pub fn commit_times(&self) -> CommitTimes {
        self.lock_state().commits
    }

    /// Deletes the folders of days before `keep_from`.
    pub fn retain(&self, keep_from: NaiveDate) -> Result<(), StoreError> {
        let _state = self.lock_state();
        let old: Vec<(NaiveDate, Arc<Day>)> = {
            let mut days = self.days.write().unwrap_or_else(|e| e.into_inner());
            let keep = days.split_off(&keep_from);
            std::mem::replace(&mut *days, keep).into_iter().collect()
        };
        for (_, day) in old {
            let path = day.path.clone();
            drop(day);
            std::fs::remove_dir_all(&path).map_err(io_err(&path))?;
        }
        Ok(())
    }

    /// The days that have an index, oldest first.
    pub fn days(&self) -> Vec<NaiveDate> {
        self.read_days().keys().copied().collect()
    }

    /// Bytes on disk under the index folder.
    pub fn size_bytes(&self) -> u64 {
        dir_size(&self.dir)
    }

    /// Segments searched, summed over days: what a query opens, and what
    /// the merge policy keeps in check.
    pub fn segment_count(&self) -> usize {
        self.read_days()
            .values()
            .map(|day| day.reader.searcher().segment_readers().len())
            .sum()
    }

    /// Where the committed index's bytes go, summed over days and segments:
    /// `(part, bytes)` with parts such as `postings/message` or `store`,
    /// largest first. For benchmarks and capacity planning.
    pub fn space_usage(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut parts: BTreeMap<String, u64> = BTreeMap::new();
        for day in self.read_days().values() {
            let usage = day
                .reader
                .searcher()
                .space_usage()
                .map_err(io_err(&day.path))?;
            for segment in usage.segments() {
                usage_parts(segment, &mut parts);
            }
        }
        let mut parts: Vec<(String, u64)> = parts.into_iter().collect();
        parts.sort_by_key(|part| std::cmp::Reverse(part.1));
        Ok(parts)
    }

    fn day(&self, date: NaiveDate) -> Result<Arc<Day>, StoreError> {
        if let Some(day) = self.read_days().get(&date) {
            return Ok(day.clone());
        }
        let mut days = self.days.write().unwrap_or_else(|e| e.into_inner());
        if let Some(day) = days.get(&date) {
            return Ok(day.clone());
        }
        let path = self.dir.join(date.to_string());
        let day = Arc::new(Day::open(&path, &self.schemas, &self.config)?);
        days.insert(date, day.clone());
        Ok(day)
    }

    /// The days overlapping `[since, until]`, newest first.
    fn days_between(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Vec<Arc<Day>> {
        let from = since.map_or(NaiveDate::MIN, |t| t.date_naive());
        let to = until.map_or(NaiveDate::MAX, |t| t.date_naive());
        if from > to {
            return Vec::new();
        }
        self.read_days()
            .range(from..=to)
            .rev()
            .map(|(_, d)| d.clone())
            .collect()
    }

    fn read_days(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<NaiveDate, Arc<Day>>> {
        self.days.read().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `DIR/version` holds the schema version; an index of another version is
/// refused rather than misread, except the legacy version, whose days are
/// read (and written) with their own schema while new days take the
/// current one.
fn check_version(dir: &Path) -> Result<(), StoreError> {
    let path = dir.join("version");
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim() == SCHEMA_VERSION.to_string() => Ok(()),
        // Its days keep their schema; new days take the current one.
        Ok(text) if text.trim() == LEGACY_SCHEMA_VERSION.to_string() => {
            write_atomic(&path, SCHEMA_VERSION.to_string().as_bytes())
        }
        Ok(text) => Err(StoreError::Index(format!(
            "{}: index schema version {} is not the supported {SCHEMA_VERSION} \
             (written by another faultline version); move the folder aside to start a new \
             index, or rebuild it from the logs with `faultline analyze --data`",
            dir.display(),
            text.trim()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            write_atomic(&path, SCHEMA_VERSION.to_string().as_bytes())
        }
        Err(e) => Err(io_err(&path)(e)),
    }
}

fn read_position(dir: &Path) -> Result<Option<u64>, StoreError> {
    let path = dir.join("committed");
    match std::fs::read_to_string(&path) {
        Ok(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Corrupt {
                path: path.display().to_string(),
                offset: 0,
                reason: format!("not a log position: {:?}", text.trim()),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_err(&path)(e)),
    }
}

fn write_position(dir: &Path, position: u64) -> Result<(), StoreError> {
    write_atomic(&dir.join("committed"), position.to_string().as_bytes())
}

/// Writes a small file so that a crash leaves either the old or the new
/// content: temporary file, fsync, rename, fsync of the folder.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
    file.write_all(bytes).map_err(io_err(&tmp))?;
    file.sync_all().map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))?;
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::File::open(parent)
        .and_then(|d| d.sync_all())
        .map_err(io_err(parent))
}

fn usage_parts(
    segment: &tantivy::space_usage::SegmentSpaceUsage,
    parts: &mut BTreeMap<String, u64>,
) {
    use tantivy::index::SegmentComponent as C;
    use tantivy::space_usage::ComponentSpaceUsage;
    let components = [
        ("postings", C::Postings),
        ("positions", C::Positions),
        ("terms", C::Terms),
        ("fast", C::FastFields),
        ("fieldnorms", C::FieldNorms),
        ("store", C::Store),
    ];
    for (name, component) in components {
        match segment.component(component) {
            ComponentSpaceUsage::PerField(fields) => {
                for field in fields.fields() {
                    let key = format!("{name}/{}", field.field_name());
                    *parts.entry(key).or_default() += field.total().get_bytes();
                }
            }
            other => *parts.entry(name.to_string()).or_default() += other.total().get_bytes(),
        }
    }
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IndexOrder;

    /// Each segment's templates, in document order.
    fn templates_on_disk(index: &EventIndex) -> Vec<Vec<String>> {
        let mut segments = Vec::new();
        for day in index.read_days().values() {
            day.reader.reload().unwrap();
            for segment in day.reader.searcher().segment_readers() {
                let column = segment.fast_fields().str("template").unwrap().unwrap();
                let mut text = String::new();
                let templates = (0..segment.max_doc())
                    .map(|doc| {
                        let ord = column.ords().first(doc).unwrap();
                        column.ord_to_str(ord, &mut text).unwrap();
                        text.clone()
                    })
                    .collect();
                segments.push(templates);
            }
        }
        segments
    }

    /// Events of ten templates, interleaved, over three commits of two
    /// batches each; then the day idles until it is merged into one segment.
    fn indexed(order: IndexOrder) -> (tempfile::TempDir, EventIndex, Vec<Vec<String>>) {
        let (dir, index) = small_index(order);
        let ts = "2026-11-26T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        for commit in 0..3u64 {
            let events: Vec<Event> = (0..100)
                .map(|i| {
                    let mut event = Event::new(format!("step {} of job {i}", i % 10));
                    event.template = Some(format!("step {} of job <num>", 9 - i % 10));
                    event.ts = Some(ts + chrono::Duration::seconds(i + 100 * commit as i64));
                    event
                })
                .collect();
            let (first, second) = events.split_at(50);
            index.add(first).unwrap();
            index.add(second).unwrap();
            index.commit_with(commit + 1).unwrap();
        }
        let unmerged = templates_on_disk(&index);
        idle_until_merged(&index, 4);
        (dir, index, unmerged)
    }

    /// An index of days in `order`, with a small indexing budget.
    fn small_index(order: IndexOrder) -> (tempfile::TempDir, EventIndex) {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig {
            index_order: order,
            index_memory_bytes: 16 << 20,
            ..StoreConfig::default()
        };
        let index = EventIndex::open(dir.path(), &config).unwrap();
        (dir, index)
    }

    /// Commits nothing until the days close, and waits for their merges.
    fn idle_until_merged(index: &EventIndex, position: u64) {
        for _ in 0..day::IDLE_COMMITS_BEFORE_CLOSE {
            index.commit_with(position).unwrap();
        }
        index.settle();
    }

    #[test]
    fn a_day_in_template_order_keeps_events_alike_together_through_merges() {
        let (_dir, index, unmerged) = indexed(IndexOrder::Template);
        assert_eq!(unmerged.len(), 3, "one segment per commit");
        let merged = templates_on_disk(&index);
        assert_eq!(merged.len(), 1, "the idle day is one segment");
        for segment in unmerged.iter().chain(&merged) {
            assert!(segment.is_sorted(), "{segment:?}");
        }
        assert_eq!(merged[0].len(), 300);
        assert_eq!(merged[0].first().unwrap(), "step 0 of job <num>");
    }

    #[test]
    fn small_and_large_commits_each_write_one_segment_and_keep_every_event() {
        // A commit of few events is written by the day itself, one of many
        // by tantivy's indexing thread (what the day held so far handed
        // over first); either way one segment a commit, sorted in template
        // order, and every event found.
        let small = day::SMALL_COMMIT_DOCS / 10;
        let half = day::SMALL_COMMIT_DOCS * 3 / 5;
        let commits: [&[usize]; 4] = [&[small], &[half, half], &[small, small], &[half * 3]];
        for order in [IndexOrder::Template, IndexOrder::Arrival] {
            let (_dir, index) = small_index(order);
            let ts = "2026-11-26T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
            let mut n = 0i64;
            for (commit, batches) in commits.iter().enumerate() {
                for &len in *batches {
                    let events: Vec<Event> = (0..len)
                        .map(|_| {
                            let mut event = Event::new(format!("step {} of job {n}", n % 7));
                            event.template = Some(format!("step {} of job <num>", 6 - n % 7));
                            event.ts = Some(ts + chrono::Duration::milliseconds(n));
                            n += 1;
                            event
                        })
                        .collect();
                    index.add(&events).unwrap();
                }
                index.commit_with(commit as u64 + 1).unwrap();
            }
            let segments = templates_on_disk(&index);
            assert_eq!(segments.len(), commits.len(), "{order:?}");
            let mut got: Vec<usize> = segments.iter().map(Vec::len).collect();
            let mut want: Vec<usize> = commits.iter().map(|b| b.iter().sum()).collect();
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{order:?}");
            for segment in &segments {
                assert_eq!(
                    segment.is_sorted(),
                    order == IndexOrder::Template,
                    "{order:?}"
                );
            }
            let hits = index
                .search(&crate::SearchQuery {
                    q: "job".into(),
                    ..crate::SearchQuery::default()
                })
                .unwrap();
            assert_eq!(hits.total, n as u64, "{order:?}");
        }
    }

    /// The segment ids of a day's folder: those its meta lists, and those
    /// with files on disk.
    fn segments_listed_and_on_disk(day: &std::path::Path) -> (Vec<String>, Vec<String>) {
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(day.join("meta.json")).unwrap()).unwrap();
        let mut listed: Vec<String> = meta["segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["segment_id"].as_str().unwrap().replace('-', ""))
            .collect();
        let mut on_disk: Vec<String> = std::fs::read_dir(day)
            .unwrap()
            .filter_map(|entry| {
                let name = entry.unwrap().file_name().into_string().unwrap();
                let (stem, _) = name.split_once('.')?;
                (stem.len() == 32).then(|| stem.to_string())
            })
            .collect();
        listed.sort();
        on_disk.sort();
        on_disk.dedup();
        (listed, on_disk)
    }

    #[test]
    fn a_day_closed_while_its_segments_merge_ends_as_one_segment_without_leftover_files() {
        for order in [IndexOrder::Template, IndexOrder::Arrival] {
            let (dir, index) = small_index(order);
            let ts = "2026-11-26T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
            // One segment per commit: tantivy's merge policy merges them
            // eight at a time, and the day goes idle (its commits come
            // quicker here than a collector's, once a second) while the
            // last such merge still runs.
            for commit in 0..16u64 {
                let events: Vec<Event> = (0..1000)
                    .map(|i| {
                        let mut event = Event::new(format!("job {i} step {commit}"));
                        event.template = Some(format!("job <num> step {}", i % 7));
                        event.ts = Some(ts + chrono::Duration::seconds(i));
                        event
                    })
                    .collect();
                index.add(&events).unwrap();
                index.commit_with(commit + 1).unwrap();
            }
            idle_until_merged(&index, 17);
            assert_eq!(
                index.segment_count(),
                1,
                "{order:?}: the idle day is one segment"
            );
            let (listed, on_disk) = segments_listed_and_on_disk(&dir.path().join("2026-11-26"));
            assert_eq!(listed.len(), 1, "{order:?}");
            assert_eq!(
                on_disk, listed,
                "{order:?}: files of merged-away segments are deleted"
            );
            let all = index
                .search(&crate::SearchQuery {
                    limit: Some(1),
                    ..crate::SearchQuery::default()
                })
                .unwrap();
            assert_eq!(all.total, 16_000, "{order:?}");
        }
    }

    #[test]
    fn a_backfill_keeps_a_few_writers_open_and_loses_nothing() {
        let (_dir, index) = small_index(IndexOrder::Template);
        let event = |ts: DateTime<Utc>, i: i64| {
            let mut event = Event::new(format!("backfilled event {i}"));
            event.template = Some("backfilled event <num>".into());
            event.ts = Some(ts + chrono::Duration::seconds(i));
            event
        };
        let now = Utc::now();
        let today = now.date_naive();
        index.add(&[event(now, 0)]).unwrap();
        // Twenty old days replayed one after the other, two commits each.
        let first = "2026-10-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let per_day = 2u64;
        let (mut position, mut most_open) = (0, 0);
        for day in 0..20 {
            for _ in 0..per_day {
                let ts = first + chrono::Duration::days(day);
                let events: Vec<Event> = (0..20).map(|i| event(ts, i)).collect();
                index.add(&events).unwrap();
                position += 1;
                index.commit_with(position).unwrap();
            }
            most_open = most_open.max(index.open_writers());
            if position < u64::from(day::IDLE_COMMITS_BEFORE_CLOSE) {
                let today = index.read_days()[&today].open_and_idle_for();
                assert!(today.is_some(), "today's writer is never closed early");
            }
        }
        // Without the cap, every day idle for fewer than 30 commits (15)
        // would hold a writer; with it, only those idle for fewer than 10.
        let bound = (day::IDLE_COMMITS_BEFORE_EARLY_CLOSE as u64 / per_day) as usize + 1;
        assert!(most_open <= bound, "{most_open} writers open");
        // A late event for a day whose writer closed opens it again.
        index.add(&[event(first, 99)]).unwrap();
        index.commit_with(position + 1).unwrap();
        index.settle();
        let all = index
            .search(&crate::SearchQuery {
                q: "backfilled".into(),
                limit: Some(1),
                ..crate::SearchQuery::default()
            })
            .unwrap();
        assert_eq!(all.total, 20 * 40 + 2);
        assert_eq!(index.days().len(), 21);
    }

    #[test]
    fn a_day_in_arrival_order_keeps_events_as_they_came() {
        let (_dir, index, _) = indexed(IndexOrder::Arrival);
        let merged = templates_on_disk(&index);
        assert_eq!(merged.len(), 1);
        assert_eq!(
            merged[0][..2],
            ["step 9 of job <num>", "step 8 of job <num>"]
        );
    }
}
