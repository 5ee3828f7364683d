//! The fingerprinter: ties in-app classification, normalisation, templates
//! and rules into one decision per event.

use faultline_event::Event;

/// Bumped whenever fingerprint output changes for any input; golden tests enforce it.
pub const FINGERPRINT_VERSION: u32 = 1;

/// How to fingerprint (see the field docs).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {}

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {}

/// The outcome for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Hex fingerprint, prefixed by nothing; stable across releases of the same version.
    pub fingerprint: String,
    /// "grouped by: exception type + 4 in-app frames"
    pub explanation: String,
}

/// Fingerprints events; holds the template miner's state.
#[derive(Debug, Default)]
pub struct Fingerprinter {}

impl Fingerprinter {
    pub fn new(config: Config) -> Result<Fingerprinter, ConfigError> {
        let _ = config;
        Ok(Fingerprinter {})
    }

    /// Classifies frames (`in_app`), sets `template` and `fingerprint` on the
    /// event, and returns the decision.
    pub fn apply(&mut self, event: &mut Event) -> Decision {
        let _ = event;
        Decision {
            fingerprint: String::new(),
            explanation: String::new(),
        }
    }
}
