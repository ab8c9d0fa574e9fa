//! Every output file goes through here: paths are checked to stay inside the output
//! folder, and the site is written to a staging folder and swapped in only when the
//! build finished, so a failed build leaves the previous site untouched. Files of the
//! previous site that an incremental build reuses are hard-linked into the staging
//! folder (copied where links are not possible), so they keep their bytes and inode.
//! Writing takes `&self`: clients are rendered and written in parallel. The marker
//! (`output::MARKER`) is the staging folder's first file, so every site carries it and
//! a leftover staging folder is removed only when custody can tell it wrote it.

use super::error::SiteError;
use super::output;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

pub struct SiteWriter {
    staging: PathBuf,
    files: AtomicUsize,
    linked: AtomicUsize,
    bytes: AtomicU64,
}

/// A relative path of plain components (no `..`, no root, no empty parts).
pub fn safe_relative(rel: &str) -> Result<&Path, SiteError> {
    let p = Path::new(rel);
    let ok = !rel.is_empty()
        && !rel.contains('\\')
        && p.components().all(|c| matches!(c, Component::Normal(_)))
        && !rel.split('/').any(str::is_empty);
    if ok {
        Ok(p)
    } else {
        Err(SiteError::Outside {
            rel: rel.to_owned(),
        })
    }
}

impl SiteWriter {
    /// Creates a staging folder beside `out` holding only the marker. `out` must have
    /// passed [`output::check`].
    pub fn new(out: &Path) -> Result<SiteWriter, SiteError> {
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|source| SiteError::Create {
            path: parent.clone(),
            source,
        })?;
        let name = out
            .file_name()
            .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
        remove_dead_leftovers(&parent, &name);
        let staging = parent.join(format!(".{name}.building-{}", std::process::id()));
        // A folder of that name from an earlier process with our pid: removed only when
        // it is one custody wrote.
        if std::fs::symlink_metadata(&staging).is_ok() {
            if !output::is_custody_site(&staging) && !is_unfinished_staging(&staging) {
                return Err(SiteError::InTheWay { staging });
            }
            std::fs::remove_dir_all(&staging).map_err(|source| SiteError::Clear {
                path: staging.clone(),
                source,
            })?;
        }
        std::fs::create_dir(&staging).map_err(|source| SiteError::Create {
            path: staging.clone(),
            source,
        })?;
        let w = SiteWriter {
            staging,
            files: AtomicUsize::new(0),
            linked: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        };
        if let Err(e) = w.write(output::MARKER, output::MARKER_TEXT.as_bytes()) {
            w.abandon();
            return Err(e);
        }
        Ok(w)
    }

    /// Files in the staged site (written and linked).
    pub fn files(&self) -> usize {
        self.files.load(Ordering::Relaxed)
    }

    /// Files taken over unchanged from the previous site.
    pub fn linked(&self) -> usize {
        self.linked.load(Ordering::Relaxed)
    }

    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The staged path of `rel`, with its folder created.
    fn target(&self, rel: &str) -> Result<PathBuf, SiteError> {
        let path = self.staging.join(safe_relative(rel)?);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| SiteError::Create {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        Ok(path)
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), SiteError> {
        let path = self.target(rel)?;
        std::fs::write(&path, bytes).map_err(|source| write_error(rel, source))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Creates `rel` by streaming into it (an evidence pack); the file is complete only
    /// when `fill` returns `Ok`.
    pub fn write_with(
        &self,
        rel: &str,
        fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<(), SiteError>,
    ) -> Result<(), SiteError> {
        use std::io::Write;
        let path = self.target(rel)?;
        let f = std::fs::File::create(&path).map_err(|source| write_error(rel, source))?;
        let mut w = std::io::BufWriter::with_capacity(256 * 1024, f);
        fill(&mut w)?;
        w.flush().map_err(|source| write_error(rel, source))?;
        let len = w.get_ref().metadata().map(|m| m.len()).unwrap_or(0);
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(len, Ordering::Relaxed);
        Ok(())
    }

    /// Takes `rel` over from the previous site at `old_root` unchanged: a hard link, or a
    /// copy where the file system cannot link.
    pub fn link(&self, old_root: &Path, rel: &str) -> Result<(), SiteError> {
        let src = old_root.join(safe_relative(rel)?);
        let path = self.target(rel)?;
        if std::fs::hard_link(&src, &path).is_err() {
            std::fs::copy(&src, &path).map_err(|source| SiteError::Copy {
                rel: rel.to_owned(),
                source,
            })?;
        }
        self.files.fetch_add(1, Ordering::Relaxed);
        self.linked.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Creates `rel` as a hard link to `from`, a file already in the staged site (the
    /// same control page in every client's folder), or a copy where links fail.
    pub fn link_staged(&self, from: &str, rel: &str) -> Result<(), SiteError> {
        let src = self.staging.join(safe_relative(from)?);
        let path = self.target(rel)?;
        if std::fs::hard_link(&src, &path).is_err() {
            std::fs::copy(&src, &path).map_err(|source| write_error(rel, source))?;
        }
        self.files.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Keeps a folder of a previous site (a client that could not be rebuilt this time).
    pub fn keep_from(&self, old_root: &Path, rel: &str) -> Result<bool, SiteError> {
        let src = old_root.join(safe_relative(rel)?);
        if !src.is_dir() {
            return Ok(false);
        }
        for entry in walkdir::WalkDir::new(&src)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(sub) = entry.path().strip_prefix(old_root) else {
                continue;
            };
            let sub = sub.to_string_lossy().replace('\\', "/");
            self.link(old_root, &sub)?;
        }
        Ok(true)
    }

    /// Replaces `out` with the staged site: the old one is moved aside first and removed
    /// only after the new one is in place.
    pub fn commit(self, out: &Path) -> Result<(), SiteError> {
        // The list of what this build wrote, last: the next build replaces this site only
        // while it holds nothing else. A failure here drops the staged site, as a failed
        // build does; `out` is untouched.
        let listed = output::site_files(&self.staging)
            .map_err(|e| SiteError::Write {
                rel: e.entry,
                source: std::io::Error::other("not a regular file"),
            })
            .and_then(|files| {
                std::fs::write(
                    self.staging.join(output::INVENTORY),
                    output::inventory_text(files),
                )
                .map_err(|source| write_error(output::INVENTORY, source))
            });
        if let Err(e) = listed {
            remove_site(&self.staging);
            return Err(e);
        }
        // The previous site was checked before the build; a link put there since would
        // be swapped away, not the folder it names.
        if std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(SiteError::BecameLink {
                out: out.to_path_buf(),
            });
        }
        // Where the OS swaps two paths in one step, nothing (a reader, a kill) ever sees
        // `out` missing; elsewhere the two renames below leave a brief gap.
        if out.is_dir() && exchange(&self.staging, out).is_ok() {
            remove_site(&self.staging); // now holds the previous site
            return Ok(());
        }
        let old = out.with_file_name(format!(
            ".{}.old-{}",
            out.file_name()
                .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned()),
            std::process::id()
        ));
        let had_old = out.exists();
        if had_old {
            std::fs::rename(out, &old).map_err(SiteError::MoveAside)?;
        }
        if let Err(e) = std::fs::rename(&self.staging, out) {
            if had_old {
                let _ = std::fs::rename(&old, out);
            }
            return Err(SiteError::MoveIntoPlace(e));
        }
        if had_old {
            remove_site(&old);
        }
        Ok(())
    }

    /// Drops the staged files (the build failed); `out` is untouched.
    pub fn abandon(self) {
        remove_site(&self.staging);
    }
}

fn write_error(rel: &str, source: std::io::Error) -> SiteError {
    SiteError::Write {
        rel: rel.to_owned(),
        source,
    }
}

/// Removes a site or staging folder custody wrote, its marker last: a kill half-way
/// leaves a folder that is still marked (so the next build recognises and removes it),
/// never an unmarked remnant that custody may no longer touch.
fn remove_site(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.filter_map(Result::ok) {
            if e.file_name() == output::MARKER {
                continue;
            }
            let path = e.path();
            let _ = if e.file_type().is_ok_and(|t| t.is_dir()) {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
    let _ = std::fs::remove_file(dir.join(output::MARKER));
    let _ = std::fs::remove_dir(dir);
}

/// Staging and set-aside folders of builds that were killed (their process is gone):
/// removed so they do not pile up beside the site, but only a folder with custody's
/// name that is also a site custody wrote (marked). Linux only (`/proc` tells who lives).
fn remove_dead_leftovers(parent: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let file = e.file_name().to_string_lossy().into_owned();
        let pid = [".building-", ".old-"].iter().find_map(|kind| {
            file.strip_prefix(&format!(".{name}{kind}"))
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
        if let Some(pid) = pid
            && !Path::new("/proc").join(pid).exists()
            && (output::is_custody_site(&e.path()) || is_unfinished_staging(&e.path()))
        {
            remove_site(&e.path());
        }
    }
}

/// A staging folder killed before its marker was complete: nothing in it but (a first
/// part of) the marker. Such a folder holds nothing of anyone's.
fn is_unfinished_staging(dir: &Path) -> bool {
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return false;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.into_iter().all(|e| {
        e.is_ok_and(|e| {
            e.file_name() == output::MARKER
                && e.file_type().is_ok_and(|t| t.is_file())
                && std::fs::read(e.path()).is_ok_and(|b| {
                    b.len() <= output::MARKER_TEXT.len()
                        && output::MARKER_TEXT.as_bytes().starts_with(&b)
                })
        })
    })
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_escape() {
        for bad in [
            "",
            "../x",
            "/etc/passwd",
            "a/../../b",
            "a//b",
            "a\\b",
            "./a",
        ] {
            assert!(safe_relative(bad).is_err(), "{bad:?}");
        }
        assert!(safe_relative("acme/2026-11/index.html").is_ok());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn leftovers_of_dead_builds_are_removed_only_when_custody_wrote_them() {
        let dir = tempfile::tempdir().unwrap();
        let make = |name: &str, files: &[(&str, &str)]| {
            let p = dir.path().join(name);
            std::fs::create_dir_all(&p).unwrap();
            for (f, text) in files {
                std::fs::write(p.join(f), text).unwrap();
            }
            p
        };
        let marker = output::MARKER_TEXT;
        // Dead pids (beyond any pid_max) with custody's names.
        let killed = make(
            ".site.building-999999991",
            &[(output::MARKER, marker), ("index.html", "<p>")],
        );
        let empty = make(".site.building-999999992", &[]);
        let half_marker = make(
            ".site.building-999999993",
            &[(output::MARKER, &marker[..7])],
        );
        let foreign = make(".site.building-999999994", &[("thesis.tex", "mine")]);
        let forged = make(
            ".site.old-999999995",
            &[(output::MARKER, "not custody"), ("a", "b")],
        );
        let other_name = make(".public.building-999999996", &[(output::MARKER, marker)]);
        remove_dead_leftovers(dir.path(), "site");
        for gone in [&killed, &empty, &half_marker] {
            assert!(!gone.exists(), "{} was left", gone.display());
        }
        for kept in [&foreign, &forged, &other_name] {
            assert!(kept.exists(), "{} was removed", kept.display());
        }
        assert_eq!(std::fs::read(foreign.join("thesis.tex")).unwrap(), b"mine");
    }

    #[test]
    fn commit_replaces_and_abandon_keeps_the_previous_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("old.html"), "old").unwrap();

        let w = SiteWriter::new(&out).unwrap();
        w.write("new.html", b"new").unwrap();
        w.abandon();
        assert!(
            out.join("old.html").exists(),
            "a failed build leaves the previous site"
        );

        let w = SiteWriter::new(&out).unwrap();
        w.write("a/new.html", b"new").unwrap();
        assert!(matches!(
            w.write("../escape", b"x"),
            Err(SiteError::Outside { rel }) if rel == "../escape"
        ));
        w.commit(&out).unwrap();
        assert!(out.join("a/new.html").exists());
        assert!(!out.join("old.html").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            leftovers.len(),
            1,
            "no staging or old folders left: {leftovers:?}"
        );
    }
}
