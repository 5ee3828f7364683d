//! Reading one file: plain files by offset, `.gz` files through a decoder
//! whose offsets are those of the decompressed content.

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;

use flate2::read::MultiGzDecoder;

/// How much of a first line identifies a file: what
/// `SourcePos::file_id_of` hashes at most (a test checks they agree).
pub(crate) const FILE_ID_BYTES: usize = 1024;

/// Device and inode: which file a path or handle is, this run.
pub(crate) type Key = (u64, u64);

pub(crate) fn key_of(meta: &Metadata) -> Key {
    (meta.dev(), meta.ino())
}

/// Whether a path names a gzip file (by its name, as logrotate writes them).
pub(crate) fn is_gz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// An open file.
pub(crate) enum Reader {
    Plain(File),
    Gz(Box<GzReader>),
}

pub(crate) struct GzReader {
    decoder: MultiGzDecoder<File>,
    /// Decompressed bytes consumed so far.
    position: u64,
    /// The decoder reached a clean end or failed: nothing more until reset.
    ended: Option<GzEnd>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GzEnd {
    Clean,
    Damaged,
}

impl Reader {
    pub(crate) fn open(path: &Path) -> io::Result<Reader> {
        let file = File::open(path)?;
        Ok(if is_gz(path) {
            Reader::Gz(Box::new(GzReader {
                decoder: MultiGzDecoder::new(file),
                position: 0,
                ended: None,
            }))
        } else {
            Reader::Plain(file)
        })
    }

    pub(crate) fn metadata(&self) -> io::Result<Metadata> {
        match self {
            Reader::Plain(file) => file.metadata(),
            Reader::Gz(gz) => gz.decoder.get_ref().metadata(),
        }
    }

    /// Reads content bytes at `offset`; 0 at the end (for now).
    pub(crate) fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Reader::Plain(file) => file.read_at(buf, offset),
            Reader::Gz(gz) => gz.read_at(offset, buf),
        }
    }

    /// Reads until `buf` is full or the end; returns how much was read.
    pub(crate) fn read_full_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.read_at(offset + filled as u64, &mut buf[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        Ok(filled)
    }

    /// The bytes that identify the file: its first line (without `\r\n`), or
    /// its first [`FILE_ID_BYTES`] when no newline comes before them. None
    /// while the first line is still incomplete.
    pub(crate) fn first_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut head = vec![0; FILE_ID_BYTES + 1];
        let len = self.read_full_at(0, &mut head)?;
        head.truncate(len);
        Ok(match memchr(&head) {
            Some(end) => {
                head.truncate(end);
                if head.last() == Some(&b'\r') {
                    head.pop();
                }
                Some(head)
            }
            None if len > FILE_ID_BYTES => Some(head[..FILE_ID_BYTES].to_vec()),
            None => None,
        })
    }

    pub(crate) fn is_gz(&self) -> bool {
        matches!(self, Reader::Gz(_))
    }

    /// How a gzip file's decoding ended, if it did.
    pub(crate) fn gz_end(&self) -> Option<GzEnd> {
        match self {
            Reader::Plain(_) => None,
            Reader::Gz(gz) => gz.ended,
        }
    }

    /// Lets a gzip file that ended damaged be decoded again (it grew).
    pub(crate) fn gz_retry(&mut self) {
        if let Reader::Gz(gz) = self
            && gz.ended == Some(GzEnd::Damaged)
        {
            gz.ended = None;
            gz.position = u64::MAX; // forces a restart from the first byte
        }
    }
}

fn memchr(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

impl GzReader {
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        if offset < self.position || self.position == u64::MAX {
            self.restart()?;
        }
        if self.ended.is_some() && offset >= self.position {
            return Ok(0);
        }
        let mut scratch = [0u8; 8192];
        while self.position < offset {
            let want = (offset - self.position).min(scratch.len() as u64) as usize;
            match self.decode(&mut scratch[..want])? {
                0 => return Ok(0),
                n => self.position += n as u64,
            }
        }
        let n = self.decode(buf)?;
        self.position += n as u64;
        Ok(n)
    }

    /// One read from the decoder; a damaged stream ends it and is reported
    /// once as an error (what decoded cleanly before it was returned).
    fn decode(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended.is_some() {
            return Ok(0);
        }
        match self.decoder.read(buf) {
            Ok(0) => {
                self.ended = Some(GzEnd::Clean);
                Ok(0)
            }
            Ok(n) => Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(e) => {
                self.ended = Some(GzEnd::Damaged);
                Err(e)
            }
        }
    }

    fn restart(&mut self) -> io::Result<()> {
        let mut file = self.decoder.get_ref().try_clone()?;
        file.seek(SeekFrom::Start(0))?;
        self.decoder = MultiGzDecoder::new(file);
        self.position = 0;
        self.ended = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn id_bytes_agree_with_the_event_crate() {
        let long = vec![b'a'; FILE_ID_BYTES + 10];
        let id = faultline_event::SourcePos::file_id_of;
        assert_eq!(id(&long), id(&long[..FILE_ID_BYTES]));
        assert_ne!(id(&long[..FILE_ID_BYTES]), id(&long[..FILE_ID_BYTES - 1]));
    }

    #[test]
    fn first_line_waits_for_its_newline_unless_it_is_long() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        std::fs::write(&path, b"partial").unwrap();
        assert_eq!(Reader::open(&path).unwrap().first_line().unwrap(), None);
        std::fs::write(&path, b"line\r\nrest").unwrap();
        assert_eq!(
            Reader::open(&path).unwrap().first_line().unwrap(),
            Some(b"line".to_vec())
        );
        std::fs::write(&path, vec![b'x'; 2000]).unwrap();
        assert_eq!(
            Reader::open(&path)
                .unwrap()
                .first_line()
                .unwrap()
                .unwrap()
                .len(),
            FILE_ID_BYTES
        );
    }

    #[test]
    fn gz_offsets_are_decompressed_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log.1.gz");
        let content: Vec<u8> = (0..50_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        std::fs::write(&path, gz(&content)).unwrap();
        let mut reader = Reader::open(&path).unwrap();
        let mut buf = vec![0; 100];
        let n = reader.read_full_at(300_000, &mut buf).unwrap();
        assert_eq!(&buf[..n], &content[300_000..300_100]);
        let n = reader.read_full_at(10, &mut buf).unwrap();
        assert_eq!(&buf[..n], &content[10..110]);
        assert_eq!(reader.first_line().unwrap(), Some(b"line 0".to_vec()));
    }

    #[test]
    fn damaged_gz_gives_what_decoded_then_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log.1.gz");
        let content: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        let packed = gz(&content);
        std::fs::write(&path, &packed[..packed.len() / 2]).unwrap();
        let mut reader = Reader::open(&path).unwrap();
        let mut got = Vec::new();
        let mut buf = vec![0; 4096];
        let err = loop {
            match reader.read_at(got.len() as u64, &mut buf) {
                Ok(0) => panic!("a damaged stream must report an error"),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => break e,
            }
        };
        assert!(!got.is_empty(), "{err}");
        assert_eq!(&content[..got.len()], &got[..]);
        assert_eq!(reader.gz_end(), Some(GzEnd::Damaged));
        assert_eq!(reader.read_at(got.len() as u64, &mut buf).unwrap(), 0);
    }
}
