//! Severity levels, parsed leniently from what logging libraries print.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The severity of an event, from the most verbose to the most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// Reads a level the way logging libraries spell it: `WARNING`, `warn`, `W`,
    /// `ERR`, `CRITICAL`, `panic`, syslog's `notice`, or the numeric levels of
    /// pino and bunyan (`10`..`60`). Returns `None` for anything else.
    pub fn parse(text: &str) -> Option<Level> {
        // The longest spelling below is "informational".
        const LONGEST: usize = 13;
        let text = text.trim();
        if text.len() > LONGEST || text.is_empty() {
            return None;
        }
        let mut buf = [0u8; LONGEST];
        let lower = &mut buf[..text.len()];
        lower.copy_from_slice(text.as_bytes());
        lower.make_ascii_lowercase();
        let level = match &*lower {
            b"trace" | b"t" | b"finest" | b"finer" | b"verbose" | b"vrb" | b"trc" | b"10" => {
                Level::Trace
            }
            b"debug" | b"d" | b"dbg" | b"fine" | b"config" | b"20" => Level::Debug,
            b"info" | b"i" | b"inf" | b"information" | b"informational" | b"notice" | b"30" => {
                Level::Info
            }
            b"warn" | b"warning" | b"w" | b"wrn" | b"40" => Level::Warn,
            b"error" | b"err" | b"e" | b"eror" | b"severe" | b"50" => Level::Error,
            b"fatal" | b"f" | b"ftl" | b"critical" | b"crit" | b"alert" | b"emerg"
            | b"emergency" | b"panic" | b"dpanic" | b"60" => Level::Fatal,
            _ => return None,
        };
        Some(level)
    }

    /// The syslog severity (0..=7) as a level.
    pub fn from_syslog_severity(severity: u8) -> Level {
        match severity {
            0..=2 => Level::Fatal,
            3 => Level::Error,
            4 => Level::Warn,
            5 | 6 => Level::Info,
            _ => Level::Debug,
        }
    }

    /// The lowercase name used in event JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// True for `warn` and above: the levels whose following stack trace belongs
    /// to them.
    pub fn is_warning_or_above(self) -> bool {
        self >= Level::Warn
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Level;

    #[test]
    fn spellings_of_common_libraries() {
        let cases = [
            ("WARNING", Some(Level::Warn)),
            ("warn", Some(Level::Warn)),
            ("ERR", Some(Level::Error)),
            ("CRITICAL", Some(Level::Fatal)),
            ("SEVERE", Some(Level::Error)),
            ("50", Some(Level::Error)),
            ("30", Some(Level::Info)),
            (" Info ", Some(Level::Info)),
            ("notice", Some(Level::Info)),
            ("Informational", Some(Level::Info)),
            ("EMERGENCY", Some(Level::Fatal)),
            ("", None),
            ("12", None),
            ("information-overload", None),
        ];
        for (text, want) in cases {
            assert_eq!(Level::parse(text), want, "{text:?}");
        }
    }

    #[test]
    fn order_runs_from_verbose_to_severe() {
        assert!(Level::Warn.is_warning_or_above());
        assert!(Level::Fatal.is_warning_or_above());
        assert!(!Level::Info.is_warning_or_above());
        assert_eq!(Level::from_syslog_severity(3), Level::Error);
    }
}
