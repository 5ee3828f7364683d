//! Every error a request can meet becomes an HTTP response here, and only
//! here: the client gets a status and a JSON `{"error": "..."}`; internal
//! detail goes to the log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use faultline_store::StoreError;
use serde_json::{Value, json};

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is wrong; the message says how. `detail` is merged into
    /// the JSON body (an ingest's counts and rejected lines).
    #[error("{message}")]
    BadRequest { message: String, detail: Value },
    #[error("missing or unknown bearer token")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("the store is still opening")]
    NotReady,
    /// The store could not make a batch durable (a full disk, an I/O
    /// error) and refused it; the detail is logged, not sent. A retry may
    /// succeed.
    #[error(
        "the collector cannot store events now (its write-ahead log refused the write); retry later"
    )]
    Unavailable(String),
    /// Something broke on our side; the detail is logged, not sent.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            message: message.into(),
            detail: Value::Null,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotReady | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        match err {
            StoreError::Query(message) => {
                ApiError::bad_request(format!("invalid query: {message}"))
            }
            StoreError::Closed => ApiError::NotReady,
            StoreError::Unavailable(message) => ApiError::Unavailable(message),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut body = json!({ "error": self.to_string() });
        match self {
            ApiError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
            }
            ApiError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "request refused, storage unavailable");
            }
            ApiError::BadRequest {
                detail: Value::Object(detail),
                ..
            } => body.as_object_mut().expect("a JSON object").extend(detail),
            _ => {}
        }
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_statuses() {
        let query: ApiError = StoreError::Query("unexpected token".into()).into();
        assert_eq!(query.status(), StatusCode::BAD_REQUEST);
        assert!(query.to_string().contains("unexpected token"));
        let index: ApiError = StoreError::Index("disk full".into()).into();
        assert_eq!(index.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(index.to_string(), "internal error");
        let full: ApiError = StoreError::Unavailable("ENOSPC at /data/wal".into()).into();
        assert_eq!(full.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!full.to_string().contains("/data"), "{full}");
        let closed: ApiError = StoreError::Closed.into();
        assert_eq!(closed.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
