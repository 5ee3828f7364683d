//! Frame and type normalisation: what of a frame survives into a fingerprint.
//!
//! A frame's identity is its module (class, package, namespace, crate path,
//! or, where the language prints none, the last two segments of its file
//! path) and its function, each cleaned of what changes between deploys,
//! hosts and runs of the same code:
//!
//! - line and column numbers, addresses and offsets are never read;
//! - symbol hashes (`::h0123abcd…`), webpack content hashes (`main.3f2a1c9b.js`);
//! - generated and anonymous names: Java lambdas, proxies and CGLIB/ByteBuddy
//!   subclasses, anonymous inner classes (`$1`), .NET async state machines
//!   (`<PrintAsync>d__4.MoveNext`), display classes and local functions, Ruby
//!   `block in` / `rescue in`, Go closures (`func1`), numbered lambdas;
//! - version segments in paths (`actionpack (7.1.2) lib/…`, `gems/x-1.2.3/`,
//!   `/1.378705245900539993/`, `@1.2.3`, Go `@v1.2.3`).
//!
//! Each language has its own cleaner in `normalize/<family>.rs`;
//! [`frame_key`] dispatches on [`Lang`].

mod dotnet;
mod jvm;
mod native;
mod scripting;

use faultline_event::{Event, Frame};

/// The language a trace was printed by; decides how frames are cleaned and
/// which frames are library code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Java,
    Python,
    Go,
    Node,
    Ruby,
    DotNet,
    Php,
    Rust,
    Dart,
    Unknown,
}

impl Lang {
    /// The language named by a parser (`fields.trace_language`).
    pub fn from_name(name: &str) -> Lang {
        match name {
            "java" | "kotlin" | "scala" => Lang::Java,
            "python" => Lang::Python,
            "go" => Lang::Go,
            "node" | "javascript" | "js" | "typescript" => Lang::Node,
            "ruby" => Lang::Ruby,
            "dotnet" | "csharp" | "c#" => Lang::DotNet,
            "php" => Lang::Php,
            "rust" => Lang::Rust,
            "dart" => Lang::Dart,
            _ => Lang::Unknown,
        }
    }

    /// The event's language: `fields.trace_language` when a parser set it,
    /// else guessed from the file extensions of its frames.
    pub fn of(event: &Event) -> Lang {
        if let Some(name) = event.fields.get("trace_language").and_then(|v| v.as_str()) {
            let lang = Lang::from_name(name);
            if lang != Lang::Unknown {
                return lang;
            }
        }
        let Some(exc) = &event.exception else {
            return Lang::Unknown;
        };
        exc.chain()
            .flat_map(|e| e.frames.iter())
            .filter_map(|f| f.file.as_deref())
            .map(Lang::from_file)
            .find(|l| *l != Lang::Unknown)
            .unwrap_or(Lang::Unknown)
    }

    /// Guesses the language from a source file's extension.
    pub fn from_file(file: &str) -> Lang {
        let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
        match ext {
            "java" | "kt" | "scala" | "groovy" => Lang::Java,
            "py" => Lang::Python,
            "go" => Lang::Go,
            "js" | "mjs" | "cjs" | "ts" | "jsx" | "tsx" => Lang::Node,
            "rb" => Lang::Ruby,
            "cs" | "fs" | "vb" => Lang::DotNet,
            "php" => Lang::Php,
            "rs" => Lang::Rust,
            "dart" => Lang::Dart,
            _ => Lang::Unknown,
        }
    }
}

/// Separates a key's module from its function.
pub const KEY_SEP: char = '\u{1f}';

/// Appends the frame's normalised identity, `module` [`KEY_SEP`] `function`,
/// to `out`.
pub fn frame_key(lang: Lang, frame: &Frame, out: &mut String) {
    match lang {
        Lang::Java => jvm::key(frame, out),
        Lang::DotNet => dotnet::key(frame, out),
        Lang::Go => native::go_key(frame, out),
        Lang::Rust => native::rust_key(frame, out),
        Lang::Python => scripting::python_key(frame, out),
        Lang::Ruby => scripting::ruby_key(frame, out),
        Lang::Php => scripting::php_key(frame, out),
        Lang::Node => scripting::node_key(frame, out),
        Lang::Dart | Lang::Unknown => scripting::generic_key(frame, out),
    }
}

/// The normalised exception type: whitespace trimmed, generic arguments and
/// arity suffixes (`` List`1 ``, `Foo<T>`) and anonymous-class numbers
/// dropped.
pub fn exception_type(kind: &str, out: &mut String) {
    let kind = kind.trim();
    let mut depth = 0usize;
    for c in kind.chars() {
        match c {
            '<' | '[' => depth += 1,
            '>' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            '`' => depth = usize::MAX / 2, // arity: drop the rest
            _ => out.push(c),
        }
    }
    let cleaned = jvm::strip_anonymous(out);
    if let Some(cleaned) = cleaned {
        out.clear();
        out.push_str(&cleaned);
    }
}

/// Pushes `text` minus any trailing run of ASCII digits.
pub(crate) fn push_without_trailing_digits(text: &str, out: &mut String) {
    out.push_str(text.trim_end_matches(|c: char| c.is_ascii_digit()));
}

/// The last path segment, after `/` or `\`.
pub(crate) fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// True when a path segment is a version or a build id: `1.2.3`, `v2`,
/// `7.1.2`, `1.378705245900539993`, `20261120`, `(7.1.2)`.
pub(crate) fn is_version_segment(seg: &str) -> bool {
    let seg = seg.trim_start_matches('(').trim_end_matches(')');
    let seg = seg.strip_prefix(['v', 'V']).unwrap_or(seg);
    !seg.is_empty()
        && seg.as_bytes()[0].is_ascii_digit()
        && seg
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_' | b'+'))
}

/// Appends the last two stable segments of a file path (parent folder and
/// file name), skipping version segments and content hashes, so that deploy
/// roots and release folders never reach the key.
pub(crate) fn push_file_tail(path: &str, out: &mut String) {
    let path = path
        .strip_prefix("file://")
        .unwrap_or(path)
        .trim_end_matches(|c: char| c == ')' || c.is_whitespace());
    let mut segments = path
        .rsplit(['/', '\\'])
        .filter(|s| !s.is_empty() && !is_version_segment(s) && *s != ".");
    let name = segments.next().unwrap_or("");
    if let Some(parent) = segments.next()
        && !parent.contains(':')
    {
        push_unversioned(parent, out);
        out.push('/');
    }
    push_unhashed_file_name(name, out);
}

/// Pushes a folder name minus a `-1.2.3` or `@1.2.3` version suffix.
fn push_unversioned(seg: &str, out: &mut String) {
    let cut = seg
        .char_indices()
        .filter(|&(_, c)| c == '-' || c == '@')
        .find(|&(i, _)| is_version_segment(&seg[i + 1..]))
        .map_or(seg.len(), |(i, _)| i);
    out.push_str(&seg[..cut]);
}

/// Pushes a file name minus content hashes: `main.3f2a1c9b.js` → `main.js`.
fn push_unhashed_file_name(name: &str, out: &mut String) {
    let mut first = true;
    for part in name.split('.') {
        let hashy = part.len() >= 6
            && part.bytes().all(|b| b.is_ascii_hexdigit())
            && part.bytes().any(|b| b.is_ascii_digit());
        if hashy && !first {
            continue;
        }
        if !first {
            out.push('.');
        }
        out.push_str(part);
        first = false;
    }
}

/// Removes direct and short mutual recursion: a run of frames repeated back
/// to back (period 1 to 4) keeps one copy. `keys` are frame keys in order.
pub fn collapse_recursion<T: PartialEq>(keys: &mut Vec<T>) {
    for period in 1..=4 {
        let mut i = period;
        while i + period <= keys.len() {
            if keys[i - period..i] == keys[i..i + period] {
                keys.drain(i..i + period);
            } else {
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests;
