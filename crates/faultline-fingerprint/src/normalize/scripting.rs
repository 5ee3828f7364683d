//! Python, Ruby, PHP, JavaScript and Dart frames.
//!
//! These languages often print no module, so a frame falls back to the last
//! two segments of its file path (`billing/views.py`), which survive deploy
//! roots, release folders and gem or package versions.

use super::{KEY_SEP, push_file_tail};
use faultline_event::Frame;

/// Module, or the file's tail when there is none.
fn push_module_or_file(frame: &Frame, out: &mut String) {
    match (frame.module.as_deref(), frame.file.as_deref()) {
        (Some(module), _) if !module.is_empty() => out.push_str(module),
        (_, Some(file)) => push_file_tail(file, out),
        _ => {}
    }
}

/// Python: `module` or file tail; `function` as printed (`<lambda>`,
/// `<genexpr>` and `<module>` carry no numbers).
pub(super) fn python_key(frame: &Frame, out: &mut String) {
    push_module_or_file(frame, out);
    out.push(KEY_SEP);
    out.push_str(frame.function.as_deref().unwrap_or(""));
}

/// Ruby: `module` or file tail; `function` without `block in`,
/// `block (2 levels) in`, `rescue in`, `ensure in`, and without the
/// numbers of compiled view methods (`_app_views_show_html_erb__123_456`).
pub(super) fn ruby_key(frame: &Frame, out: &mut String) {
    push_module_or_file(frame, out);
    out.push(KEY_SEP);
    let mut function = frame.function.as_deref().unwrap_or("");
    loop {
        let before = function;
        for prefix in ["block in ", "rescue in ", "ensure in "] {
            function = function.strip_prefix(prefix).unwrap_or(function);
        }
        if let Some(rest) = function.strip_prefix("block (")
            && let Some((_, tail)) = rest.split_once(" levels) in ")
        {
            function = tail;
        }
        if function == before {
            break;
        }
    }
    out.push_str(trim_numbered_suffix(function));
}

/// `_app_views_orders_show_html_erb__1234_5678` → `_app_views_orders_show_html_erb`.
fn trim_numbered_suffix(function: &str) -> &str {
    let trimmed = function.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
    if trimmed.len() < function.len() && function[trimmed.len()..].starts_with("__") {
        trimmed
    } else {
        function
    }
}

/// PHP: `module` is the class (anonymous classes `class@anonymous…` cut to
/// `class@anonymous`), else the file tail; closures of any spelling are
/// `{closure}`.
pub(super) fn php_key(frame: &Frame, out: &mut String) {
    match frame.module.as_deref() {
        Some(module) if !module.is_empty() => match module.find("@anonymous") {
            Some(at) => out.push_str(&module[..at + "@anonymous".len()]),
            None => out.push_str(module),
        },
        _ => {
            if let Some(file) = frame.file.as_deref() {
                push_file_tail(file, out);
            }
        }
    }
    out.push(KEY_SEP);
    let function = frame.function.as_deref().unwrap_or("");
    if function.contains("{closure") {
        out.push_str("{closure}");
    } else {
        out.push_str(function);
    }
}

/// JavaScript: the file tail (content hashes and package versions dropped)
/// and the function without its receiver, which varies with how the
/// function was called; native frames without a file keep the receiver.
pub(super) fn node_key(frame: &Frame, out: &mut String) {
    match (frame.file.as_deref(), frame.module.as_deref()) {
        (Some(file), _) => push_file_tail(file, out),
        (None, Some(module)) => out.push_str(module),
        (None, None) => {}
    }
    out.push(KEY_SEP);
    let function = frame.function.as_deref().unwrap_or("");
    out.push_str(function.strip_prefix("async ").unwrap_or(function));
}

/// Dart and anything unrecognised: module or file tail, function as printed.
pub(super) fn generic_key(frame: &Frame, out: &mut String) {
    push_module_or_file(frame, out);
    out.push(KEY_SEP);
    out.push_str(frame.function.as_deref().unwrap_or(""));
}
