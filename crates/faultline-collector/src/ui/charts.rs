//! Inline SVG charts over a group's per-day counts: a sparkline for a list
//! row and a bar chart with a scale for the group page. No script, no
//! external resources; each bar carries its day and count as a tooltip.
//! SVG elements are closed explicitly (`{}`): inside `<svg>` an HTML parser
//! treats `<line>` without a closing tag as the parent of what follows.

use chrono::{Duration, NaiveDate};
use maud::{Markup, html};
use std::collections::BTreeMap;

/// The counts of the `days` days ending with `last` (inclusive), oldest
/// first; days without events count 0.
pub fn series(
    daily: &BTreeMap<NaiveDate, u64>,
    last: NaiveDate,
    days: usize,
) -> Vec<(NaiveDate, u64)> {
    (0..days)
        .rev()
        .map(|back| {
            let day = last - Duration::days(back as i64);
            (day, daily.get(&day).copied().unwrap_or(0))
        })
        .collect()
}

/// A small line of the daily counts (120×28), the last day marked.
pub fn sparkline(series: &[(NaiveDate, u64)]) -> Markup {
    const W: f64 = 120.0;
    const H: f64 = 28.0;
    let max = series.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let step = W / (series.len().max(2) - 1) as f64;
    let point = |i: usize, n: u64| (i as f64 * step, H - 2.0 - (n as f64 / max) * (H - 4.0));
    let points: Vec<String> = series
        .iter()
        .enumerate()
        .map(|(i, (_, n))| {
            let (x, y) = point(i, *n);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let summary = summary(series);
    let last = series.last().map(|(_, n)| point(series.len() - 1, *n));
    html! {
        svg.sparkline width="120" height="28" viewBox="0 0 120 28" role="img" aria-label=(summary) {
            title { (summary) }
            polyline points=(points.join(" ")) fill="none" stroke="currentColor" stroke-width="1.5" {}
            @if let Some((x, y)) = last {
                circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="2" fill="currentColor" {}
            }
        }
    }
}

/// A bar per day with the largest count on the scale and the first and last
/// day under the axis.
pub fn bars(series: &[(NaiveDate, u64)]) -> Markup {
    const W: f64 = 720.0;
    const H: f64 = 160.0;
    const TOP: f64 = 14.0;
    const BOTTOM: f64 = 18.0;
    let max = series.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let slot = W / series.len().max(1) as f64;
    let plot = H - TOP - BOTTOM;
    html! {
        svg.bars viewBox="0 0 720 160" width="100%" role="img" aria-label=(summary(series)) {
            title { (summary(series)) }
            line x1="0" y1=(H - BOTTOM) x2=(W) y2=(H - BOTTOM) class="axis" {}
            text x="0" y="10" class="scale" { "max " (max) " / day" }
            @for (i, (day, n)) in series.iter().enumerate() {
                @let height = if max == 0 { 0.0 } else { (*n as f64 / max as f64) * plot };
                rect.bar x=(format!("{:.1}", i as f64 * slot + 1.0)) y=(format!("{:.1}", H - BOTTOM - height))
                    width=(format!("{:.1}", (slot - 2.0).max(1.0))) height=(format!("{height:.1}"))
                    data-day=(day) data-count=(n) {
                    title { (day) ": " (n) }
                }
            }
            @if let (Some((first, _)), Some((last, _))) = (series.first(), series.last()) {
                text x="0" y=(H - 4.0) class="day" { (first.format("%b %-d")) }
                text x=(W) y=(H - 4.0) class="day end" { (last.format("%b %-d")) }
            }
        }
    }
}

fn summary(series: &[(NaiveDate, u64)]) -> String {
    let total: u64 = series.iter().map(|(_, n)| n).sum();
    format!("{total} events over the last {} days", series.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn series_fills_missing_days_with_zero() {
        let daily = BTreeMap::from([(day(20), 4), (day(22), 1), (day(1), 99)]);
        let s = series(&daily, day(22), 4);
        assert_eq!(
            s,
            vec![(day(19), 0), (day(20), 4), (day(21), 0), (day(22), 1)]
        );
    }

    #[test]
    fn bars_have_one_rect_per_day_scaled_to_the_largest() {
        let s = vec![(day(20), 4), (day(21), 0), (day(22), 2)];
        let svg = bars(&s).into_string();
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("max 4 / day"));
        assert!(svg.contains("data-count=\"4\""));
        assert!(svg.contains("6 events over the last 3 days"));
        assert!(
            svg.contains("</line>"),
            "closed, or the bars would be its children"
        );
    }

    #[test]
    fn empty_series_draw_without_dividing_by_zero() {
        let s = series(&BTreeMap::new(), day(22), 7);
        assert!(!sparkline(&s).into_string().contains("NaN"));
        assert!(!bars(&s).into_string().contains("NaN"));
    }
}
