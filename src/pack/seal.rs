//! `custody seal`: the manifest of a month whose Graph files were exported by hand (Graph
//! Explorer, `Invoke-MgGraphRequest`) and dropped into `evidence/<client>/<YYYY-MM>/`.
//! It records what `collect` would (every file's sha256 and size, the endpoints present
//! and missing, the tenant) and that the month was exported by hand, by whom and when, so
//! the month can be complete instead of failing `evidence.snapshot-complete` forever.
//!
//! Order of work: refuse links and anything that is not a regular file (the month is
//! hashed and later packed, never followed), refuse to replace a manifest `collect` wrote
//! unless forced, read every file back with the loader's own types (a file that would not
//! load is an input error naming the file and JSON path, and nothing is written), then
//! write `manifest.json` atomically. Nothing else in the month is touched.
//!
//! It lives beside the packs (not in the evidence loader) because it writes, and shares
//! `collect`'s month lock so a collection and a seal of one month never interleave.

use crate::client_id::ClientId;
use crate::collect::guard::MonthLock;
use crate::diagnostic::Diagnostic;
use crate::evidence::endpoints::ENDPOINTS;
use crate::evidence::manifest::{CollectProvenance, EndpointRecord, Manifest, Method, ToolInfo};
use crate::evidence::provenance;
use crate::evidence::{
    GROUP_MEMBERS_DIR, GZIP_SUFFIX, MANIFEST, load_files_as_they_are, sha256_file,
};
use crate::month::Month;
use crate::policy::load::{WorkingTree, load_policy};
use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::Path;

/// Why a month cannot be sealed, found by one of seal's steps; [`seal`] reports it as a
/// diagnostic naming the file it is about.
#[derive(Debug)]
pub enum SealError {
    /// The month folder cannot be walked.
    Walk(walkdir::Error),
    /// A file of the month is a symbolic link.
    Link,
    /// A file of the month is neither a regular file nor a folder.
    NotRegular,
    /// A file name a pack could not hold.
    Path(super::UnsafePath),
    Read(std::io::Error),
    /// A manifest `collect` wrote (`what` describes it), not replaced without `--force`.
    Collected {
        what: String,
    },
    EmptyName,
    LongName,
    ControlInName,
    GitConfig(git2::Error),
    NoGitAuthor,
    /// git's `user.name` / `user.email` is not a name custody records.
    GitAuthor(Box<SealError>),
    /// `--collected-at` is later than the sealing time.
    CollectedInFuture {
        at: jiff::Timestamp,
        now: jiff::Timestamp,
    },
    /// `--collected-at` is before the month began: that export is another month's.
    CollectedBeforeMonth {
        at: jiff::Timestamp,
        month: Month,
    },
    Write(std::io::Error),
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::Walk(e) => write!(f, "cannot read: {e}"),
            SealError::Link => f.write_str(
                "is a symbolic link; seal hashes regular files only and never follows a link: replace it with the file itself, or remove it",
            ),
            SealError::NotRegular => {
                f.write_str("is not a regular file; seal hashes regular files only: remove it")
            }
            SealError::Path(e) => e.fmt(f),
            SealError::Read(e) => write!(f, "cannot read: {e}"),
            SealError::Collected { what } => write!(
                f,
                "it is {what}: seal does not replace it, since it records what was collected from Graph (statuses, pages, why files are missing). Pass --force to replace it with a manifest of the files as they are now"
            ),
            SealError::EmptyName => f.write_str("empty: name who exported the files"),
            SealError::LongName => f.write_str("longer than 200 characters"),
            SealError::ControlInName => {
                f.write_str("holds a control character (a line break?): give one line")
            }
            SealError::GitConfig(e) => write!(
                f,
                "cannot read git's configuration ({}); pass --by NAME",
                e.message()
            ),
            SealError::NoGitAuthor => f.write_str(
                "who exported this month? git has no user.name or user.email configured; pass --by NAME",
            ),
            SealError::GitAuthor(e) => {
                write!(f, "git's user.name/user.email: {e}; pass --by NAME")
            }
            SealError::CollectedInFuture { at, now } => write!(
                f,
                "--collected-at {at} is in the future (it is now {}): give the time the files were exported",
                now.strftime("%Y-%m-%dT%H:%M:%SZ")
            ),
            SealError::CollectedBeforeMonth { at, month } => write!(
                f,
                "--collected-at {at} is before {month} began: an export taken then is not {month}'s snapshot; file it under its own month"
            ),
            SealError::Write(e) => write!(f, "cannot write: {e}"),
        }
    }
}

impl std::error::Error for SealError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SealError::Walk(e) => Some(e),
            SealError::Path(e) => Some(e),
            SealError::Read(e) | SealError::Write(e) => Some(e),
            SealError::GitConfig(e) => Some(e),
            SealError::GitAuthor(e) => Some(e),
            _ => None,
        }
    }
}

/// What `custody seal` is asked to do.
pub struct SealOptions<'a> {
    pub repo: &'a Path,
    pub client: &'a ClientId,
    pub month: Month,
    /// Who exported the files (`--by`); `None`: git's `user.name` and `user.email`.
    pub by: Option<String>,
    /// Replace a manifest that `collect` wrote (or one custody cannot read).
    pub force: bool,
    /// Endpoint files Graph refused for lack of a licence when they were exported
    /// (`--not-licensed`): recorded as `not_licensed`, an explained gap, not a failure.
    pub not_licensed: Vec<String>,
    /// The sealing time; also `collected_at` unless `collected_at` is given.
    pub now: jiff::Timestamp,
    /// When the files were exported, as the sealer states it (`--collected-at`): recorded
    /// as `collected_at` and, as stated, in the provenance. Not after `now`, and not
    /// before the month began (within the month, or after its end for a late export).
    pub collected_at: Option<jiff::Timestamp>,
}

/// A month sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Repository-relative path of the manifest written.
    pub manifest: String,
    pub by: String,
    /// Endpoint files present, and how many endpoints were expected.
    pub present: usize,
    pub expected: usize,
    /// Endpoint files absent, recorded as not exported: the month stays incomplete.
    pub missing: Vec<String>,
    /// Endpoint files recorded as not licensed (`--not-licensed`).
    pub not_licensed: Vec<String>,
    /// Files besides the endpoints' (group members, backup records, restore tests).
    pub other_files: usize,
    /// Collections holding only part of their items (a first page): still incomplete.
    pub partial: Vec<String>,
    /// What the new manifest replaced, when one was there.
    pub replaced: Option<String>,
    /// The export time the sealer stated (`--collected-at`), as recorded.
    pub collected_at: Option<String>,
}

/// Seals the month, or returns why not: every problem is an input error (exit 2) naming
/// the file, with the line or JSON path where there is one, and nothing was written.
pub fn seal(opts: &SealOptions) -> Result<Sealed, Vec<Diagnostic>> {
    let id = opts.client;
    let month = opts.month;
    let client_rel = format!("evidence/{id}");
    let month_rel = format!("{client_rel}/{month}");
    let manifest_rel = format!("{month_rel}/{MANIFEST}");
    let refuse = |file: &str, why: &dyn fmt::Display| {
        vec![Diagnostic::file(file, why.to_string()).for_client(id.as_str())]
    };

    let policy = load_policy(
        &WorkingTree(opts.repo.to_path_buf()),
        id,
        crate::controls::known(),
    )?;
    let tenant = policy.client.tenant_id.trim().to_owned();
    if tenant.is_empty() {
        return Err(refuse(
            &format!("clients/{id}/client.toml"),
            &"no tenant_id: a sealed month records the tenant it belongs to",
        ));
    }
    if let Some(at) = opts.collected_at {
        let why = if at > opts.now {
            Some(SealError::CollectedInFuture { at, now: opts.now })
        } else if at < month.start() {
            Some(SealError::CollectedBeforeMonth { at, month })
        } else {
            None
        };
        if let Some(why) = why {
            return Err(refuse(&month_rel, &why));
        }
    }
    let by = match &opts.by {
        Some(b) => check_name(b).map_err(|e| refuse(&month_rel, &format_args!("--by: {e}")))?,
        None => git_author(opts.repo).map_err(|e| refuse(&month_rel, &e))?,
    };

    for rel in ["evidence".to_owned(), client_rel.clone(), month_rel.clone()] {
        match std::fs::symlink_metadata(opts.repo.join(&rel)) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(refuse(
                    &rel,
                    &"is a symbolic link; seal never reads or writes evidence through a link (it could lead outside the repository or into another client's folder): make it a real folder",
                ));
            }
            Ok(m) if !m.is_dir() => return Err(refuse(&rel, &"is not a folder")),
            Ok(_) => {}
            Err(_) => {
                return Err(refuse(
                    &rel,
                    &format_args!(
                        "does not exist: put the month's exported Graph responses under {month_rel}/graph/ first (file names as in the README's endpoint table)"
                    ),
                ));
            }
        }
    }
    let client_dir = opts.repo.join(&client_rel);
    let month_dir = opts.repo.join(&month_rel);
    // One writer per month: a collect or another seal of the same month waits its turn.
    let _lock = MonthLock::acquire(&client_dir, &month.to_string(), &client_rel)
        .map_err(|e| refuse(&month_rel, &e))?;

    let files = month_files(&month_dir, &month_rel).map_err(|(f, e)| refuse(&f, &e))?;
    let replaced = existing_manifest(&month_dir.join(MANIFEST), opts.force)
        .map_err(|e| refuse(&manifest_rel, &e))?;

    // Every file read back as `check` reads it: what would not load is named now, with
    // its JSON path, and the month is not sealed. Read as the files are, whatever an
    // old manifest lists: the new one will vouch for all of them.
    let snap = load_files_as_they_are(opts.repo, id, month);
    let problems: Vec<Diagnostic> = snap
        .diags
        .iter()
        .filter(|d| d.file != manifest_rel)
        .cloned()
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    // Another tenant's export is not this client's evidence, whoever seals it: every
    // file stating another tenant is named once, at the first place it does.
    let mut foreign: Vec<Diagnostic> = Vec::new();
    let claims: Vec<_> = snap
        .tenant_claims
        .iter()
        .filter(|c| c.file != manifest_rel)
        .filter(|c| !c.tenant_id.trim().eq_ignore_ascii_case(&tenant))
        .collect();
    for c in &claims {
        if foreign.iter().any(|d| d.file == c.file) {
            continue;
        }
        let more = claims.iter().filter(|o| o.file == c.file).count() - 1;
        let mut d = Diagnostic::file(
            c.file.clone(),
            format!(
                "states tenant {}, but clients/{id}/client.toml says {tenant}: not this client's export{}",
                provenance::one_line(&c.tenant_id, 80),
                if more > 0 {
                    format!(" (and {more} more place(s) in the file)")
                } else {
                    String::new()
                }
            ),
        )
        .for_client(id.as_str());
        d.json_path = Some(c.pointer.clone());
        foreign.push(d);
    }
    if !foreign.is_empty() {
        return Err(foreign);
    }

    // Only an endpoint's file, absent from the month, can be declared not licensed.
    let mut unlicensed: Vec<String> = Vec::new();
    for f in &opts.not_licensed {
        let f = f.trim().trim_start_matches("./").to_owned();
        if !ENDPOINTS.iter().any(|s| s.file == f) {
            let files: Vec<&str> = ENDPOINTS.iter().map(|s| s.file).collect();
            return Err(refuse(
                &month_rel,
                &format_args!(
                    "--not-licensed {}: not an endpoint's file (one of {})",
                    provenance::one_line(&f, 100),
                    files.join(", ")
                ),
            ));
        }
        if files.contains_key(&f) || files.contains_key(&format!("{f}{GZIP_SUFFIX}")) {
            return Err(refuse(
                &format!("{month_rel}/{f}"),
                &"--not-licensed names a file the month holds: remove the file or the option",
            ));
        }
        if !unlicensed.contains(&f) {
            unlicensed.push(f);
        }
    }

    let uses_m365 = policy
        .backup
        .workloads
        .values()
        .any(|w| w.in_scope && w.uses_m365_backup());
    let mut endpoints = Vec::new();
    let mut missing = Vec::new();
    let mut present = 0;
    let mut expected = 0;
    let record = |file: &str, sha256: Option<String>| EndpointRecord {
        file: file.to_owned(),
        request: None,
        status: None,
        pages: None,
        items: None,
        sha256,
        missing: None,
        reason: None,
        note: None,
    };
    for spec in ENDPOINTS {
        let applies = uses_m365 || !spec.m365_backup;
        expected += usize::from(applies);
        // Recorded as stored: `users.json`, or `users.json.gz` with the compressed
        // bytes' hash (both at once was refused by the loader above).
        let gz = format!("{}{GZIP_SUFFIX}", spec.file);
        let stored = files
            .get_key_value(spec.file)
            .or_else(|| files.get_key_value(&gz));
        match stored {
            Some((name, (sha, _))) => {
                present += usize::from(applies);
                endpoints.push(record(name, Some(sha.clone())));
            }
            None if !applies => endpoints.push(EndpointRecord {
                missing: Some("not_applicable".into()),
                reason: Some("no workload in scope uses Microsoft 365 Backup (backup.toml)".into()),
                ..record(spec.file, None)
            }),
            None if unlicensed.iter().any(|f| f == spec.file) => {
                endpoints.push(EndpointRecord {
                    missing: Some("not_licensed".into()),
                    reason: Some(format!(
                        "Graph refused GET {} for lack of a licence when it was exported by hand (stated by {by} when sealing)",
                        spec.request
                    )),
                    ..record(spec.file, None)
                });
            }
            None => {
                missing.push(spec.file.to_owned());
                endpoints.push(EndpointRecord {
                    missing: Some("not_exported".into()),
                    reason: Some(format!(
                        "not in the month folder when {by} sealed it; export GET {} and seal again",
                        spec.request
                    )),
                    ..record(spec.file, None)
                });
            }
        }
    }
    let group_prefix = format!("{GROUP_MEMBERS_DIR}/");
    for (file, (sha, _)) in &files {
        if file.starts_with(&group_prefix)
            && (file.ends_with(".json") || file.ends_with(&format!(".json{GZIP_SUFFIX}")))
        {
            endpoints.push(record(file, Some(sha.clone())));
        }
    }
    let in_endpoints: Vec<&str> = endpoints.iter().map(|e| e.file.as_str()).collect();
    let others: BTreeMap<String, String> = files
        .iter()
        .filter(|(f, _)| !in_endpoints.contains(&f.as_str()))
        .map(|(f, (sha, _))| (f.clone(), sha.clone()))
        .collect();
    let other_files = files.len()
        - ENDPOINTS
            .iter()
            .filter(|s| {
                files.contains_key(s.file)
                    || files.contains_key(&format!("{}{GZIP_SUFFIX}", s.file))
            })
            .count();

    let now = opts.now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let stated = opts
        .collected_at
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
    let stated_at = stated.clone();
    let manifest = Manifest {
        schema_version: 1,
        collected_at: stated.clone().unwrap_or_else(|| now.clone()),
        tool: ToolInfo {
            name: "custody".into(),
            version: crate::VERSION.into(),
        },
        tenant_id: Some(tenant.clone()),
        endpoints,
        files: others,
        sizes: files.iter().map(|(f, (_, n))| (f.clone(), *n)).collect(),
        provenance: Some(CollectProvenance {
            method: Method::Hand,
            by: Some(by.clone()),
            app_id: None,
            credential: None,
            tenant_id: Some(tenant),
            custody_version: crate::VERSION.into(),
            custody_commit: provenance::COMMIT.into(),
            started_at: now.clone(),
            finished_at: now,
            ci_run_url: provenance::ci_run_url(&|k| std::env::var(k).ok()),
            exported_at_stated: stated.clone(),
        }),
    };
    let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| refuse(&manifest_rel, &e))?;
    bytes.push(b'\n');
    write_atomically(&client_dir, &month_dir.join(MANIFEST), &bytes)
        .map_err(|e| refuse(&manifest_rel, &e))?;

    let partial = snap
        .incomplete()
        .into_iter()
        .map(|m| format!("{}: {}", m.file, m.reason))
        .collect();
    Ok(Sealed {
        manifest: manifest_rel,
        by,
        present,
        expected,
        missing,
        not_licensed: unlicensed,
        other_files,
        partial,
        replaced,
        collected_at: stated_at,
    })
}

/// Every regular file of the month but its manifest, with sha256 and size. A link, or
/// anything that is not a regular file or folder, is refused (named): it would be
/// followed when hashed or packed. Names a pack could not hold are refused too.
fn month_files(
    month_dir: &Path,
    month_rel: &str,
) -> Result<BTreeMap<String, (String, u64)>, (String, SealError)> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(month_dir).sort_by_file_name() {
        let entry = entry.map_err(|e| (month_rel.to_owned(), SealError::Walk(e)))?;
        if entry.depth() == 0 {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(month_dir)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let shown = format!("{month_rel}/{}", rel.escape_debug());
        let t = entry.file_type();
        if t.is_symlink() {
            return Err((shown, SealError::Link));
        }
        if t.is_dir() {
            continue;
        }
        if !t.is_file() {
            return Err((shown, SealError::NotRegular));
        }
        if rel == MANIFEST {
            continue;
        }
        crate::pack::check_pack_path(&rel).map_err(|e| (shown.clone(), SealError::Path(e)))?;
        let sha = sha256_file(entry.path()).map_err(|e| (shown.clone(), SealError::Read(e)))?;
        let size = entry
            .metadata()
            .map_err(|e| (shown.clone(), SealError::Walk(e)))?
            .len();
        out.insert(rel, (sha, size));
    }
    Ok(out)
}

/// What an existing manifest is, and whether seal may replace it: one it sealed itself,
/// yes; one `collect` wrote (or one custody cannot read), only with `--force`.
fn existing_manifest(path: &Path, force: bool) -> Result<Option<String>, SealError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SealError::Read(e)),
    };
    let m = serde_json::from_slice::<Manifest>(&bytes);
    let what = match &m {
        Ok(m) => match &m.provenance {
            Some(p) if p.method == Method::Hand => {
                return Ok(Some(format!(
                    "the manifest sealed by {} at {}",
                    provenance::one_line(p.by.as_deref().unwrap_or("someone unnamed"), 200),
                    provenance::one_line(&p.finished_at, 40)
                )));
            }
            _ => format!(
                "the manifest custody collect wrote at {} (custody {})",
                provenance::one_line(&m.collected_at, 40),
                provenance::one_line(&m.tool.version, 40)
            ),
        },
        Err(e) => format!("a manifest custody cannot read ({e})"),
    };
    if force {
        return Ok(Some(format!("{what} (--force)")));
    }
    Err(SealError::Collected { what })
}

/// A person's name as recorded: one line, printable, at most 200 characters.
fn check_name(s: &str) -> Result<String, SealError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(SealError::EmptyName);
    }
    if t.chars().count() > 200 {
        return Err(SealError::LongName);
    }
    if t.chars().any(char::is_control) {
        return Err(SealError::ControlInName);
    }
    Ok(t.to_owned())
}

/// `Name <email>` from git's configuration (the repository's, then the user's).
fn git_author(repo: &Path) -> Result<String, SealError> {
    let config = git2::Repository::discover(repo)
        .and_then(|r| r.config())
        .or_else(|_| git2::Config::open_default())
        .map_err(SealError::GitConfig)?;
    let name = config
        .get_string("user.name")
        .ok()
        .filter(|n| !n.trim().is_empty());
    let email = config
        .get_string("user.email")
        .ok()
        .filter(|n| !n.trim().is_empty());
    let who = match (name, email) {
        (Some(n), Some(e)) => format!("{} <{}>", n.trim(), e.trim()),
        (Some(n), None) => n,
        (None, Some(e)) => format!("<{}>", e.trim()),
        (None, None) => return Err(SealError::NoGitAuthor),
    };
    check_name(&who).map_err(|e| SealError::GitAuthor(Box::new(e)))
}

/// Writes beside the month (in the client folder, on the same file system) and renames
/// into place: the month never holds half a manifest, and a failed seal leaves the old
/// one. The temporary file is removed on any failure.
fn write_atomically(client_dir: &Path, dest: &Path, bytes: &[u8]) -> Result<(), SealError> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".seal-")
        .tempfile_in(client_dir)
        .map_err(SealError::Write)?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(SealError::Write)?;
    tmp.persist(dest).map_err(|e| SealError::Write(e.error))?;
    Ok(())
}
