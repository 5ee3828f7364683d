//! The faultline collector: receives events from shippers over HTTP, stores
//! them durably, fingerprints errors into groups, and answers search, group
//! and stats queries.
//!
//! Routes:
//! - `POST /api/v1/ingest` — a wire batch (NDJSON, optionally gzip), raw
//!   text or raw log segments ([`segments`]); answered only once the events are in the fsynced write-ahead log
//!   (see [`ingest`] for the statuses and what a partial batch means);
//! - `GET /api/v1/search`, `/api/v1/groups`, `/api/v1/groups/{fingerprint}`,
//!   `/api/v1/stats` — see [`params`] for the parameters;
//! - `GET /metrics` (Prometheus text), `/healthz` (the process is up),
//!   `/readyz` (the store is open and its log replayed);
//! - the web UI at `/` (see [`ui`]): the group list, search, a group's page
//!   and the weekly report, server-rendered.
//!
//! `/api` needs `Authorization: Bearer TOKEN` with a token from the config,
//! or the session cookie a browser gets from `/login`; with no tokens
//! configured, only loopback clients are served.
//!
//! ```no_run
//! use faultline_collector::{RawConfig, serve};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut raw = RawConfig::default();
//! raw.listen = Some("127.0.0.1:7080".into());
//! raw.data = Some("/var/lib/faultline".into());
//! let ctrl_c = async {
//!     let _ = tokio::signal::ctrl_c().await;
//! };
//! serve(raw.validate()?, ctrl_c).await?;
//! # Ok(())
//! # }
//! ```

mod auth;
pub mod client;
pub mod config;
mod error;
pub mod ingest;
pub mod metrics;
pub mod params;
pub mod pipeline;
mod query;
pub mod report;
pub mod segments;
mod server;
pub mod ui;

pub use auth::Project;
pub use config::{CollectorConfig, ConfigError, RawConfig};
pub use error::ApiError;
pub use ingest::{IngestResponse, RejectedLine};
pub use pipeline::{Pipeline, PipelineError, TEMPLATES_FILE};
pub use server::{AppState, ServeError, SharedState, router, serve, state};
