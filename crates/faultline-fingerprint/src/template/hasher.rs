//! The exact-match memory's hasher: its keys are xxh3 hashes already, so
//! hashing them again would only cost time.

/// Hashes the exact-match memory's keys, which are xxh3 hashes already.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct BuildU64;

#[derive(Debug, Default)]
pub(super) struct U64Hasher(u64);

impl std::hash::BuildHasher for BuildU64 {
    type Hasher = U64Hasher;
    fn build_hasher(&self) -> U64Hasher {
        U64Hasher(0)
    }
}

impl std::hash::Hasher for U64Hasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = xxhash_rust::xxh3::xxh3_64_with_seed(bytes, self.0);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}
