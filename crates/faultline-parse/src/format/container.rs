//! Container log wrappers: Docker's `json-file` driver
//! (`{"log":"…\n","stream":"stderr","time":"…"}`) and the CRI format
//! Kubernetes nodes write (`2026-11-20T14:03:11.123456789Z stderr F …`).
//!
//! The wrapper is taken off and the application's own line is parsed by the
//! first inner format that sniffs it (plain otherwise). The wrapper's time
//! stands in when the inner line has none; the stream goes to `fields`, and a
//! CRI partial line (`P`, a long line the runtime split) is marked
//! `partial: true` (joining the pieces is the assembler's job).

use super::{Context, LineFormat, Plain, timestamp};
use faultline_event::Event;
use serde::Deserialize;
use std::borrow::Cow;
use std::sync::Arc;

/// Which wrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Docker,
    Cri,
}

/// A container wrapper around the formats it may hold.
pub struct Container {
    kind: Kind,
    inner: Vec<Arc<dyn LineFormat>>,
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Container")
            .field("kind", &self.kind)
            .finish()
    }
}

/// One unwrapped line.
struct Unwrapped<'a> {
    line: Cow<'a, str>,
    stream: Option<Cow<'a, str>>,
    time: Option<Cow<'a, str>>,
    partial: bool,
}

#[derive(Deserialize)]
struct DockerLine<'a> {
    #[serde(borrow)]
    log: Cow<'a, str>,
    #[serde(borrow, default)]
    stream: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
}

impl Container {
    /// Docker's `json-file` wrapper around `inner`.
    pub fn docker(inner: Vec<Arc<dyn LineFormat>>) -> Container {
        Container {
            kind: Kind::Docker,
            inner,
        }
    }

    /// The CRI wrapper around `inner`.
    pub fn cri(inner: Vec<Arc<dyn LineFormat>>) -> Container {
        Container {
            kind: Kind::Cri,
            inner,
        }
    }

    fn unwrap<'a>(&self, line: &'a str) -> Option<Unwrapped<'a>> {
        match self.kind {
            Kind::Docker => unwrap_docker(line),
            Kind::Cri => unwrap_cri(line),
        }
    }
}

fn unwrap_docker(line: &str) -> Option<Unwrapped<'_>> {
    let line = line.trim();
    if !line.starts_with("{\"log\":") {
        return None;
    }
    let d: DockerLine = serde_json::from_str(line).ok()?;
    let text = match d.log {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim_end_matches(['\n', '\r'])),
        Cow::Owned(s) => Cow::Owned(s.trim_end_matches(['\n', '\r']).to_string()),
    };
    Some(Unwrapped {
        line: text,
        stream: d.stream,
        time: d.time,
        partial: false,
    })
}

/// `TIME STREAM TAG LINE`, TAG being `F` (full) or `P` (partial), possibly
/// followed by more `:`-separated tags.
fn unwrap_cri(line: &str) -> Option<Unwrapped<'_>> {
    let line = line.trim_end_matches(['\n', '\r']);
    let (time, rest) = line.split_once(' ')?;
    if !time.as_bytes().first().is_some_and(u8::is_ascii_digit) || !time.contains('T') {
        return None;
    }
    let (stream, rest) = rest.split_once(' ')?;
    if stream != "stdout" && stream != "stderr" {
        return None;
    }
    let (tag, text) = rest.split_once(' ').unwrap_or((rest, ""));
    let partial = match tag.split(':').next() {
        Some("F") => false,
        Some("P") => true,
        _ => return None,
    };
    Some(Unwrapped {
        line: Cow::Borrowed(text),
        stream: Some(Cow::Borrowed(stream)),
        time: Some(Cow::Borrowed(time)),
        partial,
    })
}

impl LineFormat for Container {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Docker => "docker_json",
            Kind::Cri => "cri",
        }
    }

    fn sniff(&self, line: &str) -> bool {
        match self.kind {
            Kind::Docker => {
                line.trim_start().starts_with("{\"log\":") && line.contains("\"stream\":")
            }
            Kind::Cri => unwrap_cri(line).is_some(),
        }
    }

    fn parse(&self, line: &str, ctx: &Context) -> Option<Event> {
        let u = self.unwrap(line)?;
        let inner = self.inner.iter().find(|f| f.sniff(&u.line));
        let mut event = match inner {
            Some(format) => format.parse(&u.line, ctx),
            None => None,
        }
        .or_else(|| Plain.parse(&u.line, ctx))?;
        if event.ts.is_none() {
            event.ts = u.time.as_deref().and_then(|t| timestamp::parse(t, ctx));
        }
        if let Some(stream) = u.stream {
            event
                .fields
                .insert("stream".into(), stream.into_owned().into());
        }
        if u.partial {
            event.fields.insert("partial".into(), true.into());
        }
        Some(event)
    }

    fn inner_line<'a>(&self, line: &'a str) -> Option<Cow<'a, str>> {
        self.unwrap(line).map(|u| u.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Json;
    use faultline_event::Level;

    fn ctx() -> Context {
        Context { year: 2026 }
    }

    #[test]
    fn docker_unwraps_and_parses_the_inner_line() {
        let f = Container::docker(vec![Arc::new(Json)]);
        let line = r#"{"log":"{\"level\":\"error\",\"msg\":\"db down\"}\n","stream":"stderr","time":"2026-11-20T14:03:11.123456789Z"}"#;
        assert!(f.sniff(line));
        let e = f.parse(line, &ctx()).unwrap();
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(e.message, "db down");
        assert_eq!(e.fields["stream"], "stderr");
        assert_eq!(e.ts.unwrap().timestamp_subsec_nanos(), 123_456_789);
        assert_eq!(
            f.inner_line(line).as_deref(),
            Some(r#"{"level":"error","msg":"db down"}"#)
        );
    }

    #[test]
    fn cri_full_and_partial_lines() {
        let f = Container::cri(Vec::new());
        let e = f
            .parse("2026-11-20T14:03:11.5Z stdout P ERROR half a line", &ctx())
            .unwrap();
        assert_eq!(e.message, "ERROR half a line");
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(e.fields["partial"], true);
        let e = f.parse("2026-11-20T14:03:11.5Z stderr F", &ctx()).unwrap();
        assert_eq!(e.message, "");
        assert!(
            f.parse("2026-11-20T14:03:11.5Z stdin F x", &ctx())
                .is_none()
        );
        assert!(f.parse("hello world F x", &ctx()).is_none());
    }
}
