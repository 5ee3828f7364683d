//! faultline's storage, and the only crate that imports tantivy.
//!
//! A [`Store`] lives in one data folder:
//! - `wal/` — the write-ahead log: a batch is acknowledged only once it is
//!   appended and fsynced (concurrent batches share one fsync: group commit);
//!   on open, records not yet persisted by the index or the group store are
//!   replayed;
//! - `index/<YYYY-MM-DD>/` — one tantivy index per day, so retention deletes a
//!   folder; committed on a timer so search sees an event within seconds;
//! - `groups.json` — the group store's snapshot: per fingerprint, per-day
//!   counts, first/last seen, services, hosts, a sample event and the
//!   status (unresolved, resolved or ignored) users set, saved again by
//!   every status change before it returns;
//! - `seen/` — the keys (`file_id:offset` or `batch_id:line`) of every stored
//!   event within retention, so a retried event is counted once.
//!
//! ```
//! use faultline_event::Event;
//! use faultline_store::{GroupMeta, GroupQuery, Incoming, Store, StoreConfig};
//!
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(dir.path(), StoreConfig::default())?;
//! let mut event = Event::new("card declined");
//! event.fingerprint = Some("a1b2".into());
//! let meta = |e: &Event| GroupMeta {
//!     title: e.message.clone(),
//!     culprit: None,
//!     module: None,
//!     explanation: "grouped by: message template".into(),
//! };
//! let incoming = Incoming { event, key: Some("9555e8555c62dcfd:0".into()), verbatim: None };
//! let first = store.ingest(vec![incoming.clone()], &meta)?;
//! let retry = store.ingest(vec![incoming], &meta)?;
//! assert_eq!((first.accepted, retry.duplicates), (1, 1));
//! let groups = store.groups(&GroupQuery::default())?;
//! assert_eq!((groups[0].title.as_str(), groups[0].count), ("card declined", 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod api;
mod commit;
mod dedup;
mod entry;
mod fsutil;
mod groups;
mod index;
mod seen;
mod store;
mod wal;

pub use api::*;
pub use index::{EventIndex, RouteFn, SCHEMA_VERSION};
pub use store::{Store, TS_INFERRED_FIELD};
