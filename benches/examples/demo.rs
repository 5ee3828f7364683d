//! Writes the demo corpus: the logs of a small shop's services over one day
//! (2026-11-20), or over as many days as it takes to reach a size.
//!
//! Regenerate the committed demo (the files in `fixtures/demo/` are replaced):
//!
//! ```sh
//! cargo run -q -p faultline-benches --example demo -- fixtures/demo
//! ```
//!
//! Scaled for benchmarks, one folder per simulated day
//! (`DIR/2026-11-20/checkout.log`, `DIR/2026-11-21/…`), until at least the
//! given size is written or the given number of days is simulated:
//!
//! ```sh
//! cargo run -q --release -p faultline-benches --example demo -- target/bench-corpus --mib 1024
//! cargo run -q --release -p faultline-benches --example demo -- target/bench-corpus --days 30
//! ```

use faultline_benches::demo;
use std::path::{Path, PathBuf};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

enum Amount {
    /// One day, written straight into the folder.
    OneDay,
    Days(u32),
    Mib(u64),
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut dir = PathBuf::from("fixtures/demo");
    let mut amount = Amount::OneDay;
    while let Some(arg) = args.next() {
        let mut number = || {
            args.next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or_else(|| usage(&arg))
        };
        match arg.as_str() {
            "--days" => amount = Amount::Days(number() as u32),
            "--mib" => amount = Amount::Mib(number()),
            flag if flag.starts_with('-') => usage(flag),
            _ => dir = PathBuf::from(arg),
        }
    }
    let (days, bytes) = match amount {
        Amount::OneDay => (1, write_day(&dir, 0)?),
        Amount::Days(n) => write_days(&dir, |day, _| day < n)?,
        Amount::Mib(mib) => write_days(&dir, |_, written| written < mib << 20)?,
    };
    println!(
        "{}: {days} day(s), {bytes} bytes ({:.1} MiB)",
        dir.display(),
        bytes as f64 / f64::from(1 << 20)
    );
    Ok(())
}

fn usage(arg: &str) -> ! {
    eprintln!("demo: bad argument {arg:?}; usage: demo [DIR] [--days N | --mib N]");
    std::process::exit(2)
}

/// Writes day folders while `more(day, bytes_so_far)` holds.
fn write_days(dir: &Path, more: impl Fn(u32, u64) -> bool) -> std::io::Result<(u32, u64)> {
    let (mut day, mut written) = (0, 0);
    while more(day, written) {
        let folder = dir.join(demo::FIRST_DAY.plus_days(day).to_string());
        written += write_day(&folder, day)?;
        day += 1;
    }
    Ok((day, written))
}

fn write_day(dir: &Path, day: u32) -> std::io::Result<u64> {
    std::fs::create_dir_all(dir)?;
    let mut written = 0;
    for (name, text) in demo::day(day) {
        std::fs::write(dir.join(name), &text)?;
        written += text.len() as u64;
    }
    Ok(written)
}
