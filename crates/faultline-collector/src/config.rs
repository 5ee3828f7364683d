//! The collector's configuration: the TOML file as written ([`RawConfig`]),
//! validated once into what the server runs on ([`CollectorConfig`]).
//!
//! ```toml
//! listen = "0.0.0.0:7080"
//! data = "/var/lib/faultline"
//!
//! [limits]
//! max_body_bytes = 10485760
//!
//! [[tokens]]
//! project = "shop"
//! token = "change-me-to-a-long-random-string"
//! ```

use crate::client::TrustedProxies;
use faultline_fingerprint::Fingerprinter;
use faultline_store::StoreConfig;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Tokens shorter than this are refused: they are guessable.
const MIN_TOKEN_CHARS: usize = 16;

/// The config file as the user wrote it. Every key is optional; the command
/// line's `--listen` and `--data` win over the file's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    /// The address to listen on, such as `127.0.0.1:7080` or `0.0.0.0:7080`.
    pub listen: Option<String>,
    /// The data folder: write-ahead log, index, groups, mined templates.
    pub data: Option<PathBuf>,
    /// How often the mined message templates are saved to the data folder
    /// (they are also saved at shutdown).
    pub save_templates_interval_secs: Option<u64>,
    /// Request limits.
    pub limits: LimitsConfig,
    /// The store: retention, commit interval, indexing memory.
    pub store: StoreConfig,
    /// Fingerprinting: in-app globs and grouping rules, as `faultline analyze
    /// --config` reads them.
    pub fingerprint: faultline_fingerprint::Config,
    /// Bearer tokens, one or more per project. With none, the collector only
    /// accepts requests from loopback addresses.
    pub tokens: Vec<TokenConfig>,
    /// Reverse proxies in front of the collector, as addresses or CIDR
    /// ranges (`["127.0.0.1", "10.0.0.0/8", "::1"]`): from these peers the
    /// client is read from `X-Forwarded-For`, or without it from the
    /// `Forwarded` header's `for=` values (the right-most address that is
    /// not a trusted proxy), and `X-Forwarded-Proto` (or `Forwarded`'s
    /// `proto=`) is believed. The loopback-only rule and the sign-in
    /// throttle apply to that client.
    pub trusted_proxies: Vec<String>,
}

/// Request limits (`[limits]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Largest request body, as sent (compressed or not): larger gets 413.
    pub max_body_bytes: usize,
    /// Largest single event line; a larger line is rejected by number and
    /// its neighbours are kept. Events parsed here (raw text, segments) are
    /// cut at this many bytes of text instead, and flagged.
    pub max_event_bytes: usize,
    /// Largest body after gzip decompression: a gzip bomb gets 413.
    pub max_decoded_bytes: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body_bytes: 10 << 20,
            max_event_bytes: 1 << 20,
            max_decoded_bytes: 64 << 20,
        }
    }
}

/// One `[[tokens]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// The project whose shippers present this token.
    pub project: String,
    /// The secret, sent as `Authorization: Bearer TOKEN`.
    pub token: String,
}

/// The validated configuration the collector runs on.
#[derive(Debug, Clone)]
pub struct CollectorConfig {
    pub listen: SocketAddr,
    pub data: PathBuf,
    pub save_templates_every: std::time::Duration,
    pub limits: LimitsConfig,
    pub store: StoreConfig,
    pub fingerprint: faultline_fingerprint::Config,
    /// Token → project. Empty: loopback clients only.
    pub tokens: HashMap<String, String>,
    /// The peers whose forwarding headers are believed.
    pub trusted_proxies: TrustedProxies,
}

/// What is wrong with a configuration; every variant names the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}: {message}")]
    Syntax { path: String, message: String },
    #[error("{key}: {reason}")]
    Invalid { key: String, reason: String },
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        reason: reason.into(),
    }
}

impl RawConfig {
    /// Reads a config file; syntax errors and unknown keys name their line.
    pub fn from_file(path: &Path) -> Result<RawConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.display().to_string(),
            error,
        })?;
        RawConfig::from_toml(&text).map_err(|message| ConfigError::Syntax {
            path: path.display().to_string(),
            message,
        })
    }

    /// Parses config text.
    pub fn from_toml(text: &str) -> Result<RawConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Checks every value once and builds the runtime configuration.
    pub fn validate(self) -> Result<CollectorConfig, ConfigError> {
        let listen = self
            .listen
            .ok_or_else(|| invalid("listen", "required (or pass --listen ADDR)"))?;
        let listen: SocketAddr = listen
            .parse()
            .map_err(|e| invalid("listen", format!("{listen:?}: {e} (expected IP:PORT)")))?;
        let data = self
            .data
            .ok_or_else(|| invalid("data", "required (or pass --data DIR)"))?;
        validate_limits(&self.limits)?;
        validate_store(&self.store)?;
        Fingerprinter::new(self.fingerprint.clone())
            .map_err(|e| invalid("fingerprint", e.to_string()))?;
        let tokens = validate_tokens(&self.tokens)?;
        let trusted_proxies = TrustedProxies::parse(&self.trusted_proxies).map_err(|entry| {
            invalid(
                "trusted_proxies",
                format!("{entry:?} is neither an IP address nor a CIDR range such as 10.0.0.0/8"),
            )
        })?;
        let save = self.save_templates_interval_secs.unwrap_or(30);
        if save == 0 {
            return Err(invalid(
                "save_templates_interval_secs",
                "must be at least 1",
            ));
        }
        Ok(CollectorConfig {
            listen,
            data,
            save_templates_every: std::time::Duration::from_secs(save),
            limits: self.limits,
            store: self.store,
            fingerprint: self.fingerprint,
            tokens,
            trusted_proxies,
        })
    }
}

fn validate_limits(limits: &LimitsConfig) -> Result<(), ConfigError> {
    let checks = [
        ("limits.max_body_bytes", limits.max_body_bytes),
        ("limits.max_event_bytes", limits.max_event_bytes),
        ("limits.max_decoded_bytes", limits.max_decoded_bytes),
    ];
    for (key, value) in checks {
        if value == 0 {
            return Err(invalid(key, "must be at least 1"));
        }
    }
    if limits.max_event_bytes > limits.max_decoded_bytes {
        return Err(invalid(
            "limits.max_event_bytes",
            "must not exceed limits.max_decoded_bytes",
        ));
    }
    Ok(())
}

fn validate_store(store: &StoreConfig) -> Result<(), ConfigError> {
    if store.retention_days == 0 {
        return Err(invalid("store.retention_days", "must be at least 1"));
    }
    if store.commit_interval_ms == 0 {
        return Err(invalid("store.commit_interval_ms", "must be at least 1"));
    }
    if store.index_memory_bytes < (15 << 20) {
        return Err(invalid(
            "store.index_memory_bytes",
            "must be at least 15728640 (15 MiB)",
        ));
    }
    Ok(())
}

fn validate_tokens(tokens: &[TokenConfig]) -> Result<HashMap<String, String>, ConfigError> {
    let mut map = HashMap::with_capacity(tokens.len());
    for (i, entry) in tokens.iter().enumerate() {
        let key = |field: &str| format!("tokens[{i}].{field}");
        if entry.project.trim().is_empty() {
            return Err(invalid(key("project"), "must not be empty"));
        }
        if entry.token.chars().count() < MIN_TOKEN_CHARS {
            return Err(invalid(
                key("token"),
                format!("must be at least {MIN_TOKEN_CHARS} characters"),
            ));
        }
        if entry
            .token
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid(key("token"), "must not contain spaces"));
        }
        if map
            .insert(entry.token.clone(), entry.project.clone())
            .is_some()
        {
            return Err(invalid(key("token"), "is used twice"));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_store::IndexOrder;

    fn validate(text: &str) -> Result<CollectorConfig, String> {
        RawConfig::from_toml(text)?
            .validate()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn minimal_config_takes_the_defaults() {
        let config = validate("listen = \"127.0.0.1:0\"\ndata = \"/tmp/x\"").unwrap();
        assert_eq!(config.limits.max_body_bytes, 10 << 20);
        assert_eq!(config.limits.max_event_bytes, 1 << 20);
        assert!(config.tokens.is_empty());
        assert!(config.trusted_proxies.is_empty());
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges() {
        let config = validate(
            "listen = \"127.0.0.1:0\"\ndata = \"/tmp/x\"\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]",
        )
        .unwrap();
        let trusted = &config.trusted_proxies;
        for ip in ["127.0.0.1", "10.20.30.40", "::1"] {
            assert!(trusted.contains(ip.parse().unwrap()), "{ip}");
        }
        assert!(!trusted.contains("127.0.0.2".parse().unwrap()));
    }

    #[test]
    fn errors_name_the_key() {
        let base = "listen = \"127.0.0.1:0\"\ndata = \"/tmp/x\"\n";
        let err = validate("data = \"/tmp/x\"").unwrap_err();
        assert!(err.starts_with("listen: required"), "{err}");
        let err = validate("listen = \"nope\"\ndata = \"/tmp/x\"").unwrap_err();
        assert!(err.starts_with("listen: \"nope\""), "{err}");
        let err = validate(&format!("{base}[limits]\nmax_body_bytes = 0")).unwrap_err();
        assert!(err.starts_with("limits.max_body_bytes"), "{err}");
        let err = validate(&format!(
            "{base}[[tokens]]\nproject = \"a\"\ntoken = \"short\""
        ))
        .unwrap_err();
        assert!(err.starts_with("tokens[0].token"), "{err}");
        let err = validate(&format!("{base}[store]\ncommit_interval_ms = 0")).unwrap_err();
        assert!(err.starts_with("store.commit_interval_ms"), "{err}");
        let err = validate(&format!("{base}[fingerprint]\nmax_frames = 0")).unwrap_err();
        assert!(err.starts_with("fingerprint:"), "{err}");
        let err = validate(&format!(
            "{base}trusted_proxies = [\"::1\", \"10.0.0.0/40\"]"
        ))
        .unwrap_err();
        assert!(
            err.starts_with("trusted_proxies: \"10.0.0.0/40\" is neither"),
            "{err}"
        );
    }

    #[test]
    fn the_example_config_in_deploy_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/collector.toml");
        let config = RawConfig::from_file(&path).unwrap().validate().unwrap();
        assert_eq!(
            config
                .tokens
                .get("replace-with-a-long-random-secret")
                .map(String::as_str),
            Some("shop")
        );
        assert_eq!(
            config.fingerprint.in_app_include,
            vec!["com.acme".to_string()]
        );
        assert_eq!(config.limits.max_body_bytes, 10 << 20);
        assert!(
            config.trusted_proxies.is_empty(),
            "trusting none is the default"
        );
    }

    #[test]
    fn the_index_order_is_template_unless_set() {
        let base = "listen = \"127.0.0.1:0\"\ndata = \"/tmp/x\"\n";
        let parse = |extra: &str| validate(&format!("{base}{extra}")).map(|c| c.store.index_order);
        assert_eq!(parse(""), Ok(IndexOrder::Template));
        let arrival = parse("[store]\nindex_order = \"arrival\"");
        assert_eq!(arrival, Ok(IndexOrder::Arrival));
        let err = parse("[store]\nindex_order = \"time\"").unwrap_err();
        assert!(err.contains("index_order"), "{err}");
        assert!(err.contains("expected `template` or `arrival`"), "{err}");
    }

    #[test]
    fn unknown_keys_and_duplicate_tokens_are_refused() {
        let err = validate("listen = \"127.0.0.1:0\"\nlisten_port = 3").unwrap_err();
        assert!(err.contains("listen_port"), "{err}");
        let token = "[[tokens]]\nproject = \"a\"\ntoken = \"0123456789abcdef\"\n";
        let err = validate(&format!(
            "listen = \"127.0.0.1:0\"\ndata = \"d\"\n{token}{token}"
        ))
        .unwrap_err();
        assert!(err.starts_with("tokens[1].token: is used twice"), "{err}");
    }
}
