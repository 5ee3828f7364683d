//! The page shell (head, navigation, footer), error pages, and the small
//! formatting helpers every page shares.

use super::session::Viewer;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use faultline_event::Level;
use maud::{DOCTYPE, Markup, html};

/// Which navigation entry is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Groups,
    Search,
    Report,
    None,
}

/// A whole page: `title` goes into `<title>` and `body` into `<main>`.
pub fn page(title: &str, nav: Nav, viewer: &Viewer, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · faultline" }
                link rel="stylesheet" href="/ui/style.css";
                script src="/ui/ui.js" defer {}
            }
            body {
                (header(nav, viewer))
                main { (body) }
            }
        }
    }
}

fn header(nav: Nav, viewer: &Viewer) -> Markup {
    let item = |target: Nav, href: &str, label: &str| {
        html! { a href=(href) class=[(nav == target).then_some("current")] { (label) } }
    };
    html! {
        header.top {
            a.brand href="/" { "faultline" }
            nav {
                (item(Nav::Groups, "/", "Groups"))
                (item(Nav::Search, "/search", "Search"))
                (item(Nav::Report, "/report", "Weekly report"))
            }
            form.quick action="/search" method="get" role="search" {
                input type="search" name="q" placeholder="Search events" aria-label="Search events";
            }
            @if viewer.signed_in {
                form.logout action="/logout" method="post" {
                    @if let Some(project) = &viewer.project { span.project { (project) } }
                    button type="submit" { "Sign out" }
                }
            }
        }
    }
}

/// A page for a failed request: the status and what to do about it.
pub fn error_page(status: StatusCode, message: &str) -> Markup {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = html! {
        section.error-page {
            h1 { (status.as_u16()) " " (title) }
            p.error { (message) }
            p { a href="/" { "Back to the group list" } }
        }
    };
    page(title, Nav::None, &Viewer::default(), body)
}

/// An empty state: a title and a hint.
pub fn empty(title: &str, hint: Markup) -> Markup {
    html! {
        div.empty {
            p.empty-title { (title) }
            p { (hint) }
        }
    }
}

/// A point in time, shown relative to `now` with the exact time on hover.
pub fn time(ts: DateTime<Utc>, now: DateTime<Utc>) -> Markup {
    let exact = ts.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    html! {
        time datetime=(ts.to_rfc3339()) title=(exact) { (ago(now - ts)) }
    }
}

/// An exact point in time, to the second.
pub fn exact_time(ts: DateTime<Utc>) -> Markup {
    html! {
        time datetime=(ts.to_rfc3339()) { (ts.format("%Y-%m-%d %H:%M:%S UTC")) }
    }
}

/// `5 min ago`, `3 h ago`, `2 days ago`; `in the future` for clock skew.
fn ago(age: chrono::Duration) -> String {
    let seconds = age.num_seconds();
    match seconds {
        s if s < 0 => "in the future".into(),
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3600),
        s if s < 2 * 86_400 => "yesterday".into(),
        s => format!("{} days ago", s / 86_400),
    }
}

/// A level as a coloured badge; `-` when the event had none.
pub fn level_badge(level: Option<Level>) -> Markup {
    match level {
        Some(level) => {
            html! { span class={ "level level-" (level.as_str()) } { (level.as_str()) } }
        }
        None => html! { span.level { "-" } },
    }
}

/// `1234567` as `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A `<select>` whose options are `(value, label)`, with `selected` chosen.
pub fn select(name: &str, label: &str, options: &[(&str, &str)], selected: &str) -> Markup {
    html! {
        label {
            span { (label) }
            select name=(name) data-autosubmit {
                @for (value, text) in options {
                    option value=(value) selected[*value == selected] { (text) }
                }
            }
        }
    }
}

/// The level filter's choices.
/// Each level means that level and above.
pub const LEVELS: &[(&str, &str)] = &[
    ("", "any level"),
    ("debug", "debug and above"),
    ("info", "info and above"),
    ("warn", "warn and above"),
    ("error", "error and above"),
    ("fatal", "fatal"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
    }

    #[test]
    fn ages_read_as_people_say_them() {
        assert_eq!(ago(chrono::Duration::seconds(-5)), "in the future");
        assert_eq!(ago(chrono::Duration::seconds(30)), "just now");
        assert_eq!(ago(chrono::Duration::minutes(5)), "5 min ago");
        assert_eq!(ago(chrono::Duration::hours(3)), "3 h ago");
        assert_eq!(ago(chrono::Duration::hours(30)), "yesterday");
        assert_eq!(ago(chrono::Duration::days(9)), "9 days ago");
    }
}
