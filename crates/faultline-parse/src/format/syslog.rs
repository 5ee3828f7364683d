//! Syslog: RFC 5424, RFC 3164, and the PRI-less 3164 lines that
//! `/var/log/syslog` and `/var/log/messages` hold (with rsyslog's classic
//! `Nov 20 14:03:11` or high-precision RFC 3339 timestamps).
//!
//! What goes where: the severity of `<PRI>` becomes the level (a line without
//! PRI takes a level word leading its message, if any); the facility name,
//! `pid` and 5424's `msgid` go to `fields`; the host to `host`; the APP-NAME
//! (3164's tag) to `service`, because syslog names the program that logged,
//! not a logger inside it. 5424 structured data becomes one object per SD-ID
//! in `fields`, and a leading byte-order mark is dropped from the message.

use super::{Context, LineFormat, plain, timestamp};
use faultline_event::{Event, Level};
use serde_json::{Map, Value};

/// The syslog format.
#[derive(Debug, Clone, Copy, Default)]
pub struct Syslog;

const FACILITIES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

impl LineFormat for Syslog {
    fn name(&self) -> &str {
        "syslog"
    }

    fn sniff(&self, line: &str) -> bool {
        self.parse(line, &Context::default()).is_some()
    }

    fn parse(&self, line: &str, ctx: &Context) -> Option<Event> {
        let line = line.trim_end();
        let (pri, rest) = match line.strip_prefix('<') {
            Some(after) => {
                let (pri, rest) = read_pri(after)?;
                (Some(pri), rest)
            }
            None => (None, line),
        };
        let mut event = match rest.strip_prefix("1 ") {
            Some(body) if pri.is_some() => rfc5424(body, ctx)?,
            _ => rfc3164(rest, pri.is_some(), ctx)?,
        };
        if let Some(pri) = pri {
            event.level = Some(Level::from_syslog_severity(pri & 7));
            let facility = FACILITIES
                .get(usize::from(pri >> 3))
                .copied()
                .unwrap_or("unknown");
            event.fields.insert("facility".into(), facility.into());
        } else {
            event.level = plain::leading_level(&event.message);
        }
        Some(event)
    }
}

/// `34>rest` → (34, rest); PRI is at most 191.
fn read_pri(after: &str) -> Option<(u8, &str)> {
    let end = after.bytes().take(4).position(|b| b == b'>')?;
    let pri: u8 = after[..end].parse().ok().filter(|&p| p <= 191)?;
    Some((pri, &after[end + 1..]))
}

/// Splits off the next space-separated token.
fn token(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start_matches(' ');
    let end = text.find(' ').unwrap_or(text.len());
    (end > 0).then(|| (&text[..end], text.get(end + 1..).unwrap_or("")))
}

fn nil(value: &str) -> Option<String> {
    (value != "-").then(|| value.to_string())
}

/// `TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG` after `<PRI>1 `.
fn rfc5424(body: &str, ctx: &Context) -> Option<Event> {
    let (ts, rest) = token(body)?;
    let (host, rest) = token(rest)?;
    let (app, rest) = token(rest)?;
    let (procid, rest) = token(rest)?;
    let (msgid, rest) = token(rest)?;
    let (sd, msg) = structured_data(rest)?;
    let mut event = Event::new(msg.trim_start_matches('\u{FEFF}'));
    if ts != "-" {
        event.ts = timestamp::parse(ts, ctx);
        if event.ts.is_none() {
            event.flag(faultline_event::Flag::BadTimestamp);
        }
    }
    event.host = nil(host);
    event.service = nil(app);
    if let Some(pid) = nil(procid) {
        event.fields.insert("pid".into(), pid.into());
    }
    if let Some(msgid) = nil(msgid) {
        event.fields.insert("msgid".into(), msgid.into());
    }
    event.fields.extend(sd);
    Some(event)
}

/// Reads `-` or `[id k="v" …][id2 …]`, returning the elements and the message.
fn structured_data(text: &str) -> Option<(Map<String, Value>, &str)> {
    let mut map = Map::new();
    if let Some(rest) = text.strip_prefix('-') {
        return Some((map, rest.strip_prefix(' ').unwrap_or(rest)));
    }
    let mut rest = text;
    while let Some(element) = rest.strip_prefix('[') {
        let (id, params, after) = sd_element(element)?;
        map.insert(id.to_string(), Value::Object(params));
        rest = after;
    }
    if text.len() == rest.len() {
        return None;
    }
    Some((map, rest.strip_prefix(' ').unwrap_or(rest)))
}

/// One element after its `[`: `id k="v" k2="v\"2"]`.
fn sd_element(text: &str) -> Option<(&str, Map<String, Value>, &str)> {
    let id_end = text.find([' ', ']'])?;
    let id = &text[..id_end];
    let mut rest = &text[id_end..];
    let mut params = Map::new();
    loop {
        rest = rest.trim_start_matches(' ');
        if let Some(after) = rest.strip_prefix(']') {
            return Some((id, params, after));
        }
        let eq = rest.find("=\"")?;
        let name = &rest[..eq];
        let (value, after) = sd_value(&rest[eq + 2..])?;
        params.insert(name.to_string(), value.into());
        rest = after;
    }
}

/// A PARAM-VALUE up to its closing quote, with `\"`, `\\` and `\]` unescaped.
fn sd_value(text: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &text[i + 1..])),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\' | ']'))) => out.push(e),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => return None,
            },
            c => out.push(c),
        }
    }
    None
}

/// `TIMESTAMP HOST TAG[PID]: MSG`, with a classic or an RFC 3339 timestamp.
/// Without `<PRI>` the tag is required: a timestamp and two words are not
/// enough to tell syslog from the many formats that start the same way.
fn rfc3164(text: &str, has_pri: bool, ctx: &Context) -> Option<Event> {
    let (ts, used) = timestamp::parse_prefix(text, ctx)?;
    let (host, rest) = token(text.get(used..)?.strip_prefix(' ')?)?;
    if Level::parse(host).is_some() || host.starts_with('[') {
        return None;
    }
    let mut event = Event::new(rest);
    event.ts = Some(ts);
    event.host = Some(host.to_string());
    if let Some((tag, msg)) = rest.split_once(": ") {
        let (app, pid) = match tag.strip_suffix(']').and_then(|t| t.split_once('[')) {
            Some((app, pid)) => (app, Some(pid)),
            None => (tag, None),
        };
        if is_tag(app) {
            event.service = Some(app.to_string());
            if let Some(pid) = pid {
                event.fields.insert("pid".into(), pid.into());
            }
            event.message = msg.to_string();
            return Some(event);
        }
    }
    has_pri.then_some(event)
}

/// A program name: no spaces, at most 48 characters, not a level word.
fn is_tag(app: &str) -> bool {
    !app.is_empty()
        && app.len() <= 48
        && app
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./@()".contains(&b))
        && Level::parse(app).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(line: &str) -> Option<Event> {
        Syslog.parse(line, &Context { year: 2026 })
    }

    #[test]
    fn rfc5424_with_structured_data_and_bom() {
        let e = parse(
            "<34>1 2026-11-20T14:03:11.003Z mymachine su 1234 ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"lication\"][x@1 a=\"]\\]\"] \u{FEFF}'su root' failed",
        )
        .unwrap();
        assert_eq!(e.level, Some(Level::Fatal));
        assert_eq!(e.host.as_deref(), Some("mymachine"));
        assert_eq!(e.service.as_deref(), Some("su"));
        assert_eq!(e.message, "'su root' failed");
        assert_eq!(e.fields["facility"], "auth");
        assert_eq!(e.fields["pid"], "1234");
        assert_eq!(e.fields["msgid"], "ID47");
        assert_eq!(
            e.fields["exampleSDID@32473"]["eventSource"],
            "App\"lication"
        );
        assert_eq!(e.fields["x@1"], json!({"a": "]]"}));
    }

    #[test]
    fn rfc5424_nil_values() {
        let e = parse("<165>1 - - - - - - hello").unwrap();
        assert_eq!((e.ts, e.host, e.service), (None, None, None));
        assert_eq!(e.message, "hello");
        assert_eq!(e.level, Some(Level::Info));
        assert_eq!(e.fields["facility"], "local4");
    }

    #[test]
    fn rfc3164_with_and_without_pri() {
        let e = parse("<11>Nov  5 10:23:45 web-1 nginx[99]: upstream timed out").unwrap();
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(e.service.as_deref(), Some("nginx"));
        assert_eq!(e.fields["pid"], "99");
        assert_eq!(e.message, "upstream timed out");
        let e = parse("Nov 20 14:03:11 web-1 kernel: [ 1.2] oops").unwrap();
        assert_eq!(e.level, None);
        assert_eq!(e.service.as_deref(), Some("kernel"));
        let e = parse("2026-11-20T14:03:11.123456+01:00 web-1 app[7]: ERROR db down").unwrap();
        assert_eq!(e.level, Some(Level::Error));
        assert_eq!(
            e.ts.unwrap().to_rfc3339(),
            "2026-11-20T13:03:11.123456+00:00"
        );
    }

    #[test]
    fn not_syslog() {
        for line in [
            "<999>1 x",
            "<34",
            "plain words",
            "2026-11-20 14:03:11,1 ERROR [main] x",
            "",
        ] {
            assert!(parse(line).is_none(), "{line:?}");
        }
    }
}
