//! The shipper's errors: one for configuration, one for running.

use std::path::PathBuf;

/// A configuration mistake, naming the key it is about.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Why the shipper could not start or stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    #[error(transparent)]
    Tail(#[from] faultline_tail::TailError),
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("metrics listener {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("http client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("the reader thread failed: {0}")]
    Reader(String),
}

impl ShipError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        ShipError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
