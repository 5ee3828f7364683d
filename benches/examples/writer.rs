//! An application that logs at a steady rate, for the shipper's memory and
//! CPU benchmarks: appends plain-text lines (about 10% of errors carry a
//! stack trace) round-robin to N files.
//!
//! ```text
//! writer DIR FILES BYTES_PER_SEC SECONDS
//! ```
//!
//! Prints the bytes and lines written when it ends.

use faultline_benches::{Rng, plain_line};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = (
        args.first().map(PathBuf::from),
        args.get(1).and_then(|a| a.parse::<usize>().ok()),
        args.get(2).and_then(|a| a.parse::<u64>().ok()),
        args.get(3).and_then(|a| a.parse::<u64>().ok()),
    );
    let (Some(dir), Some(files), Some(rate), Some(seconds)) = parsed else {
        eprintln!("usage: writer DIR FILES BYTES_PER_SEC SECONDS");
        std::process::exit(2);
    };
    std::fs::create_dir_all(&dir)?;
    let mut outs: Vec<File> = (0..files.max(1))
        .map(|i| {
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join(format!("app-{i:03}.log")))
        })
        .collect::<Result<_, _>>()?;
    let mut rng = Rng::new(7);
    let started = Instant::now();
    let (mut bytes, mut lines, mut next) = (0u64, 0u64, 0usize);
    // Ten writes a second, each a tenth of the rate, spread over the files.
    let tick = Duration::from_millis(100);
    let per_tick = rate / 10;
    while started.elapsed() < Duration::from_secs(seconds) {
        let due = started + tick * u32::try_from(bytes / per_tick.max(1)).unwrap_or(u32::MAX);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let mut written = 0;
        while written < per_tick {
            let line = plain_line(&mut rng);
            outs[next].write_all(line.as_bytes())?;
            next = (next + 1) % outs.len();
            written += line.len() as u64;
            lines += line.matches('\n').count() as u64;
        }
        bytes += written;
    }
    println!("{bytes} bytes {lines} lines");
    Ok(())
}
