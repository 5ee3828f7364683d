//! The tailer against a model: random writes, rotations, truncations,
//! deletions and restarts on real files; per file content, the bytes
//! delivered must be exactly the bytes written, once each.

use std::collections::BTreeMap;
use std::path::PathBuf;

use faultline_tail::StartAt;
use proptest::prelude::*;

use crate::harness::{self, Harness, append, id_of, truncate};

#[derive(Debug, Clone)]
enum Op {
    Append {
        bytes: Vec<u8>,
        newline: bool,
    },
    RotateRename,
    CopyTruncate {
        unread: Vec<u8>,
    },
    /// Copytruncate while the tailer reads `unread`, and the new content
    /// outgrows the old read offset before the tailer looks again.
    CopyTruncateOvertaken {
        unread: Vec<u8>,
        extra: Vec<u8>,
    },
    /// The tailer reads past the size its scan saw (`grown` comes while it
    /// reads), then copytruncate and new content between the two sizes.
    CopyTruncateBelowOffset {
        grown: Vec<u8>,
    },
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
        1 => (bytes(), bytes()).prop_map(|(unread, extra)| Op::CopyTruncateOvertaken { unread, extra }),
        1 => bytes().prop_map(|grown| Op::CopyTruncateBelowOffset { grown }),
        1 => Just(Op::Truncate),
        1 => Just(Op::Delete),
        1 => Just(Op::Restart),
    ]
}

/// What must be read: every content ever written, by its first line.
struct Model {
    dir: PathBuf,
    contents: BTreeMap<String, Vec<u8>>,
    current: Option<String>,
    next: usize,
    rotated: usize,
}

impl Model {
    fn log(&self) -> PathBuf {
        self.dir.join("app.log")
    }

    /// Starts a new content at `app.log` with a unique first line.
    fn create(&mut self) {
        let header = format!("content {}", self.next);
        self.next += 1;
        let bytes = format!("{header}\n").into_bytes();
        append(&self.log(), &bytes);
        self.contents.insert(header.clone(), bytes);
        self.current = Some(header);
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.current.is_none() {
            self.create();
        }
        append(&self.log(), bytes);
        self.contents
            .get_mut(self.current.as_ref().unwrap())
            .unwrap()
            .extend_from_slice(bytes);
    }

    fn current_len(&self) -> usize {
        self.current.as_ref().map_or(0, |c| self.contents[c].len())
    }

    fn rotated(&mut self) -> PathBuf {
        self.rotated += 1;
        self.dir.join(format!("app.log.{}", self.rotated))
    }

    /// Copies `app.log` aside, truncates it and starts a new content.
    fn copy_truncate(&mut self) {
        harness::copy_truncate(&self.log(), &self.rotated());
        self.create();
    }

    /// Copytruncate, then new content of `len` bytes (at least its header).
    fn copy_truncate_to(&mut self, len: usize) {
        self.copy_truncate();
        let pad = len.saturating_sub(self.current_len());
        if pad > 0 {
            let mut line = vec![b'p'; pad];
            line[pad - 1] = b'\n';
            self.write(&line);
        }
    }

    /// Copytruncate, then the new content grows past the old one's end.
    fn copy_truncate_overtaken(&mut self, extra: &[u8]) {
        let old_len = self.current_len();
        self.copy_truncate();
        let mut line = 0;
        while self.current_len() <= old_len {
            self.write(format!("overtaking {line}\n").as_bytes());
            line += 1;
        }
        self.write(extra);
    }
}

fn apply(op: &Op, h: &mut Harness, m: &mut Model) {
    let path = m.log();
    match op {
        Op::Append { bytes, newline } => {
            let mut bytes = bytes.clone();
            if *newline {
                bytes.push(b'\n');
            }
            m.write(&bytes);
        }
        Op::RotateRename if m.current.is_some() => {
            std::fs::rename(&path, m.rotated()).unwrap();
            m.create();
        }
        Op::CopyTruncate { unread } if m.current.is_some() => {
            m.write(unread);
            m.copy_truncate();
        }
        Op::CopyTruncateOvertaken { unread, extra } if m.current.is_some() => {
            // Something to read, so the writer can act between two reads.
            m.write(&[unread.as_slice(), b"\n"].concat());
            let mut writer = || m.copy_truncate_overtaken(extra);
            if !h.step_with(&mut writer) {
                writer();
            }
        }
        Op::CopyTruncateBelowOffset { grown } if m.current.is_some() => {
            m.write(b"seen by the scan\n");
            let seen = m.current_len();
            let grown = [grown.as_slice(), &[b'g'; 80], b"\n"].concat();
            let mut grow = || m.write(&grown);
            if !h.step_with(&mut grow) {
                grow();
                h.quiesce();
            }
            let read = m.current_len();
            m.copy_truncate_to((seen + read) / 2);
        }
        Op::Truncate if m.current.is_some() => {
            truncate(&path);
            m.create();
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
        let mut m = Model {
            dir: h.dir.path().to_path_buf(),
            contents: BTreeMap::new(),
            current: None,
            next: 0,
            rotated: 0,
        };
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
