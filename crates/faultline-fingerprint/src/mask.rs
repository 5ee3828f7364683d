//! Message parameterisation: replacing the variable parts of a log message
//! with typed placeholders, so that messages from one log statement read the
//! same whatever ids, hosts, sizes or times they carried.
//!
//! ```
//! use faultline_fingerprint::mask::mask;
//!
//! assert_eq!(
//!     mask("Connection to 10.0.0.7:5432 timed out after 3000 ms"),
//!     "Connection to <ip> timed out after <dur>",
//! );
//! assert_eq!(mask("user_12345 read /var/lib/app/users.db"), "<id> read <path>");
//! ```
//!
//! The placeholders:
//!
//! | placeholder | what it replaces |
//! |---|---|
//! | `<num>` | integers, decimals, negative numbers, exponents, versions (`1.2.3`), numbers with a short unit (`42%`, `10MB`, `3rd`) |
//! | `<dur>` | durations: `3000 ms`, `1.5s`, `250µs`, `2m30s`, `5 seconds` |
//! | `<ts>` | dates and times: `2024-01-02`, `2024-01-02T10:00:00.123Z`, `10:00:00,123`, `02/Jan/2024:10:00:00`; a date and time that follow each other become one `<ts>` |
//! | `<ip>` | IPv4 and IPv6 addresses, with an optional `:port` or `/prefix` |
//! | `<uuid>` | UUIDs |
//! | `<hex>` | `0x` numbers and addresses, hex ids and hashes (8 or more hex digits with at least one digit and one letter), MAC addresses |
//! | `<email>` | e-mail addresses |
//! | `<url>` | URLs with a scheme (`https://…`), query string included |
//! | `<path>` | Unix paths starting with `/`, `./`, `../` or `~/`, Windows paths (`C:\…`, `\\server\share`); the whole path, basename included: one log statement names many files |
//! | `<str>` | quoted strings: `'…'`, `"…"`, `` `…` `` (a quoted string followed by `:`, a JSON or dict key, is kept) |
//! | `<id>` | identifiers made of letters and digits: `user_12345`, `u-8812`, `blk_-1608`, `pod-7d9f8c6b5`; a word split at `:` or `@` is masked part by part (`db.local:<num>`, `Foo@<hex>`) |
//! | `<val>` | any other value right after `key=` |
//!
//! Words without digits are left alone, as is all punctuation and the space
//! between words. The scanner makes one pass over the bytes without regular
//! expressions; it is Unicode-safe and never panics.

/// Replaces the variables in `message` with typed placeholders (see the
/// module documentation for the list); leaves words and punctuation alone.
pub fn mask(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    mask_into(message, &mut out);
    out
}

/// Like [`mask`], appending to `out` (reuse one buffer to avoid allocating).
pub fn mask_into(message: &str, out: &mut String) {
    Scanner {
        src: message,
        b: message.as_bytes(),
        i: 0,
        lit: 0,
        out,
    }
    .run();
}

/// The kinds of variable, one per placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Num,
    Dur,
    Ts,
    Ip,
    Uuid,
    Hex,
    Email,
    Url,
    Path,
    Id,
}

impl Kind {
    fn placeholder(self) -> &'static str {
        match self {
            Kind::Num => "<num>",
            Kind::Dur => "<dur>",
            Kind::Ts => "<ts>",
            Kind::Ip => "<ip>",
            Kind::Uuid => "<uuid>",
            Kind::Hex => "<hex>",
            Kind::Email => "<email>",
            Kind::Url => "<url>",
            Kind::Path => "<path>",
            Kind::Id => "<id>",
        }
    }
}

/// Bytes that end a word on their own. `: / . - _ @ + % \` stay inside
/// words because addresses, times, paths and ids are made of them.
const DELIMS: &[u8] = b" \t\n\r,;()[]{}<>\"'`=|!?#*&$";

static IS_DELIM: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < DELIMS.len() {
        table[DELIMS[i] as usize] = true;
        i += 1;
    }
    table
};

fn is_delim(c: u8) -> bool {
    IS_DELIM[c as usize]
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// One pass over the message. Literal text is not copied byte by byte: it
/// stays pending from `lit` and is flushed in one piece before each
/// placeholder and at the end.
struct Scanner<'a, 'o> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    lit: usize,
    out: &'o mut String,
}

impl Scanner<'_, '_> {
    fn run(&mut self) {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if matches!(c, b'"' | b'\'' | b'`') && self.quoted(c) {
                continue;
            }
            if is_delim(c) || (c == b':' && self.b.get(self.i + 1) != Some(&b':')) {
                self.i += 1;
                continue;
            }
            self.word();
        }
        self.out.push_str(&self.src[self.lit..]);
    }

    /// Replaces `start..end` with `text`.
    fn put(&mut self, start: usize, end: usize, text: &str) {
        self.out.push_str(&self.src[self.lit..start]);
        self.out.push_str(text);
        self.lit = end;
    }

    /// Replaces `start..end` with `kind`'s placeholder; a time right after a
    /// date (`<ts> <ts>`) joins it.
    fn emit(&mut self, kind: Kind, start: usize, end: usize) {
        if kind == Kind::Ts && &self.src[self.lit..start] == " " && self.out.ends_with("<ts>") {
            self.lit = end;
            return;
        }
        self.put(start, end, kind.placeholder());
    }

    /// Masks a quoted string starting at `self.i`; false when the quote is
    /// not one (an apostrophe inside a word, or no closing quote).
    fn quoted(&mut self, q: u8) -> bool {
        let start = self.i;
        if q == b'\'' && start > 0 && is_word_byte(self.b[start - 1]) {
            return false;
        }
        let Some(end) = self.closing_quote(q, start + 1) else {
            return false;
        };
        let after = end + 1;
        if self.b.get(after) != Some(&b':') {
            self.put(start, after, "<str>");
        }
        self.i = after;
        true
    }

    fn closing_quote(&self, q: u8, from: usize) -> Option<usize> {
        let mut j = from;
        while j < self.b.len() {
            let c = self.b[j];
            if c == b'\\' {
                j += 2;
                continue;
            }
            if c == q && !(q == b'\'' && self.b.get(j + 1).is_some_and(|&n| is_word_byte(n))) {
                return Some(j);
            }
            j += 1;
        }
        None
    }

    fn word(&mut self) {
        let start = self.i;
        let after_eq = start > 1 && self.b[start - 1] == b'=' && is_word_byte(self.b[start - 2]);
        let mut interesting = after_eq || matches!(self.b[start], b'/' | b'~' | b'\\' | b'.');
        let mut scheme = false;
        while self.i < self.b.len() && !is_delim(self.b[self.i]) {
            let c = self.b[self.i];
            interesting |= c.is_ascii_digit() || c == b'@';
            scheme |= c == b':' && self.b[self.i + 1..].starts_with(b"//");
            self.i += 1;
        }
        if scheme && let Some(end) = url_end(self.b, start) {
            self.i = end;
            self.emit(Kind::Url, start, end);
            return;
        }
        let end = self.i;
        if interesting || (end - start > 2 && self.b[start + 1] == b':') {
            self.classify(start, end, after_eq);
        }
    }

    fn classify(&mut self, start: usize, end: usize, after_eq: bool) {
        let word = &self.src[start..end];
        let core_end = start + word.trim_end_matches(['.', ':']).len();
        if core_end == start {
            return;
        }
        if core_end < end {
            match classify_word(&self.src[start..core_end]) {
                Some(kind) => self.emit(kind, start, core_end),
                None => self.compound(start, core_end, after_eq),
            }
            return;
        }
        match classify_word(word) {
            Some(Kind::Num) if self.unit_follows() => self.emit(Kind::Dur, start, self.i),
            Some(Kind::Ts) => {
                self.skip_fraction();
                self.emit(Kind::Ts, start, self.i);
            }
            Some(kind) => self.emit(kind, start, end),
            None => self.compound(start, end, after_eq),
        }
    }

    /// A word that is not a variable as a whole: split it at its last `:`
    /// or `@` (`host:8080`, `Foo@1a2b3c4d`), or mask it as a `key=` value.
    fn compound(&mut self, start: usize, end: usize, after_eq: bool) {
        let word = &self.src[start..end];
        if let Some(at) = word.rfind([':', '@'])
            && at + 1 < word.len()
        {
            self.compound_part(start, start + at);
            self.compound_part(start + at + 1, end);
        } else if after_eq {
            self.put(start, end, "<val>");
        }
    }

    fn compound_part(&mut self, start: usize, end: usize) {
        let part = &self.src[start..end];
        match classify_word(part) {
            Some(kind) => self.emit(kind, start, end),
            None if part.contains([':', '@']) => self.compound(start, end, false),
            None => {}
        }
    }

    /// `3000 ms`: a duration unit as the next word turns a number into `<dur>`.
    fn unit_follows(&mut self) -> bool {
        let b = self.b;
        if b.get(self.i) != Some(&b' ') {
            return false;
        }
        let start = self.i + 1;
        let mut end = start;
        while end < b.len() && is_word_byte(b[end]) {
            end += 1;
        }
        if end == start || !is_duration_unit(&self.src[start..end]) {
            return false;
        }
        self.i = end;
        true
    }

    /// `10:00:00,123`: the comma-separated fraction of a time.
    fn skip_fraction(&mut self) {
        let b = self.b;
        if b.get(self.i) != Some(&b',') {
            return;
        }
        let digits = count_digits(&b[self.i + 1..]);
        if (1..=9).contains(&digits)
            && !b.get(self.i + 1 + digits).is_some_and(|&c| is_word_byte(c))
        {
            self.i += 1 + digits;
        }
    }
}

fn count_digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// The end of a URL starting at `start` (`scheme://…` up to whitespace or a quote).
fn url_end(b: &[u8], start: usize) -> Option<usize> {
    let rest = &b[start..];
    if !rest.first()?.is_ascii_alphabetic() {
        return None;
    }
    let scheme = rest
        .iter()
        .take(16)
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
        .count();
    if !rest[scheme..].starts_with(b"://") || rest.len() == scheme + 3 {
        return None;
    }
    let len = rest
        .iter()
        .take_while(|&&c| {
            !matches!(
                c,
                b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b'<' | b'>' | b'`'
            )
        })
        .count();
    let mut end = start + len;
    while end > start && matches!(b[end - 1], b'.' | b',' | b')' | b';') {
        end -= 1;
    }
    Some(end)
}

/// What variable `w` is as a whole, if any.
fn classify_word(w: &str) -> Option<Kind> {
    let b = w.as_bytes();
    let first = *b.first()?;
    if first == b'/' || first == b'~' || first == b'\\' || (first == b'.' && b.len() > 1) {
        return is_path(b).then_some(Kind::Path);
    }
    if b.len() > 2 && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/') && first.is_ascii_alphabetic()
    {
        return Some(Kind::Path);
    }
    if !b.iter().any(u8::is_ascii_digit) {
        return if is_email(b) { Some(Kind::Email) } else { None };
    }
    classify_digits(b)
}

/// Classifies a word that contains at least one digit.
fn classify_digits(b: &[u8]) -> Option<Kind> {
    let kind = if is_uuid(b) {
        Kind::Uuid
    } else if is_ipv4(b) || is_ipv6(b) {
        Kind::Ip
    } else if is_time_or_date(b) {
        Kind::Ts
    } else if let Some(kind) = number(b) {
        kind
    } else if is_hex(b) {
        Kind::Hex
    } else if is_email(b) {
        Kind::Email
    } else if !b.iter().any(|&c| c == b':' || c == b'@') && is_identifier(b) {
        Kind::Id
    } else {
        return None;
    };
    Some(kind)
}

fn is_path(b: &[u8]) -> bool {
    match b {
        [b'/', c, ..] => *c != b'/' || b.len() > 2,
        [b'~', b'/', ..] | [b'\\', b'\\', _, ..] | [b'.', b'/', _, ..] => true,
        [b'.', b'.', b'/', _, ..] => true,
        _ => false,
    }
}

fn is_email(b: &[u8]) -> bool {
    let Some(at) = b.iter().position(|&c| c == b'@') else {
        return false;
    };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    let local_ok = !local.is_empty()
        && local
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-'));
    let Some(dot) = domain.iter().rposition(|&c| c == b'.') else {
        return false;
    };
    let tld = &domain[dot + 1..];
    local_ok
        && dot > 0
        && tld.len() >= 2
        && tld.iter().all(u8::is_ascii_alphabetic)
        && domain
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
}

fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `10.0.0.7`, with an optional `:port` or `/prefix`.
fn is_ipv4(b: &[u8]) -> bool {
    let mut i = 0;
    for part in 0..4 {
        let n = count_digits(&b[i..]);
        if !(1..=3).contains(&n) {
            return false;
        }
        i += n;
        if part < 3 {
            if b.get(i) != Some(&b'.') {
                return false;
            }
            i += 1;
        }
    }
    match b.get(i) {
        None => true,
        Some(b':' | b'/') => i + 1 < b.len() && b[i + 1..].iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// `fe80::1`, `2001:db8:0:0:0:0:0:1`, `[::1]:8080`, `fe80::1%eth0`.
fn is_ipv6(b: &[u8]) -> bool {
    let mut b = b;
    if let Some(rest) = b.strip_prefix(b"[") {
        let Some(close) = rest.iter().position(|&c| c == b']') else {
            return false;
        };
        let tail = &rest[close + 1..];
        if !(tail.is_empty()
            || (tail.len() > 1 && tail[0] == b':' && tail[1..].iter().all(u8::is_ascii_digit)))
        {
            return false;
        }
        b = &rest[..close];
    }
    if let Some(pct) = b.iter().position(|&c| c == b'%') {
        b = &b[..pct];
    }
    let colons = b.iter().filter(|&&c| c == b':').count();
    let double = b.windows(2).any(|w| w == b"::");
    (colons == 7 || (double && colons >= 2))
        && b.iter()
            .all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
}

/// `HH:MM[:SS][.frac][zone]`, `YYYY-MM-DD`, `DD/MM/YYYY`, `02/Jan/2024`,
/// each optionally followed by `T`, `_` or `:` and a time.
fn is_time_or_date(b: &[u8]) -> bool {
    if let Some(rest) = date_prefix(b) {
        return rest.is_empty()
            || (matches!(rest[0], b'T' | b'_' | b':' | b'-') && is_time(&rest[1..]));
    }
    is_time(b)
}

fn date_prefix(b: &[u8]) -> Option<&[u8]> {
    let n1 = count_digits(b);
    let sep = *b.get(n1)?;
    if !matches!(sep, b'-' | b'/' | b'.') {
        return None;
    }
    let rest = &b[n1 + 1..];
    let (mid_len, mid_ok) = match count_digits(rest) {
        0 => {
            let letters = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
            (letters, letters == 3)
        }
        n => (n, n <= 2),
    };
    if !mid_ok || rest.get(mid_len) != Some(&sep) {
        return None;
    }
    let rest = &rest[mid_len + 1..];
    let n3 = count_digits(rest);
    let shape_ok =
        (n1 == 4 && (1..=2).contains(&n3)) || ((1..=2).contains(&n1) && (n3 == 4 || n3 == 2));
    shape_ok.then_some(&rest[n3..])
}

fn is_time(b: &[u8]) -> bool {
    let h = count_digits(b);
    if !(1..=2).contains(&h) || b.get(h) != Some(&b':') || count_digits(&b[h + 1..]) != 2 {
        return false;
    }
    let mut i = h + 3;
    if b.get(i) == Some(&b':') && count_digits(&b[i + 1..]) == 2 {
        i += 3;
    }
    if matches!(b.get(i), Some(b'.' | b',')) {
        let n = count_digits(&b[i + 1..]);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    is_zone(&b[i..])
}

fn is_zone(b: &[u8]) -> bool {
    match b {
        [] | [b'Z'] => true,
        [b'+' | b'-', rest @ ..] => {
            let digits = rest.iter().filter(|c| c.is_ascii_digit()).count();
            (digits == 2 || digits == 4) && rest.iter().all(|&c| c.is_ascii_digit() || c == b':')
        }
        _ => false,
    }
}

/// Numbers, numbers with a unit, versions and durations.
fn number(b: &[u8]) -> Option<Kind> {
    let signed = matches!(b[0], b'-' | b'+');
    let body = &b[usize::from(signed)..];
    let mut i = count_digits(body);
    if i == 0 {
        return None;
    }
    while body.get(i) == Some(&b'.') && count_digits(&body[i + 1..]) > 0 {
        i += 1 + count_digits(&body[i + 1..]);
    }
    if matches!(body.get(i), Some(b'e' | b'E')) && count_digits(&body[i + 1..]) > 0 {
        i += 1 + count_digits(&body[i + 1..]);
    }
    let unit = &body[i..];
    if unit.is_empty() || unit == b"%" {
        return Some(Kind::Num);
    }
    if is_compound_duration(body) {
        return Some(Kind::Dur);
    }
    let letters = unit.iter().all(|c| c.is_ascii_alphabetic());
    (letters && unit.len() <= 5).then_some(Kind::Num)
}

/// `1.5s`, `250µs`, `2m30s`, `1h2m3.5s`.
fn is_compound_duration(b: &[u8]) -> bool {
    let mut rest = b;
    while !rest.is_empty() {
        let mut n = count_digits(rest);
        if n == 0 {
            return false;
        }
        if rest.get(n) == Some(&b'.') {
            n += 1 + count_digits(&rest[n + 1..]);
        }
        rest = &rest[n..];
        let unit = rest.iter().take_while(|c| !c.is_ascii_digit()).count();
        let Ok(unit_str) = std::str::from_utf8(&rest[..unit]) else {
            return false;
        };
        if !is_duration_unit(unit_str) {
            return false;
        }
        rest = &rest[unit..];
    }
    true
}

fn is_duration_unit(w: &str) -> bool {
    matches!(
        w,
        "ns" | "us"
            | "µs"
            | "μs"
            | "ms"
            | "s"
            | "sec"
            | "secs"
            | "second"
            | "seconds"
            | "m"
            | "min"
            | "mins"
            | "minute"
            | "minutes"
            | "h"
            | "hr"
            | "hrs"
            | "hour"
            | "hours"
            | "d"
            | "day"
            | "days"
            | "millis"
            | "milliseconds"
            | "micros"
            | "microseconds"
            | "nanos"
            | "nanoseconds"
    )
}

/// `0x7f3a`, 8+ hex digits with a digit and a letter, MAC addresses.
fn is_hex(b: &[u8]) -> bool {
    if let Some(rest) = b.strip_prefix(b"0x").or_else(|| b.strip_prefix(b"0X")) {
        return !rest.is_empty() && rest.iter().all(u8::is_ascii_hexdigit);
    }
    if b.len() == 17
        && b.chunks(3).all(|c| {
            c[0].is_ascii_hexdigit()
                && c[1].is_ascii_hexdigit()
                && c.get(2).is_none_or(|&s| s == b':' || s == b'-')
        })
    {
        return true;
    }
    b.len() >= 8 && b.iter().all(u8::is_ascii_hexdigit) && b.iter().any(u8::is_ascii_alphabetic)
}

/// A word with digits that reads as an id rather than a name: four or more
/// digits, more digits than letters, a leading digit, or a run of 2+ digits
/// beside a separator (`user_12345`, `u-8812`, `pod-7d9f8`, `blk_-1608`);
/// `sha256`, `G1`, `utf-8` and `HTTP/1.1` stay words.
fn is_identifier(b: &[u8]) -> bool {
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    if digits >= 4 || digits > letters || b[0].is_ascii_digit() {
        return true;
    }
    let is_sep = |c: u8| matches!(c, b'_' | b'-' | b'.' | b':' | b'/' | b'+');
    let mut i = 0;
    while i < b.len() {
        let n = count_digits(&b[i..]);
        if n >= 2 {
            let before = i > 0 && is_sep(b[i - 1]);
            let after = b.get(i + n).is_some_and(|&c| is_sep(c));
            if before || after {
                return true;
            }
        }
        i += n.max(1);
    }
    false
}
