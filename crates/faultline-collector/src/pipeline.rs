//! What happens to events between decoding and the store: each gets its
//! idempotency key, errors and warnings are fingerprinted (one template miner,
//! behind a lock, because it learns in arrival order), every event gets its
//! message template, and new groups are described for the group store.

use faultline_event::Event;
use faultline_fingerprint::template::TemplateMiner;
use faultline_fingerprint::{Fingerprinter, culprit, culprit_module, mask, title};
use faultline_store::{GroupMeta, Incoming, IngestOutcome, Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file in the data folder holding the mined message templates (shared
/// with `faultline analyze --data`, so group ids agree).
pub const TEMPLATES_FILE: &str = "templates.json";

/// Fingerprints batches and hands them to the store.
#[derive(Debug)]
pub struct Pipeline {
    fingerprinter: Mutex<Fingerprinter>,
    templates: PathBuf,
}

/// Why the pipeline could not start or save its state.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path}: not a template file: {reason}")]
    Templates { path: String, reason: String },
    #[error("fingerprint: {0}")]
    Config(#[from] faultline_fingerprint::ConfigError),
}

impl Pipeline {
    /// Continues from the templates saved in `data`, if any.
    pub fn open(config: faultline_fingerprint::Config, data: &Path) -> Result<Self, PipelineError> {
        let templates = data.join(TEMPLATES_FILE);
        let miner = load_miner(&templates)?;
        Ok(Pipeline {
            fingerprinter: Mutex::new(Fingerprinter::with_miner(config, miner)?),
            templates,
        })
    }

    /// Fingerprints `events` and stores them; returns once the store has them
    /// durably.
    pub fn ingest(
        &self,
        store: &Store,
        events: Vec<Incoming>,
    ) -> Result<IngestOutcome, StoreError> {
        if events.is_empty() {
            return Ok(IngestOutcome::default());
        }
        store.ingest(self.prepare(events), &describe)
    }

    /// Fingerprints a batch under one lock; returns the store's input. Each
    /// fingerprinted event carries its `explanation`. An event given only a
    /// template keeps its received line (`verbatim`); one fingerprinted
    /// (its frames marked in-app, its fingerprint set) no longer matches it.
    pub fn prepare(&self, mut events: Vec<Incoming>) -> Vec<Incoming> {
        let mut fingerprinter = self
            .fingerprinter
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for incoming in &mut events {
            let event = &mut incoming.event;
            if is_grouped(event) {
                fingerprinter.apply(event);
                incoming.verbatim = None;
            } else if event.template.is_none() {
                event.template = Some(mask::mask(&event.message));
            }
        }
        events
    }

    /// Writes the template miner's state atomically (a temporary file, then a
    /// rename).
    pub fn save_templates(&self) -> Result<(), PipelineError> {
        let fingerprinter = self
            .fingerprinter
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        save_miner(&self.templates, fingerprinter.miner())
    }
}

pub use faultline_fingerprint::is_grouped;

/// The idempotency key of an event: `file_id:offset` when the event says
/// where it came from, else `batch_id:line` when the batch has an id, else
/// none (stored without deduplication).
pub fn key_of(event: &Event, batch_id: Option<&str>, line: usize) -> Option<String> {
    // Built by hand: `format!` costs several times as much, once per event.
    let key = |prefix: &str, n: u64| {
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(n);
        let mut key = String::with_capacity(prefix.len() + 1 + digits.len());
        key.push_str(prefix);
        key.push(':');
        key.push_str(digits);
        key
    };
    match (&event.source, batch_id) {
        (Some(source), _) if !source.file_id.is_empty() => {
            Some(key(&source.file_id, source.offset))
        }
        (_, Some(batch)) if !batch.is_empty() => Some(key(batch, line as u64)),
        _ => None,
    }
}

/// How a new group presents itself, from its first (fingerprinted) event:
/// what the group store keeps and `faultline analyze` prints.
pub fn describe(event: &Event) -> GroupMeta {
    GroupMeta {
        title: title(event),
        culprit: culprit(event),
        module: culprit_module(event).or_else(|| event.logger.clone()),
        explanation: event.explanation.clone().unwrap_or_default(),
    }
}

/// Reads a saved template miner; a missing file is a fresh miner.
pub fn load_miner(path: &Path) -> Result<TemplateMiner, PipelineError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| PipelineError::Templates {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(TemplateMiner::new()),
        Err(error) => Err(PipelineError::Io {
            path: path.display().to_string(),
            error,
        }),
    }
}

/// Writes a template miner's state atomically: a temporary file, then a rename.
pub fn save_miner(path: &Path, miner: &TemplateMiner) -> Result<(), PipelineError> {
    let bytes = serde_json::to_vec(miner).map_err(|e| PipelineError::Templates {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let temp = path.with_extension("json.tmp");
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |error| PipelineError::Io { path, error }
    };
    std::fs::write(&temp, bytes).map_err(io(&temp))?;
    std::fs::rename(&temp, path).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faultline_event::{Level, SourcePos};
    use faultline_store::Verbatim;
    use std::sync::Arc;

    /// `event` as received in a wire batch, with its line.
    fn received(key: Option<&str>, event: Event) -> Incoming {
        let line = serde_json::to_vec(&event).unwrap();
        Incoming {
            verbatim: Some(Verbatim {
                range: 0..line.len(),
                body: Arc::new(line),
            }),
            event,
            key: key.map(String::from),
        }
    }

    #[test]
    fn keys_prefer_the_source_position_then_the_batch_line() {
        let mut event = Event::new("x");
        assert_eq!(key_of(&event, None, 3), None);
        assert_eq!(key_of(&event, Some("b-1"), 3), Some("b-1:3".into()));
        event.source = Some(SourcePos {
            path: "/var/log/a.log".into(),
            file_id: "00ff".into(),
            offset: 42,
        });
        assert_eq!(key_of(&event, Some("b-1"), 3), Some("00ff:42".into()));
        event.source.as_mut().unwrap().file_id.clear();
        assert_eq!(key_of(&event, None, 3), None);
    }

    #[test]
    fn errors_are_fingerprinted_and_info_only_templated() {
        let dir = tempfile::tempdir().unwrap();
        let pipeline = Pipeline::open(Default::default(), dir.path()).unwrap();
        let mut error = Event::new("payment 4411 failed");
        error.level = Some(Level::Error);
        let mut info = Event::new("user 17 logged in");
        info.level = Some(Level::Info);
        let batch = pipeline.prepare(vec![received(Some("k:1"), error), received(None, info)]);
        assert!(batch[0].event.fingerprint.is_some());
        let explanation = batch[0].event.explanation.as_deref().unwrap();
        assert!(explanation.starts_with("grouped by"));
        assert_eq!(describe(&batch[0].event).explanation, explanation);
        assert_eq!(batch[0].key.as_deref(), Some("k:1"));
        assert_eq!(batch[1].event.fingerprint, None);
        assert_eq!(
            batch[1].event.template.as_deref(),
            Some("user <num> logged in")
        );
        assert!(
            batch[0].verbatim.is_none(),
            "a fingerprinted event is changed"
        );
        assert!(batch[1].verbatim.is_some(), "a templated one is its line");
    }

    #[test]
    fn templates_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let pipeline = Pipeline::open(Default::default(), dir.path()).unwrap();
        let mut event = Event::new("disk /dev/sda1 is 91% full");
        event.level = Some(Level::Warn);
        let first = pipeline.prepare(vec![received(None, event.clone())]);
        pipeline.save_templates().unwrap();
        let reopened = Pipeline::open(Default::default(), dir.path()).unwrap();
        let again = reopened.prepare(vec![received(None, event)]);
        assert_eq!(first[0].event.fingerprint, again[0].event.fingerprint);
        assert!(dir.path().join(TEMPLATES_FILE).exists());
    }
}
