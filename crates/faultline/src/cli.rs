//! The command line: what users type, with an example in every `--help`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// faultline: ship logs, group errors by root cause, and rank the weak spots
/// of an application.
#[derive(Debug, Parser)]
#[command(name = "faultline", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse log files into events and print one JSON event per line (NDJSON).
    #[command(
        after_help = "Examples:\n  faultline parse /var/log/app.log\n  faultline parse --format nginx_access access.log.1.gz\n  kubectl logs my-pod | faultline parse -"
    )]
    Parse(ParseArgs),
}

/// Options of `faultline parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Files, folders (read recursively), `.gz` files, or `-` for standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    pub inputs: Vec<PathBuf>,

    /// The line format: `auto` sniffs each file's first lines; see --list-formats.
    #[arg(long, default_value = "auto")]
    pub format: String,

    /// A folder of extra declarative formats (`*.toml`), read at start-up.
    #[arg(long, value_name = "DIR")]
    pub parsers: Option<PathBuf>,

    /// How lines join into events: auto (stack-trace grammars), none,
    /// indented, timestamp, backslash.
    #[arg(long, default_value = "auto")]
    pub multiline: String,

    /// Lines longer than this are cut and flagged `line_truncated`.
    #[arg(long, default_value_t = faultline_parse::lines::DEFAULT_MAX_LINE_BYTES)]
    pub max_line_bytes: usize,

    /// On standard input, emit a held event after this long without input.
    #[arg(long, default_value_t = 2000)]
    pub flush_timeout_ms: u64,

    /// The year for timestamps printed without one (syslog); default: this year.
    #[arg(long)]
    pub year: Option<i32>,

    /// Print the known formats and exit.
    #[arg(long)]
    pub list_formats: bool,
}
