//! `POST /api/v1/ingest`: a wire batch (NDJSON events, optionally gzip), raw
//! log text (`Content-Type: text/plain`) or raw log segments
//! (`Content-Type: application/x-faultline-segments`, see [`crate::segments`]),
//! stored durably before the answer.
//!
//! The answer is `{"accepted": N, "duplicates": N, "rejected": [{"line", "error"}]}`:
//! - 200: every line was stored (or was a duplicate of a stored one);
//! - 400: some lines were rejected (malformed JSON, or larger than
//!   `max_event_bytes`), named by line number in `rejected`. **The well-formed
//!   lines of the same batch were stored** and are counted in `accepted` and
//!   `duplicates`: a client must not resend them as new events (resending the
//!   whole batch is safe when its events carry keys);
//! - raw text and segments are parsed here, each event cut at
//!   `max_event_bytes` of text and flagged `truncated` (a line alone,
//!   `line_truncated`) rather than rejected;
//! - for segments, 400 also names each rejected *segment* (an unknown format
//!   or multiline preset) by its 0-based index in the body, in `line`; the
//!   other segments' events were stored. A body whose framing is broken (a
//!   bad header line, a `len` past the end) is refused whole;
//! - 413: the body is larger than `max_body_bytes`, or inflates beyond
//!   `max_decoded_bytes`; nothing was stored;
//! - 401/403: see [`crate::auth`]; 503: the store is still opening; 500:
//!   nothing of the batch is acknowledged (retry it).

use crate::error::ApiError;
use crate::metrics::Rejection;
use crate::pipeline::key_of;
use crate::segments;
use crate::server::SharedState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use faultline_event::wire::{self, LineError, WireError};
use faultline_store::{Incoming, Verbatim};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;

/// Query parameters of an ingest request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IngestParams {
    /// The service of events that do not name one.
    pub service: Option<String>,
    /// Raw text: the source path stamped on its events.
    pub path: Option<String>,
    /// Raw text: the identity of the file the text comes from; with `offset`,
    /// events are keyed `file_id:(offset + position in the body)`.
    pub file_id: Option<String>,
    /// Raw text: where the body starts in that file.
    pub offset: Option<u64>,
    /// Raw text: a client batch id; events are keyed `batch_id:index`.
    pub batch_id: Option<String>,
}

/// The answer to an ingest request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestResponse {
    pub accepted: u64,
    pub duplicates: u64,
    pub rejected: Vec<RejectedLine>,
}

/// One line that was not stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedLine {
    pub line: usize,
    pub error: String,
}

/// Events ready for the pipeline, each with its key (and, from a wire batch,
/// its line), and the refused lines.
struct Decoded {
    events: Vec<Incoming>,
    rejected: Vec<LineError>,
}

pub async fn ingest(
    State(state): State<SharedState>,
    Query(params): Query<IngestParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let store = state.store()?;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            state.metrics.rejected(Rejection::BodyTooLarge, 1);
            ApiError::TooLarge(format!(
                "the body exceeds max_body_bytes ({} bytes)",
                state.config.limits.max_body_bytes
            ))
        } else {
            ApiError::bad_request(rejection.body_text())
        }
    })?;
    state.metrics.received(body.len());
    let kind = body_kind(&headers)?;
    let gzip = declared_gzip(&headers)?;
    let started = Instant::now();
    let worker = state.clone();
    let (outcome, rejected) = tokio::task::spawn_blocking(move || {
        let decoded = decode(&worker, &body, gzip, kind, &params)?;
        let outcome = worker.pipeline.ingest(&store, decoded.events)?;
        Ok::<_, ApiError>((outcome, decoded.rejected))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("ingest task: {e}")))??;
    let seconds = started.elapsed().as_secs_f64();
    state
        .metrics
        .ingested(outcome.accepted, outcome.duplicates, seconds);
    let response = IngestResponse {
        accepted: outcome.accepted,
        duplicates: outcome.duplicates,
        rejected: rejected
            .into_iter()
            .map(|e| RejectedLine {
                line: e.line,
                error: e.message,
            })
            .collect(),
    };
    if response.rejected.is_empty() {
        return Ok((StatusCode::OK, Json(response)).into_response());
    }
    Err(partial(response, kind))
}

/// A 400 that names the rejected lines (or segments) and still reports what
/// was stored.
fn partial(response: IngestResponse, kind: BodyKind) -> ApiError {
    let unit = match kind {
        BodyKind::Segments => "segment",
        BodyKind::Batch | BodyKind::Text => "line",
    };
    let lines: Vec<String> = response
        .rejected
        .iter()
        .take(20)
        .map(|r| r.line.to_string())
        .collect();
    let more = if response.rejected.len() > 20 {
        ", …"
    } else {
        ""
    };
    let message = format!(
        "{} {unit}(s) rejected ({unit} {}{more}); the other {unit}s were stored",
        response.rejected.len(),
        lines.join(", ")
    );
    let detail = serde_json::to_value(&response).unwrap_or_default();
    ApiError::BadRequest { message, detail }
}

/// What a body holds, by its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    /// NDJSON events (the default).
    Batch,
    /// Raw log text.
    Text,
    /// Raw log segments with their source positions.
    Segments,
}

/// `text/plain` bodies are raw log text, [`wire::SEGMENTS_CONTENT_TYPE`] is
/// raw segments; JSON-ish types are a wire batch.
fn body_kind(headers: &HeaderMap) -> Result<BodyKind, ApiError> {
    let Some(value) = headers.get(CONTENT_TYPE) else {
        return Ok(BodyKind::Batch);
    };
    let value = value.to_str().unwrap_or_default().to_ascii_lowercase();
    let media = value.split(';').next().unwrap_or_default().trim();
    match media {
        "text/plain" => Ok(BodyKind::Text),
        wire::SEGMENTS_CONTENT_TYPE => Ok(BodyKind::Segments),
        ""
        | "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/json"
        | "application/octet-stream"
        | "application/gzip" => Ok(BodyKind::Batch),
        // curl's default for --data: read as a batch, as intended.
        "application/x-www-form-urlencoded" => Ok(BodyKind::Batch),
        other => Err(ApiError::Unsupported(format!(
            "content type {other:?}: send application/x-ndjson (events), text/plain (raw log text) \
             or {} (raw log segments)",
            wire::SEGMENTS_CONTENT_TYPE
        ))),
    }
}

fn declared_gzip(headers: &HeaderMap) -> Result<bool, ApiError> {
    match headers.get(CONTENT_ENCODING).map(|v| v.to_str()) {
        None => Ok(false),
        Some(Ok(v)) if v.trim().eq_ignore_ascii_case("gzip") => Ok(true),
        Some(Ok(v)) if v.trim().eq_ignore_ascii_case("identity") => Ok(false),
        Some(other) => Err(ApiError::Unsupported(format!(
            "content encoding {:?}: only gzip is supported",
            other.unwrap_or_default()
        ))),
    }
}

fn decode(
    state: &SharedState,
    body: &[u8],
    gzip: bool,
    kind: BodyKind,
    params: &IngestParams,
) -> Result<Decoded, ApiError> {
    let limits = &state.config.limits;
    let plain = if gzip || wire::is_gzip(body) {
        wire::gunzip(body, limits.max_decoded_bytes).map_err(|e| wire_error(state, e))?
    } else if body.len() > limits.max_decoded_bytes {
        return Err(wire_error(
            state,
            WireError::TooLarge {
                limit: limits.max_decoded_bytes,
            },
        ));
    } else {
        body.to_vec()
    };
    let mut decoded = match kind {
        BodyKind::Text => decode_text(state, &plain, params),
        BodyKind::Batch => decode_batch(state, plain)?,
        BodyKind::Segments => decode_segments(state, &plain)?,
    };
    if let Some(service) = params.service.as_deref().filter(|s| !s.is_empty()) {
        for incoming in decoded
            .events
            .iter_mut()
            .filter(|i| i.event.service.is_none())
        {
            incoming.event.service = Some(service.to_string());
            incoming.verbatim = None;
        }
    }
    Ok(decoded)
}

fn wire_error(state: &SharedState, err: WireError) -> ApiError {
    match err {
        WireError::TooLarge { limit } => {
            state.metrics.rejected(Rejection::DecodedTooLarge, 1);
            ApiError::TooLarge(format!(
                "the decompressed body exceeds max_decoded_bytes ({limit} bytes)"
            ))
        }
        other => {
            state.metrics.rejected(Rejection::BadBody, 1);
            ApiError::bad_request(other.to_string())
        }
    }
}

/// A wire batch: lines over `max_event_bytes` are blanked (keeping the line
/// numbers) and rejected before decoding; the rest decode line by line.
fn decode_batch(state: &SharedState, mut plain: Vec<u8>) -> Result<Decoded, ApiError> {
    let max = state.config.limits.max_event_bytes;
    let mut oversize = Vec::new();
    let mut start = 0;
    for (index, end) in line_ends(&plain).into_iter().enumerate() {
        if end - start > max {
            plain[start..end].fill(b' ');
            oversize.push(LineError {
                line: index + 1,
                message: format!("the event exceeds max_event_bytes ({max} bytes)"),
            });
        }
        start = end + 1;
    }
    let limit = state.config.limits.max_decoded_bytes;
    let batch = wire::decode(&plain, limit).map_err(|e| wire_error(state, e))?;
    let batch_id = batch.batch_id.as_deref();
    let body = Arc::new(plain);
    let events = batch
        .events
        .into_iter()
        .zip(batch.spans)
        .map(|((line, event), range)| Incoming {
            key: key_of(&event, batch_id, line),
            event,
            verbatim: Some(Verbatim {
                body: body.clone(),
                range,
            }),
        })
        .collect();
    state
        .metrics
        .rejected(Rejection::EventTooLarge, oversize.len() as u64);
    state
        .metrics
        .rejected(Rejection::MalformedLine, batch.rejected.len() as u64);
    let mut rejected = batch.rejected;
    rejected.extend(oversize);
    rejected.sort_by_key(|e| e.line);
    Ok(Decoded { events, rejected })
}

/// Raw segments: each parsed from its file position, keyed `file_id:offset`
/// like the events a shipper would have sent (or `batch_id:n` when a segment
/// names no file id).
fn decode_segments(state: &SharedState, plain: &[u8]) -> Result<Decoded, ApiError> {
    let limit = state.config.limits.max_decoded_bytes;
    let (batch_id, segments) =
        wire::decode_segments(plain, limit).map_err(|e| wire_error(state, e))?;
    let year = chrono::Utc::now().year();
    let parsed = segments::parse_all(&state.segment_parsers, segments, year, |event, n| {
        key_of(event, batch_id.as_deref(), n)
    });
    let events = parsed
        .events
        .into_iter()
        .map(|(key, event)| Incoming {
            event,
            key,
            verbatim: None,
        })
        .collect();
    state
        .metrics
        .rejected(Rejection::MalformedLine, parsed.rejected.len() as u64);
    Ok(Decoded {
        events,
        rejected: parsed.rejected,
    })
}

/// The end offset of every line (the last one may have no newline).
fn line_ends(body: &[u8]) -> Vec<usize> {
    let mut ends: Vec<usize> = memchr::memchr_iter(b'\n', body).collect();
    if ends
        .last()
        .map_or(!body.is_empty(), |&e| e + 1 < body.len())
    {
        ends.push(body.len());
    }
    ends
}

/// Raw text: parsed and multiline-joined here; keyed by the caller's file
/// position or batch id when given (never by a guess, so two bodies that
/// look alike are never taken for one).
fn decode_text(state: &SharedState, plain: &[u8], params: &IngestParams) -> Decoded {
    let path = params.path.as_deref().unwrap_or("http");
    // Timestamps printed without a year (syslog) are this year's, as in
    // segments; the default options always build.
    let year = chrono::Utc::now().year();
    let parser = state
        .segment_parsers
        .get(None, None, year)
        .expect("the default format and preset build");
    let parsed = parser.parse_bytes(plain, Some(path));
    let file_id = params.file_id.as_deref().filter(|f| !f.is_empty());
    let base = params.offset.unwrap_or(0);
    let batch_id = params.batch_id.as_deref().filter(|b| !b.is_empty());
    let events = parsed
        .events
        .into_iter()
        .enumerate()
        .map(|(index, mut event)| {
            let source = event.source.get_or_insert_with(Default::default);
            source.offset += base;
            match file_id {
                Some(id) => source.file_id = id.to_string(),
                None => source.file_id.clear(),
            }
            let key = key_of(&event, batch_id, index + 1);
            Incoming {
                event,
                key,
                verbatim: None,
            }
        })
        .collect();
    Decoded {
        events,
        rejected: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends_cover_a_last_line_without_newline() {
        assert_eq!(line_ends(b"ab\ncd"), vec![2, 5]);
        assert_eq!(line_ends(b"ab\ncd\n"), vec![2, 5]);
        assert_eq!(line_ends(b""), Vec::<usize>::new());
        assert_eq!(line_ends(b"\n\n"), vec![0, 1]);
    }

    #[test]
    fn content_types_and_encodings_are_checked() {
        let mut headers = HeaderMap::new();
        assert_eq!(body_kind(&headers).unwrap(), BodyKind::Batch);
        headers.insert(CONTENT_TYPE, "text/plain; charset=utf-8".parse().unwrap());
        assert_eq!(body_kind(&headers).unwrap(), BodyKind::Text);
        headers.insert(CONTENT_TYPE, wire::SEGMENTS_CONTENT_TYPE.parse().unwrap());
        assert_eq!(body_kind(&headers).unwrap(), BodyKind::Segments);
        headers.insert(CONTENT_TYPE, "image/png".parse().unwrap());
        assert_eq!(
            body_kind(&headers).unwrap_err().status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        headers.insert(CONTENT_ENCODING, "GZIP".parse().unwrap());
        assert!(declared_gzip(&headers).unwrap());
        headers.insert(CONTENT_ENCODING, "br".parse().unwrap());
        assert!(declared_gzip(&headers).is_err());
    }

    #[test]
    fn a_partial_batch_names_its_lines_and_keeps_its_counts() {
        let response = IngestResponse {
            accepted: 2,
            duplicates: 1,
            rejected: vec![RejectedLine {
                line: 3,
                error: "expected value".into(),
            }],
        };
        let segments = partial(response.clone(), BodyKind::Segments);
        assert!(segments.to_string().contains("segment 3"), "{segments}");
        let err = partial(response, BodyKind::Batch);
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        assert!(err.to_string().contains("line 3"), "{err}");
        let ApiError::BadRequest { detail, .. } = err else {
            panic!("a bad request")
        };
        assert_eq!(detail["accepted"], 2);
        assert_eq!(detail["rejected"][0]["line"], 3);
    }
}
