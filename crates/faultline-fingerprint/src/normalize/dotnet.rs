//! .NET frames: `module` is `Namespace.Class`, `function` the method.
//!
//! The C# compiler turns async methods, lambdas and local functions into
//! generated types and methods whose numbers change with every edit:
//! `<PrintAsync>d__4.MoveNext` is `PrintAsync`,
//! `<>c__DisplayClass5_0.<<RunAsync>b__0>d.MoveNext` is a lambda in
//! `RunAsync`, `<ReadMessage>g__ReadMessageLong|233_0` is the local function
//! `ReadMessageLong` of `ReadMessage`. Generic arguments and arities
//! (`First[TSource]`, `` List`1 ``) and numbered `lambda_method12` go too.

use super::{KEY_SEP, push_without_trailing_digits};
use faultline_event::Frame;

/// What the generated parts of a type name said about the method.
#[derive(Default)]
struct Generated<'a> {
    method: Option<&'a str>,
    lambda: bool,
}

pub(super) fn key(frame: &Frame, out: &mut String) {
    let mut generated = Generated::default();
    if let Some(module) = frame.module.as_deref() {
        clean_type(module, &mut generated, out);
    } else if let Some(file) = frame.file.as_deref() {
        out.push_str(super::basename(file));
    }
    out.push(KEY_SEP);
    let function = frame.function.as_deref().unwrap_or("");
    match generated.method {
        Some(method) if function == "MoveNext" || function.is_empty() => {
            out.push_str(method);
            if generated.lambda {
                out.push_str(".<lambda>");
            }
        }
        _ => clean_method(function, out),
    }
}

/// Pushes the type's real segments; generated ones fill `generated`.
fn clean_type<'a>(module: &'a str, generated: &mut Generated<'a>, out: &mut String) {
    let mut first = true;
    for seg in split_depth0(module) {
        if seg.starts_with('<') {
            let (method, rest) = generated_parts(seg);
            if !method.is_empty() {
                generated.method = Some(method);
            }
            generated.lambda |= rest.starts_with("b__");
            continue;
        }
        if !first {
            out.push('.');
        }
        push_without_generics(seg, out);
        first = false;
    }
}

/// Pushes a method name cleaned of compiler-generated parts.
fn clean_method(function: &str, out: &mut String) {
    if function.starts_with('<') {
        let (method, rest) = generated_parts(function);
        out.push_str(method);
        if let Some(local) = rest.strip_prefix("g__") {
            out.push('.');
            out.push_str(local.split('|').next().unwrap_or(local));
        } else if rest.starts_with("b__") {
            out.push_str(".<lambda>");
        }
    } else if function.starts_with("lambda_method") {
        push_without_trailing_digits(function, out);
    } else {
        push_without_generics(function, out);
    }
}

/// `<<RunAsync>b__0>d` → (`RunAsync`, `b__0>d`); `<>c` → (``, `c`).
fn generated_parts(seg: &str) -> (&str, &str) {
    let inner = seg.trim_start_matches('<');
    match inner.split_once('>') {
        Some((method, rest)) => (method, rest),
        None => (inner, ""),
    }
}

/// Splits a dotted name at dots outside `<…>` and `[…]`.
fn split_depth0(name: &str) -> impl Iterator<Item = &str> {
    let mut depth = 0i32;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, b) in name.bytes().enumerate() {
        match b {
            b'<' | b'[' => depth += 1,
            b'>' | b']' => depth -= 1,
            b'.' | b'+' if depth <= 0 && i > start => {
                parts.push(&name[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&name[start..]);
    parts.into_iter().filter(|p| !p.is_empty())
}

/// Pushes a name minus generic arguments and arity: `First[TSource]`,
/// `` List`1 ``, `Foo<T>`.
fn push_without_generics(name: &str, out: &mut String) {
    let end = name.find(['[', '`', '<']).unwrap_or(name.len());
    let head = &name[..end];
    if head.is_empty() {
        out.push_str(name);
    } else {
        out.push_str(head);
    }
}
