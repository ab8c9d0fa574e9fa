//! What can go wrong reading policy from git, as values: opening the repository,
//! reading an object (each sized from its header first), resolving a revision. Each
//! variant carries the revision, object id or path involved and libgit2's error; the
//! text is the message custody has always printed (libgit2's message, without its
//! class and code).

use crate::diagnostic::{Code, Diagnostic};
use crate::month::Month;
use git2::{ObjectType, Oid};
use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum HistoryError {
    // ---- opening the repository (the reason a history is `NotGit`)
    NotARepository,
    Open(git2::Error),
    NoWorkTree,
    /// The custody repository or the work tree cannot be resolved to a real path.
    Resolve {
        path: PathBuf,
        source: std::io::Error,
    },
    OutsideWorkTree {
        repo: PathBuf,
        workdir: PathBuf,
    },
    NotUtf8 {
        repo: PathBuf,
    },
    CannotPlace {
        repo: PathBuf,
    },
    NoCommits,
    Head(git2::Error),
    HeadNamesNoCommit,
    /// HEAD's commit object is unusable (over its size limit, unreadable).
    HeadObject(Box<HistoryError>),
    ClientsNotCommitted {
        workdir: PathBuf,
    },
    /// A commit of the first-parent history over the commit size limit.
    HistoryCommitTooLarge {
        id: Oid,
        size: u64,
        cap: u64,
    },
    Reopen {
        workdir: PathBuf,
        source: git2::Error,
    },
    // ---- objects
    Odb(git2::Error),
    Object {
        id: Oid,
        source: git2::Error,
    },
    Kind {
        id: Oid,
        found: ObjectType,
        expected: ObjectType,
    },
    BlobTooLarge {
        size: u64,
        cap: u64,
    },
    /// A tree or commit over its size limit; `what` names it (a path, "commit 1a2b3c4").
    ObjectTooLarge {
        what: String,
        kind: ObjectType,
        id: Oid,
        size: u64,
        cap: u64,
    },
    Commit {
        id: Oid,
        source: git2::Error,
    },
    Tree {
        id: Oid,
        source: git2::Error,
    },
    LinkNotUtf8,
    LinkLeaves {
        target: String,
    },
    Decode(crate::repo::DecodeError),
    Directory,
    NotAFile,
    TooManyLinks,
    /// A read error, and the revision and commit it happened at.
    At {
        source: Box<HistoryError>,
        label: String,
    },
    // ---- revisions
    /// Outside git, a revision cannot be read: `reason` says why it is not git.
    NotGitRevision {
        reason: String,
        rev: String,
    },
    NotGitBase {
        reason: String,
    },
    UnknownRevision {
        rev: String,
        source: git2::Error,
    },
    NotACommit {
        rev: String,
        source: git2::Error,
    },
    NoTree {
        rev: String,
        source: git2::Error,
    },
    NoMain,
    NoCommonAncestor {
        branch: String,
        source: git2::Error,
    },
    ClientsAt {
        rev: String,
        source: Box<HistoryError>,
    },
    Status(git2::Error),
    /// The commit in force at the end of `month` cannot be read.
    InForce {
        source: Box<HistoryError>,
        commit: String,
        month: Month,
    },
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use HistoryError as E;
        match self {
            E::NotARepository => f.write_str("not a git repository"),
            E::Open(e) => write!(f, "cannot open the git repository: {}", e.message()),
            E::NoWorkTree => f.write_str("the git repository has no work tree"),
            E::Resolve { path, source } => {
                write!(f, "cannot resolve {}: {source}", path.display())
            }
            E::OutsideWorkTree { repo, workdir } => write!(
                f,
                "{} is not inside the git work tree {}",
                repo.display(),
                workdir.display()
            ),
            E::NotUtf8 { repo } => write!(f, "{} is not valid UTF-8", repo.display()),
            E::CannotPlace { repo } => {
                write!(f, "cannot place {} in the git work tree", repo.display())
            }
            E::NoCommits => f.write_str("no commits yet"),
            E::Head(e) => write!(f, "cannot read git HEAD: {}", e.message()),
            E::HeadNamesNoCommit => f.write_str("cannot read git HEAD: it names no commit"),
            E::HeadObject(e) => write!(f, "cannot read git HEAD: {e}"),
            E::ClientsNotCommitted { workdir } => write!(
                f,
                "clients/ is not committed in the git repository at {}",
                workdir.display()
            ),
            E::HistoryCommitTooLarge { id, size, cap } => write!(
                f,
                "commit {id} in the history of HEAD is {size} bytes, larger than the {cap} byte limit for a commit"
            ),
            E::Reopen { workdir, source } => write!(
                f,
                "cannot open the git repository at {}: {}",
                workdir.display(),
                source.message()
            ),
            E::Odb(e) => write!(f, "cannot read the git object database: {}", e.message()),
            E::Object { id, source } => {
                write!(f, "cannot read git object {id}: {}", source.message())
            }
            E::Kind {
                id,
                found,
                expected,
            } => write!(f, "git object {id} is a {found}, expected a {expected}"),
            E::BlobTooLarge { size, cap } => f.write_str(&crate::repo::too_large(*size, *cap)),
            E::ObjectTooLarge {
                what,
                kind,
                id,
                size,
                cap,
            } => write!(
                f,
                "{what}: git {kind} {id} is {size} bytes, larger than the {cap} byte limit"
            ),
            E::Commit { id, source } => write!(f, "cannot read commit {id}: {}", source.message()),
            E::Tree { id, source } => write!(f, "cannot read git tree {id}: {}", source.message()),
            E::LinkNotUtf8 => f.write_str("symbolic link target is not valid UTF-8"),
            E::LinkLeaves { target } => {
                write!(f, "symbolic link to {target:?} leaves the repository")
            }
            E::Decode(e) => e.fmt(f),
            E::Directory => f.write_str("is a directory, not a file"),
            E::NotAFile => f.write_str("is not a file (a submodule?)"),
            E::TooManyLinks => f.write_str("too many levels of symbolic links"),
            E::At { source, label } => write!(f, "{source} (at {label})"),
            E::NotGitRevision { reason, rev } => {
                write!(f, "{reason}: cannot read revision {rev:?}")
            }
            E::NotGitBase { reason } => write!(f, "{reason}: no default base revision"),
            E::UnknownRevision { rev, source } => {
                write!(f, "unknown git revision {rev:?}: {}", source.message())
            }
            E::NotACommit { rev, source } => {
                write!(f, "revision {rev:?} is not a commit: {}", source.message())
            }
            E::NoTree { rev, source } => {
                write!(f, "revision {rev:?} has no tree: {}", source.message())
            }
            E::NoMain => f.write_str("neither origin/main nor main exists: name the base revision"),
            E::NoCommonAncestor { branch, source } => write!(
                f,
                "HEAD and {branch} have no common ancestor: {}",
                source.message()
            ),
            E::ClientsAt { rev, source } => write!(f, "cannot read clients/ at {rev:?}: {source}"),
            E::Status(e) => write!(f, "cannot read git status: {}", e.message()),
            E::InForce {
                source,
                commit,
                month,
            } => write!(
                f,
                "{source} (as committed in {commit}, the policy in force at the end of {month})"
            ),
        }
    }
}

impl std::error::Error for HistoryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        use HistoryError as E;
        match self {
            E::Open(e) | E::Head(e) | E::Odb(e) | E::Status(e) => Some(e),
            E::Reopen { source, .. }
            | E::Object { source, .. }
            | E::Commit { source, .. }
            | E::Tree { source, .. }
            | E::UnknownRevision { source, .. }
            | E::NotACommit { source, .. }
            | E::NoTree { source, .. }
            | E::NoCommonAncestor { source, .. } => Some(source),
            E::Resolve { source, .. } => Some(source),
            E::Decode(e) => Some(e),
            E::HeadObject(e) => Some(e.as_ref()),
            E::At { source, .. } | E::ClientsAt { source, .. } | E::InForce { source, .. } => {
                Some(source.as_ref())
            }
            _ => None,
        }
    }
}

impl From<crate::repo::DecodeError> for HistoryError {
    fn from(e: crate::repo::DecodeError) -> Self {
        HistoryError::Decode(e)
    }
}

impl HistoryError {
    /// The reason as it may be published (a scorecard's policy provenance, the site): the
    /// same sentence without local paths or git's own text, which can name the folders
    /// of the machine that built the site. The terminal warning keeps the full text.
    pub fn published(&self) -> String {
        use HistoryError as E;
        match self {
            E::Open(_) | E::Reopen { .. } => "cannot open the git repository".to_owned(),
            E::Resolve { .. } => "cannot resolve the repository's path".to_owned(),
            E::OutsideWorkTree { .. } => {
                "the repository is not inside the git work tree".to_owned()
            }
            E::NotUtf8 { .. } => "the repository's path is not valid UTF-8".to_owned(),
            E::CannotPlace { .. } => "cannot place the repository in the git work tree".to_owned(),
            E::ClientsNotCommitted { .. } => {
                "clients/ is not committed in the git repository".to_owned()
            }
            E::Head(_) | E::HeadObject(_) => "cannot read git HEAD".to_owned(),
            E::Odb(_) => "cannot read the git object database".to_owned(),
            E::Status(_) => "cannot read the git status".to_owned(),
            other => other.to_string(),
        }
    }

    /// Whether git itself could not be used (as opposed to the path not being in a git
    /// repository, or the history having nothing in it yet).
    pub fn is_git_failure(&self) -> bool {
        !matches!(
            self,
            HistoryError::NotARepository
                | HistoryError::NoCommits
                | HistoryError::ClientsNotCommitted { .. }
        )
    }

    /// A revision or the history cannot be read: the message names it.
    pub fn into_diagnostic(self) -> Diagnostic {
        Diagnostic::general(Code::PolicyHistory, self.to_string())
    }

    /// A client's policy cannot be read from history: about its folder.
    pub fn into_client_diagnostic(self, client: &crate::client_id::ClientId) -> Diagnostic {
        Diagnostic::file(format!("clients/{client}"), self.to_string())
            .with_code(Code::PolicyHistory)
            .for_client(client.as_str())
    }
}
