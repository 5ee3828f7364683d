//! Signing in from a browser. A browser cannot send `Authorization: Bearer`,
//! so `/login` takes a configured token once and answers with a session
//! cookie (`HttpOnly`, `SameSite=Strict`, random, kept in memory, 12 hours);
//! the pages and `/api` accept that cookie in place of the token. With no
//! tokens configured, the UI is served to loopback clients only, as the API
//! is, and needs no sign-in.
//!
//! A client address that fails [`MAX_FAILURES`] sign-ins within
//! [`FAILURE_WINDOW`] gets 429 until the window ends. The client is the one
//! [`Client`] tells: behind a trusted proxy, the address it forwarded for,
//! so one client's failures do not lock out everyone behind the proxy.
//! Behind a trusted TLS proxy (`X-Forwarded-Proto: https`, or
//! `Forwarded: proto=https`) the cookie is also `Secure`.

use super::layout::{self, Nav};
use crate::client::Client;
use crate::server::SharedState;
use axum::extract::{ConnectInfo, Form, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie's name.
pub const COOKIE: &str = "faultline_session";
/// How long a session lasts after sign-in.
const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Sessions kept at most; the oldest go first past it.
const MAX_SESSIONS: usize = 10_000;
/// Failed sign-ins a client address may make per window.
pub const MAX_FAILURES: u32 = 5;
/// The window failed sign-ins are counted over.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// Client addresses whose failures are remembered at most.
const MAX_FAILING_CLIENTS: usize = 10_000;

/// Who is looking at a page: set by [`require`] for every page handler.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    /// The project of the token the session was opened with.
    pub project: Option<String>,
    /// Signed in with a session cookie (so there is something to sign out of).
    pub signed_in: bool,
}

/// Open sessions: random id → project and expiry. In memory: a restart signs
/// everyone out, which is the safe direction.
#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
    /// Failed sign-ins per client address: when the window began, how many.
    failures: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

#[derive(Debug, Clone)]
struct Session {
    project: String,
    expires: Instant,
}

impl Sessions {
    /// Opens a session for `project` and returns its id (128 random bits, hex).
    pub fn open(&self, project: &str) -> Result<String, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes)?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let now = Instant::now();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.retain(|_, s| s.expires > now);
        if open.len() >= MAX_SESSIONS
            && let Some(oldest) = open
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone())
        {
            open.remove(&oldest);
        }
        open.insert(
            id.clone(),
            Session {
                project: project.to_string(),
                expires: now + SESSION_TTL,
            },
        );
        Ok(id)
    }

    /// The project of a live session.
    pub fn project(&self, id: &str) -> Option<String> {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.get(id)
            .filter(|s| s.expires > Instant::now())
            .map(|s| s.project.clone())
    }

    /// When `client` may try again, if it used up its failed sign-ins.
    fn throttled(&self, client: IpAddr) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let &(since, count) = failures.get(&client)?;
        let left = FAILURE_WINDOW.checked_sub(since.elapsed())?;
        (count >= MAX_FAILURES).then_some(left)
    }

    /// Counts a failed sign-in of `client`.
    fn failed(&self, client: IpAddr) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_FAILING_CLIENTS {
            failures.retain(|_, (since, _)| now.duration_since(*since) < FAILURE_WINDOW);
        }
        if failures.len() >= MAX_FAILING_CLIENTS {
            return; // a flood of addresses: each is refused by its token anyway
        }
        let entry = failures.entry(client).or_insert((now, 0));
        if now.duration_since(entry.0) >= FAILURE_WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    pub fn close(&self, id: &str) {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

/// The session id in a request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == COOKIE && !value.is_empty()).then_some(value)
        })
}

/// Middleware for pages: with tokens configured, a live session or a
/// redirect to `/login`; without, loopback clients only (see
/// [`Client::loopback_refusal`]).
pub async fn require(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let viewer = if state.config.tokens.is_empty() {
        let client = Client::of(peer.ip(), request.headers(), &state.config.trusted_proxies);
        if let Some(refusal) = client.loopback_refusal() {
            return super::PageError::Forbidden(refusal).into_response();
        }
        Viewer::default()
    } else {
        match cookie(request.headers()).and_then(|id| state.sessions.project(id)) {
            Some(project) => Viewer {
                project: Some(project),
                signed_in: true,
            },
            None => {
                return Redirect::to(&format!(
                    "/login?next={}",
                    encode(&path_and_query(&request))
                ))
                .into_response();
            }
        }
    };
    request.extensions_mut().insert(viewer);
    next.run(request).await
}

fn path_and_query(request: &Request) -> String {
    request
        .uri()
        .path_and_query()
        .map_or_else(|| "/".into(), |pq| pq.as_str().to_string())
}

/// Percent-encodes a value for a query string.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Only a local path may follow a sign-in: never another site.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginParams {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    next: Option<String>,
}

/// `GET /login`.
pub async fn form(State(state): State<SharedState>, Query(params): Query<LoginParams>) -> Response {
    if state.config.tokens.is_empty() {
        return Redirect::to("/").into_response();
    }
    login_page(safe_next(params.next.as_deref()), None).into_response()
}

/// `POST /login`: a known token opens a session and goes on to `next`.
pub async fn login(
    State(state): State<SharedState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let client = Client::of(peer.ip(), &headers, &state.config.trusted_proxies);
    if let Some(wait) = state.sessions.throttled(client.addr) {
        tracing::warn!(client = %client.addr, peer = %client.peer, "ui sign-in throttled after repeated failures");
        return too_many_attempts(next, wait);
    }
    let Some(project) = state.config.tokens.get(form.token.trim()) else {
        state.sessions.failed(client.addr);
        tracing::info!(client = %client.addr, peer = %client.peer, "ui sign-in refused: unknown token");
        let page = login_page(
            next,
            Some("That token is not one of this collector's tokens."),
        );
        return (StatusCode::UNAUTHORIZED, page).into_response();
    };
    let id = match state.sessions.open(project) {
        Ok(id) => id,
        Err(err) => {
            return super::PageError::Internal(format!("session id: {err}")).into_response();
        }
    };
    tracing::info!(project, client = %client.addr, "ui sign-in");
    let secure = match client.https {
        true => "; Secure",
        false => "",
    };
    let cookie = format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_TTL.as_secs()
    );
    let mut response = Redirect::to(next).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The 429 page, with `Retry-After`.
fn too_many_attempts(next: &str, wait: Duration) -> Response {
    let secs = wait.as_secs().max(1);
    let message = format!("Too many failed sign-ins from this address: try again in {secs} s.");
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        login_page(next, Some(&message)),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Why a form post must be refused as coming from another site, if it must:
/// an `Origin` header that is not this collector's own (its scheme aside,
/// compared with `Host`, or with `X-Forwarded-Host` behind a reverse proxy
/// that sets its own `Host`), or `Sec-Fetch-Site: cross-site`. Browsers send
/// at least one of them on a cross-site post; a client that sends neither
/// (curl) is not a browser a page could steer. Without tokens this is what
/// keeps a web page the user visits from posting to a collector on
/// loopback. A page cannot forge `X-Forwarded-Host`: a form sets no header,
/// and a script's request with one needs a CORS preflight, which the
/// collector does not answer.
pub fn cross_site_refusal(headers: &HeaderMap) -> Option<String> {
    let value = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}"));
    if value("sec-fetch-site").is_some_and(|site| site.trim().eq_ignore_ascii_case("cross-site")) {
        return Some("This form was posted from another site; refused.".into());
    }
    let origin = value(header::ORIGIN.as_str())?;
    let authority = origin
        .split_once("://")
        .map_or("", |(_, rest)| rest)
        .trim_end_matches('/');
    let is_own = |host: &str| !host.is_empty() && authority.eq_ignore_ascii_case(host);
    let host = value(header::HOST.as_str()).unwrap_or("").trim();
    // A proxy chain lists the host the browser asked for first.
    let forwarded = value("x-forwarded-host")
        .and_then(|v| v.split(',').next())
        .unwrap_or("")
        .trim();
    if !is_own(host) && !is_own(forwarded) {
        return Some(format!(
            "This form was posted from {origin:?}, not from this collector; refused."
        ));
    }
    None
}

/// `POST /logout`: closes the session and clears the cookie. Refused from
/// another site (see [`cross_site_refusal`]).
pub async fn logout(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    if let Some(refusal) = cross_site_refusal(&headers) {
        return super::PageError::Forbidden(refusal).into_response();
    }
    if let Some(id) = cookie(&headers) {
        state.sessions.close(id);
    }
    let mut response = Redirect::to("/login").into_response();
    let expired = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn login_page(next: &str, error: Option<&str>) -> Markup {
    let body = html! {
        section.login {
            h1 { "Sign in" }
            p { "Paste one of the collector's tokens (the " code { "[[tokens]]" } " of its config)." }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                label { span { "Token" } input #token type="password" name="token" autocomplete="current-password" required autofocus; }
                button type="submit" { "Sign in" }
            }
        }
    };
    layout::page("Sign in", Nav::None, &Viewer::default(), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; faultline_session=abc; b=2"),
        );
        assert_eq!(cookie(&headers), Some("abc"));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("faultline_session="),
        );
        assert_eq!(cookie(&headers), None);
    }

    #[test]
    fn posts_from_other_sites_are_refused() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_static(value));
            }
            map
        };
        let host = ("host", "127.0.0.1:7070");
        assert_eq!(cross_site_refusal(&headers(&[host])), None);
        for own in ["http://127.0.0.1:7070", "https://127.0.0.1:7070"] {
            assert_eq!(
                cross_site_refusal(&headers(&[host, ("origin", own)])),
                None,
                "{own}"
            );
        }
        let same = ("sec-fetch-site", "same-origin");
        assert_eq!(cross_site_refusal(&headers(&[host, same])), None);
        for other in [
            "http://evil.example",
            "http://127.0.0.1:7071",
            "null",
            "http://127.0.0.1:7070.evil.example",
        ] {
            assert!(
                cross_site_refusal(&headers(&[host, ("origin", other)])).is_some(),
                "{other}"
            );
        }
        let cross = ("sec-fetch-site", "cross-site");
        assert!(cross_site_refusal(&headers(&[host, cross])).is_some());
        // Behind a reverse proxy that sends its own Host.
        let proxied = ("host", "127.0.0.1:7070");
        let public = ("origin", "https://faultline.example.com");
        let forwarded = ("x-forwarded-host", "faultline.example.com, 10.0.0.2");
        assert!(cross_site_refusal(&headers(&[proxied, public])).is_some());
        assert_eq!(
            cross_site_refusal(&headers(&[proxied, public, forwarded])),
            None
        );
        let elsewhere = ("origin", "https://evil.example");
        assert!(cross_site_refusal(&headers(&[proxied, elsewhere, forwarded])).is_some());
        assert!(
            cross_site_refusal(&headers(&[("origin", "http://127.0.0.1:7070")])).is_some(),
            "no Host to compare"
        );
    }

    #[test]
    fn sign_in_never_redirects_off_site() {
        assert_eq!(safe_next(Some("/groups/ab?x=1")), "/groups/ab?x=1");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "evil"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn sessions_open_close_and_differ() {
        let sessions = Sessions::default();
        let a = sessions.open("shop").unwrap();
        let b = sessions.open("shop").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert_eq!(sessions.project(&a).as_deref(), Some("shop"));
        sessions.close(&a);
        assert_eq!(sessions.project(&a), None);
        assert_eq!(sessions.project("nope"), None);
    }
}
