//! The faultline shipper: the sidecar that tails an application's log files,
//! parses them into events and sends them to a collector, losing nothing and
//! counting nothing twice.
//!
//! - [`faultline_tail`] finds and reads the files (rotation, truncation,
//!   deletion, `.gz`), one parse `Session` per file turns bytes into events;
//! - events are batched by size and age and POSTed gzipped to
//!   `/api/v1/ingest`, retried forever with jittered backoff (capped at 30 s);
//! - at most `max_in_flight` batches are unacknowledged: past that, reading
//!   stops and the files are the buffer;
//! - a file's checkpoint moves only once the collector acknowledged every
//!   event before it (`ledger`), so a crash re-reads and never skips, and the
//!   collector drops the resent events by their `(file_id, offset)`;
//! - standard input, which cannot be read again, is spooled to disk first;
//! - with `[collector] parse_at = "collector"` files are not parsed here:
//!   their raw bytes go as segments cut where an event starts (`segment`),
//!   and the collector parses them into the same events at the same offsets.
//!
//! ```no_run
//! use faultline_shipper::RawConfig;
//!
//! # async fn ship() -> Result<(), Box<dyn std::error::Error>> {
//! let config = RawConfig::from_toml(
//!     r#"
//!     state = "/var/lib/faultline-shipper"
//!     [[sources]]
//!     include = ["/var/log/app/**/*.log"]
//!     service = "checkout"
//!     [collector]
//!     url = "http://127.0.0.1:7080"
//!     "#,
//! )?
//! .validate()?;
//! faultline_shipper::run(config, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(())
//! # }
//! ```

mod backoff;
mod batch;
pub mod config;
mod error;
mod ledger;
mod metrics;
mod reader;
mod segment;
mod sender;
mod split;
mod spool;
mod stdin;

pub use config::{RawConfig, ShipperConfig};
pub use error::{ConfigError, ShipError};
pub use metrics::Metrics;

use faultline_tail::{Checkpoints, Tailer};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Prunes checkpoints of files not seen for this long.
const FORGET_AFTER: std::time::Duration = std::time::Duration::from_secs(14 * 24 * 3600);

/// Ships until `shutdown` completes (SIGTERM, Ctrl-C), or, when standard
/// input is the only source, until it ends and everything is acknowledged.
/// On shutdown: stop reading, send what is batched, wait up to
/// `shutdown_timeout` for acks, save checkpoints.
pub async fn run(
    config: ShipperConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<Arc<Metrics>, ShipError> {
    let state = &config.state_dir;
    std::fs::create_dir_all(state).map_err(|e| ShipError::io("creating", state, e))?;
    let checkpoints = Checkpoints::load(state)?;
    checkpoints.prune(FORGET_AFTER);
    let tailer = match config.sources.is_empty() {
        true => None,
        false => Some(Tailer::new(config.tail.clone(), checkpoints.clone())?),
    };
    let metrics = Arc::new(Metrics::default());
    if let Some(addr) = config.metrics_listen {
        serve_metrics(addr, metrics.clone()).await?;
    }
    let (ack_tx, ack_rx) = std::sync::mpsc::channel();
    let (out_tx, out_rx) = tokio::sync::mpsc::unbounded_channel();
    let sender = sender::Sender::new(config.collector.clone(), metrics.clone(), ack_tx)?;
    tokio::spawn(sender.run(out_rx));
    let stop = Arc::new(AtomicBool::new(false));
    let spool = match config.stdin.is_some() && config.spool {
        true => Some(spool::Spool::open(state)?),
        false => None,
    };
    let wiring = reader::Wiring {
        checkpoints,
        outgoing: out_tx,
        acks: ack_rx,
        metrics: metrics.clone(),
        stop: stop.clone(),
        spool,
    };
    let reader = reader::Reader::new(&config, wiring)?;
    tracing::info!(
        sources = config.sources.len(),
        stdin = config.stdin.is_some(),
        collector = %config.collector.ingest_url,
        state = %state.display(),
        host = %config.host,
        "shipping"
    );
    let mut handle = tokio::task::spawn_blocking(move || reader.run(tailer));
    tokio::pin!(shutdown);
    let joined = tokio::select! {
        joined = &mut handle => joined,
        () = &mut shutdown => {
            tracing::info!("stopping: sending what is batched");
            stop.store(true, Ordering::Relaxed);
            handle.await
        }
    };
    joined.map_err(|e| ShipError::Reader(e.to_string()))?;
    tracing::info!(
        events_sent = metrics.events_sent.load(Ordering::Relaxed),
        lines_read = metrics.lines_read.load(Ordering::Relaxed),
        "stopped"
    );
    Ok(metrics)
}

async fn serve_metrics(addr: std::net::SocketAddr, metrics: Arc<Metrics>) -> Result<(), ShipError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ShipError::Listen { addr, source })?;
    let local = listener.local_addr().unwrap_or(addr);
    tracing::info!(addr = %local, "metrics listening");
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, metrics::router(metrics)).await {
            tracing::error!(error = %err, "metrics server failed");
        }
    });
    Ok(())
}
