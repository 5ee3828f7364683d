//! The collector's own counters, and `/metrics` in the Prometheus text
//! exposition format (with the store's counters beside them).

use faultline_store::StoreMetrics;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why an ingest request or line was refused (the `reason` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rejection {
    /// A line that is not a valid event.
    MalformedLine,
    /// A line larger than `max_event_bytes`.
    EventTooLarge,
    /// A body larger than `max_body_bytes`.
    BodyTooLarge,
    /// A body that inflates beyond `max_decoded_bytes`.
    DecodedTooLarge,
    /// Broken gzip, unknown encoding or wire version.
    BadBody,
    /// No or unknown token, or a non-loopback peer with no tokens configured.
    Unauthorized,
}

impl Rejection {
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::MalformedLine => "malformed_line",
            Rejection::EventTooLarge => "event_too_large",
            Rejection::BodyTooLarge => "body_too_large",
            Rejection::DecodedTooLarge => "decoded_too_large",
            Rejection::BadBody => "bad_body",
            Rejection::Unauthorized => "unauthorized",
        }
    }
}

/// Counters, updated lock-free on the ingest path.
#[derive(Debug, Default)]
pub struct Metrics {
    events_accepted: AtomicU64,
    duplicates: AtomicU64,
    bytes_received: AtomicU64,
    batches: AtomicU64,
    ingest_micros: AtomicU64,
    rejected: Mutex<BTreeMap<Rejection, u64>>,
    requests: Mutex<BTreeMap<(String, u16), u64>>,
}

impl Metrics {
    /// A stored batch: its counts, its body size and how long it took.
    pub fn ingested(&self, accepted: u64, duplicates: u64, seconds: f64) {
        self.events_accepted.fetch_add(accepted, Ordering::Relaxed);
        self.duplicates.fetch_add(duplicates, Ordering::Relaxed);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.ingest_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    pub fn received(&self, bytes: usize) {
        self.bytes_received
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub fn rejected(&self, reason: Rejection, count: u64) {
        if count == 0 {
            return;
        }
        let mut rejected = self.rejected.lock().unwrap_or_else(|p| p.into_inner());
        *rejected.entry(reason).or_default() += count;
    }

    pub fn request(&self, route: &str, status: u16) {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests.entry((route.to_string(), status)).or_default() += 1;
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self, store: Option<&StoreMetrics>) -> String {
        let mut out = String::with_capacity(2048);
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let counters = [
            (
                "faultline_ingest_events_total",
                "Events stored (not counting duplicates).",
                load(&self.events_accepted),
            ),
            (
                "faultline_ingest_duplicates_total",
                "Events received again under a key already stored.",
                load(&self.duplicates),
            ),
            (
                "faultline_ingest_bytes_total",
                "Request body bytes received on /api/v1/ingest, as sent.",
                load(&self.bytes_received),
            ),
            (
                "faultline_ingest_batches_total",
                "Ingest requests whose events were stored.",
                load(&self.batches),
            ),
        ];
        for (name, help, value) in counters {
            metric(&mut out, name, "counter", help, &[("", value as f64)]);
        }
        metric(
            &mut out,
            "faultline_ingest_seconds_total",
            "counter",
            "Time spent decoding, fingerprinting and durably storing batches.",
            &[("", load(&self.ingest_micros) as f64 / 1e6)],
        );
        self.render_labelled(&mut out);
        if let Some(store) = store {
            render_store(&mut out, store);
        }
        out
    }

    fn render_labelled(&self, out: &mut String) {
        let rejected = self.rejected.lock().unwrap_or_else(|p| p.into_inner());
        let rows: Vec<(String, f64)> = rejected
            .iter()
            .map(|(r, n)| (format!("reason=\"{}\"", r.as_str()), *n as f64))
            .collect();
        let rows: Vec<(&str, f64)> = rows.iter().map(|(l, n)| (l.as_str(), *n)).collect();
        metric(
            out,
            "faultline_ingest_rejected_total",
            "counter",
            "Refused requests and lines, by reason.",
            &rows,
        );
        drop(rejected);
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let rows: Vec<(String, f64)> = requests
            .iter()
            .map(|((route, status), n)| {
                let route = route.replace('\\', "\\\\").replace('"', "\\\"");
                (format!("route=\"{route}\",status=\"{status}\""), *n as f64)
            })
            .collect();
        let rows: Vec<(&str, f64)> = rows.iter().map(|(l, n)| (l.as_str(), *n)).collect();
        metric(
            out,
            "faultline_http_requests_total",
            "counter",
            "HTTP requests by route and status.",
            &rows,
        );
    }
}

fn render_store(out: &mut String, store: &StoreMetrics) {
    let rows = [
        (
            "faultline_store_events_total",
            "counter",
            "Events written to the store.",
            store.events_stored as f64,
        ),
        (
            "faultline_store_duplicates_total",
            "counter",
            "Events the store recognised as already stored.",
            store.duplicates as f64,
        ),
        (
            "faultline_wal_bytes_total",
            "counter",
            "Bytes appended to the write-ahead log.",
            store.wal_bytes as f64,
        ),
        (
            "faultline_wal_fsyncs_total",
            "counter",
            "fsync calls on the write-ahead log (one per group commit).",
            store.wal_fsyncs as f64,
        ),
        (
            "faultline_wal_failures_total",
            "counter",
            "Write-ahead log appends that failed (full disk, I/O error); their batches got 503.",
            store.wal_failures as f64,
        ),
        (
            "faultline_index_commit_seconds",
            "gauge",
            "Duration of the last index commit that wrote events.",
            store.commits.last_seconds,
        ),
        (
            "faultline_index_commits_total",
            "counter",
            "Index commits that wrote events (one a commit interval at most).",
            store.commits.count as f64,
        ),
        (
            "faultline_index_commit_seconds_total",
            "counter",
            "Summed duration of those commits: with the count, their mean latency.",
            store.commits.total_seconds,
        ),
        (
            "faultline_groups",
            "gauge",
            "Error groups in the group store.",
            store.groups as f64,
        ),
    ];
    for (name, kind, help, value) in rows {
        metric(out, name, kind, help, &[("", value)]);
    }
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, rows: &[(&str, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    for (labels, value) in rows {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_counters_labels_and_store_figures() {
        let metrics = Metrics::default();
        metrics.ingested(7, 2, 0.5);
        metrics.received(1234);
        metrics.rejected(Rejection::MalformedLine, 3);
        metrics.request("/api/v1/ingest", 200);
        metrics.request("/api/v1/ingest", 200);
        let store = StoreMetrics {
            wal_fsyncs: 5,
            groups: 4,
            commits: faultline_store::CommitTimes {
                count: 3,
                total_seconds: 0.25,
                last_seconds: 0.125,
            },
            ..StoreMetrics::default()
        };
        let text = metrics.render(Some(&store));
        for line in [
            "faultline_ingest_events_total 7",
            "faultline_ingest_duplicates_total 2",
            "faultline_ingest_bytes_total 1234",
            "faultline_ingest_rejected_total{reason=\"malformed_line\"} 3",
            "faultline_http_requests_total{route=\"/api/v1/ingest\",status=\"200\"} 2",
            "faultline_wal_fsyncs_total 5",
            "faultline_groups 4",
            "# TYPE faultline_index_commit_seconds gauge",
            "faultline_index_commits_total 3",
            "faultline_index_commit_seconds_total 0.25",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from\n{text}"
            );
        }
    }
}
