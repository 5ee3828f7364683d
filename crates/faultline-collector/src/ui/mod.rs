//! The web UI at `/`: server-rendered pages over the same store calls the
//! JSON API makes, with one small stylesheet and script compiled in.
//!
//! - [`list`] — `/`: the group list (sort, filters, sparklines);
//! - [`search`] — `/search`: tantivy query syntax, highlighted results;
//! - [`group`] — `/groups/{fingerprint}`: trace, daily chart, recent events,
//!   and the form that posts its status to the same path;
//! - [`report`] — `/report`: the weekly report;
//! - [`session`] — `/login`, `/logout` and the cookie that stands in for a
//!   bearer token in a browser;
//! - [`layout`] and [`charts`] — the page shell, error pages, inline SVG.
//!
//! Every page escapes what it shows through `maud`; the only markup taken
//! from data is the search highlight, rebuilt by [`search::highlight`] so
//! that nothing but `<b>` survives.

mod charts;
mod group;
mod layout;
mod list;
mod report;
mod search;
pub mod session;

pub use session::Sessions;

use crate::params::ParamError;
use crate::server::SharedState;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use faultline_store::{Store, StoreError};
use std::sync::Arc;

const STYLE: &str = include_str!("../../assets/ui.css");
const SCRIPT: &str = include_str!("../../assets/ui.js");

/// The UI's routes: pages behind [`session::require`], the login form and
/// the assets in front of it.
pub fn routes(state: SharedState) -> Router<SharedState> {
    let pages = Router::new()
        .route("/", get(list::page))
        .route("/search", get(search::page))
        .route(
            "/groups/{fingerprint}",
            get(group::page).post(group::set_status),
        )
        .route("/report", get(report::page))
        .layer(middleware::from_fn_with_state(state, session::require));
    Router::new()
        .merge(pages)
        .route("/login", get(session::form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/ui/style.css", get(|| asset("text/css", STYLE)))
        .route("/ui/ui.js", get(|| asset("text/javascript", SCRIPT)))
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Why a page could not be shown; rendered as an HTML page with its status.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("the store is still opening; try again in a moment")]
    NotReady,
    /// The store refused a write it could not make durable (a full disk).
    #[error("{0}")]
    Unavailable(String),
    /// Logged, not shown.
    #[error("something went wrong on the collector; the log says what")]
    Internal(String),
}

impl PageError {
    fn status(&self) -> StatusCode {
        match self {
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Forbidden(_) => StatusCode::FORBIDDEN,
            PageError::NotFound(_) => StatusCode::NOT_FOUND,
            PageError::NotReady | PageError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<ParamError> for PageError {
    fn from(err: ParamError) -> PageError {
        PageError::BadRequest(err.to_string())
    }
}

impl From<StoreError> for PageError {
    fn from(err: StoreError) -> PageError {
        match err {
            StoreError::Query(message) => {
                PageError::BadRequest(format!("invalid query: {message}"))
            }
            StoreError::Closed => PageError::NotReady,
            unavailable @ StoreError::Unavailable(_) => {
                PageError::Unavailable(unavailable.to_string())
            }
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::Internal(detail) = &self {
            tracing::error!(error = %detail, "page failed");
        }
        let status = self.status();
        (status, layout::error_page(status, &self.to_string())).into_response()
    }
}

/// Runs a store call on the blocking pool, as the JSON API does.
async fn blocking<T: Send + 'static>(
    state: &SharedState,
    call: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, PageError> {
    let store: Arc<Store> = state.store().map_err(|_| PageError::NotReady)?;
    tokio::task::spawn_blocking(move || call(&store))
        .await
        .map_err(|e| PageError::Internal(format!("page task: {e}")))?
        .map_err(PageError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_become_page_statuses() {
        let status = |err| PageError::from(err).status();
        let full = StoreError::Unavailable("disk full".into());
        assert_eq!(status(full), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(status(StoreError::Closed), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            status(StoreError::Query("(".into())),
            StatusCode::BAD_REQUEST
        );
        let index = StoreError::Index("broken".into());
        assert_eq!(status(index), StatusCode::INTERNAL_SERVER_ERROR);
        let shown = PageError::from(StoreError::Unavailable("disk full".into())).to_string();
        assert!(shown.contains("retry later"), "{shown}");
    }
}
