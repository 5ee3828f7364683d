//! Checkpoints across restarts.

use faultline_tail::{Checkpoints, StartAt, TailError};

use crate::harness::{Harness, append, id_of, lines};

#[test]
fn a_restart_resumes_at_the_committed_offset_not_the_read_one() {
    let mut h = Harness::new(&["app.log"], StartAt::Beginning);
    let path = h.path("app.log");
    let content = format!("resume header\n{}", lines("r", 0, 200));
    std::fs::write(&path, &content).unwrap();
    h.quiesce();
    let id = id_of("resume header");
    assert_eq!(h.data[&id], content.as_bytes());
    let committed = 1_000;
    h.checkpoints.commit(&id, &path, committed);
    h.restart();
    h.data.clear();
    h.first_offset.clear();
    append(&path, b"after restart\n");
    h.quiesce();
    assert_eq!(h.first_offset[&id], committed);
    let expected = format!("{}after restart\n", &content[committed as usize..]);
    assert_eq!(String::from_utf8_lossy(&h.data[&id]), expected);
}

#[test]
fn a_restart_after_everything_was_committed_reads_only_what_is_new() {
    let mut h = Harness::new(&["app.log"], StartAt::Beginning);
    let path = h.path("app.log");
    std::fs::write(&path, "h\na\n").unwrap();
    h.quiesce();
    h.restart_committing_all();
    append(&path, b"b\n");
    h.quiesce();
    assert_eq!(h.data[&id_of("h")], b"h\na\nb\n");
}

#[test]
fn a_corrupt_checkpoint_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("checkpoints.json"),
        b"{\"version\":1,\"files\":[{]}",
    )
    .unwrap();
    let err = Checkpoints::load(dir.path()).unwrap_err();
    assert!(matches!(err, TailError::CorruptCheckpoint { .. }));
    let message = err.to_string();
    assert!(
        message.contains("checkpoints.json") && message.contains("corrupt"),
        "{message}"
    );
}

/// Rewritten while the shipper was stopped, with the same first line and
/// past the checkpoint: the bytes before the checkpoint are not the ones
/// read, so this is new content, read from its start as a new generation
/// (it used to resume at the old offset, in the middle of the new content).
#[test]
fn a_file_rewritten_past_its_checkpoint_while_stopped_is_read_from_its_start() {
    let mut h = Harness::new(&["app.log"], StartAt::Beginning);
    let path = h.path("app.log");
    std::fs::write(&path, format!("=== app v1 ===\n{}", lines("old", 0, 50))).unwrap();
    h.quiesce();
    h.restart_committing_all();
    h.data.clear();
    h.first_offset.clear();
    let new = format!("=== app v1 ===\n{}", lines("new", 0, 400));
    std::fs::write(&path, &new).unwrap();
    h.quiesce();
    let id = format!("{}-1", id_of("=== app v1 ==="));
    assert_eq!(h.first_offset.get(&id), Some(&0), "{:?}", h.first_offset);
    assert_eq!(String::from_utf8_lossy(&h.data[&id]), new);
    assert_eq!(h.data.len(), 1, "{:?}", h.data.keys());

    // And a file left alone resumes where it was, tails and all.
    h.restart_committing_all();
    h.data.clear();
    h.first_offset.clear();
    append(&path, b"one more\n");
    h.quiesce();
    assert_eq!(h.data[&id], b"one more\n");
}

/// Rotated by rename while stopped, the new file starting with the same
/// line: the renamed file continues the id from its checkpoint, the new one
/// is the next generation from 0, whichever is found first.
#[test]
fn a_rename_rotation_while_stopped_with_the_same_first_line_loses_and_repeats_nothing() {
    for names in [["app.log", "app.log.1"], ["app.log", "app.log.0"]] {
        let mut h = Harness::new(&["app.log*"], StartAt::Beginning);
        let path = h.path(names[0]);
        let rotated = h.path(names[1]);
        let old = format!("=== app v1 ===\n{}", lines("old", 0, 50));
        std::fs::write(&path, &old).unwrap();
        h.quiesce();
        h.restart_committing_all();
        h.data.clear();
        h.first_offset.clear();
        append(&path, lines("late", 0, 10).as_bytes());
        std::fs::rename(&path, &rotated).unwrap();
        let new = format!("=== app v1 ===\n{}", lines("new", 0, 30));
        std::fs::write(&path, &new).unwrap();
        h.restart();
        h.quiesce();
        let id = id_of("=== app v1 ===");
        assert_eq!(
            h.first_offset.get(&id),
            Some(&(old.len() as u64)),
            "{names:?} {:?}",
            h.first_offset
        );
        assert_eq!(String::from_utf8_lossy(&h.data[&id]), lines("late", 0, 10));
        let next = format!("{id}-1");
        assert_eq!(String::from_utf8_lossy(&h.data[&next]), new, "{names:?}");
        assert_eq!(h.data.len(), 2, "{:?}", h.data.keys());
    }
}
