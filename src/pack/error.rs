//! What can go wrong building a pack or reading its manifest, as values: each variant
//! says what failed and carries what it is about (the entry path, the file, the source
//! error); the text of each is the message custody has always printed.

use super::manifest::{MANIFEST_PATH, SCHEMA_VERSION, SCHEMA_VERSION_1};
use crate::client_id::ClientIdError;
use crate::month::Month;
use std::fmt;

/// An entry name a pack must never hold: it could escape the folder a pack is unpacked
/// into, or mean different files on different systems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafePath {
    pub path: String,
    pub why: &'static str,
}

impl fmt::Display for UnsafePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unsafe path {:?} in pack: {}", self.path, self.why)
    }
}

impl std::error::Error for UnsafePath {}

/// A `manifest.json` that custody does not accept.
#[derive(Debug)]
pub enum ManifestError {
    /// Not JSON of a manifest's shape.
    Json(serde_json::Error),
    /// Parsed, but its bytes are not the canonical ones custody writes.
    NotCanonical,
    UnsupportedSchema(u32),
    Client(ClientIdError),
    PreviousNotBefore {
        previous: Month,
        month: Month,
    },
    PreviousSha256(String),
    Path(UnsafePath),
    ListsItself,
    Sha256 {
        path: String,
        sha256: String,
    },
    Unsorted {
        path: String,
    },
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManifestError::Json(e) => write!(f, "not a valid manifest: {e}"),
            ManifestError::NotCanonical => {
                f.write_str("not in canonical form: its bytes were edited after the pack was built")
            }
            ManifestError::UnsupportedSchema(v) => write!(
                f,
                "unsupported schema_version {v} (this custody reads {SCHEMA_VERSION_1} to {SCHEMA_VERSION})"
            ),
            ManifestError::Client(e) => e.fmt(f),
            ManifestError::PreviousNotBefore { previous, month } => write!(
                f,
                "previous month {previous} is not before the pack's month {month}"
            ),
            ManifestError::PreviousSha256(sha) => write!(
                f,
                "previous.manifest_sha256 {sha:?} is not a lowercase hex sha256"
            ),
            ManifestError::Path(e) => e.fmt(f),
            ManifestError::ListsItself => {
                write!(f, "lists {MANIFEST_PATH} as one of its own files")
            }
            ManifestError::Sha256 { path, sha256 } => {
                write!(f, "{path}: sha256 {sha256:?} is not a lowercase hex sha256")
            }
            ManifestError::Unsorted { path } => {
                write!(f, "files are not sorted by path or repeat one: {path}")
            }
        }
    }
}

impl std::error::Error for ManifestError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ManifestError::Json(e) => Some(e),
            ManifestError::Client(e) => Some(e),
            ManifestError::Path(e) => Some(e),
            _ => None,
        }
    }
}

/// A pack that cannot be built, for `client` and `month`.
#[derive(Debug)]
pub struct PackError {
    pub client: String,
    pub month: Month,
    pub problem: PackProblem,
}

/// What stopped a pack from being built.
#[derive(Debug)]
pub enum PackProblem {
    Client(ClientIdError),
    Path(UnsafePath),
    /// An entry named like one of the pack's own files.
    Reserved {
        path: String,
    },
    Twice {
        path: String,
    },
    PreviousNotBefore {
        previous: Month,
    },
    PreviousSha256(String),
    Manifest(ManifestError),
    Sign(super::signature::SignError),
    /// An evidence file (`label`, repository-relative) cannot be read.
    Read {
        label: String,
        source: std::io::Error,
    },
    /// An evidence file's bytes are not the ones evaluated.
    Changed {
        label: String,
    },
    Zip(zip::result::ZipError),
    Write(std::io::Error),
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "evidence pack for {} {}: ", self.client, self.month)?;
        match &self.problem {
            PackProblem::Client(e) => e.fmt(f),
            PackProblem::Path(e) => e.fmt(f),
            PackProblem::Reserved { path } => write!(
                f,
                "{path:?} is reserved for the pack's own manifest, signature, README or checksums"
            ),
            PackProblem::Twice { path } => write!(f, "{path:?} is given twice"),
            PackProblem::PreviousNotBefore { previous } => {
                write!(f, "previous month {previous} is not before {}", self.month)
            }
            PackProblem::PreviousSha256(sha) => write!(
                f,
                "previous manifest sha256 {sha:?} is not a lowercase hex sha256"
            ),
            PackProblem::Manifest(e) => e.fmt(f),
            PackProblem::Sign(e) => e.fmt(f),
            PackProblem::Read { label, source } => write!(f, "{label}: cannot read: {source}"),
            PackProblem::Changed { label } => write!(
                f,
                "{label}: changed while the pack was being written (build again)"
            ),
            PackProblem::Zip(e) => write!(f, "cannot write the zip: {e}"),
            PackProblem::Write(e) => write!(f, "cannot write the zip: {e}"),
        }
    }
}

impl std::error::Error for PackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.problem {
            PackProblem::Client(e) => Some(e),
            PackProblem::Path(e) => Some(e),
            PackProblem::Manifest(e) => Some(e),
            PackProblem::Sign(e) => Some(e),
            PackProblem::Read { source, .. } | PackProblem::Write(source) => Some(source),
            PackProblem::Zip(e) => Some(e),
            _ => None,
        }
    }
}
