//! The command line: what users type, with an example in every `--help`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// faultline: ship logs, group errors by root cause, and rank the weak spots
/// of an application.
#[derive(Debug, Parser)]
#[command(name = "faultline", version, about, long_about = None)]
#[cfg_attr(
    not(feature = "server"),
    command(
        after_help = "This is the sidecar build: only `parse` and `ship`. The full build (default features) adds collect, analyze, search, groups, stats and report."
    )
)]
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
    #[cfg(feature = "server")]
    /// Parse, group and rank: the whole pipeline in-process, no server.
    #[command(
        after_help = "Examples:\n  faultline analyze fixtures/demo\n  faultline analyze --json /var/log/app/ > weak-areas.json\n  faultline analyze --data ~/.faultline --top 20 logs/*.gz"
    )]
    Analyze(AnalyzeArgs),
    #[cfg(feature = "server")]
    /// Run the collector: receive events over HTTP, store, group and index
    /// them, and answer queries.
    #[command(
        after_help = "Examples:\n  faultline collect --listen 127.0.0.1:7080 --data /var/lib/faultline\n  faultline collect --listen 0.0.0.0:7080 --data /var/lib/faultline --config /etc/faultline/collector.toml --log-format json"
    )]
    Collect(CollectArgs),
    /// Run the shipper: tail log files (or standard input), parse them and
    /// send the events to a collector, with checkpoints after every ack.
    #[command(
        after_help = "Examples:\n  faultline ship --config /etc/faultline/shipper.toml\n  faultline ship --path '/var/log/app/**/*.log' --collector http://127.0.0.1:7080 --state /var/lib/faultline-shipper --service checkout\n  my-app 2>&1 | faultline ship --path - --collector http://127.0.0.1:7080 --state /var/lib/faultline-shipper"
    )]
    Ship(ShipArgs),
    #[cfg(feature = "server")]
    /// Search events (tantivy query syntax), newest first.
    #[command(
        after_help = "Examples:\n  faultline search --collector http://127.0.0.1:7080 'PaymentService AND level:error' --since 24h\n  faultline search --data /var/lib/faultline --service checkout --group 3f2a9c --json"
    )]
    Search(SearchArgs),
    #[cfg(feature = "server")]
    /// List error groups ranked by count, newness or trend, show one group,
    /// or set a group's status (resolved, ignored, unresolved).
    #[command(
        after_help = "A resolved group that gets an event dated after it was resolved is unresolved again (regressed); an ignored group stays ignored.\n\nExamples:\n  faultline groups --collector http://127.0.0.1:7080 --since 7d\n  faultline groups --data /var/lib/faultline --sort new --service checkout\n  faultline groups --collector http://127.0.0.1:7080 --status unresolved\n  faultline groups --data /var/lib/faultline 3f2a9c0d1e2b4a5f6789abcdef012345\n  faultline groups --collector http://127.0.0.1:7080 --resolve 3f2a9c0d1e2b4a5f6789abcdef012345\n  faultline groups --data /var/lib/faultline --ignore 3f2a9c0d1e2b4a5f6789abcdef012345"
    )]
    Groups(GroupsArgs),
    #[cfg(feature = "server")]
    /// Count events over time by any field, with percentiles of a numeric field.
    #[command(
        after_help = "Examples:\n  faultline stats --collector http://127.0.0.1:7080 'path:\"/api/v1/legacy\"' --interval 1d\n  faultline stats --data /var/lib/faultline --by payment_method --interval 1d\n  faultline stats --data /var/lib/faultline 'service:gateway' --percentiles request_time"
    )]
    Stats(StatsArgs),
    #[cfg(feature = "server")]
    /// The weekly report: totals against the week before, the top error
    /// groups (new, regressed, escalating), the weakest modules, services and
    /// exception types, and the endpoints of access logs.
    #[command(
        after_help = "Examples:\n  faultline report --data /var/lib/faultline\n  faultline report --collector http://127.0.0.1:7080 --week 2026-W47 --format html -o report.html\n  faultline report --data /var/lib/faultline --format json | jq .groups"
    )]
    Report(ReportArgs),
}

#[cfg(feature = "server")]
/// Options of `faultline collect`.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// The address to listen on (wins over the config's `listen`).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,

    /// The data folder: write-ahead log, index, groups (wins over the config's `data`).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// A TOML config: tokens, limits, `[store]`, `[fingerprint]` (see deploy/collector.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Log lines as text or JSON (filter with RUST_LOG, default `info`).
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

/// How the collector writes its logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Options of `faultline ship`. Flags fill or win over the config file; the
/// `--path` globs form one more source, which `--exclude`, `--format`,
/// `--multiline` and `--start-at` describe.
#[derive(Debug, Args)]
pub struct ShipArgs {
    /// A TOML config: sources, collector, limits (see deploy/shipper.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Files to tail: a glob (`**` allowed), repeatable, or `-` for standard input.
    #[arg(long = "path", value_name = "GLOB")]
    pub paths: Vec<String>,
    /// Globs of files to leave alone.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// The collector, such as `http://127.0.0.1:7080`.
    #[arg(long, value_name = "URL")]
    pub collector: Option<String>,
    /// The state folder: checkpoints and the spool.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// The `service` of events that do not name one.
    #[arg(long)]
    pub service: Option<String>,
    /// The bearer token (default: $FAULTLINE_TOKEN).
    #[arg(long)]
    pub token: Option<String>,
    /// The line format of the --path files (default: sniffed per file).
    #[arg(long)]
    pub format: Option<String>,
    /// How lines join into events: auto, none, indented, timestamp, backslash.
    #[arg(long)]
    pub multiline: Option<String>,
    /// Where files are parsed: `shipper` (default) or `collector` (files
    /// go as raw segments cut at event starts; far less CPU here).
    #[arg(long, value_name = "WHERE")]
    pub parse_at: Option<String>,
    /// Where to start a file seen for the first time: beginning or end.
    #[arg(long, value_name = "WHERE")]
    pub start_at: Option<String>,
    /// Serve /metrics and /healthz on this address (off by default).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
    /// The `host` stamped on events (default: this machine's hostname).
    #[arg(long)]
    pub host: Option<String>,
    /// Log lines as text or JSON (filter with RUST_LOG, default `info`).
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

#[cfg(feature = "server")]
/// Where `search`, `groups` and `stats` send their queries.
#[derive(Debug, Args)]
pub struct QuerySource {
    /// A running collector, such as `http://127.0.0.1:7080`.
    #[arg(long, value_name = "URL", conflicts_with = "data")]
    pub collector: Option<String>,

    /// A data folder, read directly (no collector needed).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// The bearer token for --collector (default: $FAULTLINE_TOKEN).
    #[arg(long)]
    pub token: Option<String>,

    /// Print the API's JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[cfg(feature = "server")]
/// Options of `faultline search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// tantivy query syntax, such as `PaymentService AND timeout`; empty matches all.
    #[arg(value_name = "QUERY")]
    pub query: Option<String>,
    #[arg(long)]
    pub service: Option<String>,
    #[arg(long)]
    pub level: Option<String>,
    /// RFC 3339, a date, or an age such as 24h or 7d.
    #[arg(long)]
    pub since: Option<String>,
    #[arg(long)]
    pub until: Option<String>,
    /// Only events of this group (fingerprint).
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[command(flatten)]
    pub source: QuerySource,
}

#[cfg(feature = "server")]
/// Options of `faultline groups`.
#[derive(Debug, Args)]
pub struct GroupsArgs {
    /// Show this group in full instead of a list.
    #[arg(value_name = "FINGERPRINT")]
    pub fingerprint: Option<String>,
    /// RFC 3339, a date, or an age such as 24h or 7d.
    #[arg(long, default_value = "7d")]
    pub since: String,
    #[arg(long)]
    pub service: Option<String>,
    #[arg(long)]
    pub level: Option<String>,
    /// count, new or trend.
    #[arg(long, default_value = "count")]
    pub sort: String,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// List only groups with this status: unresolved, resolved or ignored
    /// (default: every status).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Mark this group resolved (it becomes unresolved again when an event
    /// dated after now arrives), then show it.
    #[arg(long, value_name = "FINGERPRINT", group = "set_status", conflicts_with_all = ["fingerprint", "status"])]
    pub resolve: Option<String>,
    /// Mark this group ignored (whatever arrives), then show it.
    #[arg(long, value_name = "FINGERPRINT", group = "set_status", conflicts_with_all = ["fingerprint", "status"])]
    pub ignore: Option<String>,
    /// Mark this group unresolved again, then show it.
    #[arg(long, value_name = "FINGERPRINT", group = "set_status", conflicts_with_all = ["fingerprint", "status"])]
    pub unresolve: Option<String>,
    #[command(flatten)]
    pub source: QuerySource,
}

#[cfg(feature = "server")]
/// Options of `faultline stats`.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// tantivy query syntax; empty matches all.
    #[arg(value_name = "QUERY")]
    pub query: Option<String>,
    /// Count by this field: service, level, host, fingerprint or any event field.
    #[arg(long)]
    pub by: Option<String>,
    /// Bucket width: 1m, 1h, 1d...
    #[arg(long, default_value = "1h")]
    pub interval: String,
    /// p50/p95/p99 of this numeric field, such as request_time.
    #[arg(long)]
    pub percentiles: Option<String>,
    #[arg(long)]
    pub since: Option<String>,
    #[arg(long)]
    pub until: Option<String>,
    #[command(flatten)]
    pub source: QuerySource,
}

#[cfg(feature = "server")]
/// Options of `faultline report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The ISO week, such as 2026-W47 (UTC); default: the last complete week.
    #[arg(long)]
    pub week: Option<String>,
    /// md, html or json (default md; json with --json).
    #[arg(long)]
    pub format: Option<String>,
    /// Write the report to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Make group links absolute with this address (the collector's UI as
    /// readers reach it), so they work in a mailed copy.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    #[command(flatten)]
    pub source: QuerySource,
}

#[cfg(feature = "server")]
/// Options of `faultline analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Files, folders (read recursively), `.gz` files, or `-` for standard input.
    #[arg(value_name = "PATH", required = true)]
    pub inputs: Vec<PathBuf>,

    /// Print a JSON document instead of tables.
    #[arg(long)]
    pub json: bool,

    /// A data folder, as the collector keeps one: every event is stored and
    /// indexed there (so `faultline search --data DIR` works offline), and the
    /// mined message templates are kept between runs so group ids stay stable.
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
