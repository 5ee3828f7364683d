//! The example configuration in `deploy/` is loaded by the binary, so it
//! cannot rot; and its rules change what they say they change.

use super::{faultline, path_str, stderr};

fn repo() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const POOL_ERROR: &str = "2026-11-20 14:03:11,482 ERROR [main] com.acme.db.Repo - query failed
java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.
\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)
\tat com.acme.db.Repo.find(Repo.java:41)
";

const OTHER_SITE: &str = "2026-11-20 14:05:11,482 ERROR [main] com.acme.db.Audit - audit failed
java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.
\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)
\tat com.acme.db.Audit.write(Audit.java:12)
";

fn groups(args: &[&str]) -> Vec<serde_json::Value> {
    let out = faultline(args);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["groups"].as_array().unwrap().clone()
}

#[test]
fn deploy_example_config_loads_and_its_rule_merges_crash_sites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.log"), POOL_ERROR).unwrap();
    std::fs::write(dir.path().join("b.log"), OTHER_SITE).unwrap();
    let config = repo().join("deploy/faultline.toml");
    let without = groups(&["analyze", "--json", path_str(dir.path())]);
    assert_eq!(
        without.len(),
        2,
        "two crash sites are two groups by default"
    );
    let with = groups(&[
        "analyze",
        "--json",
        "--config",
        path_str(&config),
        path_str(dir.path()),
    ]);
    assert_eq!(with.len(), 1, "the pool rule makes them one: {with:#?}");
    assert_eq!(with[0]["count"], 2);
    assert!(
        with[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("database pool exhausted"),
        "{}",
        with[0]
    );
}

#[test]
fn a_bad_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[fingerprint]\nin_app_includ = [\"x\"]\n").unwrap();
    let out = faultline(&[
        "analyze",
        "--config",
        path_str(&config),
        path_str(dir.path()),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml") && err.contains("in_app_includ"),
        "{err}"
    );
}
