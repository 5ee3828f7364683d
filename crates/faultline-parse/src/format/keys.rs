//! The field names structured loggers use for the parts of an event, shared by
//! the JSON and logfmt formats. Within each list the earlier name wins when a
//! record carries several; the others stay in `fields`.

/// Keys holding the message. `log` counts only when it is a string (Docker
/// and Fluent Bit); Serilog's `@mt` (the unrendered template) and structlog's
/// `event` are the fallbacks.
pub const MESSAGE: &[&str] = &[
    "message", "msg", "@message", "log", "@m", "text", "@mt", "event",
];

/// Keys holding the level; `log.level` is ECS, dotted or nested.
pub const LEVEL: &[&str] = &["level", "severity", "lvl", "loglevel", "@l", "log.level"];

/// Keys holding the timestamp.
pub const TIME: &[&str] = &["time", "ts", "timestamp", "@timestamp", "@t", "date"];

/// Keys holding the logger name; `SourceContext` is Serilog's.
pub const LOGGER: &[&str] = &[
    "logger",
    "name",
    "logger_name",
    "log.logger",
    "SourceContext",
];

/// Keys holding the service or application name.
pub const SERVICE: &[&str] = &["service", "service.name", "app"];

/// Keys holding the host name.
pub const HOST: &[&str] = &["host", "hostname", "host.name"];

/// Keys holding an error: a string with a whole trace, or an object with a
/// type, message and stack. `errorVerbose` is zap's `%+v` of a Go error.
pub const ERROR: &[&str] = &[
    "error",
    "err",
    "exc_info",
    "exception",
    "stack",
    "stack_trace",
    "stacktrace",
    "error.stack_trace",
    "@x",
    "errorVerbose",
];

/// Inside an error object: its type, message and trace text.
pub const ERROR_TYPE: &[&str] = &["type", "kind", "class", "name"];
pub const ERROR_MESSAGE: &[&str] = &["message", "msg"];
pub const ERROR_STACK: &[&str] = &["stack", "stack_trace", "stacktrace", "backtrace"];

/// Every top-level name the lists above look up, literally (`log.level` too)
/// or as the outer object of a dotted name (`log`, `service`, `host`). A
/// decoder keeps the values of these keys in slots by position here (see
/// [`slot`]) instead of in the fields map, so finding them costs no lookups.
pub const KNOWN: &[&str] = &[
    // MESSAGE
    "message",
    "msg",
    "@message",
    "log",
    "@m",
    "text",
    "@mt",
    "event",
    // LEVEL
    "level",
    "severity",
    "lvl",
    "loglevel",
    "@l",
    "log.level",
    // TIME
    "time",
    "ts",
    "timestamp",
    "@timestamp",
    "@t",
    "date",
    // LOGGER
    "logger",
    "name",
    "logger_name",
    "log.logger",
    "SourceContext",
    // SERVICE
    "service",
    "service.name",
    "app",
    // HOST
    "host",
    "hostname",
    "host.name",
    // ERROR
    "error",
    "err",
    "exc_info",
    "exception",
    "stack",
    "stack_trace",
    "stacktrace",
    "error.stack_trace",
    "@x",
    "errorVerbose",
];

/// The position of `key` in [`KNOWN`]; one `match`, as it runs on every key
/// of every record.
pub fn slot(key: &str) -> Option<usize> {
    Some(match key {
        "message" => 0,
        "msg" => 1,
        "@message" => 2,
        "log" => 3,
        "@m" => 4,
        "text" => 5,
        "@mt" => 6,
        "event" => 7,
        "level" => 8,
        "severity" => 9,
        "lvl" => 10,
        "loglevel" => 11,
        "@l" => 12,
        "log.level" => 13,
        "time" => 14,
        "ts" => 15,
        "timestamp" => 16,
        "@timestamp" => 17,
        "@t" => 18,
        "date" => 19,
        "logger" => 20,
        "name" => 21,
        "logger_name" => 22,
        "log.logger" => 23,
        "SourceContext" => 24,
        "service" => 25,
        "service.name" => 26,
        "app" => 27,
        "host" => 28,
        "hostname" => 29,
        "host.name" => 30,
        "error" => 31,
        "err" => 32,
        "exc_info" => 33,
        "exception" => 34,
        "stack" => 35,
        "stack_trace" => 36,
        "stacktrace" => 37,
        "error.stack_trace" => 38,
        "@x" => 39,
        "errorVerbose" => 40,
        _ => return None,
    })
}

/// A list of names with their slots, worked out at compile time: `slots[i]`
/// is the slot of `names[i]`, `outer[i]` that of its outer object when the
/// name is dotted (else `u8::MAX`), and `mask` has a bit for each of them.
pub struct Slots<const N: usize> {
    pub names: [&'static str; N],
    pub slots: [u8; N],
    pub outer: [u8; N],
    pub mask: u64,
}

impl<const N: usize> Slots<N> {
    /// Panics (at compile time) when a name, or the outer part of a dotted
    /// one, is not in [`KNOWN`].
    pub const fn of(list: &[&'static str]) -> Slots<N> {
        let mut names = [""; N];
        let mut slots = [0u8; N];
        let mut outer = [u8::MAX; N];
        let mut mask = 0u64;
        let mut i = 0;
        while i < N {
            let name = list[i];
            names[i] = name;
            slots[i] = const_slot(name.as_bytes());
            mask |= 1 << slots[i];
            let bytes = name.as_bytes();
            let mut dot = 0;
            while dot < bytes.len() && bytes[dot] != b'.' {
                dot += 1;
            }
            if dot < bytes.len() {
                let (head, _) = bytes.split_at(dot);
                outer[i] = const_slot(head);
                mask |= 1 << outer[i];
            }
            i += 1;
        }
        Slots {
            names,
            slots,
            outer,
            mask,
        }
    }
}

const fn const_slot(name: &[u8]) -> u8 {
    let mut i = 0;
    while i < KNOWN.len() {
        let known = KNOWN[i].as_bytes();
        if known.len() == name.len() {
            let mut j = 0;
            while j < known.len() && known[j] == name[j] {
                j += 1;
            }
            if j == known.len() {
                return i as u8;
            }
        }
        i += 1;
    }
    panic!("a key name missing from KNOWN")
}

pub const MESSAGE_SLOTS: Slots<{ MESSAGE.len() }> = Slots::of(MESSAGE);
pub const LEVEL_SLOTS: Slots<{ LEVEL.len() }> = Slots::of(LEVEL);
pub const TIME_SLOTS: Slots<{ TIME.len() }> = Slots::of(TIME);
pub const LOGGER_SLOTS: Slots<{ LOGGER.len() }> = Slots::of(LOGGER);
pub const SERVICE_SLOTS: Slots<{ SERVICE.len() }> = Slots::of(SERVICE);
pub const HOST_SLOTS: Slots<{ HOST.len() }> = Slots::of(HOST);
pub const ERROR_SLOTS: Slots<{ ERROR.len() }> = Slots::of(ERROR);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_agrees_with_known() {
        assert!(KNOWN.len() <= 64, "slots are bits of a u64");
        for (i, name) in KNOWN.iter().enumerate() {
            assert_eq!(slot(name), Some(i), "{name}");
            assert_eq!(const_slot(name.as_bytes()) as usize, i, "{name}");
        }
        for other in ["", "Message", "messages", "log.", "req_id", "levels"] {
            assert_eq!(slot(other), None, "{other}");
        }
    }

    #[test]
    fn every_list_name_has_a_slot() {
        for list in [MESSAGE, LEVEL, TIME, LOGGER, SERVICE, HOST, ERROR] {
            for name in list {
                assert!(slot(name).is_some(), "{name}");
                if let Some((outer, _)) = name.split_once('.') {
                    assert!(slot(outer).is_some(), "{outer}");
                }
            }
        }
    }
}
