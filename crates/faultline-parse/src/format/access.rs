//! A hand-written reader for the access-log layouts nearly every web server
//! writes (NCSA common and combined, plus nginx's usual extra columns), in
//! front of the declarative `nginx_access` and `apache_access` formats.
//!
//! Pulling a dozen captures out of every line is where a regex engine spends
//! its time; a single pass over the bytes does the same work several times
//! faster. Any line the scanner is not sure of goes to the declarative
//! format's regex, so both always agree (a property test checks it).

use super::{Context, LineFormat, RegexFormat, level_of_status, timestamp};
use faultline_event::{Event, Flag};
use serde_json::Value;
use std::sync::Arc;

/// Which columns may follow the combined layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// nginx: `"$http_x_forwarded_for"` and `$request_time` / `rt=0.123`.
    Nginx,
    /// Apache: `%D`, request time in microseconds.
    Apache,
}

/// A declarative access-log format with a scanner in front of it.
#[derive(Debug)]
pub struct AccessLog {
    spec: RegexFormat,
    tail: Tail,
}

impl AccessLog {
    /// The declarative format, with the scanner in front when it is one of
    /// the two layouts the scanner knows.
    pub fn wrap(spec: RegexFormat) -> Arc<dyn LineFormat> {
        let tail = match spec.name() {
            "nginx_access" => Tail::Nginx,
            "apache_access" => Tail::Apache,
            _ => return Arc::new(spec),
        };
        Arc::new(AccessLog { spec, tail })
    }
}

impl LineFormat for AccessLog {
    fn name(&self) -> &str {
        self.spec.name()
    }

    fn sniff(&self, line: &str) -> bool {
        self.spec.sniff(line)
    }

    fn parse(&self, line: &str, ctx: &Context) -> Option<Event> {
        match scan(line.trim_end_matches(['\r', '\n']), self.tail) {
            Some(columns) => Some(columns.into_event(ctx)),
            None => self.spec.parse(line, ctx),
        }
    }
}

/// The columns of one line, borrowed from it.
#[derive(Debug, Default)]
struct Columns<'a> {
    remote_addr: &'a str,
    remote_user: &'a str,
    ts: &'a str,
    request: &'a str,
    method: Option<&'a str>,
    path: Option<&'a str>,
    protocol: Option<&'a str>,
    status: &'a str,
    bytes: &'a str,
    referer: Option<&'a str>,
    user_agent: Option<&'a str>,
    forwarded_for: Option<&'a str>,
    request_time: Option<&'a str>,
    request_time_us: Option<&'a str>,
}

/// A cursor over the line's bytes.
struct Cursor<'a> {
    line: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.line.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn eat_str(&mut self, text: &str) -> bool {
        let found = self.line[self.at..].starts_with(text);
        if found {
            self.at += text.len();
        }
        found
    }

    /// Bytes up to the next space or tab; at least one.
    fn token(&mut self) -> Option<&'a str> {
        let rest = &self.line.as_bytes()[self.at..];
        let len = rest
            .iter()
            .position(|&b| b == b' ' || b == b'\t')
            .unwrap_or(rest.len());
        self.take(len)
    }

    fn take(&mut self, len: usize) -> Option<&'a str> {
        if len == 0 {
            return None;
        }
        let text = self.line.get(self.at..self.at + len)?;
        self.at += len;
        Some(text)
    }

    /// A `"…"` string with backslash escapes, without its quotes.
    fn quoted(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let bytes = self.line.as_bytes();
        let start = self.at;
        let mut i = start;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    self.at = i + 1;
                    return self.line.get(start..i);
                }
                _ => i += 1,
            }
        }
        None
    }

    fn digits(&mut self) -> &'a str {
        let rest = &self.line.as_bytes()[self.at..];
        let len = rest
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(rest.len());
        let text = &self.line[self.at..self.at + len];
        self.at += len;
        text
    }
}

/// Reads a line of the combined layout; `None` sends it to the regex.
fn scan(line: &str, tail: Tail) -> Option<Columns<'_>> {
    let mut c = Cursor { line, at: 0 };
    let mut cols = Columns {
        remote_addr: c.token()?,
        ..Columns::default()
    };
    c.eat(b' ')?;
    c.token()?;
    c.eat(b' ')?;
    cols.remote_user = c.token()?;
    c.eat(b' ')?;
    c.eat(b'[')?;
    let close = line[c.at..].find(']')?;
    cols.ts = c.take(close)?;
    c.eat(b']')?;
    c.eat(b' ')?;
    cols.request = c.quoted()?;
    split_request(&mut cols)?;
    c.eat(b' ')?;
    cols.status = c.digits();
    if cols.status.len() != 3 {
        return None;
    }
    c.eat(b' ')?;
    cols.bytes = if c.eat(b'-').is_some() {
        "-"
    } else {
        non_empty(c.digits())?
    };
    if c.peek().is_none() {
        return Some(cols);
    }
    if c.eat_str(" \"") {
        c.at -= 1;
        cols.referer = Some(c.quoted()?);
        c.eat(b' ')?;
        cols.user_agent = Some(c.quoted()?);
    }
    match tail {
        Tail::Nginx => {
            if c.eat_str(" \"") {
                c.at -= 1;
                cols.forwarded_for = Some(c.quoted()?);
            }
            if c.eat(b' ').is_some() {
                if !c.eat_str("rt=") {
                    c.eat_str("request_time=");
                }
                cols.request_time = Some(seconds(&mut c)?);
            }
        }
        Tail::Apache => {
            if c.eat(b' ').is_some() {
                cols.request_time_us = Some(non_empty(c.digits())?);
            }
        }
    }
    // Anything after the known columns is ignored, as the regex does; but a
    // line that goes on in an unexpected shape is the regex's to judge.
    c.peek().is_none().then_some(cols)
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// `123.456`: digits, a dot, digits.
fn seconds<'a>(c: &mut Cursor<'a>) -> Option<&'a str> {
    let start = c.at;
    non_empty(c.digits())?;
    c.eat(b'.')?;
    non_empty(c.digits())?;
    c.line.get(start..c.at)
}

/// `GET /path HTTP/1.1` into method, path and protocol; a request of another
/// shape keeps only the whole text. `None` for shapes left to the regex.
fn split_request(cols: &mut Columns<'_>) -> Option<()> {
    let request = cols.request;
    let Some((method, rest)) = request.split_once(' ') else {
        return Some(());
    };
    if method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_uppercase())
        || request.contains('\\')
    {
        return if request.contains('\\') {
            None
        } else {
            Some(())
        };
    }
    match rest.split_once(' ') {
        Some((path, protocol)) => {
            cols.path = Some(path);
            cols.protocol = Some(protocol);
        }
        None => cols.path = Some(rest),
    }
    cols.method = Some(method);
    Some(())
}

impl Columns<'_> {
    fn into_event(self, ctx: &Context) -> Event {
        let mut event = Event::new(self.request.trim_end());
        match timestamp::parse(self.ts, ctx) {
            Some(ts) => event.ts = Some(ts),
            None => {
                event.flag(Flag::BadTimestamp);
                event.fields.insert("ts".into(), self.ts.into());
            }
        }
        let strings = [
            ("remote_addr", Some(self.remote_addr)),
            ("remote_user", Some(self.remote_user)),
            ("method", self.method),
            ("path", self.path),
            ("protocol", self.protocol),
            ("referer", self.referer),
            ("user_agent", self.user_agent),
            ("forwarded_for", self.forwarded_for),
        ];
        for (name, value) in strings {
            if let Some(value) = value.filter(|v| *v != "-") {
                event.fields.insert(name.into(), value.into());
            }
        }
        let status: u16 = self.status.parse().unwrap_or(0);
        event.fields.insert("status".into(), status.into());
        if self.bytes != "-" {
            event.fields.insert("bytes".into(), integer(self.bytes));
        }
        if let Some(time) = self.request_time {
            let value = time
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64);
            event.fields.insert(
                "request_time".into(),
                value.map_or_else(|| time.into(), Value::Number),
            );
        }
        if let Some(us) = self.request_time_us {
            event.fields.insert("request_time_us".into(), integer(us));
        }
        event.level = Some(level_of_status(status));
        event
    }
}

fn integer(text: &str) -> Value {
    text.parse::<i64>()
        .map_or_else(|_| text.into(), Value::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::BUILTIN_PARSERS;
    use proptest::prelude::*;

    fn formats(name: &str) -> (Arc<dyn LineFormat>, RegexFormat) {
        let text = BUILTIN_PARSERS
            .iter()
            .find(|(file, _)| *file == format!("{name}.toml"))
            .unwrap()
            .1;
        let fast = AccessLog::wrap(RegexFormat::from_toml(text, name).unwrap());
        (fast, RegexFormat::from_toml(text, name).unwrap())
    }

    fn agree(name: &str, line: &str) -> Result<(), TestCaseError> {
        let (fast, slow) = formats(name);
        let ctx = Context { year: 2026 };
        prop_assert_eq!(fast.parse(line, &ctx), slow.parse(line, &ctx), "{}", line);
        Ok(())
    }

    #[test]
    fn the_usual_lines_take_the_fast_path() {
        let line = r#"10.0.3.18 - alice [20/Nov/2026:14:03:11 +0000] "POST /api/v1/charge?x=1 HTTP/1.1" 502 97 "-" "okhttp/4.12.0" "203.0.113.9" 3.004"#;
        let cols = scan(line, Tail::Nginx).unwrap();
        assert_eq!(cols.path, Some("/api/v1/charge?x=1"));
        assert_eq!(cols.forwarded_for, Some("203.0.113.9"));
        assert_eq!(cols.request_time, Some("3.004"));
        agree("nginx_access", line).unwrap();
        let apache =
            r#"::1 - - [20/Nov/2026:14:03:11 +0000] "GET / HTTP/1.1" 200 - "-" "curl/8.5.0" 1250"#;
        assert_eq!(
            scan(apache, Tail::Apache).unwrap().request_time_us,
            Some("1250")
        );
        agree("apache_access", apache).unwrap();
    }

    fn quoted() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("-".to_string()),
            "[ -!#-~]{0,12}",
            Just(r#"a \"b\" c"#.to_string())
        ]
    }

    proptest! {
        #[test]
        fn fast_path_and_regex_agree(
            addr in "[0-9.:a-f]{1,15}",
            user in prop_oneof![Just("-".to_string()), "[a-z]{1,6}"],
            method in prop_oneof![Just("GET"), Just("POST"), Just("get"), Just("")],
            path in "[ -!#-~]{0,12}",
            status in "[0-9]{2,4}",
            bytes in prop_oneof![Just("-".to_string()), "[0-9]{0,5}"],
            referer in quoted(),
            agent in quoted(),
            extra in prop_oneof![Just(String::new()), Just(" 0.25".to_string()), Just(" rt=1.5".to_string()), Just(" 1234".to_string()), Just(" \"1.2.3.4\" 0.001".to_string()), Just(" x".to_string())],
            full in any::<bool>(),
        ) {
            let request = format!("{method} {path} HTTP/1.1");
            let mut line = format!("{addr} - {user} [20/Nov/2026:14:03:11 +0000] \"{request}\" {status} {bytes}");
            if full {
                line.push_str(&format!(" \"{referer}\" \"{agent}\""));
            }
            line.push_str(&extra);
            agree("nginx_access", &line)?;
            agree("apache_access", &line)?;
        }
    }
}
