//! End-to-end tests of the `faultline` binary: real files, real processes.

mod analyze;
mod collector;
mod config;
mod deploy;
mod disk;
mod offline;
mod parse;
mod proxy;
mod report;
mod ship;
mod status;
mod support;
mod ui;

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `faultline` with `args` and no standard input.
pub fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("faultline runs")
}

/// The events printed on stdout.
pub fn events(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}
