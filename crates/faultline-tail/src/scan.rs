//! Discovery and identity: which files exist, which content each holds,
//! and what happened to the ones we follow (renamed, deleted, truncated).
//!
//! Identity is the checksum of the first line. Two files with the same
//! first line are told apart by the bytes just before the id's read offset
//! (its `tail`): a file holding them there is a copy of the same content
//! (copytruncate's copy, the same file by another path, its `.gz`) and
//! continues the id; a file that does not is new content and gets the next
//! generation (`<hash>-<n>`), registered in the checkpoints at offset 0 so
//! a restart finds it. After a restart a generation resumes in the file at
//! the path it was last committed from, or else in the newest generation,
//! and only if that file still holds the id's saved tail (else it was
//! rewritten while the shipper was stopped, and is new content).

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use faultline_event::SourcePos;

use crate::checkpoint::generation_id;
use crate::file::{Key, Reader, is_gz, key_of};
use crate::tailer::{IdState, Notice, Status, TAIL_BYTES, Tracked};
use crate::{CloseReason, StartAt, Tailer};

/// What a newly identified file continues or starts.
enum Assignment {
    /// Not decidable yet (a copy still being written?): look again next scan.
    Wait,
    /// The same content as an id this run already follows.
    Continue(String),
    /// Resume an id from its checkpoint.
    Resume {
        id: String,
        generation: u32,
        offset: u64,
    },
    /// New content: this generation, from this offset.
    Start { generation: u32, offset: u64 },
}

/// What the comparison of a file with an id's tail says.
enum Same {
    Yes,
    No,
    Unknown,
}

impl Tailer {
    /// Finds files, notes what happened to the followed ones, identifies new ones.
    pub(crate) fn scan(&mut self, f: &mut dyn FnMut(Notice<'_>)) {
        self.watch.watch(self.sources.roots());
        let mut found = self.found();
        for index in 0..self.files.len() {
            self.observe(index, &mut found, f);
        }
        for (key, (path, source, seen)) in found {
            self.track(key, path, source, seen);
        }
        let mut open = self.open_count();
        for index in 0..self.files.len() {
            if self.files[index].id.is_none() && !self.files[index].done {
                self.identify(index, &mut open);
            }
        }
        self.scanned_once = true;
        self.last_scan = Some(Instant::now());
    }

    /// The matched files by device and inode (a file reached by two paths
    /// counts once, under the first path in sorted order).
    fn found(&self) -> HashMap<Key, (PathBuf, usize, Seen)> {
        let mut found = HashMap::new();
        for (path, source) in self.sources.scan() {
            if let Ok(meta) = fs::metadata(&path) {
                found
                    .entry(key_of(&meta))
                    .or_insert((path, source, Seen::of(&meta)));
            }
        }
        found
    }

    fn track(&mut self, key: Key, path: PathBuf, source: usize, seen: Seen) {
        let size = seen.size;
        let fresh = self.scanned_once;
        let start = match self.sources.get(source).start_at {
            StartAt::End if !fresh && !is_gz(&path) => size,
            _ => 0,
        };
        tracing::debug!(path = %path.display(), "file discovered");
        self.files.push(Tracked {
            source,
            path,
            key,
            id: None,
            reader: None,
            status: Status::Active,
            size,
            modified: seen.modified,
            grew_at: Instant::now(),
            start,
            previous: None,
            at_end: false,
            done: false,
        });
    }

    /// Updates one followed file from what the scan found.
    fn observe(
        &mut self,
        index: usize,
        found: &mut HashMap<Key, (PathBuf, usize, Seen)>,
        f: &mut dyn FnMut(Notice<'_>),
    ) {
        let t = &mut self.files[index];
        if t.done {
            return;
        }
        let seen = if let Some((path, source, seen)) = found.remove(&t.key) {
            t.path = path;
            t.source = source;
            t.status = Status::Active;
            seen
        } else {
            match t.reader.as_ref().map(Reader::metadata) {
                Some(Ok(meta)) => {
                    t.status = if meta.nlink() == 0 {
                        Status::Deleted
                    } else {
                        Status::Away
                    };
                    Seen::of(&meta)
                }
                // Gone while not held open: nothing left to read from it.
                _ => {
                    let reason = if t.path.exists() {
                        CloseReason::Rotated
                    } else {
                        CloseReason::Deleted
                    };
                    return self.close(index, reason, f);
                }
            }
        };
        self.resize(index, seen, f);
    }

    /// A size seen: growth, truncation (smaller than before), or a rewrite
    /// in place (the bytes before the read offset changed, whatever the size).
    fn resize(&mut self, index: usize, seen: Seen, f: &mut dyn FnMut(Notice<'_>)) {
        let t = &mut self.files[index];
        let (before, size) = (t.size, seen.size);
        let touched = size != before || seen.modified != t.modified;
        t.size = size;
        t.modified = seen.modified;
        if !touched || is_gz(&t.path) {
            if size != before
                && let Some(reader) = t.reader.as_mut()
            {
                reader.gz_retry();
                t.grew_at = Instant::now();
            }
            return;
        }
        if size > before {
            t.grew_at = Instant::now();
            t.at_end = false;
        }
        let Some(id) = t.id.clone() else {
            if size < before {
                t.start = 0;
            }
            return;
        };
        let rewritten = size < before
            || self.shorter_than_read(index, &id, size)
            || !self.tail_matches(index, &id)
            || !self.head_matches(index, &id);
        if rewritten {
            self.truncated(index, id, f);
        }
    }

    /// Holds fewer bytes than were read from it: truncated, and regrown
    /// past the size the last scan saw. (A copy of the id still being
    /// written may be shorter while the original, holding the id too, is read.)
    fn shorter_than_read(&self, index: usize, id: &str, size: u64) -> bool {
        let offset = self.ids.get(id).map_or(0, |s| s.offset);
        size < offset && !self.held_elsewhere(id, index)
    }

    fn tail_matches(&mut self, index: usize, id: &str) -> bool {
        let Some(state) = self.ids.get(id) else {
            return true;
        };
        let t = &mut self.files[index];
        match t.reader.as_mut() {
            Some(reader) => !matches!(same(reader, state), Same::No),
            None => true,
        }
    }

    /// Whether the file still starts with the line that identified it (a
    /// rewrite that stays below the read offset leaves no tail to compare).
    fn head_matches(&mut self, index: usize, id: &str) -> bool {
        let Some(state) = self.ids.get(id) else {
            return true;
        };
        let Some(reader) = self.files[index].reader.as_mut() else {
            return true;
        };
        match reader.first_line() {
            Ok(Some(line)) => SourcePos::file_id_of(&line) == state.base,
            Ok(None) => false,
            Err(_) => true,
        }
    }

    pub(crate) fn truncated(&mut self, index: usize, id: String, f: &mut dyn FnMut(Notice<'_>)) {
        let t = &mut self.files[index];
        tracing::info!(path = %t.path.display(), file_id = %id, "file truncated");
        t.id = None;
        t.previous = Some(id.clone());
        t.start = 0;
        t.at_end = false;
        let path = t.path.clone();
        self.end_id(&id, &path, CloseReason::Truncated, f);
    }

    /// Reads a file's first line and decides which id it continues or starts.
    fn identify(&mut self, index: usize, open: &mut usize) {
        let t = &mut self.files[index];
        let opened = t.reader.is_none();
        if opened {
            match Reader::open(&t.path) {
                Ok(reader) if reader.metadata().is_ok_and(|m| key_of(&m) == t.key) => {
                    t.reader = Some(reader)
                }
                Ok(_) => return,
                Err(e) => return self.count_error(index, "cannot open file", e),
            }
        }
        let t = &mut self.files[index];
        let line = t.reader.as_mut().expect("opened").first_line();
        match line {
            Ok(Some(line)) => {
                let base = SourcePos::file_id_of(&line);
                let assignment = self.assign(index, &base);
                self.apply(index, base, assignment);
            }
            Ok(None) => {}
            Err(e) => self.count_error(index, "cannot read first line", e),
        }
        let t = &mut self.files[index];
        if opened && (t.id.is_none() || *open >= self.config.max_open_files) {
            t.reader = None;
        } else if opened {
            *open += 1;
        }
    }

    fn count_error(&mut self, index: usize, what: &'static str, e: std::io::Error) {
        self.errors += 1;
        tracing::warn!(path = %self.files[index].path.display(), error = %e, "{what}");
    }

    fn assign(&mut self, index: usize, base: &str) -> Assignment {
        let newest = self.newest_generation(base);
        let previous_base = self.files[index]
            .previous
            .as_deref()
            .map(|p| self.ids.get(p).map(|s| s.base.as_str()));
        if previous_base.flatten() == Some(base) {
            // Truncated in place and the same first line came back.
            return Assignment::Start {
                generation: newest.map_or(0, |g| g + 1),
                offset: 0,
            };
        }
        let Some(newest) = newest else {
            return Assignment::Start {
                generation: 0,
                offset: self.files[index].start,
            };
        };
        for generation in (0..=newest).rev() {
            let id = generation_id(base, generation);
            if let Some(state) = self.ids.get(&id) {
                let reader = self.files[index]
                    .reader
                    .as_mut()
                    .expect("open while identifying");
                // Nothing read of the id yet: the first line is all there is
                // to compare, so a file beside its holder must show it holds
                // the same bytes (a copy) or is new content.
                let unread = state.tail.is_empty();
                match same(reader, state) {
                    Same::Yes
                        if !unread
                            || !self.held_elsewhere(&id, index)
                            || self.may_be_a_copy_in_progress(index, &id) =>
                    {
                        return Assignment::Continue(id);
                    }
                    Same::Unknown
                        if self.files[index]
                            .path
                            .extension()
                            .is_some_and(|e| e == "gz") =>
                    {
                        return Assignment::Continue(id);
                    }
                    Same::Unknown
                        if self.held_elsewhere(&id, index)
                            && self.may_be_a_copy_in_progress(index, &id) =>
                    {
                        return Assignment::Wait;
                    }
                    _ => continue,
                }
            }
            if let Some(offset) = self.resumable(index, &id, generation == newest) {
                return Assignment::Resume {
                    id,
                    generation,
                    offset,
                };
            }
        }
        Assignment::Start {
            generation: newest + 1,
            offset: 0,
        }
    }

    /// The newest generation of `base` known this run or in the checkpoints.
    fn newest_generation(&self, base: &str) -> Option<u32> {
        let run = self
            .ids
            .values()
            .filter(|s| s.base == base)
            .map(|s| s.generation)
            .max();
        let saved = self.checkpoints.latest_generation(base);
        let saved = (saved > 0 || self.checkpoints.get(base).is_some()).then_some(saved);
        run.max(saved)
    }

    /// A checkpoint of `id` this file may resume from. The file must not be
    /// shorter than the checkpoint (else it was truncated meanwhile). If the
    /// id's tail was saved, the file must hold it where it was read (else it
    /// was rewritten meanwhile; if it does, it is the id's content wherever
    /// it lives now). Without a saved tail (an old checkpoint file, or one
    /// that could not be read) the id must have been last committed from
    /// this path, or be the newest generation.
    fn resumable(&mut self, index: usize, id: &str, newest: bool) -> Option<u64> {
        let offset = self.checkpoints.get(id)?;
        let t = &self.files[index];
        let here = self.checkpoints.path_of(id).is_some_and(|p| p == t.path);
        if !(is_gz(&t.path) || t.size >= offset) {
            return None;
        }
        match self.holds_saved_tail(index, id) {
            Some(true) => Some(offset),
            Some(false) => {
                let path = self.files[index].path.display();
                tracing::info!(%path, file_id = id, offset, "not the content of this checkpoint: read as new content");
                None
            }
            None => (here || newest).then_some(offset),
        }
    }

    /// Whether the file holds the id's last read bytes where they were read;
    /// None when there is nothing to compare (no tail saved, or a read
    /// error). A `.gz` file is decompressed up to them (its offsets count
    /// decompressed bytes), once, where reading would resume anyway.
    fn holds_saved_tail(&mut self, index: usize, id: &str) -> Option<bool> {
        let tail = self.checkpoints.tail(id)?;
        let reader = self.files[index].reader.as_mut()?;
        let start = tail.end.checked_sub(tail.bytes.len() as u64)?;
        let mut here = vec![0; tail.bytes.len()];
        let n = reader.read_full_at(start, &mut here).ok()?;
        Some(n == here.len() && here == tail.bytes)
    }

    /// Whether a file shorter than the id's read offset may be a copy of it
    /// still being written: its last bytes are the bytes at the same offsets
    /// of the file that holds the id. New content (a new file after a rename
    /// rotation that starts with the same line) is not, and need not wait.
    fn may_be_a_copy_in_progress(&mut self, index: usize, id: &str) -> bool {
        let Some(holder) = self
            .files
            .iter()
            .enumerate()
            .position(|(i, t)| i != index && !t.done && t.id.as_deref() == Some(id))
        else {
            return false;
        };
        let size = self.files[index].size;
        let len = size.min(TAIL_BYTES as u64) as usize;
        let start = size - len as u64;
        let mut read = |i: usize| -> Option<Vec<u8>> {
            let t = &mut self.files[i];
            let reader = t.reader.as_mut().filter(|_| !is_gz(&t.path))?;
            let mut bytes = vec![0; len];
            let n = reader.read_full_at(start, &mut bytes).ok()?;
            bytes.truncate(n);
            Some(bytes)
        };
        // A holder shorter than this file cannot be what it copies; what
        // cannot be read (a `.gz`, an error) is given the benefit of the doubt.
        match (read(index), read(holder)) {
            (Some(mine), Some(theirs)) => mine.len() == len && mine == theirs,
            _ => true,
        }
    }

    fn held_elsewhere(&self, id: &str, index: usize) -> bool {
        self.files
            .iter()
            .enumerate()
            .any(|(i, t)| i != index && !t.done && t.id.as_deref() == Some(id))
    }

    fn apply(&mut self, index: usize, base: String, assignment: Assignment) {
        let (id, generation, offset) = match assignment {
            Assignment::Wait => return,
            Assignment::Continue(id) => {
                self.files[index].id = Some(id);
                return;
            }
            Assignment::Resume {
                id,
                generation,
                offset,
            } => (id, generation, offset),
            Assignment::Start { generation, offset } => {
                (generation_id(&base, generation), generation, offset)
            }
        };
        let t = &mut self.files[index];
        if generation > 0 && self.checkpoints.get(&id).is_none() {
            self.checkpoints.commit(&id, &t.path, 0);
        }
        self.checkpoints.touch(&id);
        let tail = read_tail(t.reader.as_mut().expect("open while identifying"), offset);
        tracing::debug!(path = %t.path.display(), file_id = %id, offset, "file identified");
        t.id = Some(id.clone());
        let state = IdState {
            base,
            generation,
            offset,
            tail,
            closed: false,
        };
        self.ids.insert(id, state);
    }
}

/// Does `reader` hold the id's last delivered bytes just before its offset?
fn same(reader: &mut Reader, state: &IdState) -> Same {
    if state.tail.is_empty() {
        return Same::Yes;
    }
    let start = state.offset - state.tail.len() as u64;
    let mut here = vec![0; state.tail.len()];
    match reader.read_full_at(start, &mut here) {
        Ok(n) if n == here.len() && here == state.tail => Same::Yes,
        Ok(n) if n == here.len() => Same::No,
        _ => Same::Unknown,
    }
}

fn read_tail(reader: &mut Reader, offset: u64) -> Vec<u8> {
    let start = offset.saturating_sub(TAIL_BYTES as u64);
    let mut tail = vec![0; (offset - start) as usize];
    match reader.read_full_at(start, &mut tail) {
        Ok(n) => tail.truncate(n),
        Err(_) => tail.clear(),
    }
    tail
}

/// What a stat says about a file's content changing.
#[derive(Clone, Copy)]
struct Seen {
    size: u64,
    modified: Option<SystemTime>,
}

impl Seen {
    fn of(meta: &fs::Metadata) -> Seen {
        Seen {
            size: meta.len(),
            modified: meta.modified().ok(),
        }
    }
}

trait Nlink {
    fn nlink(&self) -> u64;
}

impl Nlink for fs::Metadata {
    fn nlink(&self) -> u64 {
        std::os::unix::fs::MetadataExt::nlink(self)
    }
}
