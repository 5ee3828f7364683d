//! Appends, globs, symlinks, a missing final newline, many files.

use faultline_tail::{CloseReason, StartAt};

use crate::harness::{Harness, append, id_of, lines};

#[test]
fn appends_arrive_in_order_and_once() {
    let mut h = Harness::new(&["**/*.log"], StartAt::Beginning);
    std::fs::create_dir_all(h.path("a/b")).unwrap();
    let path = h.path("a/b/app.log");
    let mut expected = String::new();
    for round in 0..20 {
        let chunk = lines("r", round * 100, 100);
        append(&path, chunk.as_bytes());
        expected.push_str(&chunk);
        h.step();
    }
    h.quiesce();
    assert_eq!(
        String::from_utf8_lossy(&h.data[&id_of("r line 0")]),
        expected
    );
}

#[test]
fn excluded_and_unmatched_files_are_left_alone() {
    let mut h = Harness::new(&["*.log"], StartAt::Beginning);
    std::fs::write(h.path("a.log"), "wanted\n").unwrap();
    std::fs::write(h.path("b.log.skip"), "excluded\n").unwrap();
    std::fs::write(h.path("c.txt"), "unmatched\n").unwrap();
    h.quiesce();
    assert_eq!(
        h.data.keys().cloned().collect::<Vec<_>>(),
        vec![id_of("wanted")]
    );
}

#[test]
fn a_symlinked_file_is_followed_and_read_once_by_two_paths() {
    let mut h = Harness::new(&["logs/*.log"], StartAt::Beginning);
    std::fs::create_dir_all(h.path("logs")).unwrap();
    std::fs::create_dir_all(h.path("real")).unwrap();
    let real = h.path("real/app.out");
    std::fs::write(&real, "through a link\n").unwrap();
    std::os::unix::fs::symlink(&real, h.path("logs/one.log")).unwrap();
    std::os::unix::fs::symlink(&real, h.path("logs/two.log")).unwrap();
    h.quiesce();
    append(&real, b"more\n");
    h.quiesce();
    assert_eq!(h.data[&id_of("through a link")], b"through a link\nmore\n");
}

#[test]
fn a_last_line_without_newline_is_delivered_and_closed_on_rotation() {
    let mut h = Harness::new(&["app.log"], StartAt::Beginning);
    let path = h.path("app.log");
    std::fs::write(&path, "first\nno newline").unwrap();
    h.quiesce();
    let id = id_of("first");
    assert_eq!(h.data[&id], b"first\nno newline");
    assert_eq!(h.closed_with(&id), None);
    std::fs::rename(&path, h.path("app.log.1")).unwrap();
    std::fs::write(&path, "next\n").unwrap();
    h.until("the rotated file closed", |h| h.closed_with(&id).is_some());
    assert_eq!(h.closed_with(&id), Some(CloseReason::Rotated));
}

#[test]
fn a_first_line_is_awaited_before_the_file_is_identified() {
    let mut h = Harness::new(&["app.log"], StartAt::Beginning);
    let path = h.path("app.log");
    std::fs::write(&path, "incompl").unwrap();
    h.quiesce();
    assert!(h.data.is_empty());
    append(&path, b"ete\nsecond\n");
    h.quiesce();
    assert_eq!(h.data[&id_of("incomplete")], b"incomplete\nsecond\n");
}

#[test]
fn ten_thousand_files_are_discovered_and_read() {
    let mut h = Harness::new(&["**/*.log"], StartAt::Beginning);
    for i in 0..10_000 {
        let dir = h.path(&format!("d{}", i % 100));
        if i < 100 {
            std::fs::create_dir_all(&dir).unwrap();
        }
        std::fs::write(
            dir.join(format!("f{i}.log")),
            format!("file {i}\nbody {i}\n"),
        )
        .unwrap();
    }
    h.until("every file read", |h| h.data.len() >= 10_000);
    h.quiesce();
    assert_eq!(h.data.len(), 10_000);
    for i in [0, 4_999, 9_999] {
        assert_eq!(
            h.data[&id_of(&format!("file {i}"))],
            format!("file {i}\nbody {i}\n").as_bytes()
        );
    }
    let stats = h.tailer.stats();
    assert!(
        stats.files_open <= 64,
        "max_open_files is 64, {} open",
        stats.files_open
    );
}

#[test]
fn with_notifications_off_polling_alone_finds_and_reads_files() {
    let dir = tempfile::tempdir().unwrap();
    let include = vec![format!("{}/*.log", dir.path().display())];
    let mut config = crate::harness::config(&include, StartAt::Beginning);
    config.notify = false;
    let checkpoints = faultline_tail::Checkpoints::load(&dir.path().join("state")).unwrap();
    let mut tailer = faultline_tail::Tailer::new(config, checkpoints).unwrap();
    let path = dir.path().join("app.log");
    let mut got = Vec::new();
    let read = |tailer: &mut faultline_tail::Tailer, got: &mut Vec<u8>| {
        for _ in 0..200 {
            tailer
                .read(1 << 20, &mut |n| {
                    if let faultline_tail::Notice::Data { bytes, .. } = n {
                        got.extend_from_slice(bytes);
                    }
                })
                .unwrap();
            tailer.wait(std::time::Duration::from_millis(2));
        }
    };
    std::fs::write(&path, "first\n").unwrap();
    read(&mut tailer, &mut got);
    append(&path, b"second\n");
    read(&mut tailer, &mut got);
    assert_eq!(String::from_utf8_lossy(&got), "first\nsecond\n");
}
