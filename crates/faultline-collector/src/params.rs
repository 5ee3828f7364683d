//! Query parameters as users write them (in a URL or on the command line),
//! turned into the store's queries. Times are RFC 3339 or relative to now:
//! `30m`, `24h`, `7d`, `2w` mean that long ago.

use chrono::{DateTime, Duration, Utc};
use faultline_event::Level;
use faultline_store::{GroupQuery, GroupSort, GroupStatus, SearchQuery, StatsQuery};
use serde::{Deserialize, Serialize};

/// The largest `limit` a search or group list accepts.
pub const MAX_LIMIT: usize = 1000;

/// `GET /api/v1/search` parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    pub q: Option<String>,
    pub service: Option<String>,
    pub level: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub group: Option<String>,
    pub limit: Option<usize>,
}

/// `GET /api/v1/groups` parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupParams {
    /// Default `7d`.
    pub since: Option<String>,
    pub service: Option<String>,
    pub level: Option<String>,
    /// `count` (default), `new` or `trend`.
    pub sort: Option<String>,
    pub limit: Option<usize>,
    /// `unresolved`, `resolved` or `ignored`; absent lists every status.
    pub status: Option<String>,
}

/// `GET /api/v1/stats` parameters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StatsParams {
    pub q: Option<String>,
    pub by: Option<String>,
    pub interval: Option<String>,
    pub percentiles: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
}

/// A parameter that could not be read; the message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{param}: {reason}")]
pub struct ParamError {
    pub param: &'static str,
    pub reason: String,
}

impl SearchParams {
    pub fn to_query(&self, now: DateTime<Utc>) -> Result<SearchQuery, ParamError> {
        Ok(SearchQuery {
            q: self.q.clone().unwrap_or_default(),
            service: non_empty(&self.service),
            level: level("level", &self.level)?,
            since: time("since", &self.since, now)?,
            until: time("until", &self.until, now)?,
            group: non_empty(&self.group),
            limit: limit(self.limit)?,
        })
    }
}

impl GroupParams {
    pub fn to_query(&self, now: DateTime<Utc>) -> Result<GroupQuery, ParamError> {
        let since = self.since.clone().or_else(|| Some("7d".to_string()));
        Ok(GroupQuery {
            since: time("since", &since, now)?,
            service: non_empty(&self.service),
            level: level("level", &self.level)?,
            sort: sort(&self.sort)?,
            limit: limit(self.limit)?,
            status: status(&self.status)?,
        })
    }
}

impl StatsParams {
    pub fn to_query(&self, now: DateTime<Utc>) -> Result<StatsQuery, ParamError> {
        if let Some(interval) = non_empty(&self.interval) {
            parse_duration(&interval).map_err(|reason| ParamError {
                param: "interval",
                reason,
            })?;
        }
        Ok(StatsQuery {
            q: self.q.clone().unwrap_or_default(),
            by: non_empty(&self.by),
            interval: non_empty(&self.interval),
            percentiles: non_empty(&self.percentiles),
            since: time("since", &self.since, now)?,
            until: time("until", &self.until, now)?,
        })
    }
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.trim().is_empty()).cloned()
}

fn level(param: &'static str, value: &Option<String>) -> Result<Option<Level>, ParamError> {
    let Some(text) = non_empty(value) else {
        return Ok(None);
    };
    Level::parse(&text).map(Some).ok_or_else(|| ParamError {
        param,
        reason: format!("unknown level {text:?}"),
    })
}

fn sort(value: &Option<String>) -> Result<GroupSort, ParamError> {
    match non_empty(value).as_deref() {
        None | Some("count") => Ok(GroupSort::Count),
        Some("new") => Ok(GroupSort::New),
        Some("trend") => Ok(GroupSort::Trend),
        Some(other) => Err(ParamError {
            param: "sort",
            reason: format!("{other:?}: expected count, new or trend"),
        }),
    }
}

/// A group status as a parameter names it (`status`); absent or empty is
/// every status.
pub fn status(value: &Option<String>) -> Result<Option<GroupStatus>, ParamError> {
    let Some(text) = non_empty(value) else {
        return Ok(None);
    };
    GroupStatus::parse(&text)
        .map(Some)
        .ok_or_else(|| ParamError {
            param: "status",
            reason: format!("{text:?}: expected {}", GroupStatus::EXPECTED),
        })
}

fn limit(value: Option<usize>) -> Result<Option<usize>, ParamError> {
    match value {
        Some(0) => Err(ParamError {
            param: "limit",
            reason: "must be at least 1".into(),
        }),
        Some(n) if n > MAX_LIMIT => Err(ParamError {
            param: "limit",
            reason: format!("must be at most {MAX_LIMIT}"),
        }),
        other => Ok(other),
    }
}

fn time(
    param: &'static str,
    value: &Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ParamError> {
    let Some(text) = non_empty(value) else {
        return Ok(None);
    };
    parse_time(&text, now)
        .map(Some)
        .map_err(|reason| ParamError { param, reason })
}

/// Reads a point in time: RFC 3339 (`2026-11-26T07:00:00Z`), a date
/// (`2026-11-26`, midnight UTC), or an age (`7d` = seven days before `now`).
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(ts) = DateTime::parse_from_rfc3339(text) {
        return Ok(ts.with_timezone(&Utc));
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    let age = parse_duration(text).map_err(|_| {
        format!("{text:?}: expected RFC 3339, a date (YYYY-MM-DD) or an age such as 24h or 7d")
    })?;
    Ok(now - age)
}

/// Reads a length of time: a number and a unit, `s`, `m`, `h`, `d` or `w`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let bad = || format!("{text:?}: expected a number and a unit (s, m, h, d, w), such as 1h");
    let n: i64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    if n <= 0 || n > 100 * 365 * 86_400 / seconds {
        return Err(format!("{text:?}: out of range"));
    }
    Ok(Duration::seconds(n * seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
    }

    #[test]
    fn times_are_rfc3339_dates_or_ages() {
        let at = |s| parse_time(s, now()).unwrap();
        assert_eq!(
            at("7d"),
            Utc.with_ymd_and_hms(2026, 11, 19, 12, 0, 0).unwrap()
        );
        assert_eq!(
            at("90m"),
            Utc.with_ymd_and_hms(2026, 11, 26, 10, 30, 0).unwrap()
        );
        assert_eq!(
            at("2026-11-01T08:00:00+01:00"),
            Utc.with_ymd_and_hms(2026, 11, 1, 7, 0, 0).unwrap()
        );
        assert_eq!(
            at("2026-11-01"),
            Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
        );
        for bad in ["", "7", "d", "7y", "-3d", "0h", "yesterday"] {
            assert!(parse_time(bad, now()).is_err(), "{bad}");
        }
    }

    #[test]
    fn search_params_become_a_store_query() {
        let params = SearchParams {
            q: Some("PaymentService".into()),
            level: Some("ERROR".into()),
            since: Some("24h".into()),
            service: Some(String::new()),
            ..SearchParams::default()
        };
        let query = params.to_query(now()).unwrap();
        assert_eq!(query.q, "PaymentService");
        assert_eq!(query.level, Some(Level::Error));
        assert_eq!(query.since, Some(now() - Duration::hours(24)));
        assert_eq!(query.service, None);
    }

    #[test]
    fn bad_params_are_named() {
        let err = SearchParams {
            level: Some("loud".into()),
            ..SearchParams::default()
        }
        .to_query(now())
        .unwrap_err();
        assert_eq!(err.param, "level");
        let err = GroupParams {
            sort: Some("size".into()),
            ..GroupParams::default()
        }
        .to_query(now())
        .unwrap_err();
        assert_eq!(err.param, "sort");
        let err = GroupParams {
            status: Some("fixed".into()),
            ..GroupParams::default()
        }
        .to_query(now())
        .unwrap_err();
        assert_eq!(err.param, "status");
        assert!(
            err.reason.contains("unresolved, resolved or ignored"),
            "{err}"
        );
        let err = SearchParams {
            limit: Some(5000),
            ..SearchParams::default()
        }
        .to_query(now())
        .unwrap_err();
        assert_eq!(err.param, "limit");
        let err = StatsParams {
            interval: Some("hourly".into()),
            ..StatsParams::default()
        }
        .to_query(now())
        .unwrap_err();
        assert_eq!(err.param, "interval");
    }

    #[test]
    fn groups_default_to_the_last_week() {
        let query = GroupParams::default().to_query(now()).unwrap();
        assert_eq!(query.since, Some(now() - Duration::days(7)));
        assert_eq!(query.sort, GroupSort::Count);
        assert_eq!(query.status, None, "every status");
        let resolved = GroupParams {
            status: Some("Resolved".into()),
            ..GroupParams::default()
        };
        let query = resolved.to_query(now()).unwrap();
        assert_eq!(query.status, Some(GroupStatus::Resolved));
    }
}
