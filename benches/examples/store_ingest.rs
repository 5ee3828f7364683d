//! Ingest throughput of the store alone (write-ahead log with group commit,
//! seen keys, group store, tantivy index), then the latency of the
//! top-groups query over what was stored.
//!
//! ```text
//! cargo run --release -p faultline-benches --example store_ingest -- \
//!     DIR [--mib 64] [--threads 1] [--batch 1000] [--repeat 1]
//! ```
//!
//! The events are the benches' mixed corpus, parsed and fingerprinted up
//! front (not timed), stamped over the last hours; `--repeat R` stores the
//! corpus R times under new keys, each copy a day earlier, to reach large
//! event counts with one corpus in memory.

use chrono::{Duration, Utc};
use faultline_event::Event;
use faultline_fingerprint::{Config, Fingerprinter};
use faultline_parse::format::Registry;
use faultline_parse::{Options, Parser};
use faultline_store::{GroupMeta, GroupQuery, GroupSort, Incoming, Store, StoreConfig};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    dir: PathBuf,
    mib: usize,
    threads: usize,
    batch: usize,
    repeat: usize,
}

fn args() -> Args {
    let mut args = Args {
        dir: PathBuf::from("target/bench-store"),
        mib: 64,
        threads: 1,
        batch: 1000,
        repeat: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().and_then(|v| v.parse().ok()).expect("a number");
        match arg.as_str() {
            "--mib" => args.mib = value(),
            "--threads" => args.threads = value(),
            "--batch" => args.batch = value(),
            "--repeat" => args.repeat = value(),
            dir => args.dir = PathBuf::from(dir),
        }
    }
    args
}

/// The corpus as fingerprinted events, with each group's description.
fn corpus(mib: usize) -> (Vec<Event>, HashMap<String, GroupMeta>) {
    let parser = Parser::new(Registry::builtin(), Options::default()).expect("default parser");
    let mut fingerprinter = Fingerprinter::new(Config::default()).expect("default config");
    let mut metas = HashMap::new();
    let mut events = Vec::new();
    for (name, bytes) in faultline_benches::mixed(mib << 20) {
        for mut event in parser.parse_bytes(&bytes, Some(name)).events {
            let decision = fingerprinter.apply(&mut event);
            metas
                .entry(decision.fingerprint.clone())
                .or_insert_with(|| GroupMeta {
                    title: faultline_fingerprint::title(&event),
                    culprit: faultline_fingerprint::culprit(&event),
                    module: faultline_fingerprint::culprit_module(&event),
                    explanation: decision.explanation.clone(),
                });
            event.fingerprint = Some(decision.fingerprint);
            events.push(event);
        }
    }
    (events, metas)
}

fn main() {
    let args = args();
    let _ = std::fs::remove_dir_all(&args.dir);
    let (events, metas) = corpus(args.mib);
    let json_bytes: usize = events
        .iter()
        .map(|e| serde_json::to_vec(e).unwrap().len() + 1)
        .sum();
    let config = StoreConfig {
        retention_days: 3650,
        ..StoreConfig::default()
    };
    let store = Arc::new(Store::open(&args.dir, config).expect("open the store"));
    let events = Arc::new(events);
    let metas = Arc::new(metas);
    let batches = events.len().div_ceil(args.batch) * args.repeat;
    let next = Arc::new(AtomicUsize::new(0));
    let now = Utc::now();
    let started = Instant::now();
    let workers: Vec<_> = (0..args.threads)
        .map(|_| {
            let (store, events, metas, next) =
                (store.clone(), events.clone(), metas.clone(), next.clone());
            let per_copy = events.len().div_ceil(args.batch);
            let size = args.batch;
            std::thread::spawn(move || {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= batches {
                        break;
                    }
                    let (copy, chunk) = (n / per_copy, n % per_copy);
                    let batch = events
                        .iter()
                        .enumerate()
                        .skip(chunk * size)
                        .take(size)
                        .map(|(i, e)| {
                            let mut event = e.clone();
                            let back =
                                Duration::days(copy as i64) + Duration::seconds((i % 7200) as i64);
                            event.ts = Some(now - back);
                            Incoming {
                                event,
                                key: Some(format!("{copy}:{i}")),
                                verbatim: None,
                            }
                        })
                        .collect();
                    let meta =
                        |e: &Event| metas[e.fingerprint.as_deref().unwrap_or_default()].clone();
                    store.ingest(batch, &meta).expect("ingest");
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    let acked = started.elapsed().as_secs_f64();
    store.commit().expect("commit");
    let committed = started.elapsed().as_secs_f64();
    let m = store.metrics();
    let total_json = (json_bytes * args.repeat) as f64 / (1 << 20) as f64;
    println!(
        "events {} json_mib {total_json:.1} threads {} batch {} batches {batches} fsyncs {}",
        m.events_stored, args.threads, args.batch, m.wal_fsyncs
    );
    println!(
        "acked_s {acked:.2} events_per_s {:.0} mib_per_s {:.1} | with_final_commit_s {committed:.2} mib_per_s {:.1}",
        m.events_stored as f64 / acked,
        total_json / acked,
        total_json / committed
    );
    println!(
        "index_bytes {} ratio_to_json {:.3} groups {}",
        m.index_bytes,
        m.index_bytes as f64 / (json_bytes * args.repeat) as f64,
        m.groups
    );
    groups_latency(&store);
}

/// p50 and p99 of the dashboard's queries.
fn groups_latency(store: &Store) {
    for sort in [GroupSort::Count, GroupSort::Trend, GroupSort::New] {
        let query = GroupQuery {
            since: Some(Utc::now() - Duration::days(7)),
            sort,
            limit: Some(50),
            ..GroupQuery::default()
        };
        let mut times: Vec<f64> = (0..200)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(store.groups(&query).expect("groups"));
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "groups sort={sort:?} p50_ms {:.3} p99_ms {:.3}",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
}
