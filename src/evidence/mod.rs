//! Evidence: one month's snapshot of a client tenant, loaded into typed slots. A slot is
//! either the parsed data or the reason it is missing, so a control can say
//! `no_evidence` ("not licensed", "file not found") instead of passing or failing.

pub mod backup_jobs;
pub mod endpoints;
pub mod graph;
pub mod manifest;
pub mod restore_tests;

use crate::client_id::ClientId;
use crate::diagnostic::{Diagnostic, SourceText};
use crate::month::Month;
use backup_jobs::BackupJob;
use endpoints::Endpoint;
use graph::*;
use manifest::Manifest;
use restore_tests::RestoreTest;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

pub const BACKUP_JOBS: &str = "backup-jobs.csv";
pub const RESTORE_TESTS: &str = "restore-tests.toml";
pub const MANIFEST: &str = "manifest.json";

/// Why a piece of evidence is not there.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    /// Repository-relative path of the file that was needed.
    pub file: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub enum Slot<T> {
    Loaded(T),
    Missing(Missing),
}

impl<T> Slot<T> {
    pub fn get(&self) -> Result<&T, Missing> {
        match self {
            Slot::Loaded(v) => Ok(v),
            Slot::Missing(m) => Err(m.clone()),
        }
    }

    pub fn ok(&self) -> Option<&T> {
        self.get().ok()
    }
}

/// One month of evidence for one client.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub month: Month,
    /// `evidence/<client>/<YYYY-MM>`.
    pub dir: String,
    pub manifest: Slot<Manifest>,
    pub users: Slot<Vec<User>>,
    pub registrations: Slot<Vec<RegistrationDetail>>,
    pub ca_policies: Slot<Vec<CaPolicy>>,
    pub security_defaults: Slot<SecurityDefaults>,
    pub skus: Slot<Vec<SubscribedSku>>,
    pub role_definitions: Slot<Vec<RoleDefinition>>,
    pub role_assignments: Slot<Vec<RoleAssignment>>,
    pub role_eligibility: Slot<Vec<RoleSchedule>>,
    pub role_schedules: Slot<Vec<RoleSchedule>>,
    pub secure_scores: Slot<Vec<SecureScore>>,
    pub audits: Slot<Vec<DirectoryAudit>>,
    pub protection_policies: Slot<Vec<ProtectionPolicy>>,
    pub mailbox_units: Slot<Vec<ProtectionUnit>>,
    pub drive_units: Slot<Vec<ProtectionUnit>>,
    pub site_units: Slot<Vec<ProtectionUnit>>,
    pub restore_sessions: Slot<Vec<RestoreSession>>,
    pub backup_jobs: Slot<Vec<BackupJob>>,
    pub restore_tests: Slot<Vec<RestoreTest>>,
    /// Files in the folder and their sha256, sorted by path (for completeness and packs).
    pub files: Vec<(String, String)>,
    /// Problems reading the snapshot (malformed files): reported as input errors.
    pub diags: Vec<Diagnostic>,
}

impl Snapshot {
    /// Repository-relative path of a file in this snapshot.
    pub fn path(&self, file: &str) -> String {
        format!("{}/{file}", self.dir)
    }

    pub fn slot_missing(&self, endpoint: Endpoint) -> Option<Missing> {
        use Endpoint::*;
        match endpoint {
            Users => self.users.get().err(),
            RegistrationDetails => self.registrations.get().err(),
            ConditionalAccess => self.ca_policies.get().err(),
            SecurityDefaults => self.security_defaults.get().err(),
            SubscribedSkus => self.skus.get().err(),
            RoleDefinitions => self.role_definitions.get().err(),
            RoleAssignments => self.role_assignments.get().err(),
            RoleEligibility => self.role_eligibility.get().err(),
            RoleAssignmentSchedules => self.role_schedules.get().err(),
            SecureScores => self.secure_scores.get().err(),
            DirectoryAudits => self.audits.get().err(),
            ProtectionPolicies => self.protection_policies.get().err(),
            MailboxUnits => self.mailbox_units.get().err(),
            DriveUnits => self.drive_units.get().err(),
            SiteUnits => self.site_units.get().err(),
            RestoreSessions => self.restore_sessions.get().err(),
        }
    }

    /// Whether users.json carries sign-in activity (it needs Entra ID P1).
    pub fn sign_in_activity(&self) -> Result<&[User], Missing> {
        let users = self.users.get()?;
        if !users.is_empty() && users.iter().all(|u| u.sign_in_activity.is_none()) {
            let note = self
                .manifest
                .ok()
                .and_then(|m| m.endpoint(Endpoint::Users.file()))
                .and_then(|e| e.note.clone());
            return Err(Missing {
                file: self.path(Endpoint::Users.file()),
                reason: note.unwrap_or_else(|| {
                    "users.json has no signInActivity (needs Entra ID P1 and AuditLog.Read.All)"
                        .to_owned()
                }),
            });
        }
        Ok(users)
    }
}

/// Lowercase hex sha256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Loads `evidence/<client>/<month>/` under `root`. Never fails: what cannot be read
/// becomes a `Missing` slot and, for malformed files, a diagnostic.
pub fn load_snapshot(root: &Path, client: &ClientId, month: Month) -> Snapshot {
    let dir = format!("evidence/{client}/{month}");
    let abs = root.join(&dir);
    let mut diags = Vec::new();
    let files = hash_files(&abs, &dir, &mut diags);

    let manifest: Slot<Manifest> = match read_json::<Manifest>(&abs, &dir, MANIFEST) {
        Ok(Some(m)) => Slot::Loaded(m),
        Ok(None) => Slot::Missing(Missing {
            file: format!("{dir}/{MANIFEST}"),
            reason: "manifest.json not found".into(),
        }),
        Err(d) => {
            let reason = format!("unreadable: {}", d.message);
            diags.push(d);
            Slot::Missing(Missing {
                file: format!("{dir}/{MANIFEST}"),
                reason,
            })
        }
    };

    let ctx = LoadCtx {
        abs: &abs,
        dir: &dir,
        manifest: manifest.ok(),
    };
    let users = ctx.collection(Endpoint::Users, &mut diags);
    let registrations = ctx.collection(Endpoint::RegistrationDetails, &mut diags);
    let ca_policies = ctx.collection(Endpoint::ConditionalAccess, &mut diags);
    let skus = ctx.collection(Endpoint::SubscribedSkus, &mut diags);
    let role_definitions = ctx.collection(Endpoint::RoleDefinitions, &mut diags);
    let role_assignments = ctx.collection(Endpoint::RoleAssignments, &mut diags);
    let role_eligibility = ctx.collection(Endpoint::RoleEligibility, &mut diags);
    let role_schedules = ctx.collection(Endpoint::RoleAssignmentSchedules, &mut diags);
    let secure_scores = ctx.collection(Endpoint::SecureScores, &mut diags);
    let audits = ctx.collection(Endpoint::DirectoryAudits, &mut diags);
    let protection_policies = ctx.collection(Endpoint::ProtectionPolicies, &mut diags);
    let mailbox_units = ctx.collection(Endpoint::MailboxUnits, &mut diags);
    let drive_units = ctx.collection(Endpoint::DriveUnits, &mut diags);
    let site_units = ctx.collection(Endpoint::SiteUnits, &mut diags);
    let restore_sessions = ctx.collection(Endpoint::RestoreSessions, &mut diags);
    let security_defaults = ctx.single(Endpoint::SecurityDefaults, &mut diags);

    let backup_jobs = match read_text(&abs, &dir, BACKUP_JOBS) {
        Ok(Some(src)) => {
            let (jobs, mut d) = backup_jobs::parse(&src.path, &src.text);
            let bad = !d.is_empty();
            diags.append(&mut d);
            if bad {
                Slot::Missing(Missing {
                    file: src.path,
                    reason: "unreadable: has invalid rows (see errors)".into(),
                })
            } else {
                Slot::Loaded(jobs)
            }
        }
        Ok(None) => Slot::Missing(ctx.missing(BACKUP_JOBS)),
        Err(d) => {
            let m = Missing {
                file: d.file.clone(),
                reason: format!("unreadable: {}", d.message),
            };
            diags.push(d);
            Slot::Missing(m)
        }
    };
    let restore_tests = match read_text(&abs, &dir, RESTORE_TESTS) {
        Ok(Some(src)) => {
            let (tests, mut d) = restore_tests::parse(&src);
            let bad = !d.is_empty();
            diags.append(&mut d);
            if bad {
                Slot::Missing(Missing {
                    file: src.path,
                    reason: "unreadable: has invalid entries (see errors)".into(),
                })
            } else {
                Slot::Loaded(tests)
            }
        }
        Ok(None) => Slot::Missing(ctx.missing(RESTORE_TESTS)),
        Err(d) => {
            let m = Missing {
                file: d.file.clone(),
                reason: format!("unreadable: {}", d.message),
            };
            diags.push(d);
            Slot::Missing(m)
        }
    };

    for d in &mut diags {
        d.client = Some(client.to_string());
    }
    Snapshot {
        month,
        dir,
        manifest,
        users,
        registrations,
        ca_policies,
        security_defaults,
        skus,
        role_definitions,
        role_assignments,
        role_eligibility,
        role_schedules,
        secure_scores,
        audits,
        protection_policies,
        mailbox_units,
        drive_units,
        site_units,
        restore_sessions,
        backup_jobs,
        restore_tests,
        files,
        diags,
    }
}

struct LoadCtx<'a> {
    abs: &'a Path,
    dir: &'a str,
    manifest: Option<&'a Manifest>,
}

impl LoadCtx<'_> {
    /// The reason a file is absent: the manifest's record, or plain "not found".
    fn missing(&self, file: &str) -> Missing {
        let reason = self
            .manifest
            .and_then(|m| m.endpoint(file))
            .and_then(|e| e.missing_reason())
            .unwrap_or_else(|| format!("{file} not found in the snapshot"));
        Missing {
            file: format!("{}/{file}", self.dir),
            reason,
        }
    }

    fn collection<T: DeserializeOwned>(
        &self,
        e: Endpoint,
        diags: &mut Vec<Diagnostic>,
    ) -> Slot<Vec<T>> {
        self.single::<Collection<T>>(e, diags)
            .map_loaded(|c| c.value)
    }

    fn single<T: DeserializeOwned>(&self, e: Endpoint, diags: &mut Vec<Diagnostic>) -> Slot<T> {
        match read_json::<T>(self.abs, self.dir, e.file()) {
            Ok(Some(v)) => Slot::Loaded(v),
            Ok(None) => Slot::Missing(self.missing(e.file())),
            Err(d) => {
                let m = Missing {
                    file: d.file.clone(),
                    reason: format!("unreadable: {}", d.message),
                };
                diags.push(d);
                Slot::Missing(m)
            }
        }
    }
}

impl<T> Slot<T> {
    fn map_loaded<U>(self, f: impl FnOnce(T) -> U) -> Slot<U> {
        match self {
            Slot::Loaded(v) => Slot::Loaded(f(v)),
            Slot::Missing(m) => Slot::Missing(m),
        }
    }
}

/// Reads a JSON file into `T`, streaming; a shape error names the JSON path.
pub fn read_json<T: DeserializeOwned>(
    abs_dir: &Path,
    dir: &str,
    file: &str,
) -> Result<Option<T>, Diagnostic> {
    let rel = format!("{dir}/{file}");
    let f = match std::fs::File::open(abs_dir.join(file)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Diagnostic::file(rel, format!("cannot read: {e}"))),
    };
    parse_json(&rel, std::io::BufReader::new(f)).map(Some)
}

/// Parses JSON from a reader into `T`; errors carry the JSON pointer and line.
pub fn parse_json<T: DeserializeOwned>(rel: &str, reader: impl Read) -> Result<T, Diagnostic> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let pointer = json_pointer(e.path());
            let inner = e.into_inner();
            let mut d = Diagnostic::json(rel, pointer, describe_json_error(&inner));
            if inner.line() > 0 {
                d.line = Some(inner.line());
                d.column = Some(inner.column());
            }
            Err(d)
        }
    }
}

fn describe_json_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde_json appends " at line L column C"; the diagnostic carries those itself.
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg,
    }
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => out.push_str(variant),
            Segment::Unknown => out.push('?'),
        }
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

fn read_text(abs_dir: &Path, dir: &str, file: &str) -> Result<Option<SourceText>, Diagnostic> {
    let rel = format!("{dir}/{file}");
    match std::fs::read(abs_dir.join(file)) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(|t| Some(SourceText::new(rel.clone(), t)))
            .map_err(|_| Diagnostic::file(rel, "not valid UTF-8")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Diagnostic::file(rel, format!("cannot read: {e}"))),
    }
}

/// Every regular file under the month folder with its sha256, sorted; symlinks are skipped.
fn hash_files(abs: &Path, dir: &str, diags: &mut Vec<Diagnostic>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(abs)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(abs) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        match std::fs::read(entry.path()) {
            Ok(bytes) => out.push((rel, sha256_hex(&bytes))),
            Err(e) => diags.push(Diagnostic::file(
                format!("{dir}/{rel}"),
                format!("cannot read: {e}"),
            )),
        }
    }
    out
}

/// The months that have an evidence folder for a client, sorted; other names are ignored.
pub fn months(root: &Path, client: &ClientId) -> Vec<Month> {
    let mut months: Vec<Month> = std::fs::read_dir(root.join("evidence").join(client.as_str()))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| Month::parse(&e.file_name().to_string_lossy()).ok())
        .collect();
    months.sort();
    months
}
