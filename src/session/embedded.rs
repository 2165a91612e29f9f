//! Copies of the embedded rule files on disk, for "go to definition".

use std::path::PathBuf;

use crate::check;
use crate::workspace::{self, InputLimits};

/// A folder holding copies of the embedded rule files, so that "go to
/// definition" can open them. `None` when it cannot be written.
///
/// The folder is named after a hash of the files: two builds whose
/// standard rules differ (of one version number) would otherwise overwrite
/// each other's copies, and an editor would open text that its server's
/// positions do not match.
pub fn embedded_rules_dir() -> Option<PathBuf> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (name, text) in check::STANDARD_RULES {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    let hash: String = h
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let dir = std::env::temp_dir().join(format!(
        "sunlight-{}-rules-{hash}",
        env!("CARGO_PKG_VERSION")
    ));
    std::fs::create_dir_all(&dir).ok()?;
    for (name, text) in check::STANDARD_RULES {
        let path = dir.join(name);
        let limit = InputLimits::default().max_file_size;
        if workspace::read_text_bounded(&path, limit).ok().as_deref() != Some(*text) {
            workspace::write_atomically(&path, text).ok()?;
        }
    }
    Some(dir)
}
