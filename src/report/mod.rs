//! Printers over the evaluated scorecards: every output format renders the same
//! `Scorecard`s and diagnostics; none reads input or computes a verdict.

pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::diagnostic::Diagnostic;
use crate::policy::At;
use crate::scorecard::{ControlResult, Scorecard, Status};

/// What `check` hands to a printer.
pub struct CheckReport<'a> {
    pub scorecards: &'a [&'a Scorecard],
    /// Clients whose policy could not be loaded: id and name if known.
    pub failed_clients: &'a [String],
    pub errors: &'a [Diagnostic],
}

/// The results that need attention (fail, no evidence, warn), worst first and in
/// catalogue order within a status.
pub fn findings(s: &Scorecard) -> Vec<&ControlResult> {
    let mut v: Vec<&ControlResult> = s
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::NoEvidence | Status::Warn))
        .collect();
    v.sort_by_key(|r| r.status);
    v
}

/// The licence gaps (`not_licensed`), in catalogue order: reported beside the findings,
/// never as one (no exit 1, no score).
pub fn licence_gaps(s: &Scorecard) -> Vec<&ControlResult> {
    s.results
        .iter()
        .filter(|r| r.status == Status::NotLicensed)
        .collect()
}

/// "Entra ID P2", or "a licence" when a result does not name one.
pub fn licence_of(r: &ControlResult) -> &str {
    r.licence.as_deref().unwrap_or("a licence")
}

/// Where a finding points in the repository: the policy line that set its threshold,
/// else the start of the client's `controls.toml` (every client has one).
pub fn location(s: &Scorecard, r: &ControlResult) -> At {
    r.policy
        .first()
        .cloned()
        .unwrap_or_else(|| At::file_start(&format!("clients/{}/controls.toml", s.client.id)))
}
