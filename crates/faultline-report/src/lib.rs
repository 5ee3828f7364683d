//! What the fingerprinted events add up to: error groups with their counts,
//! first and last sightings, services and hosts, and the application's weak
//! areas — the modules and services that fail most; and the weekly report
//! ([`WeeklyReport`], built from a [`WeekInput`]) as Markdown, HTML or JSON.
//!
//! ```
//! use faultline_event::{Event, Level};
//! use faultline_report::{Groups, GroupInfo};
//!
//! let mut groups = Groups::default();
//! for service in ["checkout", "checkout", "orders"] {
//!     let mut event = Event::new("payment declined");
//!     event.level = Some(Level::Error);
//!     event.service = Some(service.into());
//!     event.fingerprint = Some("ab12".into());
//!     groups.observe(&event, || GroupInfo {
//!         title: "payment declined".into(),
//!         culprit: Some("billing.charge (billing.py)".into()),
//!         module: Some("billing".into()),
//!         explanation: "grouped by: message template".into(),
//!     });
//! }
//! let ranked = groups.ranked();
//! assert_eq!(ranked[0].count, 3);
//! let areas = groups.weak_areas();
//! assert_eq!(areas.by_service[0].name, "checkout");
//! assert_eq!(areas.by_module[0].count, 3);
//! ```

mod groups;
mod html;
mod markdown;
mod render;
mod svg;
mod weak;
mod week;
mod weekly;
mod weekly_areas;

pub use groups::{GroupInfo, GroupSummary, Groups};
pub use html::{render_html, render_html_section};
pub use markdown::render_markdown;
pub use render::{Totals, render_json, render_text};
pub use weak::{WeakArea, WeakAreas};
pub use week::{IsoWeek, WeekError};
pub use weekly::{
    AreaChange, Change, DayInput, DaySeries, EndpointInput, EndpointRow, Endpoints, GroupInput,
    REPORT_VERSION, ReportGroup, Status, WeekInput, WeekTotals, WeeklyAreas, WeeklyReport,
};

/// The weekly report as the versioned JSON document (`report_version`), pretty-printed.
pub fn render_report_json(report: &WeeklyReport) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("a report serialises");
    out.push('\n');
    out
}
