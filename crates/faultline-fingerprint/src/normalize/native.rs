//! Go and Rust frames.

use super::KEY_SEP;
use faultline_event::Frame;

/// Go: `module` is the package path (module versions `@v1.2.3` dropped),
/// `function` the receiver and name with closure numbers generalised
/// (`handler.func1` → `handler.func`, `tRunner.func1.2` → `tRunner.func`)
/// and generic instantiations (`Map[...]`) dropped.
pub(super) fn go_key(frame: &Frame, out: &mut String) {
    match frame.module.as_deref() {
        Some(module) => {
            for (i, seg) in module.split('/').enumerate() {
                if i > 0 {
                    out.push('/');
                }
                out.push_str(seg.split('@').next().unwrap_or(seg));
            }
        }
        None => {
            if let Some(file) = frame.file.as_deref() {
                out.push_str(super::basename(file));
            }
        }
    }
    out.push(KEY_SEP);
    let function = frame.function.as_deref().unwrap_or("");
    let mut first = true;
    for seg in strip_brackets(function).split('.') {
        if seg.is_empty() || seg.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let stem = seg.trim_end_matches(|c: char| c.is_ascii_digit());
        let seg = if matches!(stem, "func" | "gowrap" | "deferwrap") {
            stem
        } else {
            seg
        };
        if !first {
            out.push('.');
        }
        out.push_str(seg);
        first = false;
    }
}

/// Rust: `module` is the crate path with generic arguments dropped,
/// `function` the name without its symbol hash (`::h0123456789abcdef`).
/// A frame that is only a location (`src/config.rs`, what a panic prints
/// without a backtrace) keys on its path from the last `src/`.
pub(super) fn rust_key(frame: &Frame, out: &mut String) {
    match (frame.module.as_deref(), frame.function.as_deref()) {
        (None, None) => {
            if let Some(file) = frame.file.as_deref() {
                out.push_str(source_path(file));
            }
            out.push(KEY_SEP);
        }
        (module, function) => {
            if let Some(module) = module {
                out.push_str(&strip_generics(module));
            }
            out.push(KEY_SEP);
            if let Some(function) = function {
                out.push_str(&strip_generics(strip_symbol_hash(function)));
            }
        }
    }
}

/// The path from its last `src/` on, or the file name.
fn source_path(file: &str) -> &str {
    let file = file.trim_start_matches("./");
    match file.rfind("src/") {
        Some(at) if at == 0 || file[..at].ends_with(['/', '\\']) => &file[at..],
        _ => super::basename(file),
    }
}

/// Drops a trailing `::h` + 16 hex digits.
pub(crate) fn strip_symbol_hash(function: &str) -> &str {
    if let Some((head, hash)) = function.rsplit_once("::h")
        && hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return head;
    }
    function
}

/// Drops `<…>` groups that follow a name (`Core<T,S>`, `Vec<u8>`), keeping
/// a leading `<A as B>` qualified-path form.
fn strip_generics(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.contains('<') {
        return name.into();
    }
    let mut out = String::with_capacity(name.len());
    let mut skip = 0usize;
    let mut prev = ' ';
    for c in name.chars() {
        if skip > 0 {
            match c {
                '<' => skip += 1,
                '>' => skip -= 1,
                _ => {}
            }
        } else if c == '<' && (prev.is_alphanumeric() || prev == '_') {
            skip = 1;
        } else {
            out.push(c);
        }
        prev = c;
    }
    out.into()
}

/// Drops Go's `[...]` generic instantiations.
fn strip_brackets(function: &str) -> std::borrow::Cow<'_, str> {
    if !function.contains('[') {
        return function.into();
    }
    let mut out = String::with_capacity(function.len());
    let mut depth = 0usize;
    for c in function.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.into()
}
