//! java.util.logging, as Tomcat's `catalina.out` holds it.
//!
//! SimpleFormatter prints two lines per record: the date with the source
//! (`Nov 26, 2026 10:00:00 AM org.apache.catalina.core.StandardWrapperValve invoke`)
//! and then `SEVERE: Servlet.service() threw exception`. The first line is the
//! header (its class becomes `logger`, its method `fields.method`, and the
//! source text stands in as the message); [`LineFormat::continue_header`]
//! merges the second into it. Tomcat's OneLineFormatter
//! (`20-Nov-2026 14:03:11.482 SEVERE [main] org.apache.catalina.startup.Catalina.start msg`)
//! is one line per record.

use super::{Context, LineFormat, timestamp};
use faultline_event::{Event, Level};

/// The java.util.logging format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Jul;

const LEVELS: [&str; 7] = [
    "SEVERE", "WARNING", "INFO", "CONFIG", "FINE", "FINER", "FINEST",
];

impl LineFormat for Jul {
    fn name(&self) -> &str {
        "jul"
    }

    /// A header line of either formatter, or a SimpleFormatter `LEVEL: …` line.
    fn sniff(&self, line: &str) -> bool {
        follow_up(line).is_some() || self.parse(line, &Context::default()).is_some()
    }

    fn parse(&self, line: &str, ctx: &Context) -> Option<Event> {
        let line = line.trim_end();
        if !line
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphanumeric)
        {
            return None;
        }
        let (ts, used) = timestamp::parse_prefix(line, ctx)?;
        let rest = line.get(used..)?.strip_prefix(' ')?;
        if line.as_bytes()[0].is_ascii_digit() {
            one_line(rest).map(|mut e| {
                e.ts = Some(ts);
                e
            })
        } else {
            let mut event = two_line_header(rest)?;
            event.ts = Some(ts);
            Some(event)
        }
    }

    fn continue_header(&self, event: &mut Event, line: &str, _ctx: &Context) -> bool {
        if event.level.is_some() || !event.fields.contains_key("method") {
            return false;
        }
        let Some((level, message)) = follow_up(line) else {
            return false;
        };
        event.level = Some(level);
        event.message = message.to_string();
        true
    }
}

/// `org.acme.Class method` (the method may be missing).
fn two_line_header(rest: &str) -> Option<Event> {
    let (class, method) = rest.split_once(' ').unwrap_or((rest, ""));
    if class.is_empty() || class.contains(':') || method.contains(' ') {
        return None;
    }
    let mut event = Event::new(rest);
    event.logger = Some(class.to_string());
    event.fields.insert("method".into(), method.into());
    Some(event)
}

/// `SEVERE [thread] org.acme.Class.method message`.
fn one_line(rest: &str) -> Option<Event> {
    let (level, rest) = rest.split_once(' ')?;
    let level = LEVELS
        .contains(&level)
        .then(|| Level::parse(level))
        .flatten()?;
    let (thread, rest) = rest.strip_prefix('[')?.split_once("] ")?;
    let (source, message) = rest.split_once(' ').unwrap_or((rest, ""));
    let mut event = Event::new(message);
    event.level = Some(level);
    event.fields.insert("thread".into(), thread.into());
    match source.rsplit_once('.') {
        Some((class, method)) => {
            event.logger = Some(class.to_string());
            event.fields.insert("method".into(), method.into());
        }
        None => event.logger = Some(source.to_string()),
    }
    Some(event)
}

/// `SEVERE: message` → (level, message).
fn follow_up(line: &str) -> Option<(Level, &str)> {
    let (word, message) = line.split_once(": ")?;
    if !LEVELS.contains(&word) {
        return None;
    }
    Some((Level::parse(word)?, message.trim_end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context { year: 2026 }
    }

    #[test]
    fn two_line_record_merges_its_follow_up() {
        let mut e = Jul
            .parse(
                "Nov 26, 2026 10:00:00 AM org.apache.catalina.core.StandardWrapperValve invoke",
                &ctx(),
            )
            .unwrap();
        assert_eq!(
            e.logger.as_deref(),
            Some("org.apache.catalina.core.StandardWrapperValve")
        );
        assert!(Jul.continue_header(&mut e, "SEVERE: Servlet.service() threw exception", &ctx()));
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(e.message, "Servlet.service() threw exception");
        assert!(!Jul.continue_header(&mut e, "WARNING: again", &ctx()));
    }

    #[test]
    fn tomcat_one_line_record() {
        let e = Jul
            .parse("20-Nov-2026 14:03:11.482 WARNING [main] org.apache.catalina.startup.Catalina.start Server slow", &ctx())
            .unwrap();
        assert_eq!(e.level, Some(Level::Warn));
        assert_eq!(
            e.logger.as_deref(),
            Some("org.apache.catalina.startup.Catalina")
        );
        assert_eq!(e.fields["method"], "start");
        assert_eq!(e.message, "Server slow");
    }

    #[test]
    fn other_lines_are_not_jul() {
        let mut plain = Event::new("x");
        assert!(!Jul.continue_header(&mut plain, "SEVERE: boom", &ctx()));
        assert!(Jul.parse("Nov 20 14:03:11 host app: x", &ctx()).is_none());
        assert!(Jul.parse("2026-11-20 14:03:11 ERROR x", &ctx()).is_none());
        assert!(!Jul.sniff("ERROR: not jul"));
    }
}
