//! The fingerprint of an exception chain: type and in-app frames of every
//! exception, outermost first.

use crate::Basis;
use crate::hash::Canon;
use crate::mask::mask;
use crate::normalize::{self, KEY_SEP, Lang};
use faultline_event::{Exception, Frame};
use std::fmt::Write;

/// Basis bytes of the canonical encoding.
const FRAMES: u8 = 1;
const MESSAGE: u8 = 2;

/// Reusable buffers, so that fingerprinting a trace allocates little.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    keys: String,
    spans: Vec<(usize, usize)>,
    kind: String,
}

/// What one exception contributed.
struct Part {
    kind: String,
    frames: usize,
}

/// The chain's fingerprint, explanation and basis.
pub(crate) fn fingerprint(
    exc: &Exception,
    lang: Lang,
    max_frames: usize,
    scratch: &mut Scratch,
) -> (String, String, Basis) {
    let any_in_app = exc.chain().any(|e| e.frames.iter().any(is_in_app));
    let with_functions = exc.chain().any(|e| {
        e.frames
            .iter()
            .filter(|f| !any_in_app || is_in_app(f))
            .any(|f| f.function.as_deref().is_some_and(|s| !s.is_empty()))
    });
    let basis = match (with_functions, any_in_app) {
        (false, _) => Basis::ExceptionMessage,
        (true, true) => Basis::InAppFrames,
        (true, false) => Basis::AllFrames,
    };
    let mut canon = Canon::new(if with_functions { FRAMES } else { MESSAGE });
    let mut parts = Vec::new();
    for e in exc.chain() {
        let frames = hash_exception(e, lang, any_in_app, max_frames, &mut canon, scratch);
        if !with_functions {
            canon.field(mask(&e.value).as_bytes());
        }
        parts.push(Part {
            kind: scratch.kind.clone(),
            frames,
        });
    }
    let explanation = explain(&parts, basis);
    (canon.finish(), explanation, basis)
}

fn is_in_app(frame: &Frame) -> bool {
    frame.in_app == Some(true)
}

/// Feeds one exception's type and chosen frames; returns how many frames.
fn hash_exception(
    e: &Exception,
    lang: Lang,
    in_app_only: bool,
    max_frames: usize,
    canon: &mut Canon,
    scratch: &mut Scratch,
) -> usize {
    scratch.kind.clear();
    normalize::exception_type(&e.kind, &mut scratch.kind);
    canon.field(scratch.kind.as_bytes());
    scratch.keys.clear();
    scratch.spans.clear();
    for frame in e.frames.iter().filter(|f| !in_app_only || is_in_app(f)) {
        let start = scratch.keys.len();
        normalize::frame_key(lang, frame, &mut scratch.keys);
        if scratch.keys.len() > start + KEY_SEP.len_utf8() {
            scratch.spans.push((start, scratch.keys.len()));
        } else {
            scratch.keys.truncate(start); // a frame with nothing to say
        }
    }
    let mut keys: Vec<&str> = scratch
        .spans
        .iter()
        .map(|&(a, b)| &scratch.keys[a..b])
        .collect();
    normalize::collapse_recursion(&mut keys);
    let keep = &keys[keys.len().saturating_sub(max_frames)..];
    canon.count(keep.len());
    for key in keep {
        canon.field(key.as_bytes());
    }
    keep.len()
}

/// "grouped by: exception type + 4 in-app frames (+ cause X with 2 in-app frames)"
fn explain(parts: &[Part], basis: Basis) -> String {
    let noun = match basis {
        Basis::InAppFrames => "in-app frame",
        _ => "frame",
    };
    let mut out = String::from("grouped by: ");
    let Some((first, causes)) = parts.split_first() else {
        return out;
    };
    if basis == Basis::ExceptionMessage {
        out.push_str("exception type + message with variables masked");
        if first.frames > 0 {
            let _ = write!(out, " + {} location{}", first.frames, plural(first.frames));
        }
        out.push_str(" (no function names in the trace)");
    } else {
        let type_label = if first.kind.is_empty() {
            "stack"
        } else {
            "exception type"
        };
        let _ = write!(
            out,
            "{type_label} + {} {noun}{}",
            first.frames,
            plural(first.frames)
        );
        if basis == Basis::AllFrames {
            out.push_str(" (no in-app frames, so all frames)");
        }
    }
    for cause in causes {
        let kind = if cause.kind.is_empty() {
            "(untyped)"
        } else {
            &cause.kind
        };
        let _ = write!(out, " (+ cause {kind}");
        if basis != Basis::ExceptionMessage {
            let _ = write!(out, " with {} {noun}{}", cause.frames, plural(cause.frames));
        }
        out.push(')');
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
