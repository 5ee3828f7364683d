//! A fast path for the JSON lines most loggers write: one flat object whose
//! values are strings without escapes, integers, booleans and nulls.
//!
//! [`read`] scans such a line straight into a [`Record`], borrowing the
//! strings of well-known keys from the line. Anything else (an escape, a
//! nested object or array, a control byte, anything that is not valid JSON)
//! makes it give up, and the caller reads the line with serde_json instead:
//! the fast path never decides what a line means, so both readings give the
//! same event (property-tested below).

use super::json::{Record, Val};
use super::keys;
use serde_json::Value;

/// A value as scanned: borrowed text, or the `Value` serde_json builds.
enum Scalar<'a> {
    Str(&'a str),
    Other(Value),
}

/// Reads `text` (a trimmed line starting with `{`) into `record`. `false`
/// when the line is outside the fast path; `record` is then partly filled
/// and must be thrown away.
pub(super) fn read<'a>(text: &'a str, record: &mut Record<'a>) -> bool {
    read_pairs(text, record).is_some()
}

fn read_pairs<'a>(text: &'a str, record: &mut Record<'a>) -> Option<()> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 1);
    if b.get(i) == Some(&b'}') {
        return (skip_ws(b, i + 1) == b.len()).then_some(());
    }
    loop {
        (b.get(i) == Some(&b'"')).then_some(())?;
        let (key, next) = string(text, i + 1)?;
        i = skip_ws(b, next);
        (b.get(i) == Some(&b':')).then_some(())?;
        i = skip_ws(b, i + 1);
        let (value, next) = scalar(text, i)?;
        put(record, key, value);
        i = skip_ws(b, next);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return (skip_ws(b, i + 1) == b.len()).then_some(()),
            _ => return None,
        }
    }
}

fn put<'a>(record: &mut Record<'a>, key: &str, value: Scalar<'a>) {
    match (keys::slot(key), value) {
        (Some(slot), Scalar::Str(s)) => record.insert(slot, Val::Str(s)),
        (Some(slot), Scalar::Other(v)) => record.insert(slot, Val::Json(v)),
        (None, Scalar::Str(s)) => {
            record
                .rest
                .insert(key.to_string(), Value::String(s.to_string()));
        }
        (None, Scalar::Other(v)) => {
            record.rest.insert(key.to_string(), v);
        }
    }
}

/// JSON's whitespace: space, tab, newline, carriage return.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The text of a string whose opening quote is just before `start`, and the
/// index after its closing quote; `None` at an escape or a control byte.
/// Keys and values are short: one pass with a table beats searching.
fn string(text: &str, start: usize) -> Option<(&str, usize)> {
    let b = text.as_bytes();
    let end = stop_at(b, start)?;
    (b[end] == b'"').then(|| (&text[start..end], end + 1))
}

/// The first byte at or after `i` that [`STOP`] names, eight bytes a step:
/// a word's quotes, backslashes and control bytes are found with a few
/// arithmetic operations (the lowest byte flagged is always a true one, as
/// borrows only run upwards), the tail byte by byte.
fn stop_at(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let zero_bytes = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    while let Some(chunk) = b.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let stops = zero_bytes(word ^ (ONES * u64::from(b'"')))
            | zero_bytes(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGH);
        if stops != 0 {
            return Some(i + (stops.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| STOP[usize::from(c)])
        .map(|p| i + p)
}

/// The bytes that end a string's fast path: its closing quote, an escape,
/// and the control bytes JSON forbids inside strings.
const STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        table[c] = true;
        c += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

fn scalar(text: &str, i: usize) -> Option<(Scalar<'_>, usize)> {
    let b = text.as_bytes();
    match *b.get(i)? {
        b'"' => string(text, i + 1).map(|(s, next)| (Scalar::Str(s), next)),
        b't' => literal(b, i, b"true", Value::Bool(true)),
        b'f' => literal(b, i, b"false", Value::Bool(false)),
        b'n' => literal(b, i, b"null", Value::Null),
        b'-' | b'0'..=b'9' => number(text, i),
        _ => None,
    }
}

fn literal(b: &[u8], i: usize, word: &[u8], value: Value) -> Option<(Scalar<'static>, usize)> {
    b[i..]
        .starts_with(word)
        .then(|| (Scalar::Other(value), i + word.len()))
}

/// A number: plain non-negative integers read here, any other number token
/// by serde_json itself, so every number means what it means there.
fn number(text: &str, i: usize) -> Option<(Scalar<'_>, usize)> {
    let b = text.as_bytes();
    let len = b[i..]
        .iter()
        .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        .unwrap_or(b.len() - i);
    let token = &text[i..i + len];
    let digits = token.bytes().all(|c| c.is_ascii_digit());
    let value = if digits && len <= 19 && (len == 1 || !token.starts_with('0')) {
        Value::from(token.parse::<u64>().ok()?)
    } else {
        match serde_json::from_str::<Value>(token).ok()? {
            number @ Value::Number(_) => number,
            _ => return None,
        }
    };
    Some((Scalar::Other(value), i + len))
}

#[cfg(test)]
mod tests {
    use super::super::json::serde_only;
    use super::super::{Context, Json, LineFormat};
    use super::*;
    use proptest::prelude::*;

    fn fast(line: &str) -> bool {
        read(line, &mut Record::new())
    }

    #[test]
    fn takes_flat_lines_and_leaves_the_rest() {
        assert!(fast(
            r#"{"time":"2026-11-20T14:03:11Z","level":"info","n":12,"ok":true}"#
        ));
        assert!(fast(r#"{ "msg" : "x" , "v" : null }"#));
        assert!(fast("{}"));
        assert!(fast(r#"{"f":1.5e3,"g":-7}"#));
        assert!(!fast(r#"{"msg":"a \"quoted\" word"}"#));
        assert!(!fast(r#"{"err":{"type":"E"}}"#));
        assert!(!fast(r#"{"tags":["a"]}"#));
        assert!(!fast(r#"{"msg":"x",}"#));
        assert!(!fast(r#"{"msg":"x"} trailing"#));
        assert!(!fast(r#"{"n":01}"#));
        assert!(!fast("{\"msg\":\"tab\there\"}"));
    }

    fn key() -> impl Strategy<Value = String> {
        let mut names: Vec<&str> = keys::KNOWN.to_vec();
        names.extend(["req_id", "pid", "a\\\"b", "x", "é"]);
        prop::sample::select(names).prop_map(|k| format!("\"{k}\""))
    }

    fn value() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "\"info\"",
            "\"ERROR\"",
            "\"2026-11-20T14:03:11.482Z\"",
            "\"1700000000\"",
            "\"a \\\"q\\\" b\"",
            "\"boom\\n\\tat nowhere\"",
            "\"java.lang.IllegalStateException: x\"",
            "\"caf\u{e9}\"",
            "\"tab\there\"",
            "\"\"",
            "0",
            "00",
            "7",
            "-0",
            "-12",
            "50",
            "1700000000123",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "1.5",
            "1e3",
            "-1.25E-2",
            "1.",
            "--1",
            "true",
            "false",
            "null",
            "nul",
            "{\"type\":\"E\",\"message\":\"m\"}",
            "{}",
            "[1,2]",
        ])
        .prop_map(str::to_string)
    }

    fn ws() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", "", " ", "\t", " \r\n "])
    }

    proptest! {
        /// The word-wise search finds what a byte-wise one finds.
        #[test]
        fn stop_at_finds_the_first_stop_byte(
            bytes in prop::collection::vec(
                prop::sample::select(vec![b'a', b'"', b'\\', 0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff, b'0']),
                0..40,
            ),
            from in 0usize..40,
        ) {
            let from = from.min(bytes.len());
            let want = bytes[from..].iter().position(|&c| STOP[usize::from(c)]).map(|p| from + p);
            prop_assert_eq!(stop_at(&bytes, from), want);
        }

        /// Whatever the fast path takes, it reads as serde_json does; what it
        /// leaves, serde_json reads (or flags) as before.
        #[test]
        fn agrees_with_serde_json(
            pairs in prop::collection::vec((key(), ws(), value(), ws()), 0..8),
            comma in prop::sample::select(vec![",", ", ", ",,"]),
            tail in prop::sample::select(vec!["}", "}", "}", "", ",}", "} x"]),
        ) {
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, a, v, b)| format!("{k}{a}:{b}{v}{a}"))
                .collect();
            let line = format!("{{{}{tail}", body.join(comma));
            let ctx = Context { year: 2026 };
            prop_assert_eq!(Json.parse(&line, &ctx), Some(serde_only(line.trim(), &ctx)));
        }
    }
}
