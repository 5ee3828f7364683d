//! Parse + multiline throughput per format and over the mixed corpus.
//!
//! `cargo bench -p faultline-benches --bench parse`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use faultline_benches::mixed;
use faultline_parse::format::{Context, Registry};
use faultline_parse::{Options, Parser};
use std::hint::black_box;

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

criterion_group!(benches, per_format);
criterion_main!(benches);
