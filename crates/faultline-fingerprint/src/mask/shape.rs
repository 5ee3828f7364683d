//! The shapes of variables: whether a word is a number, a time, an
//! address, an id… Each check reads bytes and allocates nothing.

use super::Kind;

pub(super) fn count_digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// The end of a URL starting at `start` (`scheme://…` up to whitespace or a quote).
pub(super) fn url_end(b: &[u8], start: usize) -> Option<usize> {
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
pub(super) fn classify_word(w: &str) -> Option<Kind> {
    let b = w.as_bytes();
    let first = *b.first()?;
    if first == b'/' && is_ipv4(&b[1..]) {
        return Some(Kind::Ip);
    }
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

pub(super) fn is_duration_unit(w: &str) -> bool {
    const UNITS: &[&str] = &[
        "ns",
        "us",
        "µs",
        "μs",
        "ms",
        "s",
        "sec",
        "secs",
        "second",
        "seconds",
        "m",
        "min",
        "mins",
        "minute",
        "minutes",
        "h",
        "hr",
        "hrs",
        "hour",
        "hours",
        "d",
        "day",
        "days",
        "millis",
        "milliseconds",
        "micros",
        "microseconds",
        "nanos",
        "nanoseconds",
    ];
    UNITS.contains(&w)
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
