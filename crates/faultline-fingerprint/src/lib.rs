//! Error fingerprinting: deciding which events share a root cause.
//!
//! Events with an exception are grouped by the exception type and the
//! normalised in-app frames of every exception in the cause chain; events
//! without one by their message template (variables masked, templates mined
//! Drain-style). Every decision carries a human explanation, and the hash is
//! fixed and versioned ([`FINGERPRINT_VERSION`]).
//!
//! Fingerprinting is pure apart from the template miner's state, which the
//! caller owns and may persist.

pub mod mask;
pub mod template;

mod fingerprinter;
pub mod inapp;
pub mod normalize;
pub mod rules;

pub use fingerprinter::{Config, ConfigError, Decision, FINGERPRINT_VERSION, Fingerprinter};
