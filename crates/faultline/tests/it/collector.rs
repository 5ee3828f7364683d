//! `faultline collect` over real HTTP on 127.0.0.1: concurrent clients,
//! SIGKILL during ingest and a restart, refused requests that lose nothing
//! else, a SIGTERM drain, the query commands against the collector and
//! the data folder, and raw log segments parsed by the collector. Every wait
//! has a deadline; children die with their guard.

use super::support::{Collector, client, metric, search_total, wait_total};
use super::{faultline, path_str, stderr};
use faultline_event::wire::{self, Segment, SegmentHeader};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "test-token-0123456789";

/// A batch of `n` error events from one file, keyed by `file_id:offset`.
fn batch(file: &str, first: u64, n: u64, service: &str) -> Vec<u8> {
    let mut body = format!("{{\"faultline_batch\":1,\"batch_id\":\"{file}-{first}\"}}\n");
    for i in first..first + n {
        let event = json!({
            "ts": "2026-11-26T07:00:00Z",
            "level": "error",
            "service": service,
            "message": format!("payment {i} declined by com.acme.PaymentService"),
            "source": {"path": "/var/log/app.log", "file_id": file, "offset": i * 100},
        });
        body.push_str(&event.to_string());
        body.push('\n');
    }
    body.into_bytes()
}

fn post(c: &Collector, body: Vec<u8>, token: Option<&str>) -> (u16, Value) {
    let mut request = client()
        .post(c.url("/api/v1/ingest"))
        .header("content-type", "application/x-ndjson")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().expect("ingest request");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

#[test]
fn concurrent_clients_and_retries_are_counted_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let c = Collector::start(&dir.path().join("data"), None);
    std::thread::scope(|scope| {
        for t in 0..8 {
            let c = &c;
            scope.spawn(move || {
                for b in 0..20u64 {
                    let body = batch(&format!("file{t}"), b * 5, 5, "checkout");
                    let (status, reply) = post(c, body.clone(), None);
                    assert_eq!(status, 200, "{reply}");
                    assert_eq!(reply["accepted"], 5, "{reply}");
                    if b % 4 == 0 {
                        let (status, reply) = post(c, body, None);
                        assert_eq!((status, reply["duplicates"].as_u64()), (200, Some(5)));
                    }
                }
            });
        }
    });
    let total = wait_total(&c, &[("q", "PaymentService")], None, 800);
    assert_eq!(total, 800);
    assert_eq!(metric(&c, "faultline_ingest_events_total "), 800.0);
    assert_eq!(metric(&c, "faultline_ingest_duplicates_total "), 200.0);
    assert!(metric(&c, "faultline_index_commits_total ") >= 1.0);
    assert!(metric(&c, "faultline_index_commit_seconds_total ") > 0.0);
    let groups: Value = client()
        .get(c.url("/api/v1/groups"))
        .query(&[("since", "2026-11-01")])
        .send()
        .and_then(|r| r.json())
        .unwrap();
    let counted: u64 = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 800, "{groups}");
}

#[test]
fn sigkill_during_ingest_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let collector = Arc::new(Mutex::new(Collector::start(&data, None)));
    let base = Arc::new(Mutex::new(collector.lock().unwrap().base.clone()));
    let acked = Arc::new(AtomicUsize::new(0));
    let (clients, batches, per_batch) = (4, 40u64, 10u64);
    let workers: Vec<_> = (0..clients)
        .map(|t| {
            let (base, acked) = (base.clone(), acked.clone());
            std::thread::spawn(move || send_until_acked(t, batches, per_batch, &base, &acked))
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(20);
    while acked.load(Ordering::Relaxed) < (clients * batches as usize) / 3 {
        assert!(Instant::now() < deadline, "clients made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    let acked_at_kill = acked.load(Ordering::Relaxed);
    collector.lock().unwrap().sigkill();
    let restarted = Collector::start(&data, None);
    *base.lock().unwrap() = restarted.base.clone();
    for worker in workers {
        worker.join().expect("client thread");
    }
    assert!(
        acked_at_kill < clients * batches as usize,
        "the kill came after ingest ended"
    );
    let want = clients as u64 * batches * per_batch;
    let total = wait_total(&restarted, &[("q", "PaymentService")], None, want);
    assert_eq!(total, want, "every acknowledged event, exactly once");
}

/// Sends this client's batches in order, retrying each (same keys) until it
/// is acknowledged; the collector may vanish and come back on a new port.
fn send_until_acked(t: usize, batches: u64, per: u64, base: &Mutex<String>, acked: &AtomicUsize) {
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for b in 0..batches {
        let body = batch(&format!("kill{t}"), b * per, per, "billing");
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            assert!(
                Instant::now() < deadline,
                "batch {b} of client {t} never acknowledged"
            );
            let url = format!("{}/api/v1/ingest", base.lock().unwrap());
            let sent = http.post(url).body(body.clone()).send();
            if sent.is_ok_and(|r| r.status() == 200) {
                acked.fetch_add(1, Ordering::Relaxed);
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn refused_requests_get_their_status_and_lose_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("collector.toml");
    std::fs::write(
        &config,
        format!(
            "[limits]\nmax_body_bytes = 65536\nmax_event_bytes = 4096\nmax_decoded_bytes = 262144\n\n[[tokens]]\nproject = \"shop\"\ntoken = \"{TOKEN}\"\n"
        ),
    )
    .unwrap();
    let c = Collector::start(&dir.path().join("data"), Some(&config));
    let good = batch("ok", 0, 3, "shop");
    assert_eq!(post(&c, good.clone(), None).0, 401);
    assert_eq!(
        post(&c, good.clone(), Some("wrong-token-0123456789")).0,
        401
    );
    assert_eq!(post(&c, good, Some(TOKEN)).0, 200);

    let mut mixed = batch("mixed", 0, 2, "shop");
    mixed.extend_from_slice(b"{\"message\": not json}\n");
    let huge = json!({"message": "x".repeat(5000), "level": "error"}).to_string();
    mixed.extend_from_slice(format!("{huge}\n").as_bytes());
    let last = batch("mixed", 10, 1, "shop");
    let header_end = last.iter().position(|&b| b == b'\n').unwrap() + 1;
    mixed.extend_from_slice(&last[header_end..]);
    let (status, reply) = post(&c, mixed, Some(TOKEN));
    assert_eq!(status, 400, "{reply}");
    let lines: Vec<u64> = reply["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![4, 5], "{reply}");
    assert_eq!(reply["accepted"], 3, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("line 4, 5"),
        "{reply}"
    );

    let oversize = batch("big", 0, 400, "shop");
    assert!(oversize.len() > 65536);
    assert_eq!(post(&c, oversize, Some(TOKEN)).0, 413);
    let mut bomb = GzEncoder::new(Vec::new(), Compression::best());
    bomb.write_all(&vec![b' '; 4 << 20]).unwrap();
    let (status, reply) = post(&c, bomb.finish().unwrap(), Some(TOKEN));
    assert_eq!(status, 413, "{reply}");
    let (status, _) = post(&c, vec![0x1f, 0x8b, 8, 0, 1, 2, 3], Some(TOKEN));
    assert_eq!(status, 400);

    let total = wait_total(&c, &[("q", "PaymentService")], Some(TOKEN), 6);
    assert_eq!(total, 6, "the 3 good events, then the 3 good neighbours");
    assert_eq!(
        metric(
            &c,
            "faultline_ingest_rejected_total{reason=\"unauthorized\"}"
        ),
        2.0
    );
    assert_eq!(
        metric(
            &c,
            "faultline_ingest_rejected_total{reason=\"decoded_too_large\"}"
        ),
        1.0
    );
    assert_eq!(
        metric(
            &c,
            "faultline_ingest_rejected_total{reason=\"body_too_large\"}"
        ),
        1.0
    );
}

#[test]
fn sigterm_drains_and_the_query_commands_read_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut c = Collector::start(&data, None);
    let (status, _) = post(&c, batch("term", 0, 4, "gateway"), None);
    assert_eq!(status, 200);
    let text = "2026-11-26 07:00:01 ERROR [main] c.a.Checkout - order 17 failed\njava.lang.IllegalStateException: no stock\n\tat com.acme.shop.Cart.checkout(Cart.java:61)\n";
    let raw = client()
        .post(c.url("/api/v1/ingest?service=shop&batch_id=raw-1"))
        .header("content-type", "text/plain")
        .body(text)
        .send()
        .unwrap();
    assert_eq!(raw.status(), 200);
    let reply: Value = raw.json().unwrap();
    assert_eq!(
        reply["accepted"], 1,
        "the trace joins its header line: {reply}"
    );
    assert_eq!(wait_total(&c, &[("q", "Cart")], None, 1), 1);
    // A syslog line prints no year: it is this year's, not 1970's (which
    // retention would drop at once).
    let syslog = "<14>Nov 26 07:00:02 web-1 shop[311]: payment gateway unreachable\n";
    let raw = client()
        .post(c.url("/api/v1/ingest?service=shop&batch_id=raw-2"))
        .header("content-type", "text/plain")
        .body(syslog)
        .send()
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(wait_total(&c, &[("q", "unreachable")], None, 1), 1);
    let found: Value = client()
        .get(c.url("/api/v1/search?q=unreachable"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let year = chrono::Utc::now().format("%Y-").to_string();
    let ts = found["hits"][0]["event"]["ts"].as_str().unwrap_or_default();
    assert!(ts.starts_with(&year), "{found}");

    let out = faultline(&[
        "groups",
        "--collector",
        &c.base,
        "--since",
        "2026-11-01",
        "--json",
    ]);
    let groups: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(groups.as_array().map(Vec::len), Some(2), "{groups}");

    assert!(c.sigterm().success(), "{}", c.logs());
    c.wait_for_log("index committed and templates saved: stopped");
    let out = faultline(&[
        "search",
        "--data",
        path_str(&data),
        "PaymentService",
        "--json",
    ]);
    let found: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(found["total"], 4, "{found}");
    let out = faultline(&[
        "stats",
        "--data",
        path_str(&data),
        "--by",
        "service",
        "--json",
    ]);
    let stats: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(
        stats["total"], 6,
        "4 NDJSON, the trace, the syslog line: {stats}"
    );
    let out = faultline(&["groups", "--data", path_str(&data), "--since", "2026-11-01"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FINGERPRINT"));
}

/// A segment of raw bytes from one file at `offset`, in `format`.
fn segment(path: &str, offset: u64, format: Option<&str>, bytes: &[u8]) -> Segment {
    let mut header = SegmentHeader::new(path, format!("id:{path}"), offset, 0);
    header.format = format.map(str::to_string);
    header.service = Some("shop".into());
    Segment::new(header, bytes.to_vec())
}

fn post_segments(c: &Collector, body: Vec<u8>) -> (u16, Value) {
    let response = client()
        .post(c.url("/api/v1/ingest"))
        .header("content-type", wire::SEGMENTS_CONTENT_TYPE)
        .body(body)
        .send()
        .expect("ingest request");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

/// The event of the one hit for `q`.
fn only_hit(c: &Collector, q: &str) -> Value {
    assert_eq!(wait_total(c, &[("q", q)], None, 1), 1, "{q}");
    let found: Value = client()
        .get(c.url("/api/v1/search"))
        .query(&[("q", q)])
        .send()
        .and_then(|r| r.json())
        .unwrap();
    found["hits"][0]["event"].clone()
}

#[test]
fn raw_segments_are_parsed_at_their_file_position_and_deduplicated() {
    let dir = tempfile::tempdir().unwrap();
    let c = Collector::start(&dir.path().join("data"), None);
    let log4j = b"2026-11-26 07:00:01,120 INFO  [main] com.acme.Shop - warmup done\n\
2026-11-26 07:00:02,500 ERROR [main] com.acme.Shop - basket 9 lost\n\
java.lang.IllegalStateException: lock held by reaper\n\
\tat com.acme.shop.Basket.save(Basket.java:88)\n\
\tat com.acme.shop.Shop.checkout(Shop.java:12)\n";
    let worker = b"queue drained alpha\nqueue drained bravo";
    let cron = b"rotation started charlie\n";
    let body = |gzip| {
        let segments = [
            segment("/var/log/shop.log", 4096, Some("log4j"), log4j),
            segment("/var/log/worker.log", 700, Some("plain"), worker),
            segment("/var/log/cron.log", 0, None, cron),
        ];
        wire::encode_segments("seg-1", &segments, gzip).unwrap()
    };
    let (status, reply) = post_segments(&c, body(true));
    assert_eq!(
        (status, reply["accepted"].as_u64()),
        (200, Some(5)),
        "{reply}"
    );

    let error = only_hit(&c, "basket");
    assert_eq!(error["source"]["file_id"], "id:/var/log/shop.log");
    assert_eq!(error["source"]["offset"], 4096 + 65, "{error}");
    assert_eq!(
        error["exception"]["type"],
        "java.lang.IllegalStateException"
    );
    assert_eq!(error["service"], "shop");
    assert_eq!(only_hit(&c, "bravo")["source"]["offset"], 720);
    assert_eq!(only_hit(&c, "alpha")["source"]["offset"], 700);
    assert_eq!(
        only_hit(&c, "charlie")["source"]["path"],
        "/var/log/cron.log"
    );

    let (status, reply) = post_segments(&c, body(false));
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        (reply["accepted"].as_u64(), reply["duplicates"].as_u64()),
        (Some(0), Some(5))
    );

    let mixed = [
        segment("/var/log/odd.log", 0, Some("klingon"), b"qapla delta\n"),
        segment("/var/log/odd2.log", 10, Some("plain"), b"neighbour echo\n"),
    ];
    let (status, reply) = post_segments(&c, wire::encode_segments("seg-2", &mixed, true).unwrap());
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["accepted"], 1, "{reply}");
    assert_eq!(reply["rejected"][0]["line"], 0, "{reply}");
    assert!(
        reply["rejected"][0]["error"]
            .as_str()
            .unwrap()
            .contains("klingon"),
        "{reply}"
    );
    assert_eq!(only_hit(&c, "echo")["source"]["offset"], 10);
    assert_eq!(search_total(&c, &[("q", "qapla")], None), 0);
    // Committed with the later neighbour: the resent segments added nothing.
    assert_eq!(search_total(&c, &[("q", "drained")], None), 2);
    assert_eq!(search_total(&c, &[("q", "basket")], None), 1);
}

#[test]
fn segment_events_past_max_event_bytes_are_cut_and_flagged_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("collector.toml");
    std::fs::write(&config, "[limits]\nmax_event_bytes = 2048\n").unwrap();
    let c = Collector::start(&dir.path().join("data"), Some(&config));
    let mut log = b"2026-11-26 07:00:02,500 ERROR [main] com.acme.Shop - vault sealed\n\
java.lang.IllegalStateException: seal broken\n"
        .to_vec();
    for n in 0..150 {
        log.extend_from_slice(
            format!("\tat com.acme.vault.Seal.check{n}(Seal.java:{n})\n").as_bytes(),
        );
    }
    log.extend_from_slice(b"2026-11-26 07:00:03,000 INFO  [main] com.acme.Shop - vault reopened\n");
    let body = wire::encode_segments(
        "cap-1",
        &[segment("/var/log/vault.log", 0, Some("log4j"), &log)],
        true,
    )
    .unwrap();
    let (status, reply) = post_segments(&c, body);
    assert_eq!(
        (status, reply["accepted"].as_u64()),
        (200, Some(2)),
        "{reply}"
    );

    let cut = only_hit(&c, "sealed");
    assert!(
        cut["flags"]
            .as_array()
            .unwrap()
            .contains(&json!("truncated")),
        "{cut}"
    );
    let stack = cut["stack"].as_str().unwrap_or_default();
    assert!(stack.len() <= 2048, "{} bytes of stack", stack.len());
    let next = only_hit(&c, "reopened");
    assert_eq!(next["flags"], Value::Null, "{next}");
}
