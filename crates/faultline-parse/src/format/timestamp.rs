//! Reading the timestamps logs print into UTC instants.
//!
//! The shapes real logs use are read by hand, byte by byte, because chrono's
//! format parser is slow on the hot path: RFC 3339 / ISO 8601 (with `T` or a
//! space, a `.` or `,` fraction of 1–9 digits, `Z`, `±HH:MM`, `±HHMM` or no
//! zone, which means UTC), Go `log`'s `2009/11/10 23:00:00.000000`, syslog's
//! `Nov  5 10:23:45` (the year comes from [`Context::year`]), Apache's
//! `10/Oct/2000:13:55:36 -0700`, Tomcat's `20-Nov-2026 14:03:11.482` and
//! java.util.logging's `Nov 26, 2026 10:00:00 AM`. Epoch numbers are read by
//! magnitude (seconds, millis, micros or nanos). [`Strftime`] is the entry
//! point for declarative formats that name their own pattern.
//!
//! Everything here is pure and returns `None` on text it cannot read; callers
//! decide whether that deserves a `bad_timestamp` flag.

use super::Context;
use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Reads a whole string as a timestamp in any known shape, epoch numbers
/// included. Surrounding whitespace and square brackets are ignored.
pub fn parse(text: &str, ctx: &Context) -> Option<DateTime<Utc>> {
    // Text that opens with a digit and closes with a letter or digit has
    // nothing to trim: most timestamps, and the trims cost more than the read.
    let b = text.as_bytes();
    let bare = b.first().is_some_and(u8::is_ascii_digit)
        && b.last().is_some_and(u8::is_ascii_alphanumeric);
    let text = if bare {
        text
    } else {
        text.trim().trim_start_matches('[').trim_end_matches(']')
    };
    if let Some((ts, used)) = parse_prefix(text, ctx)
        && used == text.len()
    {
        return Some(ts);
    }
    from_epoch_str(text)
}

/// Reads a timestamp at the start of `text` and returns it with the number of
/// bytes it took. Epoch numbers are not read here: a leading number is too
/// often something else.
pub fn parse_prefix(text: &str, ctx: &Context) -> Option<(DateTime<Utc>, usize)> {
    let b = text.as_bytes();
    let first = *b.first()?;
    if first.is_ascii_digit() {
        return iso_fixed(b)
            .or_else(|| iso_like(b))
            .or_else(|| apache(b))
            .or_else(|| catalina(b));
    }
    if first.is_ascii_uppercase() {
        return syslog(b, ctx.year).or_else(|| jul(text));
    }
    None
}

/// An epoch number by magnitude: seconds below 10^11, milliseconds below
/// 10^14, microseconds below 10^17, nanoseconds above. Fractions count for
/// seconds (`1700000000.123`).
pub fn from_epoch(value: f64) -> Option<DateTime<Utc>> {
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let nanos = if value < 1e11 {
        value * 1e9
    } else if value < 1e14 {
        value * 1e6
    } else if value < 1e17 {
        value * 1e3
    } else {
        value
    };
    if nanos >= i64::MAX as f64 {
        return None;
    }
    Some(Utc.timestamp_nanos(nanos as i64))
}

/// An epoch number written as text (`"1700000000"`, `"1700000000123"`,
/// `"1700000000.5"`), read exactly: the fraction's digits are not sent
/// through floating point.
pub fn from_epoch_str(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let (int, frac) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if int.len() > 19 || !digits(int) || !digits(frac) {
        return None;
    }
    let whole = from_epoch_int(int.parse().ok()?)?;
    if frac.bytes().all(|d| d == b'0') {
        return Some(whole);
    }
    if int.len() > 11 {
        return None; // fractions of milliseconds and finer are not a format
    }
    let nanos = frac.bytes().take(9).enumerate().fold(0i64, |acc, (i, d)| {
        acc + i64::from(d - b'0') * 10i64.pow(8 - i as u32)
    });
    whole.checked_add_signed(chrono::Duration::nanoseconds(nanos))
}

/// An integer epoch by magnitude, without going through floating point.
pub fn from_epoch_int(n: i64) -> Option<DateTime<Utc>> {
    let nanos = match n {
        ..0 => return None,
        0..100_000_000_000 => n.checked_mul(1_000_000_000)?,
        100_000_000_000..100_000_000_000_000 => n.checked_mul(1_000_000)?,
        100_000_000_000_000..100_000_000_000_000_000 => n.checked_mul(1_000)?,
        _ => n,
    };
    Some(Utc.timestamp_nanos(nanos))
}

/// A strftime pattern compiled once, for declarative formats. A pattern
/// without a year takes it from the [`Context`]; one without a zone is UTC.
#[derive(Debug, Clone)]
pub struct Strftime {
    items: Vec<Item<'static>>,
}

impl Strftime {
    /// Compiles `pattern`; the error says what chrono could not read.
    pub fn new(pattern: &str) -> Result<Strftime, String> {
        let items = StrftimeItems::new(pattern)
            .parse_to_owned()
            .map_err(|e| format!("bad timestamp_format {pattern:?}: {e}"))?;
        Ok(Strftime { items })
    }

    /// Reads `text` with the pattern.
    pub fn parse(&self, text: &str, ctx: &Context) -> Option<DateTime<Utc>> {
        let mut parsed = Parsed::new();
        chrono::format::parse(&mut parsed, text.trim(), self.items.iter()).ok()?;
        if parsed.year().is_none() && parsed.isoyear().is_none() {
            parsed.set_year(i64::from(ctx.year)).ok()?;
        }
        if parsed.offset().is_some() {
            return parsed.to_datetime().ok().map(|t| t.with_timezone(&Utc));
        }
        let naive = parsed.to_naive_datetime_with_offset(0).ok()?;
        Some(Utc.from_utc_datetime(&naive))
    }
}

/// A cursor over the bytes of a candidate timestamp.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }

    /// Exactly `n` ASCII digits.
    fn num(&mut self, n: usize) -> Option<u32> {
        let digits = self.b.get(self.i..self.i + n)?;
        let mut v = 0u32;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(d - b'0');
        }
        self.i += n;
        Some(v)
    }

    /// One or two digits (`5` or `05`, and syslog's space-padded ` 5`).
    fn num12(&mut self) -> Option<u32> {
        self.eat(b' ');
        let two = self.b.get(self.i + 1).is_some_and(u8::is_ascii_digit);
        self.num(if two { 2 } else { 1 })
    }

    /// `HH:MM[:SS][.frac|,frac]` as a time.
    fn time(&mut self) -> Option<NaiveTime> {
        let h = self.num12()?;
        let m = self.eat(b':').then(|| self.num(2))??;
        let s = if self.eat(b':') { self.num(2)? } else { 0 };
        let nanos = self.fraction();
        NaiveTime::from_hms_nano_opt(h, m, s.min(59), nanos)
    }

    /// An optional `.123` or `,123` fraction of up to 9 digits, as nanoseconds.
    fn fraction(&mut self) -> u32 {
        let Some(&sep) = self.b.get(self.i) else {
            return 0;
        };
        let next_digit = self.b.get(self.i + 1).is_some_and(u8::is_ascii_digit);
        if (sep != b'.' && sep != b',') || !next_digit {
            return 0;
        }
        self.i += 1;
        let (mut nanos, mut scale) = (0u32, 100_000_000u32);
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            nanos += u32::from(d - b'0') * scale;
            scale /= 10;
            self.i += 1;
        }
        nanos
    }

    /// An optional zone: `Z`, `±HH:MM`, `±HHMM`, `±HH`, ` UTC`, ` +0100`.
    /// Returns the offset in seconds east of UTC.
    fn zone(&mut self) -> Option<i32> {
        let start = self.i;
        if self.eat(b'Z') {
            return Some(0);
        }
        if self.b[self.i..].starts_with(b" UTC") || self.b[self.i..].starts_with(b" GMT") {
            self.i += 4;
            return Some(0);
        }
        self.eat(b' ');
        let sign = match self.peek() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => {
                self.i = start;
                return Some(0);
            }
        };
        self.i += 1;
        let Some(h) = self.num(2) else {
            self.i = start;
            return Some(0);
        };
        self.eat(b':');
        let m = self.num(2).unwrap_or(0);
        (h < 24 && m < 60).then_some(sign * (h as i32 * 3600 + m as i32 * 60))
    }
}

fn at(date: NaiveDate, time: NaiveTime, offset: i32) -> Option<DateTime<Utc>> {
    let local = NaiveDateTime::new(date, time);
    if offset == 0 {
        // Most logs print UTC: no arithmetic to do.
        return Some(Utc.from_utc_datetime(&local));
    }
    let utc = local.checked_sub_signed(chrono::Duration::seconds(i64::from(offset)))?;
    Some(Utc.from_utc_datetime(&utc))
}

/// `YYYY-MM-DD[T ]HH:MM[:SS][frac][zone]`, and Go's `YYYY/MM/DD HH:MM:SS[frac]`.
fn iso_like(b: &[u8]) -> Option<(DateTime<Utc>, usize)> {
    let mut c = Cur { b, i: 0 };
    let y = c.num(4)?;
    let sep = c.peek().filter(|&s| s == b'-' || s == b'/')?;
    c.i += 1;
    let mo = c.num(2)?;
    c.eat(sep).then_some(())?;
    let d = c.num(2)?;
    if !(c.eat(b'T') || c.eat(b' ') || c.eat(b't')) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(y as i32, mo, d)?;
    let time = c.time()?;
    let offset = c.zone()?;
    Some((at(date, time, offset)?, c.i))
}

/// Two ASCII digits at `b[i..i + 2]`.
fn two_digits(b: &[u8], i: usize) -> Option<u32> {
    let tens = b[i].wrapping_sub(b'0');
    let units = b[i + 1].wrapping_sub(b'0');
    (tens < 10 && units < 10).then(|| u32::from(tens) * 10 + u32::from(units))
}

/// The shape most logs print, `YYYY-MM-DD[T ]HH:MM:SS[frac][zone]`, read at
/// fixed positions: what [`iso_like`] reads of it, in a fraction of the
/// work. `None` for any other shape (property-tested to agree).
fn iso_fixed(b: &[u8]) -> Option<(DateTime<Utc>, usize)> {
    let head = b.get(..19)?;
    let shaped = head[4] == b'-'
        && head[7] == b'-'
        && matches!(head[10], b'T' | b' ' | b't')
        && head[13] == b':'
        && head[16] == b':';
    if !shaped {
        return None;
    }
    let year = two_digits(head, 0)? * 100 + two_digits(head, 2)?;
    let date = NaiveDate::from_ymd_opt(year as i32, two_digits(head, 5)?, two_digits(head, 8)?)?;
    let (h, m, s) = (
        two_digits(head, 11)?,
        two_digits(head, 14)?,
        two_digits(head, 17)?,
    );
    let mut c = Cur { b, i: 19 };
    let nanos = c.fraction();
    let time = NaiveTime::from_hms_nano_opt(h, m, s.min(59), nanos)?;
    let offset = c.zone()?;
    Some((at(date, time, offset)?, c.i))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

fn month(c: &mut Cur) -> Option<u32> {
    let name = c.b.get(c.i..c.i + 3)?;
    let m = MONTHS.iter().position(|m| m.as_slice() == name)?;
    c.i += 3;
    Some(m as u32 + 1)
}

/// Apache/nginx `10/Oct/2000:13:55:36 -0700`.
fn apache(b: &[u8]) -> Option<(DateTime<Utc>, usize)> {
    let mut c = Cur { b, i: 0 };
    let d = c.num(2)?;
    c.eat(b'/').then_some(())?;
    let mo = month(&mut c)?;
    c.eat(b'/').then_some(())?;
    let y = c.num(4)?;
    c.eat(b':').then_some(())?;
    let time = c.time()?;
    let offset = c.zone()?;
    let date = NaiveDate::from_ymd_opt(y as i32, mo, d)?;
    Some((at(date, time, offset)?, c.i))
}

/// Tomcat's OneLineFormatter `20-Nov-2026 14:03:11.482`.
fn catalina(b: &[u8]) -> Option<(DateTime<Utc>, usize)> {
    let mut c = Cur { b, i: 0 };
    let d = c.num(2)?;
    c.eat(b'-').then_some(())?;
    let mo = month(&mut c)?;
    c.eat(b'-').then_some(())?;
    let y = c.num(4)?;
    c.eat(b' ').then_some(())?;
    let time = c.time()?;
    let date = NaiveDate::from_ymd_opt(y as i32, mo, d)?;
    Some((at(date, time, 0)?, c.i))
}

/// Syslog RFC 3164 `Nov  5 10:23:45` (no year, no zone: UTC in `year`).
fn syslog(b: &[u8], year: i32) -> Option<(DateTime<Utc>, usize)> {
    let mut c = Cur { b, i: 0 };
    let mo = month(&mut c)?;
    c.eat(b' ').then_some(())?;
    let d = c.num12()?;
    c.eat(b' ').then_some(())?;
    let time = c.time()?;
    let date = NaiveDate::from_ymd_opt(year, mo, d)?;
    Some((at(date, time, 0)?, c.i))
}

/// java.util.logging `Nov 26, 2026 10:00:00 AM` (rare: chrono's parser is fine).
fn jul(text: &str) -> Option<(DateTime<Utc>, usize)> {
    let comma = text.get(..8)?.find(", ")?;
    let end = text.get(comma..)?.find('M')? + comma + 1;
    let candidate = text.get(..end)?;
    let naive = NaiveDateTime::parse_from_str(candidate, "%b %d, %Y %I:%M:%S %p").ok()?;
    Some((Utc.from_utc_datetime(&naive), end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context { year: 2026 }
    }

    fn iso(text: &str) -> Option<String> {
        parse(text, &ctx()).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }

    #[test]
    fn shapes_logs_print() {
        let cases = [
            ("2026-11-20T14:03:11Z", "2026-11-20T14:03:11Z"),
            ("2026-11-20T14:03:11.003Z", "2026-11-20T14:03:11.003Z"),
            ("2026-11-20 14:03:11,482", "2026-11-20T14:03:11.482Z"),
            ("2026-11-20T14:03:11.123456", "2026-11-20T14:03:11.123456Z"),
            (
                "2026-11-20T14:03:11.123456789+01:00",
                "2026-11-20T13:03:11.123456789Z",
            ),
            ("2026-11-20T14:03:11+0100", "2026-11-20T13:03:11Z"),
            ("2026-11-20 14:03:11 -05:30", "2026-11-20T19:33:11Z"),
            ("2026-11-20 14:03:11 UTC", "2026-11-20T14:03:11Z"),
            ("2009/11/10 23:00:00", "2009-11-10T23:00:00Z"),
            ("2009/11/10 23:00:00.000123", "2009-11-10T23:00:00.000123Z"),
            ("Nov  5 10:23:45", "2026-11-05T10:23:45Z"),
            ("Nov 20 14:03:11", "2026-11-20T14:03:11Z"),
            ("10/Oct/2000:13:55:36 -0700", "2000-10-10T20:55:36Z"),
            ("[10/Oct/2000:13:55:36 +0000]", "2000-10-10T13:55:36Z"),
            ("20-Nov-2026 14:03:11.482", "2026-11-20T14:03:11.482Z"),
            ("Nov 26, 2026 10:00:00 PM", "2026-11-26T22:00:00Z"),
            ("1700000000", "2023-11-14T22:13:20Z"),
            ("1700000000123", "2023-11-14T22:13:20.123Z"),
            ("1700000000123456", "2023-11-14T22:13:20.123456Z"),
            ("1700000000123456789", "2023-11-14T22:13:20.123456789Z"),
            ("1764165791.482", "2025-11-26T14:03:11.482Z"),
            ("1764165791.000001", "2025-11-26T14:03:11.000001Z"),
        ];
        for (text, want) in cases {
            assert_eq!(iso(text).as_deref(), Some(want), "{text:?}");
        }
    }

    #[test]
    fn unreadable_text_is_none_not_a_panic() {
        for text in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-02-30 10:00:00",
            "2026-11-20",
            "2026-11-20T25:00:00",
            "Foo 20 14:03:11",
            "2026-11-20T14:03:11Zjunk",
            "-1",
            "1.2.3",
            "1700000000123.5",
            "17.",
            "99999999999999999999999",
            "2026-11-20T14:03:11+99:00",
            "Nov 26, 2026",
            "\u{FEFF}é",
        ] {
            assert_eq!(iso(text), None, "{text:?}");
        }
    }

    #[test]
    fn prefix_reports_how_much_it_read() {
        let (_, used) = parse_prefix("2026-11-20 14:03:11,482 ERROR boom", &ctx()).unwrap();
        assert_eq!(used, "2026-11-20 14:03:11,482".len());
        let (_, used) = parse_prefix("Nov 20 14:03:11 host app: x", &ctx()).unwrap();
        assert_eq!(used, 15);
        assert!(parse_prefix("12 apples", &ctx()).is_none());
        // The common shape is read at fixed positions.
        assert!(iso_fixed(b"2026-11-20 14:03:11,482 ERROR boom").is_some());
        assert!(iso_fixed(b"2026-11-20T14:03:11.482Z").is_some());
    }

    proptest::proptest! {
        /// The fixed-position reading agrees with the general one wherever
        /// it reads anything.
        #[test]
        fn fixed_iso_agrees_with_iso_like(
            text in "[0-9]{4}-[01][0-9]-[0-3][0-9][T t]([0-2][0-9]|[0-9 ])(:[0-6][0-9]){1,2}([.,][0-9]{0,10})?(Z| UTC| ?[+-][0-9]{2}(:?[0-9]{2})?| x)?",
        ) {
            let fixed = iso_fixed(text.as_bytes());
            if fixed.is_some() {
                proptest::prop_assert_eq!(fixed, iso_like(text.as_bytes()));
            }
        }

        #[test]
        fn parse_skips_trims_only_when_there_is_nothing_to_trim(
            text in "[ \\[]?[0-9a-z]([0-9:T -]{0,20}[0-9A-Za-z])?[\\] ]?",
        ) {
            let trimmed = text.trim().trim_start_matches('[').trim_end_matches(']');
            let whole = parse_prefix(trimmed, &ctx())
                .filter(|&(_, used)| used == trimmed.len())
                .map(|(ts, _)| ts)
                .or_else(|| from_epoch_str(trimmed));
            proptest::prop_assert_eq!(parse(&text, &ctx()), whole);
        }
    }

    #[test]
    fn strftime_takes_year_from_context_and_zone_when_given() {
        let f = Strftime::new("%d/%b/%Y:%H:%M:%S %z").unwrap();
        let t = f.parse("10/Oct/2000:13:55:36 -0700", &ctx()).unwrap();
        assert_eq!(t.to_rfc3339(), "2000-10-10T20:55:36+00:00");
        let f = Strftime::new("%b %e %H:%M:%S").unwrap();
        let t = f.parse("Nov  5 10:23:45", &ctx()).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-05T10:23:45+00:00");
        assert!(f.parse("garbage", &ctx()).is_none());
        assert!(Strftime::new("%Q").is_err());
    }
}
