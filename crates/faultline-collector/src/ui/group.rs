//! `/groups/{fingerprint}`: one error group — what it is, its status,
//! where it breaks (the trace with the application's own frames marked),
//! when and where it happens, why its events were grouped, and its latest
//! events; and `POST /groups/{fingerprint}`, the form that resolves,
//! ignores or reopens it.

use super::layout::{self, Nav};
use super::session::Viewer;
use super::{PageError, blocking, charts};
use crate::server::SharedState;
use axum::Extension;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::Redirect;
use chrono::{DateTime, Utc};
use faultline_event::{Exception, Frame};
use faultline_store::{GroupRecord, GroupStatus, SearchQuery, SearchResults};
use maud::{Markup, html};
use serde::Deserialize;

/// Days in the group's chart.
const CHART_DAYS: usize = 30;
/// Events listed under "Recent events".
const RECENT_EVENTS: usize = 20;

pub async fn page(
    State(state): State<SharedState>,
    Extension(viewer): Extension<Viewer>,
    Path(fingerprint): Path<String>,
) -> Result<Markup, PageError> {
    let wanted = fingerprint.clone();
    let (group, recent) = blocking(&state, move |store| {
        let Some(group) = store.group(&wanted)? else {
            return Ok((None, SearchResults::default()));
        };
        let recent = store.search(&SearchQuery {
            group: Some(wanted),
            limit: Some(RECENT_EVENTS),
            ..SearchQuery::default()
        })?;
        Ok((Some(group), recent))
    })
    .await?;
    let group = group
        .ok_or_else(|| PageError::NotFound(format!("There is no error group {fingerprint:?}.")))?;
    let now = Utc::now();
    let body = html! {
        (heading(&group))
        (facts(&group, now))
        section.chart {
            h2 { "Events per day" }
            (charts::bars(&charts::series(&group.daily, now.date_naive(), CHART_DAYS)))
        }
        (trace(&group))
        (recent_events(&recent, now))
    };
    Ok(layout::page(&group.title, Nav::Groups, &viewer, body))
}

/// The status form's body: `status=resolved|ignored|unresolved`.
#[derive(Debug, Deserialize)]
pub struct StatusForm {
    status: Option<String>,
}

/// `POST /groups/{fingerprint}` (the page posting to itself, so a sign-in
/// that interrupts it comes back to the page): sets the group's status and goes back
/// to its page (303). Refused from another site (403), as `/logout` is.
pub async fn set_status(
    State(state): State<SharedState>,
    Path(fingerprint): Path<String>,
    headers: HeaderMap,
    form: Result<Form<StatusForm>, FormRejection>,
) -> Result<Redirect, PageError> {
    if let Some(refusal) = super::session::cross_site_refusal(&headers) {
        return Err(PageError::Forbidden(refusal));
    }
    let Form(form) = form.map_err(|e| PageError::BadRequest(e.body_text()))?;
    let given = form.status.unwrap_or_default();
    let status = GroupStatus::parse(&given).ok_or_else(|| {
        PageError::BadRequest(format!(
            "status: {given:?}: expected {}",
            GroupStatus::EXPECTED
        ))
    })?;
    let wanted = fingerprint.clone();
    let changed = blocking(&state, move |store| store.set_status(&wanted, status)).await?;
    match changed {
        Some(group) => Ok(Redirect::to(&format!("/groups/{}", group.fingerprint))),
        None => Err(PageError::NotFound(format!(
            "There is no error group {fingerprint:?}."
        ))),
    }
}

/// Buttons for the statuses the group is not in.
fn status_form(group: &GroupRecord) -> Markup {
    let choices = [
        (GroupStatus::Resolved, "Resolve"),
        (GroupStatus::Ignored, "Ignore"),
        (GroupStatus::Unresolved, "Reopen"),
    ];
    html! {
        form.status-change method="post" action={ "/groups/" (group.fingerprint) } {
            @for (status, label) in choices {
                @if status != group.state.status {
                    button type="submit" name="status" value=(status.as_str()) { (label) }
                }
            }
        }
    }
}

fn heading(group: &GroupRecord) -> Markup {
    html! {
        div.group-head {
            h1 { (layout::level_badge(group.level)) " " span.group-title { (group.title) } }
            @if let Some(culprit) = &group.culprit { p.culprit { "in " code { (culprit) } } }
            @if let Some(exception) = &group.sample.exception {
                p.exception { span.type { (exception.kind) } @if !exception.value.is_empty() { ": " span.value { (exception.value) } } }
            } @else {
                p.message { (group.sample.message) }
            }
        }
    }
}

fn facts(group: &GroupRecord, now: DateTime<Utc>) -> Markup {
    html! {
        dl.facts {
            div { dt { "Status" } dd.status {
                (super::list::status_badge(group, now))
                @if let Some(changed) = group.state.status_changed_at { " · last set by a user " (layout::time(changed, now)) }
                (status_form(group))
            } }
            div { dt { "Events" } dd.count { (layout::count(group.count)) } }
            div { dt { "First seen" } dd.first-seen { (layout::exact_time(group.first_seen)) " (" (layout::time(group.first_seen, now)) ")" } }
            div { dt { "Last seen" } dd.last-seen { (layout::exact_time(group.last_seen)) " (" (layout::time(group.last_seen, now)) ")" } }
            div { dt { "Services" } dd.services { (list_or_dash(&group.services)) } }
            div { dt { "Hosts" } dd.hosts { (list_or_dash(&group.hosts)) } }
            div.why { dt { "Why grouped" } dd.explanation { (group.explanation) } }
            div { dt { "Fingerprint" } dd { code.fingerprint { (group.fingerprint) } } }
        }
    }
}

fn list_or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.join(", ")
    }
}

/// The sample event's exception chain, outermost exception first, each with
/// its frames outermost first and the crash site last.
fn trace(group: &GroupRecord) -> Markup {
    let sample = &group.sample;
    html! {
        section.trace {
            h2 { "Stack trace" }
            @if let Some(exception) = &sample.exception {
                p.hint { "Outermost call first, crash site last. " span.legend.in-app { "app" } " marks the application's own frames." }
                label.toggle { input type="checkbox" #only-app data-toggle-class="only-app" data-target=".trace"; " show only the application's frames" }
                @for (i, link) in exception.chain().enumerate() { (exception_block(link, i > 0)) }
            } @else {
                p.hint { "This group's events carry no parsed stack trace." }
            }
            @if let Some(stack) = &sample.stack {
                details.raw { summary { "Raw trace as printed" } pre { (stack) } }
            }
        }
    }
}

fn exception_block(exception: &Exception, caused: bool) -> Markup {
    html! {
        div.exception-block {
            h3 {
                @if caused { span.caused { "Caused by " } }
                span.type { (exception.kind) }
                @if !exception.value.is_empty() { ": " span.value { (exception.value) } }
            }
            @if exception.frames.is_empty() {
                p.hint { "No frames." }
            } @else {
                ol.frames {
                    @for frame in &exception.frames { (frame_row(frame)) }
                }
            }
        }
    }
}

fn frame_row(frame: &Frame) -> Markup {
    let in_app = frame.in_app == Some(true);
    let location = match (&frame.file, frame.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        (None, _) => String::new(),
    };
    html! {
        li class={ "frame" @if in_app { " in-app" } @else { " library" } } {
            @if in_app { span.badge { "app" } }
            @if let Some(module) = &frame.module { span.module { (module) } "." }
            span.function { (frame.function.as_deref().unwrap_or("?")) }
            @if !location.is_empty() { " " span.location { "(" (location) ")" } }
        }
    }
}

fn recent_events(recent: &SearchResults, now: DateTime<Utc>) -> Markup {
    html! {
        section.recent {
            h2 { "Recent events" }
            @if recent.hits.is_empty() {
                (layout::empty("No events indexed yet.", html! { "New events become searchable within a few seconds." }))
            } @else {
                table.events {
                    thead { tr { th { "Time" } th { "Service" } th { "Host" } th { "Message" } } }
                    tbody {
                        @for hit in &recent.hits {
                            tr {
                                td { @if let Some(ts) = hit.event.ts { (layout::time(ts, now)) } }
                                td { (hit.event.service.as_deref().unwrap_or("-")) }
                                td { (hit.event.host.as_deref().unwrap_or("-")) }
                                td.message { (hit.event.message) }
                            }
                        }
                    }
                }
            }
        }
    }
}
