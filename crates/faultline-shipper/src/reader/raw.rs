//! The reader's files with `parse_at = "collector"`: bytes are buffered per
//! file id ([`RawFile`]) and leave as raw segments cut where an event
//! starts. A cut is tried when a buffer passes [`CUT_BYTES`] and when its
//! oldest byte has waited a batch's `max_wait`; a file quiet for its flush
//! timeout (read to its end) or closed sends everything. The ledger tracks
//! segment starts, so checkpoints sit on event boundaries as with events.

use super::Reader;
use crate::batch::Sealed;
use crate::metrics::Metrics;
use crate::segment::{Piece, RawFile};
use crate::sender::{Outgoing, Payload};
use faultline_event::wire::{Segment, SegmentHeader};
use faultline_tail::Tailer;
use std::path::Path;
use std::time::{Duration, Instant};

/// A buffer past this many bytes is cut at once.
pub(super) const CUT_BYTES: usize = 256 << 10;
/// A buffer past this many bytes with no event start found is cut after its
/// last complete line (past the parser's 1 MiB cap on an event).
const MAX_BUFFER_BYTES: usize = 4 << 20;

impl Reader {
    pub(super) fn on_raw_data(
        &mut self,
        source: usize,
        file_id: &str,
        path: &Path,
        offset: u64,
        bytes: &[u8],
    ) {
        if self.raw.get(file_id).is_some_and(|f| f.end() != offset) {
            tracing::warn!(path = %path.display(), file_id, offset, "file data out of sequence; starting a new segment there");
            self.close_raw(file_id);
        }
        if !self.raw.contains_key(file_id) {
            let path = path.to_string_lossy().into_owned();
            let max_line_bytes = self.sources[source].parser.options().max_line_bytes;
            self.ledger.open(file_id, &path, offset);
            let file = RawFile::new(source, path, offset, max_line_bytes);
            self.raw.insert(file_id.to_string(), file);
        }
        let file = self.raw.get_mut(file_id).expect("inserted above");
        file.closed = false;
        let mut pieces = Vec::new();
        let fed = file.feed(bytes, Instant::now(), &mut pieces);
        let metrics = &self.wiring.metrics;
        Metrics::add(&metrics.bytes_read, bytes.len() as u64);
        Metrics::add(&metrics.lines_read, fed.lines);
        Metrics::add(&metrics.truncated_lines, fed.truncated);
        let parser = &self.sources[file.source].parser;
        if file.buffered() >= CUT_BYTES && file.sniff(parser, false).is_some() {
            pieces.extend(file.cut());
        }
        if file.buffered() >= MAX_BUFFER_BYTES {
            file.sniff(parser, true);
            pieces.extend(file.take_lines());
        }
        self.ship_raw(file_id, pieces);
    }

    /// Batches a file's pieces as segments, then moves the file's floor.
    fn ship_raw(&mut self, file_id: &str, pieces: Vec<Piece>) {
        let Some(file) = self.raw.get(file_id) else {
            return;
        };
        let source = &self.sources[file.source];
        let template = SegmentHeader {
            path: file.path.clone(),
            file_id: file_id.to_string(),
            offset: 0,
            len: 0,
            format: file.cutter.as_ref().map(|c| c.format_name().to_string()),
            multiline: source.multiline.clone(),
            service: source.service.clone(),
            host: Some(self.host.clone()),
        };
        let floor = file.floor();
        let now = Instant::now();
        for piece in pieces {
            let header = SegmentHeader {
                offset: piece.offset,
                len: piece.bytes.len(),
                ..template.clone()
            };
            let bytes = piece.bytes.len() + 256;
            let segment = Segment {
                header,
                bytes: piece.bytes,
            };
            let (seq, sealed) = self.segments.push(segment, bytes, false, now);
            self.ledger.track(seq, file_id, piece.offset);
            if let Some(sealed) = sealed {
                self.dispatch_segments(sealed);
            }
        }
        if let Some(commit) = self.ledger.advance(file_id, floor) {
            self.commit(commit);
        }
    }

    /// Sends everything a file holds and forgets it.
    pub(super) fn close_raw(&mut self, file_id: &str) {
        self.drain_raw(file_id);
        self.raw.remove(file_id);
        self.ledger.close(file_id);
    }

    /// Sends everything a file holds, an unfinished last line included.
    fn drain_raw(&mut self, file_id: &str) {
        let Some(file) = self.raw.get_mut(file_id) else {
            return;
        };
        file.sniff(&self.sources[file.source].parser, true);
        let pieces: Vec<Piece> = file.take_all().into_iter().collect();
        self.ship_raw(file_id, pieces);
    }

    pub(super) fn on_raw_closed(&mut self, file_id: &str) {
        match self.raw.get_mut(file_id) {
            Some(file) if file.buffered() > 0 => file.closed = true,
            Some(_) => self.close_raw(file_id),
            None => {}
        }
    }

    /// Files quiet for their flush timeout (and read to their end) send
    /// everything; files whose oldest byte waited a batch's age are cut.
    pub(super) fn tick_raw(&mut self, now: Instant, tailer: Option<&Tailer>, flush: bool) {
        let mut quiet = Vec::new();
        let mut due = Vec::new();
        for (id, file) in &self.raw {
            if flush && self.raw_flush_at(file).is_some_and(|at| now >= at) {
                quiet.push(id.clone());
            } else if file
                .waiting_since
                .is_some_and(|t| now >= t + self.batch_max_wait)
            {
                due.push(id.clone());
            }
        }
        if let (false, Some(tailer)) = (quiet.is_empty(), tailer) {
            let behind = super::behind(tailer);
            quiet.retain(|id| !behind.contains(id));
        }
        for id in quiet {
            match self.raw.get(&id).is_some_and(|f| f.closed) {
                true => self.close_raw(&id),
                false => self.drain_raw(&id),
            }
        }
        for id in due {
            self.cut_raw(&id, now);
        }
    }

    fn cut_raw(&mut self, file_id: &str, now: Instant) {
        let Some(file) = self.raw.get_mut(file_id) else {
            return;
        };
        let piece = match file.sniff(&self.sources[file.source].parser, false) {
            Some(_) => file.cut(),
            None => None,
        };
        // Whatever was found, look again after another batch's age.
        if file.waiting_since.is_some() {
            file.waiting_since = Some(now);
        }
        self.ship_raw(file_id, piece.into_iter().collect());
    }

    /// When a file's buffer is sent whole, if no data comes before.
    fn raw_flush_at(&self, file: &RawFile) -> Option<Instant> {
        if file.flushed {
            return None;
        }
        let timeout = self.sources[file.source]
            .parser
            .options()
            .multiline
            .flush_timeout_ms;
        Some(file.last_data + Duration::from_millis(timeout))
    }

    /// The next moment a raw file needs a look.
    pub(super) fn raw_deadlines(&self) -> impl Iterator<Item = Instant> + '_ {
        self.raw.values().flat_map(|file| {
            let cut = file.waiting_since.map(|t| t + self.batch_max_wait);
            self.raw_flush_at(file).into_iter().chain(cut)
        })
    }

    pub(super) fn dispatch_segments(&mut self, sealed: Sealed<Segment>) {
        let batch_id = format!("{}-{}-{:08}", self.host, self.run_id, sealed.seq);
        self.send(Outgoing {
            seq: sealed.seq,
            events: sealed.events.len() as u64,
            payload: Payload::Segments {
                batch_id,
                segments: sealed.events,
            },
            spooled: None,
        });
    }

    /// At shutdown: closed files cannot be read again and go whole; the
    /// others keep their buffers (read again from the checkpoint).
    pub(super) fn shutdown_raw(&mut self) {
        let closed: Vec<String> = self
            .raw
            .iter()
            .filter(|(_, f)| f.closed)
            .map(|(id, _)| id.clone())
            .collect();
        for id in closed {
            self.close_raw(&id);
        }
        if let Some(sealed) = self.segments.seal() {
            self.dispatch_segments(sealed);
        }
    }
}
