//! Parse + multiline throughput per format and over the mixed corpus.
//!
//! `cargo bench -p faultline-benches --bench parse`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use faultline_benches::{mixed, regex_formats};
use faultline_parse::format::{Context, Registry};
use faultline_parse::{Options, Parser};
use std::hint::black_box;

/// The binary's allocator, so the figures are the binary's.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CORPUS_BYTES: usize = 16 << 20;

fn parser() -> Parser {
    let options = Options {
        context: Context { year: 2026 },
        ..Options::default()
    };
    Parser::new(Registry::builtin(), options).unwrap()
}

/// Parses one input the way the shipper and `faultline parse` do: fed in
/// 256 KiB chunks, events handed on (dropped here) as they complete.
fn stream(parser: &Parser, bytes: &[u8], name: &str) -> usize {
    let mut session = parser.session(Some(name));
    let mut events = Vec::with_capacity(4096);
    let mut count = 0;
    for chunk in bytes.chunks(256 * 1024) {
        session.feed(chunk, &mut events);
        count += events.len();
        events.clear();
    }
    session.finish(&mut events);
    count + events.len()
}

fn per_format(c: &mut Criterion) {
    let parser = parser();
    let corpora = mixed(CORPUS_BYTES);
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    for (name, bytes) in &corpora {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                black_box(
                    parser
                        .parse_bytes(black_box(bytes), Some(name))
                        .events
                        .len(),
                )
            })
        });
    }
    // The same inputs streamed as the shipper and `faultline parse` read
    // them: no list of every event is built.
    for (name, bytes) in &corpora {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("{name}/streamed"), |b| {
            b.iter(|| black_box(stream(&parser, black_box(bytes), name)))
        });
    }
    for (name, bytes) in &regex_formats(CORPUS_BYTES / 4) {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| black_box(stream(&parser, black_box(bytes), name)))
        });
    }
    let total: usize = corpora.iter().map(|(_, b)| b.len()).sum();
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("mixed", |b| {
        b.iter(|| {
            corpora
                .iter()
                .map(|(name, bytes)| stream(&parser, bytes, name))
                .sum::<usize>()
        })
    });
    group.finish();
}

/// Reference points: what the JSON decoder and the line splitter alone cost,
/// so the parse figures can be read against a floor.
fn baselines(c: &mut Criterion) {
    let corpora = mixed(CORPUS_BYTES);
    let (_, json) = &corpora[0];
    let mut group = c.benchmark_group("baseline");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("serde_json_to_map", |b| {
        b.iter(|| {
            json.split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .filter_map(|l| {
                    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(l).ok()
                })
                .count()
        })
    });
    group.bench_function("split_lines", |b| {
        b.iter(|| {
            let mut splitter = faultline_parse::lines::LineSplitter::new(1 << 20);
            let mut n = 0usize;
            splitter.push(json, |l| n += l.bytes.len());
            n
        })
    });
    group.finish();
}

criterion_group!(benches, per_format, baselines);
criterion_main!(benches);
