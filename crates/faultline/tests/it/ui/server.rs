//! A real `faultline collect` on 127.0.0.1 for the UI tests (the shared
//! `support::Collector` in a temp folder of its own), fed over HTTP. Every
//! wait has a deadline.

use crate::path_str;
use crate::support::Collector;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

pub struct Server {
    collector: Collector,
    _dir: tempfile::TempDir,
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// A client that shows redirects instead of following them.
pub fn no_redirects() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl Server {
    /// A collector on a fresh data folder; with `token`, a config that
    /// requires it.
    pub fn start(token: Option<&str>) -> Server {
        Server::start_with(token, "")
    }

    /// [`Server::start`] with more top-level config keys (`extra`).
    pub fn start_with(token: Option<&str>, extra: &str) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = token.map(|token| {
            let config = dir.path().join("collector.toml");
            let text = format!(
                "{extra}[store]\ncommit_interval_ms = 200\n\n[[tokens]]\nproject = \"shop\"\ntoken = \"{token}\"\n"
            );
            std::fs::write(&config, text).expect("config");
            config
        });
        let collector = Collector::start(&dir.path().join("data"), config.as_deref());
        Server {
            collector,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        self.collector.url(path)
    }

    pub fn logs(&self) -> String {
        self.collector.logs()
    }

    /// POSTs events as NDJSON; panics unless all are accepted.
    pub fn ingest(&self, events: &[Value], token: Option<&str>) {
        let body: String = events.iter().map(|e| format!("{e}\n")).collect();
        let mut request = client()
            .post(self.url("/api/v1/ingest"))
            .header("content-type", "application/x-ndjson")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().expect("ingest");
        let status = response.status();
        let text = response.text().unwrap_or_default();
        assert!(status.is_success(), "ingest {status}: {text}");
    }

    /// Parses `fixtures/demo` with `faultline parse`, moves every time so the
    /// newest event is a minute ago (the fixtures are dated), names each
    /// file's service after it, and ingests it all. Returns the event count.
    pub fn ingest_demo(&self) -> usize {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo");
        let mut files: Vec<_> = std::fs::read_dir(&demo)
            .expect("fixtures/demo")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        let mut events = Vec::new();
        for file in &files {
            let service = file
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("name")
                .to_string();
            let output = crate::faultline(&["parse", path_str(file)]);
            assert!(
                output.status.success(),
                "parse {}: {}",
                file.display(),
                crate::stderr(&output)
            );
            for mut event in crate::events(&output) {
                if event.get("service").is_none() {
                    event["service"] = Value::String(service.clone());
                }
                events.push(event);
            }
        }
        shift_to_now(&mut events);
        for chunk in events.chunks(2000) {
            self.ingest(chunk, None);
        }
        events.len()
    }

    /// The group list as the API returns it (`query` is a query string).
    pub fn groups(&self, query: &str) -> Vec<Value> {
        let response = client()
            .get(self.url(&format!("/api/v1/groups?{query}")))
            .send()
            .expect("groups");
        assert_eq!(response.status(), 200);
        let body: Value = response.json().expect("JSON");
        body.as_array().expect("a list").clone()
    }

    /// Polls the group list (last 7 days, up to 1000) for a group that `wanted` accepts.
    pub fn wait_for_group(&self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(group) = self.groups("limit=1000").into_iter().find(|g| wanted(g)) {
                return group;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("no such group within 20 s: {}", self.logs());
    }

    /// Polls search until `q` matches at least `at_least` events (the index
    /// commits on a timer).
    pub fn wait_for_search(&self, q: &str, at_least: u64) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let response = client()
                .get(self.url("/api/v1/search"))
                .query(&[("q", q)])
                .send()
                .expect("search");
            let body: Value = response.json().expect("JSON");
            if body["total"].as_u64().unwrap_or(0) >= at_least {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{q:?} not searchable within 20 s");
    }

    /// GETs a page; `cookie` is a `name=value` pair. Returns status and body.
    pub fn get_html(&self, path: &str, cookie: Option<&str>) -> (u16, String) {
        let mut request = no_redirects().get(self.url(path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        let response = request.send().expect("page");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = response.text().expect("body");
        if status != 303 {
            assert!(
                content_type.starts_with("text/html"),
                "{path}: {content_type}"
            );
        }
        (status, body)
    }
}

/// Moves every event's time by the same amount so the newest is a minute ago.
fn shift_to_now(events: &mut [Value]) {
    let time = |e: &Value| {
        e["ts"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
    };
    let newest = events
        .iter()
        .filter_map(time)
        .max()
        .expect("events have times");
    let shift = chrono::Utc::now() - chrono::Duration::minutes(1) - newest.to_utc();
    for event in events.iter_mut() {
        if let Some(ts) = time(event) {
            event["ts"] = Value::String((ts.to_utc() + shift).to_rfc3339());
        }
    }
}
