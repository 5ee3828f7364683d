//! Delivered offsets per file id, persisted atomically in
//! `STATE_DIR/checkpoints.json`.
//!
//! Only [`Checkpoints::commit`] advances an offset, and it never moves one
//! back: the consumer calls it once everything before the offset is
//! delivered. The tailer reads the offsets to resume after a restart.
//!
//! Each entry also keeps the id's *tail*: the last bytes the tailer read
//! and the offset they end at (at or past the delivered offset). After a
//! restart a file resumes an id only if it still holds those bytes there, so
//! a file rewritten while the shipper was stopped (same first line, longer
//! than before) is read as new content instead of from the middle.
//! Version 1 files (no tails) are read as they are.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::TailError;

const FILE_NAME: &str = "checkpoints.json";
const VERSION: u32 = 2;
/// How stale a seen file's `updated` may get before `touch` refreshes it (and
/// so dirties the file); keeps quiet files from being pruned without
/// rewriting the file on every scan.
const TOUCH_EVERY_SECS: u64 = 3600;

/// Delivered offsets, shared between the tailer and whoever learns about
/// acknowledgements (cheap to clone, thread-safe).
#[derive(Clone, Debug)]
pub struct Checkpoints {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    files: BTreeMap<String, Entry>,
    /// The last bytes read of each id (saved with its entry, if it has one).
    tails: HashMap<String, Tail>,
    dirty: bool,
}

/// The last bytes read of an id and the offset they end at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tail {
    pub end: u64,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    path: PathBuf,
    offset: u64,
    /// Unix seconds of the last commit or sighting.
    updated: u64,
}

/// The file: version 2, which reads version 1 too (it had no tails).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileV2 {
    version: u32,
    files: Vec<EntryV2>,
}

#[derive(Serialize, Deserialize)]
struct EntryV2 {
    file_id: String,
    path: PathBuf,
    offset: u64,
    updated: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tail: Option<TailV2>,
}

#[derive(Serialize, Deserialize)]
struct TailV2 {
    end: u64,
    /// Lowercase hex.
    hex: String,
}

impl Checkpoints {
    /// Loads `DIR/checkpoints.json`, or starts empty when there is none. A
    /// file that cannot be read as checkpoints is an error naming it: never a
    /// silent start-over.
    pub fn load(state_dir: &Path) -> Result<Checkpoints, TailError> {
        let path = state_dir.join(FILE_NAME);
        let (files, tails) = match fs::read(&path) {
            Ok(bytes) => parse(&path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Default::default(),
            Err(e) => return Err(TailError::io("reading", path, e)),
        };
        let inner = Inner {
            dir: state_dir.to_path_buf(),
            files,
            tails,
            dirty: false,
        };
        Ok(Checkpoints {
            inner: Arc::new(Mutex::new(inner)),
        })
    }

    /// The delivered offset of `file_id`, if one was committed.
    pub fn get(&self, file_id: &str) -> Option<u64> {
        self.lock().files.get(file_id).map(|e| e.offset)
    }

    /// Everything of `file_id` before `offset` is delivered. Monotonic: a
    /// lower offset than the stored one is ignored.
    pub fn commit(&self, file_id: &str, path: &Path, offset: u64) {
        let mut inner = self.lock();
        let now = now_secs();
        match inner.files.get_mut(file_id) {
            Some(e) if e.offset > offset => return,
            Some(e) if e.offset == offset && e.path == path => return,
            Some(e) => {
                e.offset = offset;
                e.updated = now;
                if e.path != path {
                    e.path = path.to_path_buf();
                }
            }
            None => {
                let entry = Entry {
                    path: path.to_path_buf(),
                    offset,
                    updated: now,
                };
                inner.files.insert(file_id.to_string(), entry);
            }
        }
        inner.dirty = true;
    }

    /// The tailer read up to `end` of `file_id`, `bytes` being the last of
    /// it. Saved with the next commit's save (never the only reason for one).
    pub(crate) fn note_tail(&self, file_id: &str, end: u64, bytes: &[u8]) {
        let mut inner = self.lock();
        match inner.tails.get_mut(file_id) {
            Some(t) if t.end == end => {}
            Some(t) => {
                t.end = end;
                t.bytes.clear();
                t.bytes.extend_from_slice(bytes);
            }
            None => {
                let tail = Tail {
                    end,
                    bytes: bytes.to_vec(),
                };
                inner.tails.insert(file_id.to_string(), tail);
            }
        }
    }

    /// The last bytes read of `file_id` (this run, or saved by the last).
    pub(crate) fn tail(&self, file_id: &str) -> Option<Tail> {
        self.lock().tails.get(file_id).cloned()
    }

    /// Writes atomically (temp file, fsync, rename, fsync of the folder); a
    /// cheap no-op when nothing changed since the last save.
    pub fn save(&self) -> Result<(), TailError> {
        let mut inner = self.lock();
        if !inner.dirty {
            return Ok(());
        }
        write_atomically(&inner.dir, &encode(&inner.files, &inner.tails))?;
        inner.dirty = false;
        Ok(())
    }

    /// Forgets entries neither committed nor seen for `older_than`.
    pub fn prune(&self, older_than: Duration) {
        let mut inner = self.lock();
        let cutoff = now_secs().saturating_sub(older_than.as_secs());
        let before = inner.files.len();
        inner.files.retain(|_, e| e.updated >= cutoff);
        if inner.files.len() != before {
            let Inner { files, tails, .. } = &mut *inner;
            tails.retain(|id, _| files.contains_key(id));
            inner.dirty = true;
        }
    }

    /// Marks `file_id` as still present, so `prune` keeps it.
    pub(crate) fn touch(&self, file_id: &str) {
        let mut inner = self.lock();
        let now = now_secs();
        if let Some(e) = inner.files.get_mut(file_id)
            && e.updated + TOUCH_EVERY_SECS < now
        {
            e.updated = now;
            inner.dirty = true;
        }
    }

    /// The path `file_id` was last committed from.
    pub(crate) fn path_of(&self, file_id: &str) -> Option<PathBuf> {
        self.lock().files.get(file_id).map(|e| e.path.clone())
    }

    /// The highest generation of `base` with an entry (0 when only the base
    /// id, or nothing, is known). See [`crate::FileId`].
    pub(crate) fn latest_generation(&self, base: &str) -> u32 {
        let inner = self.lock();
        let prefix = format!("{base}-");
        inner
            .files
            .range(prefix.clone()..)
            .take_while(|(id, _)| id.starts_with(&prefix))
            .filter_map(|(id, _)| id[prefix.len()..].parse::<u32>().ok())
            .max()
            .unwrap_or(0)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave an entry half-written:
        // every update is a single assignment.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The id of generation `generation` of the file whose first line hashes to `base`.
pub(crate) fn generation_id(base: &str, generation: u32) -> String {
    if generation == 0 {
        base.to_string()
    } else {
        format!("{base}-{generation}")
    }
}

type Loaded = (BTreeMap<String, Entry>, HashMap<String, Tail>);

fn parse(path: &Path, bytes: &[u8]) -> Result<Loaded, TailError> {
    let corrupt = |message: String| TailError::CorruptCheckpoint {
        path: path.to_path_buf(),
        message,
    };
    let file: FileV2 = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    if !(1..=VERSION).contains(&file.version) {
        return Err(corrupt(format!(
            "unsupported version {} (this build reads 1 to {VERSION})",
            file.version
        )));
    }
    let (mut files, mut tails) = (BTreeMap::new(), HashMap::new());
    for e in file.files {
        if let Some(t) = e.tail {
            let bytes = from_hex(&t.hex)
                .ok_or_else(|| corrupt(format!("file id {}: tail is not hex", e.file_id)))?;
            tails.insert(e.file_id.clone(), Tail { end: t.end, bytes });
        }
        let entry = Entry {
            path: e.path,
            offset: e.offset,
            updated: e.updated,
        };
        if files.insert(e.file_id.clone(), entry).is_some() {
            return Err(corrupt(format!("file id {} appears twice", e.file_id)));
        }
    }
    Ok((files, tails))
}

fn encode(files: &BTreeMap<String, Entry>, tails: &HashMap<String, Tail>) -> Vec<u8> {
    let files = files
        .iter()
        .map(|(id, e)| EntryV2 {
            file_id: id.clone(),
            path: e.path.clone(),
            offset: e.offset,
            updated: e.updated,
            tail: tails.get(id).map(|t| TailV2 {
                end: t.end,
                hex: to_hex(&t.bytes),
            }),
        })
        .collect();
    let mut out = serde_json::to_vec_pretty(&FileV2 {
        version: VERSION,
        files,
    })
    .expect("checkpoints serialise");
    out.push(b'\n');
    out
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn write_atomically(dir: &Path, bytes: &[u8]) -> Result<(), TailError> {
    fs::create_dir_all(dir).map_err(|e| TailError::io("creating", dir, e))?;
    let tmp = dir.join(format!("{FILE_NAME}.tmp"));
    let target = dir.join(FILE_NAME);
    let mut file = fs::File::create(&tmp).map_err(|e| TailError::io("creating", &tmp, e))?;
    file.write_all(bytes)
        .map_err(|e| TailError::io("writing", &tmp, e))?;
    file.sync_all()
        .map_err(|e| TailError::io("syncing", &tmp, e))?;
    drop(file);
    fs::rename(&tmp, &target).map_err(|e| TailError::io("renaming", &tmp, e))?;
    let dir_handle = fs::File::open(dir).map_err(|e| TailError::io("opening", dir, e))?;
    dir_handle
        .sync_all()
        .map_err(|e| TailError::io("syncing", dir, e))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_is_monotonic_and_survives_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoints::load(dir.path()).unwrap();
        assert_eq!(cp.get("a"), None);
        cp.commit("a", Path::new("/x"), 10);
        cp.commit("a", Path::new("/x"), 5);
        assert_eq!(cp.get("a"), Some(10));
        cp.save().unwrap();
        let again = Checkpoints::load(dir.path()).unwrap();
        assert_eq!(again.get("a"), Some(10));
    }

    #[test]
    fn save_without_changes_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoints::load(dir.path()).unwrap();
        cp.save().unwrap();
        assert!(!dir.path().join(FILE_NAME).exists());
        cp.commit("a", Path::new("/x"), 1);
        cp.save().unwrap();
        assert!(dir.path().join(FILE_NAME).exists());
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join(FILE_NAME),
            b"{\"version\":1,\"files\":[{\"file_id\":",
        )
        .unwrap();
        let err = Checkpoints::load(dir.path()).unwrap_err();
        assert!(matches!(err, TailError::CorruptCheckpoint { .. }), "{err}");
        assert!(err.to_string().contains("checkpoints.json"), "{err}");
        fs::write(dir.path().join(FILE_NAME), b"{\"version\":7,\"files\":[]}").unwrap();
        let err = Checkpoints::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("unsupported version 7"), "{err}");
    }

    #[test]
    fn tails_are_saved_with_their_entries_and_version_1_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoints::load(dir.path()).unwrap();
        cp.note_tail("a", 12, b"line\n\x00\xff");
        cp.note_tail("unsaved", 3, b"abc");
        cp.commit("a", Path::new("/x"), 10);
        cp.save().unwrap();
        let again = Checkpoints::load(dir.path()).unwrap();
        let tail = again.tail("a").expect("saved tail");
        assert_eq!(
            (tail.end, tail.bytes.as_slice()),
            (12, &b"line\n\x00\xff"[..])
        );
        assert_eq!(again.tail("unsaved"), None, "no entry, nothing saved");

        fs::write(
            dir.path().join(FILE_NAME),
            br#"{"version":1,"files":[{"file_id":"a","path":"/x","offset":7,"updated":1}]}"#,
        )
        .unwrap();
        let v1 = Checkpoints::load(dir.path()).unwrap();
        assert_eq!((v1.get("a"), v1.tail("a")), (Some(7), None));
        assert_eq!(from_hex("0g"), None);
        assert_eq!(from_hex("abc"), None);
    }

    #[test]
    fn prune_forgets_old_entries() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoints::load(dir.path()).unwrap();
        cp.commit("old", Path::new("/x"), 1);
        cp.lock().files.get_mut("old").unwrap().updated = 0;
        cp.commit("new", Path::new("/y"), 1);
        cp.prune(Duration::from_secs(3600));
        assert_eq!(cp.get("old"), None);
        assert_eq!(cp.get("new"), Some(1));
    }

    #[test]
    fn latest_generation_reads_the_suffixes() {
        let dir = tempfile::tempdir().unwrap();
        let cp = Checkpoints::load(dir.path()).unwrap();
        assert_eq!(cp.latest_generation("abc"), 0);
        cp.commit("abc", Path::new("/x"), 1);
        cp.commit("abc-2", Path::new("/x"), 1);
        cp.commit("abc-10", Path::new("/x"), 1);
        cp.commit("abcd-99", Path::new("/x"), 1);
        assert_eq!(cp.latest_generation("abc"), 10);
        assert_eq!(generation_id("abc", 0), "abc");
        assert_eq!(generation_id("abc", 3), "abc-3");
    }
}
