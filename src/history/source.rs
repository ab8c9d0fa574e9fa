//! Policy files read from git objects: a tree of one commit, through `PolicySource`.
//!
//! Every object is sized from its header before it is inflated (libgit2 reads the header
//! without inflating the object), so a gigabyte blob, tree or commit in a pull request's
//! history is refused for the cost of a few bytes.

use super::HistoryError;
use crate::policy::load::{MAX_POLICY_FILE_BYTES, PolicySource, ReadError};
use git2::{ObjectType, Oid, Repository, Tree};
use std::sync::{Mutex, PoisonError};

/// Git's file mode of a symbolic link.
const MODE_LINK: i32 = 0o120000;
/// How many symbolic links one read follows before giving up (a loop).
const MAX_LINKS: usize = 8;
/// Largest symbolic link target read (Linux's PATH_MAX).
const MAX_LINK_BYTES: u64 = 4096;
/// Largest tree read: 16 MiB is some 300,000 entries, far beyond a policy repository's
/// folders.
pub(super) const MAX_TREE_BYTES: u64 = 16 << 20;
/// Largest commit read: a commit is a few hundred bytes plus its message and signature.
pub(super) const MAX_COMMIT_BYTES: u64 = 4 << 20;

/// Checks an object's type and size from its header, before anything inflates it. `what`
/// names the object in the message (a path, or "commit 1a2b3c4").
pub(super) fn check_object(
    repo: &Repository,
    id: Oid,
    kind: ObjectType,
    cap: u64,
    what: &str,
) -> Result<(), HistoryError> {
    let odb = repo.odb().map_err(HistoryError::Odb)?;
    let (size, found) = odb
        .read_header(id)
        .map_err(|source| HistoryError::Object { id, source })?;
    if found != kind {
        return Err(HistoryError::Kind {
            id,
            found,
            expected: kind,
        });
    }
    let size = size as u64;
    if size > cap {
        return Err(match kind {
            ObjectType::Blob => HistoryError::BlobTooLarge { size, cap },
            _ => HistoryError::ObjectTooLarge {
                what: what.to_owned(),
                kind,
                id,
                size,
                cap,
            },
        });
    }
    Ok(())
}

/// The root tree of a commit, both sized before they are read.
pub(super) fn commit_tree<'r>(repo: &'r Repository, commit: Oid) -> Result<Tree<'r>, HistoryError> {
    let short = &commit.to_string()[..7];
    check_object(
        repo,
        commit,
        ObjectType::Commit,
        MAX_COMMIT_BYTES,
        &format!("commit {short}"),
    )?;
    let tree = repo
        .find_commit(commit)
        .map_err(|source| HistoryError::Commit { id: commit, source })?
        .tree_id();
    bounded_tree(repo, tree, &format!("the tree of commit {short}"))
}

/// A tree, sized before it is read.
pub(super) fn bounded_tree<'r>(
    repo: &'r Repository,
    id: Oid,
    what: &str,
) -> Result<Tree<'r>, HistoryError> {
    check_object(repo, id, ObjectType::Tree, MAX_TREE_BYTES, what)?;
    repo.find_tree(id)
        .map_err(|source| HistoryError::Tree { id, source })
}

/// The id and file mode of the entry at `path` (`/` separators) below `tree`, `Ok(None)`
/// when there is none. Each tree on the way is sized before it is read (`Tree::get_path`
/// would inflate them whole).
pub(super) fn lookup(
    repo: &Repository,
    tree: &Tree<'_>,
    path: &str,
) -> Result<Option<(Oid, ObjectType, i32)>, HistoryError> {
    let mut parts = path.split('/').filter(|p| !p.is_empty()).peekable();
    let mut current: Option<Tree<'_>> = None;
    let mut walked = String::new();
    while let Some(part) = parts.next() {
        let dir = current.as_ref().unwrap_or(tree);
        let Some((id, kind, mode)) = dir.get_name(part).map(|e| (e.id(), e.kind(), e.filemode()))
        else {
            return Ok(None);
        };
        if parts.peek().is_none() {
            return Ok(kind.map(|k| (id, k, mode)));
        }
        walked.push_str(part);
        walked.push('/');
        if kind != Some(ObjectType::Tree) {
            return Ok(None);
        }
        current = Some(bounded_tree(repo, id, &walked)?);
    }
    Ok(None)
}

/// A tree borrowed from an open repository, for reads on one thread.
pub(super) struct TreeSource<'a> {
    pub repo: &'a Repository,
    pub tree: &'a Tree<'a>,
    /// Path of the custody repository inside the git work tree: `""` or `"sub/dir/"`.
    pub prefix: &'a str,
}

impl PolicySource for TreeSource<'_> {
    fn read(&self, rel_path: &str) -> Result<Option<String>, ReadError> {
        Ok(read_file(
            self.repo,
            self.tree,
            &format!("{}{rel_path}", self.prefix),
        )?)
    }
}

/// A tree with its own repository handle: `Send + Sync`, for `PolicyHistory::source_at`.
pub(super) struct CommitSource {
    pub repo: Mutex<Repository>,
    pub tree: Oid,
    pub prefix: String,
    /// The revision as given, and its commit: read errors name them (`revision "main",
    /// commit 1a2b3c4`), as a month's policy names the commit it comes from.
    pub label: String,
}

impl PolicySource for CommitSource {
    fn read(&self, rel_path: &str) -> Result<Option<String>, ReadError> {
        let repo = self.repo.lock().unwrap_or_else(PoisonError::into_inner);
        let read = || {
            let tree = bounded_tree(&repo, self.tree, "the root tree")?;
            read_file(&repo, &tree, &format!("{}{rel_path}", self.prefix))
        };
        Ok(read().map_err(|e| HistoryError::At {
            source: Box::new(e),
            label: self.label.clone(),
        })?)
    }
}

/// The text of a file of `tree` at a work-tree-relative path (`/` separators), `Ok(None)`
/// when there is none. Symbolic links inside the repository are followed, as the working
/// tree would.
pub(super) fn read_file(
    repo: &Repository,
    tree: &Tree<'_>,
    path: &str,
) -> Result<Option<String>, HistoryError> {
    let mut path = path.to_owned();
    for _ in 0..=MAX_LINKS {
        let Some((id, kind, mode)) = lookup(repo, tree, &path)? else {
            return Ok(None);
        };
        match kind {
            ObjectType::Blob if mode == MODE_LINK => {
                let target = read_blob(repo, id, MAX_LINK_BYTES)?;
                let target = std::str::from_utf8(&target).map_err(|_| HistoryError::LinkNotUtf8)?;
                path = link_target(&path, target)?;
            }
            // The same limits and encoding rules as the working tree, the size taken
            // from the object header before the blob is inflated.
            ObjectType::Blob => {
                let bytes = read_blob(repo, id, MAX_POLICY_FILE_BYTES)?;
                return Ok(Some(crate::repo::decode_utf8(bytes)?));
            }
            ObjectType::Tree => return Err(HistoryError::Directory),
            _ => return Err(HistoryError::NotAFile),
        }
    }
    Err(HistoryError::TooManyLinks)
}

/// A blob's bytes, refused from its header when over `cap`.
fn read_blob(repo: &Repository, id: Oid, cap: u64) -> Result<Vec<u8>, HistoryError> {
    check_object(repo, id, ObjectType::Blob, cap, "blob")?;
    let blob = repo
        .find_blob(id)
        .map_err(|source| HistoryError::Object { id, source })?;
    Ok(blob.content().to_vec())
}

/// Where a symbolic link at `link` (work-tree-relative) points, work-tree-relative.
fn link_target(link: &str, target: &str) -> Result<String, HistoryError> {
    let leaves = || HistoryError::LinkLeaves {
        target: target.to_owned(),
    };
    if target.starts_with('/') || target.contains('\\') || target.contains(':') {
        return Err(leaves());
    }
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(leaves());
                }
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::link_target;

    #[test]
    fn link_targets_resolve_inside_the_repository_only() {
        assert_eq!(
            link_target("clients/a/raci.toml", "../shared/raci.toml").unwrap(),
            "clients/shared/raci.toml"
        );
        assert_eq!(
            link_target("clients/a/raci.toml", "./raci-2.toml").unwrap(),
            "clients/a/raci-2.toml"
        );
        assert!(link_target("clients/a/raci.toml", "../../../x").is_err());
        assert!(link_target("clients/a/raci.toml", "/etc/passwd").is_err());
    }
}
