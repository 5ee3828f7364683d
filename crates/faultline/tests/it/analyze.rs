//! `faultline analyze` over the demo corpus: groups ranked by count, the same
//! error across a deploy in one group, stable fingerprints with `--data`,
//! gzip input, a missing path, and empty input.

use super::{events, faultline, path_str, stderr};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The header line of the corpus's most frequent error, as logback prints it.
const PAYMENT_TIMEOUT: &str = "org.springframework.web.client.ResourceAccessException: ";

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo")
}

fn demo_file(name: &str) -> PathBuf {
    demo().join(name)
}

/// Lines of `file` that start with `prefix`: an independent count of the
/// traces a group should hold.
fn lines_starting_with(file: &Path, prefix: &str) -> u64 {
    let text = std::fs::read_to_string(file).expect("demo file");
    text.lines().filter(|l| l.starts_with(prefix)).count() as u64
}

fn analyze_json(args: &[&str]) -> (Output, Value) {
    let mut all = vec!["analyze", "--json"];
    all.extend_from_slice(args);
    let out = faultline(&all);
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not a JSON document: {e}; stderr: {}", stderr(&out)));
    (out, doc)
}

fn groups(doc: &Value) -> &Vec<Value> {
    doc["groups"].as_array().expect("groups is an array")
}

fn group_starting<'a>(doc: &'a Value, title: &str) -> Vec<&'a Value> {
    groups(doc)
        .iter()
        .filter(|g| g["title"].as_str().is_some_and(|t| t.starts_with(title)))
        .collect()
}

/// What identifies a group's content, for comparing two runs.
fn summary(doc: &Value) -> Vec<(String, String, u64, Value, Value)> {
    groups(doc)
        .iter()
        .map(|g| {
            (
                g["fingerprint"].as_str().unwrap_or_default().to_string(),
                g["title"].as_str().unwrap_or_default().to_string(),
                g["count"].as_u64().unwrap_or_default(),
                g["first_seen"].clone(),
                g["last_seen"].clone(),
            )
        })
        .collect()
}

#[test]
fn demo_groups_are_ranked_by_count_with_their_fields() {
    let (out, doc) = analyze_json(&[path_str(&demo())]);
    assert!(out.status.success(), "{}", stderr(&out));
    let groups = groups(&doc);
    assert!(
        groups.len() >= 10,
        "the demo has many groups: {}",
        groups.len()
    );
    for group in groups {
        for field in [
            "fingerprint",
            "title",
            "culprit",
            "level",
            "count",
            "first_seen",
            "last_seen",
            "explanation",
        ] {
            assert!(group.get(field).is_some(), "{field} missing in {group}");
        }
        let level = group["level"].as_str().unwrap_or_default();
        assert!(
            ["warn", "error", "fatal"].contains(&level),
            "only errors and warnings are grouped: {group}"
        );
        assert!(
            group["explanation"]
                .as_str()
                .is_some_and(|e| e.starts_with("grouped by: ")),
            "{group}"
        );
    }
    let counts: Vec<u64> = groups
        .iter()
        .map(|g| g["count"].as_u64().unwrap())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "ranked by count: {counts:?}"
    );
    let fingerprints: std::collections::BTreeSet<&str> = groups
        .iter()
        .map(|g| g["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), groups.len(), "one entry per group");
    let areas = doc["weak_areas"].as_array().expect("weak_areas");
    let first = |kind: &str| {
        areas
            .iter()
            .find(|a| a["kind"] == kind)
            .and_then(|a| a["name"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(first("module"), "com.acme.checkout.payment.PayrailClient");
    assert_eq!(first("service"), "checkout");
}

#[test]
fn the_top_group_is_the_payment_timeout_counted_from_the_fixture() {
    let checkout = demo_file("checkout.log");
    let headers = lines_starting_with(&checkout, PAYMENT_TIMEOUT);
    let parsed = events(&faultline(&["parse", path_str(&checkout)]))
        .iter()
        .filter(|e| {
            e["exception"]["type"] == "org.springframework.web.client.ResourceAccessException"
                && e["exception"]["cause"]["type"] == "java.net.SocketTimeoutException"
        })
        .count() as u64;
    assert!(headers > 20, "the corpus repeats its top error: {headers}");
    assert_eq!(parsed, headers, "every trace is joined and parsed");

    let (_, doc) = analyze_json(&[path_str(&demo())]);
    let top = &groups(&doc)[0];
    assert!(
        top["title"]
            .as_str()
            .is_some_and(|t| t.starts_with(PAYMENT_TIMEOUT)),
        "{top}"
    );
    assert_eq!(top["count"], headers, "{top}");
    assert_eq!(top["level"], "error");
    assert!(
        top["culprit"]
            .as_str()
            .is_some_and(|c| c.contains("PayrailClient.charge")),
        "{top}"
    );
}

#[test]
fn the_same_error_across_the_deploy_is_one_group() {
    let checkout = demo_file("checkout.log");
    let text = std::fs::read_to_string(&checkout).unwrap();
    for line in ["(PaymentService.java:118)", "(PaymentService.java:126)"] {
        assert!(text.contains(line), "the deploy shifts lines: {line}");
    }
    let worker = demo_file("worker.log");
    let worker_text = std::fs::read_to_string(&worker).unwrap();
    for line in ["receipts/render.go:61 ", "receipts/render.go:64 "] {
        assert!(
            worker_text.contains(line),
            "the deploy shifts lines: {line}"
        );
    }
    let go_panics = worker_text
        .lines()
        .filter(|l| l.contains(" http: panic serving "))
        .count() as u64;

    let (_, doc) = analyze_json(&[path_str(&demo())]);
    let payment = group_starting(&doc, PAYMENT_TIMEOUT);
    assert_eq!(payment.len(), 1, "one group: {payment:?}");
    assert_eq!(
        payment[0]["count"],
        lines_starting_with(&checkout, PAYMENT_TIMEOUT)
    );
    let first = payment[0]["first_seen"].as_str().unwrap();
    let last = payment[0]["last_seen"].as_str().unwrap();
    assert!(
        first < "2026-11-20T13:02:00Z" && last > "2026-11-20T13:02:00Z",
        "seen before and after the deploy: {first} .. {last}"
    );
    let nil = group_starting(&doc, "panic: runtime error: invalid memory address");
    assert_eq!(nil.len(), 1, "one group: {nil:?}");
    assert_eq!(nil[0]["count"], go_panics);
    assert!(
        nil[0]["hosts"].as_array().is_some_and(|h| h.is_empty())
            && nil[0]["services"] == serde_json::json!(["worker"]),
        "{}",
        nil[0]
    );
}

#[test]
fn data_dir_keeps_templates_and_fingerprints_stay_the_same() {
    let data = tempfile::tempdir().unwrap();
    let dir = path_str(data.path());
    let (out, first) = analyze_json(&["--data", dir, path_str(&demo())]);
    assert!(out.status.success(), "{}", stderr(&out));
    let templates = data.path().join("templates.json");
    let saved: Value = serde_json::from_slice(&std::fs::read(&templates).expect("templates.json"))
        .expect("templates.json is JSON");
    assert!(saved.is_object() || saved.is_array(), "{saved}");
    let (out, second) = analyze_json(&["--data", dir, path_str(&demo())]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Titles are left out: a template the first run generalised shows as
    // such from the start of the second.
    let ids = |doc: &Value| {
        summary(doc)
            .into_iter()
            .map(|(fingerprint, _, count, first, last)| (fingerprint, count, first, last))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ids(&second));
}

#[test]
fn a_gzip_copy_groups_like_the_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let plain = demo_file("orders.log");
    let bytes = std::fs::read(&plain).unwrap();
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&bytes).unwrap();
    let packed = dir.path().join("orders.log.1.gz");
    std::fs::write(&packed, enc.finish().unwrap()).unwrap();

    let (a_out, a) = analyze_json(&[path_str(&plain)]);
    let (b_out, b) = analyze_json(&[path_str(&packed)]);
    assert!(a_out.status.success(), "{}", stderr(&a_out));
    assert!(b_out.status.success(), "{}", stderr(&b_out));
    assert!(groups(&a).len() >= 3, "orders has several groups");
    assert_eq!(summary(&a), summary(&b));
    let services = |doc: &Value| {
        groups(doc)
            .iter()
            .map(|g| g["services"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(services(&a), services(&b), "both are the orders service");
}

#[test]
fn a_missing_path_exits_2_and_the_rest_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such.log");
    let worker = demo_file("worker.log");
    let (out, doc) = analyze_json(&[path_str(&missing), path_str(&worker)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no-such.log"), "{}", stderr(&out));
    let (_, alone) = analyze_json(&[path_str(&worker)]);
    assert!(!groups(&doc).is_empty());
    assert_eq!(summary(&doc), summary(&alone), "the other input is whole");
}

#[test]
fn empty_input_says_there_is_nothing_to_report() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, "").unwrap();
    let quiet = dir.path().join("quiet.log");
    std::fs::write(
        &quiet,
        "2026-11-20 14:03:11,482 INFO orders.api order 1 created\n\
         2026-11-20 14:03:12,004 INFO orders.api order 2 created\n",
    )
    .unwrap();
    for input in [&empty, &quiet] {
        let out = faultline(&["analyze", path_str(input)]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("No errors or warnings found."), "{text}");
        assert!(!text.contains("Top error groups"), "{text}");
    }
    let out = faultline(&["analyze", path_str(&quiet)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (_, doc) = analyze_json(&[path_str(&empty)]);
    assert_eq!(doc["groups"], serde_json::json!([]));
}
