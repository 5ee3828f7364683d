//! `faultline parse` over good and bad input: every bad input gets a clear
//! message on stderr and the rest of the input is still processed.

use super::{events, faultline, path_str, stderr};
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LOG: &str = "2026-11-20 14:03:11 INFO service started\n2026-11-20 14:03:12 ERROR payment failed\n2026-11-20 14:03:13 WARN slow request\n";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn gzip_input_reads_like_plain_input() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("app.log");
    let packed = dir.path().join("app.log.1.gz");
    std::fs::write(&plain, LOG).unwrap();
    std::fs::write(&packed, gzip(LOG.as_bytes())).unwrap();
    let a = events(&faultline(&["parse", path_str(&plain)]));
    let b = events(&faultline(&["parse", path_str(&packed)]));
    assert_eq!(a.len(), 3);
    let messages =
        |evs: &[serde_json::Value]| evs.iter().map(|e| e["message"].clone()).collect::<Vec<_>>();
    assert_eq!(messages(&a), messages(&b));
    assert_eq!(a[1]["level"], "error");
    assert_eq!(a[1]["source"]["offset"], 41);
}

#[test]
fn truncated_gzip_keeps_what_was_readable_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let big: String = (0..20_000)
        .map(|i| format!("2026-11-20 14:03:11 INFO line {i}\n"))
        .collect();
    let packed = gzip(big.as_bytes());
    let cut = dir.path().join("cut.gz");
    std::fs::write(&cut, &packed[..packed.len() / 2]).unwrap();
    let good = dir.path().join("good.log");
    std::fs::write(&good, LOG).unwrap();
    let out = faultline(&["parse", path_str(&cut), path_str(&good)]);
    assert_eq!(out.status.code(), Some(2), "a damaged input fails the run");
    let err = stderr(&out);
    assert!(err.contains("cut.gz: read failed"), "{err}");
    let evs = events(&out);
    let from_cut = evs
        .iter()
        .filter(|e| e["source"]["path"].as_str().unwrap().ends_with("cut.gz"))
        .count();
    assert!(
        from_cut > 1000,
        "lines before the damage are kept: {from_cut}"
    );
    assert_eq!(evs.len() - from_cut, 3, "the next file is still parsed");
}

#[test]
fn fifty_megabyte_line_is_cut_flagged_and_its_neighbours_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.log");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(b"before\n").unwrap();
    file.write_all(&vec![b'x'; 50 << 20]).unwrap();
    file.write_all(b"\nafter\n").unwrap();
    drop(file);
    let out = faultline(&["parse", path_str(&path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let evs = events(&out);
    assert_eq!(evs.len(), 3);
    assert_eq!(evs[1]["flags"], serde_json::json!(["line_truncated"]));
    assert_eq!(evs[1]["message"].as_str().unwrap().len(), 256 * 1024);
    assert_eq!(evs[2]["message"], "after");
    assert_eq!(evs[2]["source"]["offset"], 7 + (50 << 20) + 1);
    assert!(
        stderr(&out).contains("1 lines longer than --max-line-bytes were cut"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn invalid_utf8_and_nul_bytes_are_replaced_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dirty.log");
    std::fs::write(&path, b"caf\xe9 closed\nnul\x00here\r\nclean\n").unwrap();
    let out = faultline(&["parse", path_str(&path)]);
    assert!(out.status.success());
    let evs = events(&out);
    assert_eq!(evs.len(), 3);
    assert_eq!(evs[0]["message"], "caf\u{FFFD} closed");
    assert_eq!(evs[0]["flags"], serde_json::json!(["invalid_utf8"]));
    assert_eq!(evs[1]["message"], "nul\u{FFFD}here");
    assert_eq!(evs[1]["flags"], serde_json::json!(["nul_bytes"]));
    assert!(evs[2].get("flags").is_none());
    let err = stderr(&out);
    assert!(err.contains("1 lines had invalid UTF-8"), "{err}");
    assert!(err.contains("1 lines had NUL bytes"), "{err}");
}

#[test]
fn empty_binary_and_missing_inputs_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, b"").unwrap();
    let binary = dir.path().join("core.bin");
    std::fs::write(
        &binary,
        (0..4096u32).map(|i| (i % 7) as u8).collect::<Vec<u8>>(),
    )
    .unwrap();
    let good = dir.path().join("good.log");
    std::fs::write(&good, LOG).unwrap();
    let missing = dir.path().join("nope.log");
    let out = faultline(&[
        "parse",
        path_str(&empty),
        path_str(&binary),
        path_str(&missing),
        path_str(&good),
    ]);
    let err = stderr(&out);
    assert!(err.contains("empty.log: empty input"), "{err}");
    assert!(
        err.contains("core.bin: looks like a binary file, skipped"),
        "{err}"
    );
    assert!(err.contains("nope.log: no such file or folder"), "{err}");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(events(&out).len(), 3);
}

#[test]
fn folders_are_walked_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("b/2.log"), "two\n").unwrap();
    std::fs::write(dir.path().join("a.log"), "one\n").unwrap();
    let evs = events(&faultline(&["parse", path_str(dir.path())]));
    let messages: Vec<_> = evs
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(messages, ["one", "two"]);
}

#[test]
fn unknown_format_names_the_known_ones() {
    let out = faultline(&["parse", "--format", "klingon", "-"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown format \"klingon\""), "{err}");
    assert!(err.contains("plain"), "{err}");
}

#[test]
fn stdin_streams_and_a_quiet_pipe_flushes_the_held_event() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["parse", "--flush-timeout-ms", "200", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"2026-11-20 14:03:12 ERROR held until idle\n")
        .unwrap();
    stdin.flush().unwrap();
    // The event arrives while stdin is still open: read it with a deadline.
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let n = stdout.read(&mut buf).unwrap_or(0);
        let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let line = rx
        .recv_timeout(deadline - Instant::now())
        .expect("an event before stdin closes");
    assert!(line.contains("held until idle"), "{line}");
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    let out = faultline(&["parse", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Examples:") && help.contains("faultline parse"),
        "{help}"
    );
}
