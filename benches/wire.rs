//! Decoding wire batches, as the collector does for each ingest request.
//!
//! `cargo bench -p faultline-benches --bench wire`
//!
//! The batch is two days of the demo corpus (`benches/src/demo.rs`: access
//! logs, JSON lines, plain text with Java and Python traces), parsed into
//! events and written as one plain NDJSON batch, as `faultline ship` sends
//! them before gzip.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use faultline_benches::demo;
use faultline_event::Event;
use faultline_event::wire::{self, DEFAULT_MAX_DECODED_BYTES};
use faultline_parse::format::Registry;
use faultline_parse::{Options, Parser};
use std::hint::black_box;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn batch() -> (Vec<u8>, usize) {
    let parser = Parser::new(Registry::builtin(), Options::default()).expect("default parser");
    let mut events: Vec<Event> = Vec::new();
    for index in 0..2 {
        for (name, text) in demo::day(index) {
            events.extend(parser.parse_bytes(text.as_bytes(), Some(name)).events);
        }
    }
    let mut body = Vec::new();
    for event in &events {
        serde_json::to_writer(&mut body, event).expect("an event serialises");
        body.push(b'\n');
    }
    (body, events.len())
}

fn decode(c: &mut Criterion) {
    let (body, events) = batch();
    let mut group = c.benchmark_group("wire");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function(format!("decode/{events}_events"), |b| {
        b.iter(|| {
            let decoded =
                wire::decode(black_box(&body), DEFAULT_MAX_DECODED_BYTES).expect("decodes");
            assert_eq!(decoded.events.len(), events);
            decoded
        })
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
