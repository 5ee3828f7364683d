//! The event index alone: bytes on disk against the raw log bytes, indexing
//! throughput, and search and stats latency.
//!
//! ```text
//! cargo run -q --release -p faultline-benches --example demo -- target/bench-corpus --mib 64
//! cargo run -q --release -p faultline-benches --example index_size -- target/bench-corpus [--out DIR] [--one-day] [--arrival] [--order template|arrival] [--commit-ms 1000 | --commit-events N] [--legacy]
//! ```
//!
//! Every file under the corpus folder is parsed up front (not timed), and
//! each event prepared as the collector prepares what a shipper sends:
//! errors, warnings and events with an exception fingerprinted, every other
//! event only templated; the events are then added in batches of 1000 with a commit
//! every second (`--commit-ms`), as the store does, or every N events
//! (`--commit-events`, rounded up to whole batches: the segments a collector
//! receiving N events a second writes, whatever this machine's speed), and
//! a last commit; then 30
//! commits without events, after which the day merges into one segment. The
//! CPU of indexing includes tantivy's merges while it runs; the day's last
//! merge is reported apart.
//! Throughput is raw log bytes per second of wall time and per CPU second of
//! the process while indexing (Linux: `/proc/self/stat`). `--legacy` writes
//! the legacy schema (3: every value of `fields` also indexed as terms), for
//! comparison. `--order` is the day's `index_order` (default `template`).
//! The events go in file by file, unless `--arrival` sorts them by time
//! first, as a collector receiving from many shippers at once sees them.

use faultline_event::Event;
use faultline_fingerprint::{Config, Fingerprinter, is_grouped, mask};
use faultline_parse::format::Registry;
use faultline_parse::{Options, Parser};
use faultline_store::{EventIndex, IndexOrder, SearchQuery, StatsQuery, StoreConfig};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BATCH: usize = 1000;
/// Commits without new events after which a day's writer merges and closes.
const IDLE_COMMITS: usize = 30;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut corpus = PathBuf::from("target/bench-corpus");
    let mut out = PathBuf::from("target/bench-index");
    let mut one_day = false;
    let mut legacy = false;
    let mut arrival = false;
    let mut order = IndexOrder::default();
    let mut commit_every = Duration::from_secs(1);
    let mut commit_batches: Option<usize> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = PathBuf::from(args.next().expect("--out DIR")),
            "--commit-ms" => {
                let ms = args.next().and_then(|v| v.parse().ok());
                commit_every = Duration::from_millis(ms.expect("--commit-ms MS"));
            }
            "--commit-events" => {
                let n: usize = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--commit-events N");
                commit_batches = Some(n.div_ceil(BATCH).max(1));
            }
            "--one-day" => one_day = true,
            "--legacy" => legacy = true,
            "--arrival" => arrival = true,
            "--order" => {
                order = match args.next().as_deref() {
                    Some("template") => IndexOrder::Template,
                    Some("arrival") => IndexOrder::Arrival,
                    _ => panic!("--order template|arrival"),
                }
            }
            _ => corpus = PathBuf::from(arg),
        }
    }
    let (mut events, raw_bytes) = load(&corpus);
    if one_day {
        restamp_into_one_day(&mut events);
    }
    if arrival {
        events.sort_by_key(|e| e.ts);
    }
    let _ = std::fs::remove_dir_all(&out);
    let open = if legacy {
        EventIndex::open_legacy
    } else {
        EventIndex::open
    };
    let config = StoreConfig {
        index_order: order,
        ..StoreConfig::default()
    };
    let index = open(&out, &config).expect("open the index");

    let (cpu0, started) = (cpu_seconds(), Instant::now());
    let mut last_commit = Instant::now();
    for (n, batch) in events.chunks(BATCH).enumerate() {
        index.add(batch).expect("add");
        let due = match commit_batches {
            Some(every) => (n + 1) % every == 0,
            None => last_commit.elapsed() >= commit_every,
        };
        if due {
            index.commit_with(n as u64).expect("commit");
            last_commit = Instant::now();
        }
    }
    index.commit_with(u64::MAX).expect("commit");
    let (wall, cpu) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
    let unmerged = index.size_bytes();
    let unmerged_segments = index.segment_count();
    // What the collector does once a day stops receiving events: its idle
    // writer merges the day into one segment and closes.
    let (merge_cpu0, merge_started) = (cpu_seconds(), Instant::now());
    for _ in 0..IDLE_COMMITS {
        index.commit_with(u64::MAX).expect("commit");
    }
    index.settle();
    let merge_seconds = merge_started.elapsed().as_secs_f64();
    let merge_cpu = cpu_seconds() - merge_cpu0;
    let mib = raw_bytes as f64 / f64::from(1 << 20);
    let size = index.size_bytes();
    println!("events            {}", events.len());
    println!("raw bytes         {raw_bytes} ({mib:.1} MiB)");
    println!(
        "index bytes       {size} ({:.3} × raw) once merged, {unmerged} ({:.3} × raw) before (merge {merge_seconds:.2} s)",
        size as f64 / raw_bytes as f64,
        unmerged as f64 / raw_bytes as f64
    );
    println!(
        "indexing          {wall:.2} s wall, {cpu:.2} CPU-s (merges while indexing included), {} segments",
        unmerged_segments
    );
    println!("day's last merge  {merge_cpu:.2} CPU-s");
    println!(
        "throughput        {:.1} MiB/s wall, {:.1} MiB/s per core; {:.1} MiB/s per core with the last merge",
        mib / wall,
        mib / cpu,
        mib / (cpu + merge_cpu)
    );
    for (part, bytes) in index.space_usage().expect("space usage") {
        if bytes * 100 >= size {
            println!("  {part:<28} {:>6.2} MB", bytes as f64 / 1e6);
        }
    }
    latencies(&index);
}

/// Moves every event to the corpus's first day, keeping its time of day: the
/// demo corpus simulates ~1.4 MiB a day, while a collector that takes 64 MiB
/// a day writes one index that size.
fn restamp_into_one_day(events: &mut [Event]) {
    let first = events
        .iter()
        .filter_map(|e| e.ts)
        .min()
        .map(|t| t.date_naive());
    let Some(first) = first else { return };
    for e in events.iter_mut() {
        if let Some(ts) = e.ts {
            e.ts = Some(first.and_time(ts.time()).and_utc());
        }
    }
}

/// Every file under `dir`, parsed and prepared as the collector prepares
/// events (`faultline_collector::pipeline::Pipeline::prepare`: only those
/// [`is_grouped`] are fingerprinted); and their total bytes.
fn load(dir: &Path) -> (Vec<Event>, u64) {
    let parser = Parser::new(Registry::builtin(), Options::default()).expect("default parser");
    let mut fingerprinter = Fingerprinter::new(Config::default()).expect("default config");
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    let (mut events, mut bytes) = (Vec::new(), 0);
    for path in files {
        let data = std::fs::read(&path).expect("read a corpus file");
        bytes += data.len() as u64;
        let name = path.display().to_string();
        for mut event in parser.parse_bytes(&data, Some(&name)).events {
            if is_grouped(&event) {
                fingerprinter.apply(&mut event);
            } else {
                event.template = Some(mask::mask(&event.message));
            }
            events.push(event);
        }
    }
    assert!(!events.is_empty(), "no events under {}", dir.display());
    (events, bytes)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("read the corpus folder")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// p50 and p99 of a few representative queries, 50 runs each.
fn latencies(index: &EventIndex) {
    let searches = [
        ("search error, newest 50", "level:error"),
        ("search a word", "timeout"),
        ("search a class part", "PaymentService"),
        ("search all, newest 50", ""),
        ("search a field: status:304", "status:304"),
        ("search a field: path:/cart", "path:/cart"),
        (
            "search a field's word: user_agent:iphone",
            "user_agent:iphone",
        ),
        ("search a field range: request_time:>1", "request_time:>1"),
    ];
    for (name, q) in searches {
        let query = SearchQuery {
            q: q.into(),
            ..SearchQuery::default()
        };
        let mut total = 0;
        let times = timed(|| total = index.search(&query).expect("search").total);
        report(name, &times, total);
    }
    let stats = StatsQuery {
        by: Some("service".into()),
        interval: Some("1h".into()),
        ..StatsQuery::default()
    };
    let mut total = 0;
    let times = timed(|| total = index.stats(&stats).expect("stats").total);
    report("stats by service per hour", &times, total);
}

fn timed(mut f: impl FnMut()) -> Vec<f64> {
    let mut times: Vec<f64> = (0..50)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

fn report(name: &str, sorted_ms: &[f64], total: u64) {
    let at = |p: f64| sorted_ms[((p * sorted_ms.len() as f64).ceil() as usize).max(1) - 1];
    println!(
        "{name:<28} p50 {:>7.2} ms  p99 {:>7.2} ms  ({total} matches)",
        at(0.50),
        at(0.99)
    );
}

/// User plus system CPU seconds of this process so far (0 where
/// `/proc/self/stat` is missing).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}
