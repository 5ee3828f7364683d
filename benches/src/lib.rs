//! Shared corpus generators for the benches.
