//! Stamps the commit custody was built from into `custody --version`
//! (`CUSTODY_BUILD_COMMIT`): `git rev-parse HEAD` when this source tree is its own git
//! checkout, else the `CUSTODY_COMMIT` environment variable, else "unknown". A tarball
//! without `.git` (crates.io, a vendored copy) must still build, so nothing here fails.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CUSTODY_COMMIT");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = git_commit(&manifest_dir)
        .or_else(|| {
            std::env::var("CUSTODY_COMMIT")
                .ok()
                .filter(|c| is_commit(c))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=CUSTODY_BUILD_COMMIT={commit}");
}

/// A full or abbreviated hex object id: anything else (a stray value in the
/// environment) is not printed as a commit.
fn is_commit(s: &str) -> bool {
    (7..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    Some(s.trim().to_owned())
}

/// HEAD's commit, only when the manifest directory is the top of a git work tree: a
/// source tarball unpacked inside some other repository must not report that
/// repository's commit.
fn git_commit(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let same = match (Path::new(&top).canonicalize(), dir.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same {
        return None;
    }
    // Rebuild when HEAD moves: HEAD itself (checkout), the branch it points at (commit),
    // and packed-refs (a packed branch). Only existing paths are named: Cargo treats a
    // missing one as always changed, which would re-run this on every build.
    let mut watched = vec![git(dir, &["rev-parse", "--git-path", "HEAD"])?];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        if let Some(loose) = git(dir, &["rev-parse", "--git-path", &branch]) {
            // Not yet written while the branch is packed: its folder changes when it is.
            let p = dir.join(&loose);
            if p.is_file() {
                watched.push(loose);
            } else if let Some(parent) = p.parent().filter(|p| p.is_dir()) {
                watched.push(parent.display().to_string());
            }
        }
        if let Some(packed) = git(dir, &["rev-parse", "--git-path", "packed-refs"]) {
            watched.push(packed);
        }
    }
    for p in watched {
        let p = dir.join(p);
        if p.exists() {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
    git(dir, &["rev-parse", "HEAD"]).filter(|c| is_commit(c))
}
