//! `faultline report`: the weekly report of a data folder (`--data DIR`) or
//! of a running collector (`--collector URL`), as Markdown, HTML or JSON, to
//! standard output or a file.

use crate::cli::ReportArgs;
use anyhow::{Context as _, bail};
use chrono::Utc;
use faultline_collector::report::{ReportFormat, build_report};
use faultline_store::{Store, StoreConfig};
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

/// Reading a report keeps every day the folder holds: retention is the
/// collector's to apply, with its own configuration.
const KEEP_DAYS: u32 = 36_500;

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let format: ReportFormat = match (&args.format, args.source.json) {
        (Some(text), _) => text.parse().map_err(anyhow::Error::msg)?,
        (None, true) => ReportFormat::Json,
        (None, false) => ReportFormat::Markdown,
    };
    let text = match (&args.source.collector, &args.source.data) {
        (Some(url), None) => fetch(url, &args, format)?,
        (None, Some(dir)) => {
            let config = StoreConfig {
                retention_days: KEEP_DAYS,
                ..StoreConfig::default()
            };
            let store =
                Store::open(dir, config).with_context(|| format!("--data {}", dir.display()))?;
            let report = build_report(&store, args.week.as_deref(), Utc::now())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            format.render(&report)
        }
        _ => bail!("pass either --collector URL or --data DIR"),
    };
    write(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

/// `GET /api/v1/report` of a collector, as it rendered it.
fn fetch(url: &str, args: &ReportArgs, format: ReportFormat) -> anyhow::Result<String> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .context("building the HTTP client")?;
    let url = format!("{}/api/v1/report", url.trim_end_matches('/'));
    let mut query = vec![("format", format.name().to_string())];
    if let Some(week) = &args.week {
        query.push(("week", week.clone()));
    }
    let mut request = client.get(&url).query(&query);
    let token = args
        .source
        .token
        .clone()
        .or_else(|| std::env::var("FAULTLINE_TOKEN").ok());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().with_context(|| format!("GET {url}"))?;
    let status = response.status();
    if !status.is_success() {
        let body: serde_json::Value = response.json().unwrap_or_default();
        let message = body["error"].as_str().unwrap_or("no details");
        bail!("{url}: {status}: {message}");
    }
    response
        .text()
        .with_context(|| format!("{url}: reading the report"))
}

fn write(output: Option<&std::path::Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()) {
                Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
                _ => Ok(()),
            }
        }
    }
}
