//! What to tail: sources (globs, excludes, start position) and the tailer's limits.

/// Where to start reading a file seen for the first time (no checkpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartAt {
    /// Read the whole file.
    #[default]
    Beginning,
    /// Skip what the file holds when first seen; read only what is appended.
    /// Files created after the tailer started are always read from the beginning.
    End,
}

/// One configured source: globs (with `**`), excludes, start position for new files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceConfig {
    /// Glob patterns of the files to tail (`/var/log/app/**/*.log`).
    pub include: Vec<String>,
    /// Glob patterns of files to leave alone even when an include matches (`**/*.tmp`).
    pub exclude: Vec<String>,
    /// Where to start a file seen for the first time without a checkpoint.
    pub start_at: StartAt,
}

/// The tailer's sources and limits.
#[derive(Debug, Clone)]
pub struct TailConfig {
    pub sources: Vec<SourceConfig>,
    /// How often to rescan globs and stat open files when notify says nothing
    /// (default 250 ms; a new file is noticed within 1 s).
    pub poll_interval_ms: u64,
    /// Bytes read per file per turn, for fairness (default 256 KiB).
    pub read_chunk_bytes: usize,
    /// A deleted (unlinked) file is read to its end and then closed within
    /// this (default 5 s after its last growth).
    pub close_deleted_after_ms: u64,
    /// A file rotated away (renamed, no longer matched or replaced at its
    /// path) that has not grown for this long is closed (default 30 s); its
    /// rest is read first.
    pub close_inactive_after_ms: u64,
    /// At most this many files open at once (default 1024); the rest wait
    /// their turn (fairly).
    pub max_open_files: usize,
    /// Wake on file-system notifications (notify: inotify, FSEvents...) as
    /// well as on the poll interval (default true). Off, every change is
    /// seen at the next poll: up to `poll_interval_ms` later, but without a
    /// wakeup per write of an application that logs line by line.
    pub notify: bool,
}

impl Default for TailConfig {
    fn default() -> Self {
        TailConfig {
            sources: Vec::new(),
            poll_interval_ms: 250,
            read_chunk_bytes: 256 * 1024,
            close_deleted_after_ms: 5_000,
            close_inactive_after_ms: 30_000,
            max_open_files: 1024,
            notify: true,
        }
    }
}
