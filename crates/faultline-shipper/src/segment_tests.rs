use super::*;
use faultline_parse::format::Registry;
use faultline_parse::{Options, Parser};

fn parser(format: Option<&str>, multiline: &str) -> Parser {
    let mut options = Options {
        format: format.map(str::to_string),
        ..Options::default()
    };
    options.multiline.rule = Rule::preset(multiline).unwrap();
    Parser::new(Registry::builtin(), options).unwrap()
}

/// Cuts `text` the way the reader does (in chunks of `chunk` bytes, a cut
/// after every chunk, everything at the end) and returns the pieces.
fn pieces(parser: &Parser, text: &str, chunk: usize) -> Vec<Piece> {
    let mut file = RawFile::new(0, "/app.log".into(), 0, 1 << 20);
    let mut out = Vec::new();
    for bytes in text.as_bytes().chunks(chunk) {
        file.feed(bytes, Instant::now(), &mut out);
        if file.sniff(parser, false).is_some() {
            out.extend(file.cut());
        }
    }
    file.sniff(parser, true);
    out.extend(file.take_all());
    out
}

/// The events of each piece parsed on its own, as the collector does.
fn events_of(parser: &Parser, pieces: &[Piece]) -> Vec<(u64, String, bool)> {
    let mut events = Vec::new();
    for piece in pieces {
        let mut session = parser.session_at("/app.log", "id", piece.offset);
        session.feed(&piece.bytes, &mut events);
        session.finish(&mut events);
    }
    events
        .into_iter()
        .map(|e| (e.source.unwrap().offset, e.message, e.exception.is_some()))
        .collect()
}

fn whole(parser: &Parser, text: &str) -> Vec<(u64, String, bool)> {
    let piece = Piece {
        offset: 0,
        bytes: text.as_bytes().to_vec(),
    };
    events_of(parser, &[piece])
}

fn log4j(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!(
            "2026-11-26 07:00:{:02},123 INFO  [main] com.shop.Cart - step {i}\n",
            i % 60
        ));
        if i % 3 == 0 {
            text.push_str(&format!(
                "2026-11-26 07:00:{:02},124 ERROR [main] com.shop.Cart - checkout failed {i}\n\
                 java.lang.IllegalStateException: empty cart {i}\n\
                 \tat com.shop.Cart.checkout(Cart.java:42)\n\
                 \tat com.shop.Main.main(Main.java:7)\n\
                 Caused by: java.io.IOException: disk\n\
                 \tat com.shop.Disk.read(Disk.java:9)\n\
                 \t... 2 more\n",
                i % 60
            ));
        }
    }
    text
}

#[test]
fn a_java_trace_after_a_log4j_header_is_never_split() {
    let parser = parser(None, "auto");
    let text = log4j(60);
    let expected = whole(&parser, &text);
    assert!(
        expected.iter().filter(|e| e.2).count() == 20,
        "{expected:?}"
    );
    for chunk in [7, 64, 333, 4096] {
        let pieces = pieces(&parser, &text, chunk);
        assert!(pieces.len() > 2, "chunk {chunk}: {} pieces", pieces.len());
        for piece in &pieces {
            let head = String::from_utf8_lossy(&piece.bytes[..20]);
            assert!(head.starts_with("2026-11-26"), "chunk {chunk}: {head}");
        }
        assert_eq!(events_of(&parser, &pieces), expected, "chunk {chunk}");
    }
}

#[test]
fn a_python_traceback_ending_at_column_0_is_never_split() {
    let parser = parser(None, "auto");
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "2026-11-26 07:00:{:02},000 ERROR app: failed {i}\n\
             Traceback (most recent call last):\n  File \"app.py\", line 3, in main\n    run()\n\
             ValueError: x\n\
             2026-11-26 07:00:{:02},500 INFO app: fine {i}\n",
            i % 60,
            i % 60
        ));
    }
    let expected = whole(&parser, &text);
    assert_eq!(expected.iter().filter(|e| e.2).count(), 40);
    for chunk in [5, 100, 1000] {
        let pieces = pieces(&parser, &text, chunk);
        for piece in &pieces[1..] {
            assert!(!piece.bytes.starts_with(b"ValueError"));
        }
        assert_eq!(events_of(&parser, &pieces), expected, "chunk {chunk}");
    }
}

#[test]
fn json_lines_are_cut_between_any_two_lines() {
    let parser = parser(None, "auto");
    let text: String = (0..50)
        .map(|i| format!("{{\"level\":\"info\",\"msg\":\"hello {i}\"}}\n"))
        .collect();
    let cutter = Cutter::new(
        parser.sniff_format(&text.lines().collect::<Vec<_>>()),
        &parser,
    );
    assert_eq!(cutter.format_name(), "json");
    // Before the last complete line: the line after the cut stays buffered.
    let last = text.trim_end().rfind('\n').unwrap() + 1;
    assert_eq!(cutter.cut(text.as_bytes()), Some(last));
    let pieces = pieces(&parser, &text, 40);
    assert!(pieces.len() > 10, "{}", pieces.len());
    assert_eq!(events_of(&parser, &pieces), whole(&parser, &text));
}

#[test]
fn a_file_without_timestamped_lines_goes_only_on_the_flush() {
    let parser = parser(None, "auto");
    let text: String = (0..100).map(|i| format!("just a line {i}\n")).collect();
    let mut file = RawFile::new(0, "/app.log".into(), 0, 1 << 20);
    let mut out = Vec::new();
    file.feed(text.as_bytes(), Instant::now(), &mut out);
    assert_eq!(file.sniff(&parser, false).unwrap().format_name(), "plain");
    assert!(file.cut().is_none() && out.is_empty());
    assert_eq!(file.floor(), 0);
    let all = file.take_all().unwrap();
    assert_eq!((all.offset, all.bytes.len()), (0, text.len()));
    assert_eq!(file.floor(), text.len() as u64);
}

#[test]
fn past_the_hard_cap_the_complete_lines_go_and_an_unfinished_one_waits() {
    let text: String = (0..100).map(|i| format!("just a line {i}\n")).collect();
    let mut file = RawFile::new(0, "/app.log".into(), 0, 1 << 20);
    file.feed(text.as_bytes(), Instant::now(), &mut Vec::new());
    file.feed(b"a last unfinished", Instant::now(), &mut Vec::new());
    let lines = file.take_lines().unwrap();
    assert_eq!((lines.offset, lines.bytes.len()), (0, text.len()));
    assert_eq!(file.floor(), text.len() as u64);
    assert!(file.take_lines().is_none());
    let all = file.take_all().unwrap();
    assert_eq!(all.bytes, b"a last unfinished");
}

#[test]
fn custom_rules_cut_where_the_rule_starts_an_event() {
    let parser = parser(None, "backslash");
    let text = "one \\\ntwo\nthree \\\nfour\nfive\n";
    let mut file = RawFile::new(0, "/a.log".into(), 0, 1 << 20);
    file.feed(text.as_bytes(), Instant::now(), &mut Vec::new());
    file.sniff(&parser, true);
    // "five" starts an event ("four" does not end with a backslash); "four"
    // continues "three \".
    let piece = file.cut().unwrap();
    assert_eq!(piece.bytes, b"one \\\ntwo\nthree \\\nfour\n");
    let indented = parser_cutter("indented");
    assert!(!indented.starts_event("  more", Some("head")));
    assert!(indented.starts_event("head", Some("  more")));
}

fn parser_cutter(multiline: &str) -> Cutter {
    let parser = parser(Some("plain"), multiline);
    Cutter::new(parser.sniff_format(&[]), &parser)
}

#[test]
fn a_long_line_is_cut_and_its_rest_skipped_until_its_newline() {
    let mut file = RawFile::new(0, "/a.log".into(), 100, 10);
    let mut out = Vec::new();
    let fed = file.feed(b"short\n0123456789abcdef", Instant::now(), &mut out);
    assert_eq!(
        fed,
        Fed {
            lines: 1,
            truncated: 1
        }
    );
    assert_eq!(
        out,
        vec![Piece {
            offset: 100,
            bytes: b"short\n0123456789".to_vec()
        }]
    );
    // The rest of the long line is skipped: the checkpoint stays at its start.
    assert_eq!(file.floor(), 106);
    file.feed(b"ghij\nnext\n", Instant::now(), &mut out);
    assert_eq!(file.floor(), 106 + 21, "next starts after the long line");
    let rest = file.take_all().unwrap();
    assert_eq!((rest.offset, rest.bytes.as_slice()), (127, &b"next\n"[..]));
    // A long line complete in one chunk, between two short ones.
    let mut file = RawFile::new(0, "/a.log".into(), 0, 4);
    let mut out = Vec::new();
    let fed = file.feed("ab\nééééé\ncd\n".as_bytes(), Instant::now(), &mut out);
    assert_eq!(
        fed,
        Fed {
            lines: 3,
            truncated: 1
        }
    );
    assert_eq!(out[0].bytes, "ab\néé".as_bytes());
    let rest = file.take_all().unwrap();
    assert_eq!((rest.offset, rest.bytes.as_slice()), (14, &b"cd\n"[..]));
}
