//! Who may call `/api`: a bearer token from the config (its project is
//! attached to the request) or a browser session opened with one at
//! `/login`, or, when no tokens are configured, any client on a loopback
//! address: the client as [`crate::client::Client`] tells it, behind a
//! trusted proxy the address it forwarded for.

use crate::client::Client;
use crate::error::ApiError;
use crate::metrics::Rejection;
use crate::server::SharedState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;

/// The project a request's token belongs to (none on loopback without
/// tokens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project(pub Option<String>);

/// Middleware: lets the request through with its [`Project`], or answers
/// 401 (token missing or unknown) or 403 (no tokens and a remote client,
/// or a request forwarded by a proxy that is not trusted).
pub async fn require(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let tokens = &state.config.tokens;
    let client = Client::of(peer.ip(), request.headers(), &state.config.trusted_proxies);
    let project = if tokens.is_empty() {
        if let Some(refusal) = client.loopback_refusal() {
            state.metrics.rejected(Rejection::Unauthorized, 1);
            return ApiError::Forbidden(refusal).into_response();
        }
        None
    } else {
        let token = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer);
        let session = || {
            crate::ui::session::cookie(request.headers()).and_then(|id| state.sessions.project(id))
        };
        match token.and_then(|t| tokens.get(t)).cloned().or_else(session) {
            Some(project) => Some(project),
            None => {
                state.metrics.rejected(Rejection::Unauthorized, 1);
                tracing::info!(client = %client.addr, peer = %peer, "refused: missing or unknown token");
                return ApiError::Unauthorized.into_response();
            }
        }
    };
    request.extensions_mut().insert(Project(project));
    next.run(request).await
}

/// The token of an `Authorization: Bearer TOKEN` header value.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("abc"), None);
    }
}
