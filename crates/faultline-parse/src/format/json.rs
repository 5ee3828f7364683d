//! JSON lines: one object per line, as pino, bunyan, zap, logrus, structlog,
//! Serilog (compact) and ECS loggers write them.
//!
//! Well-known keys ([`super::keys`]) become the event's parts; every other key
//! stays in `fields` as it was. An error carried as a string holding a whole
//! trace, or as an object (`{type, message, stack}`), becomes the event's
//! `exception`, with the trace text in `stack`. A line that starts with `{`
//! but is not a JSON object is kept whole as the message and flagged
//! `malformed`: it claimed to be JSON.

use super::keys;
use super::{Context, LineFormat, timestamp};
use crate::trace;
use faultline_event::{Event, Exception, Flag, Level};
use serde_json::{Map, Value};

/// The JSON-lines format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl LineFormat for Json {
    fn name(&self) -> &str {
        "json"
    }

    fn sniff(&self, line: &str) -> bool {
        let line = line.trim();
        line.starts_with('{') && line.ends_with('}')
    }

    fn parse(&self, line: &str, ctx: &Context) -> Option<Event> {
        let trimmed = line.trim();
        if !trimmed.starts_with('{') {
            return None;
        }
        match serde_json::from_str::<Map<String, Value>>(trimmed) {
            Ok(map) => Some(from_object(map, ctx)),
            Err(_) => {
                let mut event = Event::new(trimmed);
                event.flag(Flag::Malformed);
                Some(event)
            }
        }
    }
}

/// Builds an event from a decoded object; used by wrappers that decode first.
pub fn from_object(mut map: Map<String, Value>, ctx: &Context) -> Event {
    let mut event = Event::default();
    let serilog = map.contains_key("@mt") || map.contains_key("@t") && map.contains_key("@m");
    if let Some((_, msg)) = take_first(&mut map, keys::MESSAGE, Value::is_string) {
        event.message = into_string(msg);
    }
    read_level(&mut map, &mut event, serilog);
    read_time(&mut map, &mut event, ctx);
    event.logger =
        take_first(&mut map, keys::LOGGER, Value::is_string).map(|(_, v)| into_string(v));
    event.service =
        take_first(&mut map, keys::SERVICE, Value::is_string).map(|(_, v)| into_string(v));
    event.host = take_first(&mut map, keys::HOST, Value::is_string).map(|(_, v)| into_string(v));
    read_error(&mut map, &mut event);
    event.fields = map;
    event
}

/// Takes the first of `names` whose value passes `want`. A dotted name is
/// looked up literally (`"log.level": …`) and then nested (`"log": {"level": …}`);
/// a nested object left empty is removed.
fn take_first(
    map: &mut Map<String, Value>,
    names: &[&str],
    want: fn(&Value) -> bool,
) -> Option<(String, Value)> {
    // Most records carry few of the names: one pass over the keys rules the
    // list out before any lookup does.
    if !map
        .keys()
        .any(|key| names.iter().any(|name| names_key(name, key)))
    {
        return None;
    }
    for &name in names {
        if map.get(name).is_some_and(want) {
            return map.remove(name).map(|v| (name.to_string(), v));
        }
        let Some((outer, inner)) = name.split_once('.') else {
            continue;
        };
        let Some(Value::Object(obj)) = map.get_mut(outer) else {
            continue;
        };
        if obj.get(inner).is_some_and(want) {
            let value = obj.remove(inner);
            if obj.is_empty() {
                map.remove(outer);
            }
            return value.map(|v| (name.to_string(), v));
        }
    }
    None
}

/// Whether looking `name` up may find `key`: the same, or `key` is the outer
/// part of a dotted name (`log` for `log.level`).
fn names_key(name: &str, key: &str) -> bool {
    name.len() >= key.len()
        && name.starts_with(key)
        && (name.len() == key.len() || name.as_bytes()[key.len()] == b'.')
}

fn into_string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

fn is_scalar(value: &Value) -> bool {
    value.is_string() || value.is_number()
}

/// Reads the level; a value no logger spells stays in `fields`. Serilog omits
/// `@l` for Information, so a Serilog record without one is `info`.
fn read_level(map: &mut Map<String, Value>, event: &mut Event, serilog: bool) {
    if let Some((key, value)) = take_first(map, keys::LEVEL, is_scalar) {
        let level = match &value {
            Value::String(s) => Level::parse(s),
            Value::Number(n) => Level::parse(&n.to_string()),
            _ => None,
        };
        match level {
            Some(level) => event.level = Some(level),
            None => {
                map.insert(key, value);
            }
        }
    } else if serilog {
        event.level = Some(Level::Info);
    }
}

/// Reads the timestamp from a string or an epoch number. An unreadable one is
/// flagged `bad_timestamp` and kept in `fields` under its key.
fn read_time(map: &mut Map<String, Value>, event: &mut Event, ctx: &Context) {
    let Some((key, value)) = take_first(map, keys::TIME, is_scalar) else {
        return;
    };
    let ts = match &value {
        Value::String(s) => timestamp::parse(s, ctx),
        Value::Number(n) => timestamp::from_epoch_str(&n.to_string()),
        _ => None,
    };
    match ts {
        Some(ts) => event.ts = Some(ts),
        None => {
            event.flag(Flag::BadTimestamp);
            map.insert(key, value);
        }
    }
}

/// Reads the first error key that holds a trace or an error object.
fn read_error(map: &mut Map<String, Value>, event: &mut Event) {
    for &name in keys::ERROR {
        let found = match map.get(name) {
            Some(Value::String(s)) => looks_like_trace(s),
            Some(Value::Object(obj)) => is_error_object(obj),
            _ => false,
        };
        if !found {
            continue;
        }
        match map.remove(name) {
            Some(Value::String(text)) => set_trace(event, text, None),
            Some(Value::Object(obj)) => read_error_object(map, name, obj, event),
            _ => {}
        }
        return;
    }
}

/// A string is taken for a trace when it spans several lines or when a trace
/// grammar recognises its first line.
fn looks_like_trace(text: &str) -> bool {
    text.trim_end().contains('\n') || trace::detect_start(text.trim()).is_some()
}

fn is_error_object(obj: &Map<String, Value>) -> bool {
    let has = |names: &[&str]| {
        names
            .iter()
            .any(|n| obj.get(*n).is_some_and(Value::is_string))
    };
    has(keys::ERROR_STACK) || (has(keys::ERROR_TYPE) && has(keys::ERROR_MESSAGE))
}

/// Reads `{type, message, stack}`: the trace when it parses, else an exception
/// built from the type and message. Keys it did not read stay in `fields`.
fn read_error_object(
    map: &mut Map<String, Value>,
    name: &str,
    mut obj: Map<String, Value>,
    event: &mut Event,
) {
    let text = |obj: &mut Map<String, Value>, names: &[&str]| {
        take_first(obj, names, Value::is_string).map(|(_, v)| into_string(v))
    };
    let kind = text(&mut obj, keys::ERROR_TYPE);
    let message = text(&mut obj, keys::ERROR_MESSAGE);
    let fallback = kind
        .clone()
        .map(|kind| Exception::new(kind, message.clone().unwrap_or_default()));
    match text(&mut obj, keys::ERROR_STACK) {
        Some(stack) => set_trace(event, stack, fallback),
        None => event.exception = fallback,
    }
    if let (Some(exc), Some(kind)) = (event.exception.as_mut(), kind)
        && exc.kind.is_empty()
    {
        exc.kind = kind;
    }
    if !obj.is_empty() {
        map.insert(name.to_string(), Value::Object(obj));
    }
}

/// Keeps the trace text and parses it; an unparsed trace keeps `fallback` and
/// is flagged `trace_unparsed`.
fn set_trace(event: &mut Event, text: String, fallback: Option<Exception>) {
    match trace::parse_text(&text) {
        Some(exc) => event.exception = Some(exc),
        None => {
            event.exception = fallback;
            event.flag(Flag::TraceUnparsed);
        }
    }
    event.stack = Some(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(line: &str) -> Event {
        Json.parse(line, &Context { year: 2026 })
            .expect("a JSON line")
    }

    #[test]
    fn pino_numeric_level_epoch_millis_and_error_object() {
        let e = parse(
            r#"{"level":50,"time":1700000000123,"pid":7,"hostname":"web-1","name":"api","msg":"charge failed","err":{"type":"TypeError","message":"x is undefined","stack":"TypeError: x is undefined\n    at f (/app/a.js:1:2)","code":"E1"}}"#,
        );
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(e.ts.unwrap().timestamp_millis(), 1_700_000_000_123);
        assert_eq!(e.host.as_deref(), Some("web-1"));
        assert_eq!(e.logger.as_deref(), Some("api"));
        assert_eq!(e.message, "charge failed");
        assert!(e.stack.as_deref().unwrap().starts_with("TypeError"));
        assert_eq!(e.exception.as_ref().unwrap().kind, "TypeError");
        assert_eq!(e.fields["err"], json!({"code": "E1"}));
        assert_eq!(e.fields["pid"], json!(7));
    }

    #[test]
    fn ecs_dotted_and_nested_keys() {
        let e = parse(
            r#"{"@timestamp":"2026-11-20T14:03:11.482Z","log.level":"warn","log":{"logger":"app.db","origin":{"line":3}},"service":{"name":"billing"},"host.name":"h1","message":"slow"}"#,
        );
        assert_eq!(e.level, Some(Level::Warn));
        assert_eq!(e.logger.as_deref(), Some("app.db"));
        assert_eq!(e.host.as_deref(), Some("h1"));
        assert_eq!(e.fields["log"], json!({"origin": {"line": 3}}));
        assert_eq!(e.service.as_deref(), Some("billing"));
        assert!(!e.fields.contains_key("service"));
        assert!(e.ts.is_some());
    }

    #[test]
    fn serilog_compact_without_level_is_information() {
        let e = parse(r#"{"@t":"2026-11-20T14:03:11.1Z","@mt":"User {Id} logged in","Id":42}"#);
        assert_eq!(e.level, Some(Level::Info));
        assert_eq!(e.message, "User {Id} logged in");
    }

    #[test]
    fn bad_values_stay_in_fields_with_a_flag() {
        let e = parse(r#"{"msg":"x","level":"loud","time":"yesterday"}"#);
        assert_eq!(e.level, None);
        assert_eq!(e.fields["level"], "loud");
        assert_eq!(e.fields["time"], "yesterday");
        assert!(e.has_flag(Flag::BadTimestamp));
    }

    #[test]
    fn one_line_error_string_is_a_field_not_a_trace() {
        let e = parse(r#"{"msg":"x","error":"connection refused","log":{"level":"error"}}"#);
        assert_eq!(e.fields["error"], "connection refused");
        assert_eq!(e.level, Some(Level::Error));
        assert!(e.stack.is_none());
    }

    #[test]
    fn multi_line_error_string_is_kept_as_stack() {
        let e = parse(r#"{"msg":"x","stack_trace":"boom\n\tat nowhere"}"#);
        assert_eq!(e.stack.as_deref(), Some("boom\n\tat nowhere"));
        assert!(!e.fields.contains_key("stack_trace"));
    }

    #[test]
    fn malformed_and_foreign_lines() {
        let e = parse(r#"{"msg": "cut off"#);
        assert_eq!(e.message, r#"{"msg": "cut off"#);
        assert!(e.has_flag(Flag::Malformed));
        assert!(Json.parse("[1,2]", &Context::default()).is_none());
        assert!(Json.parse("plain words", &Context::default()).is_none());
        assert!(parse("{}").message.is_empty());
    }
}
