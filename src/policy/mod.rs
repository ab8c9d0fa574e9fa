//! Policy as code: the typed, validated content of `clients/<id>/*.toml`.
//!
//! `load` reads the files in two phases (parse each key, then validate into these types),
//! collecting every problem as a located `Diagnostic`.

pub mod load;
pub mod toml_doc;

pub use crate::model::{At, Workload};
pub use load::{PolicySource, load_policy};

use crate::duration::Duration;
use jiff::civil::Date;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything loaded for one client.
#[derive(Debug, Clone)]
pub struct Policy {
    pub client: ClientInfo,
    pub raci: Raci,
    pub controls: ControlsPolicy,
    pub backup: BackupPolicy,
    /// `notes.md`, verbatim.
    pub notes: Option<String>,
    /// Every policy file as read (repository-relative path, text), for evidence packs.
    pub sources: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientInfo {
    pub name: String,
    pub tenant_id: String,
    pub domains: Vec<String>,
    pub accent: String,
    /// File name of the logo inside the client's folder.
    pub logo: Option<String>,
    pub publish: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Raci {
    pub activities: Vec<Activity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub name: String,
    pub responsible: Vec<String>,
    pub accountable: Vec<String>,
    pub consulted: Vec<String>,
    pub informed: Vec<String>,
    /// Control ids or prefixes ending in `*`.
    pub controls: Vec<String>,
    pub at: At,
}

impl Activity {
    pub fn covers(&self, control: &str) -> bool {
        self.controls.iter().any(|p| pattern_matches(p, control))
    }
}

/// `access.*` matches by prefix; anything else matches exactly.
pub fn pattern_matches(pattern: &str, control: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => control.starts_with(prefix),
        None => pattern == control,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityModel {
    ConditionalAccess,
    SecurityDefaults,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AssignmentKind {
    Eligible,
    Active,
}

impl AssignmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentKind::Eligible => "eligible",
            AssignmentKind::Active => "active",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ControlsPolicy {
    pub identity_model: IdentityModel,
    pub pim: bool,
    pub break_glass: Vec<(String, At)>,
    pub extra_privileged_roles: Vec<String>,
    /// control id → parameter → (value, where it was set).
    pub thresholds: BTreeMap<String, BTreeMap<String, (f64, At)>>,
    pub approved: Vec<ApprovedAssignment>,
    pub waivers: Vec<Waiver>,
    pub disabled: Vec<Disabled>,
    /// Where the file starts, for findings that belong to the file as a whole.
    pub file: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApprovedAssignment {
    pub principal: String,
    pub role: String,
    pub assignment: AssignmentKind,
    pub at: At,
}

#[derive(Debug, Clone, Serialize)]
pub struct Waiver {
    pub control: String,
    pub reason: String,
    pub approved_by: String,
    pub ticket: String,
    pub expires: Date,
    pub at: At,
}

/// The furthest a waiver's expiry may lie beyond the day it is judged on. A waiver is a
/// time-boxed exception that someone re-approves at least yearly; one that runs until 2099
/// would be a permanent exemption nobody reviews, so it waives nothing until it is
/// re-approved with an expiry within a year.
pub const WAIVER_MAX_DAYS: i64 = 365;

/// Where a waiver stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiverState {
    /// Expiry before the day: no longer in force.
    Expired,
    /// In force: expiry on or after the day and within [`WAIVER_MAX_DAYS`].
    InForce,
    /// Expiry more than [`WAIVER_MAX_DAYS`] after the day: not applied.
    TooLong,
}

impl WaiverState {
    /// The state's name in `scorecard.json` (`waivers[].state`).
    pub fn as_str(self) -> &'static str {
        match self {
            WaiverState::Expired => "expired",
            WaiverState::InForce => "in_force",
            WaiverState::TooLong => "too_long",
        }
    }
}

impl Waiver {
    /// Days from `day` to the expiry: 0 on the last day in force, negative once expired.
    pub fn days_left(&self, day: Date) -> i64 {
        i64::from((self.expires - day).get_days())
    }

    /// The waiver's state on `day`.
    pub fn state(&self, day: Date) -> WaiverState {
        let left = self.days_left(day);
        if left < 0 {
            WaiverState::Expired
        } else if left > WAIVER_MAX_DAYS {
            WaiverState::TooLong
        } else {
            WaiverState::InForce
        }
    }

    /// Why a waiver running too long is not applied, for messages.
    pub fn too_long_reason(&self, day: Date) -> String {
        format!(
            "waiver {} runs until {}, {} days after {day}: waivers run at most {WAIVER_MAX_DAYS} days ahead and must be re-approved with an earlier expiry",
            self.ticket,
            self.expires,
            self.days_left(day)
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Disabled {
    pub control: String,
    pub reason: String,
    pub at: At,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    All,
    Selected,
}

/// One workload's declared backup policy. Everything but `in_scope` is optional at load
/// time: completeness is a control (`backup.<w>.policy-complete`), not a load error.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadPolicy {
    pub in_scope: bool,
    pub reason: Option<String>,
    pub provider: Option<String>,
    pub scope: Option<Scope>,
    pub scope_note: Option<String>,
    pub frequency: Option<Duration>,
    pub retention: Option<Duration>,
    pub encryption: Option<String>,
    pub storage_location: Option<String>,
    pub rpo: Option<Duration>,
    pub rto: Option<Duration>,
    pub owner: Option<String>,
    pub restore_test_cadence: Option<Duration>,
    pub known_gaps: Option<Vec<String>>,
    /// Veeam Backup for Microsoft 365 job names whose sessions are this workload's jobs.
    pub veeam_jobs: Option<Vec<String>>,
    pub at: At,
    /// Where each key was set, for findings that point at one line.
    #[serde(skip)]
    pub key_at: BTreeMap<String, At>,
}

pub const M365_BACKUP: &str = "microsoft-365-backup";

impl WorkloadPolicy {
    pub fn uses_m365_backup(&self) -> bool {
        self.provider.as_deref() == Some(M365_BACKUP)
    }

    pub fn at_key(&self, key: &str) -> At {
        self.key_at
            .get(key)
            .cloned()
            .unwrap_or_else(|| self.at.clone())
    }
}

/// What a run's status in a product's export means (`[csv] status_map`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MappedStatus {
    Success,
    Warning,
    Failed,
    /// Not finished yet (running, queued): not a run to count.
    Running,
}

/// The columns of a product's CSV export that hold each field of a backup run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CsvColumns {
    pub job: String,
    pub workload: String,
    pub start: String,
    pub end: String,
    pub status: String,
    pub items_total: Option<String>,
    pub items_protected: Option<String>,
}

/// A backup product's own CSV export and how to read it (`[csv]` in backup.toml): the
/// workloads without `veeam_jobs` read their jobs from it instead of backup-jobs.csv.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CsvExport {
    /// File name inside the month's `backup/` folder.
    pub file: String,
    pub columns: CsvColumns,
    /// Status as written (matched trimmed, in any letter case) → meaning.
    pub status_map: Vec<(String, MappedStatus)>,
    /// Workload as written (matched trimmed, in any letter case) → workload, before the
    /// workload ids themselves.
    pub workload_map: Vec<(String, Workload)>,
    /// strftime-style format of the dates (`%m/%d/%Y %I:%M %p`); RFC 3339 and
    /// `YYYY-MM-DD HH:MM[:SS]` are read without one.
    pub date_format: Option<String>,
    /// Offset from UTC, in seconds, of dates written without one.
    pub utc_offset_seconds: Option<i32>,
    pub delimiter: u8,
    #[serde(skip)]
    pub at: At,
}

impl CsvExport {
    /// The month-relative path of the export.
    pub fn path(&self) -> String {
        format!("backup/{}", self.file)
    }
}

#[derive(Debug, Clone)]
pub struct BackupPolicy {
    /// Absent workloads were not declared in `backup.toml`.
    pub workloads: BTreeMap<Workload, WorkloadPolicy>,
    /// A product's CSV export, mapped (`[csv]`).
    pub csv: Option<CsvExport>,
    pub retention: RetentionPolicy,
    pub file: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RetentionPolicy {
    pub legal_minimum: Option<Duration>,
    pub compliance_location: Option<String>,
    pub relies_on_backup: bool,
    pub at: At,
}

// ---------------------------------------------------------------- file shapes
//
// The top level of each policy file, for `custody schema`. The loader reads top-level
// keys one by one (so that every problem in a file is collected), and deserializes each
// table with the `load::Raw*` types these shapes hold; tests/it/schema.rs checks that the
// keys here are exactly the ones the loader accepts.

/// A client: name, tenant, domains, branding and publishing settings
/// (clients/<id>/client.toml).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ClientFile {
    /// The client's name, shown on every page.
    #[schemars(regex(pattern = crate::model::schema_rules::NOT_BLANK))]
    pub name: String,
    /// Entra tenant id, a GUID like 6f1c2a44-9a53-4a50-8a0c-3d4f0e2b7c11.
    #[schemars(regex(pattern = crate::model::schema_rules::GUID))]
    pub tenant_id: String,
    /// The client's domains, at least one.
    #[schemars(length(min = 1))]
    pub domains: Vec<String>,
    /// Branding of the client's site.
    pub branding: Option<load::RawBranding>,
    /// Publishing settings.
    pub publishing: Option<load::RawPublishing>,
}

/// Who is responsible, accountable, consulted and informed for each activity, and the
/// controls each covers (clients/<id>/raci.toml).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RaciFile {
    /// The RACI activities (`[[activity]]`).
    pub activity: Option<Vec<load::RawActivity>>,
}

/// Identity model, break-glass accounts, thresholds, approved privileged assignments,
/// waivers and disabled controls (clients/<id>/controls.toml).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ControlsFile {
    /// The identity protection model.
    pub identity: Option<load::RawIdentity>,
    /// Break-glass accounts and extra privileged roles.
    pub access: Option<load::RawAccess>,
    /// Thresholds per control id (`"identity.mfa-users" = { min_percent = 95 }`); every
    /// parameter is optional and its default applies otherwise.
    pub thresholds: Option<crate::model::schema_rules::Thresholds>,
    /// The approved privileged role assignments (the drift baseline, `[[approved_assignment]]`).
    pub approved_assignment: Option<Vec<load::RawApproved>>,
    /// Waivers, each with an approver, a ticket and an expiry (`[[waiver]]`).
    pub waiver: Option<Vec<load::RawWaiver>>,
    /// Controls that do not apply to this client (`[[disabled]]`).
    pub disabled: Option<Vec<load::RawDisabled>>,
}

/// Backup policy per workload (exchange, onedrive, sharepoint, teams) and records
/// retention (clients/<id>/backup.toml).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BackupFile {
    /// Backup policy of Exchange Online (mailboxes).
    pub exchange: Option<load::RawWorkload>,
    /// Backup policy of OneDrive.
    pub onedrive: Option<load::RawWorkload>,
    /// Backup policy of SharePoint sites.
    pub sharepoint: Option<load::RawWorkload>,
    /// Backup policy of Teams.
    pub teams: Option<load::RawWorkload>,
    /// Records retention, kept separate from backup.
    pub retention: Option<load::RawRetention>,
    /// A backup product's own CSV export (Datto SaaS Protection, Acronis, AvePoint,
    /// Keepit, Dropsuite, ...) read as the product writes it: which column holds what,
    /// and what its statuses mean. Workloads without `veeam_jobs` read their jobs from
    /// it instead of backup-jobs.csv.
    pub csv: Option<load::RawCsvExport>,
}
