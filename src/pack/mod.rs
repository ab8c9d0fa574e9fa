//! Evidence packs: one deterministic zip per client and month with the scorecard, the raw
//! evidence, the policy files as evaluated and a `manifest.json` that hashes every file
//! and links to the previous month's manifest (a tamper-evident chain), and the offline
//! verification of packs and chains behind `custody verify`.
//!
//! Determinism: entries are written in sorted path order (`manifest.json` included), all
//! with the DOS epoch timestamp 1980-01-01 00:00:00, Unix permissions `0o644`, deflate
//! level 6 and no extra fields, so the same input gives byte-identical zips.

pub mod manifest;
pub mod verify;

#[cfg(test)]
mod tests;

use crate::client_id::ClientId;
use crate::evidence::sha256_hex;
use crate::month::Month;
use crate::scorecard::PolicyProvenance;
use manifest::{
    FileEntry, MANIFEST_PATH, PolicyRecord, Previous, SCHEMA_VERSION, Tool, is_sha256_hex,
};
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

pub use manifest::Manifest;
pub use verify::{PackCheck, Verdict, VerifyReport, check_pack, verify_paths};

/// Everything that goes into one month's pack.
pub struct PackInput<'a> {
    pub client: &'a str,
    pub month: Month,
    pub policy: &'a PolicyProvenance,
    /// (path inside the pack, bytes): e.g. "scorecard.json", "scorecard.html",
    /// "evidence/graph/users.json", "evidence/manifest.json", "policy/controls.toml" —
    /// any order; the pack sorts them. `manifest.json` at the top is reserved.
    pub files: Vec<(String, Vec<u8>)>,
    /// sha256 (hex) of the previous month's pack manifest.json bytes and that month, if
    /// there is one.
    pub previous: Option<(Month, String)>,
}

/// A built pack: the zip bytes, and the manifest bytes (also inside the zip) with their
/// sha256, which the next month's pack records as `previous.manifest_sha256`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pack {
    pub zip: Vec<u8>,
    pub manifest_json: Vec<u8>,
    pub manifest_sha256: String,
}

/// The file name of a pack in the site: `evidence-<client>-<YYYY-MM>.zip`.
pub fn pack_file_name(client: &str, month: Month) -> String {
    format!("evidence-{client}-{month}.zip")
}

/// Builds the pack. Errors (naming the offending path or value) on an invalid client id,
/// an unsafe or duplicate path, a file named `manifest.json` at the top, or a previous
/// link that is not an earlier month with a lowercase hex sha256.
pub fn build_pack(input: &PackInput) -> Result<Pack, String> {
    let ctx = format!("evidence pack for {} {}", input.client, input.month);
    ClientId::parse(input.client).map_err(|e| format!("{ctx}: {e}"))?;

    let mut files: Vec<(&str, &[u8])> = input
        .files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    files.sort_by(|a, b| a.0.cmp(b.0));
    for (i, (path, _)) in files.iter().enumerate() {
        check_pack_path(path).map_err(|e| format!("{ctx}: {e}"))?;
        if *path == MANIFEST_PATH {
            return Err(format!(
                "{ctx}: {path:?} is reserved for the pack's own manifest"
            ));
        }
        if i > 0 && files[i - 1].0 == *path {
            return Err(format!("{ctx}: {path:?} is given twice"));
        }
    }

    let previous = match &input.previous {
        None => None,
        Some((month, sha)) => {
            if *month >= input.month {
                return Err(format!(
                    "{ctx}: previous month {month} is not before {}",
                    input.month
                ));
            }
            if !is_sha256_hex(sha) {
                return Err(format!(
                    "{ctx}: previous manifest sha256 {sha:?} is not a lowercase hex sha256"
                ));
            }
            Some(Previous {
                month: *month,
                manifest_sha256: sha.clone(),
            })
        }
    };

    let manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        client: input.client.to_owned(),
        month: input.month,
        tool: Tool {
            name: "custody".into(),
            version: crate::VERSION.into(),
        },
        policy: PolicyRecord::from(input.policy),
        previous,
        files: files
            .iter()
            .map(|(path, bytes)| FileEntry {
                path: (*path).to_owned(),
                sha256: sha256_hex(bytes),
                size: bytes.len() as u64,
            })
            .collect(),
    };
    manifest.validate().map_err(|e| format!("{ctx}: {e}"))?;
    let manifest_json = manifest.to_json();
    let manifest_sha256 = sha256_hex(&manifest_json);

    let mut entries = files;
    entries.push((MANIFEST_PATH, manifest_json.as_slice()));
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let zip = write_zip(&entries).map_err(|e| format!("{ctx}: cannot write the zip: {e}"))?;

    Ok(Pack {
        zip,
        manifest_json,
        manifest_sha256,
    })
}

/// Fixed entry options: the deterministic part of the pack format.
fn entry_options() -> SimpleFileOptions {
    SimpleFileOptions::DEFAULT
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::DEFAULT)
        .unix_permissions(0o644)
        .system(System::Unix)
        .large_file(false)
}

/// Writes entries in the given order with fixed options.
fn write_zip(entries: &[(&str, &[u8])]) -> zip::result::ZipResult<Vec<u8>> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (path, bytes) in entries {
        w.start_file(*path, entry_options())?;
        w.write_all(bytes)?;
    }
    Ok(w.finish()?.into_inner())
}

/// A path inside a pack must be relative, use `/` only, and have no empty, `.` or `..`
/// segment, no drive or stream colon and no control characters: packs are built from
/// evidence folders and unpacked by auditors, so anything that could escape a folder or
/// mean different things on different systems is refused.
pub fn check_pack_path(path: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("unsafe path {path:?} in pack: {why}"));
    if path.is_empty() {
        return bad("empty");
    }
    if path.len() > 1024 {
        return bad("longer than 1024 bytes");
    }
    if path.starts_with('/') {
        return bad("absolute");
    }
    if path.contains('\\') {
        return bad("backslash (use forward slashes)");
    }
    if path.contains(':') {
        return bad("colon (drive letter or stream)");
    }
    if path.chars().any(char::is_control) {
        return bad("control character");
    }
    for segment in path.split('/') {
        match segment {
            "" => return bad("empty segment"),
            "." | ".." => return bad("'.' or '..' segment"),
            _ => {}
        }
    }
    Ok(())
}
