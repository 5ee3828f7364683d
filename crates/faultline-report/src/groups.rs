//! Error groups: every event with the same fingerprint, summed up.

use chrono::{DateTime, Utc};
use faultline_event::{Event, Level};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// How a group presents itself; computed once, from its first event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// `Type: value` for exceptions, the template otherwise.
    pub title: String,
    /// The top in-app frame: `module.function (file)`.
    pub culprit: Option<String>,
    /// The module or file the culprit lives in, for the weak-area roll-up.
    pub module: Option<String>,
    /// Why its events were grouped together.
    pub explanation: String,
}

/// One error group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupSummary {
    pub fingerprint: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub culprit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The most severe level seen.
    pub level: Option<Level>,
    pub count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<DateTime<Utc>>,
    pub services: BTreeSet<String>,
    pub hosts: BTreeSet<String>,
    pub explanation: String,
    /// The first event of the group, as it was seen.
    pub sample: Event,
}

/// Every group seen so far.
#[derive(Debug, Default)]
pub struct Groups {
    by_fingerprint: HashMap<String, GroupSummary>,
}

impl Groups {
    /// Counts `event` into its group (by `event.fingerprint`); `info` is asked
    /// only when the group is new. Events without a fingerprint are ignored.
    pub fn observe(&mut self, event: &Event, info: impl FnOnce() -> GroupInfo) {
        let Some(fingerprint) = event.fingerprint.as_deref() else {
            return;
        };
        let group = match self.by_fingerprint.get_mut(fingerprint) {
            Some(group) => group,
            None => {
                let info = info();
                self.by_fingerprint
                    .entry(fingerprint.to_string())
                    .or_insert_with(|| GroupSummary {
                        fingerprint: fingerprint.to_string(),
                        title: info.title,
                        culprit: info.culprit,
                        module: info.module,
                        level: event.level,
                        count: 0,
                        first_seen: event.ts,
                        last_seen: event.ts,
                        services: BTreeSet::new(),
                        hosts: BTreeSet::new(),
                        explanation: info.explanation,
                        sample: event.clone(),
                    })
            }
        };
        group.count += 1;
        group.level = group.level.max(event.level);
        if let Some(ts) = event.ts {
            group.first_seen = Some(group.first_seen.map_or(ts, |f| f.min(ts)));
            group.last_seen = Some(group.last_seen.map_or(ts, |l| l.max(ts)));
        }
        if let Some(service) = &event.service
            && !group.services.contains(service)
        {
            group.services.insert(service.clone());
        }
        if let Some(host) = &event.host
            && !group.hosts.contains(host)
        {
            group.hosts.insert(host.clone());
        }
    }

    /// Adds another set of groups into this one (parallel analysis).
    pub fn merge(&mut self, other: Groups) {
        for (fingerprint, theirs) in other.by_fingerprint {
            match self.by_fingerprint.get_mut(&fingerprint) {
                None => {
                    self.by_fingerprint.insert(fingerprint, theirs);
                }
                Some(ours) => {
                    ours.count += theirs.count;
                    ours.level = ours.level.max(theirs.level);
                    ours.first_seen = min_some(ours.first_seen, theirs.first_seen);
                    ours.last_seen = ours.last_seen.max(theirs.last_seen);
                    ours.services.extend(theirs.services);
                    ours.hosts.extend(theirs.hosts);
                }
            }
        }
    }

    /// Replaces a group's title (a message group's template generalises as
    /// more of its events are seen: `took <dur>` after `for sku X took <dur>`).
    pub fn set_title(&mut self, fingerprint: &str, title: String) {
        if let Some(group) = self.by_fingerprint.get_mut(fingerprint) {
            group.title = title;
        }
    }

    pub fn len(&self) -> usize {
        self.by_fingerprint.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_fingerprint.is_empty()
    }

    /// Groups by count, most frequent first; ties by severity, then by the
    /// most recent, then by title, so the order is stable.
    pub fn ranked(&self) -> Vec<&GroupSummary> {
        let mut ranked: Vec<&GroupSummary> = self.by_fingerprint.values().collect();
        ranked.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(b.level.cmp(&a.level))
                .then(b.last_seen.cmp(&a.last_seen))
                .then(a.title.cmp(&b.title))
                .then(a.fingerprint.cmp(&b.fingerprint))
        });
        ranked
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = &GroupSummary> {
        self.by_fingerprint.values()
    }
}

fn min_some<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
