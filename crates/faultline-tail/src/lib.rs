//! File tailing for the faultline shipper.
//!
//! A [`Tailer`] finds the files its sources' globs match (notify, with a
//! polling fallback), identifies each by the checksum of its first line
//! ([`faultline_event::SourcePos::file_id_of`]), and hands their new bytes to
//! its consumer as [`Notice::Data`], in order and never twice within a run. It
//! follows rotation by rename and by copytruncate, truncation, deletion while
//! open and `.gz` rotated files, and says [`Notice::Closed`] when a file id
//! will never get another byte. It does not split lines: that is the
//! consumer's job.
//!
//! Where a file resumes after a restart is [`Checkpoints`]: the consumer
//! commits an offset only once everything before it was delivered (the
//! collector acknowledged it), so a restart may re-read, never skip.
//!
//! ```no_run
//! use faultline_tail::{Checkpoints, Notice, SourceConfig, StartAt, TailConfig, Tailer};
//! use std::{path::Path, time::Duration};
//!
//! let checkpoints = Checkpoints::load(Path::new("/var/lib/faultline"))?;
//! let config = TailConfig {
//!     sources: vec![SourceConfig {
//!         include: vec!["/var/log/app/**/*.log".into()],
//!         exclude: vec![],
//!         start_at: StartAt::Beginning,
//!     }],
//!     ..TailConfig::default()
//! };
//! let mut tailer = Tailer::new(config, checkpoints.clone())?;
//! loop {
//!     let read = tailer.read(1 << 20, &mut |notice| match notice {
//!         Notice::Data { file_id, path, offset, bytes, .. } => {
//!             // Split into lines, ship them, and once the collector acknowledged:
//!             checkpoints.commit(file_id, path, offset + bytes.len() as u64);
//!         }
//!         Notice::Closed { .. } => {}
//!     })?;
//!     checkpoints.save()?;
//!     if read == 0 {
//!         tailer.wait(Duration::from_millis(250));
//!     }
//! }
//! # Ok::<(), faultline_tail::TailError>(())
//! ```

mod checkpoint;
mod config;
mod error;
mod file;
mod scan;
mod sources;
mod tailer;
mod watch;

pub use checkpoint::Checkpoints;
pub use config::{SourceConfig, StartAt, TailConfig};
pub use error::TailError;
pub use tailer::{CloseReason, FileStat, Notice, TailStats, Tailer};

/// A file's content identity: [`faultline_event::SourcePos::file_id_of`] of
/// its first line, the same string events carry in `source.file_id`. A file
/// truncated in place whose new first line equals the old one gets a
/// generation suffix (`<hash>-2`, `<hash>-3`, …), kept in the checkpoints so it
/// is stable across restarts.
pub type FileId = String;
