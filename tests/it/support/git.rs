//! Commits for tests that need a git history.

use git2::{IndexAddOption, Repository, Signature};

/// Commits `paths` (globs relative to the work tree; `["*"]` is everything) on top of
/// `HEAD`, by a fixed test identity, now.
pub fn commit_paths(repo: &Repository, paths: &[&str], message: &str) {
    let sig = Signature::now("MSP Engineer", "eng@msp.example").unwrap();
    let mut index = repo.index().unwrap();
    index.add_all(paths, IndexAddOption::DEFAULT, None).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
        .unwrap();
}

/// Commits everything in the work tree on top of `HEAD`.
pub fn commit_all(repo: &Repository) {
    commit_paths(repo, &["*"], "policy");
}
