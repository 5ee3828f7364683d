//! The tailer: the read loop, fairness and the public notices. Discovery,
//! identity and rotation live in `scan`.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::file::{GzEnd, Key, Reader};
use crate::sources::Sources;
use crate::watch::Watch;
use crate::{Checkpoints, FileId, TailConfig, TailError};

/// How many of the last delivered bytes of each id are kept to recognise a
/// copy of it (copytruncate) or a rewrite in place.
pub(crate) const TAIL_BYTES: usize = 64;

/// What the tailer tells its consumer, in order per file.
#[derive(Debug)]
pub enum Notice<'a> {
    /// Bytes of a file starting at byte `offset` of that file (offsets are
    /// those of the file's content, also for `.gz`: decompressed offsets).
    Data {
        source: usize,
        file_id: &'a str,
        path: &'a Path,
        offset: u64,
        bytes: &'a [u8],
    },
    /// No more bytes will come for this file id: it was rotated away and
    /// drained, deleted and drained, or truncated. The consumer flushes what
    /// it holds for the file, including a last line without a newline.
    ///
    /// One exception: when a copy of the content turns up after the id was
    /// closed (copytruncate's copy noticed only after the truncation), the
    /// bytes the copy holds beyond the closed offset follow as `Data`, at
    /// that offset, and a second `Closed` ends them.
    Closed {
        file_id: &'a str,
        path: &'a Path,
        reason: CloseReason,
    },
}

/// Why a file id was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// Renamed out of the path or replaced at it, read to its end and quiet.
    Rotated,
    /// Unlinked, read to its end.
    Deleted,
    /// Shrunk or rewritten in place; its new content comes under a new id.
    Truncated,
    /// A file that is still at its path but was closed without being
    /// rotated (a gzip file that ended damaged and stayed so).
    Inactive,
}

/// A snapshot of what the tailer holds.
#[derive(Debug, Clone, Default)]
pub struct TailStats {
    /// File handles held open (deleted files included: they hold disk space).
    pub files_open: usize,
    /// Bytes handed to the consumer since the tailer started.
    pub bytes_read: u64,
    /// I/O and decoding errors (each also logged).
    pub errors: u64,
    pub files: Vec<FileStat>,
}

/// One tracked, identified file.
#[derive(Debug, Clone)]
pub struct FileStat {
    pub path: PathBuf,
    pub file_id: FileId,
    pub read_offset: u64,
    /// The size on disk (compressed size for `.gz`); lag = size - read_offset.
    pub size: u64,
    pub deleted: bool,
}

/// Where a tracked file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Matched by a glob at `path`.
    Active,
    /// Renamed away or no longer matched, but still linked.
    Away,
    /// Unlinked; held open only to read what is left.
    Deleted,
}

/// A physical file (device and inode) the tailer follows.
pub(crate) struct Tracked {
    pub(crate) source: usize,
    pub(crate) path: PathBuf,
    pub(crate) key: Key,
    pub(crate) id: Option<FileId>,
    pub(crate) reader: Option<Reader>,
    pub(crate) status: Status,
    /// Size on disk when last looked at.
    pub(crate) size: u64,
    /// Modification time when last looked at.
    pub(crate) modified: Option<std::time::SystemTime>,
    /// Last time it grew or gave bytes.
    pub(crate) grew_at: Instant,
    /// Where to start when identified and no checkpoint exists.
    pub(crate) start: u64,
    /// The id it had before it was truncated (its next content is a new generation).
    pub(crate) previous: Option<FileId>,
    /// The last read found nothing more.
    pub(crate) at_end: bool,
    pub(crate) done: bool,
}

/// What the run knows of a file id.
pub(crate) struct IdState {
    pub(crate) base: String,
    pub(crate) generation: u32,
    /// Next byte to hand out: the id's bytes before it were handed out this run
    /// (or committed before it).
    pub(crate) offset: u64,
    /// The last bytes before `offset` (at most [`TAIL_BYTES`]).
    pub(crate) tail: Vec<u8>,
    pub(crate) closed: bool,
}

/// Follows the files of its sources; see the crate docs.
pub struct Tailer {
    pub(crate) config: TailConfig,
    pub(crate) sources: Sources,
    pub(crate) checkpoints: Checkpoints,
    pub(crate) watch: Watch,
    pub(crate) files: Vec<Tracked>,
    pub(crate) ids: HashMap<FileId, IdState>,
    pub(crate) scanned_once: bool,
    pub(crate) last_scan: Option<Instant>,
    pub(crate) changed: bool,
    cursor: usize,
    buf: Vec<u8>,
    bytes_read: u64,
    pub(crate) errors: u64,
}

impl Tailer {
    /// Validates the globs (a bad glob is an error naming it); checkpoints
    /// are passed in, and only read here.
    pub fn new(config: TailConfig, checkpoints: Checkpoints) -> Result<Tailer, TailError> {
        if config.read_chunk_bytes == 0 || config.max_open_files == 0 {
            return Err(TailError::Config(
                "read_chunk_bytes and max_open_files must be above 0".into(),
            ));
        }
        let sources = Sources::new(&config.sources)?;
        let buf = vec![0; config.read_chunk_bytes];
        let watch = if config.notify {
            Watch::new()
        } else {
            Watch::polling()
        };
        Ok(Tailer {
            config,
            sources,
            checkpoints,
            watch,
            files: Vec::new(),
            ids: HashMap::new(),
            scanned_once: false,
            last_scan: None,
            changed: true,
            cursor: 0,
            buf,
            bytes_read: 0,
            errors: 0,
        })
    }

    /// Discovers files, reads what is new (at most `budget` bytes in total
    /// this call, fair across files) and calls `f` per notice. A file with a
    /// checkpoint resumes at the checkpoint offset; a new file starts per its
    /// source's `start_at`. Returns the number of bytes passed to `f`. I/O
    /// errors on one file are logged and counted and do not stop the others.
    pub fn read(
        &mut self,
        budget: usize,
        f: &mut dyn FnMut(Notice<'_>),
    ) -> Result<usize, TailError> {
        if self.scan_due() {
            self.scan(f);
        }
        let total = self.read_round_robin(budget, f);
        self.settle(f);
        Ok(total)
    }

    /// Blocks until notify reports a change or `timeout` passes (polling when
    /// notify is unavailable).
    pub fn wait(&mut self, timeout: Duration) {
        if self.watch.wait(timeout) {
            self.changed = true;
        }
    }

    pub fn stats(&self) -> TailStats {
        let files = self
            .files
            .iter()
            .filter_map(|t| {
                let id = t.id.as_ref()?;
                Some(FileStat {
                    path: t.path.clone(),
                    file_id: id.clone(),
                    read_offset: self.ids.get(id).map_or(0, |s| s.offset),
                    size: t.size,
                    deleted: t.status == Status::Deleted,
                })
            })
            .collect();
        TailStats {
            files_open: self.open_count(),
            bytes_read: self.bytes_read,
            errors: self.errors,
            files,
        }
    }

    fn scan_due(&mut self) -> bool {
        let poll = Duration::from_millis(self.config.poll_interval_ms);
        let Some(last) = self.last_scan else {
            return true;
        };
        let elapsed = last.elapsed();
        if self.watch.drain() {
            self.changed = true;
        }
        elapsed >= poll || (self.changed && elapsed >= poll.min(Duration::from_millis(50)))
    }

    pub(crate) fn open_count(&self) -> usize {
        self.files.iter().filter(|t| t.reader.is_some()).count()
    }

    /// Gives every identified file a turn of at most `read_chunk_bytes`,
    /// round after round, until the budget is spent or nothing has more.
    fn read_round_robin(&mut self, budget: usize, f: &mut dyn FnMut(Notice<'_>)) -> usize {
        let mut total = 0;
        let count = self.files.len();
        let mut open = self.open_count();
        loop {
            let (mut progress, mut starved) = (false, false);
            for turn in 0..count {
                let index = (self.cursor + turn) % count;
                let want = self.config.read_chunk_bytes.min(budget - total);
                if want == 0 {
                    break;
                }
                match self.read_one(index, want, &mut open, f) {
                    Turn::Read(n) => {
                        total += n;
                        progress = true;
                    }
                    Turn::NoSlot => starved = true,
                    Turn::Nothing => {}
                }
            }
            let released = if starved {
                self.release_drained(&mut open)
            } else {
                0
            };
            if !(progress || released > 0) || total >= budget {
                break;
            }
        }
        self.cursor = if count == 0 {
            0
        } else {
            (self.cursor + 1) % count
        };
        total
    }

    /// One file's turn.
    fn read_one(
        &mut self,
        index: usize,
        want: usize,
        open: &mut usize,
        f: &mut dyn FnMut(Notice<'_>),
    ) -> Turn {
        let t = &self.files[index];
        let Some(id) = t.id.clone() else {
            return Turn::Nothing;
        };
        if t.done || (t.reader.is_none() && t.at_end) {
            return Turn::Nothing;
        }
        if t.reader.is_none() {
            if *open >= self.config.max_open_files || !self.reopen(index) {
                return Turn::NoSlot;
            }
            *open += 1;
        }
        let Some(state) = self.ids.get_mut(&id) else {
            return Turn::Nothing;
        };
        let t = &mut self.files[index];
        let reader = t.reader.as_mut().expect("opened above");
        let buf = &mut self.buf[..want];
        let n = match read_checked(reader, state, buf) {
            Ok(Some(n)) => n,
            Ok(None) => {
                self.truncated(index, id, f);
                return Turn::Nothing;
            }
            Err(e) => {
                self.errors += 1;
                tracing::warn!(path = %t.path.display(), error = %e, "cannot read file");
                0
            }
        };
        t.at_end = n < want || reader.gz_end().is_some();
        if n == 0 {
            return Turn::Nothing;
        }
        t.grew_at = Instant::now();
        let bytes = &buf[..n];
        f(Notice::Data {
            source: t.source,
            file_id: &id,
            path: &t.path,
            offset: state.offset,
            bytes,
        });
        advance(state, bytes);
        self.checkpoints.note_tail(&id, state.offset, &state.tail);
        self.bytes_read += n as u64;
        Turn::Read(n)
    }

    /// Opens the file of a tracked entry again by its path, if the path
    /// still leads to the same file.
    fn reopen(&mut self, index: usize) -> bool {
        let t = &mut self.files[index];
        if t.status != Status::Active {
            return false;
        }
        match Reader::open(&t.path) {
            Ok(reader)
                if reader
                    .metadata()
                    .is_ok_and(|m| crate::file::key_of(&m) == t.key) =>
            {
                t.reader = Some(reader);
                true
            }
            _ => false,
        }
    }

    /// Over the open-file limit: files read to their end give their handle
    /// back (only those that can be opened again by path; a scan that sees
    /// them grow lets them have a turn again).
    fn release_drained(&mut self, open: &mut usize) -> usize {
        let mut released = 0;
        for t in &mut self.files {
            let plain = t
                .reader
                .as_ref()
                .is_some_and(|r| r.gz_end().is_none() && !r.is_gz());
            if plain && t.at_end && t.status == Status::Active {
                t.reader = None;
                released += 1;
            }
        }
        *open -= released;
        released
    }

    /// Closes what is drained and quiet, and forgets closed files.
    fn settle(&mut self, f: &mut dyn FnMut(Notice<'_>)) {
        let now = Instant::now();
        for index in 0..self.files.len() {
            if let Some(reason) = self.close_reason(index, now) {
                self.close(index, reason, f);
            }
        }
        self.files.retain(|t| !t.done);
        self.changed = false;
    }

    fn close_reason(&self, index: usize, now: Instant) -> Option<crate::CloseReason> {
        let t = &self.files[index];
        if t.done || t.id.is_none() || !t.at_end {
            return None;
        }
        let quiet = now.duration_since(t.grew_at);
        let deleted = Duration::from_millis(self.config.close_deleted_after_ms);
        let inactive = Duration::from_millis(self.config.close_inactive_after_ms);
        match (t.status, t.reader.as_ref().and_then(Reader::gz_end)) {
            (_, Some(GzEnd::Clean)) => Some(crate::CloseReason::Rotated),
            (Status::Deleted, _) if quiet >= deleted => Some(crate::CloseReason::Deleted),
            (Status::Away, _) if quiet >= inactive => Some(crate::CloseReason::Rotated),
            (Status::Active, Some(GzEnd::Damaged)) if quiet >= inactive => {
                Some(crate::CloseReason::Inactive)
            }
            _ => None,
        }
    }

    /// Stops following a file; says `Closed` when no other file holds its id.
    pub(crate) fn close(
        &mut self,
        index: usize,
        reason: crate::CloseReason,
        f: &mut dyn FnMut(Notice<'_>),
    ) {
        let t = &mut self.files[index];
        t.done = true;
        t.reader = None;
        let Some(id) = t.id.take() else { return };
        let path = t.path.clone();
        self.end_id(&id, &path, reason, f);
    }

    /// Says `Closed` for `id` unless another live file still holds it.
    pub(crate) fn end_id(
        &mut self,
        id: &str,
        path: &Path,
        reason: crate::CloseReason,
        f: &mut dyn FnMut(Notice<'_>),
    ) {
        let held = self
            .files
            .iter()
            .any(|t| !t.done && t.id.as_deref() == Some(id));
        if held {
            return;
        }
        if let Some(state) = self.ids.get_mut(id)
            && !state.closed
        {
            state.closed = true;
            tracing::debug!(file_id = id, path = %path.display(), ?reason, "file closed");
            f(Notice::Closed {
                file_id: id,
                path,
                reason,
            });
        }
    }
}

enum Turn {
    Read(usize),
    Nothing,
    NoSlot,
}

/// Reads the id's next bytes, then checks that the bytes just before its
/// offset are still the ones handed out last (its tail), from the same
/// handle. None: they are not, the file was truncated or rewritten in place
/// and what was read belongs to its new content (copytruncate overtaken by
/// the writer before a scan noticed). Checking after the read, not before,
/// closes the window: content replaced before the read fails the check.
/// `.gz` files are not rewritten in place and are not checked.
fn read_checked(reader: &mut Reader, state: &IdState, buf: &mut [u8]) -> io::Result<Option<usize>> {
    let n = reader.read_at(state.offset, buf)?;
    if n == 0 || state.tail.is_empty() || reader.is_gz() {
        return Ok(Some(n));
    }
    let mut here = [0; TAIL_BYTES];
    let here = &mut here[..state.tail.len()];
    let got = reader.read_full_at(state.offset - here.len() as u64, here)?;
    Ok((got == here.len() && *here == state.tail[..]).then_some(n))
}

/// Moves an id past bytes just handed out, keeping its tail.
pub(crate) fn advance(state: &mut IdState, bytes: &[u8]) {
    state.offset += bytes.len() as u64;
    state.closed = false;
    if bytes.len() >= TAIL_BYTES {
        state.tail.clear();
        state
            .tail
            .extend_from_slice(&bytes[bytes.len() - TAIL_BYTES..]);
    } else {
        state.tail.extend_from_slice(bytes);
        let excess = state.tail.len().saturating_sub(TAIL_BYTES);
        state.tail.drain(..excess);
    }
}
