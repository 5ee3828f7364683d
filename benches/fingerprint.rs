//! Fingerprinting throughput over events with stack traces.
//!
//! `cargo bench -p faultline-benches --bench fingerprint`
//!
//! The corpus is every event with an exception parsed from
//! `fixtures/traces/<language>/*.log` and `fixtures/grouping/**/*.log` (Java,
//! Python, Go, Node, Ruby, .NET, PHP, Rust, Dart; cause chains, framework
//! frames, proxies, async state machines), parsed once and repeated to 10k
//! events. Each iteration fingerprints fresh clones, so in-app
//! classification, normalisation, hashing and the template of the header
//! message are all measured; cloning is not.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use faultline_event::Event;
use faultline_fingerprint::{Config, Fingerprinter};
use faultline_parse::format::Registry;
use faultline_parse::{Options, Parser};
use std::hint::black_box;
use std::path::{Path, PathBuf};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EVENTS: usize = 10_000;

fn log_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            log_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "log") {
            out.push(path);
        }
    }
}

fn corpus() -> Vec<Event> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut paths = Vec::new();
    log_files(&fixtures.join("traces"), &mut paths);
    log_files(&fixtures.join("grouping"), &mut paths);
    paths.sort();
    let parser = Parser::new(Registry::builtin(), Options::default()).expect("parser");
    let mut traces = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).expect("fixture");
        let name = path.to_string_lossy();
        let parsed = parser.parse_bytes(&bytes, Some(&name)).events;
        traces.extend(parsed.into_iter().filter(|e| e.exception.is_some()));
    }
    traces.iter().cycle().take(EVENTS).cloned().collect()
}

fn fingerprint(c: &mut Criterion) {
    let corpus = corpus();
    let frames: usize = corpus
        .iter()
        .flat_map(|e| e.exception.iter().flat_map(|x| x.chain()))
        .map(|x| x.frames.len())
        .sum();
    println!("corpus: {} traces, {frames} frames", corpus.len());
    let mut group = c.benchmark_group("fingerprint");
    group.sample_size(20);
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("traces", |b| {
        let mut fingerprinter = Fingerprinter::new(Config::default()).expect("config");
        b.iter_batched_ref(
            || corpus.clone(),
            |events| {
                for event in events.iter_mut() {
                    black_box(fingerprinter.apply(event));
                }
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, fingerprint);
criterion_main!(benches);
