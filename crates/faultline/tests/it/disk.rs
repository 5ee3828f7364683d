//! A collector whose disk fills up: batches it cannot make durable get 503
//! and are not stored, and once space is back the same batches are taken,
//! each event once. The disk is a real 16 MiB tmpfs, mounted in a user and
//! mount namespace of the collector's own (`unshare`), filled with a file
//! and emptied again while the collector runs.

use super::path_str;
use super::support::{Collector, client, metric, search_total, unique, wait_total};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Mounts the tmpfs, starts a helper that fills it when `ctl/fill` appears
/// and empties it when `ctl/free` appears (each wait bounded to 60 s), and
/// execs the collector with its data folder on the tmpfs.
const WRAPPER: &str = r#"
set -e
mount -t tmpfs -o size=16m tmpfs "$MNT"
mkdir "$MNT/data"
(
  i=0; while [ ! -e "$CTL/fill" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
  dd if=/dev/zero of="$MNT/filler" bs=64k 2>/dev/null || true
  touch "$CTL/filled"
  i=0; while [ ! -e "$CTL/free" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
  rm -f "$MNT/filler"
  touch "$CTL/freed"
) &
exec "$FAULTLINE" collect --listen 127.0.0.1:0 --log-format json --data "$MNT/data" \
  ${CONFIG:+--config "$CONFIG"}
"#;

/// A collector in its own namespace on a 16 MiB tmpfs (see [`WRAPPER`]),
/// with `config` when given; the tmpfs is at `dir/mnt`, the triggers in
/// `dir/ctl`.
fn on_tmpfs(dir: &Path, config: Option<&Path>) -> Collector {
    let (mnt, ctl) = (dir.join("mnt"), dir.join("ctl"));
    std::fs::create_dir_all(&mnt).unwrap();
    std::fs::create_dir_all(&ctl).unwrap();
    let mut cmd = Command::new("unshare");
    cmd.args(["--user", "--map-root-user", "--mount", "sh", "-c", WRAPPER])
        .env("MNT", path_str(&mnt))
        .env("CTL", path_str(&ctl))
        .env("FAULTLINE", env!("CARGO_BIN_EXE_faultline"));
    if let Some(config) = config {
        cmd.env("CONFIG", path_str(config));
    }
    Collector::spawn(cmd, unique(dir.join("collector")))
}

/// Fills the tmpfs (`fill`) or empties it again (`free`), and waits until
/// it is done.
fn disk(dir: &Path, action: &str) {
    let ctl = dir.join("ctl");
    std::fs::write(ctl.join(action), "").unwrap();
    wait_for(&ctl.join(if action == "fill" { "filled" } else { "freed" }));
}

/// `n` events without a source or batch id: stored without deduplication,
/// so a batch stored twice, or in part, shows in the count.
fn batch(n: usize) -> Vec<u8> {
    let mut body = String::new();
    for i in 0..n {
        let event = json!({
            "level": "info",
            "service": "diskfull",
            "message": format!("order {i} shipped {}", "x".repeat(900)),
        });
        body.push_str(&event.to_string());
        body.push('\n');
    }
    body.into_bytes()
}

fn post(c: &Collector, body: &[u8]) -> (u16, Option<String>, Value) {
    let response = client()
        .post(c.url("/api/v1/ingest"))
        .header("content-type", "application/x-ndjson")
        .body(body.to_vec())
        .send()
        .expect("ingest request");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, retry_after, response.json().unwrap_or(Value::Null))
}

fn wait_for(path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_full_disk_refuses_batches_with_503_and_they_are_stored_once_space_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let c = on_tmpfs(dir.path(), None);

    // Stored while there is room.
    let first = batch(50);
    let (status, _, body) = post(&c, &first);
    assert_eq!(status, 200, "{body}");
    assert_eq!(wait_total(&c, &[("service", "diskfull")], None, 50), 50);

    disk(dir.path(), "fill");
    let second = batch(300);
    for attempt in 0..3 {
        let (status, retry_after, body) = post(&c, &second);
        assert_eq!(status, 503, "attempt {attempt}: {body}");
        assert_eq!(retry_after.as_deref(), Some("5"));
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains("retry later"), "{body}");
        assert!(!error.contains("/mnt"), "no server path: {body}");
    }
    assert!(metric(&c, "faultline_wal_failures_total ") >= 3.0);
    assert!(
        c.logs()
            .contains("write-ahead log write failed, batch refused"),
        "{}",
        c.logs()
    );

    disk(dir.path(), "free");
    let (status, _, body) = post(&c, &second);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["accepted"], 300, "{body}");
    // The refused attempts left nothing behind: exactly one copy of each.
    assert_eq!(wait_total(&c, &[("service", "diskfull")], None, 350), 350);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(wait_total(&c, &[("service", "diskfull")], None, 350), 350);
}

#[test]
fn an_index_commit_that_fails_on_a_full_disk_is_redone_from_the_log_once_space_is_back() {
    let dir = tempfile::tempdir().unwrap();
    // Commits 5 s apart, so a batch can be logged, then the disk filled,
    // before the index commits it.
    let config = dir.path().join("collector.toml");
    std::fs::write(&config, "[store]\ncommit_interval_ms = 5000\n").unwrap();
    let mut c = on_tmpfs(dir.path(), Some(&config));
    let query = [("service", "diskfull")];

    let (status, _, body) = post(&c, &batch(50));
    assert_eq!(status, 200, "{body}");
    // Just committed: the next commit is about 5 s away.
    assert_eq!(wait_total(&c, &query, None, 50), 50);
    let (status, _, body) = post(&c, &batch(300));
    assert_eq!(status, 200, "logged while there is room: {body}");
    disk(dir.path(), "fill");
    let failed = c.wait_for_log("index write failed, the log keeps the events");
    assert!(failed["retry_in_seconds"].is_u64(), "{failed}");
    assert_eq!(
        search_total(&c, &query, None),
        50,
        "the failed commit shows nothing"
    );

    disk(dir.path(), "free");
    let deadline = Instant::now() + Duration::from_secs(60);
    while search_total(&c, &query, None) != 350 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(search_total(&c, &query, None), 350, "{}", c.logs());
    assert!(
        c.logs()
            .contains("index recovered from the write-ahead log")
    );
    // And it goes on: a later batch is indexed, each event once.
    let (status, _, body) = post(&c, &batch(10));
    assert_eq!(status, 200, "{body}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while search_total(&c, &query, None) != 360 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(search_total(&c, &query, None), 360);
}
