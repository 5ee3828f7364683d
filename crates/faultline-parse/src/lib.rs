//! Turning log bytes into events: line splitting, line formats and sniffing,
//! multiline assembly and stack-trace parsing.
//!
//! Parsing never fails: it returns what it could, plus flags on the events
//! that were damaged, and counts what it dropped. It is pure: no clock, no
//! I/O; the caller feeds bytes and passes time in ([`format::Context`]).
//!
//! ```
//! use faultline_parse::{Options, Parser, format::Registry};
//!
//! let parser = Parser::new(Registry::builtin(), Options::default()).unwrap();
//! let input = b"thread 'main' panicked at src/main.rs:5:9:\nindex out of bounds\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\nserver started\n";
//! let parsed = parser.parse_bytes(input, Some("app.log"));
//! assert_eq!(parsed.events.len(), 2);
//! assert_eq!(parsed.events[1].message, "server started");
//! assert_eq!(parsed.events[1].source.as_ref().unwrap().offset, 141);
//! ```

pub mod format;
pub mod lines;
pub mod multiline;
mod pipeline;
pub mod trace;

pub use pipeline::{Options, Parsed, Parser, Session};
