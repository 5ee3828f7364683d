//! Fingerprint rules: config overrides that set or extend the fingerprint.
//!
//! ```toml
//! [[rules]]
//! name = "db pool exhausted"
//! type = "*SQLTransientConnectionException"   # glob over every type in the chain
//! message = "Connection is not available"     # regex over the message and values
//! fingerprint = ["db-pool-exhausted"]          # one group, wherever it is thrown
//!
//! [[rules]]
//! name = "timeouts per service"
//! type = "*TimeoutException"
//! fingerprint = ["{{ default }}", "{{ service }}"]   # extend: split by service
//! ```
//!
//! A rule matches when all of its conditions hold (at least one is
//! required); the first matching rule decides. Its `fingerprint` parts are
//! literals or variables: `{{ default }}` (the fingerprint the event would
//! get without rules), `{{ type }}` (outermost exception type),
//! `{{ message }}` (the message template), `{{ logger }}`, `{{ level }}`,
//! `{{ service }}`, `{{ culprit }}` (top in-app frame).

use crate::ConfigError;
use crate::glob::GlobSet;
use faultline_event::Event;
use regex::Regex;

/// One rule as written in the config.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Shown in explanations and errors.
    pub name: String,
    /// Glob matched against every exception type in the cause chain.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Regex searched in the message and in every exception value.
    #[serde(default)]
    pub message: Option<String>,
    /// Glob matched against every frame's module, function, file, and
    /// `module.function`.
    #[serde(default)]
    pub frame: Option<String>,
    /// Glob matched against the logger name.
    #[serde(default)]
    pub logger: Option<String>,
    /// The fingerprint parts: literals and `{{ variable }}`s.
    pub fingerprint: Vec<String>,
}

/// A fingerprint part, resolved once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Literal(String),
    Default,
    Type,
    Message,
    Logger,
    Level,
    Service,
    Culprit,
}

/// A validated rule.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) name: String,
    kind: Option<GlobSet>,
    message: Option<Regex>,
    frame: Option<GlobSet>,
    logger: Option<GlobSet>,
    pub(crate) parts: Vec<Part>,
}

impl Rule {
    pub(crate) fn new(config: &RuleConfig) -> Result<Rule, ConfigError> {
        let name = config.name.clone();
        let field = |what: &str| format!("rules[{name:?}].{what}");
        let glob = |what: &str, g: &Option<String>| match g {
            Some(g) => GlobSet::new(&field(what), std::slice::from_ref(g)),
            None => Ok(None),
        };
        let message = match &config.message {
            Some(re) => Some(Regex::new(re).map_err(|e| ConfigError::Regex {
                rule: name.clone(),
                reason: e.to_string(),
            })?),
            None => None,
        };
        let rule = Rule {
            kind: glob("type", &config.kind)?,
            message,
            frame: glob("frame", &config.frame)?,
            logger: glob("logger", &config.logger)?,
            parts: parse_parts(&name, &config.fingerprint)?,
            name,
        };
        let conditions = [
            rule.kind.is_some(),
            rule.message.is_some(),
            rule.frame.is_some(),
        ];
        if !conditions.iter().any(|c| *c) && rule.logger.is_none() {
            return Err(ConfigError::NoCondition { rule: rule.name });
        }
        Ok(rule)
    }

    /// Whether every condition holds for the event.
    pub(crate) fn matches(&self, event: &Event) -> bool {
        let chain = || event.exception.iter().flat_map(|e| e.chain());
        if let Some(kind) = &self.kind
            && !chain().any(|e| kind.is_match(&e.kind))
        {
            return false;
        }
        if let Some(re) = &self.message
            && !(re.is_match(&event.message) || chain().any(|e| re.is_match(&e.value)))
        {
            return false;
        }
        if let Some(logger) = &self.logger
            && !event.logger.as_deref().is_some_and(|l| logger.is_match(l))
        {
            return false;
        }
        if let Some(frame) = &self.frame {
            let mut frames = chain().flat_map(|e| e.frames.iter());
            return frames.any(|f| {
                let module = f.module.as_deref().unwrap_or("");
                let function = f.function.as_deref().unwrap_or("");
                [module, function, f.file.as_deref().unwrap_or("")]
                    .iter()
                    .any(|s| !s.is_empty() && frame.is_match(s))
                    || frame.is_match(&format!("{module}.{function}"))
            });
        }
        true
    }
}

fn parse_parts(rule: &str, parts: &[String]) -> Result<Vec<Part>, ConfigError> {
    if parts.is_empty() {
        return Err(ConfigError::EmptyFingerprint {
            rule: rule.to_string(),
        });
    }
    parts.iter().map(|p| parse_part(rule, p)).collect()
}

fn parse_part(rule: &str, part: &str) -> Result<Part, ConfigError> {
    let trimmed = part.trim();
    let Some(var) = trimmed
        .strip_prefix("{{")
        .and_then(|v| v.strip_suffix("}}"))
    else {
        return Ok(Part::Literal(part.to_string()));
    };
    Ok(match var.trim() {
        "default" => Part::Default,
        "type" => Part::Type,
        "message" => Part::Message,
        "logger" => Part::Logger,
        "level" => Part::Level,
        "service" => Part::Service,
        "culprit" => Part::Culprit,
        other => {
            return Err(ConfigError::UnknownVariable {
                rule: rule.to_string(),
                variable: other.to_string(),
            });
        }
    })
}

#[cfg(test)]
mod tests;
