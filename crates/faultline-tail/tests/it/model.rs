//! The tailer against a model: random writes, rotations, truncations,
//! deletions and restarts on real files; per file content, the bytes
//! delivered must be exactly the bytes written, once each.

use std::collections::BTreeMap;

use faultline_tail::StartAt;
use proptest::prelude::*;

use crate::harness::{Harness, append, id_of};

#[derive(Debug, Clone)]
enum Op {
    Append { bytes: Vec<u8>, newline: bool },
    RotateRename,
    CopyTruncate { unread: Vec<u8> },
    Truncate,
    Delete,
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    let bytes = || proptest::collection::vec(prop_oneof![Just(b'\n'), b'a'..=b'z'], 0..40);
    prop_oneof![
        4 => (bytes(), any::<bool>()).prop_map(|(bytes, newline)| Op::Append { bytes, newline }),
        1 => Just(Op::RotateRename),
        1 => bytes().prop_map(|unread| Op::CopyTruncate { unread }),
        1 => Just(Op::Truncate),
        1 => Just(Op::Delete),
        1 => Just(Op::Restart),
    ]
}

/// What must be read: every content ever written, by its first line.
struct Model {
    contents: BTreeMap<String, Vec<u8>>,
    current: Option<String>,
    next: usize,
    rotated: usize,
}

impl Model {
    /// Starts a new content at `app.log` with a unique first line.
    fn create(&mut self, h: &Harness) {
        let header = format!("content {}", self.next);
        self.next += 1;
        let bytes = format!("{header}\n").into_bytes();
        append(&h.path("app.log"), &bytes);
        self.contents.insert(header.clone(), bytes);
        self.current = Some(header);
    }

    fn write(&mut self, h: &Harness, bytes: &[u8]) {
        if self.current.is_none() {
            self.create(h);
        }
        append(&h.path("app.log"), bytes);
        self.contents
            .get_mut(self.current.as_ref().unwrap())
            .unwrap()
            .extend_from_slice(bytes);
    }

    fn rotated_name(&mut self) -> String {
        self.rotated += 1;
        format!("app.log.{}", self.rotated)
    }
}

fn apply(op: &Op, h: &mut Harness, m: &mut Model) {
    let path = h.path("app.log");
    match op {
        Op::Append { bytes, newline } => {
            let mut bytes = bytes.clone();
            if *newline {
                bytes.push(b'\n');
            }
            m.write(h, &bytes);
        }
        Op::RotateRename if m.current.is_some() => {
            std::fs::rename(&path, h.path(&m.rotated_name())).unwrap();
            m.create(h);
        }
        Op::CopyTruncate { unread } if m.current.is_some() => {
            m.write(h, unread);
            std::fs::copy(&path, h.path(&m.rotated_name())).unwrap();
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .unwrap()
                .set_len(0)
                .unwrap();
            m.create(h);
        }
        Op::Truncate if m.current.is_some() => {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .unwrap()
                .set_len(0)
                .unwrap();
            m.create(h);
        }
        Op::Delete if m.current.is_some() => {
            std::fs::remove_file(&path).unwrap();
            m.current = None;
        }
        Op::Restart => {
            h.quiesce();
            h.restart_committing_all();
        }
        _ => {}
    }
    h.quiesce();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_written_byte_is_read_exactly_once(ops in proptest::collection::vec(op(), 1..24)) {
        let mut h = Harness::new(&["app.log*"], StartAt::Beginning);
        let mut m = Model { contents: BTreeMap::new(), current: None, next: 0, rotated: 0 };
        for op in &ops {
            apply(op, &mut h, &mut m);
        }
        h.quiesce();
        let expected: BTreeMap<String, Vec<u8>> =
            m.contents.iter().map(|(header, bytes)| (id_of(header), bytes.clone())).collect();
        let got: BTreeMap<String, Vec<u8>> =
            h.data.iter().map(|(id, bytes)| (id.clone(), bytes.clone())).collect();
        prop_assert_eq!(got, expected);
    }
}
