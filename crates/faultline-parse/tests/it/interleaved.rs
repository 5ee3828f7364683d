//! For each language, a file where ordinary log lines and traces alternate must
//! come out as exactly one event per ordinary line and one per trace, with each
//! trace's exception parsed. `fixtures/traces/<lang>/interleaved.toml` says
//! what the file holds.

use super::{fixtures, parser};
use serde::Deserialize;
use std::fs;

#[derive(Deserialize)]
struct Expect {
    ordinary: usize,
    traces: usize,
    types: Vec<String>,
}

const LANGUAGES: &[&str] = &[
    "java", "python", "go", "node", "ruby", "dotnet", "php", "rust", "dart",
];

#[test]
fn every_language_has_an_interleaved_fixture() {
    let missing: Vec<&str> = LANGUAGES
        .iter()
        .copied()
        .filter(|lang| {
            !fixtures()
                .join("traces")
                .join(lang)
                .join("interleaved.toml")
                .exists()
        })
        .collect();
    assert!(missing.is_empty(), "no interleaved fixture for {missing:?}");
}

#[test]
fn interleaved_streams_split_into_one_event_per_record() {
    let mut failures = Vec::new();
    for lang in LANGUAGES {
        let dir = fixtures().join("traces").join(lang);
        let Ok(spec) = fs::read_to_string(dir.join("interleaved.toml")) else {
            continue;
        };
        let expect: Expect = toml::from_str(&spec).unwrap();
        let input = fs::read(dir.join("interleaved.log")).unwrap();
        let events = parser().parse_bytes(&input, None).events;
        let with_trace: Vec<_> = events.iter().filter(|e| e.stack.is_some()).collect();
        let types: Vec<String> = with_trace
            .iter()
            .map(|e| {
                e.exception
                    .as_ref()
                    .map_or("<unparsed>".into(), |x| x.kind.clone())
            })
            .collect();
        let framed = with_trace
            .iter()
            .filter(|e| e.exception.as_ref().is_some_and(|x| !x.frames.is_empty()))
            .count();
        let ordinary = events
            .iter()
            .filter(|e| e.stack.is_none() && e.exception.is_none())
            .count();
        let got = (events.len(), ordinary, with_trace.len(), framed, &types);
        let want = (
            expect.ordinary + expect.traces,
            expect.ordinary,
            expect.traces,
            expect.traces,
            &expect.types,
        );
        if got != want {
            failures.push(format!(
                "{lang}: (events, ordinary, traces, traces with frames, types) = {got:?}, want {want:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
