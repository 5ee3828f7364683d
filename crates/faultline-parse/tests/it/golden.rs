//! Golden tests: every `fixtures/{parsers,traces}/<name>/<case>.log` is parsed
//! and compared with `<case>.json` beside it. `UPDATE_EXPECT=1` rewrites the
//! expected files; review the diff, it is the specification.

use super::{fixtures, parser};
use std::fs;
use std::path::Path;

#[test]
fn parser_fixtures_match_and_sniff_their_format() {
    run("parsers", true);
}

#[test]
fn trace_fixtures_match() {
    run("traces", false);
}

fn run(kind: &str, check_sniffed_format: bool) {
    let root = fixtures().join(kind);
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in sorted_entries(&root) {
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        for input in sorted_entries(&dir) {
            if input.extension().is_none_or(|e| e != "log") {
                continue;
            }
            checked += 1;
            if let Err(failure) = check(&root, &name, &input, check_sniffed_format, update) {
                failures.push(failure);
            }
        }
    }
    assert!(checked > 0, "no fixtures under {}", root.display());
    assert!(
        failures.is_empty(),
        "{} of {checked} fixtures differ (UPDATE_EXPECT=1 rewrites them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check(root: &Path, name: &str, input: &Path, sniff: bool, update: bool) -> Result<(), String> {
    let bytes = fs::read(input).unwrap();
    let relative = input
        .strip_prefix(root)
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/");
    let parsed = parser().parse_bytes(&bytes, Some(&relative));
    if sniff && parsed.format != name {
        return Err(format!(
            "{relative}: sniffed as {:?}, expected {name:?}",
            parsed.format
        ));
    }
    let actual = serde_json::to_string_pretty(&parsed.events).unwrap() + "\n";
    let expected_path = input.with_extension("json");
    if update {
        fs::write(&expected_path, &actual).unwrap();
        return Ok(());
    }
    let expected = fs::read_to_string(&expected_path).map_err(|e| {
        format!(
            "{relative}: no expected file {}: {e}",
            expected_path.display()
        )
    })?;
    if expected != actual {
        return Err(format!(
            "{relative}: output differs from {}\n{}",
            expected_path.display(),
            first_difference(&expected, &actual)
        ));
    }
    Ok(())
}

fn first_difference(expected: &str, actual: &str) -> String {
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(e, a)| e != a)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    format!(
        "  first difference at line {}:\n  - {}\n  + {}",
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>")
    )
}

fn sorted_entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = match fs::read_dir(dir) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    entries.sort();
    entries
}
