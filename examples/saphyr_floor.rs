//! The parse floor of the scale benchmark (`benches/archive.sh`): read
//! every `*.yaml` file under the given folders and parse it into
//! saphyr-parser events, on one thread, doing nothing with them. A check
//! cannot be faster than this; the benchmark reports sunlight's time as a
//! multiple of it.
//!
//! `cargo run --release --example saphyr_floor -- DIR…` prints the files,
//! events and bytes it saw.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use saphyr_parser::{Event, Parser};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut files = Vec::new();
    for dir in std::env::args().skip(1) {
        if let Err(e) = collect(Path::new(&dir), &mut files) {
            eprintln!("error: cannot read {dir}: {e}");
            return ExitCode::from(2);
        }
    }
    files.sort();
    let (mut events, mut bytes) = (0usize, 0usize);
    for f in &files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", f.display());
                return ExitCode::from(2);
            }
        };
        bytes += text.len();
        let mut parser = Parser::new_from_str(&text);
        loop {
            match parser.next_event() {
                Some(Ok((Event::StreamEnd, _))) | None => break,
                Some(Ok(_)) => events += 1,
                Some(Err(e)) => {
                    eprintln!("error: {}: {e}", f.display());
                    return ExitCode::from(2);
                }
            }
        }
    }
    println!("{} files, {events} events, {bytes} bytes", files.len());
    ExitCode::SUCCESS
}
