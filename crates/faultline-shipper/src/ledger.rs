//! The ack → checkpoint rule: which offset of a file may be committed.
//!
//! A file's checkpoint is the smallest start offset among its events (or,
//! with `parse_at = "collector"`, its raw segments) that were batched but not
//! yet acknowledged, and the bytes its parse session (or segment buffer)
//! still holds (`Session::held_from`, `RawFile::floor`); when there are none,
//! the position read so far. Acknowledgements may come back in any order: a batch acknowledged
//! early never moves a checkpoint past an event of a batch still in flight.
//! Commits only ever grow.

use std::collections::{BTreeMap, HashMap, btree_map};

/// An offset that may be committed for a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub file_id: String,
    pub path: String,
    pub offset: u64,
}

#[derive(Debug)]
struct Entry {
    path: String,
    /// Batch sequence number → the smallest event offset of this file in it.
    outstanding: BTreeMap<u64, u64>,
    /// Everything before this is in emitted events (or was blank).
    floor: u64,
    committed: u64,
    closed: bool,
}

impl Entry {
    fn candidate(&self) -> u64 {
        let unacked = self.outstanding.values().copied().min().unwrap_or(u64::MAX);
        unacked.min(self.floor)
    }
}

/// Per-file bookkeeping of batched, acknowledged and held offsets.
#[derive(Debug, Default)]
pub struct Ledger {
    files: HashMap<String, Entry>,
    /// Batch sequence number → the files with events in it.
    batches: HashMap<u64, Vec<String>>,
}

impl Ledger {
    /// A file (re)opened at `offset`: nothing before it needs delivering.
    pub fn open(&mut self, file_id: &str, path: &str, offset: u64) {
        let entry = self
            .files
            .entry(file_id.to_string())
            .or_insert_with(|| Entry {
                path: path.to_string(),
                outstanding: BTreeMap::new(),
                floor: offset,
                committed: offset,
                closed: false,
            });
        entry.closed = false;
        entry.path = path.to_string();
        entry.floor = entry.floor.max(offset);
    }

    /// An event of `file_id` starting at `offset` went into batch `seq`.
    pub fn track(&mut self, seq: u64, file_id: &str, offset: u64) {
        let Some(entry) = self.files.get_mut(file_id) else {
            return;
        };
        match entry.outstanding.entry(seq) {
            btree_map::Entry::Vacant(slot) => {
                slot.insert(offset);
                self.batches
                    .entry(seq)
                    .or_default()
                    .push(file_id.to_string());
            }
            btree_map::Entry::Occupied(mut slot) => {
                let min = slot.get_mut();
                *min = (*min).min(offset);
            }
        }
    }

    /// Everything of `file_id` before `floor` is in events already tracked
    /// (or was blank). Returns a commit when the checkpoint moved.
    pub fn advance(&mut self, file_id: &str, floor: u64) -> Option<Commit> {
        let entry = self.files.get_mut(file_id)?;
        entry.floor = entry.floor.max(floor);
        Self::commit(file_id, entry)
    }

    /// No more bytes will come for `file_id`: it is forgotten once drained.
    pub fn close(&mut self, file_id: &str) {
        if let Some(entry) = self.files.get_mut(file_id) {
            entry.closed = true;
            if entry.outstanding.is_empty() {
                self.files.remove(file_id);
            }
        }
    }

    /// Batch `seq` was acknowledged: the commits it allows.
    pub fn ack(&mut self, seq: u64) -> Vec<Commit> {
        let mut commits = Vec::new();
        for file_id in self.batches.remove(&seq).unwrap_or_default() {
            let Some(entry) = self.files.get_mut(&file_id) else {
                continue;
            };
            entry.outstanding.remove(&seq);
            commits.extend(Self::commit(&file_id, entry));
            if entry.closed && entry.outstanding.is_empty() {
                self.files.remove(&file_id);
            }
        }
        commits
    }

    /// Batches not acknowledged yet.
    #[cfg(test)]
    fn outstanding(&self) -> usize {
        self.batches.len()
    }

    fn commit(file_id: &str, entry: &mut Entry) -> Option<Commit> {
        let candidate = entry.candidate();
        if candidate <= entry.committed {
            return None;
        }
        entry.committed = candidate;
        Some(Commit {
            file_id: file_id.to_string(),
            path: entry.path.clone(),
            offset: candidate,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(commits: &[Commit]) -> Vec<u64> {
        commits.iter().map(|c| c.offset).collect()
    }

    #[test]
    fn out_of_order_acks_never_pass_an_unacknowledged_event() {
        let mut ledger = Ledger::default();
        ledger.open("a", "/a.log", 0);
        // Batch 1 holds events at 0 and 10, batch 2 at 20, batch 3 at 30.
        for (seq, offset) in [(1, 0), (1, 10), (2, 20), (3, 30)] {
            ledger.track(seq, "a", offset);
        }
        assert_eq!(ledger.advance("a", 40), None, "batch 1 is in flight from 0");
        assert!(
            ledger.ack(3).is_empty(),
            "3 acked early: 1 and 2 still hold it back"
        );
        assert_eq!(offsets(&ledger.ack(2)), Vec::<u64>::new());
        assert_eq!(offsets(&ledger.ack(1)), vec![40]);
        assert_eq!(ledger.outstanding(), 0);
    }

    #[test]
    fn held_bytes_hold_the_checkpoint_back() {
        let mut ledger = Ledger::default();
        ledger.open("a", "/a.log", 100);
        ledger.track(1, "a", 100);
        // The session holds a trace in progress from 150.
        assert_eq!(ledger.advance("a", 150), None);
        assert_eq!(offsets(&ledger.ack(1)), vec![150]);
        // Nothing in flight: the floor itself is committable, and only grows.
        assert_eq!(ledger.advance("a", 200).map(|c| c.offset), Some(200));
        assert_eq!(ledger.advance("a", 180), None);
    }

    #[test]
    fn files_are_independent_and_forgotten_once_closed_and_drained() {
        let mut ledger = Ledger::default();
        ledger.open("a", "/a.log", 0);
        ledger.open("b", "/b.log", 0);
        ledger.track(1, "a", 0);
        ledger.track(1, "b", 0);
        ledger.track(2, "b", 50);
        ledger.advance("a", 10);
        ledger.advance("b", 60);
        ledger.close("a");
        let commits = ledger.ack(1);
        assert_eq!(commits.len(), 2);
        let b = commits.iter().find(|c| c.file_id == "b").unwrap();
        assert_eq!((b.path.as_str(), b.offset), ("/b.log", 50));
        assert!(!ledger.files.contains_key("a"));
        assert_eq!(offsets(&ledger.ack(2)), vec![60]);
    }

    #[test]
    fn segments_commit_their_starts_and_the_buffer_holds_the_rest() {
        let mut ledger = Ledger::default();
        ledger.open("f", "/f.log", 1000);
        // Segments [1000, 1400) and [1400, 2000) in batch 1, [2000, 2600)
        // in batch 2; bytes from 2600 on are still buffered.
        for (seq, start) in [(1, 1000), (1, 1400), (2, 2000)] {
            ledger.track(seq, "f", start);
        }
        assert_eq!(ledger.advance("f", 2600), None);
        assert!(ledger.ack(2).is_empty(), "batch 1 still holds 1000");
        assert_eq!(offsets(&ledger.ack(1)), vec![2600]);
        // A segment cut later from the buffer: the checkpoint waits for it.
        ledger.track(3, "f", 2600);
        assert_eq!(ledger.advance("f", 3100), None);
        assert_eq!(offsets(&ledger.ack(3)), vec![3100]);
    }

    #[test]
    fn a_random_ack_order_commits_a_monotonic_safe_sequence() {
        // 50 batches of 3 events each; acks in a shuffled order.
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20 {
            let mut ledger = Ledger::default();
            ledger.open("f", "/f.log", 0);
            for seq in 0..50u64 {
                for k in 0..3 {
                    ledger.track(seq, "f", seq * 30 + k * 10);
                }
            }
            ledger.advance("f", 1500);
            let mut order: Vec<u64> = (0..50).collect();
            rng.shuffle(&mut order);
            let mut acked = std::collections::HashSet::new();
            let mut last = 0;
            for seq in order {
                acked.insert(seq);
                for commit in ledger.ack(seq) {
                    assert!(commit.offset > last);
                    last = commit.offset;
                    // Every batch holding an event before the commit is acked.
                    let first_unacked = (0..50).find(|s| !acked.contains(s)).unwrap_or(50);
                    assert!(commit.offset <= first_unacked * 30);
                }
            }
            assert_eq!(last, 1500);
        }
    }
}
