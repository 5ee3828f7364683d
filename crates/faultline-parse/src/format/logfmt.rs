//! logfmt: `time=… level=error msg="quoted \" value" user=42 retry`.
//!
//! The pairs are read into an object and then recognised exactly as JSON keys
//! are (`msg`, `level`, `time`/`ts`, `logger`, `err`/`error`, …). Values stay
//! strings: logfmt has no types, and reading `id=007` or `version=1.10` as
//! numbers would change them. A bare key (`retry`) is `true`. Quoted values
//! understand `\"`, `\\`, `\n`, `\t` and `\r`.

use super::json::Record;
use super::{Context, LineFormat};
use faultline_event::Event;
use serde_json::Value;

/// The logfmt format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Logfmt;

impl LineFormat for Logfmt {
    fn name(&self) -> &str {
        "logfmt"
    }

    /// At least two `key=value` pairs, and the line starts with one: access
    /// logs start with an address and syslog with `<PRI>` or a date, so
    /// neither is taken for logfmt even when its message holds pairs.
    fn sniff(&self, line: &str) -> bool {
        let mut pairs = Pairs::new(line.trim());
        match pairs.next() {
            Some((_, Some(_))) => pairs.any(|(_, v)| v.is_some()),
            _ => false,
        }
    }

    fn parse(&self, line: &str, ctx: &Context) -> Option<Event> {
        let line = line.trim();
        let mut pairs = Pairs::new(line).peekable();
        pairs.peek()?.1.as_ref()?;
        let mut record = Record::new();
        for (key, value) in pairs {
            record.insert_first(key, value.map_or(Value::Bool(true), Value::String));
        }
        Some(record.take_event(ctx))
    }
}

/// Reads the pairs of a logfmt line; stops at the first token that is not a
/// key (a key is letters, digits and `_ . - / @ :`).
pub struct Pairs<'a> {
    rest: &'a str,
}

impl<'a> Pairs<'a> {
    pub fn new(line: &'a str) -> Pairs<'a> {
        Pairs { rest: line }
    }

    /// True once every pair was read and only blanks are left.
    pub fn is_done(&self) -> bool {
        self.rest.trim().is_empty()
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, Option<String>);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.rest.trim_start_matches([' ', '\t']);
        let key_len = rest
            .bytes()
            .position(|b| !KEY_BYTE[usize::from(b)])
            .unwrap_or(rest.len());
        let key = &rest[..key_len];
        let after = &rest[key_len..];
        if key.is_empty() || !key.as_bytes()[0].is_ascii_alphabetic() && key.as_bytes()[0] != b'_' {
            return None;
        }
        if after.is_empty() || after.starts_with([' ', '\t']) {
            self.rest = after;
            return Some((key, None));
        }
        let after = after.strip_prefix('=')?;
        let (value, rest) = match after.strip_prefix('"') {
            Some(quoted) => unquote(quoted)?,
            None => {
                let end = memchr::memchr2(b' ', b'\t', after.as_bytes()).unwrap_or(after.len());
                (after[..end].to_string(), &after[end..])
            }
        };
        self.rest = rest;
        Some((key, Some(value)))
    }
}

/// The bytes a key is made of: letters, digits and `_ . - / @ :`.
const KEY_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] =
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'/' | b'@' | b':');
        b += 1;
    }
    table
};

/// Reads a quoted value up to its closing quote; `None` when it never closes.
/// A value without escapes (the usual one) is copied whole.
fn unquote(text: &str) -> Option<(String, &str)> {
    match memchr::memchr2(b'"', b'\\', text.as_bytes()) {
        Some(end) if text.as_bytes()[end] == b'"' => {
            Some((text[..end].to_string(), &text[end + 1..]))
        }
        Some(_) => unquote_escaped(text),
        None => None,
    }
}

/// [`unquote`] a character at a time, understanding escapes.
fn unquote_escaped(text: &str) -> Option<(String, &str)> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &text[i + 1..])),
            '\\' => match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => return None,
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_event::{Flag, Level};
    use proptest::prelude::*;

    fn parse(line: &str) -> Option<Event> {
        Logfmt.parse(line, &Context { year: 2026 })
    }

    #[test]
    fn recognised_keys_and_string_fields() {
        let e =
            parse(r#"time=2026-11-20T14:03:11Z level=error msg="card \"declined\"" id=007 retry"#)
                .unwrap();
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(e.message, r#"card "declined""#);
        assert_eq!(e.fields["id"], "007");
        assert_eq!(e.fields["retry"], true);
        assert!(e.ts.is_some());
    }

    #[test]
    fn escaped_newlines_make_an_error_a_stack() {
        let e = parse(r#"level=error msg=x err="boom\n  at a.js:1""#).unwrap();
        assert_eq!(e.stack.as_deref(), Some("boom\n  at a.js:1"));
        assert!(!e.fields.contains_key("err"));
    }

    #[test]
    fn unterminated_quote_stops_reading_pairs() {
        let e = parse(r#"level=info msg="never closed"#).unwrap();
        assert_eq!(e.level, Some(Level::Info));
        assert_eq!(e.message, "");
        let e = parse("ts=notatime msg=hi").unwrap();
        assert!(e.has_flag(Flag::BadTimestamp));
    }

    proptest! {
        /// Reading pairs straight into slots gives the event that reading
        /// them into a map (the first duplicate wins) gives.
        #[test]
        fn slots_agree_with_the_map(pairs in prop::collection::vec((
            prop::sample::select({
                let mut names = super::super::keys::KNOWN.to_vec();
                names.extend(["req_id", "pid", "x"]);
                names
            }),
            prop::sample::select(vec![
                "", "info", "loud", "50", "2026-11-20T14:03:11Z", "yesterday", "1700000000",
                "\"boom\\n  at a.js:1\"", "\"two words\"", "web-1",
            ]),
        ), 1..10)) {
            let line: Vec<String> = pairs
                .iter()
                .map(|(k, v)| if v.is_empty() { k.to_string() } else { format!("{k}={v}") })
                .collect();
            let line = line.join(" ");
            let ctx = Context { year: 2026 };
            let expected = {
                let mut pairs = Pairs::new(&line).peekable();
                let opens = pairs.peek().is_some_and(|p| p.1.is_some());
                opens.then(|| {
                    let mut map = serde_json::Map::new();
                    for (key, value) in pairs {
                        let value = value.map_or(Value::Bool(true), Value::String);
                        map.entry(key.to_string()).or_insert(value);
                    }
                    super::super::json::reference::from_object(map, &ctx)
                })
            };
            prop_assert_eq!(Logfmt.parse(&line, &ctx), expected);
        }
    }

    proptest! {
        /// The whole-copy fast path reads what the escape-aware loop reads.
        #[test]
        fn unquote_fast_path_agrees(text in "[a\"\\\\ ntr=é]{0,12}") {
            prop_assert_eq!(unquote(&text), unquote_escaped(&text));
        }

        /// The key table holds the bytes the key rule names.
        #[test]
        fn key_table_agrees(b in any::<u8>()) {
            prop_assert_eq!(
                KEY_BYTE[usize::from(b)],
                b.is_ascii_alphanumeric() || b"_.-/@:".contains(&b)
            );
        }
    }

    #[test]
    fn sniff_wants_a_line_of_pairs() {
        assert!(Logfmt.sniff("level=info msg=hi"));
        assert!(!Logfmt.sniff("level=info"));
        assert!(
            !Logfmt
                .sniff(r#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /?a=1&b=2 HTTP/1.1" 200"#)
        );
        assert!(!Logfmt.sniff("<34>Nov 20 14:03:11 host app: a=1 b=2"));
        assert!(!Logfmt.sniff("2026-11-20 14:03:11 a=1 b=2"));
        assert!(!Logfmt.sniff("=x y=z"));
        assert!(parse("just words here").is_none());
    }
}
