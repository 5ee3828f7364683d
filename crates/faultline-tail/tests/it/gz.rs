//! Rotated `.gz` files.

use std::io::Write;

use faultline_tail::StartAt;

use crate::harness::{Harness, id_of, lines};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn a_gz_file_resumes_from_its_checkpoint_in_decompressed_bytes() {
    let mut h = Harness::new(&["app.log*"], StartAt::Beginning);
    let content = format!("gz header\n{}", lines("g", 0, 5_000));
    let id = id_of("gz header");
    let committed = 40_000;
    h.checkpoints.commit(&id, &h.path("app.log.1"), committed);
    h.restart();
    std::fs::write(h.path("app.log.1.gz"), gzip(content.as_bytes())).unwrap();
    h.quiesce();
    assert_eq!(h.first_offset[&id], committed);
    assert_eq!(h.data[&id], &content.as_bytes()[committed as usize..]);
    assert!(h.closed_with(&id).is_some());
}

#[test]
fn a_gz_of_a_file_already_read_gives_nothing_new() {
    let mut h = Harness::new(&["app.log*"], StartAt::Beginning);
    let content = format!("same header\n{}", lines("s", 0, 1_000));
    std::fs::write(h.path("app.log"), &content).unwrap();
    h.quiesce();
    std::fs::write(h.path("app.log.1.gz"), gzip(content.as_bytes())).unwrap();
    std::fs::remove_file(h.path("app.log")).unwrap();
    h.quiesce();
    assert_eq!(h.data[&id_of("same header")], content.as_bytes());
}

#[test]
fn a_damaged_gz_gives_what_decoded_and_counts_an_error() {
    let mut h = Harness::new(&["*.gz"], StartAt::Beginning);
    let content = format!("damaged header\n{}", lines("d", 0, 20_000));
    let packed = gzip(content.as_bytes());
    std::fs::write(h.path("app.log.2.gz"), &packed[..packed.len() / 2]).unwrap();
    h.quiesce();
    let got = &h.data[&id_of("damaged header")];
    assert!(!got.is_empty() && got.len() < content.len());
    assert_eq!(&content.as_bytes()[..got.len()], &got[..]);
    assert!(h.tailer.stats().errors >= 1);
}

/// Reads `app.log` (a banner line, then 50 lines), commits it all and
/// stops; the file is then gone, as after a rotation while stopped.
/// Returns its content.
fn read_and_stop(h: &mut Harness) -> String {
    let old = format!("=== app v1 ===\n{}", lines("old", 0, 50));
    std::fs::write(h.path("app.log"), &old).unwrap();
    h.quiesce();
    h.restart_committing_all();
    h.data.clear();
    h.first_offset.clear();
    std::fs::remove_file(h.path("app.log")).unwrap();
    old
}

/// A `.gz` found after a restart, with the first line of a checkpointed
/// file but other content: the bytes before the checkpoint are not the ones
/// read, so it is new content, read from its start as a new generation. It
/// used to resume at the checkpoint's offset, losing what came before it.
#[test]
fn a_gz_with_another_content_behind_the_same_first_line_is_read_from_its_start() {
    let mut h = Harness::new(&["app.log*"], StartAt::Beginning);
    read_and_stop(&mut h);
    let other = format!("=== app v1 ===\n{}", lines("other", 0, 400));
    std::fs::write(h.path("app.log.3.gz"), gzip(other.as_bytes())).unwrap();
    h.restart();
    h.quiesce();
    let id = format!("{}-1", id_of("=== app v1 ==="));
    assert_eq!(h.first_offset.get(&id), Some(&0), "{:?}", h.first_offset);
    assert_eq!(String::from_utf8_lossy(&h.data[&id]), other);
    assert_eq!(h.data.len(), 1, "{:?}", h.data.keys());
}

/// The same `.gz` holding what was read: it resumes at the checkpoint.
#[test]
fn a_gz_of_a_checkpointed_file_resumes_after_a_restart() {
    let mut h = Harness::new(&["app.log*"], StartAt::Beginning);
    let old = read_and_stop(&mut h);
    let grown = format!("{old}{}", lines("late", 0, 10));
    std::fs::write(h.path("app.log.1.gz"), gzip(grown.as_bytes())).unwrap();
    h.restart();
    h.quiesce();
    let id = id_of("=== app v1 ===");
    assert_eq!(h.first_offset.get(&id), Some(&(old.len() as u64)));
    assert_eq!(String::from_utf8_lossy(&h.data[&id]), lines("late", 0, 10));
    assert_eq!(h.data.len(), 1, "{:?}", h.data.keys());
}
