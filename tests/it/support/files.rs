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
