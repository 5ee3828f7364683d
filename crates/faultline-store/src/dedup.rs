//! Deciding, under one lock, which events of a batch are new.
//!
//! A caller *reserves* the keys of its new events before writing them, so two
//! concurrent copies of one event cannot both be stored. A reservation holds a
//! ticket until its write finished (or failed, which releases the keys). A
//! caller told that some of its events are duplicates waits until every
//! ticket issued before its decision is finished: a duplicate is acknowledged
//! only once the copy it duplicates is durable.

use crate::commit::lock;
use crate::seen::{SeenKeys, key_hash};
use crate::{Incoming, StoreError};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::sync::{Condvar, Mutex};

/// The seen keys and the tickets of writes in flight.
#[derive(Debug)]
pub(crate) struct Dedup {
    keys: Mutex<Keys>,
    finished: Mutex<Finished>,
    changed: Condvar,
}

#[derive(Debug)]
struct Keys {
    seen: SeenKeys,
    next_ticket: u64,
}

/// Every ticket below `below` is finished, and so are those in `above`.
#[derive(Debug, Default)]
struct Finished {
    below: u64,
    above: BTreeSet<u64>,
}

/// The new events of a batch and what they hold.
#[derive(Debug)]
pub(crate) struct Reservation<'a> {
    dedup: &'a Dedup,
    ticket: Option<u64>,
    keys: Vec<(NaiveDate, u64)>,
    /// The batch's events that were not seen before.
    pub fresh: Vec<Incoming>,
    pub duplicates: u64,
    /// Tickets to wait for before acknowledging the duplicates.
    barrier: u64,
}

impl Dedup {
    pub(crate) fn new(seen: SeenKeys) -> Dedup {
        Dedup {
            keys: Mutex::new(Keys {
                seen,
                next_ticket: 0,
            }),
            finished: Mutex::new(Finished::default()),
            changed: Condvar::new(),
        }
    }

    /// Splits a batch (whose events all carry a timestamp) into new events,
    /// whose keys are now reserved, and duplicates. `inferred` tells, per
    /// event, whether its timestamp was set at ingest.
    pub(crate) fn reserve(&self, batch: Vec<(Incoming, bool)>) -> Reservation<'_> {
        let mut r = Reservation {
            dedup: self,
            ticket: None,
            keys: Vec::new(),
            fresh: Vec::with_capacity(batch.len()),
            duplicates: 0,
            barrier: 0,
        };
        let mut keys = lock(&self.keys);
        for (incoming, inferred) in batch {
            let (Some(key), Some(ts)) = (&incoming.key, incoming.event.ts) else {
                r.fresh.push(incoming);
                continue;
            };
            let (day, hash) = (ts.date_naive(), key_hash(key));
            if keys.seen.contains(day, hash, inferred) || !keys.seen.insert(day, hash) {
                r.duplicates += 1;
            } else {
                r.keys.push((day, hash));
                r.fresh.push(incoming);
            }
        }
        if !r.keys.is_empty() {
            r.ticket = Some(keys.next_ticket);
            keys.next_ticket += 1;
        }
        r.barrier = keys.next_ticket;
        r
    }

    /// Remembers keys read back from the log.
    pub(crate) fn insert(&self, day: NaiveDate, hash: u64) {
        lock(&self.keys).seen.insert(day, hash);
    }

    pub(crate) fn retain(&self, keep_from: NaiveDate) {
        lock(&self.keys).seen.retain(keep_from);
    }

    pub(crate) fn len(&self) -> usize {
        lock(&self.keys).seen.len()
    }

    fn finish(&self, ticket: u64) {
        let mut f = lock(&self.finished);
        f.above.insert(ticket);
        loop {
            let below = f.below;
            if !f.above.remove(&below) {
                break;
            }
            f.below += 1;
        }
        drop(f);
        self.changed.notify_all();
    }
}

impl Reservation<'_> {
    /// Gives the keys back after the write failed.
    pub(crate) fn release(&mut self) {
        let mut keys = lock(&self.dedup.keys);
        for (day, hash) in self.keys.drain(..) {
            keys.seen.remove(day, hash);
        }
    }

    /// Finishes this batch's own ticket, then, if the batch had duplicates,
    /// waits until every write they may duplicate is finished. Fails when
    /// the log failed meanwhile: then the copy may not be stored.
    pub(crate) fn settle(mut self, failed: &Mutex<Option<String>>) -> Result<(), StoreError> {
        if let Some(ticket) = self.ticket.take() {
            self.dedup.finish(ticket);
        }
        if self.duplicates == 0 {
            return Ok(());
        }
        let mut f = lock(&self.dedup.finished);
        while f.below < self.barrier {
            f = self
                .dedup
                .changed
                .wait(f)
                .unwrap_or_else(|e| e.into_inner());
        }
        drop(f);
        match lock(failed).as_deref() {
            Some(message) => Err(crate::commit::failed_error(message)),
            None => Ok(()),
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket.take() {
            self.dedup.finish(ticket);
        }
    }
}
