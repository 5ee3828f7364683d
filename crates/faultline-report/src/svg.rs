//! Inline SVG charts: the week's stacked bars by level and a sparkline per
//! group. Sizes are fixed and every coordinate is finite, whatever the data
//! (no events at all, or one day holding millions).

use crate::weekly::DaySeries;
use maud::{Markup, html};

const BAR_WIDTH: u32 = 80;
const BAR_GAP: u32 = 12;
const CHART_HEIGHT: u32 = 160;
const LABEL_HEIGHT: u32 = 34;
const SPARK_WIDTH: u32 = 112;
const SPARK_HEIGHT: u32 = 24;

/// Levels bottom to top, with their colours; anything else stacks on top in grey.
const LEVEL_COLOURS: [(&str, &str); 7] = [
    ("fatal", "#7f1d1d"),
    ("error", "#dc2626"),
    ("warn", "#f59e0b"),
    ("info", "#3b82f6"),
    ("debug", "#94a3b8"),
    ("trace", "#cbd5e1"),
    ("none", "#e2e8f0"),
];

/// The colour of a level in the charts and their legend.
pub(crate) fn colour(level: &str) -> &'static str {
    LEVEL_COLOURS
        .iter()
        .find(|(l, _)| *l == level)
        .map_or("#a8a29e", |(_, c)| c)
}

/// The levels present in `days`, in stacking order.
pub(crate) fn levels(days: &[DaySeries]) -> Vec<String> {
    let mut found: Vec<String> = LEVEL_COLOURS
        .iter()
        .map(|(l, _)| l.to_string())
        .filter(|l| days.iter().any(|d| d.levels.get(l).is_some_and(|n| *n > 0)))
        .collect();
    for day in days {
        for (level, n) in &day.levels {
            if *n > 0 && !found.contains(level) {
                found.push(level.clone());
            }
        }
    }
    found
}

/// One bar per day, its events stacked by level; the day's total above it.
pub fn daily_bars(days: &[DaySeries]) -> Markup {
    let max = days.iter().map(|d| d.total).max().unwrap_or(0).max(1);
    let order = levels(days);
    let width = days.len() as u32 * (BAR_WIDTH + BAR_GAP);
    let height = CHART_HEIGHT + LABEL_HEIGHT;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height)
            viewBox={"0 0 " (width) " " (height)} role="img" aria-label="events per day by level" {
            @for (i, day) in days.iter().enumerate() {
                @let x = i as u32 * (BAR_WIDTH + BAR_GAP);
                @let segments = stack(day, &order, max);
                @for (level, y, h) in &segments {
                    rect x=(x) y=(y) width=(BAR_WIDTH) height=(h) fill=(colour(level)) {
                        title { (level) ": " (day.levels.get(level).copied().unwrap_or(0)) }
                    }
                }
                @let top = segments.last().map_or(CHART_HEIGHT, |s| s.1);
                text x=(x + BAR_WIDTH / 2) y=(top.saturating_sub(4).max(10)) text-anchor="middle"
                    font-size="11" fill="#334155" { (day.total) }
                text x=(x + BAR_WIDTH / 2) y=(CHART_HEIGHT + 14) text-anchor="middle"
                    font-size="11" fill="#334155" { (day.date.format("%a")) }
                text x=(x + BAR_WIDTH / 2) y=(CHART_HEIGHT + 28) text-anchor="middle"
                    font-size="10" fill="#64748b" { (day.date.format("%m-%d")) }
            }
            line x1="0" y1=(CHART_HEIGHT) x2=(width) y2=(CHART_HEIGHT) stroke="#cbd5e1" stroke-width="1" {}
        }
    }
}

/// Each level's segment of a day's bar: (level, y, height), bottom up.
/// Heights are whole pixels; a non-empty level gets at least one.
fn stack(day: &DaySeries, order: &[String], max: u64) -> Vec<(String, u32, u32)> {
    let mut y = CHART_HEIGHT;
    let mut out = Vec::new();
    for level in order {
        let n = day.levels.get(level).copied().unwrap_or(0);
        if n == 0 {
            continue;
        }
        let h = ((n as f64 / max as f64) * f64::from(CHART_HEIGHT - 16)).round() as u32;
        let h = h.clamp(1, y);
        y -= h;
        out.push((level.clone(), y, h));
    }
    out
}

/// A line over the daily counts, scaled to the largest; a flat line when
/// there is nothing to show. The last seven points (this week) are darker.
pub fn sparkline(counts: &[u64]) -> Markup {
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = f64::from(SPARK_WIDTH - 4) / (counts.len().max(2) - 1) as f64;
    let point = |i: usize, n: u64| {
        let x = 2.0 + step * i as f64;
        let y = 2.0 + f64::from(SPARK_HEIGHT - 4) * (1.0 - n as f64 / max);
        format!("{x:.1},{y:.1}")
    };
    let all: Vec<String> = counts
        .iter()
        .enumerate()
        .map(|(i, n)| point(i, *n))
        .collect();
    let split = counts.len().saturating_sub(7).saturating_sub(1);
    let recent = all.get(split..).unwrap_or_default().join(" ");
    let total: u64 = counts.iter().sum();
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(SPARK_WIDTH) height=(SPARK_HEIGHT)
            viewBox={"0 0 " (SPARK_WIDTH) " " (SPARK_HEIGHT)} role="img"
            aria-label={ (total) " events over " (counts.len()) " days" } {
            polyline points=(all.join(" ")) fill="none" stroke="#cbd5e1" stroke-width="1.5" {}
            polyline points=(recent) fill="none" stroke="#dc2626" stroke-width="1.5" {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::collections::BTreeMap;

    fn day(levels: &[(&str, u64)]) -> DaySeries {
        let levels: BTreeMap<String, u64> =
            levels.iter().map(|(l, n)| (l.to_string(), *n)).collect();
        DaySeries {
            date: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
            total: levels.values().sum(),
            levels,
        }
    }

    #[test]
    fn bars_stack_errors_at_the_bottom_and_fit_the_chart() {
        let d = day(&[("info", 1_000_000), ("error", 1), ("warn", 500_000)]);
        let segments = stack(&d, &levels(std::slice::from_ref(&d)), d.total);
        let names: Vec<&str> = segments.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["error", "warn", "info"]);
        assert_eq!(segments[0].2, 1, "a lone error still shows");
        assert!(segments.iter().all(|s| s.1 <= CHART_HEIGHT));
    }

    #[test]
    fn empty_charts_have_finite_coordinates() {
        for svg in [
            daily_bars(&[day(&[])]).into_string(),
            daily_bars(&[]).into_string(),
            sparkline(&[]).into_string(),
            sparkline(&[0; 14]).into_string(),
            sparkline(&[u64::MAX / 2, 0]).into_string(),
        ] {
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            assert!(svg.starts_with("<svg"), "{svg}");
        }
    }
}
