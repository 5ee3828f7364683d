//! `faultline ship`: the shipper, until SIGTERM or Ctrl-C (or, reading only
//! standard input, until it ends and everything is acknowledged).

use crate::cli::ShipArgs;
use anyhow::Context as _;
use faultline_shipper::RawConfig;
use faultline_shipper::config::RawSource;
use std::process::ExitCode;
use std::time::Duration;

pub fn run(args: ShipArgs) -> anyhow::Result<ExitCode> {
    super::init_logs(args.log_format);
    let origin = match &args.config {
        Some(path) => format!("--config {}", path.display()),
        None => "the command line".to_string(),
    };
    let raw = merge(&args).context(origin.clone())?;
    let config = raw.validate().context(origin)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // The reader thread and at most two encoders: every thread that
        // frees a batch keeps a cache of the allocator's pages, so fewer
        // threads is a smaller resident set for the same work.
        .max_blocking_threads(3)
        .enable_all()
        .thread_name("shipper")
        .build()
        .context("starting the async runtime")?;
    let shipped = runtime.block_on(faultline_shipper::run(config, super::shutdown_signal()));
    // Batches still being retried are abandoned here: they were not
    // acknowledged, so their checkpoints did not move past them.
    runtime.shutdown_timeout(Duration::from_secs(1));
    shipped?;
    Ok(ExitCode::SUCCESS)
}

/// The config file (if any) with the flags filled in over it.
fn merge(args: &ShipArgs) -> anyhow::Result<RawConfig> {
    let mut raw = match &args.config {
        Some(path) => RawConfig::from_file(path)?,
        None => RawConfig::default(),
    };
    if !args.paths.is_empty() {
        raw.sources.push(RawSource {
            include: args.paths.clone(),
            exclude: args.exclude.clone(),
            service: args.service.clone(),
            format: args.format.clone(),
            multiline: args.multiline.clone(),
            start_at: args.start_at.clone(),
            flush_timeout_ms: None,
        });
    }
    let set = |slot: &mut Option<String>, value: &Option<String>| {
        if value.is_some() {
            slot.clone_from(value);
        }
    };
    set(&mut raw.collector.url, &args.collector);
    set(&mut raw.collector.token, &args.token);
    set(&mut raw.collector.parse_at, &args.parse_at);
    set(&mut raw.service, &args.service);
    set(&mut raw.host, &args.host);
    set(&mut raw.metrics.listen, &args.metrics_listen);
    if raw.collector.token.is_none() {
        raw.collector.token = std::env::var("FAULTLINE_TOKEN").ok();
    }
    if let Some(state) = &args.state {
        raw.state = Some(state.clone());
    }
    Ok(raw)
}
