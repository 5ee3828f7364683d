//! The tokenizers of the event index.
//!
//! - `code` (exception types, stack frames): words are runs of letters, digits
//!   and `_`; everything else (`.`, `::`, `/`, `$`, `\`, `(`…) separates them.
//!   A word is then cut into its camelCase and snake_case parts, one position
//!   each, so a query (cut the same way) finds a class by any run of its
//!   parts: `PaymentService`, `payment` and `charge` all find
//!   `com.acme.PaymentService.charge`, `IllegalState` finds
//!   `IllegalStateException`, and `process_payment` finds `processPayment`.
//!   The joined lowercase word (`paymentservice`) is not a term.
//! - `message` (message text): words of letters and digits, lowercased, with
//!   a UUID kept as one token instead of five.
//! - `field` (values of `fields`): a value without whitespace is one token (a
//!   path, a method, a status), a value with whitespace is read as a message.
//! - `raw_lower` (unique ids): the whole value, lowercased.
//!
//! Every token is lowercased; tokens longer than [`MAX_TOKEN_BYTES`] are left
//! out of the index (they stay in the stored event).

use tantivy::tokenizer::{
    LowerCaser, RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer, TokenizerManager,
};

/// Longer words are not indexed: they are hashes, blobs or base64, never
/// something a person types.
pub const MAX_TOKEN_BYTES: usize = 64;

/// Registers the index's tokenizers under the names the schema uses.
pub fn register(manager: &TokenizerManager) {
    manager.register("code", CodeTokenizer::default());
    manager.register("message", MessageTokenizer::default());
    manager.register("field", FieldTokenizer::default());
    manager.register(
        "raw_lower",
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

/// See the module docs: words split at separators, then at case and `_`.
#[derive(Clone, Default)]
pub struct CodeTokenizer {
    tokens: Tokens,
}

/// See the module docs: words of letters and digits, UUIDs whole.
#[derive(Clone, Default)]
pub struct MessageTokenizer {
    tokens: Tokens,
}

/// See the module docs: an atom whole, a sentence as words.
#[derive(Clone, Default)]
pub struct FieldTokenizer {
    tokens: Tokens,
}

/// The tokens of one text, computed up front. Their strings are kept from
/// one text to the next and written over, so a token costs no allocation.
#[derive(Clone, Default)]
pub struct Tokens {
    all: Vec<Token>,
    len: usize,
}

impl Tokens {
    fn clear(&mut self) {
        self.len = 0;
    }

    /// The tokens of the current text.
    fn as_slice(&self) -> &[Token] {
        &self.all[..self.len]
    }

    /// Adds `word`, lowercased, found at byte `from`, unless it is longer
    /// than [`MAX_TOKEN_BYTES`]; returns whether it was added.
    fn push(&mut self, word: &str, from: usize, position: usize) -> bool {
        if word.len() > MAX_TOKEN_BYTES {
            return false;
        }
        if self.len == self.all.len() {
            self.all.push(Token::default());
        }
        let token = &mut self.all[self.len];
        self.len += 1;
        token.offset_from = from;
        token.offset_to = from + word.len();
        token.position = position;
        token.position_length = 1;
        token.text.clear();
        if word.is_ascii() {
            token.text.push_str(word);
            token.text.make_ascii_lowercase();
        } else {
            token.text.push_str(&word.to_lowercase());
        }
        true
    }
}

/// Hands out tokens computed up front.
pub struct BufferedStream<'a> {
    tokens: &'a mut Tokens,
    next: usize,
}

impl TokenStream for BufferedStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len
    }

    fn token(&self) -> &Token {
        &self.tokens.as_slice()[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens.all[self.next - 1]
    }
}

impl Tokenizer for CodeTokenizer {
    type TokenStream<'a> = BufferedStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferedStream<'a> {
        self.tokens.clear();
        code_tokens(text, &mut self.tokens);
        BufferedStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

impl Tokenizer for MessageTokenizer {
    type TokenStream<'a> = BufferedStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferedStream<'a> {
        self.tokens.clear();
        message_tokens(text, &mut self.tokens);
        BufferedStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

impl Tokenizer for FieldTokenizer {
    type TokenStream<'a> = BufferedStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferedStream<'a> {
        self.tokens.clear();
        if reads_as_words(text) {
            message_tokens(text, &mut self.tokens);
        } else if !text.is_empty() {
            self.tokens.push(text, 0, 0);
        }
        BufferedStream {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

/// Whether the `field` tokenizer reads `text` as words (it has whitespace)
/// rather than as one token.
pub fn reads_as_words(text: &str) -> bool {
    // A byte at a time while the text is ASCII (nearly always), in one pass;
    // from the first other byte (a character's first), by character.
    for (i, b) in text.bytes().enumerate() {
        if !b.is_ascii() {
            return text[i..].chars().any(char::is_whitespace);
        }
        if matches!(b, b'\t'..=b'\r' | b' ') {
            return true;
        }
    }
    false
}

/// Adds `text[from..]`'s word as a token at `position`, lowercased, unless it
/// is too long.
fn is_code_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits `text` into code words (see the module docs), each as its parts.
pub fn code_tokens(text: &str, tokens: &mut Tokens) {
    let mut position = 0;
    for (start, word) in words(text, is_code_char) {
        for_each_part(word, |part_start, part| {
            if tokens.push(part, start + part_start, position) {
                position += 1;
            }
        });
    }
}

/// Splits message text into words of letters and digits; a UUID stays whole.
pub fn message_tokens(text: &str, tokens: &mut Tokens) {
    let mut position = 0;
    let mut rest = 0;
    while let Some(start) = skip(text, rest, false, char::is_alphanumeric) {
        let end = if is_uuid_at(text, start) {
            start + 36
        } else {
            skip(text, start, true, char::is_alphanumeric).unwrap_or(text.len())
        };
        if tokens.push(&text[start..end], start, position) {
            position += 1;
        }
        rest = end;
    }
}

/// The byte offset of the first character at or after `from` for which
/// `is_word` is not `inside`: the end of a word when `inside`, else the
/// start of the next one. ASCII, nearly all of a log, is read byte by byte.
fn skip(text: &str, from: usize, inside: bool, is_word: fn(char) -> bool) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        let (word, len) = match bytes[i] {
            b if b.is_ascii() => (is_word(char::from(b)), 1),
            _ => {
                let c = text[i..].chars().next().expect("a character starts here");
                (is_word(c), c.len_utf8())
            }
        };
        if word != inside {
            return Some(i);
        }
        i += len;
    }
    None
}

/// The maximal runs of `is_word` characters, with their byte offsets.
fn words(text: &str, is_word: fn(char) -> bool) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = 0;
    std::iter::from_fn(move || {
        let start = skip(text, rest, false, is_word)?;
        let end = skip(text, start, true, is_word).unwrap_or(text.len());
        rest = end;
        Some((start, &text[start..end]))
    })
}

/// Calls `part` with the camelCase and snake_case parts of a word and their
/// byte offsets in it: `HTTPServerError` → `HTTP`, `Server`, `Error`;
/// `get_user_id` → `get`, `user`, `id`. Digits stay with the letters before
/// them.
pub fn for_each_part<'w>(word: &'w str, mut part: impl FnMut(usize, &'w str)) {
    let mut start: Option<usize> = None;
    let mut prev = '_';
    let mut chars = word.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        let after = std::mem::replace(&mut prev, c);
        if c == '_' {
            if let Some(s) = start.take() {
                part(s, &word[s..offset]);
            }
            continue;
        }
        let Some(s) = start else {
            start = Some(offset);
            continue;
        };
        let next = chars.peek().map(|&(_, c)| c);
        let lower_to_upper = c.is_uppercase() && (after.is_lowercase() || after.is_numeric());
        let acronym_end =
            c.is_uppercase() && after.is_uppercase() && next.is_some_and(|n| n.is_lowercase());
        if lower_to_upper || acronym_end {
            part(s, &word[s..offset]);
            start = Some(offset);
        }
    }
    if let Some(s) = start {
        part(s, &word[s..]);
    }
}

/// Whether a UUID (8-4-4-4-12 hex digits) starts at byte `at` and ends at a
/// word boundary.
pub fn is_uuid_at(text: &str, at: usize) -> bool {
    let bytes = &text.as_bytes()[at..];
    if bytes.len() < 36 || bytes.get(36).is_some_and(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    bytes[..36].iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn reads_as_words_when_any_character_is_whitespace(text in "(?s).{0,24}") {
            prop_assert_eq!(reads_as_words(&text), text.chars().any(char::is_whitespace));
        }
    }

    #[test]
    fn whitespace_anywhere_makes_words() {
        for text in [
            "a b",
            "a\u{0b}b",
            "é\u{a0}x",
            "日本\u{3000}語",
            "tab\t",
            "\u{85}",
        ] {
            assert!(reads_as_words(text), "{text:?}");
        }
        for text in ["", "/cart?id=3", "café", "日本語"] {
            assert!(!reads_as_words(text), "{text:?}");
        }
    }

    /// Words as `str::find` cuts them, character by character: what
    /// [`skip`] must agree with.
    fn words_by_chars(text: &str, is_word: fn(char) -> bool) -> Vec<(usize, &str)> {
        let (mut out, mut rest) = (Vec::new(), 0);
        while let Some(offset) = text[rest..].find(is_word) {
            let start = rest + offset;
            let end = text[start..]
                .find(|c: char| !is_word(c))
                .map_or(text.len(), |n| start + n);
            out.push((start, &text[start..end]));
            rest = end;
        }
        out
    }

    fn word_parts(word: &str) -> Vec<(usize, &str)> {
        let mut parts = Vec::new();
        for_each_part(word, |offset, part| parts.push((offset, part)));
        parts
    }

    /// The parts as the first version cut them, over a vector of the
    /// word's characters: what [`for_each_part`] must agree with.
    fn parts_by_vec(word: &str) -> Vec<(usize, &str)> {
        let mut parts = Vec::new();
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        let mut start: Option<usize> = None;
        for (i, &(offset, c)) in chars.iter().enumerate() {
            if c == '_' {
                if let Some(s) = start.take() {
                    parts.push((s, &word[s..offset]));
                }
                continue;
            }
            let Some(s) = start else {
                start = Some(offset);
                continue;
            };
            let prev = chars[i - 1].1;
            let next = chars.get(i + 1).map(|&(_, c)| c);
            let lower_to_upper = c.is_uppercase() && (prev.is_lowercase() || prev.is_numeric());
            let acronym_end =
                c.is_uppercase() && prev.is_uppercase() && next.is_some_and(|n| n.is_lowercase());
            if lower_to_upper || acronym_end {
                parts.push((s, &word[s..offset]));
                start = Some(offset);
            }
        }
        if let Some(s) = start {
            parts.push((s, &word[s..]));
        }
        parts
    }

    proptest! {
        #[test]
        fn parts_are_cut_as_the_first_version_cut_them(word in "[a-zA-Z0-9_ÉéΣσ]{0,24}") {
            prop_assert_eq!(word_parts(&word), parts_by_vec(&word));
        }

        #[test]
        fn words_are_cut_as_by_characters(text in "[a-zA-Z0-9_ .:/$é日😀\u{300}\t-]{0,40}") {
            for is_word in [is_code_char as fn(char) -> bool, char::is_alphanumeric] {
                let got: Vec<_> = words(&text, is_word).collect();
                prop_assert_eq!(got, words_by_chars(&text, is_word));
            }
        }
    }

    fn texts(f: fn(&str, &mut Tokens), text: &str) -> Vec<(usize, String)> {
        let mut tokens = Tokens::default();
        f(text, &mut tokens);
        let got: Vec<(usize, String)> = tokens
            .as_slice()
            .iter()
            .map(|t| (t.position, t.text.clone()))
            .collect();
        // The same tokens again after a longer text: nothing of it is left.
        f(
            "a much longer text than any test's, with more tokens in it",
            &mut tokens,
        );
        tokens.clear();
        f(text, &mut tokens);
        let again: Vec<(usize, String)> = tokens
            .as_slice()
            .iter()
            .map(|t| (t.position, t.text.clone()))
            .collect();
        assert_eq!(again, got, "{text}");
        got
    }

    #[test]
    fn parts_split_camel_case_acronyms_and_snake_case() {
        let parts = |w| {
            word_parts(w)
                .into_iter()
                .map(|(_, p)| p)
                .collect::<Vec<_>>()
        };
        assert_eq!(parts("HTTPServerError"), ["HTTP", "Server", "Error"]);
        assert_eq!(parts("get_user_id"), ["get", "user", "id"]);
        assert_eq!(parts("__init__"), ["init"]);
        assert_eq!(parts("parseJSON2Body"), ["parse", "JSON2", "Body"]);
        assert_eq!(parts("plain"), ["plain"]);
    }

    #[test]
    fn code_words_are_cut_into_parts_one_position_each() {
        let got = texts(
            code_tokens,
            "com.acme.PaymentService.charge($1) at app/pay_now.rs",
        );
        let words: Vec<_> = got.iter().map(|(_, t)| t.as_str()).collect();
        let want = [
            "com", "acme", "payment", "service", "charge", "1", "at", "app", "pay", "now", "rs",
        ];
        assert_eq!(words, want);
        let positions: Vec<_> = got.iter().map(|(p, _)| *p).collect();
        assert_eq!(positions, (0..want.len()).collect::<Vec<_>>());
    }

    #[test]
    fn message_keeps_a_uuid_whole() {
        let got = texts(
            message_tokens,
            "Order 3F2504E0-4F89-11D3-9A0C-0305E82C3301 failed: x-1",
        );
        let words: Vec<_> = got.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            words,
            [
                "order",
                "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                "failed",
                "x",
                "1"
            ]
        );
        assert!(!is_uuid_at("3F2504E0-4F89-11D3-9A0C-0305E82C3301ab", 0));
    }
}
