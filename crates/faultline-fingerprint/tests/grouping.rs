//! Grouping quality over `fixtures/grouping/{same,differ}/<case>/`, and the
//! stability of fingerprints over releases (`fixtures/grouping/golden.json`).
//!
//! Every file of a case holds one event that matters (the one with an
//! exception, or at warning level or above). Within a `same` case every pair
//! must share a fingerprint; within a `differ` case every pair must differ.
//! `UPDATE_EXPECT=1` rewrites `golden.json`.

use faultline_event::Event;
use faultline_fingerprint::{Config, FINGERPRINT_VERSION, Fingerprinter};
use faultline_parse::format::Registry;
use faultline_parse::{Options, Parser};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/grouping")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

/// The one event of a file that matters.
fn event_of(parser: &Parser, path: &Path) -> Event {
    let bytes = std::fs::read(path).unwrap();
    let name = path.to_string_lossy();
    let events: Vec<Event> = parser
        .parse_bytes(&bytes, Some(&name))
        .events
        .into_iter()
        .filter(faultline_fingerprint::is_grouped)
        .collect();
    assert_eq!(
        events.len(),
        1,
        "{name}: want exactly one event that matters"
    );
    events.into_iter().next().unwrap()
}

struct Outcome {
    /// (case, file, fingerprint, explanation)
    rows: Vec<(String, String, String, String)>,
    true_pos: usize,
    false_pos: usize,
    false_neg: usize,
    differ_pairs: usize,
    failures: Vec<String>,
}

fn run_cases() -> Outcome {
    let parser = Parser::new(Registry::builtin(), Options::default()).unwrap();
    let mut out = Outcome {
        rows: Vec::new(),
        true_pos: 0,
        false_pos: 0,
        false_neg: 0,
        differ_pairs: 0,
        failures: Vec::new(),
    };
    for kind in ["same", "differ"] {
        for case in sorted_entries(&root().join(kind)) {
            let mut fingerprinter = Fingerprinter::new(Config::default()).unwrap();
            let case_name = format!("{kind}/{}", case.file_name().unwrap().to_string_lossy());
            let mut decided = Vec::new();
            for file in sorted_entries(&case) {
                let mut event = event_of(&parser, &file);
                let d = fingerprinter.apply(&mut event);
                let file_name = file.file_name().unwrap().to_string_lossy().to_string();
                out.rows.push((
                    case_name.clone(),
                    file_name.clone(),
                    d.fingerprint.clone(),
                    d.explanation.clone(),
                ));
                decided.push((file_name, d));
            }
            assert!(
                decided.len() >= 2,
                "{case_name}: a case needs two or more files"
            );
            for (i, (fa, a)) in decided.iter().enumerate() {
                for (fb, b) in &decided[i + 1..] {
                    let equal = a.fingerprint == b.fingerprint;
                    out.differ_pairs += usize::from(kind == "differ");
                    match (kind, equal) {
                        ("same", true) => out.true_pos += 1,
                        ("same", false) => out.false_neg += 1,
                        (_, true) => out.false_pos += 1,
                        (_, false) => {}
                    }
                    if equal != (kind == "same") {
                        out.failures.push(format!(
                            "{case_name}: {fa} [{}] vs {fb} [{}]",
                            a.explanation, b.explanation
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn pairwise_precision_and_recall_are_one() {
    let out = run_cases();
    let precision = out.true_pos as f64 / (out.true_pos + out.false_pos).max(1) as f64;
    let recall = out.true_pos as f64 / (out.true_pos + out.false_neg).max(1) as f64;
    println!(
        "grouping fixtures: {} events, precision {precision:.3}, recall {recall:.3}",
        out.rows.len()
    );
    assert!(
        out.true_pos + out.false_neg > 0 && out.differ_pairs > 0,
        "no pairs found"
    );
    assert!(
        out.failures.is_empty(),
        "misgrouped:\n{}",
        out.failures.join("\n")
    );
    assert_eq!((precision, recall), (1.0, 1.0));
}

#[test]
fn fingerprints_match_the_golden_file_for_this_version() {
    let out = run_cases();
    let actual: BTreeMap<String, String> = out
        .rows
        .iter()
        .map(|(case, file, fp, _)| (format!("{case}/{file}"), fp.clone()))
        .collect();
    let golden_path = root().join("golden.json");
    let document = serde_json::json!({ "version": FINGERPRINT_VERSION, "fingerprints": actual });
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let text = serde_json::to_string_pretty(&document).unwrap() + "\n";
        std::fs::write(&golden_path, text).unwrap();
        return;
    }
    let text =
        std::fs::read_to_string(&golden_path).expect("golden.json: run with UPDATE_EXPECT=1");
    let golden: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        golden["version"], FINGERPRINT_VERSION,
        "golden.json was written for another FINGERPRINT_VERSION: regenerate it with UPDATE_EXPECT=1"
    );
    let mut changed = Vec::new();
    for (key, fp) in &actual {
        match golden["fingerprints"][key].as_str() {
            Some(old) if old == fp => {}
            Some(old) => changed.push(format!("{key}: {old} -> {fp}")),
            None => changed.push(format!("{key}: new (regenerate with UPDATE_EXPECT=1)")),
        }
    }
    assert!(
        changed.is_empty(),
        "fingerprint output changed at version {FINGERPRINT_VERSION}; bump FINGERPRINT_VERSION \
         and regenerate golden.json with UPDATE_EXPECT=1:\n{}",
        changed.join("\n")
    );
}
