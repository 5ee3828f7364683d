//! Reading inputs: files, folders, gzip files (by their magic bytes, whatever
//! their name) and standard input, in chunks.

use anyhow::Context as _;
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const CHUNK_BYTES: usize = 256 * 1024;

/// One thing to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// The name used in messages and in events' `source.path`.
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::File(path) => path.display().to_string(),
        }
    }
}

/// What a reader hands to its consumer.
pub enum Feed<'a> {
    Data(&'a [u8]),
    /// No input arrived for the idle timeout (standard input only).
    Idle,
}

/// Expands the command line's paths: folders are walked recursively in name
/// order. Paths that cannot be read are returned as errors beside the inputs.
pub fn expand(paths: &[PathBuf]) -> (Vec<Input>, Vec<anyhow::Error>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if path.is_dir() {
            walk(path, &mut inputs, &mut errors);
        } else if path.exists() {
            inputs.push(Input::File(path.clone()));
        } else {
            errors.push(anyhow::anyhow!(
                "{}: no such file or folder",
                path.display()
            ));
        }
    }
    (inputs, errors)
}

fn walk(dir: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<anyhow::Error>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => return errors.push(anyhow::anyhow!("{}: {err}", dir.display())),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            walk(&path, inputs, errors);
        } else if path.is_file() {
            inputs.push(Input::File(path));
        }
    }
}

/// Reads `input` to its end, calling `consume` for each chunk, and with
/// [`Feed::Idle`] when standard input is quiet for `idle`. An error after some
/// data (a truncated gzip file) comes back after that data was consumed.
pub fn read(
    input: &Input,
    idle: Duration,
    consume: &mut dyn FnMut(Feed<'_>),
) -> anyhow::Result<()> {
    match input {
        Input::Stdin => read_stdin(idle, consume),
        Input::File(path) => {
            let file =
                File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
            read_file(file, consume).with_context(|| format!("{}: read failed", path.display()))
        }
    }
}

fn read_file(mut file: File, consume: &mut dyn FnMut(Feed<'_>)) -> io::Result<()> {
    let mut head = [0u8; 2];
    let got = read_full(&mut file, &mut head)?;
    let raw = io::Cursor::new(head[..got].to_vec()).chain(file);
    let reader: Box<dyn Read> = if got == 2 && head == [0x1f, 0x8b] {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    pump(reader, consume)
}

fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Hands out full chunks (the first one is large enough to sniff a binary
/// file from); data read before an error is handed out before the error.
fn pump(reader: Box<dyn Read>, consume: &mut dyn FnMut(Feed<'_>)) -> io::Result<()> {
    // One buffer per thread, reused from file to file: a fresh one per file
    // costs the kernel a page-zeroing pass over it every time.
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.resize(CHUNK_BYTES, 0);
            pump_with(reader, &mut buf, consume)
        }
        Err(_) => pump_with(reader, &mut vec![0u8; CHUNK_BYTES], consume),
    })
}

fn pump_with(
    mut reader: Box<dyn Read>,
    buf: &mut [u8],
    consume: &mut dyn FnMut(Feed<'_>),
) -> io::Result<()> {
    loop {
        let mut filled = 0;
        let mut failure = None;
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if filled > 0 {
            consume(Feed::Data(&buf[..filled]));
        }
        if let Some(err) = failure {
            return Err(err);
        }
        if filled < buf.len() {
            return Ok(());
        }
    }
}

/// Standard input is read on its own thread so that a quiet pipe still lets
/// held events out after the idle timeout.
fn read_stdin(idle: Duration, consume: &mut dyn FnMut(Feed<'_>)) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(4);
    std::thread::spawn(move || {
        let mut stdin = io::stdin().lock();
        loop {
            let mut buf = vec![0u8; CHUNK_BYTES];
            let result = match stdin.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    Ok(buf)
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
            let failed = result.is_err();
            if tx.send(result).is_err() || failed {
                return;
            }
        }
    });
    loop {
        match rx.recv_timeout(idle) {
            Ok(Ok(chunk)) => consume(Feed::Data(&chunk)),
            Ok(Err(err)) => return Err(err).context("standard input: read failed"),
            Err(mpsc::RecvTimeoutError::Timeout) => consume(Feed::Idle),
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
    }
}

/// Whether the first bytes of an input look like a binary file rather than
/// text: many control bytes other than tab, newline, carriage return and escape.
pub fn looks_binary(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(8192)];
    if sample.is_empty() {
        return false;
    }
    let control = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x1b | 0x0c))
        .count();
    control * 10 > sample.len() * 3
}

#[cfg(test)]
mod tests {
    use super::looks_binary;

    #[test]
    fn binary_sniff_tolerates_a_few_nul_bytes() {
        assert!(!looks_binary(b"a log line with a \0 in it\n"));
        assert!(looks_binary(&[0u8, 1, 2, 3, 4, 5, b'a', 0, 0, 0]));
        assert!(!looks_binary(b""));
    }
}
