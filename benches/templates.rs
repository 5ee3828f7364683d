//! Message masking and template mining throughput over single-line messages.
//!
//! `cargo bench -p faultline-benches --bench templates`
//!
//! The corpus is the labelled messages of `fixtures/templates/*.tsv` with
//! every digit re-drawn at random, 100k messages: what the collector sees from
//! errors and warnings without a stack trace.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use faultline_benches::Rng;
use faultline_fingerprint::mask::{mask, mask_into};
use faultline_fingerprint::template::TemplateMiner;
use std::hint::black_box;
use std::path::Path;

const MESSAGES: usize = 100_000;

fn corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/templates");
    let mut seeds = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/templates")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("fixture");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            if let Some((_, message)) = line.split_once('\t') {
                seeds.push(message.to_owned());
            }
        }
    }
    let mut rng = Rng::new(7);
    (0..MESSAGES)
        .map(|i| redraw_digits(&seeds[i % seeds.len()], &mut rng))
        .collect()
}

fn redraw_digits(message: &str, rng: &mut Rng) -> String {
    message
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from(b'0' + rng.below(10) as u8)
            } else {
                c
            }
        })
        .collect()
}

fn templates(c: &mut Criterion) {
    let corpus = corpus();
    let bytes: usize = corpus.iter().map(String::len).sum();
    println!("corpus: {} messages, {} bytes", corpus.len(), bytes);
    let mut group = c.benchmark_group("templates");
    group.sample_size(20);
    group.throughput(Throughput::Elements(corpus.len() as u64));
    group.bench_function("mask", |b| {
        let mut out = String::new();
        b.iter(|| {
            for m in &corpus {
                out.clear();
                mask_into(black_box(m), &mut out);
                black_box(&out);
            }
        })
    });
    group.bench_function("mask_alloc", |b| {
        b.iter(|| {
            for m in &corpus {
                black_box(mask(black_box(m)));
            }
        })
    });
    group.bench_function("mine_warm", |b| {
        let mut miner = TemplateMiner::new();
        b.iter(|| {
            for m in &corpus {
                black_box(miner.add(black_box(m)).id);
            }
        })
    });
    group.bench_function("mine_cold", |b| {
        b.iter(|| {
            let mut miner = TemplateMiner::new();
            for m in &corpus {
                black_box(miner.add(black_box(m)).id);
            }
            miner.len()
        })
    });
    group.finish();
}

criterion_group!(benches, templates);
criterion_main!(benches);
