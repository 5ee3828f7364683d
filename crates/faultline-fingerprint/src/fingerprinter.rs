//! The fingerprinter: ties in-app classification, normalisation, templates
//! and rules into one decision per event.

use crate::chain::{self, Scratch};
use crate::endpoint::endpoint;
use crate::hash::Canon;
use crate::inapp::InApp;
use crate::normalize::Lang;
use crate::rules::{Part, Rule, RuleConfig};
use crate::template::{TemplateMatch, TemplateMiner};
use crate::{culprit, normalize};
use faultline_event::Event;
use std::fmt::Write;

/// Bumped whenever fingerprint output changes for any input; golden tests enforce it.
pub const FINGERPRINT_VERSION: u32 = 2;

/// Basis bytes of the canonical encoding (chain.rs uses 1 and 2).
const TEMPLATE: u8 = 3;
const RULE: u8 = 4;
const ENDPOINT: u8 = 5;

/// How to fingerprint. Every field is optional in the config file.
///
/// ```toml
/// in_app_include = ["com.acme.*", "github.com/acme/**"]
/// in_app_exclude = ["com.acme.generated.*", "**/migrations/**"]
/// max_frames = 30
///
/// [[rules]]
/// name = "db pool exhausted"
/// type = "*SQLTransientConnectionException"
/// fingerprint = ["db-pool-exhausted"]
/// ```
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Globs over a frame's module or file path that mark the application's
    /// own code, on top of the defaults (which call everything outside
    /// installed packages, standard libraries and known frameworks in-app).
    /// `*` stays within a path segment, `**` crosses them; a glob without
    /// wildcards matches as a prefix (`com.acme` matches `com.acme.shop.Cart`).
    pub in_app_include: Vec<String>,
    /// Globs over a frame's module or file path that are never in-app; they
    /// win over `in_app_include`.
    pub in_app_exclude: Vec<String>,
    /// Fingerprint rules, tried in order; the first that matches decides.
    /// See [`RuleConfig`].
    pub rules: Vec<RuleConfig>,
    /// How many frames of each exception count, nearest the crash. Default 30.
    pub max_frames: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            in_app_include: Vec::new(),
            in_app_exclude: Vec::new(),
            rules: Vec::new(),
            max_frames: 30,
        }
    }
}

/// Why a configuration could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{field}: empty glob")]
    EmptyGlob { field: String },
    #[error("{field}: bad glob {glob:?}: {reason}")]
    Glob {
        field: String,
        glob: String,
        reason: String,
    },
    #[error("rule {rule:?}: bad message regex: {reason}")]
    Regex { rule: String, reason: String },
    #[error("rule {rule:?}: needs at least one of type, message, frame or logger")]
    NoCondition { rule: String },
    #[error("rule {rule:?}: fingerprint is empty")]
    EmptyFingerprint { rule: String },
    #[error(
        "rule {rule:?}: unknown variable {{{{ {variable} }}}} (known: default, type, message, logger, level, service, culprit)"
    )]
    UnknownVariable { rule: String, variable: String },
    #[error("max_frames must be at least 1")]
    ZeroMaxFrames,
}

/// What a fingerprint was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// A config rule decided ([`Decision::rule`] names it).
    Rule,
    /// Exception types and in-app frames of the cause chain.
    InAppFrames,
    /// Exception types and all frames: no frame was in-app.
    AllFrames,
    /// Exception types and masked values: the trace had no function names.
    ExceptionMessage,
    /// The message template (no exception); the logger when there is one.
    Template,
    /// An access-log record's method, route and status.
    Endpoint,
}

/// The outcome for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Hex fingerprint (32 digits), prefixed by nothing; stable across
    /// releases of the same [`FINGERPRINT_VERSION`].
    pub fingerprint: String,
    /// "grouped by: exception type + 4 in-app frames"
    pub explanation: String,
    pub basis: Basis,
    /// The rule that decided, if one did.
    pub rule: Option<String>,
    /// The template id, for events grouped by template.
    pub template_id: Option<u64>,
}

/// Fingerprints events; holds the template miner's state.
#[derive(Debug)]
pub struct Fingerprinter {
    in_app: InApp,
    rules: Vec<Rule>,
    max_frames: usize,
    miner: TemplateMiner,
    scratch: Scratch,
}

impl Fingerprinter {
    /// Validates the config once; errors name the offending rule or glob.
    pub fn new(config: Config) -> Result<Fingerprinter, ConfigError> {
        Fingerprinter::with_miner(config, TemplateMiner::new())
    }

    /// Like [`Fingerprinter::new`], continuing from a saved miner.
    pub fn with_miner(config: Config, miner: TemplateMiner) -> Result<Fingerprinter, ConfigError> {
        if config.max_frames == 0 {
            return Err(ConfigError::ZeroMaxFrames);
        }
        Ok(Fingerprinter {
            in_app: InApp::new(&config.in_app_include, &config.in_app_exclude)?,
            rules: config
                .rules
                .iter()
                .map(Rule::new)
                .collect::<Result<_, _>>()?,
            max_frames: config.max_frames,
            miner,
            scratch: Scratch::default(),
        })
    }

    /// The template miner, to save it.
    pub fn miner(&self) -> &TemplateMiner {
        &self.miner
    }

    /// Classifies frames (`in_app`), sets `template`, `fingerprint` and
    /// `explanation` on the event, and returns the decision.
    pub fn apply(&mut self, event: &mut Event) -> Decision {
        let lang = Lang::of(event);
        self.in_app.mark(lang, event);
        let default = match endpoint(event) {
            Some(endpoint) => endpoint_decision(event, endpoint),
            None => {
                let template = self.miner.add(&event.message);
                event.template = Some(template.template.clone());
                self.default_decision(lang, event, &template)
            }
        };
        let decision = match self.rules.iter().find(|r| r.matches(event)) {
            Some(rule) => rule_decision(rule, event, default),
            None => default,
        };
        event.fingerprint = Some(decision.fingerprint.clone());
        event.explanation = Some(decision.explanation.clone());
        decision
    }

    fn default_decision(
        &mut self,
        lang: Lang,
        event: &Event,
        template: &TemplateMatch,
    ) -> Decision {
        if let Some(exc) = &event.exception {
            let (fingerprint, explanation, basis) =
                chain::fingerprint(exc, lang, self.max_frames, &mut self.scratch);
            return Decision {
                fingerprint,
                explanation,
                basis,
                rule: None,
                template_id: None,
            };
        }
        template_decision(event, template)
    }
}

/// No exception: the template's id (stable as the template generalises, and
/// derived from the text that started it), and the logger, since the same
/// words from two loggers are two weak spots. The level is left out: one
/// statement logs at one level, and a level change should not split a group.
fn template_decision(event: &Event, template: &TemplateMatch) -> Decision {
    let mut canon = Canon::new(TEMPLATE);
    canon.field(&template.id.to_le_bytes());
    let logger = event.logger.as_deref().unwrap_or("");
    canon.field(logger.as_bytes());
    let mut explanation = String::from("grouped by: message template");
    if !logger.is_empty() {
        let _ = write!(explanation, " + logger {logger}");
    }
    let _ = write!(explanation, " ({:?})", template.template);
    Decision {
        fingerprint: canon.finish(),
        explanation,
        basis: Basis::Template,
        rule: None,
        template_id: Some(template.id),
    }
}

/// An access-log record: its method, route and status; the template reads
/// `GET /api/v1/orders/<num> 504`.
fn endpoint_decision(
    event: &mut Event,
    (method, route, status): (String, String, u16),
) -> Decision {
    let mut canon = Canon::new(ENDPOINT);
    canon.field(method.as_bytes());
    canon.field(route.as_bytes());
    canon.field(&status.to_le_bytes());
    let template = format!("{method} {route} {status}");
    let explanation = format!("grouped by: endpoint {method} {route} + status {status}");
    event.template = Some(template);
    Decision {
        fingerprint: canon.finish(),
        explanation,
        basis: Basis::Endpoint,
        rule: None,
        template_id: None,
    }
}

/// A rule's fingerprint: its parts, `{{ default }}` standing for the default.
fn rule_decision(rule: &Rule, event: &Event, default: Decision) -> Decision {
    let mut canon = Canon::new(RULE);
    canon.count(rule.parts.len());
    let mut shown = Vec::with_capacity(rule.parts.len());
    for part in &rule.parts {
        let value = part_value(part, event, &default);
        canon.field(value.as_bytes());
        shown.push(match part {
            Part::Default => "default".to_string(),
            _ => format!("{value:?}"),
        });
    }
    Decision {
        fingerprint: canon.finish(),
        explanation: format!("grouped by: rule {:?} ({})", rule.name, shown.join(" + ")),
        basis: Basis::Rule,
        rule: Some(rule.name.clone()),
        template_id: default.template_id,
    }
}

fn part_value(part: &Part, event: &Event, default: &Decision) -> String {
    let outer = event.exception.as_ref();
    match part {
        Part::Literal(text) => text.clone(),
        Part::Default => default.fingerprint.clone(),
        Part::Type => outer.map_or_else(String::new, |e| {
            let mut out = String::new();
            normalize::exception_type(&e.kind, &mut out);
            out
        }),
        Part::Message => event.template.clone().unwrap_or_default(),
        Part::Logger => event.logger.clone().unwrap_or_default(),
        Part::Level => event.level.map(|l| l.to_string()).unwrap_or_default(),
        Part::Service => event.service.clone().unwrap_or_default(),
        Part::Culprit => culprit(event).unwrap_or_default(),
    }
}
