//! Rename-and-create, copytruncate, truncation and deletion while open.

use std::io::Write;

use faultline_tail::{CloseReason, StartAt};

use crate::harness::{Harness, append, copy_truncate, id_of, lines, truncate};

#[test]
fn rename_rotation_drains_the_old_file_and_reads_the_new_one_from_its_start() {
    let mut h = Harness::new(&["app.log"], StartAt::End);
    let path = h.path("app.log");
    std::fs::write(&path, "old header\nskipped by start_at end\n").unwrap();
    h.quiesce();
    let mut writer = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    writer.write_all(b"read 1\n").unwrap();
    h.until("the first append", |h| {
        h.data.values().any(|d| d.ends_with(b"read 1\n"))
    });
    std::fs::rename(&path, h.path("app.log.1")).unwrap();
    writer
        .write_all(b"written after the rename\nno newline")
        .unwrap();
    std::fs::write(&path, "new header\nnew 1\n").unwrap();
    let old = id_of("old header");
    let new = id_of("new header");
    h.until("the old file closed", |h| h.closed_with(&old).is_some());
    h.until("the new file read", |h| {
        h.data.get(&new).is_some_and(|d| d.ends_with(b"new 1\n"))
    });
    assert_eq!(
        h.data[&old],
        b"read 1\nwritten after the rename\nno newline"
    );
    assert_eq!(h.first_offset[&old], 35);
    assert_eq!(h.closed_with(&old), Some(CloseReason::Rotated));
    assert_eq!(
        h.data[&new], b"new header\nnew 1\n",
        "a file created after start is read from 0"
    );
}

#[test]
fn copytruncate_reads_every_byte_once_even_those_only_the_copy_holds() {
    let mut h = Harness::new(&["app.log*"], StartAt::Beginning);
    let path = h.path("app.log");
    let first = format!("first header\n{}", lines("a", 0, 100));
    std::fs::write(&path, &first).unwrap();
    h.quiesce();
    // Written after the last read and before the copy: only the copy keeps it.
    append(&path, lines("a", 100, 5).as_bytes());
    copy_truncate(&path, &h.path("app.log.1"));
    append(&path, b"second header\nb 0\n");
    h.quiesce();
    let old = id_of("first header");
    let expected = format!("{first}{}", lines("a", 100, 5));
    assert_eq!(String::from_utf8_lossy(&h.data[&old]), expected);
    assert_eq!(h.data[&id_of("second header")], b"second header\nb 0\n");
}

#[test]
fn truncation_closes_the_old_id_and_reads_the_new_content_from_zero() {
    let mut h = Harness::new(&["app.log"], StartAt::Beginning);
    let path = h.path("app.log");
    std::fs::write(&path, format!("header one\n{}", lines("x", 0, 50))).unwrap();
    h.quiesce();
    truncate(&path);
    append(&path, b"header two\ny\n");
    h.quiesce();
    let old = id_of("header one");
    assert_eq!(h.closed_with(&old), Some(CloseReason::Truncated));
    assert_eq!(h.data[&id_of("header two")], b"header two\ny\n");
}

#[test]
fn truncation_to_the_same_first_line_starts_a_new_generation() {
    let mut h = Harness::new(&["data.csv"], StartAt::Beginning);
    let path = h.path("data.csv");
    std::fs::write(&path, "id,name\n1,a\n2,b\n3,c\n").unwrap();
    h.quiesce();
    // Rewritten in place, longer than before: the size alone cannot tell.
    std::fs::write(&path, "id,name\n9,zzzzzzzzzzzzzzzzzzzzz\n").unwrap();
    h.quiesce();
    let base = id_of("id,name");
    let next = format!("{base}-1");
    assert_eq!(h.data[&base], b"id,name\n1,a\n2,b\n3,c\n");
    assert_eq!(h.closed_with(&base), Some(CloseReason::Truncated));
    assert_eq!(h.data[&next], b"id,name\n9,zzzzzzzzzzzzzzzzzzzzz\n");
    // The generation is remembered: a restart resumes it instead of re-reading.
    h.restart_committing_all();
    h.quiesce();
    assert_eq!(h.data[&next], b"id,name\n9,zzzzzzzzzzzzzzzzzzzzz\n");
}

#[test]
fn a_deleted_file_is_drained_then_closed() {
    let mut h = Harness::new(&["*.log"], StartAt::Beginning);
    let path = h.path("gone.log");
    std::fs::write(&path, "doomed\n").unwrap();
    h.quiesce();
    let mut writer = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    writer.write_all(b"after unlink\n").unwrap();
    let id = id_of("doomed");
    let mut shown_deleted = false;
    for _ in 0..10_000 {
        let stats = h.tailer.stats();
        shown_deleted |=
            stats.files.iter().any(|f| f.file_id == id && f.deleted) && stats.files_open == 1;
        if h.closed_with(&id).is_some() {
            break;
        }
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert!(
        shown_deleted,
        "stats never showed the deleted file held open"
    );
    assert_eq!(h.closed_with(&id), Some(CloseReason::Deleted));
    assert_eq!(h.data[&id], b"doomed\nafter unlink\n");
    assert_eq!(h.tailer.stats().files_open, 0);
    drop(writer);
}

/// The shipper's report: the writer copies `app.log` to `app.log.2`,
/// truncates it and keeps appending, all between two reads of a tailer that
/// had stopped in a partial line ("2026"); the new content outgrows that
/// offset before the tailer looks. The new bytes are not the old file's
/// continuation, the copy is, and nothing is read twice.
#[test]
fn copytruncate_overtaken_between_two_reads_is_a_truncation_not_a_continuation() {
    let mut h = Harness::new(&["app.log*"], StartAt::Beginning);
    let path = h.path("app.log");
    let stamp = |i: usize| {
        format!(
            "2026-11-20T10:00:{:02}Z [worker-1] request {i} served\n",
            i % 60
        )
    };
    let mut old: String = (0..40).map(stamp).collect();
    std::fs::write(&path, &old).unwrap();
    h.quiesce();
    append(&path, b"2026");
    old.push_str("2026");
    let rest = format!(
        "-11-20T10:00:40Z [worker-1] request 40 served\n{}",
        stamp(41)
    );
    let new: String = (17_000..17_100)
        .map(|i| format!("2026-11-20T10:01:00Z [worker-2] request {i} served\n"))
        .collect();
    assert!(
        new.len() > old.len(),
        "the new content must outgrow the read offset"
    );
    let (copy, copied) = (h.path("app.log.2"), format!("{old}{rest}"));
    let ran = h.step_with(&mut || {
        append(&path, rest.as_bytes());
        copy_truncate(&path, &copy);
        append(&path, new.as_bytes());
    });
    assert!(ran, "the tailer read the partial line");
    h.quiesce();
    let (old_id, new_id) = (
        id_of(&stamp(0)[..stamp(0).len() - 1]),
        id_of(&new[..new.find('\n').unwrap()]),
    );
    assert_eq!(String::from_utf8_lossy(&h.data[&old_id]), copied);
    assert_eq!(String::from_utf8_lossy(&h.data[&new_id]), new);
    assert_eq!(h.closed_with(&old_id), Some(CloseReason::Truncated));
    assert_eq!(
        h.data.keys().collect::<Vec<_>>().len(),
        2,
        "no content read under a third id: {:?}",
        h.data.keys()
    );
}

/// Copytruncate after the tailer read past the size its last scan saw, and
/// new content that stays below the read offset: the file looks grown to a
/// scan, and there is nothing at the offset to compare. Its first line tells.
#[test]
fn copytruncate_below_the_read_offset_but_above_the_size_last_seen_is_a_truncation() {
    let mut h = Harness::new(&["app.log*"], StartAt::Beginning);
    let path = h.path("app.log");
    let mut old = format!("first header\n{}", lines("a", 0, 10));
    std::fs::write(&path, &old).unwrap();
    h.quiesce();
    append(&path, b"one more\n");
    old.push_str("one more\n");
    // Read on, in the same call, past what the scan saw.
    let more = lines("a", 10, 200);
    let seen = old.len();
    assert!(h.step_with(&mut || append(&path, more.as_bytes())));
    old.push_str(&more);
    let old_id = id_of("first header");
    assert_eq!(String::from_utf8_lossy(&h.data[&old_id]), old);
    copy_truncate(&path, &h.path("app.log.1"));
    let new = format!("second header\n{}", lines("b", 0, 40));
    assert!(seen < new.len() && new.len() < old.len());
    append(&path, new.as_bytes());
    h.quiesce();
    assert_eq!(String::from_utf8_lossy(&h.data[&old_id]), old);
    assert_eq!(
        String::from_utf8_lossy(&h.data[&id_of("second header")]),
        new
    );
    assert_eq!(h.closed_with(&old_id), Some(CloseReason::Truncated));
}
