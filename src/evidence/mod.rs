//! Evidence: one month's snapshot of a client tenant, loaded into typed slots. A slot is
//! either the parsed data or the reason it is missing, so a control can say
//! `no_evidence` ("not licensed", "file not found") instead of passing or failing.

pub mod backup_jobs;
mod collection;
pub mod endpoints;
pub mod graph;
pub mod listing;
pub mod manifest;
pub mod provenance;
pub mod restore_points;
pub mod restore_tests;
mod tenant;
pub mod veeam;

use crate::client_id::ClientId;
use crate::diagnostic::{Diagnostic, SourceText};
use crate::month::Month;
use backup_jobs::BackupJob;
use endpoints::{Endpoint, GraphSlots};
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
/// Where backup products' own exports go in a month folder.
pub const BACKUP_DIR: &str = "backup";
/// The files of a month whose restore tests count in later months too (the restore-test
/// cadence looks back): restore-tests.toml, Veeam's and Microsoft 365 Backup's restore
/// sessions.
pub const RESTORE_HISTORY_FILES: [&str; 3] = [
    RESTORE_TESTS,
    veeam::RESTORE_SESSIONS,
    "graph/restoreSessions.json",
];

/// Why a piece of evidence is not there.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    /// Repository-relative path of the file that was needed.
    pub file: String,
    pub reason: String,
}

/// The reason given for a collection exported one page at a time (Graph Explorer).
pub const FIRST_PAGE_ONLY: &str = "first page only";
/// The reason given for a collection with fewer items than its `@odata.count`.
pub const INCOMPLETE: &str = "incomplete";

impl Missing {
    /// The file is there but holds only part of the collection.
    pub fn is_incomplete(&self) -> bool {
        self.reason.starts_with(FIRST_PAGE_ONLY) || self.reason.starts_with(INCOMPLETE)
    }
}

/// A tenant id the snapshot states about itself, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantClaim {
    pub tenant_id: String,
    /// Repository-relative file.
    pub file: String,
    /// JSON pointer in that file.
    pub pointer: String,
}

/// Where the members of a role-assignable group are stored (the body of
/// `GET /groups/{id}/transitiveMembers`, pages merged), relative to the month folder.
pub const GROUP_MEMBERS_DIR: &str = "graph/groupMembers";

pub fn group_members_file(group_id: &str) -> String {
    format!("{GROUP_MEMBERS_DIR}/{group_id}.json")
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
    /// The Graph files, one slot per row of the endpoint table (read through `Deref`:
    /// `snap.users`).
    pub graph: GraphSlots,
    pub backup_jobs: Slot<Vec<BackupJob>>,
    pub restore_tests: Slot<Vec<RestoreTest>>,
    /// Backup products' own CSV exports in `backup/`, by file name, as text: how to read
    /// one is the policy's (`[csv]` in backup.toml), applied at evaluation.
    pub backup_exports: std::collections::BTreeMap<String, Slot<SourceText>>,
    /// Veeam Backup for Microsoft 365 jobs and sessions (`backup/veeam/`), when exported.
    pub veeam_jobs: Option<Slot<veeam::JobsExport>>,
    /// Veeam Backup for Microsoft 365 restore sessions as restore tests, when exported.
    pub veeam_restores: Option<Slot<Vec<RestoreTest>>>,
    /// Members of role-assignable groups, by group object id, from `graph/groupMembers/`.
    pub group_members: std::collections::BTreeMap<String, Slot<Vec<Principal>>>,
    /// Microsoft 365 Backup restore point searches (`graph/restorePointSearches.json`).
    pub restore_point_searches: Slot<restore_points::RestorePointSearches>,
    /// Tenant ids the snapshot carries: the manifest's and any Graph response's.
    pub tenant_claims: Vec<TenantClaim>,
    /// Files in the folder and their sha256, sorted by path (for completeness and packs).
    pub files: Vec<(String, String)>,
    /// Problems reading the snapshot (malformed files): reported as input errors.
    pub diags: Vec<Diagnostic>,
}

/// The Graph slots read as fields of the snapshot (`snap.users`, `snap.domains`): they
/// are generated from the endpoint table, and every control names them this way.
impl std::ops::Deref for Snapshot {
    type Target = GraphSlots;

    fn deref(&self) -> &GraphSlots {
        &self.graph
    }
}

impl Snapshot {
    /// Repository-relative path of a file in this snapshot.
    pub fn path(&self, file: &str) -> String {
        format!("{}/{file}", self.dir)
    }

    pub fn slot_missing(&self, endpoint: Endpoint) -> Option<Missing> {
        self.graph.missing(endpoint)
    }

    /// The first tenant id the snapshot states that is not `tenant` (client.toml's):
    /// then the month is another tenant's.
    pub fn foreign_claim(&self, tenant: &str) -> Option<&TenantClaim> {
        self.tenant_claims
            .iter()
            .find(|c| !c.tenant_id.trim().eq_ignore_ascii_case(tenant.trim()))
    }

    /// The same snapshot with every piece of data missing for `reason`: what another
    /// tenant's files say is no evidence about this client. The file list stays, for
    /// the completeness check; nothing of the data does.
    pub fn quarantined(&self, reason: &str) -> Snapshot {
        fn gone<T>(snap: &Snapshot, file: &str, reason: &str) -> Slot<T> {
            Slot::Missing(Missing {
                file: snap.path(file),
                reason: reason.to_owned(),
            })
        }
        Snapshot {
            month: self.month,
            dir: self.dir.clone(),
            manifest: gone(self, MANIFEST, reason),
            graph: GraphSlots::all_missing(|f| self.path(f), reason),
            backup_jobs: gone(self, BACKUP_JOBS, reason),
            restore_tests: gone(self, RESTORE_TESTS, reason),
            backup_exports: self
                .backup_exports
                .keys()
                .map(|f| (f.clone(), gone(self, &format!("{BACKUP_DIR}/{f}"), reason)))
                .collect(),
            veeam_jobs: Some(gone(self, veeam::JOB_SESSIONS, reason)),
            veeam_restores: Some(gone(self, veeam::RESTORE_SESSIONS, reason)),
            group_members: self
                .group_members
                .keys()
                .map(|id| (id.clone(), gone(self, &group_members_file(id), reason)))
                .collect(),
            restore_point_searches: gone(self, restore_points::FILE, reason),
            tenant_claims: self.tenant_claims.clone(),
            files: self.files.clone(),
            diags: self.diags.clone(),
        }
    }

    /// Collection files holding only part of their collection (a first page, fewer items
    /// than `@odata.count`), with the reason.
    pub fn incomplete(&self) -> Vec<Missing> {
        let mut out: Vec<Missing> = endpoints::ENDPOINTS
            .iter()
            .filter_map(|e| self.slot_missing(e.endpoint))
            .chain(self.group_members.values().filter_map(|s| s.get().err()))
            .chain(self.veeam_jobs.as_ref().and_then(|s| s.get().err()))
            .chain(self.veeam_restores.as_ref().and_then(|s| s.get().err()))
            .filter(Missing::is_incomplete)
            .collect();
        out.sort_by(|a, b| a.file.cmp(&b.file));
        out
    }

    /// The transitive members of a group that holds a role; missing when the
    /// membership file was not collected (then who holds the role is unknown).
    pub fn group_members(&self, group_id: &str, group_name: &str) -> Result<&[Principal], Missing> {
        match self.group_members.get(&group_id.to_ascii_lowercase()) {
            Some(slot) => slot.get().map(Vec::as_slice),
            None => {
                let file = group_members_file(group_id);
                let reason = self
                    .manifest
                    .ok()
                    .and_then(|m| m.endpoint(&file))
                    .and_then(|e| e.missing_reason())
                    .unwrap_or_else(|| {
                        format!("{file} not found in the snapshot: the members of group {group_name} are unknown")
                    });
                Err(Missing {
                    file: self.path(&file),
                    reason,
                })
            }
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

/// Lowercase hex sha256 of a file, read in chunks (a large tenant's files are hundreds of
/// megabytes; holding one whole would double the peak memory of a check).
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hash.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Loads `evidence/<client>/<month>/` under `root`. Never fails: what cannot be read
/// becomes a `Missing` slot and, for malformed files, a diagnostic. Once the month has a
/// manifest, a file it does not vouch for is not evidence (see [`listing`]).
pub fn load_snapshot(root: &Path, client: &ClientId, month: Month) -> Snapshot {
    load_month(root, client, month, true)
}

/// Loads the month's files as they are, whatever its manifest lists: for `seal`, which
/// writes the manifest from them.
pub fn load_files_as_they_are(root: &Path, client: &ClientId, month: Month) -> Snapshot {
    load_month(root, client, month, false)
}

fn load_month(root: &Path, client: &ClientId, month: Month, vouched_only: bool) -> Snapshot {
    let dir = format!("evidence/{client}/{month}");
    let abs = root.join(&dir);
    let mut diags = Vec::new();

    let (manifest, manifest_diags) =
        with_diags(|d| match read_json::<Manifest>(&abs, &dir, MANIFEST) {
            Ok(Some(m)) => Slot::Loaded(m),
            Ok(None) => Slot::Missing(Missing {
                file: format!("{dir}/{MANIFEST}"),
                reason: "manifest.json not found".into(),
            }),
            Err(e) => {
                let reason = format!("unreadable: {}", e.message);
                d.push(e);
                Slot::Missing(Missing {
                    file: format!("{dir}/{MANIFEST}"),
                    reason,
                })
            }
        });

    let ctx = LoadCtx {
        abs: &abs,
        dir: &dir,
        manifest: manifest.ok(),
    };
    // Every Graph file is parsed in its own task, streaming, while another task hashes
    // the folder.
    let ((files, files_d), (graph, graph_d)) = rayon::join(
        || with_diags(|d| hash_files(&abs, &dir, d)),
        || GraphSlots::load(&ctx),
    );
    // Diagnostics in a fixed order: the folder, the manifest, then the table's order.
    for d in [files_d, manifest_diags, graph_d] {
        diags.extend(d);
    }

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

    let backup_exports = load_backup_exports(&abs, &dir, &mut diags);
    let veeam_jobs = veeam::load_jobs(&abs, &dir, &mut diags);
    let veeam_restores = veeam::load_restores(&abs, &dir, &mut diags);
    let group_members = load_group_members(&ctx, &mut diags);
    let restore_point_searches = ctx.single_file(restore_points::FILE, &mut diags);

    for d in &mut diags {
        d.client = Some(client.to_string());
    }
    let mut snap = Snapshot {
        month,
        dir,
        manifest,
        graph,
        backup_jobs,
        restore_tests,
        backup_exports,
        veeam_jobs,
        veeam_restores,
        group_members,
        restore_point_searches,
        tenant_claims: Vec::new(),
        files,
        diags,
    };
    if vouched_only {
        listing::set_aside(&mut snap);
    }
    snap.tenant_claims = tenant::claims(&abs, &snap, vouched_only);
    snap
}

/// Every `backup/*.csv` in the month folder, as text, by file name. Only names a policy
/// could give (`[csv] file`) are read: the folder's listing decides what is opened.
fn load_backup_exports(
    abs: &Path,
    dir: &str,
    diags: &mut Vec<Diagnostic>,
) -> std::collections::BTreeMap<String, Slot<SourceText>> {
    let mut out = std::collections::BTreeMap::new();
    let folder = abs.join(BACKUP_DIR);
    if crate::repo::refuse_outside_links(&repo_root(abs, dir), &folder).is_err() {
        return out; // the link is reported by hash_files
    }
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return out;
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| !n.starts_with('.') && n.to_ascii_lowercase().ends_with(".csv"))
        .collect();
    names.sort();
    for name in names {
        let file = format!("{BACKUP_DIR}/{name}");
        let slot = match read_text(abs, dir, &file) {
            Ok(Some(src)) => Slot::Loaded(src),
            Ok(None) => continue,
            Err(d) => {
                let m = Missing {
                    file: d.file.clone(),
                    reason: format!("unreadable: {}", d.message),
                };
                diags.push(d);
                Slot::Missing(m)
            }
        };
        out.insert(name, slot);
    }
    out
}

/// Every `graph/groupMembers/<group-id>.json` in the month folder, by group id. Only
/// names that are object ids are read: the folder's listing decides what is opened,
/// never an id taken from a Graph response.
fn load_group_members(
    ctx: &LoadCtx,
    diags: &mut Vec<Diagnostic>,
) -> std::collections::BTreeMap<String, Slot<Vec<Principal>>> {
    let mut out = std::collections::BTreeMap::new();
    let dir = ctx.abs.join(GROUP_MEMBERS_DIR);
    if crate::repo::refuse_outside_links(&repo_root(ctx.abs, ctx.dir), &dir).is_err() {
        return out; // the link is reported by hash_files
    }
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut ids: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            let id = name
                .strip_suffix(GZIP_SUFFIX)
                .unwrap_or(&name)
                .strip_suffix(".json")?;
            let ok = !id.is_empty()
                && id.len() <= 64
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            ok.then(|| id.to_owned())
        })
        .collect();
    ids.sort();
    // `x.json` and `x.json.gz` are one group, read (or refused as stored twice) once.
    ids.dedup();
    for id in ids {
        let slot = ctx.collection_file(&group_members_file(&id), false, diags);
        out.insert(id.to_ascii_lowercase(), slot);
    }
    out
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
        // `$top=1` endpoints keep only their first page on purpose.
        let first_page_only = e.spec().shape == endpoints::Shape::FirstPage;
        self.collection_file(e.file(), first_page_only, diags)
    }

    /// A `{"value": [...]}` file. A file that still carries `@odata.nextLink`, or has
    /// fewer items than its `@odata.count`, is part of a collection: it is missing, with
    /// the reason, so no control passes on what the rest of the pages might hold.
    fn collection_file<T: DeserializeOwned>(
        &self,
        file: &str,
        first_page_only: bool,
        diags: &mut Vec<Diagnostic>,
    ) -> Slot<Vec<T>> {
        // The fast path reads only what the reader path would accept: never through a
        // link out of the repository, nor a file stored twice (the reader path names
        // those refusals).
        let parsed = if let Ok(Some(stored)) = locate(self.abs, self.dir, file)
            && let Ok(f) = stored.open()
            && let Some(page) =
                collection::parse_page::<T>(std::io::BufReader::with_capacity(128 * 1024, f))
        {
            page
        } else {
            // Missing, unreadable or unusual: the reader path, with its diagnostics.
            match self.single_file::<Collection<T>>(file, diags) {
                Slot::Loaded(c) => {
                    let markers = PageMarkers {
                        next_link: c.next_link.as_ref().is_some_and(is_next_link),
                        count: c.count.as_ref().and_then(count_of),
                    };
                    (c.value, markers)
                }
                Slot::Missing(m) => return Slot::Missing(m),
            }
        };
        let (items, markers) = parsed;
        let name = file.rsplit('/').next().unwrap_or(file);
        let reason = if markers.next_link && !first_page_only {
            Some(format!(
                "{FIRST_PAGE_ONLY}: {name} still has @odata.nextLink"
            ))
        } else {
            markers.count.filter(|n| *n > items.len() as u64).map(|n| {
                format!(
                    "{INCOMPLETE}: {name} has {} items but its @odata.count is {n}",
                    items.len()
                )
            })
        };
        match reason {
            Some(reason) => Slot::Missing(Missing {
                file: format!("{}/{file}", self.dir),
                reason,
            }),
            None => Slot::Loaded(items),
        }
    }

    fn single<T: DeserializeOwned>(&self, e: Endpoint, diags: &mut Vec<Diagnostic>) -> Slot<T> {
        self.single_file(e.file(), diags)
    }

    fn single_file<T: DeserializeOwned>(&self, file: &str, diags: &mut Vec<Diagnostic>) -> Slot<T> {
        match read_json::<T>(self.abs, self.dir, file) {
            Ok(Some(v)) => Slot::Loaded(v),
            Ok(None) => Slot::Missing(self.missing(file)),
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

/// Runs `f` with a fresh diagnostics list and returns both.
fn with_diags<T>(f: impl FnOnce(&mut Vec<Diagnostic>) -> T) -> (T, Vec<Diagnostic>) {
    let mut d = Vec::new();
    let v = f(&mut d);
    (v, d)
}

/// Reads a JSON file into `T`, streaming; a shape error names the JSON path. A link out
/// of the repository, an empty file, UTF-16 and a saved Graph error body are each named
/// for what they are; a UTF-8 byte-order mark (PowerShell's `Out-File`) is skipped.
/// `file` may be stored gzip-compressed as `<file>.gz` (see [`locate`]); diagnostics
/// then name the `.gz` file, with the JSON path inside the inflated document.
pub fn read_json<T: DeserializeOwned>(
    abs_dir: &Path,
    dir: &str,
    file: &str,
) -> Result<Option<T>, Diagnostic> {
    read_json_capped(abs_dir, dir, file, MAX_INFLATED_JSON_BYTES)
}

fn read_json_capped<T: DeserializeOwned>(
    abs_dir: &Path,
    dir: &str,
    file: &str,
    cap: u64,
) -> Result<Option<T>, Diagnostic> {
    use std::io::BufRead;
    let Some(stored) = locate(abs_dir, dir, file)? else {
        return Ok(None);
    };
    let rel = format!("{dir}/{}", stored.name);
    let f = match std::fs::File::open(&stored.path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Diagnostic::file(rel, format!("cannot read: {e}"))),
    };
    let meta = f
        .metadata()
        .map_err(|e| Diagnostic::file(rel.clone(), format!("cannot read: {e}")))?;
    if meta.is_dir() {
        return Err(Diagnostic::file(
            rel,
            "cannot read: is a directory, expected a JSON file",
        ));
    }
    if meta.len() == 0 {
        return Err(Diagnostic::json(
            rel,
            "/",
            "the file is empty; expected a JSON document (a Graph response like {\"value\": [...]})",
        ));
    }
    let (inner, failure) = stored.reader(f, cap);
    let mut reader = std::io::BufReader::with_capacity(128 * 1024, inner);
    let head = match reader.fill_buf() {
        Ok(head) => head,
        Err(e) => {
            return Err(failure
                .take(&rel)
                .unwrap_or_else(|| Diagnostic::file(rel.clone(), format!("cannot read: {e}"))));
        }
    };
    if head.is_empty() {
        return Err(Diagnostic::json(
            rel,
            "/",
            "inflates to nothing; expected a JSON document (a Graph response like {\"value\": [...]})",
        ));
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err(Diagnostic::json(
            rel,
            "/",
            "is UTF-16 encoded; expected UTF-8 JSON: re-save it as UTF-8 (PowerShell: Out-File -Encoding utf8)",
        ));
    }
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    }
    match parse_json(&rel, reader) {
        Ok(v) => Ok(Some(v)),
        // A gzip stream that breaks off or inflates past the cap is named as such, not
        // as the JSON syntax error it leaves behind.
        Err(d) => Err(failure.take(&rel).unwrap_or_else(|| {
            graph_error_body(&stored, cap).map_or(d, |what| {
                Diagnostic::json(
                    rel,
                    "/error",
                    format!(
                        "is a saved error response ({what}), not data: the request failed when the snapshot was taken; collect it again"
                    ),
                )
            })
        })),
    }
}

/// The suffix of an evidence file stored gzip-compressed (`users.json.gz`).
pub const GZIP_SUFFIX: &str = ".gz";

/// The most a compressed evidence file may inflate to: 20 times GitHub's 100 MiB file
/// limit (JSON compresses about that well), far beyond the largest tenant's users or
/// registrations, and it ends a gzip bomb (kilobytes that would inflate to terabytes)
/// before it exhausts time or memory.
pub const MAX_INFLATED_JSON_BYTES: u64 = 2 << 30;

/// An evidence file as stored: `<file>` itself or its gzip-compressed `<file>.gz`.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The stored name, relative to the month folder (`graph/users.json.gz`).
    pub name: String,
    pub path: std::path::PathBuf,
    pub gzip: bool,
}

/// Why reading a compressed file stopped (the decoder's error or the cap), kept aside
/// because the JSON parser reports only that its reader failed.
#[derive(Clone, Default)]
struct GzipFailure(std::sync::Arc<std::sync::Mutex<Option<String>>>);

impl GzipFailure {
    fn set(&self, why: String) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert(why);
    }

    /// The failure as a diagnostic on `rel`, if reading failed in the gzip layer.
    fn take(&self, rel: &str) -> Option<Diagnostic> {
        let why = self.0.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        Some(Diagnostic::file(rel, why))
    }
}

/// Inflates a gzip stream (every member, as gzip allows) and fails once more than `cap`
/// bytes came out.
struct Inflate<R: std::io::BufRead> {
    inner: flate2::bufread::MultiGzDecoder<R>,
    left: u64,
    cap: u64,
    failure: GzipFailure,
}

impl<R: std::io::BufRead> Read for Inflate<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // One byte past the cap is read to tell "exactly the cap" from "more".
        let want = buf
            .len()
            .min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = match self.inner.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                self.failure.set(format!(
                    "is not a valid gzip file ({e}): re-compress it with gzip, or store the .json uncompressed"
                ));
                return Err(e);
            }
        };
        if n as u64 > self.left {
            let why = format!(
                "inflates to more than {} MiB, the most a compressed evidence file may hold; refused (a gzip bomb?)",
                self.cap >> 20
            );
            self.failure.set(why.clone());
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, why));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

impl Stored {
    /// A reader of the file's JSON (inflated when compressed, at most `cap` bytes), and
    /// where a gzip failure is recorded.
    fn reader(&self, f: std::fs::File, cap: u64) -> (Box<dyn Read + Send>, GzipFailure) {
        let failure = GzipFailure::default();
        if !self.gzip {
            return (Box::new(f), failure);
        }
        let inflate = Inflate {
            inner: flate2::bufread::MultiGzDecoder::new(std::io::BufReader::with_capacity(
                64 * 1024,
                f,
            )),
            left: cap,
            cap,
            failure: failure.clone(),
        };
        (Box::new(inflate), failure)
    }

    /// Opens the file's JSON for reading (inflated when compressed, bounded).
    pub fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        let f = std::fs::File::open(&self.path)?;
        Ok(self.reader(f, MAX_INFLATED_JSON_BYTES).0)
    }
}

/// Finds `file` (a `.json` path in the month folder) as stored: itself, or gzip-compressed
/// as `<file>.gz`. Both present is bad input naming both (which one is the evidence?);
/// a link out of the repository is refused; `None` when neither exists.
pub fn locate(abs_dir: &Path, dir: &str, file: &str) -> Result<Option<Stored>, Diagnostic> {
    let gz_name = format!("{file}{GZIP_SUFFIX}");
    let plain = abs_dir.join(file);
    let gz = abs_dir.join(&gz_name);
    let exists = |p: &Path| std::fs::symlink_metadata(p).is_ok();
    let stored = match (exists(&plain), exists(&gz)) {
        (true, true) => {
            return Err(Diagnostic::file(
                format!("{dir}/{file}"),
                format!(
                    "both {dir}/{file} and {dir}/{gz_name} are present: keep one (the .json, or its gzip-compressed .json.gz)"
                ),
            ));
        }
        (false, true) => Stored {
            name: gz_name,
            path: gz,
            gzip: true,
        },
        _ => Stored {
            name: file.to_owned(),
            path: plain,
            gzip: false,
        },
    };
    crate::repo::refuse_outside_links(&repo_root(abs_dir, dir), &stored.path)
        .map_err(|e| Diagnostic::file(format!("{dir}/{}", stored.name), e))?;
    Ok(exists(&stored.path).then_some(stored))
}

/// `evidence/<client>/<month>` is three components below the repository root.
fn repo_root(abs_dir: &Path, dir: &str) -> std::path::PathBuf {
    let depth = Path::new(dir).components().count();
    abs_dir
        .ancestors()
        .nth(depth)
        .unwrap_or(abs_dir)
        .to_path_buf()
}

/// When a file holds a Graph (`{"error": {"code", "message"}}`) or token endpoint
/// (`{"error": "...", "error_description"}`) error body, its code and message.
fn graph_error_body(stored: &Stored, cap: u64) -> Option<String> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum ErrorField {
        Graph {
            code: Option<String>,
            message: Option<String>,
        },
        Token(String),
    }
    #[derive(serde::Deserialize)]
    struct Body {
        error: ErrorField,
        error_description: Option<String>,
    }
    let f = std::fs::File::open(&stored.path).ok()?;
    let body: Body =
        serde_json::from_reader(std::io::BufReader::new(stored.reader(f, cap).0)).ok()?;
    let (code, message) = match body.error {
        ErrorField::Graph { code, message } => (code, message),
        ErrorField::Token(code) => (Some(code), body.error_description),
    };
    let mut message = message.unwrap_or_default();
    if message.chars().count() > 200 {
        message = message.chars().take(200).collect::<String>() + "…";
    }
    Some(format!(
        "error code {:?}: {:?}",
        code.unwrap_or_default(),
        message
    ))
}

/// Parses JSON from a reader into `T`; errors carry the JSON pointer and line. Anything
/// after the document (a second document, NUL padding) is an error, not ignored.
pub fn parse_json<T: DeserializeOwned>(rel: &str, reader: impl Read) -> Result<T, Diagnostic> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let located = |inner: serde_json::Error, pointer: String| {
        let mut d = Diagnostic::json(rel, pointer, describe_json_error(&inner));
        if inner.line() > 0 {
            d.line = Some(inner.line());
            d.column = Some(inner.column());
        }
        d
    };
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => match de.end() {
            Ok(()) => Ok(v),
            Err(e) => {
                let mut d = located(e, "/".to_owned());
                d.message = format!("{} after the end of the JSON document", d.message);
                Err(d)
            }
        },
        Err(e) => {
            let pointer = json_pointer(e.path());
            Err(located(e.into_inner(), pointer))
        }
    }
}

fn describe_json_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde_json appends " at line L column C"; the diagnostic carries those itself.
    let msg = match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg,
    };
    // A whole document of the wrong shape (a bare array, a string) would otherwise be
    // described by the internal type's name.
    match msg.split_once(", expected struct Collection") {
        Some((found, _)) => {
            format!("{found}, expected a Graph response object like {{\"value\": [...]}}")
        }
        None => msg,
    }
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    let out = json_pointer_tail(path);
    if out.is_empty() { "/".to_owned() } else { out }
}

/// The JSON pointer segments of a path (`/value/3/id`), empty for the root: for
/// appending to the pointer of the value that was deserialized.
pub(crate) fn json_pointer_tail(path: &serde_path_to_error::Path) -> String {
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
    out
}

/// Backup-job exports and restore-test records are read whole: 256 MiB is far beyond a
/// month of jobs for any tenant, and keeps a runaway file from exhausting memory.
const MAX_TEXT_EVIDENCE_BYTES: u64 = 256 << 20;

pub fn read_text(abs_dir: &Path, dir: &str, file: &str) -> Result<Option<SourceText>, Diagnostic> {
    let rel = format!("{dir}/{file}");
    let path = abs_dir.join(file);
    crate::repo::refuse_outside_links(&repo_root(abs_dir, dir), &path)
        .map_err(|e| Diagnostic::file(rel.clone(), e))?;
    match crate::repo::read_capped(&path, MAX_TEXT_EVIDENCE_BYTES) {
        Ok(bytes) => crate::repo::decode_utf8(bytes)
            .map(|t| Some(SourceText::new(rel.clone(), t)))
            .map_err(|e| {
                let mut d = Diagnostic::file(rel, &e);
                if let Some((line, column)) = crate::repo::decode_error_position(&e) {
                    (d.line, d.column) = (Some(line), Some(column));
                }
                d
            }),
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
        let Ok(rel) = entry.path().strip_prefix(abs) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if entry.path_is_symlink() {
            if let Err(e) = crate::repo::refuse_outside_links(&repo_root(abs, dir), entry.path()) {
                diags.push(Diagnostic::file(format!("{dir}/{rel}"), e));
            }
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        match sha256_file(entry.path()) {
            Ok(hash) => out.push((rel, hash)),
            Err(e) => diags.push(Diagnostic::file(
                format!("{dir}/{rel}"),
                format!("cannot read: {e}"),
            )),
        }
    }
    out
}

/// Folders under `evidence/<client>/` that are not months: each is an input error (a
/// snapshot in a folder named `2026-13` or `nov` would otherwise be silently ignored).
pub fn month_folder_problems(root: &Path, client: &ClientId) -> Vec<Diagnostic> {
    let client_dir = root.join("evidence").join(client.as_str());
    if let Err(e) = crate::repo::refuse_outside_links(root, &client_dir) {
        return vec![Diagnostic::file(format!("evidence/{client}"), e).for_client(client.as_str())];
    }
    let mut out: Vec<Diagnostic> = std::fs::read_dir(client_dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir() || t.is_symlink()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                return None;
            }
            let rel = format!("evidence/{client}/{}", name.escape_debug());
            if e.file_type().is_ok_and(|t| t.is_symlink()) {
                return Some(Diagnostic::file(
                    rel,
                    "is a symbolic link; a month folder must be a real folder (links are never followed)",
                ));
            }
            Month::parse(&name)
                .err()
                .map(|msg| Diagnostic::file(rel, format!("evidence folder name: {msg}")))
        })
        .map(|d| d.for_client(client.as_str()))
        .collect();
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

/// The months that have an evidence folder for a client, sorted; other names are ignored
/// here and reported by [`month_folder_problems`].
pub fn months(root: &Path, client: &ClientId) -> Vec<Month> {
    let client_dir = root.join("evidence").join(client.as_str());
    if crate::repo::refuse_outside_links(root, &client_dir).is_err() {
        return Vec::new(); // reported by month_folder_problems
    }
    let mut months: Vec<Month> = std::fs::read_dir(client_dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| Month::parse(&e.file_name().to_string_lossy()).ok())
        .collect();
    months.sort();
    months
}

#[cfg(test)]
mod gzip_tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// A month folder at `evidence/c/2026-11` of a temporary repository, with `files`.
    fn month(files: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, std::path::PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let abs = root.path().join("evidence/c/2026-11");
        for (name, bytes) in files {
            let p = abs.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        (root, abs)
    }

    const DIR: &str = "evidence/c/2026-11";

    #[test]
    fn a_gzip_bomb_is_refused_at_the_inflated_size_cap() {
        // 8 MiB of white space inside a valid document inflates from a few kilobytes: the
        // parser would read on, so only the cap stops it.
        let mut json = b"{\"value\": [".to_vec();
        json.resize(json.len() + (8 << 20), b' ');
        json.extend_from_slice(b"]}");
        let bomb = gzip(&json);
        assert!(bomb.len() < 64 << 10);
        let (_root, abs) = month(&[("graph/users.json.gz", bomb)]);
        let err = read_json_capped::<Collection<User>>(&abs, DIR, "graph/users.json", 1 << 20)
            .unwrap_err();
        assert_eq!(err.file, format!("{DIR}/graph/users.json.gz"));
        assert!(
            err.message.contains("inflates to more than 1 MiB"),
            "{}",
            err.message
        );
        // Under a cap it fits, the same file loads.
        let ok = read_json_capped::<Collection<User>>(&abs, DIR, "graph/users.json", 9 << 20)
            .unwrap()
            .unwrap();
        assert!(ok.value.is_empty());
    }

    #[test]
    fn the_cap_allows_exactly_its_size_and_refuses_one_byte_more() {
        let json = br#"{"value": []}"#;
        let (_root, abs) = month(&[("graph/users.json.gz", gzip(json))]);
        let n = json.len() as u64;
        assert!(read_json_capped::<Collection<User>>(&abs, DIR, "graph/users.json", n).is_ok());
        let err =
            read_json_capped::<Collection<User>>(&abs, DIR, "graph/users.json", n - 1).unwrap_err();
        assert!(err.message.contains("a gzip bomb?"), "{}", err.message);
    }

    #[test]
    fn the_loader_reads_a_compressed_collection_with_json_paths_naming_the_gz_file() {
        let good = br#"{"value": [{"id": "a", "userPrincipalName": "a@x.example"}]}"#;
        let bad = br#"{"value": [{"id": 7}]}"#;
        let (_root, abs) = month(&[
            ("graph/users.json.gz", gzip(good)),
            ("graph/domains.json.gz", gzip(bad)),
        ]);
        let ctx = LoadCtx {
            abs: &abs,
            dir: DIR,
            manifest: None,
        };
        let mut diags = Vec::new();
        let users = ctx.collection::<User>(Endpoint::Users, &mut diags);
        assert_eq!(users.get().unwrap().len(), 1);
        assert!(diags.is_empty());
        let bad = read_json::<Collection<User>>(&abs, DIR, "graph/domains.json").unwrap_err();
        assert_eq!(bad.file, format!("{DIR}/graph/domains.json.gz"));
        assert_eq!(bad.json_path.as_deref(), Some("/value/0/id"));
    }

    #[test]
    fn an_empty_or_headerless_gz_is_bad_input_naming_it() {
        for (what, bytes) in [
            ("empty", Vec::new()),
            ("inflates to nothing", gzip(b"")),
            ("not gzip", b"{\"value\": []}".to_vec()),
        ] {
            let (_root, abs) = month(&[("graph/users.json.gz", bytes)]);
            let err = read_json::<Collection<User>>(&abs, DIR, "graph/users.json").unwrap_err();
            assert_eq!(err.file, format!("{DIR}/graph/users.json.gz"), "{what}");
        }
    }
}
