//! `faultline analyze`: parse, fingerprint, group and rank in one process —
//! the embedded default, with no server to set up.
//!
//! Files are parsed in parallel (rayon, one session per file, so lines never
//! join across files); their events flow through a bounded channel to this
//! thread, which fingerprints the errors and warnings in arrival order (the
//! template miner is stateful) and counts them into groups.

use super::parse::{build_parser, read_input};
use crate::cli::AnalyzeArgs;
use crate::input::{self, Input};
use anyhow::Context as _;
use faultline_collector::TEMPLATES_FILE;
use faultline_collector::pipeline::{self, describe, is_grouped, key_of};
use faultline_event::Event;
use faultline_fingerprint::mask::mask;
use faultline_fingerprint::template::TemplateMiner;
use faultline_fingerprint::{Config, Fingerprinter};
use faultline_report::{GroupInfo, Groups, Totals, render_json, render_text};
use faultline_store::{Incoming, Store, StoreConfig};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Inputs at least this large get a progress bar (on a terminal).
const PROGRESS_BYTES: u64 = 64 << 20;

pub fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let parser = build_parser(&args.input)?;
    let config = load_config(args.config.as_deref())?;
    let miner = load_miner(args.data.as_deref())?;
    let mut fingerprinter = Fingerprinter::with_miner(config, miner).context("--config")?;
    let (inputs, errors) = input::expand(&args.inputs);
    let mut failed = !errors.is_empty();
    for err in errors {
        eprintln!("faultline: {err:#}");
    }
    let store = match &args.data {
        Some(dir) => Some(
            Store::open(dir, StoreConfig::default())
                .with_context(|| format!("--data {}", dir.display()))?,
        ),
        None => None,
    };
    let keep_all = store.is_some();
    let progress = progress_bar(&inputs);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let idle = Duration::from_millis(args.input.flush_timeout_ms);
    let (tx, rx) = mpsc::sync_channel::<Batch>(64);
    let mut totals = Totals::default();
    let mut groups = Groups::default();
    let mut store_error: Option<anyhow::Error> = None;
    // Message groups' template ids, to title them by the template as it ends up.
    let mut templates: HashMap<String, u64> = HashMap::new();
    let outcomes = std::thread::scope(|scope| {
        let workers = scope.spawn(|| {
            pool.install(|| {
                inputs
                    .par_iter()
                    .map_with(tx, |tx, input| {
                        let service = args.service.clone().or_else(|| service_of(input));
                        let outcome = read_input(&parser, input, idle, &mut |events| {
                            progress.inc(0);
                            send(tx, events, service.as_deref(), keep_all)
                        });
                        progress.inc(input_size(input));
                        outcome
                    })
                    .collect::<Vec<_>>()
            })
        });
        for mut batch in rx {
            totals.events += batch.read;
            for event in batch.events.iter_mut().filter(|e| is_grouped(e)) {
                observe(
                    &mut fingerprinter,
                    &mut groups,
                    &mut templates,
                    &mut totals,
                    event,
                );
            }
            if let Some(store) = &store
                && let Err(err) = write_store(store, batch.events)
            {
                store_error.get_or_insert(err);
            }
        }
        workers.join()
    })
    .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?;
    progress.finish_and_clear();
    for (fingerprint, id) in &templates {
        if let Some(template) = fingerprinter.miner().template(*id) {
            groups.set_title(fingerprint, template.to_string());
        }
    }
    for outcome in outcomes {
        match outcome {
            Ok(outcome) => {
                totals.files += 1;
                totals.bytes += outcome.bytes;
            }
            Err(err) => {
                eprintln!("faultline: {err:#}");
                failed = true;
            }
        }
    }
    if let Some(err) = store_error {
        return Err(err);
    }
    if let (Some(dir), Some(store)) = (&args.data, store) {
        store.commit().context("committing the store")?;
        drop(store);
        save_miner(dir, fingerprinter.miner())?;
    }
    totals.seconds = started.elapsed().as_secs_f64();
    print(&args, &totals, &groups)?;
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// What a worker hands the aggregator: how many events it read, and the ones
/// it needs. Without a store, events that are not grouped are dropped where
/// they were made, so the one aggregating thread never touches them.
struct Batch {
    read: u64,
    events: Vec<Event>,
}

/// Hands a batch to the aggregator; a closed channel means it is gone.
fn send(
    tx: &mpsc::SyncSender<Batch>,
    events: &mut Vec<Event>,
    service: Option<&str>,
    keep_all: bool,
) -> std::io::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let read = events.len() as u64;
    if !keep_all {
        events.retain(is_grouped);
    }
    if let Some(service) = service {
        for event in events.iter_mut().filter(|e| e.service.is_none()) {
            event.service = Some(service.to_string());
        }
    }
    let batch = Batch {
        read,
        events: std::mem::take(events),
    };
    tx.send(batch)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "analysis stopped"))
}

/// Stores a batch in the data folder, keyed by source position as the
/// collector keys a shipper's events, so a rerun over the same files counts
/// each event once. Events not grouped get only their template.
fn write_store(store: &Store, events: Vec<Event>) -> anyhow::Result<()> {
    let batch: Vec<Incoming> = events
        .into_iter()
        .map(|mut event| {
            if event.template.is_none() {
                event.template = Some(mask(&event.message));
            }
            let key = key_of(&event, None, 0);
            Incoming {
                event,
                key,
                verbatim: None,
            }
        })
        .collect();
    store
        .ingest(batch, &describe)
        .context("writing the store")?;
    Ok(())
}

/// Fingerprints a grouped event and counts it into its group.
fn observe(
    fingerprinter: &mut Fingerprinter,
    groups: &mut Groups,
    templates: &mut HashMap<String, u64>,
    totals: &mut Totals,
    event: &mut Event,
) {
    totals.grouped_events += 1;
    let decision = fingerprinter.apply(event);
    if let (Some(id), Some(fingerprint)) = (decision.template_id, &event.fingerprint) {
        templates.entry(fingerprint.clone()).or_insert(id);
    }
    groups.observe(event, || {
        let meta = describe(event);
        GroupInfo {
            title: meta.title,
            culprit: meta.culprit,
            module: meta.module,
            explanation: meta.explanation,
        }
    });
}

/// A service name from a file name: `checkout.log.2.gz` → `checkout`.
fn service_of(input: &Input) -> Option<String> {
    let Input::File(path) = input else {
        return None;
    };
    let mut name = path.file_name()?.to_str()?;
    loop {
        let trimmed = match name.rsplit_once('.') {
            Some((stem, ext))
                if matches!(ext, "gz" | "log" | "jsonl" | "json" | "txt" | "out" | "err")
                    || ext.bytes().all(|b| b.is_ascii_digit()) =>
            {
                stem
            }
            _ => break,
        };
        name = trimmed;
    }
    (!name.is_empty()).then(|| name.to_string())
}

fn input_size(input: &Input) -> u64 {
    match input {
        Input::File(path) => std::fs::metadata(path).map_or(0, |m| m.len()),
        Input::Stdin => 0,
    }
}

fn progress_bar(inputs: &[Input]) -> ProgressBar {
    let total: u64 = inputs.iter().map(input_size).sum();
    if total < PROGRESS_BYTES || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// The `[fingerprint]` table of a config file.
#[derive(Debug, Default, serde::Deserialize)]
struct FileConfig {
    #[serde(default)]
    fingerprint: Config,
}

fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("--config {}", path.display()))?;
    let config: FileConfig =
        toml::from_str(&text).with_context(|| format!("--config {}", path.display()))?;
    Ok(config.fingerprint)
}

fn load_miner(dir: Option<&Path>) -> anyhow::Result<TemplateMiner> {
    match dir {
        Some(dir) => Ok(pipeline::load_miner(&dir.join(TEMPLATES_FILE))?),
        None => Ok(TemplateMiner::new()),
    }
}

fn save_miner(dir: &Path, miner: &TemplateMiner) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("--data {}", dir.display()))?;
    Ok(pipeline::save_miner(&dir.join(TEMPLATES_FILE), miner)?)
}

fn print(args: &AnalyzeArgs, totals: &Totals, groups: &Groups) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        serde_json::to_writer_pretty(&mut out, &render_json(totals, groups))
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
    } else {
        out.write_all(render_text(totals, groups, args.top).as_bytes())
    };
    match written {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_come_from_file_names() {
        let of = |p: &str| service_of(&Input::File(std::path::PathBuf::from(p)));
        assert_eq!(of("/var/log/checkout.log"), Some("checkout".into()));
        assert_eq!(of("logs/checkout.log.2.gz"), Some("checkout".into()));
        assert_eq!(of("api.jsonl"), Some("api".into()));
        assert_eq!(of("gateway-access.log"), Some("gateway-access".into()));
        assert_eq!(service_of(&Input::Stdin), None);
    }
}
