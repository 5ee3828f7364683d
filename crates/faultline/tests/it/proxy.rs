//! A real collector behind a (simulated) reverse proxy on the same host:
//! every request comes from 127.0.0.1, and `X-Forwarded-For` (or, without
//! it, the standard `Forwarded`) says who the client was. The loopback-only
//! rule and the sign-in throttle must apply to that client when the proxy is
//! trusted, and must not be fooled by the headers when it is not.

use crate::support::Collector;
use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use std::time::Duration;

const TOKEN: &str = "proxy-test-token-0123456789";

/// A collector whose config is `config` (plus a short commit interval).
fn start(config: &str) -> (Collector, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("collector.toml");
    std::fs::write(
        &path,
        format!("{config}\n[store]\ncommit_interval_ms = 200\n"),
    )
    .expect("config");
    let collector = Collector::start(&dir.path().join("data"), Some(&path));
    (collector, dir)
}

fn http() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// GETs `path` with the given extra headers.
fn get(c: &Collector, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let mut request = http().get(c.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().expect("request");
    (response.status(), response.text().unwrap_or_default())
}

/// POSTs the sign-in form as a browser behind the proxy would.
fn sign_in(c: &Collector, token: &str, headers: &[(&str, &str)]) -> Response {
    let mut request = http()
        .post(c.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}&next=%2F"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().expect("sign-in")
}

#[test]
fn without_tokens_a_forwarded_request_from_an_untrusted_proxy_is_refused() {
    let (mut c, _dir) = start("");
    assert_eq!(get(&c, "/api/v1/groups", &[]).0, 200, "a local client");
    assert_eq!(get(&c, "/", &[]).0, 200);
    for (path, header) in [
        ("/api/v1/groups", "x-forwarded-for"),
        ("/", "x-forwarded-for"),
        ("/api/v1/groups", "forwarded"),
    ] {
        let value = match header {
            "forwarded" => "for=203.0.113.7",
            _ => "203.0.113.7",
        };
        let (status, body) = get(&c, path, &[(header, value)]);
        assert_eq!(status, 403, "{path} with {header}: {body}");
        assert!(
            body.contains("trusted_proxies"),
            "says what to configure: {body}"
        );
        assert!(body.contains("[[tokens]]"), "{body}");
        assert!(body.contains(header), "says why: {body}");
    }
    let (status, _) = get(&c, "/api/v1/groups", &[("x-forwarded-for", "127.0.0.1")]);
    assert_eq!(status, 403, "not even a loopback address is believed");
    let warning = c.wait_for_log("refused: forwarded by a proxy that is not in trusted_proxies");
    assert_eq!(warning["level"], "WARN", "{warning}");
    assert_eq!(warning["peer"], "127.0.0.1", "{warning}");
    assert_eq!(warning["header"], "x-forwarded-for", "{warning}");
}

#[test]
fn without_tokens_a_trusted_proxy_passes_loopback_clients_only() {
    let (c, _dir) = start("trusted_proxies = [\"127.0.0.1\", \"::1\"]");
    let (status, body) = get(&c, "/api/v1/groups", &[("x-forwarded-for", "203.0.113.7")]);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("only loopback clients"), "{body}");
    let (status, _) = get(&c, "/", &[("x-forwarded-for", "203.0.113.7")]);
    assert_eq!(status, 403, "pages too");
    let spoofed = [("x-forwarded-for", "127.0.0.1, 203.0.113.7")];
    assert_eq!(
        get(&c, "/api/v1/groups", &spoofed).0,
        403,
        "right-most counts"
    );
    let local = [("x-forwarded-for", "127.0.0.1")];
    let (status, body) = get(&c, "/api/v1/groups", &local);
    assert_eq!(status, 200, "{body}");
    assert_eq!(get(&c, "/", &local).0, 200);
    assert_eq!(
        get(&c, "/api/v1/groups", &[]).0,
        200,
        "the proxy host itself"
    );
}

#[test]
fn without_tokens_a_trusted_proxy_forwarded_header_passes_loopback_clients_only() {
    let (c, _dir) = start("trusted_proxies = [\"127.0.0.1\", \"::1\"]");
    let remote = [("forwarded", "for=203.0.113.9;proto=https")];
    let (status, body) = get(&c, "/api/v1/groups", &remote);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("only loopback clients"), "{body}");
    assert_eq!(get(&c, "/", &remote).0, 403, "pages too");
    for refused in [
        "for=127.0.0.1, for=203.0.113.9",
        "for=unknown",
        "for=_hidden",
        "for=\"[2001:db8::7]:4711\"",
    ] {
        let (status, body) = get(&c, "/api/v1/groups", &[("forwarded", refused)]);
        assert_eq!(status, 403, "{refused}: {body}");
    }
    for local in ["for=127.0.0.1", "For=\"[::1]:4711\";proto=https"] {
        let (status, body) = get(&c, "/api/v1/groups", &[("forwarded", local)]);
        assert_eq!(status, 200, "{local}: {body}");
        assert_eq!(get(&c, "/", &[("forwarded", local)]).0, 200, "{local}");
    }
    let both = [
        ("x-forwarded-for", "203.0.113.9"),
        ("forwarded", "for=127.0.0.1"),
    ];
    assert_eq!(
        get(&c, "/api/v1/groups", &both).0,
        403,
        "X-Forwarded-For wins"
    );
}

#[test]
fn behind_a_trusted_proxy_sign_in_failures_lock_out_only_their_client() {
    let (c, _dir) = start(&format!(
        "trusted_proxies = [\"127.0.0.1\"]\n[[tokens]]\nproject = \"shop\"\ntoken = \"{TOKEN}\"\n"
    ));
    let a = [("x-forwarded-for", "203.0.113.7")];
    let b = [("x-forwarded-for", "198.51.100.9")];
    for attempt in 0..5 {
        let wrong = sign_in(&c, &format!("guess-{attempt}"), &a);
        assert_eq!(wrong.status(), 401, "attempt {attempt}");
    }
    let locked = sign_in(&c, TOKEN, &a);
    assert_eq!(locked.status(), 429, "client A is locked out");
    assert!(locked.headers().contains_key("retry-after"));
    let other = sign_in(&c, TOKEN, &[b[0], ("x-forwarded-proto", "https")]);
    assert_eq!(other.status(), 303, "client B is not");
    let cookie = other.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cookie.contains("; Secure"), "a trusted TLS proxy: {cookie}");
    let standard = sign_in(&c, TOKEN, &[("forwarded", "for=192.0.2.60;proto=https")]);
    assert_eq!(standard.status(), 303, "a Forwarded client is its own too");
    let cookie = standard.headers()["set-cookie"].to_str().expect("ascii");
    assert!(
        cookie.contains("; Secure"),
        "Forwarded proto=https: {cookie}"
    );
    assert!(
        c.logs().contains("\"client\":\"203.0.113.7\""),
        "sign-in log lines name the client: {}",
        c.logs()
    );
}

#[test]
fn without_trusted_proxies_forwarding_headers_are_ignored_by_sign_in() {
    let (c, _dir) = start(&format!(
        "[[tokens]]\nproject = \"shop\"\ntoken = \"{TOKEN}\"\n"
    ));
    let tls = sign_in(&c, TOKEN, &[("x-forwarded-proto", "https")]);
    assert_eq!(tls.status(), 303);
    let cookie = tls.headers()["set-cookie"].to_str().expect("ascii");
    assert!(
        !cookie.contains("Secure"),
        "an untrusted peer's word: {cookie}"
    );
    for attempt in 0..5 {
        let forged = [("x-forwarded-for", format!("203.0.113.{attempt}"))];
        let forged: Vec<(&str, &str)> = forged.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let wrong = sign_in(&c, &format!("guess-{attempt}"), &forged);
        assert_eq!(wrong.status(), 401, "attempt {attempt}");
    }
    let other = sign_in(&c, TOKEN, &[("x-forwarded-for", "198.51.100.9")]);
    assert_eq!(
        other.status(),
        429,
        "the peer is counted, whatever it claims"
    );
}
