//! The canonical encoding the fingerprint hashes.
//!
//! `xxh3_128` over: the tag `faultline-fp`, [`FINGERPRINT_VERSION`] as a
//! little-endian `u32`, one byte naming the basis, then each field as a
//! little-endian `u32` length and its bytes. Length prefixes keep
//! `("ab", "c")` and `("a", "bc")` apart; the version makes every change of
//! algorithm a new key space. Never `DefaultHasher`: it is not stable across
//! Rust releases.

use crate::FINGERPRINT_VERSION;
use xxhash_rust::xxh3::Xxh3Default;

/// A fingerprint being built.
pub(crate) struct Canon {
    hasher: Xxh3Default,
}

impl Canon {
    /// Starts an encoding for `basis` (a fixed byte per kind of decision).
    pub(crate) fn new(basis: u8) -> Canon {
        let mut hasher = Xxh3Default::new();
        hasher.update(b"faultline-fp");
        hasher.update(&FINGERPRINT_VERSION.to_le_bytes());
        hasher.update(&[basis]);
        Canon { hasher }
    }

    /// Adds one length-prefixed field.
    pub(crate) fn field(&mut self, bytes: &[u8]) {
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        self.hasher.update(&len.to_le_bytes());
        self.hasher.update(bytes);
    }

    /// Adds a count (frames of an exception, parts of a rule).
    pub(crate) fn count(&mut self, n: usize) {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        self.hasher.update(&n.to_le_bytes());
    }

    /// The fingerprint: 32 lowercase hex digits.
    pub(crate) fn finish(&self) -> String {
        format!("{:032x}", self.hasher.digest128())
    }
}

#[cfg(test)]
mod tests {
    use super::Canon;

    fn of(fields: &[&str]) -> String {
        let mut c = Canon::new(1);
        for f in fields {
            c.field(f.as_bytes());
        }
        c.finish()
    }

    #[test]
    fn length_prefixes_keep_field_boundaries() {
        assert_ne!(of(&["ab", "c"]), of(&["a", "bc"]));
        assert_ne!(of(&["a", ""]), of(&["a"]));
        assert_eq!(of(&["x", "y"]), of(&["x", "y"]));
        assert_eq!(of(&["x"]).len(), 32);
    }

    #[test]
    fn basis_is_part_of_the_key() {
        let mut a = Canon::new(1);
        let mut b = Canon::new(2);
        a.field(b"same");
        b.field(b"same");
        assert_ne!(a.finish(), b.finish());
    }
}
