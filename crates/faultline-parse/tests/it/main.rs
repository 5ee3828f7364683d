//! Integration tests of faultline-parse: golden fixtures, interleaved streams
//! per language, and properties over arbitrary input.

mod golden;
mod interleaved;
mod multiline;
mod properties;

use faultline_parse::format::{Context, Registry};
use faultline_parse::{Options, Parser};
use std::path::PathBuf;

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// The parser every fixture test uses: built-in formats, auto-detection, and
/// 2026 as the year for timestamps that omit it.
pub fn parser() -> Parser {
    let options = Options {
        context: Context { year: 2026 },
        ..Options::default()
    };
    Parser::new(Registry::builtin(), options).expect("default options are valid")
}
