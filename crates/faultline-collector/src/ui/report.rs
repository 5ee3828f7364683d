//! `/report?week=`: the weekly report. The report is a self-contained HTML
//! document (the one mailed on Mondays, served by `GET /api/v1/report`);
//! this page frames it under the navigation with a week picker, so it reads
//! the same here as in a mail client.

use super::layout::{self, Nav};
use super::session::Viewer;
use axum::Extension;
use axum::extract::Query;
use chrono::{Datelike, Utc};
use maud::{Markup, html};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct ReportParams {
    /// An ISO week, `2026-W47`; the last complete week when absent.
    week: Option<String>,
}

pub async fn page(
    Extension(viewer): Extension<Viewer>,
    Query(params): Query<ReportParams>,
) -> Result<Markup, super::PageError> {
    let week = match params
        .week
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        Some(week) => Some(parse_week(week)?),
        None => None,
    };
    let picked = week.clone().unwrap_or_else(last_complete_week);
    let source = match &week {
        Some(week) => format!("/api/v1/report?format=html&week={week}"),
        None => "/api/v1/report?format=html".to_string(),
    };
    let body = html! {
        div.report-head {
            h1 { "Weekly report" }
            form.filters method="get" action="/report" {
                label { span { "Week" } input type="week" name="week" value=(picked) data-autosubmit; }
                button type="submit" { "Show" }
                a.open href=(source) target="_blank" rel="noopener" { "Open on its own" }
                a.open href=(source.replace("format=html", "format=md")) { "Markdown" }
                a.open href=(source.replace("format=html", "format=json")) { "JSON" }
            }
        }
        iframe.report src=(source) title="Weekly report" sandbox="allow-same-origin allow-popups" {}
    };
    Ok(layout::page("Weekly report", Nav::Report, &viewer, body))
}

/// Checks an ISO week (`2026-W47`) and gives it back in that form.
fn parse_week(text: &str) -> Result<String, super::PageError> {
    let bad = || {
        super::PageError::BadRequest(format!(
            "week {text:?}: expected an ISO week such as 2026-W47"
        ))
    };
    let (year, week) = text.split_once("-W").ok_or_else(bad)?;
    let year: i32 = year.parse().map_err(|_| bad())?;
    let week: u32 = week.parse().map_err(|_| bad())?;
    chrono::NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon).ok_or_else(bad)?;
    Ok(format!("{year}-W{week:02}"))
}

/// The ISO week before the current one.
fn last_complete_week() -> String {
    let week = (Utc::now().date_naive() - chrono::Duration::days(7)).iso_week();
    format!("{}-W{:02}", week.year(), week.week())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_are_iso_weeks() {
        assert_eq!(parse_week("2026-W47").unwrap(), "2026-W47");
        assert_eq!(parse_week("2026-W3").unwrap(), "2026-W03");
        for bad in [
            "2026-47",
            "2026-W54",
            "W47",
            "2026-W",
            "x-W1",
            "2026-W47\"><script>",
        ] {
            assert!(parse_week(bad).is_err(), "{bad}");
        }
    }
}
