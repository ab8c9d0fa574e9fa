//! The bundled sample repository, `clients/` and `evidence/`: three fictional MSP clients
//! with six monthly snapshots each (2026-06 to 2026-11), in the formats of
//! docs/formats.md and the real Microsoft Graph response shapes of
//! tests/fixtures/graph-samples/. README.md next to this folder tells each client's story.
//!
//! Deterministic: ids are uuid5 from seed strings, randomness is Python's Mersenne Twister
//! seeded by strings (the data was first written by a Python generator, whose bytes the
//! port reproduces), no clock, no network. Edit the stories, not the files.

pub mod audit;
pub mod backup;
pub mod fabrikam;
pub mod files;
pub mod graph;
pub mod ids;
pub mod json;
pub mod model;
pub mod month;
pub mod northwind;
pub mod policies;
pub mod reference;
pub mod rng;
pub mod tailspin;
pub mod texts;

use std::collections::BTreeMap;
use std::path::Path;

/// The folders whose every file the generator writes.
pub const DIRS: [&str; 2] = ["clients", "evidence"];

/// Every output file, collected in memory, then written (or checked) in one go.
#[derive(Default)]
pub struct Writer {
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Writer {
    pub fn put(&mut self, rel: &str, data: Vec<u8>) -> Vec<u8> {
        assert!(!self.files.contains_key(rel), "written twice: {rel}");
        self.files.insert(rel.to_owned(), data.clone());
        data
    }

    /// A text file; policy TOML files get their `#:schema` line first.
    pub fn put_text(&mut self, rel: &str, text: &str) -> Vec<u8> {
        self.put(rel, format!("{}{text}", schema_line(rel)).into_bytes())
    }

    pub fn put_json(&mut self, rel: &str, doc: &json::J) -> Vec<u8> {
        self.put(rel, json::pretty(doc))
    }
}

/// The `#:schema` line naming the committed JSON Schema (schema/) of a policy TOML file,
/// relative to the file, as Taplo reads it; empty for other files.
fn schema_line(rel: &str) -> String {
    let parts: Vec<&str> = rel.split('/').collect();
    match parts.as_slice() {
        ["clients", _, file] if file.ends_with(".toml") => {
            format!(
                "#:schema ../../schema/{}.schema.json\n",
                file.trim_end_matches(".toml")
            )
        }
        ["evidence", _, _, "restore-tests.toml"] => {
            "#:schema ../../../schema/restore-tests.schema.json\n".into()
        }
        _ => String::new(),
    }
}

/// Every file of the sample repository, checked for consistency.
pub fn build() -> Result<Writer, String> {
    let mut w = Writer::default();
    for c in [northwind::client(), fabrikam::client(), tailspin::client()] {
        w.files.extend(build_client(&c)?.files);
    }
    Ok(w)
}

/// One client's policy folder and every month of its evidence, checked for consistency.
pub fn build_client(c: &model::Client) -> Result<Writer, String> {
    let mut w = Writer::default();
    files::client_files(&mut w, c);
    for month in reference::MONTHS {
        let docs = month::write_month(&mut w, c, month);
        month::check_month(c, month, &docs)?;
    }
    Ok(w)
}

/// What differs on disk from what [`build`] writes: stale or missing files, and files in
/// the generated folders that it does not write.
#[derive(Debug, Default)]
pub struct Drift {
    pub stale: Vec<String>,
    pub unexpected: Vec<String>,
}

pub fn drift(root: &Path, w: &Writer) -> Drift {
    let mut d = Drift::default();
    for (rel, data) in &w.files {
        if std::fs::read(root.join(rel)).ok().as_deref() != Some(data.as_slice()) {
            d.stale.push(rel.clone());
        }
    }
    for dir in DIRS {
        for e in walkdir::WalkDir::new(root.join(dir))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if !e.file_type().is_file() {
                continue;
            }
            let Ok(rel) = e.path().strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !w.files.contains_key(&rel) {
                d.unexpected.push(rel);
            }
        }
    }
    d
}

/// Writes what differs (and only that, so unchanged files keep their timestamps) and
/// removes the files in the generated folders that the generator does not write: those
/// folders are wholly generated. Returns what was changed.
pub fn write(root: &Path, w: &Writer) -> Result<Drift, String> {
    let d = drift(root, w);
    for rel in &d.stale {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, &w.files[rel]).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    for rel in &d.unexpected {
        let path = root.join(rel);
        std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(d)
}
