//! Structured exceptions: what a stack trace becomes once parsed.

use serde::{Deserialize, Serialize};

/// One exception of a trace, with the exception that caused it.
///
/// `frames` are ordered outermost first, crash site last (as Sentry does),
/// whatever order the language printed them in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    /// The exception's type or class, e.g. `java.lang.IllegalStateException`,
    /// `ValueError`, `panic`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The exception's message.
    #[serde(default)]
    pub value: String,
    /// Call frames, outermost first, crash site last.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub frames: Vec<Frame>,
    /// The exception that caused this one (Java `Caused by`, Python `__cause__`
    /// and `__context__`, .NET inner exceptions, PHP `Next`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Box<Exception>>,
}

impl Exception {
    /// An exception with a type and a message and no frames yet.
    pub fn new(kind: impl Into<String>, value: impl Into<String>) -> Exception {
        Exception {
            kind: kind.into(),
            value: value.into(),
            frames: Vec::new(),
            cause: None,
        }
    }

    /// This exception followed by its causes, outermost first.
    pub fn chain(&self) -> impl Iterator<Item = &Exception> {
        std::iter::successors(Some(self), |e| e.cause.as_deref())
    }
}

/// One call frame of a stack trace. Every part is optional because languages
/// print different parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// Package, class, namespace or crate path the function belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// Whether the frame is the application's own code; `None` until the
    /// fingerprinter classifies it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_app: Option<bool>,
}
