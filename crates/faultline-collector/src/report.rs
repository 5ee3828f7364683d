//! The weekly report: [`build_report`] gathers a week's data from the store
//! into `faultline-report`'s input, and `GET /api/v1/report?week=&format=`
//! serves it as JSON, Markdown or HTML.

use crate::error::ApiError;
use crate::server::SharedState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use faultline_fingerprint::endpoint::route;
use faultline_report::{
    DayInput, EndpointInput, GroupInput, IsoWeek, WeekInput, WeeklyReport, render_html,
    render_markdown, render_report_json,
};
use faultline_store::{EndpointStats, GroupActivity, StatsQuery, Store};
use serde::Deserialize;
use std::str::FromStr;

/// The report of `week` (`2026-W47`; default: the last week complete at
/// `now`), from what `store` holds. A malformed week is a 400.
pub fn build_report(
    store: &Store,
    week: Option<&str>,
    now: DateTime<Utc>,
) -> Result<WeeklyReport, ApiError> {
    let week = match week.map(str::trim).filter(|w| !w.is_empty()) {
        Some(text) => IsoWeek::parse(text).map_err(|e| ApiError::bad_request(e.to_string()))?,
        None => IsoWeek::last_complete(now),
    };
    let input = gather(store, week)?;
    Ok(WeeklyReport::build(&input))
}

/// The store's view of `week` and the week before.
pub fn gather(store: &Store, week: IsoWeek) -> Result<WeekInput, ApiError> {
    let previous = week.previous();
    let days = days(store, previous.start(), week.end())?;
    let groups = store
        .group_activity(previous.monday(), week.sunday())
        .into_iter()
        .map(group_input)
        .collect();
    let endpoints = store
        .endpoints(Some(week.start()), Some(week.end()), &route)?
        .into_iter()
        .map(endpoint_input)
        .collect();
    let previous_requests = store
        .endpoints(Some(previous.start()), Some(previous.end()), &route)?
        .into_iter()
        .map(|e| ((e.method, e.route), e.requests))
        .collect();
    Ok(WeekInput {
        week,
        days,
        groups,
        endpoints,
        previous_requests,
    })
}

/// Events per day and level in `[since, until)`.
fn days(
    store: &Store,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<DayInput>, ApiError> {
    let stats = store.stats(&StatsQuery {
        by: Some("level".into()),
        interval: Some("1d".into()),
        since: Some(since),
        until: Some(until),
        ..StatsQuery::default()
    })?;
    Ok(stats
        .buckets
        .into_iter()
        .filter(|b| b.count > 0)
        .map(|b| DayInput {
            date: b.start.date_naive(),
            total: b.count,
            levels: b.by,
        })
        .collect())
}

fn group_input(activity: GroupActivity) -> GroupInput {
    let g = activity.group;
    GroupInput {
        exception_type: g.sample.exception.as_ref().map(|e| e.kind.clone()),
        fingerprint: g.fingerprint,
        title: g.title,
        culprit: g.culprit,
        module: g.module,
        level: g.level,
        first_seen: g.first_seen,
        last_seen: g.last_seen,
        daily: g.daily,
        service_daily: activity.services_daily,
    }
}

fn endpoint_input(e: EndpointStats) -> EndpointInput {
    EndpointInput {
        latency: e.latency.map(|p| [p.p50, p.p95, p.p99]),
        method: e.method,
        route: e.route,
        requests: e.requests,
        server_errors: e.server_errors,
    }
}

/// How the report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    #[default]
    Json,
    Markdown,
    Html,
}

impl FromStr for ReportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<ReportFormat, String> {
        match text.to_ascii_lowercase().as_str() {
            "json" => Ok(ReportFormat::Json),
            "md" | "markdown" => Ok(ReportFormat::Markdown),
            "html" => Ok(ReportFormat::Html),
            other => Err(format!("format {other:?}: expected md, html or json")),
        }
    }
}

impl ReportFormat {
    /// The name `format=` takes.
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Markdown => "md",
            ReportFormat::Html => "html",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Json => "application/json",
            ReportFormat::Markdown => "text/markdown; charset=utf-8",
            ReportFormat::Html => "text/html; charset=utf-8",
        }
    }

    pub fn render(self, report: &WeeklyReport) -> String {
        match self {
            ReportFormat::Json => render_report_json(report),
            ReportFormat::Markdown => render_markdown(report),
            ReportFormat::Html => render_html(report),
        }
    }
}

/// `GET /api/v1/report`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReportParams {
    /// `2026-W47`; default: the last complete week.
    pub week: Option<String>,
    /// `json` (default), `md` or `html`.
    pub format: Option<String>,
    /// Prefix group links with this address (`https://faultline.example`),
    /// for a copy read outside the UI (mail, chat).
    pub base_url: Option<String>,
}

pub async fn report(
    State(state): State<SharedState>,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let format = match params.format.as_deref() {
        Some(text) => text.parse().map_err(ApiError::bad_request)?,
        None => ReportFormat::default(),
    };
    let store = state.store()?;
    let now = Utc::now();
    let report = tokio::task::spawn_blocking(move || {
        let report = build_report(&store, params.week.as_deref(), now)?;
        let report = match params.base_url.as_deref() {
            Some(base) if !base.is_empty() => report.with_base_url(base),
            _ => report,
        };
        Ok::<_, ApiError>(format.render(&report))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("report task: {e}")))??;
    Ok(([(header::CONTENT_TYPE, format.content_type())], report).into_response())
}
