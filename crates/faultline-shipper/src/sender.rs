//! Sending batches: one task per batch, `POST /api/v1/ingest` until the
//! collector answers for it. The reader keeps at most `max_in_flight` batches
//! unacknowledged, so this side needs no queue limit of its own.
//!
//! What an answer means:
//! - 2xx: stored (duplicates included: the collector keys events by
//!   `(file_id, offset)`, so a resend counts once);
//! - 400 naming lines: those lines are counted and logged, the others were
//!   stored: the batch is done;
//! - 401, 403, 404: a misconfiguration a person must fix: logged loudly and
//!   retried slowly, forever (dropping would lose data);
//! - 408, 429, 5xx, no answer: retried forever with jittered exponential
//!   backoff up to 30 s (`Retry-After` is honoured within that cap);
//! - 413 (a body larger than the collector takes): the body is halved and
//!   each half sent on its own, down to one event or one line, which alone
//!   is dropped, logged and counted ([`crate::split`]);
//! - any other 4xx: retried a few times, then the batch is dropped, logged
//!   and counted.

use crate::backoff::{self, Backoff};
use crate::config::CollectorConfig;
use crate::metrics::Metrics;
use crate::split;
use crate::spool::Spool;
use faultline_event::{Event, wire};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// Attempts for a 4xx that is neither retryable nor a misconfiguration.
const MAX_CLIENT_ERROR_ATTEMPTS: u32 = 5;

/// A batch on its way to the collector.
#[derive(Debug)]
pub struct Outgoing {
    pub seq: u64,
    pub payload: Payload,
    pub events: u64,
    /// The spool file to delete once the batch is acknowledged.
    pub spooled: Option<PathBuf>,
}

#[derive(Debug)]
pub enum Payload {
    /// Encoded (and gzipped) off the reader thread.
    Events {
        batch_id: String,
        events: Vec<Event>,
    },
    /// Raw segments for the collector to parse (`parse_at = "collector"`).
    Segments {
        batch_id: String,
        segments: Vec<wire::Segment>,
    },
    /// A body already encoded (spooled).
    Body(Vec<u8>),
}

/// The collector's answer to an ingest request (200 and 400 alike).
#[derive(Debug, Default, Deserialize)]
struct IngestAnswer {
    #[serde(default)]
    accepted: u64,
    #[serde(default)]
    duplicates: u64,
    #[serde(default)]
    rejected: Vec<RejectedLine>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RejectedLine {
    line: usize,
    #[serde(default)]
    error: String,
}

enum Outcome {
    Done,
    TooLarge,
    Retry {
        reason: String,
        slow: bool,
        after: Option<Duration>,
    },
    ClientError(String),
}

#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    config: Arc<CollectorConfig>,
    metrics: Arc<Metrics>,
    acks: std::sync::mpsc::Sender<u64>,
}

impl Sender {
    pub fn new(
        config: CollectorConfig,
        metrics: Arc<Metrics>,
        acks: std::sync::mpsc::Sender<u64>,
    ) -> Result<Sender, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Sender {
            client,
            config: Arc::new(config),
            metrics,
            acks,
        })
    }

    /// Sends every batch that arrives, concurrently, until the channel closes.
    pub async fn run(self, mut batches: UnboundedReceiver<Outgoing>) {
        while let Some(batch) = batches.recv().await {
            tokio::spawn(self.clone().deliver(batch));
        }
    }

    async fn deliver(self, batch: Outgoing) {
        let seq = batch.seq;
        let raw = matches!(batch.payload, Payload::Segments { .. });
        let content_type = match raw {
            true => wire::SEGMENTS_CONTENT_TYPE,
            false => wire::CONTENT_TYPE,
        };
        let body = match self.body(batch.payload).await {
            Ok(body) => body,
            Err(err) => {
                tracing::error!(seq, error = %err, "could not encode a batch; its events are dropped");
                Metrics::add(&self.metrics.dropped_lines, batch.events);
                let _ = self.acks.send(seq);
                return;
            }
        };
        self.send(seq, body, content_type, (batch.events, raw))
            .await;
        if let Some(path) = &batch.spooled {
            Spool::remove(path);
        }
        let _ = self.acks.send(seq);
    }

    /// Posts `body` (of `units` events, or segments when raw) until the
    /// collector stores it or refuses it for good; a body it finds too large
    /// is halved and each half sent the same way.
    async fn send(&self, seq: u64, body: Vec<u8>, content_type: &str, (units, raw): (u64, bool)) {
        let mut backoff = Backoff::default();
        let mut client_errors = 0;
        loop {
            let delay = match self.post(&body, content_type, (units, raw)).await {
                Outcome::Done => break,
                Outcome::TooLarge => {
                    self.send_halves(seq, &body, content_type, (units, raw))
                        .await;
                    break;
                }
                Outcome::Retry {
                    reason,
                    slow,
                    after,
                } => {
                    let delay = if slow {
                        backoff.slow()
                    } else {
                        backoff.next_delay()
                    };
                    let delay = after.map_or(delay, |a| a.clamp(delay, backoff::MAX));
                    if slow {
                        tracing::error!(
                            seq,
                            reason,
                            retry_in_ms = delay.as_millis() as u64,
                            "the collector refuses this shipper; fix its token or url (retrying)"
                        );
                    } else {
                        tracing::warn!(
                            seq,
                            reason,
                            retry_in_ms = delay.as_millis() as u64,
                            "batch not delivered; retrying"
                        );
                    }
                    delay
                }
                Outcome::ClientError(reason) => {
                    client_errors += 1;
                    if client_errors >= MAX_CLIENT_ERROR_ATTEMPTS {
                        tracing::error!(
                            seq,
                            reason,
                            events = units,
                            "the collector refused a batch; its events are dropped"
                        );
                        Metrics::add(&self.metrics.dropped_lines, units);
                        break;
                    }
                    tracing::warn!(seq, reason, "the collector refused a batch; retrying");
                    backoff.next_delay()
                }
            };
            Metrics::add(&self.metrics.retries, 1);
            tokio::time::sleep(delay).await;
        }
    }

    /// Sends the two halves of a body refused as too large, one after the
    /// other; a body of one event (or one line) is dropped and counted.
    async fn send_halves(
        &self,
        seq: u64,
        body: &[u8],
        content_type: &str,
        (units, raw): (u64, bool),
    ) {
        match split::halve(body, raw) {
            Ok(Some(halves)) => {
                tracing::warn!(
                    seq,
                    units,
                    bytes = body.len(),
                    "the collector refused a batch as too large; sending it in halves"
                );
                Metrics::add(&self.metrics.batches_split, 1);
                for half in halves {
                    Box::pin(self.send(seq, half.body, content_type, (half.units, raw))).await;
                }
            }
            Ok(None) => {
                tracing::error!(
                    seq,
                    bytes = body.len(),
                    segments = raw,
                    "one event (or line) is larger than the collector takes; it is dropped (raise the collector's limits.max_body_bytes)"
                );
                Metrics::add(&self.metrics.dropped_lines, units);
            }
            Err(err) => {
                tracing::error!(seq, error = %err, "could not halve a batch the collector refused as too large; its events are dropped");
                Metrics::add(&self.metrics.dropped_lines, units);
            }
        }
    }

    async fn body(&self, payload: Payload) -> Result<Vec<u8>, String> {
        match payload {
            Payload::Body(body) => Ok(body),
            Payload::Events { batch_id, events } => {
                let gzip = self.config.gzip;
                tokio::task::spawn_blocking(move || {
                    wire::encode(&wire::Batch::new(events).with_id(batch_id), gzip)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
            }
            Payload::Segments { batch_id, segments } => {
                let gzip = self.config.gzip;
                tokio::task::spawn_blocking(move || {
                    wire::encode_segments(&batch_id, &segments, gzip)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())
            }
        }
    }

    /// Posts a body of `units` events, or raw segments when `raw`.
    async fn post(&self, body: &[u8], content_type: &str, units: (u64, bool)) -> Outcome {
        let mut request = self
            .client
            .post(&self.config.ingest_url)
            .header(CONTENT_TYPE, content_type)
            .body(body.to_vec());
        if wire::is_gzip(body) {
            request = request.header(CONTENT_ENCODING, "gzip");
        }
        if let Some(token) = &self.config.token {
            request = request.bearer_auth(token);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(err) => return retry(format!("{err}"), false, None),
        };
        let status = response.status();
        let after = retry_after(&response);
        let answer: IngestAnswer = response.json().await.unwrap_or_default();
        self.judge(status, answer, after, units)
    }

    fn judge(
        &self,
        status: StatusCode,
        answer: IngestAnswer,
        after: Option<Duration>,
        (units, raw): (u64, bool),
    ) -> Outcome {
        let reason = || format!("{status}: {}", answer.error.clone().unwrap_or_default());
        match status.as_u16() {
            200..=299 => {
                self.stored(&answer, units, raw);
                Outcome::Done
            }
            400 if !answer.rejected.is_empty() => {
                let first = &answer.rejected[0];
                tracing::warn!(
                    rejected = answer.rejected.len(),
                    first_line = first.line,
                    first_error = %first.error,
                    segments = raw,
                    "the collector rejected lines (or segments, by index) of a batch; the others were stored"
                );
                Metrics::add(&self.metrics.rejected_lines, answer.rejected.len() as u64);
                Metrics::add(&self.metrics.dropped_lines, answer.rejected.len() as u64);
                let stored = match raw {
                    true => units.saturating_sub(answer.rejected.len() as u64),
                    false => answer.accepted + answer.duplicates,
                };
                self.stored(&answer, stored, raw);
                Outcome::Done
            }
            413 => Outcome::TooLarge,
            401 | 403 | 404 => retry(reason(), true, None),
            408 | 429 | 500..=599 => retry(reason(), false, after),
            _ => Outcome::ClientError(reason()),
        }
    }

    /// Counts a stored batch of `units` events, or of raw segments when
    /// `raw` (their events are counted as the collector answered).
    fn stored(&self, answer: &IngestAnswer, units: u64, raw: bool) {
        if raw {
            Metrics::add(&self.metrics.segments_sent, units);
            Metrics::add(
                &self.metrics.events_sent,
                answer.accepted + answer.duplicates,
            );
        } else {
            Metrics::add(&self.metrics.events_sent, units);
        }
        Metrics::add(&self.metrics.duplicates, answer.duplicates);
        Metrics::add(&self.metrics.batches_sent, 1);
    }
}

fn retry(reason: String, slow: bool, after: Option<Duration>) -> Outcome {
    Outcome::Retry {
        reason,
        slow,
        after,
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let secs: u64 = response
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}
