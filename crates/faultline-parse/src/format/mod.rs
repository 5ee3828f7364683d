//! Line formats: how one line becomes the header of an event.
//!
//! Every format implements [`LineFormat`]. The [`Registry`] holds the built-in
//! formats (code formats and the declarative ones compiled in from
//! `parsers/*.toml`) plus any a user loads at run time, and sniffs which one a
//! file is written in from its first lines.
//!
//! - [`timestamp`]: the timestamp shapes logs print, read into UTC.
//! - [`Json`], [`Logfmt`], [`Syslog`]: structured formats, in code.
//! - [`RegexFormat`]: declarative formats (`parsers/*.toml`): access and error
//!   logs, Python `logging`, log4j/logback/Spring Boot, Rails, Go `log`, Rust
//!   `env_logger` and `tracing`.
//! - [`Jul`]: java.util.logging's two-line SimpleFormatter and Tomcat's
//!   one-line formatter.
//! - [`Container`]: Docker `json-file` and CRI wrappers around another format.
//! - [`Plain`]: the fallback.

mod access;
mod container;
mod json;
mod json_flat;
mod jul;
mod keys;
mod logfmt;
mod plain;
mod regex;
mod registry;
mod syslog;
pub mod timestamp;

pub use access::AccessLog;
pub use container::Container;
pub use json::Json;
pub use jul::Jul;
pub use logfmt::Logfmt;
pub use plain::Plain;
pub use regex::{FieldType, Mapping, OneOrMany, RegexFormat, Spec, level_of_status};
pub use registry::BUILTIN_PARSERS;
pub use syslog::Syslog;

use faultline_event::Event;
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

/// What parsing needs to know that the line does not say. Parsing is pure:
/// the caller passes time in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// The year for timestamps printed without one (syslog RFC 3164).
    pub year: i32,
}

impl Default for Context {
    fn default() -> Context {
        Context { year: 1970 }
    }
}

/// One line format.
pub trait LineFormat: Send + Sync {
    /// The name users pass to `--format`.
    fn name(&self) -> &str;

    /// Whether `line` looks written in this format. Cheap; used to sniff a file's
    /// format from its first lines.
    fn sniff(&self, line: &str) -> bool;

    /// Parses a line into an event header: `ts`, `level`, `logger`, `message`,
    /// `service`, `host`, `fields`, and for structured formats any `exception`
    /// or `stack` the line carries. `None` when the line is not in this format:
    /// it may then continue the previous event or become a plain event.
    fn parse(&self, line: &str, ctx: &Context) -> Option<Event>;

    /// [`LineFormat::parse`] into `event`, which must be
    /// `Event::default()`; false, with `event` left as it was, when the line
    /// is not in this format. A format that overrides it builds the event
    /// where it stays until emitted instead of returning one to be moved: an
    /// event is a few hundred bytes, and every move copies all of them.
    fn parse_into(&self, line: &str, ctx: &Context, event: &mut Event) -> bool {
        match self.parse(line, ctx) {
            Some(parsed) => {
                *event = parsed;
                true
            }
            None => false,
        }
    }

    /// For formats whose record spans a header line and one fixed follow-up
    /// line (java.util.logging's SimpleFormatter prints `LEVEL: message` on the
    /// line after the date and logger): merges `line`, the line right after the
    /// header `event` came from, into it and returns true when it is that
    /// follow-up. The default reads no follow-up lines.
    fn continue_header(&self, event: &mut Event, line: &str, ctx: &Context) -> bool {
        let _ = (event, line, ctx);
        false
    }

    /// For wrapper formats (Docker `json-file`, CRI): the application's own
    /// line inside the wrapper, so that trace detection and continuation
    /// lines can look at what the application printed. `None` when the
    /// format wraps nothing or `line` is not one of its lines.
    fn inner_line<'a>(&self, line: &'a str) -> Option<Cow<'a, str>> {
        let _ = line;
        None
    }
}

/// Why formats could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("unknown format {0:?} (known: {1})")]
    Unknown(String, String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Toml {
        path: String,
        line: Option<usize>,
        message: String,
    },
    #[error("{path}: bad regex: {message}")]
    Regex { path: String, message: String },
    #[error("{path}: {message}")]
    Schema { path: String, message: String },
}

/// The formats known to this run.
#[derive(Clone)]
pub struct Registry {
    formats: Vec<Arc<dyn LineFormat>>,
    plain: Arc<dyn LineFormat>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::builtin()
    }
}

/// How many of a file's first non-blank lines sniffing reads.
pub const SNIFF_LINES: usize = 32;

impl Registry {
    /// The formats faultline knows out of the box, in sniff order (see
    /// [`registry`](self::registry) for why this order).
    pub fn builtin() -> Registry {
        Registry {
            formats: registry::builtin_formats(),
            plain: Arc::new(Plain),
        }
    }

    /// Loads every `*.toml` declarative format in `dir` (in file-name order)
    /// and returns their names. User formats are sniffed before the built-in
    /// ones, so they win ties; one named like a built-in replaces it. Nothing
    /// is added unless every file loads.
    pub fn load_dir(
        &mut self,
        dir: impl AsRef<std::path::Path>,
    ) -> Result<Vec<String>, FormatError> {
        let formats = registry::read_dir(dir.as_ref())?;
        let names = formats.iter().map(|f| f.name().to_string()).collect();
        for format in formats.into_iter().rev() {
            self.formats.retain(|f| f.name() != format.name());
            self.formats.insert(0, format);
        }
        Ok(names)
    }

    /// Adds a format; a later format with the same name replaces the earlier.
    pub fn add(&mut self, format: Arc<dyn LineFormat>) {
        self.formats.retain(|f| f.name() != format.name());
        self.formats.push(format);
    }

    /// The names of every format, `plain` last.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.formats.iter().map(|f| f.name().to_string()).collect();
        names.push(self.plain.name().to_string());
        names
    }

    /// The format called `name`.
    pub fn get(&self, name: &str) -> Result<Arc<dyn LineFormat>, FormatError> {
        if name == self.plain.name() {
            return Ok(self.plain.clone());
        }
        self.formats
            .iter()
            .find(|f| f.name() == name)
            .cloned()
            .ok_or_else(|| FormatError::Unknown(name.to_string(), self.names().join(", ")))
    }

    /// The plain-text format, the fallback for lines no other format reads.
    pub fn plain(&self) -> Arc<dyn LineFormat> {
        self.plain.clone()
    }

    /// Picks the format most of `lines` are written in; `plain` when none
    /// reads at least half of the non-blank lines. Ties go to the format
    /// registered first. Indented lines (stack frames, wrapped messages) are
    /// continuations in every format and are not counted, so that a file
    /// opening with a long trace is still sniffed by its headers.
    pub fn sniff<'a>(&self, lines: impl IntoIterator<Item = &'a str>) -> Arc<dyn LineFormat> {
        let lines: Vec<&str> = lines
            .into_iter()
            .filter(|l| !l.trim().is_empty() && !l.starts_with([' ', '\t']))
            .take(SNIFF_LINES)
            .collect();
        let mut best: Option<(usize, &Arc<dyn LineFormat>)> = None;
        for format in &self.formats {
            let hits = lines.iter().filter(|l| format.sniff(l)).count();
            if hits > 0 && best.is_none_or(|(b, _)| hits > b) {
                best = Some((hits, format));
            }
        }
        match best {
            Some((hits, format)) if hits * 2 >= lines.len() => format.clone(),
            _ => self.plain.clone(),
        }
    }
}
