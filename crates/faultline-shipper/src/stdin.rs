//! Standard input, read on its own thread so the reader loop never blocks on
//! a quiet pipe. The channel closes at the end of input (or on a read error,
//! which is logged).

use std::io::{ErrorKind, Read};
use std::sync::mpsc::{Receiver, sync_channel};

const CHUNK_BYTES: usize = 256 * 1024;

pub fn spawn() -> Receiver<Vec<u8>> {
    let (tx, rx) = sync_channel(4);
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            loop {
                let mut buf = vec![0u8; CHUNK_BYTES];
                match stdin.read(&mut buf) {
                    Ok(0) => return,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.send(buf).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => {
                        tracing::error!(error = %e, "reading standard input failed");
                        return;
                    }
                }
            }
        })
        .expect("spawning the stdin thread");
    rx
}
