//! The one model between evaluation and every output: a client's month, every control
//! result with its evidence, the scores, and the policy views the reports show.

use crate::model::{At, Month, Workload};
use crate::policy::Activity;
// The vocabulary every layer shares, re-exported from where it was first defined.
pub use crate::model::{Domain, EvidenceRef, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

/// Who answers for a control, from the RACI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub activity: String,
    pub accountable: Option<String>,
    pub responsible: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaiverNote {
    pub reason: String,
    pub approved_by: String,
    pub ticket: String,
    pub expires: String,
    pub expired: bool,
    /// Its expiry lies more than a year ahead, so it was not applied (see
    /// `policy::WAIVER_MAX_DAYS`). Written only when true, so results without such a
    /// waiver read as before.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub too_long: bool,
    pub at: At,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlResult {
    pub control: String,
    pub domain: Domain,
    pub title: String,
    pub status: Status,
    pub measured: Option<String>,
    /// `measured` as a number where it is one (percentages, counts).
    pub measured_value: Option<f64>,
    pub threshold: Option<String>,
    pub message: String,
    pub owner: Option<Owner>,
    /// Offending items: the admins without MFA, the jobs that failed.
    pub items: Vec<String>,
    pub evidence: Vec<EvidenceRef>,
    pub policy: Vec<At>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<WaiverNote>,
    /// For `not_licensed`: the licence that would enable the control ("Entra ID P2").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    pub remediation: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub pass: u32,
    pub fail: u32,
    pub warn: u32,
    pub waived: u32,
    pub not_applicable: u32,
    pub no_evidence: u32,
    #[serde(default)]
    pub not_licensed: u32,
}

impl Counts {
    pub fn add(&mut self, s: Status) {
        *match s {
            Status::Pass => &mut self.pass,
            Status::Fail => &mut self.fail,
            Status::Warn => &mut self.warn,
            Status::Waived => &mut self.waived,
            Status::NotApplicable => &mut self.not_applicable,
            Status::NoEvidence => &mut self.no_evidence,
            Status::NotLicensed => &mut self.not_licensed,
        } += 1;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainScore {
    pub domain: Domain,
    pub title: String,
    /// 0–100, `None` when no control of the domain counts toward the score.
    pub score: Option<f64>,
    pub weight: u32,
    pub counts: Counts,
}

/// Which policy version the month was evaluated against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyProvenance {
    /// `working_tree` or `git`.
    pub source: String,
    pub commit: Option<String>,
    pub committed_at: Option<String>,
    /// e.g. "uncommitted changes", "not a git repository".
    pub note: Option<String>,
    pub files: Vec<String>,
}

impl PolicyProvenance {
    /// The policy files as they are in the working tree, with no commit or note.
    pub fn working_tree(files: Vec<String>) -> Self {
        PolicyProvenance {
            source: "working_tree".into(),
            commit: None,
            committed_at: None,
            note: None,
            files,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceProvenance {
    pub dir: String,
    pub collected_at: Option<String>,
    pub tool_version: Option<String>,
    /// Who collected the month and how, in words (the manifest's `provenance`); absent
    /// from manifests written before custody recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_by: Option<String>,
    pub files: Vec<EvidenceFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceFile {
    pub path: String,
    pub sha256: String,
}

/// Numbers the trend charts plot, month over month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub mfa_admins_percent: Option<f64>,
    pub mfa_users_percent: Option<f64>,
    pub backup_success_percent: BTreeMap<Workload, f64>,
    pub restore_tests_done: u32,
    pub restore_tests_due: u32,
    pub secure_score_percent: Option<f64>,
    pub global_admins: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleChange {
    /// `added` or `removed`.
    pub change: String,
    pub principal: String,
    pub role: String,
    pub assignment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupRow {
    pub workload: Workload,
    pub title: String,
    pub in_scope: bool,
    pub reason: Option<String>,
    pub provider: Option<String>,
    pub scope: Option<String>,
    pub frequency: Option<String>,
    pub retention: Option<String>,
    pub encryption: Option<String>,
    pub storage_location: Option<String>,
    pub rpo: Option<String>,
    pub rto: Option<String>,
    pub owner: Option<String>,
    pub restore_test_cadence: Option<String>,
    pub known_gaps: Vec<String>,
    pub last_restore_test: Option<String>,
    pub last_restore_result: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaiverRow {
    pub control: String,
    pub reason: String,
    pub approved_by: String,
    pub ticket: String,
    pub expires: String,
    /// `in_force`, `expired`, or `too_long` (expiry more than a year ahead: not applied).
    pub state: String,
    pub days_left: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub id: String,
    pub name: String,
    pub tenant_id: String,
    pub domains: Vec<String>,
    pub accent: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
}

/// Only this tool's own scorecards read back (the build's evaluation cache): another
/// name or version is an error, never a scorecard claiming to be from this version.
impl<'de> Deserialize<'de> for ToolInfo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Read {
            name: String,
            version: String,
        }
        let r = Read::deserialize(d)?;
        if r.name != "custody" || r.version != crate::VERSION {
            return Err(serde::de::Error::custom(format!(
                "scorecard of {} {}, not custody {}",
                r.name,
                r.version,
                crate::VERSION
            )));
        }
        Ok(ToolInfo {
            name: "custody",
            version: crate::VERSION,
        })
    }
}

/// One client, one month, fully evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    pub schema_version: u32,
    pub tool: ToolInfo,
    pub client: ClientSummary,
    pub month: Month,
    pub policy: PolicyProvenance,
    pub evidence: EvidenceProvenance,
    /// Overall score 0–100: domain scores weighted by `Domain::weight`.
    pub score: Option<f64>,
    pub domains: Vec<DomainScore>,
    pub counts: Counts,
    pub results: Vec<ControlResult>,
    pub metrics: Metrics,
    pub raci: Vec<Activity>,
    pub backup: Vec<BackupRow>,
    pub waivers: Vec<WaiverRow>,
    pub role_changes: Vec<RoleChange>,
}

impl Scorecard {
    pub fn worst(&self) -> Option<Status> {
        self.results.iter().map(|r| r.status).min()
    }

    pub fn has_failures(&self) -> bool {
        self.results.iter().any(|r| r.status == Status::Fail)
    }
}

/// Per-domain scores (weighted mean of control points) and the overall score (weighted
/// mean of the domains that have a score). Rounded to one decimal so month-to-month
/// comparisons and output bytes are stable.
pub fn score(
    results: &[ControlResult],
    weight_of: impl Fn(&str) -> u32,
) -> (Option<f64>, Vec<DomainScore>, Counts) {
    let mut total = Counts::default();
    let mut domains = Vec::new();
    for d in Domain::ALL {
        let mut counts = Counts::default();
        let (mut got, mut max) = (0.0, 0.0);
        for r in results.iter().filter(|r| r.domain == d) {
            counts.add(r.status);
            total.add(r.status);
            if let Some(p) = r.status.points() {
                let w = weight_of(&r.control) as f64;
                got += p * w;
                max += w;
            }
        }
        let score = (max > 0.0).then(|| round1(100.0 * got / max));
        domains.push(DomainScore {
            domain: d,
            title: d.title().to_owned(),
            score,
            weight: d.weight(),
            counts,
        });
    }
    let (mut got, mut max) = (0.0, 0.0);
    for ds in &domains {
        if let Some(s) = ds.score {
            got += s * ds.weight as f64;
            max += ds.weight as f64;
        }
    }
    let overall = (max > 0.0).then(|| round1(got / max));
    (overall, domains, total)
}

pub fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
