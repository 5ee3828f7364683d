//! A receiver for the shipper benchmark: acknowledges every ingest request at
//! once and counts what arrived, so the shipper (and rsyslog beside it) is
//! measured, not a collector's indexing.
//!
//! ```text
//! sink HTTP_ADDR TCP_ADDR [--decode]
//! ```
//!
//! - `POST /api/v1/ingest` (HTTP_ADDR): counts requests and body bytes; with
//!   `--decode` it also gunzips the body and counts event lines (the batch
//!   header excluded; for a segments body, raw log lines), to check a run
//!   delivered everything.
//! - `GET /count`: `{"requests","body_bytes","events","tcp_bytes","tcp_lines"}`.
//! - TCP_ADDR: what rsyslog's `omfwd` sends; bytes and lines are counted and
//!   dropped.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

#[derive(Default)]
struct Counts {
    decode: AtomicBool,
    requests: AtomicU64,
    body_bytes: AtomicU64,
    events: AtomicU64,
    tcp_bytes: AtomicU64,
    tcp_lines: AtomicU64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(http), Some(tcp)) = (args.first(), args.get(1)) else {
        eprintln!("usage: sink HTTP_ADDR TCP_ADDR [--decode]");
        std::process::exit(2);
    };
    let counts = Arc::new(Counts::default());
    counts
        .decode
        .store(args.iter().any(|a| a == "--decode"), Ordering::Relaxed);
    let tcp = TcpListener::bind(tcp).await?;
    tokio::spawn(accept_tcp(tcp, counts.clone()));
    let app = Router::new()
        .route("/api/v1/ingest", post(ingest))
        .route("/count", get(count))
        .with_state(counts);
    let listener = TcpListener::bind(http).await?;
    eprintln!("sink listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await
}

async fn ingest(State(counts): State<Arc<Counts>>, headers: HeaderMap, body: Bytes) -> String {
    counts.requests.fetch_add(1, Ordering::Relaxed);
    counts
        .body_bytes
        .fetch_add(body.len() as u64, Ordering::Relaxed);
    let mut events = 0;
    if counts.decode.load(Ordering::Relaxed) {
        events = count_events(&headers, &body);
        counts.events.fetch_add(events, Ordering::Relaxed);
    }
    format!("{{\"accepted\":{events},\"duplicates\":0,\"rejected\":[]}}")
}

/// Event lines of a (possibly gzip) NDJSON batch, its header line excluded.
fn count_events(headers: &HeaderMap, body: &[u8]) -> u64 {
    let gzip = headers
        .get("content-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"))
        || body.starts_with(&[0x1f, 0x8b]);
    let mut text = Vec::new();
    if gzip {
        if flate2::read::MultiGzDecoder::new(body)
            .read_to_end(&mut text)
            .is_err()
        {
            return 0;
        }
    } else {
        text.extend_from_slice(body);
    }
    if text.starts_with(b"{\"faultline_segments\"") {
        return segment_lines(&text);
    }
    text.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && !l.starts_with(b"{\"faultline_batch\""))
        .count() as u64
}

/// Raw log lines in a segments body (the collector parses them into events).
fn segment_lines(body: &[u8]) -> u64 {
    let mut rest = match memchr::memchr(b'\n', body) {
        Some(end) => &body[end + 1..],
        None => return 0,
    };
    let mut lines = 0;
    while let Some(end) = memchr::memchr(b'\n', rest) {
        let len = serde_json::from_slice::<serde_json::Value>(&rest[..end])
            .ok()
            .and_then(|h| h["len"].as_u64())
            .unwrap_or(0) as usize;
        let raw = &rest[end + 1..(end + 1 + len).min(rest.len())];
        lines += memchr::memchr_iter(b'\n', raw).count() as u64;
        rest = &rest[end + 1 + raw.len()..];
    }
    lines
}

async fn count(State(counts): State<Arc<Counts>>) -> String {
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    format!(
        "{{\"requests\":{},\"body_bytes\":{},\"events\":{},\"tcp_bytes\":{},\"tcp_lines\":{}}}\n",
        get(&counts.requests),
        get(&counts.body_bytes),
        get(&counts.events),
        get(&counts.tcp_bytes),
        get(&counts.tcp_lines)
    )
}

async fn accept_tcp(listener: TcpListener, counts: Arc<Counts>) {
    while let Ok((mut stream, _)) = listener.accept().await {
        let counts = counts.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 256 << 10];
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                counts.tcp_bytes.fetch_add(n as u64, Ordering::Relaxed);
                let lines = memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
                counts.tcp_lines.fetch_add(lines, Ordering::Relaxed);
            }
        });
    }
}
