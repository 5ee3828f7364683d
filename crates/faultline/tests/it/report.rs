//! `faultline report` and `GET /api/v1/report` over a fixture week: the
//! events of `fixtures/report/events.ndjson` (fixed timestamps, one group of
//! each status, access-log requests) go into a real collector on 127.0.0.1,
//! then the report of 2026-W47 is read over HTTP and from the data folder and
//! compared with `fixtures/report/expected.{json,md,html}`. `UPDATE_EXPECT=1`
//! rewrites those files; review their diff, it is the specification.

use super::support::{Collector, client};
use super::{faultline, path_str, stderr};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const WEEK: &str = "2026-W47";
const FORMATS: [(&str, &str); 3] = [
    ("json", "application/json"),
    ("md", "text/markdown; charset=utf-8"),
    ("html", "text/html; charset=utf-8"),
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/report")
}

/// A collector that keeps every day (the fixture is in the past).
fn start(dir: &Path) -> Collector {
    let config = dir.join("collector.toml");
    std::fs::write(
        &config,
        "[store]\nretention_days = 36500\ncommit_interval_ms = 100\n",
    )
    .unwrap();
    Collector::start(&dir.join("data"), Some(&config))
}

fn get(c: &Collector, path: &str) -> reqwest::blocking::Response {
    client().get(c.url(path)).send().expect("request")
}

/// SIGTERM, and the drained exit.
fn stop(mut c: Collector) {
    let status = c.sigterm();
    assert!(status.success(), "{status}: {}", c.logs());
}

/// Posts the fixture as one batch; returns how many events it holds.
fn ingest_fixture(c: &Collector) -> u64 {
    let events = std::fs::read_to_string(fixtures().join("events.ndjson")).unwrap();
    let body = format!("{{\"faultline_batch\":1,\"batch_id\":\"report-fixture\"}}\n{events}");
    let response = client()
        .post(c.url("/api/v1/ingest"))
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .unwrap();
    let status = response.status();
    assert_eq!(status, 200, "{}", response.text().unwrap_or_default());
    let n = events.lines().count() as u64;
    // The index commits on a timer; wait until search sees every event.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let seen: Value = get(c, "/api/v1/search?limit=1").json().unwrap();
        if seen["total"] == n || Instant::now() > deadline {
            assert_eq!(seen["total"], n);
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn report_cli(data: &Path, week: &str, format: &str) -> String {
    let out = faultline(&[
        "report",
        "--data",
        path_str(data),
        "--week",
        week,
        "--format",
        format,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn compare_or_update(name: &str, actual: &str) -> Result<(), String> {
    let path = fixtures().join(name);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, actual).unwrap();
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return Ok(());
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(expected.lines().count().min(actual.lines().count()));
    Err(format!(
        "{name} differs from line {}:\n  expected: {:?}\n  actual:   {:?}",
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>")
    ))
}

#[test]
fn the_fixture_week_reports_each_status_over_http_and_from_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let c = start(dir.path());
    ingest_fixture(&c);
    let mut over_http = Vec::new();
    for (format, content_type) in FORMATS {
        let response = get(&c, &format!("/api/v1/report?week={WEEK}&format={format}"));
        assert_eq!(response.status(), 200, "{format}");
        assert_eq!(response.headers()["content-type"], content_type, "{format}");
        over_http.push(response.text().unwrap());
    }
    let bad = get(&c, "/api/v1/report?week=2026-W99");
    assert_eq!(bad.status(), 400);
    assert!(bad.text().unwrap().contains("2026-W99"));
    assert_eq!(get(&c, "/api/v1/report?format=pdf").status(), 400);
    // `faultline report --collector` in Markdown, with `extra` flags.
    let markdown = |extra: &[&str]| -> String {
        let mut args = vec!["report", "--collector", &c.base, "--week", WEEK];
        args.extend(["--format", "md"]);
        args.extend(extra);
        let out = faultline(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        markdown(&[]),
        over_http[1],
        "--collector prints it as served"
    );
    // For a mailed copy: group links made absolute, nothing else changed.
    let mailed = markdown(&["--base-url", "https://faultline.example/"]);
    assert!(
        mailed.contains("(https://faultline.example/groups/"),
        "{mailed}"
    );
    assert_eq!(
        mailed.replace("https://faultline.example/groups/", "/groups/"),
        over_http[1]
    );
    stop(c);

    let data = dir.path().join("data");
    let mut failures = Vec::new();
    for ((format, _), http) in FORMATS.iter().zip(&over_http) {
        let text = report_cli(&data, WEEK, format);
        assert_eq!(&text, http, "{format}: the folder and the collector agree");
        if let Err(e) = compare_or_update(&format!("expected.{format}"), &text) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "UPDATE_EXPECT=1 rewrites:\n{}",
        failures.join("\n")
    );

    // A week the folder has no events in, beside weeks it has.
    let quiet: Value = serde_json::from_str(&report_cli(&data, "2026-W30", "json")).unwrap();
    assert_eq!(quiet["totals"]["events"]["this_week"], 0);
    assert_eq!(quiet["groups"], serde_json::json!([]));
    assert!(!report_cli(&data, "2026-W30", "html").contains("NaN"));

    let report: Value = serde_json::from_str(&over_http[0]).unwrap();
    let status = |fragment: &str| {
        let groups = report["groups"].as_array().unwrap();
        let g = groups
            .iter()
            .find(|g| g["title"].as_str().unwrap().contains(fragment))
            .unwrap_or_else(|| panic!("no group {fragment:?} in {groups:#?}"));
        g["status"].as_str().unwrap().to_string()
    };
    assert_eq!(status("KeyError"), "new");
    assert_eq!(status("order already shipped"), "regressed");
    assert_eq!(status("TimeoutError"), "escalating");
    assert_eq!(status("CartView"), "ongoing");
    let most_called = &report["endpoints"]["most_called"][0];
    assert_eq!(most_called["route"], "/api/v1/orders/<num>");
    assert_eq!(most_called["requests"]["this_week"], 10);
    let html = &over_http[2];
    // The message group's title is its template: markup in it is text.
    assert!(
        html.contains("render of &lt;CartView&gt; &amp; &lt;str&gt;"),
        "{html}"
    );
    assert!(!html.contains("<CartView>"));
}

#[test]
fn empty_folders_and_quiet_weeks_render_and_bad_weeks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("empty");
    for format in ["json", "md", "html"] {
        let text = report_cli(&data, "2025-W10", format);
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    }
    let json: Value = serde_json::from_str(&report_cli(&data, "2025-W10", "json")).unwrap();
    assert_eq!(json["report_version"], 1);
    assert_eq!(json["totals"]["events"]["this_week"], 0);
    assert_eq!(json["daily"].as_array().unwrap().len(), 7);
    let md = report_cli(&data, "2025-W10", "md");
    assert!(md.contains("No error groups this week."), "{md}");

    let out = faultline(&["report", "--data", path_str(&data), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let default: Value = serde_json::from_slice(&out.stdout).unwrap();
    let week = default["week"].as_str().unwrap();
    assert!(week.len() == 8 && &week[4..6] == "-W", "{week}");

    let out = faultline(&["report", "--data", path_str(&data), "--week", "47"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("expected an ISO week such as 2026-W47"),
        "{}",
        stderr(&out)
    );

    let file = dir.path().join("report.html");
    let out = faultline(&[
        "report",
        "--data",
        path_str(&data),
        "--week",
        "2025-W10",
        "--format",
        "html",
        "-o",
        path_str(&file),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
}
