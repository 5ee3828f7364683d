//! `/search`: events matching a tantivy query, newest first, with the
//! matched terms highlighted. A query the store cannot parse is shown back
//! with the store's message (status 400), not a server error.

use super::layout::{self, LEVELS, Nav};
use super::session::Viewer;
use super::{PageError, blocking};
use crate::params::SearchParams;
use crate::server::SharedState;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use faultline_store::{Hit, SearchResults};
use maud::{Markup, PreEscaped, html};

const WINDOWS: &[(&str, &str)] = &[
    ("", "any time"),
    ("1h", "last hour"),
    ("24h", "last 24 hours"),
    ("7d", "last 7 days"),
    ("30d", "last 30 days"),
];

pub async fn page(
    State(state): State<SharedState>,
    Extension(viewer): Extension<Viewer>,
    Query(params): Query<SearchParams>,
) -> Result<Response, PageError> {
    let now = Utc::now();
    let outcome = match params.to_query(now) {
        Ok(query) => blocking(&state, move |store| store.search(&query)).await,
        Err(err) => Err(err.into()),
    };
    let (status, results) = match outcome {
        Ok(results) => {
            let terms = terms(params.q.as_deref().unwrap_or(""));
            (
                StatusCode::OK,
                html! { (results_list(&results, &terms, now)) },
            )
        }
        Err(PageError::BadRequest(message)) => (
            StatusCode::BAD_REQUEST,
            html! { p.error role="alert" { (message) } },
        ),
        Err(other) => return Err(other),
    };
    let body = html! {
        h1 { "Search" }
        (form(&params))
        (results)
    };
    Ok((status, layout::page("Search", Nav::Search, &viewer, body)).into_response())
}

fn form(params: &SearchParams) -> Markup {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    html! {
        form.search method="get" action="/search" {
            input #q type="search" name="q" value=(text(&params.q)) autofocus
                placeholder="message:timeout AND service:checkout, \"connection refused\", NullPointerException"
                aria-label="Query";
            button type="submit" { "Search" }
            div.filters {
                label { span { "Service" } input type="text" name="service" value=(text(&params.service)); }
                (layout::select("level", "Level", LEVELS, params.level.as_deref().unwrap_or("")))
                (layout::select("since", "Window", WINDOWS, params.since.as_deref().unwrap_or("")))
                @if let Some(group) = &params.group { input type="hidden" name="group" value=(group); }
            }
            p.hint { "tantivy query syntax: words, \"phrases\", field:value, AND / OR / NOT, wildcards." }
        }
    }
}

fn results_list(results: &SearchResults, terms: &[String], now: DateTime<Utc>) -> Markup {
    if results.hits.is_empty() {
        return layout::empty(
            "No events match.",
            html! { "Try fewer words, another window, or no filters." },
        );
    }
    html! {
        p.summary.total { (layout::count(results.total)) " events match" @if (results.hits.len() as u64) < results.total { ", newest " (results.hits.len()) " shown" } }
        ol.hits {
            @for hit in &results.hits { li.hit { (hit_row(hit, terms, now)) } }
        }
    }
}

fn hit_row(hit: &Hit, terms: &[String], now: DateTime<Utc>) -> Markup {
    let event = &hit.event;
    html! {
        div.meta {
            @if let Some(ts) = event.ts { (layout::time(ts, now)) }
            (layout::level_badge(event.level))
            @if let Some(service) = &event.service { span.service { (service) } }
            @if let Some(host) = &event.host { span.host { (host) } }
            @if let Some(fingerprint) = &event.fingerprint {
                a.group-link href={ "/groups/" (fingerprint) } { "group " (&fingerprint[..fingerprint.len().min(8)]) }
            }
        }
        div.message {
            @match &hit.highlight {
                Some(snippet) => (highlight(snippet)),
                None => (event.message),
            }
        }
        @if let Some(exception) = &event.exception {
            div.exception { span.type { (mark(&exception.kind, terms)) } ": " (mark(&exception.value, terms)) }
        }
    }
}

/// The store's highlight (`<b>` around matches, the rest HTML-escaped),
/// rebuilt so that `<b>` and `</b>` are the only markup that can come
/// through: every other piece is unescaped and escaped again.
pub fn highlight(snippet: &str) -> Markup {
    let mut out = String::with_capacity(snippet.len() + 16);
    for (i, open) in snippet.split("<b>").enumerate() {
        let (marked, rest) = match open.split_once("</b>") {
            Some((marked, rest)) if i > 0 => (Some(marked), rest),
            _ if i > 0 => (Some(open), ""),
            _ => (None, open),
        };
        if let Some(marked) = marked {
            out.push_str("<mark>");
            out.push_str(&escape(&unescape(marked)));
            out.push_str("</mark>");
        }
        out.push_str(&escape(&unescape(&rest.replace("</b>", ""))));
    }
    PreEscaped(out)
}

/// The plain words of a query (no field names, operators or quotes), to
/// mark where the store's highlight does not reach (the exception line).
fn terms(q: &str) -> Vec<String> {
    let mut terms = Vec::new();
    for word in q.split_whitespace() {
        let word = word.rsplit_once(':').map_or(word, |(_, value)| value);
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        if word.len() >= 2 && !matches!(word, "AND" | "OR" | "NOT") && !word.contains(['*', '?']) {
            terms.push(word.to_ascii_lowercase());
        }
    }
    terms
}

/// `text` with every ASCII-case-insensitive occurrence of a term in `<mark>`.
fn mark(text: &str, terms: &[String]) -> Markup {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    while at < text.len() {
        let next = terms
            .iter()
            .filter_map(|t| lower[at..].find(t.as_str()).map(|i| (at + i, t.len())))
            .min_by_key(|(start, len)| (*start, usize::MAX - len));
        let Some((start, len)) = next else { break };
        out.push_str(&escape(&text[at..start]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[start..start + len]));
        out.push_str("</mark>");
        at = start + len;
    }
    out.push_str(&escape(&text[at..]));
    PreEscaped(out)
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn escape(text: &str) -> String {
    maud::html! { (text) }.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_keep_only_their_marks() {
        let h = highlight("a &lt;script&gt; &amp; <b>timeout</b> &quot;x&quot;").into_string();
        assert_eq!(
            h,
            "a &lt;script&gt; &amp; <mark>timeout</mark> &quot;x&quot;"
        );
    }

    #[test]
    fn raw_markup_in_a_highlight_is_escaped() {
        let h = highlight("<img src=x onerror=alert(1)> <b><script></b>").into_string();
        assert!(!h.contains("<img"), "{h}");
        assert!(!h.contains("<script"), "{h}");
        assert!(h.contains("<mark>&lt;script&gt;</mark>"), "{h}");
    }

    #[test]
    fn query_words_are_marked_in_escaped_text() {
        let terms = terms("service:checkout AND timeout* NOT \"Redis\" <b>");
        assert_eq!(terms, vec!["checkout", "timeout", "redis"]);
        let marked = mark("io.lettuce.RedisException <Redis>", &terms).into_string();
        assert_eq!(
            marked,
            "io.lettuce.<mark>Redis</mark>Exception &lt;<mark>Redis</mark>&gt;"
        );
        assert_eq!(mark("ça <x>", &[]).into_string(), "ça &lt;x&gt;");
    }

    #[test]
    fn an_unclosed_mark_is_closed() {
        let h = highlight("x <b>y").into_string();
        assert_eq!(h, "x <mark>y</mark>");
    }
}
