//! How a control stands, which domain it scores in, and where in a snapshot its
//! evidence sits: the words every layer (controls, scorecard, outputs) shares.

use serde::{Deserialize, Serialize};

/// Result of one control. Ordered from most to least in need of attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Fail,
    NoEvidence,
    Warn,
    /// The tenant lacks the licence the control's evidence needs (`licence` names it):
    /// a licence gap to sell, not a failure; left out of the scores.
    NotLicensed,
    Waived,
    Pass,
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Fail,
        Status::NoEvidence,
        Status::Warn,
        Status::NotLicensed,
        Status::Waived,
        Status::Pass,
        Status::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Waived => "waived",
            Status::NotApplicable => "not_applicable",
            Status::NoEvidence => "no_evidence",
            Status::NotLicensed => "not_licensed",
        }
    }

    /// Points out of 1 toward the score; `None` leaves the control out of the score.
    /// Missing evidence scores 0: a gap in evidence never raises a score. A licence gap
    /// is left out: the tenant cannot have what it has not bought, and a score of zero
    /// for it would read as a failure of the MSP's work.
    pub fn points(self) -> Option<f64> {
        match self {
            Status::Pass => Some(1.0),
            Status::Warn => Some(0.5),
            Status::Fail | Status::NoEvidence => Some(0.0),
            Status::Waived | Status::NotApplicable | Status::NotLicensed => None,
        }
    }

    /// A finding `check` exits 1 for: a failure, or evidence missing (never a pass). A
    /// licence gap is not one: it is reported, and `check` exits 0 for it.
    pub fn is_finding(self) -> bool {
        matches!(self, Status::Fail | Status::NoEvidence)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    Governance,
    Identity,
    Access,
    Backup,
    Retention,
    Evidence,
}

impl Domain {
    pub const ALL: [Domain; 6] = [
        Domain::Governance,
        Domain::Identity,
        Domain::Access,
        Domain::Backup,
        Domain::Retention,
        Domain::Evidence,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Governance => "governance",
            Domain::Identity => "identity",
            Domain::Access => "access",
            Domain::Backup => "backup",
            Domain::Retention => "retention",
            Domain::Evidence => "evidence",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Domain::Governance => "Governance",
            Domain::Identity => "Identity",
            Domain::Access => "Least privilege",
            Domain::Backup => "Backup",
            Domain::Retention => "Retention",
            Domain::Evidence => "Evidence",
        }
    }

    /// Weight of the domain in the overall score (sums to 100).
    pub fn weight(self) -> u32 {
        match self {
            Domain::Identity => 30,
            Domain::Access => 25,
            Domain::Backup => 25,
            Domain::Governance => 10,
            Domain::Retention => 5,
            Domain::Evidence => 5,
        }
    }
}

/// A place in a Graph snapshot: file and JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EvidenceRef {
    pub file: String,
    pub pointer: String,
}
