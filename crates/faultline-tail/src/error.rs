//! The one error type of the crate.

use std::path::PathBuf;

/// What can go wrong tailing files.
#[derive(Debug, thiserror::Error)]
pub enum TailError {
    /// A source's include or exclude pattern is not a valid glob.
    #[error("invalid glob {glob:?}: {message}")]
    BadGlob { glob: String, message: String },
    /// The configuration cannot work (no sources, a zero limit).
    #[error("invalid tail configuration: {0}")]
    Config(String),
    /// The checkpoint file exists but cannot be read as one.
    #[error(
        "corrupt checkpoint file {path}: {message} (fix or move it away; refusing to start over silently)"
    )]
    CorruptCheckpoint { path: PathBuf, message: String },
    /// Reading or writing a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl TailError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        TailError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
