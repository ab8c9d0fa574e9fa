//! Evidence packs: one deterministic zip per client and month with the scorecard, the raw
//! evidence, the policy files as evaluated and a `manifest.json` that hashes every file
//! and links to the previous month's manifest (a tamper-evident chain), and the offline
//! verification of packs and chains behind `custody verify`.
//!
//! Determinism: entries are written in sorted path order (`manifest.json` included), all
//! with the DOS epoch timestamp 1980-01-01 00:00:00, Unix permissions `0o644`, deflate
//! level 6 and no extra fields, so the same input gives byte-identical zips.

mod error;
pub mod manifest;
pub mod read;
pub mod readme;
pub mod reevaluate;
pub mod seal;
pub mod signature;
pub mod verify;

#[cfg(test)]
mod tests;

use crate::client_id::ClientId;
use crate::evidence::provenance::{BuildProvenance, CollectProvenance};
use crate::evidence::sha256_hex;
use crate::month::Month;
use crate::scorecard::PolicyProvenance;
use manifest::{
    FileEntry, MANIFEST_PATH, PolicyRecord, Previous, SCHEMA_VERSION, Tool, is_sha256_hex,
};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Read, Seek, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

pub use error::{ManifestError, PackError, PackProblem, UnsafePath};
pub use manifest::Manifest;
pub use read::PackReader;
pub use readme::{README_PATH, SUMS_PATH};
pub use signature::{SIGNATURE_PATH, SignatureCheck, Signer, TrustedKeys};
pub use verify::{
    PackCheck, Verdict, VerifyReport, check_pack, check_pack_file, verify_hashes_and_chain,
    verify_paths, verify_paths_with,
};

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
    /// Who builds the pack ([`BuildProvenance::detect`] in a real build).
    pub build: &'a BuildProvenance,
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

/// Where the bytes of a pack entry come from.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    Bytes(&'a [u8]),
    /// A file streamed into the zip (evidence can be hundreds of megabytes), with the
    /// sha256 and size recorded when it was loaded; a file that changed since is an
    /// error, never a manifest that lies.
    File {
        path: &'a std::path::Path,
        /// Repository-relative name, for messages.
        label: &'a str,
        sha256: &'a str,
        size: u64,
    },
}

/// A pack written by [`stream_pack`]: its manifest bytes and their sha256.
pub struct Written {
    pub manifest_json: Vec<u8>,
    pub manifest_sha256: String,
}

/// Builds the pack. Errors (naming the offending path or value) on an invalid client id,
/// an unsafe or duplicate path, a file named `manifest.json` at the top, or a previous
/// link that is not an earlier month with a lowercase hex sha256.
pub fn build_pack(input: &PackInput) -> Result<Pack, PackError> {
    build_signed_pack(input, None)
}

/// [`build_pack`], with `manifest.json.sig` when a signer is given.
pub fn build_signed_pack(input: &PackInput, signer: Option<&Signer>) -> Result<Pack, PackError> {
    let files: Vec<(&str, Source)> = input
        .files
        .iter()
        .map(|(p, b)| (p.as_str(), Source::Bytes(b)))
        .collect();
    let mut zip = Cursor::new(Vec::new());
    let w = stream_pack(
        input.client,
        input.month,
        input.policy,
        files,
        input.previous.as_ref(),
        input.build,
        signer,
        &mut zip,
    )?;
    Ok(Pack {
        zip: zip.into_inner(),
        manifest_json: w.manifest_json,
        manifest_sha256: w.manifest_sha256,
    })
}

/// Writes a pack into `out` (a file in the staging site), streaming file sources: the
/// same bytes as [`build_pack`] for the same contents. With a signer, the pack also holds
/// `manifest.json.sig`, the signature of the manifest's exact bytes. The pack's own
/// `README.txt` and `SHA256SUMS` are written here, from what the manifest records; who
/// collected the evidence is read from the packed `evidence/manifest.json`.
#[allow(clippy::too_many_arguments)]
pub fn stream_pack<W: Write + Seek>(
    client: &str,
    month: Month,
    policy: &PolicyProvenance,
    mut files: Vec<(&str, Source)>,
    previous: Option<&(Month, String)>,
    build: &BuildProvenance,
    signer: Option<&Signer>,
    out: W,
) -> Result<Written, PackError> {
    let fail = |problem: PackProblem| PackError {
        client: client.to_owned(),
        month,
        problem,
    };
    ClientId::parse(client).map_err(|e| fail(PackProblem::Client(e)))?;

    files.sort_by(|a, b| a.0.cmp(b.0));
    for (i, (path, _)) in files.iter().enumerate() {
        check_pack_path(path).map_err(|e| fail(PackProblem::Path(e)))?;
        if [MANIFEST_PATH, SIGNATURE_PATH, README_PATH, SUMS_PATH].contains(path) {
            return Err(fail(PackProblem::Reserved {
                path: (*path).to_owned(),
            }));
        }
        if i > 0 && files[i - 1].0 == *path {
            return Err(fail(PackProblem::Twice {
                path: (*path).to_owned(),
            }));
        }
    }

    let previous = match previous {
        None => None,
        Some((prev, sha)) => {
            if *prev >= month {
                return Err(fail(PackProblem::PreviousNotBefore { previous: *prev }));
            }
            if !is_sha256_hex(sha) {
                return Err(fail(PackProblem::PreviousSha256(sha.clone())));
            }
            Some(Previous {
                month: *prev,
                manifest_sha256: sha.clone(),
            })
        }
    };

    let mut entries_meta: Vec<FileEntry> = files
        .iter()
        .map(|(path, source)| match source {
            Source::Bytes(b) => FileEntry {
                path: (*path).to_owned(),
                sha256: sha256_hex(b),
                size: b.len() as u64,
            },
            Source::File { sha256, size, .. } => FileEntry {
                path: (*path).to_owned(),
                sha256: (*sha256).to_owned(),
                size: *size,
            },
        })
        .collect();
    let collected_by = collected_by(&files).map_err(fail)?;
    let mut manifest = Manifest {
        schema_version: SCHEMA_VERSION,
        client: client.to_owned(),
        month,
        tool: Tool {
            name: "custody".into(),
            version: crate::VERSION.into(),
        },
        policy: PolicyRecord::from(policy),
        previous,
        built_by: Some(build.clone()),
        collected_by,
        files: Vec::new(),
    };
    // The README describes every listed path (itself and SHA256SUMS included), then the
    // checksum list hashes every file but itself, README included.
    let placeholder = |path: &str| FileEntry {
        path: path.to_owned(),
        sha256: String::new(),
        size: 0,
    };
    manifest.files = entries_meta.clone();
    manifest.files.push(placeholder(README_PATH));
    manifest.files.push(placeholder(SUMS_PATH));
    manifest.files.sort_by(|a, b| a.path.cmp(&b.path));
    let readme = readme::readme(&readme::About::of(&manifest, signer.is_some()));
    entries_meta.push(FileEntry {
        path: README_PATH.into(),
        sha256: sha256_hex(readme.as_bytes()),
        size: readme.len() as u64,
    });
    entries_meta.sort_by(|a, b| a.path.cmp(&b.path));
    let sums = readme::sums(&entries_meta);
    entries_meta.push(FileEntry {
        path: SUMS_PATH.into(),
        sha256: sha256_hex(sums.as_bytes()),
        size: sums.len() as u64,
    });
    entries_meta.sort_by(|a, b| a.path.cmp(&b.path));
    manifest.files = entries_meta;
    manifest
        .validate()
        .map_err(|e| fail(PackProblem::Manifest(e)))?;
    let manifest_json = manifest.to_json();
    let manifest_sha256 = sha256_hex(&manifest_json);

    let signature = signer
        .map(|s| s.sign(&manifest_json))
        .transpose()
        .map_err(|e| fail(PackProblem::Sign(e)))?;
    let mut entries = files;
    entries.push((MANIFEST_PATH, Source::Bytes(&manifest_json)));
    entries.push((README_PATH, Source::Bytes(readme.as_bytes())));
    entries.push((SUMS_PATH, Source::Bytes(sums.as_bytes())));
    if let Some(sig) = &signature {
        entries.push((SIGNATURE_PATH, Source::Bytes(sig)));
    }
    entries.sort_by(|a, b| a.0.cmp(b.0));
    write_entries(&entries, out).map_err(fail)?;
    Ok(Written {
        manifest_json,
        manifest_sha256,
    })
}

/// Largest `evidence/manifest.json` read for its provenance (a real one is kilobytes).
const MAX_EVIDENCE_MANIFEST_BYTES: u64 = 16 << 20;

/// Who collected the packed evidence, from the packed `evidence/manifest.json`: `None`
/// when there is none, it does not parse (evidence.snapshot-complete reports that), or it
/// predates provenance. A file that changed since it was hashed is an error.
fn collected_by(files: &[(&str, Source)]) -> Result<Option<CollectProvenance>, PackProblem> {
    let Some((_, source)) = files
        .iter()
        .find(|(p, _)| *p == format!("evidence/{}", crate::evidence::MANIFEST))
    else {
        return Ok(None);
    };
    let bytes = match source {
        Source::Bytes(b) => b.to_vec(),
        Source::File {
            path,
            label,
            sha256,
            size,
        } => {
            if *size > MAX_EVIDENCE_MANIFEST_BYTES {
                return Ok(None);
            }
            let b = std::fs::read(path).map_err(|source| PackProblem::Read {
                label: (*label).to_owned(),
                source,
            })?;
            if sha256_hex(&b) != *sha256 {
                return Err(PackProblem::Changed {
                    label: (*label).to_owned(),
                });
            }
            b
        }
    };
    Ok(packed_provenance(&bytes))
}

/// Largest provenance carried into a pack manifest: a real one is a few hundred bytes; a
/// hand-edited one of megabytes would crowd out the manifest verify reads.
const MAX_PROVENANCE_BYTES: usize = 16 << 10;

/// The provenance an `evidence/manifest.json` gives a pack's `collected_by`: the same rule
/// when the pack is built and when `verify` checks it against the packed file.
pub(crate) fn packed_provenance(evidence_manifest: &[u8]) -> Option<CollectProvenance> {
    if evidence_manifest.len() as u64 > MAX_EVIDENCE_MANIFEST_BYTES {
        return None;
    }
    let p = serde_json::from_slice::<crate::evidence::manifest::Manifest>(evidence_manifest)
        .ok()?
        .provenance?;
    let size = serde_json::to_vec(&p)
        .map(|b| b.len())
        .unwrap_or(usize::MAX);
    (size <= MAX_PROVENANCE_BYTES).then_some(p)
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

/// Writes entries in the given order with fixed options; file sources are copied in
/// chunks and checked against the hash and size the manifest records.
fn write_entries<W: Write + Seek>(entries: &[(&str, Source)], out: W) -> Result<(), PackProblem> {
    let zip_err = PackProblem::Zip;
    let io_err = PackProblem::Write;
    let mut w = ZipWriter::new(out);
    for (path, source) in entries {
        w.start_file(*path, entry_options()).map_err(zip_err)?;
        match source {
            Source::Bytes(b) => w.write_all(b).map_err(io_err)?,
            Source::File {
                path: file,
                label,
                sha256,
                size,
            } => {
                let read = |source| PackProblem::Read {
                    label: (*label).to_owned(),
                    source,
                };
                let mut f = std::fs::File::open(file).map_err(read)?;
                let mut hash = Sha256::new();
                let mut buf = vec![0u8; 256 * 1024];
                let mut n_total = 0u64;
                loop {
                    let n = match f.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(read(e)),
                    };
                    hash.update(&buf[..n]);
                    n_total += n as u64;
                    w.write_all(&buf[..n]).map_err(io_err)?;
                }
                let got: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
                if got != *sha256 || n_total != *size {
                    return Err(PackProblem::Changed {
                        label: (*label).to_owned(),
                    });
                }
            }
        }
    }
    w.finish().map_err(zip_err)?;
    Ok(())
}

/// In-memory zip of byte entries with the pack's fixed options (tests forge packs).
#[cfg(test)]
fn write_zip(entries: &[(&str, &[u8])]) -> Result<Vec<u8>, PackProblem> {
    let entries: Vec<(&str, Source)> = entries
        .iter()
        .map(|(p, b)| (*p, Source::Bytes(b)))
        .collect();
    let mut out = Cursor::new(Vec::new());
    write_entries(&entries, &mut out)?;
    Ok(out.into_inner())
}

/// A path inside a pack must be relative, use `/` only, and have no empty, `.` or `..`
/// segment, no drive or stream colon and no control characters: packs are built from
/// evidence folders and unpacked by auditors, so anything that could escape a folder or
/// mean different things on different systems is refused.
pub fn check_pack_path(path: &str) -> Result<(), UnsafePath> {
    let bad = |why: &'static str| {
        Err(UnsafePath {
            path: path.to_owned(),
            why,
        })
    };
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
