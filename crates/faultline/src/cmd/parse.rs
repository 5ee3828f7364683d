//! `faultline parse`: files in, one JSON event per line out.

use crate::cli::{InputArgs, ParseArgs};
use crate::input::{self, Feed, Input};
use anyhow::Context as _;
use chrono::Datelike;
use faultline_event::Event;
use faultline_fingerprint::{Config as FingerprintConfig, Fingerprinter};
use faultline_parse::format::{Context, Registry};
use faultline_parse::multiline::{MultilineConfig, Rule, Stats};
use faultline_parse::{Options, Parser};
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Duration;

pub fn run(args: ParseArgs) -> anyhow::Result<ExitCode> {
    let parser = build_parser(&args.input)?;
    if args.list_formats {
        for name in parser.registry().names() {
            println!("{name}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (inputs, errors) = input::expand(&args.inputs);
    let mut failed = !errors.is_empty();
    for err in errors {
        eprintln!("faultline: {err:#}");
    }
    let idle = Duration::from_millis(args.input.flush_timeout_ms);
    let mut out = BufWriter::with_capacity(256 * 1024, io::stdout().lock());
    // Every event shows how it would be grouped: template, fingerprint, explanation.
    let mut fingerprinter = Fingerprinter::new(FingerprintConfig::default())?;
    for input in &inputs {
        match parse_one(&parser, &mut fingerprinter, input, idle, &mut out) {
            Ok(()) => {}
            Err(err) if is_broken_pipe(&err) => return Ok(ExitCode::SUCCESS),
            Err(err) => {
                eprintln!("faultline: {err:#}");
                failed = true;
            }
        }
    }
    match out.flush() {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => return Err(err.into()),
        _ => {}
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Builds the parser the flags describe; every mistake in them is reported
/// here, before any input is read.
pub fn build_parser(args: &InputArgs) -> anyhow::Result<Parser> {
    let mut registry = Registry::builtin();
    if let Some(dir) = &args.parsers {
        registry
            .load_dir(dir)
            .with_context(|| format!("--parsers {}", dir.display()))?;
    }
    let options = Options {
        format: Some(args.format.clone()),
        max_line_bytes: args.max_line_bytes,
        multiline: MultilineConfig {
            rule: Rule::preset(&args.multiline).context("--multiline")?,
            flush_timeout_ms: args.flush_timeout_ms,
            ..MultilineConfig::default()
        },
        context: Context {
            year: args.year.unwrap_or_else(|| chrono::Utc::now().year()),
        },
    };
    Parser::new(registry, options).context("--format")
}

fn parse_one(
    parser: &Parser,
    fingerprinter: &mut Fingerprinter,
    input: &Input,
    idle: Duration,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let stdin = input == &Input::Stdin;
    read_input(parser, input, idle, &mut |events| {
        for event in events.iter_mut() {
            fingerprinter.apply(event);
        }
        write_events(out, events)?;
        if stdin { out.flush() } else { Ok(()) }
    })
    .map(|_| ())
}

/// What reading one input came to.
#[derive(Debug, Default)]
pub struct InputOutcome {
    #[cfg_attr(not(feature = "server"), expect(dead_code, reason = "read by analyze"))]
    pub bytes: u64,
}

/// Reads one input through a parse session, handing completed events to
/// `sink` as they come (it drains the vector). Damage is reported on stderr;
/// a binary file is skipped with a note. A read error comes back after every
/// event read before it was handed on.
pub fn read_input(
    parser: &Parser,
    input: &Input,
    idle: Duration,
    sink: &mut dyn FnMut(&mut Vec<Event>) -> io::Result<()>,
) -> anyhow::Result<InputOutcome> {
    let name = input.name();
    let mut session = parser.session(Some(&name));
    let mut events: Vec<Event> = Vec::new();
    let mut bytes = 0u64;
    let mut binary = false;
    let mut sink_error: Option<io::Error> = None;
    let read = input::read(input, idle, &mut |feed| {
        if binary || sink_error.is_some() {
            return;
        }
        match feed {
            Feed::Data(chunk) => {
                if bytes == 0 && input != &Input::Stdin && input::looks_binary(chunk) {
                    binary = true;
                    return;
                }
                bytes += chunk.len() as u64;
                session.feed(chunk, &mut events);
            }
            Feed::Idle => session.flush(&mut events),
        }
        sink_error = sink(&mut events).err();
    });
    if let Some(err) = sink_error {
        return Err(err).context("writing output");
    }
    if binary {
        eprintln!("faultline: {name}: looks like a binary file, skipped");
        return read.map(|()| InputOutcome::default());
    }
    let (stats, format) = session.finish(&mut events);
    sink(&mut events).context("writing output")?;
    report(&name, bytes, &stats, &format);
    read.map(|()| InputOutcome { bytes })
}

fn write_events(out: &mut impl Write, events: &mut Vec<Event>) -> io::Result<()> {
    for event in events.drain(..) {
        serde_json::to_writer(&mut *out, &event)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Tells stderr what was damaged or left out, so nothing is lost silently.
pub fn report(name: &str, bytes: u64, stats: &Stats, format: &str) {
    if bytes == 0 {
        eprintln!("faultline: {name}: empty input");
        return;
    }
    let notes = [
        (
            stats.truncated_lines,
            "lines longer than --max-line-bytes were cut (flagged line_truncated)",
        ),
        (
            stats.invalid_utf8_lines,
            "lines had invalid UTF-8, replaced with U+FFFD (flagged invalid_utf8)",
        ),
        (
            stats.nul_lines,
            "lines had NUL bytes, replaced with U+FFFD (flagged nul_bytes)",
        ),
        (
            stats.dropped_lines,
            "lines were dropped because their event exceeded its size cap (flagged truncated)",
        ),
    ];
    for (count, what) in notes {
        if count > 0 {
            eprintln!("faultline: {name} ({format}): {count} {what}");
        }
    }
}

pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
