//! Vector-style multiline rules for formats the trace grammars do not know,
//! and the named presets.

use super::compile;
use regex::Regex;

/// How lines are joined into events.
#[derive(Debug, Clone, Default)]
pub enum Rule {
    /// Trace grammars for every supported language, and indented lines after
    /// a timestamped header. The default.
    #[default]
    Auto,
    /// Every line is an event of its own.
    None,
    /// A start pattern and a condition, as Vector's `multiline` option.
    Custom(CustomRule),
}

/// How a custom rule's condition decides whether a line continues the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomMode {
    /// Consecutive lines matching the condition join the event.
    ContinueThrough,
    /// Lines matching the condition, plus the one after, join the event
    /// (a trailing `\` continuation marker).
    ContinuePast,
    /// Lines not matching the condition join; a matching line starts a new event.
    HaltBefore,
    /// Lines join up to and including the first that matches (a terminator).
    HaltWith,
}

/// A custom multiline rule.
#[derive(Debug, Clone)]
pub struct CustomRule {
    /// A line matching this always starts a new event.
    pub start: Option<Regex>,
    pub condition: Regex,
    pub mode: CustomMode,
}

/// Why a rule could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("invalid multiline pattern {0:?}: {1}")]
    Pattern(String, String),
    #[error(
        "unknown multiline mode {0:?} (known: continue_through, continue_past, halt_before, halt_with)"
    )]
    Mode(String),
    #[error("unknown multiline preset {0:?} (known: auto, none, indented, timestamp, backslash)")]
    Preset(String),
}

impl CustomRule {
    /// Builds a rule from its patterns and mode name.
    pub fn new(start: Option<&str>, condition: &str, mode: &str) -> Result<CustomRule, RuleError> {
        let mode = match mode {
            "continue_through" => CustomMode::ContinueThrough,
            "continue_past" => CustomMode::ContinuePast,
            "halt_before" => CustomMode::HaltBefore,
            "halt_with" => CustomMode::HaltWith,
            other => return Err(RuleError::Mode(other.to_string())),
        };
        Ok(CustomRule {
            start: start.map(compile).transpose()?,
            condition: compile(condition)?,
            mode,
        })
    }

    /// Whether a line continues the event, given whether the line before it
    /// matched the condition and whether this one does.
    pub(super) fn continues(&self, prev_matched: bool, matched: bool, text: &str) -> bool {
        if self.start.as_ref().is_some_and(|s| s.is_match(text)) {
            return false;
        }
        match self.mode {
            CustomMode::ContinueThrough => matched,
            CustomMode::ContinuePast => prev_matched,
            CustomMode::HaltBefore => !matched,
            CustomMode::HaltWith => !prev_matched,
        }
    }
}

impl Rule {
    /// A named preset: `auto`, `none`, `indented` (indented lines continue),
    /// `timestamp` (a line starting with a date starts an event; others join),
    /// `backslash` (a line ending in `\` continues onto the next).
    pub fn preset(name: &str) -> Result<Rule, RuleError> {
        let custom =
            |start, condition, mode| CustomRule::new(start, condition, mode).map(Rule::Custom);
        match name {
            "auto" => Ok(Rule::Auto),
            "none" => Ok(Rule::None),
            "indented" => custom(None, r"^[ \t]+\S", "continue_through"),
            "timestamp" => custom(
                None,
                r"^\[?(\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2}|[A-Z][a-z]{2} [ \d]\d |\d{2}:\d{2}:\d{2})",
                "halt_before",
            ),
            "backslash" => custom(None, r"\\$", "continue_past"),
            other => Err(RuleError::Preset(other.to_string())),
        }
    }
}
