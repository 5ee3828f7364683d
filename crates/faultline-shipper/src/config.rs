//! The shipper's configuration: the TOML file as written ([`RawConfig`]),
//! validated once into what the shipper runs on ([`ShipperConfig`]). Every
//! error names the key it is about (`sources[1].format: unknown format ...`).
//!
//! ```toml
//! state = "/var/lib/faultline-shipper"
//!
//! [[sources]]
//! include = ["/var/log/app/**/*.log"]
//! service = "checkout"
//!
//! [collector]
//! url = "http://127.0.0.1:7080"
//! token = "change-me-to-a-long-random-string"
//! ```

use crate::error::ConfigError;
use faultline_parse::format::{Context, Registry};
use faultline_parse::multiline::{MultilineConfig, Rule};
use faultline_parse::{Options, Parser};
use faultline_tail::{StartAt, TailConfig};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The path that means standard input.
pub const STDIN: &str = "-";

/// The config file as the user wrote it; every key is optional until
/// validation says otherwise. The command line's flags fill or win over it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    /// The state folder: `checkpoints.json` and the spool.
    pub state: Option<PathBuf>,
    /// The `host` stamped on events (default: this machine's hostname).
    pub host: Option<String>,
    /// The `service` of sources that do not name one.
    pub service: Option<String>,
    pub sources: Vec<RawSource>,
    pub collector: RawCollector,
    pub limits: RawLimits,
    pub tail: RawTail,
    pub metrics: RawMetrics,
    pub spool: RawSpool,
    /// On SIGTERM, how long to wait for the collector to acknowledge what is
    /// batched before exiting (what is not acknowledged is read again on restart).
    pub shutdown_timeout_ms: Option<u64>,
}

/// One `[[sources]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawSource {
    /// Globs of files to tail (`**` allowed), or `["-"]` for standard input.
    pub include: Vec<String>,
    /// Globs of files to leave alone.
    pub exclude: Vec<String>,
    pub service: Option<String>,
    /// A format name, or `auto` (default) to sniff each file.
    pub format: Option<String>,
    /// A multiline preset: auto (default), none, indented, timestamp, backslash.
    pub multiline: Option<String>,
    /// `beginning` (default) or `end`: where to start a file seen for the
    /// first time without a checkpoint.
    pub start_at: Option<String>,
    /// How long a held event or an unfinished last line waits for more input.
    pub flush_timeout_ms: Option<u64>,
}

/// `[collector]`: where and how batches go.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawCollector {
    pub url: Option<String>,
    pub token: Option<String>,
    pub batch_max_bytes: Option<usize>,
    pub batch_max_wait_ms: Option<u64>,
    pub gzip: Option<bool>,
    pub max_in_flight: Option<usize>,
    pub request_timeout_ms: Option<u64>,
    /// `shipper` (default): files are parsed here and events sent;
    /// `collector`: files go as raw segments cut at event starts, and the
    /// collector parses them (a fraction of the CPU here). Standard input is
    /// always parsed here.
    pub parse_at: Option<String>,
}

/// `[limits]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawLimits {
    pub max_line_bytes: Option<usize>,
}

/// `[tail]`: the tailer's timings and limits.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawTail {
    pub poll_interval_ms: Option<u64>,
    pub read_chunk_bytes: Option<usize>,
    pub close_deleted_after_ms: Option<u64>,
    pub close_inactive_after_ms: Option<u64>,
    pub max_open_files: Option<usize>,
    pub notify: Option<bool>,
}

/// `[metrics]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawMetrics {
    /// Serve `/metrics` and `/healthz` here (off when unset).
    pub listen: Option<String>,
}

/// `[spool]`: batches of inputs that cannot be read again (stdin).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawSpool {
    /// Write batches holding stdin events to `STATE/spool/` (fsynced) before
    /// sending them; default true.
    pub enabled: Option<bool>,
}

/// What the shipper runs on.
#[derive(Debug, Clone)]
pub struct ShipperConfig {
    pub state_dir: PathBuf,
    pub host: String,
    /// File sources, in the order given to the tailer.
    pub sources: Vec<Source>,
    /// The standard-input source, when one is configured.
    pub stdin: Option<Source>,
    pub collector: CollectorConfig,
    pub tail: TailConfig,
    pub metrics_listen: Option<SocketAddr>,
    pub spool: bool,
    pub shutdown_timeout: Duration,
}

/// One validated source.
#[derive(Debug, Clone)]
pub struct Source {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub service: Option<String>,
    pub start_at: StartAt,
    pub parser: Parser,
    /// The multiline preset as named (`None`: auto), sent with raw segments.
    pub multiline: Option<String>,
}

/// Where files are parsed into events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParseAt {
    #[default]
    Shipper,
    Collector,
}

/// Where and how batches go.
#[derive(Debug, Clone)]
pub struct CollectorConfig {
    /// The ingest endpoint (`URL/api/v1/ingest`).
    pub ingest_url: String,
    pub token: Option<String>,
    pub batch_max_bytes: usize,
    pub batch_max_wait: Duration,
    pub gzip: bool,
    pub max_in_flight: usize,
    pub request_timeout: Duration,
    pub parse_at: ParseAt,
}

impl RawConfig {
    /// Reads a TOML file; a syntax error or an unknown key names its line.
    pub fn from_file(path: &Path) -> Result<RawConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new("config", format!("{}: {e}", path.display())))?;
        RawConfig::from_toml(&text)
    }

    pub fn from_toml(text: &str) -> Result<RawConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::new("config", e.to_string()))
    }

    /// Validates everything once; the first mistake is returned, naming its key.
    pub fn validate(self) -> Result<ShipperConfig, ConfigError> {
        let state_dir = self
            .state
            .clone()
            .ok_or_else(|| ConfigError::new("state", "is required (the folder for checkpoints)"))?;
        if self.sources.is_empty() {
            return Err(ConfigError::new(
                "sources",
                "at least one source is required",
            ));
        }
        let max_line_bytes = positive(
            "limits.max_line_bytes",
            self.limits
                .max_line_bytes
                .unwrap_or(faultline_parse::lines::DEFAULT_MAX_LINE_BYTES),
        )?;
        let mut sources = Vec::new();
        let mut stdin = None;
        for (i, raw) in self.sources.iter().enumerate() {
            let source = validate_source(i, raw, self.service.as_deref(), max_line_bytes)?;
            if raw.include.iter().any(|p| p == STDIN) {
                if stdin.is_some() {
                    return Err(ConfigError::new(
                        format!("sources[{i}].include"),
                        "standard input (\"-\") can be read by one source only",
                    ));
                }
                stdin = Some(source);
            } else {
                sources.push(source);
            }
        }
        Ok(ShipperConfig {
            state_dir,
            host: self.host.clone().unwrap_or_else(hostname),
            tail: self.tail_config(&sources)?,
            collector: self.collector_config()?,
            metrics_listen: listen_addr(self.metrics.listen.as_deref())?,
            spool: self.spool.enabled.unwrap_or(true),
            shutdown_timeout: Duration::from_millis(self.shutdown_timeout_ms.unwrap_or(10_000)),
            sources,
            stdin,
        })
    }

    fn collector_config(&self) -> Result<CollectorConfig, ConfigError> {
        let c = &self.collector;
        let url = c.url.as_deref().ok_or_else(|| {
            ConfigError::new(
                "collector.url",
                "is required (such as http://127.0.0.1:7080)",
            )
        })?;
        Ok(CollectorConfig {
            ingest_url: ingest_url(url)?,
            token: c.token.clone().filter(|t| !t.is_empty()),
            batch_max_bytes: positive(
                "collector.batch_max_bytes",
                c.batch_max_bytes.unwrap_or(1 << 20),
            )?,
            batch_max_wait: Duration::from_millis(c.batch_max_wait_ms.unwrap_or(1000)),
            gzip: c.gzip.unwrap_or(true),
            max_in_flight: positive("collector.max_in_flight", c.max_in_flight.unwrap_or(4))?,
            request_timeout: Duration::from_millis(positive(
                "collector.request_timeout_ms",
                c.request_timeout_ms.unwrap_or(30_000),
            )?),
            parse_at: match c.parse_at.as_deref() {
                None | Some("shipper") => ParseAt::Shipper,
                Some("collector") => ParseAt::Collector,
                Some(other) => {
                    return Err(ConfigError::new(
                        "collector.parse_at",
                        format!("{other:?} is not shipper or collector"),
                    ));
                }
            },
        })
    }

    fn tail_config(&self, sources: &[Source]) -> Result<TailConfig, ConfigError> {
        let d = TailConfig::default();
        let t = &self.tail;
        Ok(TailConfig {
            sources: sources
                .iter()
                .map(|s| faultline_tail::SourceConfig {
                    include: s.include.clone(),
                    exclude: s.exclude.clone(),
                    start_at: s.start_at,
                })
                .collect(),
            poll_interval_ms: positive(
                "tail.poll_interval_ms",
                t.poll_interval_ms.unwrap_or(d.poll_interval_ms),
            )?,
            read_chunk_bytes: positive(
                "tail.read_chunk_bytes",
                t.read_chunk_bytes.unwrap_or(d.read_chunk_bytes),
            )?,
            close_deleted_after_ms: t.close_deleted_after_ms.unwrap_or(d.close_deleted_after_ms),
            close_inactive_after_ms: t
                .close_inactive_after_ms
                .unwrap_or(d.close_inactive_after_ms),
            max_open_files: positive(
                "tail.max_open_files",
                t.max_open_files.unwrap_or(d.max_open_files),
            )?,
            notify: t.notify.unwrap_or(d.notify),
        })
    }
}

fn validate_source(
    i: usize,
    raw: &RawSource,
    default_service: Option<&str>,
    max_line_bytes: usize,
) -> Result<Source, ConfigError> {
    let key = |k: &str| format!("sources[{i}].{k}");
    if raw.include.is_empty() {
        return Err(ConfigError::new(
            key("include"),
            "needs at least one glob (or \"-\")",
        ));
    }
    if raw.include.len() > 1 && raw.include.iter().any(|p| p == STDIN) {
        return Err(ConfigError::new(
            key("include"),
            "\"-\" (standard input) must stand alone",
        ));
    }
    let start_at = match raw.start_at.as_deref() {
        None | Some("beginning") => StartAt::Beginning,
        Some("end") => StartAt::End,
        Some(other) => {
            return Err(ConfigError::new(
                key("start_at"),
                format!("{other:?} is not beginning or end"),
            ));
        }
    };
    let rule = Rule::preset(raw.multiline.as_deref().unwrap_or("auto"))
        .map_err(|e| ConfigError::new(key("multiline"), e.to_string()))?;
    let options = Options {
        format: raw.format.clone(),
        max_line_bytes,
        multiline: MultilineConfig {
            rule,
            flush_timeout_ms: raw.flush_timeout_ms.unwrap_or(2000),
            ..MultilineConfig::default()
        },
        context: Context {
            year: current_year(),
        },
    };
    let parser = Parser::new(Registry::builtin(), options)
        .map_err(|e| ConfigError::new(key("format"), e.to_string()))?;
    Ok(Source {
        include: raw.include.clone(),
        exclude: raw.exclude.clone(),
        service: raw.service.clone().or(default_service.map(str::to_string)),
        start_at,
        parser,
        multiline: raw.multiline.clone().filter(|m| m != "auto"),
    })
}

fn positive<T: PartialEq + Default>(key: &str, value: T) -> Result<T, ConfigError> {
    if value == T::default() {
        return Err(ConfigError::new(key, "must be greater than 0"));
    }
    Ok(value)
}

/// `http://host:port` or a full `.../api/v1/ingest` URL.
fn ingest_url(url: &str) -> Result<String, ConfigError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| ConfigError::new("collector.url", format!("{url:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ConfigError::new(
            "collector.url",
            format!("{url:?}: use http:// or https://"),
        ));
    }
    let base = url.trim_end_matches('/');
    Ok(if base.ends_with("/api/v1/ingest") {
        base.to_string()
    } else {
        format!("{base}/api/v1/ingest")
    })
}

fn listen_addr(listen: Option<&str>) -> Result<Option<SocketAddr>, ConfigError> {
    listen
        .map(|l| {
            l.parse()
                .map_err(|e| ConfigError::new("metrics.listen", format!("{l:?}: {e}")))
        })
        .transpose()
}

/// This machine's name, as the kernel knows it.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

fn current_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // Days since 1970 to a civil year: good to the day, which is all a
    // year-less syslog timestamp needs.
    (1970.0 + secs as f64 / 31_556_952.0) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(text: &str) -> Result<ShipperConfig, String> {
        RawConfig::from_toml(text)
            .and_then(RawConfig::validate)
            .map_err(|e| e.to_string())
    }

    const MINIMAL: &str = "state = \"/tmp/s\"\n[[sources]]\ninclude = [\"/var/log/*.log\"]\n[collector]\nurl = \"http://127.0.0.1:7080\"\n";

    #[test]
    fn minimal_config_gets_the_documented_defaults() {
        let config = validate(MINIMAL).unwrap();
        assert_eq!(
            config.collector.ingest_url,
            "http://127.0.0.1:7080/api/v1/ingest"
        );
        assert_eq!(config.collector.batch_max_bytes, 1 << 20);
        assert_eq!(config.collector.batch_max_wait, Duration::from_secs(1));
        assert!(config.collector.gzip && config.spool);
        assert_eq!(config.collector.max_in_flight, 4);
        assert_eq!(config.collector.parse_at, ParseAt::Shipper);
        assert_eq!(config.sources.len(), 1);
        assert!(config.stdin.is_none());
        assert!(!config.host.is_empty());
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("[collector]\nurl = \"x\"", "state"),
            (
                &MINIMAL.replace("/var/log/*.log", "-\", \"a"),
                "sources[0].include",
            ),
            (&format!("{MINIMAL}[sources.x]"), "config"),
            (
                &MINIMAL.replace("include", "format = \"nope\"\ninclude"),
                "sources[0].format",
            ),
            (
                &MINIMAL.replace("include", "multiline = \"zigzag\"\ninclude"),
                "sources[0].multiline",
            ),
            (
                &MINIMAL.replace("include", "start_at = \"middle\"\ninclude"),
                "sources[0].start_at",
            ),
            (
                &MINIMAL.replace("http://127.0.0.1:7080", "ftp://x"),
                "collector.url",
            ),
            (
                &format!("{MINIMAL}max_in_flight = 0\n"),
                "collector.max_in_flight",
            ),
            (
                &format!("{MINIMAL}[metrics]\nlisten = \"nowhere\"\n"),
                "metrics.listen",
            ),
            (&format!("{MINIMAL}[limits]\nmax_line_byte = 3\n"), "config"),
            (
                &format!("{MINIMAL}parse_at = \"elsewhere\"\n"),
                "collector.parse_at",
            ),
        ];
        for (text, key) in cases {
            let err = validate(text).unwrap_err();
            assert!(err.starts_with(&format!("{key}: ")), "{key}: {err}");
        }
    }

    #[test]
    fn the_example_in_deploy_is_valid_and_says_what_it_means() {
        let config = validate(include_str!("../../../deploy/shipper.toml")).unwrap();
        assert_eq!(config.sources[0].service.as_deref(), Some("checkout"));
        assert_eq!(config.sources[0].exclude, vec!["**/*.tmp".to_string()]);
        assert_eq!(config.collector.max_in_flight, 4);
        assert_eq!(config.tail.close_deleted_after_ms, 5000);
        assert_eq!(
            config.metrics_listen,
            Some("127.0.0.1:9102".parse().unwrap())
        );
    }

    #[test]
    fn parse_at_collector_keeps_the_preset_name() {
        let text = MINIMAL.replace("include", "multiline = \"indented\"\ninclude");
        let config = validate(&format!("{text}parse_at = \"collector\"\n")).unwrap();
        assert_eq!(config.collector.parse_at, ParseAt::Collector);
        assert_eq!(config.sources[0].multiline.as_deref(), Some("indented"));
    }

    #[test]
    fn stdin_is_its_own_source() {
        let text = MINIMAL.replace("/var/log/*.log", "-");
        let config = validate(&text).unwrap();
        assert!(config.stdin.is_some());
        assert!(config.sources.is_empty());
    }
}
