//! `/`: the error groups of a time window, ranked by count, novelty or
//! trend, filtered by service, level and status, each with a daily
//! sparkline and its status when it is not plainly unresolved.

use super::layout::{self, LEVELS, Nav};
use super::session::Viewer;
use super::{PageError, blocking, charts};
use crate::params::{GroupParams, MAX_LIMIT};
use crate::server::SharedState;
use axum::Extension;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use faultline_store::{GroupQuery, GroupRecord, GroupStatus};
use maud::{Markup, html};
use std::collections::BTreeSet;

/// The least severe level listed when the URL does not say (`level=` lists
/// every level): the list is about what breaks, not what runs.
const DEFAULT_LEVEL: &str = "warn";
/// Rows shown when the URL does not say.
const DEFAULT_ROWS: usize = 100;

const WINDOWS: &[(&str, &str)] = &[
    ("24h", "last 24 hours"),
    ("7d", "last 7 days"),
    ("30d", "last 30 days"),
];
const STATUSES: &[(&str, &str)] = &[
    ("", "any status"),
    ("unresolved", "unresolved"),
    ("resolved", "resolved"),
    ("ignored", "ignored"),
];
const SORTS: &[(&str, &str)] = &[
    ("count", "most events"),
    ("new", "newest"),
    ("trend", "trending"),
];

/// What the page shows: the ranked groups, every service of the window (for
/// the filter), and whether the store holds any group at all.
struct Listing {
    groups: Vec<GroupRecord>,
    services: BTreeSet<String>,
    any_group: bool,
}

pub async fn page(
    State(state): State<SharedState>,
    Extension(viewer): Extension<Viewer>,
    Query(mut params): Query<GroupParams>,
) -> Result<Markup, PageError> {
    let now = Utc::now();
    params.since = Some(
        params
            .since
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "7d".into()),
    );
    params.limit = Some(params.limit.unwrap_or(DEFAULT_ROWS));
    params.level = Some(params.level.unwrap_or_else(|| DEFAULT_LEVEL.into()));
    let query = params.to_query(now)?;
    let listing = blocking(&state, move |store| {
        let groups = store.groups(&query)?;
        let window = GroupQuery {
            since: query.since,
            limit: Some(MAX_LIMIT),
            ..GroupQuery::default()
        };
        let services = store
            .groups(&window)?
            .into_iter()
            .flat_map(|g| g.services)
            .collect();
        let any_group = !groups.is_empty()
            || !store
                .groups(&GroupQuery {
                    limit: Some(1),
                    ..GroupQuery::default()
                })?
                .is_empty();
        Ok(Listing {
            groups,
            services,
            any_group,
        })
    })
    .await?;
    let days = window_days(params.to_query(now)?.since, now);
    let body = html! {
        h1 { "Error groups" }
        (filters(&params, &listing.services))
        (table(&listing, &params, days, now))
    };
    Ok(layout::page("Error groups", Nav::Groups, &viewer, body))
}

/// Days the sparklines cover: the window's, at least a week, at most 60.
fn window_days(since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> usize {
    let days = since.map_or(30, |s| (now - s).num_hours().div_euclid(24) + 1);
    days.clamp(7, 60) as usize
}

fn filters(params: &GroupParams, services: &BTreeSet<String>) -> Markup {
    let selected_service = params.service.clone().unwrap_or_default();
    let mut service_options: Vec<(&str, &str)> = vec![("", "every service")];
    service_options.extend(services.iter().map(|s| (s.as_str(), s.as_str())));
    if !selected_service.is_empty() && !services.contains(&selected_service) {
        service_options.push((&selected_service, &selected_service));
    }
    html! {
        form.filters method="get" action="/" {
            (layout::select("sort", "Sort by", SORTS, params.sort.as_deref().unwrap_or("count")))
            (layout::select("since", "Window", WINDOWS, params.since.as_deref().unwrap_or("7d")))
            (layout::select("service", "Service", &service_options, &selected_service))
            (layout::select("level", "Level", LEVELS, params.level.as_deref().unwrap_or("")))
            (layout::select("status", "Status", STATUSES, params.status.as_deref().unwrap_or("")))
            button type="submit" { "Apply" }
        }
    }
}

fn table(listing: &Listing, params: &GroupParams, days: usize, now: DateTime<Utc>) -> Markup {
    if listing.groups.is_empty() {
        return if listing.any_group {
            layout::empty(
                "No error groups match these filters in this window.",
                html! { "Try a longer window or " a href="/?since=30d&level=" { "every service and level over 30 days" } "." },
            )
        } else {
            layout::empty(
                "No errors yet.",
                html! { "Send events to " code { "POST /api/v1/ingest" } " (or run " code { "faultline ship" } ") and they will be grouped here." },
            )
        };
    }
    let today = now.date_naive();
    html! {
        p.summary { (listing.groups.len()) " groups, " (window_label(params)) }
        table.groups {
            thead { tr {
                th { "Group" } th { "Level" } th.num { "Events" } th { "Daily" }
                th { "First seen" } th { "Last seen" } th { "Services" }
            } }
            tbody {
                @for group in &listing.groups {
                    tr.group data-fingerprint=(group.fingerprint) {
                        td.title-cell {
                            a.title href={ "/groups/" (group.fingerprint) } { (group.title) }
                            @if group.state.status != GroupStatus::Unresolved || group.state.regressed_since_set().is_some() {
                                " " (status_badge(group, now))
                            }
                            @if let Some(culprit) = &group.culprit { div.culprit { (culprit) } }
                        }
                        td { (layout::level_badge(group.level)) }
                        td.num.count { (layout::count(group.count)) }
                        td { (charts::sparkline(&charts::series(&group.daily, today, days))) }
                        td { (layout::time(group.first_seen, now)) }
                        td { (layout::time(group.last_seen, now)) }
                        td.services { (group.services.join(", ")) }
                    }
                }
            }
        }
    }
}

/// The group's status, and "regressed" with when if an event reopened it
/// after its status was last set.
pub(super) fn status_badge(group: &GroupRecord, now: DateTime<Utc>) -> Markup {
    let status = group.state.status.as_str();
    html! {
        span class={ "level status status-" (status) } { (status) }
        @if let Some(regressed) = group.state.regressed_since_set() {
            " " span.level.level-error.regressed {
                "regressed " (layout::time(regressed, now))
            }
        }
    }
}

fn window_label(params: &GroupParams) -> String {
    let since = params.since.as_deref().unwrap_or("7d");
    WINDOWS
        .iter()
        .find(|(value, _)| *value == since)
        .map_or_else(
            || format!("since {since}"),
            |(_, label)| (*label).to_string(),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_cover_at_least_a_week() {
        let now = Utc::now();
        assert_eq!(window_days(Some(now - chrono::Duration::hours(24)), now), 7);
        assert_eq!(window_days(Some(now - chrono::Duration::days(30)), now), 31);
        assert_eq!(window_days(None, now), 30);
        assert_eq!(
            window_days(Some(now - chrono::Duration::days(400)), now),
            60
        );
    }
}
