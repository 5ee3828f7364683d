//! Writes a bench corpus to a folder, for end-to-end runs and profiling:
//!
//! ```text
//! corpus DIR MIB                    # the mixed corpus, one file per format
//! corpus DIR MIB plain_traces N     # plain text with traces, over N files
//! ```

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "target/corpus".into()));
    let mib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    let kind = args.next().unwrap_or_else(|| "mixed".into());
    let files: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    std::fs::create_dir_all(&dir)?;
    let parts = match kind.as_str() {
        "mixed" => faultline_benches::mixed(mib << 20),
        "plain_traces" => (0..files.max(1))
            .map(|i| {
                let bytes = (mib << 20) / files.max(1);
                let seed = 100 + i as u64;
                (
                    "plain_traces",
                    faultline_benches::corpus(bytes, seed, faultline_benches::plain_line),
                )
            })
            .collect(),
        other => {
            eprintln!("unknown corpus kind {other:?}: mixed or plain_traces");
            std::process::exit(2);
        }
    };
    for (i, (name, bytes)) in parts.iter().enumerate() {
        let file = if files > 1 {
            format!("{name}-{i:03}.log")
        } else {
            format!("{name}.log")
        };
        let path = dir.join(file);
        std::fs::write(&path, bytes)?;
        println!("{} {} bytes", path.display(), bytes.len());
    }
    Ok(())
}
