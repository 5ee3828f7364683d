//! JSON lines: one object per line, as pino, bunyan, zap, logrus, structlog,
//! Serilog (compact) and ECS loggers write them.
//!
//! Well-known keys ([`super::keys`]) become the event's parts; every other key
//! stays in `fields` as it was. An error carried as a string holding a whole
//! trace, or as an object (`{type, message, stack}`), becomes the event's
//! `exception`, with the trace text in `stack`. A line that starts with `{`
//! but is not a JSON object is kept whole as the message and flagged
//! `malformed`: it claimed to be JSON.

use super::json_flat as flat;
use super::keys;
use super::{Context, LineFormat, timestamp};
use crate::trace;
use faultline_event::{Event, Exception, Flag, Level};
use serde_json::{Map, Value};
use std::mem::ManuallyDrop;

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
        let mut event = Event::default();
        self.parse_into(line, ctx, &mut event).then_some(event)
    }

    fn parse_into(&self, line: &str, ctx: &Context, event: &mut Event) -> bool {
        let trimmed = crate::lines::trim(line);
        if !trimmed.starts_with('{') {
            return false;
        }
        let mut record = Record::new();
        if flat::read(trimmed, &mut record) {
            record.take_event_into(ctx, event);
        } else {
            *event = serde_only(trimmed, ctx);
        }
        true
    }
}

/// Reads a trimmed line that starts with `{` with serde_json: what the fast
/// path ([`flat`]) leaves, and the reference it is held to.
pub(super) fn serde_only(trimmed: &str, ctx: &Context) -> Event {
    let mut record = Record::new();
    match decode(trimmed, &mut record) {
        Ok(()) => record.take_event(ctx),
        Err(_) => {
            let mut event = Event::new(trimmed);
            event.flag(Flag::Malformed);
            event
        }
    }
}

/// A decoded object with the values of the well-known keys ([`keys::KNOWN`])
/// in slots by position and every other key in `rest`: reading the event's
/// parts out of it needs no map lookups, and only the keys that end up in
/// `fields` allocate a name.
pub(super) struct Record<'a> {
    /// Dropped by hand: only the slots `present` names hold anything, and
    /// looking at all of them for every record costs more than the rest.
    slots: ManuallyDrop<[Option<Val<'a>>; keys::KNOWN.len()]>,
    /// A bit per filled slot.
    present: u64,
    pub(super) rest: Map<String, Value>,
}

/// The value of a well-known key: text that needed no unescaping stays
/// borrowed from the line, so a timestamp or a level that is read and
/// dropped never allocates.
pub(super) enum Val<'a> {
    Str(&'a str),
    Json(Value),
}

impl Val<'_> {
    fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            Val::Json(Value::String(s)) => Some(s),
            Val::Json(_) => None,
        }
    }

    fn is_string(&self) -> bool {
        self.as_str().is_some()
    }

    fn is_scalar(&self) -> bool {
        matches!(
            self,
            Val::Str(_) | Val::Json(Value::String(_) | Value::Number(_))
        )
    }

    fn into_value(self) -> Value {
        match self {
            Val::Str(s) => Value::String(s.to_string()),
            Val::Json(v) => v,
        }
    }

    fn into_string(self) -> String {
        match self {
            Val::Str(s) => s.to_string(),
            Val::Json(v) => into_string(v),
        }
    }
}

/// What a lookup wants of a value.
#[derive(Clone, Copy)]
enum Want {
    String,
    Scalar,
}

impl Want {
    fn val(self, value: &Val) -> bool {
        match self {
            Want::String => value.is_string(),
            Want::Scalar => value.is_scalar(),
        }
    }

    fn value(self, value: &Value) -> bool {
        match self {
            Want::String => value.is_string(),
            Want::Scalar => is_scalar(value),
        }
    }
}

impl<'a> Record<'a> {
    pub(super) fn new() -> Record<'a> {
        Record {
            slots: ManuallyDrop::new([const { None }; keys::KNOWN.len()]),
            present: 0,
            rest: Map::new(),
        }
    }

    /// Sets `key` to `value` unless it is set already (logfmt: the first
    /// duplicate wins).
    pub(super) fn insert_first(&mut self, key: &str, value: Value) {
        match keys::slot(key) {
            Some(slot) => {
                if self.present & (1 << slot) == 0 {
                    self.insert(slot, Val::Json(value));
                }
            }
            None => {
                self.rest.entry(key).or_insert(value);
            }
        }
    }

    /// Sets a known key's value (the last duplicate wins, as in a map).
    pub(super) fn insert(&mut self, slot: usize, value: Val<'a>) {
        self.present |= 1 << slot;
        self.slots[slot] = Some(value);
    }

    fn has(&self, slot: usize) -> bool {
        self.present & (1 << slot) != 0
    }

    fn get(&self, slot: usize) -> Option<&Val<'a>> {
        self.slots[slot].as_ref()
    }

    fn remove(&mut self, slot: usize) -> Option<Val<'a>> {
        self.present &= !(1 << slot);
        self.slots[slot].take()
    }

    /// Takes the first of `list` whose value passes `want`, as [`take_first`]
    /// does on a map; returns the slot of the name that matched.
    fn take_first<const N: usize>(
        &mut self,
        list: &keys::Slots<N>,
        want: Want,
    ) -> Option<(usize, Val<'a>)> {
        if self.present & list.mask == 0 {
            return None;
        }
        for i in 0..N {
            let slot = usize::from(list.slots[i]);
            if self.get(slot).is_some_and(|v| want.val(v)) {
                return self.remove(slot).map(|v| (slot, v));
            }
            let outer = usize::from(list.outer[i]);
            if list.outer[i] == u8::MAX || !self.has(outer) {
                continue;
            }
            let Some(Val::Json(Value::Object(obj))) = self.slots[outer].as_mut() else {
                continue;
            };
            let inner = &list.names[i][keys::KNOWN[outer].len() + 1..];
            if obj.get(inner).is_some_and(|v| want.value(v)) {
                let value = obj.remove(inner);
                if obj.is_empty() {
                    self.remove(outer);
                }
                return value.map(|v| (slot, Val::Json(v)));
            }
        }
        None
    }

    /// The event: the well-known keys as its parts, the rest as `fields`.
    /// Empties the record; taken by reference, as the record is large and
    /// moving it costs more than reading it.
    pub(super) fn take_event(&mut self, ctx: &Context) -> Event {
        let mut event = Event::default();
        self.take_event_into(ctx, &mut event);
        event
    }

    /// [`Record::take_event`] into `event`, which is `Event::default()`.
    pub(super) fn take_event_into(&mut self, ctx: &Context, event: &mut Event) {
        let serilog = self.has(AT_MT) || self.has(AT_T) && self.has(AT_M);
        if let Some((_, msg)) = self.take_first(&keys::MESSAGE_SLOTS, Want::String) {
            event.message = msg.into_string();
        }
        self.read_level(event, serilog);
        self.read_time(event, ctx);
        event.logger = self
            .take_first(&keys::LOGGER_SLOTS, Want::String)
            .map(|(_, v)| v.into_string());
        event.service = self
            .take_first(&keys::SERVICE_SLOTS, Want::String)
            .map(|(_, v)| v.into_string());
        event.host = self
            .take_first(&keys::HOST_SLOTS, Want::String)
            .map(|(_, v)| v.into_string());
        self.read_error(event);
        let mut fields = std::mem::take(&mut self.rest);
        let mut left = self.present;
        while left != 0 {
            let slot = left.trailing_zeros() as usize;
            left &= left - 1;
            if let Some(value) = self.slots[slot].take() {
                fields.insert(keys::KNOWN[slot].to_string(), value.into_value());
            }
        }
        self.present = 0;
        event.fields = fields;
    }

    /// Reads the level; a value no logger spells stays in `fields`. Serilog
    /// omits `@l` for Information, so a Serilog record without one is `info`.
    fn read_level(&mut self, event: &mut Event, serilog: bool) {
        if let Some((slot, value)) = self.take_first(&keys::LEVEL_SLOTS, Want::Scalar) {
            let level = match &value {
                Val::Json(Value::Number(n)) => level_of_number(n),
                other => other.as_str().and_then(level_of_text),
            };
            match level {
                Some(level) => event.level = Some(level),
                None => self.insert(slot, value),
            }
        } else if serilog {
            event.level = Some(Level::Info);
        }
    }

    /// Reads the timestamp from a string or an epoch number. An unreadable
    /// one is flagged `bad_timestamp` and kept in `fields` under its key.
    fn read_time(&mut self, event: &mut Event, ctx: &Context) {
        let Some((slot, value)) = self.take_first(&keys::TIME_SLOTS, Want::Scalar) else {
            return;
        };
        let ts = match &value {
            Val::Json(Value::Number(n)) => time_of_number(n),
            other => other.as_str().and_then(|s| timestamp::parse(s, ctx)),
        };
        match ts {
            Some(ts) => event.ts = Some(ts),
            None => {
                event.flag(Flag::BadTimestamp);
                self.insert(slot, value);
            }
        }
    }

    /// Reads the first error key that holds a trace or an error object.
    fn read_error(&mut self, event: &mut Event) {
        let list = &keys::ERROR_SLOTS;
        if self.present & list.mask == 0 {
            return;
        }
        for &slot in &list.slots {
            let slot = usize::from(slot);
            let found = match self.get(slot) {
                Some(Val::Json(Value::Object(obj))) => is_error_object(obj),
                Some(value) => value.as_str().is_some_and(looks_like_trace),
                None => false,
            };
            if !found {
                continue;
            }
            match self.remove(slot) {
                Some(Val::Json(Value::Object(obj))) => {
                    if let Some(rest) = read_error_object(obj, event) {
                        self.insert(slot, Val::Json(Value::Object(rest)));
                    }
                }
                Some(text) => set_trace(event, text.into_string(), None),
                None => {}
            }
            return;
        }
    }
}

impl Drop for Record<'_> {
    fn drop(&mut self) {
        // Every filled slot has its bit in `present`: the rest are `None`.
        let mut left = self.present;
        while left != 0 {
            let slot = left.trailing_zeros() as usize;
            left &= left - 1;
            self.slots[slot] = None;
        }
    }
}

const AT_M: usize = keys::MESSAGE_SLOTS.slots[4] as usize;
const AT_MT: usize = keys::MESSAGE_SLOTS.slots[6] as usize;
const AT_T: usize = keys::TIME_SLOTS.slots[4] as usize;

/// A level as [`Level::parse`] reads it, the spellings JSON loggers write
/// most matched as they are, without its trim and lowercasing.
fn level_of_text(text: &str) -> Option<Level> {
    match text {
        "info" | "INFO" => Some(Level::Info),
        "debug" | "DEBUG" => Some(Level::Debug),
        "warn" | "WARN" => Some(Level::Warn),
        "error" | "ERROR" => Some(Level::Error),
        "trace" | "TRACE" => Some(Level::Trace),
        "fatal" | "FATAL" => Some(Level::Fatal),
        _ => Level::parse(text),
    }
}

/// A numeric level as [`Level::parse`] reads its decimal text: loggers
/// number levels 10 to 60, and no other number's text is a level name.
fn level_of_number(n: &serde_json::Number) -> Option<Level> {
    let v = n.as_u64().filter(|v| (10..100).contains(v))?;
    let digits = [b'0' + (v / 10) as u8, b'0' + (v % 10) as u8];
    Level::parse(std::str::from_utf8(&digits).ok()?)
}

/// An epoch number, as [`timestamp::from_epoch_str`] reads its decimal text;
/// integers skip the text.
fn time_of_number(n: &serde_json::Number) -> Option<chrono::DateTime<chrono::Utc>> {
    match n.as_u64() {
        Some(v) => timestamp::from_epoch_int(i64::try_from(v).ok()?),
        None if n.is_i64() => None,
        None => timestamp::from_epoch_str(&n.to_string()),
    }
}

/// Decodes one JSON object straight into a [`Record`]: keys are classified
/// while borrowed, only keys outside [`keys::KNOWN`] become `String`s, and
/// the values of known keys stay borrowed when they can ([`Val`]).
struct RecordVisitor<'a, 'r>(&'r mut Record<'a>);

impl<'a> serde::de::Visitor<'a> for RecordVisitor<'a, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'a>>(self, mut access: A) -> Result<(), A::Error> {
        let record = self.0;
        while let Some(key) = access.next_key_seed(KeySeed)? {
            match key {
                Key::Known(slot) => {
                    let value = access.next_value_seed(ValSeed)?;
                    record.insert(slot, value);
                }
                Key::Other(name) => {
                    let value: Value = access.next_value()?;
                    record.rest.insert(name, value);
                }
            }
        }
        Ok(())
    }
}

/// Reads one value as a [`Val`]: a string without escapes borrowed, anything
/// else as the `Value` serde_json would build.
struct ValSeed;

impl<'de> serde::de::DeserializeSeed<'de> for ValSeed {
    type Value = Val<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ValSeed {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::Json(Value::String(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Val<'de>, E> {
        Ok(Val::Json(Value::String(v)))
    }

    fn visit_bool<E>(self, v: bool) -> Result<Val<'de>, E> {
        Ok(Val::Json(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Val<'de>, E> {
        Ok(Val::Json(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Val<'de>, E> {
        Ok(Val::Json(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Val<'de>, E> {
        Ok(Val::Json(Value::from(v)))
    }

    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Json(Value::Null))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Val<'de>, A::Error> {
        use serde::Deserialize as _;
        Value::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Val::Json)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Val<'de>, A::Error> {
        use serde::Deserialize as _;
        Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(Val::Json)
    }
}

enum Key {
    Known(usize),
    Other(String),
}

struct KeySeed;

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match keys::slot(key) {
            Some(slot) => Key::Known(slot),
            None => Key::Other(key.to_string()),
        })
    }

    fn visit_string<E: serde::de::Error>(self, key: String) -> Result<Key, E> {
        Ok(match keys::slot(&key) {
            Some(slot) => Key::Known(slot),
            None => Key::Other(key),
        })
    }
}

/// Decodes a whole line as one object, as `serde_json::from_str` does.
fn decode<'a>(text: &'a str, record: &mut Record<'a>) -> serde_json::Result<()> {
    use serde::Deserializer as _;
    let mut de = serde_json::Deserializer::from_str(text);
    (&mut de).deserialize_map(RecordVisitor(record))?;
    de.end()
}

/// Takes the first of `names` whose value passes `want` out of an object.
fn take_first(
    map: &mut Map<String, Value>,
    names: &[&str],
    want: fn(&Value) -> bool,
) -> Option<Value> {
    names
        .iter()
        .find(|name| map.get(**name).is_some_and(want))
        .and_then(|name| map.remove(*name))
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
/// built from the type and message. Returns the keys it did not read, which
/// stay in `fields`.
fn read_error_object(mut obj: Map<String, Value>, event: &mut Event) -> Option<Map<String, Value>> {
    let text = |obj: &mut Map<String, Value>, names: &[&str]| {
        take_first(obj, names, Value::is_string).map(into_string)
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
    (!obj.is_empty()).then_some(obj)
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

/// The map-based reading the slots replaced, kept as the reference the
/// property tests hold [`Record`] to.
#[cfg(test)]
pub(in crate::format) mod reference {
    use super::super::keys;
    use super::super::{Context, timestamp};
    use super::{into_string, is_error_object, is_scalar, looks_like_trace, set_trace};
    use faultline_event::{Event, Exception, Flag, Level};
    use serde_json::{Map, Value};

    /// Builds an event from a decoded object; used by wrappers that decode first.
    pub(in crate::format) fn from_object(mut map: Map<String, Value>, ctx: &Context) -> Event {
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
        event.host =
            take_first(&mut map, keys::HOST, Value::is_string).map(|(_, v)| into_string(v));
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            prop::sample::select(vec![
                "info",
                "WARN",
                "loud",
                "50",
                "",
                "2026-11-20T14:03:11.482Z",
                "yesterday",
                "1700000000",
                "1700000000.5",
                "boom\n\tat nowhere",
                "java.lang.IllegalStateException: x",
                "web-1",
                "app.db",
            ])
            .prop_map(Value::from),
            prop::sample::select(vec![
                json!(50),
                json!(30),
                json!(5),
                json!(-10),
                json!(50.0),
                json!(1_700_000_000_123u64),
                json!(1_700_000_000.25),
                json!(u64::MAX),
                json!(true),
                json!(null),
            ]),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        let inner = prop::sample::select(vec![
            "level",
            "logger",
            "name",
            "type",
            "message",
            "msg",
            "stack",
            "code",
            "origin",
            "stack_trace",
            "kind",
        ]);
        prop_oneof![
            3 => scalar(),
            1 => prop::collection::vec((inner, scalar()), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        let mut names: Vec<&str> = keys::KNOWN.to_vec();
        names.extend(["req_id", "pid", "Id", "log.origin", "a\"b", "x"]);
        prop::sample::select(names).prop_map(str::to_string)
    }

    proptest! {
        /// Reading straight into slots gives the event the map-based reading
        /// gives, duplicate keys included (the last one wins, as in a map).
        #[test]
        fn slots_agree_with_the_map(pairs in prop::collection::vec((key(), value()), 0..12)) {
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", Value::from(k.as_str()), v))
                .collect();
            let line = format!("{{{}}}", body.join(","));
            let ctx = Context { year: 2026 };
            let map: Map<String, Value> = serde_json::from_str(&line).unwrap();
            let expected = reference::from_object(map, &ctx);
            prop_assert_eq!(Json.parse(&line, &ctx), Some(expected));
        }

        /// The spellings matched as they are read as `Level::parse` reads them.
        #[test]
        fn common_levels_read_as_level_parse_reads_them(
            word in prop::sample::select(vec![
                "info", "INFO", "Info", "debug", "DEBUG", "warn", "WARN", "warning", "error",
                "ERROR", "trace", "TRACE", "fatal", "FATAL", " info", "err", "x", "",
            ]),
        ) {
            prop_assert_eq!(level_of_text(word), Level::parse(word));
        }

        #[test]
        fn numbers_read_as_their_text(n in prop_oneof![
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (0u64..200).prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
        ]) {
            let Value::Number(n) = n else { return Ok(()) };
            prop_assert_eq!(level_of_number(&n), Level::parse(&n.to_string()));
            prop_assert_eq!(time_of_number(&n), timestamp::from_epoch_str(&n.to_string()));
        }
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
