//! Group statuses over real HTTP on 127.0.0.1: resolving a group, listing by
//! status, the change surviving a SIGKILL right after the answer, a newer
//! event regressing the group, the refused requests, and `faultline groups`
//! setting and filtering statuses against the collector and the data folder.

use super::support::{Collector, client};
use super::{faultline, path_str, stderr};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use std::path::Path;

const TOKEN: &str = "status-token-0123456789";

/// A collector that wants [`TOKEN`] on `/api`.
fn start(dir: &Path) -> Collector {
    let config = dir.join("collector.toml");
    let text = format!("[[tokens]]\nproject = \"shop\"\ntoken = \"{TOKEN}\"\n");
    std::fs::write(&config, text).unwrap();
    Collector::start(&dir.join("data"), Some(&config))
}

/// An error event of group `kind` (grouped by its exception type and frame,
/// whatever the template miner remembers after a kill), at `ts`, stored at
/// `offset` of one file.
fn event(kind: &str, ts: DateTime<Utc>, offset: u64) -> Value {
    json!({
        "ts": ts.to_rfc3339_opts(SecondsFormat::Millis, true),
        "level": "error",
        "service": "checkout",
        "message": format!("{kind} at offset {offset}"),
        "exception": {
            "type": format!("com.acme.{kind}Exception"),
            "value": format!("order {offset} failed"),
            "frames": [{"module": "com.acme.Checkout", "function": "pay", "file": "Checkout.java", "line": 42}],
        },
        "source": {"path": "/var/log/shop.log", "file_id": "status-file", "offset": offset},
    })
}

fn post(c: &Collector, events: &[Value]) {
    let mut body = format!(
        "{{\"faultline_batch\":1,\"batch_id\":\"b{}\"}}\n",
        events.len()
    );
    for e in events {
        body.push_str(&e.to_string());
        body.push('\n');
    }
    let response = client()
        .post(c.url("/api/v1/ingest"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .expect("ingest");
    assert_eq!(response.status(), 200);
}

fn get(c: &Collector, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let response = client()
        .get(c.url(path))
        .query(query)
        .bearer_auth(TOKEN)
        .send()
        .expect("GET");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn put_status(c: &Collector, fingerprint: &str, body: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = client()
        .put(c.url(&format!("/api/v1/groups/{fingerprint}/status")))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().expect("PUT");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

/// The fingerprints `GET /api/v1/groups` lists with `query`.
fn listed(c: &Collector, query: &[(&str, &str)]) -> Vec<String> {
    let (status, groups) = get(c, "/api/v1/groups", query);
    assert_eq!(status, 200, "{groups}");
    let groups = groups.as_array().expect("a list").iter();
    groups
        .map(|g| g["fingerprint"].as_str().unwrap().to_string())
        .collect()
}

/// The fingerprint of the group whose exception type starts with `kind`.
fn fingerprint_of(c: &Collector, kind: &str) -> String {
    let (_, groups) = get(c, "/api/v1/groups", &[]);
    let group = groups.as_array().unwrap().iter().find(|g| {
        g["title"]
            .as_str()
            .is_some_and(|t| t.contains(&format!("{kind}Exception")))
    });
    let group = group.unwrap_or_else(|| panic!("no {kind} group in {groups}"));
    group["fingerprint"].as_str().unwrap().to_string()
}

fn time(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"));
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn a_resolved_group_survives_sigkill_and_regresses_on_a_newer_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = start(dir.path());
    let hour_ago = Utc::now() - Duration::hours(1);
    post(
        &c,
        &[
            event("Payment", hour_ago, 0),
            event("Payment", hour_ago, 100),
            event("Stock", hour_ago, 200),
        ],
    );
    let (payment, stock) = (fingerprint_of(&c, "Payment"), fingerprint_of(&c, "Stock"));
    let (_, before) = get(&c, &format!("/api/v1/groups/{payment}"), &[]);
    assert_eq!(before["status"], "unresolved", "{before}");
    assert!(before.get("status_changed_at").is_none(), "{before}");

    let (status, resolved) = put_status(&c, &payment, r#"{"status":"resolved"}"#, Some(TOKEN));
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["status"], "resolved");
    assert!(resolved.get("regressed_at").is_none(), "{resolved}");
    let resolved_at = time(&resolved["status_changed_at"]);
    let (_, shown) = get(&c, &format!("/api/v1/groups/{payment}"), &[]);
    assert_eq!(shown, resolved, "PUT answers what GET shows");
    assert_eq!(listed(&c, &[("status", "resolved")]), [payment.as_str()]);
    assert_eq!(listed(&c, &[("status", "unresolved")]), [stock.as_str()]);
    assert_eq!(listed(&c, &[]).len(), 2, "every status without a filter");

    c.sigkill();
    let c = start(dir.path());
    let (_, after_kill) = get(&c, &format!("/api/v1/groups/{payment}"), &[]);
    assert_eq!(after_kill["status"], "resolved", "{after_kill}");
    assert_eq!(time(&after_kill["status_changed_at"]), resolved_at);
    assert_eq!(listed(&c, &[("status", "resolved")]), [payment.as_str()]);

    let late = resolved_at - Duration::minutes(5);
    post(&c, &[event("Payment", late, 300)]);
    let (_, still) = get(&c, &format!("/api/v1/groups/{payment}"), &[]);
    assert_eq!(
        (still["status"].as_str(), still["count"].as_u64()),
        (Some("resolved"), Some(3)),
        "an event dated before the resolve is no regression: {still}"
    );
    let newer = Utc::now() + Duration::seconds(1);
    post(&c, &[event("Payment", newer, 400)]);
    let (_, regressed) = get(&c, &format!("/api/v1/groups/{payment}"), &[]);
    assert_eq!(regressed["status"], "unresolved", "{regressed}");
    let regressed_at = time(&regressed["regressed_at"]);
    assert_eq!(regressed_at.timestamp_millis(), newer.timestamp_millis());
    assert_eq!(time(&regressed["status_changed_at"]), resolved_at);
    assert!(listed(&c, &[("status", "resolved")]).is_empty());
}

#[test]
fn bad_status_requests_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let c = start(dir.path());
    post(&c, &[event("Payment", Utc::now() - Duration::hours(1), 0)]);
    let fp = fingerprint_of(&c, "Payment");
    let resolve = r#"{"status":"resolved"}"#;

    let (status, body) = put_status(&c, "0123456789abcdef", resolve, Some(TOKEN));
    assert_eq!(status, 404, "{body}");
    for bad in [r#"{"status":"fixed"}"#, "resolved", "{}", r#"{"status":1}"#] {
        let (status, body) = put_status(&c, &fp, bad, Some(TOKEN));
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (_, body) = put_status(&c, &fp, r#"{"status":"fixed"}"#, Some(TOKEN));
    let message = body["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("unresolved, resolved or ignored"),
        "{body}"
    );
    let (status, _) = put_status(&c, &fp, resolve, None);
    assert_eq!(
        status, 401,
        "the same authentication as the other API routes"
    );
    let (status, body) = get(&c, "/api/v1/groups", &[("status", "fixed")]);
    assert_eq!(status, 400, "{body}");
    let message = body["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("unresolved, resolved or ignored"),
        "{body}"
    );

    let (_, group) = get(&c, &format!("/api/v1/groups/{fp}"), &[]);
    assert_eq!(group["status"], "unresolved", "{group}");
}

#[test]
fn the_groups_command_sets_and_filters_statuses_on_a_collector_and_a_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = start(dir.path());
    let hour_ago = Utc::now() - Duration::hours(1);
    post(
        &c,
        &[event("Payment", hour_ago, 0), event("Stock", hour_ago, 100)],
    );
    let (payment, stock) = (fingerprint_of(&c, "Payment"), fingerprint_of(&c, "Stock"));
    let remote = ["--collector", c.base.as_str(), "--token", TOKEN, "--json"];
    let run = |args: &[&str]| {
        let out = faultline(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let fps = |groups: Value| -> Vec<String> {
        let groups = groups.as_array().expect("a list").iter();
        groups
            .map(|g| g["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };

    let ignored = run(&[&["groups", "--ignore", &payment][..], &remote].concat());
    assert_eq!(ignored["status"], "ignored", "{ignored}");
    let (_, shown) = get(&c, &format!("/api/v1/groups/{payment}"), &[]);
    assert_eq!(shown["status"], "ignored");
    let list = run(&[&["groups", "--status", "unresolved"][..], &remote].concat());
    assert_eq!(fps(list), [stock.as_str()]);

    assert!(c.sigterm().success(), "{}", c.logs());
    let data = dir.path().join("data");
    let local = ["--data", path_str(&data), "--json"];
    let list = run(&[&["groups", "--status", "ignored"][..], &local].concat());
    assert_eq!(fps(list), [payment.as_str()]);
    let resolved = run(&[&["groups", "--resolve", &stock][..], &local].concat());
    assert_eq!(resolved["status"], "resolved", "{resolved}");
    let list = run(&[&["groups", "--status", "resolved"][..], &local].concat());
    assert_eq!(fps(list), [stock.as_str()]);

    let out = faultline(&[
        "groups",
        "--data",
        path_str(&data),
        "--unresolve",
        "feedbeef",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no group"), "{}", stderr(&out));
    let out = faultline(&["groups", "--data", path_str(&data), "--status", "fixed"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unresolved, resolved or ignored"));
}
