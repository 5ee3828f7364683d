//! The disk spool: batches holding events of an input that cannot be read
//! again (standard input) are written here, fsynced, before they are sent,
//! deleted once acknowledged, and sent first after a restart.

use crate::error::ShipError;
use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};

const EXTENSION: &str = "batch";

#[derive(Debug, Clone)]
pub struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// Opens (creating) `STATE/spool`.
    pub fn open(state_dir: &Path) -> Result<Spool, ShipError> {
        let dir = state_dir.join("spool");
        fs::create_dir_all(&dir).map_err(|e| ShipError::io("creating", &dir, e))?;
        Ok(Spool { dir })
    }

    /// Batches left by an earlier run, oldest first.
    pub fn pending(&self) -> Result<Vec<(PathBuf, Vec<u8>)>, ShipError> {
        let entries =
            fs::read_dir(&self.dir).map_err(|e| ShipError::io("listing", &self.dir, e))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == EXTENSION))
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let body = fs::read(&path).map_err(|e| ShipError::io("reading", &path, e))?;
                Ok((path, body))
            })
            .collect()
    }

    /// Writes a batch body durably: temp file, fsync, rename, fsync folder.
    /// `name` orders spool files (a zero-padded run id and sequence number).
    pub fn write(&self, name: &str, body: &[u8]) -> Result<PathBuf, ShipError> {
        let path = self.dir.join(format!("{name}.{EXTENSION}"));
        let tmp = self.dir.join(format!("{name}.tmp"));
        let mut file = File::create(&tmp).map_err(|e| ShipError::io("creating", &tmp, e))?;
        file.write_all(body)
            .and_then(|()| file.sync_all())
            .map_err(|e| ShipError::io("writing", &tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| ShipError::io("renaming", &tmp, e))?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| ShipError::io("syncing", &self.dir, e))?;
        Ok(path)
    }

    /// Forgets an acknowledged batch.
    pub fn remove(path: &Path) {
        if let Err(err) = fs::remove_file(path) {
            tracing::warn!(path = %path.display(), error = %err, "could not delete a spooled batch");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_batches_come_back_in_order_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let b = spool.write("0002-00000001", b"second").unwrap();
        let a = spool.write("0001-00000009", b"first").unwrap();
        fs::write(dir.path().join("spool/0003.tmp"), b"torn").unwrap();
        let pending = Spool::open(dir.path()).unwrap().pending().unwrap();
        let bodies: Vec<&[u8]> = pending.iter().map(|(_, b)| b.as_slice()).collect();
        assert_eq!(bodies, vec![b"first".as_slice(), b"second".as_slice()]);
        Spool::remove(&a);
        assert_eq!(spool.pending().unwrap()[0].0, b);
    }
}
