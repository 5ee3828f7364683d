//! Splitting bytes into lines: push-based, so a file tailer, a network reader
//! and a test can all feed it chunks of any size.
//!
//! A line longer than `max_line_bytes` is cut there (on a UTF-8 boundary), the
//! rest of it up to the next newline is skipped and counted, and the line is
//! flagged. `\r\n` endings lose their `\r`. Decoding replaces invalid UTF-8 and
//! NUL bytes with U+FFFD and flags the line; it never fails.

use faultline_event::Flag;
use std::borrow::Cow;

/// The default cap on one line, in bytes.
pub const DEFAULT_MAX_LINE_BYTES: usize = 256 * 1024;

/// One line as cut from the input.
#[derive(Debug, Clone, Copy)]
pub struct RawLine<'a> {
    /// The line's bytes without its newline (and without a `\r` before it).
    pub bytes: &'a [u8],
    /// Byte offset of the line's first byte in the input.
    pub offset: u64,
    /// The line was longer than the cap and was cut.
    pub truncated: bool,
}

/// Cuts a stream of chunks into lines.
#[derive(Debug)]
pub struct LineSplitter {
    max_line_bytes: usize,
    /// Bytes of an unfinished line carried over from earlier chunks.
    carry: Vec<u8>,
    /// Offset of the first byte of `carry` (or of the next line when empty).
    line_start: u64,
    /// True while skipping the rest of a line that was cut.
    skipping: bool,
    skipped_bytes: u64,
}

impl LineSplitter {
    pub fn new(max_line_bytes: usize) -> LineSplitter {
        LineSplitter {
            max_line_bytes: max_line_bytes.max(1),
            carry: Vec::new(),
            line_start: 0,
            skipping: false,
            skipped_bytes: 0,
        }
    }

    /// Starts counting offsets at `offset` (resuming a file at a checkpoint).
    pub fn starting_at(mut self, offset: u64) -> LineSplitter {
        self.line_start = offset;
        self
    }

    /// Bytes skipped so far because lines were longer than the cap.
    pub fn skipped_bytes(&self) -> u64 {
        self.skipped_bytes
    }

    /// The offset just past the last complete line handed out.
    pub fn position(&self) -> u64 {
        self.line_start
    }

    /// Bytes of an unfinished last line held back.
    pub fn pending_bytes(&self) -> usize {
        self.carry.len()
    }

    /// Feeds a chunk and calls `emit` for every line it completes.
    pub fn push(&mut self, mut chunk: &[u8], mut emit: impl FnMut(RawLine<'_>)) {
        while !chunk.is_empty() {
            let newline = memchr::memchr(b'\n', chunk);
            if self.skipping {
                match newline {
                    Some(i) => {
                        self.skipped_bytes += i as u64;
                        self.line_start += i as u64 + 1;
                        self.skipping = false;
                        chunk = &chunk[i + 1..];
                        continue;
                    }
                    None => {
                        self.skipped_bytes += chunk.len() as u64;
                        self.line_start += chunk.len() as u64;
                        return;
                    }
                }
            }
            match newline {
                Some(i) if self.carry.is_empty() && i <= self.max_line_bytes => {
                    emit(self.line(&chunk[..i], false));
                    self.line_start += i as u64 + 1;
                    chunk = &chunk[i + 1..];
                }
                Some(i) if self.carry.len() + i <= self.max_line_bytes => {
                    let mut carry = std::mem::take(&mut self.carry);
                    carry.extend_from_slice(&chunk[..i]);
                    emit(self.line(&carry, false));
                    self.line_start += carry.len() as u64 + 1;
                    carry.clear();
                    self.carry = carry;
                    chunk = &chunk[i + 1..];
                }
                _ => {
                    let room = self.max_line_bytes - self.carry.len();
                    if chunk.len() <= room && newline.is_none() {
                        self.carry.extend_from_slice(chunk);
                        return;
                    }
                    // The line exceeds the cap: emit its head, skip the rest.
                    let mut carry = std::mem::take(&mut self.carry);
                    carry.extend_from_slice(&chunk[..room]);
                    let cut = utf8_boundary(&carry);
                    emit(self.line(&carry[..cut], true));
                    self.skipped_bytes += (carry.len() - cut) as u64;
                    self.line_start += carry.len() as u64;
                    carry.clear();
                    self.carry = carry;
                    self.skipping = true;
                    chunk = &chunk[room..];
                }
            }
        }
    }

    /// Ends the input: an unfinished last line is emitted as it is.
    pub fn finish(&mut self, mut emit: impl FnMut(RawLine<'_>)) {
        if self.carry.is_empty() {
            return;
        }
        let carry = std::mem::take(&mut self.carry);
        emit(self.line(&carry, false));
        self.line_start += carry.len() as u64;
    }

    fn line<'a>(&self, bytes: &'a [u8], truncated: bool) -> RawLine<'a> {
        RawLine {
            bytes: bytes.strip_suffix(b"\r").unwrap_or(bytes),
            offset: self.line_start,
            truncated,
        }
    }
}

/// The longest prefix of `bytes` that does not end inside a UTF-8 sequence.
fn utf8_boundary(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(4) {
        let b = bytes[len - back];
        if b & 0xC0 != 0x80 {
            return if utf8_len(b) > back { len - back } else { len };
        }
    }
    len
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}

/// `text.trim()`, with no look at characters when `text` starts and ends
/// with visible ASCII, as most lines do: then there is nothing to trim.
pub fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// `text.trim_end()`, with no look at characters when `text` ends with
/// visible ASCII.
pub fn trim_end(text: &str) -> &str {
    match text.as_bytes().last() {
        Some(last) if last.is_ascii_graphic() => text,
        _ => text.trim_end(),
    }
}

/// Decodes a line to text, replacing invalid UTF-8 and NUL bytes with U+FFFD.
/// Returns the text and the flags it earned.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, Option<Flag>, Option<Flag>) {
    let (text, utf8_flag) = match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), None),
        Err(_) => (String::from_utf8_lossy(bytes), Some(Flag::InvalidUtf8)),
    };
    if memchr::memchr(0, text.as_bytes()).is_none() {
        return (text, utf8_flag, None);
    }
    (
        Cow::Owned(text.replace('\0', "\u{FFFD}")),
        utf8_flag,
        Some(Flag::NulBytes),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]], max: usize) -> Vec<(String, u64, bool)> {
        let mut splitter = LineSplitter::new(max);
        let mut lines = Vec::new();
        let mut take = |l: RawLine<'_>| {
            lines.push((
                String::from_utf8_lossy(l.bytes).into_owned(),
                l.offset,
                l.truncated,
            ))
        };
        for chunk in chunks {
            splitter.push(chunk, &mut take);
        }
        splitter.finish(&mut take);
        lines
    }

    #[test]
    fn offsets_survive_any_chunking() {
        let input = b"alpha\r\nbeta\n\ngamma";
        let want = vec![
            ("alpha".to_string(), 0, false),
            ("beta".to_string(), 7, false),
            (String::new(), 12, false),
            ("gamma".to_string(), 13, false),
        ];
        assert_eq!(split(&[input], 100), want);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(split(&bytes, 100), want);
        let bytes: Vec<&[u8]> = input.chunks(3).collect();
        assert_eq!(split(&bytes, 100), want);
    }

    #[test]
    fn long_line_is_cut_flagged_and_the_next_line_keeps_its_offset() {
        let mut input = vec![b'x'; 50];
        input.extend_from_slice(b"\nnext\n");
        for size in [1, 7, 64] {
            let chunks: Vec<&[u8]> = input.chunks(size).collect();
            let lines = split(&chunks, 10);
            assert_eq!(lines[0], ("x".repeat(10), 0, true), "chunk {size}");
            assert_eq!(lines[1], ("next".to_string(), 51, false), "chunk {size}");
            assert_eq!(lines.len(), 2);
        }
    }

    #[test]
    fn cut_never_splits_a_character() {
        let input = "ééééé\n".as_bytes(); // two bytes each
        let lines = split(&[input], 5);
        assert_eq!(lines[0].0, "éé");
        assert!(lines[0].2);
    }

    proptest::proptest! {
        /// The quick trims trim what `str::trim` and `str::trim_end` trim.
        #[test]
        fn quick_trims_agree_with_the_standard_ones(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", " ", "\t", "\u{a0}", "\u{3000}", "é", "{", "}", "\r", "\u{1F600}", "\u{7f}",
                ]),
                0..8,
            ),
        ) {
            let text = parts.concat();
            proptest::prop_assert_eq!(trim(&text), text.trim());
            proptest::prop_assert_eq!(trim_end(&text), text.trim_end());
        }
    }

    #[test]
    fn decode_flags_invalid_utf8_and_nul() {
        let (text, utf8, nul) = decode(b"ok \xff\x00 end");
        assert_eq!(text, "ok \u{FFFD}\u{FFFD} end");
        assert_eq!(utf8, Some(Flag::InvalidUtf8));
        assert_eq!(nul, Some(Flag::NulBytes));
        let (text, utf8, nul) = decode(b"clean");
        assert_eq!((text.as_ref(), utf8, nul), ("clean", None, None));
    }
}
