//! The keys of stored events, so that a retried event is counted once.
//!
//! A key (`file_id:offset`, `batch_id:line`) is kept as its 64-bit xxh3 hash
//! under the UTC day of its event: a retry carries the same event, so the same
//! day, and retention drops a day's keys with the day's events. In memory a
//! day is a hash set (about 10–20 bytes per key); on disk it is
//! `seen/YYYY-MM-DD.keys`, an 8-byte header then one little-endian `u64` per
//! key, appended and fsynced at each checkpoint. Keys stored since the last
//! checkpoint are rebuilt from the write-ahead log on open.

use crate::StoreError;
use crate::fsutil::{io_err, sync_dir};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"FLSEEN01";

/// The hash a key is remembered by.
pub(crate) fn key_hash(key: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key.as_bytes())
}

/// The keys are hashes already: use them as they are.
#[derive(Default)]
pub(crate) struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type KeySet = HashSet<u64, BuildHasherDefault<IdentityHasher>>;

/// Every stored key within retention, by day.
#[derive(Debug, Default)]
pub(crate) struct SeenKeys {
    days: BTreeMap<NaiveDate, KeySet>,
}

impl SeenKeys {
    /// Loads the day files in `dir`, repairing a torn tail.
    pub(crate) fn load(dir: &Path) -> Result<SeenKeys, StoreError> {
        fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let mut seen = SeenKeys::default();
        for (day, path) in day_files(dir)? {
            let bytes = fs::read(&path).map_err(|e| io_err(&path, e))?;
            let keys = repair(&path, &bytes)?;
            let set = seen.days.entry(day).or_default();
            set.extend(
                keys.chunks_exact(8)
                    .map(|c| u64::from_le_bytes(c.try_into().expect("chunks of eight bytes"))),
            );
        }
        Ok(seen)
    }

    /// Whether the key was stored under `day`, or under the day before when
    /// the event's time was inferred at ingest (a retry may cross midnight).
    pub(crate) fn contains(&self, day: NaiveDate, hash: u64, inferred: bool) -> bool {
        let has = |d: NaiveDate| self.days.get(&d).is_some_and(|s| s.contains(&hash));
        has(day) || (inferred && day.pred_opt().is_some_and(has))
    }

    /// Remembers a key; false when it was already there.
    pub(crate) fn insert(&mut self, day: NaiveDate, hash: u64) -> bool {
        self.days.entry(day).or_default().insert(hash)
    }

    pub(crate) fn remove(&mut self, day: NaiveDate, hash: u64) {
        if let Some(set) = self.days.get_mut(&day) {
            set.remove(&hash);
        }
    }

    /// Forgets the days before `keep_from`.
    pub(crate) fn retain(&mut self, keep_from: NaiveDate) {
        self.days = self.days.split_off(&keep_from);
    }

    pub(crate) fn len(&self) -> usize {
        self.days.values().map(HashSet::len).sum()
    }
}

/// Keys stored since the last checkpoint, waiting to be appended to their
/// day files. Owned by the commit thread.
#[derive(Debug)]
pub(crate) struct SeenLog {
    dir: PathBuf,
    pending: BTreeMap<NaiveDate, Vec<u8>>,
}

impl SeenLog {
    pub(crate) fn new(dir: &Path) -> SeenLog {
        SeenLog {
            dir: dir.to_path_buf(),
            pending: BTreeMap::new(),
        }
    }

    pub(crate) fn push(&mut self, day: NaiveDate, hash: u64) {
        let buf = self.pending.entry(day).or_default();
        buf.extend_from_slice(&hash.to_le_bytes());
    }

    /// Appends the pending keys to their day files and fsyncs them. A day
    /// whose write fails (a full disk) keeps its keys pending for the next
    /// flush, and its file is cut back to whole keys, so a later append
    /// cannot land out of step.
    pub(crate) fn flush(&mut self) -> Result<(), StoreError> {
        let mut created = false;
        let mut result = Ok(());
        while let Some((&day, keys)) = self.pending.first_key_value() {
            match append_keys(&day_path(&self.dir, day), keys) {
                Ok(new_file) => created |= new_file,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            self.pending.remove(&day);
        }
        if created {
            sync_dir(&self.dir)?;
        }
        result
    }

    /// Deletes the day files before `keep_from`.
    pub(crate) fn retain(&mut self, keep_from: NaiveDate) -> Result<(), StoreError> {
        self.pending = self.pending.split_off(&keep_from);
        for (day, path) in day_files(&self.dir)? {
            if day < keep_from {
                fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
            }
        }
        Ok(())
    }
}

/// The keys of a day file, cutting a torn tail off the file.
fn repair<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a [u8], StoreError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        tracing::warn!(path = %path.display(), "seen-keys file without its header, starting it again");
        File::create(path).map_err(|e| io_err(path, e))?;
        return Ok(&[]);
    }
    let keys = &bytes[MAGIC.len()..];
    let whole = keys.len() - keys.len() % 8;
    if whole != keys.len() {
        tracing::warn!(path = %path.display(), "seen-keys file has a torn tail, truncating");
        let file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| io_err(path, e))?;
        file.set_len((MAGIC.len() + whole) as u64)
            .map_err(|e| io_err(path, e))?;
    }
    Ok(&keys[..whole])
}

/// Appends `keys` to the day file at `path` (its header first when the file
/// is new) in one write, and fsyncs; on failure the file is cut back to its
/// length before. Returns whether the file was new.
fn append_keys(path: &Path, keys: &[u8]) -> Result<bool, StoreError> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io_err(path, e))?;
    let before = file.metadata().map_err(|e| io_err(path, e))?.len();
    let mut bytes = Vec::with_capacity(MAGIC.len() + keys.len());
    if before == 0 {
        bytes.extend_from_slice(MAGIC);
    }
    bytes.extend_from_slice(keys);
    if let Err(e) = file.write_all(&bytes).and_then(|()| file.sync_data()) {
        let _ = file.set_len(before);
        return Err(io_err(path, e));
    }
    Ok(before == 0)
}

fn day_path(dir: &Path, day: NaiveDate) -> PathBuf {
    dir.join(format!("{day}.keys"))
}

fn day_files(dir: &Path) -> Result<Vec<(NaiveDate, PathBuf)>, StoreError> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name();
        let day = name
            .to_str()
            .and_then(|n| n.strip_suffix(".keys"))
            .and_then(|d| d.parse::<NaiveDate>().ok());
        if let Some(day) = day {
            files.push((day, entry.path()));
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn keys_survive_a_flush_and_reload_and_retention_drops_days() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SeenLog::new(dir.path());
        let mut seen = SeenKeys::load(dir.path()).unwrap();
        for (d, key) in [(1, "a:1"), (2, "a:2"), (2, "a:3")] {
            assert!(seen.insert(day(d), key_hash(key)));
            log.push(day(d), key_hash(key));
        }
        assert!(!seen.insert(day(2), key_hash("a:2")));
        log.flush().unwrap();
        let seen = SeenKeys::load(dir.path()).unwrap();
        assert_eq!(seen.len(), 3);
        assert!(seen.contains(day(2), key_hash("a:3"), false));
        assert!(!seen.contains(day(3), key_hash("a:3"), false));
        assert!(seen.contains(day(3), key_hash("a:3"), true));
        log.retain(day(2)).unwrap();
        let mut seen = SeenKeys::load(dir.path()).unwrap();
        assert!(!seen.contains(day(1), key_hash("a:1"), false));
        seen.retain(day(3));
        assert_eq!(seen.len(), 0);
    }

    #[test]
    fn a_day_that_fails_to_flush_keeps_its_keys_for_the_next_flush() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SeenLog::new(dir.path());
        log.push(day(1), key_hash("a:1"));
        log.push(day(2), key_hash("a:2"));
        log.push(day(3), key_hash("a:3"));
        // Day 2's file cannot be written.
        let blocked = day_path(dir.path(), day(2));
        fs::create_dir(&blocked).unwrap();
        assert!(log.flush().is_err());
        assert_eq!(
            fs::metadata(day_path(dir.path(), day(1))).unwrap().len(),
            16
        );
        fs::remove_dir(&blocked).unwrap();
        log.flush().unwrap();
        let seen = SeenKeys::load(dir.path()).unwrap();
        assert_eq!(seen.len(), 3, "each key once");
        for (d, key) in [(1, "a:1"), (2, "a:2"), (3, "a:3")] {
            assert!(seen.contains(day(d), key_hash(key), false), "{key}");
        }
        assert_eq!(
            fs::metadata(day_path(dir.path(), day(1))).unwrap().len(),
            16
        );
    }

    #[test]
    fn a_torn_day_file_keeps_its_whole_keys() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = SeenLog::new(dir.path());
        log.push(day(1), key_hash("x"));
        log.flush().unwrap();
        let path = day_path(dir.path(), day(1));
        let mut bytes = fs::read(&path).unwrap();
        bytes.extend_from_slice(&[1, 2, 3]);
        fs::write(&path, bytes).unwrap();
        let seen = SeenKeys::load(dir.path()).unwrap();
        assert!(seen.contains(day(1), key_hash("x"), false));
        assert_eq!(fs::metadata(&path).unwrap().len(), 16);
        log.push(day(1), key_hash("y"));
        log.flush().unwrap();
        assert_eq!(SeenKeys::load(dir.path()).unwrap().len(), 2);
    }
}
