//! The write-ahead log: numbered segment files of checksummed records.
//!
//! A record is `[body length: u32 LE][crc32 of body: u32 LE][body]`, and a
//! body opens with a header `[version: u8][kind: u8][reserved: u16]` before
//! its payload. A record's *position* is the byte where it starts, counted
//! across segments: a segment is named after the position of its first byte
//! (`00000000000000000000.wal`), so positions only grow.
//!
//! A crash mid-write leaves a torn record at the end of the last segment.
//! Opening the log checks every record's length and checksum and truncates a
//! segment at its first damaged record, with a warning; records before the
//! damage are kept, and so are later segments.

use crate::StoreError;
use crate::fsutil::{io_err, sync_dir};
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The record format this code writes and reads.
pub(crate) const RECORD_VERSION: u8 = 1;
/// A record holding one ingested batch.
pub(crate) const KIND_BATCH: u8 = 1;
const FRAME_BYTES: usize = 8;
/// Larger lengths can only be damage: no batch comes near this.
const MAX_BODY_BYTES: u32 = 1 << 30;

/// A segment file and the positions it covers.
#[derive(Debug, Clone)]
struct Segment {
    start: u64,
    len: u64,
}

impl Segment {
    fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// The log in one folder. One writer at a time: the store's commit thread.
#[derive(Debug)]
pub(crate) struct Wal {
    dir: PathBuf,
    segments: Vec<Segment>,
    file: File,
    segment_bytes: u64,
}

impl Wal {
    /// Opens (or creates) the log in `dir`, truncating damaged records.
    pub(crate) fn open(dir: &Path, segment_bytes: u64) -> Result<Wal, StoreError> {
        fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let mut segments = Vec::new();
        for start in segment_starts(dir)? {
            let path = segment_path(dir, start);
            let len = repair(&path)?;
            segments.push(Segment { start, len });
        }
        if segments.is_empty() {
            create_segment(dir, 0)?;
            segments.push(Segment { start: 0, len: 0 });
        }
        let last = segments.last().map_or(0, |s| s.start);
        let file = open_append(&segment_path(dir, last))?;
        Ok(Wal {
            dir: dir.to_path_buf(),
            segments,
            file,
            segment_bytes: segment_bytes.max(1),
        })
    }

    /// The position after the last record.
    pub(crate) fn end(&self) -> u64 {
        self.segments.last().map_or(0, Segment::end)
    }

    /// Makes the next record start at `position` at the earliest: positions
    /// must keep growing even when the log was lost behind a checkpoint.
    pub(crate) fn advance_to(&mut self, position: u64) -> Result<(), StoreError> {
        if position > self.end() {
            self.sync()?;
            self.file = create_segment(&self.dir, position)?;
            self.segments.push(Segment {
                start: position,
                len: 0,
            });
        }
        Ok(())
    }

    /// Bytes in the segment files.
    pub(crate) fn disk_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.len).sum()
    }

    /// Appends one record per body with a single write, and returns each
    /// record's position. Not durable until [`Wal::sync`].
    pub(crate) fn append(&mut self, bodies: &[&[u8]]) -> Result<Vec<u64>, StoreError> {
        if self
            .segments
            .last()
            .is_some_and(|s| s.len >= self.segment_bytes)
        {
            self.rotate()?;
        }
        let mut buf = Vec::with_capacity(bodies.iter().map(|b| b.len() + FRAME_BYTES).sum());
        let mut positions = Vec::with_capacity(bodies.len());
        let start = self.end();
        for body in bodies {
            positions.push(start + buf.len() as u64);
            frame(body, &mut buf);
        }
        let path = self.current_path();
        self.file.write_all(&buf).map_err(|e| io_err(&path, e))?;
        if let Some(last) = self.segments.last_mut() {
            last.len += buf.len() as u64;
        }
        Ok(positions)
    }

    /// Cuts the log back to `position`, the end before an append whose
    /// write or fsync failed (a full disk, an I/O error): the records it may
    /// have left half written, or written but not durable, are gone, and the
    /// next append starts after the last good record. The segment is reopened
    /// so no error state of the old handle carries over.
    pub(crate) fn rollback(&mut self, position: u64) -> Result<(), StoreError> {
        let path = self.current_path();
        let Some(segment) = self.segments.last_mut() else {
            return Ok(());
        };
        let keep = position.saturating_sub(segment.start);
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| io_err(&path, e))?;
        file.set_len(keep).map_err(|e| io_err(&path, e))?;
        file.sync_all().map_err(|e| io_err(&path, e))?;
        segment.len = keep;
        self.file = open_append(&path)?;
        Ok(())
    }

    /// Makes every appended record durable (`fdatasync`).
    pub(crate) fn sync(&mut self) -> Result<(), StoreError> {
        let path = self.current_path();
        self.file.sync_data().map_err(|e| io_err(&path, e))
    }

    /// Deletes the segments that hold only records before `position`. The
    /// segment being written is always kept.
    pub(crate) fn trim(&mut self, position: u64) -> Result<(), StoreError> {
        while self.segments.len() > 1 && self.segments[0].end() <= position {
            let segment = self.segments.remove(0);
            let path = segment_path(&self.dir, segment.start);
            fs::remove_file(&path).map_err(|e| io_err(&path, e))?;
        }
        Ok(())
    }

    /// Calls `apply` with the position and body of every record at or after
    /// `from`, in log order.
    pub(crate) fn replay(
        &self,
        from: u64,
        mut apply: impl FnMut(u64, &[u8]) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for segment in self.segments.iter().filter(|s| s.end() > from) {
            let path = segment_path(&self.dir, segment.start);
            let file = File::open(&path).map_err(|e| io_err(&path, e))?;
            let mut reader = BufReader::with_capacity(1 << 20, file.take(segment.len));
            let mut offset = 0;
            while offset < segment.len {
                let body = match read_record(&mut reader, segment.len - offset) {
                    Ok(body) => body,
                    Err(reason) => return Err(corrupt(&path, offset, reason)),
                };
                let position = segment.start + offset;
                if position >= from {
                    apply(position, &body)?;
                }
                offset += (FRAME_BYTES + body.len()) as u64;
            }
        }
        Ok(())
    }

    fn rotate(&mut self) -> Result<(), StoreError> {
        self.sync()?;
        let start = self.end();
        self.file = create_segment(&self.dir, start)?;
        self.segments.push(Segment { start, len: 0 });
        Ok(())
    }

    fn current_path(&self) -> PathBuf {
        segment_path(&self.dir, self.segments.last().map_or(0, |s| s.start))
    }
}

/// The body of a batch record: the header, then what `payload` writes
/// after it (in place: a batch is megabytes).
pub(crate) fn batch_body_with(payload: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut body = vec![RECORD_VERSION, KIND_BATCH, 0, 0];
    payload(&mut body);
    body
}

/// The body of a batch record: header plus payload.
#[cfg(test)]
pub(crate) fn batch_body(payload: &[u8]) -> Vec<u8> {
    batch_body_with(|body| body.extend_from_slice(payload))
}

/// The payload of a record body, after checking its header.
pub(crate) fn body_payload(body: &[u8]) -> Result<&[u8], String> {
    match body {
        [RECORD_VERSION, KIND_BATCH, _, _, payload @ ..] => Ok(payload),
        [version, kind, ..] => Err(format!("unknown record version {version} kind {kind}")),
        _ => Err("record shorter than its header".into()),
    }
}

fn frame(body: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    out.extend_from_slice(body);
}

/// Reads one framed record of at most `left` bytes, checking its checksum.
fn read_record(reader: &mut impl Read, left: u64) -> Result<Vec<u8>, String> {
    let mut head = [0u8; FRAME_BYTES];
    if left < FRAME_BYTES as u64 {
        return Err(format!("{left} trailing bytes are not a record"));
    }
    reader.read_exact(&mut head).map_err(|e| e.to_string())?;
    let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let crc = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    if len == 0 || len > MAX_BODY_BYTES || u64::from(len) > left - FRAME_BYTES as u64 {
        return Err(format!("record length {len} runs past the segment"));
    }
    let mut body = vec![0; len as usize];
    reader.read_exact(&mut body).map_err(|e| e.to_string())?;
    if crc32fast::hash(&body) != crc {
        return Err("checksum mismatch".into());
    }
    Ok(body)
}

/// Checks a segment's records and cuts it at the first damaged one. Returns
/// the length kept.
fn repair(path: &Path) -> Result<u64, StoreError> {
    let file = File::open(path).map_err(|e| io_err(path, e))?;
    let total = file.metadata().map_err(|e| io_err(path, e))?.len();
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut good = 0u64;
    while good < total {
        match read_record(&mut reader, total - good) {
            Ok(body) => good += (FRAME_BYTES + body.len()) as u64,
            Err(reason) => {
                tracing::warn!(
                    path = %path.display(),
                    offset = good,
                    dropped_bytes = total - good,
                    reason = %reason,
                    "write-ahead log damaged, truncating the segment"
                );
                let file = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|e| io_err(path, e))?;
                file.set_len(good).map_err(|e| io_err(path, e))?;
                file.sync_all().map_err(|e| io_err(path, e))?;
                break;
            }
        }
    }
    Ok(good)
}

fn corrupt(path: &Path, offset: u64, reason: String) -> StoreError {
    StoreError::Corrupt {
        path: path.display().to_string(),
        offset,
        reason,
    }
}

fn segment_path(dir: &Path, start: u64) -> PathBuf {
    dir.join(format!("{start:020}.wal"))
}

/// The start positions of the segments in `dir`, in order.
fn segment_starts(dir: &Path) -> Result<Vec<u64>, StoreError> {
    let mut starts = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(start) = name.strip_suffix(".wal").and_then(|s| s.parse().ok()) {
            starts.push(start);
        }
    }
    starts.sort_unstable();
    Ok(starts)
}

fn create_segment(dir: &Path, start: u64) -> Result<File, StoreError> {
    let path = segment_path(dir, start);
    let file = open_append(&path)?;
    sync_dir(dir)?;
    Ok(file)
}

fn open_append(path: &Path) -> Result<File, StoreError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io_err(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| batch_body(format!("batch {i}").as_bytes()))
            .collect()
    }

    fn refs(bodies: &[Vec<u8>]) -> Vec<&[u8]> {
        bodies.iter().map(Vec::as_slice).collect()
    }

    fn read_all(wal: &Wal, from: u64) -> Vec<(u64, Vec<u8>)> {
        let mut out = Vec::new();
        wal.replay(from, |pos, body| {
            out.push((pos, body.to_vec()));
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn records_round_trip_across_segments_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), 64).unwrap();
        let mut positions = Vec::new();
        for chunk in bodies(10).chunks(3) {
            positions.extend(wal.append(&refs(chunk)).unwrap());
            wal.sync().unwrap();
        }
        assert!(wal.segments.len() > 1, "rotates at the segment size");
        let end = wal.end();
        drop(wal);
        let wal = Wal::open(dir.path(), 64).unwrap();
        assert_eq!(wal.end(), end);
        let read = read_all(&wal, 0);
        assert_eq!(read.iter().map(|r| r.0).collect::<Vec<_>>(), positions);
        assert_eq!(body_payload(&read[7].1).unwrap(), b"batch 7");
        assert_eq!(read_all(&wal, positions[4]).len(), 6);
    }

    #[test]
    fn trim_keeps_the_segment_holding_the_position() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), 40).unwrap();
        let mut positions = Vec::new();
        for body in bodies(6) {
            positions.extend(wal.append(&[&body]).unwrap());
        }
        wal.trim(positions[3]).unwrap();
        let read = read_all(&wal, 0);
        assert!(read.iter().any(|r| r.0 == positions[3]));
        assert!(read.len() < 6);
        assert_eq!(read.last().unwrap().0, positions[5]);
    }

    #[test]
    fn a_rolled_back_append_leaves_no_trace_and_the_log_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), 1 << 20).unwrap();
        let kept = bodies(2);
        wal.append(&refs(&kept)).unwrap();
        wal.sync().unwrap();
        let before = wal.end();
        // An append the disk took only part of: its records are written but
        // the write then fails, so the store cuts it back out.
        wal.append(&refs(&bodies(3))).unwrap();
        let path = segment_path(dir.path(), 0);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"\x07half a frame").unwrap();
        wal.rollback(before).unwrap();
        assert_eq!(wal.end(), before);
        assert_eq!(fs::metadata(&path).unwrap().len(), before);
        let next = batch_body(b"after the failure");
        let position = wal.append(&[&next]).unwrap();
        wal.sync().unwrap();
        assert_eq!(position, vec![before]);
        drop(wal);
        let wal = Wal::open(dir.path(), 1 << 20).unwrap();
        let payloads: Vec<Vec<u8>> = read_all(&wal, 0)
            .iter()
            .map(|(_, body)| body_payload(body).unwrap().to_vec())
            .collect();
        assert_eq!(
            payloads,
            vec![
                b"batch 0".to_vec(),
                b"batch 1".to_vec(),
                b"after the failure".to_vec()
            ]
        );
    }

    #[test]
    fn a_torn_tail_is_cut_at_every_byte() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), 1 << 20).unwrap();
        let positions = wal.append(&refs(&bodies(3))).unwrap();
        wal.sync().unwrap();
        let end = wal.end();
        drop(wal);
        let path = segment_path(dir.path(), 0);
        let full = fs::read(&path).unwrap();
        for cut in positions[2]..end {
            fs::write(&path, &full[..cut as usize]).unwrap();
            let wal = Wal::open(dir.path(), 1 << 20).unwrap();
            assert_eq!(wal.end(), positions[2], "cut at {cut}");
            assert_eq!(read_all(&wal, 0).len(), 2);
        }
    }

    #[test]
    fn a_flipped_byte_drops_that_record_and_the_rest_of_its_segment() {
        let dir = tempfile::tempdir().unwrap();
        let mut wal = Wal::open(dir.path(), 1 << 20).unwrap();
        let positions = wal.append(&refs(&bodies(4))).unwrap();
        drop(wal);
        let path = segment_path(dir.path(), 0);
        let mut bytes = fs::read(&path).unwrap();
        bytes[positions[1] as usize + 10] ^= 0xff;
        fs::write(&path, bytes).unwrap();
        let mut wal = Wal::open(dir.path(), 1 << 20).unwrap();
        assert_eq!(wal.end(), positions[1]);
        let next = wal.append(&refs(&bodies(1))).unwrap();
        assert_eq!(next, vec![positions[1]]);
        assert_eq!(read_all(&wal, 0).len(), 2);
    }
}
