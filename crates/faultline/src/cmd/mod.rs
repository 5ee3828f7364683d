//! One module per subcommand.

pub mod analyze;
pub mod collect;
pub mod parse;
pub mod query;
pub mod report;
pub mod ship;

use crate::cli::LogFormat;
use std::io::IsTerminal as _;
use tracing_subscriber::EnvFilter;

/// Structured logs on stderr; `RUST_LOG` filters (default `info`).
pub fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
