//! The shared types of faultline: [`Event`], [`Exception`], [`Frame`], [`Level`],
//! [`SourcePos`], and the versioned wire batch that carries events from a shipper
//! to a collector.
//!
//! This crate is the boundary between shipper and collector. It does no I/O and
//! knows no async runtime; encoding a batch to gzip happens in memory.
//!
//! ```
//! use faultline_event::{Event, Level};
//!
//! let mut event = Event::new("connection refused");
//! event.level = Some(Level::Error);
//! let json = serde_json::to_string(&event).unwrap();
//! assert_eq!(json, r#"{"level":"error","message":"connection refused"}"#);
//! let back: Event = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, event);
//! ```

mod event;
mod exception;
mod level;
pub mod wire;

pub use event::{Event, Flag, SourcePos};
pub use exception::{Exception, Frame};
pub use level::Level;
