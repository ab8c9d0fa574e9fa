//! `manifest.json`: what `collect` fetched (or `seal` found exported by hand), when, by
//! whom, and why anything is missing.

pub use super::provenance::{CollectProvenance, Method};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub schema_version: u32,
    pub collected_at: String,
    pub tool: ToolInfo,
    pub tenant_id: Option<String>,
    #[serde(default)]
    pub endpoints: Vec<EndpointRecord>,
    /// sha256 of the non-Graph files (backup-jobs.csv, restore-tests.toml).
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Size in bytes of every file hashed above (written since provenance was recorded).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sizes: BTreeMap<String, u64>,
    /// Who collected the month, how and when; `None` in manifests written before custody
    /// recorded it ("not recorded").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<CollectProvenance>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointRecord {
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// `not_licensed`, `permission_missing`, `not_applicable`, `error`, or `not_exported`
    /// (absent from a hand-exported month when it was sealed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A degraded collection, e.g. users without signInActivity for lack of a licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Manifest {
    /// The record of `file`, also when it was stored gzip-compressed (`<file>.gz`).
    pub fn endpoint(&self, file: &str) -> Option<&EndpointRecord> {
        self.endpoints.iter().find(|e| {
            e.file == file
                || e.file
                    .strip_suffix(super::GZIP_SUFFIX)
                    .is_some_and(|f| f == file)
        })
    }

    /// Every file the manifest vouches for, with its expected sha256.
    pub fn hashes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.endpoints
            .iter()
            .filter_map(|e| Some((e.file.as_str(), e.sha256.as_deref()?)))
            .chain(self.files.iter().map(|(f, h)| (f.as_str(), h.as_str())))
    }
}

impl EndpointRecord {
    /// A person-readable reason for a missing file.
    pub fn missing_reason(&self) -> Option<String> {
        let kind = self.missing.as_deref()?;
        let label = match kind {
            "not_licensed" => "not licensed",
            "permission_missing" => "permission missing",
            "not_applicable" => "not applicable",
            "not_exported" => "not exported",
            _ => "collection failed",
        };
        Some(match &self.reason {
            Some(r) => format!("{label}: {r}"),
            None => label.to_owned(),
        })
    }
}
