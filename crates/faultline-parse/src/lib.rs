//! Turning log bytes into events: line splitting, line formats and sniffing,
//! multiline assembly and stack-trace parsing.
//!
//! Parsing never fails: it returns what it could, plus flags on the events that
//! were damaged, and counts what it dropped.

pub mod format;
pub mod trace;
