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
