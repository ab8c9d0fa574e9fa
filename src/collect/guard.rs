//! What keeps `collect` inside its lane on disk: it writes only into real folders of the
//! repository (never through a link, which could lead outside it or into another
//! client's evidence), one run per client month at a time (an OS file lock), and on
//! Ctrl-C or SIGTERM it removes the partial folders and lock files it created.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, RwLock, RwLockReadGuard};

/// Why collect refuses to write a client month, or cannot take its lock.
#[derive(Debug)]
pub enum GuardError {
    /// A folder on the way to the month is a symbolic link (`why` says where it leads).
    LinkedFolder {
        rel: String,
        outside: Option<crate::repo::OutsideLink>,
    },
    /// A folder on the way to the month exists and is not a folder.
    NotAFolder { rel: String },
    /// The month folder cannot be walked.
    Unreadable { rel: String, source: walkdir::Error },
    /// The month folder holds a link (`link`) or another special file.
    IrregularEntry {
        rel: String,
        inner: String,
        link: bool,
    },
    /// The lock file cannot be opened (`file` is repository-relative).
    LockFile {
        file: String,
        source: std::io::Error,
    },
    /// Another process holds the lock of `month_rel`.
    Held {
        month_rel: String,
        pid: Option<u32>,
        file: String,
    },
    /// The OS refused the lock.
    Lock {
        file: String,
        source: std::io::Error,
    },
    /// The lock file was replaced under this run again and again.
    Replaced { file: String },
}

impl fmt::Display for GuardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GuardError::LinkedFolder { rel, outside } => write!(
                f,
                "{} {}; collect never reads or writes evidence through a link (it could lead outside the repository or into another client's folder): make it a real folder",
                rel.escape_debug(),
                match outside {
                    Some(why) => why.to_string(),
                    None => "is a symbolic link".to_owned(),
                }
            ),
            GuardError::NotAFolder { rel } => write!(
                f,
                "{} is not a folder; collect writes evidence only into real folders",
                rel.escape_debug()
            ),
            GuardError::Unreadable { rel, source } => write!(f, "cannot read {rel}: {source}"),
            GuardError::IrregularEntry { rel, inner, link } => {
                let what = if *link {
                    "is a symbolic link"
                } else {
                    "is not a regular file"
                };
                write!(
                    f,
                    "{rel}/{} {what}; collect copies and replaces regular files only, so it neither follows nor removes it: replace it with the file itself, or remove it",
                    inner.escape_debug()
                )
            }
            GuardError::LockFile { file, source } => {
                write!(f, "cannot open the lock file {file}: {source}")
            }
            GuardError::Held {
                month_rel,
                pid,
                file,
            } => {
                let pid = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
                write!(
                    f,
                    "{month_rel} is being collected by another custody process{pid}; \
                     run again when it has finished (lock file {file})"
                )
            }
            GuardError::Lock { file, source } => write!(f, "cannot lock {file}: {source}"),
            GuardError::Replaced { file } => write!(
                f,
                "cannot lock {file}: it keeps being replaced by other runs"
            ),
        }
    }
}

impl std::error::Error for GuardError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GuardError::Unreadable { source, .. } => Some(source),
            GuardError::LockFile { source, .. } | GuardError::Lock { source, .. } => Some(source),
            GuardError::LinkedFolder {
                outside: Some(why), ..
            } => Some(why),
            _ => None,
        }
    }
}

/// Refuses to write `evidence/<client>/<month>` unless every folder on the way that
/// exists is a real folder: a link could point outside the repository (evidence copied
/// in from elsewhere, files written elsewhere) or into another client's folder.
/// `rels` are repository-relative, outermost first.
pub fn refuse_linked_folders(repo: &Path, rels: &[String]) -> Result<(), GuardError> {
    for rel in rels {
        let Ok(meta) = std::fs::symlink_metadata(repo.join(rel)) else {
            continue; // created later, as a real folder
        };
        if meta.file_type().is_symlink() {
            return Err(GuardError::LinkedFolder {
                rel: rel.clone(),
                outside: crate::repo::refuse_outside_links(repo, &repo.join(rel)).err(),
            });
        }
        if !meta.is_dir() {
            return Err(GuardError::NotAFolder { rel: rel.clone() });
        }
    }
    Ok(())
}

/// Refuses a month folder that holds anything but regular files and folders: collect
/// copies people's files into the new snapshot and replaces the folder, so a link would
/// be followed (copying a file from outside the repository into evidence) or deleted
/// (custody removes only what it wrote).
pub fn refuse_irregular_entries(month_dir: &Path, rel: &str) -> Result<(), GuardError> {
    if !month_dir.is_dir() {
        return Ok(());
    }
    for entry in walkdir::WalkDir::new(month_dir).sort_by_file_name() {
        let entry = entry.map_err(|source| GuardError::Unreadable {
            rel: rel.to_owned(),
            source,
        })?;
        let t = entry.file_type();
        if t.is_file() || t.is_dir() {
            continue;
        }
        let inner = entry
            .path()
            .strip_prefix(month_dir)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        return Err(GuardError::IrregularEntry {
            rel: rel.to_owned(),
            inner,
            link: t.is_symlink(),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------- one run per month

/// The lock of one client month, held for the whole collection. The OS releases it when
/// the process dies, so a lock file left by a killed run never blocks the next one.
#[derive(Debug)]
pub struct MonthLock {
    path: PathBuf,
    file: Option<File>,
}

impl MonthLock {
    /// Takes `<client_dir>/.<month>.lock`, or says who holds it. Never waits: a second
    /// run of the same month refuses at once rather than interleave.
    pub fn acquire(client_dir: &Path, month: &str, rel_dir: &str) -> Result<MonthLock, GuardError> {
        let name = format!(".{month}.lock");
        let path = client_dir.join(&name);
        let file_rel = format!("{rel_dir}/{name}");
        // A run that held the lock removes the file before releasing it; a run that opened
        // the old file just then locks a file no longer in place, and tries again.
        for _ in 0..5 {
            let mut file = open_lock_file(&path).map_err(|source| GuardError::LockFile {
                file: file_rel.clone(),
                source,
            })?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut held_by = String::new();
                    let _ = (&file).take(32).read_to_string(&mut held_by);
                    return Err(GuardError::Held {
                        month_rel: format!("{rel_dir}/{month}"),
                        pid: held_by.trim().parse::<u32>().ok(),
                        file: file_rel,
                    });
                }
                Err(std::fs::TryLockError::Error(source)) => {
                    return Err(GuardError::Lock {
                        file: file_rel,
                        source,
                    });
                }
            }
            if !same_file(&file, &path) {
                continue;
            }
            let _ = file.set_len(0);
            let _ = write!(file, "{}", std::process::id());
            register_cleanup(&path);
            return Ok(MonthLock {
                path,
                file: Some(file),
            });
        }
        Err(GuardError::Replaced { file: file_rel })
    }
}

impl Drop for MonthLock {
    fn drop(&mut self) {
        // Removed while still held, so no other run can lock this file after it is gone.
        let _guard = write_guard();
        let _ = std::fs::remove_file(&self.path);
        unregister_cleanup(&self.path);
        drop(self.file.take());
    }
}

#[cfg(target_os = "linux")]
fn open_lock_file(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NOFOLLOW: a link planted under the lock file's name is never opened.
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
}

#[cfg(not(target_os = "linux"))]
fn open_lock_file(path: &Path) -> std::io::Result<File> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other("is a symbolic link"));
    }
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.is_file()
}

// ---------------------------------------------------------------- Ctrl-C and SIGTERM

/// Paths this process created and must not leave behind if it is interrupted.
static CLEANUP: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Writes into partial folders and swaps hold it shared; the signal handler takes it
/// exclusively, so it never removes a folder while a write could re-create part of it.
static WRITES: RwLock<()> = RwLock::new(());
static STOPPING: AtomicBool = AtomicBool::new(false);
static INSTALLED: OnceLock<()> = OnceLock::new();
/// What the application does once the partial folders are gone (say so, and exit with
/// its code): library code never prints or picks an exit code.
static ON_INTERRUPT: Mutex<Option<fn()>> = Mutex::new(None);

/// Sets what happens after an interrupt's cleanup. Without it the handler only cleans
/// up and sets [`stopping`], so workers start no new work and the run returns.
pub fn on_interrupt(then: fn()) {
    *ON_INTERRUPT.lock().unwrap_or_else(|e| e.into_inner()) = Some(then);
}

/// Installs (once per process) the handler that, on Ctrl-C, SIGTERM or SIGHUP, waits for
/// the write in progress, removes every registered partial folder and lock file, then
/// calls what [`on_interrupt`] set.
pub fn install_signal_cleanup() {
    INSTALLED.get_or_init(|| {
        let _ = ctrlc::set_handler(|| {
            STOPPING.store(true, Ordering::SeqCst);
            let _exclusive = WRITES.write().unwrap_or_else(|e| e.into_inner());
            let paths = std::mem::take(&mut *CLEANUP.lock().unwrap_or_else(|e| e.into_inner()));
            for p in paths {
                match std::fs::symlink_metadata(&p) {
                    Ok(m) if m.is_dir() => {
                        let _ = std::fs::remove_dir_all(&p);
                    }
                    Ok(_) => {
                        let _ = std::fs::remove_file(&p);
                    }
                    Err(_) => {}
                }
            }
            let then = *ON_INTERRUPT.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(then) = then {
                then();
            }
        });
    });
}

/// Whether an interrupt is being handled (workers stop starting new work).
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// Held while writing into a partial folder or swapping it into place.
pub fn write_guard() -> RwLockReadGuard<'static, ()> {
    WRITES.read().unwrap_or_else(|e| e.into_inner())
}

pub fn register_cleanup(path: &Path) {
    CLEANUP
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(path.to_path_buf());
}

pub fn unregister_cleanup(path: &Path) {
    CLEANUP
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|p| p != path);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_locked_once_and_the_lock_file_goes_with_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let first = MonthLock::acquire(dir.path(), "2026-11", "evidence/acme").unwrap();
        let e = MonthLock::acquire(dir.path(), "2026-11", "evidence/acme").unwrap_err();
        assert!(
            matches!(&e, GuardError::Held { pid: Some(p), file, .. }
                if *p == std::process::id() && file == "evidence/acme/.2026-11.lock"),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "evidence/acme/2026-11 is being collected by another custody process (pid {}); \
                 run again when it has finished (lock file evidence/acme/.2026-11.lock)",
                std::process::id()
            )
        );
        // Another month is independent.
        let other = MonthLock::acquire(dir.path(), "2026-10", "evidence/acme").unwrap();
        drop(first);
        assert!(!dir.path().join(".2026-11.lock").exists());
        let again = MonthLock::acquire(dir.path(), "2026-11", "evidence/acme").unwrap();
        drop((again, other));
        // A lock file left by a dead process (no OS lock on it) does not block.
        std::fs::write(dir.path().join(".2026-11.lock"), "999999").unwrap();
        drop(MonthLock::acquire(dir.path(), "2026-11", "evidence/acme").unwrap());
        assert!(!dir.path().join(".2026-11.lock").exists());
    }

    #[cfg(unix)]
    #[test]
    fn links_on_the_way_to_a_month_are_refused() {
        let outside = tempfile::tempdir().unwrap();
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(repo.path().join("evidence/b")).unwrap();
        std::os::unix::fs::symlink(outside.path(), repo.path().join("evidence/a")).unwrap();
        std::os::unix::fs::symlink(
            repo.path().join("evidence/b"),
            repo.path().join("evidence/c"),
        )
        .unwrap();
        let rels = |c: &str| vec!["evidence".to_owned(), format!("evidence/{c}")];
        let e = refuse_linked_folders(repo.path(), &rels("a")).unwrap_err();
        assert!(
            matches!(&e, GuardError::LinkedFolder { rel, outside: Some(_) } if rel == "evidence/a"),
            "{e:?}"
        );
        assert!(e.to_string().contains("outside the repository"), "{e}");
        let e = refuse_linked_folders(repo.path(), &rels("c")).unwrap_err();
        assert!(
            matches!(&e, GuardError::LinkedFolder { outside: None, .. }),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("evidence/c is a symbolic link; collect never"),
            "{e}"
        );
        assert!(refuse_linked_folders(repo.path(), &rels("b")).is_ok());
        assert!(refuse_linked_folders(repo.path(), &rels("new")).is_ok());

        let month = repo.path().join("evidence/b/2026-11");
        std::fs::create_dir_all(month.join("graph")).unwrap();
        std::fs::write(month.join("backup-jobs.csv"), "x").unwrap();
        assert!(refuse_irregular_entries(&month, "evidence/b/2026-11").is_ok());
        std::os::unix::fs::symlink("/etc/hostname", month.join("graph/users.json")).unwrap();
        let e = refuse_irregular_entries(&month, "evidence/b/2026-11").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("evidence/b/2026-11/graph/users.json is a symbolic link"),
            "{e}"
        );
    }
}
