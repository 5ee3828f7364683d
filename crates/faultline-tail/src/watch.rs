//! Change notifications from notify, with polling as the fallback.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::Duration;

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

/// Watches the sources' folders; when notify is unavailable (or a folder
/// does not exist yet) the tailer's poll interval covers it.
pub(crate) struct Watch {
    watcher: Option<RecommendedWatcher>,
    events: Receiver<()>,
    watched: Vec<PathBuf>,
}

impl Watch {
    pub(crate) fn new() -> Watch {
        let (tx, events) = channel();
        let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if event.is_ok() {
                let _ = tx.send(());
            }
        });
        let watcher = match watcher {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!(error = %e, "file notifications unavailable, polling only");
                None
            }
        };
        Watch {
            watcher,
            events,
            watched: Vec::new(),
        }
    }

    /// No notifications: changes are seen at the poll interval.
    pub(crate) fn polling() -> Watch {
        let (_, events) = channel();
        Watch {
            watcher: None,
            events,
            watched: Vec::new(),
        }
    }

    /// Starts watching the roots that exist and are not watched yet.
    pub(crate) fn watch<'a>(&mut self, roots: impl Iterator<Item = &'a Path>) {
        let Some(watcher) = self.watcher.as_mut() else {
            return;
        };
        for root in roots {
            if self.watched.iter().any(|w| w == root) || !root.is_dir() {
                continue;
            }
            match watcher.watch(root, RecursiveMode::Recursive) {
                Ok(()) => self.watched.push(root.to_path_buf()),
                Err(e) => {
                    tracing::debug!(path = %root.display(), error = %e, "cannot watch folder")
                }
            }
        }
    }

    /// Blocks until a change is reported or `timeout` passes; true when something changed.
    pub(crate) fn wait(&mut self, timeout: Duration) -> bool {
        if self.watcher.is_none() {
            std::thread::sleep(timeout);
            return false;
        }
        let changed = match self.events.recv_timeout(timeout) {
            Ok(()) => true,
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(timeout);
                false
            }
        };
        self.drain() || changed
    }

    /// Consumes pending notifications; true when there were any.
    pub(crate) fn drain(&mut self) -> bool {
        let mut any = false;
        while self.events.try_recv().is_ok() {
            any = true;
        }
        any
    }
}
