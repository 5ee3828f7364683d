//! `faultline collect`: the collector service, until SIGTERM or Ctrl-C.

use crate::cli::{CollectArgs, LogFormat};
use anyhow::Context as _;
use faultline_collector::RawConfig;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

pub fn run(args: CollectArgs) -> anyhow::Result<ExitCode> {
    init_logs(args.log_format);
    let mut raw = match &args.config {
        Some(path) => RawConfig::from_file(path)?,
        None => RawConfig::default(),
    };
    if let Some(listen) = args.listen {
        raw.listen = Some(listen);
    }
    if let Some(data) = args.data {
        raw.data = Some(data);
    }
    let config = raw.validate().context(match &args.config {
        Some(path) => format!("--config {}", path.display()),
        None => "the command line".to_string(),
    })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("collector")
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(faultline_collector::serve(
        config,
        faultline_collector::shutdown_signal(),
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// Structured logs on stderr; `RUST_LOG` filters (default `info`).
fn init_logs(format: LogFormat) {
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
