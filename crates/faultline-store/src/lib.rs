//! faultline's storage, and the only crate that imports tantivy.
//!
//! A [`Store`] lives in one data folder:
//! - `wal/` — the write-ahead log: a batch is acknowledged only once it is
//!   appended and fsynced (concurrent batches share one fsync: group commit);
//!   on open, entries not yet applied are replayed;
//! - `index/<YYYY-MM-DD>/` — one tantivy index per day, so retention deletes a
//!   folder; committed on a timer so search sees an event within seconds;
//! - the group store — per fingerprint: per-day counts, first/last seen,
//!   services, hosts, a sample event, and the status a report needs;
//! - the seen-keys table — `(file_id, offset)` or `(batch_id, line)` of every
//!   stored event within retention, so a retried event is counted once.

mod api;
mod index;

pub use api::*;
pub use index::EventIndex;
