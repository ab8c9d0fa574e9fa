//! File-tree snapshots for tests that check a folder is left byte for byte as it was.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

/// Relative path to bytes.
pub type Tree = BTreeMap<String, Vec<u8>>;

/// Every file under `dir` with its bytes (an absent folder is an empty tree).
pub fn tree(dir: &Path) -> Tree {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Copies the folders and regular files under `from` to `to` (created as needed); other
/// entries (links, sockets) are left out.
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else if e.file_type().is_file() {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}
