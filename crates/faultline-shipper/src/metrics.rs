//! Self-observability: counters the pipeline bumps, rendered as Prometheus
//! text on `/metrics`, and `/healthz`.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One file's read position, for the lag gauge.
#[derive(Debug, Clone)]
pub struct FileLag {
    pub path: String,
    pub file_id: String,
    pub lag_bytes: u64,
    pub deleted: bool,
}

/// Counters and gauges of one shipper process.
#[derive(Debug, Default)]
pub struct Metrics {
    pub lines_read: AtomicU64,
    pub bytes_read: AtomicU64,
    pub events_sent: AtomicU64,
    pub batches_sent: AtomicU64,
    /// Batches halved because the collector found them too large (413).
    pub batches_split: AtomicU64,
    /// Raw segments the collector acknowledged (`parse_at = "collector"`).
    pub segments_sent: AtomicU64,
    pub retries: AtomicU64,
    pub truncated_lines: AtomicU64,
    /// Lines lost to an event's cap, and lines the collector rejected.
    pub dropped_lines: AtomicU64,
    pub rejected_lines: AtomicU64,
    pub duplicates: AtomicU64,
    pub checkpoint_saves: AtomicU64,
    pub spooled_batches: AtomicU64,
    pub in_flight: AtomicU64,
    pub files_open: AtomicU64,
    pub files: Mutex<Vec<FileLag>>,
}

const COUNTERS: &[(&str, &str)] = &[
    ("lines_read_total", "Lines read from inputs."),
    ("bytes_read_total", "Bytes read from inputs."),
    ("events_sent_total", "Events the collector acknowledged."),
    ("batches_sent_total", "Batches the collector acknowledged."),
    (
        "batches_split_total",
        "Batches halved because the collector refused them as too large (413).",
    ),
    (
        "segments_sent_total",
        "Raw segments the collector acknowledged (parse_at = collector).",
    ),
    ("retries_total", "Batch sends retried after a failure."),
    ("truncated_lines_total", "Lines cut at max_line_bytes."),
    (
        "dropped_lines_total",
        "Lines dropped: past an event's cap, or rejected by the collector.",
    ),
    (
        "rejected_lines_total",
        "Lines the collector rejected by line number (400).",
    ),
    (
        "duplicates_total",
        "Events the collector already had (a resend after a restart or retry).",
    ),
    ("checkpoint_saves_total", "Checkpoint file saves."),
];

impl Metrics {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    fn counter(&self, name: &str) -> u64 {
        let c = match name {
            "lines_read_total" => &self.lines_read,
            "bytes_read_total" => &self.bytes_read,
            "events_sent_total" => &self.events_sent,
            "batches_sent_total" => &self.batches_sent,
            "batches_split_total" => &self.batches_split,
            "segments_sent_total" => &self.segments_sent,
            "retries_total" => &self.retries,
            "truncated_lines_total" => &self.truncated_lines,
            "dropped_lines_total" => &self.dropped_lines,
            "rejected_lines_total" => &self.rejected_lines,
            "duplicates_total" => &self.duplicates,
            _ => &self.checkpoint_saves,
        };
        c.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, help) in COUNTERS {
            let _ = writeln!(out, "# HELP faultline_shipper_{name} {help}");
            let _ = writeln!(out, "# TYPE faultline_shipper_{name} counter");
            let _ = writeln!(out, "faultline_shipper_{name} {}", self.counter(name));
        }
        let gauges = [
            (
                "files_open",
                "Files held open, deleted ones included.",
                &self.files_open,
            ),
            (
                "in_flight_batches",
                "Batches sent and not yet acknowledged.",
                &self.in_flight,
            ),
            (
                "spooled_batches",
                "Batches waiting in the disk spool.",
                &self.spooled_batches,
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP faultline_shipper_{name} {help}");
            let _ = writeln!(out, "# TYPE faultline_shipper_{name} gauge");
            let _ = writeln!(
                out,
                "faultline_shipper_{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        self.render_files(&mut out);
        out
    }

    fn render_files(&self, out: &mut String) {
        let files = self.files.lock().map(|f| f.clone()).unwrap_or_default();
        let _ = writeln!(
            out,
            "# HELP faultline_shipper_lag_bytes Bytes of a file not read yet."
        );
        let _ = writeln!(out, "# TYPE faultline_shipper_lag_bytes gauge");
        for file in &files {
            let _ = writeln!(
                out,
                "faultline_shipper_lag_bytes{{path=\"{}\",file_id=\"{}\",deleted=\"{}\"}} {}",
                escape(&file.path),
                escape(&file.file_id),
                file.deleted,
                file.lag_bytes
            );
        }
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `/metrics` and `/healthz`.
pub fn router(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .route("/healthz", get(|| async { "ok\n" }))
        .with_state(metrics)
}

async fn render(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics.render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_gauges_and_escaped_file_labels() {
        let metrics = Metrics::default();
        Metrics::add(&metrics.lines_read, 42);
        Metrics::add(&metrics.checkpoint_saves, 3);
        metrics.files_open.store(2, Ordering::Relaxed);
        metrics.files.lock().unwrap().push(FileLag {
            path: "/var/log/a \"b\".log".into(),
            file_id: "00ff".into(),
            lag_bytes: 17,
            deleted: true,
        });
        let text = metrics.render();
        for line in [
            "faultline_shipper_lines_read_total 42",
            "faultline_shipper_checkpoint_saves_total 3",
            "faultline_shipper_retries_total 0",
            "faultline_shipper_files_open 2",
            "faultline_shipper_lag_bytes{path=\"/var/log/a \\\"b\\\".log\",file_id=\"00ff\",deleted=\"true\"} 17",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
    }
}
