//! `faultline analyze --data DIR` writes the same store a collector keeps, so
//! search and groups work offline, and a rerun over the same files counts
//! nothing twice.

use super::{faultline, path_str, stderr};
use serde_json::Value;

fn demo() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo")
}

fn json(args: &[&str]) -> Value {
    let out = faultline(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn counts(groups: &Value) -> Vec<(String, u64)> {
    let mut counts: Vec<(String, u64)> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["fingerprint"].as_str().unwrap().to_string(),
                g["count"].as_u64().unwrap(),
            )
        })
        .collect();
    counts.sort();
    counts
}

#[test]
fn analyze_data_is_searchable_and_idempotent() {
    let data = tempfile::tempdir().unwrap();
    let dir = path_str(data.path());
    let demo = demo();
    let analyzed = json(&["analyze", "--json", "--data", dir, path_str(&demo)]);
    let stored = json(&["groups", "--data", dir, "--json", "--limit", "1000"]);
    assert_eq!(
        counts(&analyzed["groups"]),
        counts(&stored),
        "the store's groups are the ones analyze printed"
    );
    // Every event is indexed, grouped or not: a search for an INFO line's word finds it.
    let info = json(&[
        "search", "--data", dir, "--json", "--level", "info", "--limit", "1",
    ]);
    assert!(info["total"].as_u64().unwrap() > 1000, "{}", info["total"]);
    let top = &analyzed["groups"][0];
    let group = top["fingerprint"].as_str().unwrap();
    let hits = json(&[
        "search", "--data", dir, "--json", "--group", group, "--limit", "1",
    ]);
    assert_eq!(hits["total"], top["count"]);

    // The same files again: every event is a duplicate, no count moves.
    json(&["analyze", "--json", "--data", dir, path_str(&demo)]);
    let again = json(&["groups", "--data", dir, "--json", "--limit", "1000"]);
    assert_eq!(counts(&again), counts(&stored));
    assert!(data.path().join("templates.json").exists());
}
