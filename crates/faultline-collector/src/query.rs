//! The query API: `search`, `groups`, `groups/{fingerprint}` and `stats`,
//! and the one change users make to a group, `PUT
//! groups/{fingerprint}/status`. Parameters are read by [`crate::params`];
//! the store runs off the async runtime.

use crate::error::ApiError;
use crate::params::{GroupParams, ParamError, SearchParams, StatsParams};
use crate::server::SharedState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use faultline_store::{GroupRecord, GroupStatus, SearchResults, StatsResult, Store, StoreError};
use serde::Deserialize;
use std::sync::Arc;

pub async fn search(
    State(state): State<SharedState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<SearchResults>, ApiError> {
    let query = params_of(params)?.to_query(chrono::Utc::now())?;
    blocking(&state, move |store| store.search(&query)).await
}

pub async fn groups(
    State(state): State<SharedState>,
    params: Result<Query<GroupParams>, QueryRejection>,
) -> Result<Json<Vec<GroupRecord>>, ApiError> {
    let query = params_of(params)?.to_query(chrono::Utc::now())?;
    blocking(&state, move |store| store.groups(&query)).await
}

pub async fn group(
    State(state): State<SharedState>,
    Path(fingerprint): Path<String>,
) -> Result<Json<GroupRecord>, ApiError> {
    let found = blocking(&state, {
        let fingerprint = fingerprint.clone();
        move |store| store.group(&fingerprint)
    })
    .await?;
    found
        .0
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no group {fingerprint:?}")))
}

/// The body of `PUT /api/v1/groups/{fingerprint}/status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: String,
}

/// `PUT /api/v1/groups/{fingerprint}/status` with `{"status":"resolved"}`:
/// the group as changed, once the change is durable. The body is read as
/// JSON whatever its content type says.
pub async fn set_status(
    State(state): State<SharedState>,
    Path(fingerprint): Path<String>,
    body: Bytes,
) -> Result<Json<GroupRecord>, ApiError> {
    let body: StatusBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(format!(
            "expected a JSON body such as {{\"status\":\"resolved\"}}: {e}"
        ))
    })?;
    let status = GroupStatus::parse(&body.status).ok_or_else(|| {
        ApiError::bad_request(format!(
            "status: {:?}: expected {}",
            body.status,
            GroupStatus::EXPECTED
        ))
    })?;
    let changed = blocking(&state, {
        let fingerprint = fingerprint.clone();
        move |store| store.set_status(&fingerprint, status)
    })
    .await?;
    changed
        .0
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no group {fingerprint:?}")))
}

pub async fn stats(
    State(state): State<SharedState>,
    params: Result<Query<StatsParams>, QueryRejection>,
) -> Result<Json<StatsResult>, ApiError> {
    let query = params_of(params)?.to_query(chrono::Utc::now())?;
    blocking(&state, move |store| store.stats(&query)).await
}

fn params_of<T>(params: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    params
        .map(|Query(p)| p)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

impl From<ParamError> for ApiError {
    fn from(err: ParamError) -> ApiError {
        ApiError::bad_request(err.to_string())
    }
}

/// Runs a store call on the blocking pool.
async fn blocking<T: Send + 'static>(
    state: &SharedState,
    call: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<Json<T>, ApiError> {
    let store: Arc<Store> = state.store()?;
    let result = tokio::task::spawn_blocking(move || call(&store))
        .await
        .map_err(|e| ApiError::Internal(format!("query task: {e}")))?;
    Ok(Json(result?))
}
