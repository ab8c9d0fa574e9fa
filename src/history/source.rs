//! Policy files read from git objects: a tree of one commit, through `PolicySource`.

use crate::policy::load::PolicySource;
use git2::{ErrorCode, ObjectType, Oid, Repository, Tree};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

/// Git's file mode of a symbolic link.
const MODE_LINK: i32 = 0o120000;
/// How many symbolic links one read follows before giving up (a loop).
const MAX_LINKS: usize = 8;

/// A tree borrowed from an open repository, for reads on one thread.
pub(super) struct TreeSource<'a> {
    pub repo: &'a Repository,
    pub tree: &'a Tree<'a>,
    /// Path of the custody repository inside the git work tree: `""` or `"sub/dir/"`.
    pub prefix: &'a str,
}

impl PolicySource for TreeSource<'_> {
    fn read(&self, rel_path: &str) -> Result<Option<String>, String> {
        read_file(self.repo, self.tree, &format!("{}{rel_path}", self.prefix))
    }
}

/// A tree with its own repository handle: `Send + Sync`, for `PolicyHistory::source_at`.
pub(super) struct CommitSource {
    pub repo: Mutex<Repository>,
    pub tree: Oid,
    pub prefix: String,
}

impl PolicySource for CommitSource {
    fn read(&self, rel_path: &str) -> Result<Option<String>, String> {
        let repo = self.repo.lock().unwrap_or_else(PoisonError::into_inner);
        let tree = repo
            .find_tree(self.tree)
            .map_err(|e| format!("cannot read git tree {}: {}", self.tree, e.message()))?;
        read_file(&repo, &tree, &format!("{}{rel_path}", self.prefix))
    }
}

/// The text of a file of `tree` at a work-tree-relative path (`/` separators), `Ok(None)`
/// when there is none. Symbolic links inside the repository are followed, as the working
/// tree would.
pub(super) fn read_file(
    repo: &Repository,
    tree: &Tree<'_>,
    path: &str,
) -> Result<Option<String>, String> {
    let mut path = path.to_owned();
    for _ in 0..=MAX_LINKS {
        let entry = match tree.get_path(Path::new(&path)) {
            Ok(e) => e,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.message().to_owned()),
        };
        match entry.kind() {
            Some(ObjectType::Blob) => {
                let blob = repo.find_blob(entry.id()).map_err(|e| {
                    format!("cannot read git object {}: {}", entry.id(), e.message())
                })?;
                if entry.filemode() == MODE_LINK {
                    let target = std::str::from_utf8(blob.content())
                        .map_err(|_| "symbolic link target is not valid UTF-8".to_owned())?;
                    path = link_target(&path, target)?;
                    continue;
                }
                // The same limits and encoding rules as the working tree.
                let cap = crate::policy::load::MAX_POLICY_FILE_BYTES;
                if blob.size() as u64 > cap {
                    return Err(crate::repo::too_large(blob.size() as u64, cap));
                }
                return crate::repo::decode_utf8(blob.content().to_vec()).map(Some);
            }
            Some(ObjectType::Tree) => return Err("is a directory, not a file".to_owned()),
            _ => return Err("is not a file (a submodule?)".to_owned()),
        }
    }
    Err("too many levels of symbolic links".to_owned())
}

/// Where a symbolic link at `link` (work-tree-relative) points, work-tree-relative.
fn link_target(link: &str, target: &str) -> Result<String, String> {
    if target.starts_with('/') || target.contains('\\') || target.contains(':') {
        return Err(format!("symbolic link to {target:?} leaves the repository"));
    }
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("symbolic link to {target:?} leaves the repository"));
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
