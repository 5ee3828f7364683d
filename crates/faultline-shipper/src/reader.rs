//! The reader thread: tail → parse → batch, with the ack → checkpoint rule.
//!
//! One parse [`Session`] per file id, resumed at the offset the tailer hands
//! first (the checkpoint). Sessions idle past their `flush_timeout_ms` emit
//! what they hold, a last line without newline included; a closed file
//! emits everything. Events go into the [`Batcher`]; sealed batches go to
//! the sender, at most `max_in_flight` unacknowledged: when the window is
//! full this thread reads nothing and waits for acks (the files are the
//! buffer). Each ack lets the [`Ledger`] move checkpoints, saved about once
//! a second and at shutdown.
//!
//! With `parse_at = "collector"` files are not parsed here: their bytes go as
//! raw segments (see `raw`); standard input keeps the event path.

use crate::batch::{Batcher, Sealed, estimate};
use crate::config::{ParseAt, STDIN, ShipperConfig, Source};
use crate::ledger::{Commit, Ledger};
use crate::metrics::{FileLag, Metrics};
use crate::segment::RawFile;
use crate::sender::{Outgoing, Payload};
use crate::spool::Spool;
use faultline_event::wire::Segment;
use faultline_event::{Event, wire};
use faultline_parse::Session;
use faultline_parse::multiline::Stats;
use faultline_tail::{Checkpoints, Notice, Tailer};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

mod raw;

/// How often checkpoints are saved (when they moved) and gauges refreshed.
const SAVE_EVERY: Duration = Duration::from_secs(1);
/// The longest the loop sleeps without looking at acks and timers.
const TICK: Duration = Duration::from_millis(100);
/// After a read that caught up with the files, the pause before the next
/// one. An application writing line by line fires a change notification per
/// write; reading on each would cost a wakeup, a parse call and a checkpoint
/// step per line. Batches go out once a second anyway, so gathering a
/// moment's writes into one read costs no latency anyone sees.
const CAUGHT_UP_PAUSE: Duration = Duration::from_millis(50);

/// One input being parsed.
struct Input {
    session: Session,
    source: usize,
    /// The offset just past the last byte fed.
    end: u64,
    last_data: Instant,
    /// Flushed since the last data: nothing more to flush until data comes.
    flushed: bool,
    /// The tailer closed the file; what is held goes at the flush timeout.
    closed: bool,
    counted: Stats,
}

/// The channels and shared state the reader works with.
pub struct Wiring {
    pub checkpoints: Checkpoints,
    pub outgoing: UnboundedSender<Outgoing>,
    pub acks: Receiver<u64>,
    pub metrics: Arc<Metrics>,
    pub stop: Arc<AtomicBool>,
    pub spool: Option<Spool>,
}

pub struct Reader {
    sources: Vec<Source>,
    stdin_source: Option<Source>,
    stdin: Option<(Receiver<Vec<u8>>, Input)>,
    files: HashMap<String, Input>,
    batcher: Batcher,
    /// Files sent raw (`parse_at = "collector"`), by id.
    raw: HashMap<String, RawFile>,
    segments: Batcher<Segment>,
    parse_at: ParseAt,
    batch_max_wait: Duration,
    ledger: Ledger,
    wiring: Wiring,
    in_flight: usize,
    max_in_flight: usize,
    spooled: HashSet<u64>,
    host: String,
    run_id: String,
    budget: usize,
    shutdown_timeout: Duration,
    last_save: Instant,
    dirty: bool,
    scratch: Vec<Event>,
}

impl Reader {
    /// A reader; batches left in the spool by an earlier run are sent first.
    pub fn new(config: &ShipperConfig, wiring: Wiring) -> Result<Reader, crate::ShipError> {
        let run_id = run_id();
        let pending = match &wiring.spool {
            Some(spool) => spool.pending()?,
            None => Vec::new(),
        };
        let seqs = Arc::new(AtomicU64::new(pending.len() as u64));
        let collector = &config.collector;
        let mut reader = Reader {
            sources: config.sources.clone(),
            stdin_source: config.stdin.clone(),
            stdin: None,
            files: HashMap::new(),
            batcher: Batcher::new(
                collector.batch_max_bytes,
                collector.batch_max_wait,
                seqs.clone(),
            ),
            raw: HashMap::new(),
            segments: Batcher::new(collector.batch_max_bytes, collector.batch_max_wait, seqs),
            parse_at: collector.parse_at,
            batch_max_wait: collector.batch_max_wait,
            ledger: Ledger::default(),
            in_flight: 0,
            max_in_flight: config.collector.max_in_flight,
            spooled: HashSet::new(),
            host: config.host.clone(),
            run_id,
            budget: config.collector.batch_max_bytes.max(64 << 10),
            shutdown_timeout: config.shutdown_timeout,
            last_save: Instant::now(),
            dirty: false,
            scratch: Vec::new(),
            wiring,
        };
        for (seq, (path, body)) in pending.into_iter().enumerate() {
            tracing::info!(path = %path.display(), "re-sending a spooled batch");
            reader.spooled.insert(seq as u64);
            reader.send(Outgoing {
                seq: seq as u64,
                payload: Payload::Body(body),
                events: 0,
                spooled: Some(path),
            });
        }
        reader.start_stdin();
        Ok(reader)
    }

    /// Runs until stopped (or, with standard input only, until its end and
    /// every batch is acknowledged).
    pub fn run(mut self, mut tailer: Option<Tailer>) {
        while !self.stopping() && !self.inputs_done(tailer.is_some()) {
            self.take_acks();
            if self.in_flight >= self.max_in_flight {
                self.wait_ack(TICK);
                self.tick(tailer.as_ref());
                continue;
            }
            let mut read = 0;
            if let Some(tailer) = tailer.as_mut() {
                match tailer.read(self.budget, &mut |notice| self.on_notice(notice)) {
                    Ok(n) => read += n,
                    Err(err) => tracing::error!(error = %err, "reading files failed"),
                }
            }
            let stdin_wait = if tailer.is_none() {
                self.idle_wait()
            } else {
                Duration::ZERO
            };
            read += self.read_stdin(stdin_wait);
            self.tick(tailer.as_ref());
            if let Some(tailer) = tailer.as_mut() {
                if read == 0 {
                    tailer.wait(self.idle_wait());
                } else if read < self.budget {
                    std::thread::sleep(CAUGHT_UP_PAUSE.min(self.idle_wait()));
                }
            }
        }
        self.shutdown();
    }

    fn stopping(&self) -> bool {
        self.wiring.stop.load(Ordering::Relaxed)
    }

    /// Only standard input was configured, and it ended.
    fn inputs_done(&self, tailing: bool) -> bool {
        !tailing && self.stdin.is_none()
    }

    fn on_notice(&mut self, notice: Notice<'_>) {
        match notice {
            Notice::Data {
                source,
                file_id,
                path,
                offset,
                bytes,
            } => match self.parse_at {
                ParseAt::Shipper => self.on_data(source, file_id, path, offset, bytes),
                ParseAt::Collector => self.on_raw_data(source, file_id, path, offset, bytes),
            },
            Notice::Closed {
                file_id,
                path,
                reason,
            } => {
                tracing::debug!(path = %path.display(), file_id, ?reason, "file closed");
                self.on_closed(file_id);
                self.on_raw_closed(file_id);
            }
        }
    }

    /// A closed file's held bytes wait for the flush timeout like any other
    /// quiet file's, then go: a copy made by copytruncate may still continue
    /// the same content (same id) and end a line the original cut short.
    fn on_closed(&mut self, file_id: &str) {
        match self.files.get_mut(file_id) {
            Some(input) if input.session.held_from().is_some() => input.closed = true,
            Some(_) => self.close_file(file_id),
            None => {}
        }
    }

    fn on_data(&mut self, source: usize, file_id: &str, path: &Path, offset: u64, bytes: &[u8]) {
        if self.files.get(file_id).is_some_and(|f| f.end != offset) {
            tracing::warn!(path = %path.display(), file_id, offset, "file data out of sequence; starting a new parse there");
            self.close_file(file_id);
        }
        if !self.files.contains_key(file_id) {
            let path = path.to_string_lossy();
            let session = self.sources[source]
                .parser
                .session_at(&path, file_id, offset);
            self.files
                .insert(file_id.to_string(), Input::new(session, source, offset));
            self.ledger.open(file_id, &path, offset);
        }
        let input = self.files.get_mut(file_id).expect("inserted above");
        input.closed = false;
        input.feed(bytes, &mut self.scratch, &self.wiring.metrics);
        self.ship(Some(file_id));
    }

    /// Emits everything a file's session holds and forgets it.
    fn close_file(&mut self, file_id: &str) {
        let Some(input) = self.files.get_mut(file_id) else {
            return;
        };
        input.drain(&mut self.scratch, &self.wiring.metrics);
        self.ship(Some(file_id));
        self.files.remove(file_id);
        self.ledger.close(file_id);
    }

    /// Batches the events in `scratch` (of `file_id`, or of stdin when
    /// `None`), then moves the file's floor.
    fn ship(&mut self, file_id: Option<&str>) {
        let input = match file_id {
            Some(id) => self.files.get(id),
            None => self.stdin.as_ref().map(|(_, input)| input),
        };
        let Some(input) = input else { return };
        let source = match file_id {
            Some(_) => &self.sources[input.source],
            None => self.stdin_source.as_ref().expect("stdin has a source"),
        };
        let service = source.service.clone();
        let floor = input.session.held_from().unwrap_or(input.end);
        let now = Instant::now();
        for mut event in std::mem::take(&mut self.scratch) {
            stamp(&mut event, &self.host, service.as_deref());
            let offset = event.source.as_ref().map_or(0, |s| s.offset);
            let bytes = estimate(&event);
            let (seq, sealed) = self.batcher.push(event, bytes, file_id.is_none(), now);
            if let Some(id) = file_id {
                self.ledger.track(seq, id, offset);
            }
            if let Some(sealed) = sealed {
                self.dispatch(sealed);
            }
        }
        if let Some(id) = file_id
            && let Some(commit) = self.ledger.advance(id, floor)
        {
            self.commit(commit);
        }
    }

    /// Periodic work: idle flushes, batches falling due, saves, gauges.
    fn tick(&mut self, tailer: Option<&Tailer>) {
        let now = Instant::now();
        // While the window is full nothing is read: a quiet session is then
        // waiting for us, not for its writer.
        let open = self.in_flight < self.max_in_flight;
        if open {
            self.flush_idle(now, tailer);
        }
        self.tick_raw(now, tailer, open);
        if let Some(sealed) = self.batcher.due(now) {
            self.dispatch(sealed);
        }
        if let Some(sealed) = self.segments.due(now) {
            self.dispatch_segments(sealed);
        }
        if now.duration_since(self.last_save) >= SAVE_EVERY {
            self.last_save = now;
            self.save();
            if let Some(tailer) = tailer {
                self.refresh_gauges(tailer);
            }
        }
    }

    /// Emits what sessions hold once their input has been quiet for their
    /// flush timeout: a held event, a last line without newline. A file the
    /// tailer has not read to its end is not quiet (its next bytes may end
    /// the line), however long ago its last bytes came.
    fn flush_idle(&mut self, now: Instant, tailer: Option<&Tailer>) {
        let mut idle: Vec<String> = self
            .files
            .iter()
            .filter(|(_, input)| input.idle(now))
            .map(|(id, _)| id.clone())
            .collect();
        if let (false, Some(tailer)) = (idle.is_empty(), tailer) {
            let behind = behind(tailer);
            idle.retain(|id| !behind.contains(id));
        }
        for id in idle {
            let input = self.files.get_mut(&id).expect("listed above");
            if input.closed {
                self.close_file(&id);
                continue;
            }
            input.drain(&mut self.scratch, &self.wiring.metrics);
            self.ship(Some(&id));
        }
        if let Some((_, input)) = self.stdin.as_mut()
            && input.idle(now)
        {
            input.drain(&mut self.scratch, &self.wiring.metrics);
            self.ship(None);
        }
    }

    /// How long the loop may sleep: until the next batch or flush falls due.
    fn idle_wait(&self) -> Duration {
        let now = Instant::now();
        let flushes = self
            .files
            .values()
            .chain(self.stdin.as_ref().map(|(_, i)| i))
            .filter_map(|input| input.flush_at())
            .chain(self.batcher.deadline())
            .chain(self.segments.deadline())
            .chain(self.raw_deadlines());
        flushes
            .map(|at| at.saturating_duration_since(now))
            .fold(TICK, Duration::min)
    }

    fn read_stdin(&mut self, wait: Duration) -> usize {
        let Some((rx, input)) = self.stdin.as_mut() else {
            return 0;
        };
        let chunk = if wait.is_zero() {
            rx.try_recv().map_err(|e| e == TryRecvError::Disconnected)
        } else {
            rx.recv_timeout(wait)
                .map_err(|e| e == RecvTimeoutError::Disconnected)
        };
        match chunk {
            Ok(bytes) => {
                input.feed(&bytes, &mut self.scratch, &self.wiring.metrics);
                self.ship(None);
                bytes.len()
            }
            Err(false) => 0,
            Err(true) => {
                tracing::info!("standard input ended");
                self.finish_stdin();
                0
            }
        }
    }

    fn finish_stdin(&mut self) {
        if let Some((_, input)) = self.stdin.as_mut() {
            input.drain(&mut self.scratch, &self.wiring.metrics);
            self.ship(None);
        }
        self.stdin = None;
    }

    fn start_stdin(&mut self) {
        let Some(source) = &self.stdin_source else {
            return;
        };
        let file_id = format!("stdin-{}", self.run_id);
        let session = source.parser.session_at(STDIN, &file_id, 0);
        self.stdin = Some((crate::stdin::spawn(), Input::new(session, 0, 0)));
    }

    /// Hands a sealed batch to the sender; spools it first if it must.
    fn dispatch(&mut self, sealed: Sealed) {
        let events = sealed.events.len() as u64;
        let batch_id = format!("{}-{}-{:08}", self.host, self.run_id, sealed.seq);
        let spooled = match (&self.wiring.spool, sealed.spool) {
            (Some(spool), true) => spool_batch(spool, &batch_id, &sealed),
            _ => None,
        };
        let payload = match spooled {
            Some((path, body)) => {
                self.spooled.insert(sealed.seq);
                Metrics::add(&self.wiring.metrics.spooled_batches, 1);
                self.send(Outgoing {
                    seq: sealed.seq,
                    payload: Payload::Body(body),
                    events,
                    spooled: Some(path),
                });
                return;
            }
            None => Payload::Events {
                batch_id,
                events: sealed.events,
            },
        };
        self.send(Outgoing {
            seq: sealed.seq,
            payload,
            events,
            spooled: None,
        });
    }

    fn send(&mut self, batch: Outgoing) {
        self.in_flight += 1;
        self.wiring
            .metrics
            .in_flight
            .store(self.in_flight as u64, Ordering::Relaxed);
        if self.wiring.outgoing.send(batch).is_err() {
            tracing::warn!("the sender is gone; a batch stays unsent");
        }
    }

    fn take_acks(&mut self) {
        while let Ok(seq) = self.wiring.acks.try_recv() {
            self.on_ack(seq);
        }
    }

    fn wait_ack(&mut self, wait: Duration) {
        if let Ok(seq) = self.wiring.acks.recv_timeout(wait) {
            self.on_ack(seq);
            self.take_acks();
        }
    }

    fn on_ack(&mut self, seq: u64) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.wiring
            .metrics
            .in_flight
            .store(self.in_flight as u64, Ordering::Relaxed);
        if self.spooled.remove(&seq) {
            let gauge = &self.wiring.metrics.spooled_batches;
            let _ = gauge.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
        }
        for commit in self.ledger.ack(seq) {
            self.commit(commit);
        }
    }

    fn commit(&mut self, commit: Commit) {
        let path = Path::new(&commit.path);
        self.wiring
            .checkpoints
            .commit(&commit.file_id, path, commit.offset);
        self.dirty = true;
    }

    fn save(&mut self) {
        if !self.dirty {
            return;
        }
        match self.wiring.checkpoints.save() {
            Ok(()) => {
                self.dirty = false;
                Metrics::add(&self.wiring.metrics.checkpoint_saves, 1);
            }
            Err(err) => tracing::error!(error = %err, "could not save checkpoints"),
        }
    }

    fn refresh_gauges(&self, tailer: &Tailer) {
        let stats = tailer.stats();
        let metrics = &self.wiring.metrics;
        metrics
            .files_open
            .store(stats.files_open as u64, Ordering::Relaxed);
        let lags = stats
            .files
            .iter()
            .map(|f| FileLag {
                path: f.path.display().to_string(),
                file_id: f.file_id.clone(),
                lag_bytes: f.size.saturating_sub(f.read_offset),
                deleted: f.deleted,
            })
            .collect();
        if let Ok(mut files) = metrics.files.lock() {
            *files = lags;
        }
    }

    /// Stops reading; sends what is batched; waits (bounded) for acks; saves.
    /// File sessions keep what they hold: it is read again after a restart.
    /// Standard input and closed files cannot be read again: they are
    /// emitted whole.
    fn shutdown(mut self) {
        self.finish_stdin();
        let closed: Vec<String> = self
            .files
            .iter()
            .filter(|(_, input)| input.closed)
            .map(|(id, _)| id.clone())
            .collect();
        for id in closed {
            self.close_file(&id);
        }
        self.shutdown_raw();
        if let Some(sealed) = self.batcher.seal() {
            self.dispatch(sealed);
        }
        let mut deadline = self
            .stopping()
            .then(|| Instant::now() + self.shutdown_timeout);
        while self.in_flight > 0 {
            let now = Instant::now();
            if deadline.is_none() && self.stopping() {
                deadline = Some(now + self.shutdown_timeout);
            }
            if deadline.is_some_and(|d| now >= d) {
                break;
            }
            self.wait_ack(TICK);
            if now.duration_since(self.last_save) >= SAVE_EVERY {
                self.last_save = now;
                self.save();
            }
        }
        self.save();
        if self.in_flight > 0 {
            tracing::warn!(
                batches = self.in_flight,
                "stopping with batches unacknowledged: their files are read again at the next start (spooled ones are re-sent)"
            );
        }
    }
}

impl Input {
    fn new(session: Session, source: usize, offset: u64) -> Input {
        Input {
            session,
            source,
            end: offset,
            last_data: Instant::now(),
            flushed: true,
            closed: false,
            counted: Stats::default(),
        }
    }

    fn feed(&mut self, bytes: &[u8], out: &mut Vec<Event>, metrics: &Metrics) {
        self.session.feed(bytes, out);
        self.end += bytes.len() as u64;
        self.last_data = Instant::now();
        self.flushed = false;
        Metrics::add(&metrics.bytes_read, bytes.len() as u64);
        self.count(metrics);
    }

    /// Emits everything held, an unfinished last line included.
    fn drain(&mut self, out: &mut Vec<Event>, metrics: &Metrics) {
        self.session.flush(out);
        self.session.flush_line(out);
        self.session.flush(out);
        self.flushed = true;
        self.count(metrics);
    }

    fn flush_at(&self) -> Option<Instant> {
        if self.flushed {
            return None;
        }
        Some(self.last_data + Duration::from_millis(self.session.flush_timeout_ms()))
    }

    fn idle(&self, now: Instant) -> bool {
        self.flush_at().is_some_and(|at| now >= at)
    }

    fn count(&mut self, metrics: &Metrics) {
        let now = self.session.stats();
        Metrics::add(&metrics.lines_read, now.lines - self.counted.lines);
        Metrics::add(
            &metrics.truncated_lines,
            now.truncated_lines - self.counted.truncated_lines,
        );
        Metrics::add(
            &metrics.dropped_lines,
            now.dropped_lines - self.counted.dropped_lines,
        );
        self.counted = now;
    }
}

/// The ids of files the tailer has not read to their end.
fn behind(tailer: &Tailer) -> HashSet<String> {
    tailer
        .stats()
        .files
        .into_iter()
        .filter(|f| f.read_offset < f.size)
        .map(|f| f.file_id)
        .collect()
}

/// Fills `host` and `service` where the line did not say.
fn stamp(event: &mut Event, host: &str, service: Option<&str>) {
    if event.host.is_none() {
        event.host = Some(host.to_string());
    }
    if event.service.is_none() {
        event.service = service.map(str::to_string);
    }
}

fn spool_batch(
    spool: &Spool,
    batch_id: &str,
    sealed: &Sealed,
) -> Option<(std::path::PathBuf, Vec<u8>)> {
    let batch = wire::Batch::new(sealed.events.clone()).with_id(batch_id);
    let body = match wire::encode(&batch, true) {
        Ok(body) => body,
        Err(err) => {
            tracing::error!(error = %err, "could not encode a batch for the spool");
            return None;
        }
    };
    match spool.write(&spool_name(batch_id), &body) {
        Ok(path) => Some((path, body)),
        Err(err) => {
            tracing::error!(error = %err, "could not spool a batch; sending it unspooled");
            None
        }
    }
}

/// Spool files sort by run, then sequence number: the batch id's tail.
fn spool_name(batch_id: &str) -> String {
    let mut parts = batch_id.rsplitn(3, '-');
    let seq = parts.next().unwrap_or_default();
    let run = parts.next().unwrap_or_default();
    format!("{run}-{seq}")
}

/// An id for this run: the start time, hex, so spool files sort by run.
fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:016x}", nanos as u64)
}
