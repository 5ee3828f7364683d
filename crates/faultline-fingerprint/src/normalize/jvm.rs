//! Java, Kotlin and Scala frames: `module` is the class, `function` the method.

use super::{KEY_SEP, push_without_trailing_digits};
use faultline_event::Frame;

/// Class-name fragments that mark a runtime-generated subclass: everything
/// from them on is dropped (`Foo$HibernateProxy$AbC12` → `Foo`).
const GENERATED_MARKERS: &[&str] = &["$HibernateProxy", "$ByteBuddy", "$MockitoMock", "$$"];

/// Generated classes numbered per JVM run.
const NUMBERED: &[&str] = &[
    "Proxy",
    "GeneratedMethodAccessor",
    "GeneratedConstructorAccessor",
    "GeneratedSerializationConstructorAccessor",
];

pub(super) fn key(frame: &Frame, out: &mut String) {
    match frame.module.as_deref() {
        Some(module) => clean_name(module, out),
        None => {
            if let Some(file) = frame.file.as_deref() {
                out.push_str(super::basename(file));
            }
        }
    }
    out.push(KEY_SEP);
    if let Some(function) = frame.function.as_deref() {
        clean_name(function, out);
    }
}

/// Cleans a JVM class or method name of generated parts:
/// - class-loader and JDK-module prefixes (`app//`, `java.base/`);
/// - generated subclasses (`$$EnhancerBySpringCGLIB$$8f1c`, `$$Lambda$12/0x…`,
///   `$$Lambda/0x…`), kept as `$$Lambda` for lambdas;
/// - numbered segments: anonymous classes (`$1`), lambda bodies
///   (`lambda$schedule$0`), accessors (`access$000`), Kotlin `$lambda-1`;
/// - numbered proxies and accessors (`$Proxy142`, `GeneratedMethodAccessor12`).
pub(crate) fn clean_name(name: &str, out: &mut String) {
    let (name, lambda) = cut_generated(name);
    let name = name.rsplit('/').next().unwrap_or(name);
    let start = out.len();
    for (i, seg) in name.split('$').enumerate() {
        let seg = seg.split_once('-').map_or(seg, |(head, tail)| {
            if tail.bytes().all(|b| b.is_ascii_digit()) {
                head
            } else {
                seg
            }
        });
        if i > 0 && (seg.is_empty() || seg.bytes().all(|b| b.is_ascii_digit())) {
            continue;
        }
        if i > 0 {
            out.push('$');
        }
        let last = seg.rsplit('.').next().unwrap_or(seg);
        let stem = last.trim_end_matches(|c: char| c.is_ascii_digit());
        if stem.len() < last.len() && NUMBERED.contains(&stem) {
            push_without_trailing_digits(seg, out);
        } else {
            out.push_str(seg);
        }
    }
    if out.len() == start {
        out.push_str(name);
    }
    if lambda {
        out.push_str("$$Lambda");
    }
}

/// Splits off a generated-subclass suffix; says whether it was a lambda.
fn cut_generated(name: &str) -> (&str, bool) {
    let cut = GENERATED_MARKERS.iter().filter_map(|m| name.find(m)).min();
    match cut {
        Some(at) => (&name[..at], name[at..].starts_with("$$Lambda")),
        None => (name, false),
    }
}

/// A type name cleaned of anonymous-class numbers, when it has any.
pub(super) fn strip_anonymous(kind: &str) -> Option<String> {
    if !kind.contains('$') {
        return None;
    }
    let mut out = String::with_capacity(kind.len());
    clean_name(kind, &mut out);
    Some(out)
}
