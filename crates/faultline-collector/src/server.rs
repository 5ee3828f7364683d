//! The service: binds, opens the store off the runtime (`/readyz` says when
//! it is done), serves the routes, and on shutdown stops accepting, drains
//! in-flight requests, commits the index and saves the templates.

use crate::config::CollectorConfig;
use crate::metrics::Metrics;
use crate::pipeline::{Pipeline, PipelineError};
use crate::{auth, ingest, query, report};
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use faultline_store::{Store, StoreError};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    pub config: CollectorConfig,
    /// Set once the store is open and its write-ahead log replayed.
    pub store: OnceLock<Arc<Store>>,
    pub pipeline: Pipeline,
    /// Parses raw text bodies and raw segments, one parser per format,
    /// multiline preset and year.
    pub segment_parsers: crate::segments::ParserCache,
    pub metrics: Metrics,
    /// Browser sessions opened at `/login` (the web UI).
    pub sessions: crate::ui::Sessions,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// The open store, or 503 while it is still opening.
    pub fn store(&self) -> Result<Arc<Store>, crate::ApiError> {
        self.store.get().cloned().ok_or(crate::ApiError::NotReady)
    }
}

/// Why the collector could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("listening on {addr}: {error}")]
    Bind {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("{path}: {error}")]
    DataDir { path: String, error: std::io::Error },
    #[error("opening the store")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error("serving: {0}")]
    Serve(std::io::Error),
    #[error("a background task failed: {0}")]
    Task(String),
}

/// Builds the shared state: the template miner is loaded here, the store is
/// opened later by [`serve`].
pub fn state(config: CollectorConfig) -> Result<SharedState, ServeError> {
    std::fs::create_dir_all(&config.data).map_err(|error| ServeError::DataDir {
        path: config.data.display().to_string(),
        error,
    })?;
    let pipeline = Pipeline::open(config.fingerprint.clone(), &config.data)?;
    let segment_parsers = crate::segments::ParserCache::new(config.limits.max_event_bytes);
    Ok(Arc::new(AppState {
        config,
        store: OnceLock::new(),
        pipeline,
        segment_parsers,
        metrics: Metrics::default(),
        sessions: crate::ui::Sessions::default(),
    }))
}

/// The routes, with authentication on `/api` and request counting on all.
pub fn router(state: SharedState) -> Router {
    let max_body = state.config.limits.max_body_bytes;
    let api = Router::new()
        .route("/api/v1/ingest", post(ingest::ingest))
        .route("/api/v1/search", get(query::search))
        .route("/api/v1/groups", get(query::groups))
        .route("/api/v1/groups/{fingerprint}", get(query::group))
        .route(
            "/api/v1/groups/{fingerprint}/status",
            put(query::set_status),
        )
        .route("/api/v1/stats", get(query::stats))
        .route("/api/v1/report", get(report::report))
        .layer(middleware::from_fn_with_state(state.clone(), auth::require))
        .layer(axum::extract::DefaultBodyLimit::max(max_body));
    Router::new()
        .merge(api)
        .merge(crate::ui::routes(state.clone()))
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .layer(CatchPanicLayer::new())
        .with_state(state)
}

/// Runs the collector until `shutdown` resolves, then drains, commits and
/// saves. Logs `listening` with the bound address (useful with port 0).
pub async fn serve(
    config: CollectorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = config.listen;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|error| ServeError::Bind { addr, error })?;
    let local = listener.local_addr().map_err(ServeError::Serve)?;
    let state = state(config)?;
    if state.config.tokens.is_empty() {
        tracing::warn!(
            "no tokens configured: accepting requests from loopback addresses only; add [[tokens]] to the config to accept others"
        );
    }
    tracing::info!(addr = %local, data = %state.config.data.display(), "listening");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(run_http(listener, state.clone(), shutdown, stop_rx));
    let opened = open_store(&state).await;
    let saver = tokio::spawn(save_templates_periodically(state.clone()));
    if let Err(err) = opened {
        let _ = stop_tx.send(true);
        let _ = server.await;
        return Err(err);
    }
    let served = server.await.map_err(|e| ServeError::Task(e.to_string()))?;
    saver.abort();
    finish(&state).await?;
    served
}

async fn run_http(
    listener: TcpListener,
    state: SharedState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(), ServeError> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let signal = async move {
        tokio::select! {
            () = shutdown => tracing::info!("shutting down: draining in-flight requests"),
            _ = stop.changed() => {}
        }
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(signal)
        .await
        .map_err(ServeError::Serve)
}

async fn open_store(state: &SharedState) -> Result<(), ServeError> {
    let data = state.config.data.clone();
    let config = state.config.store.clone();
    let started = std::time::Instant::now();
    let store = tokio::task::spawn_blocking(move || Store::open(&data, config))
        .await
        .map_err(|e| ServeError::Task(e.to_string()))??;
    let _ = state.store.set(Arc::new(store));
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "store open, write-ahead log replayed: ready"
    );
    Ok(())
}

/// After the last request: commit the index so everything is searchable at
/// the next start without a replay, and save the templates.
async fn finish(state: &SharedState) -> Result<(), ServeError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        if let Some(store) = state.store.get() {
            store.commit()?;
        }
        state.pipeline.save_templates()?;
        tracing::info!("index committed and templates saved: stopped");
        Ok(())
    })
    .await
    .map_err(|e| ServeError::Task(e.to_string()))?
}

async fn save_templates_periodically(state: SharedState) {
    let mut ticker = tokio::time::interval(state.config.save_templates_every);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let state = state.clone();
        let saved = tokio::task::spawn_blocking(move || state.pipeline.save_templates()).await;
        if let Ok(Err(err)) = saved {
            tracing::warn!(error = %err, "could not save templates");
        }
    }
}

async fn readyz(State(state): State<SharedState>) -> Response {
    if state.store.get().is_some() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "opening the store\n").into_response()
    }
}

async fn metrics(State(state): State<SharedState>) -> Response {
    let store = state.store.get().map(|s| s.metrics());
    let body = state.metrics.render(store.as_ref());
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

async fn count_requests(
    State(state): State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    state.metrics.request(&route, status);
    tracing::debug!(
        route,
        status,
        seconds = started.elapsed().as_secs_f64(),
        "request"
    );
    response
}
