//! The weekly report: what a week's data adds up to, against the week before.
//!
//! Pure: the caller gathers a [`WeekInput`] (from a store, a collector or a
//! test) and [`WeeklyReport::build`] ranks and classifies it; nothing here
//! reads a clock.

use crate::IsoWeek;
use chrono::{DateTime, Days, NaiveDate, Utc};
use faultline_event::Level;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The version of the JSON document; bumped when a field changes meaning.
pub const REPORT_VERSION: u32 = 1;
/// Groups listed in the report.
pub const TOP_GROUPS: usize = 20;
/// Entries per weak-area ranking.
pub const TOP_AREAS: usize = 10;
/// Endpoints listed as most called, and as least called.
pub const TOP_ENDPOINTS: usize = 10;
pub const LEAST_ENDPOINTS: usize = 5;
/// Days in a group's sparkline: the previous week and this one.
pub const SPARK_DAYS: usize = 14;
/// A group silent at least this many days before this week "regressed".
pub const REGRESSION_SILENT_DAYS: i64 = 7;

/// Everything the report is computed from.
#[derive(Debug, Clone)]
pub struct WeekInput {
    pub week: IsoWeek,
    /// Events per day and level over the previous week and this one; days
    /// without events may be missing.
    pub days: Vec<DayInput>,
    /// Groups with events in either week.
    pub groups: Vec<GroupInput>,
    /// Access-log endpoints of this week.
    pub endpoints: Vec<EndpointInput>,
    /// Requests per `(method, route)` in the previous week.
    pub previous_requests: HashMap<(String, String), u64>,
}

/// One day's events.
#[derive(Debug, Clone, PartialEq)]
pub struct DayInput {
    pub date: NaiveDate,
    /// All events, with a level or not.
    pub total: u64,
    /// Events per level (`error`, `warn`...).
    pub levels: BTreeMap<String, u64>,
}

/// One group as stored.
#[derive(Debug, Clone)]
pub struct GroupInput {
    pub fingerprint: String,
    pub title: String,
    pub culprit: Option<String>,
    /// The culprit's module or file, for the roll-up.
    pub module: Option<String>,
    /// The outermost exception's type, if any.
    pub exception_type: Option<String>,
    pub level: Option<Level>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Events per UTC day, as far back as known.
    pub daily: BTreeMap<NaiveDate, u64>,
    /// Events per UTC day of each service, at least over the two weeks.
    pub service_daily: BTreeMap<String, BTreeMap<NaiveDate, u64>>,
}

/// One endpoint (`method` + masked route) of this week.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointInput {
    pub method: String,
    pub route: String,
    pub requests: u64,
    /// Responses with a 5xx status.
    pub server_errors: u64,
    /// p50/p95/p99 of `request_time`, when requests carried it.
    pub latency: Option<[f64; 3]>,
}

/// The report, as every format renders it.
#[derive(Debug, Clone, Serialize)]
pub struct WeeklyReport {
    pub report_version: u32,
    pub week: IsoWeek,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub previous_week: IsoWeek,
    pub totals: WeekTotals,
    /// This week's seven days, Monday first.
    pub daily: Vec<DaySeries>,
    pub groups: Vec<ReportGroup>,
    /// Groups with events this week beyond those listed.
    pub more_groups: usize,
    pub weak_areas: WeeklyAreas,
    pub endpoints: Endpoints,
}

/// A figure this week and the week before.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    pub this_week: u64,
    pub previous_week: u64,
    /// Percent growth, one decimal; `None` when the previous week had none.
    pub change_pct: Option<f64>,
}

impl Change {
    pub fn new(this_week: u64, previous_week: u64) -> Change {
        let change_pct = (previous_week > 0).then(|| {
            let pct = (this_week as f64 - previous_week as f64) * 100.0 / previous_week as f64;
            // `+ 0.0` turns a rounded −0.0 into 0.0.
            (pct * 10.0).round() / 10.0 + 0.0
        });
        Change {
            this_week,
            previous_week,
            change_pct,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeekTotals {
    pub events: Change,
    /// Events at level error or above.
    pub errors: Change,
    /// Groups with at least one event in the week.
    pub groups: Change,
}

/// One day of the stacked bars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DaySeries {
    pub date: NaiveDate,
    pub total: u64,
    /// Per level; events without a level are under `none`.
    pub levels: BTreeMap<String, u64>,
}

/// How a group behaves this week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// First seen this week.
    New,
    /// Seen before, silent for a week or more, back this week.
    Regressed,
    /// At least twice last week's count.
    Escalating,
    Ongoing,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Regressed => "regressed",
            Status::Escalating => "escalating",
            Status::Ongoing => "ongoing",
        }
    }
}

/// A group in the report.
#[derive(Debug, Clone, Serialize)]
pub struct ReportGroup {
    pub fingerprint: String,
    pub title: String,
    pub culprit: Option<String>,
    pub level: Option<Level>,
    pub status: Status,
    pub count: Change,
    /// Daily counts over the previous week and this one.
    pub sparkline: Vec<u64>,
    pub services: Vec<String>,
    /// The group's first and last events of all time, not only of this week
    /// (a last sighting after the week says it is still happening).
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Where the web UI shows it.
    pub link: String,
}

/// A module, service or exception type, with its growth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaChange {
    pub name: String,
    pub count: Change,
    /// Groups with events this week.
    pub groups: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WeeklyAreas {
    pub by_module: Vec<AreaChange>,
    pub by_service: Vec<AreaChange>,
    pub by_exception: Vec<AreaChange>,
}

/// Access-log endpoints.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Endpoints {
    pub requests: u64,
    /// 5xx share of all requests, in percent.
    pub error_rate_pct: Option<f64>,
    /// Distinct endpoints this week.
    pub count: usize,
    pub most_called: Vec<EndpointRow>,
    /// Fewest requests first: candidates to retire.
    pub least_called: Vec<EndpointRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointRow {
    pub method: String,
    pub route: String,
    pub requests: Change,
    pub server_errors: u64,
    /// 5xx share, in percent, one decimal.
    pub error_rate_pct: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
}

impl WeeklyReport {
    /// Makes group links absolute (`https://faultline.example/groups/…`), so
    /// they work in a mailed copy; `base` is the collector's address.
    pub fn with_base_url(mut self, base: &str) -> WeeklyReport {
        let base = base.trim_end_matches('/');
        for group in &mut self.groups {
            if group.link.starts_with('/') {
                group.link = format!("{base}{}", group.link);
            }
        }
        self
    }

    /// Ranks and classifies a week's data.
    pub fn build(input: &WeekInput) -> WeeklyReport {
        let week = input.week;
        let previous = week.previous();
        let active = |g: &GroupInput, w: IsoWeek| week_sum(&g.daily, w) > 0;
        let groups_now = input.groups.iter().filter(|g| active(g, week)).count();
        let groups_before = input.groups.iter().filter(|g| active(g, previous)).count();
        let mut ranked: Vec<ReportGroup> = input
            .groups
            .iter()
            .filter(|g| active(g, week))
            .map(|g| report_group(g, week))
            .collect();
        ranked.sort_by(|a, b| {
            (b.count.this_week, b.level, b.last_seen, &a.fingerprint).cmp(&(
                a.count.this_week,
                a.level,
                a.last_seen,
                &b.fingerprint,
            ))
        });
        let more_groups = ranked.len().saturating_sub(TOP_GROUPS);
        ranked.truncate(TOP_GROUPS);
        let daily = series(&input.days, week);
        let before = series(&input.days, previous);
        WeeklyReport {
            report_version: REPORT_VERSION,
            week,
            from: week.monday(),
            to: week.sunday(),
            previous_week: previous,
            totals: WeekTotals {
                events: Change::new(sum_by(&daily, |d| d.total), sum_by(&before, |d| d.total)),
                errors: Change::new(sum_by(&daily, errors), sum_by(&before, errors)),
                groups: Change::new(groups_now as u64, groups_before as u64),
            },
            daily,
            groups: ranked,
            more_groups,
            weak_areas: crate::weekly_areas::rank(&input.groups, week),
            endpoints: endpoints(&input.endpoints, &input.previous_requests),
        }
    }
}

/// Events of a group (or service) in a week.
pub(crate) fn week_sum(daily: &BTreeMap<NaiveDate, u64>, week: IsoWeek) -> u64 {
    daily
        .range(week.monday()..=week.sunday())
        .map(|(_, n)| n)
        .sum()
}

fn report_group(g: &GroupInput, week: IsoWeek) -> ReportGroup {
    let count = Change::new(
        week_sum(&g.daily, week),
        week_sum(&g.daily, week.previous()),
    );
    let first_day = week.previous().monday();
    let sparkline = (0..SPARK_DAYS as u64)
        .map(|i| {
            g.daily
                .get(&(first_day + Days::new(i)))
                .copied()
                .unwrap_or(0)
        })
        .collect();
    ReportGroup {
        fingerprint: g.fingerprint.clone(),
        title: g.title.clone(),
        culprit: g.culprit.clone(),
        level: g.level,
        status: status(g, week, count),
        count,
        sparkline,
        services: g
            .service_daily
            .keys()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect(),
        first_seen: g.first_seen,
        last_seen: g.last_seen,
        link: format!("/groups/{}", g.fingerprint),
    }
}

/// New, regressed, escalating or ongoing, in that order of precedence.
fn status(g: &GroupInput, week: IsoWeek, count: Change) -> Status {
    if g.first_seen >= week.start() {
        return Status::New;
    }
    let first_this_week = g.daily.range(week.monday()..).find(|(_, n)| **n > 0);
    let last_before = g.daily.range(..week.monday()).rev().find(|(_, n)| **n > 0);
    let silent_days = match (last_before, first_this_week) {
        (Some((before, _)), Some((back, _))) => (*back - *before).num_days() - 1,
        // Its earlier days are past retention: it has been quiet for long.
        (None, _) => i64::MAX,
        (_, None) => 0,
    };
    if silent_days >= REGRESSION_SILENT_DAYS {
        Status::Regressed
    } else if count.previous_week > 0 && count.this_week >= 2 * count.previous_week {
        Status::Escalating
    } else {
        Status::Ongoing
    }
}

/// A week's seven days, with zeros where the input has none.
fn series(days: &[DayInput], week: IsoWeek) -> Vec<DaySeries> {
    week.days()
        .map(|date| {
            let mut levels = BTreeMap::new();
            let mut total = 0;
            for day in days.iter().filter(|d| d.date == date) {
                total += day.total;
                for (level, n) in &day.levels {
                    *levels.entry(level.clone()).or_default() += n;
                }
            }
            let with_level: u64 = levels.values().sum();
            if total > with_level {
                levels.insert("none".to_string(), total - with_level);
            }
            DaySeries {
                date,
                total: total.max(with_level),
                levels,
            }
        })
        .collect()
}

fn sum_by(days: &[DaySeries], f: impl Fn(&DaySeries) -> u64) -> u64 {
    days.iter().map(f).sum()
}

/// Events at level error or above.
fn errors(day: &DaySeries) -> u64 {
    day.levels
        .iter()
        .filter(|(l, _)| Level::parse(l).is_some_and(|l| l >= Level::Error))
        .map(|(_, n)| n)
        .sum()
}

fn endpoints(list: &[EndpointInput], previous: &HashMap<(String, String), u64>) -> Endpoints {
    let rows: Vec<EndpointRow> = list
        .iter()
        .filter(|e| e.requests > 0)
        .map(|e| {
            let key = (e.method.clone(), e.route.clone());
            EndpointRow {
                method: e.method.clone(),
                route: e.route.clone(),
                requests: Change::new(e.requests, previous.get(&key).copied().unwrap_or(0)),
                server_errors: e.server_errors,
                error_rate_pct: pct(e.server_errors, e.requests),
                p50: e.latency.map(|l| l[0]),
                p95: e.latency.map(|l| l[1]),
                p99: e.latency.map(|l| l[2]),
            }
        })
        .collect();
    let requests = rows.iter().map(|r| r.requests.this_week).sum();
    let server_errors = rows.iter().map(|r| r.server_errors).sum();
    let key = |r: &EndpointRow| (r.requests.this_week, r.method.clone(), r.route.clone());
    let mut most = rows.clone();
    most.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        kb.0.cmp(&ka.0).then(ka.1.cmp(&kb.1)).then(ka.2.cmp(&kb.2))
    });
    let mut least = rows.clone();
    least.sort_by_key(key);
    least.truncate(LEAST_ENDPOINTS);
    most.truncate(TOP_ENDPOINTS);
    Endpoints {
        requests,
        error_rate_pct: pct(server_errors, requests),
        count: rows.len(),
        most_called: most,
        least_called: least,
    }
}

/// `part` of `whole` in percent, one decimal; `None` for an empty whole.
pub(crate) fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

#[cfg(test)]
#[path = "weekly_tests.rs"]
mod tests;
