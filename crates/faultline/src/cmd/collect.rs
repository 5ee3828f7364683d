//! `faultline collect`: the collector service, until SIGTERM or Ctrl-C.

use crate::cli::CollectArgs;
use anyhow::Context as _;
use faultline_collector::RawConfig;
use std::process::ExitCode;

pub fn run(args: CollectArgs) -> anyhow::Result<ExitCode> {
    super::init_logs(args.log_format);
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
    runtime.block_on(faultline_collector::serve(config, super::shutdown_signal()))?;
    Ok(ExitCode::SUCCESS)
}
