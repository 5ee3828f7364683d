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
    /// Parse, group and rank: the whole pipeline in-process, no server.
    #[command(
        after_help = "Examples:\n  faultline analyze fixtures/demo\n  faultline analyze --json /var/log/app/ > weak-areas.json\n  faultline analyze --data ~/.faultline --top 20 logs/*.gz"
    )]
    Analyze(AnalyzeArgs),
}

/// Options of `faultline analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Files, folders (read recursively), `.gz` files, or `-` for standard input.
    #[arg(value_name = "PATH", required = true)]
    pub inputs: Vec<PathBuf>,

    /// Print a JSON document instead of tables.
    #[arg(long)]
    pub json: bool,

    /// A folder that keeps state between runs (the mined message templates, so
    /// group ids stay stable).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// A TOML file with a `[fingerprint]` table: in-app globs and grouping rules.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The service of events that do not name one (default: the file's name).
    #[arg(long)]
    pub service: Option<String>,

    /// How many groups to list.
    #[arg(long, default_value_t = 15)]
    pub top: usize,

    /// Worker threads for parsing (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,

    #[command(flatten)]
    pub input: InputArgs,
}

/// Options of `faultline parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// Files, folders (read recursively), `.gz` files, or `-` for standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    pub inputs: Vec<PathBuf>,

    /// Print the known formats and exit.
    #[arg(long)]
    pub list_formats: bool,

    #[command(flatten)]
    pub input: InputArgs,
}

/// How input is read, shared by every command that reads logs.
#[derive(Debug, Args)]
pub struct InputArgs {
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
}
