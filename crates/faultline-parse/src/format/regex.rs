//! Declarative formats: a TOML file names a regex with named captures and says
//! which capture is which part of the event.
//!
//! ```toml
//! name = "my_app"                      # what users pass to --format
//! description = "My app's log lines"
//! sniff = '^\d{4}-\d\d-\d\d '          # optional; the regexes themselves otherwise
//! regex = '^(?P<ts>\S+ \S+) (?P<level>\w+) (?P<message>.*)$'  # or a list, tried in order
//! timestamp_format = "%Y-%m-%d %H:%M:%S"  # strftime, or "auto" (the default)
//! level_from_status = "status"         # optional: 5xx error, 4xx warn, else info
//! nil_values = ["-"]                   # captures equal to one of these are absent
//! message_pairs = false                # move trailing key=value pairs of the message to fields
//! [map]                                # optional: capture names for ts/level/logger/message/service/host
//! message = "request"                  #   (each defaults to the capture of its own name)
//! [types]                              # optional: int, float or string (the default)
//! status = "int"
//! ```
//!
//! Every capture not mapped to a part goes to `fields` under its own name. A
//! value that does not read as its type stays a string. An unreadable
//! timestamp leaves `ts` empty, flags `bad_timestamp`, and keeps the text in
//! `fields` under the capture's name.

use super::{Context, FormatError, LineFormat, logfmt::Pairs, timestamp};
use faultline_event::{Event, Flag, Level};
use regex::{CaptureLocations, Regex};
use serde::Deserialize;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a declarative format file says, as the user wrote it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub sniff: Option<String>,
    pub regex: OneOrMany,
    #[serde(default)]
    pub timestamp_format: Option<String>,
    #[serde(default)]
    pub level_from_status: Option<String>,
    #[serde(default)]
    pub nil_values: Vec<String>,
    #[serde(default)]
    pub message_pairs: bool,
    #[serde(default)]
    pub map: Mapping,
    #[serde(default)]
    pub types: BTreeMap<String, FieldType>,
}

/// One regex or several, tried in order.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// Which capture holds each part of the event.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub ts: Option<String>,
    pub level: Option<String>,
    pub logger: Option<String>,
    pub message: Option<String>,
    pub service: Option<String>,
    pub host: Option<String>,
}

/// How a field capture's text is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    #[default]
    String,
    Int,
    Float,
}

/// The parts an event header has, in [`Pattern::roles`] order.
const TS: usize = 0;
const LEVEL: usize = 1;
const LOGGER: usize = 2;
const MESSAGE: usize = 3;
const SERVICE: usize = 4;
const HOST: usize = 5;
const STATUS: usize = 6;

/// One compiled regex with its capture indexes resolved.
#[derive(Debug)]
struct Pattern {
    id: usize,
    re: Regex,
    roles: [Option<usize>; 7],
    fields: Vec<(usize, String, FieldType)>,
    /// The message is the rest of the line after the match.
    message_tail: bool,
}

/// A compiled declarative format.
#[derive(Debug)]
pub struct RegexFormat {
    name: String,
    description: String,
    sniff: Option<Regex>,
    patterns: Vec<Pattern>,
    strftime: Option<timestamp::Strftime>,
    nil_values: Vec<String>,
    message_pairs: bool,
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Capture slots per pattern id, reused from line to line.
    static SLOTS: RefCell<Vec<Option<CaptureLocations>>> = const { RefCell::new(Vec::new()) };
}

impl RegexFormat {
    /// Reads and compiles a TOML definition; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<RegexFormat, FormatError> {
        let spec: Spec = toml::from_str(text).map_err(|e| FormatError::Toml {
            path: origin.to_string(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1)),
            message: e.message().to_string(),
        })?;
        RegexFormat::compile(spec, origin)
    }

    /// Validates a spec into a format.
    pub fn compile(spec: Spec, origin: &str) -> Result<RegexFormat, FormatError> {
        let schema = |message: String| FormatError::Schema {
            path: origin.to_string(),
            message,
        };
        let bad_regex = |e: regex::Error| FormatError::Regex {
            path: origin.to_string(),
            message: e.to_string(),
        };
        if spec.name.is_empty()
            || !spec
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(schema(format!(
                "name {:?} must be letters, digits, _ or -",
                spec.name
            )));
        }
        let sources = match spec.regex {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        };
        if sources.is_empty() {
            return Err(schema("regex must not be an empty list".into()));
        }
        let mut patterns = Vec::with_capacity(sources.len());
        let message_name = spec.map.message.as_deref().unwrap_or("message");
        for source in &sources {
            // Validate the regex as written, then run it without a trailing
            // `(?P<message>.*)$`: the message is the rest of the line, and
            // capturing it would make the regex engine walk every byte of it.
            Regex::new(source).map_err(bad_regex)?;
            let head = message_tail(source, message_name);
            let re = Regex::new(head.unwrap_or(source)).map_err(bad_regex)?;
            let pattern = Pattern::new(
                re,
                &spec.map,
                &spec.types,
                spec.level_from_status.as_deref(),
                head.is_some(),
            )
            .map_err(schema)?;
            patterns.push(pattern);
        }
        let strftime = match spec.timestamp_format.as_deref() {
            None | Some("auto") => None,
            Some(pattern) => Some(timestamp::Strftime::new(pattern).map_err(schema)?),
        };
        Ok(RegexFormat {
            name: spec.name,
            description: spec.description,
            sniff: spec
                .sniff
                .as_deref()
                .map(Regex::new)
                .transpose()
                .map_err(bad_regex)?,
            patterns,
            strftime,
            nil_values: spec.nil_values,
            message_pairs: spec.message_pairs,
        })
    }

    /// The one-line description from the definition.
    pub fn description(&self) -> &str {
        &self.description
    }

    fn is_nil(&self, text: &str) -> bool {
        self.nil_values.iter().any(|n| n == text)
    }

    /// Builds the event from one pattern's capture slots.
    fn build(&self, p: &Pattern, locs: &CaptureLocations, line: &str, ctx: &Context) -> Event {
        let get = |i: Option<usize>| {
            let (s, e) = locs.get(i?)?;
            Some(&line[s..e]).filter(|t| !self.is_nil(t))
        };
        let part = |i: Option<usize>| get(i).filter(|t| !t.is_empty());
        let mut message = if p.message_tail {
            locs.get(0).map_or("", |(_, end)| &line[end..])
        } else {
            p.roles[MESSAGE]
                .and_then(|i| locs.get(i))
                .map_or("", |(s, e)| &line[s..e])
        };
        let mut event = Event::default();
        if self.message_pairs {
            message = split_pairs(message, &mut event);
        }
        event.message = message.trim_end().to_string();
        event.level = part(p.roles[LEVEL]).and_then(Level::parse);
        if let Some(level_text) = part(p.roles[LEVEL]).filter(|_| event.level.is_none()) {
            event.fields.insert("level".into(), level_text.into());
        }
        event.logger = part(p.roles[LOGGER]).map(str::to_string);
        event.service = part(p.roles[SERVICE]).map(str::to_string);
        event.host = part(p.roles[HOST]).map(str::to_string);
        if let Some(text) = part(p.roles[TS]) {
            self.read_ts(p, text, ctx, &mut event);
        }
        for (i, name, kind) in &p.fields {
            if let Some(text) = get(Some(*i)) {
                event.fields.insert(name.clone(), typed(text, *kind));
            }
        }
        if event.level.is_none()
            && let Some(status) = get(p.roles[STATUS]).and_then(|s| s.parse::<u16>().ok())
        {
            event.level = Some(level_of_status(status));
        }
        event
    }

    fn read_ts(&self, p: &Pattern, text: &str, ctx: &Context, event: &mut Event) {
        event.ts = match &self.strftime {
            Some(f) => f.parse(text, ctx),
            None => timestamp::parse(text, ctx),
        };
        if event.ts.is_none() {
            event.flag(Flag::BadTimestamp);
            let name = p.roles[TS]
                .and_then(|i| p.re.capture_names().nth(i).flatten())
                .unwrap_or("ts");
            event.fields.insert(name.to_string(), text.into());
        }
    }
}

impl Pattern {
    fn new(
        re: Regex,
        map: &Mapping,
        types: &BTreeMap<String, FieldType>,
        status: Option<&str>,
        message_tail: bool,
    ) -> Result<Pattern, String> {
        let index = |name: &str| re.capture_names().position(|n| n == Some(name));
        let wanted = [
            (map.ts.as_deref(), "ts"),
            (map.level.as_deref(), "level"),
            (map.logger.as_deref(), "logger"),
            (map.message.as_deref(), "message"),
            (map.service.as_deref(), "service"),
            (map.host.as_deref(), "host"),
        ];
        let mut roles = [None; 7];
        for (slot, (mapped, default)) in wanted.iter().enumerate() {
            roles[slot] = index(mapped.unwrap_or(default));
            if roles[slot].is_none() && mapped.is_some() {
                return Err(format!(
                    "map.{default} names capture {:?}, which the regex lacks",
                    mapped.unwrap_or(default)
                ));
            }
        }
        if roles[MESSAGE].is_none() && !message_tail {
            return Err(format!(
                "regex {:?} has no `message` capture (or the one map.message names)",
                re.as_str()
            ));
        }
        roles[STATUS] = status.and_then(index);
        if let (Some(name), None) = (status, roles[STATUS]) {
            return Err(format!(
                "level_from_status names capture {name:?}, which the regex lacks"
            ));
        }
        let mapped: Vec<usize> = roles[..STATUS].iter().flatten().copied().collect();
        let fields = re
            .capture_names()
            .enumerate()
            .filter_map(|(i, n)| Some((i, n?)))
            .filter(|(i, _)| !mapped.contains(i))
            .map(|(i, n)| (i, n.to_string(), types.get(n).copied().unwrap_or_default()))
            .collect();
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        Ok(Pattern {
            id,
            re,
            roles,
            fields,
            message_tail,
        })
    }

    /// Runs the regex with this thread's reusable capture slots.
    fn matches<R>(&self, line: &str, then: impl FnOnce(&CaptureLocations) -> R) -> Option<R> {
        let run =
            |locs: &mut CaptureLocations| self.re.captures_read(locs, line).map(|_| then(locs));
        SLOTS.with(|slots| {
            let Ok(mut slots) = slots.try_borrow_mut() else {
                return run(&mut self.re.capture_locations());
            };
            if slots.len() <= self.id {
                slots.resize_with(self.id + 1, || None);
            }
            let locs = slots[self.id].get_or_insert_with(|| self.re.capture_locations());
            run(locs)
        })
    }
}

impl LineFormat for RegexFormat {
    fn name(&self) -> &str {
        &self.name
    }

    fn sniff(&self, line: &str) -> bool {
        match &self.sniff {
            Some(re) => re.is_match(line),
            None => self.patterns.iter().any(|p| p.re.is_match(line)),
        }
    }

    fn parse(&self, line: &str, ctx: &Context) -> Option<Event> {
        let line = line.trim_end_matches(['\r', '\n']);
        self.patterns
            .iter()
            .find_map(|p| p.matches(line, |locs| self.build(p, locs, line, ctx)))
    }
}

/// The regex without its trailing `(?P<NAME>.*)$`, when it ends so and has no
/// top-level alternation (which would make the tail belong to one branch only).
fn message_tail<'a>(source: &'a str, name: &str) -> Option<&'a str> {
    let head = source.strip_suffix(&format!("(?P<{name}>.*)$"))?;
    let (mut depth, mut in_class, mut escaped) = (0i32, false, false);
    for b in head.bytes() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'[' if !in_class => in_class = true,
            b']' if in_class => in_class = false,
            _ if in_class => {}
            b'(' => depth += 1,
            b')' => depth -= 1,
            b'|' if depth == 0 => return None,
            _ => {}
        }
    }
    (depth == 0).then_some(head)
}

fn typed(text: &str, kind: FieldType) -> Value {
    let number = match kind {
        FieldType::String => None,
        FieldType::Int => text.parse::<i64>().ok().map(Value::from),
        FieldType::Float => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
    };
    number.unwrap_or_else(|| text.into())
}

/// 5xx is an error, 4xx a warning, anything else info.
pub fn level_of_status(status: u16) -> Level {
    match status {
        500..=599 => Level::Error,
        400..=499 => Level::Warn,
        _ => Level::Info,
    }
}

/// Moves the trailing `key=value` pairs of a message into fields and returns
/// the message without them (tracing prints `message key=value key2="v 2"`).
fn split_pairs<'a>(message: &'a str, event: &mut Event) -> &'a str {
    let starts = std::iter::once(0).chain(message.match_indices(' ').map(|(i, _)| i + 1));
    for start in starts {
        let tail = &message[start..];
        let mut pairs = Pairs::new(tail);
        let mut found = Vec::new();
        for (k, v) in pairs.by_ref() {
            let Some(v) = v else { break };
            found.push((k, v));
        }
        if !found.is_empty() && pairs.is_done() {
            for (k, v) in found {
                event.fields.insert(k.to_string(), v.into());
            }
            return message[..start].trim_end();
        }
    }
    message
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_trailing_message_capture_is_cut_only_outside_alternations() {
        assert_eq!(
            super::message_tail(r"^(?P<ts>\S+) (?P<message>.*)$", "message"),
            Some(r"^(?P<ts>\S+) ")
        );
        assert_eq!(
            super::message_tail(r"^a|b (?P<message>.*)$", "message"),
            None
        );
        assert_eq!(
            super::message_tail(r"^(?:a|b) [|(] (?P<message>.*)$", "message"),
            Some(r"^(?:a|b) [|(] ")
        );
        assert_eq!(
            super::message_tail(r"^(?P<message>.*) end$", "message"),
            None
        );
    }

    use super::*;

    fn format(toml: &str) -> Result<RegexFormat, FormatError> {
        RegexFormat::from_toml(toml, "test.toml")
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let err = format("name = \"x\"\nregex = 3\n").unwrap_err().to_string();
        assert!(err.contains("test.toml") && err.contains("line 2"), "{err}");
        let err = format("name = \"x\"\nregex = '(?P<message>'")
            .unwrap_err()
            .to_string();
        assert!(err.contains("test.toml") && err.contains("regex"), "{err}");
        let err = format("name = \"x\"\nregex = '(?P<msg>.*)'")
            .unwrap_err()
            .to_string();
        assert!(err.contains("message"), "{err}");
        let err =
            format("name = \"x\"\nregex = '(?P<message>.*)'\n[types]\nn = \"bool\"").unwrap_err();
        assert!(err.to_string().contains("bool"), "{err}");
        let err =
            format("name = \"x\"\nregex = '(?P<message>.*)'\n[map]\nlevel = \"sev\"").unwrap_err();
        assert!(err.to_string().contains("sev"), "{err}");
        assert!(format("name = \"a b\"\nregex = '(?P<message>.*)'").is_err());
    }

    #[test]
    fn captures_types_nil_values_and_status_levels() {
        let f = format(
            r#"name = "t"
regex = '^(?P<ts>\S+) (?P<status>\d+|-) (?P<size>\S+) (?P<ratio>\S+) (?P<message>.*)$'
level_from_status = "status"
nil_values = ["-"]
[types]
status = "int"
size = "int"
ratio = "float"
"#,
        )
        .unwrap();
        let e = f
            .parse("2026-11-20T14:03:11Z 503 12 0.5 GET /", &Context::default())
            .unwrap();
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(e.fields["status"], 503);
        assert_eq!(e.fields["ratio"], 0.5);
        assert_eq!(e.message, "GET /");
        let e = f
            .parse("yesterday - x1 nan-ish GET /", &Context::default())
            .unwrap();
        assert_eq!(e.level, None);
        assert!(!e.fields.contains_key("status"));
        assert_eq!(e.fields["size"], "x1");
        assert_eq!(e.fields["ts"], "yesterday");
        assert!(e.has_flag(Flag::BadTimestamp));
        assert!(f.parse("no match", &Context::default()).is_none());
    }

    #[test]
    fn trailing_pairs_leave_the_message() {
        let mut e = Event::default();
        assert_eq!(
            split_pairs(r#"query failed table=users err="a b""#, &mut e),
            "query failed"
        );
        assert_eq!(e.fields["err"], "a b");
        assert_eq!(split_pairs("a = b is math", &mut e), "a = b is math");
        assert_eq!(split_pairs("", &mut e), "");
    }
}
