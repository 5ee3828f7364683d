//! Writes the benches' mixed corpus to a folder, for end-to-end runs and
//! profiling: `cargo run --release -p faultline-benches --example corpus -- DIR MIB`.

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "target/corpus".into()));
    let mib: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(64);
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in faultline_benches::mixed(mib << 20) {
        let path = dir.join(format!("{name}.log"));
        std::fs::write(&path, &bytes)?;
        println!("{} {} bytes", path.display(), bytes.len());
    }
    Ok(())
}
