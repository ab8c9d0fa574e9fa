//! Policy history: which version of a client's policy was in force at the end of each
//! month, read from git objects, and policy sources at any revision for `custody diff`.
//!
//! [`PolicyHistory::open`] never fails: outside git (or in a repository without commits,
//! or one where `clients/` was never committed) every month uses the working tree, and
//! [`PolicyHistory::warning`] says why. In git, the first-parent history of `HEAD` is read
//! once at open; [`PolicyHistory::policy_for_month`] is then safe to call from many
//! threads (each call borrows a repository handle from a small pool).

mod error;
pub mod raci_review;
mod source;
#[cfg(test)]
mod tests;

use crate::client_id::ClientId;
use crate::diagnostic::Diagnostic;
use crate::month::Month;
use crate::policy::load::{PolicySource, WorkingTree};
use crate::policy::{Policy, load_policy};
use crate::scorecard::PolicyProvenance;
use git2::{ErrorCode, ObjectType, Oid, Repository, Status, StatusOptions};
use jiff::Timestamp;
use source::{CommitSource, TreeSource, bounded_tree, commit_tree, lookup};
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Mutex, PoisonError};

pub use error::HistoryError;

/// `PolicyProvenance::note` of a latest month evaluated against uncommitted policy.
pub const NOTE_UNCOMMITTED: &str = "uncommitted changes";

/// How a month's policy is found for a repository.
pub enum PolicyHistory {
    /// `clients/` is committed in a git repository: month-end versions come from commits.
    Git(GitHistory),
    /// Every month uses the working tree at `root`; `reason` says why (e.g. "not a git
    /// repository", "no commits yet").
    NotGit { root: PathBuf, reason: HistoryError },
}

/// A commit of the first-parent history of `HEAD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full hexadecimal id.
    pub sha: String,
    /// Committer time, as the commit states it.
    pub time: Timestamp,
    /// When the commit counts as in force: its time, or, when that is earlier than a
    /// commit it builds on (a backdated commit), the latest time of its first-parent
    /// ancestors. A commit cannot be in force before the history it extends, so a
    /// change committed today with a date in July does not rewrite July's scorecards.
    pub in_force_from: Timestamp,
    oid: Oid,
}

impl CommitInfo {
    fn new(oid: Oid, seconds: i64) -> CommitInfo {
        // Out-of-range commit times (corrupt or hostile objects) count as the epoch.
        let time = Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH);
        CommitInfo {
            sha: oid.to_string(),
            time,
            in_force_from: time,
            oid,
        }
    }

    /// Commit time as RFC 3339 UTC, e.g. `2026-06-10T09:00:00Z`.
    pub fn committed_at(&self) -> String {
        self.time.to_string()
    }

    fn short(&self) -> &str {
        self.sha.get(..7).unwrap_or(&self.sha)
    }

    fn date(&self) -> String {
        self.time
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
            .to_string()
    }
}

/// A git work tree containing the custody repository, with `HEAD`'s first-parent history.
pub struct GitHistory {
    /// The custody repository as given to `open` (where `clients/` is).
    root: PathBuf,
    /// The git work tree.
    workdir: PathBuf,
    /// `root` relative to `workdir`: `""` or `"sub/dir/"`.
    prefix: String,
    /// First-parent history from `HEAD`, newest first; never empty.
    commits: Vec<CommitInfo>,
    /// The history is cut short (shallow clone or missing objects): older months may
    /// lack a commit although the full history has one.
    truncated: bool,
    /// Repository handles for reuse: `Repository` is `Send` but not `Sync`.
    pool: Mutex<Vec<Repository>>,
}

impl fmt::Debug for GitHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitHistory")
            .field("root", &self.root)
            .field("workdir", &self.workdir)
            .field("prefix", &self.prefix)
            .field("head", &self.head().sha)
            .field("commits", &self.commits.len())
            .field("truncated", &self.truncated)
            .finish()
    }
}

impl fmt::Debug for PolicyHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyHistory::Git(g) => f.debug_tuple("Git").field(g).finish(),
            PolicyHistory::NotGit { root, reason } => f
                .debug_struct("NotGit")
                .field("root", root)
                .field("reason", reason)
                .finish(),
        }
    }
}

impl PolicyHistory {
    /// Opens `repo` (a path inside a git work tree or not). Never fails: outside git, in
    /// a repository without commits, or when `clients/` is not in `HEAD`, every month
    /// uses the working tree (`NotGit` with the reason).
    pub fn open(repo: &Path) -> PolicyHistory {
        match GitHistory::open(repo) {
            Ok(g) => PolicyHistory::Git(g),
            Err(reason) => PolicyHistory::NotGit {
                root: repo.to_path_buf(),
                reason,
            },
        }
    }

    /// The custody repository (where `clients/` is), as given to `open`.
    pub fn root(&self) -> &Path {
        match self {
            PolicyHistory::Git(g) => &g.root,
            PolicyHistory::NotGit { root, .. } => root,
        }
    }

    pub fn is_git(&self) -> bool {
        matches!(self, PolicyHistory::Git(_))
    }

    /// The warning to print once per run when month-end policy versions are unavailable.
    pub fn warning(&self) -> Option<String> {
        match self {
            PolicyHistory::Git(g) => {
                let backdated: Vec<&CommitInfo> = g.backdated().collect();
                let first = backdated.last()?;
                Some(format!(
                    "commit {} states {} but builds on a commit from {}: it counts as in force from {}, never earlier{}",
                    first.short(),
                    first.committed_at(),
                    first.in_force_from,
                    first.in_force_from,
                    match backdated.len() {
                        1 => String::new(),
                        n => format!(" ({} more backdated commits)", n - 1),
                    }
                ))
            }
            PolicyHistory::NotGit { reason, .. } => Some(format!(
                "{reason}: month-end policy versions unavailable; every month is evaluated against the working tree"
            )),
        }
    }

    /// The commit whose policy is in force at the end of `month` (UTC): the newest commit
    /// of the first-parent history of `HEAD` with commit time before `month.end()`.
    /// `None` outside git or when the history has no such commit.
    pub fn commit_for_month(&self, month: Month) -> Option<&CommitInfo> {
        match self {
            PolicyHistory::Git(g) => g.commit_for_month(month),
            PolicyHistory::NotGit { .. } => None,
        }
    }

    /// The policy in force at the end of `month` (UTC) for `client`, with its provenance.
    ///
    /// - Git: the files of the newest first-parent commit of `HEAD` with commit time
    ///   before `month.end()` (the first instant of the next month), read from git
    ///   objects; provenance `{ source: "git", commit, committed_at, note: None }`.
    /// - When `latest` (the newest month of the run) and `clients/<client>/` has
    ///   uncommitted changes (modified, staged or untracked files): the working tree, with
    ///   `{ source: "working_tree", commit: HEAD, note: "uncommitted changes" }`.
    /// - A month with no committed policy yet: `Err`, a diagnostic on `clients/<client>`.
    /// - NotGit: the working tree, with `{ source: "working_tree", note: "<reason>:
    ///   month-end policy versions unavailable" }`.
    ///
    /// Policy errors of a committed version say which commit they come from.
    pub fn policy_for_month(
        &self,
        client: &ClientId,
        month: Month,
        latest: bool,
    ) -> Result<(Policy, PolicyProvenance), Vec<Diagnostic>> {
        match self {
            PolicyHistory::Git(g) => g.policy_for_month(client, month, latest),
            PolicyHistory::NotGit { root, reason } => {
                let policy =
                    load_policy(&WorkingTree(root.clone()), client, crate::controls::known())?;
                let provenance = PolicyProvenance {
                    // Published with the scorecard: never the local path in the reason.
                    note: Some(format!(
                        "{}: month-end policy versions unavailable",
                        reason.published()
                    )),
                    ..PolicyProvenance::working_tree(files(&policy))
                };
                Ok((policy, provenance))
            }
        }
    }

    /// A policy source for a revision ("HEAD", "main", a sha, "origin/main", any
    /// revision git understands). Unknown revisions are an `Err` naming the revision.
    pub fn source_at(
        &self,
        rev: &str,
    ) -> Result<Box<dyn PolicySource + Send + Sync>, HistoryError> {
        match self {
            PolicyHistory::Git(g) => g.source_at(rev),
            PolicyHistory::NotGit { reason, .. } => Err(not_git(reason, rev)),
        }
    }

    /// The full sha of the commit a revision names.
    pub fn resolve(&self, rev: &str) -> Result<String, HistoryError> {
        match self {
            PolicyHistory::Git(g) => g.resolve(rev),
            PolicyHistory::NotGit { reason, .. } => Err(not_git(reason, rev)),
        }
    }

    /// The merge base of `HEAD` with `origin/main`, or with `main` when there is no
    /// `origin/main`: the default BASE of `custody diff` (a full sha).
    pub fn default_base(&self) -> Result<String, HistoryError> {
        match self {
            PolicyHistory::Git(g) => g.default_base(),
            PolicyHistory::NotGit { reason, .. } => Err(HistoryError::NotGitBase {
                reason: reason.to_string(),
            }),
        }
    }

    /// Client ids with a folder in `clients/` at a revision, sorted (folders whose name
    /// is not a valid client id are left out). No `clients/` at all gives an empty list.
    pub fn clients_at(&self, rev: &str) -> Result<Vec<ClientId>, HistoryError> {
        match self {
            PolicyHistory::Git(g) => g.clients_at(rev),
            PolicyHistory::NotGit { reason, .. } => Err(not_git(reason, rev)),
        }
    }
}

fn not_git(reason: &HistoryError, rev: &str) -> HistoryError {
    HistoryError::NotGitRevision {
        reason: reason.to_string(),
        rev: rev.to_owned(),
    }
}

fn files(policy: &Policy) -> Vec<String> {
    policy.sources.iter().map(|(p, _)| p.clone()).collect()
}

impl GitHistory {
    fn open(repo: &Path) -> Result<GitHistory, HistoryError> {
        let git = Repository::discover(repo).map_err(|e| {
            if e.code() == ErrorCode::NotFound {
                HistoryError::NotARepository
            } else {
                HistoryError::Open(e)
            }
        })?;
        let workdir = git.workdir().ok_or(HistoryError::NoWorkTree)?.to_path_buf();
        let prefix = prefix_of(repo, &workdir)?;
        let (mut commits, truncated) = first_parent_history(&git, &prefix, &workdir)?;
        // Oldest first: each commit is in force no earlier than the commits it builds on.
        let mut latest = Timestamp::UNIX_EPOCH;
        for c in commits.iter_mut().rev() {
            latest = latest.max(c.time);
            c.in_force_from = latest;
        }
        Ok(GitHistory {
            root: repo.to_path_buf(),
            workdir,
            prefix,
            commits,
            truncated,
            pool: Mutex::new(vec![git]),
        })
    }

    /// The commit `HEAD` pointed to at open.
    pub fn head(&self) -> &CommitInfo {
        &self.commits[0]
    }

    /// First-parent history of `HEAD`, newest first.
    pub fn commits(&self) -> &[CommitInfo] {
        &self.commits
    }

    /// The custody repository's path inside the git work tree: `""` or `"sub/dir/"`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn commit_for_month(&self, month: Month) -> Option<&CommitInfo> {
        let end = month.end();
        self.commits.iter().find(|c| c.in_force_from < end)
    }

    /// Commits whose stated time is earlier than a commit they build on (newest first).
    pub fn backdated(&self) -> impl Iterator<Item = &CommitInfo> {
        self.commits.iter().filter(|c| c.in_force_from > c.time)
    }

    /// Runs `f` with a repository handle from the pool (opening one when all are busy).
    fn with_repo<T>(&self, f: impl FnOnce(&Repository) -> T) -> Result<T, HistoryError> {
        let pooled = self
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let repo = match pooled {
            Some(r) => r,
            None => self.open_repo()?,
        };
        let out = f(&repo);
        self.pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(repo);
        Ok(out)
    }

    fn open_repo(&self) -> Result<Repository, HistoryError> {
        Repository::open(&self.workdir).map_err(|source| HistoryError::Reopen {
            workdir: self.workdir.clone(),
            source,
        })
    }

    fn client_file(&self, client: &ClientId) -> String {
        format!("{}clients/{client}/client.toml", self.prefix)
    }

    fn policy_for_month(
        &self,
        client: &ClientId,
        month: Month,
        latest: bool,
    ) -> Result<(Policy, PolicyProvenance), Vec<Diagnostic>> {
        let git_error = |e: HistoryError| vec![e.into_client_diagnostic(client)];
        if latest {
            let dirty = self
                .with_repo(|repo| self.uncommitted_changes(repo, client))
                .and_then(|r| r)
                .map_err(git_error)?;
            if dirty {
                let policy = load_policy(
                    &WorkingTree(self.root.clone()),
                    client,
                    crate::controls::known(),
                )?;
                let head = self.head();
                let provenance = PolicyProvenance {
                    commit: Some(head.sha.clone()),
                    committed_at: Some(head.committed_at()),
                    note: Some(NOTE_UNCOMMITTED.into()),
                    ..PolicyProvenance::working_tree(files(&policy))
                };
                return Ok((policy, provenance));
            }
        }
        let in_force = self.commit_for_month(month);
        self.with_repo(|repo| {
            let path = self.client_file(client);
            let has_client = |c: &CommitInfo| has_path(repo, c, &path).unwrap_or(false);
            // An object over its size limit in the commit in force is an input error
            // naming the commit, never a silent "no policy".
            let in_force_has_client = match in_force.map(|c| has_path(repo, c, &path)) {
                Some(Err(e)) => {
                    return Err(git_error(HistoryError::InForce {
                        source: Box::new(e),
                        commit: in_force.map_or("", CommitInfo::short).to_owned(),
                        month,
                    }));
                }
                Some(Ok(has)) => has,
                None => false,
            };
            match in_force {
                Some(commit) if in_force_has_client => self.load_at(repo, client, commit, month, None),
                _ => {
                    // No policy in force yet (evidence older than the policy repository):
                    // evaluate against the first committed version, and say so, rather than
                    // dropping the month. Without any committed version it is an error.
                    // Not for a client deleted since (its first version predates the
                    // month), nor in a shallow clone whose history may hide older versions.
                    let first = self.commits.iter().rev().find(|c| has_client(c));
                    let oldest_known = self.commits.last();
                    match first {
                        Some(first)
                            if first.in_force_from >= month.end()
                                && !(self.truncated && oldest_known == Some(first)) =>
                        {
                            let note = format!(
                                "no policy committed by the end of {month}: evaluated against the first committed version ({}, {})",
                                first.date(),
                                first.short()
                            );
                            self.load_at(repo, client, first, month, Some(note))
                        }
                        _ => Err(vec![self.no_policy(repo, client, month, in_force)]),
                    }
                }
            }
        })
        .map_err(git_error)?
    }

    /// Loads the client's policy from a commit's tree.
    fn load_at(
        &self,
        repo: &Repository,
        client: &ClientId,
        commit: &CommitInfo,
        month: Month,
        note: Option<String>,
    ) -> Result<(Policy, PolicyProvenance), Vec<Diagnostic>> {
        let tree =
            commit_tree(repo, commit.oid).map_err(|e| vec![e.into_client_diagnostic(client)])?;
        if !matches!(lookup(repo, &tree, &self.client_file(client)), Ok(Some(_))) {
            return Err(vec![self.no_policy(repo, client, month, Some(commit))]);
        }
        let source = TreeSource {
            repo,
            tree: &tree,
            prefix: &self.prefix,
        };
        let policy =
            load_policy(&source, client, crate::controls::known()).map_err(|mut diags| {
                for d in &mut diags {
                    d.message = format!(
                        "{} (as committed in {} on {}, the policy in force at the end of {month})",
                        d.message,
                        commit.short(),
                        commit.date()
                    );
                }
                diags
            })?;
        let provenance = PolicyProvenance {
            source: "git".into(),
            commit: Some(commit.sha.clone()),
            committed_at: Some(commit.committed_at()),
            note,
            files: files(&policy),
        };
        Ok((policy, provenance))
    }

    /// Whether `clients/<client>/` has modified, staged or untracked (not ignored) files.
    fn uncommitted_changes(
        &self,
        repo: &Repository,
        client: &ClientId,
    ) -> Result<bool, HistoryError> {
        let dir = format!("{}clients/{client}", self.prefix);
        let mut opts = StatusOptions::new();
        opts.pathspec(&dir)
            .disable_pathspec_match(true)
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true);
        let statuses = repo
            .statuses(Some(&mut opts))
            .map_err(HistoryError::Status)?;
        let inside = format!("{dir}/");
        Ok(statuses.iter().any(|s| {
            let status = s.status();
            let in_dir = String::from_utf8_lossy(s.path_bytes()).starts_with(&inside);
            in_dir && !status.is_empty() && !status.intersects(Status::CURRENT | Status::IGNORED)
        }))
    }

    /// The diagnostic for a month without a committed policy of `client`.
    fn no_policy(
        &self,
        repo: &Repository,
        client: &ClientId,
        month: Month,
        in_force: Option<&CommitInfo>,
    ) -> Diagnostic {
        let path = self.client_file(client);
        let has_client = |c: &CommitInfo| has_path(repo, c, &path).unwrap_or(false);
        // Oldest first: the index (newest first) of the client's first commit.
        let first = (0..self.commits.len())
            .rev()
            .find(|&i| has_client(&self.commits[i]));
        let in_force_index = in_force.and_then(|c| self.commits.iter().position(|x| x == c));
        let mut message = match (first, in_force_index) {
            (Some(f), Some(i)) if f >= i => format!(
                "no policy in force at the end of {month}: clients/{client}/client.toml is not in commit {} of {}, the newest commit by then (first commit touching this client: {}, {})",
                self.commits[i].short(),
                self.commits[i].date(),
                self.commits[f].date(),
                self.commits[f].short(),
            ),
            (Some(f), _) => format!(
                "no policy committed on or before the end of {month} (first commit touching this client: {}, {})",
                self.commits[f].date(),
                self.commits[f].short(),
            ),
            (None, _) => format!(
                "no policy committed on or before the end of {month} (clients/{client}/client.toml is in no commit of the current branch)"
            ),
        };
        let at_oldest = first.is_none_or(|f| f + 1 == self.commits.len());
        if self.truncated
            && at_oldest
            && let Some(oldest) = self.commits.last()
        {
            message = format!(
                "{message}; the git history is shallow and starts at {}: fetch the full history (e.g. actions/checkout with fetch-depth: 0)",
                oldest.date()
            );
        }
        Diagnostic::file(format!("clients/{client}"), message)
            .with_code(crate::diagnostic::Code::PolicyHistory)
            .for_client(client.as_str())
    }

    fn source_at(&self, rev: &str) -> Result<Box<dyn PolicySource + Send + Sync>, HistoryError> {
        let repo = self.open_repo()?;
        let (tree, label) = source_tree(&repo, rev)?;
        Ok(Box::new(CommitSource {
            repo: Mutex::new(repo),
            tree,
            prefix: self.prefix.clone(),
            label,
        }))
    }

    fn resolve(&self, rev: &str) -> Result<String, HistoryError> {
        self.with_repo(|repo| {
            revision(repo, rev)?
                .peel_to_commit()
                .map(|c| c.id().to_string())
                .map_err(|source| HistoryError::NotACommit {
                    rev: rev.to_owned(),
                    source,
                })
        })?
    }

    fn default_base(&self) -> Result<String, HistoryError> {
        self.with_repo(|repo| {
            let head = repo
                .head()
                .and_then(|h| h.peel_to_commit())
                .map_err(HistoryError::Head)?
                .id();
            let (name, base) = ["refs/remotes/origin/main", "refs/heads/main"]
                .into_iter()
                .find_map(|name| {
                    let commit = repo.find_reference(name).ok()?.peel_to_commit().ok()?;
                    Some((name, commit.id()))
                })
                .ok_or(HistoryError::NoMain)?;
            let short = name
                .trim_start_matches("refs/remotes/")
                .trim_start_matches("refs/heads/");
            repo.merge_base(head, base)
                .map(|o| o.to_string())
                .map_err(|source| HistoryError::NoCommonAncestor {
                    branch: short.to_owned(),
                    source,
                })
        })?
    }

    fn clients_at(&self, rev: &str) -> Result<Vec<ClientId>, HistoryError> {
        self.with_repo(|repo| {
            let object = revision(repo, rev)?;
            let tree = match object.peel(ObjectType::Commit) {
                Ok(commit) => commit_tree(repo, commit.id())?,
                Err(_) => {
                    let id = object
                        .peel(ObjectType::Tree)
                        .map_err(|source| HistoryError::NoTree {
                            rev: rev.to_owned(),
                            source,
                        })?
                        .id();
                    bounded_tree(repo, id, &format!("revision {rev:?}"))?
                }
            };
            let path = format!("{}clients", self.prefix);
            let at = |e: HistoryError| HistoryError::ClientsAt {
                rev: rev.to_owned(),
                source: Box::new(e),
            };
            let Some((id, ObjectType::Tree, _)) = lookup(repo, &tree, &path).map_err(at)? else {
                return Ok(Vec::new());
            };
            let clients = bounded_tree(repo, id, "clients/").map_err(at)?;
            let mut ids: Vec<ClientId> = clients
                .iter()
                .filter(|e| e.kind() == Some(ObjectType::Tree))
                .filter_map(|e| ClientId::parse(e.name().ok()?).ok())
                .collect();
            ids.sort();
            Ok(ids)
        })?
    }
}

/// The first-parent history of `HEAD`, newest first (never empty), and whether it is cut
/// short. `Err` when there are no commits or `clients/` is not in `HEAD`.
fn first_parent_history(
    git: &Repository,
    prefix: &str,
    workdir: &Path,
) -> Result<(Vec<CommitInfo>, bool), HistoryError> {
    let head = match git.head() {
        Ok(h) => h,
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
            return Err(HistoryError::NoCommits);
        }
        Err(e) => return Err(HistoryError::Head(e)),
    };
    // Sized from its header before it is read, as every commit below.
    let head_id = head
        .resolve()
        .ok()
        .and_then(|h| h.target())
        .ok_or(HistoryError::HeadNamesNoCommit)?;
    let head = match source::check_object(
        git,
        head_id,
        ObjectType::Commit,
        source::MAX_COMMIT_BYTES,
        "HEAD",
    ) {
        Ok(()) => git.find_commit(head_id).map_err(HistoryError::Head)?,
        Err(e) => return Err(HistoryError::HeadObject(Box::new(e))),
    };
    let tracked = commit_tree(git, head_id)
        .map(|t| matches!(lookup(git, &t, &format!("{prefix}clients")), Ok(Some(_))))
        .unwrap_or(false);
    if !tracked {
        return Err(HistoryError::ClientsNotCommitted {
            workdir: workdir.to_path_buf(),
        });
    }
    let mut commits = vec![CommitInfo::new(head.id(), head.time().seconds())];
    let mut truncated = git.is_shallow();
    let mut next = head.parent_id(0).ok();
    while let Some(id) = next {
        // A commit missing from the object database (shallow clone, pruned) ends the
        // history; one too large to read is an error naming it, never inflated.
        let header = git.odb().and_then(|odb| odb.read_header(id));
        if let Ok((size, _)) = header
            && size as u64 > source::MAX_COMMIT_BYTES
        {
            return Err(HistoryError::HistoryCommitTooLarge {
                id,
                size: size as u64,
                cap: source::MAX_COMMIT_BYTES,
            });
        }
        match header.and_then(|_| git.find_commit(id)) {
            Ok(c) => {
                commits.push(CommitInfo::new(id, c.time().seconds()));
                next = c.parent_id(0).ok();
            }
            Err(_) => {
                truncated = true;
                next = None;
            }
        }
    }
    Ok((commits, truncated))
}

/// The root tree a revision names, sized before it is read, and how read errors name it.
fn source_tree(repo: &Repository, rev: &str) -> Result<(Oid, String), HistoryError> {
    let object = revision(repo, rev)?;
    match object.peel(ObjectType::Commit) {
        Ok(commit) => {
            let tree = commit_tree(repo, commit.id())?.id();
            let sha = commit.id().to_string();
            Ok((tree, format!("revision {rev:?}, commit {}", &sha[..7])))
        }
        // A tree-ish that is not a commit (`HEAD^{tree}`): no commit to name.
        Err(_) => {
            let tree = object
                .peel(ObjectType::Tree)
                .map_err(|source| HistoryError::NoTree {
                    rev: rev.to_owned(),
                    source,
                })?
                .id();
            bounded_tree(repo, tree, &format!("revision {rev:?}"))?;
            Ok((tree, format!("revision {rev:?}")))
        }
    }
}

/// Whether `path` is in the tree of `commit`; `Err` when an object on the way is over its
/// size limit or unreadable.
fn has_path(repo: &Repository, commit: &CommitInfo, path: &str) -> Result<bool, HistoryError> {
    let tree = commit_tree(repo, commit.oid)?;
    Ok(lookup(repo, &tree, path)?.is_some())
}

/// The object a revision names, or an error naming the revision.
fn revision<'r>(repo: &'r Repository, rev: &str) -> Result<git2::Object<'r>, HistoryError> {
    // `revparse_single` reads the object whole: when the revision names it directly (a
    // branch, a tag, HEAD, a full sha), it is sized from its header first.
    let direct = repo
        .resolve_reference_from_short_name(rev)
        .ok()
        .and_then(|r| r.resolve().ok())
        .and_then(|r| r.target())
        .or_else(|| Oid::from_str(rev).ok().filter(|_| rev.len() == 40));
    if let Some(id) = direct
        && let Ok((_, kind)) = repo.odb().and_then(|odb| odb.read_header(id))
    {
        let cap = match kind {
            ObjectType::Tree => source::MAX_TREE_BYTES,
            ObjectType::Blob => crate::policy::load::MAX_POLICY_FILE_BYTES,
            _ => source::MAX_COMMIT_BYTES,
        };
        source::check_object(repo, id, kind, cap, &format!("revision {rev:?}"))?;
    }
    repo.revparse_single(rev)
        .map_err(|source| HistoryError::UnknownRevision {
            rev: rev.to_owned(),
            source,
        })
}

/// `repo` relative to the git work tree `workdir`, as `""` or `"sub/dir/"`.
fn prefix_of(repo: &Path, workdir: &Path) -> Result<String, HistoryError> {
    let canon = |p: &Path| {
        p.canonicalize().map_err(|source| HistoryError::Resolve {
            path: p.to_path_buf(),
            source,
        })
    };
    let (repo_abs, workdir_abs) = (canon(repo)?, canon(workdir)?);
    let rel = repo_abs
        .strip_prefix(&workdir_abs)
        .map_err(|_| HistoryError::OutsideWorkTree {
            repo: repo.to_path_buf(),
            workdir: workdir.to_path_buf(),
        })?;
    let mut prefix = String::new();
    for c in rel.components() {
        match c {
            Component::Normal(name) => {
                let name = name.to_str().ok_or_else(|| HistoryError::NotUtf8 {
                    repo: repo.to_path_buf(),
                })?;
                prefix.push_str(name);
                prefix.push('/');
            }
            _ => {
                return Err(HistoryError::CannotPlace {
                    repo: repo.to_path_buf(),
                });
            }
        }
    }
    Ok(prefix)
}

// `policy_for_month` is called from rayon threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<PolicyHistory>();
};
