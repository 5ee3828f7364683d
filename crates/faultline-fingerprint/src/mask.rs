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
        searched: [0; 3],
        out,
    }
    .run();
}

mod shape;

use shape::{classify_word, count_digits, is_duration_unit, url_end};

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

/// Byte classes, one table lookup per byte: [`DELIM`] ends a word,
/// [`DIGIT_OR_AT`] makes it worth classifying, [`COLON`] may start `://`.
const DELIM: u8 = 1;
const DIGIT_OR_AT: u8 = 2;
const COLON: u8 = 4;

static CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut i = 0;
    while i < DELIMS.len() {
        table[DELIMS[i] as usize] = DELIM;
        i += 1;
    }
    let mut d = b'0';
    while d <= b'9' {
        table[d as usize] = DIGIT_OR_AT;
        d += 1;
    }
    table[b'@' as usize] = DIGIT_OR_AT;
    table[b':' as usize] = COLON;
    table
};

fn is_delim(c: u8) -> bool {
    CLASS[c as usize] & DELIM != 0
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// Quoted strings longer than this are not masked whole (their words are).
const MAX_QUOTED_BYTES: usize = 4096;

/// Longer words are not split at `:` and `@`, which keeps the split's
/// recursion shallow and the scan linear.
const MAX_COMPOUND_BYTES: usize = 256;

/// One pass over the message. Literal text is not copied byte by byte: it
/// stays pending from `lit` and is flushed in one piece before each
/// placeholder and at the end.
struct Scanner<'a, 'o> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    lit: usize,
    /// How far failed searches for `"`, `'` and `` ` `` looked.
    searched: [usize; 3],
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

    /// The closing quote within [`MAX_QUOTED_BYTES`] of `from`. A failed
    /// search remembers how far it looked, so the next one for the same quote
    /// starts there: a line full of unmatched quotes stays linear.
    fn closing_quote(&mut self, q: u8, from: usize) -> Option<usize> {
        let slot = match q {
            b'"' => 0,
            b'\'' => 1,
            _ => 2,
        };
        let limit = self.b.len().min(from.saturating_add(MAX_QUOTED_BYTES));
        let mut j = from.max(self.searched[slot]);
        while j < limit {
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
        self.searched[slot] = limit;
        None
    }

    fn word(&mut self) {
        let start = self.i;
        let after_eq = start > 1 && self.b[start - 1] == b'=' && is_word_byte(self.b[start - 2]);
        let mut seen = 0;
        while let Some(&c) = self.b.get(self.i) {
            let class = CLASS[c as usize];
            if class & DELIM != 0 {
                break;
            }
            seen |= class;
            self.i += 1;
        }
        let word = &self.b[start..self.i];
        if seen & COLON != 0
            && word.windows(3).any(|w| w == b"://")
            && let Some(end) = url_end(self.b, start)
        {
            self.i = end;
            self.emit(Kind::Url, start, end);
            return;
        }
        let interesting =
            seen & DIGIT_OR_AT != 0 || after_eq || matches!(word[0], b'/' | b'~' | b'\\' | b'.');
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
            && word.len() <= MAX_COMPOUND_BYTES
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
