//! Batching events (or raw segments) by size and age: a batch is sealed
//! when its estimated wire size reaches `max_bytes` or its first item is
//! `max_wait` old. Batchers of one reader share one sequence of batch numbers.

use faultline_event::Event;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A sealed batch, ready to encode and send.
#[derive(Debug)]
pub struct Sealed<T = Event> {
    pub seq: u64,
    pub events: Vec<T>,
    /// It holds events of an input that cannot be read again (stdin): it is
    /// spooled to disk before it is sent.
    pub spool: bool,
}

#[derive(Debug)]
struct Open<T> {
    seq: u64,
    events: Vec<T>,
    bytes: usize,
    started: Instant,
    spool: bool,
}

#[derive(Debug)]
pub struct Batcher<T = Event> {
    max_bytes: usize,
    max_wait: Duration,
    next_seq: Arc<AtomicU64>,
    open: Option<Open<T>>,
}

impl<T> Batcher<T> {
    /// Sequence numbers come from `next_seq` (shared by the reader's batchers).
    pub fn new(max_bytes: usize, max_wait: Duration, next_seq: Arc<AtomicU64>) -> Batcher<T> {
        Batcher {
            max_bytes,
            max_wait,
            next_seq,
            open: None,
        }
    }

    /// Adds an item of about `bytes` on the wire; returns the sequence number
    /// of the batch it went into, and that batch if it is now full.
    pub fn push(
        &mut self,
        event: T,
        bytes: usize,
        spool: bool,
        now: Instant,
    ) -> (u64, Option<Sealed<T>>) {
        let open = self.open.get_or_insert_with(|| {
            let seq = self.next_seq.fetch_add(1, Ordering::Relaxed);
            Open {
                seq,
                events: Vec::new(),
                bytes: 0,
                started: now,
                spool: false,
            }
        });
        open.events.push(event);
        open.bytes += bytes;
        open.spool |= spool;
        let seq = open.seq;
        let full = open.bytes >= self.max_bytes;
        (seq, if full { self.seal() } else { None })
    }

    /// Seals the open batch if it is older than `max_wait`.
    pub fn due(&mut self, now: Instant) -> Option<Sealed<T>> {
        let open = self.open.as_ref()?;
        if now.duration_since(open.started) >= self.max_wait {
            return self.seal();
        }
        None
    }

    /// When the open batch falls due.
    pub fn deadline(&self) -> Option<Instant> {
        self.open.as_ref().map(|o| o.started + self.max_wait)
    }

    /// Seals the open batch, whatever its size.
    pub fn seal(&mut self) -> Option<Sealed<T>> {
        let open = self.open.take()?;
        Some(Sealed {
            seq: open.seq,
            events: open.events,
            spool: open.spool,
        })
    }
}

/// About how many bytes an event takes as an NDJSON line: its text plus the
/// keys and punctuation around it. Cheap: no serialisation.
pub fn estimate(event: &Event) -> usize {
    let fields: usize = event
        .fields
        .iter()
        .map(|(k, v)| k.len() + v.as_str().map_or(16, str::len) + 6)
        .sum();
    let frames = event
        .exception
        .as_ref()
        .map_or(0, |e| e.frames.len() * 96 + e.value.len() + e.kind.len());
    160 + event.message.len()
        + event.stack.as_ref().map_or(0, String::len)
        + event.source.as_ref().map_or(0, |s| s.path.len() + 48)
        + fields
        + frames
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(len: usize) -> Event {
        Event::new("x".repeat(len))
    }

    #[test]
    fn seals_by_size_and_numbers_batches_in_order() {
        let now = Instant::now();
        let seqs = Arc::new(AtomicU64::new(5));
        let mut batcher = Batcher::new(2000, Duration::from_secs(1), seqs.clone());
        let push = |b: &mut Batcher, e: Event, spool| {
            let bytes = estimate(&e);
            b.push(e, bytes, spool, now)
        };
        let (seq, sealed) = push(&mut batcher, event(500), false);
        assert_eq!((seq, sealed.is_none()), (5, true));
        let (_, sealed) = push(&mut batcher, event(500), false);
        assert!(sealed.is_none());
        let (seq, sealed) = push(&mut batcher, event(1000), true);
        let sealed = sealed.expect("over 2000 bytes");
        assert_eq!((seq, sealed.seq, sealed.events.len()), (5, 5, 3));
        assert!(sealed.spool);
        // Another batcher on the same sequence takes the next number.
        let mut raw: Batcher<Vec<u8>> = Batcher::new(10, Duration::from_secs(1), seqs);
        assert_eq!(raw.push(vec![0; 20], 20, false, now).0, 6);
        let (seq, _) = push(&mut batcher, event(1), false);
        assert_eq!(seq, 7);
        assert!(!batcher.seal().unwrap().spool);
        assert!(batcher.seal().is_none());
    }

    #[test]
    fn seals_by_age_of_the_first_event() {
        let start = Instant::now();
        let mut batcher = Batcher::new(1 << 20, Duration::from_millis(1000), Arc::default());
        assert!(batcher.due(start).is_none() && batcher.deadline().is_none());
        batcher.push(event(10), 170, false, start);
        batcher.push(event(10), 170, false, start + Duration::from_millis(900));
        assert_eq!(
            batcher.deadline(),
            Some(start + Duration::from_millis(1000))
        );
        assert!(batcher.due(start + Duration::from_millis(999)).is_none());
        let sealed = batcher.due(start + Duration::from_millis(1000)).unwrap();
        assert_eq!(sealed.events.len(), 2);
    }

    #[test]
    fn estimate_tracks_the_encoded_size() {
        let mut e = event(300);
        e.source = Some(faultline_event::SourcePos {
            path: "/var/log/app.log".into(),
            file_id: "0123456789abcdef".into(),
            offset: 123_456,
        });
        e.level = Some(faultline_event::Level::Error);
        let encoded = serde_json::to_vec(&e).unwrap().len();
        let estimate = estimate(&e);
        assert!(
            estimate >= encoded && estimate < encoded * 2,
            "{estimate} vs {encoded}"
        );
    }
}
