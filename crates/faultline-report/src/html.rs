//! The weekly report as one self-contained HTML file for a browser or a mail
//! client: table layout, inline styles, inline SVG, system fonts, no script
//! and nothing fetched. maud escapes every value from the data.

use crate::markdown::{clip, growth, percent, seconds};
use crate::svg::{colour, daily_bars, levels, sparkline};
use crate::weekly::{AreaChange, Change, EndpointRow, ReportGroup, Status, WeeklyReport};
use maud::{DOCTYPE, Markup, html};

const FONT: &str = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;";
const TABLE: &str = "border-collapse:collapse;width:100%;font-size:13px;";
const TH: &str = "text-align:left;padding:6px 8px;border-bottom:2px solid #e2e8f0;color:#475569;font-weight:600;";
const TD: &str = "padding:6px 8px;border-bottom:1px solid #f1f5f9;vertical-align:top;";
const NUM: &str = "padding:6px 8px;border-bottom:1px solid #f1f5f9;vertical-align:top;text-align:right;white-space:nowrap;";
const H2: &str = "font-size:17px;margin:28px 0 8px;color:#0f172a;";

/// The whole document.
pub fn render_html(report: &WeeklyReport) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "faultline weekly report " (report.week) }
            }
            body style={ "margin:0;padding:16px;background:#f8fafc;color:#0f172a;" (FONT) } {
                (section(report))
            }
        }
    }
    .into_string()
}

/// The report without `<html>` and `<head>`: styled inline, for embedding
/// in another page (the collector's `/report`).
pub fn render_html_section(report: &WeeklyReport) -> String {
    section(report).into_string()
}

fn section(report: &WeeklyReport) -> Markup {
    html! {
        table role="presentation" width="100%" cellpadding="0" cellspacing="0"
            style={ "max-width:920px;margin:0 auto;background:#ffffff;border:1px solid #e2e8f0;" (FONT) } {
            tr { td style="padding:20px 24px;" {
                h1 style="font-size:22px;margin:0 0 4px;" { "Weekly report " (report.week) }
                p style="margin:0 0 16px;color:#64748b;font-size:13px;" {
                    (report.from) " to " (report.to) " (UTC), compared with " (report.previous_week)
                }
                (totals(report))
                h2 style=(H2) { "Events per day" }
                (daily_bars(&report.daily))
                (legend(report))
                (groups(report))
                (areas("Weakest modules", "Module", &report.weak_areas.by_module))
                (areas("Weakest services", "Service", &report.weak_areas.by_service))
                (areas("Top exception types", "Exception", &report.weak_areas.by_exception))
                (endpoints(report))
            } }
        }
    }
}

fn totals(report: &WeeklyReport) -> Markup {
    let t = &report.totals;
    let cells = [
        ("Events", &t.events),
        ("Errors", &t.errors),
        ("Groups seen", &t.groups),
    ];
    html! {
        table role="presentation" width="100%" cellpadding="0" cellspacing="0" style=(TABLE) {
            tr {
                @for (name, c) in cells {
                    td style="padding:10px 12px;border:1px solid #e2e8f0;width:33%;" {
                        div style="color:#64748b;font-size:12px;" { (name) }
                        div style="font-size:24px;font-weight:600;" { (c.this_week) }
                        div style={ "font-size:12px;color:" (trend_colour(c)) ";" } {
                            (growth(c)) " vs " (c.previous_week) " last week"
                        }
                    }
                }
            }
        }
    }
}

fn legend(report: &WeeklyReport) -> Markup {
    html! {
        p style="margin:4px 0 0;font-size:12px;color:#475569;" {
            @for level in levels(&report.daily) {
                span style={ "display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;background:" (colour(&level)) ";" } {}
                (level)
            }
            @if report.totals.events.this_week == 0 { "No events this week." }
        }
    }
}

fn groups(report: &WeeklyReport) -> Markup {
    html! {
        h2 style=(H2) { "Top error groups" }
        @if report.groups.is_empty() {
            p style="color:#64748b;font-size:13px;" { "No error groups this week." }
        } @else {
            table cellpadding="0" cellspacing="0" style=(TABLE) {
                tr {
                    th style=(TH) { "#" } th style=(TH) { "Events" } th style=(TH) { "Status" }
                    th style=(TH) { "Group" } th style=(TH) { "14 days" } th style=(TH) { "Seen" }
                }
                @for (i, g) in report.groups.iter().enumerate() { (group_row(i + 1, g)) }
            }
            @if report.more_groups > 0 {
                p style="color:#64748b;font-size:12px;" { "… and " (report.more_groups) " more groups." }
            }
        }
    }
}

fn group_row(rank: usize, g: &ReportGroup) -> Markup {
    html! {
        tr {
            td style=(NUM) { (rank) }
            td style=(NUM) {
                b { (g.count.this_week) } br;
                span style={ "font-size:11px;color:" (trend_colour(&g.count)) ";" } { (growth(&g.count)) }
            }
            td style=(TD) { (badge(g.status)) }
            td style=(TD) {
                a href=(g.link) style="color:#1d4ed8;text-decoration:none;font-weight:600;" { (clip(&g.title)) }
                @if let Some(culprit) = &g.culprit {
                    br; span style="color:#475569;font-size:12px;" { "at " code { (culprit) } }
                }
                @if !g.services.is_empty() {
                    br; span style="color:#64748b;font-size:12px;" { (g.services.join(", ")) }
                }
            }
            td style=(TD) { (sparkline(&g.sparkline)) }
            td style={ (TD) "font-size:12px;color:#475569;white-space:nowrap;" } {
                "first " (g.first_seen.format("%Y-%m-%d %H:%M")) br;
                "last " (g.last_seen.format("%Y-%m-%d %H:%M"))
            }
        }
    }
}

fn badge(status: Status) -> Markup {
    let (fg, bg) = match status {
        Status::New => ("#1e40af", "#dbeafe"),
        Status::Regressed => ("#9a3412", "#ffedd5"),
        Status::Escalating => ("#991b1b", "#fee2e2"),
        Status::Ongoing => ("#334155", "#f1f5f9"),
    };
    html! {
        span style={ "padding:2px 6px;border-radius:3px;font-size:11px;font-weight:600;color:" (fg) ";background:" (bg) ";" } {
            (status.as_str())
        }
    }
}

fn areas(heading: &str, column: &str, list: &[AreaChange]) -> Markup {
    html! {
        @if !list.is_empty() {
            h2 style=(H2) { (heading) }
            table cellpadding="0" cellspacing="0" style=(TABLE) {
                tr {
                    th style=(TH) { (column) } th style=(TH) { "Events" }
                    th style=(TH) { "vs last week" } th style=(TH) { "Groups" }
                }
                @for area in list {
                    tr {
                        td style=(TD) { code { (area.name) } }
                        td style=(NUM) { (area.count.this_week) }
                        td style={ (NUM) "color:" (trend_colour(&area.count)) ";" } { (growth(&area.count)) }
                        td style=(NUM) { (area.groups) }
                    }
                }
            }
        }
    }
}

fn endpoints(report: &WeeklyReport) -> Markup {
    let e = &report.endpoints;
    html! {
        @if e.count > 0 {
            h2 style=(H2) { "Endpoints" }
            p style="font-size:13px;margin:0 0 8px;" {
                (e.requests) " requests to " (e.count) " endpoints; "
                (percent(e.error_rate_pct)) " server errors (5xx)."
            }
            (endpoint_table("Most called", &e.most_called))
            (endpoint_table("Least called (candidates to retire)", &e.least_called))
        }
    }
}

fn endpoint_table(heading: &str, rows: &[EndpointRow]) -> Markup {
    html! {
        h3 style="font-size:14px;margin:16px 0 6px;" { (heading) }
        table cellpadding="0" cellspacing="0" style=(TABLE) {
            tr {
                th style=(TH) { "Endpoint" } th style=(TH) { "Requests" } th style=(TH) { "vs last week" }
                th style=(TH) { "5xx" } th style=(TH) { "p50" } th style=(TH) { "p95" } th style=(TH) { "p99" }
            }
            @for r in rows {
                tr {
                    td style=(TD) { code { (r.method) " " (r.route) } }
                    td style=(NUM) { (r.requests.this_week) }
                    td style=(NUM) { (growth(&r.requests)) }
                    td style=(NUM) { (percent(r.error_rate_pct)) }
                    td style=(NUM) { (seconds(r.p50)) }
                    td style=(NUM) { (seconds(r.p95)) }
                    td style=(NUM) { (seconds(r.p99)) }
                }
            }
        }
    }
}

/// Red for growth, green for a fall, grey otherwise (more errors is worse).
fn trend_colour(c: &Change) -> &'static str {
    match c.change_pct {
        Some(p) if p > 0.0 => "#b91c1c",
        Some(p) if p < 0.0 => "#15803d",
        None if c.this_week > 0 => "#b91c1c",
        _ => "#64748b",
    }
}
