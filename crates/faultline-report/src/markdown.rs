//! The weekly report as Markdown, for chat and tickets.

use crate::weekly::{AreaChange, Change, EndpointRow, WeeklyReport};
use std::fmt::Write as _;

/// Titles are cut to this many characters in tables.
const TITLE_CHARS: usize = 90;

/// A chat-friendly Markdown document: headline figures, the top groups with
/// their status, the weak areas and the endpoints. Every value from the data
/// is escaped, so a title cannot break a table or inject markup.
pub fn render_markdown(report: &WeeklyReport) -> String {
    let mut out = String::new();
    let t = &report.totals;
    let _ = writeln!(
        out,
        "# Weekly report {} ({} – {})\n",
        report.week, report.from, report.to
    );
    let _ = writeln!(
        out,
        "- **Events:** {}\n- **Errors:** {}\n- **Groups seen:** {}\n",
        change(&t.events),
        change(&t.errors),
        change(&t.groups)
    );
    groups(&mut out, report);
    for (heading, list) in [
        ("Weakest modules", &report.weak_areas.by_module),
        ("Weakest services", &report.weak_areas.by_service),
        ("Top exception types", &report.weak_areas.by_exception),
    ] {
        areas(&mut out, heading, list);
    }
    endpoints(&mut out, report);
    out
}

fn groups(out: &mut String, report: &WeeklyReport) {
    out.push_str("## Top error groups\n\n");
    if report.groups.is_empty() {
        out.push_str("No error groups this week.\n\n");
        return;
    }
    out.push_str("| # | Events | vs last week | Status | Group | Services | First seen |\n");
    out.push_str("|--:|--:|--:|---|---|---|---|\n");
    for (i, g) in report.groups.iter().enumerate() {
        let mut group = format!("[{}]({})", escape(&clip(&g.title)), g.link);
        if let Some(culprit) = &g.culprit {
            let _ = write!(group, "<br>at {}", escape(culprit));
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            i + 1,
            g.count.this_week,
            growth(&g.count),
            g.status.as_str(),
            group,
            escape(&g.services.join(", ")),
            g.first_seen.format("%Y-%m-%d")
        );
    }
    if report.more_groups > 0 {
        let _ = writeln!(out, "\n… and {} more groups.", report.more_groups);
    }
    out.push('\n');
}

fn areas(out: &mut String, heading: &str, list: &[AreaChange]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "## {heading}\n");
    out.push_str("| Name | Events | vs last week | Groups |\n|---|--:|--:|--:|\n");
    for area in list {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            escape(&area.name),
            area.count.this_week,
            growth(&area.count),
            area.groups
        );
    }
    out.push('\n');
}

fn endpoints(out: &mut String, report: &WeeklyReport) {
    let e = &report.endpoints;
    if e.count == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "## Endpoints\n\n{} requests to {} endpoints, {} server errors (5xx).\n",
        e.requests,
        e.count,
        percent(e.error_rate_pct)
    );
    for (heading, rows) in [
        ("Most called", &e.most_called),
        ("Least called (candidates to retire)", &e.least_called),
    ] {
        let _ = writeln!(out, "### {heading}\n");
        out.push_str("| Endpoint | Requests | vs last week | 5xx | p50 | p95 | p99 |\n");
        out.push_str("|---|--:|--:|--:|--:|--:|--:|\n");
        for row in rows {
            endpoint_row(out, row);
        }
        out.push('\n');
    }
}

fn endpoint_row(out: &mut String, row: &EndpointRow) {
    let _ = writeln!(
        out,
        "| {} {} | {} | {} | {} | {} | {} | {} |",
        escape(&row.method),
        escape(&row.route),
        row.requests.this_week,
        growth(&row.requests),
        percent(row.error_rate_pct),
        seconds(row.p50),
        seconds(row.p95),
        seconds(row.p99)
    );
}

/// `1200 (+20.0% vs 1000)`.
fn change(c: &Change) -> String {
    format!("{} ({} vs {})", c.this_week, growth(c), c.previous_week)
}

/// `+20.0%`, `−5.0%`, `was 0` (nothing last week; the status says whether
/// the group is new) or `–` for nothing at all.
pub(crate) fn growth(c: &Change) -> String {
    match c.change_pct {
        Some(p) if p > 0.0 => format!("+{p:.1}%"),
        Some(p) if p < 0.0 => format!("−{:.1}%", -p),
        Some(_) => "±0%".to_string(),
        None if c.this_week > 0 => "was 0".to_string(),
        None => "–".to_string(),
    }
}

pub(crate) fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "–".to_string(), |p| format!("{p:.1}%"))
}

/// A latency in seconds, as milliseconds when under one second.
pub(crate) fn seconds(s: Option<f64>) -> String {
    match s {
        None => "–".to_string(),
        Some(s) if s < 1.0 => format!("{:.0} ms", s * 1000.0),
        Some(s) => format!("{s:.2} s"),
    }
}

/// The first line, at most [`TITLE_CHARS`] characters.
pub(crate) fn clip(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= TITLE_CHARS {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(TITLE_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Backslash-escapes Markdown's punctuation and HTML's `<`, `>`, `&`; folds
/// newlines, so a value stays one table cell of plain text.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '(' | ')' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_break_a_table_or_inject_markup() {
        assert_eq!(
            escape("a|b <script> & [x](y)\n*z*"),
            r"a\|b \<script\> &amp; \[x\]\(y\) \*z\*"
        );
    }

    #[test]
    fn growth_reads_as_a_person_would_say_it() {
        assert_eq!(growth(&Change::new(120, 100)), "+20.0%");
        assert_eq!(growth(&Change::new(50, 100)), "−50.0%");
        assert_eq!(growth(&Change::new(7, 7)), "±0%");
        assert_eq!(growth(&Change::new(3, 0)), "was 0");
        assert_eq!(growth(&Change::new(0, 0)), "–");
        assert_eq!(seconds(Some(0.0123)), "12 ms");
        assert_eq!(seconds(Some(2.5)), "2.50 s");
    }
}
