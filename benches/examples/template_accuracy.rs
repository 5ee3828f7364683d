//! Grouping accuracy of the template miner on Loghub-style labelled logs.
//!
//! `cargo run --release -p faultline-benches --example template_accuracy -- DIR`
//!
//! DIR holds one folder per dataset, each with a `*_structured_corrected.csv`
//! (or `*_structured.csv`) file whose `Content` column is the message and
//! whose `EventTemplate` column the ground truth, as in Loghub-2.0's
//! `2k_dataset`. Every dataset gets a fresh miner with the default
//! configuration: no tuning per dataset. Prints one line per dataset and the
//! mean; `benches/template_accuracy.sh` wraps it.

use faultline_fingerprint::template::TemplateMiner;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn main() -> Result<(), String> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: template_accuracy DIR")?;
    let mut datasets: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{dir}: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    datasets.sort();
    let mut scores = Vec::new();
    for folder in datasets {
        let Some(csv) = structured_csv(&folder) else {
            continue;
        };
        let rows = read_rows(&csv)?;
        let (ga, templates) = score(&rows);
        let name = folder.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "{name:<12} GA {ga:.3}  ({} messages, {templates} templates mined)",
            rows.len()
        );
        scores.push(ga);
    }
    if scores.is_empty() {
        return Err(format!("no *_structured*.csv under {dir}"));
    }
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    println!("{:<12} GA {mean:.3}  ({} datasets)", "mean", scores.len());
    Ok(())
}

fn structured_csv(folder: &Path) -> Option<PathBuf> {
    let files: Vec<PathBuf> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let named = |suffix: &str| {
        files
            .iter()
            .find(|p| p.to_string_lossy().ends_with(suffix))
            .cloned()
    };
    named("_structured_corrected.csv").or_else(|| named("_structured.csv"))
}

/// (message, true template) pairs.
fn read_rows(path: &Path) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut records = parse_csv(&text).into_iter();
    let header = records.next().ok_or("empty csv")?;
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or(format!("{}: no {name} column", path.display()))
    };
    let (content, template) = (column("Content")?, column("EventTemplate")?);
    Ok(records
        .filter(|r| r.len() > content.max(template))
        .map(|r| (r[content].clone(), r[template].clone()))
        .collect())
}

/// RFC 4180: commas, double quotes, doubled quotes inside quotes, newlines
/// inside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Grouping accuracy (a message counts when its predicted group is exactly
/// its true group) and the number of templates mined.
fn score(rows: &[(String, String)]) -> (f64, usize) {
    let mut miner = TemplateMiner::new();
    let predicted: Vec<u64> = rows.iter().map(|(m, _)| miner.add(m).id).collect();
    let mut truth_size: HashMap<&str, usize> = HashMap::new();
    let mut groups: HashMap<u64, Vec<&str>> = HashMap::new();
    for ((_, t), p) in rows.iter().zip(&predicted) {
        *truth_size.entry(t).or_default() += 1;
        groups.entry(*p).or_default().push(t);
    }
    let correct: usize = groups
        .values()
        .filter(|g| g.iter().all(|t| *t == g[0]) && truth_size[g[0]] == g.len())
        .map(Vec::len)
        .sum();
    (correct as f64 / rows.len().max(1) as f64, miner.len())
}
