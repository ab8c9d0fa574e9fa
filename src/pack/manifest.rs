//! `manifest.json`: what an evidence pack contains, where its policy came from, and the
//! sha256 of the previous month's manifest (the chain).
//!
//! The bytes are canonical: pretty JSON in declaration order with a trailing newline, so
//! a manifest that parses but was re-serialised or hand-edited is detected by
//! [`Manifest::parse`].

use super::check_pack_path;
use super::error::ManifestError;
use crate::client_id::ClientId;
use crate::evidence::provenance::{BuildProvenance, CollectProvenance};
use crate::month::Month;
use crate::scorecard::PolicyProvenance;
use serde::{Deserialize, Deserializer, Serialize};

/// The schema this version writes. Version 2 packs also hold every input the month's
/// evaluation reads besides its own evidence and policy (the previous month's snapshot
/// under `previous/<YYYY-MM>/`, earlier months' restore tests under
/// `history/<YYYY-MM>/restore-tests.toml`), so `custody verify` can re-evaluate them.
/// Version 3 adds who built the pack (`built_by`) and who collected its evidence
/// (`collected_by`), a `README.txt` for the auditor and a `SHA256SUMS` list; a custody
/// that reads only version 2 refuses it by number instead of calling it tampered.
pub const SCHEMA_VERSION: u32 = 3;

/// Re-evaluable packs without provenance, README or checksum list.
pub const SCHEMA_VERSION_2: u32 = 2;

/// The first schema: the same fields, but without the previous-month inputs, so its
/// packs are checked (hashes, chain, signature) but cannot be re-evaluated.
pub const SCHEMA_VERSION_1: u32 = 1;

/// The manifest's own path inside a pack.
pub const MANIFEST_PATH: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub schema_version: u32,
    pub client: String,
    #[serde(deserialize_with = "de_month")]
    pub month: Month,
    pub tool: Tool,
    pub policy: PolicyRecord,
    pub previous: Option<Previous>,
    /// Who built the pack (schema 3; absent before: "not recorded").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_by: Option<BuildProvenance>,
    /// Who collected the packed evidence, copied from `evidence/manifest.json` (schema 3;
    /// absent when that manifest records none: "not recorded").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_by: Option<CollectProvenance>,
    /// Every file of the pack except `manifest.json`, sorted by path.
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// The policy provenance the month was evaluated against (see `PolicyProvenance`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRecord {
    pub source: String,
    pub commit: Option<String>,
    pub committed_at: Option<String>,
    pub note: Option<String>,
}

impl From<&PolicyProvenance> for PolicyRecord {
    fn from(p: &PolicyProvenance) -> Self {
        PolicyRecord {
            source: p.source.clone(),
            commit: p.commit.clone(),
            committed_at: p.committed_at.clone(),
            note: p.note.clone(),
        }
    }
}

/// The link to the previous month's pack of the same client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Previous {
    #[serde(deserialize_with = "de_month")]
    pub month: Month,
    /// Lowercase hex sha256 of that pack's `manifest.json` bytes.
    pub manifest_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

fn de_month<'de, D: Deserializer<'de>>(d: D) -> Result<Month, D::Error> {
    let s = String::deserialize(d)?;
    Month::parse(&s).map_err(serde::de::Error::custom)
}

/// 64 lowercase hex digits.
pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Manifest {
    /// The canonical bytes: pretty JSON, fields in declaration order, trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).expect("a manifest always serialises");
        out.push(b'\n');
        out
    }

    /// Parses and checks a manifest: schema version, client id, safe and sorted file
    /// paths, well-formed hashes, a previous month before this one, and canonical bytes.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let m: Manifest = serde_json::from_slice(bytes).map_err(ManifestError::Json)?;
        m.validate()?;
        if m.to_json() != bytes {
            return Err(ManifestError::NotCanonical);
        }
        Ok(m)
    }

    pub(crate) fn validate(&self) -> Result<(), ManifestError> {
        if !(SCHEMA_VERSION_1..=SCHEMA_VERSION).contains(&self.schema_version) {
            return Err(ManifestError::UnsupportedSchema(self.schema_version));
        }
        ClientId::parse(&self.client).map_err(ManifestError::Client)?;
        if let Some(prev) = &self.previous {
            if prev.month >= self.month {
                return Err(ManifestError::PreviousNotBefore {
                    previous: prev.month,
                    month: self.month,
                });
            }
            if !is_sha256_hex(&prev.manifest_sha256) {
                return Err(ManifestError::PreviousSha256(prev.manifest_sha256.clone()));
            }
        }
        for (i, f) in self.files.iter().enumerate() {
            check_pack_path(&f.path).map_err(ManifestError::Path)?;
            if f.path == MANIFEST_PATH {
                return Err(ManifestError::ListsItself);
            }
            if !is_sha256_hex(&f.sha256) {
                return Err(ManifestError::Sha256 {
                    path: f.path.clone(),
                    sha256: f.sha256.clone(),
                });
            }
            if i > 0 && self.files[i - 1].path >= f.path {
                return Err(ManifestError::Unsorted {
                    path: f.path.clone(),
                });
            }
        }
        Ok(())
    }
}
