//! `faultline report`: the weekly report of a data folder (`--data DIR`) or
//! of a running collector (`--collector URL`), as Markdown, HTML or JSON, to
//! standard output or a file.

use super::query::Backend;
use crate::cli::ReportArgs;
use anyhow::Context as _;
use chrono::Utc;
use faultline_collector::report::{ReportFormat, build_report};
use std::io::Write as _;
use std::process::ExitCode;

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    let format: ReportFormat = match (&args.format, args.source.json) {
        (Some(text), _) => text.parse().map_err(anyhow::Error::msg)?,
        (None, true) => ReportFormat::Json,
        (None, false) => ReportFormat::Markdown,
    };
    let text = match Backend::new(&args.source)? {
        Backend::Local(store) => {
            let mut report = build_report(&store, args.week.as_deref(), Utc::now())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some(base) = &args.base_url {
                report = report.with_base_url(base);
            }
            format.render(&report)
        }
        backend @ Backend::Http { .. } => {
            let mut query = vec![("format", format.name().to_string())];
            if let Some(week) = &args.week {
                query.push(("week", week.clone()));
            }
            if let Some(base) = &args.base_url {
                query.push(("base_url", base.clone()));
            }
            backend.get_text("/api/v1/report", &query)?
        }
    };
    write(args.output.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
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
