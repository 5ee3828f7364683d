//! One module per subcommand.

pub mod analyze;
pub mod collect;
pub mod parse;
pub mod query;
pub mod report;
pub mod ship;
