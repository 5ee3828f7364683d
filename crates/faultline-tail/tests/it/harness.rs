//! A tailer over a temporary folder, recording every notice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use faultline_tail::{Checkpoints, CloseReason, Notice, SourceConfig, StartAt, TailConfig, Tailer};

/// How long a test waits for a condition before failing (never asserted as
/// a duration: only a bound so a broken tailer fails instead of hanging).
const PATIENCE: Duration = Duration::from_secs(20);

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub state: PathBuf,
    pub checkpoints: Checkpoints,
    pub tailer: Tailer,
    pub include: Vec<String>,
    pub start_at: StartAt,
    /// Bytes per file id, in delivery order.
    pub data: BTreeMap<String, Vec<u8>>,
    /// Offset of the first byte delivered per id this run.
    pub first_offset: BTreeMap<String, u64>,
    pub closed: Vec<(String, CloseReason)>,
    pub paths: BTreeMap<String, PathBuf>,
}

pub fn config(include: &[String], start_at: StartAt) -> TailConfig {
    TailConfig {
        sources: vec![SourceConfig {
            include: include.to_vec(),
            exclude: vec!["*.skip".into()],
            start_at,
        }],
        poll_interval_ms: 1,
        read_chunk_bytes: 4096,
        close_deleted_after_ms: 20,
        close_inactive_after_ms: 50,
        max_open_files: 64,
        notify: true,
    }
}

impl Harness {
    /// Tails `globs` (relative to the temporary folder).
    pub fn new(globs: &[&str], start_at: StartAt) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let include: Vec<String> = globs
            .iter()
            .map(|g| format!("{}/{g}", dir.path().display()))
            .collect();
        let checkpoints = Checkpoints::load(&state).unwrap();
        let tailer = Tailer::new(config(&include, start_at), checkpoints.clone()).unwrap();
        Harness {
            dir,
            state,
            checkpoints,
            tailer,
            include,
            start_at,
            data: BTreeMap::new(),
            first_offset: BTreeMap::new(),
            closed: Vec::new(),
            paths: BTreeMap::new(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// One `read` call; returns bytes and notices seen.
    pub fn step(&mut self) -> usize {
        let mut notices = 0;
        let (data, first, closed, paths) = (
            &mut self.data,
            &mut self.first_offset,
            &mut self.closed,
            &mut self.paths,
        );
        let bytes = self
            .tailer
            .read(1 << 20, &mut |notice| {
                notices += 1;
                record(notice, data, first, closed, paths);
            })
            .unwrap();
        bytes + notices
    }

    /// One `read` call in which `writer` runs right after the first `Data`
    /// notice, while the tailer is between reads and before it scans again
    /// (what a writer does to a tailer that lags). Returns whether it ran.
    pub fn step_with(&mut self, writer: &mut dyn FnMut()) -> bool {
        let mut ran = false;
        let (data, first, closed, paths) = (
            &mut self.data,
            &mut self.first_offset,
            &mut self.closed,
            &mut self.paths,
        );
        self.tailer
            .read(1 << 20, &mut |notice| {
                let is_data = matches!(notice, Notice::Data { .. });
                record(notice, data, first, closed, paths);
                if is_data && !ran {
                    ran = true;
                    writer();
                }
            })
            .unwrap();
        ran
    }

    /// Reads until two rounds in a row, each after a scan, bring nothing.
    pub fn quiesce(&mut self) {
        let mut idle = 0;
        while idle < 2 {
            std::thread::sleep(Duration::from_millis(2));
            idle = if self.step() == 0 { idle + 1 } else { 0 };
        }
    }

    /// Reads until `done` holds; fails after a generous bound.
    pub fn until(&mut self, what: &str, done: impl Fn(&Harness) -> bool) {
        let start = Instant::now();
        while !done(self) {
            assert!(
                start.elapsed() < PATIENCE,
                "gave up waiting for {what}; closed: {:?}",
                self.closed
            );
            self.step();
            self.tailer.wait(Duration::from_millis(5));
        }
    }

    /// Commits everything delivered, saves, and starts a new tailer over
    /// the reloaded checkpoints (what a restart does).
    pub fn restart_committing_all(&mut self) {
        for (id, bytes) in &self.data {
            let end = self.first_offset[id] + bytes.len() as u64;
            self.checkpoints.commit(id, &self.paths[id], end);
        }
        self.restart();
    }

    pub fn restart(&mut self) {
        self.checkpoints.save().unwrap();
        self.checkpoints = Checkpoints::load(&self.state).unwrap();
        self.tailer = Tailer::new(
            config(&self.include, self.start_at),
            self.checkpoints.clone(),
        )
        .unwrap();
    }

    pub fn closed_with(&self, id: &str) -> Option<CloseReason> {
        self.closed
            .iter()
            .rev()
            .find(|(i, _)| i == id)
            .map(|(_, r)| *r)
    }
}

fn record(
    notice: Notice<'_>,
    data: &mut BTreeMap<String, Vec<u8>>,
    first: &mut BTreeMap<String, u64>,
    closed: &mut Vec<(String, CloseReason)>,
    paths: &mut BTreeMap<String, PathBuf>,
) {
    match notice {
        Notice::Data {
            file_id,
            path,
            offset,
            bytes,
            ..
        } => {
            let start = *first.entry(file_id.to_string()).or_insert(offset);
            let got = data.entry(file_id.to_string()).or_default();
            assert_eq!(
                offset,
                start + got.len() as u64,
                "a gap or an overlap in {file_id} at {}",
                path.display()
            );
            got.extend_from_slice(bytes);
            paths.insert(file_id.to_string(), path.to_path_buf());
        }
        Notice::Closed {
            file_id, reason, ..
        } => closed.push((file_id.to_string(), reason)),
    }
}

/// The id of a file whose first line is `line`.
pub fn id_of(line: &str) -> String {
    faultline_event::SourcePos::file_id_of(line.as_bytes())
}

pub fn append(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(bytes).unwrap();
}

/// Empties `path` in place (what `truncate -s 0` does).
pub fn truncate(path: &Path) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(0)
        .unwrap();
}

/// logrotate's copytruncate: copies `path` to `to`, then empties `path`.
pub fn copy_truncate(path: &Path, to: &Path) {
    std::fs::copy(path, to).unwrap();
    truncate(path);
}

/// `count` numbered lines starting at `from`, each with `tag`.
pub fn lines(tag: &str, from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("{tag} line {i}\n"))
        .collect()
}
