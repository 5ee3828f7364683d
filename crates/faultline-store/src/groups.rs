//! The group store: what is known about each error group, in memory.
//!
//! Groups are few (thousands) even when events are many (millions), so the
//! whole store is a map from fingerprint to [`Group`] with per-day, per-service
//! counts; ranking it is a scan. It is persisted as one snapshot file written
//! atomically at checkpoints (`groups.json`, carrying the log position it
//! includes); the events after that position are replayed from the
//! write-ahead log on open.
//!
//! An event without a fingerprint is indexed but belongs to no group.
//!
//! A group's status is set by users ([`GroupStore::set_status`]) and changed
//! by events only through a regression: an event dated after the moment a
//! group was resolved makes it unresolved again. Both depend only on the
//! event times and the stored resolve time, never on the clock, so replaying
//! the log over a snapshot gives the same statuses.

use crate::fsutil::{read_if_exists, write_atomic};
use crate::{
    GroupActivity, GroupMeta, GroupQuery, GroupRecord, GroupSort, GroupState, GroupStatus,
    StoreError,
};
use chrono::{DateTime, Days, NaiveDate, Utc};
use faultline_event::{Event, Level};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

const SNAPSHOT_VERSION: u32 = 1;
/// Hosts remembered per group; a group seen on more shows these.
const MAX_HOSTS: usize = 64;
const DEFAULT_LIMIT: usize = 50;
/// The window `trend` compares when the query names none.
const TREND_DAYS: u64 = 14;

/// One error group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Group {
    pub fingerprint: String,
    pub title: String,
    pub culprit: Option<String>,
    pub module: Option<String>,
    pub explanation: String,
    pub level: Option<Level>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Events per UTC day, all services.
    pub daily: BTreeMap<NaiveDate, u64>,
    /// Events per UTC day of each service (`""` for events without one).
    pub services: BTreeMap<String, BTreeMap<NaiveDate, u64>>,
    pub hosts: BTreeSet<String>,
    /// The group's first stored event.
    pub sample: Event,
    /// At the top level of the snapshot's group, as in the API's JSON;
    /// snapshots written before statuses existed read as unresolved.
    #[serde(flatten)]
    pub state: GroupState,
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    version: u32,
    /// Every log record before this position is included.
    position: u64,
    groups: Vec<Group>,
}

/// All groups.
#[derive(Debug, Default)]
pub(crate) struct GroupStore {
    groups: HashMap<String, Group>,
}

impl GroupStore {
    /// Loads a snapshot: the groups and the log position they include.
    pub(crate) fn load(path: &Path) -> Result<(GroupStore, u64), StoreError> {
        let Some(bytes) = read_if_exists(path)? else {
            return Ok((GroupStore::default(), 0));
        };
        let snapshot: Snapshot =
            serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                path: path.display().to_string(),
                offset: e.column() as u64,
                reason: e.to_string(),
            })?;
        if snapshot.version != SNAPSHOT_VERSION {
            return Err(StoreError::Corrupt {
                path: path.display().to_string(),
                offset: 0,
                reason: format!("unknown group snapshot version {}", snapshot.version),
            });
        }
        let groups = snapshot
            .groups
            .into_iter()
            .map(|g| (g.fingerprint.clone(), g))
            .collect();
        Ok((GroupStore { groups }, snapshot.position))
    }

    /// Writes the snapshot atomically.
    pub(crate) fn save(&self, path: &Path, position: u64) -> Result<(), StoreError> {
        let snapshot = Snapshot {
            version: SNAPSHOT_VERSION,
            position,
            groups: self.groups.values().cloned().collect(),
        };
        let bytes = serde_json::to_vec(&snapshot).expect("groups serialise");
        write_atomic(path, &bytes)
    }

    pub(crate) fn len(&self) -> usize {
        self.groups.len()
    }

    pub(crate) fn contains(&self, fingerprint: &str) -> bool {
        self.groups.contains_key(fingerprint)
    }

    /// Counts a stored event (which has a timestamp by now). `meta` describes a
    /// new group; without it the title comes from the event.
    pub(crate) fn apply(&mut self, event: &Event, meta: Option<&GroupMeta>) {
        let (Some(fp), Some(ts)) = (&event.fingerprint, event.ts) else {
            return;
        };
        let group = self
            .groups
            .entry(fp.clone())
            .or_insert_with(|| new_group(fp, event, ts, meta));
        let day = ts.date_naive();
        group.first_seen = group.first_seen.min(ts);
        group.last_seen = group.last_seen.max(ts);
        group.level = group.level.max(event.level);
        let state = &mut group.state;
        if state.status == GroupStatus::Resolved && state.status_changed_at.is_none_or(|r| ts > r) {
            state.status = GroupStatus::Unresolved;
            state.regressed_at = Some(ts);
        }
        *group.daily.entry(day).or_default() += 1;
        let service = event.service.clone().unwrap_or_default();
        *group
            .services
            .entry(service)
            .or_default()
            .entry(day)
            .or_default() += 1;
        if let Some(host) = &event.host
            && group.hosts.len() < MAX_HOSTS
            && !group.hosts.contains(host)
        {
            group.hosts.insert(host.clone());
        }
    }

    /// Sets a group's status as of `at` (the moment a user set it); returns
    /// its state before, or `None` for an unknown group.
    pub(crate) fn set_status(
        &mut self,
        fingerprint: &str,
        status: GroupStatus,
        at: DateTime<Utc>,
    ) -> Option<GroupState> {
        let group = self.groups.get_mut(fingerprint)?;
        let before = group.state;
        group.state.status = status;
        group.state.status_changed_at = Some(at);
        Some(before)
    }

    /// Puts back a group's status state (a change that could not be saved).
    pub(crate) fn restore_status(&mut self, fingerprint: &str, state: GroupState) {
        if let Some(group) = self.groups.get_mut(fingerprint) {
            group.state = state;
        }
    }

    /// Forgets the days before `keep_from`, and the groups left without any
    /// unless a user set their status: a resolved group whose bug comes back
    /// after retention is a regression, not a new group, and an ignored one
    /// stays ignored. Such a group keeps its title, sample and first seen; no
    /// ranking lists it until it has events again.
    pub(crate) fn retain(&mut self, keep_from: NaiveDate) {
        self.groups.retain(|_, g| {
            g.daily = g.daily.split_off(&keep_from);
            g.services.retain(|_, days| {
                *days = days.split_off(&keep_from);
                !days.is_empty()
            });
            !g.daily.is_empty() || g.state.status != GroupStatus::Unresolved
        });
    }

    /// One group, with its all-time count.
    pub(crate) fn get(&self, fingerprint: &str) -> Option<GroupRecord> {
        let g = self.groups.get(fingerprint)?;
        Some(record(g, g.daily.values().sum()))
    }

    /// Ranked groups; `today` is the last day of the window.
    pub(crate) fn query(&self, query: &GroupQuery, today: NaiveDate) -> Vec<GroupRecord> {
        let window = Window::of(query, today);
        let mut ranked: Vec<(i64, u64, &Group)> = self
            .groups
            .values()
            .filter(|g| query.level.is_none_or(|l| g.level >= Some(l)))
            .filter(|g| query.status.is_none_or(|s| g.state.status == s))
            .filter_map(|g| {
                let days = match &query.service {
                    Some(s) => g.services.get(s)?,
                    None => &g.daily,
                };
                let count = sum(days, window.from, window.to);
                (count > 0).then(|| (score(query.sort, g, days, &window, count), count, g))
            })
            .collect();
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT).min(ranked.len());
        let order = |a: &(i64, u64, &Group), b: &(i64, u64, &Group)| {
            (b.0, b.1, b.2.last_seen).cmp(&(a.0, a.1, a.2.last_seen))
        };
        if limit < ranked.len() && limit > 0 {
            ranked.select_nth_unstable_by(limit - 1, order);
        }
        ranked.truncate(limit);
        ranked.sort_unstable_by(order);
        ranked.into_iter().map(|(_, c, g)| record(g, c)).collect()
    }
}

impl GroupStore {
    /// Every group with events in `[from, to]` (UTC days), with its events
    /// per service and day within them; most events first.
    pub(crate) fn activity(&self, from: NaiveDate, to: NaiveDate) -> Vec<GroupActivity> {
        let mut list: Vec<GroupActivity> = self
            .groups
            .values()
            .filter_map(|g| {
                let count = sum(&g.daily, from, to);
                (count > 0).then(|| GroupActivity {
                    group: record(g, count),
                    services_daily: g
                        .services
                        .iter()
                        .map(|(s, days)| (s.clone(), window(days, from, to)))
                        .filter(|(_, days)| !days.is_empty())
                        .collect(),
                })
            })
            .collect();
        list.sort_by(|a, b| {
            (b.group.count, &a.group.fingerprint).cmp(&(a.group.count, &b.group.fingerprint))
        });
        list
    }
}

fn window(
    days: &BTreeMap<NaiveDate, u64>,
    from: NaiveDate,
    to: NaiveDate,
) -> BTreeMap<NaiveDate, u64> {
    if from > to {
        return BTreeMap::new();
    }
    days.range(from..=to).map(|(d, n)| (*d, *n)).collect()
}

/// The days a query counts, inclusive.
struct Window {
    from: NaiveDate,
    to: NaiveDate,
}

impl Window {
    fn of(query: &GroupQuery, today: NaiveDate) -> Window {
        let from = match (query.since, query.sort) {
            (Some(since), _) => since.date_naive(),
            (None, GroupSort::Trend) => today - Days::new(TREND_DAYS - 1),
            (None, _) => NaiveDate::MIN,
        };
        Window { from, to: today }
    }
}

/// The rank of a group: larger first.
fn score(
    sort: GroupSort,
    g: &Group,
    days: &BTreeMap<NaiveDate, u64>,
    w: &Window,
    count: u64,
) -> i64 {
    match sort {
        GroupSort::Count => count as i64,
        GroupSort::New => g.first_seen.timestamp(),
        GroupSort::Trend => {
            let span = (w.to - w.from).num_days().max(0) as u64 + 1;
            let half = Days::new(span.div_ceil(2));
            let recent_from = w.to - half + Days::new(1);
            let recent = sum(days, recent_from, w.to);
            let previous = sum(days, recent_from - half, recent_from - Days::new(1));
            recent as i64 - previous as i64
        }
    }
}

fn sum(days: &BTreeMap<NaiveDate, u64>, from: NaiveDate, to: NaiveDate) -> u64 {
    if from > to {
        return 0;
    }
    days.range(from..=to).map(|(_, n)| n).sum()
}

fn new_group(fp: &str, event: &Event, ts: DateTime<Utc>, meta: Option<&GroupMeta>) -> Group {
    let meta = meta.cloned().unwrap_or_else(|| fallback_meta(event));
    Group {
        fingerprint: fp.to_string(),
        title: meta.title,
        culprit: meta.culprit,
        module: meta.module,
        explanation: meta.explanation,
        level: event.level,
        first_seen: ts,
        last_seen: ts,
        daily: BTreeMap::new(),
        services: BTreeMap::new(),
        hosts: BTreeSet::new(),
        sample: event.clone(),
        state: GroupState::default(),
    }
}

/// A title from the event alone, for a group whose description was lost.
fn fallback_meta(event: &Event) -> GroupMeta {
    let title = match &event.exception {
        Some(e) => format!("{}: {}", e.kind, e.value),
        None => event.message.lines().next().unwrap_or_default().to_string(),
    };
    GroupMeta {
        title,
        culprit: None,
        module: None,
        explanation: String::new(),
    }
}

fn record(g: &Group, count: u64) -> GroupRecord {
    GroupRecord {
        fingerprint: g.fingerprint.clone(),
        title: g.title.clone(),
        culprit: g.culprit.clone(),
        module: g.module.clone(),
        level: g.level,
        explanation: g.explanation.clone(),
        count,
        first_seen: g.first_seen,
        last_seen: g.last_seen,
        services: g
            .services
            .keys()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect(),
        hosts: g.hosts.iter().cloned().collect(),
        daily: g.daily.clone(),
        sample: g.sample.clone(),
        state: g.state,
    }
}

#[cfg(test)]
mod tests;
