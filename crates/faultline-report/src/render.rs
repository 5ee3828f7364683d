//! The ranked groups and weak areas as a terminal table or a JSON document.

use crate::{GroupSummary, Groups};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// What was read, for the headline.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
    pub events: u64,
    /// Events at warning level or above, or with an exception: what was grouped.
    pub grouped_events: u64,
    pub seconds: f64,
}

const TITLE_WIDTH: usize = 72;

/// A table a developer reads at first sight: the headline, the top `top`
/// groups with their culprit and first/last seen, and the weakest modules and
/// services.
pub fn render_text(totals: &Totals, groups: &Groups, top: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Analyzed {} {} ({}), {} events in {:.2} s: {} error groups from {} errors and warnings.",
        totals.files,
        plural(totals.files, "file", "files"),
        human_bytes(totals.bytes),
        totals.events,
        totals.seconds,
        groups.len(),
        totals.grouped_events
    );
    if groups.is_empty() {
        out.push_str("\nNo errors or warnings found.\n");
        return out;
    }
    let ranked = groups.ranked();
    let _ = writeln!(out, "\nTop error groups (by count)");
    let _ = writeln!(out, "  {:>3}  {:>6}  {:<5}  TITLE", "#", "COUNT", "LEVEL");
    for (rank, group) in ranked.iter().take(top).enumerate() {
        write_group(&mut out, rank + 1, group);
    }
    if ranked.len() > top {
        let _ = writeln!(
            out,
            "  … and {} more groups (--top N shows more)",
            ranked.len() - top
        );
    }
    let areas = groups.weak_areas();
    for (heading, list) in [
        ("Weakest modules", &areas.by_module),
        ("Weakest services", &areas.by_service),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{heading}");
        let _ = writeln!(out, "  {:>6}  {:>6}  NAME", "COUNT", "GROUPS");
        for area in list.iter().take(top.min(10)) {
            let _ = writeln!(
                out,
                "  {:>6}  {:>6}  {}",
                area.count, area.groups, area.name
            );
        }
    }
    out
}

fn write_group(out: &mut String, rank: usize, group: &GroupSummary) {
    let level = group.level.map_or("-", |l| l.as_str());
    let _ = writeln!(
        out,
        "  {rank:>3}  {:>6}  {level:<5}  {}",
        group.count,
        clip(&group.title, TITLE_WIDTH)
    );
    let pad = " ".repeat(22);
    if let Some(culprit) = &group.culprit {
        let _ = writeln!(out, "{pad}at {culprit}");
    }
    let mut seen = match (group.first_seen, group.last_seen) {
        (Some(first), Some(last)) => format!("first {}  last {}", short(first), short(last)),
        _ => String::from("no timestamps"),
    };
    if !group.services.is_empty() {
        let services: Vec<&str> = group.services.iter().map(String::as_str).collect();
        let _ = write!(seen, "  in {}", services.join(", "));
    }
    let _ = writeln!(out, "{pad}{seen}");
}

/// The JSON document of `faultline analyze --json`.
pub fn render_json(totals: &Totals, groups: &Groups) -> Value {
    let ranked: Vec<Value> = groups
        .ranked()
        .into_iter()
        .map(|g| {
            json!({
                "fingerprint": g.fingerprint,
                "title": g.title,
                "culprit": g.culprit,
                "module": g.module,
                "level": g.level,
                "count": g.count,
                "first_seen": g.first_seen.map(rfc3339),
                "last_seen": g.last_seen.map(rfc3339),
                "services": g.services,
                "hosts": g.hosts,
                "explanation": g.explanation,
            })
        })
        .collect();
    let areas = groups.weak_areas();
    let weak: Vec<&crate::WeakArea> = areas.by_module.iter().chain(&areas.by_service).collect();
    json!({ "summary": totals, "groups": ranked, "weak_areas": weak })
}

fn rfc3339(ts: DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn short(ts: DateTime<Utc>) -> String {
    ts.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The first line of `text`, at most `width` characters.
fn clip(text: &str, width: usize) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() <= width {
        return line.to_string();
    }
    let mut clipped: String = line.chars().take(width - 1).collect();
    clipped.push('…');
    clipped
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_and_sizes_read_well() {
        assert_eq!(clip("short\nsecond line", 10), "short");
        assert_eq!(clip("abcdefghijkl", 5), "abcd…");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(3 << 20), "3.0 MiB");
    }

    #[test]
    fn empty_input_says_so() {
        let text = render_text(&Totals::default(), &Groups::default(), 10);
        assert!(text.contains("No errors or warnings found."), "{text}");
        let json = render_json(&Totals::default(), &Groups::default());
        assert_eq!(json["groups"], json!([]));
    }
}
