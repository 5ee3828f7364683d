//! `faultline`: the one binary. Wiring only; the work happens in the library crates.

mod cli;
mod cmd;
mod input;

use clap::Parser as _;

/// Parsing allocates and frees many small strings per line; mimalloc does that
/// several times cheaper than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("faultline: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: cli::Cli) -> anyhow::Result<ExitCode> {
    match args.command {
        cli::Command::Parse(parse) => cmd::parse::run(parse),
        #[cfg(feature = "server")]
        cli::Command::Analyze(analyze) => cmd::analyze::run(analyze),
        #[cfg(feature = "server")]
        cli::Command::Collect(collect) => cmd::collect::run(collect),
        cli::Command::Ship(ship) => cmd::ship::run(ship),
        #[cfg(feature = "server")]
        cli::Command::Search(search) => cmd::query::search(search),
        #[cfg(feature = "server")]
        cli::Command::Groups(groups) => cmd::query::groups(groups),
        #[cfg(feature = "server")]
        cli::Command::Stats(stats) => cmd::query::stats(stats),
        #[cfg(feature = "server")]
        cli::Command::Report(report) => cmd::report::run(report),
    }
}
