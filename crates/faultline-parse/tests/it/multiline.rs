//! Multiline assembly behaviours that hold whatever the trace grammars say:
//! caps, custom rules, presets, blank lines, offsets, and files never joined.

use super::parser;
use faultline_event::Flag;
use faultline_parse::format::{Context, Registry};
use faultline_parse::multiline::{CustomRule, MultilineConfig, Rule};
use faultline_parse::{Options, Parser};

fn with_rule(rule: Rule, max_lines: usize) -> Parser {
    let options = Options {
        multiline: MultilineConfig {
            rule,
            max_lines,
            ..MultilineConfig::default()
        },
        context: Context { year: 2026 },
        ..Options::default()
    };
    Parser::new(Registry::builtin(), options).unwrap()
}

#[test]
fn indented_lines_join_a_timestamped_header() {
    let input = b"2026-11-20 14:03:11 ERROR query failed\n    SELECT *\n    FROM users\n2026-11-20 14:03:12 INFO next\n";
    let parsed = parser().parse_bytes(input, Some("db.log"));
    assert_eq!(parsed.events.len(), 2, "{:#?}", parsed.events);
    assert!(
        parsed.events[0]
            .message
            .ends_with("SELECT *\n    FROM users")
    );
    assert_eq!(parsed.events[1].source.as_ref().unwrap().offset, 67);
    assert_eq!(parsed.stats.lines_in_events, 4);
}

#[test]
fn caps_flag_the_event_and_count_dropped_lines() {
    let mut input = String::from("2026-11-20 14:03:11 ERROR big\n");
    for i in 0..10 {
        input.push_str(&format!("  detail {i}\n"));
    }
    input.push_str("2026-11-20 14:03:12 INFO after\n");
    let parsed = with_rule(Rule::Auto, 4).parse_bytes(input.as_bytes(), None);
    assert_eq!(parsed.events.len(), 2);
    assert!(parsed.events[0].has_flag(Flag::Truncated));
    assert_eq!(parsed.events[0].message.lines().count(), 4);
    assert_eq!(parsed.stats.dropped_lines, 7);
    assert_eq!(parsed.events[1].message, "after");
}

#[test]
fn custom_rule_halt_before_a_start_marker() {
    let rule = Rule::Custom(CustomRule::new(None, r"^BEGIN", "halt_before").unwrap());
    let input = b"BEGIN one\na\nb\nBEGIN two\nc\n";
    let events = with_rule(rule, 1000).parse_bytes(input, None).events;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].stack.as_deref(), Some("a\nb"));
    assert_eq!(events[1].stack.as_deref(), Some("c"));
}

#[test]
fn custom_rule_continue_past_a_backslash() {
    let rule = Rule::preset("backslash").unwrap();
    let input = b"first \\\nsecond \\\nthird\nalone\n";
    let events = with_rule(rule, 1000).parse_bytes(input, None).events;
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(events[0].stack.as_deref(), Some("second \\\nthird"));
}

#[test]
fn custom_rule_halt_with_a_terminator() {
    let rule = Rule::Custom(CustomRule::new(None, r";$", "halt_with").unwrap());
    let input = b"INSERT INTO t\nVALUES (1);\nSELECT 1;\n";
    let events = with_rule(rule, 1000).parse_bytes(input, None).events;
    assert_eq!(events.len(), 2, "{events:#?}");
    assert_eq!(events[0].stack.as_deref(), Some("VALUES (1);"));
}

#[test]
fn none_rule_keeps_every_line_apart() {
    let input = b"2026-11-20 14:03:11 ERROR x\n  indented\n";
    let events = with_rule(Rule::None, 1000).parse_bytes(input, None).events;
    assert_eq!(events.len(), 2);
}

#[test]
fn unknown_preset_and_bad_pattern_are_clear_errors() {
    let err = Rule::preset("jvm").unwrap_err().to_string();
    assert!(err.contains("unknown multiline preset \"jvm\""), "{err}");
    let err = CustomRule::new(None, "(", "halt_before")
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid multiline pattern"), "{err}");
    let err = CustomRule::new(None, "x", "sideways")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown multiline mode"), "{err}");
}

#[test]
fn blank_lines_belong_to_no_event() {
    let input = b"one\n\n   \ntwo\n";
    let parsed = parser().parse_bytes(input, None);
    assert_eq!(parsed.events.len(), 2);
    assert_eq!(parsed.stats.blank_lines, 2);
}

#[test]
fn lines_never_join_across_inputs() {
    let p = parser();
    let first = p.parse_bytes(b"2026-11-20 14:03:11 ERROR header\n", None);
    let second = p.parse_bytes(b"    indented continuation\n", None);
    assert_eq!(first.events.len(), 1);
    assert_eq!(second.events.len(), 1);
    assert_eq!(first.events[0].message, "header");
    assert_eq!(second.events[0].message, "    indented continuation");
}

#[test]
fn streaming_flush_emits_the_held_event() {
    let p = parser();
    let mut session = p.session(Some("stream"));
    let mut out = Vec::new();
    session.feed(b"2026-11-20 14:03:11 ERROR waiting\n", &mut out);
    assert!(out.is_empty(), "the event may still get continuation lines");
    session.flush(&mut out);
    assert_eq!(out.len(), 1);
    session.feed(b"later\nunfinished", &mut out);
    let (stats, _) = session.finish(&mut out);
    assert_eq!(out.len(), 3);
    assert_eq!(out[2].message, "unfinished");
    assert_eq!(stats.lines, 3);
}
