//! Properties over arbitrary input: parsing never panics, and every line lands
//! in exactly one event or is counted (blank or dropped).

use super::parser;
use faultline_parse::format::Registry;
use faultline_parse::{Options, Parser};
use proptest::prelude::*;

/// Lines that exercise every path: headers, traces of each language, JSON,
/// blank and indented lines, garbage bytes.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"2026-11-20 14:03:11,482 ERROR [main] c.a.Pay - charge failed".to_vec()),
        Just(b"2026-11-20 14:03:11 INFO ok".to_vec()),
        Just(b"java.lang.IllegalStateException: boom".to_vec()),
        Just(b"\tat com.acme.Pay.charge(Pay.java:42)".to_vec()),
        Just(b"Caused by: java.io.IOException: eof".to_vec()),
        Just(b"Traceback (most recent call last):".to_vec()),
        Just(b"  File \"/app/x.py\", line 3, in f".to_vec()),
        Just(b"ValueError: bad".to_vec()),
        Just(b"panic: runtime error: index out of range".to_vec()),
        Just(b"goroutine 1 [running]:".to_vec()),
        Just(b"main.main()".to_vec()),
        Just(b"thread 'main' panicked at src/main.rs:5:9:".to_vec()),
        Just(b"TypeError: x is undefined".to_vec()),
        Just(b"    at f (/app/a.js:1:2)".to_vec()),
        Just(
            b"{\"level\":\"error\",\"msg\":\"x\",\"stack\":\"Error: y\\n    at z (a.js:1:1)\"}"
                .to_vec()
        ),
        Just(b"{\"broken\": ".to_vec()),
        Just(b"<13>Nov 20 14:03:11 host app[1]: hello".to_vec()),
        Just(Vec::new()),
        Just(b"   ".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..80).prop_map(|b| b
            .into_iter()
            .map(|c| if c == b'\n' { b' ' } else { c })
            .collect()),
        "[ -~]{0,60}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let parsed = parser().parse_bytes(&bytes, Some("fuzz"));
        prop_assert!(parsed.events.len() as u64 <= parsed.stats.lines);
    }

    #[test]
    fn every_line_is_in_one_event_or_counted(lines in proptest::collection::vec(line(), 0..60), chunk in 1usize..64) {
        let mut input = Vec::new();
        for line in &lines {
            input.extend_from_slice(line);
            input.push(b'\n');
        }
        // Plain, so that each header's message ends with the rest of its line.
        let options = Options { format: Some("plain".into()), ..Options::default() };
        let p = Parser::new(Registry::builtin(), options).unwrap();
        let mut session = p.session(Some("prop"));
        let mut events = Vec::new();
        for piece in input.chunks(chunk) {
            session.feed(piece, &mut events);
        }
        let (stats, _) = session.finish(&mut events);
        prop_assert_eq!(stats.lines, lines.len() as u64);
        prop_assert_eq!(stats.lines_in_events + stats.blank_lines + stats.dropped_lines, stats.lines);
        prop_assert_eq!(stats.events, events.len() as u64);
        // Events come out in input order, each starting at a distinct line.
        let offsets: Vec<u64> = events.iter().map(|e| e.source.as_ref().unwrap().offset).collect();
        prop_assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{:?}", offsets);
        // Every non-blank line's text is found in the event that starts at or before it.
        let texts: Vec<String> = events
            .iter()
            .map(|e| format!("{}\n{}", e.message, e.stack.as_deref().unwrap_or("")))
            .collect();
        let mut offset = 0u64;
        for line in &lines {
            let text = String::from_utf8_lossy(line).replace('\0', "\u{FFFD}");
            let text = text.trim();
            if !text.is_empty() && !text.starts_with('{') && !text.starts_with('<') {
                let owner = offsets.iter().rposition(|&o| o <= offset);
                // Plain reads a leading timestamp and level off the line: look for its last word.
                let tail = text.split_whitespace().last().unwrap_or(text);
                let found = owner.is_some_and(|i| texts[i].contains(tail));
                prop_assert!(found, "line {:?} at {} is in no event", text, offset);
            }
            offset += line.len() as u64 + 1;
        }
    }
}
