//! The web UI of a real collector: plain HTTP checks (escaping, the 404
//! page, empty data, a bad query, sign-in) and walks through the pages in
//! a real headless Chromium driven over WebDriver, as a person would, with
//! screenshots saved to `target/ui-screenshots/`.

mod browser;
mod server;

use browser::Browser;
use serde_json::{Value, json};
use server::{Server, client};

const TOKEN: &str = "ui-test-token-0123456789";

/// A Java error whose message and trace carry markup, quotes and ampersands.
fn hostile_event(offset: u64) -> Value {
    json!({
        "ts": chrono::Utc::now().to_rfc3339(),
        "level": "error",
        "service": "checkout",
        "host": "web-1",
        "message": "payment <script>alert(1)</script> & \"quoted\" failed",
        "source": {"path": "/var/log/checkout.log", "file_id": "hostile", "offset": offset},
        "exception": {
            "type": "com.acme.checkout.PaymentException",
            "value": "card <b>declined</b> & 'retried'",
            "frames": [
                {"module": "java.lang.Thread", "function": "run", "file": "Thread.java", "line": 840},
                {"module": "com.acme.checkout.PaymentService", "function": "charge<init>", "file": "PaymentService.java", "line": 42}
            ]
        }
    })
}

#[test]
fn markup_in_events_renders_as_text() {
    let server = Server::start(None);
    server.ingest(&[hostile_event(0), hostile_event(100)], None);
    let group = server.wait_for_group(|g| {
        g["title"]
            .as_str()
            .is_some_and(|t| t.contains("PaymentException"))
    });
    let fingerprint = group["fingerprint"].as_str().expect("fingerprint");
    server.wait_for_search("script", 2);
    for path in [
        "/".to_string(),
        format!("/groups/{fingerprint}"),
        "/search?q=script".to_string(),
    ] {
        let (status, body) = server.get_html(&path, None);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(
            !body.contains("<script>alert"),
            "{path} lets markup through: {body}"
        );
        assert!(!body.contains("<b>declined"), "{path} lets markup through");
    }
    let (_, page) = server.get_html(&format!("/groups/{fingerprint}"), None);
    assert!(
        page.contains("card &lt;b&gt;declined&lt;/b&gt; &amp; &#39;retried&#39;")
            || page.contains("card &lt;b&gt;declined&lt;/b&gt; &amp; 'retried'"),
        "{page}"
    );
    assert!(
        page.contains("charge&lt;init&gt;"),
        "frame names are escaped"
    );
    let (_, search) = server.get_html("/search?q=script", None);
    assert!(search.contains("payment &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; &amp; &quot;quoted&quot; failed"), "the match is highlighted, the rest escaped: {search}");
}

#[test]
fn unknown_groups_get_a_404_page_and_bad_queries_a_400_page() {
    let server = Server::start(None);
    let (status, body) = server.get_html("/groups/0123456789abcdef", None);
    assert_eq!(status, 404);
    assert!(body.contains("There is no error group"), "{body}");
    assert!(body.contains("<html"), "an HTML page, not JSON");
    let (status, body) = server.get_html("/search?q=message%3A%28", None);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("invalid query"), "{body}");
    assert!(
        body.contains("name=\"q\""),
        "the search form stays on the page"
    );
    let (status, body) = server.get_html("/?level=loud", None);
    assert_eq!(status, 400);
    assert!(body.contains("unknown level"), "{body}");
    let (status, _) = server.get_html("/report?week=2026-W99", None);
    assert_eq!(status, 400);
}

#[test]
fn empty_data_renders_sensibly() {
    let server = Server::start(None);
    let (status, body) = server.get_html("/", None);
    assert_eq!(status, 200);
    assert!(body.contains("No errors yet."), "{body}");
    let (status, body) = server.get_html("/search?q=anything", None);
    assert_eq!(status, 200);
    assert!(body.contains("No events match."), "{body}");
    let (status, body) = server.get_html("/report", None);
    assert_eq!(status, 200);
    assert!(body.contains("Weekly report"), "{body}");
}

#[test]
fn with_tokens_pages_need_a_session_that_the_api_accepts_too() {
    let server = Server::start(Some(TOKEN));
    let http = server::no_redirects();
    let page = http.get(server.url("/search?q=x")).send().expect("page");
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/login?next=/search%3Fq%3Dx");
    let wrong = sign_in(&http, &server, "nope", "/");
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    let right = sign_in(&http, &server, TOKEN, "//evil.example/");
    assert_eq!(right.status(), 303);
    assert_eq!(
        right.headers()["location"],
        "/",
        "never redirected off site"
    );
    let cookie = right.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let session = cookie.split(';').next().expect("name=value").to_string();
    let (status, body) = server.get_html("/", Some(&session));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Sign out"));
    let api = client()
        .get(server.url("/api/v1/groups"))
        .header("cookie", &session)
        .send()
        .expect("api");
    assert_eq!(api.status(), 200, "the API accepts the session cookie");
    let anonymous = client()
        .get(server.url("/api/v1/groups"))
        .send()
        .expect("api");
    assert_eq!(anonymous.status(), 401);
    let out = http
        .post(server.url("/logout"))
        .header("cookie", &session)
        .send()
        .expect("logout");
    assert_eq!(out.status(), 303);
    let after = http
        .get(server.url("/"))
        .header("cookie", &session)
        .send()
        .expect("page");
    assert_eq!(after.status(), 303, "the session is closed");
}

/// Five wrong tokens from one address, and the sixth attempt (even with the
/// right token) gets 429 with Retry-After; behind a TLS proxy the cookie is
/// Secure (`X-Forwarded-Proto` is believed from `trusted_proxies` only:
/// `proxy.rs`).
#[test]
fn repeated_failed_sign_ins_are_throttled_and_cookies_behind_tls_are_secure() {
    let server = Server::start(Some(TOKEN));
    let http = server::no_redirects();
    for attempt in 0..5 {
        let wrong = sign_in(&http, &server, &format!("guess-{attempt}"), "/");
        assert_eq!(wrong.status(), 401, "attempt {attempt}");
    }
    let throttled = sign_in(&http, &server, TOKEN, "/");
    assert_eq!(throttled.status(), 429);
    let retry: u64 = throttled.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(throttled.headers().get("set-cookie").is_none());
    let page = throttled.text().expect("page");
    assert!(page.contains("Too many failed sign-ins"), "{page}");

    let fresh = Server::start_with(Some(TOKEN), "trusted_proxies = [\"127.0.0.1\"]\n");
    let behind_proxy = http
        .post(fresh.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .body(format!("token={TOKEN}&next=%2F"))
        .send()
        .expect("sign-in");
    assert_eq!(behind_proxy.status(), 303);
    let cookie = behind_proxy.headers()["set-cookie"]
        .to_str()
        .expect("ascii");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

/// POSTs the group page's status form as a browser does; `headers` are
/// added (`Origin`, `Sec-Fetch-Site`, `Cookie`).
fn post_status(
    server: &Server,
    fingerprint: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> (u16, String, String) {
    let mut request = server::no_redirects()
        .post(server.url(&format!("/groups/{fingerprint}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().expect("status form");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, location, response.text().expect("body"))
}

/// A group's status as the API tells it.
fn api_status(server: &Server, fingerprint: &str, token: Option<&str>) -> String {
    let mut request = client().get(server.url(&format!("/api/v1/groups/{fingerprint}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().expect("group");
    assert_eq!(response.status(), 200);
    let group: Value = response.json().expect("JSON");
    group["status"].as_str().expect("status").to_string()
}

#[test]
fn the_group_page_form_sets_the_status_and_refuses_other_sites() {
    let server = Server::start(None);
    server.ingest(&[hostile_event(0)], None);
    let group = server.wait_for_group(|g| {
        g["title"]
            .as_str()
            .is_some_and(|t| t.contains("PaymentException"))
    });
    let fingerprint = group["fingerprint"].as_str().expect("fingerprint");
    let page_path = format!("/groups/{fingerprint}");
    let (_, page) = server.get_html(&page_path, None);
    assert!(
        page.contains(&format!("action=\"/groups/{fingerprint}\""))
            && page.contains("value=\"resolved\"")
            && page.contains("value=\"ignored\"")
            && !page.contains("value=\"unresolved\""),
        "Resolve and Ignore, no Reopen: {page}"
    );
    let own = server.url("");
    let own = own.trim_end_matches('/');

    let cross_site: [&[(&str, &str)]; 4] = [
        &[
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        &[("origin", "http://evil.example")],
        &[("sec-fetch-site", "cross-site")],
        &[("origin", "null")],
    ];
    for headers in cross_site {
        let (status, _, body) = post_status(&server, fingerprint, "status=resolved", headers);
        assert_eq!(status, 403, "{headers:?}: {body}");
        assert!(body.contains("<html"), "the UI's error page");
    }
    assert_eq!(
        api_status(&server, fingerprint, None),
        "unresolved",
        "a refused post changes nothing"
    );
    let logout = server::no_redirects()
        .post(server.url("/logout"))
        .header("origin", "http://evil.example")
        .send()
        .expect("logout");
    assert_eq!(
        logout.status(),
        403,
        "/logout is refused from another site too"
    );

    let (status, _, body) = post_status(&server, fingerprint, "status=fixed", &[("origin", own)]);
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("expected unresolved, resolved or ignored"),
        "{body}"
    );
    let (status, _, body) = post_status(&server, fingerprint, "", &[]);
    assert_eq!(status, 400, "no status: {body}");
    let (status, _, body) = post_status(&server, "0123456789abcdef", "status=resolved", &[]);
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("There is no error group"), "{body}");
    assert_eq!(api_status(&server, fingerprint, None), "unresolved");

    let same_site = [("origin", own), ("sec-fetch-site", "same-origin")];
    let (status, location, body) = post_status(&server, fingerprint, "status=resolved", &same_site);
    assert_eq!(status, 303, "{body}");
    assert_eq!(location, page_path);
    assert_eq!(api_status(&server, fingerprint, None), "resolved");
    let (_, page) = server.get_html(&page_path, None);
    assert!(
        page.contains("status-resolved"),
        "the page shows it: {page}"
    );
    assert!(
        page.contains("value=\"unresolved\"") && !page.contains("value=\"resolved\""),
        "Reopen offered, Resolve not: {page}"
    );
    server.ingest(&[hostile_event(200)], None);
    let mut page = String::new();
    for _ in 0..200 {
        page = server.get_html(&page_path, None).1;
        if page.contains("regressed ") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    assert!(
        page.contains("status-unresolved") && page.contains("regressed "),
        "a newer event reopens it: {page}"
    );
    let (status, _, _) = post_status(&server, fingerprint, "status=resolved", &same_site);
    assert_eq!(status, 303);
    let (_, page) = server.get_html(&page_path, None);
    assert!(
        page.contains("status-resolved") && !page.contains("regressed "),
        "resolved again, no longer shown as regressed: {page}"
    );
    let (status, _, _) = post_status(&server, fingerprint, "status=ignored", &[]);
    assert_eq!(status, 303, "a client without Origin (curl) may post");
    assert_eq!(api_status(&server, fingerprint, None), "ignored");
    let (status, _, _) = post_status(&server, fingerprint, "status=unresolved", &[]);
    assert_eq!(status, 303);
    assert_eq!(api_status(&server, fingerprint, None), "unresolved");
}

#[test]
fn with_tokens_the_status_form_needs_a_session() {
    let server = Server::start(Some(TOKEN));
    server.ingest(&[hostile_event(0)], Some(TOKEN));
    let mut fingerprint = None;
    for _ in 0..200 {
        let groups: Value = client()
            .get(server.url("/api/v1/groups"))
            .bearer_auth(TOKEN)
            .send()
            .expect("groups")
            .json()
            .expect("JSON");
        if let Some(fp) = groups[0]["fingerprint"].as_str() {
            fingerprint = Some(fp.to_string());
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let fingerprint = fingerprint.expect("a group within 20 s");
    let (status, location, _) = post_status(&server, &fingerprint, "status=resolved", &[]);
    assert_eq!(status, 303, "sent to sign in, as other pages are");
    assert_eq!(
        location,
        format!("/login?next=/groups/{fingerprint}"),
        "and back to the group page after"
    );
    let (status, location, _) = post_status(
        &server,
        &fingerprint,
        "status=resolved",
        &[(
            "cookie",
            "faultline_session=0123456789abcdef0123456789abcdef",
        )],
    );
    assert_eq!(status, 303);
    assert!(
        location.starts_with("/login"),
        "an unknown session: {location}"
    );
    assert_eq!(api_status(&server, &fingerprint, Some(TOKEN)), "unresolved");

    let http = server::no_redirects();
    let right = sign_in(&http, &server, TOKEN, "/");
    let cookie = right.headers()["set-cookie"].to_str().expect("ascii");
    let session = cookie.split(';').next().expect("name=value").to_string();
    let (status, _, _) = post_status(
        &server,
        &fingerprint,
        "status=resolved",
        &[("cookie", &session), ("origin", "http://evil.example")],
    );
    assert_eq!(
        status, 403,
        "a session does not make a cross-site post fine"
    );
    assert_eq!(api_status(&server, &fingerprint, Some(TOKEN)), "unresolved");
    let (status, location, _) = post_status(
        &server,
        &fingerprint,
        "status=resolved",
        &[("cookie", &session)],
    );
    assert_eq!(status, 303);
    assert_eq!(location, format!("/groups/{fingerprint}"));
    assert_eq!(api_status(&server, &fingerprint, Some(TOKEN)), "resolved");
}

/// POSTs the sign-in form as a browser does.
fn sign_in(
    http: &reqwest::blocking::Client,
    server: &Server,
    token: &str,
    next: &str,
) -> reqwest::blocking::Response {
    let encode = |v: &str| {
        v.replace('%', "%25")
            .replace('/', "%2F")
            .replace('&', "%26")
            .replace('=', "%3D")
    };
    http.post(server.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={}&next={}", encode(token), encode(next)))
        .send()
        .expect("sign-in")
}

/// The demo fixtures, ingested with their times moved to end now: the group
/// list, a search, a group with a trace, the report page.
#[test]
fn a_person_browses_groups_searches_and_opens_a_group() {
    let server = Server::start(None);
    let count = server.ingest_demo();
    assert!(count > 1000, "the demo fixtures have events: {count}");
    server.wait_for_search("RedisCommandTimeoutException", 1);
    let top = server.groups("level=warn")[0].clone();
    let traced = server.wait_for_group(|g| {
        g["sample"]["exception"]["frames"]
            .as_array()
            .is_some_and(|frames| frames.iter().any(|f| f["in_app"] == true))
    });
    let browser = Browser::start();
    browser.run(async |b| {
        b.goto(&server.url("/")).await;
        b.wait_for("table.groups tr.group").await;
        let first_title = b.text("table.groups tr.group a.title").await;
        let first_count = b.text("table.groups tr.group td.count").await;
        assert_eq!(first_title, top["title"].as_str().expect("title"));
        assert_eq!(first_count.replace(',', ""), top["count"].to_string());
        assert!(
            b.count("tr.group svg.sparkline").await > 0,
            "sparklines drawn"
        );
        b.screenshot("groups").await;

        b.click("header nav a[href='/search']").await;
        b.wait_for("form.search input[name=q]").await;
        b.type_into(
            "form.search input[name=q]",
            "database RedisCommandTimeoutException",
        )
        .await;
        b.click("form.search button[type=submit]").await;
        b.wait_for("li.hit .message mark").await;
        let mark = b.text("li.hit .message mark").await;
        assert_eq!(mark.to_lowercase(), "database", "the store's highlight");
        let mark = b.text("li.hit .exception mark").await;
        assert_eq!(
            mark, "RedisCommandTimeoutException",
            "the query's words in the exception"
        );
        let total = b.text("p.total").await;
        assert!(total.contains("events match"), "{total}");
        b.screenshot("search").await;

        b.goto(&server.url("/")).await;
        let fingerprint = traced["fingerprint"].as_str().expect("fingerprint");
        let row = format!("tr.group[data-fingerprint='{fingerprint}'] a.title");
        b.wait_for(&row).await;
        b.click(&row).await;
        b.wait_for(".group-head").await;
        assert_eq!(
            b.text(".group-head .group-title").await,
            traced["title"].as_str().expect("title")
        );
        assert!(b.count("li.frame.in-app").await > 0, "in-app frames marked");
        assert!(
            b.count("li.frame.in-app .badge").await > 0,
            "in-app frames labelled"
        );
        assert_eq!(b.count("svg.bars rect.bar").await, 30, "a bar per day");
        assert!(
            b.max_height("svg.bars rect.bar").await > 10.0,
            "the bars are drawn"
        );
        let first_seen = b.text("dd.first-seen").await;
        let last_seen = b.text("dd.last-seen").await;
        let api_first = chrono::DateTime::parse_from_rfc3339(
            traced["first_seen"].as_str().expect("first_seen"),
        )
        .expect("time");
        assert!(
            first_seen.contains(&api_first.format("%Y-%m-%d %H:%M:%S").to_string()),
            "{first_seen}"
        );
        assert!(last_seen.contains("UTC"), "{last_seen}");
        assert!(!b.text("dd.explanation").await.is_empty(), "why grouped");
        b.screenshot("group").await;
        b.scroll_to("section.trace").await;
        b.screenshot("group-trace").await;

        assert_eq!(
            b.text("dd.status .status").await.to_lowercase(),
            "unresolved"
        );
        b.click("form.status-change button[value=resolved]").await;
        b.wait_for("dd.status .status-resolved").await;
        assert_eq!(b.text("dd.status .status").await.to_lowercase(), "resolved");
        assert_eq!(
            b.path().await,
            format!("/groups/{fingerprint}"),
            "back on the group page"
        );
        assert_eq!(
            b.text("form.status-change button[value=unresolved]").await,
            "Reopen"
        );
        assert_eq!(
            b.count("form.status-change button[value=resolved]").await,
            0
        );
        b.screenshot("group-resolved").await;

        b.click("header nav a[href='/report']").await;
        b.wait_for("iframe.report").await;
        assert!(b.text("h1").await.contains("Weekly report"));
        let report = b.frame_text("h1").await;
        assert!(
            report.starts_with("Weekly report 20"),
            "the report shows in the page: {report}"
        );
        b.screenshot("report").await;
    });
}

/// With tokens configured, the browser signs in with one, browses and signs
/// out.
#[test]
fn a_person_signs_in_with_a_token() {
    let server = Server::start(Some(TOKEN));
    server.ingest(&[hostile_event(0)], Some(TOKEN));
    let browser = Browser::start();
    browser.run(async |b| {
        b.goto(&server.url("/")).await;
        b.wait_for("form input[name=token]").await;
        assert!(
            b.path().await.starts_with("/login"),
            "sent to the sign-in form"
        );
        b.type_into("input[name=token]", "not-the-token").await;
        b.click("form button[type=submit]").await;
        b.wait_for("p.error").await;
        assert!(
            b.text("p.error")
                .await
                .contains("not one of this collector's tokens")
        );
        b.screenshot("login-refused").await;
        b.type_into("input[name=token]", TOKEN).await;
        b.click("section.login button[type=submit]").await;
        b.wait_for("form.logout").await;
        assert_eq!(b.path().await, "/");
        assert!(b.text("h1").await.contains("Error groups"));
        b.screenshot("signed-in").await;
        b.click("form.logout button").await;
        b.wait_for("form input[name=token]").await;
        b.goto(&server.url("/search")).await;
        b.wait_for("form input[name=token]").await;
        assert!(b.path().await.starts_with("/login"), "signed out");
    });
}
